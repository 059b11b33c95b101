//! One check of one credential, whatever its shape: gather the keys it names (fetched
//! beforehand, so the cryptography never waits on the network), check the signature and
//! who made it, then its validity period and its status list. Every path ends in an
//! [`Outcome`]; nothing here fails.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::data_integrity::{self, ProofCheck};
use super::fetcher::{Fetcher, did_web_url};
use super::format::{self, Incoming};
use super::keys::{KeyResolver, PrefetchedWeb};
use super::ob2;
use super::status;
use super::vc_jwt;
use super::{Outcome, Status};

/// This deployment's own DID document, answered locally (never fetched).
#[derive(Debug, Clone, Default)]
pub struct OwnDid {
    /// did:web method-specific id (`example.org%3A8443`) → DID document.
    pub web: HashMap<String, Vec<u8>>,
    /// The URL of its own revocation list: what it says, the database already knows.
    pub status_list: Option<String>,
}

/// Most distinct did:web documents one credential may make us fetch.
const MAX_FETCHED_DOCUMENTS: usize = 3;

/// When to look again at what could not be fetched.
const RETRY_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// When to read a status list again.
const STATUS_RECHECK: chrono::Duration = chrono::Duration::hours(24);

/// Checks credentials. Cheap to clone.
#[derive(Clone, Default, Debug)]
pub struct CredentialVerifier {
    own: Arc<OwnDid>,
    fetcher: Fetcher,
}

impl CredentialVerifier {
    /// A verifier that fetches nothing: only keys it can compute or holds.
    pub fn new(own: OwnDid) -> Self {
        CredentialVerifier {
            own: Arc::new(own),
            fetcher: Fetcher::default(),
        }
    }

    /// A verifier that fetches other issuers' did:web documents and status lists.
    pub fn with_fetcher(own: OwnDid, fetcher: Fetcher) -> Self {
        CredentialVerifier {
            own: Arc::new(own),
            fetcher,
        }
    }

    /// The did:web documents a document's issuer and proofs name: held locally, or
    /// fetched (at most a few). `Err` says which could not be had, and why.
    async fn web_documents(&self, dids: &[String]) -> Result<PrefetchedWeb, String> {
        let (mut held, missing) = self.held_web_documents(dids);
        if missing.len() > MAX_FETCHED_DOCUMENTS {
            return Err(format!(
                "it names {} did:web documents; at most {MAX_FETCHED_DOCUMENTS} are fetched",
                missing.len()
            ));
        }
        for id in missing {
            let url = did_web_url(&id, self.fetcher.allows_private())?;
            let body =
                self.fetcher.get(&url).await.map_err(|e| {
                    format!("the DID document of did:web:{id} is not available: {e}")
                })?;
            // The document must be the one asked for, not another DID's.
            let document: Value = serde_json::from_slice(&body)
                .map_err(|e| format!("the DID document at {url} is not JSON: {e}"))?;
            if document["id"].as_str() != Some(format!("did:web:{id}").as_str()) {
                return Err(format!("the document at {url} is not that of did:web:{id}"));
            }
            held.0.insert(id, body.as_ref().clone());
        }
        Ok(held)
    }

    /// The did:web documents a document's issuer and proofs name, from what is held
    /// locally; the method-specific ids not held are returned for fetching.
    fn held_web_documents(&self, dids: &[String]) -> (PrefetchedWeb, Vec<String>) {
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
        let (signed, credential) = match incoming {
            Incoming::Json { value, .. } if format::is_ob2_assertion(value) => {
                (self.check_ob2(value).await, Cow::Borrowed(value))
            }
            Incoming::Json { text, value } => {
                (self.check_signed(text, value).await, Cow::Borrowed(value))
            }
            Incoming::Jws(jws) => match vc_jwt::read(jws) {
                Ok(claimed) => (
                    self.check_jws(jws, &claimed).await,
                    Cow::Owned(claimed.credential),
                ),
                Err(reason) => (
                    Outcome::new(Status::Unverified, "jws", reason),
                    Cow::Owned(Value::Null),
                ),
            },
        };
        let mut outcome = self.with_status(signed, &credential, now).await;
        outcome.checked_at = now;
        if outcome.status == Status::Verified {
            apply_validity(&mut outcome, &credential, now);
        }
        outcome
    }

    /// An Open Badges 2.0 assertion in JSON: a hosted one is checked against its issuer's
    /// copy; a signed one only travels as its JWS.
    async fn check_ob2(&self, value: &Value) -> Outcome {
        let mut outcome = match format::ob2_verification_type(value).as_deref() {
            Some("hostedbadge" | "hosted") => ob2::check_hosted(value, &self.fetcher).await,
            Some("signedbadge" | "signed") => Outcome::new(
                Status::Unverified,
                "ob2-jws",
                "a signed Open Badges 2.0 assertion is checked from its JWS, and this copy \
                 carries none: import the JWS itself",
            ),
            _ => Outcome::new(
                Status::Unverified,
                "none",
                "the assertion says no way to verify it: it counts as self-declared",
            ),
        };
        ob2_recheck(&mut outcome);
        outcome
    }

    /// A JWS: a VC-JWT, or a signed Open Badges 2.0 assertion.
    async fn check_jws(&self, jws: &str, claimed: &vc_jwt::Claimed) -> Outcome {
        if claimed.ob2_assertion {
            let mut outcome = ob2::check_signed(jws, claimed, &self.fetcher).await;
            ob2_recheck(&mut outcome);
            return outcome;
        }
        let method = format!("vc-jwt:{}", claimed.alg);
        let mut named: Vec<String> = data_integrity::named_issuer(&claimed.credential)
            .into_iter()
            .collect();
        named.extend(claimed.kid.clone());
        let web = match self.web_documents(&named).await {
            Ok(web) => web,
            Err(reason) => {
                let mut o = Outcome::new(Status::Unverified, method, reason);
                o.recheck_after = Some(Utc::now() + RETRY_AFTER);
                return o;
            }
        };
        let keys = KeyResolver::new(web, HashMap::new());
        match vc_jwt::check(jws, claimed, &keys).await {
            vc_jwt::JwsCheck::Valid(issuer) => {
                let mut o = Outcome::new(
                    Status::Verified,
                    method,
                    format!("signed by its issuer {issuer}"),
                );
                o.issuer = Some(issuer);
                o
            }
            vc_jwt::JwsCheck::Invalid(reason) => Outcome::new(Status::Invalid, method, reason),
            vc_jwt::JwsCheck::CannotCheck(reason) => {
                Outcome::new(Status::Unverified, method, reason)
            }
        }
    }

    /// A verified credential's revocation status, from its issuer's status list.
    async fn with_status(
        &self,
        mut outcome: Outcome,
        value: &Value,
        now: DateTime<Utc>,
    ) -> Outcome {
        if outcome.status != Status::Verified {
            return outcome;
        }
        let entries = match status::entries(value) {
            Ok(entries) => entries,
            Err(reason) => {
                outcome.status = Status::Unverified;
                outcome.reason = format!("{}; but {reason}", outcome.reason);
                return outcome;
            }
        };
        for entry in entries {
            outcome.status_entry = Some((entry.list.clone(), entry.index as i64));
            if self.own.status_list.as_deref() == Some(entry.list.as_str()) {
                continue;
            }
            let issuer = outcome.issuer.clone().unwrap_or_default();
            match self.status_bit(&entry, &issuer).await {
                Ok(false) => outcome.recheck_after = Some(now + STATUS_RECHECK),
                Ok(true) => {
                    outcome.status = Status::Revoked;
                    outcome.reason = format!(
                        "{}; its issuer lists it as {} ({}, place {})",
                        outcome.reason,
                        if entry.purpose == "suspension" {
                            "suspended"
                        } else {
                            "revoked"
                        },
                        entry.list,
                        entry.index
                    );
                    return outcome;
                }
                Err(why) => {
                    outcome.status = Status::Unverified;
                    outcome.reason = format!(
                        "{}; but its revocation status cannot be read: {why}",
                        outcome.reason
                    );
                    outcome.recheck_after = Some(now + RETRY_AFTER);
                    return outcome;
                }
            }
        }
        outcome
    }

    /// Whether the issuer's signed list sets the entry's place. The list must itself be
    /// signed by the credential's issuer.
    async fn status_bit(&self, entry: &status::Entry, issuer: &str) -> Result<bool, String> {
        let body = self.fetcher.get(&entry.list).await?;
        let text = String::from_utf8(body.as_ref().clone())
            .map_err(|_| format!("the status list at {} is not text", entry.list))?;
        let list: Value = serde_json::from_str(&text)
            .map_err(|e| format!("the status list at {} is not JSON: {e}", entry.list))?;
        let checked = Box::pin(self.check_signed(&text, &list)).await;
        if checked.status != Status::Verified || checked.issuer.as_deref() != Some(issuer) {
            return Err(format!(
                "the status list at {} is not signed by {issuer}: {}",
                entry.list, checked.reason
            ));
        }
        status::is_set(&list, &entry.purpose, entry.index)
    }

    /// The signature of a JSON document and who made it (no validity dates, no status).
    async fn check_signed(&self, text: &str, value: &Value) -> Outcome {
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
        let web = match self.web_documents(&named).await {
            Ok(web) => web,
            Err(reason) => {
                let mut o = Outcome::new(
                    Status::Unverified,
                    data_integrity::proof_method(value),
                    reason,
                );
                o.recheck_after = Some(Utc::now() + RETRY_AFTER);
                return o;
            }
        };
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
                    // An issuer known by a DID says which keys are its own: another key is
                    // a forgery. One known by a web address may list keys in a profile this
                    // deployment does not read yet: it cannot tell, so it does not verify.
                    Err(reason)
                        if data_integrity::named_issuer(value)
                            .is_some_and(|i| !i.starts_with("did:")) =>
                    {
                        Outcome::new(
                            Status::Unverified,
                            method,
                            format!(
                                "{reason}; an issuer known by a web address is not shown to \
                                 own that key (its profile is not read)"
                            ),
                        )
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

/// An Open Badges 2.0 issuer revokes at its own end (its hosted copy, its revocation
/// list): a verified assertion is read again as a status list would be, one that could not
/// be read is tried again later.
fn ob2_recheck(outcome: &mut Outcome) {
    outcome.recheck_after = match outcome.status {
        Status::Verified => Some(Utc::now() + STATUS_RECHECK),
        Status::Unverified => Some(Utc::now() + RETRY_AFTER),
        _ => None,
    };
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
    if let Some(until) = date(value, &["validUntil", "expirationDate", "expires"]) {
        if until <= now {
            outcome.status = Status::Expired;
            outcome.reason = format!("{}; expired {until}", outcome.reason);
        } else {
            outcome.recheck_after = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_web_address_issuer_with_a_foreign_key_is_unverified_not_verified() {
        // The W3C vector: issuer https://vc.example/issuers/5678, signed by a did:key.
        let text =
            include_str!("../../../../../tests/fixtures/vc/w3c/eddsa-rdfc-2022.signedDataInt.json");
        let value: Value = serde_json::from_str(text).unwrap_or_default();
        let outcome = CredentialVerifier::default()
            .verify(&Incoming::json(value), Utc::now())
            .await;
        assert_eq!(outcome.status, Status::Unverified, "{outcome:?}");
        assert!(outcome.reason.contains("web address"), "{outcome:?}");
        assert_eq!(outcome.issuer, None);
    }
}
