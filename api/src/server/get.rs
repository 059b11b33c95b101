//! GraphQL over GET (GraphQL-over-HTTP spec): the request read from the URL's
//! `query`, `operationName`, `variables` and `extensions` parameters, and what may run over
//! GET (queries only: a GET must not change anything, and caches and prefetching browsers
//! repeat GETs freely).

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Request, Variables};
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use serde::Deserialize;

use crate::graphql::error::Code;

/// The URL parameters of a GraphQL GET; `variables` and `extensions` are JSON texts.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// Why a request cannot be read as a GraphQL request (over GET here, or POST), with the
/// HTTP status and code to answer.
#[derive(Debug)]
pub struct Unreadable {
    pub status: StatusCode,
    pub code: Code,
    pub message: String,
}

impl Unreadable {
    pub fn new(status: StatusCode, code: Code, message: impl Into<String>) -> Unreadable {
        Unreadable {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad(message: String) -> Unreadable {
        Unreadable::new(StatusCode::BAD_REQUEST, Code::BadUserInput, message)
    }
}

/// The GraphQL request in `uri`'s parameters; refused when the URL is longer than
/// `max_url_bytes`, a parameter is not what it should be, or there is neither a query nor
/// a persisted query's hash.
pub fn read(uri: &Uri, max_url_bytes: usize) -> Result<Request, Unreadable> {
    let length = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    if length > max_url_bytes {
        return Err(Unreadable {
            status: StatusCode::URI_TOO_LONG,
            code: Code::LimitExceeded,
            message: format!(
                "the URL is {length} bytes, over the {max_url_bytes} allowed (graphql.max_url_bytes); \
                 POST the query to /graphql instead, or send its SHA-256 as a persisted query"
            ),
        });
    }
    let Query(params) = Query::<Params>::try_from_uri(uri).map_err(|e| {
        Unreadable::bad(format!(
            "the URL's parameters cannot be read ({}); give each of query, operationName, variables and extensions at most once, URL-encoded",
            e.body_text()
        ))
    })?;
    let variables = json_object(params.variables.as_deref(), "variables")?;
    let extensions = json_object(params.extensions.as_deref(), "extensions")?;
    let query = params.query.unwrap_or_default();
    let persisted = extensions
        .as_ref()
        .is_some_and(|e| e.contains_key("persistedQuery"));
    if query.trim().is_empty() && !persisted {
        return Err(Unreadable::bad(
            "GET /graphql needs a `query` parameter, e.g. /graphql?query=%7B%20version%20%7D, \
             or a persisted query's hash in `extensions`"
                .to_owned(),
        ));
    }
    let mut request = Request::new(query);
    request.operation_name = params.operation_name.filter(|name| !name.is_empty());
    if let Some(variables) = variables {
        request.variables = Variables::from_json(serde_json::Value::Object(variables));
    }
    if let Some(extensions) = extensions {
        for (name, value) in extensions {
            let value = async_graphql::Value::from_json(value).map_err(|e| {
                Unreadable::bad(format!("extensions.{name}: not a GraphQL value ({e})"))
            })?;
            request.extensions.insert(name, value);
        }
    }
    Ok(request)
}

/// A URL parameter holding a JSON object (or `null`, or nothing: none).
fn json_object(
    text: Option<&str>,
    name: &str,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, Unreadable> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => Ok(Some(map)),
        Ok(serde_json::Value::Null) => Ok(None),
        Ok(_) => Err(Unreadable::bad(format!(
            "the `{name}` parameter must be a JSON object, like {name}=%7B%22id%22%3A%221%22%7D"
        ))),
        Err(e) => Err(Unreadable::bad(format!(
            "the `{name}` parameter is not JSON ({e}); send a URL-encoded JSON object"
        ))),
    }
}

/// The kind of the operation `request` runs, when its (admitted, hence parsed) document
/// names one: the one called `operationName`, or its only operation. `None` leaves the
/// choice's error to the executor.
pub fn operation_type(request: &mut Request) -> Option<OperationType> {
    let wanted = request.operation_name.clone();
    let doc = request.parsed_query().ok()?;
    match (&doc.operations, wanted) {
        (DocumentOperations::Single(op), None) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        (operations, Some(wanted)) => operations
            .iter()
            .find(|(name, _)| name.is_some_and(|n| n.as_str() == wanted))
            .map(|(_, op)| op.node.ty),
        _ => None,
    }
}

/// Whether a GET is a browser asking for a page (its `Accept` names `text/html`) rather
/// than an operation (no `query` or `extensions` parameter): GraphiQL's.
pub fn wants_page(headers: &HeaderMap, uri: &Uri) -> bool {
    let html = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("q")
                        && v.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
                })
            });
            media.eq_ignore_ascii_case("text/html") && !refused
        });
    html && !has_operation(uri)
}

/// Whether the URL carries an operation: a `query` or `extensions` parameter.
fn has_operation(uri: &Uri) -> bool {
    uri.query().unwrap_or("").split('&').any(|pair| {
        let key = pair.split('=').next().unwrap_or("");
        key == "query" || key == "extensions"
    })
}

/// Whether a GET asks to open a WebSocket rather than run an operation.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn parameters_are_read_from_the_url() {
        let r = read(
            &uri("/graphql?query=query%20Q(%24n%3AString)%7B__typename%7D&operationName=Q&variables=%7B%22n%22%3A%22x%22%7D"),
            1_000,
        )
        .unwrap();
        assert_eq!(r.query, "query Q($n:String){__typename}");
        assert_eq!(r.operation_name.as_deref(), Some("Q"));
        assert_eq!(
            r.variables.into_value().into_json().unwrap(),
            serde_json::json!({"n": "x"})
        );
    }

    #[test]
    fn a_missing_query_bad_json_or_long_url_is_refused() {
        let e = read(&uri("/graphql?operationName=Q"), 1_000).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.contains("`query`"), "{}", e.message);
        let e = read(&uri("/graphql?query=%7Ba%7D&variables=%5B1%5D"), 1_000).unwrap_err();
        assert!(e.message.contains("`variables`"), "{}", e.message);
        let e = read(&uri("/graphql?query=%7Ba%7D&variables=%7B"), 1_000).unwrap_err();
        assert!(e.message.contains("not JSON"), "{}", e.message);
        let e = read(&uri("/graphql?query=%7Ba%7D"), 10).unwrap_err();
        assert_eq!(e.status, StatusCode::URI_TOO_LONG);
        // A hash alone is a request.
        let r = read(
            &uri("/graphql?extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%7D%7D"),
            1_000,
        )
        .unwrap();
        assert!(r.extensions.contains_key("persistedQuery"));
    }

    #[test]
    fn the_selected_operation_type_is_found() {
        let mut r = Request::new("mutation M { a } query Q { b }");
        r.operation_name = Some("M".into());
        assert_eq!(operation_type(&mut r), Some(OperationType::Mutation));
        let mut r = Request::new("subscription { a }");
        assert_eq!(operation_type(&mut r), Some(OperationType::Subscription));
        let mut r = Request::new("{ a }");
        assert_eq!(operation_type(&mut r), Some(OperationType::Query));
        let mut r = Request::new("mutation M { a } query Q { b }");
        assert_eq!(operation_type(&mut r), None);
    }

    #[test]
    fn only_a_browser_without_an_operation_gets_the_page() {
        let mut html = HeaderMap::new();
        html.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        assert!(wants_page(&html, &uri("/graphql")));
        assert!(!wants_page(&html, &uri("/graphql?query=%7Ba%7D")));
        let mut json = HeaderMap::new();
        json.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        assert!(!wants_page(&json, &uri("/graphql")));
        assert!(!wants_page(&HeaderMap::new(), &uri("/graphql")));
    }
}
