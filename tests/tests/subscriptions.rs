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
