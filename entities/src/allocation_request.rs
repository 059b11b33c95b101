//! The answer of an allocation call, kept under the idempotency key its caller gave, so
//! a retry answers the same and proposes nothing twice.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "allocation_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Who made the call: a key is theirs alone.
    pub subject: String,
    /// What was asked (scope and options), hashed: the same key for another request is
    /// refused.
    pub fingerprint: String,
    /// The answer, as JSON.
    #[sea_orm(column_type = "Text")]
    pub answer: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
