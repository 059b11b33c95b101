//! Issuers, achievements and credentials by id, and the issuer and achievement lists.

use crate::services::issuance::DeploymentIssuer;
use async_graphql::{Context, ID, Object, Result};
use makermatch_entities::{achievement, issuer};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::types::{Achievement, Credential, Issuer};
use crate::graphql::access::visibility;
use crate::graphql::error::{from_db, not_found};
use crate::graphql::loader::{AchievementId, AppLoader, CredentialId, IssuerId, MakerId};
use crate::graphql::relay::{self, NodeType, Page, PageArgs, expect_id, page};

/// A credential by id, when the caller may see its holder's passport.
pub async fn public_credential(ctx: &Context<'_>, id: Uuid) -> Result<Option<Credential>> {
    let loader = ctx.data::<AppLoader>()?;
    let Some(row) = loader.load_one(CredentialId(id)).await? else {
        return Ok(None);
    };
    let public = loader
        .load_one(MakerId(row.maker_id))
        .await?
        .is_some_and(|m| visibility(ctx).sees_maker(&m));
    Ok(public.then_some(Credential(row)))
}

#[derive(Default)]
pub struct CredentialsQuery;

pub struct DeploymentIssuerInfo(DeploymentIssuer);

/// This deployment as a credential issuer: what a verifier needs to check what it signs.
#[Object(name = "DeploymentIssuer")]
impl DeploymentIssuerInfo {
    /// Its DID (`did:web:…`, derived from `issuer.public_url`): what its credentials name
    /// as `issuer`, and what an admin trusts (`trustIssuer`) for its proofs to verify skills.
    async fn did(&self) -> &str {
        self.0.did()
    }
    /// The name it signs as.
    async fn name(&self) -> &str {
        self.0.name()
    }
    /// Where its DID document is served.
    async fn did_document_url(&self) -> String {
        self.0.public_url().join("/.well-known/did.json")
    }
    /// Its public key as a JWKS, for JOSE tools.
    async fn jwks_url(&self) -> String {
        self.0.public_url().join("/.well-known/jwks.json")
    }
    /// Its signed revocation list (W3C Bitstring Status List).
    async fn status_list_url(&self) -> String {
        self.0
            .public_url()
            .join(crate::services::issuance::status_list::PATH)
    }
}

#[Object]
impl CredentialsQuery {
    /// This deployment as a credential issuer: its DID and where a verifier finds its key
    /// and revocation list. Null when the service runs without one (the schema command).
    async fn deployment_issuer(&self, ctx: &Context<'_>) -> Option<DeploymentIssuerInfo> {
        ctx.data_opt::<DeploymentIssuer>()
            .cloned()
            .map(DeploymentIssuerInfo)
    }

    /// Issuers by name, optionally only trusted (or untrusted) ones.
    #[graphql(
        complexity = "first.unwrap_or(relay::DEFAULT_FIRST).clamp(0, relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn issuers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only trusted (`true`) or untrusted (`false`) issuers; all when absent.")]
        trusted: Option<bool>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
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
    async fn issuer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issuer's global id or plain UUID.")] id: ID,
    ) -> Result<Option<Issuer>> {
        let uuid = expect_id("id", &id, NodeType::Issuer)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(IssuerId(uuid)).await?.map(Issuer))
    }

    /// Achievements by name, all or those of one issuer (`NOT_FOUND` when it does not
    /// exist).
    #[graphql(
        complexity = "first.unwrap_or(relay::DEFAULT_FIRST).clamp(0, relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn achievements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this issuer's achievements; all when absent.")] issuer_id: Option<
            ID,
        >,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
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
    async fn achievement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The achievement's global id or plain UUID.")] id: ID,
    ) -> Result<Option<Achievement>> {
        let uuid = expect_id("id", &id, NodeType::Achievement)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(AchievementId(uuid)).await?.map(Achievement))
    }

    /// One credential by id; null when there is none or its holder's profile is not public.
    async fn credential(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The credential's global id or plain UUID.")] id: ID,
    ) -> Result<Option<Credential>> {
        let uuid = expect_id("id", &id, NodeType::Credential)?;
        public_credential(ctx, uuid).await
    }
}
