//! The real server on 127.0.0.1:0: readiness, GraphQL over HTTP, GraphiQL, health.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use makermatch_api::server;
use makermatch_tests::{TestDb, on_each_backend};
use serde_json::{Value, json};

async fn wait_ready(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base}/readyz never answered 200");
}

#[tokio::test]
async fn graphql_answers_over_http() {
    on_each_backend(|t: TestDb| async move {
        let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
        let running = server::serve(
            &t.config,
            ready.db.clone(),
            &ready.taxonomy,
            std::future::pending(),
        )
        .await
        .unwrap();
        let base = format!("http://{}", running.addr);
        wait_ready(&base).await;
        let client = reqwest::Client::new();

        let body: Value = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": "{ version stats { facilities makers jobs processes } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(body["data"]["stats"]["facilities"], 0);
        assert!(
            body["data"]["stats"]["processes"].as_u64().unwrap() >= 60,
            "the taxonomy is stored: {body}"
        );

        // GraphiQL for a browser's request for a page (others get GraphQL over GET).
        let page = client
            .get(format!("{base}/graphql"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert!(page.status().is_success());
        assert!(
            page.text()
                .await
                .unwrap()
                .to_lowercase()
                .contains("graphiql")
        );

        let health = client.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);

        let wrong = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": "{ nope }" }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        assert!(
            wrong["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("nope"),
            "{wrong}"
        );

        let too_big = "x".repeat(3 * 1024 * 1024);
        let status = client
            .post(format!("{base}/graphql"))
            .header("content-type", "application/json")
            .body(format!("{{\"query\": \"{too_big}\"}}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 413, "bodies over 2 MB are refused");

        running.stop().await.unwrap();
        assert!(
            client.get(format!("{base}/healthz")).send().await.is_err(),
            "stopped server still answers"
        );
    })
    .await;
}
