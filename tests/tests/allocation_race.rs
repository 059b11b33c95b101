//! Two coordinators allocate the same job at the same moment: one plan is proposed whole,
//! the other is refused with `CONFLICT` and leaves nothing behind; a job never holds more
//! than its quantity. A retry racing its original under one idempotency key gets the same
//! answer, and the plan is stored once. On PostgreSQL the two calls go through two servers (two replicas on
//! one database); on SQLite through one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_entities::assignment;
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const ALLOCATE: &str =
    "mutation($j: ID!) { allocateJob(jobId: $j) { decisions { quantity assignmentId } } }";

const ALLOCATE_WITH_KEY: &str = "mutation($j: ID!, $k: String) { allocateJob(jobId: $j, idempotencyKey: $k) { replayed decisions { quantity assignmentId } } }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn concurrent_allocations_of_one_job_propose_one_plan_whole() {
    on_each_backend(|t: TestDb| async move {
        let mut config = t.config.clone();
        config.auth.rate_limit_per_minute = 0;
        let a = TestApp::spawn_with(&t, config.clone()).await;
        let second_index = tempfile::tempdir().unwrap();
        let b = if t
            .config
            .database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres"))
        {
            let mut other = config.clone();
            other.index.dir = Some(second_index.path().to_path_buf());
            other.index.replica = "second".to_owned();
            Some(TestApp::spawn_with(&t, other).await)
        } else {
            None
        };
        // Twelve spaces around the delivery point, each able to take 50.
        for i in 0..12 {
            a.data(
                "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }",
                json!({ "input": {
                    "name": format!("Space {i}"),
                    "location": { "country": "GH", "lat": 5.6 + 0.01 * f64::from(i), "lon": -0.2 },
                    "typicalBatchSize": "UP_TO_50",
                    "processes": ["fdm"],
                }}),
            )
            .await;
        }
        for round in 0..6 {
            let job = a
                .data(
                    "mutation($input: JobInput!) { createJob(input: $input) { id uuid } }",
                    json!({ "input": {
                        "title": format!("Face shields {round}"), "quantity": 500, "status": "OPEN",
                        "unitPrice": { "amountMinor": 200, "currency": "USD" },
                        "deliveryPoint": { "lat": 5.6, "lon": -0.2 },
                        "requirements": [{ "kind": "PROCESS", "term": "3d-printing" }],
                    }}),
                )
                .await["createJob"]
                .clone();
            let vars = json!({ "j": job["id"] });
            let other = b.as_ref().unwrap_or(&a);
            let (first, second) = tokio::join!(
                a.gql(ALLOCATE, vars.clone()),
                other.gql(ALLOCATE, vars.clone())
            );
            let mut proposed = 0;
            let mut winners = 0;
            for answer in [&first, &second] {
                if answer.get("errors").is_some() {
                    assert_eq!(code(answer), "CONFLICT", "round {round}: {answer}");
                    continue;
                }
                winners += 1;
                for d in answer["data"]["allocateJob"]["decisions"]
                    .as_array()
                    .unwrap()
                {
                    if d["quantity"].as_i64().unwrap() > 0 {
                        assert!(d["assignmentId"].is_string(), "round {round}: {d}");
                        proposed += d["quantity"].as_i64().unwrap();
                    }
                }
            }
            assert_eq!(
                winners, 1,
                "round {round}: exactly one plan wins: {first} {second}"
            );
            let job_id: uuid::Uuid = job["uuid"].as_str().unwrap().parse().unwrap();
            let stored = assignment::Entity::find()
                .filter(assignment::Column::JobId.eq(job_id))
                .all(&a.db)
                .await
                .unwrap();
            let stored_total: i64 = stored.iter().map(|r| i64::from(r.quantity)).sum();
            assert_eq!(
                stored_total, proposed,
                "round {round}: only the winning plan is stored"
            );
            assert!(
                stored_total <= 500,
                "round {round}: {stored_total} of 500 assigned"
            );
        }
        // A retry racing its original (same idempotency key): both answer the same plan,
        // one of them as a replay, and it is stored once.
        for round in 0..4 {
            let job = a
                .data(
                    "mutation($input: JobInput!) { createJob(input: $input) { id uuid } }",
                    json!({ "input": {
                        "title": format!("Retried face shields {round}"), "quantity": 500, "status": "OPEN",
                        "unitPrice": { "amountMinor": 200, "currency": "USD" },
                        "deliveryPoint": { "lat": 5.6, "lon": -0.2 },
                        "requirements": [{ "kind": "PROCESS", "term": "3d-printing" }],
                    }}),
                )
                .await["createJob"]
                .clone();
            let vars = json!({ "j": job["id"], "k": format!("retry-{round}") });
            let other = b.as_ref().unwrap_or(&a);
            let (first, second) = tokio::join!(
                a.gql(ALLOCATE_WITH_KEY, vars.clone()),
                other.gql(ALLOCATE_WITH_KEY, vars.clone())
            );
            for answer in [&first, &second] {
                assert!(answer.get("errors").is_none(), "round {round}: {answer}");
            }
            let (x, y) = (&first["data"]["allocateJob"], &second["data"]["allocateJob"]);
            assert_eq!(x["decisions"], y["decisions"], "round {round}: one answer");
            assert_eq!(
                [&x["replayed"], &y["replayed"]]
                    .iter()
                    .filter(|r| ***r == json!(true))
                    .count(),
                1,
                "round {round}: exactly one replay: {first} {second}"
            );
            let job_id: uuid::Uuid = job["uuid"].as_str().unwrap().parse().unwrap();
            let stored: i64 = assignment::Entity::find()
                .filter(assignment::Column::JobId.eq(job_id))
                .all(&a.db)
                .await
                .unwrap()
                .iter()
                .map(|r| i64::from(r.quantity))
                .sum();
            assert_eq!(stored, 500, "round {round}: the plan is stored once");
        }
        if let Some(b) = b {
            b.stop().await;
        }
        a.stop().await;
    })
    .await;
}
