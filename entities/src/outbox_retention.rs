//! How far the outbox has been pruned (one row, id 1). Rows with `seq` below
//! `pruned_below` are gone: an index whose applied position is further back cannot catch up
//! by tailing the outbox and is rebuilt from the database instead.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "outbox_retention")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Every outbox row with a smaller `seq` has been pruned.
    pub pruned_below: i64,
    pub pruned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
