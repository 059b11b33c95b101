//! Maker passports over GraphQL on the real server: create / update / delete reading their
//! own writes, skill filters through the taxonomy ("soudure" finds a welder) with least
//! levels, `near` measured on public positions only (never the home), private
//! profiles never listed, `Facility.nearbyMakers`, bad input naming its field and writing
//! nothing, and pages without duplicates or gaps.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::HashSet;

use makermatch_tests::{TestApp, TestDb, assert_public_position, on_each_backend};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: MakerInput!) { createMaker(input: $input) { id uuid name firstName lastName residenceCountry languages publicProfile shareExactLocation location { country city lat lon } skills { label key level years evidenceUrl processId } experiences { title organisation facilityId dateFrom dateTo processes } affiliations { facilityId role } availability { hoursPerWeek availableFrom availableTo } } }";

const UPDATE: &str = "mutation($id: ID!, $input: MakerInput!) { updateMaker(id: $id, input: $input) { id name skills { key level } } }";

const CREATE_FACILITY: &str =
    "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }";

fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    makermatch_tests::haversine_km((lat1, lon1), (lat2, lon2))
}

/// The public position of a node: `location { lat lon }`.
fn public_at(node: &Value) -> (f64, f64) {
    (
        node["location"]["lat"].as_f64().unwrap(),
        node["location"]["lon"].as_f64().unwrap(),
    )
}

async fn create(app: &TestApp, input: Value) -> Value {
    app.data(CREATE, json!({ "input": input })).await["createMaker"].clone()
}

/// A public maker named `name` at an exact position with one skill.
async fn maker_at(
    app: &TestApp,
    name: &str,
    lat: f64,
    lon: f64,
    skill: &str,
    level: &str,
) -> Value {
    create(
        app,
        json!({
            "displayName": name,
            "location": { "lat": lat, "lon": lon, "country": "GH" },
            "publicProfile": true,
            "skills": [{ "skill": skill, "level": level }],
        }),
    )
    .await
}

async fn facility(app: &TestApp, input: Value) -> String {
    app.data(CREATE_FACILITY, json!({ "input": input })).await["createFacility"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn names(nodes: &Value) -> Vec<String> {
    nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The error of a failed request, checked to be `code` and to name `field`.
fn assert_error(body: &Value, code: &str, field: &str) {
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], code, "{body}");
    assert!(
        error["message"].as_str().unwrap().contains(field),
        "`{field}` not named: {body}"
    );
    assert!(
        body["data"].is_null()
            || body["data"]
                .as_object()
                .is_none_or(|d| d.values().all(Value::is_null)),
        "{body}"
    );
}

#[tokio::test]
async fn create_update_delete_read_their_own_writes() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let accra = facility(
            &app,
            json!({ "name": "Accra Fab Lab", "location": { "lat": 5.6037, "lon": -0.187 } }),
        )
        .await;
        let created = create(
            &app,
            json!({
                // Short names are names.
                "firstName": "Ama",
                "lastName": "Oti",
                "bio": "Welds frames for market stalls.",
                "languages": ["en", "tw", "EN"],
                "location": { "country": "gh", "city": "Accra", "lat": 5.6037, "lon": -0.187 },
                "nationality": "gh",
                "residenceCountry": "gh",
                "dateOfBirth": "1990-04-02",
                "email": "ama@example.org",
                "phone": "+233 24 123 4567",
                "publicProfile": true,
                "skills": [{
                    "skill": "TIG  Welding",
                    "level": "EXPERT",
                    "years": 6,
                    "evidenceUrl": "https://example.org/ama/frames"
                }],
                "experiences": [{
                    "title": "Welder",
                    "facilityId": accra,
                    "dateFrom": "2019-01-01",
                    "dateTo": "2021-06-30",
                    "processes": ["soudure", "FDM", "welding"]
                }, {
                    "title": "Apprentice",
                    "organisation": "Suame Magazine workshops"
                }],
                "affiliations": [{ "facilityId": accra, "role": "staff" }],
                "availability": [{ "hoursPerWeek": 10, "availableFrom": "2025-01-01" }],
            }),
        )
        .await;
        assert_eq!(created["name"], "Ama Oti");
        assert_eq!(created["residenceCountry"], "GH");
        assert_eq!(created["languages"], json!(["en", "tw"]));
        assert_eq!(created["publicProfile"], true);
        assert_eq!(created["shareExactLocation"], false);
        // Only the public position is shown: 5–11 km from the home.
        assert_eq!(created["location"]["country"], "GH");
        assert_eq!(created["location"]["city"], "Accra");
        assert_public_position((5.6037, -0.187), public_at(&created));
        let skill = &created["skills"][0];
        assert_eq!(skill["key"], "tig welding");
        assert_eq!(skill["label"], "TIG  Welding");
        assert_eq!(skill["level"], "EXPERT");
        assert_eq!(skill["years"], 6.0);
        assert_eq!(skill["processId"], "tig-welding");
        let experience = &created["experiences"];
        assert_eq!(experience.as_array().unwrap().len(), 2, "{created}");
        let welder = experience
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["title"] == "Welder")
            .unwrap();
        assert_eq!(welder["facilityId"], accra.as_str());
        assert_eq!(welder["processes"], json!(["welding", "fdm"]));
        assert_eq!(
            created["affiliations"],
            json!([{ "facilityId": accra, "role": "staff" }])
        );
        assert_eq!(created["availability"][0]["hoursPerWeek"], 10.0);

        // Read your writes: the very next queries find her through the index.
        let found = app
            .public_data(
                r#"{ makers(text: "Ama") { totalCount nodes { id } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(found["makers"]["totalCount"], 1);
        assert_eq!(found["makers"]["nodes"][0]["id"], created["id"]);
        let by_skill = app
            .public_data(
                r#"{ makers(filter: { skills: ["tig welding"], countries: ["GH"] }) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(by_skill["makers"]["totalCount"], 1);
        let members = app
            .public_data(
                "query($id: ID!) { facility(id: $id) { makers { name } } node(id: $id) { id } }",
                json!({ "id": accra }),
            )
            .await;
        assert_eq!(members["facility"]["makers"][0]["name"], "Ama Oti");
        let node = app
            .public_data(
                "query($id: ID!) { node(id: $id) { ... on Maker { name } } maker(id: $id) { uuid } }",
                json!({ "id": created["id"] }),
            )
            .await;
        assert_eq!(node["node"]["name"], "Ama Oti");
        assert_eq!(node["maker"]["uuid"], created["uuid"]);

        // Private parts of the passport are withheld from the public: null and FORBIDDEN,
        // field by field; the public location type has no room for a home.
        for private in ["email", "phone", "dateOfBirth", "nationality", "exactLocation { lat }"] {
            let body = app
                .anon(
                    &format!("query($id: ID!) {{ maker(id: $id) {{ name {private} }} }}"),
                    json!({ "id": created["id"] }),
                )
                .await;
            let field = private.split(' ').next().unwrap();
            assert_eq!(body["data"]["maker"]["name"], "Ama Oti", "{body}");
            assert!(body["data"]["maker"][field].is_null(), "`{field}` shown: {body}");
            let error = &body["errors"][0];
            assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
            assert_eq!(error["path"], json!(["maker", field]), "{body}");
            assert!(error["message"].as_str().unwrap().contains(field), "{body}");
        }
        let fields = app
            .public_data(
                r#"{ location: __type(name: "PublicLocation") { fields { name } } }"#,
                json!({}),
            )
            .await;
        let shown: HashSet<&str> = fields["location"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(shown, HashSet::from(["country", "city", "lat", "lon"]));

        // Update replaces the passport.
        let updated = app
            .data(
                UPDATE,
                json!({ "id": created["id"], "input": {
                    "firstName": "Ama", "lastName": "Owusu", "publicProfile": true,
                    "skills": [{ "skill": "Laser cutting", "level": "NOVICE" }],
                }}),
            )
            .await;
        assert_eq!(updated["updateMaker"]["name"], "Ama Owusu");
        assert_eq!(
            updated["updateMaker"]["skills"],
            json!([{ "key": "laser cutting", "level": "NOVICE" }])
        );
        let count = |text: &'static str| {
            let app = &app;
            async move {
                app.public_data(
                    "query($text: String) { makers(text: $text) { totalCount } }",
                    json!({ "text": text }),
                )
                .await["makers"]["totalCount"]
                    .as_u64()
                    .unwrap()
            }
        };
        assert_eq!(count("Owusu").await, 1);
        assert_eq!(count("Oti").await, 0);
        let old_skill = app
            .public_data(
                r#"{ makers(filter: { skills: ["TIG welding"] }) { totalCount } facility: facilities { nodes { makers { name } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(old_skill["makers"]["totalCount"], 0);
        assert_eq!(old_skill["facility"]["nodes"][0]["makers"], json!([]));

        // Withdrawing consent hides the profile at once.
        app.data(
            UPDATE,
            json!({ "id": created["id"], "input": { "firstName": "Ama", "lastName": "Owusu" } }),
        )
        .await;
        assert_eq!(count("Owusu").await, 0);
        let hidden = app
            .public_data(
                "query($id: ID!) { maker(id: $id) { id } node(id: $id) { id } }",
                json!({ "id": created["id"] }),
            )
            .await;
        assert!(hidden["maker"].is_null() && hidden["node"].is_null(), "{hidden}");

        let deleted = app
            .data(
                "mutation($id: ID!) { deleteMaker(id: $id) { id } }",
                json!({ "id": created["id"] }),
            )
            .await;
        assert_eq!(deleted["deleteMaker"]["id"], created["id"]);
        let stats = app.public_data("{ stats { makers } }", json!({})).await;
        assert_eq!(stats["stats"]["makers"], 0);
        let again = app
            .gql(
                "mutation($id: ID!) { deleteMaker(id: $id) { id } }",
                json!({ "id": created["id"] }),
            )
            .await;
        assert_eq!(again["errors"][0]["extensions"]["code"], "NOT_FOUND", "{again}");
        let gone = app
            .gql(
                UPDATE,
                json!({ "id": created["id"], "input": { "displayName": "Ghost" } }),
            )
            .await;
        assert_eq!(gone["errors"][0]["extensions"]["code"], "NOT_FOUND", "{gone}");
        let wrong_type = app
            .gql(
                "mutation($id: ID!) { deleteMaker(id: $id) { id } }",
                json!({ "id": accra }),
            )
            .await;
        assert_error(&wrong_type, "BAD_USER_INPUT", "id");
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn skill_filters_go_through_the_taxonomy_and_levels() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        maker_at(&app, "Kofi", 5.6, -0.2, "Welding", "ADVANCED").await;
        maker_at(&app, "Abena", 5.6, -0.2, "MIG welding", "NOVICE").await;
        maker_at(&app, "Zola", 5.6, -0.2, "Welding operator", "INTERMEDIATE").await;
        maker_at(&app, "Wanjiru", -1.29, 36.82, "FDM printing", "EXPERT").await;
        maker_at(&app, "Baraka", -1.29, 36.82, "Project management", "EXPERT").await;
        // A welder who did not consent to be listed.
        create(
            &app,
            json!({
                "displayName": "Juma",
                "location": { "lat": 5.6, "lon": -0.2 },
                "skills": [{ "skill": "soudure", "level": "EXPERT" }],
            }),
        )
        .await;
        let find = |skills: Value, min_level: Option<&'static str>| {
            let app = &app;
            async move {
                let data = app
                    .public_data(
                        "query($skills: [String!], $min: SkillLevel) { makers(filter: { skills: $skills, minLevel: $min }, first: 50) { totalCount nodes { name } } }",
                        json!({ "skills": skills, "min": min_level }),
                    )
                    .await;
                let found = sorted(names(&data["makers"]["nodes"]));
                assert_eq!(data["makers"]["totalCount"], found.len());
                found
            }
        };
        // French words for welding find every welder, however they wrote it.
        assert_eq!(find(json!(["soudure"]), None).await, ["Abena", "Kofi", "Zola"]);
        assert_eq!(find(json!(["Soudage"]), None).await, ["Abena", "Kofi", "Zola"]);
        assert_eq!(find(json!(["soudure"]), Some("ADVANCED")).await, ["Kofi"]);
        assert_eq!(find(json!(["welding"]), Some("INTERMEDIATE")).await, ["Kofi", "Zola"]);
        assert!(find(json!(["welding"]), Some("EXPERT")).await.is_empty());
        // A narrower skill is not met by a broader one.
        assert_eq!(find(json!(["GMAW"]), None).await, ["Abena"]);
        assert!(find(json!(["TIG welding"]), None).await.is_empty());
        // Taxonomy-aware both ways down: 3D printing is met by FDM printing.
        assert_eq!(find(json!(["impression 3D"]), Some("EXPERT")).await, ["Wanjiru"]);
        // Words that name no process match as written.
        assert_eq!(find(json!(["project  management"]), None).await, ["Baraka"]);
        // All of the skills.
        assert!(find(json!(["soudure", "3D printing"]), None).await.is_empty());
        // The private welder is never listed, not even by name.
        let private = app
            .public_data(
                r#"{ makers(text: "Juma") { totalCount } all: makers(first: 100) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(private["makers"]["totalCount"], 0);
        assert_eq!(private["all"]["totalCount"], 5);
        // Text goes through the taxonomy too.
        let text = app
            .public_data(
                r#"{ makers(text: "soudure", first: 50) { nodes { name } } }"#,
                json!({}),
            )
            .await;
        let by_text = sorted(names(&text["makers"]["nodes"]));
        assert!(by_text.contains(&"Kofi".to_owned()), "{by_text:?}");
        assert!(!by_text.contains(&"Juma".to_owned()), "{by_text:?}");
        app.stop().await;
    })
    .await;
}

/// The query point of `near_measures_public_positions_never_homes`.
const Q: (f64, f64) = (5.64, -0.2);

#[tokio::test]
async fn near_measures_public_positions_never_homes() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        // Homes 3.0 km north and 3.3 km south of Q, and one 19 km away.
        let homes = [
            ("Home North", (5.667, -0.2)),
            ("Home South", (5.61, -0.2)),
            ("Further", (5.81, -0.26)),
        ];
        let mut public = std::collections::HashMap::new();
        for (name, home) in homes {
            let created = maker_at(&app, name, home.0, home.1, "Welding", "EXPERT").await;
            assert_public_position(home, public_at(&created));
            public.insert(name.to_owned(), public_at(&created));
        }
        // Not public: never listed, even at Q itself.
        create(
            &app,
            json!({ "displayName": "Hidden", "location": { "lat": Q.0, "lon": Q.1 } }),
        )
        .await;
        let near = |radius: f64| {
            let app = &app;
            async move {
                app.public_data(
                    "query($lat: Float!, $lon: Float!, $r: Float!) { makers(near: { lat: $lat, lon: $lon, radiusKm: $r }, first: 50) { totalCount nodes { name distanceKm location { lat lon } } } }",
                    json!({ "lat": Q.0, "lon": Q.1, "r": radius }),
                )
                .await["makers"]
                    .clone()
            }
        };
        // At every radius the answer is exactly the makers whose public position lies
        // within it, nearest first, each at its public distance: the homes play no part.
        for radius in [3.5, 5.0, 8.0, 12.0, 20.0, 50.0] {
            let found = near(radius).await;
            let mut expected: Vec<(f64, String)> = public
                .iter()
                .map(|(name, at)| (haversine_km(Q.0, Q.1, at.0, at.1), name.clone()))
                .filter(|(d, _)| *d <= radius)
                .collect();
            // Makers whose public positions share a grid cell are equally near, in any
            // order: both lists go by distance, then name.
            let by_distance = |a: &(f64, String), b: &(f64, String)| {
                a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1))
            };
            expected.sort_by(by_distance);
            let expected: Vec<String> = expected.into_iter().map(|(_, n)| n).collect();
            let mut got: Vec<(f64, String)> = found["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| {
                    let name = n["name"].as_str().unwrap().to_owned();
                    let at = public[&name];
                    (haversine_km(Q.0, Q.1, at.0, at.1), name)
                })
                .collect();
            assert!(
                got.windows(2).all(|w| w[0].0 <= w[1].0 + 1e-9),
                "nearest first, r = {radius}: {found}"
            );
            got.sort_by(by_distance);
            let got: Vec<String> = got.into_iter().map(|(_, n)| n).collect();
            assert_eq!(got, expected, "r = {radius}: {found}");
            assert_eq!(found["totalCount"], expected.len());
            // Without `totalCount` the area is not counted (a cheaper walk): the same makers.
            let uncounted = app
                .public_data(
                    "query($lat: Float!, $lon: Float!, $r: Float!) { makers(near: { lat: $lat, lon: $lon, radiusKm: $r }, first: 50) { nodes { name } } }",
                    json!({ "lat": Q.0, "lon": Q.1, "r": radius }),
                )
                .await;
            assert_eq!(
                sorted(names(&uncounted["makers"]["nodes"])),
                sorted(expected.clone()),
                "r = {radius}: {uncounted}"
            );
            for n in found["nodes"].as_array().unwrap() {
                let d = n["distanceKm"].as_f64().unwrap();
                let at = public[n["name"].as_str().unwrap()];
                assert_eq!(public_at(n), at);
                assert!((d - haversine_km(Q.0, Q.1, at.0, at.1)).abs() < 0.01, "{d}");
            }
        }
        assert_eq!(near(50.0).await["totalCount"], 3, "the hidden maker is listed");
        // A box around a home (3 km to its corners) never finds its maker, whose public
        // position is at least 5 km away; it finds exactly the public positions inside.
        for (name, (lat, lon)) in homes {
            let (a, b, c, d) = (lat - 0.02, lon - 0.02, lat + 0.02, lon + 0.02);
            let boxed = app
                .public_data(
                    "query($a: Float!, $b: Float!, $c: Float!, $d: Float!) { makers(within: { minLat: $a, minLon: $b, maxLat: $c, maxLon: $d }) { nodes { name } } }",
                    json!({ "a": a, "b": b, "c": c, "d": d }),
                )
                .await;
            let found = sorted(names(&boxed["makers"]["nodes"]));
            assert!(!found.contains(&name.to_owned()), "{name} found at home: {boxed}");
            let inside = sorted(
                public
                    .iter()
                    .filter(|(_, p)| (a..=c).contains(&p.0) && (b..=d).contains(&p.1))
                    .map(|(n, _)| n.clone())
                    .collect(),
            );
            assert_eq!(found, inside);
        }
        // Text with `near`: every hit carries its public distance.
        let text = app
            .public_data(
                r#"{ makers(text: "welding", near: { lat: 5.64, lon: -0.2, radiusKm: 50 }) { nodes { name distanceKm location { lat lon } } } }"#,
                json!({}),
            )
            .await;
        let hits = text["makers"]["nodes"].as_array().unwrap();
        assert_eq!(hits.len(), 3, "{text}");
        for n in hits {
            let at = public_at(n);
            let d = n["distanceKm"].as_f64().unwrap();
            assert!((d - haversine_km(Q.0, Q.1, at.0, at.1)).abs() < 0.01, "{d}");
        }
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_public_position_is_drawn_once_per_home() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let home = (5.6037, -0.187);
        let created = maker_at(&app, "Ama", home.0, home.1, "Welding", "EXPERT").await;
        let first = public_at(&created);
        assert_public_position(home, first);
        // Edits that leave the home where it is keep the public position: redrawing it
        // would let repeated edits be averaged back to the home.
        for bio in ["Welds.", "Welds frames.", "Welds frames and gates."] {
            let updated = app
                .data(
                    "mutation($id: ID!, $input: MakerInput!) { updateMaker(id: $id, input: $input) { location { lat lon } } }",
                    json!({ "id": created["id"], "input": {
                        "displayName": "Ama", "bio": bio, "publicProfile": true,
                        "location": { "lat": home.0, "lon": home.1, "country": "GH" },
                    }}),
                )
                .await;
            assert_eq!(public_at(&updated["updateMaker"]), first);
        }
        // A move draws a new one around the new home.
        let moved = (6.6885, -1.6244);
        let updated = app
            .data(
                "mutation($id: ID!, $input: MakerInput!) { updateMaker(id: $id, input: $input) { location { lat lon } } }",
                json!({ "id": created["id"], "input": {
                    "displayName": "Ama", "publicProfile": true,
                    "location": { "lat": moved.0, "lon": moved.1, "country": "GH" },
                }}),
            )
            .await;
        assert_public_position(moved, public_at(&updated["updateMaker"]));
        // Removing the home removes the public position too.
        let unplaced = app
            .data(
                "mutation($id: ID!, $input: MakerInput!) { updateMaker(id: $id, input: $input) { location { lat lon } } }",
                json!({ "id": created["id"], "input": { "displayName": "Ama", "publicProfile": true } }),
            )
            .await;
        assert_eq!(unplaced["updateMaker"]["location"], json!({ "lat": null, "lon": null }));
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn facilities_list_nearby_makers_with_skills() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let accra = facility(
            &app,
            json!({ "name": "Accra Fab Lab", "location": { "lat": 5.6037, "lon": -0.187 } }),
        )
        .await;
        let nowhere = facility(&app, json!({ "name": "Mobile Lab" })).await;
        maker_at(&app, "Kofi", 5.59, -0.19, "Welding", "ADVANCED").await;
        maker_at(&app, "Efua", 5.61, -0.21, "3D printing", "EXPERT").await;
        // 31 km away: farther than Kofi wherever both are shown, within 50 km however.
        maker_at(&app, "Ama", 5.85, -0.05, "MIG welding", "NOVICE").await;
        maker_at(&app, "Kwesi", 6.69, -1.62, "soudure", "EXPERT").await; // Kumasi
        create(
            &app,
            json!({
                "displayName": "Private Welder",
                "location": { "lat": 5.6037, "lon": -0.187 },
                "skills": [{ "skill": "Welding", "level": "EXPERT" }],
            }),
        )
        .await;
        // As the public sees it (staff would also see the private welder).
        let nearby = |id: String, skills: Value, radius: f64, first: Option<i32>| {
            let app = &app;
            async move {
                app.anon(
                    "query($id: ID!, $skills: [String!], $r: Float!, $first: Int) { facility(id: $id) { location { lat lon } nearbyMakers(skills: $skills, radiusKm: $r, first: $first) { name distanceKm location { lat lon } } } }",
                    json!({ "id": id, "skills": skills, "r": radius, "first": first }),
                )
                .await
            }
        };
        let welders = nearby(accra.clone(), json!(["Soudure"]), 50.0, None).await;
        let f = &welders["data"]["facility"];
        assert_eq!(names(&f["nearbyMakers"]), ["Kofi", "Ama"], "{welders}");
        let (flat, flon) = (
            f["location"]["lat"].as_f64().unwrap(),
            f["location"]["lon"].as_f64().unwrap(),
        );
        let mut last = 0.0;
        for m in f["nearbyMakers"].as_array().unwrap() {
            let d = m["distanceKm"].as_f64().unwrap();
            let expected = haversine_km(
                flat,
                flon,
                m["location"]["lat"].as_f64().unwrap(),
                m["location"]["lon"].as_f64().unwrap(),
            );
            assert!((d - expected).abs() < 0.01, "{d} vs {expected}");
            assert!(d >= last);
            last = d;
        }
        let far = nearby(accra.clone(), json!(["welding"]), 300.0, None).await;
        assert_eq!(
            names(&far["data"]["facility"]["nearbyMakers"]),
            ["Kofi", "Ama", "Kwesi"],
            "{far}"
        );
        let everyone = nearby(accra.clone(), Value::Null, 50.0, None).await;
        assert_eq!(
            sorted(names(&everyone["data"]["facility"]["nearbyMakers"])),
            ["Ama", "Efua", "Kofi"],
            "{everyone}"
        );
        let one = nearby(accra.clone(), Value::Null, 50.0, Some(1)).await;
        assert_eq!(
            one["data"]["facility"]["nearbyMakers"].as_array().unwrap().len(),
            1
        );
        let none = nearby(accra.clone(), json!(["welding", "3D printing"]), 50.0, None).await;
        assert_eq!(none["data"]["facility"]["nearbyMakers"], json!([]));
        // A facility without coordinates has nobody nearby.
        let unplaced = nearby(nowhere.clone(), Value::Null, 20_000.0, None).await;
        assert_eq!(unplaced["data"]["facility"]["nearbyMakers"], json!([]), "{unplaced}");

        // A page over 100 is over a limit, as for every list (`relay::page_size`).
        for (radius, first, skills, field, code) in [
            (0.0, None, Value::Null, "radiusKm", "BAD_USER_INPUT"),
            (-3.0, None, Value::Null, "radiusKm", "BAD_USER_INPUT"),
            (50.0, Some(101), Value::Null, "first", "LIMIT_EXCEEDED"),
            (50.0, Some(0), Value::Null, "first", "BAD_USER_INPUT"),
            (50.0, None, json!(["welding", "  "]), "skills[1]", "BAD_USER_INPUT"),
        ] {
            let body = nearby(accra.clone(), skills, radius, first).await;
            assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
            assert!(
                body["errors"][0]["message"].as_str().unwrap().contains(field),
                "`{field}` not named: {body}"
            );
        }
        let bad_radius = nearby(nowhere, Value::Null, -1.0, None).await;
        assert_eq!(bad_radius["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let unknown = uuid::Uuid::now_v7().to_string();
        let skills = json!([
            { "skill": "Welding", "level": "EXPERT" },
            { "skill": "CNC milling", "level": "NOVICE" },
            { "skill": "Laser cutting", "level": "GURU" },
        ]);
        let named = |extra: Value| {
            let mut input = json!({ "displayName": "X", "publicProfile": true });
            for (k, v) in extra.as_object().unwrap() {
                input[k] = v.clone();
            }
            input
        };
        let cases = [
            (json!({ "bio": "no name", "lastName": "  " }), "input.firstName"),
            (named(json!({ "location": { "lat": 95.0, "lon": 0.0 } })), "input.location.lat"),
            (named(json!({ "location": { "lat": 5.0 } })), "input.location"),
            (named(json!({ "location": { "country": "Ghana" } })), "input.location.country"),
            (named(json!({ "skills": skills })), "input.skills[2].level"),
            (
                named(json!({ "skills": [{ "skill": "Welding", "level": "EXPERT" }, { "skill": "CNC", "level": "NOVICE", "years": -1 }] })),
                "input.skills[1].years",
            ),
            (
                named(json!({ "skills": [{ "skill": "!!!", "level": "NOVICE" }] })),
                "input.skills[0].skill",
            ),
            (
                named(json!({ "skills": [{ "skill": "Welding", "level": "NOVICE", "evidenceUrl": "my portfolio" }] })),
                "input.skills[0].evidenceUrl",
            ),
            (
                named(json!({ "experiences": [{ "title": "Welder", "processes": ["welding", "basket weaving on mars"] }] })),
                "input.experiences[0].processes[1]",
            ),
            (
                named(json!({ "experiences": [{ "title": "Welder", "dateFrom": "2020-01-01", "dateTo": "2019-01-01" }] })),
                "input.experiences[0].dateTo",
            ),
            (
                named(json!({ "experiences": [{ "title": " " }] })),
                "input.experiences[0].title",
            ),
            (
                named(json!({ "experiences": [{ "title": "Welder", "facilityId": unknown }] })),
                "input.experiences[0].facilityId",
            ),
            (
                named(json!({ "affiliations": [{ "facilityId": unknown, "role": "member" }], "skills": [{ "skill": "Welding", "level": "EXPERT" }] })),
                "input.affiliations[0].facilityId",
            ),
            (
                named(json!({ "affiliations": [{ "facilityId": "not-an-id" }] })),
                "input.affiliations[0].facilityId",
            ),
            (
                named(json!({ "availability": [{ "hoursPerWeek": 200 }] })),
                "input.availability[0].hoursPerWeek",
            ),
            (
                named(json!({ "availability": [{ "hoursPerWeek": 10, "availableFrom": "2025-02-01", "availableTo": "2025-01-01" }] })),
                "input.availability[0].availableTo",
            ),
            (named(json!({ "email": "ama at example" })), "input.email"),
            (named(json!({ "phone": "call me" })), "input.phone"),
            (named(json!({ "dateOfBirth": "2999-01-01" })), "input.dateOfBirth"),
            (named(json!({ "nationality": "Ghanaian" })), "input.nationality"),
            (named(json!({ "residenceCountry": "G" })), "input.residenceCountry"),
            (named(json!({ "languages": ["en", " "] })), "input.languages[1]"),
        ];
        for (input, field) in cases {
            let body = app.gql(CREATE, json!({ "input": input })).await;
            assert_error(&body, "BAD_USER_INPUT", field);
        }
        let filter = app
            .gql(r#"{ makers(filter: { skills: ["!!!"] }) { totalCount } }"#, json!({}))
            .await;
        assert_error(&filter, "BAD_USER_INPUT", "filter.skills[0]");
        let stats = app.public_data("{ stats { makers } skills { key } }", json!({})).await;
        assert_eq!(stats["stats"]["makers"], 0, "nothing was written: {stats}");
        assert_eq!(stats["skills"], json!([]), "no skill was written: {stats}");

        // A refused update leaves the passport as it was (it replaces children first,
        // then finds the facility missing, and rolls everything back).
        let kept = create(
            &app,
            json!({ "displayName": "Kept", "publicProfile": true, "skills": [{ "skill": "Welding", "level": "EXPERT" }] }),
        )
        .await;
        let body = app
            .gql(
                UPDATE,
                json!({ "id": kept["id"], "input": {
                    "displayName": "Changed",
                    "skills": [{ "skill": "Sewing", "level": "NOVICE" }],
                    "affiliations": [{ "facilityId": unknown }],
                }}),
            )
            .await;
        assert_error(&body, "BAD_USER_INPUT", "input.affiliations[0].facilityId");
        let after = app
            .public_data(
                "query($id: ID!) { maker(id: $id) { name skills { key level } } makers(text: \"Kept\") { totalCount } }",
                json!({ "id": kept["id"] }),
            )
            .await;
        assert_eq!(
            after["maker"],
            json!({ "name": "Kept", "skills": [{ "key": "welding", "level": "EXPERT" }] })
        );
        assert_eq!(after["makers"]["totalCount"], 1);
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn pages_have_no_duplicates_or_gaps() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let mut public = HashSet::new();
        for i in 0..7 {
            let m = maker_at(
                &app,
                &format!("Maker {i}"),
                5.0 + 0.3 * f64::from(i),
                -0.2,
                "Welding",
                "EXPERT",
            )
            .await;
            public.insert(m["id"].as_str().unwrap().to_owned());
        }
        for i in 0..2 {
            create(
                &app,
                json!({ "displayName": format!("Private {i}"), "location": { "lat": 5.0, "lon": -0.2 }, "skills": [{ "skill": "Welding", "level": "EXPERT" }] }),
            )
            .await;
        }
        for near in [Value::Null, json!({ "lat": 5.0, "lon": -0.2, "radiusKm": 1000 })] {
            let mut seen = Vec::new();
            let mut after: Option<String> = None;
            let mut pages = 0;
            let mut last_distance = 0.0;
            loop {
                let data = app
                    .public_data(
                        r#"query($after: String, $near: GeoFilter) { makers(first: 3, after: $after, near: $near, filter: { skills: ["soudure"] }) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id distanceKm } } } }"#,
                        json!({ "after": after, "near": near }),
                    )
                    .await;
                let conn = &data["makers"];
                assert_eq!(conn["totalCount"], 7);
                assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 0);
                for e in conn["edges"].as_array().unwrap() {
                    seen.push(e["node"]["id"].as_str().unwrap().to_owned());
                    if let Some(d) = e["node"]["distanceKm"].as_f64() {
                        assert!(d >= last_distance, "nearest first across pages");
                        last_distance = d;
                    }
                }
                pages += 1;
                if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                    break;
                }
                after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            }
            assert_eq!(pages, 3);
            assert_eq!(seen.len(), 7, "{seen:?}");
            assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), public);
        }
        app.stop().await;
    })
    .await;
}
