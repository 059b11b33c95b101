//! Ranked teams with their scores explained, and allocation reports.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use makermatch_search::TeamMatch;

use crate::graphql::facilities::Facility;
use crate::graphql::loader::{AppLoader, FacilityId};
use crate::graphql::relay::{NodeType, global_id};
use crate::services::allocation::DecisionReport;

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
                relation: crate::services::enum_label(&m.relation),
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
                source: crate::services::enum_label(&e.source),
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
