//! What shape a credential arrived in, which decides how its proof is checked.

use serde_json::Value;

/// A credential as received, kept verbatim: it is what is checked, stored and handed on.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A JSON credential: a W3C VC / Open Badges 3.0 credential (with or without an embedded
    /// proof) or an Open Badges 2.0 assertion. `text` is the document as received.
    Json { text: String, value: Value },
    /// A compact JWS: a VC-JWT (Open Badges 3.0 §8.2) or a signed Open Badges 2.0 assertion.
    Jws(String),
}

impl Incoming {
    /// The JSON as it came.
    pub fn json(value: Value) -> Self {
        Incoming::Json {
            text: value.to_string(),
            value,
        }
    }

    /// The text stored with the credential.
    pub fn text(&self) -> &str {
        match self {
            Incoming::Json { text, .. } => text,
            Incoming::Jws(jws) => jws,
        }
    }

    /// Reads a stored document back.
    pub fn from_stored(text: &str) -> Option<Self> {
        let trimmed = text.trim();
        if looks_like_jws(trimmed) {
            return Some(Incoming::Jws(trimmed.to_owned()));
        }
        serde_json::from_str(trimmed)
            .ok()
            .map(|value| Incoming::Json {
                text: trimmed.to_owned(),
                value,
            })
    }
}

/// Three base64url segments, the first a JOSE header: a compact JWS (a JWT).
pub fn looks_like_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3
        && text.starts_with("eyJ")
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// An Open Badges 2.0 assertion, rather than a W3C credential: typed `Assertion`, or in
/// the 2.0 context.
pub fn is_ob2_assertion(value: &Value) -> bool {
    let assertion = |t: &Value| t.as_str() == Some("Assertion");
    let in_context = |c: &Value| c.as_str().is_some_and(|c| c.contains("openbadges/v2"));
    assertion(&value["type"])
        || value["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(assertion))
        || in_context(&value["@context"])
        || value["@context"]
            .as_array()
            .is_some_and(|c| c.iter().any(in_context))
}

/// An Open Badges 2.0 assertion says how to check it in `verification.type`.
pub fn ob2_verification_type(value: &Value) -> Option<String> {
    let v = &value["verification"];
    v["type"].as_str().or_else(|| v.as_str()).map(|t| {
        t.rsplit([':', '/', '#'])
            .next()
            .unwrap_or(t)
            .to_ascii_lowercase()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_jws_is_told_from_json_and_prose() {
        assert!(looks_like_jws("eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln"));
        assert!(!looks_like_jws("{\"a\": 1}"));
        assert!(!looks_like_jws("eyJ.two parts"));
        assert!(!looks_like_jws("eyJa.b.c.d"));
    }

    #[test]
    fn ob2_verification_types_are_read_in_either_form() {
        let hosted = serde_json::json!({"verification": {"type": "HostedBadge"}});
        assert_eq!(
            ob2_verification_type(&hosted).as_deref(),
            Some("hostedbadge")
        );
        let signed = serde_json::json!({"verification": {"type": "SignedBadge"}});
        assert_eq!(
            ob2_verification_type(&signed).as_deref(),
            Some("signedbadge")
        );
        let old = serde_json::json!({"verify": {"type": "hosted"}});
        assert_eq!(ob2_verification_type(&old), None);
    }
}
