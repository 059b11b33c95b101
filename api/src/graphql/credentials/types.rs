//! The `Issuer`, `Achievement` and `Credential` types.

use async_graphql::{Context, ID, Object, Result};
use chrono::Utc;
use makermatch_entities::{achievement, achievement_alignment, credential, issuer};
use uuid::Uuid;

use makermatch_search::matching::{CredentialStatus, credential_status};

use crate::graphql::access::visibility;
use crate::graphql::loader::{
    AchievementAlignments, AchievementId, AppLoader, IssuerAchievements, IssuerId, MakerId, SkillId,
};
use crate::graphql::makers::Maker;
use crate::graphql::relay::{NodeType, global_id};
use crate::graphql::scalars::Timestamp;
use crate::graphql::taxonomy::{Process, Skill, taxonomy};
use crate::services::credentials::evidence;
use crate::services::credentials::verification::Status;

/// Who issues credentials (an Open Badges Issuer / Profile). Its email is private.
pub struct Issuer(pub issuer::Model);

/// Who issues credentials (an Open Badges Issuer or Profile). Public; its e-mail is stored
/// but never shown.
#[Object]
impl Issuer {
    /// Global id (Relay), usable with `node` and every `id` argument.
    pub async fn id(&self) -> ID {
        global_id(NodeType::Issuer, self.0.id)
    }
    /// The id as a plain UUID.
    async fn uuid(&self) -> Uuid {
        self.0.id
    }
    /// The issuer's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The issuer's web site.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// What the issuer is.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Set by an admin: credentials whose proof is bound to this issuer's identifier verify
    /// skills. An issuer without an identifier verifies nothing, trusted or not.
    async fn trusted(&self) -> bool {
        self.0.trusted
    }
    /// The DID or URL this issuer's credentials name (`issuer` / `issuer.id`): what trust
    /// is given to. Null for an issuer known only by name.
    async fn identifier(&self) -> Option<&str> {
        self.0.identifier.as_deref()
    }
    /// PEM public key that checks the issuer's signed credentials, when published.
    async fn public_key(&self) -> Option<&str> {
        self.0.public_key.as_deref()
    }
    /// Where the record came from (`makermatch`, `openbadges`) and its id there.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The record's id in its source; null for issuers made here.
    async fn source_id(&self) -> Option<&str> {
        self.0.source_id.as_deref()
    }
    /// When the issuer was created here.
    async fn date_created(&self) -> Timestamp {
        self.0.date_created.into()
    }
    /// What it awards, by name.
    async fn achievements(&self, ctx: &Context<'_>) -> Result<Vec<Achievement>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(IssuerAchievements(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Achievement)
            .collect())
    }
}

/// What an achievement attests: a skill (as makers write it) or a taxonomy process.
pub struct Alignment(achievement_alignment::Model);

/// What an achievement attests: a skill (as makers write it) or a taxonomy process.
#[Object]
impl Alignment {
    /// The alignment as the badge states it.
    async fn target_name(&self) -> &str {
        &self.0.target_name
    }
    /// The framework entry it points at (an ESCO URI, a Wikipedia URL…).
    async fn target_url(&self) -> Option<&str> {
        self.0.target_url.as_deref()
    }
    /// The skill it verifies, when it names one.
    async fn skill(&self, ctx: &Context<'_>) -> Result<Option<Skill>> {
        let Some(id) = self.0.skill_id else {
            return Ok(None);
        };
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(SkillId(id)).await?.map(Skill::from))
    }
    /// The process it verifies (every skill in it or a more specific one), when it names
    /// one.
    async fn process(&self, ctx: &Context<'_>) -> Result<Option<Process>> {
        let tax = taxonomy(ctx)?;
        Ok(self
            .0
            .process_id
            .as_deref()
            .and_then(|id| tax.process(id))
            .map(|p| Process(p.clone(), tax.clone())))
    }
}

/// What a credential attests (Open Badges BadgeClass / Achievement).
pub struct Achievement(pub achievement::Model);

/// What a credential attests (an Open Badges BadgeClass or Achievement), awarded by one
/// issuer.
#[Object]
impl Achievement {
    /// Global id (Relay), usable with `node` and every `id` argument.
    pub async fn id(&self) -> ID {
        global_id(NodeType::Achievement, self.0.id)
    }
    /// The id as a plain UUID.
    async fn uuid(&self) -> Uuid {
        self.0.id
    }
    /// The achievement's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What earning it means.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Criteria narrative or URL.
    async fn criteria(&self) -> Option<&str> {
        self.0.criteria.as_deref()
    }
    /// Image URL of the badge.
    async fn image(&self) -> Option<&str> {
        self.0.image.as_deref()
    }
    /// The issuer awarding it; null if it was deleted.
    async fn issuer(&self, ctx: &Context<'_>) -> Result<Option<Issuer>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(IssuerId(self.0.issuer_id))
            .await?
            .map(Issuer))
    }
    /// The skills and processes it verifies.
    async fn alignments(&self, ctx: &Context<'_>) -> Result<Vec<Alignment>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(AchievementAlignments(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Alignment)
            .collect())
    }
    /// Where the record came from (`makermatch`, `openbadges`).
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The record's id in its source; null for achievements made here.
    async fn source_id(&self) -> Option<&str> {
        self.0.source_id.as_deref()
    }
    /// When the achievement was created here.
    async fn date_created(&self) -> Timestamp {
        self.0.date_created.into()
    }
}

/// A credential held by a maker (Open Badges Assertion / OpenBadgeCredential).
pub struct Credential(pub credential::Model);

impl Credential {
    /// Whether it verifies its aligned skills, by the rule matching uses.
    async fn is_valid(&self, ctx: &Context<'_>) -> Result<bool> {
        let loader = ctx.data::<AppLoader>()?;
        let Some(achievement) = loader
            .load_one(AchievementId(self.0.achievement_id))
            .await?
        else {
            return Ok(false);
        };
        let Some(issuer) = loader.load_one(IssuerId(achievement.issuer_id)).await? else {
            return Ok(false);
        };
        let evidence = evidence::evidence(&self.0, &achievement, &issuer);
        Ok(credential_status(&evidence, Utc::now()) == CredentialStatus::Valid)
    }
}

/// The outcome of checking a credential's proof.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::services::credentials::verification::Status")]
pub enum VerificationStatus {
    /// A signature was checked, is right, and was made by the issuer the credential names.
    Verified,
    /// No proof, or one that could not be checked: the credential counts as self-declared.
    Unverified,
    /// A signature was checked and is wrong, or was made by someone other than its issuer.
    Invalid,
    /// Its proof checked out, but it is past its end of validity.
    Expired,
    /// Its proof checked out, but its issuer revoked it.
    Revoked,
}

/// How a credential's proof was checked, and what was found.
pub struct CredentialVerification<'a>(&'a credential::Model);

/// How a credential's proof was checked, and what was found.
#[Object]
impl CredentialVerification<'_> {
    /// The outcome, judged now: a verified credential past its end of validity is EXPIRED.
    async fn status(&self) -> VerificationStatus {
        let stored = Status::parse(&self.0.verification_status);
        let status = if stored == Status::Verified && self.0.revoked {
            Status::Revoked
        } else if stored == Status::Verified && self.0.expires.is_some_and(|e| e <= Utc::now()) {
            Status::Expired
        } else {
            stored
        };
        status.into()
    }
    /// How it was checked: `eddsa-rdfc-2022`, `ecdsa-rdfc-2019`, `Ed25519Signature2020`,
    /// `vc-jwt:<alg>`, `ob2-jws:<alg>`, `ob2-hosted`, or `none` when it carries no proof.
    async fn method(&self) -> Option<&str> {
        self.0.verification_method.as_deref()
    }
    /// When it was last checked.
    async fn checked_at(&self) -> Option<Timestamp> {
        self.0.verification_checked_at.map(Into::into)
    }
    /// Why the outcome is what it is, in words.
    async fn reason(&self) -> Option<&str> {
        self.0.verification_reason.as_deref()
    }
    /// The DID or URL the proof is bound to: an admin trusts an issuer by this identifier.
    async fn issuer(&self) -> Option<&str> {
        self.0.verified_issuer.as_deref()
    }
}

/// A credential held by a maker (an Open Badges Assertion or OpenBadgeCredential). Seen by
/// whoever may see the holder's passport.
#[Object]
impl Credential {
    /// Global id (Relay), usable with `node` and every `id` argument.
    pub async fn id(&self) -> ID {
        global_id(NodeType::Credential, self.0.id)
    }
    /// The id as a plain UUID.
    async fn uuid(&self) -> Uuid {
        self.0.id
    }
    /// The global id of the maker holding it.
    async fn recipient_id(&self) -> ID {
        global_id(NodeType::Maker, self.0.maker_id)
    }
    /// The maker holding it; null when the caller may not see the passport.
    async fn recipient(&self, ctx: &Context<'_>) -> Result<Option<Maker>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(MakerId(self.0.maker_id))
            .await?
            .filter(|m| visibility(ctx).sees_maker(m))
            .map(Maker::new))
    }
    /// What it attests; null if the achievement was deleted.
    async fn achievement(&self, ctx: &Context<'_>) -> Result<Option<Achievement>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(AchievementId(self.0.achievement_id))
            .await?
            .map(Achievement))
    }
    /// When it was issued (RFC 3339, UTC).
    async fn issued_on(&self) -> Timestamp {
        self.0.issued_on.into()
    }
    /// When it stops being valid; null: never.
    async fn expires(&self) -> Option<Timestamp> {
        self.0.expires.map(Into::into)
    }
    /// URL of the evidence.
    async fn evidence_url(&self) -> Option<&str> {
        self.0.evidence_url.as_deref()
    }
    /// Whether the issuer revoked it.
    async fn revoked(&self) -> bool {
        self.0.revoked
    }
    /// Why it was revoked; null unless revoked.
    async fn revocation_reason(&self) -> Option<&str> {
        self.0.revocation_reason.as_deref()
    }
    /// Whether it verifies the skills its achievement aligns to: its proof checked out and
    /// is bound to an issuer identifier an admin trusts, and it is neither expired nor revoked.
    async fn valid(&self, ctx: &Context<'_>) -> Result<bool> {
        self.is_valid(ctx).await
    }
    /// How its proof was checked, and what was found.
    async fn verification(&self) -> CredentialVerification<'_> {
        CredentialVerification(&self.0)
    }
    /// The credential as it came (or as this deployment signed it): JSON with its embedded
    /// proof, or a compact JWS, to hand to any verifier. Null when recorded here without
    /// one. Private (it may name the holder's e-mail): the holder, coordinators and admins.
    async fn document(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let check =
            crate::graphql::access::visibility(ctx).maker_private(self.0.maker_id, "document");
        crate::graphql::access::shown(ctx, check, || self.0.document.as_deref())
    }
    /// Where the record came from (`makermatch`, `openbadges`).
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The credential's id in its source (an Open Badges credential's `id`); null for
    /// credentials recorded here.
    async fn source_id(&self) -> Option<&str> {
        self.0.source_id.as_deref()
    }
}
