//! `matchJob` over stored data (DESIGN §6): the search engine narrows the candidates
//! (facilities within the job's reach, makers with its skills near them) and hands back
//! the profiles it keeps with their documents, the database adds what the index does not
//! hold (track records, makers' links to facilities) in a fixed number of `IN (…)`
//! queries, and the search crate's matcher ranks the teams.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use makermatch_entities::job_requirement::RequirementKind as RowKind;
use makermatch_entities::skill_claim::SkillLevel as RowLevel;
use makermatch_entities::{job, job_requirement, skill};
use makermatch_search::matching::{FacilityProfile, JobSpec, MakerProfile, Requirement};
use makermatch_search::matching::{
    SkillTarget, chain_candidates, shortlist_request, skill_targets, upper_bound,
};
use makermatch_search::{
    ExactPositions, Kind, LatLon, MatchError, MatchInput, MatchOptions, NearbyRequest,
    PositionAccess, RequirementKind, SearchEngine, SearchError, SearchRequest, SkillFilter,
    SkillLevel, Taxonomy, TeamMatch,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::assignments::track_records;
use super::{ServiceError, ServiceResult};
use profiles::{add_track_records, maker_profiles};

mod profiles;
pub mod skill_gaps;
pub mod workplaces;

/// Facilities scored in full for one job: the engine's best by capability and distance.
const SHORTLIST: usize = 100;
/// Facilities whose text relevance to the job's description is asked of the engine.
const MAX_RELEVANT: usize = 2_000;
/// Makers found by skill within reach of a facility, per skill requirement: the nearest.
const MAX_NEARBY_PER_SKILL: usize = 12;
/// Facilities whose makers are loaded first (see `match_job`).
const BATCH: usize = 20;

fn kind(k: RowKind) -> RequirementKind {
    match k {
        RowKind::Process => RequirementKind::Process,
        RowKind::Skill => RequirementKind::Skill,
        RowKind::Equipment => RequirementKind::Equipment,
        RowKind::Material => RequirementKind::Material,
        RowKind::Certification => RequirementKind::Certification,
    }
}

fn level(l: RowLevel) -> SkillLevel {
    match l {
        RowLevel::Novice => SkillLevel::Novice,
        RowLevel::Intermediate => SkillLevel::Intermediate,
        RowLevel::Advanced => SkillLevel::Advanced,
        RowLevel::Expert => SkillLevel::Expert,
    }
}

fn position(lat: Option<f64>, lon: Option<f64>) -> Option<LatLon> {
    lat.zip(lon)
        .and_then(|(lat, lon)| LatLon::new(lat, lon).ok())
}

fn search_error(e: makermatch_search::SearchError) -> ServiceError {
    ServiceError::Search(e)
}

/// The job as the matcher sees it.
pub async fn job_spec<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
) -> ServiceResult<(job::Model, JobSpec)> {
    let row = job::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "job",
            id: job_id.to_string(),
        })?;
    // In the order they were written (ids are time-ordered), as a design given directly
    // lists them: the order `missing` reports them in.
    let requirements = job_requirement::Entity::find()
        .filter(job_requirement::Column::JobId.eq(job_id))
        .order_by_asc(job_requirement::Column::Id)
        .all(db)
        .await?;
    let spec = spec_of(&row, requirements);
    Ok((row, spec))
}

fn spec_of(row: &job::Model, requirements: Vec<job_requirement::Model>) -> JobSpec {
    JobSpec {
        id: row.id,
        quantity: u32::try_from(row.quantity.max(0)).unwrap_or(0),
        requirements: requirements
            .into_iter()
            .map(|r| Requirement {
                kind: kind(r.kind),
                term: r.term,
                required: r.required,
                min_level: r.min_level.map(level),
                resolution: r.resolution.and_then(|v| serde_json::from_value(v).ok()),
            })
            .collect(),
        delivery: position(row.delivery_lat, row.delivery_lon),
        max_distance_km: row.max_distance_km,
        deadline: row.deadline,
    }
}

/// A job (or design) that asks for nothing would match every facility equally: refused,
/// saying what to add.
fn something_to_match(spec: &JobSpec) -> ServiceResult<()> {
    if spec.requirements.is_empty() {
        return Err(ServiceError::invalid(
            "requirements",
            "there is nothing to match on: name at least one process, machine, material, skill or certification the work needs",
        ));
    }
    Ok(())
}

/// Candidate facility ids: the engine's shortlist of the facilities the job's hard rules
/// allow, best first by the capabilities the job wants and by distance.
fn candidate_facilities(
    engine: &SearchEngine,
    taxonomy: &Taxonomy,
    spec: &JobSpec,
    options: &MatchOptions,
) -> ServiceResult<Vec<Uuid>> {
    let request = shortlist_request(taxonomy, spec, options, SHORTLIST);
    Ok(engine
        .rank_facilities(&request)
        .map_err(search_error)?
        .into_iter()
        .map(|f| f.id)
        .collect())
}

/// How well each candidate's text matches the job's description, in [0, 1].
fn relevance(
    engine: &SearchEngine,
    row: &job::Model,
    spec: &JobSpec,
    candidates: &[Uuid],
) -> ServiceResult<HashMap<Uuid, f64>> {
    let Some(text) = row.description.as_ref().filter(|d| !d.trim().is_empty()) else {
        return Ok(HashMap::new());
    };
    let mut request = SearchRequest::new(Kind::Facility)
        .text(text.clone())
        .page(0, MAX_RELEVANT);
    if let (Some(at), Some(km)) = (spec.delivery, spec.max_distance_km) {
        request = request.near(at, km.max(0.001));
    }
    let hits = engine.search(&request).map_err(search_error)?.hits;
    let wanted: HashSet<&Uuid> = candidates.iter().collect();
    let best = hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    if best <= 0.0 {
        return Ok(HashMap::new());
    }
    Ok(hits
        .into_iter()
        .filter(|h| wanted.contains(&h.id))
        .map(|h| (h.id, f64::from(h.score / best)))
        .collect())
}

/// The skills able to cover each of the job's skill requirements (`SkillTarget::covered_by`
/// decides, as in scoring): a maker can join a team only through a claim of one of them.
pub(crate) async fn covering_skills<C: ConnectionTrait>(
    db: &C,
    taxonomy: &Taxonomy,
    targets: &[SkillTarget],
) -> ServiceResult<Vec<Vec<skill::Model>>> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = targets.iter().map(|t| t.key.clone()).collect();
    let processes: Vec<String> = targets
        .iter()
        .flat_map(|t| t.covering_processes(taxonomy))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let rows = skill::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(skill::Column::Key.is_in(keys))
                .add(skill::Column::ProcessId.is_in(processes)),
        )
        .all(db)
        .await?;
    Ok(targets
        .iter()
        .map(|t| {
            rows.iter()
                .filter(|s| t.covered_by(taxonomy, &s.key, s.process_id.as_deref()))
                .cloned()
                .collect()
        })
        .collect())
}

/// Filters for a claim of any of `skills` (verified ones only, or any): the matcher
/// judges levels and credentials itself.
fn holding<'a>(skills: impl Iterator<Item = &'a skill::Model>, verified: bool) -> Vec<SkillFilter> {
    let mut keys: Vec<&str> = skills.map(|s| s.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .map(|k| SkillFilter {
            key: k.to_string(),
            min_level: None,
            verified,
        })
        .collect()
}

/// Makers who may belong to the teams of `batch`, all holding a covering skill:
/// affiliated with or cleared at one of its facilities, or within reach of one (the nearest
/// `MAX_NEARBY_PER_SKILL` per facility and requirement). The engine finds both.
fn makers_around(
    engine: &SearchEngine,
    batch: &[&FacilityProfile],
    covering: &[Vec<skill::Model>],
    options: &MatchOptions,
) -> ServiceResult<HashSet<Uuid>> {
    if let Some(only) = &options.makers {
        // The caller chose them: the team pool decides where each may join.
        return Ok(only.iter().copied().collect());
    }
    let ids: Vec<Uuid> = batch.iter().map(|f| f.id).collect();
    // Only makers with a covering claim can join a team: the others are not loaded.
    let mut found: HashSet<Uuid> = engine
        .linked_makers(&ids, &holding(covering.iter().flatten(), false))
        .map_err(search_error)?
        .into_iter()
        .collect();
    for skills in covering.iter().filter(|s| !s.is_empty()) {
        let request = NearbyRequest {
            kind: Kind::Maker,
            skills: holding(skills.iter(), false),
            centers: batch.iter().filter_map(|f| f.position).collect(),
            radius_km: options.maker_reach_km,
            per_center: MAX_NEARBY_PER_SKILL,
            positions: PositionAccess::exact(ExactPositions::granted_by("matchJob")),
        };
        let around = engine.nearest_holders(&request).map_err(search_error)?;
        found.extend(around.into_iter().flatten().map(|h| h.id));
    }
    Ok(found)
}

/// The facilities a maker with a verified covering claim could join: tied to one, or
/// within reach of it. Elsewhere a skill can earn no more than the self-declared credit,
/// which tightens those facilities' bounds. Verification is as of each maker's last
/// indexing, as for the `verified` search filter: a credential that lapses since only
/// loosens a bound (safe); one dated in the future that comes into force without any
/// write is seen at the maker's next re-index.
fn verifiable_facilities(
    engine: &SearchEngine,
    facilities: &[FacilityProfile],
    covering: &[Vec<skill::Model>],
    options: &MatchOptions,
) -> ServiceResult<HashSet<Uuid>> {
    let verified = holding(covering.iter().flatten(), true);
    let ids: Vec<Uuid> = facilities.iter().map(|f| f.id).collect();
    let tied = engine
        .linked_makers(&ids, &verified)
        .map_err(search_error)?;
    let mut out: HashSet<Uuid> = HashSet::new();
    for maker in engine.maker_profiles(&tied).map_err(search_error)? {
        out.extend(maker.affiliations.iter().copied());
        out.extend(maker.clearances.iter().map(|c| c.facility_id));
    }
    let placed: Vec<(Uuid, LatLon)> = facilities
        .iter()
        .filter_map(|f| f.position.map(|p| (f.id, p)))
        .collect();
    let request = NearbyRequest {
        kind: Kind::Maker,
        skills: verified,
        centers: placed.iter().map(|(_, p)| *p).collect(),
        // A metre of slack: teams measure reach by chord, the engine by great circle.
        radius_km: options.maker_reach_km + 0.001,
        per_center: 1,
        positions: PositionAccess::exact(ExactPositions::granted_by("matchJob")),
    };
    let near = engine.nearest_holders(&request).map_err(search_error)?;
    for ((id, _), hits) in placed.iter().zip(near) {
        if !hits.is_empty() {
            out.insert(*id);
        }
    }
    Ok(out)
}

/// One `matchJob` run, step by step: the steps that read the database are async, those
/// that read the engine and score are plain functions the caller runs where engine work
/// belongs (the GraphQL layer: off the async workers, within the request's time).
///
/// 1. [`JobMatch::start`] reads the job. [`JobMatch::shortlist`]: the engine shortlists
///    `SHORTLIST` facilities by capability and distance and gives their profiles.
///    [`JobMatch::load`] adds their track records and the skills that can cover each
///    skill requirement.
/// 2. [`JobMatch::rank`] scores each facility without makers, which bounds the score any
///    team of it can reach (`matching::upper_bound`), with skills at the self-declared
///    credit where no maker with a verified covering claim is within reach or tied to it.
/// 3. Makers are then loaded for the `BATCH` facilities with the highest bounds and the
///    teams scored; then, in one more round, for every facility left whose bound
///    reaches the `limit`-th team's score. The result is the ranking of all shortlisted
///    teams, having loaded the makers of only the facilities that can still compete.
/// 4. When no shortlisted facility meets the required processes, machines, materials and
///    certifications alone (and `options.chains`), the makers of every facility meeting
///    some of them are loaded too, and production chains of those facilities are ranked
///    with the teams (`matching::chain_candidates`, `match_job`).
pub struct JobMatch {
    row: job::Model,
    spec: JobSpec,
    taxonomy: Arc<Taxonomy>,
    options: MatchOptions,
    /// The shortlisted facilities, best first by capability and distance.
    facilities: Vec<FacilityProfile>,
    /// Text relevance of the shortlisted facilities to the job's description.
    relevance: HashMap<Uuid, f64>,
    /// Per skill requirement, the skills whose claims can cover it.
    covering: Vec<Vec<skill::Model>>,
    started: Instant,
    /// When the facility ranking, and the whole shortlist, were done.
    ranked: Duration,
    shortlisted: Duration,
}

impl JobMatch {
    /// Reads the job; `NotFound` when there is none.
    pub async fn start<C: ConnectionTrait>(
        db: &C,
        taxonomy: Arc<Taxonomy>,
        job_id: Uuid,
        options: MatchOptions,
    ) -> ServiceResult<JobMatch> {
        let started = Instant::now();
        let (row, spec) = job_spec(db, job_id).await?;
        something_to_match(&spec)?;
        Ok(JobMatch::new(row, spec, taxonomy, options, started))
    }

    /// A design matched as given, without storing it: `input` as a job would be written
    /// (`BAD_USER_INPUT` naming the field when it could not be), under a fresh id.
    pub fn for_design(
        input: &super::jobs::JobInput,
        taxonomy: Arc<Taxonomy>,
        options: MatchOptions,
    ) -> ServiceResult<JobMatch> {
        let started = Instant::now();
        let row = input.to_row(Uuid::now_v7(), Utc::now())?;
        let requirements = input.requirement_rows(row.id, &mut Uuid::now_v7);
        let spec = spec_of(&row, requirements);
        something_to_match(&spec)?;
        Ok(JobMatch::new(row, spec, taxonomy, options, started))
    }

    fn new(
        row: job::Model,
        spec: JobSpec,
        taxonomy: Arc<Taxonomy>,
        options: MatchOptions,
        started: Instant,
    ) -> JobMatch {
        JobMatch {
            row,
            spec,
            taxonomy,
            options,
            facilities: Vec::new(),
            relevance: HashMap::new(),
            covering: Vec::new(),
            started,
            ranked: Duration::ZERO,
            shortlisted: Duration::ZERO,
        }
    }

    /// Engine work: the shortlisted facilities, their profiles (track records still
    /// empty) and their text relevance.
    pub fn shortlist(mut self, engine: &SearchEngine) -> ServiceResult<JobMatch> {
        let facility_ids = candidate_facilities(engine, &self.taxonomy, &self.spec, &self.options)?;
        self.ranked = self.started.elapsed();
        self.relevance = relevance(engine, &self.row, &self.spec, &facility_ids)?;
        self.facilities = engine
            .facility_profiles(&facility_ids)
            .map_err(search_error)?;
        Ok(self)
    }

    /// Database work: the shortlisted facilities' track records, and the skills that can
    /// cover each skill requirement.
    pub async fn load<C: ConnectionTrait>(&mut self, db: &C) -> ServiceResult<()> {
        let targets = skill_targets(&self.taxonomy, &self.spec.requirements);
        let ids: Vec<Uuid> = self.facilities.iter().map(|f| f.id).collect();
        let (records, covering) = futures::try_join!(
            track_records(db, &ids),
            covering_skills(db, &self.taxonomy, &targets),
        )?;
        add_track_records(&mut self.facilities, &records);
        self.covering = covering;
        self.shortlisted = self.started.elapsed();
        Ok(())
    }

    /// Engine and scoring work: the ranked teams, best first, with the job's row.
    pub fn rank(self, engine: &SearchEngine) -> ServiceResult<(job::Model, Vec<TeamMatch>)> {
        let JobMatch {
            row,
            spec,
            taxonomy,
            options,
            facilities,
            relevance,
            covering,
            started,
            ranked,
            shortlisted,
        } = self;
        let taxonomy = taxonomy.as_ref();
        let options = &options;
        let relevance = (!relevance.is_empty()).then_some(&relevance);
        let now = Utc::now();
        let score =
            |facilities: &[FacilityProfile], makers: &[MakerProfile], options: &MatchOptions| {
                let input = MatchInput {
                    job: &spec,
                    facilities,
                    makers,
                    relevance,
                    now,
                };
                makermatch_search::match_job(taxonomy, &input, options).map_err(|e| match e {
                    MatchError::Cancelled => ServiceError::Search(SearchError::Cancelled),
                    e => ServiceError::invalid("options", e.to_string()),
                })
            };
        if covering.iter().all(Vec::is_empty) {
            // No skill asked, or none anyone could hold: makers cannot change a score.
            return Ok((row, score(&facilities, &[], options)?));
        }
        // Every covering skill once: the claims that can count.
        let skills: HashSet<&str> = covering.iter().flatten().map(|s| s.key.as_str()).collect();

        // Bounds from the facility alone; no facility is dropped by a rule about makers here.
        let loose = MatchOptions {
            require_all: false,
            min_score: 0.0,
            limit: None,
            chains: false,
            ..options.clone()
        };
        let bounding = Instant::now();
        let verifiable = verifiable_facilities(engine, &facilities, &covering, options)?;
        let unverified = options.self_declared_credit;
        let alone = score(&facilities, &[], &loose)?;
        let mut order: Vec<(f64, Uuid)> = alone
            .iter()
            .map(|t| {
                let credit = if verifiable.contains(&t.facility_id) {
                    1.0
                } else {
                    unverified
                };
                (upper_bound(t, options, credit), t.facility_id)
            })
            .collect();
        let bounded = bounding.elapsed();
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let by_id: HashMap<Uuid, &FacilityProfile> = facilities.iter().map(|f| (f.id, f)).collect();
        // Single facilities first; chains, when wanted, once every part's makers are in.
        let unlimited = MatchOptions {
            limit: None,
            chains: false,
            ..options.clone()
        };
        let wanted = options.limit.unwrap_or(usize::MAX);
        let mut scored: Vec<FacilityProfile> = Vec::new();
        let mut makers: Vec<MakerProfile> = Vec::new();
        let mut seen: HashSet<Uuid> = HashSet::new();
        let mut teams: Vec<TeamMatch> = Vec::new();
        let mut batches = 0;
        // Time spent finding makers, loading them, scoring.
        let mut phases = [Duration::ZERO; 3];
        let mut next = 0;
        while next < order.len() {
            // The first batch: the `BATCH` highest bounds. After it, at once, every facility
            // left whose bound reaches the `wanted`-th team's score (≥: an unscored facility
            // reaching it would win a tie by id): one more round of lookups, where a batch
            // at a time took up to four more on jobs whose bounds stay loose.
            let take = if batches == 0 {
                BATCH
            } else {
                let threshold = (teams.len() >= wanted).then(|| teams[wanted - 1].score);
                order[next..]
                    .iter()
                    .take_while(|(bound, _)| threshold.is_none_or(|t| *bound >= t))
                    .count()
            };
            if take == 0 {
                break;
            }
            let end = (next + take).min(order.len());
            let batch: Vec<&FacilityProfile> = order[next..end]
                .iter()
                .filter_map(|(_, id)| by_id.get(id).copied())
                .collect();
            next = end;
            batches += 1;
            let t = Instant::now();
            let new: Vec<Uuid> = makers_around(engine, &batch, &covering, options)?
                .into_iter()
                .filter(|id| seen.insert(*id))
                .collect();
            phases[0] += t.elapsed();
            let t = Instant::now();
            makers.extend(maker_profiles(engine, &new, &skills)?);
            phases[1] += t.elapsed();
            let t = Instant::now();
            scored.extend(batch.into_iter().cloned());
            teams = score(&scored, &makers, &unlimited)?;
            phases[2] += t.elapsed();
        }
        // Production chains: only when no facility meets the required facility work alone.
        // Their parts are the facilities meeting some of it; makers are loaded for those
        // not loaded yet, and everything is ranked once more, chains included.
        let parts = chain_candidates(taxonomy, &spec, &facilities, &alone, options);
        if !parts.is_empty() {
            let loaded: HashSet<Uuid> = scored.iter().map(|f| f.id).collect();
            let batch: Vec<&FacilityProfile> = parts
                .iter()
                .filter(|id| !loaded.contains(id))
                .filter_map(|id| by_id.get(id).copied())
                .collect();
            if !batch.is_empty() {
                let new: Vec<Uuid> = makers_around(engine, &batch, &covering, options)?
                    .into_iter()
                    .filter(|id| seen.insert(*id))
                    .collect();
                makers.extend(maker_profiles(engine, &new, &skills)?);
                scored.extend(batch.into_iter().cloned());
            }
            let chained = MatchOptions {
                limit: None,
                ..options.clone()
            };
            teams = score(&scored, &makers, &chained)?;
        }
        teams.truncate(wanted);
        tracing::debug!(
            job = %row.id,
            shortlist = facilities.len(),
            batches,
            makers = makers.len(),
            rank_ms = ranked.as_secs_f64() * 1e3,
            shortlist_ms = shortlisted.as_secs_f64() * 1e3,
            verifiable = verifiable.len(),
            bound_ms = bounded.as_secs_f64() * 1e3,
            around_ms = phases[0].as_secs_f64() * 1e3,
            makers_ms = phases[1].as_secs_f64() * 1e3,
            score_ms = phases[2].as_secs_f64() * 1e3,
            total_ms = started.elapsed().as_secs_f64() * 1e3,
            "matchJob"
        );
        Ok((row, teams))
    }
}
