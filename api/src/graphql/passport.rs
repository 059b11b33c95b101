//! A maker's rights over their passport (DESIGN §8): export it whole as JSON, and have it
//! erased. The maker does both for themself; staff may export (the home only when the
//! maker shares it), and an admin may erase on the maker's behalf.

use async_graphql::{Context, Enum, ID, Json, Object, Result, SimpleObject};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::error::{Code, coded, from_service};
use super::relay::{NodeType, expect_id, global_id};
use crate::graphql::access::require;
use crate::graphql::request::consistency::wait_for_write;
use crate::graphql::scalars::Timestamp;
use crate::services::issuance::{DeploymentIssuer, presentation};
use crate::services::passport::{self, Home};
use crate::services::policy::Rule;
use crate::services::{actor::Actor, erasure};

/// What `erasePassport` did.
#[derive(SimpleObject)]
pub struct ErasedPassport {
    /// The maker's id, which stays for the assignments naming them.
    pub id: ID,
    /// When the passport was erased.
    pub erased_at: Timestamp,
}

/// What a passport export is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum PassportFormat {
    /// Every field as one JSON document (the credentials with their documents and
    /// verification outcomes).
    #[default]
    Json,
    /// A W3C Verifiable Presentation signed by this deployment (an `authentication` proof,
    /// with the verifier's `challenge` and `domain` when given): the credentials as
    /// received, each with its own proof, and a passport credential signed by this
    /// deployment summing up the skills with what verifies each. Public fields only: no
    /// contact, birth date, nationality or position.
    VerifiablePresentation,
}

/// A verifier's nonce or domain, as bound into a presentation's proof.
fn binding_text(field: &str, value: Option<String>) -> Result<Option<String>> {
    match value.map(|v| v.trim().to_owned()) {
        Some(v) if v.is_empty() || v.len() > 512 => Err(super::error::bad_input(
            field,
            "give 1 to 512 characters (the verifier's value), or leave it out",
        )),
        other => Ok(other),
    }
}

async fn export(
    ctx: &Context<'_>,
    actor: &Actor,
    id: Uuid,
    format: PassportFormat,
    binding: (Option<String>, Option<String>),
) -> Result<Json<serde_json::Value>> {
    let (challenge, domain) = binding;
    if format == PassportFormat::VerifiablePresentation {
        let binding = presentation::Binding {
            challenge: binding_text("challenge", challenge)?,
            domain: binding_text("domain", domain)?,
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let deployment = ctx.data::<DeploymentIssuer>()?;
        let value = presentation::presentation(db, deployment, id, binding)
            .await
            .map_err(from_service)?;
        return Ok(Json(value));
    }
    if challenge.is_some() || domain.is_some() {
        return Err(super::error::bad_input(
            if challenge.is_some() {
                "challenge"
            } else {
                "domain"
            },
            "binds a signed presentation: ask for format: VERIFIABLE_PRESENTATION",
        ));
    }
    let home = if actor.maker_id == Some(id) {
        Home::Include
    } else {
        Home::WithholdUnlessShared
    };
    let db = ctx.data::<DatabaseConnection>()?;
    let value = passport::export(db, id, home).await.map_err(from_service)?;
    Ok(Json(value))
}

#[derive(Default)]
pub struct PassportQuery;

#[Object]
impl PassportQuery {
    /// The caller's own passport as one JSON document (`maker` token): every field, the
    /// private ones included, with skills, experience, availability, affiliations,
    /// credentials, machine clearances and the assignments naming them.
    async fn my_passport(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default,
            desc = "JSON (every field) or a signed VERIFIABLE_PRESENTATION."
        )]
        format: PassportFormat,
        #[graphql(
            desc = "With VERIFIABLE_PRESENTATION: the verifier's nonce, bound into the presentation's proof so it cannot be replayed."
        )]
        challenge: Option<String>,
        #[graphql(
            desc = "With VERIFIABLE_PRESENTATION: the verifier's domain, bound into the presentation's proof."
        )]
        domain: Option<String>,
    ) -> Result<Json<serde_json::Value>> {
        let actor = require(ctx, Rule::SignedIn)?;
        let Some(id) = actor.maker_id else {
            return Err(coded(
                Code::Forbidden,
                format!(
                    "`myPassport` needs a maker token (your role: {}); staff use `exportPassport(makerId:)`",
                    actor.role.as_str()
                ),
            ));
        };
        export(ctx, actor, id, format, (challenge, domain)).await
    }

    /// Maker `makerId`'s passport as one JSON document, like `myPassport`: for the maker
    /// themself, coordinators and admins. Staff get the home position only when the maker
    /// shares it (`withheld` lists what was left out).
    async fn export_passport(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The maker's global id or plain UUID.")] maker_id: ID,
        #[graphql(
            default,
            desc = "JSON (every field) or a signed VERIFIABLE_PRESENTATION."
        )]
        format: PassportFormat,
        #[graphql(
            desc = "With VERIFIABLE_PRESENTATION: the verifier's nonce, bound into the presentation's proof so it cannot be replayed."
        )]
        challenge: Option<String>,
        #[graphql(
            desc = "With VERIFIABLE_PRESENTATION: the verifier's domain, bound into the presentation's proof."
        )]
        domain: Option<String>,
    ) -> Result<Json<serde_json::Value>> {
        let id = expect_id("makerId", &maker_id, NodeType::Maker)?;
        let actor = require(ctx, Rule::MakerOrStaff(id))?;
        export(ctx, actor, id, format, (challenge, domain)).await
    }
}

#[derive(Default)]
pub struct PassportMutation;

#[Object]
impl PassportMutation {
    /// Erases maker `makerId`'s personal data (the maker themself, or an admin): names,
    /// bio, contacts, date of birth, nationality, positions, skills, experience,
    /// availability, affiliations, credentials and machine clearances. The maker's
    /// assignments stay, anonymously, so programme totals do not change; searches stop
    /// finding the maker once this returns. Cannot be undone.
    async fn erase_passport(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The maker's global id or plain UUID.")] maker_id: ID,
    ) -> Result<ErasedPassport> {
        let id = expect_id("makerId", &maker_id, NodeType::Maker)?;
        let actor = require(ctx, Rule::MakerOrAdmin(id))?;
        // Only the maker's own token says which steps of the audit trail were theirs.
        let subject = (actor.maker_id == Some(id)).then_some(actor.subject.as_str());
        let db = ctx.data::<DatabaseConnection>()?;
        let written = erasure::erase(db, id, subject)
            .await
            .map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(ErasedPassport {
            id: global_id(NodeType::Maker, id),
            erased_at: written
                .value
                .erased_at
                .unwrap_or(written.value.last_updated)
                .into(),
        })
    }
}
