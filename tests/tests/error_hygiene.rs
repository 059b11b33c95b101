//! What errors give away and how long their list gets (issue 26): with introspection off,
//! validation messages keep their "Did you mean …?" hints to themselves; an answer lists
//! at most 20 errors (over HTTP and WebSocket) and says how many more there were; a number
//! out of range and a date or timestamp that does not parse are coded, one-line errors
//! that say what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The bound of `api/src/graphql/request/codes.rs`, as the README documents it.
const MAX_ERRORS: usize = 20;

/// A field name one letter off a real one: async-graphql suggests the real one.
const TYPO: &str = "{ facilities { nodes { contactEmial } } }";

async fn spawn(t: &TestDb, introspection: bool) -> TestApp {
    let mut config = t.config.clone();
    config.graphql.introspection = introspection;
    TestApp::spawn_with(t, config).await
}

fn errors(body: &Value) -> &Vec<Value> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("an answer with errors: {body}"))
}

fn code(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap_or("")
}

/// 1,000 duplicate directives and 10,000 unused variables: validation finds an error in
/// each.
fn flooding_queries() -> [(String, usize); 2] {
    let directives = " @skip(if: false)".repeat(1_000);
    let variables: String = (0..10_000).map(|i| format!("$v{i}: Int ")).collect();
    [
        (format!("{{ version{directives} }}"), 999),
        (format!("query({variables}) {{ version }}"), 10_000),
    ]
}

/// The capped list: the first 20 of validation's errors, then one saying how many more
/// there were, still a validation failure.
fn assert_capped(errors: &[Value], total: usize) {
    assert_eq!(errors.len(), MAX_ERRORS + 1, "{errors:?}");
    assert!(
        errors[..MAX_ERRORS]
            .iter()
            .all(|e| code(e) == "GRAPHQL_VALIDATION_FAILED"),
        "{errors:?}"
    );
    let last = &errors[MAX_ERRORS];
    assert_eq!(code(last), "GRAPHQL_VALIDATION_FAILED", "{last}");
    let message = last["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("{} more errors were left out", total - MAX_ERRORS)),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hints_name_schema_fields_only_when_introspection_is_on() {
    on_each_backend(|t| async move {
        let closed = spawn(&t, false).await;
        let body = closed.anon(TYPO, json!({})).await;
        let error = &errors(&body)[0];
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("Unknown field \"contactEmial\""),
            "{message}"
        );
        assert!(!message.contains("Did you mean"), "{message}");
        assert!(!message.contains("contactEmail"), "{message}");
        assert_eq!(code(error), "GRAPHQL_VALIDATION_FAILED");
        closed.stop().await;

        let open = spawn(&t, true).await;
        let body = open.anon(TYPO, json!({})).await;
        let message = errors(&body)[0]["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains("Did you mean \"contactEmail\""),
            "{message}"
        );
        open.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lists_at_most_twenty_errors_over_http() {
    on_each_backend(|t| async move {
        let app = TestApp::spawn(&t).await;
        for (query, total) in flooding_queries() {
            let response = app
                .client
                .post(format!("{}/graphql", app.base))
                .json(&json!({ "query": query }))
                .send()
                .await
                .unwrap();
            let text = response.text().await.unwrap();
            // 10,000 unused variables answered in full were 858 KB.
            assert!(text.len() < 10_000, "{} bytes", text.len());
            let body: Value = serde_json::from_str(&text).unwrap();
            assert_capped(errors(&body), total);
        }
        // A short list is left whole.
        let body = app
            .anon(
                "{ version @skip(if: false) @skip(if: false) @skip(if: false) }",
                json!({}),
            )
            .await;
        assert_eq!(errors(&body).len(), 2, "{body}");
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lists_at_most_twenty_errors_over_websocket() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": {} }).to_string(),
    ))
    .await
    .unwrap();
    let [(query, total), _] = flooding_queries();
    ws.send(Message::text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }).to_string(),
    ))
    .await
    .unwrap();
    // The acknowledgement, then the answer to the operation.
    let answer = loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket stays open")
            .unwrap();
        let Message::Text(text) = msg else {
            continue;
        };
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["id"] == "1" {
            break v;
        }
    };
    let listed = match answer["type"].as_str() {
        Some("error") => answer["payload"].as_array().unwrap().clone(),
        Some("next") => errors(&answer["payload"]).clone(),
        other => panic!("unexpected {other:?}: {answer}"),
    };
    assert_capped(&listed, total);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_out_of_range_is_a_coded_parse_error_naming_it() {
    on_each_backend(|t| async move {
        let app = TestApp::spawn(&t).await;
        let body = app
            .anon(
                "{ nearestFacilities(lat: 1e400, lon: 0) { id } }",
                json!({}),
            )
            .await;
        let error = &errors(&body)[0];
        assert_eq!(code(error), "GRAPHQL_PARSE_FAILED", "{error}");
        let message = error["message"].as_str().unwrap();
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("`1e400` is out of range"), "{message}");
        // The number parser's position within the number is not passed on as the query's.
        assert!(!message.contains("column 5"), "{message}");
        assert_eq!(error["locations"][0]["column"], 26, "{error}");
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_and_timestamps_that_do_not_parse_are_bad_input_naming_the_format() {
    on_each_backend(|t| async move {
        let app = TestApp::spawn(&t).await;
        let cases = [
            (
                "mutation($d: DateTime) { issueCredential(input: { makerId: \"x\", achievementId: \"y\", issuedOn: $d }) { id } }",
                json!({ "d": "yesterday" }),
                "RFC 3339",
            ),
            (
                "mutation { issueCredential(input: { makerId: \"x\", achievementId: \"y\", expires: \"2026-13-01\" }) { id } }",
                json!({}),
                "RFC 3339",
            ),
            (
                "mutation($d: Date) { proposeAssignment(input: { jobId: \"x\", facilityId: \"y\", quantity: 1, dueOn: $d }) { id } }",
                json!({ "d": "31/12/2026" }),
                "YYYY-MM-DD",
            ),
            (
                "mutation { createProgramme(input: { name: \"P\", startsOn: \"2026-02-30\" }) { id } }",
                json!({}),
                "YYYY-MM-DD",
            ),
        ];
        for (query, variables, format) in cases {
            let body = app.gql(query, variables).await;
            let error = &errors(&body)[0];
            assert_eq!(code(error), "BAD_USER_INPUT", "{query}: {error}");
            let message = error["message"].as_str().unwrap();
            assert!(message.contains(format), "{query}: {message}");
            assert!(!message.contains('\n'), "{message}");
        }
        app.stop().await;
    })
    .await;
}
