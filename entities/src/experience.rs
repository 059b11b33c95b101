//! A maker's work experience: a role at an organisation or a facility.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "experiences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub maker_id: Uuid,
    pub title: String,
    pub organisation: Option<String>,
    pub facility_id: Option<Uuid>,
    pub date_from: Option<Date>,
    pub date_to: Option<Date>,
    pub description: Option<String>,
    /// Canonical process ids used in this role (JSON array of strings).
    #[sea_orm(column_type = "JsonBinary")]
    pub processes: Json,
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
        belongs_to = "super::facility::Entity",
        from = "Column::FacilityId",
        to = "super::facility::Column::Id",
        on_delete = "SetNull"
    )]
    Facility,
}

impl Related<super::maker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Maker.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
