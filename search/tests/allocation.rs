#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Allocation scenarios (DESIGN §6): the IMA trial's even split, capacity shared across a
//! programme where greedy loses, probation caps, minimum batches, unmeetable demand,
//! determinism, and a property test of the rules on random programmes.

use makermatch_search::allocation::{
    AllocationCandidate, AllocationError, AllocationFacility, AllocationJob, AllocationOptions,
    AllocationProblem, Reason, allocate_greedy, allocate_job, allocate_programme,
};
use proptest::prelude::*;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn job(n: u128, quantity: u32, price: i64) -> AllocationJob {
    let mut j = AllocationJob::new(id(n), quantity);
    j.unit_price_minor = Some(price);
    j
}

fn facility(n: u128, capacity: Option<u32>) -> AllocationFacility {
    AllocationFacility::new(id(n), format!("space {n}"), capacity)
}

fn candidate(job: u128, facility: u128, price: Option<i64>) -> AllocationCandidate {
    let mut c = AllocationCandidate::new(id(job), id(facility));
    c.unit_price_minor = price;
    c
}

/// Nine equal spaces in Ghana, Kenya and South Africa and the three IMA tiers: per space
/// 100 simple devices at $2, 20 simple products at $10, 5 complex products at $80.
fn ima(capacity: Option<u32>) -> AllocationProblem {
    let jobs = vec![job(1, 900, 200), job(2, 180, 1_000), job(3, 45, 8_000)];
    let facilities: Vec<_> = (10..19).map(|f| facility(f, capacity)).collect();
    let mut candidates = Vec::new();
    for j in 1..=3 {
        for f in 10..19 {
            let mut c = candidate(j, f, None);
            // Different distances, but transport is not priced: still equal costs.
            c.distance_km = Some(10.0 * f as f64);
            candidates.push(c);
        }
    }
    AllocationProblem {
        jobs,
        facilities,
        candidates,
    }
}

#[test]
fn ima_trial_is_split_evenly() {
    for capacity in [None, Some(125), Some(1_000)] {
        let a = allocate_programme(&ima(capacity), &AllocationOptions::default()).unwrap();
        assert!(a.complete && a.objective.optimal);
        for f in 10..19 {
            assert_eq!(a.quantity(id(1), id(f)), 100, "devices at {f}");
            assert_eq!(a.quantity(id(2), id(f)), 20, "simple products at {f}");
            assert_eq!(a.quantity(id(3), id(f)), 5, "complex products at {f}");
        }
        for f in &a.facilities {
            assert_eq!(f.allocated, 125);
            assert_eq!(f.cost_minor, 80_000, "$800 per space");
        }
        assert_eq!(a.objective.total_cost_minor, 720_000, "$7,200 in all");
        assert_eq!(a.objective.allocated, 1_125);
        assert!((a.objective.largest_share - 1.0 / 9.0).abs() < 1e-12);
        if capacity.is_none() {
            assert!(
                a.proposals().all(|d| d.reason == Reason::EvenSplit),
                "{:?}",
                a.decisions
            );
        }
    }
    // The greedy split fills the first spaces and costs the same: the tie-break is what
    // makes the proposal even.
    let g = allocate_greedy(&ima(None), &AllocationOptions::default()).unwrap();
    assert_eq!(g.objective.total_cost_minor, 720_000);
    assert_eq!(g.quantity(id(1), id(10)), 900);
}

#[test]
fn shared_capacity_beats_greedy() {
    // Space 10 is cheap for both jobs but can take only one of them; job 1 has a decent
    // alternative (space 11 at 2), job 2 only a dear one (11 at 10). Greedy serves job 1
    // first from space 10 and pays 10 a unit for all of job 2.
    let problem = AllocationProblem {
        jobs: vec![job(1, 10, 0), job(2, 10, 0)],
        facilities: vec![facility(10, Some(10)), facility(11, Some(10))],
        candidates: vec![
            candidate(1, 10, Some(1)),
            candidate(1, 11, Some(2)),
            candidate(2, 10, Some(1)),
            candidate(2, 11, Some(10)),
        ],
    };
    let options = AllocationOptions::default();
    let best = allocate_programme(&problem, &options).unwrap();
    let greedy = allocate_greedy(&problem, &options).unwrap();
    assert!(best.complete && greedy.complete);
    assert_eq!(best.objective.total_cost_minor, 30);
    assert_eq!(greedy.objective.total_cost_minor, 110);
    assert!(greedy.objective.total_cost_minor > best.objective.total_cost_minor);
    assert_eq!(best.quantity(id(1), id(11)), 10);
    assert_eq!(best.quantity(id(2), id(10)), 10);
    let d = best
        .decisions
        .iter()
        .find(|d| d.job_id == id(1) && d.facility_id == id(10))
        .unwrap();
    assert_eq!((d.quantity, d.reason), (0, Reason::NoCapacityLeft));
    let d = best
        .decisions
        .iter()
        .find(|d| d.job_id == id(2) && d.facility_id == id(10))
        .unwrap();
    assert_eq!(d.reason, Reason::AtCapacity, "{}", d.detail);
}

#[test]
fn facilities_on_probation_are_capped() {
    let mut newcomer = facility(10, None);
    newcomer.on_probation = true;
    let facilities = vec![newcomer, facility(11, None)];
    let candidates = vec![candidate(1, 10, Some(100)), candidate(1, 11, Some(200))];
    let options = AllocationOptions {
        probation_cap: Some(10),
        ..AllocationOptions::default()
    };
    let a = allocate_job(&job(1, 100, 0), &facilities, &candidates, &options).unwrap();
    assert_eq!(a.quantity(id(1), id(10)), 10);
    assert_eq!(a.quantity(id(1), id(11)), 90);
    let capped = &a.decisions[0];
    assert_eq!(capped.reason, Reason::ProbationCap, "{}", capped.detail);
    assert_eq!(
        a.decisions[1].reason,
        Reason::Cheapest,
        "{}",
        a.decisions[1].detail
    );
    // Without the cap the cheaper newcomer takes everything.
    let free = allocate_job(
        &job(1, 100, 0),
        &facilities,
        &candidates,
        &AllocationOptions::default(),
    )
    .unwrap();
    assert_eq!(free.quantity(id(1), id(10)), 100);
}

#[test]
fn max_share_spreads_a_job() {
    let facilities: Vec<_> = (10..14).map(|f| facility(f, None)).collect();
    let candidates: Vec<_> = (10..14)
        .map(|f| candidate(1, f, Some(100 + f as i64)))
        .collect();
    let options = AllocationOptions {
        max_share: Some(0.3),
        ..AllocationOptions::default()
    };
    let a = allocate_job(&job(1, 100, 0), &facilities, &candidates, &options).unwrap();
    let got: Vec<u32> = a.decisions.iter().map(|d| d.quantity).collect();
    assert_eq!(got, vec![30, 30, 30, 10]);
    assert_eq!(a.decisions[0].reason, Reason::AtMaxShare);
    assert_eq!(a.decisions[3].reason, Reason::Cheapest);
}

#[test]
fn minimum_batches_give_nothing_or_enough() {
    // Without the rule: 60 at the cheap space and 40 at the other. With a minimum of 50
    // the best is 50 + 50 (the cheap space gives up 10 units rather than leave any).
    let facilities = vec![facility(10, Some(60)), facility(11, Some(60))];
    let candidates = vec![candidate(1, 10, Some(1)), candidate(1, 11, Some(2))];
    let mut j = job(1, 100, 0);
    let free = allocate_job(&j, &facilities, &candidates, &AllocationOptions::default()).unwrap();
    assert_eq!(free.quantity(id(1), id(11)), 40);
    j.min_batch = Some(50);
    let a = allocate_job(&j, &facilities, &candidates, &AllocationOptions::default()).unwrap();
    assert!(a.complete && a.objective.optimal);
    assert_eq!(a.quantity(id(1), id(10)), 50);
    assert_eq!(a.quantity(id(1), id(11)), 50);
    assert_eq!(a.objective.total_cost_minor, 150);

    // A search cut short still answers, within the rules, and says it is not proven.
    let hurried = AllocationOptions {
        max_branch_nodes: 3,
        ..AllocationOptions::default()
    };
    let h = allocate_job(&j, &facilities, &candidates, &hurried).unwrap();
    assert!(!h.objective.optimal);
    assert!(
        h.decisions
            .iter()
            .all(|d| d.quantity == 0 || d.quantity >= 50)
    );

    // A third space that could only take 20 is left out, and says why.
    let mut facilities = facilities;
    facilities.push(facility(12, Some(20)));
    let mut candidates = candidates;
    candidates.push(candidate(1, 12, Some(0)));
    let a = allocate_job(&j, &facilities, &candidates, &AllocationOptions::default()).unwrap();
    let left_out = a
        .decisions
        .iter()
        .find(|d| d.facility_id == id(12))
        .unwrap();
    assert_eq!(
        (left_out.quantity, left_out.reason),
        (0, Reason::BelowMinBatch)
    );
    for d in &a.decisions {
        assert!(d.quantity == 0 || d.quantity >= 50, "{d:?}");
    }
}

#[test]
fn minimum_batches_keep_ties_even() {
    // The IMA split meets a minimum of 5 as it is.
    let options = AllocationOptions {
        min_batch: Some(5),
        ..AllocationOptions::default()
    };
    let a = allocate_programme(&ima(None), &options).unwrap();
    assert!(a.objective.optimal);
    assert!(a.proposals().all(|d| [100, 20, 5].contains(&d.quantity)));
    // Ten units over three equal spaces with a minimum of 4: 5 + 5, not 10 + 0 + 0.
    let facilities: Vec<_> = (10..13).map(|f| facility(f, None)).collect();
    let candidates: Vec<_> = (10..13).map(|f| candidate(1, f, Some(7))).collect();
    let mut j = job(1, 10, 0);
    j.min_batch = Some(4);
    let a = allocate_job(&j, &facilities, &candidates, &AllocationOptions::default()).unwrap();
    let mut got: Vec<u32> = a.decisions.iter().map(|d| d.quantity).collect();
    got.sort();
    assert_eq!(got, vec![0, 5, 5]);
    assert_eq!(a.objective.total_cost_minor, 70);
    assert!(a.objective.optimal);
}

#[test]
fn unmeetable_demand_is_a_flagged_partial_allocation() {
    let facilities = vec![facility(10, Some(30)), facility(11, Some(40))];
    let candidates = vec![candidate(1, 10, Some(1)), candidate(1, 11, Some(1))];
    let a = allocate_job(
        &job(1, 100, 0),
        &facilities,
        &candidates,
        &AllocationOptions::default(),
    )
    .unwrap();
    assert!(!a.complete);
    assert_eq!(a.objective.shortfall, 30);
    assert_eq!(a.jobs[0].allocated, 70);
    assert_eq!(a.jobs[0].shortfall, 30);
    assert!(a.decisions.iter().all(|d| d.reason == Reason::AtCapacity));
    let err = a.into_complete().unwrap_err();
    assert_eq!(
        err,
        AllocationError::Shortfall {
            job_id: id(1),
            quantity: 100,
            shortfall: 30
        }
    );
    assert!(err.to_string().contains("30 of 100 units"), "{err}");
}

#[test]
fn ties_are_deterministic_and_go_by_id() {
    // Ten units over three equal spaces: 4 + 3 + 3 whatever the input order.
    let facilities: Vec<_> = [12, 10, 11].iter().map(|&f| facility(f, None)).collect();
    let candidates: Vec<_> = [11, 12, 10]
        .iter()
        .map(|&f| candidate(1, f, Some(5)))
        .collect();
    let first = allocate_job(
        &job(1, 10, 0),
        &facilities,
        &candidates,
        &AllocationOptions::default(),
    )
    .unwrap();
    let mut shuffled_f = facilities.clone();
    shuffled_f.reverse();
    let mut shuffled_c = candidates.clone();
    shuffled_c.rotate_left(1);
    let second = allocate_job(
        &job(1, 10, 0),
        &shuffled_f,
        &shuffled_c,
        &AllocationOptions::default(),
    )
    .unwrap();
    assert_eq!(first, second);
    let mut got: Vec<u32> = first.decisions.iter().map(|d| d.quantity).collect();
    let ids: Vec<Uuid> = first.decisions.iter().map(|d| d.facility_id).collect();
    assert_eq!(ids, vec![id(10), id(11), id(12)], "decisions ordered by id");
    got.sort();
    assert_eq!(got, vec![3, 3, 4]);
}

#[test]
fn transport_cost_prefers_nearer_spaces() {
    let facilities = vec![facility(10, Some(60)), facility(11, Some(60))];
    let mut near = candidate(1, 10, Some(100));
    near.distance_km = Some(5.0);
    let mut far = candidate(1, 11, Some(100));
    far.distance_km = Some(500.0);
    let options = AllocationOptions {
        transport_minor_per_unit_km: 0.1,
        ..AllocationOptions::default()
    };
    let a = allocate_job(&job(1, 100, 0), &facilities, &[near, far], &options).unwrap();
    assert_eq!(a.quantity(id(1), id(10)), 60);
    assert_eq!(a.quantity(id(1), id(11)), 40);
    // 5 km and 500 km at 0.1 a km: 1 and 50 a unit.
    assert_eq!(a.objective.transport_minor, 60 + 40 * 50);
    assert_eq!(a.objective.price_minor, 100 * 100);
}

#[test]
fn bad_requests_are_refused() {
    let facilities = vec![facility(10, None)];
    let ok = vec![candidate(1, 10, Some(1))];
    let bad_share = AllocationOptions {
        max_share: Some(1.5),
        ..AllocationOptions::default()
    };
    let refuse = |r: Result<_, AllocationError>| {
        assert!(matches!(r, Err(AllocationError::InvalidInput(_))), "{r:?}");
    };
    refuse(allocate_job(&job(1, 10, 0), &facilities, &ok, &bad_share));
    refuse(allocate_job(
        &job(1, 0, 0),
        &facilities,
        &ok,
        &AllocationOptions::default(),
    ));
    refuse(allocate_job(
        &job(1, 10, 0),
        &facilities,
        &[candidate(1, 99, None)],
        &AllocationOptions::default(),
    ));
    refuse(allocate_job(
        &job(1, 10, 0),
        &facilities,
        &[candidate(1, 10, Some(-1))],
        &AllocationOptions::default(),
    ));
    refuse(allocate_job(
        &job(1, 10, 0),
        &facilities,
        &[candidate(1, 10, None), candidate(1, 10, None)],
        &AllocationOptions::default(),
    ));
    refuse(allocate_programme(
        &AllocationProblem::default(),
        &AllocationOptions::default(),
    ));
}

prop_compose! {
    fn programme()(
        jobs in prop::collection::vec((1u32..=400, prop::option::weighted(0.3, 2u32..=60)), 1..=4),
        facilities in prop::collection::vec(
            (prop::option::weighted(0.8, 0u32..=300), prop::bool::weighted(0.3)),
            1..=8,
        ),
        prices in prop::collection::vec(0i64..=50, 32),
        limits in prop::collection::vec(prop::option::weighted(0.3, 0u32..=200), 32),
        present in prop::collection::vec(prop::bool::weighted(0.8), 32),
        share in prop::option::weighted(0.5, 0.05f64..=1.0),
        probation_cap in prop::option::weighted(0.5, 0u32..=80),
    ) -> (AllocationProblem, AllocationOptions) {
        let mut problem = AllocationProblem::default();
        for (j, &(quantity, min_batch)) in jobs.iter().enumerate() {
            let mut job = AllocationJob::new(id(100 + j as u128), quantity);
            job.min_batch = min_batch;
            problem.jobs.push(job);
        }
        for (f, &(capacity, probation)) in facilities.iter().enumerate() {
            let mut fac = facility(200 + f as u128, capacity);
            fac.on_probation = probation;
            problem.facilities.push(fac);
        }
        for j in 0..jobs.len() {
            for f in 0..facilities.len() {
                let k = j * 8 + f;
                if present[k] {
                    let mut c = candidate(100 + j as u128, 200 + f as u128, Some(prices[k]));
                    c.max_quantity = limits[k];
                    problem.candidates.push(c);
                }
            }
        }
        let options = AllocationOptions {
            max_share: share,
            probation_cap,
            ..AllocationOptions::default()
        };
        (problem, options)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn allocations_keep_every_rule((problem, options) in programme()) {
        let a = allocate_programme(&problem, &options).unwrap();
        let greedy = allocate_greedy(&problem, &options).unwrap();
        for d in &a.decisions {
            let job = problem.jobs.iter().find(|j| j.id == d.job_id).unwrap();
            let fac = problem.facilities.iter().find(|f| f.id == d.facility_id).unwrap();
            let cand = problem
                .candidates
                .iter()
                .find(|c| c.job_id == d.job_id && c.facility_id == d.facility_id)
                .unwrap();
            prop_assert!(d.quantity <= d.limit);
            if let Some(s) = job.max_share.or(options.max_share) {
                prop_assert!(f64::from(d.quantity) <= s * f64::from(job.quantity) + 1e-9);
            }
            if fac.on_probation && let Some(cap) = options.probation_cap {
                prop_assert!(d.quantity <= cap);
            }
            if let Some(m) = cand.max_quantity {
                prop_assert!(d.quantity <= m);
            }
            if let Some(m) = job.min_batch.or(options.min_batch) {
                prop_assert!(d.quantity == 0 || d.quantity >= m, "{:?}", d);
            }
        }
        for f in &a.facilities {
            if let Some(c) = f.capacity {
                prop_assert!(f.allocated <= c);
            }
        }
        for j in &a.jobs {
            prop_assert_eq!(j.allocated + j.shortfall, j.quantity);
            let placed: u32 = a.decisions.iter().filter(|d| d.job_id == j.job_id).map(|d| d.quantity).sum();
            prop_assert_eq!(placed, j.allocated);
        }
        // Exact never does worse than greedy: fewer units short, or as few and no dearer.
        prop_assert!(
            (a.objective.shortfall, a.objective.total_cost_minor)
                <= (greedy.objective.shortfall, greedy.objective.total_cost_minor)
                || !a.objective.optimal
        );
        prop_assert_eq!(a.complete, a.objective.shortfall == 0);
    }

    #[test]
    fn demand_is_met_whenever_it_can_be(
        quantities in prop::collection::vec(1u32..=300, 1..=4),
        capacities in prop::collection::vec(0u32..=400, 1..=8),
    ) {
        // Every facility a candidate for every job, no caps but capacity: all demand fits
        // exactly when total capacity allows, and then the split sums to the demand.
        let problem = AllocationProblem {
            jobs: quantities.iter().enumerate().map(|(j, &q)| job(100 + j as u128, q, 1)).collect(),
            facilities: capacities.iter().enumerate().map(|(f, &c)| facility(200 + f as u128, Some(c))).collect(),
            candidates: (0..quantities.len())
                .flat_map(|j| (0..capacities.len()).map(move |f| candidate(100 + j as u128, 200 + f as u128, Some(1 + (j * 7 + f * 3) as i64 % 5))))
                .collect(),
        };
        let a = allocate_programme(&problem, &AllocationOptions::default()).unwrap();
        let demand: u64 = quantities.iter().map(|&q| u64::from(q)).sum();
        let supply: u64 = capacities.iter().map(|&c| u64::from(c)).sum();
        prop_assert_eq!(a.complete, supply >= demand);
        prop_assert_eq!(a.objective.allocated, demand.min(supply));
    }
}
