//! Creating and changing issuers, creating achievements, and issuing and revoking
//! credentials, through `services::credentials`.

use async_graphql::{Context, ID, Object, Result};
use chrono::Utc;
use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

use super::inputs::{
    AchievementInputGql, CredentialInputGql, IssuerInputGql, IssuerUpdateInput, clean, patch,
};
use super::types::{Achievement, Credential, Issuer};
use crate::graphql::access::require;
use crate::graphql::error::{self, ServiceErrorExt, from_service};
use crate::graphql::relay::{NodeType, expect_id};
use crate::graphql::request::consistency::wait_for_write;
use crate::services::credentials::verification::CredentialVerifier;
use crate::services::credentials::{
    self as service, CredentialInput as ServiceCredentialInput, IssuerInput as ServiceIssuerInput,
    IssuerPatch,
};
use crate::services::policy::Rule;

#[derive(Default)]
pub struct CredentialsMutation;

#[Object]
impl CredentialsMutation {
    /// Creates an issuer.
    async fn create_issuer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new issuer (admins).")] input: IssuerInputGql,
    ) -> Result<Issuer> {
        require(ctx, Rule::Admin)?;
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
                identifier: clean(input.identifier),
            },
        )
        .await
        .map_err(from_service)?;
        Ok(Issuer(row))
    }

    /// Trusts (or stops trusting) the issuer whose credentials name `identifier` (a DID or
    /// an https URL), creating its record if no issuer has it yet. Only credentials whose
    /// proof checks out and is bound to a trusted identifier verify skills. Returns once
    /// searches see the change for every holder.
    async fn trust_issuer(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The DID (did:web:example.org, did:key:z6Mk…) or https URL the \
                          issuer's credentials name as `issuer` (admins)."
        )]
        identifier: String,
        #[graphql(default = true, desc = "false stops trusting it.")] trusted: bool,
        #[graphql(desc = "A name for a new issuer record; by default the identifier.")]
        name: Option<String>,
    ) -> Result<Issuer> {
        require(ctx, Rule::Admin)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::trust_identifier(db, &identifier, trusted, name.as_deref())
            .await
            .map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Issuer(written.value))
    }

    /// Changes the fields given. A change of `trusted` returns once searches see what it
    /// verifies (or no longer verifies) for every holder.
    async fn update_issuer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The issuer's global id or plain UUID.")] id: ID,
        #[graphql(desc = "The fields to change; those left out stay.")] input: IssuerUpdateInput,
    ) -> Result<Issuer> {
        require(ctx, Rule::Admin)?;
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
                identifier: clean(input.identifier),
            },
        )
        .await
        .map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Issuer(written.value))
    }

    /// Creates an achievement aligned to skills or processes.
    async fn create_achievement(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The new achievement and the issuer awarding it (that issuer or an admin)."
        )]
        input: AchievementInputGql,
    ) -> Result<Achievement> {
        signed_in_check(ctx)?;
        let input = input.into_service(ctx)?;
        require(ctx, Rule::IssuerOrAdmin(input.issuer_id))?;
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
        #[graphql(
            desc = "The maker, the achievement and the dates (the achievement's issuer or an admin)."
        )]
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
        require(ctx, Rule::IssuerOrAdmin(issuer))?;
        let written = service::issue_credential(
            db,
            ServiceCredentialInput {
                maker_id,
                achievement_id,
                issued_on: input.issued_on.map_or_else(Utc::now, Into::into),
                expires: input.expires.map(Into::into),
                evidence_url: clean(input.evidence_url),
            },
        )
        .await
        .map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Credential(written.value))
    }

    /// Revokes a credential, saying why. Returns once searches no longer count what it
    /// verified. `CONFLICT` when it is revoked already.
    async fn revoke_credential(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The credential's global id or plain UUID.")] id: ID,
        #[graphql(desc = "Why it is revoked, shown with the credential.")] reason: String,
    ) -> Result<Credential> {
        let uuid = expect_id("id", &id, NodeType::Credential)?;
        let db = ctx.data::<DatabaseConnection>()?;
        require(ctx, Rule::SignedIn)?;
        let held = makermatch_entities::credential::Entity::find_by_id(uuid)
            .one(db)
            .await
            .map_err(error::from_db)?
            .ok_or_else(|| error::not_found("credential", uuid))?;
        let issuer = issuer_of_achievement(db, held.achievement_id, "id").await?;
        require(ctx, Rule::IssuerOrAdmin(issuer))?;
        let written = service::revoke_credential(db, uuid, &reason)
            .await
            .map_err(|e| async_graphql::Error::from(ServiceErrorExt(e, "")))?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Credential(written.value))
    }

    /// Checks a credential's proof again now (its issuer's DID document and status list
    /// fetched afresh when their cache ran out), instead of waiting for the scheduled
    /// check. Returns once searches see the outcome. `CONFLICT` for a credential recorded
    /// without a document (staff).
    async fn verify_credential(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The credential's global id or plain UUID.")] id: ID,
    ) -> Result<Credential> {
        require(ctx, Rule::Staff)?;
        let uuid = expect_id("id", &id, NodeType::Credential)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let verifier = ctx.data::<CredentialVerifier>()?;
        let written = crate::services::credentials::recheck::recheck_one(db, verifier, uuid)
            .await
            .map_err(from_service)?;
        if written.outbox_seq > 0 {
            wait_for_write(ctx, written.outbox_seq).await?;
        }
        Ok(Credential(written.value))
    }
}

/// Refuses anonymous callers before their input is even read.
fn signed_in_check(ctx: &Context<'_>) -> Result<()> {
    require(ctx, Rule::SignedIn).map(|_| ())
}

/// The issuer of an achievement; `field` names where the id came from for the error.
async fn issuer_of_achievement(db: &DatabaseConnection, id: Uuid, field: &str) -> Result<Uuid> {
    use sea_orm::EntityTrait;
    makermatch_entities::achievement::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(error::from_db)?
        .map(|a| a.issuer_id)
        .ok_or_else(|| error::bad_input(field, format!("achievement {id} does not exist")))
}
