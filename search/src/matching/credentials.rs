//! When a skill counts as verified (DESIGN §3): an unexpired, unrevoked credential whose
//! proof was checked and is bound to an issuer trusted by its identifier aligns to it.
//! Anything less — no or a failed proof, expired, revoked, untrusted, not yet issued —
//! leaves the claim self-declared, and the reason is said.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::input::{CredentialEvidence, ProofState, SkillClaim};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CredentialStatus {
    Valid,
    Expired,
    Revoked,
    UntrustedIssuer,
    /// Issued in the future: a clock or data error, not trusted.
    NotYetIssued,
    /// No proof, or one that could not be checked.
    Unverified,
    /// Its proof fails, or was made by someone other than its issuer.
    InvalidProof,
}

pub fn credential_status(c: &CredentialEvidence, now: DateTime<Utc>) -> CredentialStatus {
    if c.revoked {
        CredentialStatus::Revoked
    } else if c.proof == ProofState::Invalid {
        CredentialStatus::InvalidProof
    } else if c.proof == ProofState::Unverified {
        CredentialStatus::Unverified
    } else if !c.issuer_trusted {
        CredentialStatus::UntrustedIssuer
    } else if c.expires.is_some_and(|e| e <= now) {
        CredentialStatus::Expired
    } else if c.issued_on > now {
        CredentialStatus::NotYetIssued
    } else {
        CredentialStatus::Valid
    }
}

/// How a claim stands: the credential that verifies it, or why none does. The words
/// for the evidence are written only for the claims a team uses ([`Standing::note`]):
/// every claim of every maker nearby is judged, few are shown.
#[derive(Debug, Clone)]
pub(crate) struct Standing<'a> {
    pub verified_by: Option<&'a CredentialEvidence>,
    claim: &'a SkillClaim,
    now: DateTime<Utc>,
}

pub(crate) fn standing(claim: &SkillClaim, now: DateTime<Utc>) -> Standing<'_> {
    // The valid credential that lasts longest (then the first listed) is the one named.
    let verified_by = claim
        .credentials
        .iter()
        .filter(|c| credential_status(c, now) == CredentialStatus::Valid)
        .max_by(|a, b| {
            a.expires
                .is_none()
                .cmp(&b.expires.is_none())
                .then(a.expires.cmp(&b.expires))
                .then(b.id.cmp(&a.id))
        });
    Standing {
        verified_by,
        claim,
        now,
    }
}

impl Standing<'_> {
    /// Words for the evidence: who verified the claim, or why it counts as self-declared.
    pub(crate) fn note(&self) -> String {
        if let Some(c) = self.verified_by {
            return format!("verified by \"{}\" from {}", c.achievement, c.issuer);
        }
        let reasons: Vec<String> = self
            .claim
            .credentials
            .iter()
            .map(|c| {
                let why = match credential_status(c, self.now) {
                    CredentialStatus::Expired => c.expires.map_or_else(
                        || "expired".to_string(),
                        |e| format!("expired on {}", e.date_naive()),
                    ),
                    CredentialStatus::Revoked => "revoked".into(),
                    CredentialStatus::UntrustedIssuer => "from an issuer not trusted here".into(),
                    CredentialStatus::NotYetIssued => "issued in the future".into(),
                    CredentialStatus::Unverified => "not backed by a checked proof".into(),
                    CredentialStatus::InvalidProof => "signed wrongly or not by its issuer".into(),
                    CredentialStatus::Valid => "valid".into(),
                };
                format!("\"{}\" from {} is {why}", c.achievement, c.issuer)
            })
            .collect();
        if reasons.is_empty() {
            "self-declared".into()
        } else {
            format!("self-declared ({})", reasons.join("; "))
        }
    }
}
