//! `matchJob` and `allocateJob` over GraphQL (DESIGN §6): ranked teams with their score
//! explained, and allocations proposed as assignments.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use makermatch_search::matching::{Factor, MatchOptions};
use makermatch_search::{Taxonomy, TeamMatch};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::access::staff;
use super::error::{bad_input, from_query_service, from_service};
use super::facilities::Facility;
use super::loader::{AppLoader, FacilityId, load_now};
use super::offload::on_engine;
use super::relay::{NodeType, expect_id, global_id};
use crate::events::{AssignmentEvent, EventBus};
use crate::services::allocation::{
    self, AllocateError, Allocated, AllocationReport, AllocationSettings, DecisionReport,
    JobReport, Scope,
};
use crate::services::matching::JobMatch;

/// The ranked teams of job `id` and its row: database steps here, engine steps through
/// `on_engine`.
async fn ranked_teams(
    ctx: &Context<'_>,
    id: Uuid,
    options: MatchOptions,
) -> Result<(makermatch_entities::job::Model, Vec<TeamMatch>)> {
    let db = ctx.data::<DatabaseConnection>()?;
    let taxonomy = ctx.data::<Arc<Taxonomy>>()?.clone();
    let run = JobMatch::start(db, taxonomy, id, options)
        .await
        .map_err(from_service)?;
    let mut run = on_engine(ctx, move |engine| run.shortlist(engine)).await?;
    run.load(db).await.map_err(from_service)?;
    on_engine(ctx, move |engine| run.rank(engine)).await
}

/// The text form of a serde enum (`AFFILIATED`, `VERIFIED_SKILL`).
fn label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A weight for one factor: PROCESS, EQUIPMENT, MATERIAL, CERTIFICATION, SKILL, DISTANCE,
/// CAPACITY, TRACK_RECORD, FRESHNESS, AVAILABILITY or RELEVANCE.
#[derive(InputObject)]
pub struct FactorWeight {
    pub factor: String,
    pub weight: f64,
}

/// How to match; every field has a default.
#[derive(InputObject, Default)]
pub struct MatchOptionsInput {
    /// Weights replacing the defaults for the factors named.
    #[graphql(default)]
    pub weights: Vec<FactorWeight>,
    /// Only teams that meet every required requirement.
    #[graphql(default)]
    pub require_all: bool,
    /// Include `PLANNED` facilities.
    #[graphql(default)]
    pub include_planned: bool,
    /// How far from a facility its "nearby" makers may live, in km.
    pub maker_reach_km: Option<f64>,
    /// Most teams returned (1–100, default 20).
    pub first: Option<i32>,
}

impl MatchOptionsInput {
    fn to_options(&self) -> Result<MatchOptions> {
        let mut o = MatchOptions::default();
        for (i, w) in self.weights.iter().enumerate() {
            let factor = Factor::ALL
                .into_iter()
                .find(|f| f.as_str().eq_ignore_ascii_case(w.factor.trim()))
                .ok_or_else(|| {
                    bad_input(
                        &format!("options.weights[{i}].factor"),
                        format!(
                            "`{}` is not a factor; use one of {}",
                            w.factor,
                            Factor::ALL.map(Factor::as_str).join(", ")
                        ),
                    )
                })?;
            if !w.weight.is_finite() || w.weight < 0.0 {
                return Err(bad_input(
                    &format!("options.weights[{i}].weight"),
                    "give a number ≥ 0",
                ));
            }
            o.weights.set(factor, w.weight);
        }
        o.require_all = self.require_all;
        o.include_planned = self.include_planned;
        if let Some(km) = self.maker_reach_km {
            if !km.is_finite() || km < 0.0 {
                return Err(bad_input("options.makerReachKm", "give kilometres ≥ 0"));
            }
            o.maker_reach_km = km;
        }
        o.limit = Some(super::relay::page_size("options.first", self.first, 20)?);
        Ok(o)
    }
}

/// One factor of a score.
#[derive(SimpleObject)]
pub struct FactorScore {
    pub factor: String,
    /// Whether the factor applies to this job (a job without materials is not scored on them).
    pub applicable: bool,
    /// In [0, 1].
    pub value: f64,
    pub weight: f64,
    /// Its share of the score.
    pub contribution: f64,
    pub note: String,
}

/// What satisfied a requirement.
#[derive(SimpleObject)]
pub struct MatchEvidence {
    pub kind: String,
    pub term: String,
    pub required: bool,
    /// FACILITY_PROCESS, MACHINE, MATERIAL, CERTIFICATION, VERIFIED_SKILL, SELF_DECLARED_SKILL…
    pub source: String,
    pub capability: String,
    pub machine_id: Option<ID>,
    pub maker_id: Option<ID>,
    pub credential_id: Option<ID>,
    /// Credit in [0, 1]: full for verified skills, partial for self-declared ones.
    pub credit: f64,
    pub detail: String,
}

/// A requirement nobody in the team meets.
#[derive(SimpleObject)]
pub struct MissingRequirement {
    pub kind: String,
    pub term: String,
    pub required: bool,
    pub reason: String,
}

/// A maker of a team.
#[derive(SimpleObject)]
pub struct TeamMemberOut {
    pub maker_id: ID,
    pub name: String,
    /// AFFILIATED, CLEARED or NEARBY.
    pub relation: String,
    pub distance_km: Option<f64>,
    /// The job's skills this maker covers.
    pub covers: Vec<String>,
}

/// A facility and the makers who cover the job's skills, scored and explained.
pub struct TeamMatchOut(pub TeamMatch);

#[Object(name = "TeamMatch")]
impl TeamMatchOut {
    async fn facility(&self, ctx: &Context<'_>) -> Result<Option<Facility>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(FacilityId(self.0.facility_id))
            .await?
            .map(|row| Facility {
                row,
                distance_km: self.0.distance_km,
            }))
    }
    /// In [0, 1]: the weighted mean of the applicable factors.
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// Kilometres from the job's delivery point.
    async fn distance_km(&self) -> Option<f64> {
        self.0.distance_km
    }
    async fn makers(&self) -> Vec<TeamMemberOut> {
        self.0
            .makers
            .iter()
            .map(|m| TeamMemberOut {
                maker_id: global_id(NodeType::Maker, m.maker_id),
                name: m.name.clone(),
                relation: label(&m.relation),
                distance_km: m.distance_km,
                covers: m.covers.clone(),
            })
            .collect()
    }
    async fn breakdown(&self) -> Vec<FactorScore> {
        self.0
            .breakdown
            .iter()
            .map(|f| FactorScore {
                factor: f.factor.as_str().to_owned(),
                applicable: f.applicable,
                value: f.value,
                weight: f.weight,
                contribution: f.contribution,
                note: f.note.clone(),
            })
            .collect()
    }
    async fn evidence(&self) -> Vec<MatchEvidence> {
        self.0
            .evidence
            .iter()
            .map(|e| MatchEvidence {
                kind: e.kind.as_str().to_owned(),
                term: e.term.clone(),
                required: e.required,
                source: label(&e.source),
                capability: e.capability.clone(),
                machine_id: e.machine_id.map(|id| global_id(NodeType::Equipment, id)),
                maker_id: e.maker_id.map(|id| global_id(NodeType::Maker, id)),
                credential_id: e
                    .credential_id
                    .map(|id| global_id(NodeType::Credential, id)),
                credit: e.credit,
                detail: e.detail.clone(),
            })
            .collect()
    }
    async fn missing(&self) -> Vec<MissingRequirement> {
        self.0
            .missing
            .iter()
            .map(|m| MissingRequirement {
                kind: m.kind.as_str().to_owned(),
                term: m.term.clone(),
                required: m.required,
                reason: m.reason.clone(),
            })
            .collect()
    }
}

#[derive(Default)]
pub struct MatchingQuery;

#[Object]
impl MatchingQuery {
    /// Ranked teams for a job, best first (coordinators and admins). Deterministic: equal
    /// scores go by facility id. Teams are formed around the 100 facilities that rank
    /// highest on the job's processes, equipment and materials and on distance (closed
    /// ones and those beyond `maxDistanceKm` never do); nearby makers are the 12 nearest
    /// per facility and skill requirement, besides everyone affiliated or cleared.
    async fn match_job(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        options: Option<MatchOptionsInput>,
    ) -> Result<Vec<TeamMatchOut>> {
        staff(ctx)?;
        let id = expect_id("jobId", &job_id, NodeType::Job)?;
        let options = options.unwrap_or_default().to_options()?;
        let (_, teams) = ranked_teams(ctx, id, options).await?;
        if ctx.look_ahead().field("facility").exists() {
            let keys: Vec<FacilityId> = teams.iter().map(|t| FacilityId(t.facility_id)).collect();
            load_now(ctx.data::<AppLoader>()?, &keys).await?;
        }
        Ok(teams.into_iter().map(TeamMatchOut).collect())
    }
}

/// Bounds of an allocation.
#[derive(InputObject, Default)]
pub struct AllocationOptionsInput {
    /// Largest share of the job one facility may get, in (0, 1].
    pub max_share: Option<f64>,
    /// A facility gets nothing or at least this many items.
    pub min_batch: Option<i32>,
    /// Most items for a facility on probation (no completed assignment yet).
    pub probation_cap: Option<i32>,
    /// Transport cost per item and km, in minor units. By default every 1,000 km to the
    /// job's delivery point adds a fifth of its unit price to each item (see README).
    pub transport_minor_per_unit_km: Option<f64>,
    /// Only compute: propose nothing.
    #[graphql(default)]
    pub dry_run: bool,
}

impl AllocationOptionsInput {
    fn settings(self, idempotency_key: Option<String>) -> AllocationSettings {
        AllocationSettings {
            max_share: self.max_share,
            min_batch: self.min_batch.map(i64::from),
            probation_cap: self.probation_cap.map(i64::from),
            transport_minor_per_unit_km: self.transport_minor_per_unit_km,
            dry_run: self.dry_run,
            idempotency_key,
        }
    }
}

/// Why a facility got what it got.
#[derive(SimpleObject)]
pub struct AllocationDecisionOut {
    pub facility_id: ID,
    pub facility_name: String,
    pub quantity: i32,
    pub cost_minor: i64,
    /// AT_CAPACITY, AT_MAX_SHARE, PROBATION_CAP, CANDIDATE_LIMIT, EVEN_SPLIT, CHEAPEST,
    /// MINIMUM_BATCH, BELOW_MIN_BATCH, NO_CAPACITY_LEFT or NOT_NEEDED.
    pub reason: String,
    pub detail: String,
    /// The assignment proposed for it, unless a dry run or nothing.
    pub assignment_id: Option<ID>,
}

impl From<&DecisionReport> for AllocationDecisionOut {
    fn from(d: &DecisionReport) -> Self {
        AllocationDecisionOut {
            facility_id: global_id(NodeType::Facility, d.facility_id),
            facility_name: d.facility_name.clone(),
            quantity: i32::try_from(d.quantity).unwrap_or(i32::MAX),
            cost_minor: d.cost_minor,
            reason: d.reason.clone(),
            detail: d.detail.clone(),
            assignment_id: d
                .assignment_id
                .map(|id| global_id(NodeType::Assignment, id)),
        }
    }
}

/// An allocation of a job's open quantity over the ranked teams.
#[derive(SimpleObject)]
pub struct AllocationOut {
    pub job_id: ID,
    /// Whether all of the open quantity found a facility.
    pub complete: bool,
    /// Total cost in minor units (price and transport).
    pub cost_minor: i64,
    pub decisions: Vec<AllocationDecisionOut>,
    /// This is the answer of an earlier call with the same `idempotencyKey`: nothing new
    /// was proposed.
    pub replayed: bool,
}

/// Allocations of every job of a programme, solved together.
#[derive(SimpleObject)]
pub struct ProgrammeAllocationOut {
    pub programme_id: ID,
    pub complete: bool,
    pub cost_minor: i64,
    pub jobs: Vec<AllocationOut>,
    /// This is the answer of an earlier call with the same `idempotencyKey`: nothing new
    /// was proposed.
    pub replayed: bool,
}

/// Runs an allocation through the service (teams from `matchJob` with every requirement
/// required) and publishes a change event for every assignment it proposed.
async fn allocated(
    ctx: &Context<'_>,
    scope: Scope,
    settings: AllocationSettings,
) -> Result<Allocated> {
    let actor = staff(ctx)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let teams_of = |id: Uuid| required_teams(ctx, id);
    let done = allocation::allocate(db, actor, scope, settings, teams_of)
        .await
        .map_err(|e| match e {
            AllocateError::Service(e) => from_query_service(e),
            AllocateError::Teams(TeamsError(e)) => e,
        })?;
    if let Ok(bus) = ctx.data::<EventBus>() {
        for changed in &done.changed {
            bus.publish(AssignmentEvent::from(changed));
        }
    }
    Ok(done)
}

/// A failure of the matcher, passed through as the GraphQL error it already is.
struct TeamsError(async_graphql::Error);

/// The teams that meet every required requirement of job `id`, best first.
async fn required_teams(ctx: &Context<'_>, id: Uuid) -> Result<Vec<TeamMatch>, TeamsError> {
    let options = MatchOptions {
        require_all: true,
        ..MatchOptions::default()
    };
    ranked_teams(ctx, id, options)
        .await
        .map(|(_, teams)| teams)
        .map_err(TeamsError)
}

fn job_out(job: &JobReport, report: &AllocationReport, replayed: bool) -> AllocationOut {
    AllocationOut {
        job_id: global_id(NodeType::Job, job.job_id),
        complete: job.complete,
        cost_minor: job.cost_minor,
        decisions: report
            .decisions
            .iter()
            .filter(|d| d.job_id == job.job_id)
            .map(AllocationDecisionOut::from)
            .collect(),
        replayed,
    }
}

#[derive(Default)]
pub struct MatchingMutation;

#[Object]
impl MatchingMutation {
    /// Splits the job's open quantity over its matching teams, exactly (min-cost flow)
    /// under capacity, max share, minimum batch and probation caps, and proposes the
    /// result as PROPOSED assignments for the facilities to accept, all in one transaction
    /// (coordinators and admins). Distance to the delivery point counts by default; a
    /// programme's jobs keep to its region and participants. `dryRun` only computes. A
    /// retry with the same `idempotencyKey` answers the first call's answer (`replayed`)
    /// and proposes nothing again.
    async fn allocate_job(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        options: Option<AllocationOptionsInput>,
        idempotency_key: Option<String>,
    ) -> Result<AllocationOut> {
        let id = expect_id("jobId", &job_id, NodeType::Job)?;
        let settings = options.unwrap_or_default().settings(idempotency_key);
        let done = allocated(ctx, Scope::Job(id), settings).await?;
        let report = &done.report;
        Ok(AllocationOut {
            job_id: global_id(NodeType::Job, id),
            complete: report.complete,
            cost_minor: report.cost_minor,
            decisions: report
                .decisions
                .iter()
                .map(AllocationDecisionOut::from)
                .collect(),
            replayed: done.replayed,
        })
    }

    /// Splits every job of a programme at once, sharing each facility's capacity between
    /// the jobs (the IMA trial: nine equal spaces get an even split), and proposes the
    /// result as assignments unless `dryRun` (coordinators and admins); as `allocateJob`
    /// for distance, region, participants and `idempotencyKey`.
    async fn allocate_programme(
        &self,
        ctx: &Context<'_>,
        programme_id: ID,
        options: Option<AllocationOptionsInput>,
        idempotency_key: Option<String>,
    ) -> Result<ProgrammeAllocationOut> {
        let id = expect_id("programmeId", &programme_id, NodeType::Programme)?;
        let settings = options.unwrap_or_default().settings(idempotency_key);
        let done = allocated(ctx, Scope::Programme(id), settings).await?;
        let report = &done.report;
        Ok(ProgrammeAllocationOut {
            programme_id: global_id(NodeType::Programme, id),
            complete: report.complete,
            cost_minor: report.cost_minor,
            jobs: report
                .jobs
                .iter()
                .map(|j| job_out(j, report, done.replayed))
                .collect(),
            replayed: done.replayed,
        })
    }
}
