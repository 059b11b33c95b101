//! Checking the proofs of the credentials a parse produced, on the parsing thread: the
//! cryptography is CPU work, and the keys come from documents held beforehand, so nothing
//! here waits on the network. The issuer a proof is bound to vouches for the issuer and
//! achievement records of the same document, which is what lets a document change them.

use chrono::Utc;
use tokio::runtime::Handle;

use super::Fingerprinted;
use super::record::Record;
use crate::services::credentials::verification::{CredentialVerifier, Status};

/// Checks every credential of `batch` that came with its document, records the outcome
/// with it, and marks the records of a document whose proof checked out as vouched for by
/// that proof's issuer. A credential's fingerprint takes in the outcome, so importing a
/// document again rewrites it when its check now says something else.
pub(crate) fn check(batch: &mut [Fingerprinted], verifier: &CredentialVerifier, runtime: &Handle) {
    let mut vouched = Vec::new();
    for (parsed, fingerprint) in batch.iter_mut() {
        let Ok(Record::Credential(credential)) = &mut parsed.outcome else {
            continue;
        };
        let Some(incoming) = &credential.document else {
            continue;
        };
        let outcome = runtime.block_on(verifier.verify(incoming, Utc::now()));
        if let Some(fp) = fingerprint.as_mut() {
            fp.push('.');
            fp.push_str(outcome.status.as_str());
        }
        if let Some(issuer) = &outcome.issuer
            && outcome.status != Status::Invalid
        {
            vouched.push((parsed.at.index, issuer.clone()));
        }
        credential.verification = Some(outcome);
    }
    for (parsed, _) in batch.iter_mut() {
        let Some((_, issuer)) = vouched.iter().find(|(at, _)| *at == parsed.at.index) else {
            continue;
        };
        match &mut parsed.outcome {
            Ok(Record::Issuer(r)) => r.vouched_by = Some(issuer.clone()),
            Ok(Record::Achievement(r)) => r.vouched_by = Some(issuer.clone()),
            _ => {}
        }
    }
}
