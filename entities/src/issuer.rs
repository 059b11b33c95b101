//! An issuer of credentials (Open Badges Issuer / Profile).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "issuers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    /// Set by an admin: only proofs bound to a trusted issuer's identifier verify a skill.
    pub trusted: bool,
    /// PEM public key used to check signed credentials, when the issuer publishes one.
    pub public_key: Option<String>,
    pub source: String,
    pub source_id: Option<String>,
    /// Fingerprint of the imported record\'s content: re-importing it unchanged is a no-op.
    pub source_hash: Option<String>,
    pub date_created: DateTimeUtc,
    /// The DID or URL this issuer's credentials name (`issuer` / `issuer.id`): what an admin
    /// trusts. None for issuers known only by name, which can verify nothing.
    pub identifier: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::achievement::Entity")]
    Achievement,
}

impl Related<super::achievement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Achievement.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
