//! This deployment as an issuer of verifiable credentials: its `did:web` (derived from the
//! address the public reaches it at), its Ed25519 key (configured, or generated into the
//! data dir on first use), the DID document and JWKS it publishes, its revocation list, and
//! the credentials it signs. Anyone can check what it signs with any W3C verifier.

pub mod practice;
pub mod presentation;
pub mod public_url;
pub mod status_list;

pub use public_url::PublicUrl;

use std::path::{Path, PathBuf};

use did_method_key::DIDKey;
use serde_json::{Value, json};
use ssi_jwk::JWK;

use crate::config::Config;
use crate::error::AppError;
use crate::services::credentials::signing::IssuerKey;
use crate::services::credentials::verification::{
    CredentialVerifier, FetchPolicy, Fetcher, OwnDid,
};

/// File in the data dir holding the generated signing key (a private JWK).
pub const KEY_FILE: &str = "issuer-key.jwk";

/// The id of the one key in the DID document.
const KEY_ID: &str = "key-1";

/// Who this deployment is as an issuer.
#[derive(Debug, Clone)]
pub struct DeploymentIssuer {
    public_url: PublicUrl,
    name: String,
    key: IssuerKey,
    document: Value,
    /// The did:web method-specific id (`example.org%3A8443`).
    web_id: String,
}

impl DeploymentIssuer {
    /// The issuer for `config`, reachable at `public_url` (the configured one, else what
    /// the server listens on).
    pub fn load(config: &Config, public_url: PublicUrl) -> Result<DeploymentIssuer, AppError> {
        let jwk = signing_key(config)?;
        let did_key = DIDKey::generate(&jwk.to_public()).map_err(|e| {
            AppError::InvalidInput(format!(
                "issuer.key_file: not an Ed25519 key ({e}); give an OKP/Ed25519 JWK with `d`"
            ))
        })?;
        let web_id = public_url.did_web_id();
        let did = format!("did:web:{web_id}");
        let method = format!("{did}#{KEY_ID}");
        let document = json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [{
                "id": method,
                "type": "Multikey",
                "controller": did,
                // A did:key's method-specific id is the key's multibase Multikey encoding.
                "publicKeyMultibase": did_key.method_specific_id(),
            }],
            "assertionMethod": [method],
            "authentication": [method],
        });
        let key = IssuerKey::did_web(jwk, &web_id, document.to_string().into_bytes());
        let name = config
            .issuer
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("makermatch at {}", public_url.host()));
        Ok(DeploymentIssuer {
            public_url,
            name,
            key,
            document,
            web_id,
        })
    }

    pub fn did(&self) -> &str {
        self.key.issuer()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key(&self) -> &IssuerKey {
        &self.key
    }

    pub fn public_url(&self) -> &PublicUrl {
        &self.public_url
    }

    /// What `/.well-known/did.json` serves.
    pub fn did_document(&self) -> &Value {
        &self.document
    }

    /// What `/.well-known/jwks.json` serves: the public key, for JOSE verifiers.
    pub fn jwks(&self) -> Value {
        let mut public = serde_json::to_value(self.key.jwk().to_public()).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut public {
            map.insert(
                "kid".to_owned(),
                Value::String(self.key.method().to_owned()),
            );
            map.insert("alg".to_owned(), Value::String("EdDSA".to_owned()));
            map.insert("use".to_owned(), Value::String("sig".to_owned()));
        }
        json!({ "keys": [public] })
    }

    /// Lets the verifier check this deployment's own credentials without fetching.
    pub fn own_did(&self) -> OwnDid {
        let mut own = OwnDid {
            status_list: Some(self.public_url.join(status_list::PATH)),
            ..OwnDid::default()
        };
        own.web
            .insert(self.web_id.clone(), self.document.to_string().into_bytes());
        own
    }

    /// The verifier for credentials coming in: this deployment's own DID answered locally,
    /// other issuers' documents fetched as `[verification]` allows.
    pub fn verifier(&self, config: &Config) -> Result<CredentialVerifier, AppError> {
        Ok(CredentialVerifier::with_fetcher(
            self.own_did(),
            fetcher(config)?,
        ))
    }

    /// The verifier a command uses outside the server (`makermatch import`): the server
    /// on `listen`'s own DID answered locally when its key exists. Without a key nothing
    /// this deployment signed can exist, so the command checks others' credentials only,
    /// and never creates a key as a side effect.
    pub fn command_verifier(config: &Config) -> Result<CredentialVerifier, AppError> {
        let key_exists =
            config.issuer.key_file.is_some() || config.data_dir.join(KEY_FILE).exists();
        if key_exists {
            DeploymentIssuer::for_config(config, config.listen)?.verifier(config)
        } else {
            Ok(CredentialVerifier::with_fetcher(
                OwnDid::default(),
                fetcher(config)?,
            ))
        }
    }

    /// The deployment's issuer for `config`, when serving on `listening`.
    pub fn for_config(
        config: &Config,
        listening: std::net::SocketAddr,
    ) -> Result<DeploymentIssuer, AppError> {
        let public_url = match config
            .issuer
            .public_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            Some(url) => PublicUrl::parse(url),
            None => PublicUrl::listening(listening),
        }
        .map_err(|e| AppError::InvalidInput(format!("issuer.public_url: {e}")))?;
        DeploymentIssuer::load(config, public_url)
    }
}

/// The fetcher `[verification]` describes.
fn fetcher(config: &Config) -> Result<Fetcher, AppError> {
    let v = &config.verification;
    Fetcher::new(FetchPolicy {
        enabled: v.fetch,
        allow_private_addresses: v.allow_private_addresses,
        timeout: std::time::Duration::from_millis(v.fetch_timeout_ms),
        max_bytes: v.fetch_max_bytes,
        cache_for: std::time::Duration::from_secs(v.cache_secs),
    })
    .map_err(AppError::Io)
}

fn unusable(what: &str, path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::InvalidInput(format!("{what} {}: {e}", path.display()))
}

/// The signing key: `issuer.key_file`, or `issuer-key.jwk` in the data dir, generated
/// (mode 0600) when absent. Replicas of one deployment must share it, as they share the
/// token secret: give them all the same `issuer.key_file`.
fn signing_key(config: &Config) -> Result<JWK, AppError> {
    let (path, configured): (PathBuf, bool) = match &config.issuer.key_file {
        Some(path) => (path.clone(), true),
        None => (config.data_dir.join(KEY_FILE), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let jwk: JWK = serde_json::from_str(&text)
                .map_err(|e| unusable("the issuer key is not a JWK:", &path, e))?;
            if jwk.to_public() == jwk {
                return Err(unusable(
                    "the issuer key has no private part (`d`):",
                    &path,
                    "give the private JWK",
                ));
            }
            return Ok(jwk);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !configured => {}
        Err(e) => return Err(unusable("cannot read the issuer key", &path, e)),
    }
    std::fs::create_dir_all(&config.data_dir).map_err(|e| AppError::DataDir {
        path: config.data_dir.clone(),
        reason: e.to_string(),
    })?;
    let jwk = IssuerKey::generate_jwk().map_err(AppError::Io)?;
    let text = serde_json::to_string(&jwk)
        .map_err(|e| unusable("cannot write the issuer key", &path, e))?;
    match crate::auth::write_secret_file(&path, text.as_bytes()) {
        Ok(true) => {
            tracing::info!(file = %path.display(), "generated the deployment's credential signing key");
            Ok(jwk)
        }
        // Another process generated it first: use theirs.
        Ok(false) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| unusable("cannot read the issuer key", &path, e))?;
            serde_json::from_str(&text)
                .map_err(|e| unusable("the issuer key is not a JWK:", &path, e))
        }
        Err(e) => Err(unusable("cannot write the issuer key", &path, e)),
    }
}
