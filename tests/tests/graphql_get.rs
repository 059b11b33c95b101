//! GraphQL over GET (issue 26): queries answer as over POST, mutations are refused with
//! 405, GraphiQL only for browsers; anonymous answers are cacheable with an `ETag` that
//! changes once a write is indexed, signed-in ones are not; persisted queries and the
//! limits work over GET; WebSockets close with graphql-ws's codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use futures::{SinkExt, StreamExt};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const FACILITIES: &str = "query Count { facilities(first: 5) { totalCount nodes { name } } }";

/// `GET /graphql` with `params` in the URL and the given headers.
async fn get(
    app: &TestApp,
    params: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let url = reqwest::Url::parse_with_params(&format!("{}/graphql", app.base), params).unwrap();
    let mut request = app.client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("GET /graphql")
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

async fn create_facility(app: &TestApp, name: &str) {
    app.data(
        "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }",
        json!({ "input": { "name": name, "location": { "lat": 5.6, "lon": -0.19, "country": "GH" } } }),
    )
    .await;
}

#[tokio::test]
async fn queries_answer_over_get_and_anonymous_answers_are_cacheable() {
    on_each_backend(|t| async move {
        let app = TestApp::spawn(&t).await;
        create_facility(&app, "Kumasi Hive").await;

        // The same answer as POST's.
        let posted = app.anon(FACILITIES, json!({})).await;
        let response = get(&app, &[("query", FACILITIES)], &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-type").unwrap(), "application/json");
        let cache_control = header(&response, "cache-control").unwrap();
        assert_eq!(cache_control, "public, max-age=5");
        let vary = header(&response, "vary").unwrap();
        assert!(vary.contains("accept") && vary.contains("authorization"), "{vary}");
        let tag = header(&response, "etag").expect("an anonymous answer has an ETag");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, posted);
        assert_eq!(body["data"]["facilities"]["totalCount"], 1);

        // Operation name and variables over GET.
        let response = get(
            &app,
            &[
                ("query", "query A { version } query B($n: Int!) { facilities(first: $n) { totalCount } }"),
                ("operationName", "B"),
                ("variables", r#"{"n": 1}"#),
            ],
            &[("accept", "application/graphql-response+json")],
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "content-type").unwrap(),
            "application/graphql-response+json"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"]["facilities"]["totalCount"], 1, "{body}");

        // Revalidation: unchanged data, 304 and no body.
        let response = get(&app, &[("query", FACILITIES)], &[("if-none-match", &tag)]).await;
        assert_eq!(response.status(), 304);
        assert_eq!(header(&response, "etag").as_deref(), Some(tag.as_str()));
        assert!(response.bytes().await.unwrap().is_empty());

        // Another media type is another answer, with another tag.
        let response = get(
            &app,
            &[("query", FACILITIES)],
            &[("accept", "application/graphql-response+json"), ("if-none-match", &tag)],
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_ne!(header(&response, "etag").unwrap(), tag);

        // A write, once indexed (mutations return then), changes the tag and the answer.
        create_facility(&app, "Accra Works").await;
        let response = get(&app, &[("query", FACILITIES)], &[("if-none-match", &tag)]).await;
        assert_eq!(response.status(), 200, "the old tag no longer matches");
        let new_tag = header(&response, "etag").unwrap();
        assert_ne!(new_tag, tag);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"]["facilities"]["totalCount"], 2, "{body}");

        // Signed in: never kept by a cache, no tag.
        let response = get(
            &app,
            &[("query", FACILITIES)],
            &[("authorization", &format!("Bearer {}", app.token))],
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("private, no-store")
        );
        assert_eq!(header(&response, "etag"), None);
        assert!(header(&response, "vary").unwrap().contains("authorization"));

        // Answers with errors are not cacheable.
        let response = get(&app, &[("query", "{ nope }")], &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "cache-control").as_deref(), Some("no-store"));
        assert_eq!(header(&response, "etag"), None);

        // POST answers are not cacheable.
        let response = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({ "query": FACILITIES }))
            .send()
            .await
            .unwrap();
        assert_eq!(header(&response, "cache-control").as_deref(), Some("no-store"));
        assert_eq!(header(&response, "etag"), None);
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn get_runs_queries_only_and_serves_graphiql_to_browsers_only() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;

    for query in [
        "mutation { deleteFacility(id: \"x\") { id } }",
        "subscription { jobEvents(jobId: \"x\") { toStatus } }",
    ] {
        let response = get(&app, &[("query", query)], &[]).await;
        assert_eq!(response.status(), 405, "{query}");
        assert_eq!(header(&response, "allow").as_deref(), Some("POST"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    }
    // The operation chosen by name decides.
    let response = get(
        &app,
        &[
            (
                "query",
                "query Q { version } mutation M { deleteFacility(id: \"x\") { id } }",
            ),
            ("operationName", "M"),
        ],
        &[],
    )
    .await;
    assert_eq!(response.status(), 405);
    let response = get(
        &app,
        &[
            (
                "query",
                "query Q { version } mutation M { deleteFacility(id: \"x\") { id } }",
            ),
            ("operationName", "Q"),
        ],
        &[],
    )
    .await;
    assert_eq!(response.status(), 200);

    // A browser gets GraphiQL; a browser sending a query and any other client get GraphQL.
    let browser = ("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    let page = get(&app, &[], &[browser]).await;
    assert_eq!(page.status(), 200);
    assert!(
        header(&page, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
    let response = get(&app, &[("query", "{ version }")], &[browser]).await;
    assert_eq!(
        header(&response, "content-type").unwrap(),
        "application/json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["version"], env!("CARGO_PKG_VERSION"));
    for accept in [
        "*/*",
        "application/json",
        "application/graphql-response+json",
    ] {
        let response = get(&app, &[], &[("accept", accept)]).await;
        assert_eq!(response.status(), 400, "{accept}: a missing query");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("`query`"),
            "{body}"
        );
    }

    // Counted in /metrics like a POST, under its operation name.
    let response = get(&app, &[("query", "query CountedOverGet { version }")], &[]).await;
    assert_eq!(response.status(), 200);
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("makermatch_graphql_requests_total")
                && l.contains("operation=\"CountedOverGet\"")
                && l.contains("outcome=\"ok\"")),
        "{metrics}"
    );

    // Unreadable parameters and overlong URLs are refused clearly.
    let response = get(&app, &[("query", "{ version }"), ("variables", "[1]")], &[]).await;
    assert_eq!(response.status(), 400);
    let long = format!("{{ version {} }}", "a: version ".repeat(2_000));
    let response = get(&app, &[("query", &long)], &[]).await;
    assert_eq!(response.status(), 414);
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    app.stop().await;
}

#[tokio::test]
async fn persisted_queries_and_limits_apply_over_get() {
    on_each_backend(|t| async move {
        let app = TestApp::spawn(&t).await;
        let query = "{ stats { facilities } }";
        let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
        let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string();

        // Unknown hash: the miss Apollo clients recognise.
        let response = get(&app, &[("extensions", &extensions)], &[]).await;
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound", "{body}");
        assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");

        // Registered by POST, then answered by its hash over GET, cacheably.
        let registered: Value = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({ "query": query, "extensions": serde_json::from_str::<Value>(&extensions).unwrap() }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(registered.get("errors").is_none(), "{registered}");
        let response = get(&app, &[("extensions", &extensions)], &[]).await;
        assert_eq!(response.status(), 200);
        assert!(header(&response, "etag").is_some());
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, registered);

        // Depth and alias limits hold over GET as over POST.
        let mut deep = String::from("id");
        for _ in 0..11 {
            deep = format!("parent {{ {deep} }}");
        }
        let deep = format!("{{ processes {{ {deep} }} }}");
        let aliases: String = (0..31).map(|i| format!("a{i}: version ")).collect();
        for query in [deep, format!("{{ {aliases} }}")] {
            let response = get(&app, &[("query", &query)], &[]).await;
            assert_eq!(header(&response, "cache-control").as_deref(), Some("no-store"));
            let body: Value = response.json().await.unwrap();
            assert_eq!(code(&body), "LIMIT_EXCEEDED", "{query}: {body}");
            assert!(body["data"].is_null(), "{body}");
        }
        app.stop().await;
    })
    .await;
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_socket(app: &TestApp) -> Socket {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// The code the server closed the socket with, skipping other messages.
async fn close_code(ws: &mut Socket) -> Option<u16> {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("the server closes within 10 s");
        match message {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

#[tokio::test]
async fn sockets_close_with_graphql_ws_codes() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.graphql.connection_init_timeout_ms = 300;
    let app = TestApp::spawn_with(&t, config).await;

    // A refused token: 4403 Forbidden.
    let mut ws = open_socket(&app).await;
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer not-a-token" } })
            .to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(close_code(&mut ws).await, Some(4403));

    // A message that is not the protocol's: 4400.
    let mut ws = open_socket(&app).await;
    ws.send(Message::text("not json")).await.unwrap();
    assert_eq!(close_code(&mut ws).await, Some(4400));

    // A subscribe before connection_init: 4401.
    let mut ws = open_socket(&app).await;
    ws.send(Message::text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ version }" } })
            .to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(close_code(&mut ws).await, Some(4401));

    // Nothing said: 4408 once the init timeout passed.
    let mut ws = open_socket(&app).await;
    assert_eq!(close_code(&mut ws).await, Some(4408));

    // A good token still opens the connection.
    let mut ws = open_socket(&app).await;
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": { "token": app.token } }).to_string(),
    ))
    .await
    .unwrap();
    let ack = ws.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
    app.stop().await;
}

/// An answer replaced by `LIMIT_EXCEEDED` for its size is an error answer over GET too: no
/// cache keeps it, and it carries no `ETag`.
#[tokio::test]
async fn an_answer_replaced_for_its_size_is_not_cacheable() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.graphql.max_response_bytes = 256;
    let app = TestApp::spawn_with(&t, config).await;
    for n in 0..5 {
        create_facility(
            &app,
            &format!("Accra Makerspace number {n} with a long name"),
        )
        .await;
    }
    let response = get(&app, &[("query", FACILITIES)], &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("no-store")
    );
    assert!(header(&response, "etag").is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    app.stop().await;
}
