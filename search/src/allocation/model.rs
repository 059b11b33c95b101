//! What allocation takes in: jobs, facilities and the candidate pairs between them (the
//! ranked teams of `matchJob`), plus the rules of the split. Plain structs the api crate
//! fills from database rows; money is in minor units (cents), as `jobs.unit_price_minor`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A job to split across facilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationJob {
    pub id: Uuid,
    /// Units to make.
    pub quantity: u32,
    /// What the programme pays per unit when a candidate quotes no price of its own.
    pub unit_price_minor: Option<i64>,
    /// Overrides [`AllocationOptions::min_batch`] for this job.
    pub min_batch: Option<u32>,
    /// Overrides [`AllocationOptions::max_share`] for this job.
    pub max_share: Option<f64>,
    /// Overrides [`AllocationOptions::transport_minor_per_unit_km`] for this job (jobs
    /// allocated together may ship different goods).
    #[serde(default)]
    pub transport_minor_per_unit_km: Option<f64>,
}

impl AllocationJob {
    pub fn new(id: Uuid, quantity: u32) -> AllocationJob {
        AllocationJob {
            id,
            quantity,
            unit_price_minor: None,
            min_batch: None,
            max_share: None,
            transport_minor_per_unit_km: None,
        }
    }
}

/// A facility that may receive work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationFacility {
    pub id: Uuid,
    pub name: String,
    /// Units it can take across all the jobs allocated together; `None` is unbounded.
    pub capacity: Option<u32>,
    /// No completed assignment yet (or flagged by staff): its share per job is capped by
    /// [`AllocationOptions::probation_cap`].
    pub on_probation: bool,
}

impl AllocationFacility {
    pub fn new(id: Uuid, name: impl Into<String>, capacity: Option<u32>) -> AllocationFacility {
        AllocationFacility {
            id,
            name: name.into(),
            capacity,
            on_probation: false,
        }
    }
}

/// A facility that may make a job (a ranked team of `matchJob`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationCandidate {
    pub job_id: Uuid,
    pub facility_id: Uuid,
    /// The facility's own price per unit; the job's price when absent.
    pub unit_price_minor: Option<i64>,
    /// Distance to the delivery point, priced by
    /// [`AllocationOptions::transport_minor_per_unit_km`].
    pub distance_km: Option<f64>,
    /// A limit for this job alone (e.g. what its team can make by the deadline).
    pub max_quantity: Option<u32>,
}

impl AllocationCandidate {
    pub fn new(job_id: Uuid, facility_id: Uuid) -> AllocationCandidate {
        AllocationCandidate {
            job_id,
            facility_id,
            unit_price_minor: None,
            distance_km: None,
            max_quantity: None,
        }
    }
}

/// Several jobs allocated together, sharing each facility's capacity (a programme); one
/// job is the special case `allocateJob` uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllocationProblem {
    pub jobs: Vec<AllocationJob>,
    pub facilities: Vec<AllocationFacility>,
    pub candidates: Vec<AllocationCandidate>,
}

/// The rules of a split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AllocationOptions {
    /// Largest fraction of a job's quantity one facility may get, in (0, 1]; the cap is
    /// rounded down to whole units.
    pub max_share: Option<f64>,
    /// A facility gets nothing of a job or at least this many units.
    pub min_batch: Option<u32>,
    /// Most units of each job a facility on probation may get.
    pub probation_cap: Option<u32>,
    /// Transport cost per unit and km, in minor units; 0 prices only the goods. It has no
    /// default because it depends on the currency and on what is shipped.
    pub transport_minor_per_unit_km: f64,
    /// Bound on the branch-and-bound search that minimum batches need; reaching it gives
    /// the best allocation found, flagged as not proven optimal.
    pub max_branch_nodes: u32,
}

impl Default for AllocationOptions {
    fn default() -> AllocationOptions {
        AllocationOptions {
            max_share: None,
            min_batch: None,
            probation_cap: None,
            transport_minor_per_unit_km: 0.0,
            max_branch_nodes: 2_000,
        }
    }
}

/// Largest total quantity accepted in one call: keeps every money total inside `i64`.
pub const MAX_TOTAL_QUANTITY: u64 = 10_000_000;

/// Largest unit cost (price plus transport) in minor units: 10¹¹ cents is a billion
/// dollars a unit.
pub const MAX_UNIT_COST_MINOR: i64 = 100_000_000_000;
