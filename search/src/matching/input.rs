//! What matching takes in: a job, the facilities and makers the api crate loaded for it
//! (rows of `facilities`, `equipment`, `makers`, `skill_claims`, `credentials`, …), and the
//! moment "now" (passed in, so results are reproducible). Positions are validated
//! [`LatLon`]s; makers' positions are whatever the caller may use (coarse unless it holds
//! an exact-position grant).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::resolution::TermResolution;

use crate::document::{RequirementKind, SkillLevel};
use crate::spatial::LatLon;

/// OKW `facilityStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FacilityStatus {
    Active,
    Planned,
    TemporaryClosure,
    Closed,
}

impl FacilityStatus {
    /// `ACTIVE`, `PLANNED`, `TEMPORARY_CLOSURE` or `CLOSED`, any case.
    pub fn parse(text: &str) -> Option<FacilityStatus> {
        match text.trim().to_ascii_uppercase().as_str() {
            "ACTIVE" => Some(FacilityStatus::Active),
            "PLANNED" => Some(FacilityStatus::Planned),
            "TEMPORARY_CLOSURE" => Some(FacilityStatus::TemporaryClosure),
            "CLOSED" => Some(FacilityStatus::Closed),
            _ => None,
        }
    }
}

/// OKW `typicalBatchSize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BatchSize {
    #[serde(rename = "0-50")]
    UpTo50,
    #[serde(rename = "50-500")]
    UpTo500,
    #[serde(rename = "500-5000")]
    UpTo5000,
    #[serde(rename = "5000+")]
    Over5000,
}

impl BatchSize {
    pub fn parse(text: &str) -> Option<BatchSize> {
        match text.trim() {
            "0-50" => Some(BatchSize::UpTo50),
            "50-500" => Some(BatchSize::UpTo500),
            "500-5000" => Some(BatchSize::UpTo5000),
            "5000+" => Some(BatchSize::Over5000),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BatchSize::UpTo50 => "0-50",
            BatchSize::UpTo500 => "50-500",
            BatchSize::UpTo5000 => "500-5000",
            BatchSize::Over5000 => "5000+",
        }
    }

    /// Smallest units of the range.
    pub fn lower_bound(self) -> u32 {
        match self {
            BatchSize::UpTo50 => 0,
            BatchSize::UpTo500 => 50,
            BatchSize::UpTo5000 => 500,
            BatchSize::Over5000 => 5000,
        }
    }

    /// Largest units of the range; none for `5000+`. A default capacity for allocation
    /// when a facility states nothing better.
    pub fn upper_bound(self) -> Option<u32> {
        match self {
            BatchSize::UpTo50 => Some(50),
            BatchSize::UpTo500 => Some(500),
            BatchSize::UpTo5000 => Some(5000),
            BatchSize::Over5000 => None,
        }
    }
}

/// One requirement of the job (a `job_requirements` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    pub kind: RequirementKind,
    /// A taxonomy id where known (process, equipment type, material), a skill key or
    /// label for skills, or the words as given.
    pub term: String,
    /// Required, or merely preferred.
    pub required: bool,
    /// For skills: the least level that counts.
    pub min_level: Option<SkillLevel>,
    /// How the term was read when the requirement was written (an import resolves terms
    /// to ids, or infers them); `None`: the matcher reads `term` itself.
    #[serde(default)]
    pub resolution: Option<TermResolution>,
}

impl Requirement {
    pub fn required(kind: RequirementKind, term: impl Into<String>) -> Requirement {
        Requirement {
            kind,
            term: term.into(),
            required: true,
            min_level: None,
            resolution: None,
        }
    }

    pub fn preferred(kind: RequirementKind, term: impl Into<String>) -> Requirement {
        Requirement {
            required: false,
            ..Requirement::required(kind, term)
        }
    }
}

/// The job to match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    pub id: Uuid,
    pub quantity: u32,
    pub requirements: Vec<Requirement>,
    pub delivery: Option<LatLon>,
    /// Facilities farther than this from the delivery point never match.
    pub max_distance_km: Option<f64>,
    pub deadline: Option<NaiveDate>,
}

/// One machine (an `equipment` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub id: Uuid,
    /// Taxonomy equipment type id, or the source's words.
    pub equipment_type: String,
    /// The main process it performs, when the row says.
    pub process_id: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
}

/// Counts from the facility's completed assignments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackRecord {
    pub completed: u32,
    pub on_time: u32,
    pub prototypes_submitted: u32,
    pub prototypes_approved: u32,
}

impl TrackRecord {
    /// No completed assignment yet: the facility is on probation for allocation
    /// (`AllocationFacility::on_probation`) unless staff say otherwise.
    pub fn is_new(&self) -> bool {
        self.completed == 0
    }
}

/// A facility (OKW) as matching needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacilityProfile {
    pub id: Uuid,
    pub name: String,
    pub status: FacilityStatus,
    pub position: Option<LatLon>,
    /// `manufacturingProcesses`, as taxonomy ids.
    pub process_ids: Vec<String>,
    /// `typicalMaterials`, as taxonomy ids.
    pub material_ids: Vec<String>,
    pub equipment: Vec<Machine>,
    /// e.g. "ISO 13485".
    pub certifications: Vec<String>,
    pub batch_size: Option<BatchSize>,
    pub date_verified: Option<DateTime<Utc>>,
    pub track_record: TrackRecord,
    /// Process and material words the taxonomy does not know, as the facility wrote them
    /// (absent from profiles indexed before they were kept).
    #[serde(default)]
    pub other_terms: Vec<String>,
}

/// What checking a credential's proof found (the outcome stored with the credential).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProofState {
    /// A signature checked out and is bound to the issuer the credential names.
    Verified,
    /// No proof, or one that could not be checked: self-declared.
    #[default]
    Unverified,
    /// A signature was checked and is wrong, or made by someone else.
    Invalid,
}

/// An Open Badges credential behind a skill claim (credential + achievement + issuer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialEvidence {
    pub id: Uuid,
    /// The achievement's name.
    pub achievement: String,
    /// The issuer's name.
    pub issuer: String,
    /// Whether an admin trusts the identifier the credential's proof is bound to.
    pub issuer_trusted: bool,
    /// What checking the credential's proof found.
    #[serde(default)]
    pub proof: ProofState,
    pub issued_on: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// A skill a maker claims, with the credentials whose achievements align to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillClaim {
    /// As shown, e.g. "TIG welding".
    pub label: String,
    /// `skills::skill_key` of the label.
    pub key: String,
    /// The taxonomy process the skill belongs to, when known (`skills::skill_process`).
    pub process_id: Option<String>,
    pub level: SkillLevel,
    pub credentials: Vec<CredentialEvidence>,
}

/// A machine clearance: the maker may run equipment at a facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clearance {
    pub facility_id: Uuid,
    pub equipment_id: Option<Uuid>,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    pub hours_per_week: f64,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// A maker passport as matching needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MakerProfile {
    pub id: Uuid,
    pub display_name: String,
    pub position: Option<LatLon>,
    /// Facilities the maker belongs to or works at.
    pub affiliations: Vec<Uuid>,
    pub clearances: Vec<Clearance>,
    pub skills: Vec<SkillClaim>,
    pub availability: Option<Availability>,
}

/// Everything one `matchJob` looks at.
#[derive(Debug, Clone, Copy)]
pub struct MatchInput<'a> {
    pub job: &'a JobSpec,
    pub facilities: &'a [FacilityProfile],
    pub makers: &'a [MakerProfile],
    /// Per-facility relevance in [0, 1] of the job's free text, from the search engine;
    /// `None` leaves the relevance factor out.
    pub relevance: Option<&'a HashMap<Uuid, f64>>,
    pub now: DateTime<Utc>,
}
