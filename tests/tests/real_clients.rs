//! Real GraphQL clients against a demo-seeded server (issue 26): Apollo Client sending
//! hashed queries over GET (`useGETForHashedQueries`), and Python `gql` fetching the
//! schema by introspection and validating its query against it. Each is skipped with one
//! line when its runtime or registry is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

#[path = "../clients/setup.rs"]
mod setup;

use makermatch_api::demo::{self, DemoSize};
use makermatch_tests::{TestApp, TestDb};
use serde_json::{Value, json};

const SIZE: DemoSize = DemoSize {
    facilities: 30,
    makers: 60,
    seed: 11,
};

const QUERY: &str = "query DemoFacilities { facilities(first: 3) { totalCount nodes { name } } stats { facilities makers } }";

/// A server holding the demo, indexed.
async fn demo_app(t: &TestDb) -> TestApp {
    let app = TestApp::spawn(t).await;
    demo::generate(&app.db, &app.taxonomy, SIZE).await.unwrap();
    let last = makermatch_api::services::outbox::last_seq(&app.db)
        .await
        .unwrap()
        .unwrap();
    app.wait_indexed(last).await;
    app
}

fn without_typenames(value: &Value) -> Value {
    match value {
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() != "__typename")
            .map(|(k, v)| (k.clone(), without_typenames(v)))
            .collect(),
        Value::Array(items) => items.iter().map(without_typenames).collect(),
        other => other.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apollo_client_sends_hashed_queries_over_get() {
    let what = "Apollo Client test";
    let Some(_modules) = setup::node_modules(what) else {
        return;
    };
    let t = TestDb::sqlite().await;
    let app = demo_app(&t).await;
    let expected = app.public_data(QUERY, json!({})).await;
    assert_eq!(
        expected["stats"]["facilities"], SIZE.facilities,
        "{expected}"
    );

    let url = format!("{}/graphql", app.base);
    let node = std::path::Path::new("node");
    let out = tokio::task::block_in_place(|| setup::run(node, &["apollo.mjs", &url, QUERY]));
    let report: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    // Apollo's cache asks for `__typename` everywhere; the rest is what POST answers.
    assert_eq!(without_typenames(&report["first"]), expected, "{report}");
    assert_eq!(without_typenames(&report["second"]), expected, "{report}");

    // The hash went over GET and missed; the text was registered over POST; the second
    // run's hash was answered over GET, cacheably (the server's ETag is on it).
    let requests = report["requests"].as_array().unwrap();
    let methods: Vec<&str> = requests
        .iter()
        .map(|r| r["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["GET", "POST", "GET"], "{report}");
    let answered = &requests[2];
    assert_eq!(answered["status"], 200, "{report}");
    assert!(
        answered["etag"]
            .as_str()
            .is_some_and(|e| e.starts_with("W/\"")),
        "the server answered the GET: {report}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_gql_fetches_the_schema_and_validates_against_it() {
    let what = "Python gql test";
    let Some(python) = setup::gql_python(what) else {
        return;
    };
    let t = TestDb::sqlite().await;
    let app = demo_app(&t).await;
    let expected = app.public_data(QUERY, json!({})).await;

    let url = format!("{}/graphql", app.base);
    let out = tokio::task::block_in_place(|| setup::run(&python, &["gql_client.py", &url, QUERY]));
    let report: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(report["data"], expected, "{report}");
    assert!(
        report["types"].as_u64().unwrap() > 50,
        "the schema was fetched: {report}"
    );
    let refused = report["refusedLocally"].as_str().unwrap_or("");
    assert!(
        refused.contains("noSuchField"),
        "validated against the fetched schema: {report}"
    );
    app.stop().await;
}
