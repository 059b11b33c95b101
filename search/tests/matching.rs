#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `matchJob` on small hand-made worlds (DESIGN §6): hard rules (status, maximum
//! distance), taxonomy-aware coverage, credentials, teams, evidence and missing
//! requirements, weights, and determinism.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use makermatch_search::matching::{
    Availability, BatchSize, Clearance, CredentialEvidence, FacilityProfile, FacilityStatus,
    Factor, JobSpec, Machine, MakerProfile, MatchError, MatchInput, MatchOptions, ProofState,
    Relation, Requirement, SkillClaim, Source, TeamMatch, TrackRecord, Weights, match_job,
};
use makermatch_search::skills::skill_key;
use makermatch_search::{LatLon, RequirementKind, SkillLevel, Taxonomy};
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

const ACCRA: (f64, f64) = (5.6037, -0.1870);

fn at(lat: f64, lon: f64) -> Option<LatLon> {
    Some(LatLon::new(lat, lon).unwrap())
}

/// A point `km` east of Accra along its parallel (good enough for tens of km).
fn east_of_accra(km: f64) -> Option<LatLon> {
    let deg = km / (111.32 * ACCRA.0.to_radians().cos());
    at(ACCRA.0, ACCRA.1 + deg)
}

fn facility(n: u128) -> FacilityProfile {
    FacilityProfile {
        id: id(n),
        name: format!("space {n}"),
        status: FacilityStatus::Active,
        position: east_of_accra(5.0),
        process_ids: vec![],
        material_ids: vec![],
        equipment: vec![],
        certifications: vec![],
        batch_size: Some(BatchSize::UpTo500),
        date_verified: Some(now() - Duration::days(30)),
        track_record: TrackRecord::default(),
        other_terms: Vec::new(),
    }
}

fn machine(n: u128, equipment_type: &str) -> Machine {
    Machine {
        id: id(n),
        equipment_type: equipment_type.into(),
        process_id: None,
        make: Some("Prusa".into()),
        model: Some("MK4".into()),
    }
}

fn job(requirements: Vec<Requirement>) -> JobSpec {
    JobSpec {
        id: id(1),
        quantity: 100,
        requirements,
        delivery: at(ACCRA.0, ACCRA.1),
        max_distance_km: None,
        deadline: NaiveDate::from_ymd_opt(2026, 8, 1),
    }
}

fn maker(n: u128, skill: &str, level: SkillLevel) -> MakerProfile {
    MakerProfile {
        id: id(n),
        display_name: format!("maker {n}"),
        position: None,
        affiliations: vec![],
        clearances: vec![],
        skills: vec![SkillClaim {
            label: skill.into(),
            key: skill_key(skill),
            process_id: None,
            level,
            credentials: vec![],
        }],
        availability: Some(Availability {
            hours_per_week: 20.0,
            from: None,
            to: None,
        }),
    }
}

fn credential(n: u128) -> CredentialEvidence {
    CredentialEvidence {
        id: id(n),
        achievement: "Certified welder".into(),
        issuer: "Ghana Welding Institute".into(),
        issuer_trusted: true,
        proof: ProofState::Verified,
        issued_on: now() - Duration::days(200),
        expires: Some(now() + Duration::days(200)),
        revoked: false,
    }
}

fn run(
    job: &JobSpec,
    facilities: &[FacilityProfile],
    makers: &[MakerProfile],
    options: &MatchOptions,
) -> Vec<TeamMatch> {
    let taxonomy = Taxonomy::builtin().unwrap();
    match_job(
        &taxonomy,
        &MatchInput {
            job,
            facilities,
            makers,
            relevance: None,
            now: now(),
        },
        options,
    )
    .unwrap()
}

fn ids(matches: &[TeamMatch]) -> Vec<Uuid> {
    matches.iter().map(|m| m.facility_id).collect()
}

#[test]
fn closed_facilities_never_match() {
    let mut closed = facility(11);
    closed.status = FacilityStatus::Closed;
    let mut paused = facility(12);
    paused.status = FacilityStatus::TemporaryClosure;
    let mut planned = facility(13);
    planned.status = FacilityStatus::Planned;
    let all = [facility(10), closed, paused, planned];
    let j = job(vec![]);
    assert_eq!(
        ids(&run(&j, &all, &[], &MatchOptions::default())),
        vec![id(10)]
    );
    let with_planned = MatchOptions {
        include_planned: true,
        ..MatchOptions::default()
    };
    assert_eq!(
        ids(&run(&j, &all, &[], &with_planned)),
        vec![id(10), id(13)]
    );
    assert_eq!(
        FacilityStatus::parse("temporary_closure"),
        Some(FacilityStatus::TemporaryClosure)
    );
}

#[test]
fn facilities_beyond_the_maximum_distance_never_match() {
    let mut near = facility(10);
    near.position = east_of_accra(20.0);
    let mut far = facility(11);
    far.position = east_of_accra(80.0);
    let mut nowhere = facility(12);
    nowhere.position = None;
    let mut j = job(vec![]);
    j.max_distance_km = Some(50.0);
    let found = run(
        &j,
        &[near.clone(), far.clone(), nowhere.clone()],
        &[],
        &MatchOptions::default(),
    );
    assert_eq!(ids(&found), vec![id(10)]);
    assert!((found[0].distance_km.unwrap() - 20.0).abs() < 0.5);
    // Without a maximum, all match and the nearer one scores higher on distance.
    j.max_distance_km = None;
    let found = run(&j, &[near, far, nowhere], &[], &MatchOptions::default());
    assert_eq!(found.len(), 3);
    let d = |n| {
        found
            .iter()
            .find(|m| m.facility_id == id(n))
            .unwrap()
            .factor(Factor::Distance)
    };
    assert!(d(10) > d(11) && d(11) > d(12));
    assert_eq!(d(12), 0.0);
}

#[test]
fn an_fdm_printer_satisfies_3d_printing_but_additive_manufacturing_does_not_satisfy_fdm() {
    let mut printer = facility(10);
    printer.equipment = vec![machine(100, "fdm-3d-printer")];
    let mut vague = facility(11);
    vague.process_ids = vec!["additive-manufacturing".into()];

    let wants_3dp = job(vec![Requirement::required(
        RequirementKind::Process,
        "3d-printing",
    )]);
    let found = run(
        &wants_3dp,
        &[printer.clone(), vague.clone()],
        &[],
        &MatchOptions::default(),
    );
    let p = found.iter().find(|m| m.facility_id == id(10)).unwrap();
    assert_eq!(p.factor(Factor::Process), 1.0);
    assert!(p.missing.is_empty());
    let e = &p.evidence[0];
    assert_eq!((e.source, e.machine_id), (Source::Machine, Some(id(100))));
    assert_eq!(e.capability, "fdm");
    assert!(e.detail.contains("a kind of 3d printing"), "{}", e.detail);
    // "Additive manufacturing" is broader than 3D printing: not enough either.
    let v = found.iter().find(|m| m.facility_id == id(11)).unwrap();
    assert_eq!(v.factor(Factor::Process), 0.0);

    let wants_fdm = job(vec![Requirement::required(RequirementKind::Process, "fdm")]);
    let found = run(&wants_fdm, &[printer, vague], &[], &MatchOptions::default());
    assert_eq!(found[0].facility_id, id(10));
    let v = found.iter().find(|m| m.facility_id == id(11)).unwrap();
    assert_eq!(v.factor(Factor::Process), 0.0);
    assert_eq!(v.missing.len(), 1);
    assert!(v.missing[0].required);
    assert!(
        v.missing[0].reason.contains("broader"),
        "{}",
        v.missing[0].reason
    );

    // Equipment requirements are taxonomy-aware too: an FDM printer is a 3D printer.
    let wants_printer = job(vec![Requirement::required(
        RequirementKind::Equipment,
        "3D printer",
    )]);
    let mut f = facility(12);
    f.equipment = vec![machine(101, "fdm-3d-printer")];
    let found = run(&wants_printer, &[f], &[], &MatchOptions::default());
    assert_eq!(
        found[0].factor(Factor::Equipment),
        1.0,
        "{:?}",
        found[0].missing
    );
}

#[test]
fn missing_requirements_are_listed() {
    let mut f = facility(10);
    f.process_ids = vec!["laser-cutting".into()];
    f.material_ids = vec!["pla".into()];
    f.certifications = vec!["ISO 9001:2015".into()];
    let j = job(vec![
        Requirement::required(RequirementKind::Process, "laser-cutting"),
        Requirement::required(RequirementKind::Material, "stainless-steel"),
        Requirement::preferred(RequirementKind::Material, "PLA"),
        Requirement::required(RequirementKind::Certification, "ISO 13485"),
        Requirement::preferred(RequirementKind::Certification, "ISO 9001"),
        Requirement::required(RequirementKind::Skill, "TIG welding"),
    ]);
    let found = run(&j, &[f.clone()], &[], &MatchOptions::default());
    let m = &found[0];
    let missing: Vec<(&str, bool)> = m
        .missing
        .iter()
        .map(|x| (x.term.as_str(), x.required))
        .collect();
    assert_eq!(
        missing,
        vec![
            ("stainless-steel", true),
            ("ISO 13485", true),
            ("TIG welding", true)
        ]
    );
    let met: Vec<&str> = m.evidence.iter().map(|e| e.term.as_str()).collect();
    assert_eq!(met, vec!["laser-cutting", "PLA", "ISO 9001"]);
    // One of two materials met, the met one only preferred: (0 + 0.5) / 1.5.
    assert!((m.factor(Factor::Material) - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(m.factor(Factor::Skill), 0.0);
    // Teams missing a required requirement can be dropped instead.
    let strict = MatchOptions {
        require_all: true,
        ..MatchOptions::default()
    };
    assert!(run(&j, &[f], &[], &strict).is_empty());
}

/// Two equal spaces, each with one affiliated welder; only `verified`'s is verified.
fn two_welders(second: impl FnOnce(&mut CredentialEvidence)) -> Vec<TeamMatch> {
    let (a, b) = (facility(10), facility(11));
    let mut welder_a = maker(20, "TIG welding", SkillLevel::Advanced);
    welder_a.affiliations = vec![id(11)];
    let mut welder_b = maker(21, "TIG welding", SkillLevel::Advanced);
    welder_b.affiliations = vec![id(10)];
    // The lower-id facility gets the credential that `second` spoils.
    let mut c = credential(30);
    second(&mut c);
    welder_b.skills[0].credentials = vec![c];
    welder_a.skills[0].credentials = vec![credential(31)];
    let j = job(vec![Requirement::required(
        RequirementKind::Skill,
        "TIG welding",
    )]);
    run(&j, &[a, b], &[welder_a, welder_b], &MatchOptions::default())
}

#[test]
fn verified_skills_outrank_self_declared_ones() {
    let found = two_welders(|c| c.issuer_trusted = false);
    assert_eq!(
        ids(&found),
        vec![id(11), id(10)],
        "verified first despite the higher id"
    );
    assert!(found[0].score > found[1].score);
    let e = &found[0].evidence[0];
    assert_eq!(e.source, Source::VerifiedSkill);
    assert_eq!((e.maker_id, e.credential_id), (Some(id(20)), Some(id(31))));
    assert_eq!(e.credit, 1.0);
    let e = &found[1].evidence[0];
    assert_eq!(e.source, Source::SelfDeclaredSkill);
    assert_eq!(e.credit, 0.5);
    assert!(e.detail.contains("not trusted"), "{}", e.detail);
    assert_eq!(found[1].makers[0].relation, Relation::Affiliated);
    assert_eq!(found[1].makers[0].covers, vec!["TIG welding".to_string()]);
}

#[test]
fn expired_or_revoked_credentials_count_as_self_declared() {
    let self_declared = {
        let found = two_welders(|c| c.issuer_trusted = false);
        found[1].factor(Factor::Skill)
    };
    for (spoil, words) in [
        (
            Box::new(|c: &mut CredentialEvidence| c.expires = Some(now() - Duration::days(1)))
                as Box<dyn Fn(&mut CredentialEvidence)>,
            "expired on",
        ),
        (
            Box::new(|c: &mut CredentialEvidence| c.revoked = true),
            "revoked",
        ),
        // A trusted issuer's name on a credential whose proof fails or was never checked.
        (
            Box::new(|c: &mut CredentialEvidence| c.proof = ProofState::Invalid),
            "signed wrongly or not by its issuer",
        ),
        (
            Box::new(|c: &mut CredentialEvidence| c.proof = ProofState::Unverified),
            "not backed by a checked proof",
        ),
    ] {
        let found = two_welders(|c| spoil(c));
        let spoiled = found.iter().find(|m| m.facility_id == id(10)).unwrap();
        assert_eq!(spoiled.factor(Factor::Skill), self_declared);
        assert_eq!(spoiled.evidence[0].source, Source::SelfDeclaredSkill);
        assert_eq!(spoiled.evidence[0].credential_id, None);
        assert!(
            spoiled.evidence[0].detail.contains(words),
            "{}",
            spoiled.evidence[0].detail
        );
        assert_eq!(found[0].facility_id, id(11));
    }
    // Left valid, both are verified and the tie goes by id.
    let found = two_welders(|_| {});
    assert_eq!(found[0].score, found[1].score);
    assert_eq!(ids(&found), vec![id(10), id(11)]);
}

#[test]
fn teams_gather_affiliated_cleared_and_nearby_makers() {
    let f = facility(10); // 5 km east of Accra
    let mut far_member = maker(20, "Welding", SkillLevel::Expert);
    far_member.position = at(-1.2921, 36.8219); // Nairobi, but a member
    far_member.affiliations = vec![id(10)];
    let mut cleared = maker(21, "FDM 3D printing", SkillLevel::Intermediate);
    cleared.skills[0].process_id = Some("fdm".into());
    cleared.clearances = vec![Clearance {
        facility_id: id(10),
        equipment_id: Some(id(100)),
        expires_on: NaiveDate::from_ymd_opt(2027, 1, 1),
    }];
    let mut neighbour = maker(22, "Laser cutting", SkillLevel::Advanced);
    neighbour.position = east_of_accra(25.0);
    let mut too_far = maker(23, "CNC milling", SkillLevel::Advanced);
    too_far.position = east_of_accra(60.0);
    let mut expired_clearance = maker(24, "CNC milling", SkillLevel::Advanced);
    expired_clearance.clearances = vec![Clearance {
        facility_id: id(10),
        equipment_id: None,
        expires_on: NaiveDate::from_ymd_opt(2026, 1, 1),
    }];
    let j = job(vec![
        Requirement::required(RequirementKind::Skill, "welding"),
        // A process-linked skill: FDM printing covers "3D printing".
        Requirement::required(RequirementKind::Skill, "3d-printing"),
        Requirement::required(RequirementKind::Skill, "laser cutting"),
        Requirement::preferred(RequirementKind::Skill, "CNC milling"),
    ]);
    let makers = [far_member, cleared, neighbour, too_far, expired_clearance];
    let found = run(&j, &[f], &makers, &MatchOptions::default());
    let team: Vec<(Uuid, Relation)> = found[0]
        .makers
        .iter()
        .map(|m| (m.maker_id, m.relation))
        .collect();
    assert_eq!(
        team,
        vec![
            (id(20), Relation::Affiliated),
            (id(21), Relation::Cleared),
            (id(22), Relation::Nearby)
        ]
    );
    assert_eq!(found[0].missing.len(), 1);
    assert_eq!(found[0].missing[0].term, "CNC milling");
    assert!(!found[0].missing[0].required);
    assert!(found[0].missing[0].reason.contains("within 30 km"));
    let neighbour = &found[0].makers[2];
    assert!((neighbour.distance_km.unwrap() - 20.0).abs() < 0.5);
}

#[test]
fn skill_levels_below_the_minimum_do_not_count() {
    let mut novice = maker(20, "TIG welding", SkillLevel::Novice);
    novice.affiliations = vec![id(10)];
    let mut req = Requirement::required(RequirementKind::Skill, "TIG welding");
    req.min_level = Some(SkillLevel::Advanced);
    let found = run(
        &job(vec![req]),
        &[facility(10)],
        &[novice],
        &MatchOptions::default(),
    );
    assert_eq!(found[0].factor(Factor::Skill), 0.0);
    assert!(
        found[0].missing[0].reason.contains("NOVICE"),
        "{}",
        found[0].missing[0].reason
    );
}

#[test]
fn scores_are_deterministic_with_ties_by_id() {
    let facilities: Vec<FacilityProfile> = [15, 12, 19, 11].iter().map(|&n| facility(n)).collect();
    let j = job(vec![]);
    let first = run(&j, &facilities, &[], &MatchOptions::default());
    assert_eq!(ids(&first), vec![id(11), id(12), id(15), id(19)]);
    let mut reversed = facilities.clone();
    reversed.reverse();
    assert_eq!(first, run(&j, &reversed, &[], &MatchOptions::default()));
    let limited = MatchOptions {
        limit: Some(2),
        ..MatchOptions::default()
    };
    assert_eq!(
        ids(&run(&j, &facilities, &[], &limited)),
        vec![id(11), id(12)]
    );
}

#[test]
fn breakdown_sums_to_the_score_and_weights_can_be_overridden() {
    let mut near = facility(10);
    near.position = east_of_accra(10.0);
    near.date_verified = None;
    let mut far = facility(11);
    far.position = east_of_accra(300.0);
    far.track_record = TrackRecord {
        completed: 10,
        on_time: 10,
        prototypes_submitted: 10,
        prototypes_approved: 10,
    };
    let j = job(vec![]);
    let found = run(
        &j,
        &[near.clone(), far.clone()],
        &[],
        &MatchOptions::default(),
    );
    for m in &found {
        let sum: f64 = m.breakdown.iter().map(|f| f.contribution).sum();
        assert!((sum - m.score).abs() < 1e-12);
        let weights: f64 = m.breakdown.iter().map(|f| f.weight).sum();
        assert!((weights - 1.0).abs() < 1e-12);
        assert!((0.0..=1.0).contains(&m.score));
        // Requirement factors do not apply to a job without requirements.
        let process = m
            .breakdown
            .iter()
            .find(|f| f.factor == Factor::Process)
            .unwrap();
        assert!(!process.applicable && process.weight == 0.0);
    }
    // Only distance: the near one wins. Only track record: the far one does.
    let only = |f: Factor| MatchOptions {
        weights: Factor::ALL.iter().fold(Weights::default(), |w, &g| {
            w.with(g, if g == f { 1.0 } else { 0.0 })
        }),
        ..MatchOptions::default()
    };
    let pair = [near, far];
    assert_eq!(
        run(&j, &pair, &[], &only(Factor::Distance))[0].facility_id,
        id(10)
    );
    assert_eq!(
        run(&j, &pair, &[], &only(Factor::TrackRecord))[0].facility_id,
        id(11)
    );
    // A new space starts at the prior, not at zero.
    let fresh = run(&j, &pair, &[], &MatchOptions::default());
    let new_space = fresh.iter().find(|m| m.facility_id == id(10)).unwrap();
    assert_eq!(new_space.factor(Factor::TrackRecord), 0.75);
    assert_eq!(new_space.factor(Factor::Freshness), 0.0);
    assert!(
        fresh
            .iter()
            .find(|m| m.facility_id == id(11))
            .unwrap()
            .factor(Factor::TrackRecord)
            > 0.9
    );
}

#[test]
fn capacity_fit_and_relevance() {
    let mut small = facility(10);
    small.batch_size = Some(BatchSize::UpTo50);
    let mut right = facility(11);
    right.batch_size = Some(BatchSize::UpTo500);
    let j = job(vec![]); // 100 units
    let found = run(
        &j,
        &[small.clone(), right.clone()],
        &[],
        &MatchOptions::default(),
    );
    let fit = |n| {
        found
            .iter()
            .find(|m| m.facility_id == id(n))
            .unwrap()
            .factor(Factor::Capacity)
    };
    assert_eq!(fit(10), 0.5);
    assert_eq!(fit(11), 1.0);

    let taxonomy = Taxonomy::builtin().unwrap();
    let relevance = HashMap::from([(id(10), 0.9)]);
    let input = MatchInput {
        job: &j,
        facilities: &[small.clone(), right.clone()],
        makers: &[],
        relevance: Some(&relevance),
        now: now(),
    };
    let found = match_job(&taxonomy, &input, &MatchOptions::default()).unwrap();
    let rel = |n| {
        found
            .iter()
            .find(|m| m.facility_id == id(n))
            .unwrap()
            .factor(Factor::Relevance)
    };
    assert_eq!((rel(10), rel(11)), (0.9, 0.0));

    let bad = HashMap::from([(id(10), 1.5)]);
    let err = match_job(
        &taxonomy,
        &MatchInput {
            relevance: Some(&bad),
            ..input
        },
        &MatchOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, MatchError::InvalidRelevance { .. }));
    let negative = MatchOptions {
        weights: Weights::default().with(Factor::Skill, -1.0),
        ..MatchOptions::default()
    };
    assert!(matches!(
        match_job(&taxonomy, &input, &negative),
        Err(MatchError::InvalidOptions(_))
    ));
}

#[test]
fn results_serialise_for_graphql() {
    let mut f = facility(10);
    f.equipment = vec![machine(100, "fdm-3d-printer")];
    let j = job(vec![Requirement::required(
        RequirementKind::Process,
        "3d-printing",
    )]);
    let found = run(&j, &[f], &[], &MatchOptions::default());
    let json = serde_json::to_value(&found[0]).unwrap();
    assert_eq!(json["breakdown"][0]["factor"], "PROCESS");
    assert_eq!(json["evidence"][0]["source"], "MACHINE");
    assert_eq!(json["evidence"][0]["kind"], "PROCESS");
    // The team becomes an allocation candidate with its distance.
    let c = found[0].allocation_candidate(id(1));
    assert_eq!((c.job_id, c.facility_id), (id(1), id(10)));
    assert!(c.distance_km.is_some());
}

#[test]
fn a_team_scored_without_makers_bounds_every_team_of_its_facility() {
    use makermatch_search::matching::upper_bound;
    // Five spaces that weld; makers of every kind tied to them.
    let facilities: Vec<FacilityProfile> = (1..=5u128)
        .map(|n| {
            let mut f = facility(n);
            f.process_ids = vec!["welding".into()];
            f.position = east_of_accra(10.0 * n as f64);
            f
        })
        .collect();
    let levels = [
        SkillLevel::Novice,
        SkillLevel::Intermediate,
        SkillLevel::Advanced,
        SkillLevel::Expert,
    ];
    let makers: Vec<MakerProfile> = (0..20u128)
        .map(|i| {
            let mut m = maker(100 + i, "TIG welding", levels[(i % 4) as usize]);
            m.affiliations = vec![id(1 + i % 5)];
            if i % 3 == 0 {
                m.skills[0].credentials = vec![credential(500 + i)];
            }
            if i % 2 == 0 {
                m.availability = None;
            }
            m
        })
        .collect();
    let spec = job(vec![
        Requirement {
            kind: RequirementKind::Process,
            term: "welding".into(),
            required: true,
            min_level: None,
            resolution: None,
        },
        Requirement {
            kind: RequirementKind::Skill,
            term: "TIG welding".into(),
            required: true,
            min_level: Some(SkillLevel::Advanced),
            resolution: None,
        },
    ]);
    let options = MatchOptions::default();
    let alone = run(&spec, &facilities, &[], &options);
    let full = run(&spec, &facilities, &makers, &options);
    assert_eq!(alone.len(), 5);
    let bounds: HashMap<Uuid, f64> = alone
        .iter()
        .map(|t| (t.facility_id, upper_bound(t, &options, 1.0)))
        .collect();
    for team in &full {
        let bound = bounds[&team.facility_id];
        assert!(
            team.score <= bound + 1e-12,
            "{} scored {} over its bound {bound}",
            team.facility_id,
            team.score
        );
        // The bound of a scored team is the same bound: makers do not change the
        // facility's own factors.
        assert!((upper_bound(team, &options, 1.0) - bound).abs() < 1e-12);
        // With no verified claim in the team, the bound at the self-declared credit
        // holds too: that is the bound of a facility no verified holder can reach.
        let verified = team
            .evidence
            .iter()
            .any(|e| e.source == Source::VerifiedSkill);
        if !verified {
            let bound = upper_bound(team, &options, options.self_declared_credit);
            assert!(team.score <= bound + 1e-12);
            assert!(bound < bounds[&team.facility_id]);
        }
    }
    assert!(
        full.iter()
            .any(|t| t.evidence.iter().all(|e| e.source != Source::VerifiedSkill)),
        "some teams are self-declared only"
    );
    // A team without makers scores strictly under its bound (skill coverage 0).
    assert!(alone.iter().all(|t| t.score < bounds[&t.facility_id]));
}

/// A word outside the taxonomy matches the same word elsewhere: a job asking for
/// "knurling" and "Bakelite" is met by a facility that declared them (kept as its own
/// words), not by one that did not.
#[test]
fn words_outside_the_taxonomy_match_the_same_words() {
    let job = job(vec![
        Requirement {
            kind: RequirementKind::Process,
            term: "Knurling".into(),
            required: true,
            min_level: None,
            resolution: None,
        },
        Requirement {
            kind: RequirementKind::Material,
            term: "bakelite".into(),
            required: true,
            min_level: None,
            resolution: None,
        },
    ]);
    let mut declared = facility(2);
    declared.other_terms = vec!["knurling".into(), "Bakelite".into()];
    let silent = facility(3);
    let options = MatchOptions {
        require_all: true,
        ..MatchOptions::default()
    };
    let teams = run(&job, &[declared, silent], &[], &options);
    assert_eq!(teams.len(), 1, "{teams:?}");
    assert_eq!(teams[0].facility_id, id(2));
    assert!(teams[0].missing.is_empty(), "{:?}", teams[0].missing);
}
