//! `matchJob` (DESIGN §6): ranks candidate teams — a facility plus the makers who cover
//! the job's skills — for a job.
//!
//! Hard rules first: `CLOSED` and `TEMPORARY_CLOSURE` facilities never match, `PLANNED`
//! ones only on request, and when the job has a delivery point and a maximum distance,
//! facilities beyond it (or with no known position) never match. Every other facility is
//! scored: a weighted mean of the factors in [`Factor`] that apply to the job, each in
//! [0, 1], so the score is in [0, 1] too. A team that misses a requirement still ranks
//! (lower), with the requirement listed in `missing`, unless `require_all` is set.
//!
//! Results are deterministic: same input, same order; equal scores go by facility id.

mod chain;
mod coverage;
mod credentials;
mod error;
mod factors;
mod input;
mod output;
mod requirements;
mod resolution;
mod shortlist;
mod stored;
mod team;
mod weights;

pub use chain::{MAX_CHAINS, reach_km as chain_reach_km};
pub use credentials::{CredentialStatus, credential_status};
pub use error::MatchError;
pub use input::{
    Availability, BatchSize, Clearance, CredentialEvidence, FacilityProfile, FacilityStatus,
    JobSpec, Machine, MakerProfile, MatchInput, ProofState, Requirement, SkillClaim, TrackRecord,
};
pub use output::{
    Chain, ChainPart, Evidence, FactorScore, Leg, Missing, Relation, Source, TeamMatch, TeamMember,
};
pub use requirements::{SkillTarget, skill_targets};
pub use resolution::{ResolutionMethod, TermResolution};
pub use shortlist::shortlist_request;
pub use weights::{Factor, MatchOptions, Weights};

use crate::taxonomy::Taxonomy;

/// `budget::checkpoint` in matching's terms.
fn checkpoint() -> Result<(), MatchError> {
    crate::budget::checkpoint().map_err(|_| MatchError::Cancelled)
}

/// Whether a facility in `status` may match at all.
pub fn may_match(status: FacilityStatus, options: &MatchOptions) -> bool {
    match status {
        FacilityStatus::Active => true,
        FacilityStatus::Planned => options.include_planned,
        FacilityStatus::TemporaryClosure | FacilityStatus::Closed => false,
    }
}

/// The best score `team` could reach whatever makers joined it: its facility's part as
/// scored (with or without makers), the skill factor at `skill_credit`, and availability
/// either at 1 or not applying. Scores are weighted means, so a team scored with no makers
/// bounds every team of the same facility; `matchJob` loads makers for the facilities
/// with the highest bounds first and stops once the teams it has beat every bound left.
///
/// `skill_credit` is the most a claim can earn: 1 where a maker with a verified covering
/// claim could join the team, `options.self_declared_credit` where none could.
pub fn upper_bound(team: &TeamMatch, options: &MatchOptions, skill_credit: f64) -> f64 {
    let (mut sum, mut total) = (0.0, 0.0);
    for f in &team.breakdown {
        if f.applicable && !matches!(f.factor, Factor::Skill | Factor::Availability) {
            let w = options.weights.get(f.factor);
            sum += w * f.value;
            total += w;
        }
    }
    let skill = if team
        .breakdown
        .iter()
        .any(|f| f.factor == Factor::Skill && f.applicable)
    {
        options.weights.get(Factor::Skill)
    } else {
        0.0
    };
    let credit = skill_credit.clamp(0.0, 1.0);
    let availability = options.weights.get(Factor::Availability);
    let mean = |s: f64, t: f64| if t > 0.0 { s / t } else { 0.0 };
    mean(sum + skill * credit, total + skill)
        .max(mean(
            sum + skill * credit + availability,
            total + skill + availability,
        ))
        .clamp(0.0, 1.0)
}

/// Ranks the teams for `input.job`, best first: each facility's, and, when no facility
/// meets the required facility work alone and `options.chains` allows, production chains
/// of two or three (complete chains first: they meet what no single facility does).
pub fn match_job(
    taxonomy: &Taxonomy,
    input: &MatchInput<'_>,
    options: &MatchOptions,
) -> Result<Vec<TeamMatch>, MatchError> {
    check(input, options)?;
    let reqs =
        requirements::resolve_all(taxonomy, &input.job.requirements, options.preferred_weight);
    let teams = score_teams(taxonomy, input, options, &reqs)?;
    let chains = if options.chains {
        let positions = positions(input);
        match chain::Chains::new(input.job, options, &reqs, &teams, &positions) {
            Some(chains) if !chains.single_suffices() => chains.rank()?,
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    Ok(ranked(teams, chains, options))
}

/// The production chain the facilities `ids` (two or three, in any order) would form for
/// `input.job`, scored exactly as `match_job` scores it; `None` when they form none (one
/// of them cannot match, they are out of reach, do not cover every required process,
/// machine, material and certification together, or one of them is redundant).
/// Whether chains are offered at all (no single facility suffices) is `match_job`'s call.
pub fn score_chain(
    taxonomy: &Taxonomy,
    input: &MatchInput<'_>,
    options: &MatchOptions,
    ids: &[uuid::Uuid],
) -> Result<Option<TeamMatch>, MatchError> {
    check(input, options)?;
    let reqs =
        requirements::resolve_all(taxonomy, &input.job.requirements, options.preferred_weight);
    let teams = score_teams(taxonomy, input, options, &reqs)?;
    let positions = positions(input);
    Ok(
        chain::Chains::new(input.job, options, &reqs, &teams, &positions)
            .and_then(|chains| chains.one(ids)),
    )
}

/// The facilities of `teams` (as `match_job` scored them, with makers or without) that
/// could be part of a production chain for `job`: those meeting some required process,
/// machine, material or certification, within reach of the delivery point. Empty when
/// `options.chains` is off, the job gives chains nothing to split, or one facility meets
/// it all alone. Makers change none of this: a caller may find the candidates from
/// facility-only scores, then load their makers.
pub fn chain_candidates(
    taxonomy: &Taxonomy,
    job: &JobSpec,
    facilities: &[FacilityProfile],
    teams: &[TeamMatch],
    options: &MatchOptions,
) -> Vec<uuid::Uuid> {
    if !options.chains {
        return Vec::new();
    }
    let reqs = requirements::resolve_all(taxonomy, &job.requirements, options.preferred_weight);
    let positions = placed(facilities);
    match chain::Chains::new(job, options, &reqs, teams, &positions) {
        Some(chains) if !chains.single_suffices() => chains.candidates(),
        _ => Vec::new(),
    }
}

fn positions(input: &MatchInput<'_>) -> std::collections::HashMap<uuid::Uuid, crate::LatLon> {
    placed(input.facilities)
}

fn placed(facilities: &[FacilityProfile]) -> std::collections::HashMap<uuid::Uuid, crate::LatLon> {
    facilities
        .iter()
        .filter_map(|f| f.position.map(|p| (f.id, p)))
        .collect()
}

fn check(input: &MatchInput<'_>, options: &MatchOptions) -> Result<(), MatchError> {
    options.check()?;
    let job = input.job;
    if let Some(max) = job.max_distance_km
        && !(max.is_finite() && max >= 0.0)
    {
        return Err(MatchError::InvalidJob(format!(
            "maximum distance must be a non-negative number of km, not {max}"
        )));
    }
    if let Some(map) = input.relevance
        && let Some((&facility, &value)) = map
            .iter()
            .find(|&(_, v)| !(v.is_finite() && (0.0..=1.0).contains(v)))
    {
        return Err(MatchError::InvalidRelevance { facility, value });
    }
    Ok(())
}

/// The teams kept (`require_all`, `min_score`), best first, at most `limit`. Complete
/// chains come first; otherwise by score, equal scores by facility id (a single facility
/// before a chain it delivers).
fn ranked(teams: Vec<TeamMatch>, chains: Vec<TeamMatch>, options: &MatchOptions) -> Vec<TeamMatch> {
    let mut out: Vec<TeamMatch> = teams
        .into_iter()
        .chain(chains)
        .filter(|t| !(options.require_all && t.missing.iter().any(|m| m.required)))
        .filter(|t| t.score >= options.min_score)
        .collect();
    let complete_chain = |t: &TeamMatch| t.chain.is_some() && !t.missing.iter().any(|m| m.required);
    let parts = |t: &TeamMatch| -> Vec<uuid::Uuid> {
        t.chain
            .iter()
            .flat_map(|c| c.parts.iter().map(|p| p.facility_id))
            .collect()
    };
    out.sort_by(|a, b| {
        complete_chain(b)
            .cmp(&complete_chain(a))
            .then(b.score.total_cmp(&a.score))
            .then(a.facility_id.cmp(&b.facility_id))
            .then_with(|| parts(a).cmp(&parts(b)))
    });
    if let Some(limit) = options.limit {
        out.truncate(limit);
    }
    out
}

/// `values` as a score: the weighted mean of the factors that apply, times `scale`.
pub(crate) fn mean(
    values: &[(Factor, Option<f64>); 11],
    options: &MatchOptions,
    scale: f64,
) -> f64 {
    let total: f64 = values
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(f, _)| options.weights.get(*f))
        .sum();
    let mut score = 0.0;
    for (factor, v) in values {
        if let Some(v) = v
            && total > 0.0
        {
            score += options.weights.get(*factor) / total * scale * v.clamp(0.0, 1.0);
        }
    }
    score.clamp(0.0, 1.0)
}

/// `values` as a score (`mean`) and each factor's share of it (the contributions sum to
/// the score).
pub(crate) fn weigh(
    values: [(Factor, Option<(f64, String)>); 11],
    options: &MatchOptions,
    scale: f64,
) -> (Vec<FactorScore>, f64) {
    let plain = values
        .each_ref()
        .map(|(f, v)| (*f, v.as_ref().map(|(x, _)| *x)));
    let score = mean(&plain, options, scale);
    let total: f64 = plain
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(f, _)| options.weights.get(*f))
        .sum();
    let breakdown = values
        .into_iter()
        .map(|(factor, v)| {
            let applicable = v.is_some();
            let (value, note) = v.unwrap_or_else(|| (0.0, "does not apply to this job".into()));
            let value = value.clamp(0.0, 1.0);
            let weight = if applicable && total > 0.0 {
                options.weights.get(factor) / total * scale
            } else {
                0.0
            };
            FactorScore {
                factor,
                applicable,
                value,
                weight,
                contribution: weight * value,
                note,
            }
        })
        .collect();
    (breakdown, score)
}

/// Every facility the hard rules let match, scored with its team, in input order.
fn score_teams(
    taxonomy: &Taxonomy,
    input: &MatchInput<'_>,
    options: &MatchOptions,
    reqs: &[requirements::Resolved<'_>],
) -> Result<Vec<TeamMatch>, MatchError> {
    let job = input.job;
    let pool = team::TeamPool::new(taxonomy, job, reqs, input.makers, options, input.now)?;

    let mut out = Vec::new();
    for facility in input.facilities {
        checkpoint()?;
        if !may_match(facility.status, options) {
            continue;
        }
        let distance_km = job
            .delivery
            .zip(facility.position)
            .map(|(d, p)| p.distance_km(d));
        if let (Some(_), Some(max)) = (job.delivery, job.max_distance_km)
            && !distance_km.is_some_and(|d| d <= max)
        {
            continue;
        }

        let caps = coverage::capabilities(taxonomy, facility);
        let process = coverage::processes(taxonomy, &caps, reqs);
        let equipment = coverage::equipment(taxonomy, facility, reqs);
        let material = coverage::materials(facility, reqs);
        let certification = coverage::certifications(facility, reqs);
        let team = pool.team(facility);

        let distance = job.delivery.map(|_| match distance_km {
            Some(km) => factors::distance(km, options),
            None => (0.0, "the facility's position is unknown".into()),
        });
        let relevance = input.relevance.map(|map| match map.get(&facility.id) {
            Some(&v) => (v, format!("text relevance {v:.2}")),
            None => (0.0, "the job's text does not match it".into()),
        });
        let with_note = |c: &coverage::Coverage| c.value.map(|v| (v, c.note.clone()));
        let values: [(Factor, Option<(f64, String)>); 11] = [
            (Factor::Process, with_note(&process)),
            (Factor::Equipment, with_note(&equipment)),
            (Factor::Material, with_note(&material)),
            (Factor::Certification, with_note(&certification)),
            (Factor::Skill, with_note(&team.skills)),
            (Factor::Distance, distance),
            (
                Factor::Capacity,
                Some(factors::capacity(
                    facility.batch_size,
                    job.quantity,
                    options,
                )),
            ),
            (
                Factor::TrackRecord,
                Some(factors::track_record(&facility.track_record, options)),
            ),
            (
                Factor::Freshness,
                Some(factors::freshness(facility, input.now, options)),
            ),
            (
                Factor::Availability,
                team.availability
                    .map(|v| (v, team.availability_note.clone())),
            ),
            (Factor::Relevance, relevance),
        ];
        let (breakdown, score) = weigh(values, options, 1.0);

        let mut evidence = Vec::new();
        let mut missing = Vec::new();
        for c in [process, equipment, material, certification, team.skills] {
            evidence.extend(c.evidence);
            missing.extend(c.missing);
        }
        out.push(TeamMatch {
            facility_id: facility.id,
            facility_name: facility.name.clone(),
            score,
            distance_km,
            makers: team.members,
            breakdown,
            evidence,
            missing,
            chain: None,
        });
    }
    Ok(out)
}
