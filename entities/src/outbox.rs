//! The outbox: every write inserts a row here in its own transaction; the indexer applies
//! rows in `seq` order to the search engine (DESIGN §2).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What the search engine indexes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IndexedKind {
    #[sea_orm(string_value = "MAKER")]
    Maker,
    #[sea_orm(string_value = "FACILITY")]
    Facility,
    #[sea_orm(string_value = "JOB")]
    Job,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboxOp {
    /// (Re)index the entity from its current rows.
    #[sea_orm(string_value = "UPSERT")]
    Upsert,
    /// Remove the entity from the index.
    #[sea_orm(string_value = "DELETE")]
    Delete,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// Monotonic sequence number: the order the indexer applies rows in.
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub kind: IndexedKind,
    pub entity_id: Uuid,
    pub op: OutboxOp,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
