//! Allocation a coordinator would sign: distance to the delivery point counts by default, a
//! job's allocation stays within its reach, a programme's jobs keep to its region and its
//! participants, and a call retried with the same idempotency key answers the same and
//! proposes nothing twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::{BTreeMap, BTreeSet};

use makermatch_api::services::actor::Role;
use makermatch_entities::assignment;
use makermatch_tests::{TestApp, TestDb, haversine_km, on_each_backend};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const ACCRA: (f64, f64) = (5.6037, -0.1870);

const CREATE_FACILITY: &str =
    "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }";
const CREATE_JOB: &str = "mutation($input: JobInput!) { createJob(input: $input) { id } }";
const ALLOCATE_JOB: &str = "mutation($j: ID!, $o: AllocationOptionsInput, $k: String) { allocateJob(jobId: $j, options: $o, idempotencyKey: $k) { complete replayed decisions { facilityId facilityName quantity assignmentId reason } } }";
const ALLOCATE_PROGRAMME: &str = "mutation($p: ID!, $o: AllocationOptionsInput) { allocateProgramme(programmeId: $p, options: $o) { complete jobs { decisions { facilityId facilityName quantity } } } }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

/// A space that prints and can take up to 500 items; returns its id.
async fn space(app: &TestApp, name: &str, country: &str, at: (f64, f64)) -> String {
    let d = app
        .data(
            CREATE_FACILITY,
            json!({ "input": {
                "name": name,
                "location": { "country": country, "lat": at.0, "lon": at.1 },
                "typicalBatchSize": "UP_TO_500",
                "processes": ["fdm"],
            }}),
        )
        .await;
    d["createFacility"]["id"].as_str().unwrap().to_owned()
}

async fn job(app: &TestApp, input: Value) -> String {
    let mut input = input;
    let base = json!({
        "quantity": 900, "status": "OPEN",
        "unitPrice": { "amountMinor": 200, "currency": "USD" },
        "requirements": [{ "kind": "PROCESS", "term": "3d-printing" }],
    });
    for (k, v) in base.as_object().unwrap() {
        input.as_object_mut().unwrap().entry(k).or_insert(v.clone());
    }
    let d = app.data(CREATE_JOB, json!({ "input": input })).await;
    d["createJob"]["id"].as_str().unwrap().to_owned()
}

/// Facility name → quantity, for the decisions that give something.
fn placed(decisions: &Value) -> BTreeMap<String, i64> {
    decisions
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["quantity"].as_i64().unwrap() > 0)
        .map(|d| {
            (
                d["facilityName"].as_str().unwrap().to_owned(),
                d["quantity"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Three spaces in Ghana and twenty in Germany, all able to print.
async fn ghana_and_germany(app: &TestApp) -> BTreeMap<String, (f64, f64)> {
    let mut at = BTreeMap::new();
    for (name, place) in [
        ("Accra Makers", (5.6037, -0.1870)),
        ("Kumasi Hive", (6.6885, -1.6244)),
        ("Tamale Lab", (9.4008, -0.8393)),
    ] {
        space(app, name, "GH", place).await;
        at.insert(name.to_owned(), place);
    }
    for i in 0..20 {
        let place = (48.3 + 0.2 * f64::from(i), 10.0 + 0.1 * f64::from(i));
        let name = format!("Werkstatt {i}");
        space(app, &name, "DE", place).await;
        at.insert(name, place);
    }
    at
}

#[tokio::test]
async fn distance_counts_by_default_and_a_job_keeps_within_its_reach() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let at = ghana_and_germany(&app).await;
        let shields = job(
            &app,
            json!({ "title": "Face shields for Accra", "deliveryPoint": { "lat": ACCRA.0, "lon": ACCRA.1 } }),
        )
        .await;

        // By default the 900 frames stay in Ghana, nearest first.
        let d = app
            .data(ALLOCATE_JOB, json!({ "j": shields, "o": { "dryRun": true } }))
            .await;
        let split = placed(&d["allocateJob"]["decisions"]);
        assert_eq!(split.values().sum::<i64>(), 900, "{d}");
        assert!(split.keys().all(|name| !name.starts_with("Werkstatt")), "{split:?}");
        assert_eq!(split.get("Accra Makers"), Some(&500), "{split:?}");

        // Pricing transport at zero brings back the even split over all 23 spaces.
        let d = app
            .data(
                ALLOCATE_JOB,
                json!({ "j": shields, "o": { "dryRun": true, "transportMinorPerUnitKm": 0 } }),
            )
            .await;
        let split = placed(&d["allocateJob"]["decisions"]);
        assert!(split.len() > 3, "{split:?}");
        assert!(split.keys().any(|name| name.starts_with("Werkstatt")), "{split:?}");

        // A job with a reach never goes beyond it, even when that leaves it short.
        let near = job(
            &app,
            json!({ "title": "Within 300 km", "quantity": 1200, "maxDistanceKm": 300,
                    "deliveryPoint": { "lat": ACCRA.0, "lon": ACCRA.1 } }),
        )
        .await;
        let d = app
            .data(ALLOCATE_JOB, json!({ "j": near, "o": { "dryRun": true } }))
            .await;
        let split = placed(&d["allocateJob"]["decisions"]);
        assert!(!split.is_empty(), "{d}");
        for name in split.keys() {
            let km = haversine_km(ACCRA, at[name]);
            assert!(km <= 300.0, "{name} is {km:.0} km away: {split:?}");
        }
        assert_eq!(d["allocateJob"]["complete"], json!(false), "{d}");
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_programme_keeps_to_its_region_and_participants() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let mut ids = BTreeMap::new();
        for (name, country, place) in [
            ("Accra Makers", "GH", (5.6037, -0.1870)),
            ("Kumasi Hive", "GH", (6.6885, -1.6244)),
            ("Gearbox", "KE", (-1.2921, 36.8219)),
            ("Kisumu Fab", "KE", (-0.0917, 34.7680)),
        ] {
            ids.insert(name, space(&app, name, country, place).await);
        }
        let programme = |input: Value| {
            let app = &app;
            async move {
                let d = app
                    .data(
                        "mutation($input: ProgrammeInput!) { createProgramme(input: $input) { id region participantIds } }",
                        json!({ "input": input }),
                    )
                    .await;
                d["createProgramme"].clone()
            }
        };
        let ghana = programme(json!({ "name": "Ghana only", "region": ["gh"] })).await;
        assert_eq!(ghana["region"], json!(["GH"]));
        job(&app, json!({ "title": "Gowns", "quantity": 100, "programmeId": ghana["id"] })).await;
        let d = app
            .data(ALLOCATE_PROGRAMME, json!({ "p": ghana["id"], "o": { "dryRun": true } }))
            .await;
        let split = placed(&d["allocateProgramme"]["jobs"][0]["decisions"]);
        assert_eq!(
            split.keys().cloned().collect::<BTreeSet<_>>(),
            BTreeSet::from(["Accra Makers".to_owned(), "Kumasi Hive".to_owned()]),
            "{d}"
        );

        // Participants: the awardees only, wherever they are.
        let awardees = programme(json!({
            "name": "Two awardees",
            "participantIds": [ids["Gearbox"], ids["Kumasi Hive"]],
        }))
        .await;
        job(&app, json!({ "title": "Lamps", "quantity": 60, "programmeId": awardees["id"] })).await;
        let d = app
            .data(ALLOCATE_PROGRAMME, json!({ "p": awardees["id"], "o": { "dryRun": true } }))
            .await;
        let split = placed(&d["allocateProgramme"]["jobs"][0]["decisions"]);
        assert_eq!(
            split,
            BTreeMap::from([("Gearbox".to_owned(), 30), ("Kumasi Hive".to_owned(), 30)]),
            "{d}"
        );

        // A region names countries; participants name facilities that exist.
        let body = app
            .gql(
                "mutation($input: ProgrammeInput!) { createProgramme(input: $input) { id } }",
                json!({ "input": { "name": "Nowhere", "region": ["GH", "XX"] } }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], json!("input.region[1]"));
        let ghost = "Facility:0191e6a8-0000-7000-8000-000000000000";
        let body = app
            .gql(
                "mutation($input: ProgrammeInput!) { createProgramme(input: $input) { id } }",
                json!({ "input": { "name": "Ghosts", "participantIds": [ids["Gearbox"], ghost] } }),
            )
            .await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            json!("input.participantIds[1]")
        );
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_retried_allocation_answers_the_same_and_proposes_nothing_twice() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        for (name, place) in [
            ("Accra Makers", (5.6037, -0.1870)),
            ("Kumasi Hive", (6.6885, -1.6244)),
        ] {
            space(&app, name, "GH", place).await;
        }
        let shields = job(&app, json!({ "title": "Face shields", "quantity": 600 })).await;
        let vars = json!({ "j": shields, "k": "3f0c7d1e-retry-1" });
        let first = app.data(ALLOCATE_JOB, vars.clone()).await;
        assert_eq!(first["allocateJob"]["replayed"], json!(false));
        let written = assignment::Entity::find().count(&app.db).await.unwrap();
        assert_eq!(written, 2, "{first}");

        let again = app.data(ALLOCATE_JOB, vars.clone()).await;
        assert_eq!(again["allocateJob"]["replayed"], json!(true));
        assert_eq!(
            again["allocateJob"]["decisions"], first["allocateJob"]["decisions"],
            "the retry answers the first call's answer, assignment ids included"
        );
        assert_eq!(
            assignment::Entity::find().count(&app.db).await.unwrap(),
            written
        );

        // The same key for another request, or from another coordinator, is refused.
        let other = app
            .gql(
                ALLOCATE_JOB,
                json!({ "j": shields, "k": "3f0c7d1e-retry-1", "o": { "maxShare": 0.5 } }),
            )
            .await;
        assert_eq!(code(&other), "CONFLICT", "{other}");
        assert!(
            other["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("idempotency key"),
            "{other}"
        );
        let coordinator = app.token_for(Role::Coordinator, "second-coordinator", None, None);
        let theirs = app.gql_as(Some(&coordinator), ALLOCATE_JOB, vars).await;
        assert_eq!(code(&theirs), "CONFLICT", "{theirs}");

        // Without a key, a second allocation of a fully assigned job is a conflict.
        let plain = app.gql(ALLOCATE_JOB, json!({ "j": shields })).await;
        assert_eq!(code(&plain), "CONFLICT", "{plain}");
        assert_eq!(
            assignment::Entity::find().count(&app.db).await.unwrap(),
            written
        );

        let blank = app
            .gql(ALLOCATE_JOB, json!({ "j": shields, "k": " " }))
            .await;
        assert_eq!(code(&blank), "BAD_USER_INPUT", "{blank}");
        assert_eq!(
            blank["errors"][0]["extensions"]["field"],
            json!("idempotencyKey")
        );
        app.stop().await;
    })
    .await;
}
