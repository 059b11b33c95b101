//! How far each search-index replica has applied the outbox. Outbox rows below the
//! smallest cursor are no longer needed by anyone and may be pruned.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "index_cursors")]
pub struct Model {
    /// Stable name of the replica's index (e.g. its data dir's instance id).
    #[sea_orm(primary_key, auto_increment = false)]
    pub replica: String,
    /// Highest outbox `seq` applied and committed to that replica's index.
    pub applied_seq: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
