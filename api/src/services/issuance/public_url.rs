//! The address the public reaches this deployment at, which its `did:web` is derived from
//! (did:web: the host, a port as `%3A<port>`, path segments joined by `:`).

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    url: Url,
}

impl PublicUrl {
    /// An http(s) URL with a host and no query, fragment or credentials.
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let url = Url::parse(text.trim()).map_err(|e| {
            format!("`{text}` is not a URL ({e}); give e.g. https://makers.example.org")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("`{text}` is not an http(s) URL"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("`{text}` has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "`{text}` has a query or fragment; give the base address only"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("`{text}` carries a user name or password"));
        }
        Ok(PublicUrl { url })
    }

    /// What a server listening on `addr` is reached at when nothing is configured.
    pub fn listening(addr: std::net::SocketAddr) -> Result<PublicUrl, String> {
        let ip = match addr.ip() {
            ip if ip.is_unspecified() => std::net::IpAddr::from([127, 0, 0, 1]),
            ip => ip,
        };
        let host = match ip {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            std::net::IpAddr::V4(v4) => v4.to_string(),
        };
        PublicUrl::parse(&format!("http://{host}:{}", addr.port()))
    }

    /// Host and port, as people write them.
    pub fn host(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// The did:web method-specific id.
    pub fn did_web_id(&self) -> String {
        let mut id = self.url.host_str().unwrap_or_default().to_lowercase();
        if let Some(port) = self.url.port() {
            id.push_str(&format!("%3A{port}"));
        }
        for segment in self.url.path().split('/').filter(|s| !s.is_empty()) {
            id.push(':');
            id.push_str(segment);
        }
        id
    }

    /// An address under this one: `path` starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.url.as_str().trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_ids_follow_the_method() {
        let u = PublicUrl::parse("https://Makers.Example.org").unwrap();
        assert_eq!(u.did_web_id(), "makers.example.org");
        assert_eq!(
            u.join("/credentials/status/1"),
            "https://makers.example.org/credentials/status/1"
        );
        let u = PublicUrl::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(u.did_web_id(), "127.0.0.1%3A8080");
        assert_eq!(u.host(), "127.0.0.1:8080");
        let u = PublicUrl::parse("https://example.org/mm/eu").unwrap();
        assert_eq!(u.did_web_id(), "example.org:mm:eu");
        for bad in [
            "ftp://x.org",
            "https://x.org/?a=1",
            "not a url",
            "https://u:p@x.org",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
        let l = PublicUrl::listening("0.0.0.0:9000".parse().unwrap()).unwrap();
        assert_eq!(l.did_web_id(), "127.0.0.1%3A9000");
    }
}
