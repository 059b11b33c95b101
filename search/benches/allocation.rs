#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Matching and allocation at the sizes of DESIGN §6's targets: `allocateProgramme` for
//! 100 facilities × 10 jobs (target ≤ 50 ms), with and without minimum batches, next to
//! the greedy split a coordinator would make by hand; `matchJob` scoring 1,000
//! candidate facilities with their makers for one job; and `matchJob` for a job no
//! facility of a 100-facility shortlist can make alone, ranking production chains.
//!
//! `cargo bench -p makermatch-search --bench allocation`. The data is generated here,
//! deterministically (ChaCha8, seed 42): facilities and makers around nine cities in
//! Ghana, Nigeria, Kenya, Uganda and South Africa.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, NaiveDate, TimeZone, Utc};
use criterion::Criterion;
use makermatch_search::allocation::{
    AllocationCandidate, AllocationFacility, AllocationJob, AllocationOptions, AllocationProblem,
    allocate_greedy, allocate_programme,
};
use makermatch_search::matching::{
    Availability, BatchSize, Clearance, CredentialEvidence, FacilityProfile, FacilityStatus,
    JobSpec, Machine, MakerProfile, MatchInput, MatchOptions, ProofState, Requirement, SkillClaim,
    TrackRecord, match_job,
};
use makermatch_search::skills::skill_key;
use makermatch_search::{LatLon, RequirementKind, SkillLevel, Taxonomy};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

const CITIES: [(f64, f64); 9] = [
    (5.6037, -0.1870),   // Accra
    (6.6885, -1.6244),   // Kumasi
    (6.5244, 3.3792),    // Lagos
    (-1.2921, 36.8219),  // Nairobi
    (-4.0435, 39.6682),  // Mombasa
    (0.3476, 32.5825),   // Kampala
    (-26.2041, 28.0473), // Johannesburg
    (-33.9249, 18.4241), // Cape Town
    (-29.8587, 31.0218), // Durban
];

fn uuid(rng: &mut ChaCha8Rng) -> Uuid {
    Uuid::from_u128(rng.random())
}

fn near_city(rng: &mut ChaCha8Rng) -> LatLon {
    let (lat, lon) = CITIES[rng.random_range(0..CITIES.len())];
    LatLon::new(
        lat + rng.random_range(-0.4..0.4),
        lon + rng.random_range(-0.4..0.4),
    )
    .unwrap()
}

/// 100 facilities and 10 jobs, every facility a candidate for every job (1,000 pairs):
/// capacities 50–500, a tenth on probation, prices ±20 % around each job's, distances
/// 0–800 km priced at 0.05 a unit and km.
fn programme(rng: &mut ChaCha8Rng, facilities: usize, jobs: usize) -> AllocationProblem {
    let mut p = AllocationProblem::default();
    for _ in 0..jobs {
        let mut j = AllocationJob::new(uuid(rng), rng.random_range(200..2_000));
        j.unit_price_minor = Some(rng.random_range(100..10_000));
        p.jobs.push(j);
    }
    for i in 0..facilities {
        let mut f = AllocationFacility::new(
            uuid(rng),
            format!("space {i}"),
            Some(rng.random_range(50..500)),
        );
        f.on_probation = rng.random_bool(0.1);
        p.facilities.push(f);
    }
    for j in 0..jobs {
        let base = p.jobs[j].unit_price_minor.unwrap_or(1_000) as f64;
        for f in 0..facilities {
            let mut c = AllocationCandidate::new(p.jobs[j].id, p.facilities[f].id);
            c.unit_price_minor = Some((base * rng.random_range(0.8..1.2)).round() as i64);
            c.distance_km = Some(rng.random_range(0.0..800.0));
            p.candidates.push(c);
        }
    }
    p
}

fn allocation_options(min_batch: Option<u32>) -> AllocationOptions {
    AllocationOptions {
        max_share: Some(0.25),
        probation_cap: Some(40),
        min_batch,
        transport_minor_per_unit_km: 0.05,
        ..AllocationOptions::default()
    }
}

const PROCESSES: [&str; 8] = [
    "fdm",
    "sla",
    "3d-printing",
    "laser-cutting",
    "cnc-milling",
    "tig-welding",
    "mig-welding",
    "additive-manufacturing",
];
const MACHINES: [&str; 6] = [
    "fdm-3d-printer",
    "sla-3d-printer",
    "laser-cutter",
    "cnc-mill",
    "tig-welder",
    "mig-welder",
];
const MATERIALS: [&str; 5] = ["pla", "petg", "steel", "stainless-steel", "plywood"];
const SKILLS: [(&str, Option<&str>); 6] = [
    ("FDM 3D printing", Some("fdm")),
    ("Resin printing", Some("sla")),
    ("TIG welding", Some("tig-welding")),
    ("MIG welding", Some("mig-welding")),
    ("Laser cutting", Some("laser-cutting")),
    ("Project management", None),
];
const BATCHES: [BatchSize; 4] = [
    BatchSize::UpTo50,
    BatchSize::UpTo500,
    BatchSize::UpTo5000,
    BatchSize::Over5000,
];
const LEVELS: [SkillLevel; 4] = [
    SkillLevel::Novice,
    SkillLevel::Intermediate,
    SkillLevel::Advanced,
    SkillLevel::Expert,
];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, from: &'a [T]) -> &'a T {
    &from[rng.random_range(0..from.len())]
}

fn world(
    rng: &mut ChaCha8Rng,
    facilities: usize,
    makers: usize,
) -> (Vec<FacilityProfile>, Vec<MakerProfile>) {
    let fs: Vec<FacilityProfile> = (0..facilities)
        .map(|i| FacilityProfile {
            id: uuid(rng),
            name: format!("space {i}"),
            status: FacilityStatus::Active,
            position: Some(near_city(rng)),
            process_ids: (0..rng.random_range(0..4))
                .map(|_| pick(rng, &PROCESSES).to_string())
                .collect(),
            material_ids: (0..rng.random_range(0..3))
                .map(|_| pick(rng, &MATERIALS).to_string())
                .collect(),
            equipment: (0..rng.random_range(0..5))
                .map(|_| Machine {
                    id: uuid(rng),
                    equipment_type: pick(rng, &MACHINES).to_string(),
                    process_id: None,
                    make: Some("Prusa".into()),
                    model: None,
                })
                .collect(),
            certifications: if rng.random_bool(0.2) {
                vec!["ISO 9001:2015".into()]
            } else {
                vec![]
            },
            batch_size: Some(*pick(rng, &BATCHES)),
            date_verified: Some(now() - Days::days(rng.random_range(0..1_000))),
            other_terms: Vec::new(),
            track_record: {
                let completed = rng.random_range(0..20);
                let submitted = rng.random_range(0..10);
                TrackRecord {
                    completed,
                    on_time: rng.random_range(0..=completed),
                    prototypes_submitted: submitted,
                    prototypes_approved: rng.random_range(0..=submitted),
                }
            },
        })
        .collect();
    let ms = (0..makers)
        .map(|i| {
            let skills = (0..rng.random_range(1..4))
                .map(|_| {
                    let (label, process) = *pick(rng, &SKILLS);
                    let credentials = if rng.random_bool(0.3) {
                        vec![CredentialEvidence {
                            id: uuid(rng),
                            achievement: format!("{label} badge"),
                            issuer: "Makerspace Guild".into(),
                            issuer_trusted: rng.random_bool(0.8),
                            proof: ProofState::Verified,
                            issued_on: now() - Days::days(400),
                            expires: Some(now() + Days::days(rng.random_range(-200..400))),
                            revoked: rng.random_bool(0.05),
                        }]
                    } else {
                        vec![]
                    };
                    SkillClaim {
                        label: label.into(),
                        key: skill_key(label),
                        process_id: process.map(String::from),
                        level: *pick(rng, &LEVELS),
                        credentials,
                    }
                })
                .collect();
            let home = rng.random_range(0..facilities);
            MakerProfile {
                id: uuid(rng),
                display_name: format!("maker {i}"),
                position: Some(near_city(rng)),
                affiliations: if rng.random_bool(0.5) {
                    vec![fs[home].id]
                } else {
                    vec![]
                },
                clearances: if rng.random_bool(0.1) {
                    vec![Clearance {
                        facility_id: fs[home].id,
                        equipment_id: None,
                        expires_on: NaiveDate::from_ymd_opt(2027, 1, 1),
                    }]
                } else {
                    vec![]
                },
                skills,
                availability: Some(Availability {
                    hours_per_week: rng.random_range(0.0..40.0),
                    from: None,
                    to: None,
                }),
            }
        })
        .collect();
    (fs, ms)
}

/// A shortlist of 100 facilities around Accra, each doing one or two of four processes,
/// so a job needing three of them is made by chains only.
fn split_world(rng: &mut ChaCha8Rng) -> (Vec<FacilityProfile>, Vec<MakerProfile>) {
    const SPLIT: [&str; 4] = ["fdm", "laser-cutting", "tig-welding", "cnc-milling"];
    let (mut facilities, makers) = world(rng, 100, 2_000);
    for f in &mut facilities {
        let first = rng.random_range(0..SPLIT.len());
        f.process_ids = vec![SPLIT[first].to_string()];
        if rng.random_bool(0.4) {
            f.process_ids
                .push(SPLIT[(first + rng.random_range(1..SPLIT.len())) % SPLIT.len()].to_string());
        }
        f.equipment.clear();
        f.position = Some(
            LatLon::new(
                5.6037 + rng.random_range(-0.8..0.8),
                -0.1870 + rng.random_range(-0.8..0.8),
            )
            .unwrap(),
        );
    }
    (facilities, makers)
}

fn chained_job() -> JobSpec {
    JobSpec {
        requirements: vec![
            Requirement::required(RequirementKind::Process, "fdm"),
            Requirement::required(RequirementKind::Process, "laser-cutting"),
            Requirement::required(RequirementKind::Process, "tig-welding"),
            Requirement::required(RequirementKind::Skill, "TIG welding"),
        ],
        ..job()
    }
}

fn job() -> JobSpec {
    let mut weld = Requirement::required(RequirementKind::Skill, "TIG welding");
    weld.min_level = Some(SkillLevel::Intermediate);
    JobSpec {
        id: Uuid::from_u128(1),
        quantity: 900,
        requirements: vec![
            Requirement::required(RequirementKind::Process, "3d-printing"),
            Requirement::preferred(RequirementKind::Process, "laser-cutting"),
            Requirement::required(RequirementKind::Equipment, "fdm-3d-printer"),
            Requirement::required(RequirementKind::Material, "pla"),
            Requirement::preferred(RequirementKind::Certification, "ISO 9001"),
            Requirement::required(RequirementKind::Skill, "3d-printing"),
            weld,
        ],
        delivery: Some(LatLon::new(5.6037, -0.1870).unwrap()),
        max_distance_km: None,
        deadline: NaiveDate::from_ymd_opt(2026, 9, 1),
    }
}

/// CPU time of this thread so far (/proc/thread-self/schedstat, in ns): on a machine
/// shared with other builds, wall time says as much about them as about us.
fn cpu_time() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// Median wall time and mean CPU time of `runs` calls (the scheduler updates the CPU
/// figure at its ticks, so only a total over many calls is precise).
fn timed(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let cpu_start = cpu_time();
    let mut wall: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    let cpu = cpu_time().saturating_sub(cpu_start) / runs as u32;
    wall.sort();
    (wall[runs / 2], cpu)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let problem = programme(&mut rng, 100, 10);
    let plain = allocation_options(None);
    let batched = allocation_options(Some(25));
    let taxonomy = Taxonomy::builtin().unwrap();
    let (facilities, makers) = world(&mut rng, 1_000, 10_000);
    let the_job = job();
    let input = MatchInput {
        job: &the_job,
        facilities: &facilities,
        makers: &makers,
        relevance: None,
        now: now(),
    };
    let match_options = MatchOptions::default();
    // Generated after the others, from its own seed, so their data stays the same.
    let (split_facilities, split_makers) = split_world(&mut ChaCha8Rng::seed_from_u64(43));
    let split_job = chained_job();
    let chained = MatchInput {
        job: &split_job,
        facilities: &split_facilities,
        makers: &split_makers,
        relevance: None,
        now: now(),
    };
    let no_chains = MatchOptions {
        chains: false,
        ..MatchOptions::default()
    };
    if std::env::var_os("MAKERMATCH_BENCH_PROBE").is_some() {
        // Quick figures without criterion: median wall and CPU time of 21 calls each.
        let (w, c) = timed(21, || {
            black_box(allocate_programme(&problem, &plain).unwrap());
        });
        eprintln!("exact: {:.2} ms wall, {:.2} ms CPU", ms(w), ms(c));
        let (w, c) = timed(21, || {
            black_box(allocate_greedy(&problem, &plain).unwrap());
        });
        eprintln!("greedy: {:.2} ms wall, {:.2} ms CPU", ms(w), ms(c));
        let (w, c) = timed(21, || {
            black_box(allocate_programme(&problem, &batched).unwrap());
        });
        eprintln!(
            "exact, min batch: {:.2} ms wall, {:.2} ms CPU",
            ms(w),
            ms(c)
        );
        let (w, c) = timed(11, || {
            black_box(match_job(&taxonomy, &input, &match_options).unwrap());
        });
        eprintln!("match: {:.2} ms wall, {:.2} ms CPU", ms(w), ms(c));
        let teams = match_job(&taxonomy, &chained, &match_options).unwrap();
        let chains = teams.iter().filter(|t| t.chain.is_some()).count();
        let (w, c) = timed(11, || {
            black_box(match_job(&taxonomy, &chained, &match_options).unwrap());
        });
        eprintln!(
            "match, 100 split facilities, {chains} chains: {:.2} ms wall, {:.2} ms CPU",
            ms(w),
            ms(c)
        );
        let (w, c) = timed(11, || {
            black_box(match_job(&taxonomy, &chained, &no_chains).unwrap());
        });
        eprintln!(
            "match, 100 split facilities, chains off: {:.2} ms wall, {:.2} ms CPU",
            ms(w),
            ms(c)
        );
        return;
    }

    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("allocate_programme_100x10");
        g.bench_function("exact", |b| {
            b.iter(|| black_box(allocate_programme(&problem, &plain).unwrap()))
        });
        g.bench_function("exact_min_batch_25", |b| {
            b.iter(|| black_box(allocate_programme(&problem, &batched).unwrap()))
        });
        g.bench_function("greedy_baseline", |b| {
            b.iter(|| black_box(allocate_greedy(&problem, &plain).unwrap()))
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("match_job");
        g.bench_function("score_1000_facilities_10000_makers", |b| {
            b.iter(|| black_box(match_job(&taxonomy, &input, &match_options).unwrap()))
        });
        g.bench_function("chains_100_split_facilities", |b| {
            b.iter(|| black_box(match_job(&taxonomy, &chained, &match_options).unwrap()))
        });
        g.finish();
    }
    c.final_summary();

    // The summary: objectives side by side, and medians of our own timed loops.
    let exact = allocate_programme(&problem, &plain).unwrap();
    let with_batches = allocate_programme(&problem, &batched).unwrap();
    let greedy = allocate_greedy(&problem, &plain).unwrap();
    let greedy_batched = allocate_greedy(&problem, &batched).unwrap();
    let t_exact = timed(31, || {
        black_box(allocate_programme(&problem, &plain).unwrap());
    });
    let t_batched = timed(31, || {
        black_box(allocate_programme(&problem, &batched).unwrap());
    });
    let t_greedy = timed(31, || {
        black_box(allocate_greedy(&problem, &plain).unwrap());
    });
    let t_greedy_batched = timed(31, || {
        black_box(allocate_greedy(&problem, &batched).unwrap());
    });
    let matches = match_job(&taxonomy, &input, &match_options).unwrap();
    let t_match = timed(11, || {
        black_box(match_job(&taxonomy, &input, &match_options).unwrap());
    });
    let demand: u64 = problem.jobs.iter().map(|j| u64::from(j.quantity)).sum();
    let team_sizes: usize = matches.iter().map(|m| m.makers.len()).sum();

    println!("\n## makermatch-search matching and allocation summary");
    println!(
        "programme: {} jobs, {} facilities, {} candidate pairs, {demand} units",
        problem.jobs.len(),
        problem.facilities.len(),
        problem.candidates.len()
    );
    println!(
        "| method | median wall | mean CPU | shortfall | total cost (minor) | largest share | flows solved | optimal |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, a, t) in [
        ("exact", &exact, Some(t_exact)),
        ("greedy", &greedy, Some(t_greedy)),
        ("exact, min batch 25", &with_batches, Some(t_batched)),
        (
            "greedy, min batch 25",
            &greedy_batched,
            Some(t_greedy_batched),
        ),
    ] {
        let (wall, cpu) = t.map_or((String::new(), String::new()), |(w, c)| {
            (format!("{:.2} ms", ms(w)), format!("{:.2} ms", ms(c)))
        });
        println!(
            "| {name} | {wall} | {cpu} | {} | {} | {:.3} | {} | {} |",
            a.objective.shortfall,
            a.objective.total_cost_minor,
            a.objective.largest_share,
            a.objective.solves,
            a.objective.optimal
        );
    }
    let saving = |g: &makermatch_search::Allocation, e: &makermatch_search::Allocation| {
        100.0 * (g.objective.total_cost_minor - e.objective.total_cost_minor) as f64
            / g.objective.total_cost_minor as f64
    };
    println!(
        "exact vs greedy: {:.2} % cheaper without minimum batches; with them greedy leaves {} units unplaced and the exact split, placing all, still costs {:.2} % less",
        saving(&greedy, &exact),
        greedy_batched.objective.shortfall,
        saving(&greedy_batched, &with_batches)
    );
    println!(
        "matchJob: {} facilities, {} makers, {} teams ranked, {team_sizes} team members in all: median {:.2} ms wall, {:.2} ms CPU",
        facilities.len(),
        makers.len(),
        matches.len(),
        ms(t_match.0),
        ms(t_match.1)
    );
    println!(
        "load average at the end: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}
