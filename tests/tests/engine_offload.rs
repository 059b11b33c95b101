//! Search-engine work runs off the async workers and stops when its request does: while a
//! search runs long (the engine's stall fault stands in for one), `/healthz` and other
//! queries are answered; when the request timeout fires, the caller gets `LIMIT_EXCEEDED`
//! and the search itself stops, over HTTP and over a WebSocket alike.
//!
//! The tests run on tokio's default test runtime, one worker thread: a search run on a
//! worker holds up every request that worker serves, as a few long searches hold up a
//! server whose every worker they occupy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::sync::mpsc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use makermatch_search::engine::fault::{self, FaultPoint};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The request timeout of these servers: long enough that the other requests are surely
/// answered within it, so the tests depend on order, not speed.
const TIMEOUT_MS: u64 = 3_000;

/// A search through the engine.
const SEARCH: &str = "{ facilities(first: 5) { nodes { uuid name } } }";

/// Bound on waiting for something that should happen within a request timeout.
const PATIENCE: Duration = Duration::from_secs(30);

fn fault_key(t: &TestDb) -> String {
    makermatch_api::index::index_dir(&t.config)
        .display()
        .to_string()
}

/// Releases the stalls of an index if the test is still running after `PATIENCE`: code
/// that never cancels a stalled search then fails these tests instead of hanging them.
struct Watchdog {
    _done: mpsc::Sender<()>,
}

impl Watchdog {
    fn new(key: &str) -> Watchdog {
        let (done, wait) = mpsc::channel::<()>();
        let key = key.to_owned();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(PATIENCE) {
                fault::release_stalls(&key);
            }
        });
        Watchdog { _done: done }
    }
}

async fn spawn(t: &TestDb) -> TestApp {
    let mut config = t.config.clone();
    config.graphql.request_timeout_ms = TIMEOUT_MS;
    TestApp::spawn_with(t, config).await
}

/// A facility to find; returns its UUID once searches show it.
async fn create_facility(app: &TestApp) -> String {
    let body = app
        .data(
            "mutation { createFacility(input: { name: \"Offload Lab\", location: { country: \"GH\", lat: 5.6, lon: -0.19 } }) { uuid } }",
            json!({}),
        )
        .await;
    body["createFacility"]["uuid"].as_str().unwrap().to_owned()
}

/// A POST of `query` as the app's admin, on a task of its own.
fn post_in_background(app: &TestApp, query: &'static str) -> tokio::task::JoinHandle<Value> {
    let request = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&app.token)
        .json(&json!({ "query": query }));
    tokio::spawn(async move { request.send().await.unwrap().json().await.unwrap() })
}

/// A search first runs for a short slice on the request's worker, then, when it needs
/// longer, again from the start on the blocking pool: a search that stalls stalls twice.
const STALLS_PER_SEARCH: u32 = 2;

/// Waits until a search of `key` stalls on the pool (its slice on the worker spent).
async fn stalling(key: &str) {
    let started = std::time::Instant::now();
    while fault::stalls(key).entered < STALLS_PER_SEARCH {
        assert!(started.elapsed() < PATIENCE, "no search ever stalled");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until the stalled search of `key` stopped because its request ended; fails if
/// it did not, or ended otherwise.
async fn stopped_by_cancellation(key: &str) {
    let started = std::time::Instant::now();
    loop {
        let stalls = fault::stalls(key);
        assert_eq!(
            stalls.released, 0,
            "the stalled search was never stopped: it ran until the test released it"
        );
        if stalls.cancelled == STALLS_PER_SEARCH {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the stalled search still runs after its request timed out: {stalls:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

fn found(body: &Value, uuid: &str) -> bool {
    body["data"]["facilities"]["nodes"]
        .as_array()
        .is_some_and(|nodes| nodes.iter().any(|n| n["uuid"] == uuid))
}

fn assert_timed_out(body: &Value) {
    assert_eq!(code(body), "LIMIT_EXCEEDED", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("the request took longer than {TIMEOUT_MS} ms")),
        "{body}"
    );
}

#[tokio::test]
async fn a_long_search_holds_up_no_other_request_and_stops_at_the_timeout() {
    on_each_backend(|t: TestDb| async move {
        let app = spawn(&t).await;
        let uuid = create_facility(&app).await;
        let key = fault_key(&t);
        let _watchdog = Watchdog::new(&key);
        fault::arm(&key, FaultPoint::Stall, STALLS_PER_SEARCH);
        let stalled = post_in_background(&app, SEARCH);
        stalling(&key).await;

        let health = app
            .client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status().as_u16(), 200);
        let other = app.gql(SEARCH, json!({})).await;
        assert!(found(&other, &uuid), "{other}");
        assert!(
            !stalled.is_finished(),
            "the long search was answered before /healthz and another search could be: \
             it held up the server"
        );

        assert_timed_out(&stalled.await.unwrap());
        stopped_by_cancellation(&key).await;
        // The engine is fine: the same search is answered at once.
        assert!(found(&app.gql(SEARCH, json!({})).await, &uuid));
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_search_whose_client_went_away_stops() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    // Only the client leaving can end this request early.
    config.graphql.request_timeout_ms = 600_000;
    let app = TestApp::spawn_with(&t, config).await;
    let key = fault_key(&t);
    let _watchdog = Watchdog::new(&key);
    fault::arm(&key, FaultPoint::Stall, STALLS_PER_SEARCH);
    let stalled = post_in_background(&app, SEARCH);
    stalling(&key).await;
    // Dropping the request closes its connection.
    stalled.abort();
    assert!(stalled.await.unwrap_err().is_cancelled());
    stopped_by_cancellation(&key).await;
    app.stop().await;
}

async fn socket(app: &TestApp) -> Socket {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "token": app.token } });
    ws.send(Message::text(init.to_string())).await.unwrap();
    assert_eq!(next(&mut ws).await["type"], "connection_ack");
    ws
}

/// The next message other than a ping.
async fn next(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("a message in time")
            .expect("an open socket")
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] != "ping" {
                return v;
            }
        }
    }
}

fn subscribe(id: &str, query: &str) -> Message {
    Message::text(
        json!({ "id": id, "type": "subscribe", "payload": { "query": query } }).to_string(),
    )
}

#[tokio::test]
async fn a_long_search_over_a_websocket_stops_at_the_timeout_and_holds_up_nothing() {
    let t = TestDb::sqlite().await;
    let app = spawn(&t).await;
    let uuid = create_facility(&app).await;
    let key = fault_key(&t);
    let _watchdog = Watchdog::new(&key);
    let mut ws = socket(&app).await;
    fault::arm(&key, FaultPoint::Stall, STALLS_PER_SEARCH);
    ws.send(subscribe("long", SEARCH)).await.unwrap();
    stalling(&key).await;
    // Another operation on the same socket is answered while the first one runs.
    ws.send(subscribe("quick", SEARCH)).await.unwrap();
    let mut order = Vec::new();
    let mut answers = std::collections::HashMap::new();
    while answers.len() < 2 {
        let msg = next(&mut ws).await;
        if msg["type"] == "next" {
            let id = msg["id"].as_str().unwrap().to_owned();
            order.push(id.clone());
            answers.insert(id, msg["payload"].clone());
        }
    }
    assert_eq!(order, ["quick", "long"], "{answers:?}");
    assert!(found(&answers["quick"], &uuid), "{answers:?}");
    assert_timed_out(&answers["long"]);
    stopped_by_cancellation(&key).await;
    app.stop().await;
}
