//! What the engine indexes: plain structs the api crate fills from the database rows of a
//! maker, a facility or a job. Positions are (latitude, longitude) in degrees.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::matching::{Availability, Clearance, CredentialEvidence};

/// The kinds of entity the engine holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Kind {
    Maker,
    Facility,
    Job,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Maker, Kind::Facility, Kind::Job];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Maker => "maker",
            Kind::Facility => "facility",
            Kind::Job => "job",
        }
    }

    /// The number stored in the index's `kind` field.
    pub(crate) fn code(self) -> u64 {
        match self {
            Kind::Maker => 1,
            Kind::Facility => 2,
            Kind::Job => 3,
        }
    }

    pub(crate) fn from_code(code: u64) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// PSS skill levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SkillLevel {
    Novice,
    Intermediate,
    Advanced,
    Expert,
}

impl SkillLevel {
    pub const ALL: [SkillLevel; 4] = [
        SkillLevel::Novice,
        SkillLevel::Intermediate,
        SkillLevel::Advanced,
        SkillLevel::Expert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkillLevel::Novice => "NOVICE",
            SkillLevel::Intermediate => "INTERMEDIATE",
            SkillLevel::Advanced => "ADVANCED",
            SkillLevel::Expert => "EXPERT",
        }
    }
}

/// One skill a maker claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillEntry {
    /// As shown, e.g. "TIG welding".
    pub label: String,
    /// The normalised key (`skills::skill_key`).
    pub key: String,
    /// The taxonomy process the skill belongs to, when known.
    pub process_id: Option<String>,
    /// Backed by an unexpired, unrevoked credential from a trusted issuer.
    pub verified: bool,
    pub level: SkillLevel,
    /// The credentials whose achievements align to the skill or its process, valid or
    /// not: matching judges each one at its own moment (`matching::credential_status`).
    pub credentials: Vec<CredentialEvidence>,
}

/// A maker passport, as far as search needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MakerDoc {
    pub id: Uuid,
    /// Personal names (first, middle, last, preferred), in any order.
    pub names: Vec<String>,
    pub display_name: Option<String>,
    /// The name results show for the maker (`entities::maker::shown_name`).
    pub shown_name: String,
    pub bio: Option<String>,
    pub skills: Vec<SkillEntry>,
    /// BCP 47 tags or language names.
    pub languages: Vec<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub city: Option<String>,
    /// Home position: private, only used by queries holding an exact-position grant.
    pub exact_position: Option<(f64, f64)>,
    /// Public position (see `privacy::displace`). When absent but an exact one is given,
    /// the engine draws one with `privacy::displace`, so a maker is never placed at home
    /// by accident.
    pub coarse_position: Option<(f64, f64)>,
    pub public_profile: bool,
    /// Hours a week the maker offers, and when.
    pub availability: Option<Availability>,
    /// Facilities the maker is affiliated with.
    pub affiliations: Vec<Uuid>,
    /// Machines the maker is cleared on, expired or not.
    pub clearances: Vec<Clearance>,
}

/// One machine of a facility (OKW §7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EquipmentEntry {
    /// The `equipment` row.
    pub id: Uuid,
    /// Taxonomy equipment type id, or the source's words when it did not resolve.
    pub equipment_type: String,
    /// The main process it performs, when known (the type's processes are added anyway).
    pub process_id: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
}

/// A manufacturing facility (OKW).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacilityDoc {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub locality: Option<String>,
    /// `ACTIVE`, `PLANNED`, `TEMPORARY_CLOSURE` or `CLOSED`.
    pub status: String,
    /// e.g. `PUBLIC`, `MEMBERSHIP`.
    pub access_type: Option<String>,
    /// `0-50`, `50-500`, `500-5000` or `5000+`.
    pub batch_size: Option<String>,
    pub process_ids: Vec<String>,
    pub material_ids: Vec<String>,
    pub equipment: Vec<EquipmentEntry>,
    pub position: Option<(f64, f64)>,
    /// e.g. "ISO 13485".
    pub certifications: Vec<String>,
    /// OKW `dateVerified`.
    pub date_verified: Option<DateTime<Utc>>,
    /// Process and material words of the source that the taxonomy does not know: a
    /// requirement in the same words matches them.
    #[serde(default)]
    pub other_terms: Vec<String>,
}

/// What a job requirement names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequirementKind {
    Process,
    Skill,
    Equipment,
    Material,
    Certification,
}

impl RequirementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequirementKind::Process => "PROCESS",
            RequirementKind::Skill => "SKILL",
            RequirementKind::Equipment => "EQUIPMENT",
            RequirementKind::Material => "MATERIAL",
            RequirementKind::Certification => "CERTIFICATION",
        }
    }
}

/// One requirement of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementEntry {
    pub kind: RequirementKind,
    /// Canonical id where the taxonomy knows the term, else the term as given.
    pub term: String,
    /// Required (`true`) or merely preferred.
    pub required: bool,
}

/// A production job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDoc {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    /// `DRAFT`, `OPEN`, `ALLOCATED`, `IN_PRODUCTION`, `COMPLETED` or `CANCELLED`.
    pub status: String,
    /// e.g. `SIMPLE_DEVICE`, or a free label.
    pub tier: Option<String>,
    pub requirements: Vec<RequirementEntry>,
    pub delivery_name: Option<String>,
    pub delivery_position: Option<(f64, f64)>,
}

/// Any indexable entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Doc {
    Maker(MakerDoc),
    Facility(FacilityDoc),
    Job(JobDoc),
}

impl Doc {
    pub fn kind(&self) -> Kind {
        match self {
            Doc::Maker(_) => Kind::Maker,
            Doc::Facility(_) => Kind::Facility,
            Doc::Job(_) => Kind::Job,
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            Doc::Maker(d) => d.id,
            Doc::Facility(d) => d.id,
            Doc::Job(d) => d.id,
        }
    }
}

impl From<MakerDoc> for Doc {
    fn from(doc: MakerDoc) -> Doc {
        Doc::Maker(doc)
    }
}

impl From<FacilityDoc> for Doc {
    fn from(doc: FacilityDoc) -> Doc {
        Doc::Facility(doc)
    }
}

impl From<JobDoc> for Doc {
    fn from(doc: JobDoc) -> Doc {
        Doc::Job(doc)
    }
}
