//! What allocation gives back: a proposal per candidate with the reason for its quantity,
//! totals per job and per facility, and the objective. Serialisable as is, for GraphQL.

use serde::Serialize;
use uuid::Uuid;

use super::error::AllocationError;

/// Why a candidate got the quantity it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// Its capacity is used up across the jobs allocated together.
    AtCapacity,
    /// It got the largest share of the job one facility may have.
    AtMaxShare,
    /// It is on probation and got the most a facility on probation may have.
    ProbationCap,
    /// It got the most its candidacy allows for this job (`max_quantity`).
    CandidateLimit,
    /// It is as cheap as other facilities with room: equal-cost work is spread evenly.
    EvenSplit,
    /// The cheapest facility with room left took the rest (or all) of the job.
    Cheapest,
    /// A minimum batch set its share: a cheaper facility left room so that a dearer one
    /// needed for the rest gets a whole batch, or that dearer one took exactly a batch.
    MinimumBatch,
    /// It gets nothing because its share would be under the minimum batch.
    BelowMinBatch,
    /// It gets nothing: its capacity went to other jobs.
    NoCapacityLeft,
    /// It gets nothing: cheaper (or equally cheap, better spread) facilities met the demand.
    NotNeeded,
}

/// One candidate's part of the proposal; quantity 0 says why it got nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub job_id: Uuid,
    pub facility_id: Uuid,
    pub facility_name: String,
    pub quantity: u32,
    /// The most it could have had for this job (the tightest of quantity, capacity,
    /// candidate limit, max share and probation cap).
    pub limit: u32,
    pub unit_price_minor: i64,
    pub unit_transport_minor: i64,
    /// Price plus transport, per unit.
    pub unit_cost_minor: i64,
    pub cost_minor: i64,
    pub reason: Reason,
    /// The reason in words, with the numbers behind it.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobOutcome {
    pub job_id: Uuid,
    pub quantity: u32,
    pub allocated: u32,
    /// Units no candidate could take; 0 when the job is fully placed.
    pub shortfall: u32,
    pub cost_minor: i64,
    pub facilities: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacilityOutcome {
    pub facility_id: Uuid,
    pub name: String,
    pub capacity: Option<u32>,
    pub on_probation: bool,
    /// Units across all jobs.
    pub allocated: u32,
    pub cost_minor: i64,
}

/// The value of the objective, component by component, in the order they are minimised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Objective {
    /// First: units left unplaced.
    pub shortfall: u64,
    /// Second: price plus transport, minor units.
    pub total_cost_minor: i64,
    pub price_minor: i64,
    pub transport_minor: i64,
    /// Third, the tie-break: Σ over jobs and facilities of (share of the job)², which is
    /// smallest for the most even split among the cheapest ones.
    pub sum_squared_shares: f64,
    /// The largest share any facility got of any job.
    pub largest_share: f64,
    pub allocated: u64,
    /// Shortfall and cost are proven minimal (and, without minimum batches, the spread
    /// too). False only when a minimum-batch search ran out of nodes: the allocation is
    /// then the best found, not proven the best.
    pub optimal: bool,
    /// Flow problems solved (1 without minimum batches).
    pub solves: u32,
    pub method: String,
}

/// A proposed split of one job or of a programme. Staff confirm it; nothing is assigned
/// until they do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Allocation {
    /// Every unit of every job is placed.
    pub complete: bool,
    pub objective: Objective,
    pub jobs: Vec<JobOutcome>,
    pub facilities: Vec<FacilityOutcome>,
    /// One per candidate, by job id then facility id.
    pub decisions: Vec<Decision>,
}

impl Allocation {
    /// The decisions that give units: the proposed assignments.
    pub fn proposals(&self) -> impl Iterator<Item = &Decision> {
        self.decisions.iter().filter(|d| d.quantity > 0)
    }

    /// Units proposed for `facility` on `job` (0 when it is no candidate).
    pub fn quantity(&self, job: Uuid, facility: Uuid) -> u32 {
        self.decisions
            .iter()
            .find(|d| d.job_id == job && d.facility_id == facility)
            .map_or(0, |d| d.quantity)
    }

    /// This allocation if it places all demand, else the first job's shortfall as an
    /// error: for callers that would rather refuse than propose part of a job.
    pub fn into_complete(self) -> Result<Allocation, AllocationError> {
        match self.jobs.iter().find(|j| j.shortfall > 0) {
            Some(j) => Err(AllocationError::Shortfall {
                job_id: j.job_id,
                quantity: j.quantity,
                shortfall: j.shortfall,
            }),
            None => Ok(self),
        }
    }
}
