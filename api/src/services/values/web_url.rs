//! Links people follow: evidence of work, websites.

use url::Url;

use crate::services::{ServiceError, ServiceResult};

/// Longer links are refused: browsers and front-ends cut them anyway.
const MAX_LEN: usize = 2_048;

/// An absolute `http` or `https` URL with a host and no user name or password in it. Map
/// front-ends turn these into links, so `javascript:`, `data:` and the like never pass,
/// and `https://trusted.example@evil.example` (whose host is not what it reads as) is
/// refused too. Stored as given, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(field: &str, value: &str) -> ServiceResult<WebUrl> {
        let value = value.trim();
        let refuse = |why: &str| {
            Err(ServiceError::invalid(
                field,
                format!(
                    "`{}` {why}; give an http(s) link such as https://example.org/my-work",
                    shorten(value)
                ),
            ))
        };
        if value.len() > MAX_LEN {
            return refuse(&format!("is longer than {MAX_LEN} characters"));
        }
        let Ok(url) = Url::parse(value) else {
            return refuse("is not a URL");
        };
        if !matches!(url.scheme(), "http" | "https") {
            return refuse("is not an http(s) URL");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return refuse("has no host");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return refuse("carries a user name or password");
        }
        Ok(WebUrl(value.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

fn shorten(value: &str) -> String {
    match value.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_links_pass_as_given() {
        for ok in [
            "https://example.org/my-work",
            "http://fablab.example.gh",
            " https://example.org/a?b=c#d ",
        ] {
            assert_eq!(WebUrl::parse("u", ok).unwrap().into_inner(), ok.trim());
        }
    }

    #[test]
    fn scripts_and_disguises_are_refused() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://example.org/file",
            "https://",
            "example.org",
            "https://trusted.example@evil.example/",
            "https://user:pw@example.org/",
            "file:///etc/passwd",
        ] {
            let e = WebUrl::parse("skills[0].evidenceUrl", bad).unwrap_err();
            assert!(e.to_string().contains("http(s)"), "{bad}: {e}");
        }
        let long = format!("https://example.org/{}", "a".repeat(3_000));
        assert!(WebUrl::parse("u", &long).is_err());
    }
}
