//! A normalised skill (free text made canonical), linked to a process and ESCO where known.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "skills")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Normalised key (lower case, single spaces, singular): unique.
    #[sea_orm(unique)]
    pub key: String,
    /// How the skill is shown.
    pub label: String,
    pub process_id: Option<String>,
    pub esco_uri: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::process::Entity",
        from = "Column::ProcessId",
        to = "super::process::Column::Id",
        on_delete = "SetNull"
    )]
    Process,
    #[sea_orm(has_many = "super::skill_claim::Entity")]
    SkillClaim,
}

impl Related<super::process::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Process.def()
    }
}

impl Related<super::skill_claim::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SkillClaim.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
