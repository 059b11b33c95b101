//! Checking the proof a credential comes with, so that "verified" means a checked signature
//! bound to the issuer the credential names (DESIGN §6). The outcome is stored with the
//! credential; whether it verifies a skill also needs an admin to trust that issuer's
//! identifier (`counts_as_verified`).

pub mod contexts;
pub mod data_integrity;
pub mod fetcher;
pub mod format;
pub mod keys;
pub mod ob2;
pub mod status;
pub mod vc_jwt;
pub mod verifier;

pub use fetcher::{FetchPolicy, Fetcher};
pub use format::Incoming;
pub use verifier::{CredentialVerifier, OwnDid};

use chrono::{DateTime, Utc};

/// What checking a credential's proof found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// A signature was checked, is right, and is bound to the issuer the credential names.
    Verified,
    /// No proof, or one that could not be checked (unknown key, context or method, a
    /// document out of reach): the credential counts as self-declared.
    Unverified,
    /// A signature was checked and is wrong, or was made by someone other than the issuer.
    Invalid,
    /// Verified, but past its `validUntil`.
    Expired,
    /// Verified, but its issuer revoked (or suspended) it.
    Revoked,
}

impl Status {
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Verified => "VERIFIED",
            Status::Unverified => "UNVERIFIED",
            Status::Invalid => "INVALID",
            Status::Expired => "EXPIRED",
            Status::Revoked => "REVOKED",
        }
    }

    /// The stored text; anything unknown reads as unverified.
    pub fn parse(text: &str) -> Status {
        match text {
            "VERIFIED" => Status::Verified,
            "INVALID" => Status::Invalid,
            "EXPIRED" => Status::Expired,
            "REVOKED" => Status::Revoked,
            _ => Status::Unverified,
        }
    }
}

/// The outcome of one check, as stored on the credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// How it was checked: the cryptosuite or `vc-jwt:<alg>`, `ob2-jws:<alg>`, `ob2-hosted`;
    /// `none` for a credential without a proof.
    pub method: String,
    /// Why, in words a person can act on.
    pub reason: String,
    /// The DID or URL the proof is bound to (set when a signature checked out).
    pub issuer: Option<String>,
    pub checked_at: DateTime<Utc>,
    /// When to check again: expiry, a status list's time to live, a document out of reach.
    pub recheck_after: Option<DateTime<Utc>>,
    /// The status list entry the credential names: (list credential URL, index).
    pub status_entry: Option<(String, i64)>,
}

impl Outcome {
    pub fn new(status: Status, method: impl Into<String>, reason: impl Into<String>) -> Self {
        Outcome {
            status,
            method: method.into(),
            reason: reason.into(),
            issuer: None,
            checked_at: Utc::now(),
            recheck_after: None,
            status_entry: None,
        }
    }
}

/// Stores an outcome on a credential row.
pub fn record(row: &mut makermatch_entities::credential::Model, outcome: &Outcome) {
    row.verification_status = outcome.status.as_str().to_owned();
    row.verification_method = Some(outcome.method.clone());
    row.verification_reason = Some(outcome.reason.clone());
    row.verification_checked_at = Some(outcome.checked_at);
    row.verified_issuer = outcome.issuer.clone();
    row.recheck_after = outcome.recheck_after;
    row.status_list_credential = outcome.status_entry.as_ref().map(|(url, _)| url.clone());
    row.status_list_index = outcome.status_entry.as_ref().map(|(_, index)| *index);
}
