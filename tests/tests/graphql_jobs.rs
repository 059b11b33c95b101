//! Jobs and programmes over GraphQL on the real server: mutations that read their own
//! writes, requirements resolved through the taxonomy, `near` ordering on delivery points
//! checked against an independent Haversine, pagination without duplicates or gaps, the
//! programme filter, `node`, `search`, and errors naming their fields.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::HashSet;

use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};

const JOB_FIELDS: &str = "id uuid title name description designRef quantity tier unitPrice { amountMinor currency } totalPrice { amountMinor currency } deadline deliveryPoint { name lat lon } maxDistanceKm prototypeFirst qaInspector status requirements { kind term label required minLevel } programme { id name } source";

fn create_job_query() -> String {
    format!("mutation($input: JobInput!) {{ createJob(input: $input) {{ {JOB_FIELDS} }} }}")
}

async fn create_job(app: &TestApp, input: Value) -> Value {
    app.data(&create_job_query(), json!({ "input": input }))
        .await["createJob"]
        .clone()
}

async fn create_programme(app: &TestApp, name: &str) -> Value {
    app.data(
        "mutation($input: ProgrammeInput!) { createProgramme(input: $input) { id name sponsor startsOn endsOn } }",
        json!({ "input": { "name": name, "sponsor": "IMA", "startsOn": "2026-01-05", "endsOn": "2026-06-30" } }),
    )
    .await["createProgramme"]
        .clone()
}

/// Great-circle distance on a sphere of radius 6,371 km, written out here so the test
/// does not trust the code it checks.
fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371.008_8 * a.sqrt().asin()
}

fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

fn error_message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or("")
}

#[tokio::test]
async fn jobs_and_programmes_round_trip_and_read_their_writes() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let programme = create_programme(&app, "IMA trial Ghana").await;
        assert_eq!(programme["sponsor"], "IMA");
        let job = create_job(
            &app,
            json!({
                "programmeId": programme["id"],
                "title": "Pulse oximeter housings",
                "description": "Injection-ready housings for a clinic pilot",
                "designRef": "https://example.org/okh/oximeter.yml",
                "quantity": 100,
                "tier": "SIMPLE_DEVICE",
                "unitPrice": { "amountMinor": 200, "currency": "usd" },
                "deadline": "2026-03-31",
                "deliveryPoint": { "name": "Korle Bu Teaching Hospital", "lat": 5.5364, "lon": -0.2275 },
                "maxDistanceKm": 300,
                "prototypeFirst": true,
                "qaInspector": "inspector-1",
                "status": "OPEN",
                "requirements": [
                    { "kind": "PROCESS", "term": "FDM" },
                    { "kind": "EQUIPMENT", "term": "laser cutting machine", "required": false },
                    { "kind": "MATERIAL", "term": "PLA" },
                    { "kind": "SKILL", "term": "TIG welding", "minLevel": "ADVANCED" },
                    { "kind": "CERTIFICATION", "term": "ISO 13485", "required": false }
                ]
            }),
        )
        .await;
        assert_eq!(job["name"], "Pulse oximeter housings");
        assert_eq!(job["unitPrice"], json!({ "amountMinor": 200, "currency": "USD" }));
        assert_eq!(job["totalPrice"]["amountMinor"], 20_000);
        assert_eq!(job["deliveryPoint"]["name"], "Korle Bu Teaching Hospital");
        assert_eq!(job["status"], "OPEN");
        assert_eq!(job["programme"]["id"], programme["id"]);
        assert_eq!(job["source"], "makermatch");
        let requirements = job["requirements"].as_array().unwrap();
        let terms: Vec<(&str, &str, bool)> = requirements
            .iter()
            .map(|r| {
                (
                    r["kind"].as_str().unwrap(),
                    r["term"].as_str().unwrap(),
                    r["required"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            terms,
            [
                ("PROCESS", "fdm", true),
                ("EQUIPMENT", "laser-cutter", false),
                ("MATERIAL", "pla", true),
                ("SKILL", "TIG welding", true),
                ("CERTIFICATION", "ISO 13485", false),
            ],
            "{job}"
        );
        assert_eq!(requirements[1]["label"], "Laser cutter");
        assert_eq!(requirements[3]["minLevel"], "ADVANCED");

        // Read your writes: the next queries find it through the index, a parent process
        // finds a job needing a more specific one.
        for filter in [
            json!({ "text": "oximeter" }),
            json!({ "processes": ["3D printing"] }),
            json!({ "equipmentTypes": ["laser cutter"], "materials": ["PLA"] }),
            json!({ "skills": ["tig welding"], "statuses": ["OPEN"], "tiers": ["simple_device"] }),
            json!({ "programmeId": programme["id"] }),
            json!({ "near": { "lat": 5.6, "lon": -0.2, "radiusKm": 50 } }),
        ] {
            let found = app
                .data(
                    "query($f: JobFilter) { jobs(filter: $f) { totalCount nodes { id distanceKm } } }",
                    json!({ "f": filter }),
                )
                .await;
            assert_eq!(found["jobs"]["totalCount"], 1, "{filter}: {found}");
            assert_eq!(found["jobs"]["nodes"][0]["id"], job["id"]);
        }
        for filter in [
            json!({ "statuses": ["DRAFT", "CANCELLED"] }),
            json!({ "processes": ["welding"] }),
            json!({ "near": { "lat": -1.29, "lon": 36.82, "radiusKm": 100 } }),
        ] {
            let found = app
                .data(
                    "query($f: JobFilter) { jobs(filter: $f) { totalCount } }",
                    json!({ "f": filter }),
                )
                .await;
            assert_eq!(found["jobs"]["totalCount"], 0, "{filter}: {found}");
        }

        let by_id = app
            .data(
                "query($id: ID!, $uuid: ID!) { job(id: $id) { title } plain: job(id: $uuid) { title } node(id: $id) { id ... on Job { quantity programme { name jobs { title } } } } }",
                json!({ "id": job["id"], "uuid": job["uuid"] }),
            )
            .await;
        assert_eq!(by_id["job"]["title"], "Pulse oximeter housings");
        assert_eq!(by_id["plain"]["title"], "Pulse oximeter housings");
        assert_eq!(by_id["node"]["quantity"], 100);
        assert_eq!(
            by_id["node"]["programme"]["jobs"][0]["title"],
            "Pulse oximeter housings"
        );

        let searched = app
            .data(
                r#"{ search(text: "oximeter", kinds: [JOB]) { kind score node { id ... on Job { title } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(searched["search"][0]["kind"], "JOB");
        assert_eq!(searched["search"][0]["node"]["id"], job["id"]);

        // Update replaces every field and requirement.
        let updated = app
            .data(
                &format!(
                    "mutation($id: ID!, $input: JobInput!) {{ updateJob(id: $id, input: $input) {{ {JOB_FIELDS} }} }}"
                ),
                json!({ "id": job["id"], "input": {
                    "title": "Oximeter housings v2",
                    "quantity": 120,
                    "status": "ALLOCATED",
                    "requirements": [{ "kind": "PROCESS", "term": "soudure" }]
                } }),
            )
            .await["updateJob"]
            .clone();
        assert_eq!(updated["id"], job["id"]);
        assert_eq!(updated["status"], "ALLOCATED");
        assert_eq!(updated["programme"], Value::Null);
        assert_eq!(updated["unitPrice"], Value::Null);
        assert_eq!(updated["requirements"][0]["term"], "welding");
        assert_eq!(updated["requirements"].as_array().unwrap().len(), 1);
        let welding = app
            .data(
                r#"{ jobs(filter: { processes: ["welding"], statuses: [ALLOCATED] }) { totalCount nodes { title } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(welding["jobs"]["nodes"][0]["title"], "Oximeter housings v2");
        let old = app
            .data(r#"{ jobs(filter: { text: "oximeter", processes: ["fdm"] }) { totalCount } }"#, json!({}))
            .await;
        assert_eq!(old["jobs"]["totalCount"], 0);

        // Programmes.
        let renamed = app
            .data(
                "mutation($id: ID!) { updateProgramme(id: $id, input: { name: \"IMA trial West Africa\" }) { id name sponsor } }",
                json!({ "id": programme["id"] }),
            )
            .await;
        assert_eq!(renamed["updateProgramme"]["name"], "IMA trial West Africa");
        assert_eq!(renamed["updateProgramme"]["sponsor"], Value::Null);
        create_programme(&app, "IMA trial Kenya").await;
        let listed = app
            .data(
                "query($id: ID!) { programmes(first: 1) { totalCount pageInfo { hasNextPage } nodes { name } } programme(id: $id) { name jobs { id } } node(id: $id) { ... on Programme { name } } }",
                json!({ "id": programme["id"] }),
            )
            .await;
        assert_eq!(listed["programmes"]["totalCount"], 2);
        assert_eq!(listed["programmes"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(listed["programmes"]["nodes"][0]["name"], "IMA trial West Africa");
        assert_eq!(listed["programme"]["jobs"], json!([]));
        assert_eq!(listed["node"]["name"], "IMA trial West Africa");

        // Delete.
        let deleted = app
            .data(
                "mutation($id: ID!) { deleteJob(id: $id) { id } }",
                json!({ "id": job["id"] }),
            )
            .await;
        assert_eq!(deleted["deleteJob"]["id"], job["id"]);
        let gone = app
            .data(
                "query($id: ID!) { jobs { totalCount } job(id: $id) { id } node(id: $id) { id } }",
                json!({ "id": job["id"] }),
            )
            .await;
        assert_eq!(gone["jobs"]["totalCount"], 0);
        assert_eq!(gone["job"], Value::Null);
        assert_eq!(gone["node"], Value::Null);

        // Unknown ids.
        let again = app
            .gql(
                "mutation($id: ID!) { deleteJob(id: $id) { id } }",
                json!({ "id": job["id"] }),
            )
            .await;
        assert_eq!(error_code(&again), "NOT_FOUND", "{again}");
        let update_missing = app
            .gql(
                "mutation($id: ID!) { updateJob(id: $id, input: { title: \"x\", quantity: 1 }) { id } }",
                json!({ "id": job["id"] }),
            )
            .await;
        assert_eq!(error_code(&update_missing), "NOT_FOUND", "{update_missing}");
        let missing_programme = uuid::Uuid::new_v4().to_string();
        let programme_missing = app
            .gql(
                "mutation($id: ID!) { updateProgramme(id: $id, input: { name: \"x\" }) { id } }",
                json!({ "id": missing_programme }),
            )
            .await;
        assert_eq!(error_code(&programme_missing), "NOT_FOUND", "{programme_missing}");
        let filter_missing = app
            .gql(
                "query($id: ID!) { jobs(filter: { programmeId: $id }) { totalCount } }",
                json!({ "id": missing_programme }),
            )
            .await;
        assert_eq!(error_code(&filter_missing), "NOT_FOUND", "{filter_missing}");
        let nothing = app
            .data(
                "query($id: ID!) { programme(id: $id) { id } }",
                json!({ "id": missing_programme }),
            )
            .await;
        assert_eq!(nothing["programme"], Value::Null);
        app.stop().await;
    })
    .await;
}

/// Delivery points: clinics in the IMA trial countries and two Pacific islands either
/// side of the antimeridian.
const CLINICS: &[(&str, f64, f64)] = &[
    ("Komfo Anokye Hospital", 6.6974, -1.6290),
    ("Korle Bu Hospital", 5.5364, -0.2275),
    ("Tema General Hospital", 5.6698, -0.0166),
    ("Kenyatta Hospital", -1.3010, 36.8073),
    ("Coast General Mombasa", -4.0547, 39.6636),
    ("Kisumu County Hospital", -0.0917, 34.7680),
    ("Groote Schuur Hospital", -33.9410, 18.4627),
    ("Chris Hani Baragwanath", -26.2607, 27.9425),
    ("Addington Hospital", -29.8669, 31.0421),
    ("Suva CWM Hospital", -18.1355, 178.4271),
    ("Apia TTM Hospital", -13.8290, -171.7700),
];

#[tokio::test]
async fn near_orders_by_delivery_point_and_pages_have_no_gaps() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let ghana = create_programme(&app, "Ghana").await;
        let elsewhere = create_programme(&app, "Elsewhere").await;
        let tiers = ["SIMPLE_DEVICE", "SIMPLE_PRODUCT", "COMPLEX_PRODUCT"];
        for (i, (name, lat, lon)) in CLINICS.iter().enumerate() {
            let programme = if i < 3 { &ghana } else { &elsewhere };
            create_job(
                &app,
                json!({
                    "programmeId": programme["id"],
                    "title": format!("Kits for {name}"),
                    "quantity": 10 + i,
                    "tier": tiers[i % 3],
                    "status": "OPEN",
                    "deliveryPoint": { "name": name, "lat": lat, "lon": lon },
                }),
            )
            .await;
        }
        // A job without a delivery point never shows under `near`.
        create_job(&app, json!({ "title": "Unplaced kits", "quantity": 5 })).await;

        let (lat, lon) = (5.6, -0.2); // Accra
        let data = app
            .data(
                "query($lat: Float!, $lon: Float!) { jobs(filter: { near: { lat: $lat, lon: $lon, radiusKm: 400 } }, first: 50) { totalCount nodes { deliveryPoint { name lat lon } distanceKm } } }",
                json!({ "lat": lat, "lon": lon }),
            )
            .await;
        let nodes = data["jobs"]["nodes"].as_array().unwrap();
        let names: Vec<&str> = nodes
            .iter()
            .map(|n| n["deliveryPoint"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["Korle Bu Hospital", "Tema General Hospital", "Komfo Anokye Hospital"]
        );
        assert_eq!(data["jobs"]["totalCount"], 3);
        let mut last = 0.0;
        for n in nodes {
            let d = n["distanceKm"].as_f64().unwrap();
            let expected = haversine_km(
                lat,
                lon,
                n["deliveryPoint"]["lat"].as_f64().unwrap(),
                n["deliveryPoint"]["lon"].as_f64().unwrap(),
            );
            assert!((d - expected).abs() < 0.01, "{d} vs {expected}");
            assert!(d >= last);
            last = d;
        }

        // Across the antimeridian: Suva is some 1,150 km from Apia.
        let pacific = app
            .data(
                "{ jobs(filter: { near: { lat: -13.85, lon: -171.75, radiusKm: 1500 } }) { nodes { deliveryPoint { name } } } }",
                json!({}),
            )
            .await;
        let names: Vec<&str> = pacific["jobs"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["deliveryPoint"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Apia TTM Hospital", "Suva CWM Hospital"]);
        let boxed = app
            .data(
                "{ jobs(filter: { within: { minLat: -30, minLon: 170, maxLat: 0, maxLon: -160 } }) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(boxed["jobs"]["totalCount"], 2);

        // Pages of 5 over all 12: every job exactly once, in id order.
        let all = CLINICS.len() + 1;
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let data = app
                .data(
                    "query($after: String) { jobs(first: 5, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { uuid } } } }",
                    json!({ "after": after }),
                )
                .await;
            let conn = &data["jobs"];
            assert_eq!(conn["totalCount"], all);
            for e in conn["edges"].as_array().unwrap() {
                seen.push(e["node"]["uuid"].as_str().unwrap().to_owned());
            }
            pages += 1;
            if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), all);
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted, "without text or near, jobs come by id");

        // The programme filter pages too, and combines with other filters.
        let mut seen = HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let data = app
                .data(
                    "query($p: ID!, $after: String) { jobs(filter: { programmeId: $p }, first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id programme { id } } } }",
                    json!({ "p": elsewhere["id"], "after": after }),
                )
                .await;
            let conn = &data["jobs"];
            assert_eq!(conn["totalCount"], CLINICS.len() - 3);
            for n in conn["nodes"].as_array().unwrap() {
                assert_eq!(n["programme"]["id"], elsewhere["id"]);
                assert!(seen.insert(n["id"].as_str().unwrap().to_owned()));
            }
            if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        assert_eq!(seen.len(), CLINICS.len() - 3);
        let near_in_programme = app
            .data(
                "query($p: ID!) { jobs(filter: { programmeId: $p, tiers: [\"COMPLEX_PRODUCT\"], near: { lat: 5.6, lon: -0.2, radiusKm: 20000 } }) { totalCount nodes { deliveryPoint { name } } } }",
                json!({ "p": elsewhere["id"] }),
            )
            .await;
        // Elsewhere's complex products: indexes 5 (Kisumu) and 8 (Addington), nearest first.
        let names: Vec<&str> = near_in_programme["jobs"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["deliveryPoint"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Kisumu County Hospital", "Addington Hospital"]);
        let listed = app
            .data(
                "query($p: ID!) { programme(id: $p) { jobs { title } } }",
                json!({ "p": ghana["id"] }),
            )
            .await;
        assert_eq!(listed["programme"]["jobs"].as_array().unwrap().len(), 3);
        let tiers = app
            .data(
                r#"{ jobs(filter: { tiers: ["simple_device", "SIMPLE_PRODUCT"] }) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(tiers["jobs"]["totalCount"], 8); // 11 clinics, two tiers in three
        let too_many = app.gql("{ jobs(first: 101) { totalCount } }", json!({})).await;
        assert_eq!(error_code(&too_many), "LIMIT_EXCEEDED");
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn bad_job_input_names_the_field_and_changes_nothing() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let programme = create_programme(&app, "P").await;
        let job = create_job(&app, json!({ "title": "Kept", "quantity": 1 })).await;
        let cases = [
            (
                json!({ "title": "X", "quantity": 1, "requirements": [
                    { "kind": "PROCESS", "term": "FDM" },
                    { "kind": "PROCESS", "term": "basket weaving on mars" }
                ] }),
                "input.requirements[1].term",
            ),
            (
                json!({ "title": "X", "quantity": 1, "requirements": [{ "kind": "MATERIAL", "term": "unobtainium" }] }),
                "input.requirements[0].term",
            ),
            (
                json!({ "title": "X", "quantity": 1, "requirements": [{ "kind": "EQUIPMENT", "term": "flux capacitor" }] }),
                "input.requirements[0].term",
            ),
            (
                json!({ "title": "X", "quantity": 1, "requirements": [{ "kind": "SKILL", "term": " ... " }] }),
                "input.requirements[0].term",
            ),
            (
                json!({ "title": "X", "quantity": 1, "requirements": [{ "kind": "PROCESS", "term": "fdm", "minLevel": "EXPERT" }] }),
                "input.requirements[0].minLevel",
            ),
            (
                json!({ "title": "X", "quantity": 1, "requirements": [
                    { "kind": "PROCESS", "term": "fdm" }, { "kind": "PROCESS", "term": "FDM" }
                ] }),
                "input.requirements[1]",
            ),
            (json!({ "title": "X", "quantity": 0 }), "input.quantity"),
            (json!({ "title": "X", "quantity": -5 }), "input.quantity"),
            (json!({ "title": " ", "quantity": 1 }), "input.title"),
            (
                json!({ "title": "X", "quantity": 1, "deliveryPoint": { "lat": 95.0, "lon": 0.0 } }),
                "input.deliveryPoint.lat",
            ),
            (
                json!({ "title": "X", "quantity": 1, "deliveryPoint": { "lat": 5.0 } }),
                "input.deliveryPoint",
            ),
            (
                json!({ "title": "X", "quantity": 1, "unitPrice": { "amountMinor": 100, "currency": "$$" } }),
                "input.unitPrice.currency",
            ),
            (
                json!({ "title": "X", "quantity": 1, "unitPrice": { "amountMinor": -1, "currency": "USD" } }),
                "input.unitPrice.amountMinor",
            ),
            (
                json!({ "title": "X", "quantity": 1, "maxDistanceKm": -3.0 }),
                "input.maxDistanceKm",
            ),
            (
                json!({ "title": "X", "quantity": 1, "programmeId": job["id"] }),
                "input.programmeId",
            ),
            (
                json!({ "title": "X", "quantity": 1, "programmeId": uuid::Uuid::new_v4().to_string() }),
                "input.programmeId",
            ),
        ];
        for (input, field) in cases {
            let body = app
                .gql(&create_job_query(), json!({ "input": input }))
                .await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{input}: {body}");
            assert!(
                error_message(&body).contains(field),
                "`{field}` not named: {body}"
            );
            assert_eq!(body["errors"][0]["extensions"]["field"].as_str(), error_message(&body).split(':').next());
        }
        let unknown_enum = app
            .gql(
                &create_job_query(),
                json!({ "input": { "title": "X", "quantity": 1, "status": "SLEEPING" } }),
            )
            .await;
        assert!(error_message(&unknown_enum).contains("SLEEPING"), "{unknown_enum}");
        let unknown_kind = app
            .gql(
                &create_job_query(),
                json!({ "input": { "title": "X", "quantity": 1, "requirements": [{ "kind": "VIBES", "term": "x" }] } }),
            )
            .await;
        assert!(error_message(&unknown_kind).contains("VIBES"), "{unknown_kind}");
        let bad_update = app
            .gql(
                "mutation($id: ID!) { updateJob(id: $id, input: { title: \"X\", quantity: 0 }) { id } }",
                json!({ "id": job["id"] }),
            )
            .await;
        assert!(error_message(&bad_update).contains("input.quantity"), "{bad_update}");
        let wrong_id = app
            .gql(
                "mutation($id: ID!) { deleteJob(id: $id) { id } }",
                json!({ "id": programme["id"] }),
            )
            .await;
        assert_eq!(error_code(&wrong_id), "BAD_USER_INPUT");
        assert!(error_message(&wrong_id).contains("Programme"), "{wrong_id}");
        for (filter, field) in [
            (json!({ "processes": ["basket weaving on mars"] }), "filter.processes[0]"),
            (json!({ "near": { "lat": 0, "lon": 200, "radiusKm": 5 } }), "filter.near.lon"),
            (json!({ "skills": ["!!"] }), "filter.skills[0]"),
            (json!({ "programmeId": "nope" }), "filter.programmeId"),
        ] {
            let body = app
                .gql(
                    "query($f: JobFilter) { jobs(filter: $f) { totalCount } }",
                    json!({ "f": filter }),
                )
                .await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
            assert!(error_message(&body).contains(field), "`{field}` not named: {body}");
        }
        let bad_programme = app
            .gql(
                "mutation { createProgramme(input: { name: \"X\", startsOn: \"2026-05-01\", endsOn: \"2026-04-01\" }) { id } }",
                json!({}),
            )
            .await;
        assert!(error_message(&bad_programme).contains("input.endsOn"), "{bad_programme}");
        let stats = app.data("{ stats { jobs programmes } }", json!({})).await;
        assert_eq!(stats["stats"], json!({ "jobs": 1, "programmes": 1 }), "nothing was written");
        app.stop().await;
    })
    .await;
}

/// A job's quantity never drops below what its active assignments hold: `updateJob` is
/// refused with `CONFLICT` and changes nothing; once assignments are cancelled it may.
#[tokio::test]
async fn update_job_keeps_quantity_above_active_assignments() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let facility = app
            .data(
                "mutation { createFacility(input: { name: \"Ho Makers\" }) { id } }",
                json!({}),
            )
            .await["createFacility"]["id"]
            .clone();
        let job = create_job(&app, json!({ "title": "Crutch tips", "quantity": 10, "status": "OPEN" })).await;
        let mut assignments = Vec::new();
        for _ in 0..2 {
            let a = app
                .data(
                    "mutation($input: ProposeAssignmentInput!) { proposeAssignment(input: $input) { id } }",
                    json!({ "input": { "jobId": job["id"], "facilityId": facility, "quantity": 4 } }),
                )
                .await["proposeAssignment"]["id"]
                .clone();
            assignments.push(a);
        }
        let update = "mutation($id: ID!, $input: JobInput!) { updateJob(id: $id, input: $input) { quantity } }";
        let shrink = app
            .gql(update, json!({ "id": job["id"], "input": { "title": "Crutch tips", "quantity": 3 } }))
            .await;
        assert_eq!(error_code(&shrink), "CONFLICT", "{shrink}");
        assert!(error_message(&shrink).contains('8'), "{shrink}");
        let read = app
            .data("query($id: ID!) { job(id: $id) { quantity } }", json!({ "id": job["id"] }))
            .await;
        assert_eq!(read["job"]["quantity"], 10, "the refused update changed the job");
        // Down to exactly what is held is fine.
        let exact = app
            .data(update, json!({ "id": job["id"], "input": { "title": "Crutch tips", "quantity": 8 } }))
            .await;
        assert_eq!(exact["updateJob"]["quantity"], 8);
        app.data(
            "mutation($id: ID!) { transitionAssignment(id: $id, step: CANCEL) { status } }",
            json!({ "id": assignments[0] }),
        )
        .await;
        let after_cancel = app
            .data(update, json!({ "id": job["id"], "input": { "title": "Crutch tips", "quantity": 4 } }))
            .await;
        assert_eq!(after_cancel["updateJob"]["quantity"], 4);
        app.stop().await;
    })
    .await;
}

/// A facility holding assignments cannot be deleted from under them: `CONFLICT` saying
/// what to do (recognised from the database's constraint, on both backends), and the
/// facility is still there.
#[tokio::test]
async fn a_facility_with_assignments_is_not_deleted() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let facility = app
            .data(
                "mutation { createFacility(input: { name: \"Tema Works\" }) { id } }",
                json!({}),
            )
            .await["createFacility"]["id"]
            .clone();
        let job = create_job(
            &app,
            json!({ "title": "Trays", "quantity": 5, "status": "OPEN" }),
        )
        .await;
        app.data(
            "mutation($input: ProposeAssignmentInput!) { proposeAssignment(input: $input) { id } }",
            json!({ "input": { "jobId": job["id"], "facilityId": facility, "quantity": 2 } }),
        )
        .await;
        let refused = app
            .gql(
                "mutation($id: ID!) { deleteFacility(id: $id) { id } }",
                json!({ "id": facility }),
            )
            .await;
        assert_eq!(error_code(&refused), "CONFLICT", "{refused}");
        assert!(error_message(&refused).contains("assignments"), "{refused}");
        let still = app
            .data(
                "query($id: ID!) { facility(id: $id) { name } }",
                json!({ "id": facility }),
            )
            .await;
        assert_eq!(still["facility"]["name"], "Tema Works");
        app.stop().await;
    })
    .await;
}
