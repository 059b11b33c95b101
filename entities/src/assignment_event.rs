//! The audit trail of an assignment: every transition, who made it, when, and why.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::assignment::AssignmentStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "assignment_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub assignment_id: Uuid,
    /// `None` for the event that created the assignment.
    pub from_status: Option<AssignmentStatus>,
    pub to_status: AssignmentStatus,
    /// Token subject of whoever made the transition.
    pub actor: String,
    pub note: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::assignment::Entity",
        from = "Column::AssignmentId",
        to = "super::assignment::Column::Id",
        on_delete = "Cascade"
    )]
    Assignment,
}

impl Related<super::assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assignment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
