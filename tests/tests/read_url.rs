//! One server reading from a hot standby and writing to the primary (`database.read_url`,
//! issue 24). The standby here is a copy of the primary made read-only the way a standby
//! is (`default_transaction_read_only`, so a write sent there fails). It is a copy frozen
//! in time, so what a request shows tells which database answered it: queries read the
//! standby, mutations and requests carrying a consistency token the primary, and the index
//! is rebuilt from the standby and then follows the primary's outbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use futures::{SinkExt, StreamExt};
use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_tests::{TestApp, TestDb};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn database_name(url: &str) -> String {
    url.rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

fn with_database(url: &str, from: &str, to: &str) -> String {
    url.replacen(&format!("/{from}"), &format!("/{to}"), 1)
}

/// A query over a WebSocket, with `init` as the `connection_init` payload; the answer.
async fn over_socket(app: &TestApp, init: Value, query: &str) -> Value {
    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    for message in [
        json!({ "type": "connection_init", "payload": init }),
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    ] {
        ws.send(Message::text(message.to_string())).await.unwrap();
    }
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Text(text) = message {
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["id"] == "1" {
                return v["payload"].clone();
            }
        }
    }
    panic!("the socket closed without answering");
}

#[tokio::test]
async fn queries_read_the_standby_and_writes_go_to_the_primary() {
    let Some(base) = makermatch_tests::postgres_url() else {
        println!("skipped: set MAKERMATCH_TEST_POSTGRES_URL to run the read_url test");
        return;
    };
    let t = TestDb::postgres(&base).await;
    let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
    let kumasi = facilities::create(&ready.db, FacilityInput::named("Kumasi Hive Foundry"))
        .await
        .unwrap();
    ready.db.close().await.unwrap();

    let primary_url = t.config.effective_database_url();
    let primary = database_name(&primary_url);
    let standby = format!("{primary}_standby");
    let admin = Database::connect(base.as_str()).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {standby} TEMPLATE {primary}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {standby} SET default_transaction_read_only = on"
        ))
        .await
        .unwrap();
    // Renamed on the primary behind the outbox's back: an index rebuilt from the primary
    // would know the facility by its new name only.
    let raw = Database::connect(primary_url.as_str()).await.unwrap();
    raw.execute_unprepared(&format!(
        "UPDATE facilities SET name = 'Renamed On The Primary' WHERE id = '{}'",
        kumasi.value.id
    ))
    .await
    .unwrap();

    let mut config = t.config.clone();
    config.database.read_url = Some(with_database(&primary_url, &primary, &standby));
    let app = TestApp::spawn_with(&t, config.clone()).await;

    // The index was rebuilt from the standby, and the rows come from the standby.
    let search = "{ facilities(text: \"Kumasi Hive\", first: 5) { nodes { name } } }";
    let found = app.data(search, json!({})).await;
    assert_eq!(
        found["facilities"]["nodes"],
        json!([{ "name": "Kumasi Hive Foundry" }]),
        "{found}"
    );

    // A mutation writes to the primary (the standby refuses writes) and its answer is read
    // there too.
    let created = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&app.token)
        .json(&json!({ "query": "mutation { createFacility(input: { name: \"Tamale Works\" }) { id name } }" }))
        .send()
        .await
        .unwrap();
    let token = created
        .headers()
        .get("x-makermatch-consistency")
        .expect("a consistency token")
        .to_str()
        .unwrap()
        .to_owned();
    let created: Value = created.json().await.unwrap();
    assert!(created.get("errors").is_none(), "{created}");
    assert_eq!(created["data"]["createFacility"]["name"], "Tamale Works");
    let id = created["data"]["createFacility"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Read without the token: the standby, which (frozen here) never received it.
    let by_id = format!("{{ facility(id: \"{id}\") {{ name }} }}");
    let plain = app.data(&by_id, json!({})).await;
    assert_eq!(plain["facility"], Value::Null, "{plain}");
    // Read with the token: the primary, which has it.
    let with_token: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&app.token)
        .header("x-makermatch-consistency", &token)
        .json(&json!({ "query": by_id }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        with_token["data"]["facility"]["name"], "Tamale Works",
        "{with_token}"
    );
    // The index follows the primary's outbox: the new facility is searchable at once.
    let tamale: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&app.token)
        .header("x-makermatch-consistency", &token)
        .json(&json!({ "query": "{ facilities(text: \"Tamale\", first: 5) { nodes { name } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        tamale["data"]["facilities"]["nodes"],
        json!([{ "name": "Tamale Works" }]),
        "{tamale}"
    );

    // The same routing over a WebSocket: the token in connection_init means the primary.
    let bearer = format!("Bearer {}", app.token);
    let plain = over_socket(&app, json!({ "Authorization": bearer }), &by_id).await;
    assert_eq!(plain["data"]["facility"], Value::Null, "{plain}");
    let with_token = over_socket(
        &app,
        json!({ "Authorization": bearer, "consistency": token }),
        &by_id,
    )
    .await;
    assert_eq!(
        with_token["data"]["facility"]["name"], "Tamale Works",
        "{with_token}"
    );
    // Mutations over a WebSocket reach the primary.
    let socket_write = over_socket(
        &app,
        json!({ "Authorization": bearer }),
        "mutation { createFacility(input: { name: \"Bolgatanga Makers\" }) { name } }",
    )
    .await;
    assert_eq!(
        socket_write["data"]["createFacility"]["name"], "Bolgatanga Makers",
        "{socket_write}"
    );

    // A standby that goes away costs the primary load, not answers: once it is found
    // silent (it is asked every second), queries read the primary.
    admin
        .execute_unprepared(&format!("DROP DATABASE {standby} WITH (FORCE)"))
        .await
        .unwrap();
    let mut answered = Value::Null;
    for _ in 0..100 {
        let body = app.gql(&by_id, json!({})).await;
        if body["data"]["facility"]["name"] == "Tamale Works" {
            answered = body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        answered["data"]["facility"]["name"], "Tamale Works",
        "queries never fell back to the primary"
    );
    let readyz = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(readyz.status(), 200);
    app.stop().await;

    // A replica (re)started while its standby is away starts all the same, on the primary.
    let app = TestApp::spawn_with(&t, config).await;
    let body = app.data(&by_id, json!({})).await;
    assert_eq!(body["facility"]["name"], "Tamale Works", "{body}");
    app.stop().await;
}
