//! `GET /metrics` as Prometheus scrapes it: the figures move with the work done (named
//! and failing operations, imports, index progress, open subscriptions), and the endpoint
//! can be switched off. The recorder is process-wide, so request and import counters are
//! compared before and after, by at least what this test did.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use makermatch_api::services::jobs::{self, JobInput};
use makermatch_search::engine::fault::{self, FaultPoint};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const OKW: &str = include_str!("../fixtures/import/okw-camel.json");

/// One `name{labels} value` line of the exposition text.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of an exposition text (comments skipped, label values unescaped).
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not a sample line: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("not a number in: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (
                name,
                parse_labels(rest.strip_suffix('}').expect("labels end with }")),
            ),
            None => (series, BTreeMap::new()),
        };
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut chars = text.chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        assert_eq!(chars.next(), Some('"'), "a quoted label value in {text}");
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => break,
                },
                '"' => break,
                c => value.push(c),
            }
        }
        labels.insert(key.trim().to_owned(), value);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    labels
}

/// The sum of the samples named `name` whose labels include `labels` (0 when none).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

/// Scrapes `/metrics` as Prometheus does, checking the content type.
async fn scrape(app: &TestApp) -> Vec<Sample> {
    let response = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    parse(&response.text().await.unwrap())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp) -> Socket {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "Authorization": format!("Bearer {}", app.token) });
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": init }).to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(next(&mut ws).await["type"], "connection_ack");
    ws
}

/// The next JSON message, skipping pings.
async fn next(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket is open")
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] != "ping" {
                return v;
            }
        }
    }
}

const REQUESTS: &str = "makermatch_graphql_requests_total";
const DURATIONS: &str = "makermatch_graphql_request_duration_seconds_count";
const IMPORTED: &str = "makermatch_import_records_total";
const OPEN: &str = "makermatch_subscriptions_open";

#[tokio::test]
async fn metrics_move_with_the_work_done() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let before = scrape(&app).await;

        // A named query that succeeds, twice.
        for _ in 0..2 {
            app.data("query MetricsProbe { stats { facilities } }", json!({}))
                .await;
        }
        // A named operation refused with a code: an anonymous import.
        let refused = app
            .anon(
                "mutation MetricsRefused($content: String!) { importDocument(format: OKW, content: $content, dryRun: true) { dryRun } }",
                json!({ "content": OKW }),
            )
            .await;
        let code = refused["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("a coded error: {refused}"))
            .to_owned();
        // An import that writes two facilities (the index applies them before it answers).
        let imported = app
            .data(
                "mutation MetricsImport($content: String!) { importDocument(format: OKW, content: $content) { kinds { kind imported } } }",
                json!({ "content": OKW }),
            )
            .await;
        assert_eq!(
            imported["importDocument"]["kinds"][0]["imported"], 2,
            "{imported}"
        );
        // A write behind the server's back, which the indexer picks up by polling.
        jobs::create_job(&app.db, JobInput::new("Ventilator valves", 10))
            .await
            .unwrap();

        let after = scrape(&app).await;
        let moved = |name: &str, labels: &[(&str, &str)]| {
            value(&after, name, labels) - value(&before, name, labels)
        };
        let probe_ok = [("operation", "MetricsProbe"), ("outcome", "ok")];
        assert!(moved(REQUESTS, &probe_ok) >= 2.0, "{after:#?}");
        assert!(moved(DURATIONS, &probe_ok) >= 2.0);
        let refused_labels = [("operation", "MetricsRefused"), ("outcome", code.as_str())];
        assert!(
            moved(REQUESTS, &refused_labels) >= 1.0,
            "MetricsRefused with outcome {code}: {after:#?}"
        );
        assert!(moved(REQUESTS, &[("operation", "MetricsImport"), ("outcome", "ok")]) >= 1.0);
        assert!(
            moved(IMPORTED, &[("kind", "facility"), ("outcome", "imported")]) >= 2.0,
            "{after:#?}"
        );
        // This server filled its new index from the database once.
        assert!(
            value(
                &after,
                "makermatch_engine_rebuilds_total",
                &[("cause", "new_index")]
            ) >= 1.0
        );
        let pool = value(&after, "makermatch_db_pool_connections", &[]);
        assert!(pool >= 1.0, "the pool holds a connection: {pool}");

        // The index catches up with the job: applied > 0, lag and depth back to 0.
        let mut caught_up = false;
        for _ in 0..200 {
            let now = scrape(&app).await;
            let applied = value(&now, "makermatch_index_applied_seq", &[]);
            let head = value(&now, "makermatch_outbox_head_seq", &[]);
            let lag = value(&now, "makermatch_index_lag", &[]);
            let depth = value(&now, "makermatch_outbox_depth", &[]);
            assert!(lag >= 0.0 && depth >= 0.0);
            if applied > 0.0 && applied == head && lag == 0.0 && depth == 0.0 {
                caught_up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(caught_up, "the index never caught up: {:#?}", scrape(&app).await);

        // Over a WebSocket: a named query is counted; a subscription is open while it runs.
        let mut ws = connect(&app).await;
        ws.send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": "query MetricsSocket { stats { facilities } }" } })
                .to_string(),
        ))
        .await
        .unwrap();
        assert_eq!(next(&mut ws).await["type"], "next");
        let job = jobs::create_job(&app.db, JobInput::new("Incubator fans", 4))
            .await
            .unwrap()
            .value
            .id;
        let open_before = value(&scrape(&app).await, OPEN, &[]);
        ws.send(Message::text(
            json!({ "id": "2", "type": "subscribe", "payload": { "query": "subscription MetricsFollow($j: ID!) { jobEvents(jobId: $j) { toStatus } }", "variables": { "j": job.to_string() } } })
                .to_string(),
        ))
        .await
        .unwrap();
        let mut opened = false;
        for _ in 0..200 {
            if value(&scrape(&app).await, OPEN, &[]) >= open_before + 1.0 {
                opened = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(opened, "the subscription was never counted open");
        let socket = value(&scrape(&app).await, REQUESTS, &[("operation", "MetricsSocket")]);
        assert!(socket >= 1.0, "the socket's query was not counted");
        ws.close(None).await.unwrap();
        drop(ws);
        let mut closed = false;
        for _ in 0..200 {
            if value(&scrape(&app).await, OPEN, &[]) <= open_before {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(closed, "the subscription was still counted open after the socket closed");

        app.stop().await;
    })
    .await;
}

/// A panic while a commit is applied to the engine's memory makes the engine restore its
/// state from the index; that restore is counted as a rebuild with cause `restore`.
#[tokio::test]
async fn an_engine_restore_after_a_panic_is_counted() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let restores = |samples: &[Sample]| {
        value(
            samples,
            "makermatch_engine_rebuilds_total",
            &[("cause", "restore")],
        )
    };
    let before = restores(&scrape(&app).await);
    let key = makermatch_api::index::index_dir(&t.config)
        .display()
        .to_string();
    fault::arm(&key, FaultPoint::Commit, 1);
    let created = app
        .data(
            "mutation RestoreProbe($input: FacilityInput!) { createFacility(input: $input) { uuid } }",
            json!({ "input": { "name": "Restore Lab", "location": { "country": "GH", "lat": 5.6, "lon": -0.19 } } }),
        )
        .await;
    assert!(created["createFacility"]["uuid"].is_string(), "{created}");
    assert_eq!(
        fault::remaining(&key, FaultPoint::Commit),
        0,
        "the fault fired"
    );
    let after = restores(&scrape(&app).await);
    assert!(
        after - before >= 1.0,
        "restores before {before}, after {after}"
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_can_be_switched_off() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.server.metrics = false;
    let app = TestApp::spawn_with(&t, config).await;
    let response = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    app.stop().await;
}

#[test]
fn the_parser_reads_labels_and_escapes() {
    let samples = parse(
        "# HELP x a counter\n# TYPE x counter\nx{a=\"1\",b=\"q\\\"uote\"} 3\ny 2.5\nz_bucket{le=\"+Inf\"} 7\n",
    );
    assert_eq!(value(&samples, "x", &[("b", "q\"uote")]), 3.0);
    assert_eq!(value(&samples, "y", &[]), 2.5);
    assert_eq!(value(&samples, "z_bucket", &[("le", "+Inf")]), 7.0);
}
