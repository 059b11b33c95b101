#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A query run inside a spent budget (its request's deadline passed, or its client went
//! away) stops with `Cancelled` at its first loop, whatever it was asked; the engine
//! treats that as no fault (no recovery, later queries answered as usual). The stall
//! fault stands in for a query that would run on and on.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use makermatch_search::budget::{self, Budget};
use makermatch_search::engine::fault::{self, FaultPoint};
use makermatch_search::matching::{JobSpec, MatchError, MatchInput, MatchOptions, match_job};
use makermatch_search::{
    BoundingBox, CapabilityRequest, EngineHealth, ExactPositions, Facet, Kind, LatLon,
    NearbyRequest, PositionAccess, SearchEngine, SearchError, SearchRequest, SkillFilter,
    SkillLevel, Want,
};

const ACCRA: (f64, f64) = (5.6037, -0.1870);

/// Facilities doing welding around Accra, and makers who weld there.
fn world() -> SearchEngine {
    let engine = engine();
    let facilities = (1..=20).map(|n| {
        let mut f = facility(n, "Weld Lab", Some((ACCRA.0 + n as f64 * 0.01, ACCRA.1)));
        f.process_ids = vec!["welding".into()];
        f.into()
    });
    let makers = (101..=120).map(|n| {
        let welding = skill("Welding", Some("welding"), false, SkillLevel::Advanced);
        maker(n, "Ama Welder", vec![welding], Some((ACCRA.0, ACCRA.1))).into()
    });
    load(&engine, facilities.chain(makers), 1);
    engine
}

fn spent() -> Budget {
    Budget::new(None, Arc::new(AtomicBool::new(true)))
}

fn accra() -> LatLon {
    LatLon::new(ACCRA.0, ACCRA.1).unwrap()
}

fn welders() -> Vec<SkillFilter> {
    vec![SkillFilter {
        key: "welding".into(),
        min_level: None,
        verified: false,
    }]
}

fn cancelled<T: std::fmt::Debug>(what: &str, outcome: Result<T, SearchError>) {
    assert!(
        matches!(outcome, Err(SearchError::Cancelled)),
        "{what} under a spent budget: {outcome:?}"
    );
}

#[test]
fn every_kind_of_query_stops_in_a_spent_budget_and_the_engine_stays_healthy() {
    let engine = world();
    let searches = [
        ("a list", SearchRequest::new(Kind::Facility)),
        (
            "a nearest search",
            SearchRequest::new(Kind::Facility).nearest_to(accra()),
        ),
        (
            "a radius search with its total",
            SearchRequest::new(Kind::Facility).near(accra(), 50.0),
        ),
        (
            "a text search",
            SearchRequest::new(Kind::Facility).text("weld lab"),
        ),
    ];
    for (what, request) in &searches {
        cancelled(what, budget::scope(spent(), || engine.search(request)));
    }
    let ranking = CapabilityRequest {
        wants: vec![Want {
            weight: 1.0,
            alternatives: vec![vec![Facet::Process("welding".into())]],
        }],
        statuses: vec![],
        origin: Some(accra()),
        radius_km: None,
        distance_weight: 1.0,
        half_life_km: 100.0,
        limit: 5,
        only: None,
    };
    cancelled(
        "a facility ranking",
        budget::scope(spent(), || engine.rank_facilities(&ranking)),
    );
    let nearby = NearbyRequest {
        kind: Kind::Maker,
        skills: welders(),
        centers: vec![accra()],
        radius_km: 50.0,
        per_center: 3,
        positions: PositionAccess::exact(ExactPositions::granted_by("test")),
    };
    cancelled(
        "nearest holders",
        budget::scope(spent(), || engine.nearest_holders(&nearby)),
    );
    cancelled(
        "linked makers",
        budget::scope(spent(), || engine.linked_makers(&[id(1)], &welders())),
    );
    let world_box = BoundingBox::new(-90.0, -180.0, 90.0, 180.0).unwrap();
    cancelled(
        "map clusters",
        budget::scope(spent(), || {
            engine.clusters(
                Kind::Facility,
                &world_box,
                1.0,
                &PositionAccess::Coarse,
                1,
                true,
            )
        }),
    );
    cancelled(
        "facility profiles",
        budget::scope(spent(), || engine.facility_profiles(&[id(1), id(2)])),
    );

    // Not a fault: nothing to recover, and the same queries outside a budget are answered.
    assert_eq!(engine.health(), EngineHealth::Healthy);
    for (what, request) in &searches {
        let page = engine
            .search(request)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(!page.hits.is_empty(), "{what} found nothing");
    }
    assert_eq!(engine.rank_facilities(&ranking).unwrap().len(), 5);
}

#[test]
fn matching_stops_in_a_spent_budget() {
    let engine = world();
    let facilities = engine
        .facility_profiles(&(1..=20).map(id).collect::<Vec<_>>())
        .unwrap();
    let job = JobSpec {
        id: id(500),
        quantity: 10,
        requirements: vec![],
        delivery: Some(accra()),
        max_distance_km: None,
        deadline: None,
    };
    let input = MatchInput {
        job: &job,
        facilities: &facilities,
        makers: &[],
        relevance: None,
        now: Utc::now(),
    };
    let options = MatchOptions::default();
    let outcome = budget::scope(spent(), || match_job(&taxonomy(), &input, &options));
    assert_eq!(outcome.unwrap_err(), MatchError::Cancelled);
    assert_eq!(
        match_job(&taxonomy(), &input, &options).unwrap().len(),
        20,
        "outside a budget the same match is answered"
    );
}

#[test]
fn a_budget_with_time_left_changes_no_answer() {
    let engine = world();
    let request = SearchRequest::new(Kind::Facility).near(accra(), 50.0);
    let plenty = Budget::new(
        Some(Instant::now() + Duration::from_secs(3_600)),
        Arc::new(AtomicBool::new(false)),
    );
    let within = budget::scope(plenty, || engine.search(&request)).unwrap();
    let outside = engine.search(&request).unwrap();
    assert_eq!(ids(&within), ids(&outside));
    assert_eq!(within.total, Some(20));
}

#[test]
fn a_stalled_search_ends_when_its_deadline_passes() {
    let engine = world();
    let key = engine.fault_key().to_owned();
    fault::arm(&key, FaultPoint::Stall, 1);
    let deadline = Instant::now() + Duration::from_millis(50);
    let budget = Budget::new(Some(deadline), Arc::new(AtomicBool::new(false)));
    let outcome = budget::scope(budget, || {
        engine.search(&SearchRequest::new(Kind::Facility).nearest_to(accra()))
    });
    cancelled("a stalled search", outcome);
    assert!(
        Instant::now() >= deadline,
        "the stall ended before its deadline"
    );
    let stalls = fault::stalls(&key);
    assert_eq!(
        (stalls.entered, stalls.cancelled, stalls.released),
        (1, 1, 0)
    );
    assert_eq!(engine.health(), EngineHealth::Healthy);
    // Armed once: the next search runs as usual.
    assert_eq!(
        engine
            .search(&SearchRequest::new(Kind::Facility))
            .unwrap()
            .hits
            .len(),
        20
    );
}

#[test]
fn a_stalled_search_ends_when_its_flag_is_set_from_another_thread() {
    let engine = world();
    let key = engine.fault_key().to_owned();
    fault::arm(&key, FaultPoint::Stall, 1);
    let flag = Arc::new(AtomicBool::new(false));
    let budget = Budget::new(None, flag.clone());
    let searching = engine.clone();
    let stalled = std::thread::spawn(move || {
        budget::scope(budget, || {
            searching.search(&SearchRequest::new(Kind::Facility).nearest_to(accra()))
        })
    });
    let started = Instant::now();
    while fault::stalls(&key).entered == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "never stalled");
        std::thread::sleep(Duration::from_millis(5));
    }
    flag.store(true, Ordering::Relaxed);
    cancelled("a stalled search", stalled.join().unwrap());
    assert_eq!(fault::stalls(&key).cancelled, 1);
}

#[test]
fn a_released_stall_lets_its_search_answer() {
    let engine = world();
    let key = engine.fault_key().to_owned();
    fault::arm(&key, FaultPoint::Stall, 1);
    let searching = engine.clone();
    let stalled = std::thread::spawn(move || searching.search(&SearchRequest::new(Kind::Facility)));
    let started = Instant::now();
    while fault::stalls(&key).entered == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "never stalled");
        std::thread::sleep(Duration::from_millis(5));
    }
    fault::release_stalls(&key);
    assert_eq!(stalled.join().unwrap().unwrap().hits.len(), 20);
    let stalls = fault::stalls(&key);
    assert_eq!(
        (stalls.entered, stalls.cancelled, stalls.released),
        (1, 0, 1)
    );
}
