//! What the issuer, achievement and credential mutations write, turned into the service's
//! inputs.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Result};
use makermatch_search::skills::skill_process;

use crate::graphql::error::bad_input;
use crate::graphql::relay::{NodeType, expect_id};
use crate::graphql::scalars::Timestamp;
use crate::graphql::taxonomy::{process_id, taxonomy};
use crate::services::credentials::{AchievementInput as ServiceAchievementInput, AlignmentInput};

/// A new issuer.
#[derive(InputObject)]
#[graphql(name = "IssuerInput")]
pub struct IssuerInputGql {
    /// The issuer's name; not empty.
    pub name: String,
    /// The issuer's web site.
    pub url: Option<String>,
    /// Private: stored, never shown.
    pub email: Option<String>,
    /// What the issuer is.
    pub description: Option<String>,
    /// Credentials whose proof is bound to a trusted issuer's `identifier` verify skills;
    /// `true` needs `identifier`.
    #[graphql(default)]
    pub trusted: bool,
    /// PEM public key of signed credentials.
    pub public_key: Option<String>,
    /// The DID (did:web:example.org, did:key:z6Mk…) or https URL the issuer's credentials
    /// name as `issuer`: what trust is given to.
    pub identifier: Option<String>,
}

/// A change to an issuer: fields left out stay as they are, fields set to null are
/// cleared (the email cannot be read back, so `updateIssuer` never needs it resent).
#[derive(InputObject, Default)]
pub struct IssuerUpdateInput {
    /// A new name; absent: unchanged.
    pub name: Option<String>,
    /// A new web site; null clears it.
    pub url: MaybeUndefined<String>,
    /// A new private e-mail; null clears it.
    pub email: MaybeUndefined<String>,
    /// A new description; null clears it.
    pub description: MaybeUndefined<String>,
    /// Trusting or distrusting changes what is verified for every holder; only an issuer
    /// with an identifier can be trusted.
    pub trusted: Option<bool>,
    /// A new PEM public key; null clears it.
    pub public_key: MaybeUndefined<String>,
    /// The DID or URL the issuer's credentials name, for an issuer that has none yet; an
    /// identifier once set cannot change (`CONFLICT`).
    pub identifier: Option<String>,
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
    /// A skill in makers' words, e.g. "TIG welding".
    pub skill: Option<String>,
    /// A taxonomy process term (id, label, alias, Wikipedia URL).
    pub process: Option<String>,
    /// The framework entry it points at (an ESCO URI, a Wikipedia URL…).
    pub target_url: Option<String>,
}

/// A new achievement of an issuer.
#[derive(InputObject)]
#[graphql(name = "AchievementInput")]
pub struct AchievementInputGql {
    /// The awarding issuer's global id or plain UUID.
    pub issuer_id: ID,
    /// The achievement's name; not empty.
    pub name: String,
    /// What earning it means.
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
    /// The achievement's global id or plain UUID.
    pub achievement_id: ID,
    /// Now when left out.
    pub issued_on: Option<Timestamp>,
    /// After `issuedOn`; never when left out.
    pub expires: Option<Timestamp>,
    /// A link to the evidence.
    pub evidence_url: Option<String>,
}
