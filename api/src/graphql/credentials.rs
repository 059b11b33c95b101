//! Issuers, achievements and credentials (Open Badges 2.0 / 3.0 shapes, DESIGN §3) over
//! GraphQL. A maker's skill is verified when an unexpired, unrevoked credential from a
//! trusted issuer aligns to it; issuing, revoking and changing trust re-index the makers
//! concerned, and the mutations return once searches see it.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use makermatch_entities::{achievement, achievement_alignment, credential, issuer};
use makermatch_search::skills::skill_process;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::error::{ServiceErrorExt, bad_input, from_db, from_service, not_found};
use super::loader::{
    AchievementAlignments, AchievementId, AppLoader, CredentialId, IssuerAchievements, IssuerId,
    MakerId, SkillId,
};
use super::makers::Maker;
use super::relay::{NodeType, Page, PageArgs, expect_id, global_id, page};
use super::search_support::index;
use super::taxonomy::{Process, Skill, process_id, taxonomy};
use crate::services::credentials::{
    self as service, AchievementInput as ServiceAchievementInput, AlignmentInput,
    CredentialInput as ServiceCredentialInput, IssuerInput as ServiceIssuerInput, IssuerPatch,
};

/// Who issues credentials (an Open Badges Issuer / Profile). Its email is private.
pub struct Issuer(pub issuer::Model);

#[Object]
impl Issuer {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Issuer, self.0.id)
    }
    /// The id as a plain UUID.
    async fn uuid(&self) -> Uuid {
        self.0.id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Set by an admin: only credentials from trusted issuers verify skills.
    async fn trusted(&self) -> bool {
        self.0.trusted
    }
    /// PEM public key that checks the issuer's signed credentials, when published.
    async fn public_key(&self) -> Option<&str> {
        self.0.public_key.as_deref()
    }
    /// Where the record came from (`makermatch`, `openbadges`) and its id there.
    async fn source(&self) -> &str {
        &self.0.source
    }
    async fn source_id(&self) -> Option<&str> {
        self.0.source_id.as_deref()
    }
    async fn date_created(&self) -> DateTime<Utc> {
        self.0.date_created
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

#[Object]
impl Alignment {
    /// The alignment as the badge states it.
    async fn target_name(&self) -> &str {
        &self.0.target_name
    }
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
    /// The process it verifies (every skill in it or a more specific one), when it names one.
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

#[Object]
impl Achievement {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Achievement, self.0.id)
    }
    /// The id as a plain UUID.
    async fn uuid(&self) -> Uuid {
        self.0.id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
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
    async fn source(&self) -> &str {
        &self.0.source
    }
    async fn source_id(&self) -> Option<&str> {
        self.0.source_id.as_deref()
    }
    async fn date_created(&self) -> DateTime<Utc> {
        self.0.date_created
    }
}

/// A credential held by a maker (Open Badges Assertion / OpenBadgeCredential).
pub struct Credential(pub credential::Model);

impl Credential {
    /// Unrevoked, unexpired, and from an issuer an admin trusts.
    async fn is_valid(&self, ctx: &Context<'_>) -> Result<bool> {
        if self.0.revoked || self.0.expires.is_some_and(|e| e <= Utc::now()) {
            return Ok(false);
        }
        let loader = ctx.data::<AppLoader>()?;
        let Some(achievement) = loader
            .load_one(AchievementId(self.0.achievement_id))
            .await?
        else {
            return Ok(false);
        };
        Ok(loader
            .load_one(IssuerId(achievement.issuer_id))
            .await?
            .is_some_and(|i| i.trusted))
    }
}

#[Object]
impl Credential {
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
            .filter(|m| super::access::sees_maker(ctx, m))
            .map(Maker::new))
    }
    async fn achievement(&self, ctx: &Context<'_>) -> Result<Option<Achievement>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(AchievementId(self.0.achievement_id))
            .await?
            .map(Achievement))
    }
    async fn issued_on(&self) -> DateTime<Utc> {
        self.0.issued_on
    }
    async fn expires(&self) -> Option<DateTime<Utc>> {
        self.0.expires
    }
    /// URL of the evidence.
    async fn evidence_url(&self) -> Option<&str> {
        self.0.evidence_url.as_deref()
    }
    async fn revoked(&self) -> bool {
        self.0.revoked
    }
    async fn revocation_reason(&self) -> Option<&str> {
        self.0.revocation_reason.as_deref()
    }
    /// Unrevoked, unexpired and from a trusted issuer: only then does it verify skills.
    async fn valid(&self, ctx: &Context<'_>) -> Result<bool> {
        self.is_valid(ctx).await
    }
    async fn source(&self) -> &str {
        &self.0.source
    }
}

/// A credential by id, when the caller may see its holder's passport.
pub async fn public_credential(ctx: &Context<'_>, id: Uuid) -> Result<Option<Credential>> {
    let loader = ctx.data::<AppLoader>()?;
    let Some(row) = loader.load_one(CredentialId(id)).await? else {
        return Ok(None);
    };
    let public = loader
        .load_one(MakerId(row.maker_id))
        .await?
        .is_some_and(|m| super::access::sees_maker(ctx, &m));
    Ok(public.then_some(Credential(row)))
}

#[derive(Default)]
pub struct CredentialsQuery;

#[Object]
impl CredentialsQuery {
    /// Issuers by name, optionally only trusted (or untrusted) ones.
    #[graphql(
        complexity = "first.unwrap_or(super::relay::DEFAULT_FIRST).clamp(0, super::relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn issuers(
        &self,
        ctx: &Context<'_>,
        trusted: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Issuer>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let mut query = issuer::Entity::find();
        if let Some(t) = trusted {
            query = query.filter(issuer::Column::Trusted.eq(t));
        }
        let total = query.clone().count(db).await.map_err(from_db)?;
        let rows = query
            .order_by_asc(issuer::Column::Name)
            .order_by_asc(issuer::Column::Id)
            .offset(args.offset as u64)
            .limit(args.limit as u64)
            .all(db)
            .await
            .map_err(from_db)?;
        Ok(page(args, rows.into_iter().map(Issuer).collect(), total))
    }

    /// One issuer by id (global or plain UUID); null when there is none.
    async fn issuer(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Issuer>> {
        let uuid = expect_id("id", &id, NodeType::Issuer)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(IssuerId(uuid)).await?.map(Issuer))
    }

    /// Achievements by name, all or those of one issuer (`NOT_FOUND` when it does not
    /// exist).
    #[graphql(
        complexity = "first.unwrap_or(super::relay::DEFAULT_FIRST).clamp(0, super::relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn achievements(
        &self,
        ctx: &Context<'_>,
        issuer_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Achievement>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let mut query = achievement::Entity::find();
        if let Some(id) = &issuer_id {
            let uuid = expect_id("issuerId", id, NodeType::Issuer)?;
            let loader = ctx.data::<AppLoader>()?;
            if loader.load_one(IssuerId(uuid)).await?.is_none() {
                return Err(not_found("issuer", uuid));
            }
            query = query.filter(achievement::Column::IssuerId.eq(uuid));
        }
        let total = query.clone().count(db).await.map_err(from_db)?;
        let rows = query
            .order_by_asc(achievement::Column::Name)
            .order_by_asc(achievement::Column::Id)
            .offset(args.offset as u64)
            .limit(args.limit as u64)
            .all(db)
            .await
            .map_err(from_db)?;
        Ok(page(
            args,
            rows.into_iter().map(Achievement).collect(),
            total,
        ))
    }

    /// One achievement by id (global or plain UUID); null when there is none.
    async fn achievement(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Achievement>> {
        let uuid = expect_id("id", &id, NodeType::Achievement)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(AchievementId(uuid)).await?.map(Achievement))
    }

    /// One credential by id; null when there is none or its holder's profile is not public.
    async fn credential(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Credential>> {
        let uuid = expect_id("id", &id, NodeType::Credential)?;
        public_credential(ctx, uuid).await
    }
}

/// A new issuer.
#[derive(InputObject)]
#[graphql(name = "IssuerInput")]
pub struct IssuerInputGql {
    pub name: String,
    pub url: Option<String>,
    /// Private: stored, never shown.
    pub email: Option<String>,
    pub description: Option<String>,
    /// Only credentials from trusted issuers verify skills.
    #[graphql(default)]
    pub trusted: bool,
    /// PEM public key of signed credentials.
    pub public_key: Option<String>,
}

/// A change to an issuer: fields left out stay as they are, fields set to null are
/// cleared (the email cannot be read back, so `updateIssuer` never needs it resent).
#[derive(InputObject, Default)]
pub struct IssuerUpdateInput {
    pub name: Option<String>,
    pub url: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    /// Trusting or distrusting changes what is verified for every holder.
    pub trusted: Option<bool>,
    pub public_key: MaybeUndefined<String>,
}

fn patch(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.trim().to_owned()).filter(|v| !v.is_empty())),
    }
}

fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// One alignment: exactly one of `skill` (words, as makers write them) or `process` (a
/// taxonomy term).
#[derive(InputObject)]
#[graphql(name = "AlignmentInput")]
pub struct AlignmentInputGql {
    pub skill: Option<String>,
    pub process: Option<String>,
    /// The framework entry it points at (an ESCO URI, a Wikipedia URL…).
    pub target_url: Option<String>,
}

/// A new achievement of an issuer.
#[derive(InputObject)]
#[graphql(name = "AchievementInput")]
pub struct AchievementInputGql {
    pub issuer_id: ID,
    pub name: String,
    pub description: Option<String>,
    /// Criteria narrative or URL.
    pub criteria: Option<String>,
    /// Image URL.
    pub image: Option<String>,
    /// The skills and processes it verifies.
    #[graphql(default)]
    pub alignments: Vec<AlignmentInputGql>,
}

impl AchievementInputGql {
    fn into_service(self, ctx: &Context<'_>) -> Result<ServiceAchievementInput> {
        let tax = taxonomy(ctx)?;
        let issuer_id = expect_id("input.issuerId", &self.issuer_id, NodeType::Issuer)?;
        let mut alignments = Vec::with_capacity(self.alignments.len());
        for (i, a) in self.alignments.into_iter().enumerate() {
            let field = format!("input.alignments[{i}]");
            let target_url = clean(a.target_url);
            match (clean(a.skill), clean(a.process)) {
                (Some(skill), None) => alignments.push(AlignmentInput {
                    process_id: skill_process(tax, &skill),
                    target_name: skill,
                    target_url,
                }),
                (None, Some(term)) => {
                    let id = process_id(tax, &format!("{field}.process"), &term)?;
                    let label = tax.process(&id).map_or(term, |p| p.en.clone());
                    alignments.push(AlignmentInput {
                        target_name: label,
                        target_url,
                        process_id: Some(id),
                    });
                }
                _ => return Err(bad_input(&field, "give exactly one of skill or process")),
            }
        }
        Ok(ServiceAchievementInput {
            issuer_id,
            name: self.name,
            description: clean(self.description),
            criteria: clean(self.criteria),
            image: clean(self.image),
            alignments,
        })
    }
}

/// A credential to issue to a maker.
#[derive(InputObject)]
#[graphql(name = "CredentialInput")]
pub struct CredentialInputGql {
    /// The maker receiving it.
    pub maker_id: ID,
    pub achievement_id: ID,
    /// Now when left out.
    pub issued_on: Option<DateTime<Utc>>,
    /// After `issuedOn`; never when left out.
    pub expires: Option<DateTime<Utc>>,
    pub evidence_url: Option<String>,
}

#[derive(Default)]
pub struct CredentialsMutation;

#[Object]
impl CredentialsMutation {
    /// Creates an issuer.
    async fn create_issuer(&self, ctx: &Context<'_>, input: IssuerInputGql) -> Result<Issuer> {
        super::access::admin(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = service::create_issuer(
            db,
            ServiceIssuerInput {
                name: input.name,
                url: clean(input.url),
                email: clean(input.email),
                description: clean(input.description),
                trusted: input.trusted,
                public_key: clean(input.public_key),
            },
        )
        .await
        .map_err(from_service)?;
        Ok(Issuer(row))
    }

    /// Changes the fields given. A change of `trusted` returns once searches see what it
    /// verifies (or no longer verifies) for every holder.
    async fn update_issuer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: IssuerUpdateInput,
    ) -> Result<Issuer> {
        super::access::admin(ctx)?;
        let uuid = expect_id("id", &id, NodeType::Issuer)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::update_issuer(
            db,
            uuid,
            IssuerPatch {
                name: input.name,
                url: patch(input.url),
                email: patch(input.email),
                description: patch(input.description),
                trusted: input.trusted,
                public_key: patch(input.public_key),
            },
        )
        .await
        .map_err(from_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Issuer(written.value))
    }

    /// Creates an achievement aligned to skills or processes.
    async fn create_achievement(
        &self,
        ctx: &Context<'_>,
        input: AchievementInputGql,
    ) -> Result<Achievement> {
        signed_in_check(ctx)?;
        let input = input.into_service(ctx)?;
        super::access::issuer_or_admin(ctx, input.issuer_id)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = service::create_achievement(db, input)
            .await
            .map_err(from_service)?;
        Ok(Achievement(row))
    }

    /// Issues a credential to a maker. Returns once searches see the skills it verifies.
    async fn issue_credential(
        &self,
        ctx: &Context<'_>,
        input: CredentialInputGql,
    ) -> Result<Credential> {
        let maker_id = expect_id("input.makerId", &input.maker_id, NodeType::Maker)?;
        let achievement_id = expect_id(
            "input.achievementId",
            &input.achievement_id,
            NodeType::Achievement,
        )?;
        let db = ctx.data::<DatabaseConnection>()?;
        let issuer = issuer_of_achievement(db, achievement_id, "input.achievementId").await?;
        super::access::issuer_or_admin(ctx, issuer)?;
        let written = service::issue_credential(
            db,
            ServiceCredentialInput {
                maker_id,
                achievement_id,
                issued_on: input.issued_on.unwrap_or_else(Utc::now),
                expires: input.expires,
                evidence_url: clean(input.evidence_url),
            },
        )
        .await
        .map_err(from_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Credential(written.value))
    }

    /// Revokes a credential, saying why. Returns once searches no longer count what it
    /// verified. `CONFLICT` when it is revoked already.
    async fn revoke_credential(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<Credential> {
        let uuid = expect_id("id", &id, NodeType::Credential)?;
        let db = ctx.data::<DatabaseConnection>()?;
        super::access::signed_in(ctx)?;
        let held = makermatch_entities::credential::Entity::find_by_id(uuid)
            .one(db)
            .await
            .map_err(super::error::from_db)?
            .ok_or_else(|| super::error::not_found("credential", uuid))?;
        let issuer = issuer_of_achievement(db, held.achievement_id, "id").await?;
        super::access::issuer_or_admin(ctx, issuer)?;
        let written = service::revoke_credential(db, uuid, &reason)
            .await
            .map_err(|e| async_graphql::Error::from(ServiceErrorExt(e, "")))?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Credential(written.value))
    }
}

/// Refuses anonymous callers before their input is even read.
fn signed_in_check(ctx: &Context<'_>) -> Result<()> {
    super::access::signed_in(ctx).map(|_| ())
}

/// The issuer of an achievement; `field` names where the id came from for the error.
async fn issuer_of_achievement(db: &DatabaseConnection, id: Uuid, field: &str) -> Result<Uuid> {
    use sea_orm::EntityTrait;
    makermatch_entities::achievement::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(super::error::from_db)?
        .map(|a| a.issuer_id)
        .ok_or_else(|| super::error::bad_input(field, format!("achievement {id} does not exist")))
}
