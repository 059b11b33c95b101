//! Authentication (DESIGN §8): JWTs from `Authorization: Bearer` checked against pinned
//! keys, turned into the service layer's `Actor`. Anonymous callers have no actor and read
//! public data only. RFC 7519 claims as identity providers issue them: `nbf` and `iat` are
//! optional, `aud` a string or an array; `exp`, `sub`, `iss` and `aud` are required.

pub mod claims;
mod ids;
mod keys;

pub mod operator_token;
pub mod rate;
pub mod shared_budget;

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Header, Validation};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

pub use keys::{KeyRing, SECRET_FILE, write_secret_file};

use crate::config::Config;
use crate::error::AppError;
use crate::services::actor::{Actor, Role};
use claims::ClaimMapping;

/// The claims `makermatch token` writes (tokens are read through `claims::ClaimMapping`).
#[derive(Debug, Clone, Serialize)]
pub struct Claims {
    pub sub: String,
    /// `admin`, `coordinator`, `inspector`, `issuer` or `maker`.
    pub role: String,
    /// For `maker` tokens: the maker's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maker_id: Option<Uuid>,
    /// For `issuer` tokens: the issuer's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_id: Option<Uuid>,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    pub nbf: u64,
    pub iat: u64,
}

/// Why a token was refused. The message never repeats the token.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the Authorization header must be `Bearer <token>`")]
    Malformed,
    #[error("the token is not a well-formed JWT")]
    NotAJwt,
    #[error("the token names a key (`kid`) this server does not know")]
    UnknownKey,
    #[error("the token's algorithm is not the one its key accepts")]
    WrongAlgorithm,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's audience is not this service")]
    WrongAudience,
    #[error("the token's issuer is not trusted here")]
    WrongIssuer,
    #[error("the token's signature does not match")]
    BadSignature,
    #[error("the token's claims are incomplete: {0}")]
    BadClaims(String),
    #[error("the token carries no makermatch role: {0}")]
    BadRole(String),
}

/// Checks tokens against the key ring with the configured issuer, audience and leeway.
#[derive(Clone)]
pub struct Verifier {
    ring: KeyRing,
    issuer: String,
    audience: String,
    leeway: u64,
    claims: ClaimMapping,
}

impl Verifier {
    pub fn new(config: &Config) -> Result<Verifier, AppError> {
        Ok(Verifier {
            ring: keys::load(config)?,
            issuer: config.auth.issuer.clone(),
            audience: config.auth.audience.clone(),
            leeway: config.auth.leeway_secs,
            claims: ClaimMapping::new(&config.auth).map_err(AppError::InvalidInput)?,
        })
    }

    /// The secret file generated while loading the keys, when tokens are signed with it.
    pub fn fresh_signing_secret(&self) -> Option<&Path> {
        self.ring
            .generated_secret
            .as_deref()
            .filter(|_| self.ring.signing.0 == keys::HS256_KID)
    }

    /// The actor a token stands for, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        use jsonwebtoken::errors::ErrorKind;
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::NotAJwt)?;
        let kid = header.kid.as_deref().unwrap_or(keys::HS256_KID);
        let key = self.ring.keys.get(kid).ok_or(AuthError::UnknownKey)?;
        if header.alg != key.algorithm {
            return Err(AuthError::WrongAlgorithm);
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        // `nbf` is checked when present; RFC 7519 makes it and `iat` optional.
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => AuthError::NotYetValid,
                ErrorKind::InvalidAudience => AuthError::WrongAudience,
                ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
                ErrorKind::InvalidSignature => AuthError::BadSignature,
                ErrorKind::InvalidAlgorithm => AuthError::WrongAlgorithm,
                ErrorKind::MissingRequiredClaim(c) => AuthError::BadClaims(format!("no `{c}`")),
                ErrorKind::InvalidClaimFormat(c) => {
                    AuthError::BadClaims(format!("`{c}` is not a number of seconds"))
                }
                ErrorKind::Json(_) => AuthError::BadClaims("unreadable claims".into()),
                _ => AuthError::NotAJwt,
            })?;
        self.claims.actor(&data.claims)
    }

    /// Signs a token for `role`/`sub` valid for `ttl_secs` (for `makermatch token`).
    pub fn mint(
        &self,
        role: Role,
        sub: &str,
        maker_id: Option<Uuid>,
        issuer_id: Option<Uuid>,
        ttl_secs: u64,
    ) -> Result<String, AppError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let claims = Claims {
            sub: sub.to_owned(),
            role: role.as_str().to_owned(),
            maker_id,
            issuer_id,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl_secs,
            nbf: now,
            iat: now,
        };
        let (kid, alg, key) = &self.ring.signing;
        let mut header = Header::new(*alg);
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(&header, &claims, key)
            .map_err(|e| AppError::Io(format!("cannot sign the token: {e}")))
    }
}

/// The token of an `Authorization` header value: `Bearer <token>`.
pub fn bearer(value: &str) -> Result<&str, AuthError> {
    let mut parts = value.trim().splitn(2, ' ');
    match (parts.next(), parts.next()) {
        (Some(scheme), Some(token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(AuthError::Malformed),
    }
}

/// Parses `30s`, `15m`, `1h`, `7d` or plain seconds.
pub fn parse_ttl(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: u64 = number.parse().ok()?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    n.checked_mul(factor).filter(|s| *s > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(dir: &std::path::Path) -> Verifier {
        let config = Config {
            data_dir: dir.to_path_buf(),
            ..Config::default()
        };
        Verifier::new(&config).unwrap()
    }

    #[test]
    fn minted_tokens_verify_and_the_secret_is_shared_through_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let a = verifier(dir.path());
        let b = verifier(dir.path());
        let id = Uuid::now_v7();
        let token = a.mint(Role::Maker, "ama", Some(id), None, 3_600).unwrap();
        let actor = b.verify(&token).unwrap();
        assert_eq!(actor.role, Role::Maker);
        assert_eq!(actor.maker_id, Some(id));
        let other = verifier(tempfile::tempdir().unwrap().path());
        assert_eq!(other.verify(&token), Err(AuthError::BadSignature));
    }

    #[test]
    fn bearer_and_ttl_parsing() {
        assert_eq!(bearer("Bearer abc"), Ok("abc"));
        assert_eq!(bearer("bearer  abc "), Ok("abc"));
        assert_eq!(bearer("Basic abc"), Err(AuthError::Malformed));
        assert_eq!(bearer("Bearer"), Err(AuthError::Malformed));
        assert_eq!(parse_ttl("1h"), Some(3_600));
        assert_eq!(parse_ttl("90"), Some(90));
        assert_eq!(parse_ttl("2d"), Some(172_800));
        assert_eq!(parse_ttl("0"), None);
        assert_eq!(parse_ttl("1y"), None);
    }
}
