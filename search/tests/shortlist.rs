#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The facility shortlist `matchJob` scores in full: ranked by what the job asks for
//! (taxonomy-aware) and by distance, with the job's hard rules applied, and the best of
//! a large index kept.

mod common;

use common::{engine, equipment, facility, haversine_km, id, load, taxonomy};
use makermatch_search::matching::{JobSpec, Requirement, shortlist_request};
use makermatch_search::{
    CapabilityRequest, Doc, Facet, FacilityDoc, LatLon, MatchOptions, RankedFacility,
    RequirementKind, SearchEngine, Want,
};

const ACCRA: (f64, f64) = (5.6037, -0.1870);

fn req(kind: RequirementKind, term: &str, required: bool) -> Requirement {
    Requirement {
        kind,
        term: term.into(),
        required,
        min_level: None,
        resolution: None,
    }
}

fn job(requirements: Vec<Requirement>, max_distance_km: Option<f64>) -> JobSpec {
    JobSpec {
        id: id(9_000),
        quantity: 100,
        requirements,
        delivery: Some(LatLon::new(ACCRA.0, ACCRA.1).unwrap()),
        max_distance_km,
        deadline: None,
    }
}

/// A facility `km_east` kilometres east of Accra (along its parallel).
fn east_of_accra(n: u128, km_east: f64) -> FacilityDoc {
    let deg = km_east / (111.32 * ACCRA.0.to_radians().cos());
    facility(n, &format!("f{n}"), Some((ACCRA.0, ACCRA.1 + deg)))
}

fn rank(engine: &SearchEngine, request: &CapabilityRequest) -> Vec<RankedFacility> {
    engine.rank_facilities(request).unwrap()
}

fn ids(ranked: &[RankedFacility]) -> Vec<u128> {
    ranked.iter().map(|r| r.id.as_u128()).collect()
}

#[test]
fn capability_outranks_distance_and_the_taxonomy_counts() {
    let engine = engine();
    // 1: near, nothing relevant. 2: an FDM printer, further. 3: says only "additive
    // manufacturing", which does not satisfy FDM. 4: FDM and PETG, furthest.
    let near = east_of_accra(1, 2.0);
    let mut printer = east_of_accra(2, 40.0);
    printer
        .equipment
        .push(equipment("fdm-3d-printer", "Prusa", "MK4"));
    let mut vague = east_of_accra(3, 20.0);
    vague.process_ids.push("additive-manufacturing".into());
    let mut both = east_of_accra(4, 80.0);
    both.process_ids.push("fdm".into());
    both.material_ids.push("petg".into());
    load(
        &engine,
        [near, printer, vague, both].into_iter().map(Doc::from),
        1,
    );
    let spec = job(
        vec![
            req(RequirementKind::Process, "fdm", true),
            req(RequirementKind::Material, "petg", false),
        ],
        None,
    );
    let request = shortlist_request(&taxonomy(), &spec, &MatchOptions::default(), 10);
    let ranked = rank(&engine, &request);
    // 3 cannot do FDM, so like 1 it ranks by distance alone, behind it.
    assert_eq!(ids(&ranked), vec![4, 2, 1, 3]);
    // Distances are the Haversine from the delivery point.
    for r in &ranked {
        let km = r.distance_km.unwrap();
        let expected = match r.id.as_u128() {
            1 => 2.0,
            2 => 40.0,
            3 => 20.0,
            _ => 80.0,
        };
        assert!((km - expected).abs() < 0.5, "{km} vs {expected}");
    }
    // Both score by distance alone: the same decay, so the gap is the distance term's.
    let score = |n: u128| ranked.iter().find(|r| r.id == id(n)).unwrap().score;
    let w = MatchOptions::default().weights.distance;
    let expected = w * (0.5f64.powf(2.0 / 100.0) - 0.5f64.powf(20.0 / 100.0));
    assert!(
        (score(1) - score(3) - expected).abs() < 0.01,
        "{} {}",
        score(1),
        score(3)
    );
}

#[test]
fn hard_rules_apply_closed_and_beyond_the_maximum_distance_never_rank() {
    let engine = engine();
    let mut closed = east_of_accra(1, 5.0);
    closed.status = "CLOSED".into();
    closed.process_ids.push("welding".into());
    let mut paused = east_of_accra(2, 5.0);
    paused.status = "TEMPORARY_CLOSURE".into();
    paused.process_ids.push("welding".into());
    let mut planned = east_of_accra(3, 5.0);
    planned.status = "PLANNED".into();
    planned.process_ids.push("welding".into());
    let mut far = east_of_accra(4, 150.0);
    far.process_ids.push("welding".into());
    let mut open = east_of_accra(5, 60.0);
    open.process_ids.push("welding".into());
    let unplaced = facility(6, "nowhere", None);
    load(
        &engine,
        [closed, paused, planned, far, open, unplaced]
            .into_iter()
            .map(Doc::from),
        1,
    );
    let spec = job(
        vec![req(RequirementKind::Process, "welding", true)],
        Some(100.0),
    );
    let mut options = MatchOptions::default();
    let ranked = rank(
        &engine,
        &shortlist_request(&taxonomy(), &spec, &options, 10),
    );
    assert_eq!(ids(&ranked), vec![5]);
    options.include_planned = true;
    let ranked = rank(
        &engine,
        &shortlist_request(&taxonomy(), &spec, &options, 10),
    );
    assert_eq!(ids(&ranked), vec![3, 5]);
}

#[test]
fn an_equipment_requirement_is_met_by_a_machine_doing_the_same_processes() {
    let engine = engine();
    let mut laser = east_of_accra(1, 30.0);
    laser
        .equipment
        .push(equipment("co2-laser-cutter", "Trotec", "Speedy 300"));
    let lathe = {
        let mut f = east_of_accra(2, 10.0);
        f.equipment.push(equipment("lathe", "Myford", "ML7"));
        f
    };
    load(&engine, [laser, lathe].into_iter().map(Doc::from), 1);
    let spec = job(
        vec![req(RequirementKind::Equipment, "laser-cutter", true)],
        None,
    );
    let ranked = rank(
        &engine,
        &shortlist_request(&taxonomy(), &spec, &MatchOptions::default(), 10),
    );
    assert_eq!(ids(&ranked), vec![1, 2]);
}

#[test]
fn the_best_of_many_are_kept_and_ties_go_nearest_then_by_id() {
    let engine = engine();
    // 300 facilities on a line east of Accra, every third one a welder.
    let docs: Vec<Doc> = (1..=300u128)
        .map(|n| {
            let mut f = east_of_accra(n, n as f64);
            if n % 3 == 0 {
                f.process_ids.push("welding".into());
            }
            Doc::from(f)
        })
        .collect();
    load(&engine, docs, 1);
    let spec = job(vec![req(RequirementKind::Process, "welding", true)], None);
    let ranked = rank(
        &engine,
        &shortlist_request(&taxonomy(), &spec, &MatchOptions::default(), 50),
    );
    // All 100 welders beat every non-welder; of them, the 50 nearest are kept.
    let expected: Vec<u128> = (1..=50u128).map(|k| 3 * k).collect();
    assert_eq!(ids(&ranked), expected);
    let scores: Vec<f64> = ranked.iter().map(|r| r.score).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));

    // A hand-made request: equal weights and no distance term tie everything, and the
    // tie goes to the nearer facility.
    let request = CapabilityRequest {
        wants: vec![Want {
            weight: 1.0,
            alternatives: vec![vec![Facet::Process("welding".into())]],
        }],
        statuses: vec![],
        origin: Some(LatLon::new(ACCRA.0, ACCRA.1 + 1.0).unwrap()),
        radius_km: None,
        distance_weight: 0.0,
        half_life_km: 100.0,
        limit: 3,
        only: None,
    };
    let ranked = rank(&engine, &request);
    let centre = (ACCRA.0, ACCRA.1 + 1.0);
    let mut welders: Vec<(f64, u128)> = (1..=100u128)
        .map(|k| {
            let deg = (3 * k) as f64 / (111.32 * ACCRA.0.to_radians().cos());
            (haversine_km(centre, (ACCRA.0, ACCRA.1 + deg)), 3 * k)
        })
        .collect();
    welders.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(
        ids(&ranked),
        welders.iter().take(3).map(|w| w.1).collect::<Vec<_>>()
    );
}

#[test]
fn bad_numbers_are_refused_and_nothing_requested_is_nothing_returned() {
    let engine = engine();
    load(
        &engine,
        [east_of_accra(1, 1.0)].into_iter().map(Doc::from),
        1,
    );
    let base = CapabilityRequest {
        wants: vec![],
        statuses: vec![],
        origin: None,
        radius_km: None,
        distance_weight: 1.0,
        half_life_km: 100.0,
        limit: 5,
        only: None,
    };
    for bad in [
        CapabilityRequest {
            half_life_km: 0.0,
            ..base.clone()
        },
        CapabilityRequest {
            radius_km: Some(f64::NAN),
            ..base.clone()
        },
        CapabilityRequest {
            distance_weight: -1.0,
            ..base.clone()
        },
    ] {
        let e = engine.rank_facilities(&bad).unwrap_err().to_string();
        assert!(
            e.contains("half-life") || e.contains("radiusKm") || e.contains("distance weight"),
            "{e}"
        );
    }
    assert!(
        rank(
            &engine,
            &CapabilityRequest {
                limit: 0,
                ..base.clone()
            }
        )
        .is_empty()
    );
    // No capability asked and no origin: facilities still come, first by id.
    assert_eq!(ids(&rank(&engine, &base)), vec![1]);
}

#[test]
fn a_commit_is_seen_by_the_next_ranking() {
    // Facet sets are cached per index snapshot: a change must not be hidden by them.
    let engine = engine();
    let mut welder = east_of_accra(1, 50.0);
    welder.process_ids.push("welding".into());
    let other = east_of_accra(2, 5.0);
    load(
        &engine,
        [welder, other.clone()].into_iter().map(Doc::from),
        1,
    );
    let spec = job(vec![req(RequirementKind::Process, "welding", true)], None);
    let request = shortlist_request(&taxonomy(), &spec, &MatchOptions::default(), 1);
    assert_eq!(ids(&rank(&engine, &request)), vec![1]);
    let mut now_welds = other;
    now_welds.process_ids.push("welding".into());
    load(&engine, [Doc::from(now_welds)], 2);
    assert_eq!(ids(&rank(&engine, &request)), vec![2]);
    let mut closed = east_of_accra(2, 5.0);
    closed.status = "CLOSED".into();
    closed.process_ids.push("welding".into());
    load(&engine, [Doc::from(closed)], 3);
    assert_eq!(ids(&rank(&engine, &request)), vec![1]);
}

/// The ranking only measures distances for the capability levels that can still place
/// someone; what it returns must be what scoring every candidate would.
#[test]
fn the_ranking_equals_scoring_every_candidate() {
    let engine = engine();
    let processes = ["welding", "fdm", "laser-cutting", "carpentry"];
    // A fixed pseudo-random spread: 1,200 facilities within ~1,500 km of Accra, each
    // holding a random subset of the processes; some unplaced.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // (number, position, processes held)
    type Placed<'a> = (u128, Option<(f64, f64)>, Vec<&'a str>);
    let mut placed: Vec<Placed> = Vec::new();
    let docs: Vec<Doc> = (1..=1_200u128)
        .map(|n| {
            let held: Vec<&str> = processes
                .iter()
                .copied()
                .filter(|_| next() % 3 == 0)
                .collect();
            let at = (next() % 10 != 0).then(|| {
                let dlat = (next() % 2_000) as f64 / 100.0 - 10.0;
                let dlon = (next() % 2_000) as f64 / 100.0 - 10.0;
                (ACCRA.0 + dlat, ACCRA.1 + dlon)
            });
            let mut f = facility(n, &format!("f{n}"), at);
            f.process_ids = held.iter().map(|p| (*p).to_string()).collect();
            placed.push((n, at, held));
            Doc::from(f)
        })
        .collect();
    load(&engine, docs, 1);

    let wants = [
        (3.0, "welding"),
        (2.0, "fdm"),
        (1.0, "laser-cutting"),
        (0.5, "carpentry"),
    ];
    for (limit, radius_km, distance_weight) in [
        (10, None, 1.0),
        (50, None, 2.5),
        (5, Some(800.0), 1.0),
        (200, Some(1_200.0), 0.7),
        (25, None, 0.0),
        (2_000, None, 1.0),
    ] {
        let request = CapabilityRequest {
            wants: wants
                .iter()
                .map(|(w, p)| Want {
                    weight: *w,
                    alternatives: vec![vec![Facet::Process((*p).into())]],
                })
                .collect(),
            statuses: vec![],
            origin: Some(LatLon::new(ACCRA.0, ACCRA.1).unwrap()),
            radius_km,
            distance_weight,
            half_life_km: 300.0,
            limit,
            only: None,
        };
        let ranked = rank(&engine, &request);
        // Candidates: every holder, and the `limit` nearest whatever they hold.
        let mut nearest: Vec<(f64, u128)> = placed
            .iter()
            .filter_map(|(n, at, _)| at.map(|p| (haversine_km(ACCRA, p), *n)))
            .filter(|(km, _)| radius_km.is_none_or(|r| *km <= r))
            .collect();
        nearest.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        nearest.truncate(limit);
        let mut expected: Vec<(f64, Option<f64>, u128)> = placed
            .iter()
            .filter(|(n, _, held)| !held.is_empty() || nearest.iter().any(|(_, m)| m == n))
            .filter_map(|(n, at, held)| {
                let km = at.map(|p| haversine_km(ACCRA, p));
                if radius_km.is_some() && !km.is_some_and(|k| k <= radius_km.unwrap_or(0.0)) {
                    return None;
                }
                let capability: f64 = wants
                    .iter()
                    .filter(|(_, p)| held.contains(p))
                    .map(|(w, _)| w)
                    .sum();
                let near = km.map_or(0.0, |k| distance_weight * 0.5f64.powf(k / 300.0));
                Some((capability + near, km, *n))
            })
            .collect();
        expected.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| match (a.1, b.1) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                })
                .then(a.2.cmp(&b.2))
        });
        expected.truncate(limit);
        let case =
            format!("limit {limit}, radius {radius_km:?}, distance weight {distance_weight}");
        assert_eq!(ranked.len(), expected.len(), "{case}");
        for (got, want) in ranked.iter().zip(&expected) {
            assert!(
                (got.score - want.0).abs() < 1e-9,
                "{case}: {got:?} vs {want:?}"
            );
            assert_eq!(got.id.as_u128(), want.2, "{case}: {got:?} vs {want:?}");
        }
    }
}
