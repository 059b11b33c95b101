//! Which maker position each query measures from (DESIGN §5, §8): anyone without the
//! right to exact positions gets the public one for filters, ordering and `distanceKm`
//! (makers, nearbyMakers, search, mapFeatures); coordinators and admins get the home only
//! when the maker shares it (`shareExactLocation`), in makers, nearbyMakers and matchJob
//! alike; the maker reads their own home whatever they share.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::actor::Role;
use makermatch_tests::{TestApp, TestDb, assert_public_position, haversine_km, on_each_backend};
use serde_json::{Value, json};

/// Two smiths' homes, 2 km apart, and a facility next to the first.
const SHARED_HOME: (f64, f64) = (6.6885, -1.6244);
const KEPT_HOME: (f64, f64) = (6.7065, -1.6244);
const FACILITY: (f64, f64) = (6.6890, -1.6240);

/// A public maker at `home` with one `skill`; both makers "work metal" (their bio).
async fn smith(app: &TestApp, name: &str, home: (f64, f64), share: bool, skill: &str) -> Value {
    app.data(
        "mutation($input: MakerInput!) { createMaker(input: $input) { id uuid location { lat lon } } }",
        json!({ "input": {
            "displayName": name, "publicProfile": true, "shareExactLocation": share,
            "bio": "Works metal in Kumasi.",
            "location": { "lat": home.0, "lon": home.1, "country": "GH" },
            "skills": [{ "skill": skill, "level": "EXPERT" }],
        }}),
    )
    .await["createMaker"]
        .clone()
}

fn at(v: &Value) -> (f64, f64) {
    (v["lat"].as_f64().unwrap(), v["lon"].as_f64().unwrap())
}

/// `makers(near:)` from `point` within `radius`, as `token` (none: anonymous): name → km.
async fn near(
    app: &TestApp,
    token: Option<&str>,
    point: (f64, f64),
    radius: f64,
) -> Vec<(String, f64)> {
    let body = app
        .gql_as(
            token,
            "query($lat: Float!, $lon: Float!, $r: Float!) { makers(near: { lat: $lat, lon: $lon, radiusKm: $r }) { nodes { name distanceKm } } }",
            json!({ "lat": point.0, "lon": point.1, "r": radius }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["makers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap().to_owned(),
                n["distanceKm"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn km_of(found: &[(String, f64)], name: &str) -> Option<f64> {
    found.iter().find(|(n, _)| n == name).map(|(_, d)| *d)
}

#[tokio::test]
async fn staff_measure_from_a_home_only_with_consent_and_everyone_else_never() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let sharing = smith(&app, "Sharing Sena", SHARED_HOME, true, "Welding").await;
        let keeping = smith(&app, "Keeping Kofi", KEPT_HOME, false, "Blacksmithing").await;
        let shared_public = at(&sharing["location"]);
        let kept_public = at(&keeping["location"]);
        assert_public_position(SHARED_HOME, shared_public);
        assert_public_position(KEPT_HOME, kept_public);
        let coordinator = app.token_for(Role::Coordinator, "coord", None, None);
        let inspector = app.token_for(Role::Inspector, "qa", None, None);

        // Staff: the shared home, found 0 km from itself ...
        let at_home = near(&app, Some(&coordinator), SHARED_HOME, 0.5).await;
        assert_eq!(at_home.len(), 1, "{at_home:?}");
        assert!(km_of(&at_home, "Sharing Sena").unwrap() < 0.01);
        // ... but the kept one is not there for staff either: only its public position is.
        let kept = near(&app, Some(&coordinator), KEPT_HOME, 4.9).await;
        assert_eq!(km_of(&kept, "Keeping Kofi"), None, "{kept:?}");
        let wide = near(&app, Some(&app.token), KEPT_HOME, 12.0).await;
        let d = km_of(&wide, "Keeping Kofi").unwrap();
        assert!((d - haversine_km(KEPT_HOME, kept_public)).abs() < 0.01, "{d}");

        // Everyone else: public positions only, for filters and distances alike.
        for token in [None, Some(inspector.as_str())] {
            for home in [SHARED_HOME, KEPT_HOME] {
                let found = near(&app, token, home, 4.9).await;
                let listed: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
                let mut expected: Vec<(f64, &str)> =
                    [("Sharing Sena", shared_public), ("Keeping Kofi", kept_public)]
                        .into_iter()
                        .map(|(n, p)| (haversine_km(home, p), n))
                        .filter(|(d, _)| *d <= 4.9)
                        .collect();
                expected.sort_by(|a, b| a.0.total_cmp(&b.0));
                let expected: Vec<&str> = expected.into_iter().map(|(_, n)| n).collect();
                assert_eq!(listed, expected, "from {home:?}");
            }
            let found = near(&app, token, SHARED_HOME, 50.0).await;
            for (name, public) in [("Sharing Sena", shared_public), ("Keeping Kofi", kept_public)] {
                let d = km_of(&found, name).unwrap();
                assert!((d - haversine_km(SHARED_HOME, public)).abs() < 0.01, "{name}: {d}");
            }
            let search = app
                .gql_as(
                    token,
                    "query($lat: Float!, $lon: Float!) { search(text: \"metal\", kinds: [MAKER], near: { lat: $lat, lon: $lon, radiusKm: 50 }) { distanceKm node { ... on Maker { name location { lat lon } } } } }",
                    json!({ "lat": SHARED_HOME.0, "lon": SHARED_HOME.1 }),
                )
                .await;
            let hits = search["data"]["search"].as_array().unwrap();
            assert_eq!(hits.len(), 2, "{search}");
            for h in hits {
                let public = at(&h["node"]["location"]);
                let d = h["distanceKm"].as_f64().unwrap();
                assert!((d - haversine_km(SHARED_HOME, public)).abs() < 0.01, "{search}");
            }
        }

        // nearbyMakers and matchJob follow the same rule for staff.
        let facility = app
            .data(
                "mutation($lat: Float!, $lon: Float!) { createFacility(input: { name: \"Suame Works\", processes: [\"welding\"], location: { lat: $lat, lon: $lon, country: \"GH\" } }) { id } }",
                json!({ "lat": FACILITY.0, "lon": FACILITY.1 }),
            )
            .await["createFacility"]["id"]
            .clone();
        let nearby = app
            .data(
                "query($id: ID!) { facility(id: $id) { nearbyMakers(radiusKm: 30) { name distanceKm } } }",
                json!({ "id": facility }),
            )
            .await;
        let members = nearby["facility"]["nearbyMakers"].as_array().unwrap();
        let km = |name: &str| {
            members
                .iter()
                .find(|m| m["name"] == name)
                .and_then(|m| m["distanceKm"].as_f64())
                .unwrap()
        };
        assert!((km("Sharing Sena") - haversine_km(FACILITY, SHARED_HOME)).abs() < 0.01);
        assert!((km("Keeping Kofi") - haversine_km(FACILITY, kept_public)).abs() < 0.01);
        let job = app
            .data(
                "mutation($lat: Float!, $lon: Float!) { createJob(input: { title: \"Gates\", quantity: 10, status: OPEN, deliveryPoint: { lat: $lat, lon: $lon }, maxDistanceKm: 50, requirements: [{ kind: SKILL, term: \"welding\" }, { kind: SKILL, term: \"blacksmithing\" }] }) { id } }",
                json!({ "lat": FACILITY.0, "lon": FACILITY.1 }),
            )
            .await["createJob"]["id"]
            .clone();
        let teams = app
            .data(
                "query($id: ID!) { matchJob(jobId: $id, options: { makerReachKm: 30 }) { facility { name } makers { name distanceKm } } }",
                json!({ "id": job }),
            )
            .await;
        let team = &teams["matchJob"][0];
        assert_eq!(team["facility"]["name"], "Suame Works", "{teams}");
        let member = |name: &str| {
            team["makers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["name"] == name)
                .and_then(|m| m["distanceKm"].as_f64())
                .unwrap_or_else(|| panic!("{name} not in the team: {teams}"))
        };
        assert!((member("Sharing Sena") - haversine_km(FACILITY, SHARED_HOME)).abs() < 0.01);
        assert!((member("Keeping Kofi") - haversine_km(FACILITY, kept_public)).abs() < 0.01);

        // The map draws public positions for everyone, staff included. Two random public
        // positions can round to the same 0.01° cell; the map then draws one cluster of
        // two there, even at the deepest zoom, so a feature stands for `count` makers.
        let map = app
            .data(
                "{ mapFeatures(bbox: { minLat: 6.4, minLon: -1.9, maxLat: 7.0, maxLon: -1.3 }, zoom: 22, layers: [MAKERS]) }",
                json!({}),
            )
            .await;
        let mut drawn: Vec<(f64, f64)> = map["mapFeatures"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| {
                let c = &f["geometry"]["coordinates"];
                let count = f["properties"]["count"].as_u64().unwrap() as usize;
                std::iter::repeat_n((c[1].as_f64().unwrap(), c[0].as_f64().unwrap()), count)
            })
            .collect();
        drawn.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let mut expected = vec![shared_public, kept_public];
        expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(drawn, expected, "{map}");

        // The maker reads their own home whatever they share; staff only what is shared.
        let own = app.token_for(
            Role::Maker,
            "kofi",
            Some(keeping["uuid"].as_str().unwrap().parse().unwrap()),
            None,
        );
        let query = "query($id: ID!) { maker(id: $id) { exactLocation { lat lon } } }";
        let mine = app
            .gql_as(Some(&own), query, json!({ "id": keeping["id"] }))
            .await;
        assert_eq!(
            mine["data"]["maker"]["exactLocation"],
            json!({ "lat": KEPT_HOME.0, "lon": KEPT_HOME.1 }),
            "{mine}"
        );
        let staff_kept = app.gql(query, json!({ "id": keeping["id"] })).await;
        assert_eq!(staff_kept["errors"][0]["extensions"]["code"], "FORBIDDEN");
        assert!(
            staff_kept["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("shareExactLocation"),
            "{staff_kept}"
        );
        let staff_shared = app.data(query, json!({ "id": sharing["id"] })).await;
        assert_eq!(
            staff_shared["maker"]["exactLocation"],
            json!({ "lat": SHARED_HOME.0, "lon": SHARED_HOME.1 })
        );
        app.stop().await;
    })
    .await;
}

/// A maker whose profile is not public is not on the public map at all, not even as an
/// anonymous point in a count; coordinators see them as they see them in `makers`.
#[tokio::test]
async fn the_public_map_draws_public_profiles_only() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        smith(&app, "Public Smith", SHARED_HOME, false, "welding").await;
        app.data(
            "mutation($input: MakerInput!) { createMaker(input: $input) { id } }",
            json!({ "input": {
                "displayName": "Private Smith", "publicProfile": false,
                "location": { "lat": KEPT_HOME.0, "lon": KEPT_HOME.1, "country": "GH" },
            }}),
        )
        .await;
        let map = "{ mapFeatures(bbox: { minLat: -90, minLon: -180, maxLat: 90, maxLon: 180 }, zoom: 0, layers: [MAKERS]) }";
        let drawn = |d: &Value| -> u64 {
            d["mapFeatures"]["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["properties"]["count"].as_u64().unwrap())
                .sum()
        };
        let public = app.public_data(map, json!({})).await;
        assert_eq!(drawn(&public), 1, "{public}");
        let staff = app.data(map, json!({})).await;
        assert_eq!(drawn(&staff), 2, "{staff}");
        // Zoomed in, staff see the private maker's name; the public never does. The box
        // holds every point within 13 km of both homes: a public position is drawn 5.8 to
        // 10 km away (`privacy::MAX_OFFSET_KM`), in any direction.
        let close = "{ mapFeatures(bbox: { minLat: 6.55, minLon: -1.75, maxLat: 6.85, maxLon: -1.50 }, zoom: 22, layers: [MAKERS]) }";
        assert!(app.data(close, json!({})).await.to_string().contains("Private Smith"));
        let public = app.public_data(close, json!({})).await;
        assert!(!public.to_string().contains("Private Smith"), "{public}");
        assert_eq!(drawn(&public), 1, "{public}");
        app.stop().await;
    })
    .await;
}
