//! A production job (an order): what to make, how many, where to deliver.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "ALLOCATED")]
    Allocated,
    #[sea_orm(string_value = "IN_PRODUCTION")]
    InProduction,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub programme_id: Option<Uuid>,
    pub title: String,
    pub description: Option<String>,
    /// OKH manifest URL of the design.
    pub design_ref: Option<String>,
    /// An imported OKH manifest, kept as JSON.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub design_manifest: Option<Json>,
    pub quantity: i32,
    /// `SIMPLE_DEVICE`, `SIMPLE_PRODUCT`, `COMPLEX_PRODUCT` or a free label.
    pub tier: Option<String>,
    /// Price per unit in minor units of `currency` (cents), so sums are exact.
    pub unit_price_minor: Option<i64>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    pub deadline: Option<Date>,
    pub delivery_name: Option<String>,
    pub delivery_lat: Option<f64>,
    pub delivery_lon: Option<f64>,
    pub max_distance_km: Option<f64>,
    pub prototype_first: bool,
    /// Subject of the QA inspector who approves prototypes.
    pub qa_inspector: Option<String>,
    pub status: JobStatus,
    pub source: String,
    pub source_id: Option<String>,
    /// Fingerprint of the imported record\'s content: re-importing it unchanged is a no-op.
    pub source_hash: Option<String>,
    pub date_created: DateTimeUtc,
    pub last_updated: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::programme::Entity",
        from = "Column::ProgrammeId",
        to = "super::programme::Column::Id",
        on_delete = "SetNull"
    )]
    Programme,
    #[sea_orm(has_many = "super::job_requirement::Entity")]
    Requirement,
    #[sea_orm(has_many = "super::assignment::Entity")]
    Assignment,
}

impl Related<super::programme::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Programme.def()
    }
}

impl Related<super::job_requirement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Requirement.def()
    }
}

impl Related<super::assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assignment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
