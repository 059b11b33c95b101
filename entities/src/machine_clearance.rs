//! A maker is cleared to run a piece of equipment at a facility.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "machine_clearances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub maker_id: Uuid,
    pub equipment_id: Uuid,
    pub facility_id: Uuid,
    /// Who granted it (a person's name or a token subject).
    pub granted_by: String,
    pub granted_on: Date,
    pub expires_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::maker::Entity",
        from = "Column::MakerId",
        to = "super::maker::Column::Id",
        on_delete = "Cascade"
    )]
    Maker,
    #[sea_orm(
        belongs_to = "super::equipment::Entity",
        from = "Column::EquipmentId",
        to = "super::equipment::Column::Id",
        on_delete = "Cascade"
    )]
    Equipment,
    #[sea_orm(
        belongs_to = "super::facility::Entity",
        from = "Column::FacilityId",
        to = "super::facility::Column::Id",
        on_delete = "Cascade"
    )]
    Facility,
}

impl Related<super::maker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Maker.def()
    }
}

impl Related<super::equipment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Equipment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
