//! A server on a database it may not write (issue 24: reads from a hot standby). The test
//! makes a PostgreSQL database read-only the way a standby is (`default_transaction_read_only`,
//! so every write fails); a plain server refuses to start on it, one with `server.read_only`
//! serves reads from it and refuses mutations on both doors, naming the setting.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use futures::{SinkExt, StreamExt};
use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_tests::{TestApp, TestDb};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn a_read_only_server_serves_reads_from_a_database_it_cannot_write() {
    let Some(url) = makermatch_tests::postgres_url() else {
        println!("skipped: set MAKERMATCH_TEST_POSTGRES_URL to run the read-only test");
        return;
    };
    let t = TestDb::postgres(&url).await;
    // The primary's work: schema, taxonomy, a facility.
    let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
    facilities::create(&ready.db, FacilityInput::named("Kumasi Hive Foundry"))
        .await
        .unwrap();
    ready.db.close().await.unwrap();
    let database_url = t.config.effective_database_url();
    let name = database_url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let admin = Database::connect(url.as_str()).await.unwrap();
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {name} SET default_transaction_read_only = on"
        ))
        .await
        .unwrap();

    // Without the setting: start-up writes, so it stops with the database's refusal.
    let refused = makermatch_api::startup::prepare(&t.config).await;
    assert!(
        refused.is_err(),
        "a plain server started on a read-only database"
    );

    let mut config = t.config.clone();
    config.server.read_only = true;
    config.data_dir = t.dir.path().join("standby");
    let app = TestApp::spawn_with(&t, config).await;
    let found = app
        .data(
            "{ facilities(text: \"Kumasi Hive\", first: 5) { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        found["facilities"]["nodes"][0]["name"], "Kumasi Hive Foundry",
        "{found}"
    );
    let ready = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    let create = "mutation { createFacility(input: { name: \"Tamale Works\" }) { id } }";
    let over_http = app.gql(create, json!({})).await;
    assert_eq!(
        over_http["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{over_http}"
    );
    assert!(
        over_http["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("server.read_only"),
        "{over_http}"
    );

    let url = format!("{}/graphql", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    for message in [
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", app.token) } }),
        json!({ "id": "1", "type": "subscribe", "payload": { "query": create } }),
    ] {
        ws.send(Message::text(message.to_string())).await.unwrap();
    }
    let mut answer = Value::Null;
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Text(text) = message {
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["id"] == "1" {
                answer = v;
                break;
            }
        }
    }
    assert!(
        answer.to_string().contains("server.read_only"),
        "over a WebSocket too: {answer}"
    );
    app.stop().await;
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {name} SET default_transaction_read_only = off"
        ))
        .await
        .unwrap();
}
