#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Production chains (DESIGN §6): when no single facility meets a job's required
//! processes, teams of two or three that together do. Exact against brute force over small
//! random worlds (every combination of up to three facilities scored), and ranked as
//! promised: a complete chain above an incomplete single facility, a single facility above
//! a chain whose factors are the same.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use makermatch_search::matching::{
    BatchSize, FacilityProfile, FacilityStatus, JobSpec, MAX_CHAINS, MatchInput, MatchOptions,
    Requirement, TeamMatch, TrackRecord, match_job, score_chain,
};
use makermatch_search::{LatLon, RequirementKind, Taxonomy};
use proptest::prelude::*;
use uuid::Uuid;

const PROCESSES: [&str; 4] = ["fdm", "laser-cutting", "cnc-milling", "sewing"];
const ACCRA: (f64, f64) = (5.6037, -0.1870);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn at(lat: f64, lon: f64) -> LatLon {
    LatLon::new(lat, lon).unwrap()
}

fn facility(n: u128, processes: &[&str], position: LatLon) -> FacilityProfile {
    FacilityProfile {
        id: Uuid::from_u128(n),
        name: format!("space {n}"),
        status: FacilityStatus::Active,
        position: Some(position),
        process_ids: processes.iter().map(|p| p.to_string()).collect(),
        material_ids: vec![],
        equipment: vec![],
        certifications: vec![],
        batch_size: Some(BatchSize::UpTo500),
        date_verified: Some(now() - Duration::days(30)),
        track_record: TrackRecord::default(),
        other_terms: Vec::new(),
    }
}

fn job(required: &[&str], preferred: &[&str], delivery: Option<LatLon>) -> JobSpec {
    JobSpec {
        id: Uuid::from_u128(1),
        quantity: 100,
        requirements: required
            .iter()
            .map(|p| Requirement::required(RequirementKind::Process, *p))
            .chain(
                preferred
                    .iter()
                    .map(|p| Requirement::preferred(RequirementKind::Process, *p)),
            )
            .collect(),
        delivery,
        max_distance_km: None,
        deadline: None,
    }
}

fn input<'a>(job: &'a JobSpec, facilities: &'a [FacilityProfile]) -> MatchInput<'a> {
    MatchInput {
        job,
        facilities,
        makers: &[],
        relevance: None,
        now: now(),
    }
}

fn parts(team: &TeamMatch) -> Vec<Uuid> {
    team.chain
        .iter()
        .flat_map(|c| c.parts.iter().map(|p| p.facility_id))
        .collect()
}

#[test]
fn two_facilities_that_together_cover_a_design_form_a_chain_with_its_parts_and_leg() {
    let taxonomy = Taxonomy::builtin().unwrap();
    let delivery = at(ACCRA.0, ACCRA.1);
    let printer = facility(11, &["fdm"], at(ACCRA.0 + 0.1, ACCRA.1));
    let cutter = facility(12, &["laser-cutting"], at(ACCRA.0 + 0.3, ACCRA.1));
    let world = [printer.clone(), cutter.clone()];
    let wants = job(&["fdm", "laser-cutting"], &[], Some(delivery));
    let teams = match_job(&taxonomy, &input(&wants, &world), &MatchOptions::default()).unwrap();

    // The chain first, then each facility alone (each missing the other's process).
    assert_eq!(teams.len(), 3);
    let chain = teams[0].chain.as_ref().expect("the first team is a chain");
    assert!(teams[0].missing.is_empty(), "{:?}", teams[0].missing);
    assert!(teams[1..].iter().all(|t| t.chain.is_none()));
    assert!(teams[0].score > 0.0);
    assert!(teams[1..].iter().all(|t| !t.missing.is_empty()));

    // Route: the farther facility first, then the nearer, which delivers.
    let order: Vec<Uuid> = chain.parts.iter().map(|p| p.facility_id).collect();
    assert_eq!(order, vec![cutter.id, printer.id]);
    assert_eq!(teams[0].facility_id, printer.id);
    assert_eq!(chain.parts[0].covers, vec!["laser-cutting".to_string()]);
    assert_eq!(chain.parts[1].covers, vec!["fdm".to_string()]);
    assert_eq!(chain.legs.len(), 2);
    assert_eq!(chain.legs[0].from, cutter.id);
    assert_eq!(chain.legs[0].to, Some(printer.id));
    let between = cutter
        .position
        .unwrap()
        .distance_km(printer.position.unwrap());
    assert!((chain.legs[0].km - between).abs() < 1e-9);
    assert!((between - 22.2).abs() < 0.5, "{between}");
    assert_eq!(chain.legs[1].to, None);
    let last = printer.position.unwrap().distance_km(delivery);
    assert!((chain.legs[1].km - last).abs() < 1e-9);
    assert!((chain.route_km - (between + last)).abs() < 1e-9);
    // The contributions sum to the score.
    let sum: f64 = teams[0].breakdown.iter().map(|f| f.contribution).sum();
    assert!((sum - teams[0].score).abs() < 1e-12);
}

#[test]
fn a_single_facility_outranks_an_equal_chain_and_no_chain_is_offered_beside_it() {
    let taxonomy = Taxonomy::builtin().unwrap();
    let here = at(ACCRA.0, ACCRA.1);
    let wants = job(&["fdm", "laser-cutting"], &[], Some(here));
    let both = [facility(13, &["fdm", "laser-cutting"], here)];
    let alone = match_job(&taxonomy, &input(&wants, &both), &MatchOptions::default()).unwrap();
    assert_eq!(alone.len(), 1);

    let halves = [
        facility(11, &["fdm"], here),
        facility(12, &["laser-cutting"], here),
    ];
    let chained = match_job(&taxonomy, &input(&wants, &halves), &MatchOptions::default()).unwrap();
    assert!(chained[0].chain.is_some());
    // Every factor the same (same place, same records): the hand-off costs the chain.
    assert!(chained[0].score < alone[0].score);
    let discount = chained[0].chain.as_ref().unwrap().discount;
    assert!((chained[0].score - alone[0].score * discount).abs() < 1e-12);

    // With the complete facility present, no chain is offered.
    let all = [both[0].clone(), halves[0].clone(), halves[1].clone()];
    let teams = match_job(&taxonomy, &input(&wants, &all), &MatchOptions::default()).unwrap();
    assert!(teams.iter().all(|t| t.chain.is_none()));
    assert_eq!(teams[0].facility_id, both[0].id);
}

#[test]
fn a_facility_that_does_it_all_rules_chains_out_even_without_a_position() {
    let taxonomy = Taxonomy::builtin().unwrap();
    let here = at(ACCRA.0, ACCRA.1);
    let wants = job(&["fdm", "laser-cutting"], &[], Some(here));
    let mut unplaced = facility(13, &["fdm", "laser-cutting"], here);
    unplaced.position = None;
    let world = [
        facility(11, &["fdm"], here),
        facility(12, &["laser-cutting"], here),
        unplaced,
    ];
    let teams = match_job(&taxonomy, &input(&wants, &world), &MatchOptions::default()).unwrap();
    assert_eq!(teams.len(), 3);
    assert!(teams.iter().all(|t| t.chain.is_none()));
}

#[test]
fn chains_can_be_turned_off_and_keep_within_reach() {
    let taxonomy = Taxonomy::builtin().unwrap();
    let here = at(ACCRA.0, ACCRA.1);
    let wants = job(&["fdm", "laser-cutting"], &[], Some(here));
    // About 111 km apart.
    let world = [
        facility(11, &["fdm"], here),
        facility(12, &["laser-cutting"], at(ACCRA.0 + 1.0, ACCRA.1)),
    ];
    let off = MatchOptions {
        chains: false,
        ..MatchOptions::default()
    };
    let teams = match_job(&taxonomy, &input(&wants, &world), &off).unwrap();
    assert!(teams.iter().all(|t| t.chain.is_none()));

    let near = MatchOptions {
        chain_reach_km: Some(100.0),
        ..MatchOptions::default()
    };
    let teams = match_job(&taxonomy, &input(&wants, &world), &near).unwrap();
    assert!(teams.iter().all(|t| t.chain.is_none()));
    let far = MatchOptions {
        chain_reach_km: Some(120.0),
        ..MatchOptions::default()
    };
    let teams = match_job(&taxonomy, &input(&wants, &world), &far).unwrap();
    assert!(teams[0].chain.is_some());

    // Required-only filtering keeps the chain and drops the incomplete facilities.
    let strict = MatchOptions {
        require_all: true,
        ..far
    };
    let teams = match_job(&taxonomy, &input(&wants, &world), &strict).unwrap();
    assert_eq!(teams.len(), 1);
    assert!(teams[0].chain.is_some());
}

#[test]
fn three_facilities_chain_when_no_two_cover_the_design() {
    let taxonomy = Taxonomy::builtin().unwrap();
    let here = at(ACCRA.0, ACCRA.1);
    let wants = job(&["fdm", "laser-cutting", "sewing"], &[], Some(here));
    let world = [
        facility(11, &["fdm"], at(ACCRA.0 + 0.05, ACCRA.1)),
        facility(12, &["laser-cutting"], at(ACCRA.0 + 0.1, ACCRA.1)),
        facility(13, &["sewing"], at(ACCRA.0 + 0.2, ACCRA.1)),
    ];
    let teams = match_job(&taxonomy, &input(&wants, &world), &MatchOptions::default()).unwrap();
    let chain = teams[0].chain.as_ref().unwrap();
    assert_eq!(chain.parts.len(), 3);
    assert_eq!(chain.legs.len(), 3);
    // Farthest first, the nearest delivers: the least travel.
    assert_eq!(
        parts(&teams[0]),
        vec![world[2].id, world[1].id, world[0].id]
    );
    let two = chain.discount;
    assert!((two - 0.9f64.powi(2)).abs() < 1e-12);
}

/// A small random world: facilities with random processes and places, and a job.
#[derive(Debug, Clone)]
struct World {
    facilities: Vec<FacilityProfile>,
    job: JobSpec,
    options: MatchOptions,
}

fn world() -> impl Strategy<Value = World> {
    let space = (
        proptest::sample::subsequence(PROCESSES.to_vec(), 0..=2),
        -1.5f64..1.5,
        -1.5f64..1.5,
        0u32..4,
        prop_oneof![
            Just(BatchSize::UpTo50),
            Just(BatchSize::UpTo500),
            Just(BatchSize::UpTo5000)
        ],
    );
    (
        proptest::collection::vec(space, 2..12),
        proptest::sample::subsequence(PROCESSES.to_vec(), 2..=4),
        proptest::option::of(Just(())),
        prop_oneof![Just(None), (40.0f64..400.0).prop_map(Some)],
        proptest::bool::ANY,
    )
        .prop_map(|(spaces, required, delivered, reach, with_preferred)| {
            let facilities = spaces
                .into_iter()
                .enumerate()
                .map(|(i, (processes, dlat, dlon, done, batch))| {
                    let mut f = facility(
                        100 + i as u128,
                        &processes,
                        at(ACCRA.0 + dlat, ACCRA.1 + dlon),
                    );
                    f.batch_size = Some(batch);
                    f.track_record = TrackRecord {
                        completed: done,
                        on_time: done / 2,
                        prototypes_submitted: 0,
                        prototypes_approved: 0,
                    };
                    f
                })
                .collect();
            let delivery = delivered.map(|_| at(ACCRA.0, ACCRA.1));
            let (required, preferred) = if with_preferred && required.len() > 2 {
                (
                    &required[..required.len() - 1],
                    &required[required.len() - 1..],
                )
            } else {
                (&required[..], &[][..])
            };
            World {
                facilities,
                job: job(required, preferred, delivery),
                options: MatchOptions {
                    chain_reach_km: reach,
                    ..MatchOptions::default()
                },
            }
        })
}

/// Every combination of two or three facilities scored as one chain, best first as the
/// ranking orders them.
fn brute_force(
    taxonomy: &Taxonomy,
    input: &MatchInput<'_>,
    options: &MatchOptions,
) -> Vec<(Vec<Uuid>, f64)> {
    let mut all: Vec<TeamMatch> = combinations(input.facilities.len())
        .into_iter()
        .filter_map(|c| {
            let ids: Vec<Uuid> = c.iter().map(|&i| input.facilities[i].id).collect();
            score_chain(taxonomy, input, options, &ids).unwrap()
        })
        .collect();
    all.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.facility_id.cmp(&b.facility_id))
            .then_with(|| parts(a).cmp(&parts(b)))
    });
    all.iter().map(|t| (parts(t), t.score)).collect()
}

#[test]
fn with_many_chains_the_best_twenty_are_exactly_the_brute_force_best() {
    // Pairs (print-and-cut with sewing) are plenty and beat any triple (two hand-offs);
    // triples (print, cut, sew apart) exist but cannot enter the best twenty.
    let taxonomy = Taxonomy::builtin().unwrap();
    let mut world = Vec::new();
    let mut n = 100;
    for (processes, count) in [
        (&["fdm", "laser-cutting"][..], 6),
        (&["sewing"][..], 6),
        (&["fdm"][..], 3),
        (&["laser-cutting"][..], 3),
    ] {
        for i in 0..count {
            n += 1;
            let mut f = facility(
                n,
                processes,
                at(ACCRA.0 + 0.01 * f64::from(i), ACCRA.1 - 0.02 * f64::from(i)),
            );
            f.track_record = TrackRecord {
                completed: 40,
                on_time: 40,
                prototypes_submitted: 10,
                prototypes_approved: 10,
            };
            world.push(f);
        }
    }
    let wants = job(
        &["fdm", "laser-cutting", "sewing"],
        &[],
        Some(at(ACCRA.0, ACCRA.1)),
    );
    let input = input(&wants, &world);
    let options = MatchOptions::default();
    let teams = match_job(&taxonomy, &input, &options).unwrap();
    let got: Vec<(Vec<Uuid>, f64)> = teams
        .iter()
        .filter(|t| t.chain.is_some())
        .map(|t| (parts(t), t.score))
        .collect();
    let all = brute_force(&taxonomy, &input, &options);
    assert!(
        all.iter().any(|(p, _)| p.len() == 3),
        "the world holds triples"
    );
    assert!(all.len() > MAX_CHAINS);
    let best: Vec<(Vec<Uuid>, f64)> = all.into_iter().take(MAX_CHAINS).collect();
    assert!(best.iter().all(|(p, _)| p.len() == 2));
    assert_eq!(got, best);
}

fn combinations(n: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            out.push(vec![a, b]);
            for c in b + 1..n {
                out.push(vec![a, b, c]);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn chains_are_exact_against_brute_force(w in world()) {
        let taxonomy = Taxonomy::builtin().unwrap();
        let input = input(&w.job, &w.facilities);
        let teams = match_job(&taxonomy, &input, &w.options).unwrap();
        let chains: Vec<&TeamMatch> = teams.iter().filter(|t| t.chain.is_some()).collect();

        let required: Vec<&str> = w.job.requirements.iter().filter(|r| r.required).map(|r| r.term.as_str()).collect();
        let covers = |f: &FacilityProfile, p: &str| f.process_ids.iter().any(|x| x == p);
        let single = w.facilities.iter().any(|f| required.iter().all(|p| covers(f, p)));
        if single {
            prop_assert!(chains.is_empty(), "a facility covers the job alone, yet chains were offered");
            return Ok(());
        }

        let got: Vec<(Vec<Uuid>, f64)> = chains.iter().map(|t| (parts(t), t.score)).collect();
        let mut want = brute_force(&taxonomy, &input, &w.options);
        want.truncate(MAX_CHAINS);
        prop_assert_eq!(got, want);

        // What a chain is, checked from the world itself.
        let reach = makermatch_search::matching::chain_reach_km(&w.job, &w.options);
        let by_id = |id: &Uuid| w.facilities.iter().find(|f| f.id == *id).unwrap();
        for t in &chains {
            let members: Vec<&FacilityProfile> = parts(t).iter().map(by_id).collect();
            prop_assert!((2..=3).contains(&members.len()));
            prop_assert_eq!(members.iter().map(|f| f.id).collect::<HashSet<_>>().len(), members.len());
            for p in &required {
                prop_assert!(members.iter().any(|f| covers(f, p)), "nobody in the chain does {}", p);
            }
            for (i, a) in members.iter().enumerate() {
                let rest: Vec<&&FacilityProfile> = members.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, f)| f).collect();
                prop_assert!(!required.iter().all(|p| rest.iter().any(|f| covers(f, p))), "{} is redundant", a.name);
                for b in &members[i + 1..] {
                    prop_assert!(a.position.unwrap().distance_km(b.position.unwrap()) <= reach + 1e-9);
                }
                if let Some(d) = w.job.delivery {
                    prop_assert!(a.position.unwrap().distance_km(d) <= reach + 1e-9);
                }
            }
            prop_assert!(t.missing.iter().all(|m| !m.required));
        }
        // Complete chains rank above every single facility.
        if let Some(first_single) = teams.iter().position(|t| t.chain.is_none()) {
            prop_assert!(teams[first_single..].iter().all(|t| t.chain.is_none()));
        }
    }
}
