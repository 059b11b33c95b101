//! What a credential attests (Open Badges 2.0 BadgeClass, 3.0 Achievement).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "achievements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub issuer_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// Criteria narrative or URL.
    pub criteria: Option<String>,
    pub image: Option<String>,
    pub source: String,
    pub source_id: Option<String>,
    /// Fingerprint of the imported record\'s content: re-importing it unchanged is a no-op.
    pub source_hash: Option<String>,
    pub date_created: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::issuer::Entity",
        from = "Column::IssuerId",
        to = "super::issuer::Column::Id",
        on_delete = "Cascade"
    )]
    Issuer,
    #[sea_orm(has_many = "super::achievement_alignment::Entity")]
    Alignment,
    #[sea_orm(has_many = "super::credential::Entity")]
    Credential,
}

impl Related<super::issuer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Issuer.def()
    }
}

impl Related<super::achievement_alignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Alignment.def()
    }
}

impl Related<super::credential::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Credential.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
