//! One check of one credential, whatever its shape: gather the keys it names (fetched
//! beforehand, so the cryptography never waits on the network), check the signature and
//! who made it, then its validity period and its status list. Every path ends in an
//! [`Outcome`]; nothing here fails.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::data_integrity::{self, ProofCheck};
use super::format::Incoming;
use super::keys::{KeyResolver, PrefetchedWeb};
use super::{Outcome, Status};

/// This deployment's own DID document, answered locally (never fetched).
#[derive(Debug, Clone, Default)]
pub struct OwnDid {
    /// did:web method-specific id (`example.org%3A8443`) → DID document.
    pub web: HashMap<String, Vec<u8>>,
}

/// Checks credentials. Cheap to clone.
#[derive(Clone, Default)]
pub struct CredentialVerifier {
    own: Arc<OwnDid>,
}

impl CredentialVerifier {
    pub fn new(own: OwnDid) -> Self {
        CredentialVerifier { own: Arc::new(own) }
    }

    /// The did:web documents a document's issuer and proofs name, from what is held
    /// locally; the method-specific ids not held are returned for fetching.
    fn web_documents(&self, dids: &[String]) -> (PrefetchedWeb, Vec<String>) {
        let mut held = PrefetchedWeb::default();
        let mut missing = Vec::new();
        for did in dids {
            let Some(id) = did.strip_prefix("did:web:") else {
                continue;
            };
            let id = id.split('#').next().unwrap_or(id).to_owned();
            match self.own.web.get(&id) {
                Some(doc) => {
                    held.0.insert(id, doc.clone());
                }
                None if !missing.contains(&id) => missing.push(id),
                None => {}
            }
        }
        (held, missing)
    }

    /// Checks one credential at `now`.
    pub async fn verify(&self, incoming: &Incoming, now: DateTime<Utc>) -> Outcome {
        let mut outcome = match incoming {
            Incoming::Json { text, value } => self.verify_json(text, value).await,
            Incoming::Jws(_) => Outcome::new(
                Status::Unverified,
                "jws",
                "compact JWS credentials are not checked yet",
            ),
        };
        outcome.checked_at = now;
        if let Incoming::Json { value, .. } = incoming
            && outcome.status == Status::Verified
        {
            apply_validity(&mut outcome, value, now);
        }
        outcome
    }

    async fn verify_json(&self, text: &str, value: &Value) -> Outcome {
        if data_integrity::proofs(value).is_empty() {
            return Outcome::new(
                Status::Unverified,
                "none",
                "the credential carries no proof: it counts as self-declared",
            );
        }
        let mut named: Vec<String> = data_integrity::named_issuer(value).into_iter().collect();
        named.extend(
            data_integrity::proofs(value)
                .iter()
                .filter_map(|p| p["verificationMethod"].as_str().map(str::to_owned)),
        );
        let (web, missing) = self.web_documents(&named);
        if let Some(id) = missing.first() {
            return Outcome::new(
                Status::Unverified,
                data_integrity::proof_method(value),
                format!("the DID document of did:web:{id} is not available here"),
            );
        }
        let keys = KeyResolver::new(web, HashMap::new());
        match data_integrity::check_proof(text, value, &keys).await {
            ProofCheck::Valid { method } => {
                match data_integrity::bound_issuer(value, &keys).await {
                    Ok(issuer) => {
                        let mut o = Outcome::new(
                            Status::Verified,
                            method,
                            format!("signed by its issuer {issuer}"),
                        );
                        o.issuer = Some(issuer);
                        o
                    }
                    Err(reason) => Outcome::new(Status::Invalid, method, reason),
                }
            }
            ProofCheck::Invalid(reason) => {
                Outcome::new(Status::Invalid, data_integrity::proof_method(value), reason)
            }
            ProofCheck::CannotCheck(reason) => Outcome::new(
                Status::Unverified,
                data_integrity::proof_method(value),
                reason,
            ),
        }
    }
}

/// A date field of a credential, if present and readable.
fn date(value: &Value, fields: &[&str]) -> Option<DateTime<Utc>> {
    fields.iter().find_map(|f| {
        value[*f]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
            .map(|d| d.with_timezone(&Utc))
    })
}

/// A verified credential outside its validity period is not yet valid (unverified until
/// then) or expired.
fn apply_validity(outcome: &mut Outcome, value: &Value, now: DateTime<Utc>) {
    if let Some(from) = date(value, &["validFrom", "issuanceDate"])
        && from > now
    {
        outcome.status = Status::Unverified;
        outcome.reason = format!("{}; not valid before {from}", outcome.reason);
        outcome.recheck_after = Some(from);
        return;
    }
    if let Some(until) = date(value, &["validUntil", "expirationDate"]) {
        if until <= now {
            outcome.status = Status::Expired;
            outcome.reason = format!("{}; expired {until}", outcome.reason);
        } else {
            outcome.recheck_after = Some(until);
        }
    }
}
