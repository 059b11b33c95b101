//! The media type of a GraphQL answer over HTTP, from the request's `Accept`, as the
//! GraphQL-over-HTTP spec has it: `application/graphql-response+json` when the client
//! names it, else `application/json` (also for no `Accept` and for `*/*`: what clients
//! written before the new type expect, and what the spec's audit checks). The two differ
//! for a request refused before it ran (it did not parse, or the schema refused it):
//! `application/graphql-response+json` answers it with HTTP 400 and no `data`,
//! `application/json` with 200.

use async_graphql::ServerError;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseMedia {
    GraphqlResponseJson,
    Json,
}

impl ResponseMedia {
    /// What `headers`' `Accept` asks for: `application/graphql-response+json` when it
    /// accepts that one (with a quality above 0), else `application/json`.
    pub fn of(headers: &HeaderMap) -> ResponseMedia {
        for value in headers.get_all(header::ACCEPT) {
            let Ok(value) = value.to_str() else {
                continue;
            };
            for range in value.split(',') {
                let mut parts = range.split(';');
                let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let refused = parts.any(|p| {
                    p.split_once('=').is_some_and(|(k, v)| {
                        k.trim().eq_ignore_ascii_case("q")
                            && v.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
                    })
                });
                if refused {
                    continue;
                }
                if media == GRAPHQL_RESPONSE_JSON {
                    return ResponseMedia::GraphqlResponseJson;
                }
            }
        }
        ResponseMedia::Json
    }

    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            ResponseMedia::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            ResponseMedia::Json => JSON,
        })
    }

    /// Whether an answer with these errors and no `data` is a request error: HTTP 400
    /// with no `data` key.
    pub fn is_request_error(self, has_data: bool, errors: &[ServerError]) -> bool {
        self == ResponseMedia::GraphqlResponseJson
            && !has_data
            && super::codes::is_request_error(errors)
    }
}

/// The body of a request error: only its errors.
pub fn request_error_body(errors: &[ServerError]) -> String {
    #[derive(serde::Serialize)]
    struct Errors<'a> {
        errors: &'a [ServerError],
    }
    serde_json::to_string(&Errors { errors }).unwrap_or_else(|_| {
        r#"{"errors":[{"message":"the request is not a valid GraphQL request"}]}"#.to_owned()
    })
}

/// The status of a request error.
pub const REQUEST_ERROR_STATUS: StatusCode = StatusCode::BAD_REQUEST;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn accepting(values: &[&str]) -> ResponseMedia {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        }
        ResponseMedia::of(&headers)
    }

    #[test]
    fn only_an_accept_naming_the_new_type_gets_it() {
        assert_eq!(accepting(&[]), ResponseMedia::Json);
        assert_eq!(accepting(&["application/json"]), ResponseMedia::Json);
        assert_eq!(
            accepting(&["application/json; charset=utf-8"]),
            ResponseMedia::Json
        );
        assert_eq!(accepting(&["*/*"]), ResponseMedia::Json);
        assert_eq!(
            accepting(&["application/graphql-response+json;q=0, */*"]),
            ResponseMedia::Json
        );
        assert_eq!(
            accepting(&["application/graphql-response+json, application/json;q=0.9"]),
            ResponseMedia::GraphqlResponseJson
        );
        assert_eq!(
            accepting(&["application/json", "*/*;q=0"]),
            ResponseMedia::Json
        );
        assert_eq!(accepting(&["text/html"]), ResponseMedia::Json);
        assert_eq!(
            accepting(&["application/json", "application/graphql-response+json"]),
            ResponseMedia::GraphqlResponseJson
        );
    }
}
