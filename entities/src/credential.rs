//! A credential held by a maker (Open Badges Assertion / OpenBadgeCredential).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub maker_id: Uuid,
    pub achievement_id: Uuid,
    pub issued_on: DateTimeUtc,
    pub expires: Option<DateTimeUtc>,
    pub evidence_url: Option<String>,
    pub revoked: bool,
    pub revocation_reason: Option<String>,
    pub source: String,
    pub source_id: Option<String>,
    /// Fingerprint of the imported record\'s content: re-importing it unchanged is a no-op.
    pub source_hash: Option<String>,
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
        belongs_to = "super::achievement::Entity",
        from = "Column::AchievementId",
        to = "super::achievement::Column::Id",
        on_delete = "Cascade"
    )]
    Achievement,
}

impl Related<super::maker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Maker.def()
    }
}

impl Related<super::achievement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Achievement.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
