//! Requests an attacker would send, on the real server, over POST and over WebSocket: each
//! is refused (or answered within bounds) with a coded error before it costs more than a
//! small, fixed amount of work, and the server keeps answering everyone else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_tests::{TestApp, TestDb};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Longer than any answer may take: the request timeout (10 s) plus slack. Used only to
/// tell a hang from an answer.
const HANG: Duration = Duration::from_secs(15);

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

async fn post(app: &TestApp, query: &str, variables: Value) -> Value {
    tokio::time::timeout(HANG, app.anon(query, variables))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no answer within {HANG:?} to {}",
                &query[..query.len().min(200)]
            )
        })
}

async fn alive(app: &TestApp) {
    let health = tokio::time::timeout(
        Duration::from_secs(5),
        app.client.get(format!("{}/healthz", app.base)).send(),
    )
    .await
    .expect("/healthz answers")
    .unwrap();
    assert!(health.status().is_success());
    let body = post(app, "{ version }", json!({})).await;
    assert!(body["data"]["version"].is_string(), "{body}");
}

fn deep_list(n: usize) -> String {
    format!(
        "{{ facilities(filter: {{ countries: {}\"GH\"{} }}) {{ totalCount }} }}",
        "[".repeat(n),
        "]".repeat(n)
    )
}

fn deep_object(n: usize) -> String {
    format!(
        "{{ facilities(filter: {}{}) {{ totalCount }} }}",
        "{ a: ".repeat(n),
        "}".repeat(n)
    )
}

fn deep_default(n: usize) -> String {
    format!(
        "query($x: [String] = {}\"GH\"{}) {{ version }}",
        "[".repeat(n),
        "]".repeat(n)
    )
}

/// Each of `levels` fragments spreads the next one twice.
fn fragment_bomb(levels: usize) -> String {
    let mut q = String::from("query { ...F0 }");
    for i in 0..levels {
        q.push_str(&format!(
            " fragment F{i} on Query {{ ...F{} ...F{} }}",
            i + 1,
            i + 1
        ));
    }
    q.push_str(&format!(" fragment F{levels} on Query {{ version }}"));
    q
}

fn aliases(n: usize) -> String {
    let fields: String = (0..n).map(|i| format!("a{i}: version ")).collect();
    format!("{{ {fields} }}")
}

/// Deep nesting in the query text, a fragment bomb and too many aliases: each a
/// `LIMIT_EXCEEDED` that names the limit, and the process lives on.
#[tokio::test]
async fn crashing_and_hanging_documents_are_refused_over_post() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    for (what, query) in [
        ("list literal 1,600 deep", deep_list(1_600)),
        ("object literal 2,000 deep", deep_object(2_000)),
        ("variable default 1,600 deep", deep_default(1_600)),
        ("fragment bomb of 30 levels", fragment_bomb(30)),
        ("fragment bomb of 64 levels", fragment_bomb(64)),
    ] {
        let body = post(&app, &query, json!({})).await;
        assert_eq!(code(&body), "LIMIT_EXCEEDED", "{what}: {body}");
        assert!(
            body.get("data").is_none_or(Value::is_null),
            "{what}: {body}"
        );
        alive(&app).await;
    }
    // Ordinary nesting still passes.
    let body = post(&app, &deep_list(10), json!({})).await;
    assert_ne!(code(&body), "LIMIT_EXCEEDED", "{body}");
    app.stop().await;
}

async fn socket(app: &TestApp) -> Socket {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws
}

/// The next JSON message, skipping pings; `None` once the socket is closed.
async fn next(ws: &mut Socket) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(HANG, ws.next())
            .await
            .expect("a message or a close within the request timeout")?;
        match msg.ok()? {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ping" {
                    continue;
                }
                return Some(v);
            }
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

async fn initialised(app: &TestApp) -> Socket {
    let mut ws = socket(app).await;
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": {} }).to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    ws
}

/// Sends one operation and returns its first `next` payload (or its `error` message).
async fn operation(ws: &mut Socket, id: &str, query: &str) -> Value {
    ws.send(Message::text(
        json!({ "id": id, "type": "subscribe", "payload": { "query": query } }).to_string(),
    ))
    .await
    .unwrap();
    loop {
        let msg = next(ws).await.expect("an answer before the socket closes");
        if msg["id"] != id {
            continue;
        }
        match msg["type"].as_str() {
            Some("next") => return msg["payload"].clone(),
            Some("error") => return json!({ "errors": msg["payload"] }),
            _ => {}
        }
    }
}

/// The same documents over a subscription socket get the same refusals, and so do the
/// limits POST enforces (aliases, depth, complexity).
#[tokio::test]
async fn websocket_operations_pass_the_same_limits_as_post() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let mut ws = initialised(&app).await;
    let mut deep = String::from("id");
    for _ in 0..12 {
        deep = format!("parent {{ {deep} }}");
    }
    for (i, (what, query)) in [
        ("list literal 1,600 deep", deep_list(1_600)),
        ("object literal 2,000 deep", deep_object(2_000)),
        ("variable default 1,600 deep", deep_default(1_600)),
        ("fragment bomb of 30 levels", fragment_bomb(30)),
        ("1,000 aliases", aliases(1_000)),
        ("13 levels deep", format!("{{ processes {{ {deep} }} }}")),
    ]
    .into_iter()
    .enumerate()
    {
        let answer = operation(&mut ws, &format!("op{i}"), &query).await;
        assert_eq!(code(&answer), "LIMIT_EXCEEDED", "{what}: {answer}");
    }
    // The socket still serves ordinary operations.
    let answer = operation(&mut ws, "fine", "{ version }").await;
    assert!(answer["data"]["version"].is_string(), "{answer}");
    alive(&app).await;
    app.stop().await;
}

/// A message larger than a request body may be is not read; a socket that never says
/// `connection_init` is closed; a burst of operations meets the rate limit.
#[tokio::test]
async fn websocket_messages_sockets_and_bursts_are_bounded() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.graphql.connection_init_timeout_ms = 300;
    config.auth.rate_limit_per_minute = 60;
    let app = TestApp::spawn_with(&t, config).await;

    // 10 MB in one message: the socket is closed without an answer.
    let mut ws = initialised(&app).await;
    let huge = json!({ "id": "big", "type": "subscribe", "payload": { "query": format!("{{ version }} # {}", "x".repeat(10_000_000)) } });
    let _ = ws.send(Message::text(huge.to_string())).await;
    assert_eq!(next(&mut ws).await, None, "a 10 MB message was answered");

    // Silent after the upgrade: closed once the init timeout passes.
    let mut silent = socket(&app).await;
    assert_eq!(next(&mut silent).await, None);

    // More operations than the rate limit allows: the excess is refused with its code.
    // A bucket of 60 a minute refills one a second, so at most 60 plus the seconds taken
    // may pass.
    let mut ws = initialised(&app).await;
    let started = std::time::Instant::now();
    let (mut answered, mut refused) = (0u64, 0u64);
    for i in 0..80 {
        let answer = operation(&mut ws, &format!("q{i}"), "{ version }").await;
        match code(&answer) {
            "LIMIT_EXCEEDED" => refused += 1,
            "" => answered += 1,
            other => panic!("operation {i} answered {other}: {answer}"),
        }
    }
    let allowed = 60 + started.elapsed().as_secs() + 1;
    assert!(
        refused > 0,
        "none of 80 operations was refused at 60 a minute"
    );
    assert!(
        answered <= allowed,
        "{answered} passed; at most {allowed} may"
    );
    app.stop().await;
}

/// `mapFeatures` costs what it may return: a deep zoom over the world is drawn on a grid
/// coarse enough to stay within the per-layer bound, repeated layers count once, and many
/// aliased copies exceed the complexity limit.
#[tokio::test]
async fn map_answers_are_bounded_by_what_they_draw() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let mut inputs = Vec::new();
    for i in 0..6_000 {
        let mut f = FacilityInput::named(format!("Lab {i}"));
        f.location.lat = Some(rng.random_range(-60.0..70.0));
        f.location.lon = Some(rng.random_range(-180.0..180.0));
        inputs.push(f);
    }
    let mut last = 0;
    for input in inputs {
        last = facilities::create(&app.db, input).await.unwrap().outbox_seq;
    }
    app.wait_indexed(last).await;

    let world = "{ minLat: -90, minLon: -180, maxLat: 90, maxLon: 180 }";
    let body = post(
        &app,
        &format!("{{ mapFeatures(bbox: {world}, zoom: 22, layers: [FACILITIES, FACILITIES, FACILITIES]) }}"),
        json!({}),
    )
    .await;
    let features = body["data"]["mapFeatures"]["features"].as_array().unwrap();
    assert!(features.len() <= 4_096, "{} features", features.len());
    let total: u64 = features
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 6_000, "every facility is drawn, in clusters");

    let copies: String = (0..30)
        .map(|i| format!("m{i}: mapFeatures(bbox: {world}, zoom: 22) "))
        .collect();
    let body = post(&app, &format!("{{ {copies} }}"), json!({})).await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    app.stop().await;
}

/// Long search texts and long process terms are refused or answered at once; neither
/// blocks the server.
#[tokio::test]
async fn long_texts_and_terms_cost_little() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let words: String = (0..100_000).map(|i| format!("w{i} ")).collect();
    let body = post(
        &app,
        "query($t: String!) { facilities(text: $t) { totalCount } }",
        json!({ "t": words }),
    )
    .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("text")
    );

    let many: String = (0..40).map(|i| format!("word{i} ")).collect();
    let body = post(
        &app,
        "query($t: String!) { facilities(text: $t) { totalCount } }",
        json!({ "t": many }),
    )
    .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");

    // Ten 2,000-character terms through the taxonomy's fuzzy resolution.
    let term = "millin".repeat(334);
    let fields: String = (0..10)
        .map(|i| format!("p{i}: processes(text: $t) {{ id }} "))
        .collect();
    let body = post(
        &app,
        &format!("query($t: String!) {{ {fields} }}"),
        json!({ "t": term }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    alive(&app).await;
    app.stop().await;
}

/// One hostile document from a seeded generator: deep nesting, fragment fan-out, many
/// aliases, long strings, and plain junk.
fn hostile(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..7) {
        0 => deep_list(rng.random_range(50..3_000)),
        1 => deep_object(rng.random_range(50..3_000)),
        2 => fragment_bomb(rng.random_range(10..80)),
        3 => aliases(rng.random_range(31..2_000)),
        4 => format!(
            "{{ facilities(text: \"{}\") {{ totalCount }} }}",
            "ab ".repeat(rng.random_range(400..20_000))
        ),
        5 => {
            let n = rng.random_range(20..500);
            format!("{}{}", "{ processes ".repeat(n), "}".repeat(n))
        }
        _ => (0..rng.random_range(1..4_000))
            .map(|_| char::from(rng.random_range(32u8..127)))
            .collect(),
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// A thousand random hostile documents, half over POST and half over a socket: every one is
/// answered (none kills or hangs the server), and memory stays bounded.
#[tokio::test]
async fn a_thousand_hostile_documents_leave_the_server_up() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.auth.rate_limit_per_minute = 0;
    let app = TestApp::spawn_with(&t, config).await;
    let mut rng = ChaCha8Rng::seed_from_u64(1_000);
    let mut ws = initialised(&app).await;
    let before = rss_kib();
    for i in 0..1_000 {
        let doc = hostile(&mut rng);
        let answer = if i % 2 == 0 {
            post(&app, &doc, json!({})).await
        } else {
            operation(&mut ws, &format!("h{i}"), &doc).await
        };
        assert!(
            answer.get("errors").is_some() || answer.get("data").is_some(),
            "document {i} got no GraphQL answer: {answer}"
        );
        if i % 100 == 99 {
            alive(&app).await;
        }
    }
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    assert!(grown_mib < 512, "memory grew by {grown_mib} MiB");
    app.stop().await;
}
