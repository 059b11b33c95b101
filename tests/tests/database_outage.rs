//! A database outage through a loopback proxy the test stops and starts again: queries that
//! need the database answer `UNAVAILABLE` within seconds, `/readyz` says 503 at once and
//! `/healthz` stays 200, and once the database is back the same requests work again,
//! without a restart. PostgreSQL only: SQLite is a file, it has no outage to speak of.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::net::SocketAddr;
use std::time::Duration;

use makermatch_tests::{TestApp, TestDb, postgres_url};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A TCP relay on 127.0.0.1 to PostgreSQL; stopping it closes every relayed connection and
/// the listening socket, as a database host going away does.
struct Proxy {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Proxy {
    async fn start(listen: SocketAddr, upstream: String) -> Proxy {
        let listener = TcpListener::bind(listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            // Dropped with this task when it is aborted: that aborts every relay.
            let mut relays = JoinSet::new();
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let upstream = upstream.clone();
                relays.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Proxy { addr, task }
    }

    async fn stop(self) -> SocketAddr {
        self.task.abort();
        let _ = self.task.await;
        self.addr
    }
}

/// Where `postgres://user@host:port/db` points (`host:port`), as a byte range of the URL.
fn authority(url: &str) -> std::ops::Range<usize> {
    let after_scheme = url.find("://").unwrap() + 3;
    let start = url[after_scheme..]
        .find('@')
        .map_or(after_scheme, |at| after_scheme + at + 1);
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    start..end
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

const PROGRAMMES: &str = "{ programmes(first: 5) { totalCount } }";
const CREATE: &str = "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }";

/// Longer than an outage answer may take; only there so a hang fails the test.
const HANG: Duration = Duration::from_secs(20);

#[tokio::test]
async fn an_outage_answers_unavailable_fast_and_heals_without_a_restart() {
    let Some(base) = postgres_url() else {
        return;
    };
    let t = TestDb::postgres(&base).await;
    let url = t.config.database_url.clone().unwrap();
    let at = authority(&url);
    let upstream = match &url[at.clone()] {
        hostport if hostport.contains(':') => hostport.to_owned(),
        host => format!("{host}:5432"),
    };
    let proxy = Proxy::start("127.0.0.1:0".parse().unwrap(), upstream.clone()).await;

    let mut config = t.config.clone();
    config.database_url = Some(format!(
        "{}{}{}",
        &url[..at.start],
        proxy.addr,
        &url[at.end..]
    ));
    config.database.acquire_timeout_ms = 1_000;
    // Far above what an outage answer may take, so the answer is the pool's, not the
    // request timeout's.
    config.graphql.request_timeout_ms = 60_000;
    let app = TestApp::spawn_with(&t, config).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap();

    app.data(CREATE, json!({ "input": { "name": "Before Outage Hive" } }))
        .await;
    assert_eq!(
        app.data(PROGRAMMES, json!({})).await["programmes"]["totalCount"],
        0
    );

    let addr = proxy.stop().await;

    let read = tokio::time::timeout(HANG, app.gql(PROGRAMMES, json!({})))
        .await
        .expect("a read answered during the outage");
    assert_eq!(code(&read), Some("UNAVAILABLE"), "{read}");
    let message = read["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("pool"), "no driver detail: {message}");
    let write = tokio::time::timeout(
        HANG,
        app.gql(CREATE, json!({ "input": { "name": "During Outage Hive" } })),
    )
    .await
    .expect("a write answered during the outage");
    assert_eq!(code(&write), Some("UNAVAILABLE"), "{write}");

    // Bounded by the client's 3 s: the check itself gives up after 0.8 s.
    let ready = http
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("/readyz answered during the outage");
    assert_eq!(ready.status(), 503);
    let health = http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("/healthz answered during the outage");
    assert_eq!(
        health.status(),
        200,
        "liveness does not depend on the database"
    );

    let _proxy = Proxy::start(addr, upstream).await;

    let mut healed = None;
    for _ in 0..100 {
        let body = app.gql(PROGRAMMES, json!({})).await;
        if body.get("errors").is_none() {
            healed = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let healed = healed.expect("the server answered again within 20 s of the database's return");
    assert_eq!(healed["data"]["programmes"]["totalCount"], 0);
    app.data(CREATE, json!({ "input": { "name": "After Outage Hive" } }))
        .await;
    let found = app
        .data(
            r#"{ facilities(text: "outage") { totalCount nodes { name } } }"#,
            json!({}),
        )
        .await;
    let mut names: Vec<&str> = found["facilities"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["After Outage Hive", "Before Outage Hive"],
        "{found}"
    );
    app.wait_ready().await;
    app.stop().await;
}
