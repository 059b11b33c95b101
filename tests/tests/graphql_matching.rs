//! matchJob and allocateProgramme over HTTP: the IMA trial (nine equal makerspaces in
//! Ghana, Kenya and South Africa, 1,125 items in three tiers) is split evenly, $800 a space
//! and $7,200 in all; a closed space never matches; missing requirements are listed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::facilities::{self, FacilityInput, LocationInput, TermLink};
use makermatch_api::services::jobs::{self, JobInput, ProgrammeInput, RequirementInput};
use makermatch_entities::facility::FacilityStatus;
use makermatch_entities::job::JobStatus;
use makermatch_entities::job_requirement::RequirementKind;
use makermatch_tests::{TestApp, TestDb, on_each_backend};
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
            }];
            last = jobs::create_job(&app.db, j).await.unwrap().outbox_seq;
        }
        // Wait until the index has the writes made behind the server's back.
        for _ in 0..200 {
            let d = app.data("{ searchIndex { appliedSeq } }", json!({})).await;
            if d["searchIndex"]["appliedSeq"].as_i64() >= Some(last) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
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
