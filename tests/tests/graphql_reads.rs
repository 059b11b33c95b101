//! Reads that span relations and kinds, on the real server: DataLoaders keep a page of 100
//! facilities with their machines, processes and makers to a handful of SQL statements;
//! `mapFeatures` clusters sum to the points in the box; `search` spans kinds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use makermatch_api::services::facilities::{
    self, EquipmentInput, FacilityInput, LocationInput, PropertyInput, TermLink,
};
use makermatch_api::services::makers::{self, AffiliationInput, MakerInput};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::json;

fn workshop(i: u32) -> FacilityInput {
    let mut input = FacilityInput::named(format!("Workshop {i}"));
    input.location = LocationInput {
        lat: Some(-1.0 - f64::from(i) * 0.3),
        lon: Some(30.0 + f64::from(i % 10) * 0.7),
        country: Some("KE".into()),
        ..Default::default()
    };
    input.processes = vec![TermLink {
        id: "fdm".into(),
        source_term: None,
    }];
    input.equipment = vec![EquipmentInput {
        equipment_type: "fdm-3d-printer".into(),
        process_id: Some("fdm".into()),
        make: Some("Prusa Research".into()),
        model: Some("MK4".into()),
        serial_number: None,
        quantity: 2,
        condition: None,
        notes: None,
        properties: vec![PropertyInput {
            key: "buildVolumeX".into(),
            number: Some(250.0),
            text: None,
            unit: Some("mm".into()),
        }],
    }];
    input
}

#[tokio::test]
async fn a_page_of_100_facilities_with_relations_takes_six_statements() {
    on_each_backend(|t: TestDb| async move {
        let mut db = makermatch_api::startup::prepare(&t.config).await.unwrap().db;
        for i in 0..100 {
            let f = facilities::create(&db, workshop(i)).await.unwrap();
            let maker = MakerInput {
                first_name: Some(format!("Ama{i}")),
                public_profile: true,
                affiliations: vec![AffiliationInput {
                    facility_id: f.value.id,
                    role: "member".into(),
                }],
                ..Default::default()
            };
            makers::create(&db, maker).await.unwrap();
        }
        // Count the statements the server runs, leaving out the indexer's own.
        let counting = Arc::new(AtomicUsize::new(0));
        let statements = Arc::new(std::sync::Mutex::new(Vec::new()));
        {
            let counting = counting.clone();
            let statements = statements.clone();
            db.set_metric_callback(move |info| {
                let sql = info.statement.sql.to_lowercase();
                if !sql.contains("outbox") && !sql.contains("index_cursors") {
                    counting.fetch_add(1, Ordering::SeqCst);
                    statements.lock().unwrap().push(sql);
                }
            });
        }
        let mut config = t.config.clone();
        config.graphql.max_complexity = 100_000;
        let ready_db = db.clone();
        let server = makermatch_api::server::serve(
            &config,
            ready_db,
            &makermatch_search::Taxonomy::builtin().unwrap(),
            std::future::pending(),
        )
        .await
        .unwrap();
        let base = format!("http://{}", server.addr);
        let client = reqwest::Client::new();
        for _ in 0..400 {
            if let Ok(r) = client.get(format!("{base}/readyz")).send().await
                && r.status().is_success()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        counting.store(0, Ordering::SeqCst);
        statements.lock().unwrap().clear();
        let page = || async {
            client
                .post(format!("{base}/graphql"))
                .json(&json!({ "query": "{ facilities(first: 100) { totalCount nodes { name equipment { make properties { key number } } processes { id } makers { name } } } }" }))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        };
        let body = page().await;
        assert!(body.get("errors").is_none(), "{body}");
        let nodes = body["data"]["facilities"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 100);
        assert!(nodes.iter().all(|n| n["makers"].as_array().unwrap().len() == 1
            && n["equipment"][0]["properties"][0]["number"] == 250.0));
        let n = counting.load(Ordering::SeqCst);
        assert!(
            n <= 6,
            "{n} statements for one page:\n{}",
            statements.lock().unwrap().join("\n")
        );
        // The same page again: the machines with their properties and the members come
        // from the list cache (nothing was written in between).
        statements.lock().unwrap().clear();
        assert_eq!(page().await, body);
        let second = statements.lock().unwrap().join("\n");
        assert!(
            !second.contains("equipment_properties") && !second.contains("maker_affiliations"),
            "{second}"
        );
        server.stop().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn map_clusters_sum_to_the_points_in_the_box() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let mut last = None;
    for i in 0..60u32 {
        let mut input = FacilityInput::named(format!("Lab {i}"));
        // Three towns of 20 labs each, a few hundred metres apart within a town.
        let (lat, lon) = match i % 3 {
            0 => (5.6, -0.2),
            1 => (-1.29, 36.82),
            _ => (-17.8, 178.4),
        };
        input.location = LocationInput {
            lat: Some(lat + f64::from(i) * 0.001),
            lon: Some(lon + f64::from(i) * 0.001),
            ..Default::default()
        };
        last = Some(facilities::create(&app.db, input).await.unwrap().outbox_seq);
    }
    app.wait_indexed(last.unwrap()).await;
    let world = app
        .data(
            "{ mapFeatures(bbox: { minLat: -90, minLon: -180, maxLat: 90, maxLon: 180 }, zoom: 0) }",
            json!({}),
        )
        .await;
    let fc = &world["mapFeatures"];
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    assert_eq!(
        features.len(),
        3,
        "one cluster per town at world zoom: {fc}"
    );
    let total: u64 = features
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 60);
    for f in features {
        assert_eq!(f["geometry"]["type"], "Point");
        let [lon, lat] = [
            f["geometry"]["coordinates"][0].as_f64().unwrap(),
            f["geometry"]["coordinates"][1].as_f64().unwrap(),
        ];
        let b = f["properties"]["bbox"].as_array().unwrap();
        let b: Vec<f64> = b.iter().map(|v| v.as_f64().unwrap()).collect();
        assert!(
            b[0] <= lon && lon <= b[2] && b[1] <= lat && lat <= b[3],
            "{f}"
        );
    }
    // A box across the antimeridian around Fiji holds its 20; zoomed in, the labs
    // separate into single features carrying ids and names.
    let fiji = app
        .data(
            "{ mapFeatures(bbox: { minLat: -20, minLon: 170, maxLat: -15, maxLon: -170 }, zoom: 14) }",
            json!({}),
        )
        .await;
    let features = fiji["mapFeatures"]["features"].as_array().unwrap();
    let total: u64 = features
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 20);
    assert!(features.iter().all(|f| f["properties"]["name"].is_string()));
    let bad = app
        .gql(
            "{ mapFeatures(bbox: { minLat: 10, minLon: 0, maxLat: -10, maxLon: 5 }, zoom: 3) }",
            json!({}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    app.stop().await;
}

#[tokio::test]
async fn search_spans_kinds_with_scores_and_highlights() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    app.data(
        "mutation { createFacility(input: { name: \"Welding Works Kumasi\", processes: [\"welding\"], location: { lat: 6.69, lon: -1.62 } }) { id } }",
        json!({}),
    )
    .await;
    app.data(
        "mutation { createFacility(input: { name: \"Paper Studio\", location: { lat: 6.7, lon: -1.6 } }) { id } }",
        json!({}),
    )
    .await;
    let data = app
        .data(
            r#"{ search(text: "soudure", near: { lat: 6.7, lon: -1.6, radiusKm: 50 }) { kind score distanceKm highlights { field fragment } node { ... on Facility { name } } } }"#,
            json!({}),
        )
        .await;
    let hits = data["search"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{data}");
    assert_eq!(hits[0]["kind"], "FACILITY");
    assert_eq!(hits[0]["node"]["name"], "Welding Works Kumasi");
    assert!(hits[0]["score"].as_f64().unwrap() > 0.0);
    assert!(hits[0]["distanceKm"].as_f64().unwrap() < 10.0);
    app.stop().await;
}

#[tokio::test]
async fn a_facility_page_lists_machines_properties_and_members_claims_in_order_with_exact_values() {
    use makermatch_api::services::makers::SkillClaimInput;
    use makermatch_entities::skill_claim::SkillLevel;
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let mut input = workshop(0);
        // A number a 15-digit rendering would change, a text property, keys out of order.
        input.equipment[0].properties.extend([
            PropertyInput {
                key: "nozzleDiameter".into(),
                number: Some(0.1 + 0.2),
                text: None,
                unit: Some("mm".into()),
            },
            PropertyInput {
                key: "bedSurface".into(),
                number: None,
                text: Some("PEI".into()),
                unit: None,
            },
        ]);
        let lab = facilities::create(&app.db, input).await.unwrap();
        let claim = |skill: &str, process: Option<&str>, level, years, url: Option<&str>| {
            SkillClaimInput {
                skill: skill.into(),
                process_id: process.map(Into::into),
                level,
                years,
                evidence_url: url.map(Into::into),
            }
        };
        let member = |name: &str, public_profile, skills| MakerInput {
            first_name: Some(name.into()),
            public_profile,
            affiliations: vec![AffiliationInput {
                facility_id: lab.value.id,
                role: "member".into(),
            }],
            skills,
            ..Default::default()
        };
        // Years that a 15-digit rendering would change; a claim with nothing optional.
        makers::create(
            &app.db,
            member(
                "Esi",
                true,
                vec![
                    claim(
                        "MIG welding",
                        Some("mig-welding"),
                        SkillLevel::Expert,
                        Some(2.123_456_789_012_345_7),
                        Some("https://example.org/esi/cnc"),
                    ),
                    claim("Pattern cutting", None, SkillLevel::Novice, None, None),
                    claim("Soldering", None, SkillLevel::Advanced, Some(0.1 + 0.2), None),
                ],
            ),
        )
        .await
        .unwrap();
        makers::create(&app.db, member("Kofi", true, vec![])).await.unwrap();
        let hidden = makers::create(
            &app.db,
            member(
                "Private",
                false,
                vec![claim("Sewing", None, SkillLevel::Expert, Some(9.0), None)],
            ),
        )
        .await
        .unwrap();
        app.wait_indexed(hidden.outbox_seq).await;
        let d = app
            .data(
                "{ facilities(first: 10) { nodes { name equipment { make properties { key number text unit } } makers { name skills { label key processId level years evidenceUrl } } } } }",
                json!({}),
            )
            .await;
        let nodes = d["facilities"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 1, "{d}");
        assert_eq!(
            nodes[0]["equipment"][0]["properties"],
            json!([
                { "key": "bedSurface", "number": null, "text": "PEI", "unit": null },
                { "key": "buildVolumeX", "number": 250.0, "text": null, "unit": "mm" },
                { "key": "nozzleDiameter", "number": 0.1 + 0.2, "text": null, "unit": "mm" },
            ]),
            "properties by key, numbers exact"
        );
        let makers = nodes[0]["makers"].as_array().unwrap();
        let names: Vec<&str> = makers.iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 3, "staff see every member, a private passport too: {names:?}");
        assert!(names.contains(&"Private"), "{names:?}");
        // The public sees the members whose passports are public, nothing of the other.
        let public = app
            .public_data("{ facilities(first: 10) { nodes { makers { name } } } }", json!({}))
            .await;
        assert!(!public.to_string().contains("Private"), "{public}");
        assert_eq!(public["facilities"]["nodes"][0]["makers"].as_array().unwrap().len(), 2, "{public}");
        assert!(names.iter().any(|n| n.starts_with("Esi")) && names.iter().any(|n| n.starts_with("Kofi")));
        let esi = makers.iter().find(|m| m["name"].as_str().unwrap().starts_with("Esi")).unwrap();
        let kofi = makers.iter().find(|m| m["name"].as_str().unwrap().starts_with("Kofi")).unwrap();
        assert_eq!(kofi["skills"], json!([]));
        let skills = esi["skills"].as_array().unwrap();
        let labels: Vec<&str> = skills.iter().map(|s| s["label"].as_str().unwrap()).collect();
        assert_eq!(labels, ["MIG welding", "Pattern cutting", "Soldering"], "claims oldest first");
        assert_eq!(skills[0]["level"], "EXPERT");
        assert_eq!(skills[0]["processId"], "mig-welding");
        assert_eq!(skills[0]["evidenceUrl"], "https://example.org/esi/cnc");
        assert_eq!(skills[0]["years"].as_f64(), Some(2.123_456_789_012_345_7));
        assert_eq!(skills[1]["years"], json!(null));
        assert_eq!(skills[1]["evidenceUrl"], json!(null));
        assert_eq!(skills[1]["processId"], json!(null));
        assert_eq!(skills[2]["years"].as_f64(), Some(0.1 + 0.2));
        // The same claims one maker at a time (no facility page to prefetch them).
        let one = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Facility { makers { name skills { label years } } } } }",
                json!({ "id": nodes_id(&app, lab.value.id).await }),
            )
            .await;
        let again = one["node"]["makers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"].as_str().unwrap().starts_with("Esi"))
            .unwrap()
            .clone();
        assert_eq!(again["skills"][0]["years"].as_f64(), Some(2.123_456_789_012_345_7));
        assert_eq!(again["skills"][2]["label"], "Soldering");
        app.stop().await;
    })
    .await;
}

/// Facility lists keep each facility's machines and members between requests (the list
/// cache); a write shows on the next page once the index has it, as a mutation's answer
/// waits for.
#[tokio::test]
async fn a_facility_list_shows_each_write_once_indexed_though_its_details_are_kept_between_requests()
 {
    use makermatch_api::services::makers::SkillClaimInput;
    use makermatch_entities::skill_claim::SkillLevel;
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let lab = facilities::create(&app.db, workshop(0)).await.unwrap();
        let lab_id = lab.value.id;
        let member = |name: &str, skills: Vec<&str>| MakerInput {
            first_name: Some(name.into()),
            public_profile: true,
            affiliations: vec![AffiliationInput {
                facility_id: lab_id,
                role: "member".into(),
            }],
            skills: skills
                .into_iter()
                .map(|s| SkillClaimInput {
                    skill: s.into(),
                    process_id: None,
                    level: SkillLevel::Intermediate,
                    years: None,
                    evidence_url: None,
                })
                .collect(),
            ..Default::default()
        };
        let esi = makers::create(&app.db, member("Esi", vec!["Soldering"])).await.unwrap();
        app.wait_indexed(esi.outbox_seq).await;
        let page = "{ facilities(first: 10) { nodes { name equipment { make model properties { key number } } makers { name skills { label } } } } }";
        let shown = |d: serde_json::Value| d["facilities"]["nodes"][0].clone();
        let first = shown(app.data(page, json!({})).await);
        assert_eq!(first["equipment"][0]["make"], "Prusa Research");
        assert_eq!(first["makers"][0]["skills"], json!([{ "label": "Soldering" }]));
        // Asked again, the same (now from the cache).
        assert_eq!(shown(app.data(page, json!({})).await), first);

        // A new machine and a changed property, written through the API.
        let mut input = workshop(0);
        input.equipment[0].properties[0].number = Some(300.0);
        input.equipment.push(EquipmentInput {
            equipment_type: "laser-cutter".into(),
            process_id: None,
            make: Some("Trotec".into()),
            model: Some("Speedy 100".into()),
            serial_number: None,
            quantity: 1,
            condition: None,
            notes: None,
            properties: vec![],
        });
        let replaced = facilities::replace(&app.db, lab_id, input).await.unwrap();
        app.wait_indexed(replaced.outbox_seq).await;
        let after = shown(app.data(page, json!({})).await);
        let makes: Vec<&str> = after["equipment"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["make"].as_str().unwrap())
            .collect();
        assert_eq!(makes.len(), 2, "{after}");
        assert!(makes.contains(&"Trotec"), "{after}");
        let prusa = after["equipment"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["make"] == "Prusa Research")
            .unwrap();
        assert_eq!(prusa["properties"][0]["number"], 300.0);

        // A member's new claim; a new member; then a member who hides their passport.
        let more = makers::replace(&app.db, &makermatch_api::services::actor::Actor::operator(), esi.value.id, member("Esi", vec!["Soldering", "Sewing"]))
            .await
            .unwrap();
        app.wait_indexed(more.outbox_seq).await;
        let after = shown(app.data(page, json!({})).await);
        assert_eq!(
            after["makers"][0]["skills"],
            json!([{ "label": "Soldering" }, { "label": "Sewing" }])
        );
        let kofi = makers::create(&app.db, member("Kofi", vec![])).await.unwrap();
        app.wait_indexed(kofi.outbox_seq).await;
        let names = |d: &serde_json::Value| -> Vec<String> {
            let mut n: Vec<String> = d["makers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["name"].as_str().unwrap().to_owned())
                .collect();
            n.sort();
            n
        };
        assert_eq!(names(&shown(app.data(page, json!({})).await)), ["Esi", "Kofi"]);
        let mut private = member("Esi", vec!["Soldering"]);
        private.public_profile = false;
        let hidden = makers::replace(&app.db, &makermatch_api::services::actor::Actor::operator(), esi.value.id, private).await.unwrap();
        app.wait_indexed(hidden.outbox_seq).await;
        // The public no longer sees her; staff still do (the same cached page for both).
        assert_eq!(names(&shown(app.public_data(page, json!({})).await)), ["Kofi"]);
        assert_eq!(names(&shown(app.data(page, json!({})).await)), ["Esi", "Kofi"]);

        // Deleted through the GraphQL mutation, which answers once the index has it.
        let kofi_id = app
            .data(
                "{ makers(text: \"Kofi\", first: 1) { nodes { id } } }",
                json!({}),
            )
            .await["makers"]["nodes"][0]["id"]
            .clone();
        app.data(
            "mutation($id: ID!) { deleteMaker(id: $id) { id } }",
            json!({ "id": kofi_id }),
        )
        .await;
        assert_eq!(
            shown(app.public_data(page, json!({})).await)["makers"],
            json!([]),
            "the deleted member is gone at once"
        );
        assert_eq!(names(&shown(app.data(page, json!({})).await)), ["Esi"]);
        app.stop().await;
    })
    .await;
}

/// Facility lists keep each facility's own row between requests too. Completing an
/// assignment ends the facility's probation: the next page shows it, as the mutation's
/// answer waits for.
#[tokio::test]
async fn completing_an_assignment_ends_probation_on_the_next_page() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let mut input = workshop(0);
        input.on_probation = true;
        let lab = facilities::create(&app.db, input).await.unwrap();
        app.wait_indexed(lab.outbox_seq).await;
        let page = "{ facilities(first: 10) { nodes { name onProbation } } }";
        let probation = |d: serde_json::Value| d["facilities"]["nodes"][0]["onProbation"].clone();
        assert_eq!(probation(app.data(page, json!({})).await), json!(true));
        // Asked again, the same (now from the cache).
        assert_eq!(probation(app.data(page, json!({})).await), json!(true));

        let facility = nodes_id(&app, lab.value.id).await;
        let job = app
            .data(
                "mutation { createJob(input: { title: \"Splints\", quantity: 10, status: OPEN }) { id } }",
                json!({}),
            )
            .await["createJob"]["id"]
            .clone();
        let assignment = app
            .data(
                "mutation($j: ID!, $f: ID!) { proposeAssignment(input: { jobId: $j, facilityId: $f, quantity: 10 }) { id } }",
                json!({ "j": job, "f": facility }),
            )
            .await["proposeAssignment"]["id"]
            .clone();
        let step = "mutation($a: ID!, $s: AssignmentStep!) { transitionAssignment(id: $a, step: $s) { status } }";
        for (s, status) in [
            ("ACCEPT", "ACCEPTED"),
            ("START_PRODUCTION", "IN_PRODUCTION"),
            ("DELIVER", "DELIVERED"),
        ] {
            let d = app.data(step, json!({ "a": assignment, "s": s })).await;
            assert_eq!(d["transitionAssignment"]["status"], status, "{d}");
            assert_eq!(probation(app.data(page, json!({})).await), json!(true), "{s}");
        }
        let d = app.data(step, json!({ "a": assignment, "s": "COMPLETE" })).await;
        assert_eq!(d["transitionAssignment"]["status"], "COMPLETED", "{d}");
        assert_eq!(probation(app.data(page, json!({})).await), json!(false));
        let one = app
            .data(
                "query($id: ID!) { facility(id: $id) { onProbation } }",
                json!({ "id": facility }),
            )
            .await;
        assert_eq!(one["facility"]["onProbation"], json!(false), "{one}");
        app.stop().await;
    })
    .await;
}

/// The global id of a facility, as the API shows it.
async fn nodes_id(app: &TestApp, uuid: uuid::Uuid) -> String {
    let d = app
        .data(
            "{ facilities(first: 100) { nodes { id uuid } } }",
            json!({}),
        )
        .await;
    d["facilities"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["uuid"] == json!(uuid.to_string()))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
