//! A facility offers a manufacturing process (OKW `manufacturingProcesses`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "facility_processes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub facility_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub process_id: String,
    /// The term as the source wrote it (a Wikipedia URL, a TSDC code, a name).
    pub source_term: Option<String>,
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
        on_delete = "Cascade"
    )]
    Process,
}

impl Related<super::facility::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Facility.def()
    }
}

impl Related<super::process::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Process.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
