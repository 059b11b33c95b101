//! What the issuer, achievement and credential mutations write, turned into the service's
//! inputs.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Result};
use chrono::{DateTime, Utc};
use makermatch_search::skills::skill_process;

use crate::graphql::error::bad_input;
use crate::graphql::relay::{NodeType, expect_id};
use crate::graphql::taxonomy::{process_id, taxonomy};
use crate::services::credentials::{AchievementInput as ServiceAchievementInput, AlignmentInput};

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

pub(super) fn patch(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.trim().to_owned()).filter(|v| !v.is_empty())),
    }
}

pub(super) fn clean(value: Option<String>) -> Option<String> {
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
    pub(super) fn into_service(self, ctx: &Context<'_>) -> Result<ServiceAchievementInput> {
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
