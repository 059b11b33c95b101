//! One requirement of a job: a process, skill, equipment type, material or certification,
//! required or merely preferred.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::skill_claim::SkillLevel;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequirementKind {
    #[sea_orm(string_value = "PROCESS")]
    Process,
    #[sea_orm(string_value = "SKILL")]
    Skill,
    #[sea_orm(string_value = "EQUIPMENT")]
    Equipment,
    #[sea_orm(string_value = "MATERIAL")]
    Material,
    #[sea_orm(string_value = "CERTIFICATION")]
    Certification,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "job_requirements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub kind: RequirementKind,
    /// Canonical id where the taxonomy knows the term (process, equipment type, material,
    /// skill key), else the term as given.
    pub term: String,
    /// Required (`true`) or preferred (`false`).
    pub required: bool,
    /// For skills: the least level that satisfies it.
    pub min_level: Option<SkillLevel>,
    /// How the term was read when written (the search crate's `TermResolution`: words as
    /// given, id, method, confidence, what an inferred one came from); null when the term
    /// was stored as given.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub resolution: Option<Json>,
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
}

impl Related<super::job::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Job.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
