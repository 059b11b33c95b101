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
        let body: serde_json::Value = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": "{ facilities(first: 100) { totalCount nodes { name equipment { make properties { key number } } processes { id } makers { name } } } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
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
    // Wait for the index to see the writes made behind the server's back.
    for _ in 0..200 {
        let d = app.data("{ searchIndex { appliedSeq } }", json!({})).await;
        if d["searchIndex"]["appliedSeq"].as_i64() >= last {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
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
