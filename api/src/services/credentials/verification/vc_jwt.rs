//! VC-JWT credentials (JOSE compact serialisation): Open Badges 3.0 §8.2's shape, the
//! credential itself as the payload with `iss`, `jti`, `sub`, `nbf` beside it, and the
//! older VC-JWT shape with the credential under `vc`. The key is the one the header's
//! `kid` (a DID URL) names, resolved with ssi, and it must be an assertion key of the issuer
//! the credential names; the signature is checked with jsonwebtoken, its algorithm pinned.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use ssi_jwk::JWKResolver;

use super::data_integrity::named_issuer;
use super::keys::KeyResolver;

/// What a JWS claims, read before anything is checked.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The credential (the payload, or its `vc`).
    pub credential: Value,
    /// The header's `kid`.
    pub kid: Option<String>,
    pub alg: String,
    /// The payload's `iss`.
    pub iss: Option<String>,
    /// An Open Badges 2.0 assertion signed as JWS, rather than a VC.
    pub ob2_assertion: bool,
}

/// Reads a compact JWS without checking it.
pub fn read(jws: &str) -> Result<Claimed, String> {
    let header = jsonwebtoken::decode_header(jws)
        .map_err(|e| format!("the JWS header cannot be read: {e}"))?;
    let payload = jws.split('.').nth(1).ok_or("the JWS has no payload")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("the JWS payload is not base64url: {e}"))?;
    let payload: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("the JWS payload is not JSON: {e}"))?;
    let credential = match payload.get("vc") {
        Some(vc @ Value::Object(_)) => vc.clone(),
        _ => payload.clone(),
    };
    let ob2_assertion = super::format::is_ob2_assertion(&credential);
    Ok(Claimed {
        credential,
        kid: header.kid,
        alg: format!("{:?}", header.alg),
        iss: payload["iss"].as_str().map(str::to_owned),
        ob2_assertion,
    })
}

/// How the check of a JWS ended.
pub enum JwsCheck {
    /// Signed by the issuer it names (returned).
    Valid(String),
    Invalid(String),
    CannotCheck(String),
}

/// Checks the signature of `jws` and that its key belongs to the issuer it names.
pub async fn check(jws: &str, claimed: &Claimed, keys: &KeyResolver) -> JwsCheck {
    let header = match jsonwebtoken::decode_header(jws) {
        Ok(h) => h,
        Err(e) => return JwsCheck::CannotCheck(format!("the JWS header cannot be read: {e}")),
    };
    if !matches!(
        header.alg,
        Algorithm::EdDSA | Algorithm::ES256 | Algorithm::ES384 | Algorithm::RS256
    ) {
        return JwsCheck::CannotCheck(format!(
            "the JWS algorithm {:?} is not accepted (EdDSA, ES256, ES384, RS256 are)",
            header.alg
        ));
    }
    let Some(issuer) = named_issuer(&claimed.credential) else {
        return JwsCheck::Invalid("the credential names no issuer".to_owned());
    };
    if let Some(iss) = &claimed.iss
        && iss != &issuer
    {
        return JwsCheck::Invalid(format!(
            "the JWT's iss ({iss}) is not the credential's issuer ({issuer})"
        ));
    }
    let Some(kid) = &claimed.kid else {
        return JwsCheck::CannotCheck("the JWS names no key (kid)".to_owned());
    };
    let controller = kid.split('#').next().unwrap_or(kid);
    if controller != issuer {
        return JwsCheck::Invalid(format!(
            "signed by {controller}, not by the issuer {issuer} the credential names"
        ));
    }
    if !kid.starts_with("did:") {
        return JwsCheck::CannotCheck(format!(
            "the key {kid} is not a DID URL; only DID-identified keys are resolved"
        ));
    }
    match keys.asserts_for(&issuer, kid).await {
        Ok(true) => {}
        Ok(false) => {
            return JwsCheck::Invalid(format!("{kid} is not an assertionMethod of {issuer}"));
        }
        Err(e) => return JwsCheck::CannotCheck(e),
    }
    let jwk = match keys.dids.fetch_public_jwk(Some(kid)).await {
        Ok(jwk) => jwk.into_owned(),
        Err(e) => return JwsCheck::CannotCheck(format!("the key {kid} cannot be resolved: {e}")),
    };
    let key = serde_json::to_value(&jwk)
        .ok()
        .and_then(|v| serde_json::from_value::<jsonwebtoken::jwk::Jwk>(v).ok())
        .and_then(|jwk| DecodingKey::from_jwk(&jwk).ok());
    let Some(key) = key else {
        return JwsCheck::CannotCheck(format!("the key {kid} cannot be used for JWS"));
    };
    // Dates are the credential's, judged with the rest (expired, not yet valid).
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    match jsonwebtoken::decode::<Value>(jws, &key, &validation) {
        Ok(_) => JwsCheck::Valid(issuer),
        Err(e) => match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                JwsCheck::Invalid("the JWS signature fails".to_owned())
            }
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => JwsCheck::Invalid(format!(
                "the key {kid} is not for the JWS algorithm {:?}",
                header.alg
            )),
            _ => JwsCheck::CannotCheck(format!("the JWS cannot be checked: {e}")),
        },
    }
}
