//! Credentials with an embedded Data Integrity proof (`eddsa-rdfc-2022`, `ecdsa-rdfc-2019`,
//! `Ed25519Signature2020`, …), checked by ssi; then what ssi leaves to its caller: that the
//! key which signed is one the *issuer* named by the credential asserts with. Without that
//! binding anyone could sign, with a key of their own, a credential naming a trusted issuer.

use serde_json::Value;
use ssi_claims::data_integrity::AnyDataIntegrity;
use ssi_claims::{Invalid, InvalidProof, ProofValidationError, VerificationParameters};

use super::contexts::contexts;
use super::keys::KeyResolver;

/// What checking the proof itself found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofCheck {
    /// The signature is right for the key the proof names.
    Valid {
        /// The proof's cryptosuite (or proof type, for the older suites).
        method: String,
    },
    /// A signature was checked and is wrong.
    Invalid(String),
    /// The proof could not be checked (no proof, an unknown suite, context or key).
    CannotCheck(String),
}

/// The cryptosuite a document's (first) proof declares, for the record.
pub fn proof_method(doc: &Value) -> String {
    let proof = match &doc["proof"] {
        Value::Array(proofs) => proofs.first().cloned().unwrap_or(Value::Null),
        p => p.clone(),
    };
    proof["cryptosuite"]
        .as_str()
        .or_else(|| proof["type"].as_str())
        .unwrap_or("unknown")
        .to_owned()
}

/// Checks the signature of a credential (or presentation) in JSON text.
pub async fn check_proof(json: &str, doc: &Value, keys: &KeyResolver) -> ProofCheck {
    let method = proof_method(doc);
    let signed: AnyDataIntegrity = match ssi_claims::data_integrity::from_json_str(json) {
        Ok(signed) => signed,
        Err(e) => return ProofCheck::CannotCheck(format!("the proof cannot be read: {e}")),
    };
    let params = VerificationParameters::from_resolver(keys).with_json_ld_loader(contexts());
    match signed.verify(&params).await {
        Ok(Ok(())) => ProofCheck::Valid { method },
        Ok(Err(Invalid::Proof(InvalidProof::Missing))) => {
            ProofCheck::CannotCheck("the credential carries no proof".to_owned())
        }
        Ok(Err(Invalid::Proof(e))) => ProofCheck::Invalid(format!("the {method} proof fails: {e}")),
        Ok(Err(Invalid::Claims(e))) => {
            ProofCheck::CannotCheck(format!("the credential's claims are not valid: {e}"))
        }
        Err(
            e @ (ProofValidationError::InvalidSignature
            | ProofValidationError::InvalidProof
            | ProofValidationError::InvalidKey
            | ProofValidationError::MissingSignature
            | ProofValidationError::InvalidKeyUse),
        ) => ProofCheck::Invalid(format!("the {method} proof fails: {e}")),
        Err(e) => ProofCheck::CannotCheck(format!("the {method} proof cannot be checked: {e}")),
    }
}

/// The identifier the credential names as its issuer: `issuer` or `issuer.id`.
pub fn named_issuer(doc: &Value) -> Option<String> {
    match &doc["issuer"] {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Object(o) => o
            .get("id")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// The proofs of a document, whether one object or a list.
pub fn proofs(doc: &Value) -> Vec<&Value> {
    match &doc["proof"] {
        Value::Array(proofs) => proofs.iter().collect(),
        p @ Value::Object(_) => vec![p],
        _ => Vec::new(),
    }
}

/// Checks that every proof was made by the issuer the credential names, for making
/// assertions; returns that issuer. `Err` says who signed instead.
pub async fn bound_issuer(doc: &Value, keys: &KeyResolver) -> Result<String, String> {
    let issuer = named_issuer(doc).ok_or("the credential names no issuer")?;
    let proofs = proofs(doc);
    if proofs.is_empty() {
        return Err("the credential carries no proof".to_owned());
    }
    for proof in proofs {
        let method = proof["verificationMethod"]
            .as_str()
            .ok_or("a proof names no verificationMethod")?;
        let controller = method.split('#').next().unwrap_or(method);
        if controller != issuer {
            return Err(format!(
                "signed by {controller}, not by the issuer {issuer} the credential names"
            ));
        }
        if proof["proofPurpose"].as_str() != Some("assertionMethod") {
            return Err(format!(
                "the proof's purpose is {}, not assertionMethod",
                proof["proofPurpose"].as_str().unwrap_or("missing")
            ));
        }
        if issuer.starts_with("did:") && !keys.asserts_for(&issuer, method).await? {
            return Err(format!("{method} is not an assertionMethod of {issuer}"));
        }
    }
    Ok(issuer)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::services::credentials::verification::keys::PrefetchedWeb;

    /// The W3C Data Integrity test vectors: their issuer is a URL while their key is a
    /// did:key, so they exercise the signature check, not the issuer binding.
    const VECTORS: [(&str, &str); 4] = [
        (
            "eddsa-rdfc-2022",
            include_str!("../../../../../tests/fixtures/vc/w3c/eddsa-rdfc-2022.signedDataInt.json"),
        ),
        (
            "Ed25519Signature2020",
            include_str!(
                "../../../../../tests/fixtures/vc/w3c/Ed25519Signature2020.signedEdSig.json"
            ),
        ),
        (
            "ecdsa-rdfc-2019",
            include_str!(
                "../../../../../tests/fixtures/vc/w3c/ecdsa-rdfc-2019-p256.signedECDSAP256.json"
            ),
        ),
        (
            "ecdsa-rdfc-2019",
            include_str!(
                "../../../../../tests/fixtures/vc/w3c/ecdsa-rdfc-2019-p384.signedECDSAP384.json"
            ),
        ),
    ];

    fn keys() -> KeyResolver {
        KeyResolver::new(PrefetchedWeb::default(), HashMap::new())
    }

    async fn check(text: &str) -> ProofCheck {
        let value: Value = serde_json::from_str(text).expect("json");
        check_proof(text, &value, &keys()).await
    }

    /// One character of the proof value changed, in the middle (the multibase prefix kept).
    fn flip_proof_value(text: &str) -> String {
        let mut v: Value = serde_json::from_str(text).expect("json");
        let pv = v["proof"]["proofValue"]
            .as_str()
            .expect("proofValue")
            .to_owned();
        let mut chars: Vec<char> = pv.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        v["proof"]["proofValue"] = Value::String(chars.into_iter().collect());
        v.to_string()
    }

    #[tokio::test]
    async fn every_w3c_vector_verifies_and_fails_when_a_byte_changes() {
        for (suite, text) in VECTORS {
            assert_eq!(
                check(text).await,
                ProofCheck::Valid {
                    method: suite.to_owned()
                },
                "{suite}"
            );
            let edited = text.replace("The School of Examples", "The School of Exampler");
            assert_ne!(edited, text, "{suite}: the vector names its school");
            assert!(
                matches!(check(&edited).await, ProofCheck::Invalid(_)),
                "{suite}: content edited after signing"
            );
            assert!(
                matches!(check(&flip_proof_value(text)).await, ProofCheck::Invalid(_)),
                "{suite}: a changed proof value"
            );
        }
    }

    #[tokio::test]
    async fn a_garbage_proof_value_is_invalid_and_a_missing_proof_is_unchecked() {
        let mut v: Value = serde_json::from_str(VECTORS[0].1).expect("json");
        v["proof"]["proofValue"] = Value::String("zGARBAGE".to_owned());
        assert!(matches!(
            check(&v.to_string()).await,
            ProofCheck::Invalid(_)
        ));
        v.as_object_mut().expect("object").remove("proof");
        assert!(matches!(
            check(&v.to_string()).await,
            ProofCheck::CannotCheck(_)
        ));
    }

    #[tokio::test]
    async fn an_unknown_context_or_suite_cannot_be_checked_and_is_never_fetched() {
        let mut v: Value = serde_json::from_str(VECTORS[0].1).expect("json");
        v["@context"] = serde_json::json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://example.org/unknown-context.json"
        ]);
        assert!(matches!(
            check(&v.to_string()).await,
            ProofCheck::CannotCheck(_)
        ));
        let mut v: Value = serde_json::from_str(VECTORS[0].1).expect("json");
        v["proof"]["cryptosuite"] = Value::String("bbs-2099".to_owned());
        assert!(matches!(
            check(&v.to_string()).await,
            ProofCheck::CannotCheck(_)
        ));
    }

    #[tokio::test]
    async fn a_valid_proof_by_a_key_other_than_the_issuers_is_not_bound_to_it() {
        let v: Value = serde_json::from_str(VECTORS[0].1).expect("json");
        let err = bound_issuer(&v, &keys())
            .await
            .expect_err("not the issuer's key");
        assert!(
            err.contains("not by the issuer https://vc.example/issuers/5678"),
            "{err}"
        );
        // The same proof with the issuer set to the signing did:key is bound to it.
        let mut own = v.clone();
        own["issuer"] =
            Value::String("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2".to_owned());
        assert_eq!(
            bound_issuer(&own, &keys()).await.as_deref(),
            Ok("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
        );
    }
}
