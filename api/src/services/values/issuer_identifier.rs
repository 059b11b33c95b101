//! What an issuer is known by: the DID or the http(s) URL its credentials name as `issuer`.
//! Trust is given to this, never to a name.

use super::WebUrl;
use crate::services::{ServiceError, ServiceResult};

const MAX_LEN: usize = 2_048;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerIdentifier(String);

impl IssuerIdentifier {
    pub fn parse(field: &str, value: &str) -> ServiceResult<IssuerIdentifier> {
        let value = value.trim();
        if value.len() > MAX_LEN {
            return Err(ServiceError::invalid(
                field,
                format!("is longer than {MAX_LEN} characters; give a DID or an https URL"),
            ));
        }
        if let Some(rest) = value.strip_prefix("did:") {
            let mut parts = rest.splitn(2, ':');
            let method = parts.next().unwrap_or("");
            let specific = parts.next().unwrap_or("");
            let method_ok = !method.is_empty()
                && method
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            let specific_ok = !specific.is_empty()
                && !specific.contains('#')
                && !specific.contains(char::is_whitespace);
            if !method_ok || !specific_ok {
                return Err(ServiceError::invalid(
                    field,
                    format!(
                        "`{value}` is not a DID; give one such as did:web:example.org or \
                         did:key:z6Mk…, without a #fragment"
                    ),
                ));
            }
            return Ok(IssuerIdentifier(value.to_owned()));
        }
        WebUrl::parse(field, value)
            .map(|u| IssuerIdentifier(u.into_inner()))
            .map_err(|_| {
                ServiceError::invalid(
                    field,
                    format!(
                        "`{value}` is neither a DID nor an http(s) URL; give what the issuer's \
                         credentials name as `issuer`, e.g. did:web:example.org"
                    ),
                )
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dids_and_urls_are_identifiers_names_are_not() {
        for ok in [
            "did:web:example.org",
            "did:web:example.org%3A8443:issuers:1",
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
            "https://badges.example.org/issuers/1",
        ] {
            assert_eq!(
                IssuerIdentifier::parse("identifier", ok)
                    .ok()
                    .map(IssuerIdentifier::into_inner),
                Some(ok.to_owned())
            );
        }
        for bad in [
            "Example Corp",
            "did:",
            "did:web:",
            "did:Web:x",
            "did:web:x#key-1",
            "ftp://x.org",
        ] {
            let err = IssuerIdentifier::parse("identifier", bad).expect_err(bad);
            assert!(err.to_string().contains("identifier"), "{err}");
        }
    }
}
