#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `nearest_holders` (the makers `matchJob` looks for around each facility) answers
//! exactly what one search per centre with the same skill filter, radius and page does,
//! and follows the index through upserts and deletes.

mod common;

use common::{engine, haversine_km, id, load, maker, skill};
use makermatch_search::{
    Doc, ExactPositions, Filters, Kind, LatLon, NearbyRequest, PositionAccess, SearchEngine,
    SearchRequest, SkillFilter, SkillLevel,
};
use uuid::Uuid;

const SKILLS: [&str; 5] = [
    "TIG welding",
    "CNC milling",
    "Sewing",
    "PCB soldering",
    "Laser cutting",
];
const CITIES: [(f64, f64); 3] = [(5.6037, -0.1870), (-1.2921, 36.8219), (-33.9249, 18.4241)];

/// A small deterministic generator: the test needs spread, not statistics.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn filter(keys: &[&str]) -> Vec<SkillFilter> {
    keys.iter()
        .map(|k| SkillFilter {
            key: (*k).to_string(),
            min_level: None,
            verified: false,
        })
        .collect()
}

fn by_search(
    engine: &SearchEngine,
    keys: &[&str],
    at: LatLon,
    km: f64,
    k: usize,
) -> Vec<(Uuid, f64)> {
    let request = SearchRequest::new(Kind::Maker)
        .filters(Filters {
            skill_alternatives: vec![filter(keys)],
            ..Filters::default()
        })
        .near(at, km)
        .positions(PositionAccess::exact(ExactPositions::granted_by("test")))
        .page(0, k);
    engine
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| (h.id, h.distance_km.unwrap()))
        .collect()
}

fn nearby(
    engine: &SearchEngine,
    keys: &[&str],
    centers: &[LatLon],
    km: f64,
    k: usize,
) -> Vec<Vec<(Uuid, f64)>> {
    engine
        .nearest_holders(&NearbyRequest {
            kind: Kind::Maker,
            skills: filter(keys),
            centers: centers.to_vec(),
            radius_km: km,
            per_center: k,
            positions: PositionAccess::exact(ExactPositions::granted_by("test")),
        })
        .unwrap()
        .into_iter()
        .map(|hits| {
            hits.into_iter()
                .map(|h| (h.id, h.distance_km.unwrap()))
                .collect()
        })
        .collect()
}

#[test]
fn nearest_holders_equal_one_search_per_centre() {
    let engine = engine();
    let mut rng = Lcg(7);
    let mut docs = Vec::new();
    let mut homes = std::collections::HashMap::new();
    for n in 1..=3_000u128 {
        let (lat, lon) = CITIES[n as usize % CITIES.len()];
        let at = (
            lat + (rng.next() - 0.5) * 0.8,
            lon + (rng.next() - 0.5) * 0.8,
        );
        let skills = (0..1 + (rng.next() * 2.0) as usize)
            .map(|_| {
                skill(
                    SKILLS[(rng.next() * SKILLS.len() as f64) as usize],
                    None,
                    false,
                    SkillLevel::Intermediate,
                )
            })
            .collect();
        // A few share a position exactly: ties go by id on both sides.
        let at = if n % 50 == 0 {
            CITIES[n as usize % CITIES.len()]
        } else {
            at
        };
        homes.insert(id(n), at);
        docs.push(Doc::Maker(maker(n, &format!("m{n}"), skills, Some(at))));
    }
    load(&engine, docs, 1);

    let mut centers: Vec<LatLon> = CITIES
        .iter()
        .map(|(a, b)| LatLon::new(*a, *b).unwrap())
        .collect();
    centers.push(LatLon::new(5.9, 0.1).unwrap());
    centers.push(LatLon::new(48.2, 16.4).unwrap()); // nobody within reach
    for keys in [
        &["TIG welding"][..],
        &["sewing", "cnc milling"],
        &["pcb soldering", "laser cutting", "welding robots"],
    ] {
        for (km, k) in [(30.0, 12), (5.0, 3), (200.0, 40)] {
            let got = nearby(&engine, keys, &centers, km, k);
            assert_eq!(got.len(), centers.len());
            for (at, hits) in centers.iter().zip(&got) {
                let want = by_search(&engine, keys, *at, km, k);
                let ids = |v: &[(Uuid, f64)]| v.iter().map(|h| h.0).collect::<Vec<_>>();
                assert_eq!(ids(hits), ids(&want), "{keys:?} {km} km around {at:?}");
                for (h, w) in hits.iter().zip(&want) {
                    assert!((h.1 - w.1).abs() < 1e-9);
                    assert!(h.1 <= km + 1e-9);
                }
            }
        }
    }
    let accra = centers[0];
    let hits = &nearby(&engine, &["TIG welding"], &[accra], 30.0, 12)[0];
    assert!(!hits.is_empty(), "the data puts welders near Accra");
    // Distances checked independently, nearest first.
    let position = (accra.lat(), accra.lon());
    for (maker, km) in hits {
        assert!(
            (haversine_km(position, homes[maker]) - km).abs() < 1e-6,
            "{maker}"
        );
    }
    for w in hits.windows(2) {
        assert!(w[0].1 <= w[1].1);
    }
    assert!(
        nearby(&engine, &[], &[accra], 30.0, 12)[0].is_empty(),
        "no skill, nobody"
    );
    assert!(nearby(&engine, &["TIG welding"], &[accra], 30.0, 0)[0].is_empty());
    let first = hits[0].0;
    let n = first.as_u128();

    // The nearest welder stops welding, then leaves: the answer follows each commit.
    load(
        &engine,
        [Doc::Maker(maker(
            n,
            "changed",
            vec![skill("Sewing", None, false, SkillLevel::Novice)],
            Some(position),
        ))],
        2,
    );
    let after = &nearby(&engine, &["TIG welding"], &[accra], 30.0, 12)[0];
    assert!(after.iter().all(|h| h.0 != first));
    assert_eq!(
        nearby(&engine, &["sewing"], &[accra], 30.0, 1)[0][0].0,
        id(n),
        "now a sewer, at the centre"
    );
    let mut w = engine.writer().unwrap();
    w.delete(Kind::Maker, id(n)).unwrap();
    w.commit(3).unwrap();
    assert!(
        nearby(&engine, &["sewing"], &[accra], 30.0, 12)[0]
            .iter()
            .all(|h| h.0 != id(n))
    );
    assert!(
        engine
            .nearest_holders(&NearbyRequest {
                kind: Kind::Maker,
                skills: filter(&["sewing"]),
                centers: vec![accra],
                radius_km: -1.0,
                per_center: 3,
                positions: PositionAccess::Coarse,
            })
            .is_err()
    );
}
