#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Geo queries against brute force: random points all over the globe, with poles, the
//! antimeridian and shared positions over-represented. Radius, k-nearest, boxes (also
//! across the antimeridian) and polygons must give exactly the brute-force Haversine
//! answer, ties broken by id, through every route of the planner.

mod common;

use common::*;
use geo::{Contains, LineString, Point, Polygon};
use makermatch_search::{
    BoundingBox, Doc, Filters, GeoPolygon, Kind, LatLon, PlannerLimits, SearchEngine,
    SearchRequest, Within,
};
use proptest::prelude::*;
use uuid::Uuid;

fn coord() -> impl Strategy<Value = (f64, f64)> {
    let pole_lat = prop_oneof![Just(90.0), Just(-90.0), 89.0..90.0f64, -90.0..-89.0f64];
    let meridian = prop_oneof![
        Just(180.0),
        Just(-180.0),
        179.0..=180.0f64,
        -180.0..=-179.0f64
    ];
    prop_oneof![
        4 => (-90.0..=90.0f64, -180.0..=180.0f64),
        1 => (pole_lat, -180.0..=180.0f64),
        1 => (-90.0..=90.0f64, meridian),
    ]
}

/// Points, some repeated exactly (shared positions tie on distance).
fn points() -> impl Strategy<Value = Vec<(f64, f64)>> {
    (
        prop::collection::vec(coord(), 1..120),
        prop::collection::vec(any::<prop::sample::Index>(), 0..30),
    )
        .prop_map(|(mut pts, dups)| {
            for d in dups {
                let p = pts[d.index(pts.len())];
                pts.push(p);
            }
            pts
        })
}

fn radius() -> impl Strategy<Value = f64> {
    prop_oneof![0.0..50.0f64, 0.0..2_000.0f64, 0.0..21_000.0f64]
}

struct World {
    engine: SearchEngine,
    points: Vec<(Uuid, (f64, f64), bool)>,
}

/// Facilities at `pts`; every third one CLOSED so filters have work to do.
fn world(pts: &[(f64, f64)]) -> World {
    let engine = engine();
    let mut points = Vec::new();
    let docs: Vec<Doc> = pts
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            // Ids in shuffled order against insertion, so id order is not doc order.
            let n = ((i as u128) * 7_919) % 100_003 + 1;
            let mut f = facility(n, "Space", Some(p));
            let active = i % 3 != 0;
            if !active {
                f.status = "CLOSED".into();
            }
            points.push((id(n), p, active));
            f.into()
        })
        .collect();
    load(&engine, docs, 1);
    World { engine, points }
}

fn hits(engine: &SearchEngine, request: &SearchRequest) -> Vec<(Uuid, f64)> {
    engine
        .search(request)
        .unwrap()
        .hits
        .iter()
        .map(|h| (h.id, h.distance_km.unwrap_or(f64::NAN)))
        .collect()
}

/// `got` must be the first `got.len()` entries of `expected` (sorted by distance, id),
/// allowing only swaps among distances closer than 1e-9 km that are not exactly equal.
fn assert_ranked(got: &[(Uuid, f64)], expected: &[(Uuid, f64)], limit: usize) {
    assert_eq!(
        got.len(),
        expected.len().min(limit),
        "{got:?} vs {expected:?}"
    );
    for (g, e) in got.iter().zip(expected) {
        assert!((g.1 - e.1).abs() < 1e-6, "distance {} vs {}", g.1, e.1);
    }
    for w in got.windows(2) {
        assert!(w[0].1 <= w[1].1 + 1e-9, "not nearest first: {w:?}");
        if w[0].1 == w[1].1 {
            assert!(w[0].0 < w[1].0, "tie not broken by id: {w:?}");
        }
    }
    let mut start = 0;
    while start < got.len() {
        let mut end = start + 1;
        while end < expected.len() && (expected[end].1 - expected[end - 1].1).abs() < 1e-9 {
            end += 1;
        }
        let run: Vec<Uuid> = expected[start..end].iter().map(|e| e.0).collect();
        for g in &got[start..end.min(got.len())] {
            assert!(run.contains(&g.0), "{:?} is not among {run:?}", g.0);
        }
        start = end;
    }
}

fn brute_near(
    world: &World,
    center: (f64, f64),
    radius: Option<f64>,
    active_only: bool,
) -> Vec<(Uuid, f64)> {
    let mut v: Vec<(Uuid, f64)> = world
        .points
        .iter()
        .filter(|p| !active_only || p.2)
        .map(|&(id, p, _)| (id, haversine_km(center, p)))
        .filter(|&(_, d)| radius.is_none_or(|r| d <= r))
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    v
}

/// No point may sit within a millimetre of the radius: there the two Haversine
/// implementations could round differently.
fn clear_of_boundary(world: &World, center: (f64, f64), r: f64) -> bool {
    world
        .points
        .iter()
        .all(|p| (haversine_km(center, p.1) - r).abs() > 1e-6)
}

fn box_contains(b: (f64, f64, f64, f64), p: (f64, f64)) -> bool {
    let (min_lat, min_lon, max_lat, max_lon) = b;
    if p.0 < min_lat || p.0 > max_lat {
        return false;
    }
    if p.0.abs() == 90.0 {
        return true;
    }
    let lons: &[f64] = if p.1.abs() == 180.0 {
        &[180.0, -180.0]
    } else {
        &[p.1]
    };
    lons.iter().any(|&lon| {
        if min_lon <= max_lon {
            (min_lon..=max_lon).contains(&lon)
        } else {
            lon >= min_lon || lon <= max_lon
        }
    })
}

fn limits((text_first_max, area_gather_max, scan_from): (usize, usize, usize)) -> PlannerLimits {
    PlannerLimits {
        text_first_max,
        area_gather_max,
        scan_from,
    }
}

/// Every planner route: text-first, geo-first probing by seeks or by scans, and
/// geo-first abandoned midway.
const ROUTES: [(usize, usize, usize); 4] = [
    (1 << 20, 1 << 20, 1 << 20),
    (0, 1 << 20, 1 << 20),
    (0, 1 << 20, 1),
    (0, 3, 1),
];

fn active() -> Filters {
    Filters {
        statuses: vec!["ACTIVE".into()],
        ..Filters::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn radius_matches_brute_force(pts in points(), center in coord(), r in radius(), limit in 1usize..40) {
        let w = world(&pts);
        prop_assume!(clear_of_boundary(&w, center, r));
        let c = LatLon::new(center.0, center.1).unwrap();
        let all = brute_near(&w, center, Some(r), false);
        // Page of the R-tree walk (stops early) and the full enumeration (counts).
        let page = SearchRequest::new(Kind::Facility).near(c, r).page(0, limit);
        assert_ranked(&hits(&w.engine, &page), &all, limit);
        let counted = w.engine.search(&page.clone().count_total().page(0, 1000)).unwrap();
        prop_assert_eq!(counted.total, Some(all.len()));
        let got: Vec<(Uuid, f64)> = counted.hits.iter().map(|h| (h.id, h.distance_km.unwrap())).collect();
        assert_ranked(&got, &all, 1000);
        // With a filter, through each route.
        let active_all = brute_near(&w, center, Some(r), true);
        for route in ROUTES {
            w.engine.set_planner_limits(limits(route)).unwrap();
            let filtered = page.clone().filters(active());
            assert_ranked(&hits(&w.engine, &filtered), &active_all, limit);
            let counted = w.engine.search(&filtered.clone().count_total()).unwrap();
            prop_assert_eq!(counted.total, Some(active_all.len()));
        }
    }

    #[test]
    fn k_nearest_matches_brute_force(pts in points(), center in coord(), k in 1usize..25, offset in 0usize..5) {
        let w = world(&pts);
        let c = LatLon::new(center.0, center.1).unwrap();
        let all = brute_near(&w, center, None, false);
        let got = hits(&w.engine, &SearchRequest::new(Kind::Facility).nearest_to(c).page(0, k));
        assert_ranked(&got, &all, k);
        // A later page continues the same order.
        let next = hits(&w.engine, &SearchRequest::new(Kind::Facility).nearest_to(c).page(offset, k));
        let whole = hits(&w.engine, &SearchRequest::new(Kind::Facility).nearest_to(c).page(0, offset + k));
        prop_assert_eq!(&next[..], &whole[offset.min(whole.len())..]);
        let active_all = brute_near(&w, center, None, true);
        for route in ROUTES {
            w.engine.set_planner_limits(limits(route)).unwrap();
            let nearest = w.engine.nearest(Kind::Facility, c, k, active(), Default::default()).unwrap();
            let got: Vec<(Uuid, f64)> = nearest.iter().map(|h| (h.id, h.distance_km.unwrap())).collect();
            assert_ranked(&got, &active_all, k);
        }
    }

    #[test]
    fn boxes_match_brute_force(
        pts in points(),
        lats in (-90.0..=90.0f64, -90.0..=90.0f64),
        lons in (-180.0..=180.0f64, -180.0..=180.0f64),
        center in coord(),
    ) {
        let w = world(&pts);
        let b = (lats.0.min(lats.1), lons.0, lats.0.max(lats.1), lons.1);
        let bbox = BoundingBox::new(b.0, b.1, b.2, b.3).unwrap();
        let mut expected: Vec<Uuid> = w.points.iter().filter(|p| box_contains(b, p.1)).map(|p| p.0).collect();
        expected.sort();
        let request = SearchRequest::new(Kind::Facility).within(Within::Box(bbox)).page(0, 10_000);
        let page = w.engine.search(&request).unwrap();
        prop_assert_eq!(ids(&page), expected.clone());
        prop_assert_eq!(page.total, Some(expected.len()));
        // Box plus distance order from a centre.
        let c = LatLon::new(center.0, center.1).unwrap();
        let mut by_distance: Vec<(Uuid, f64)> = w.points.iter()
            .filter(|p| box_contains(b, p.1))
            .map(|p| (p.0, haversine_km(center, p.1)))
            .collect();
        by_distance.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let request = SearchRequest::new(Kind::Facility).within(Within::Box(bbox)).nearest_to(c).page(0, 7);
        assert_ranked(&hits(&w.engine, &request), &by_distance, 7);
        let mut active_expected: Vec<Uuid> = w.points.iter().filter(|p| p.2 && box_contains(b, p.1)).map(|p| p.0).collect();
        active_expected.sort();
        for route in ROUTES {
            w.engine.set_planner_limits(limits(route)).unwrap();
            let request = SearchRequest::new(Kind::Facility).within(Within::Box(bbox)).filters(active()).page(0, 10_000);
            prop_assert_eq!(ids(&w.engine.search(&request).unwrap()), active_expected.clone());
        }
    }

    #[test]
    fn polygons_match_brute_force(
        pts in points(),
        centre in (-80.0..80.0f64, -170.0..170.0f64),
        spokes in prop::collection::vec((0.5..40.0f64, 0.0..1.0f64), 3..9),
    ) {
        let w = world(&pts);
        // A star-shaped ring around the centre, angles increasing, so it is simple.
        let n = spokes.len() as f64;
        let mut ring: Vec<(f64, f64)> = spokes.iter().enumerate().map(|(i, &(r, jitter))| {
            let angle = (i as f64 + jitter * 0.9) / n * std::f64::consts::TAU;
            let lon = (centre.1 + r * angle.cos()).clamp(-180.0, 180.0);
            let lat = (centre.0 + r * angle.sin()).clamp(-90.0, 90.0);
            (lon, lat)
        }).collect();
        ring.push(ring[0]);
        let geojson = serde_json::json!({"type": "Polygon", "coordinates": [ring.iter().map(|p| [p.0, p.1]).collect::<Vec<_>>()]});
        let polygon = GeoPolygon::from_geojson(&geojson).unwrap();
        let reference = Polygon::new(LineString::from(ring.clone()), vec![]);
        let mut expected: Vec<Uuid> = w.points.iter()
            .filter(|p| reference.contains(&Point::new(p.1.1, p.1.0)))
            .map(|p| p.0)
            .collect();
        expected.sort();
        let request = SearchRequest::new(Kind::Facility).within(Within::Polygon(polygon.clone())).page(0, 10_000);
        prop_assert_eq!(ids(&w.engine.search(&request).unwrap()), expected);
        let mut active_expected: Vec<Uuid> = w.points.iter()
            .filter(|p| p.2 && reference.contains(&Point::new(p.1.1, p.1.0)))
            .map(|p| p.0)
            .collect();
        active_expected.sort();
        for route in ROUTES {
            w.engine.set_planner_limits(limits(route)).unwrap();
            let request = SearchRequest::new(Kind::Facility).within(Within::Polygon(polygon.clone())).filters(active()).page(0, 10_000);
            prop_assert_eq!(ids(&w.engine.search(&request).unwrap()), active_expected.clone());
        }
    }
}

#[test]
fn antipodes_and_poles() {
    let w = world(&[
        (90.0, 0.0),
        (90.0, 77.0),
        (-90.0, 10.0),
        (0.0, 180.0),
        (0.0, -180.0),
        (0.0, 0.0),
    ]);
    let north = LatLon::new(90.0, -120.0).unwrap();
    let page = w
        .engine
        .search(&SearchRequest::new(Kind::Facility).near(north, 1.0))
        .unwrap();
    assert_eq!(page.hits.len(), 2, "both points at the pole are 0 km away");
    let all = w
        .engine
        .search(
            &SearchRequest::new(Kind::Facility)
                .nearest_to(north)
                .page(0, 10),
        )
        .unwrap();
    let last = all.hits.last().unwrap();
    assert!((last.distance_km.unwrap() - std::f64::consts::PI * R_KM).abs() < 1e-6);
    let dateline = LatLon::new(0.0, 179.9999).unwrap();
    let page = w
        .engine
        .search(&SearchRequest::new(Kind::Facility).near(dateline, 1.0))
        .unwrap();
    assert_eq!(page.hits.len(), 2);
    let whole = w
        .engine
        .search(
            &SearchRequest::new(Kind::Facility)
                .near(dateline, 20_100.0)
                .count_total(),
        )
        .unwrap();
    assert_eq!(whole.total, Some(6));
}

#[test]
fn invalid_radius_is_refused() {
    let w = world(&[(0.0, 0.0)]);
    let c = LatLon::new(0.0, 0.0).unwrap();
    let err = w
        .engine
        .search(&SearchRequest::new(Kind::Facility).near(c, -1.0))
        .unwrap_err();
    assert!(err.to_string().contains("radiusKm"), "{err}");
}
