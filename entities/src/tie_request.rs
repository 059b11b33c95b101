//! A tie to a facility that a maker asked for and the facility's staff or a coordinator has
//! not yet confirmed or declined. It grants nothing until confirmed.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tie_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub maker_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub facility_id: Uuid,
    /// The role asked for: `member`, `staff` or `owner`.
    pub role: String,
    pub requested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
