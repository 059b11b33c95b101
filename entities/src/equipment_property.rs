//! A technical property of a piece of equipment, typed: a number with a unit or a text.
//! (Bed size, build volume, laser power, spindle speed: OKW §7.)

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "equipment_properties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub equipment_id: Uuid,
    /// Property key in camelCase as OKW names it, e.g. `laserPower`, `buildVolumeX`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub number_value: Option<f64>,
    pub text_value: Option<String>,
    /// Unit of `number_value`, e.g. `mm`, `W`, `rpm`.
    pub unit: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::equipment::Entity",
        from = "Column::EquipmentId",
        to = "super::equipment::Column::Id",
        on_delete = "Cascade"
    )]
    Equipment,
}

impl Related<super::equipment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Equipment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
