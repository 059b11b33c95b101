//! Fractional numbers in GraphQL variables reach the resolvers as numbers. serde_json's
//! `arbitrary_precision` (turned on for the whole build by the verifiable-credential crates)
//! once made `{"lat": 52.5}` arrive as an object and fail with "expected Float"; the
//! vendored `async-graphql-value` keeps it a number. Literals too, and out-of-range ones are
//! still refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_tests::{TestApp, TestDb};
use serde_json::json;

#[tokio::test]
async fn fractional_variables_and_literals_are_floats() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let created = app
        .data(
            "mutation($input: FacilityInput!) { createFacility(input: $input) { id location { lat lon } } }",
            json!({ "input": { "name": "Accra lab", "location": { "country": "GH", "lat": 5.6037, "lon": -0.187 } } }),
        )
        .await;
    assert_eq!(
        created["createFacility"]["location"]["lat"], 5.6037,
        "{created}"
    );
    assert_eq!(
        created["createFacility"]["location"]["lon"], -0.187,
        "{created}"
    );
    let near = app
        .data(
            "query($lat: Float!, $lon: Float!, $r: Float) { facilities(near: { lat: $lat, lon: $lon, radiusKm: $r }) { totalCount } }",
            json!({ "lat": 5.6, "lon": -0.19, "r": 12.5 }),
        )
        .await;
    assert_eq!(near["facilities"]["totalCount"], 1, "{near}");
    let literal = app
        .data(
            "{ facilities(near: { lat: 5.6, lon: -0.19, radiusKm: 12.5 }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(literal["facilities"]["totalCount"], 1, "{literal}");
    let huge = app
        .gql(
            "{ facilities(near: { lat: 1e400, lon: 0, radiusKm: 5 }) { totalCount } }",
            json!({}),
        )
        .await;
    let message = huge["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("`1e400` is out of range"), "{huge}");
    app.stop().await;
}
