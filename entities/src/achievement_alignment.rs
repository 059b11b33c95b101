//! An achievement aligns to a skill or a process: what a credential verifies.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "achievement_alignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub achievement_id: Uuid,
    pub skill_id: Option<Uuid>,
    pub process_id: Option<String>,
    /// The alignment as the badge states it (targetName / targetUrl), kept even when resolved.
    pub target_name: String,
    pub target_url: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::achievement::Entity",
        from = "Column::AchievementId",
        to = "super::achievement::Column::Id",
        on_delete = "Cascade"
    )]
    Achievement,
    #[sea_orm(
        belongs_to = "super::skill::Entity",
        from = "Column::SkillId",
        to = "super::skill::Column::Id",
        on_delete = "SetNull"
    )]
    Skill,
    #[sea_orm(
        belongs_to = "super::process::Entity",
        from = "Column::ProcessId",
        to = "super::process::Column::Id",
        on_delete = "SetNull"
    )]
    Process,
}

impl Related<super::achievement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Achievement.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
