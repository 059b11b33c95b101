//! Signing credentials with an Ed25519 key as `eddsa-rdfc-2022` Data Integrity proofs,
//! which any conforming verifier can check: what this deployment issues, and what an
//! outside issuer sends (the tests sign as one).

use did_jwk::DIDJWK;
use did_method_key::DIDKey;
use serde_json::Value;
use ssi_claims::SignatureEnvironment;
use ssi_claims::data_integrity::suites::EdDsaRdfc2022;
use ssi_claims::data_integrity::{CryptographicSuite, DataIntegrityDocument, ProofOptions};
use ssi_dids_core::DIDResolver;
use ssi_jwk::JWK;
use ssi_verification_methods::{Multikey, ProofPurpose, ReferenceOrOwned, SingleSecretSigner};

use super::verification::contexts::contexts;
use super::verification::keys::PrefetchedWeb;

/// A key with the DID it signs as.
#[derive(Clone)]
pub struct IssuerKey {
    jwk: JWK,
    /// The issuer the credentials name.
    issuer: String,
    /// The verification method the proofs name.
    method: String,
    /// The issuer's own did:web document, when it is one (signing resolves the method).
    web: PrefetchedWeb,
}

impl std::fmt::Debug for IssuerKey {
    // Never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey")
            .field("issuer", &self.issuer)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl IssuerKey {
    /// A new random Ed25519 key.
    pub fn generate_jwk() -> Result<JWK, String> {
        JWK::generate_ed25519().map_err(|e| format!("cannot generate an Ed25519 key: {e}"))
    }

    /// Signs as the `did:key` of `jwk` (an Ed25519 key with its secret).
    pub fn did_key(jwk: JWK) -> Result<IssuerKey, String> {
        let did = DIDKey::generate(&jwk).map_err(|e| format!("not an Ed25519 key: {e}"))?;
        let method = format!("{did}#{}", did.method_specific_id());
        Ok(IssuerKey {
            jwk,
            issuer: did.to_string(),
            method,
            web: PrefetchedWeb::default(),
        })
    }

    /// Signs as `did:web:<id>` whose document (`document`) lists the key as `#key-1`.
    pub fn did_web(jwk: JWK, id: &str, document: Vec<u8>) -> IssuerKey {
        let mut web = PrefetchedWeb::default();
        web.0.insert(id.to_owned(), document);
        IssuerKey {
            jwk,
            issuer: format!("did:web:{id}"),
            method: format!("did:web:{id}#key-1"),
            web,
        }
    }

    /// The issuer credentials signed with this key must name.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn method(&self) -> &str {
        &self.method
    }

    pub fn jwk(&self) -> &JWK {
        &self.jwk
    }

    /// `credential` (which names this key's issuer) as a VC-JWT in the Open Badges 3.0
    /// §8.2 shape: the credential as the payload, `iss`, `jti`, `sub` and `nbf` beside it.
    pub fn sign_jwt(&self, credential: &Value) -> Result<String, String> {
        let mut payload = credential.clone();
        let Some(claims) = payload.as_object_mut() else {
            return Err("a credential is a JSON object".to_owned());
        };
        claims.remove("proof");
        claims.insert("iss".to_owned(), Value::String(self.issuer.clone()));
        if let Some(id) = credential["id"].as_str() {
            claims.insert("jti".to_owned(), Value::String(id.to_owned()));
        }
        if let Some(sub) = credential["credentialSubject"]["id"].as_str() {
            claims.insert("sub".to_owned(), Value::String(sub.to_owned()));
        }
        if let Some(from) = credential["validFrom"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        {
            claims.insert("nbf".to_owned(), Value::from(from.timestamp()));
        }
        let header = ssi_jws::Header {
            algorithm: ssi_jwk::Algorithm::EdDSA,
            key_id: Some(self.method.clone()),
            type_: Some("JWT".to_owned()),
            ..Default::default()
        };
        ssi_jws::encode_sign_custom_header(&payload.to_string(), &self.jwk, &header)
            .map_err(|e| format!("cannot sign the JWT: {e}"))
    }

    /// Adds an `assertionMethod` proof to `unsigned` (which names this key's issuer).
    pub async fn sign(&self, unsigned: Value) -> Result<Value, String> {
        self.sign_for(unsigned, ProofPurpose::Assertion, None, None)
            .await
    }

    /// Adds an `authentication` proof to a presentation: this key vouches for it, bound
    /// to the verifier's `challenge` and `domain` when given (so it cannot be replayed
    /// to another verifier or another request).
    pub async fn sign_presentation(
        &self,
        unsigned: Value,
        challenge: Option<String>,
        domain: Option<String>,
    ) -> Result<Value, String> {
        self.sign_for(unsigned, ProofPurpose::Authentication, challenge, domain)
            .await
    }

    async fn sign_for(
        &self,
        unsigned: Value,
        purpose: ProofPurpose,
        challenge: Option<String>,
        domain: Option<String>,
    ) -> Result<Value, String> {
        let document: DataIntegrityDocument =
            serde_json::from_value(unsigned).map_err(|e| format!("not a JSON-LD document: {e}"))?;
        let resolver = (DIDKey, DIDJWK, self.web.clone()).into_vm_resolver::<Multikey>();
        let signer = SingleSecretSigner::new(self.jwk.clone());
        let method = iref::IriBuf::new(self.method.clone())
            .map_err(|e| format!("bad verification method id: {e}"))?;
        let mut options = ProofOptions::from_method(ReferenceOrOwned::Reference(method));
        options.proof_purpose = purpose;
        options.challenge = challenge;
        options.domains = domain.into_iter().collect();
        let environment = SignatureEnvironment {
            json_ld_loader: contexts(),
            eip712_loader: (),
        };
        let signed = EdDsaRdfc2022
            .sign_with(environment, document, resolver, signer, options, ())
            .await
            .map_err(|e| format!("cannot sign: {e}"))?;
        serde_json::to_value(&signed).map_err(|e| format!("cannot write the signed document: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::credentials::verification::{CredentialVerifier, Incoming, Status};

    #[tokio::test]
    async fn what_it_signs_verifies_and_an_edit_breaks_it() {
        let key = IssuerKey::did_key(IssuerKey::generate_jwk().unwrap()).unwrap();
        let signed = key
            .sign(serde_json::json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": key.issuer(),
                "credentialSubject": { "id": "did:example:maker" }
            }))
            .await
            .unwrap();
        let verifier = CredentialVerifier::default();
        let now = chrono::Utc::now();
        let good = verifier.verify(&Incoming::json(signed.clone()), now).await;
        assert_eq!(good.status, Status::Verified, "{good:?}");
        assert_eq!(good.issuer.as_deref(), Some(key.issuer()));
        let mut edited = signed;
        edited["credentialSubject"]["id"] = "did:example:mallory".into();
        let bad = verifier.verify(&Incoming::json(edited), now).await;
        assert_eq!(bad.status, Status::Invalid, "{bad:?}");
    }

    #[tokio::test]
    async fn its_vc_jwts_verify_and_a_changed_payload_or_foreign_key_does_not() {
        let key = IssuerKey::did_key(IssuerKey::generate_jwk().unwrap()).unwrap();
        let other = IssuerKey::did_key(IssuerKey::generate_jwk().unwrap()).unwrap();
        let credential = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:0190f5b2-0000-7000-8000-00000000abcd",
            "type": ["VerifiableCredential"],
            "issuer": key.issuer(),
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": { "id": "did:example:maker" }
        });
        let verifier = CredentialVerifier::default();
        let now = chrono::Utc::now();
        let jwt = key.sign_jwt(&credential).unwrap();
        let good = verifier.verify(&Incoming::Jws(jwt.clone()), now).await;
        assert_eq!(good.status, Status::Verified, "{good:?}");
        assert_eq!(good.method, "vc-jwt:EdDSA");
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        let mut payload = credential.clone();
        payload["credentialSubject"]["id"] = "did:example:mallory".into();
        payload["iss"] = key.issuer().into();
        parts[1] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            payload.to_string(),
        );
        let edited = verifier.verify(&Incoming::Jws(parts.join(".")), now).await;
        assert_eq!(edited.status, Status::Invalid, "{edited:?}");
        // Signed by another key, naming this issuer.
        let mut forged = other.sign_jwt(&credential).unwrap();
        let bad = verifier.verify(&Incoming::Jws(forged.clone()), now).await;
        assert_eq!(bad.status, Status::Invalid, "{bad:?}");
        forged.push('x');
        let garbled = verifier.verify(&Incoming::Jws(forged), now).await;
        assert_ne!(garbled.status, Status::Verified, "{garbled:?}");
    }
}
