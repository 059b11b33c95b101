//! A manufacturing facility (OKW §4) with its location (§6) and record data (§9).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FacilityStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    #[sea_orm(string_value = "TEMPORARY_CLOSURE")]
    TemporaryClosure,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccessType {
    #[sea_orm(string_value = "RESTRICTED")]
    Restricted,
    #[sea_orm(string_value = "RESTRICTED_WITH_PUBLIC_HOURS")]
    RestrictedWithPublicHours,
    #[sea_orm(string_value = "SHARED_SPACE")]
    SharedSpace,
    #[sea_orm(string_value = "PUBLIC")]
    Public,
    #[sea_orm(string_value = "MEMBERSHIP")]
    Membership,
}

/// OKW typical batch size, in units.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(12))")]
pub enum BatchSize {
    #[sea_orm(string_value = "0-50")]
    #[serde(rename = "0-50")]
    UpTo50,
    #[sea_orm(string_value = "50-500")]
    #[serde(rename = "50-500")]
    UpTo500,
    #[sea_orm(string_value = "500-5000")]
    #[serde(rename = "500-5000")]
    UpTo5000,
    #[sea_orm(string_value = "5000+")]
    #[serde(rename = "5000+")]
    Over5000,
}

impl BatchSize {
    /// The largest batch the class stands for; `None` when unbounded.
    pub fn upper_bound(self) -> Option<u32> {
        match self {
            BatchSize::UpTo50 => Some(50),
            BatchSize::UpTo500 => Some(500),
            BatchSize::UpTo5000 => Some(5000),
            BatchSize::Over5000 => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "facilities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub status: FacilityStatus,
    pub access_type: Option<AccessType>,
    // Location (OKW §6).
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub directions: Option<String>,
    // Owner / contact (OKW §5): contact details are private to staff.
    pub owner_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub website: Option<String>,
    /// Organisations the facility belongs to (JSON array of strings).
    #[sea_orm(column_type = "JsonBinary")]
    pub affiliations: Json,
    pub opening_hours: Option<String>,
    pub date_founded: Option<Date>,
    pub wheelchair_accessible: Option<bool>,
    pub typical_batch_size: Option<BatchSize>,
    pub floor_size_m2: Option<f64>,
    /// Certifications held, e.g. ISO 9001, ISO 13485 (JSON array of strings).
    #[sea_orm(column_type = "JsonBinary")]
    pub certifications: Json,
    pub backup_generator: Option<bool>,
    pub uninterrupted_power_supply: Option<bool>,
    pub road_access: Option<bool>,
    pub loading_dock: Option<bool>,
    /// Human capacity: people who work there.
    pub headcount: Option<i32>,
    /// New spaces on probation get a capped share in allocation.
    pub on_probation: bool,
    /// Process and material terms from the source that the taxonomy did not resolve,
    /// kept rather than dropped (JSON array of strings).
    #[sea_orm(column_type = "JsonBinary")]
    pub unresolved_terms: Json,
    // Record data (OKW §9).
    pub date_created: DateTimeUtc,
    pub last_updated: DateTimeUtc,
    pub date_verified: Option<DateTimeUtc>,
    pub verified_by: Option<String>,
    pub source: String,
    pub source_id: Option<String>,
    /// Fingerprint of the imported record\'s content: re-importing it unchanged is a no-op.
    pub source_hash: Option<String>,
    /// Fields of the imported record the model has no column for, as the source wrote
    /// them (a sparse copy of the record), given back by exports.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub source_fields: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::equipment::Entity")]
    Equipment,
    #[sea_orm(has_many = "super::facility_process::Entity")]
    FacilityProcess,
    #[sea_orm(has_many = "super::facility_material::Entity")]
    FacilityMaterial,
    #[sea_orm(has_many = "super::maker_affiliation::Entity")]
    MakerAffiliation,
    #[sea_orm(has_many = "super::assignment::Entity")]
    Assignment,
}

impl Related<super::equipment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Equipment.def()
    }
}

impl Related<super::facility_process::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FacilityProcess.def()
    }
}

impl Related<super::facility_material::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FacilityMaterial.def()
    }
}

impl Related<super::maker_affiliation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MakerAffiliation.def()
    }
}

impl Related<super::assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assignment.def()
    }
}

impl Related<super::maker::Entity> for Entity {
    fn to() -> RelationDef {
        super::maker_affiliation::Relation::Maker.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::maker_affiliation::Relation::Facility.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
