//! Event latency (issue 6): how long after a `transitionAssignment` mutation answers its
//! event reaches a `graphql-transport-ws` subscriber of `jobEvents` and of
//! `assignmentEvents`. A measurement, not a test: it asserts nothing about time.
//!
//! Runs assignments of one item through PROPOSED → ACCEPTED → IN_PRODUCTION → DELIVERED →
//! COMPLETED (four transitions each, as an admin) until TRANSITIONS transitions were made,
//! one at a time, and prints percentiles of
//! - response → event: from the mutation's HTTP response (body read) to the subscription
//!   message; negative when the event came first (the server publishes after the commit,
//!   before it writes the response);
//! - request → event: from sending the mutation to the message, an upper bound of
//!   commit → event (the commit happens between the two).
//!
//! ```sh
//! # Against a running server (bench/events.sh starts a release build and does this):
//! EVENTS_BENCH_URL=http://127.0.0.1:8080 EVENTS_BENCH_TOKEN=$(makermatch token --role admin --sub bench) \
//!   cargo run -p makermatch-tests --example event_latency -- 200
//! # Or in-process, on a fresh SQLite database (the server is then built in this profile):
//! cargo run -p makermatch-tests --example event_latency -- 200
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measuring tool

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const STEPS: [(&str, &str); 4] = [
    ("ACCEPT", "ACCEPTED"),
    ("START_PRODUCTION", "IN_PRODUCTION"),
    ("DELIVER", "DELIVERED"),
    ("COMPLETE", "COMPLETED"),
];

/// A subscription message: which subscription, assignment, state, and when it arrived.
struct Arrival {
    subscription: String,
    assignment: String,
    to: String,
    at: Instant,
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn data(&self, query: &str, variables: Value) -> Value {
        let body: Value = self
            .http
            .post(format!("{}/graphql", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("POST /graphql")
            .json()
            .await
            .expect("a JSON body");
        assert!(body.get("errors").is_none(), "errors: {body}");
        body["data"].clone()
    }
}

/// Waits for the messages of both subscriptions about `assignment` reaching `to`.
async fn both(
    rx: &mut mpsc::UnboundedReceiver<Arrival>,
    assignment: &str,
    to: &str,
) -> (Instant, Instant) {
    let (mut job, mut facility) = (None, None);
    while job.is_none() || facility.is_none() {
        let a = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no {to} event for {assignment} within 10 s"))
            .expect("the socket closed");
        if a.assignment != assignment || a.to != to {
            panic!(
                "unexpected event {} {} on {} while waiting for {assignment} {to}",
                a.assignment, a.to, a.subscription
            );
        }
        match a.subscription.as_str() {
            "job" => job = Some(a.at),
            _ => facility = Some(a.at),
        }
    }
    (job.unwrap(), facility.unwrap())
}

fn millis(from: Instant, to: Instant) -> f64 {
    if to >= from {
        (to - from).as_secs_f64() * 1e3
    } else {
        -((from - to).as_secs_f64() * 1e3)
    }
}

/// Percentiles of signed milliseconds (negative: the event came before the response).
fn report(name: &str, mut v: Vec<f64>) {
    let early = v.iter().filter(|x| **x < 0.0).count();
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    println!(
        "{name:<36} n={:<4} p50={:>7.3} ms  p90={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms  (event first: {early})",
        v.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        v[v.len() - 1],
    );
}

#[tokio::main]
async fn main() {
    let transitions: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("TRANSITIONS: a number"))
        .unwrap_or(200);
    let assignments = transitions.div_ceil(STEPS.len());

    // A running server, or one started here on a fresh SQLite database.
    let mut local = None;
    let client = match (
        std::env::var("EVENTS_BENCH_URL"),
        std::env::var("EVENTS_BENCH_TOKEN"),
    ) {
        (Ok(base), Ok(token)) => Client {
            http: reqwest::Client::new(),
            base,
            token: token.trim().to_owned(),
        },
        _ => {
            let db = makermatch_tests::TestDb::sqlite().await;
            let app = makermatch_tests::TestApp::spawn(&db).await;
            let c = Client {
                http: reqwest::Client::new(),
                base: app.base.clone(),
                token: app.token.clone(),
            };
            local = Some((db, app));
            c
        }
    };

    let facility = client
        .data(
            "mutation { createFacility(input: { name: \"Latency Lab\" }) { id } }",
            json!({}),
        )
        .await["createFacility"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job = client
        .data(
            "mutation($q: Int!) { createJob(input: { title: \"Latency run\", quantity: $q, status: OPEN }) { id } }",
            json!({ "q": assignments }),
        )
        .await["createJob"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let url = format!("{}/graphql", client.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let (mut sink, mut stream) = ws.split();
    sink.send(Message::text(
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", client.token) } })
            .to_string(),
    ))
    .await
    .unwrap();
    let ack = stream.next().await.unwrap().unwrap();
    assert!(ack.to_string().contains("connection_ack"), "{ack}");
    for (id, query, variables) in [
        (
            "job",
            "subscription($j: ID!) { jobEvents(jobId: $j) { assignmentId toStatus } }",
            json!({ "j": job }),
        ),
        (
            "facility",
            "subscription($f: ID!) { assignmentEvents(facilityId: $f) { assignmentId toStatus } }",
            json!({ "f": facility }),
        ),
    ] {
        sink.send(Message::text(
            json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })
                .to_string(),
        ))
        .await
        .unwrap();
    }
    // Stamp every message as it arrives, apart from the requests.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            let at = Instant::now();
            let Message::Text(text) = msg else { continue };
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["type"] != "next" {
                assert!(v["type"] == "ping" || v["type"] == "pong", "{v}");
                continue;
            }
            let id = v["id"].as_str().unwrap_or_default().to_owned();
            let event = if id == "job" {
                &v["payload"]["data"]["jobEvents"]
            } else {
                &v["payload"]["data"]["assignmentEvents"]
            };
            let arrival = Arrival {
                subscription: id,
                assignment: event["assignmentId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                to: event["toStatus"].as_str().unwrap_or_default().to_owned(),
                at,
            };
            if tx.send(arrival).is_err() {
                break;
            }
        }
    });
    // Let both subscriptions register before the first event.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (mut response_to_job, mut response_to_facility) = (Vec::new(), Vec::new());
    let (mut request_to_job, mut request_to_facility) = (Vec::new(), Vec::new());
    let mut mutation_ms = Vec::new();
    let started = Instant::now();
    'run: for _ in 0..assignments {
        let proposed = client
            .data(
                "mutation($j: ID!, $f: ID!) { proposeAssignment(input: { jobId: $j, facilityId: $f, quantity: 1 }) { id } }",
                json!({ "j": job, "f": facility }),
            )
            .await["proposeAssignment"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        both(&mut rx, &proposed, "PROPOSED").await;
        for (step, to) in STEPS {
            if request_to_job.len() == transitions {
                break 'run;
            }
            let sent = Instant::now();
            let answer = client
                .data(
                    "mutation($id: ID!, $s: AssignmentStep!) { transitionAssignment(id: $id, step: $s) { status } }",
                    json!({ "id": proposed, "s": step }),
                )
                .await;
            let answered = Instant::now();
            assert_eq!(answer["transitionAssignment"]["status"], to);
            let (job_at, facility_at) = both(&mut rx, &proposed, to).await;
            mutation_ms.push(millis(sent, answered));
            response_to_job.push(millis(answered, job_at));
            response_to_facility.push(millis(answered, facility_at));
            request_to_job.push(millis(sent, job_at));
            request_to_facility.push(millis(sent, facility_at));
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{} transitions ({} assignments) against {} in {:.2} s",
        request_to_job.len(),
        assignments,
        if local.is_some() {
            "an in-process server on SQLite".to_owned()
        } else {
            client.base.clone()
        },
        elapsed.as_secs_f64()
    );
    report("transitionAssignment round trip", mutation_ms);
    report("response -> jobEvents", response_to_job);
    report("response -> assignmentEvents", response_to_facility);
    report("request -> jobEvents (>= commit)", request_to_job);
    report("request -> assignmentEvents", request_to_facility);
    reader.abort();
    if let Some((_db, app)) = local {
        app.stop().await;
    }
}
