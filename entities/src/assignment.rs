//! A share of a job given to a facility, and where it stands.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssignmentStatus {
    #[sea_orm(string_value = "PROPOSED")]
    Proposed,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    #[sea_orm(string_value = "PROTOTYPE_SUBMITTED")]
    PrototypeSubmitted,
    #[sea_orm(string_value = "PROTOTYPE_APPROVED")]
    PrototypeApproved,
    #[sea_orm(string_value = "PROTOTYPE_REJECTED")]
    PrototypeRejected,
    #[sea_orm(string_value = "IN_PRODUCTION")]
    InProduction,
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

impl AssignmentStatus {
    /// Whether the assignment still holds part of the job's quantity.
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            AssignmentStatus::Declined | AssignmentStatus::Cancelled
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub facility_id: Uuid,
    pub quantity: i32,
    pub unit_price_minor: Option<i64>,
    pub currency: Option<String>,
    pub status: AssignmentStatus,
    pub prototype_required: bool,
    pub due_on: Option<Date>,
    pub date_created: DateTimeUtc,
    pub last_updated: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::job::Entity",
        from = "Column::JobId",
        to = "super::job::Column::Id",
        on_delete = "Cascade"
    )]
    Job,
    #[sea_orm(
        belongs_to = "super::facility::Entity",
        from = "Column::FacilityId",
        to = "super::facility::Column::Id",
        on_delete = "Restrict"
    )]
    Facility,
    #[sea_orm(has_many = "super::assignment_event::Entity")]
    Event,
    #[sea_orm(has_many = "super::assignment_maker::Entity")]
    AssignmentMaker,
}

impl Related<super::job::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Job.def()
    }
}

impl Related<super::facility::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Facility.def()
    }
}

impl Related<super::assignment_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl Related<super::assignment_maker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AssignmentMaker.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
