//! A failure inside the search engine never takes a replica down for good (DESIGN §2,
//! "Survival"): a panic while a commit is applied, or inside a query, is caught; searches
//! answer `UNAVAILABLE` or correct results meanwhile; the engine rebuilds its state from the
//! index, or the index from the database; afterwards every row of the database is
//! searchable, and `/healthz` says so while it cannot recover.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_entities::{facility, maker};
use makermatch_search::engine::fault::{self, FaultPoint};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

const CREATE_FACILITY: &str =
    "mutation($input: FacilityInput!) { createFacility(input: $input) { uuid } }";
const CREATE_MAKER: &str = "mutation($input: MakerInput!) { createMaker(input: $input) { uuid } }";

fn fault_key(t: &TestDb) -> String {
    makermatch_api::index::index_dir(&t.config)
        .display()
        .to_string()
}

fn facility_input(n: usize) -> Value {
    json!({
        "name": format!("Recovery Lab {n}"),
        "location": { "country": "GH", "lat": 5.6 + n as f64 * 0.01, "lon": -0.19 },
    })
}

async fn create_facility(app: &TestApp, n: usize) -> Value {
    app.gql(CREATE_FACILITY, json!({ "input": facility_input(n) }))
        .await
}

async fn create_maker(app: &TestApp, n: usize) {
    app.data(
        CREATE_MAKER,
        json!({ "input": { "firstName": format!("Ama {n}"), "location": { "country": "GH", "lat": 5.6, "lon": -0.19 } } }),
    )
    .await;
}

/// Every id `field` (`facilities` or `makers`) lists through the search engine, or the
/// error code of the answer.
async fn listed(app: &TestApp, field: &str) -> Result<Vec<Uuid>, String> {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let query = format!(
            "query($after: String) {{ {field}(first: 100, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ uuid }} }} }}"
        );
        let body = app.gql(&query, json!({ "after": after })).await;
        if let Some(errors) = body.get("errors") {
            return Err(errors[0]["extensions"]["code"]
                .as_str()
                .unwrap_or("no code")
                .to_owned());
        }
        let page = &body["data"][field];
        ids.extend(
            page["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["uuid"].as_str().unwrap().parse::<Uuid>().unwrap()),
        );
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    ids.sort();
    Ok(ids)
}

async fn stored(db: &DatabaseConnection) -> (Vec<Uuid>, Vec<Uuid>) {
    let mut f: Vec<Uuid> = facility::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut m: Vec<Uuid> = maker::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    f.sort();
    m.sort();
    (f, m)
}

/// A search answered while the engine recovers: the right ids, or `UNAVAILABLE`.
fn acceptable(answer: &Result<Vec<Uuid>, String>) {
    if let Err(code) = answer {
        assert_eq!(
            code, "UNAVAILABLE",
            "a search failed otherwise than UNAVAILABLE"
        );
    }
}

/// Waits (bounded) until the index shows exactly what the database holds.
async fn index_equals_database(app: &TestApp) {
    let mut last = (Err(String::new()), Err(String::new()));
    for _ in 0..600 {
        let (f, m) = stored(&app.db).await;
        last = (listed(app, "facilities").await, listed(app, "makers").await);
        acceptable(&last.0);
        acceptable(&last.1);
        if last.0.as_ref() == Ok(&f) && last.1.as_ref() == Ok(&m) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the index never came to hold what the database holds: {last:?}");
}

async fn healthz(app: &TestApp) -> (u16, String) {
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_panic_applying_a_commit_loses_no_acknowledged_write() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        for n in 0..5 {
            assert!(create_facility(&app, n).await.get("errors").is_none());
        }
        create_maker(&app, 0).await;
        // The next commit panics inside the engine, its state's lock held (as rstar did).
        fault::arm(&fault_key(&t), FaultPoint::Commit, 1);
        let mut acknowledged = Vec::new();
        for n in 5..15 {
            let body = create_facility(&app, n).await;
            assert!(body.get("errors").is_none(), "a write failed: {body}");
            acknowledged.push(body["data"]["createFacility"]["uuid"].clone());
            acceptable(&listed(&app, "facilities").await);
        }
        create_maker(&app, 1).await;
        assert_eq!(
            fault::remaining(&fault_key(&t), FaultPoint::Commit),
            0,
            "the fault fired"
        );
        index_equals_database(&app).await;
        assert_eq!(healthz(&app).await.0, 200);
        // Searches, matching and writes go on as before.
        let body = create_facility(&app, 99).await;
        assert!(body.get("errors").is_none());
        index_equals_database(&app).await;
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_panicking_query_answers_unavailable_and_the_engine_goes_on() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    for n in 0..3 {
        assert!(create_facility(&app, n).await.get("errors").is_none());
    }
    fault::arm(&fault_key(&t), FaultPoint::Query, 1);
    // Old code: the panic ends the connection's task; no answer at all.
    assert_eq!(
        listed(&app, "facilities").await,
        Err("UNAVAILABLE".to_owned())
    );
    index_equals_database(&app).await;
    assert_eq!(healthz(&app).await.0, 200);
    app.stop().await;
}

#[tokio::test]
async fn an_engine_that_cannot_recover_fails_healthz_until_it_does() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.index.read_your_writes_timeout_ms = 300;
    let app = TestApp::spawn_with(&t, config).await;
    for n in 0..3 {
        assert!(create_facility(&app, n).await.get("errors").is_none());
    }
    assert_eq!(healthz(&app).await.0, 200);
    let key = fault_key(&t);
    // A commit panics, and so does every attempt to load a state: from the index, and
    // from the database after a refill.
    fault::arm(&key, FaultPoint::Commit, 1);
    fault::arm(&key, FaultPoint::Load, 1_000_000);
    let body = create_facility(&app, 3).await;
    assert!(body.get("errors").is_none(), "the write is stored: {body}");
    let mut unhealthy = None;
    for _ in 0..300 {
        let (status, reason) = healthz(&app).await;
        if status == 503 {
            unhealthy = Some(reason);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let reason = unhealthy.expect("/healthz never reported the failure");
    assert!(reason.contains("cannot recover"), "{reason}");
    assert_eq!(
        listed(&app, "facilities").await,
        Err("UNAVAILABLE".to_owned())
    );
    // The fault goes away (a transient failure): the indexer's next refill succeeds.
    fault::arm(&key, FaultPoint::Load, 0);
    index_equals_database(&app).await;
    let mut healthy = false;
    for _ in 0..300 {
        if healthz(&app).await.0 == 200 {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(healthy, "/healthz never recovered");
    app.stop().await;
}

#[tokio::test]
async fn a_restart_that_meets_the_failure_again_recovers_instead_of_crash_looping() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        for n in 0..3 {
            assert!(create_facility(&app, n).await.get("errors").is_none());
        }
        app.stop().await;
        // Writes the stopped server's index has not seen, replayed at the next start.
        let db = t.connect().await;
        for n in 0..5 {
            let mut input = FacilityInput::named(format!("Written while down {n}"));
            input.location.lat = Some(6.0);
            input.location.lon = Some(-1.0);
            facilities::create(&db, input).await.unwrap();
        }
        let key = fault_key(&t);
        // Replaying panics; and once more, loading the index at the next start.
        fault::arm(&key, FaultPoint::Commit, 1);
        let app = TestApp::spawn(&t).await;
        index_equals_database(&app).await;
        app.stop().await;
        fault::arm(&key, FaultPoint::Commit, 0);
        fault::arm(&key, FaultPoint::Load, 1);
        let app = TestApp::spawn(&t).await;
        assert_eq!(
            fault::remaining(&key, FaultPoint::Load),
            0,
            "loading the index panicked"
        );
        index_equals_database(&app).await;
        assert_eq!(healthz(&app).await.0, 200);
        app.stop().await;
    })
    .await;
}

/// A failure inside the engine while `matchJob` asks it is the service's, never the
/// caller's: `UNAVAILABLE` while the engine recovers (it was `CONFLICT` with the engine's
/// own message), and the same request answers afterwards.
#[tokio::test]
async fn a_match_that_meets_an_engine_failure_is_unavailable_not_a_conflict() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    for n in 0..3 {
        assert!(create_facility(&app, n).await.get("errors").is_none());
    }
    let job = app
        .data(
            "mutation { createJob(input: { title: \"Splints\", quantity: 10, status: OPEN, deliveryPoint: { lat: 5.6, lon: -0.2 }, requirements: [{ kind: PROCESS, term: \"fdm\" }] }) { id } }",
            json!({}),
        )
        .await["createJob"]["id"]
        .clone();
    let query = "query($j: ID!) { matchJob(jobId: $j) { score } }";
    fault::arm(&fault_key(&t), FaultPoint::Query, 1);
    let failed = app.gql(query, json!({ "j": job })).await;
    assert_eq!(
        failed["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{failed}"
    );
    assert!(
        !failed.to_string().contains("panic"),
        "engine detail leaked: {failed}"
    );
    let mut answered = false;
    for _ in 0..100 {
        let body = app.gql(query, json!({ "j": job })).await;
        if body.get("errors").is_none() {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        answered,
        "matchJob never answered again after the engine recovered"
    );
    app.stop().await;
}
