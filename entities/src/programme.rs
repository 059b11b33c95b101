//! A programme groups jobs, e.g. one Innovative Manufacturing in Africa trial.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "programmes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub sponsor: Option<String>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    /// ISO 3166-1 alpha-2 codes of the countries the programme's jobs are made in (a
    /// JSON list); none: anywhere.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub region: Option<Json>,
    /// Ids of the facilities taking part (a JSON list): allocation keeps to them. None:
    /// any facility.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub participants: Option<Json>,
    pub date_created: DateTimeUtc,
    pub last_updated: DateTimeUtc,
    /// Opt-in: a completed assignment earns each maker on it a signed proof-of-practice
    /// credential from this deployment.
    pub issue_proof_of_practice: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::job::Entity")]
    Job,
}

impl Related<super::job::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Job.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
