//! What `matchJob` gives back: ranked teams with the score, its breakdown, the evidence
//! for every requirement met and the list of those that are not. Serialisable as is.

use std::sync::Arc;

use serde::Serialize;
use uuid::Uuid;

use super::resolution::TermResolution;
use super::weights::Factor;
use crate::allocation::AllocationCandidate;
use crate::document::{RequirementKind, SkillLevel};

/// How a maker is tied to the facility of the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Relation {
    /// Belongs to or works at the facility.
    Affiliated,
    /// Holds a clearance for one of its machines.
    Cleared,
    /// Lives within reach of it.
    Nearby,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamMember {
    pub maker_id: Uuid,
    pub name: String,
    pub relation: Relation,
    /// From the maker's usable (usually coarse) position to the facility.
    pub distance_km: Option<f64>,
    /// The skill requirements (terms) this maker covers in the team.
    pub covers: Vec<String>,
}

/// One factor's part of the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorScore {
    pub factor: Factor,
    /// False when the job gives the factor nothing to measure (no material requirement, no
    /// delivery point…): it is then left out of the score.
    pub applicable: bool,
    /// In [0, 1].
    pub value: f64,
    /// The factor's weight as a share of the weights that apply (they sum to 1).
    pub weight: f64,
    /// weight × value; the contributions sum to the score.
    pub contribution: f64,
    pub note: String,
}

/// What met a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    /// A process the facility declares.
    FacilityProcess,
    /// One of its machines.
    Machine,
    Material,
    Certification,
    /// A maker's skill backed by a valid credential from a trusted issuer.
    VerifiedSkill,
    /// A maker's skill with no valid trusted credential.
    SelfDeclaredSkill,
}

/// One requirement met, and by what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub kind: RequirementKind,
    pub term: String,
    pub required: bool,
    pub source: Source,
    /// The capability that matched: a process or equipment type id, a material, a
    /// certification, or the maker's skill label.
    pub capability: String,
    pub machine_id: Option<Uuid>,
    pub maker_id: Option<Uuid>,
    pub credential_id: Option<Uuid>,
    pub level: Option<SkillLevel>,
    /// 1 for a full match, less for a self-declared skill.
    pub credit: f64,
    pub detail: String,
    /// How the requirement's term was read (processes, machines, materials).
    pub resolution: Option<Arc<TermResolution>>,
}

/// A requirement the team does not meet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    pub kind: RequirementKind,
    pub term: String,
    pub required: bool,
    pub reason: String,
    /// How the requirement's term was read (processes, machines, materials).
    pub resolution: Option<Arc<TermResolution>>,
}

/// A ranked team: a facility and the makers who cover the job's skills.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamMatch {
    pub facility_id: Uuid,
    pub facility_name: String,
    /// In [0, 1].
    pub score: f64,
    /// To the job's delivery point.
    pub distance_km: Option<f64>,
    pub makers: Vec<TeamMember>,
    pub breakdown: Vec<FactorScore>,
    pub evidence: Vec<Evidence>,
    pub missing: Vec<Missing>,
    /// Set when the team is a production chain of two or three facilities (`facility_id`
    /// is then its last, the one that delivers); `None` for one facility.
    pub chain: Option<Chain>,
}

/// A production chain: facilities that together meet what none meets alone, each making
/// its part, the work travelling along the legs and ending at the delivery point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chain {
    /// In route order: the work starts at the first and is delivered from the last.
    pub parts: Vec<ChainPart>,
    /// From each part to the next, then from the last to the delivery point (when the job
    /// has one).
    pub legs: Vec<Leg>,
    /// The legs' total.
    pub route_km: f64,
    /// What the hand-offs cost the score: the weighted mean of the factors times this.
    pub discount: f64,
}

/// One facility's part in a chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainPart {
    pub facility_id: Uuid,
    pub facility_name: String,
    /// The requirements (terms) this part meets for the chain, in the job's order.
    pub covers: Vec<String>,
    /// The machines that meet them.
    pub machine_ids: Vec<Uuid>,
    /// The part's makers: members of the facility's team covering its skill requirements.
    pub makers: Vec<TeamMember>,
    /// From the facility to the delivery point.
    pub distance_km: Option<f64>,
}

/// One transport leg of a chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leg {
    pub from: Uuid,
    /// The next facility; `None`: the delivery point.
    pub to: Option<Uuid>,
    pub km: f64,
}

impl TeamMatch {
    /// The value of one factor (0 when it does not apply).
    pub fn factor(&self, factor: Factor) -> f64 {
        self.breakdown
            .iter()
            .find(|f| f.factor == factor)
            .map_or(0.0, |f| f.value)
    }

    /// This team as a candidate for allocating `job_id`, with its distance to delivery.
    pub fn allocation_candidate(&self, job_id: Uuid) -> AllocationCandidate {
        AllocationCandidate {
            distance_km: self.distance_km,
            ..AllocationCandidate::new(job_id, self.facility_id)
        }
    }
}
