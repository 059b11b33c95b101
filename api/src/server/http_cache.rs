//! HTTP caching of GraphQL answers over GET: an anonymous query's answer may be kept by
//! any cache for `graphql.cache_max_age_secs` and revalidated by its `ETag`, which names
//! the search index's applied outbox position together with the request. Every write
//! reaches the outbox, so the tag changes once the index applied it. Signed-in callers'
//! answers, answers with errors and POST answers are kept by no cache.

use async_graphql::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use sha2::{Digest, Sha256};

use crate::graphql::request::media::ResponseMedia;

/// For answers no cache keeps.
pub fn no_store() -> HeaderValue {
    HeaderValue::from_static("no-store")
}

/// For a signed-in caller's answer: no cache, shared or not, keeps it.
pub fn private() -> HeaderValue {
    HeaderValue::from_static("private, no-store")
}

/// The weak entity tag of the answer to `request` (its text after persisted-query lookup,
/// variables and operation name) in `media`, at index position `applied`: cheap (a hash
/// of the request, no database read). Weak because compression may change the bytes, not
/// the answer. Read `applied` before executing, so an answer is never tagged with a
/// position newer than the data it was computed from.
pub fn etag(applied: i64, request: &Request, media: ResponseMedia) -> HeaderValue {
    let mut hash = Sha256::new();
    // A new version may answer the same request differently.
    for part in [
        env!("CARGO_PKG_VERSION").as_bytes(),
        &applied.to_le_bytes(),
        request.query.as_bytes(),
        request.operation_name.as_deref().unwrap_or("").as_bytes(),
        media.content_type().as_bytes(),
    ] {
        // Length-prefixed, so no two different requests hash the same parts.
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    let variables = serde_json::to_vec(&request.variables).unwrap_or_default();
    hash.update((variables.len() as u64).to_le_bytes());
    hash.update(&variables);
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("W/\"{applied}-{hex}\""))
        .unwrap_or(HeaderValue::from_static("W/\"0\""))
}

/// Whether the request's `If-None-Match` names `tag` (or is `*`), compared weakly.
pub fn matches(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let Ok(tag) = tag.to_str() else {
        return false;
    };
    let tag = opaque(tag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|candidate| candidate.trim() == "*" || opaque(candidate) == tag)
}

/// `Cache-Control: public, max-age=<max_age>` and the tag, for an anonymous answer without
/// errors.
pub fn public(response: &mut Response, tag: HeaderValue, max_age: u32) {
    let headers = response.headers_mut();
    if let Ok(control) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        headers.insert(header::CACHE_CONTROL, control);
    }
    headers.insert(header::ETAG, tag);
}

/// What every GET answer carries besides: `Vary`, and `Cache-Control` when nothing set it
/// (an answer not meant for caches).
pub fn finish_get(response: &mut Response) {
    let headers = response.headers_mut();
    // What a GET answer varies with besides its URL: its media type and who asks.
    headers.insert(
        header::VARY,
        HeaderValue::from_static("accept, authorization"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert_with(no_store);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_tag_follows_the_position_and_the_request() {
        let r = Request::new("{ version }");
        let a = etag(7, &r, ResponseMedia::GraphqlResponseJson);
        assert_eq!(a, etag(7, &r, ResponseMedia::GraphqlResponseJson));
        assert_ne!(a, etag(8, &r, ResponseMedia::GraphqlResponseJson));
        assert_ne!(a, etag(7, &r, ResponseMedia::Json));
        assert_ne!(
            a,
            etag(
                7,
                &Request::new("{ stats { facilities } }"),
                ResponseMedia::GraphqlResponseJson
            )
        );
        let with_variables = Request::new("{ version }").variables(
            async_graphql::Variables::from_json(serde_json::json!({"a": 1})),
        );
        assert_ne!(
            a,
            etag(7, &with_variables, ResponseMedia::GraphqlResponseJson)
        );
    }

    #[test]
    fn if_none_match_is_compared_weakly() {
        let tag = HeaderValue::from_static("W/\"7-abc\"");
        let mut headers = HeaderMap::new();
        assert!(!matches(&headers, &tag));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", \"7-abc\""),
        );
        assert!(matches(&headers, &tag));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("W/\"7-abd\""),
        );
        assert!(!matches(&headers, &tag));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(matches(&headers, &tag));
    }
}
