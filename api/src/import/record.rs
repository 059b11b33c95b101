//! What parsers produce: records in the service layer's terms, each tagged with where it
//! came from, or a rejection saying why not.

use chrono::{DateTime, Utc};

use crate::services::credentials::verification::{Incoming, Outcome};
use crate::services::facilities::FacilityInput;
use crate::services::jobs::JobInput;
use crate::services::makers::MakerInput;

/// A certification a maker states on their profile, with the issuer's name: imported as a
/// credential from an issuer nobody has marked trusted, so it does not verify a skill.
#[derive(Debug, Clone, PartialEq)]
pub struct StatedCertification {
    pub name: String,
    pub issuer_name: Option<String>,
    pub issued_on: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct MakerRecord {
    pub input: MakerInput,
    /// From an export of makermatch, and a public one (see [`FacilityRecord`]).
    pub exported: bool,
    pub public_export: bool,
    /// Facilities named by their source id (`source:id`) or by name.
    pub affiliations: Vec<String>,
    pub certifications: Vec<StatedCertification>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IssuerRecord {
    pub source_id: String,
    /// The issuer a checked proof of the enclosing document is bound to, if any: only such a
    /// document may change an issuer or achievement already recorded.
    pub vouched_by: Option<String>,
    pub name: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub public_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AchievementRecord {
    pub source_id: String,
    /// As for [`IssuerRecord::vouched_by`].
    pub vouched_by: Option<String>,
    /// The issuer's source id (its IRI); the issuer may come from the same batch of files.
    pub issuer_ref: String,
    pub name: String,
    pub description: Option<String>,
    pub criteria: Option<String>,
    pub image: Option<String>,
    /// Skill or process names the achievement aligns to.
    pub alignments: Vec<String>,
}

/// How an Open Badges recipient is identified.
#[derive(Debug, Clone, PartialEq)]
pub enum Recipient {
    Email(String),
    /// `sha256$<hex>` of the email plus salt.
    HashedEmail {
        hash: String,
        salt: Option<String>,
    },
    /// Another identifier (a URL or DID) matched against maker source ids.
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CredentialRecord {
    pub source_id: String,
    pub achievement_ref: String,
    pub recipient: Recipient,
    pub issued_on: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
    pub evidence_url: Option<String>,
    pub revoked: bool,
    pub revocation_reason: Option<String>,
    /// The whole document the credential came as (JSON, or the JWS it was in), kept and
    /// checked.
    pub document: Option<Incoming>,
    /// The outcome of checking the document's proof (set after parsing, off the parser).
    pub verification: Option<Outcome>,
}

/// A machine make and model from a catalog, typed by the taxonomy.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineModelRecord {
    pub brand: Option<String>,
    pub model: String,
    pub equipment_type: String,
    pub technology: Option<String>,
    /// (key, number, unit)
    pub properties: Vec<(String, f64, Option<String>)>,
    /// (key, text) for values that are not plain measurements.
    pub text_properties: Vec<(String, String)>,
    pub materials: Vec<String>,
    pub source_id: String,
}

#[derive(Debug, Clone)]
pub struct FacilityRecord {
    pub input: FacilityInput,
    /// The record came from an export of makermatch (it carries `x-makermatch`): read back
    /// over the record it was made from, it is `unchanged` when it renders the same.
    pub exported: bool,
    /// The record came from a public export of makermatch, which leaves out what only
    /// staff may see: an update keeps those stored fields instead of clearing them.
    pub public_export: bool,
}

#[derive(Debug, Clone)]
pub enum Record {
    Facility(Box<FacilityRecord>),
    Maker(Box<MakerRecord>),
    Issuer(IssuerRecord),
    Achievement(AchievementRecord),
    Credential(CredentialRecord),
    Job(Box<JobInput>),
    MachineModel(MachineModelRecord),
}

/// The kinds the summary counts separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Facility,
    Maker,
    Issuer,
    Achievement,
    Credential,
    Job,
    MachineModel,
}

impl RecordKind {
    pub fn plural(self) -> &'static str {
        match self {
            RecordKind::Facility => "facilities",
            RecordKind::Maker => "makers",
            RecordKind::Issuer => "issuers",
            RecordKind::Achievement => "achievements",
            RecordKind::Credential => "credentials",
            RecordKind::Job => "jobs",
            RecordKind::MachineModel => "machine models",
        }
    }
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Facility(_) => RecordKind::Facility,
            Record::Maker(_) => RecordKind::Maker,
            Record::Issuer(_) => RecordKind::Issuer,
            Record::Achievement(_) => RecordKind::Achievement,
            Record::Credential(_) => RecordKind::Credential,
            Record::Job(_) => RecordKind::Job,
            Record::MachineModel(_) => RecordKind::MachineModel,
        }
    }

    /// The identity an upsert matches on: (kind, source, source id).
    pub fn identity(&self) -> (RecordKind, String, String) {
        let (source, id) = match self {
            Record::Facility(f) => (
                f.input.source.clone(),
                f.input.source_id.clone().unwrap_or_default(),
            ),
            Record::Maker(m) => (
                m.input.source.clone().unwrap_or_default(),
                m.input.source_id.clone().unwrap_or_default(),
            ),
            Record::Issuer(i) => (super::BADGES_SOURCE.to_owned(), i.source_id.clone()),
            Record::Achievement(a) => (super::BADGES_SOURCE.to_owned(), a.source_id.clone()),
            Record::Credential(c) => (super::BADGES_SOURCE.to_owned(), c.source_id.clone()),
            Record::Job(j) => (
                j.source.clone().unwrap_or_default(),
                j.source_id.clone().unwrap_or_default(),
            ),
            Record::MachineModel(m) => (super::CATALOG_SOURCE.to_owned(), m.source_id.clone()),
        };
        (self.kind(), source, id)
    }

    /// A fingerprint of the record's content: equal fingerprints mean nothing to update.
    /// Debug output is deterministic for these plain structs; a new makermatch version may
    /// fingerprint differently, which costs one rewrite, never a wrong "unchanged".
    /// Written straight into the hasher: no copy of the text is made (an import hashes
    /// every record, and it runs on the parsing thread, beside the writer).
    pub fn fingerprint(&self) -> String {
        use std::fmt::Write;
        use std::hash::Hasher;
        struct Sink(std::collections::hash_map::DefaultHasher);
        impl Write for Sink {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                self.0.write(s.as_bytes());
                Ok(())
            }
        }
        let mut sink = Sink(std::collections::hash_map::DefaultHasher::new());
        // Writing into a hasher cannot fail; a Debug impl reporting an error would only
        // shorten the text hashed.
        let _ = write!(sink, "{self:?}");
        format!("{:016x}", sink.0.finish())
    }
}

/// Where in a file a record sits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    /// 0-based index of the record in the file.
    pub index: usize,
    /// 1-based line where the format has lines.
    pub line: Option<usize>,
}

/// A record that cannot be imported.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rejection {
    pub file: String,
    pub index: usize,
    pub line: Option<usize>,
    pub field: String,
    pub reason: String,
}

/// One parsed record, or why it was rejected.
pub struct Parsed {
    pub at: Position,
    pub kind: RecordKind,
    pub outcome: Result<Record, (String, String)>,
    /// Terms kept as free text because the taxonomy did not know them.
    pub unresolved: Vec<String>,
    /// What was not kept as given: fields dropped, values changed.
    pub notes: Vec<super::notes::Note>,
}
