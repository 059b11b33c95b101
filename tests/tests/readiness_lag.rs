//! `/readyz` tells a load balancer the truth about a replica's index: a server restarted
//! far behind the outbox says 503, and how far behind, until it has caught up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_tests::{TestApp, TestDb, on_each_backend};

#[tokio::test]
async fn a_replica_restarted_far_behind_is_not_ready_until_it_caught_up() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        app.stop().await;
        // Writes the stopped server's index has not seen (an import by another process,
        // another replica).
        let db = t.connect().await;
        for n in 0..600 {
            let mut input = FacilityInput::named(format!("Written while down {n}"));
            input.location.lat = Some(5.0 + n as f64 * 0.001);
            input.location.lon = Some(-0.2);
            facilities::create(&db, input).await.unwrap();
        }
        // Catching up slowly: one outbox row per read, a commit every 300 ms.
        let mut config = t.config.clone();
        config.index.batch = 1;
        config.index.commit_interval_ms = 300;
        config.index.max_ready_lag = 50;
        let ready = makermatch_api::startup::prepare(&config).await.unwrap();
        let server = makermatch_api::server::serve(
            &config,
            ready.db.clone(),
            &ready.taxonomy,
            std::future::pending(),
        )
        .await
        .unwrap();
        let client = reqwest::Client::new();
        let url = format!("http://{}/readyz", server.addr);
        let mut behind = Vec::new();
        let mut caught_up = false;
        for _ in 0..1_200 {
            let r = client.get(&url).send().await.unwrap();
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            if status == 200 {
                caught_up = true;
                break;
            }
            assert_eq!(status, 503, "{body}");
            behind.push(body);
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(caught_up, "never ready: {:?}", behind.last());
        // Old code: ready at once.
        let first = behind
            .first()
            .expect("ready while hundreds of entries behind");
        assert!(
            first.contains("outbox entries behind") && first.contains("index.max_ready_lag"),
            "{first}"
        );
        server.stop().await.unwrap();
        // Ready within the lag; the rest follows.
        let app = TestApp::spawn(&t).await;
        let head = makermatch_api::services::outbox::last_seq(&app.db)
            .await
            .unwrap()
            .unwrap();
        app.wait_indexed(head).await;
        let count = app
            .data("{ searchIndex { facilities } }", serde_json::json!({}))
            .await;
        assert_eq!(count["searchIndex"]["facilities"], serde_json::json!(600));
        app.stop().await;
    })
    .await;
}
