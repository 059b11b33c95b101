//! Subscriptions over `graphql-transport-ws` on the real server: a coordinator follows a
//! job through a full prototype → QA → production → delivery run; sockets without a
//! valid token are refused where the subscription needs one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use makermatch_api::services::actor::Role;
use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_api::services::jobs::{self, JobInput};
use makermatch_api::services::makers::{self, AffiliationInput, MakerInput};
use makermatch_tests::{TestApp, TestDb};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

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

/// The next JSON message, skipping pings; `None` when the socket closes.
async fn next(ws: &mut Socket) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")?;
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
async fn a_subscriber_sees_every_step_of_a_run() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let facility = facilities::create(&app.db, FacilityInput::named("Gearbox Nairobi"))
        .await
        .unwrap()
        .value
        .id;
    let member = makers::create(
        &app.db,
        MakerInput {
            first_name: Some("Wanjiru".into()),
            affiliations: vec![AffiliationInput {
                facility_id: facility,
                role: "staff".into(),
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .value
    .id;
    let mut job = JobInput::new("Oxygen concentrator parts", 20);
    job.prototype_first = true;
    job.qa_inspector = Some("qa@ima".into());
    let job = jobs::create_job(&app.db, job).await.unwrap().value.id;

    let mut ws = connect(
        &app,
        json!({ "Authorization": format!("Bearer {}", app.token) }),
    )
    .await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    ws.send(Message::text(
        json!({
            "id": "1", "type": "subscribe",
            "payload": { "query": "subscription($j: ID!) { jobEvents(jobId: $j) { fromStatus toStatus actor note quantity } }", "variables": { "j": job.to_string() } }
        })
        .to_string(),
    ))
    .await
    .unwrap();
    // Let the subscription register before the first transition.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let proposed = app
        .data(
            "mutation($j: ID!, $f: ID!) { proposeAssignment(input: { jobId: $j, facilityId: $f, quantity: 20 }) { id status } }",
            json!({ "j": job.to_string(), "f": facility.to_string() }),
        )
        .await;
    let id = proposed["proposeAssignment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let maker = app.token_for(Role::Maker, "wanjiru", Some(member), None);
    let inspector = app.token_for(Role::Inspector, "qa@ima", None, None);
    let steps = [
        (&maker, "ACCEPT", "ACCEPTED"),
        (&maker, "SUBMIT_PROTOTYPE", "PROTOTYPE_SUBMITTED"),
        (&inspector, "APPROVE_PROTOTYPE", "PROTOTYPE_APPROVED"),
        (&maker, "START_PRODUCTION", "IN_PRODUCTION"),
        (&maker, "DELIVER", "DELIVERED"),
        (&app.token, "COMPLETE", "COMPLETED"),
    ];
    for (token, step, _) in &steps {
        let r = app
            .gql_as(
                Some(token),
                "mutation($id: ID!, $s: AssignmentStep!) { transitionAssignment(id: $id, step: $s, note: \"fine\") { status } }",
                json!({ "id": id, "s": step }),
            )
            .await;
        assert!(r.get("errors").is_none(), "{step}: {r}");
    }
    let mut seen = Vec::new();
    for _ in 0..7 {
        let msg = next(&mut ws).await.expect("an event");
        assert_eq!(msg["type"], "next", "{msg}");
        seen.push(
            msg["payload"]["data"]["jobEvents"]["toStatus"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let expected: Vec<String> = std::iter::once("PROPOSED")
        .chain(steps.iter().map(|(_, _, to)| *to))
        .map(str::to_owned)
        .collect();
    assert_eq!(seen, expected);

    // An invalid step now: CONFLICT, and no event.
    let again = app
        .gql(
            "mutation($id: ID!) { transitionAssignment(id: $id, step: CANCEL) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(again["errors"][0]["extensions"]["code"], "CONFLICT");
    let history = app
        .data(
            "query($j: ID!) { assignments(jobId: $j) { status history { toStatus actor } } }",
            json!({ "j": job.to_string() }),
        )
        .await;
    assert_eq!(
        history["assignments"][0]["history"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    app.stop().await;
}

#[tokio::test]
async fn subscriptions_need_a_valid_token() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let job = jobs::create_job(&app.db, JobInput::new("Splints", 10))
        .await
        .unwrap()
        .value
        .id;
    let subscribe = json!({
        "id": "1", "type": "subscribe",
        "payload": { "query": "subscription($j: ID!) { jobEvents(jobId: $j) { toStatus } }", "variables": { "j": job.to_string() } }
    });

    // Anonymous: the connection opens, the subscription is refused.
    let mut ws = connect(&app, json!({})).await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    ws.send(Message::text(subscribe.to_string())).await.unwrap();
    let refused = next(&mut ws).await.unwrap();
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );
    assert!(refused["payload"]["data"].is_null());

    // A maker of no facility of the job: FORBIDDEN.
    let maker = app.token_for(Role::Maker, "someone", Some(uuid::Uuid::now_v7()), None);
    let mut ws = connect(&app, json!({ "token": maker })).await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "connection_ack");
    ws.send(Message::text(subscribe.to_string())).await.unwrap();
    let refused = next(&mut ws).await.unwrap();
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );

    // A bad token: the connection is closed.
    let mut ws = connect(&app, json!({ "Authorization": "Bearer not-a-token" })).await;
    let closed = next(&mut ws).await;
    assert!(
        closed.is_none() || closed.as_ref().unwrap()["type"] != "connection_ack",
        "{closed:?}"
    );
    app.stop().await;
}

/// Subscribes `ws` to the job's events (after `after`, when given) under `id`.
async fn follow_job(ws: &mut Socket, id: &str, job: &str, after: Option<&str>) {
    ws.send(Message::text(
        json!({
            "id": id, "type": "subscribe",
            "payload": {
                "query": "subscription($j: ID!, $a: ID) { jobEvents(jobId: $j, after: $a) { eventId toStatus } }",
                "variables": { "j": job, "a": after }
            }
        })
        .to_string(),
    ))
    .await
    .unwrap();
}

/// The next `n` events on `ws`: (eventId, toStatus).
async fn events(ws: &mut Socket, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while out.len() < n {
        let msg = next(ws).await.expect("an event");
        assert_eq!(msg["type"], "next", "{msg}");
        let e = &msg["payload"]["data"]["jobEvents"];
        out.push((
            e["eventId"].as_str().unwrap().to_owned(),
            e["toStatus"].as_str().unwrap().to_owned(),
        ));
    }
    out
}

/// Whether nothing but pings arrives on `ws` for `ms` milliseconds.
async fn quiet(ws: &mut Socket, ms: u64) -> bool {
    tokio::time::timeout(Duration::from_millis(ms), next(ws))
        .await
        .is_err()
}

#[tokio::test]
async fn subscribers_on_every_replica_see_every_transition_once_in_order_and_can_resume() {
    makermatch_tests::on_each_backend(|t: TestDb| async move {
        const SECRET: &str = "events-test-secret-shared-by-both-replicas";
        let mut a = t.config.clone();
        a.index.replica = "a".to_owned();
        a.auth.hs256_secret = Some(SECRET.to_owned());
        let mut b = a.clone();
        b.index.replica = "b".to_owned();
        // B polls rarely: on PostgreSQL what it sees of A's commits comes by NOTIFY.
        b.index.poll_interval_ms = 1_500;
        b.data_dir = t.dir.path().join("replica-b");
        b.database_url = Some(a.effective_database_url());
        let a = TestApp::spawn_with(&t, a).await;
        let b = TestApp::spawn_with(&t, b).await;
        let facility = facilities::create(&a.db, FacilityInput::named("Gearbox Nairobi"))
            .await
            .unwrap()
            .value
            .id
            .to_string();
        let job = jobs::create_job(&a.db, JobInput::new("Splints", 40))
            .await
            .unwrap()
            .value
            .id
            .to_string();
        let auth = |app: &TestApp| json!({ "Authorization": format!("Bearer {}", app.token) });
        let mut on_a = connect(&a, auth(&a)).await;
        let mut on_b = connect(&b, auth(&b)).await;
        for ws in [&mut on_a, &mut on_b] {
            assert_eq!(next(ws).await.unwrap()["type"], "connection_ack");
            follow_job(ws, "1", &job, None).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;

        let propose = "mutation($j: ID!, $f: ID!) { proposeAssignment(input: { jobId: $j, facilityId: $f, quantity: 20 }) { id } }";
        let proposed = a.data(propose, json!({ "j": job, "f": facility })).await;
        let id = proposed["proposeAssignment"]["id"].as_str().unwrap().to_owned();
        let steps = ["ACCEPT", "START_PRODUCTION", "DELIVER", "COMPLETE"];
        for step in steps {
            a.data(
                "mutation($id: ID!, $s: AssignmentStep!) { transitionAssignment(id: $id, step: $s) { status } }",
                json!({ "id": id, "s": step }),
            )
            .await;
        }
        let seen_a = events(&mut on_a, 5).await;
        let seen_b = events(&mut on_b, 5).await;
        let statuses: Vec<&str> = seen_b.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            statuses,
            ["PROPOSED", "ACCEPTED", "IN_PRODUCTION", "DELIVERED", "COMPLETED"],
            "replica b's subscriber saw replica a's transitions, in order"
        );
        assert_eq!(seen_a, seen_b, "the same events, with the same ids, on both");
        let ids: Vec<i64> = seen_b.iter().map(|(id, _)| id.parse().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert!(quiet(&mut on_b, 700).await, "each event once");

        // A client that saw the first two resumes on the other replica: the rest first,
        // then what happens next.
        let mut resumed = connect(&b, auth(&b)).await;
        assert_eq!(next(&mut resumed).await.unwrap()["type"], "connection_ack");
        follow_job(&mut resumed, "2", &job, Some(&seen_a[1].0)).await;
        assert_eq!(events(&mut resumed, 3).await, seen_a[2..].to_vec());
        tokio::time::sleep(Duration::from_millis(300)).await;
        b.data(propose, json!({ "j": job, "f": facility })).await;
        let live = events(&mut resumed, 1).await;
        assert_eq!(live[0].1, "PROPOSED");
        assert!(live[0].0.parse::<i64>().unwrap() > ids[4]);
        assert_eq!(events(&mut on_a, 1).await, live, "and replica a's subscriber too");

        // Not an event id: refused, naming the argument.
        follow_job(&mut resumed, "3", &job, Some("yesterday")).await;
        let refused = next(&mut resumed).await.unwrap();
        let error = &refused["payload"]["errors"][0]["extensions"];
        assert_eq!(error["code"], "BAD_USER_INPUT", "{refused}");
        assert_eq!(error["field"], "after", "{refused}");
        a.stop().await;
        b.stop().await;
    })
    .await;
}
