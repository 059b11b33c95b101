//! matchJob and allocateProgramme over HTTP: the IMA trial (nine equal makerspaces in
//! Ghana, Kenya and South Africa, 1,125 items in three tiers) is split evenly, $800 a space
//! and $7,200 in all; a closed space never matches; missing requirements are listed; a
//! verified skill outranks a self-declared one until its credential is revoked; under a
//! minimum batch the exact split places everything where the greedy one cannot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::facilities::{self, FacilityInput, LocationInput, TermLink};
use makermatch_api::services::jobs::{self, JobInput, ProgrammeInput, RequirementInput};
use makermatch_entities::facility::FacilityStatus;
use makermatch_entities::job::JobStatus;
use makermatch_entities::job_requirement::RequirementKind;
use makermatch_search::allocation::{
    AllocationCandidate, AllocationFacility, AllocationJob, AllocationOptions, AllocationProblem,
    allocate_greedy,
};
use makermatch_tests::{TestApp, TestDb, TestIssuer, on_each_backend};
use serde_json::json;

const SPACES: [(&str, &str, f64, f64); 9] = [
    ("Kumasi Hive", "GH", 6.6885, -1.6244),
    ("Accra Makers", "GH", 5.6037, -0.1870),
    ("Tamale Lab", "GH", 9.4008, -0.8393),
    ("Gearbox", "KE", -1.2921, 36.8219),
    ("Mombasa Works", "KE", -4.0435, 39.6682),
    ("Kisumu Fab", "KE", -0.0917, 34.7680),
    ("Cape Town Space", "ZA", -33.9249, 18.4241),
    ("Joburg Makers", "ZA", -26.2041, 28.0473),
    ("Durban Lab", "ZA", -29.8587, 31.0218),
];

#[tokio::test]
async fn the_ima_trial_is_split_evenly() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        for (name, country, lat, lon) in SPACES {
            let mut f = FacilityInput::named(name);
            f.location = LocationInput {
                country: Some(country.into()),
                lat: Some(lat),
                lon: Some(lon),
                ..Default::default()
            };
            f.processes = vec![TermLink { id: "fdm".into(), source_term: None }];
            facilities::create(&app.db, f).await.unwrap();
        }
        let mut closed = FacilityInput::named("Closed Lab");
        closed.status = FacilityStatus::Closed;
        closed.processes = vec![TermLink { id: "fdm".into(), source_term: None }];
        facilities::create(&app.db, closed).await.unwrap();

        let programme = jobs::create_programme(
            &app.db,
            ProgrammeInput { name: "Innovative Manufacturing in Africa".into(), ..Default::default() },
        )
        .await
        .unwrap()
        .id;
        let mut last = 0;
        for (tier, quantity, price) in [
            ("SIMPLE_DEVICE", 900, 200),
            ("SIMPLE_PRODUCT", 180, 1_000),
            ("COMPLEX_PRODUCT", 45, 8_000),
        ] {
            let mut j = JobInput::new(format!("{tier} trial order"), quantity);
            j.programme_id = Some(programme);
            j.tier = Some(tier.into());
            j.unit_price_minor = Some(price);
            j.currency = Some("USD".into());
            j.status = JobStatus::Open;
            j.requirements = vec![RequirementInput {
                kind: RequirementKind::Process,
                term: "3d-printing".into(),
                required: true,
                min_level: None,
                resolution: None,
            }];
            last = jobs::create_job(&app.db, j).await.unwrap().outbox_seq;
        }
        app.wait_indexed(last).await;
        let jobs = app.data("{ jobs(first: 10) { nodes { id } } }", json!({})).await;
        let job = jobs["jobs"]["nodes"][0]["id"].as_str().unwrap().to_owned();
        let teams = app
            .data(
                "query($j: ID!) { matchJob(jobId: $j) { score facility { name } breakdown { factor value } missing { term } evidence { source capability } } }",
                json!({ "j": job }),
            )
            .await;
        let teams = teams["matchJob"].as_array().unwrap();
        assert_eq!(teams.len(), 9, "the closed space never matches");
        assert!(teams.iter().all(|t| t["facility"]["name"] != "Closed Lab"));
        assert!(teams.iter().all(|t| t["missing"].as_array().unwrap().is_empty()));
        assert!(teams[0]["evidence"].as_array().unwrap().iter().any(|e| e["capability"] == "fdm"));

        let allocation = app
            .data(
                "mutation($p: ID!) { allocateProgramme(programmeId: $p) { complete costMinor jobs { complete decisions { facilityName quantity assignmentId } } } }",
                json!({ "p": programme.to_string() }),
            )
            .await;
        let a = &allocation["allocateProgramme"];
        assert_eq!(a["complete"], true);
        assert_eq!(a["costMinor"], 720_000, "$7,200 in all");
        for (job, per_space) in a["jobs"].as_array().unwrap().iter().zip([100, 20, 5]) {
            let placed: Vec<i64> = job["decisions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["quantity"].as_i64().unwrap())
                .filter(|q| *q > 0)
                .collect();
            assert_eq!(placed, vec![per_space; 9], "{job}");
        }
        let summary = app
            .data(
                "query($p: ID!) { programmeSummary(programmeId: $p) { total { proposed valueProposedMinor } byFacility { totals { valueProposedMinor } } } }",
                json!({ "p": programme.to_string() }),
            )
            .await;
        let s = &summary["programmeSummary"];
        assert_eq!(s["total"]["proposed"], 1_125);
        assert_eq!(s["total"]["valueProposedMinor"], 720_000);
        for f in s["byFacility"].as_array().unwrap() {
            assert_eq!(f["totals"]["valueProposedMinor"], 80_000, "$800 a space");
        }
        app.stop().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Everything below is set up through the GraphQL API alone.

const CREATE_FACILITY: &str =
    "mutation($input: FacilityInput!) { createFacility(input: $input) { id uuid name } }";
const CREATE_MAKER: &str =
    "mutation($input: MakerInput!) { createMaker(input: $input) { id uuid } }";
const CREATE_JOB: &str = "mutation($input: JobInput!) { createJob(input: $input) { id } }";
const MATCH: &str = "query($j: ID!, $o: MatchOptionsInput) { matchJob(jobId: $j, options: $o) { score distanceKm facility { id uuid name } makers { makerId relation covers maker { id name } } breakdown { factor applicable value } evidence { kind term source makerId credentialId credit detail } missing { kind term required reason } } }";

/// Creates a facility through `createFacility`; returns its global id and plain UUID.
async fn facility(app: &TestApp, input: serde_json::Value) -> (String, String) {
    let f = app.data(CREATE_FACILITY, json!({ "input": input })).await["createFacility"].clone();
    (
        f["id"].as_str().unwrap().to_owned(),
        f["uuid"].as_str().unwrap().to_owned(),
    )
}

async fn job(app: &TestApp, input: serde_json::Value) -> String {
    app.data(CREATE_JOB, json!({ "input": input })).await["createJob"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn teams(app: &TestApp, job: &str, options: serde_json::Value) -> Vec<serde_json::Value> {
    app.data(MATCH, json!({ "j": job, "o": options })).await["matchJob"]
        .as_array()
        .unwrap()
        .clone()
}

/// The value of `factor` in a team's breakdown.
fn factor(team: &serde_json::Value, factor: &str) -> f64 {
    team["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["factor"] == factor)
        .unwrap_or_else(|| panic!("no {factor} in {team}"))["value"]
        .as_f64()
        .unwrap()
}

fn names(teams: &[serde_json::Value]) -> Vec<&str> {
    teams
        .iter()
        .map(|t| t["facility"]["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_verified_skill_outranks_a_self_declared_one_until_revoked() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        // Two spaces alike in everything but name and id, at the delivery point; each
        // with one public, affiliated maker claiming TIG welding at the same level.
        let space = |name: &str| {
            json!({
                "name": name,
                "location": { "country": "GH", "lat": 6.6885, "lon": -1.6244 },
                "typicalBatchSize": "UP_TO_500",
                "processes": ["tig-welding"],
            })
        };
        let (first, first_uuid) = facility(&app, space("Weld Shop A")).await;
        let (second, second_uuid) = facility(&app, space("Weld Shop B")).await;
        assert!(first_uuid < second_uuid, "ids grow with creation");
        let mut welders = Vec::new();
        for (name, space) in [("Kofi", &first), ("Ama", &second)] {
            let m = app
                .data(
                    CREATE_MAKER,
                    json!({ "input": {
                        "firstName": name,
                        "email": format!("{}@example.org", name.to_lowercase()),
                        "publicProfile": true,
                        "skills": [{ "skill": "TIG welding", "level": "ADVANCED", "years": 4.0 }],
                        "affiliations": [{ "facilityId": space, "role": "staff" }],
                    } }),
                )
                .await["createMaker"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            welders.push(m);
        }
        // Only the maker of the space with the *higher* id holds a credential: ranking
        // it first cannot be the tie-break.
        // Signed by an issuer an admin trusts by its DID: a verified skill.
        let kti = TestIssuer::new();
        let issuer = kti.trust(&app, "Kumasi Technical Institute").await;
        let signed = kti
            .award(
                "urn:uuid:kti-ama-1",
                "ama@example.org",
                ("https://kti.example.org/badges/tig", "Certified TIG welder"),
                "TIG welding",
            )
            .await;
        let credential = kti.import(&app, &signed, &welders[1]).await;

        let j = job(
            &app,
            json!({
                "title": "Welded bed frames",
                "quantity": 40,
                "status": "OPEN",
                "deliveryPoint": { "lat": 6.6885, "lon": -1.6244 },
                "requirements": [{ "kind": "SKILL", "term": "TIG welding" }],
            }),
        )
        .await;

        let found = teams(&app, &j, json!(null)).await;
        assert_eq!(names(&found), ["Weld Shop B", "Weld Shop A"], "verified first: {found:?}");
        let (verified, declared) = (&found[0], &found[1]);
        assert!(verified["score"].as_f64() > declared["score"].as_f64());
        assert_eq!(factor(verified, "SKILL"), 1.0, "{verified}");
        assert!(factor(declared, "SKILL") < factor(verified, "SKILL"), "{declared}");
        assert!(factor(declared, "SKILL") > 0.0, "self-declared counts partially");
        // Every other factor is equal: the credential alone makes the difference.
        for f in verified["breakdown"].as_array().unwrap() {
            let name = f["factor"].as_str().unwrap();
            if name != "SKILL" {
                assert_eq!(f["value"], declared["breakdown"].as_array().unwrap().iter().find(|g| g["factor"] == name).unwrap()["value"], "{name}");
            }
        }
        let e = &verified["evidence"][0];
        assert_eq!(e["source"], "VERIFIED_SKILL", "{e}");
        assert_eq!(e["credentialId"], credential.as_str(), "the evidence names the credential");
        assert_eq!(e["makerId"], welders[1].as_str());
        assert_eq!(e["credit"], 1.0);
        let e = &declared["evidence"][0];
        assert_eq!(e["source"], "SELF_DECLARED_SKILL", "{e}");
        assert_eq!(e["credentialId"], serde_json::Value::Null);
        assert_eq!(e["makerId"], welders[0].as_str());
        assert!(e["credit"].as_f64().unwrap() < 1.0);
        for team in &found {
            assert!(team["missing"].as_array().unwrap().is_empty(), "{team}");
            assert_eq!(team["makers"][0]["relation"], "AFFILIATED");
            assert_eq!(team["makers"][0]["covers"], json!(["TIG welding"]));
            // The member's passport, through the loader: the maker `makerId` names.
            assert_eq!(team["makers"][0]["maker"]["id"], team["makers"][0]["makerId"], "{team}");
        }

        // The issuer renamed: the evidence names it as it is now.
        app.data(
            "mutation($id: ID!) { updateIssuer(id: $id, input: { name: \"KTI Kumasi\" }) { name } }",
            json!({ "id": issuer }),
        )
        .await;
        let found = teams(&app, &j, json!(null)).await;
        let e = &found[0]["evidence"][0];
        assert_eq!(e["credentialId"], credential.as_str(), "{e}");
        let detail = e["detail"].as_str().unwrap();
        assert!(detail.contains("KTI Kumasi") && !detail.contains("Kumasi Technical"), "{e}");

        // Revoked: both self-declared, equal, and the lower id first.
        let revoked = app
            .data(
                "mutation($id: ID!) { revokeCredential(id: $id, reason: \"test not passed\") { revoked valid } }",
                json!({ "id": credential }),
            )
            .await;
        assert_eq!(revoked["revokeCredential"]["valid"], false);
        let found = teams(&app, &j, json!(null)).await;
        assert_eq!(names(&found), ["Weld Shop A", "Weld Shop B"], "a tie goes by id: {found:?}");
        assert_eq!(found[0]["facility"]["uuid"], first_uuid.as_str());
        assert_eq!(found[0]["score"], found[1]["score"]);
        assert_eq!(factor(&found[0], "SKILL"), factor(&found[1], "SKILL"));
        assert_eq!(factor(&found[1], "SKILL"), factor(declared, "SKILL"));
        let e = &found[1]["evidence"][0];
        assert_eq!(e["source"], "SELF_DECLARED_SKILL", "{e}");
        assert_eq!(e["credentialId"], serde_json::Value::Null);
        assert!(e["detail"].as_str().unwrap().contains("revoked"), "{e}");
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn allocation_beats_the_greedy_split_under_a_minimum_batch() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        // Two spaces due east of the delivery point on the equator, 0.1° (11.12 km) and
        // 0.2° (22.24 km) away, each able to take 500 (UP_TO_500). At 1 cent per unit and
        // km, transport is round(11.12) = 11 and round(22.24) = 22 cents a unit, on top of
        // the job's $10.00: 1,011 and 1,022 cents a unit.
        //
        // 600 units, nobody gets fewer than 150.
        // - Greedy (cheapest first): Near takes its 500; the 100 left are under the
        //   minimum batch, so Far gets nothing and 100 units are never placed.
        // - Optimum: Far must get at least 100, hence at least 150; every unit more at
        //   Far costs 11 cents more, so Near 450, Far 150:
        //   450 × 1,011 + 150 × 1,022 = 454,950 + 153,300 = 608,250 cents.
        // - Without the minimum batch the cheapest split is Near 500, Far 100:
        //   505,500 + 102,200 = 607,700 cents.
        for (name, lon) in [("Near Lab", 0.1), ("Far Lab", 0.2)] {
            facility(
                &app,
                json!({
                    "name": name,
                    "location": { "country": "GA", "lat": 0.0, "lon": lon },
                    "typicalBatchSize": "UP_TO_500",
                    "processes": ["fdm"],
                }),
            )
            .await;
        }
        let j = job(
            &app,
            json!({
                "title": "Printed splints",
                "quantity": 600,
                "unitPrice": { "amountMinor": 1_000, "currency": "USD" },
                "status": "OPEN",
                "deliveryPoint": { "lat": 0.0, "lon": 0.0 },
                "requirements": [{ "kind": "PROCESS", "term": "3d-printing" }],
            }),
        )
        .await;
        const ALLOCATE: &str = "mutation($j: ID!, $o: AllocationOptionsInput) { allocateJob(jobId: $j, options: $o) { complete costMinor decisions { facilityName quantity costMinor reason detail assignmentId } } }";
        let split = |a: &serde_json::Value| -> Vec<(String, i64)> {
            let mut d: Vec<(String, i64)> = a["allocateJob"]["decisions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| (d["facilityName"].as_str().unwrap().to_owned(), d["quantity"].as_i64().unwrap()))
                .collect();
            d.sort();
            d
        };

        let free = app
            .data(ALLOCATE, json!({ "j": j, "o": { "transportMinorPerUnitKm": 1.0, "dryRun": true } }))
            .await;
        assert_eq!(split(&free), [("Far Lab".to_owned(), 100), ("Near Lab".to_owned(), 500)], "{free}");
        assert_eq!(free["allocateJob"]["costMinor"], 607_700);

        // The greedy baseline on the same inputs (distances as matchJob reports them).
        let found = teams(&app, &j, json!(null)).await;
        assert_eq!(names(&found).len(), 2);
        let job_id = uuid::Uuid::new_v4();
        let mut problem = AllocationProblem { jobs: vec![AllocationJob::new(job_id, 600)], facilities: Vec::new(), candidates: Vec::new() };
        problem.jobs[0].unit_price_minor = Some(1_000);
        for team in &found {
            let id: uuid::Uuid = team["facility"]["uuid"].as_str().unwrap().parse().unwrap();
            problem.facilities.push(AllocationFacility::new(id, team["facility"]["name"].as_str().unwrap(), Some(500)));
            let mut c = AllocationCandidate::new(job_id, id);
            c.distance_km = team["distanceKm"].as_f64();
            problem.candidates.push(c);
        }
        let options = AllocationOptions { min_batch: Some(150), transport_minor_per_unit_km: 1.0, ..AllocationOptions::default() };
        let greedy = allocate_greedy(&problem, &options).unwrap();
        assert!(!greedy.complete, "greedy leaves the last 100 unplaced");
        assert_eq!(greedy.objective.shortfall, 100);
        assert_eq!(greedy.objective.total_cost_minor, 505_500);

        // The exact allocation, proposed.
        let best = app
            .data(ALLOCATE, json!({ "j": j, "o": { "minBatch": 150, "transportMinorPerUnitKm": 1.0 } }))
            .await;
        let a = &best["allocateJob"];
        assert_eq!(a["complete"], true, "{best}");
        assert_eq!(split(&best), [("Far Lab".to_owned(), 150), ("Near Lab".to_owned(), 450)], "{best}");
        assert_eq!(a["costMinor"], 608_250);
        for d in a["decisions"].as_array().unwrap() {
            let expected = if d["facilityName"] == "Near Lab" { 454_950 } else { 153_300 };
            assert_eq!(d["costMinor"], expected, "{d}");
            assert!(d["assignmentId"].is_string(), "proposed: {d}");
            // Why, with the numbers behind it ("450 units at 1011 per unit: …").
            let detail = d["detail"].as_str().unwrap();
            let unit = if d["facilityName"] == "Near Lab" { "1011" } else { "1022" };
            assert!(detail.contains(&d["quantity"].to_string()) && detail.contains(unit), "{d}");
            // Neither is simply "the cheapest": the minimum batch shaped both shares, and
            // the near lab's explanation names the far one.
            assert_eq!(d["reason"], "MINIMUM_BATCH", "{d}");
            assert!(detail.contains("minimum batch"), "{d}");
            if d["facilityName"] == "Near Lab" {
                assert!(detail.contains("Far Lab") && detail.contains("50 short"), "{d}");
            }
        }
        let proposed = app
            .data(
                "query($j: ID!) { assignments(jobId: $j) { status quantity facility { name } } }",
                json!({ "j": j }),
            )
            .await;
        let mut got: Vec<(String, i64)> = proposed["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                assert_eq!(a["status"], "PROPOSED");
                (a["facility"]["name"].as_str().unwrap().to_owned(), a["quantity"].as_i64().unwrap())
            })
            .collect();
        got.sort();
        assert_eq!(got, [("Far Lab".to_owned(), 150), ("Near Lab".to_owned(), 450)]);
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn missing_requirements_are_listed() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        // Laser cutting and PLA, nothing else; a second space has all of it.
        facility(
            &app,
            json!({
                "name": "Cutting Room",
                "location": { "lat": 5.6, "lon": -0.19 },
                "processes": ["laser-cutting"],
                "materials": ["pla"],
                "certifications": ["ISO 9001:2015"],
            }),
        )
        .await;
        facility(
            &app,
            json!({
                "name": "Full Shop",
                "location": { "lat": 5.6, "lon": -0.19 },
                "processes": ["laser-cutting"],
                "materials": ["pla", "stainless-steel"],
                "certifications": ["ISO 9001:2015", "ISO 13485:2016"],
            }),
        )
        .await;
        let j = job(
            &app,
            json!({
                "title": "Instrument trays",
                "quantity": 10,
                "status": "OPEN",
                "deliveryPoint": { "lat": 5.6, "lon": -0.19 },
                "requirements": [
                    { "kind": "PROCESS", "term": "laser-cutting" },
                    { "kind": "MATERIAL", "term": "stainless-steel" },
                    { "kind": "MATERIAL", "term": "PLA", "required": false },
                    { "kind": "CERTIFICATION", "term": "ISO 13485" },
                    { "kind": "CERTIFICATION", "term": "ISO 9001", "required": false },
                ],
            }),
        )
        .await;
        let found = teams(&app, &j, json!(null)).await;
        assert_eq!(names(&found), ["Full Shop", "Cutting Room"], "{found:?}");
        assert!(
            found[0]["missing"].as_array().unwrap().is_empty(),
            "{}",
            found[0]
        );
        let missing: Vec<(&str, &str, bool)> = found[1]["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                assert!(!m["reason"].as_str().unwrap().is_empty(), "{m}");
                (
                    m["kind"].as_str().unwrap(),
                    m["term"].as_str().unwrap(),
                    m["required"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            missing,
            [
                ("MATERIAL", "stainless-steel", true),
                ("CERTIFICATION", "ISO 13485", true)
            ]
        );
        let met: Vec<&str> = found[1]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["term"].as_str().unwrap())
            .collect();
        assert_eq!(met, ["laser-cutting", "pla", "ISO 9001"]);
        // requireAll drops the team that misses a required one.
        let strict = teams(&app, &j, json!({ "requireAll": true })).await;
        assert_eq!(names(&strict), ["Full Shop"]);
        app.stop().await;
    })
    .await;
}

/// A team's ties to its facility come from the makers' indexed passports: leaving a space
/// drops the maker from its team, and replacing a space's machines drops the makers
/// cleared on them (the clearances go with the machines).
#[tokio::test]
async fn team_ties_follow_affiliations_and_clearances() {
    use makermatch_entities::{equipment, machine_clearance};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let space = json!({
            "name": "Tema Metal Works",
            "location": { "country": "GH", "lat": 5.6698, "lon": -0.0166 },
            "processes": ["tig-welding"],
            "equipment": [{ "equipmentType": "press brake", "make": "Amada" }],
        });
        let (space_id, space_uuid) = facility(&app, space.clone()).await;
        // Neither maker has a position: only a link can tie them to the space.
        let kofi_input = |affiliated: bool| {
            json!({
                "firstName": "Kofi",
                "publicProfile": true,
                "skills": [{ "skill": "TIG welding", "level": "ADVANCED" }],
                "affiliations": if affiliated { json!([{ "facilityId": space_id, "role": "staff" }]) } else { json!([]) },
            })
        };
        let ama_input = json!({
            "firstName": "Ama",
            "publicProfile": true,
            "skills": [{ "skill": "Sheet metal bending", "level": "INTERMEDIATE" }],
        });
        let kofi = app.data(CREATE_MAKER, json!({ "input": kofi_input(true) })).await["createMaker"]
            .clone();
        let ama = app.data(CREATE_MAKER, json!({ "input": ama_input })).await["createMaker"].clone();

        // A clearance on the space's press brake, granted outside the API (no mutation
        // grants clearances yet); touching Ama's passport re-indexes her.
        let space_uuid: uuid::Uuid = space_uuid.parse().unwrap();
        let brake = equipment::Entity::find()
            .filter(equipment::Column::FacilityId.eq(space_uuid))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        machine_clearance::Model {
            id: uuid::Uuid::now_v7(),
            maker_id: ama["uuid"].as_str().unwrap().parse().unwrap(),
            equipment_id: brake.id,
            facility_id: space_uuid,
            granted_by: "workshop lead".into(),
            granted_on: chrono::Utc::now().date_naive(),
            expires_on: None,
        }
        .into_active_model()
        .insert(&app.db)
        .await
        .unwrap();
        const UPDATE_MAKER: &str =
            "mutation($id: ID!, $input: MakerInput!) { updateMaker(id: $id, input: $input) { id } }";
        app.data(UPDATE_MAKER, json!({ "id": ama["id"], "input": ama_input }))
            .await;

        let j = job(
            &app,
            json!({
                "title": "Welded and bent brackets",
                "quantity": 50,
                "status": "OPEN",
                "deliveryPoint": { "lat": 5.6698, "lon": -0.0166 },
                "requirements": [
                    { "kind": "SKILL", "term": "TIG welding" },
                    { "kind": "SKILL", "term": "Sheet metal bending" },
                ],
            }),
        )
        .await;
        let team = |found: &[serde_json::Value]| -> Vec<(String, String)> {
            assert_eq!(found.len(), 1, "{found:?}");
            let mut makers: Vec<(String, String)> = found[0]["makers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["makerId"].as_str().unwrap().to_owned(),
                        m["relation"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            makers.sort();
            makers
        };
        let missing = |found: &[serde_json::Value]| -> Vec<String> {
            found[0]["missing"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["term"].as_str().unwrap().to_owned())
                .collect()
        };
        let id = |m: &serde_json::Value| m["id"].as_str().unwrap().to_owned();
        let mut both = vec![
            (id(&kofi), "AFFILIATED".to_owned()),
            (id(&ama), "CLEARED".to_owned()),
        ];
        both.sort();
        let found = teams(&app, &j, json!(null)).await;
        assert_eq!(team(&found), both, "{found:?}");
        assert!(missing(&found).is_empty(), "{found:?}");

        // Kofi leaves the space: his welding no longer counts for it.
        app.data(UPDATE_MAKER, json!({ "id": kofi["id"], "input": kofi_input(false) }))
            .await;
        let found = teams(&app, &j, json!(null)).await;
        assert_eq!(team(&found), vec![(id(&ama), "CLEARED".to_owned())]);
        assert_eq!(missing(&found), ["TIG welding"]);

        // The space's machines replaced: Ama's clearance went with the old press brake.
        app.data(
            "mutation($id: ID!, $input: FacilityInput!) { updateFacility(id: $id, input: $input) { id } }",
            json!({ "id": space_id, "input": space }),
        )
        .await;
        let found = teams(&app, &j, json!(null)).await;
        assert!(team(&found).is_empty(), "{found:?}");
        let mut gaps = missing(&found);
        gaps.sort();
        assert_eq!(gaps, ["Sheet metal bending", "TIG welding"]);
        app.stop().await;
    })
    .await;
}
