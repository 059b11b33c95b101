//! A piece of equipment at a facility (OKW §7).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "equipment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub facility_id: Uuid,
    /// Canonical equipment type of the taxonomy (e.g. `fdm-3d-printer`) or the source's
    /// own words when it did not resolve.
    pub equipment_type: String,
    /// The main process it performs, when known.
    pub process_id: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub quantity: i32,
    /// e.g. `new`, `good`, `needs repair`.
    pub condition: Option<String>,
    pub notes: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::facility::Entity",
        from = "Column::FacilityId",
        to = "super::facility::Column::Id",
        on_delete = "Cascade"
    )]
    Facility,
    #[sea_orm(
        belongs_to = "super::process::Entity",
        from = "Column::ProcessId",
        to = "super::process::Column::Id",
        on_delete = "SetNull"
    )]
    Process,
    #[sea_orm(has_many = "super::equipment_property::Entity")]
    Property,
}

impl Related<super::facility::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Facility.def()
    }
}

impl Related<super::equipment_property::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Property.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
