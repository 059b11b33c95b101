//! Who the client is behind a reverse proxy: `Forwarded: for=` (RFC 7239) or
//! `X-Forwarded-For`, believed only when the TCP peer is one of `server.trusted_proxies`.
//! Anyone can send those headers, so from any other peer they are ignored; and of the
//! chain a trusted proxy passes on, only the right-most address that is not itself a
//! trusted proxy counts (everything left of it the client could have written).

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderName, header};
use ipnet::IpNet;

/// Longest forwarding header read, in bytes; a longer one is ignored as a whole.
const MAX_HEADER_BYTES: usize = 4_096;
/// Most chain entries examined, from the right.
const MAX_HOPS: usize = 32;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// From `server.trusted_proxies`: addresses (`10.0.0.7`, `::1`) or ranges
    /// (`10.0.0.0/8`).
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "server.trusted_proxies: `{entry}` is neither an IP address nor a CIDR range; write it like 10.0.0.7 or 10.0.0.0/8"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy that says
    /// whom it forwards for.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if !self.trusts(peer.ip()) {
            return peer;
        }
        let forwarded = chain(headers, &header::FORWARDED, forwarded_for);
        let chain = if forwarded.is_empty() {
            chain(headers, &X_FORWARDED_FOR, |element| {
                Some(parse_node(element.trim()))
            })
        } else {
            forwarded
        };
        match self.right_most_untrusted(&chain) {
            Some(ip) => SocketAddr::new(ip, peer.port()),
            None => peer,
        }
    }

    /// Walks the chain from the right past trusted proxies. An entry that is no address
    /// (`unknown`, an obfuscated name, garbage) stops the walk: what lies left of it cannot
    /// be told from a forgery, so the peer is the best key left.
    fn right_most_untrusted(&self, chain: &[Option<IpAddr>]) -> Option<IpAddr> {
        let mut last_trusted = None;
        for entry in chain.iter().rev().take(MAX_HOPS) {
            let ip = (*entry)?;
            if !self.trusts(ip) {
                return Some(ip);
            }
            last_trusted = Some(ip);
        }
        last_trusted
    }
}

/// The comma-separated elements of every `name` header, in order, each read by `element`
/// (`None`: the element says nothing about the client and is skipped). Empty when a
/// header is too long or not text.
fn chain(
    headers: &HeaderMap,
    name: &HeaderName,
    element: impl Fn(&str) -> Option<Option<IpAddr>>,
) -> Vec<Option<IpAddr>> {
    let mut total = 0;
    let mut entries = Vec::new();
    for value in headers.get_all(name) {
        total += value.len();
        let Ok(text) = value.to_str() else {
            return Vec::new();
        };
        if total > MAX_HEADER_BYTES {
            return Vec::new();
        }
        entries.extend(text.split(',').filter_map(&element));
    }
    entries
}

/// The `for=` of one `Forwarded` element (`for=192.0.2.60;proto=http`), or `None` when it
/// has none.
fn forwarded_for(element: &str) -> Option<Option<IpAddr>> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then(|| parse_node(value.trim().trim_matches('"')))
    })
}

/// An address as proxies write it: `192.0.2.60`, `192.0.2.60:4711`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:4711`. `None` for anything else.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(addr) = node.parse::<SocketAddr>() {
        return Some(addr.ip().to_canonical());
    }
    let bracketed = node.strip_prefix('[')?.strip_suffix(']')?;
    bracketed.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(entries: &[&str]) -> TrustedProxies {
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        TrustedProxies::parse(&entries).unwrap()
    }

    fn client(trusted: &TrustedProxies, peer: &str, headers: &[(&str, &str)]) -> String {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let peer = SocketAddr::new(peer.parse().unwrap(), 5000);
        trusted.client(peer, &map).ip().to_string()
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let spoof = [("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=5.6.7.8")];
        assert_eq!(client(&trusted, "192.0.2.1", &spoof), "192.0.2.1");
        assert_eq!(client(&proxies(&[]), "10.0.0.1", &spoof), "10.0.0.1");
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "::1"]);
        let xff = [("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.2")];
        assert_eq!(client(&trusted, "10.0.0.1", &xff), "198.51.100.7");
        let split = [
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.7"),
        ];
        assert_eq!(client(&trusted, "::1", &split), "198.51.100.7");
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for() {
        let trusted = proxies(&["10.0.0.1"]);
        let headers = [
            (
                "forwarded",
                "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.1",
            ),
            ("x-forwarded-for", "198.51.100.7"),
        ];
        assert_eq!(client(&trusted, "10.0.0.1", &headers), "2001:db8::7");
        let no_for = [
            ("forwarded", "proto=https"),
            ("x-forwarded-for", "198.51.100.7"),
        ];
        assert_eq!(client(&trusted, "10.0.0.1", &no_for), "198.51.100.7");
    }

    #[test]
    fn garbage_and_oversized_headers_leave_the_peer() {
        let trusted = proxies(&["10.0.0.1"]);
        let garbage = [("x-forwarded-for", "1.2.3.4, not-an-address")];
        assert_eq!(client(&trusted, "10.0.0.1", &garbage), "10.0.0.1");
        let unknown = [("forwarded", "for=unknown")];
        assert_eq!(client(&trusted, "10.0.0.1", &unknown), "10.0.0.1");
        let long = "1.2.3.4,".repeat(1_000);
        assert_eq!(
            client(&trusted, "10.0.0.1", &[("x-forwarded-for", &long)]),
            "10.0.0.1"
        );
    }

    #[test]
    fn bad_entries_are_named() {
        let error = TrustedProxies::parse(&["10.0.0.0/33".to_owned()]).unwrap_err();
        assert!(error.contains("server.trusted_proxies") && error.contains("10.0.0.0/33"));
        assert!(TrustedProxies::parse(&[" ::1 ".to_owned()]).is_ok());
    }
}
