//! `matchJob` and `allocateJob` over GraphQL (DESIGN §6): ranked teams with their score
//! explained, and allocations proposed as assignments.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use makermatch_search::allocation::{
    Allocation, AllocationCandidate, AllocationFacility, AllocationJob, AllocationOptions,
    AllocationProblem,
};
use makermatch_search::matching::{Factor, MatchOptions};
use makermatch_search::{Taxonomy, TeamMatch};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::access::staff;
use super::error::{bad_input, from_service};
use super::facilities::Facility;
use super::loader::{AppLoader, FacilityId, load_now};
use super::relay::{NodeType, expect_id, global_id};
use super::search_support::index;
use crate::events::{AssignmentEvent, EventBus};
use crate::services::assignments::{self, ProposalInput};
use crate::services::matching;

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
        let db = ctx.data::<DatabaseConnection>()?;
        let taxonomy = ctx.data::<Arc<Taxonomy>>()?;
        let engine = index(ctx)?.engine();
        let (_, teams) = matching::match_job(db, engine, taxonomy, id, &options)
            .await
            .map_err(from_service)?;
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
    /// Transport cost per item and km, in minor units.
    pub transport_minor_per_unit_km: Option<f64>,
    /// Only compute: propose nothing.
    #[graphql(default)]
    pub dry_run: bool,
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

/// An allocation of a job's open quantity over the ranked teams.
#[derive(SimpleObject)]
pub struct AllocationOut {
    pub job_id: ID,
    /// Whether all of the open quantity found a facility.
    pub complete: bool,
    /// Total cost in minor units (price and transport).
    pub cost_minor: i64,
    pub decisions: Vec<AllocationDecisionOut>,
}

/// The allocation inputs of one job: its open quantity and its matching teams.
async fn job_inputs(
    ctx: &Context<'_>,
    id: Uuid,
) -> Result<(
    AllocationJob,
    Vec<AllocationFacility>,
    Vec<AllocationCandidate>,
)> {
    let db = ctx.data::<DatabaseConnection>()?;
    let taxonomy = ctx.data::<Arc<Taxonomy>>()?;
    let engine = index(ctx)?.engine();
    let match_options = MatchOptions {
        require_all: true,
        ..MatchOptions::default()
    };
    let (row, teams) = matching::match_job(db, engine, taxonomy, id, &match_options)
        .await
        .map_err(from_service)?;
    let held = assignments::active_quantity(db, id)
        .await
        .map_err(from_service)?;
    let open = (i64::from(row.quantity) - held).max(0);
    let job = AllocationJob {
        id,
        quantity: u32::try_from(open).unwrap_or(0),
        unit_price_minor: row.unit_price_minor,
        min_batch: None,
        max_share: None,
    };
    let loader = ctx.data::<AppLoader>()?;
    let rows = loader
        .load_many(teams.iter().map(|t| FacilityId(t.facility_id)))
        .await?;
    let facilities = teams
        .iter()
        .filter_map(|t| rows.get(&FacilityId(t.facility_id)))
        .map(|f| AllocationFacility {
            id: f.id,
            name: f.name.clone(),
            capacity: f.typical_batch_size.and_then(|b| b.upper_bound()),
            on_probation: f.on_probation,
        })
        .collect();
    let candidates = teams.iter().map(|t| t.allocation_candidate(id)).collect();
    Ok((job, facilities, candidates))
}

fn allocation_options(o: &AllocationOptionsInput) -> Result<AllocationOptions> {
    let positive = |field: &str, v: Option<i32>| -> Result<Option<u32>> {
        match v {
            Some(n) if n < 1 => Err(bad_input(field, "give 1 or more")),
            Some(n) => Ok(Some(n as u32)),
            None => Ok(None),
        }
    };
    if let Some(s) = o.max_share
        && !(s > 0.0 && s <= 1.0)
    {
        return Err(bad_input(
            "options.maxShare",
            "give a fraction above 0 and at most 1",
        ));
    }
    let transport = o.transport_minor_per_unit_km.unwrap_or(0.0);
    if !transport.is_finite() || transport < 0.0 {
        return Err(bad_input(
            "options.transportMinorPerUnitKm",
            "give a number ≥ 0",
        ));
    }
    Ok(AllocationOptions {
        max_share: o.max_share,
        min_batch: positive("options.minBatch", o.min_batch)?,
        probation_cap: positive("options.probationCap", o.probation_cap)?,
        transport_minor_per_unit_km: transport,
        ..AllocationOptions::default()
    })
}

/// Proposes the allocation's non-zero decisions (unless a dry run) and reports them.
async fn propose_all(
    ctx: &Context<'_>,
    actor: &crate::services::actor::Actor,
    allocation: &Allocation,
    dry_run: bool,
) -> Result<Vec<(Uuid, AllocationDecisionOut)>> {
    let db = ctx.data::<DatabaseConnection>()?;
    // The whole plan is proposed in one transaction: all of it, or (on a conflict, e.g.
    // another allocation of the same job got there first) none of it.
    let mut ids = std::collections::HashMap::new();
    if !dry_run {
        let proposals: Vec<(usize, ProposalInput)> = allocation
            .decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.quantity > 0)
            .map(|(i, d)| {
                let input = ProposalInput {
                    job_id: d.job_id,
                    facility_id: d.facility_id,
                    quantity: d.quantity as i32,
                    unit_price_minor: Some(d.unit_price_minor),
                    currency: None,
                    due_on: None,
                    maker_ids: Vec::new(),
                };
                (i, input)
            })
            .collect();
        let (slots, inputs): (Vec<usize>, Vec<ProposalInput>) = proposals.into_iter().unzip();
        let written = assignments::propose_all(db, actor, inputs)
            .await
            .map_err(from_service)?;
        for (slot, changed) in slots.into_iter().zip(written) {
            if let Ok(bus) = ctx.data::<EventBus>() {
                bus.publish(AssignmentEvent::from(&changed));
            }
            ids.insert(slot, global_id(NodeType::Assignment, changed.assignment.id));
        }
    }
    let mut out = Vec::new();
    for (i, d) in allocation.decisions.iter().enumerate() {
        out.push((
            d.job_id,
            AllocationDecisionOut {
                facility_id: global_id(NodeType::Facility, d.facility_id),
                facility_name: d.facility_name.clone(),
                quantity: d.quantity as i32,
                cost_minor: d.cost_minor,
                reason: label(&d.reason),
                detail: d.detail.clone(),
                assignment_id: ids.remove(&i),
            },
        ));
    }
    Ok(out)
}

/// Nothing is left to allocate: active assignments hold every item (perhaps another
/// allocation got there first).
fn fully_assigned() -> async_graphql::Error {
    super::error::coded(
        super::error::Code::Conflict,
        "every item is held by active assignments already; decline or cancel some to allocate again",
    )
}

/// Allocations of every job of a programme, solved together.
#[derive(SimpleObject)]
pub struct ProgrammeAllocationOut {
    pub programme_id: ID,
    pub complete: bool,
    pub cost_minor: i64,
    pub jobs: Vec<AllocationOut>,
}

#[derive(Default)]
pub struct MatchingMutation;

#[Object]
impl MatchingMutation {
    /// Splits the job's open quantity over its matching teams, exactly (min-cost flow)
    /// under capacity, max share, minimum batch and probation caps, and proposes the
    /// result as PROPOSED assignments for the facilities to accept (coordinators and
    /// admins). `dryRun` only computes.
    async fn allocate_job(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        options: Option<AllocationOptionsInput>,
    ) -> Result<AllocationOut> {
        let actor = staff(ctx)?;
        let id = expect_id("jobId", &job_id, NodeType::Job)?;
        let o = options.unwrap_or_default();
        let options = allocation_options(&o)?;
        let (job, facilities, candidates) = job_inputs(ctx, id).await?;
        if job.quantity == 0 {
            return Err(fully_assigned());
        }
        let allocation =
            makermatch_search::allocation::allocate_job(&job, &facilities, &candidates, &options)
                .map_err(|e| bad_input("options", e))?;
        let decisions = propose_all(ctx, actor, &allocation, o.dry_run).await?;
        Ok(AllocationOut {
            job_id: global_id(NodeType::Job, id),
            complete: allocation.complete,
            cost_minor: allocation.decisions.iter().map(|d| d.cost_minor).sum(),
            decisions: decisions.into_iter().map(|(_, d)| d).collect(),
        })
    }

    /// Splits every job of a programme at once, sharing each facility's capacity between
    /// the jobs (the IMA trial: nine equal spaces get an even split), and proposes the
    /// result as assignments unless `dryRun` (coordinators and admins).
    async fn allocate_programme(
        &self,
        ctx: &Context<'_>,
        programme_id: ID,
        options: Option<AllocationOptionsInput>,
    ) -> Result<ProgrammeAllocationOut> {
        let actor = staff(ctx)?;
        let id = expect_id("programmeId", &programme_id, NodeType::Programme)?;
        let o = options.unwrap_or_default();
        let options = allocation_options(&o)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let jobs = makermatch_entities::job::Entity::find()
            .filter(makermatch_entities::job::Column::ProgrammeId.eq(id))
            .order_by_asc(makermatch_entities::job::Column::Id)
            .all(db)
            .await
            .map_err(super::error::from_db)?;
        if jobs.is_empty() {
            return Err(bad_input("programmeId", "the programme has no jobs"));
        }
        let mut problem = AllocationProblem {
            jobs: Vec::new(),
            facilities: Vec::new(),
            candidates: Vec::new(),
        };
        let mut seen = std::collections::HashSet::new();
        for j in &jobs {
            let (job, facilities, candidates) = job_inputs(ctx, j.id).await?;
            if job.quantity == 0 {
                continue; // fully assigned already
            }
            problem.jobs.push(job);
            problem
                .facilities
                .extend(facilities.into_iter().filter(|f| seen.insert(f.id)));
            problem.candidates.extend(candidates);
        }
        if problem.jobs.is_empty() {
            return Err(fully_assigned());
        }
        let allocation = makermatch_search::allocation::allocate_programme(&problem, &options)
            .map_err(|e| bad_input("options", e))?;
        let decisions = propose_all(ctx, actor, &allocation, o.dry_run).await?;
        let jobs_out = jobs
            .iter()
            .map(|j| AllocationOut {
                job_id: global_id(NodeType::Job, j.id),
                complete: allocation
                    .jobs
                    .iter()
                    .find(|o| o.job_id == j.id)
                    .is_none_or(|o| o.shortfall == 0),
                cost_minor: allocation
                    .decisions
                    .iter()
                    .filter(|d| d.job_id == j.id)
                    .map(|d| d.cost_minor)
                    .sum(),
                decisions: decisions
                    .iter()
                    .filter(|(job, _)| *job == j.id)
                    .map(|(_, d)| AllocationDecisionOut {
                        facility_id: d.facility_id.clone(),
                        facility_name: d.facility_name.clone(),
                        quantity: d.quantity,
                        cost_minor: d.cost_minor,
                        reason: d.reason.clone(),
                        detail: d.detail.clone(),
                        assignment_id: d.assignment_id.clone(),
                    })
                    .collect(),
            })
            .collect();
        Ok(ProgrammeAllocationOut {
            programme_id: global_id(NodeType::Programme, id),
            complete: allocation.complete,
            cost_minor: allocation.decisions.iter().map(|d| d.cost_minor).sum(),
            jobs: jobs_out,
        })
    }
}
