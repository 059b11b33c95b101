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
    /// The outcome of checking the credential's proof: VERIFIED, UNVERIFIED, INVALID, EXPIRED
    /// or REVOKED (see `makermatch_api::services::credentials::verification`).
    pub verification_status: String,
    /// How the proof was checked (`eddsa-rdfc-2022`, `vc-jwt:EdDSA`, `none`, …).
    pub verification_method: Option<String>,
    /// Why the outcome is what it is, in words.
    pub verification_reason: Option<String>,
    pub verification_checked_at: Option<DateTimeUtc>,
    /// The DID or URL the proof is bound to: what trust in an issuer is compared with.
    pub verified_issuer: Option<String>,
    /// When the outcome should be checked again (expiry, a status list's time to live).
    pub recheck_after: Option<DateTimeUtc>,
    /// The credential as received (JSON text or a compact JWS), kept for re-checks and for
    /// presentations that carry it with its original proof.
    pub document: Option<String>,
    /// The status list the credential names (`credentialStatus.statusListCredential`).
    pub status_list_credential: Option<String>,
    pub status_list_index: Option<i64>,
    /// This deployment's revocation-list position, for credentials it issued.
    pub status_index: Option<i64>,
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
