//! The one way verification reaches the network: `did:web` documents, status lists, and
//! Open Badges 2.0 assertions, badge classes, profiles and keys of other issuers. Every fetch has a timeout and a size cap, answers are cached, and no
//! loopback, private, link-local or otherwise internal address is ever connected to unless
//! configured (`verification.allow_private_addresses`, which the tests set): a credential
//! naming `did:web:10.0.0.5` must not become a way to probe the network behind the server.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use url::{Host, Url};

/// What fetching may do (`[verification]` in the configuration).
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Off: nothing is fetched; what needs a fetch stays unverified, saying so.
    pub enabled: bool,
    pub allow_private_addresses: bool,
    pub timeout: Duration,
    pub max_bytes: usize,
    /// How long an answer (or a failure) is reused.
    pub cache_for: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            enabled: true,
            allow_private_addresses: false,
            timeout: Duration::from_secs(5),
            max_bytes: 1 << 20,
            cache_for: Duration::from_secs(300),
        }
    }
}

/// What a URL answered: a body, or 410 Gone (how an Open Badges 2.0 host says an
/// assertion it served was revoked).
#[derive(Debug, Clone)]
enum Answer {
    Body(Arc<Vec<u8>>),
    Gone,
}

type Cached = (Instant, Result<Answer, String>);

/// Fetches documents under the policy. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: Option<reqwest::Client>,
    policy: Arc<FetchPolicy>,
    cache: Arc<Cache<String, Cached>>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Default for Fetcher {
    /// A fetcher that fetches nothing.
    fn default() -> Self {
        Fetcher {
            client: None,
            policy: Arc::new(FetchPolicy {
                enabled: false,
                ..FetchPolicy::default()
            }),
            cache: Arc::new(Cache::new(1)),
        }
    }
}

/// Whether an address is one the public internet cannot reach (or should not be reached
/// through a verification): loopback, private, link-local, shared, documentation,
/// unspecified, multicast, and IPv4 ones written as IPv6.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
        }
    }
}

/// Resolves names, keeping only addresses the policy lets us connect to.
struct Filtering {
    allow_private: bool,
}

impl Resolve for Filtering {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || !is_internal(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Result<Fetcher, String> {
        if !policy.enabled {
            return Ok(Fetcher {
                policy: Arc::new(policy),
                ..Fetcher::default()
            });
        }
        let allow_private = policy.allow_private_addresses;
        let redirects = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 3 {
                attempt.error("more than 3 redirects")
            } else if let Err(e) = allowed(attempt.url(), allow_private) {
                attempt.error(e)
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(2)))
            .no_proxy()
            .redirect(redirects)
            .dns_resolver(Filtering { allow_private })
            .user_agent(concat!(
                "makermatch/",
                env!("CARGO_PKG_VERSION"),
                " (credential verification)"
            ))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Fetcher {
            client: Some(client),
            policy: Arc::new(policy),
            cache: Arc::new(Cache::new(1_024)),
        })
    }

    /// Whether internal addresses may be fetched (tests).
    pub fn allows_private(&self) -> bool {
        self.policy.allow_private_addresses
    }

    /// The body at `url`, from the cache when fresh.
    pub async fn get(&self, url: &str) -> Result<Arc<Vec<u8>>, String> {
        match self.answer(url).await? {
            Answer::Body(body) => Ok(body),
            Answer::Gone => Err(format!("{url} answered 410 Gone")),
        }
    }

    /// The body at `url`, or `None` when it answers 410 Gone.
    pub async fn get_unless_gone(&self, url: &str) -> Result<Option<Arc<Vec<u8>>>, String> {
        Ok(match self.answer(url).await? {
            Answer::Body(body) => Some(body),
            Answer::Gone => None,
        })
    }

    async fn answer(&self, url: &str) -> Result<Answer, String> {
        let Some(client) = &self.client else {
            return Err("fetching is turned off (verification.fetch)".to_owned());
        };
        if let Some((at, answer)) = self.cache.get(url)
            && at.elapsed() < self.policy.cache_for
        {
            return answer;
        }
        let answer = self.fetch(client, url).await;
        self.cache
            .insert(url.to_owned(), (Instant::now(), answer.clone()));
        answer
    }

    async fn fetch(&self, client: &reqwest::Client, url: &str) -> Result<Answer, String> {
        let parsed = Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        allowed(&parsed, self.policy.allow_private_addresses)?;
        let mut response = client
            .get(parsed)
            .header(
                "accept",
                "application/json, application/did+json, application/vc+ld+json",
            )
            .send()
            .await
            .map_err(|e| format!("cannot fetch {url}: {e}"))?;
        if response.status() == reqwest::StatusCode::GONE {
            return Ok(Answer::Gone);
        }
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        let cap = self.policy.max_bytes;
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(format!("{url} is larger than {cap} bytes"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("cannot read {url}: {e}"))?
        {
            if body.len() + chunk.len() > cap {
                return Err(format!("{url} is larger than {cap} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer::Body(Arc::new(body)))
    }
}

/// Refuses what must not be fetched before any connection: other schemes, plain http
/// (unless private addresses are allowed, as in tests), and addresses given as IPs that
/// are internal.
fn allowed(url: &Url, allow_private: bool) -> Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        other => return Err(format!("{url}: only https is fetched, not {other}")),
    }
    let internal = match url.host() {
        Some(Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost"),
        None => return Err(format!("{url} has no host")),
    };
    if internal && !allow_private {
        return Err(format!(
            "{url} is an internal address; verification never fetches from one"
        ));
    }
    Ok(())
}

/// Where a did:web document is (did:web method §3.2): the host (`%3A` for a port), then
/// the path (`:` separated) or `/.well-known`, then `did.json`.
pub fn did_web_url(method_specific_id: &str, allow_private: bool) -> Result<String, String> {
    let mut parts = method_specific_id.split(':');
    let host = parts
        .next()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("did:web:{method_specific_id} names no host"))?
        .replace("%3A", ":")
        .replace("%3a", ":");
    let path: Vec<&str> = parts.collect();
    // did:web is https; plain http only for an internal host a test allowed.
    let bare = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    let bare = bare.trim_start_matches('[').trim_end_matches(']');
    let internal = bare == "localhost" || bare.parse::<IpAddr>().is_ok_and(is_internal);
    let scheme = if allow_private && internal {
        "http"
    } else {
        "https"
    };
    let url = if path.is_empty() {
        format!("{scheme}://{host}/.well-known/did.json")
    } else {
        format!("{scheme}://{host}/{}/did.json", path.join("/"))
    };
    Url::parse(&url)
        .map_err(|e| format!("did:web:{method_specific_id} is not a web address: {e}"))?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_known() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in ["1.1.1.1", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn only_public_https_is_fetched_by_default() {
        let ok = |u: &str, private| allowed(&Url::parse(u).unwrap(), private).is_ok();
        assert!(ok("https://example.org/.well-known/did.json", false));
        assert!(!ok("http://example.org/x", false));
        assert!(!ok("https://127.0.0.1/x", false));
        assert!(!ok("https://[::1]/x", false));
        assert!(!ok("https://localhost/x", false));
        assert!(!ok("https://169.254.169.254/latest/meta-data", false));
        assert!(!ok("file:///etc/passwd", true));
        assert!(ok("http://127.0.0.1:8080/x", true));
    }

    #[test]
    fn did_web_urls_follow_the_method() {
        assert_eq!(
            did_web_url("example.org", false).unwrap(),
            "https://example.org/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("example.org%3A8443:issuers:7", false).unwrap(),
            "https://example.org:8443/issuers/7/did.json"
        );
        assert_eq!(
            did_web_url("127.0.0.1%3A9000", true).unwrap(),
            "http://127.0.0.1:9000/.well-known/did.json"
        );
    }
}
