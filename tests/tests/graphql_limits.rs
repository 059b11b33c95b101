//! The limits of DESIGN §9 and malformed requests, on the real server: each answered with
//! a GraphQL error carrying `extensions.code`, before any resolver runs; and the committed
//! SDL in step with the code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_tests::{TestApp, TestDb};
use serde_json::{Value, json};

async fn post_raw(app: &TestApp, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, body)
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn every_limit_is_refused_with_limit_exceeded() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;

    let first = app
        .gql("{ facilities(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(code(&first), "LIMIT_EXCEEDED", "{first}");

    let aliases: String = (0..31).map(|i| format!("a{i}: version ")).collect();
    let body = app.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    assert!(body.get("data").is_none_or(Value::is_null));

    // 13 levels: facilities → nodes → makers → affiliations … padded with __typename-free
    // nesting through `processes { parent { parent … } }`.
    let mut deep = String::from("id");
    for _ in 0..12 {
        deep = format!("parent {{ {deep} }}");
    }
    let body = app
        .gql(&format!("{{ processes {{ {deep} }} }}"), json!({}))
        .await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("12")
    );

    // Complexity multiplies by page size: four pages of 100 facilities with a dozen
    // fields each is over 5,000.
    let fields = "nodes { name equipment { make properties { key } } processes { id label } materials { id } makers { name skills { label } } }";
    let complex = app
        .gql(
            &format!("{{ a: facilities(first: 100) {{ {fields} }} b: facilities(first: 100) {{ {fields} }} c: facilities(first: 100) {{ {fields} }} d: facilities(first: 100) {{ {fields} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(code(&complex), "LIMIT_EXCEEDED", "{complex}");

    let big = format!(
        r#"{{"query": "{{ version }}", "pad": "{}"}}"#,
        "x".repeat(2_200_000)
    );
    let (status, body) = post_raw(&app, "application/json", big.into_bytes()).await;
    assert_eq!(status, 413);
    assert_eq!(code(&body), "LIMIT_EXCEEDED");
    app.stop().await;
}

#[tokio::test]
async fn malformed_requests_get_clear_errors() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;

    let (status, body) = post_raw(&app, "application/json", b"{\"query\": ".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");

    let (status, body) =
        post_raw(&app, "text/plain", br#"{"query": "{ version }"}"#.to_vec()).await;
    assert_eq!(status, 415);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );

    let (status, body) = post_raw(
        &app,
        "application/x-www-form-urlencoded",
        b"query=%7B+version+%7D".to_vec(),
    )
    .await;
    assert_eq!(status, 415, "{body}");

    let unknown = app.gql("{ facilities { nope } }", json!({})).await;
    assert!(
        unknown["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope")
    );

    let syntax = app.gql("{ facilities { ", json!({})).await;
    assert!(syntax["errors"][0]["locations"].is_array(), "{syntax}");

    // Errors never leak SQL or internals.
    for body in [&unknown, &syntax] {
        let text = body.to_string().to_lowercase();
        assert!(
            !text.contains("select ") && !text.contains("sqlx"),
            "{text}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("accept-encoding", "gzip")
        .json(&json!({ "query": "{ processes { id label labels { language label } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    app.stop().await;
}

#[tokio::test]
async fn automatic_persisted_queries_work() {
    use sha2::Digest;
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let query = "{ version }";
    let hash = format!("{:x}", sha2::Sha256::digest(query.as_bytes()));
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let post = |body: Value| {
        let client = app.client.clone();
        let url = format!("{}/graphql", app.base);
        async move {
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let unknown = post(json!({ "extensions": ext })).await;
    assert!(
        unknown["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PersistedQueryNotFound")
    );
    let registered = post(json!({ "query": query, "extensions": ext })).await;
    assert_eq!(registered["data"]["version"], env!("CARGO_PKG_VERSION"));
    let by_hash = post(json!({ "extensions": ext })).await;
    assert_eq!(by_hash["data"]["version"], env!("CARGO_PKG_VERSION"));
    app.stop().await;
}

#[tokio::test]
async fn introspection_and_graphiql_can_be_switched_off() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.graphql.introspection = false;
    config.graphql.graphiql = false;
    let app = TestApp::spawn_with(&t, config).await;
    let body = app.gql("{ __schema { types { name } } }", json!({})).await;
    assert!(
        body["data"]["__schema"].is_null(),
        "no schema for strangers: {body}"
    );
    // A browser's request for the page (others get GraphQL over GET).
    let page = app
        .client
        .get(format!("{}/graphql", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    app.stop().await;
}

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../api/schema.graphql"
    ))
    .expect("api/schema.graphql is committed");
    let current = makermatch_api::graphql::sdl();
    assert!(
        committed == current,
        "api/schema.graphql is out of date: run `cargo run -p makermatch-api -- schema > api/schema.graphql` and commit it"
    );
}

#[tokio::test]
async fn cors_allows_the_configured_origins_only() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.graphql.cors_origins = vec!["https://map.example.org".into()];
    let app = TestApp::spawn_with(&t, config).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://map.example.org").await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("https://map.example.org")
    );
    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    app.stop().await;
}

#[tokio::test]
async fn configured_body_limit_and_unknown_ids() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.graphql.max_body_bytes = 1_000;
    let app = TestApp::spawn_with(&t, config).await;
    let padded = format!(
        r#"{{"query": "{{ version }}", "pad": "{}"}}"#,
        "x".repeat(2_000)
    );
    let (status, body) = post_raw(&app, "application/json", padded.into_bytes()).await;
    assert_eq!(status, 413);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1000 bytes")
    );

    let missing = app
        .gql(
            r#"mutation { updateFacility(id: "00000000-0000-7000-8000-000000000000", input: { name: "X" }) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code(&missing), "NOT_FOUND", "{missing}");
    let wrong_kind = app
        .gql(r#"{ facility(id: "bm9wZQ") { id } }"#, json!({}))
        .await;
    assert_eq!(code(&wrong_kind), "BAD_USER_INPUT", "{wrong_kind}");
    app.stop().await;
}

/// One page-size rule for every list argument: 1 to 100; past 100 `LIMIT_EXCEEDED`, below
/// 1 `BAD_USER_INPUT`, both naming the argument (`first: 0` was answered, and the refusals
/// differed from field to field).
#[tokio::test]
async fn every_page_size_follows_one_rule() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let lists = [
        ("first", "{ facilities(first: N) { totalCount } }"),
        ("first", "{ makers(first: N) { totalCount } }"),
        ("first", "{ jobs(first: N) { totalCount } }"),
        ("first", "{ search(text: \"lab\", first: N) { score } }"),
        (
            "k",
            "{ nearestFacilities(lat: 5.6, lon: -0.2, k: N) { name } }",
        ),
    ];
    for (arg, query) in lists {
        for (n, want) in [
            ("0", "BAD_USER_INPUT"),
            ("-1", "BAD_USER_INPUT"),
            ("101", "LIMIT_EXCEEDED"),
        ] {
            let body = app.gql(&query.replace('N', n), json!({})).await;
            assert_eq!(code(&body), want, "{query} with {n}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"], arg,
                "{query} with {n}: {body}"
            );
        }
        let body = app.gql(&query.replace('N', "100"), json!({})).await;
        assert!(body.get("errors").is_none(), "{query} with 100: {body}");
    }
    app.stop().await;
}
