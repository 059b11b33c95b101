//! `skillGaps` (issue 27): per process and skill, the open jobs delivered in an area that
//! require it, against the facilities there able to do it and the makers there who hold
//! the skill; a narrower process counts toward the broader ones; drafts, jobs elsewhere
//! and preferred requirements do not count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::facilities::{self, FacilityInput, LocationInput, TermLink};
use makermatch_api::services::makers::{self, MakerInput, SkillClaimInput};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};

const GAPS: &str = "query($box: BoundingBox!) { skillGaps(within: $box) { openJobs jobsLeftOut gaps { kind id label openJobs units facilities makers verifiedMakers } } }";

const GHANA: &str = r#"{ "minLat": 4.5, "minLon": -3.3, "maxLat": 11.2, "maxLon": 1.2 }"#;

async fn space(app: &TestApp, name: &str, at: (f64, f64), process: &str) {
    let mut f = FacilityInput::named(name);
    f.location = LocationInput {
        country: Some("GH".into()),
        lat: Some(at.0),
        lon: Some(at.1),
        ..Default::default()
    };
    f.processes = vec![TermLink {
        id: process.into(),
        source_term: None,
    }];
    facilities::create(&app.db, f).await.unwrap();
}

async fn job(
    app: &TestApp,
    title: &str,
    at: (f64, f64),
    quantity: i32,
    status: &str,
    requirements: Value,
) {
    let body = app
        .gql(
            "mutation($input: JobInput!) { createJob(input: $input) { id } }",
            json!({ "input": {
                "title": title, "quantity": quantity, "status": status,
                "deliveryPoint": { "lat": at.0, "lon": at.1, "name": title },
                "requirements": requirements,
            }}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

fn row<'a>(gaps: &'a Value, kind: &str, id: &str) -> &'a Value {
    gaps["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == kind && g["id"] == id)
        .unwrap_or_else(|| panic!("no {kind} {id} in {gaps}"))
}

#[tokio::test]
async fn demand_is_set_against_who_could_meet_it() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        space(&app, "Accra TIG Shop", (5.60, -0.19), "tig-welding").await;
        space(&app, "Nairobi Welders", (-1.29, 36.82), "mig-welding").await;
        let welder = MakerInput {
            first_name: Some("Ama".into()),
            country: Some("GH".into()),
            lat: Some(5.61),
            lon: Some(-0.20),
            public_profile: true,
            skills: vec![SkillClaimInput {
                skill: "TIG welding".into(),
                process_id: Some("tig-welding".into()),
                level: makermatch_entities::skill_claim::SkillLevel::Advanced,
                years: Some(3.0),
                evidence_url: None,
            }],
            ..MakerInput::default()
        };
        makers::create(&app.db, welder).await.unwrap();
        let tig = json!([
            { "kind": "PROCESS", "term": "TIG welding" },
            { "kind": "SKILL", "term": "TIG welding" },
            { "kind": "PROCESS", "term": "laser cutting", "required": false },
        ]);
        job(
            &app,
            "Frames for Korle Bu",
            (5.54, -0.23),
            10,
            "OPEN",
            tig.clone(),
        )
        .await;
        job(
            &app,
            "Brackets for Tema",
            (5.67, 0.00),
            5,
            "OPEN",
            json!([{ "kind": "PROCESS", "term": "MIG welding" }]),
        )
        .await;
        job(
            &app,
            "Frames, a draft",
            (5.55, -0.20),
            100,
            "DRAFT",
            tig.clone(),
        )
        .await;
        job(&app, "Frames for Nairobi", (-1.29, 36.82), 100, "OPEN", tig).await;
        let head = makermatch_api::services::outbox::last_seq(&app.db)
            .await
            .unwrap()
            .unwrap_or(0);
        app.wait_indexed(head).await;

        let gaps = app
            .data(
                GAPS,
                json!({ "box": serde_json::from_str::<Value>(GHANA).unwrap() }),
            )
            .await["skillGaps"]
            .clone();
        assert_eq!(gaps["openJobs"], 2, "{gaps}");
        assert_eq!(gaps["jobsLeftOut"], 0);
        // Both jobs need welding, through their narrower processes.
        let welding = row(&gaps, "PROCESS", "welding");
        assert_eq!(
            (
                &welding["openJobs"],
                &welding["units"],
                &welding["facilities"]
            ),
            (&json!(2), &json!(15), &json!(1)),
            "{welding}"
        );
        let tig = row(&gaps, "PROCESS", "tig-welding");
        assert_eq!(
            (&tig["units"], &tig["facilities"]),
            (&json!(10), &json!(1)),
            "{tig}"
        );
        // No one in Ghana does MIG: the gap programme staff are after.
        let mig = row(&gaps, "PROCESS", "mig-welding");
        assert_eq!(
            (&mig["units"], &mig["facilities"]),
            (&json!(5), &json!(0)),
            "{mig}"
        );
        let skill = gaps["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["kind"] == "SKILL")
            .unwrap_or_else(|| panic!("{gaps}"));
        assert_eq!(
            (
                &skill["units"],
                &skill["makers"],
                &skill["verifiedMakers"],
                &skill["facilities"]
            ),
            (&json!(10), &json!(1), &json!(0), &Value::Null),
            "{skill}"
        );
        // A preferred requirement is not demand.
        assert!(
            gaps["gaps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g["id"] != "laser-cutting"),
            "{gaps}"
        );
        let units: Vec<u64> = gaps["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["units"].as_u64().unwrap())
            .collect();
        assert!(
            units.windows(2).all(|w| w[0] >= w[1]),
            "most demanded first: {units:?}"
        );

        // Coordinators and admins only.
        let anon = app
            .anon(
                GAPS,
                json!({ "box": serde_json::from_str::<Value>(GHANA).unwrap() }),
            )
            .await;
        assert!(
            anon["errors"][0]["extensions"]["code"].is_string(),
            "{anon}"
        );
        app.stop().await;
    })
    .await;
}
