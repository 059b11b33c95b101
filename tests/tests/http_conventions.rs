//! GraphQL over HTTP conventions (issue 26): introspection answers with the default
//! limits, errors before execution carry the codes clients switch on, and the response's
//! media type follows the request's `Accept`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_tests::{TestApp, TestDb};
use serde_json::{Value, json};

/// graphql-js's `getIntrospectionQuery()` with its default options: what GraphiQL and
/// code generators send. Its `ofType` chain nests 13 fields deep.
const INTROSPECTION_QUERY: &str = r#"
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types {
          ...FullType
        }
        directives {
          name
          description
          locations
          args {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      fields(includeDeprecated: true) {
        name
        description
        args {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
"#;

/// POSTs `body` as JSON with the given `Accept` (none: no header); returns the status,
/// the `Content-Type` and the body.
async fn post(app: &TestApp, accept: Option<&str>, body: Value) -> (u16, String, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, content_type, body)
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

/// `{ processes { parent { … { id } } } }`, `levels` fields deep.
fn deep_query(levels: usize) -> String {
    let mut deep = String::from("id");
    for _ in 0..levels - 2 {
        deep = format!("parent {{ {deep} }}");
    }
    format!("{{ processes {{ {deep} }} }}")
}

#[tokio::test]
async fn introspection_works_with_the_default_depth_limit() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;

    let body = app.gql(INTROSPECTION_QUERY, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Facility"), "{body}");
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");

    // Ordinary fields stay under `graphql.max_depth`, alone or beside `__schema`.
    let ordinary = app.gql(&deep_query(12), json!({})).await;
    assert!(ordinary.get("errors").is_none(), "{ordinary}");
    let too_deep = deep_query(13);
    let refused = app.gql(&too_deep, json!({})).await;
    assert_eq!(code(&refused), "LIMIT_EXCEEDED", "{refused}");
    assert_eq!(
        refused["errors"][0]["message"],
        "the query is nested deeper than 12 levels; ask for less at once"
    );
    let mixed = format!(
        "{{ __schema {{ types {{ name }} }} {} }}",
        &too_deep[1..too_deep.len() - 1]
    );
    let refused = app.gql(&mixed, json!({})).await;
    assert_eq!(code(&refused), "LIMIT_EXCEEDED", "{refused}");
    assert!(refused.get("data").is_none_or(Value::is_null), "{refused}");

    // A hostile introspection chain is refused: by the bracket bound when written out …
    let hostile = format!(
        "{{ __type(name: \"Query\") {{ {}name{} }} }}",
        "fields { type { ".repeat(500),
        " } }".repeat(500)
    );
    let refused = app.gql(&hostile, json!({})).await;
    assert_eq!(code(&refused), "LIMIT_EXCEEDED", "{refused}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("brackets"),
        "{refused}"
    );
    // … by the introspection depth bound when spread through fragments …
    let mut chained = String::from("{ __type(name: \"Query\") { ...F0 } }");
    for i in 0..40 {
        chained.push_str(&format!(
            " fragment F{i} on __Type {{ ofType {{ ...F{} }} }}",
            i + 1
        ));
    }
    chained.push_str(" fragment F40 on __Type { name }");
    let refused = app.gql(&chained, json!({})).await;
    assert_eq!(code(&refused), "LIMIT_EXCEEDED", "{refused}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("introspection query is nested deeper than 20"),
        "{refused}"
    );
    // … and by the bound on nested neighbour lists, whose answer grows with each level.
    let fan_out = format!(
        "{{ __type(name: \"Query\") {{ {}name{} }} }}",
        "fields { type { ofType { ".repeat(3),
        " } } }".repeat(3)
    );
    let refused = app.gql(&fan_out, json!({})).await;
    assert_eq!(code(&refused), "LIMIT_EXCEEDED", "{refused}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`fields`"),
        "{refused}"
    );
    app.stop().await;
}

#[tokio::test]
async fn introspection_switched_off_is_still_refused() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.graphql.introspection = false;
    let app = TestApp::spawn_with(&t, config).await;
    let body = app.gql(INTROSPECTION_QUERY, json!({})).await;
    assert!(
        body.get("data").is_none_or(|d| d["__schema"].is_null()),
        "{body}"
    );
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    app.stop().await;
}

#[tokio::test]
async fn errors_before_execution_carry_their_codes() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;

    let syntax = app.gql("{ facilities { ", json!({})).await;
    assert_eq!(code(&syntax), "GRAPHQL_PARSE_FAILED", "{syntax}");
    let message = syntax["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(
        message.starts_with("syntax error at line 1, column"),
        "{message}"
    );
    assert_eq!(syntax["errors"][0]["locations"][0]["line"], 1, "{syntax}");

    let unknown = app.gql("{ facilities { nope } }", json!({})).await;
    assert_eq!(code(&unknown), "GRAPHQL_VALIDATION_FAILED", "{unknown}");
    assert!(
        unknown["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope")
    );

    // More specific codes stay.
    let bad_argument = app
        .gql("{ facilities(first: \"ten\") { totalCount } }", json!({}))
        .await;
    assert_eq!(code(&bad_argument), "BAD_USER_INPUT", "{bad_argument}");
    let too_deep = app.gql(&deep_query(13), json!({})).await;
    assert_eq!(code(&too_deep), "LIMIT_EXCEEDED", "{too_deep}");

    // An error in execution is not a validation failure.
    let missing = app
        .gql(
            "{ node(id: \"RmFjaWxpdHk6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw\") { id } }",
            json!({}),
        )
        .await;
    assert_ne!(code(&missing), "GRAPHQL_VALIDATION_FAILED", "{missing}");

    let hash = "0".repeat(64);
    let (_, _, miss) = post(
        &app,
        None,
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }),
    )
    .await;
    assert_eq!(miss["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(code(&miss), "PERSISTED_QUERY_NOT_FOUND", "{miss}");
    app.stop().await;
}

#[tokio::test]
async fn the_response_media_type_follows_accept() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let ok = json!({ "query": "{ version }" });
    let broken = json!({ "query": "{ version" });
    let invalid = json!({ "query": "{ nope }" });

    // Only clients naming the new type get it (issue 26's audit: no `Accept` and `*/*`
    // get `application/json`, checked below).
    for accept in [
        Some("application/graphql-response+json"),
        Some("application/graphql-response+json, application/json;q=0.9"),
    ] {
        let (status, content_type, body) = post(&app, accept, ok.clone()).await;
        assert_eq!(status, 200, "{accept:?}: {body}");
        assert_eq!(
            content_type, "application/graphql-response+json",
            "{accept:?}"
        );
        assert_eq!(body["data"]["version"], env!("CARGO_PKG_VERSION"));

        // Refused before execution: 400 and no `data` key.
        for (request, expected) in [
            (&broken, "GRAPHQL_PARSE_FAILED"),
            (&invalid, "GRAPHQL_VALIDATION_FAILED"),
        ] {
            let (status, content_type, body) = post(&app, accept, request.clone()).await;
            assert_eq!(status, 400, "{accept:?}: {body}");
            assert_eq!(content_type, "application/graphql-response+json");
            assert_eq!(code(&body), expected, "{body}");
            assert!(body.get("data").is_none(), "{accept:?}: {body}");
        }
    }

    for json_only in [Some("application/json"), None, Some("*/*")] {
        let (status, content_type, body) = post(&app, json_only, ok.clone()).await;
        assert_eq!(status, 200, "{json_only:?}: {body}");
        assert_eq!(content_type, "application/json", "{json_only:?}");
        assert_eq!(body["data"]["version"], env!("CARGO_PKG_VERSION"));
        for (request, expected) in [
            (&broken, "GRAPHQL_PARSE_FAILED"),
            (&invalid, "GRAPHQL_VALIDATION_FAILED"),
        ] {
            let (status, content_type, body) = post(&app, json_only, request.clone()).await;
            assert_eq!(status, 200, "{json_only:?}: {body}");
            assert_eq!(content_type, "application/json", "{json_only:?}");
            assert_eq!(code(&body), expected, "{body}");
        }
    }
    let json_only = Some("application/json");

    // Other refusals keep their status, in the negotiated type.
    let (status, content_type, body) =
        post(&app, json_only, json!({ "query": deep_query(13) })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/json");
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    let (status, _, body) = post(&app, None, json!({ "query": deep_query(13) })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    app.stop().await;
}
