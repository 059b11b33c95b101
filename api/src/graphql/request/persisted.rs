//! Automatic persisted queries (Apollo's protocol): a client sends the SHA-256 of its
//! query alone, and the text too only when the server answers `PersistedQueryNotFound`.
//! Handled in front of the schema, not as an async-graphql extension: with any extension
//! installed, every field of every query goes through the extension chain (a lookup of
//! its type and field by name and a few more futures), about a tenth of the time of a
//! large page.

use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, Request, ServerError, Value};
use quick_cache::sync::Cache;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::codes::{PERSISTED_QUERY_NOT_FOUND, with_code};
use crate::graphql::error::Code;

#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// The query texts clients have registered, by their SHA-256 (lower-case hex).
pub struct PersistedQueries {
    texts: Cache<String, Arc<str>>,
}

fn refused(message: String) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", Value::from(Code::BadUserInput.as_str()));
    e.extensions = Some(ext);
    e
}

impl PersistedQueries {
    /// Remembers up to `capacity` queries, the least used going first.
    pub fn new(capacity: usize) -> PersistedQueries {
        PersistedQueries {
            texts: Cache::new(capacity.max(1)),
        }
    }

    /// Applies the `persistedQuery` extension of `request`, if any: fills in the text of
    /// a known hash, or registers the text sent with its hash.
    pub fn apply(&self, request: &mut Request) -> Result<(), ServerError> {
        let Some(value) = request.extensions.remove("persistedQuery") else {
            return Ok(());
        };
        let persisted: PersistedQuery = value
            .into_json()
            .ok()
            .and_then(|json| serde_json::from_value(json).ok())
            .ok_or_else(|| {
                refused(
                    "extensions.persistedQuery: give {\"version\": 1, \"sha256Hash\": \"<hex SHA-256 of the query>\"}"
                        .into(),
                )
            })?;
        if persisted.version != 1 {
            return Err(refused(format!(
                "extensions.persistedQuery.version: only version 1 is supported, not {}",
                persisted.version
            )));
        }
        if request.query.is_empty() {
            // Apollo clients recognise this exact message and send the text again.
            let text = self.texts.get(&persisted.sha256_hash).ok_or_else(|| {
                with_code(
                    ServerError::new("PersistedQueryNotFound", None),
                    PERSISTED_QUERY_NOT_FOUND,
                )
            })?;
            request.query = text.to_string();
            return Ok(());
        }
        let hash = format!("{:x}", Sha256::digest(request.query.as_bytes()));
        if hash != persisted.sha256_hash {
            return Err(refused(format!(
                "extensions.persistedQuery.sha256Hash: it is not the SHA-256 of the query (that is {hash})"
            )));
        }
        self.texts.insert(hash, Arc::from(request.query.as_str()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn with_extension(query: &str, hash: &str, version: i32) -> Request {
        let mut r = Request::new(query);
        r.extensions.insert(
            "persistedQuery".into(),
            Value::from_json(serde_json::json!({ "version": version, "sha256Hash": hash }))
                .unwrap(),
        );
        r
    }

    #[test]
    fn a_hash_is_known_once_its_text_was_sent() {
        let apq = PersistedQueries::new(8);
        let hash = format!("{:x}", Sha256::digest(b"{ version }"));
        let e = apq.apply(&mut with_extension("", &hash, 1)).unwrap_err();
        assert_eq!(e.message, "PersistedQueryNotFound");
        assert_eq!(
            e.extensions.as_ref().and_then(|x| x.get("code")).cloned(),
            Some(Value::from(PERSISTED_QUERY_NOT_FOUND))
        );
        apq.apply(&mut with_extension("{ version }", &hash, 1))
            .unwrap();
        let mut by_hash = with_extension("", &hash, 1);
        apq.apply(&mut by_hash).unwrap();
        assert_eq!(by_hash.query, "{ version }");
    }

    #[test]
    fn a_wrong_hash_or_version_is_refused_and_nothing_is_registered() {
        let apq = PersistedQueries::new(8);
        let e = apq
            .apply(&mut with_extension("{ version }", "abc", 1))
            .unwrap_err();
        assert!(e.message.contains("sha256Hash"), "{}", e.message);
        let hash = format!("{:x}", Sha256::digest(b"{ version }"));
        let e = apq
            .apply(&mut with_extension("{ version }", &hash, 2))
            .unwrap_err();
        assert!(e.message.contains("version"), "{}", e.message);
        assert!(apq.apply(&mut with_extension("", "abc", 1)).is_err());
    }
}
