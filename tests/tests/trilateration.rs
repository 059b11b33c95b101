//! Trilateration (DESIGN §5): an anonymous caller asks `makers(near:)` from three points
//! about 20 km around a maker, reads the three `distanceKm`, and solves for the position by
//! least squares. The distances are consistent, so the attack works — and finds the
//! maker's public position, which is at least 5 km from home. Were the home used for
//! `near`, the estimate would land on it and this test would fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_tests::{TestApp, TestDb, haversine_km, on_each_backend};
use serde_json::json;

const EARTH_KM: f64 = 6_371.008_8;

/// The point `km` from `from` on `bearing` degrees, on the sphere (written out here so
/// the test does not lean on the code it checks).
fn destination(from: (f64, f64), bearing: f64, km: f64) -> (f64, f64) {
    let (p1, l1) = (from.0.to_radians(), from.1.to_radians());
    let (b, d) = (bearing.to_radians(), km / EARTH_KM);
    let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * b.cos()).asin();
    let l2 = l1 + (b.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
    let lon = (l2.to_degrees() + 540.0).rem_euclid(360.0) - 180.0;
    (p2.to_degrees(), lon)
}

/// Least squares: the position whose distances to `anchors` best match `ranges`
/// (Gauss–Newton on latitude and longitude, from the anchors' centre). Returns the
/// estimate and the largest residual in km.
fn trilaterate(anchors: &[(f64, f64)], ranges: &[f64]) -> ((f64, f64), f64) {
    // Longitudes on one side of the antimeridian, so their mean means something (the
    // Haversine below does not mind a longitude past 180).
    let anchors: Vec<(f64, f64)> = anchors
        .iter()
        .map(|a| match a.1 - anchors[0].1 {
            d if d > 180.0 => (a.0, a.1 - 360.0),
            d if d < -180.0 => (a.0, a.1 + 360.0),
            _ => *a,
        })
        .collect();
    let anchors = anchors.as_slice();
    let n = anchors.len() as f64;
    let mut x = (
        anchors.iter().map(|a| a.0).sum::<f64>() / n,
        anchors.iter().map(|a| a.1).sum::<f64>() / n,
    );
    let residuals = |p: (f64, f64)| -> Vec<f64> {
        anchors
            .iter()
            .zip(ranges)
            .map(|(a, r)| haversine_km(p, *a) - r)
            .collect()
    };
    for _ in 0..50 {
        let r = residuals(x);
        let h = 1e-6;
        let dlat: Vec<f64> = residuals((x.0 + h, x.1))
            .iter()
            .zip(&r)
            .map(|(a, b)| (a - b) / h)
            .collect();
        let dlon: Vec<f64> = residuals((x.0, x.1 + h))
            .iter()
            .zip(&r)
            .map(|(a, b)| (a - b) / h)
            .collect();
        // Normal equations JᵀJ δ = −Jᵀr for two unknowns.
        let (a11, a12, a22) = (
            dlat.iter().map(|v| v * v).sum::<f64>(),
            dlat.iter().zip(&dlon).map(|(a, b)| a * b).sum::<f64>(),
            dlon.iter().map(|v| v * v).sum::<f64>(),
        );
        let (g1, g2) = (
            dlat.iter().zip(&r).map(|(a, b)| a * b).sum::<f64>(),
            dlon.iter().zip(&r).map(|(a, b)| a * b).sum::<f64>(),
        );
        let det = a11 * a22 - a12 * a12;
        let step = ((-g1 * a22 + g2 * a12) / det, (-a11 * g2 + a12 * g1) / det);
        x = (x.0 + step.0, x.1 + step.1);
        if step.0.abs() < 1e-10 && step.1.abs() < 1e-10 {
            break;
        }
    }
    let worst = residuals(x).iter().fold(0.0f64, |m, r| m.max(r.abs()));
    (x, worst)
}

#[tokio::test]
async fn three_near_queries_cannot_place_a_maker_within_5_km_of_home() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        // Nairobi; a home exactly on a 0.1° grid point (the old snapping put it at home);
        // and one a few kilometres from the antimeridian (Taveuni, Fiji).
        let homes = [
            ("Wanjiru", (-1.292_066, 36.821_945)),
            ("Kofi", (5.6, -0.2)),
            ("Litia", (-16.85, 179.97)),
        ];
        for (name, home) in homes {
            app.data(
                "mutation($input: MakerInput!) { createMaker(input: $input) { id } }",
                json!({ "input": {
                    "displayName": name, "publicProfile": true,
                    "location": { "lat": home.0, "lon": home.1 },
                }}),
            )
            .await;
        }
        for (name, home) in homes {
            let anchors: Vec<(f64, f64)> = [10.0, 130.0, 250.0]
                .into_iter()
                .map(|bearing| destination(home, bearing, 20.0))
                .collect();
            let mut ranges = Vec::new();
            let mut shown = None;
            for anchor in &anchors {
                let query = "query($lat: Float!, $lon: Float!) { makers(near: { lat: $lat, lon: $lon, radiusKm: 60 }, first: 10) { nodes { name distanceKm location { lat lon } } } }";
                let vars = json!({ "lat": anchor.0, "lon": anchor.1 });
                let found = app.public_data(query, vars.clone()).await;
                let node = found["makers"]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|n| n["name"] == name)
                    .unwrap_or_else(|| panic!("{name} not found from {anchor:?}: {found}"))
                    .clone();
                let d = node["distanceKm"].as_f64().unwrap();
                // Asking again gives the same answer: no fresh noise to average away.
                let again = app.public_data(query, vars).await;
                assert!(again.to_string().contains(&d.to_string()), "{again}");
                ranges.push(d);
                shown = Some((
                    node["location"]["lat"].as_f64().unwrap(),
                    node["location"]["lon"].as_f64().unwrap(),
                ));
            }
            let (estimate, residual) = trilaterate(&anchors, &ranges);
            // The distances agree with one point: the attack itself works ...
            assert!(residual < 0.01, "{name}: residual {residual} km, {ranges:?}");
            // ... and finds the public position the maker is shown at ...
            let shown = shown.unwrap();
            assert!(haversine_km(estimate, shown) < 0.05, "{name}: {estimate:?} vs {shown:?}");
            // ... which is no closer than 5 km to the home.
            let off = haversine_km(estimate, home);
            assert!(off >= 5.0, "{name}: placed {off:.2} km from home");
        }
        app.stop().await;
    })
    .await;
}
