//! Facilities over GraphQL on the real server: mutations that read their own writes,
//! `near` ordering and distances checked against an independent Haversine, boxes across
//! the antimeridian, pagination without duplicates or gaps, filters, `node`, and errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::HashSet;

use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: FacilityInput!) { createFacility(input: $input) { id name location { lat lon } processes { id } equipment { id equipmentType process { id } properties { key number unit } } } }";

/// Great-circle distance on a sphere of radius 6,371 km, written out here so the test
/// does not trust the code it checks.
fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371.008_8 * a.sqrt().asin()
}

async fn create(app: &TestApp, input: Value) -> Value {
    app.data(CREATE, json!({ "input": input })).await["createFacility"].clone()
}

/// Real places: makerspaces of the IMA trial countries and two Pacific islands either side
/// of the antimeridian.
const PLACES: &[(&str, f64, f64, &str)] = &[
    ("Kumasi Hive", 6.6885, -1.6244, "GH"),
    ("Accra Fab Lab", 5.6037, -0.1870, "GH"),
    ("Tema Workshop", 5.6698, -0.0166, "GH"),
    ("Gearbox Nairobi", -1.2921, 36.8219, "KE"),
    ("Mombasa Makers", -4.0435, 39.6682, "KE"),
    ("Kisumu Lab", -0.0917, 34.7680, "KE"),
    ("Cape Town Makerspace", -33.9249, 18.4241, "ZA"),
    ("Joburg Fab", -26.2041, 28.0473, "ZA"),
    ("Durban Workshop", -29.8587, 31.0218, "ZA"),
    ("Suva Fab Lab", -18.1248, 178.4501, "FJ"),
    ("Apia Makers", -13.8507, -171.7514, "WS"),
];

async fn seed(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, (name, lat, lon, country)) in PLACES.iter().enumerate() {
        let processes = if i % 2 == 0 {
            json!(["FDM", "https://en.wikipedia.org/wiki/Laser_cutting"])
        } else {
            json!(["soudure"])
        };
        out.push(
            create(
                app,
                json!({
                    "name": name,
                    "location": { "lat": lat, "lon": lon, "country": country },
                    "processes": processes,
                    "typicalBatchSize": if i % 3 == 0 { "UP_TO_500" } else { "UP_TO_50" },
                }),
            )
            .await,
        );
    }
    out
}

#[tokio::test]
async fn create_resolves_terms_and_is_searchable_at_once() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let created = create(
            &app,
            json!({
                "name": "Kumasi Hive",
                "location": { "lat": 6.6885, "lon": -1.6244, "country": "gh", "locality": "Kumasi" },
                "processes": ["https://fr.wikipedia.org/wiki/Impression_3D", "CNC"],
                "materials": ["PLA"],
                "equipment": [{
                    "equipmentType": "laser cutter",
                    "make": "Epilog", "model": "Fusion Pro 32",
                    "properties": [{ "key": "laserPower", "number": 80, "unit": "W" }]
                }]
            }),
        )
        .await;
        assert_eq!(created["name"], "Kumasi Hive");
        let equipment = &created["equipment"][0];
        assert_eq!(equipment["process"]["id"], "laser-cutting", "{created}");
        assert_eq!(equipment["properties"][0]["number"], 80.0);
        assert!(created["processes"].as_array().unwrap().len() == 2, "{created}");

        // Read your writes: the very next query finds it through the index.
        let found = app
            .data(
                r#"{ facilities(text: "kumasi") { totalCount nodes { id } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(found["facilities"]["totalCount"], 1);
        assert_eq!(found["facilities"]["nodes"][0]["id"], created["id"]);

        let node = app
            .data(
                "query($id: ID!) { node(id: $id) { id ... on Facility { name } } }",
                json!({ "id": created["id"] }),
            )
            .await;
        assert_eq!(node["node"]["name"], "Kumasi Hive");
        // A machine's id resolves too, to the same machine.
        let machine = app
            .data(
                "query($id: ID!) { node(id: $id) { id ... on Equipment { make model properties { key number unit } } } }",
                json!({ "id": equipment["id"] }),
            )
            .await;
        assert_eq!(machine["node"]["id"], equipment["id"], "{machine}");
        assert_eq!(machine["node"]["model"], "Fusion Pro 32");
        assert_eq!(machine["node"]["properties"], equipment["properties"]);

        let updated = app
            .data(
                "mutation($id: ID!, $input: FacilityInput!) { updateFacility(id: $id, input: $input) { name facilityStatus } }",
                json!({ "id": created["id"], "input": { "name": "Kumasi Hive II", "facilityStatus": "CLOSED" } }),
            )
            .await;
        assert_eq!(updated["updateFacility"]["facilityStatus"], "CLOSED");
        let closed = app
            .data(
                r#"{ facilities(filter: { statuses: [CLOSED] }) { totalCount nodes { name } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(closed["facilities"]["nodes"][0]["name"], "Kumasi Hive II");

        let deleted = app
            .data(
                "mutation($id: ID!) { deleteFacility(id: $id) { id } }",
                json!({ "id": created["id"] }),
            )
            .await;
        assert_eq!(deleted["deleteFacility"]["id"], created["id"]);
        let none = app
            .data("{ facilities { totalCount } }", json!({}))
            .await;
        assert_eq!(none["facilities"]["totalCount"], 0);
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn near_orders_by_distance_and_distances_are_haversine() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        seed(&app).await;
        let (lat, lon) = (5.6, -0.2); // Accra
        let data = app
            .data(
                "query($lat: Float!, $lon: Float!) { facilities(near: { lat: $lat, lon: $lon, radiusKm: 400 }, first: 50) { totalCount nodes { name distanceKm location { lat lon } } } }",
                json!({ "lat": lat, "lon": lon }),
            )
            .await;
        let nodes = data["facilities"]["nodes"].as_array().unwrap();
        let names: Vec<&str> = nodes.iter().map(|n| n["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Accra Fab Lab", "Tema Workshop", "Kumasi Hive"]);
        assert_eq!(data["facilities"]["totalCount"], 3);
        let mut last = 0.0;
        for n in nodes {
            let d = n["distanceKm"].as_f64().unwrap();
            let expected = haversine_km(
                lat,
                lon,
                n["location"]["lat"].as_f64().unwrap(),
                n["location"]["lon"].as_f64().unwrap(),
            );
            assert!((d - expected).abs() < 0.01, "{d} vs {expected}");
            assert!(d >= last);
            last = d;
        }
        // Without `totalCount` the area is not counted (a cheaper walk): the same page.
        let uncounted = app
            .data(
                "query($lat: Float!, $lon: Float!) { facilities(near: { lat: $lat, lon: $lon, radiusKm: 400 }, first: 50) { nodes { name distanceKm location { lat lon } } } }",
                json!({ "lat": lat, "lon": lon }),
            )
            .await;
        assert_eq!(uncounted["facilities"]["nodes"], data["facilities"]["nodes"]);
        // `pageInfo.hasNextPage` needs the total, so it is counted then.
        let first_two = app
            .data(
                "query($lat: Float!, $lon: Float!) { facilities(near: { lat: $lat, lon: $lon, radiusKm: 400 }, first: 2) { pageInfo { hasNextPage } nodes { name } } }",
                json!({ "lat": lat, "lon": lon }),
            )
            .await;
        assert_eq!(first_two["facilities"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(first_two["facilities"]["nodes"][1]["name"], "Tema Workshop");

        // Across the antimeridian: Suva (178.45°E) is 1,150 km from Apia (171.75°W).
        let pacific = app
            .data(
                "{ facilities(near: { lat: -13.85, lon: -171.75, radiusKm: 1500 }) { nodes { name distanceKm } } }",
                json!({}),
            )
            .await;
        let names: Vec<&str> = pacific["facilities"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Apia Makers", "Suva Fab Lab"]);

        let nearest = app
            .data(
                r#"{ nearestFacilities(lat: -1.3, lon: 36.8, k: 2, process: "welding") { name distanceKm } }"#,
                json!({}),
            )
            .await;
        let names: Vec<&str> = nearest["nearestFacilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Gearbox Nairobi", "Kisumu Lab"]);
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn boxes_cross_the_antimeridian_and_pages_have_no_gaps() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    seed(&app).await;
    let pacific = app
        .data(
            "{ facilities(within: { minLat: -30, minLon: 170, maxLat: 0, maxLon: -160 }) { totalCount nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(pacific["facilities"]["totalCount"], 2, "{pacific}");

    // Pages of 4 over all 11: every facility exactly once.
    let mut seen = HashSet::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let data = app
            .data(
                "query($after: String) { facilities(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }",
                json!({ "after": after }),
            )
            .await;
        let conn = &data["facilities"];
        assert_eq!(conn["totalCount"], PLACES.len());
        for e in conn["edges"].as_array().unwrap() {
            assert!(seen.insert(e["node"]["id"].as_str().unwrap().to_owned()));
        }
        pages += 1;
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), PLACES.len());
    assert_eq!(pages, 3);

    // Filters: a taxonomy-aware process filter (3D printing finds FDM), countries, batch size.
    let printing = app
        .data(
            r#"{ facilities(filter: { processes: ["3D printing"], countries: ["gh"] }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(printing["facilities"]["totalCount"], 2); // Kumasi (0) and Tema (2)
    let batch = app
        .data(
            "{ facilities(filter: { batchSizes: [UP_TO_500] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(batch["facilities"]["totalCount"], 4); // indexes 0, 3, 6, 9
    app.stop().await;
}

#[tokio::test]
async fn bad_input_names_the_field_and_changes_nothing() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let cases = [
        (
            json!({ "name": "X", "location": { "lat": 95.0, "lon": 0.0 } }),
            "input.location.lat",
        ),
        (
            json!({ "name": "X", "processes": ["basket weaving on mars"] }),
            "input.processes[0]",
        ),
        (
            json!({ "name": "X", "equipment": [{ "equipmentType": "laser cutter", "quantity": 0 }] }),
            "input.equipment[0].quantity",
        ),
        (json!({ "name": "  " }), "input.name"),
    ];
    for (input, field) in cases {
        let body = app.gql(CREATE, json!({ "input": input })).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "`{field}` not named: {body}"
        );
    }
    let out_of_range = app
        .gql(
            "{ facilities(near: { lat: 0, lon: 200, radiusKm: 5 }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        out_of_range["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert!(
        out_of_range["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("near.lon")
    );
    let unknown_enum = app
        .gql(
            "{ facilities(filter: { statuses: [OPENISH] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(
        unknown_enum["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("OPENISH")
    );
    let none = app.data("{ stats { facilities } }", json!({})).await;
    assert_eq!(none["stats"]["facilities"], 0, "nothing was written");
    app.stop().await;
}
