//! Connections within bounds on the real server: a silent socket is closed after the idle
//! timeout, headers trickled slower than the header timeout are cut, connections past the
//! cap get a 503 and are closed while the ones within it keep working, and an idle
//! WebSocket subscription is not cut by the idle timeout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use makermatch_api::config::Config;
use makermatch_api::server::{self, RunningServer};
use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_api::services::jobs::{self, JobInput};
use makermatch_tests::{TestApp, TestDb};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Longer than anything these tests wait for, so a server that never acts fails them
/// instead of hanging.
const HANG: Duration = Duration::from_secs(15);

/// The server over `t`'s database with `adjust` applied to its configuration; ready when
/// this returns. Its readiness was checked on a connection it has closed, so the test
/// starts with none open.
async fn start(t: &TestDb, adjust: impl FnOnce(&mut Config)) -> (RunningServer, SocketAddr) {
    let mut config = t.config.clone();
    adjust(&mut config);
    let ready = makermatch_api::startup::prepare(&config).await.unwrap();
    let running = server::serve(&config, ready.db, &ready.taxonomy, std::future::pending())
        .await
        .unwrap();
    let addr = running.addr;
    for _ in 0..400 {
        if let Ok(mut s) = TcpStream::connect(addr).await {
            let answer = ask(&mut s, "/readyz", true).await;
            if answer.starts_with("HTTP/1.1 200") {
                return (running, addr);
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{addr}/readyz never answered 200");
}

/// Sends `GET path` and reads one whole answer (head and body); "" when the server closed
/// the connection instead.
async fn ask(s: &mut TcpStream, path: &str, close: bool) -> String {
    let connection = if close { "close" } else { "keep-alive" };
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: {connection}\r\n\r\n");
    if s.write_all(request.as_bytes()).await.is_err() {
        return String::new();
    }
    tokio::time::timeout(HANG, read_answer(s))
        .await
        .expect("an answer (or a close) within the hang bound")
}

async fn read_answer(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = find(&got, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse::<usize>().unwrap());
            let complete = match length {
                Some(n) => got.len() >= end + 4 + n,
                None => find(&got[end..], b"0\r\n\r\n").is_some(),
            };
            if complete {
                return String::from_utf8_lossy(&got).into_owned();
            }
        }
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&got).into_owned(),
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Waits until the server closes `s` (end of stream or reset); fails after `HANG`.
async fn closed_by_server(s: &mut TcpStream) {
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(HANG, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server kept the connection open for {HANG:?}"
    );
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let t = TestDb::sqlite().await;
    let (running, addr) = start(&t, |c| {
        c.server.idle_timeout_ms = 300;
        // Long: the idle timeout, not the header timeout, must be what closes them.
        c.server.header_read_timeout_ms = 60_000;
    })
    .await;

    // A socket that never sends a byte.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    closed_by_server(&mut silent).await;

    // A kept-alive connection that goes quiet after one answer.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    assert!(
        ask(&mut kept, "/healthz", false)
            .await
            .starts_with("HTTP/1.1 200")
    );
    closed_by_server(&mut kept).await;

    running.stop().await.unwrap();
}

#[tokio::test]
async fn headers_trickled_slower_than_the_header_timeout_are_cut() {
    let t = TestDb::sqlite().await;
    let (running, addr) = start(&t, |c| {
        c.server.header_read_timeout_ms = 1_000;
        // Every line resets the idle timer anyway; make sure it is not the one acting.
        c.server.idle_timeout_ms = 60_000;
    })
    .await;

    let s = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = s.into_split();
    let trickle = async move {
        writer
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
            .await
            .unwrap();
        // One header line every 200 ms, never the blank line ending the head: 15 s in all.
        for n in 0..75 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer
                .write_all(format!("X-Slow-{n}: a\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    };
    let mut answer = Vec::new();
    tokio::select! {
        () = trickle => panic!("the server read trickled headers for 15 s without cutting them"),
        _ = reader.read_to_end(&mut answer) => {}
    }
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "the trickled request was answered: {}",
        String::from_utf8_lossy(&answer)
    );

    running.stop().await.unwrap();
}

#[tokio::test]
async fn connections_past_the_cap_get_a_503_and_are_closed() {
    const CAP: usize = 3;
    let t = TestDb::sqlite().await;
    let (running, addr) = start(&t, |c| c.server.max_connections = CAP as u32).await;

    // The readiness check's connection may still be closing: open each until served.
    let mut held = Vec::new();
    for _ in 0..CAP {
        held.push(open_served(addr).await);
    }

    let mut extra = TcpStream::connect(addr).await.unwrap();
    let refusal = ask(&mut extra, "/healthz", false).await;
    assert!(
        refusal.starts_with("HTTP/1.1 503"),
        "connection {} past a cap of {CAP}: {refusal:?}",
        CAP + 1
    );
    let lower = refusal.to_ascii_lowercase();
    assert!(lower.contains("retry-after:"), "{refusal}");
    assert!(lower.contains("connection limit"), "{refusal}");
    closed_by_server(&mut extra).await;

    // The first ones still work.
    for s in &mut held {
        let answer = ask(s, "/healthz", false).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    }

    // Once they close, new connections are served again.
    drop(held);
    for _ in 0..CAP {
        let mut s = open_served(addr).await;
        assert!(
            ask(&mut s, "/healthz", true)
                .await
                .starts_with("HTTP/1.1 200")
        );
    }

    running.stop().await.unwrap();
}

/// A connection the server answered 200 on, kept open; retried while the server still
/// counts a connection closed a moment ago.
async fn open_served(addr: SocketAddr) -> TcpStream {
    for _ in 0..200 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let answer = ask(&mut s, "/healthz", false).await;
        if answer.starts_with("HTTP/1.1 200") {
            return s;
        }
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 503"),
            "{answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no connection was served within 5 s");
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next JSON message, skipping pings; `None` when the socket closes.
async fn next(ws: &mut Socket) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(HANG, ws.next())
            .await
            .expect("a message within the hang bound")?;
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

#[tokio::test]
async fn an_idle_subscription_outlives_the_idle_timeout() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.server.idle_timeout_ms = 300;
    let app = TestApp::spawn_with(&t, config).await;
    let facility = facilities::create(&app.db, FacilityInput::named("Kumasi Hive"))
        .await
        .unwrap()
        .value
        .id;
    let job = jobs::create_job(&app.db, JobInput::new("Splints", 10))
        .await
        .unwrap()
        .value
        .id;

    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", app.token) } })
            .to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    ws.send(Message::text(
        json!({
            "id": "1", "type": "subscribe",
            "payload": { "query": "subscription($j: ID!) { jobEvents(jobId: $j) { toStatus } }", "variables": { "j": job.to_string() } }
        })
        .to_string(),
    ))
    .await
    .unwrap();

    // Silent both ways for five idle timeouts, as a subscriber waiting for a rare event is.
    tokio::time::sleep(Duration::from_millis(1_500)).await;

    let proposed = app
        .data(
            "mutation($j: ID!, $f: ID!) { proposeAssignment(input: { jobId: $j, facilityId: $f, quantity: 10 }) { status } }",
            json!({ "j": job.to_string(), "f": facility.to_string() }),
        )
        .await;
    assert_eq!(proposed["proposeAssignment"]["status"], "PROPOSED");
    let event = next(&mut ws)
        .await
        .expect("the subscription socket was closed while idle");
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(
        event["payload"]["data"]["jobEvents"]["toStatus"], "PROPOSED",
        "{event}"
    );
    app.stop().await;
}
