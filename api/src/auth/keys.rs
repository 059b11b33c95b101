//! The keys tokens are checked with: an HS256 secret (configured, or generated once into
//! the data dir so the CLI and the server of one data dir agree) and public keys of an
//! identity provider (PEM files or a JWKS file), each pinned to one algorithm and chosen by
//! the token's `kid`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand::RngCore;

use crate::config::Config;
use crate::error::AppError;

/// File in the data dir holding the generated HS256 secret.
pub const SECRET_FILE: &str = "jwt-secret";

/// The `kid` of the HS256 key (also used for tokens without a `kid`).
pub const HS256_KID: &str = "hs256";

/// One verification key and the one algorithm it accepts.
#[derive(Clone)]
pub struct VerifyKey {
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// Every key a token may name, by `kid`.
#[derive(Clone)]
pub struct KeyRing {
    pub keys: HashMap<String, VerifyKey>,
    /// What `makermatch token` signs with: the HS256 secret, or a configured private key.
    pub signing: (String, Algorithm, EncodingKey),
    /// The secret file this load created, when the data dir had none.
    pub generated_secret: Option<PathBuf>,
}

/// The HS256 secret and, when it was generated just now, the file it went to.
struct Secret {
    bytes: Vec<u8>,
    generated: Option<PathBuf>,
}

fn unusable(what: &str, path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::InvalidInput(format!("{what} {}: {e}", path.display()))
}

/// The HS256 secret: configured, read from the data dir, or generated there (0600).
fn hs256_secret(config: &Config) -> Result<Secret, AppError> {
    if let Some(secret) = config.auth.hs256_secret.as_ref().filter(|s| !s.is_empty()) {
        return Ok(Secret {
            bytes: secret.as_bytes().to_vec(),
            generated: None,
        });
    }
    let path = config.data_dir.join(SECRET_FILE);
    let existing = |bytes| Secret {
        bytes,
        generated: None,
    };
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= 32 => return Ok(existing(bytes)),
        Ok(_) => {
            return Err(AppError::InvalidInput(format!(
                "{} holds fewer than 32 bytes; delete it to have a new secret generated (tokens signed with the old one stop working)",
                path.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(unusable("cannot read the token secret", &path, e)),
    }
    std::fs::create_dir_all(&config.data_dir).map_err(|e| AppError::DataDir {
        path: config.data_dir.clone(),
        reason: e.to_string(),
    })?;
    let mut secret = [0u8; 48];
    rand::rng().fill_bytes(&mut secret);
    let encoded: Vec<u8> = secret
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect();
    match write_secret_file(&path, &encoded) {
        Ok(true) => {
            tracing::info!(file = %path.display(), "generated a token signing secret");
            Ok(Secret {
                bytes: encoded,
                generated: Some(path),
            })
        }
        // Another process generated it first: use theirs.
        Ok(false) => std::fs::read(&path)
            .map(existing)
            .map_err(|e| unusable("cannot read the token secret", &path, e)),
        Err(e) => Err(unusable("cannot write the token secret", &path, e)),
    }
}

/// Writes a new secret file readable by its owner alone (0600). `Ok(false)`: the file
/// exists already (another process made it first), and is left as it is.
pub fn write_secret_file(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => file.write_all(bytes).map(|()| true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

fn algorithm(name: &str) -> Option<Algorithm> {
    match name {
        "RS256" => Some(Algorithm::RS256),
        "EdDSA" => Some(Algorithm::EdDSA),
        _ => None,
    }
}

/// Loads every configured key. A missing or malformed file is an error naming it.
pub fn load(config: &Config) -> Result<KeyRing, AppError> {
    let Secret {
        bytes: secret,
        generated: generated_secret,
    } = hs256_secret(config)?;
    let mut keys = HashMap::new();
    keys.insert(
        HS256_KID.to_owned(),
        VerifyKey {
            algorithm: Algorithm::HS256,
            key: DecodingKey::from_secret(&secret),
        },
    );
    let mut signing = (
        HS256_KID.to_owned(),
        Algorithm::HS256,
        EncodingKey::from_secret(&secret),
    );
    for k in &config.auth.keys {
        let Some(alg) = algorithm(&k.algorithm) else {
            return Err(AppError::InvalidInput(format!(
                "auth.keys `{}`: algorithm `{}` is not supported; use RS256 or EdDSA",
                k.kid, k.algorithm
            )));
        };
        let pem = std::fs::read(&k.public_key)
            .map_err(|e| unusable("cannot read the public key", &k.public_key, e))?;
        let key = match alg {
            Algorithm::RS256 => DecodingKey::from_rsa_pem(&pem),
            _ => DecodingKey::from_ed_pem(&pem),
        }
        .map_err(|e| unusable("not a usable public key:", &k.public_key, e))?;
        keys.insert(
            k.kid.clone(),
            VerifyKey {
                algorithm: alg,
                key,
            },
        );
        if let Some(private) = &k.private_key {
            let pem = std::fs::read(private)
                .map_err(|e| unusable("cannot read the private key", private, e))?;
            let key = match alg {
                Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
                _ => EncodingKey::from_ed_pem(&pem),
            }
            .map_err(|e| unusable("not a usable private key:", private, e))?;
            signing = (k.kid.clone(), alg, key);
        }
    }
    if let Some(path) = &config.auth.jwks_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| unusable("cannot read the JWKS file", path, e))?;
        let set: JwkSet =
            serde_json::from_str(&text).map_err(|e| unusable("not a JWKS document:", path, e))?;
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            let alg = match jwk.common.key_algorithm.map(|a| a.to_string()) {
                Some(a) if a == "RS256" => Algorithm::RS256,
                Some(a) if a == "EdDSA" => Algorithm::EdDSA,
                // A key without a pinned algorithm could be abused with another one.
                _ => {
                    tracing::warn!(kid = %kid, file = %path.display(), "JWKS key skipped: it names no RS256 or EdDSA `alg`");
                    continue;
                }
            };
            let key = DecodingKey::from_jwk(jwk)
                .map_err(|e| unusable(&format!("JWKS key `{kid}` unusable in"), path, e))?;
            keys.insert(
                kid,
                VerifyKey {
                    algorithm: alg,
                    key,
                },
            );
        }
    }
    Ok(KeyRing {
        keys,
        signing,
        generated_secret,
    })
}
