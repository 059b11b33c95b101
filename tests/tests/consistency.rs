//! Read-your-writes across replicas (issue 24): a mutation's answer carries a consistency
//! token; sent back to another replica on the same database, that replica answers only
//! once its index shows the write, over HTTP and over a WebSocket's `connection_init`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const HEADER: &str = "x-makermatch-consistency";
const SECRET: &str = "consistency-test-secret-shared-by-both-replicas";

/// Replica A, and replica B on the same database with its own index that polls the
/// outbox only every 1.5 s, so that B, unless told to wait, usually answers before it
/// applied what A just wrote. Both sign tokens with the same secret.
async fn replicas(t: &TestDb) -> (TestApp, TestApp) {
    let mut a = t.config.clone();
    a.index.replica = "a".to_owned();
    a.auth.hs256_secret = Some(SECRET.to_owned());
    let mut b = a.clone();
    b.index.replica = "b".to_owned();
    b.index.poll_interval_ms = 1_500;
    b.data_dir = t.dir.path().join("replica-b");
    b.database_url = Some(a.effective_database_url());
    let app_a = TestApp::spawn_with(t, a).await;
    let app_b = TestApp::spawn_with(t, b).await;
    (app_a, app_b)
}

/// Creates a facility through `app`; returns the token from the answer's header, after
/// checking the body carries the same one.
async fn create(app: &TestApp, name: &str) -> String {
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&app.token)
        .json(&json!({
            "query": "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }",
            "variables": { "input": { "name": name, "location": { "lat": 6.69, "lon": -1.62, "country": "GH" } } },
        }))
        .send()
        .await
        .unwrap();
    let header = response
        .headers()
        .get(HEADER)
        .expect("a mutation's answer carries X-Makermatch-Consistency")
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["extensions"]["consistency"], header.as_str(), "{body}");
    header
}

const SEARCH: &str = "query($t: String!) { facilities(text: $t, first: 5) { nodes { name } } }";

fn names(data: &Value) -> Vec<String> {
    data["facilities"]["nodes"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|n| n["name"].as_str().map(str::to_owned))
        .collect()
}

/// Searches `app` anonymously for `name`, sending `token` when given.
async fn search(app: &TestApp, name: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(format!("{}/graphql", app.base));
    if let Some(token) = token {
        request = request.header(HEADER, token);
    }
    request
        .json(&json!({ "query": SEARCH, "variables": { "t": name } }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_read_with_the_token_on_another_replica_sees_the_write() {
    on_each_backend(|t: TestDb| async move {
        let (a, b) = replicas(&t).await;
        let tries = 20;
        let mut misses_with_token = Vec::new();
        for n in 0..tries {
            let name = format!("Tokenised Foundry {n}");
            let token = create(&a, &name).await;
            let response = search(&b, &name, Some(&token)).await;
            assert_eq!(response.status(), 200);
            assert!(
                response
                    .headers()
                    .get("x-makermatch-consistency-stale")
                    .is_none()
            );
            let body: Value = response.json().await.unwrap();
            assert!(body["extensions"]["consistencyStale"].is_null(), "{body}");
            if !names(&body["data"]).contains(&name) {
                misses_with_token.push(n);
            }
        }
        assert_eq!(
            misses_with_token,
            Vec::<i32>::new(),
            "replica b answered without the write although the token was sent"
        );

        // For the record: without the token, how often B's first read misses the write.
        let mut misses_without = 0;
        for n in 0..5 {
            let name = format!("Untokenised Foundry {n}");
            create(&a, &name).await;
            let body: Value = search(&b, &name, None).await.json().await.unwrap();
            if !names(&body["data"]).contains(&name) {
                misses_without += 1;
            }
        }
        println!("without the token replica b missed {misses_without} of 5 fresh writes");

        // The shared secret: A's token works on B, and B's mutations carry tokens too.
        let on_b = b
            .gql_as(Some(&a.token), "{ searchIndex { appliedSeq } }", json!({}))
            .await;
        assert!(on_b.get("errors").is_none(), "{on_b}");
        let from_b = create(&b, "Written Through B").await;
        assert!(from_b.starts_with("mm1:"), "{from_b}");

        b.stop().await;
        a.stop().await;
    })
    .await;
}

/// An anonymous GET of the search on `app` with `token`.
async fn search_over_get(app: &TestApp, name: &str, token: &str) -> reqwest::Response {
    let variables = json!({ "t": name }).to_string();
    let url = reqwest::Url::parse_with_params(
        &format!("{}/graphql", app.base),
        [("query", SEARCH), ("variables", variables.as_str())],
    )
    .unwrap();
    app.client
        .get(url)
        .header(HEADER, token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn over_get_the_token_is_waited_for_and_a_timeout_is_said_and_not_cached() {
    on_each_backend(|t: TestDb| async move {
        let (a, b) = replicas(&t).await;
        for n in 0..5 {
            let name = format!("Cached Foundry {n}");
            let token = create(&a, &name).await;
            let response = search_over_get(&b, &name, &token).await;
            assert_eq!(response.status(), 200);
            let body: Value = response.json().await.unwrap();
            assert!(names(&body["data"]).contains(&name), "{body}");
        }
        b.stop().await;

        // Replica C never catches up in time: it polls once a minute, is not woken by
        // notifications, and waits for a token only 1 ms.
        let mut c = t.config.clone();
        c.index.replica = "c".to_owned();
        c.index.poll_interval_ms = 60_000;
        c.index.listen = false;
        c.index.read_your_writes_timeout_ms = 1;
        c.data_dir = t.dir.path().join("replica-c");
        c.database_url = Some(t.config.effective_database_url());
        let c = TestApp::spawn_with(&t, c).await;
        let token = create(&a, "Late Foundry").await;
        let response = search_over_get(&c, "Late Foundry", &token).await;
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(headers["x-makermatch-consistency-stale"], "true");
        assert_eq!(headers["cache-control"], "no-store");
        assert!(headers.get("etag").is_none());
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["extensions"]["consistencyStale"], true, "{body}");
        assert!(!names(&body["data"]).contains(&"Late Foundry".to_owned()));
        c.stop().await;
        a.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_malformed_token_is_refused_naming_the_header() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        for bad in ["yesterday", "mm1:", "mm1:-4", "mm1:12abc"] {
            let response = search(&app, "anything", Some(bad)).await;
            assert_eq!(response.status(), 400, "{bad}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
            let message = body["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains("X-Makermatch-Consistency"), "{message}");
        }
        // Over GET too, where answers may be cached.
        let response = app
            .client
            .get(format!("{}/graphql?query=%7Bversion%7D", app.base))
            .header(HEADER, "nonsense")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        app.stop().await;
    })
    .await;
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, init: Value) -> Socket {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": init }).to_string(),
    ))
    .await
    .unwrap();
    ws
}

/// The next message: `Ok(json)`, or `Err(close code)` when the socket closes.
async fn next(ws: &mut Socket) -> Result<Value, Option<u16>> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(15), ws.next())
            .await
            .expect("a message within 15 s");
        match msg {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] != "ping" {
                    return Ok(v);
                }
            }
            Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| f.code.into())),
            None | Some(Err(_)) => return Err(None),
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_websocket_honours_the_token_in_connection_init() {
    on_each_backend(|t: TestDb| async move {
        let (a, b) = replicas(&t).await;
        for n in 0..5 {
            let name = format!("Socket Foundry {n}");
            let token = create(&a, &name).await;
            let mut ws = connect(&b, json!({ "consistency": token })).await;
            assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
            ws.send(Message::text(
                json!({ "id": "1", "type": "subscribe",
                        "payload": { "query": SEARCH, "variables": { "t": name } } })
                .to_string(),
            ))
            .await
            .unwrap();
            let answer = next(&mut ws).await.unwrap();
            assert_eq!(answer["type"], "next", "{answer}");
            assert!(
                names(&answer["payload"]["data"]).contains(&name),
                "replica b's socket answered without the write: {answer}"
            );
        }

        // A mutation over the socket carries its token as well.
        let mut ws = connect(&b, json!({ "token": b.token })).await;
        assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
        ws.send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": {
                "query": "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }",
                "variables": { "input": { "name": "Socket Written", "location": { "lat": 6.69, "lon": -1.62, "country": "GH" } } },
            } })
            .to_string(),
        ))
        .await
        .unwrap();
        let answer = next(&mut ws).await.unwrap();
        let token = answer["payload"]["extensions"]["consistency"]
            .as_str()
            .unwrap_or_default();
        assert!(token.starts_with("mm1:"), "{answer}");

        // A malformed token closes the socket as a bad request.
        let mut ws = connect(&b, json!({ "consistency": "soon" })).await;
        assert_eq!(next(&mut ws).await, Err(Some(4400)));

        b.stop().await;
        a.stop().await;
    })
    .await;
}
