//! Checking the proofs of the credentials a parse produced, beside the parsing thread, on
//! every core: the cryptography is CPU work (what it fetches, did:web documents and status
//! lists, is bounded and cached by the fetcher). The issuer a proof is bound to vouches for
//! the issuer and achievement records of the same document, which is what lets a document
//! change them.

use std::panic::AssertUnwindSafe;

use chrono::Utc;
use tokio::runtime::Handle;

use super::Fingerprinted;
use super::record::Record;
use crate::services::credentials::verification::{CredentialVerifier, Incoming, Outcome, Status};

/// Checks every credential of `batch` that came with its document, records the outcome
/// with it, and marks the records of a document whose proof checked out as vouched for by
/// that proof's issuer. A credential's fingerprint takes in the outcome, so importing a
/// document again rewrites it when its check now says something else.
pub(crate) fn check(batch: &mut [Fingerprinted], verifier: &CredentialVerifier, runtime: &Handle) {
    let work: Vec<(usize, Incoming)> = batch
        .iter()
        .enumerate()
        .filter_map(|(i, (parsed, _))| match &parsed.outcome {
            Ok(Record::Credential(c)) => c.document.clone().map(|d| (i, d)),
            _ => None,
        })
        .collect();
    let outcomes = check_all(&work, verifier, runtime);
    let mut vouched = Vec::new();
    for (i, outcome) in outcomes {
        let (parsed, fingerprint) = &mut batch[i];
        let Ok(Record::Credential(credential)) = &mut parsed.outcome else {
            continue;
        };
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

/// Checks documents on every core (the cryptography is CPU work); a check that panics (a
/// fault in a dependency) leaves that credential unverified, saying so, and the rest go on.
fn check_all(
    work: &[(usize, Incoming)],
    verifier: &CredentialVerifier,
    runtime: &Handle,
) -> Vec<(usize, Outcome)> {
    if work.is_empty() {
        return Vec::new();
    }
    let now = Utc::now();
    let one = |incoming: &Incoming| {
        std::panic::catch_unwind(AssertUnwindSafe(|| {
            runtime.block_on(verifier.verify(incoming, now))
        }))
        .unwrap_or_else(|_| {
            tracing::error!("a credential check panicked");
            Outcome::new(
                Status::Unverified,
                "none",
                "the proof could not be checked (the checker failed); import it again to retry",
            )
        })
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(work.len());
    let per_thread = work.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(i, incoming)| (*i, one(incoming)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}
