//! The formats an import reads and the summary it returns.

use async_graphql::{Enum, SimpleObject};

use crate::import::ImportSummary;
use crate::import::record::RecordKind;

/// The formats the importers read.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::import::ImportFormat")]
pub enum ImportFormat {
    /// Open Know-Where facilities, JSON or YAML, camelCase or snake_case.
    Okw,
    /// The IoPA map export (facility / address / region / geocoding records).
    IopaMap,
    /// An IoPA machine catalog CSV (3D printers, laser cutters).
    MachineCatalog,
    /// PSS maker records (user schema, PubPub names, maker-passport profiles).
    Pss,
    /// Open Badges 2.0 Issuer / BadgeClass / Assertion or 3.0 OpenBadgeCredential.
    OpenBadges,
    /// OKH manifests, v1 YAML/JSON: imported as draft jobs.
    Okh,
    /// OKH-LOSH manifests in TOML: imported as draft jobs.
    OkhToml,
}

/// The kinds of records an import counts.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::import::record::RecordKind")]
pub enum ImportRecordKind {
    /// Facilities.
    Facility,
    /// Maker passports.
    Maker,
    /// Credential issuers.
    Issuer,
    /// Achievements (badge classes).
    Achievement,
    /// Credentials (assertions).
    Credential,
    /// Jobs (from OKH manifests).
    Job,
    /// Machine models of a catalog.
    MachineModel,
}

/// What happened to the records of one kind.
#[derive(SimpleObject)]
pub struct ImportKindSummary {
    /// The kind of record.
    pub kind: ImportRecordKind,
    /// New records.
    pub imported: u64,
    /// Records already there (same source and id) whose content changed.
    pub updated: u64,
    /// Records already there unchanged: nothing written.
    pub unchanged: u64,
    /// Records refused (see `rejections`).
    pub rejected: u64,
}

/// A record that was not imported, and why.
#[derive(SimpleObject)]
pub struct ImportRejection {
    /// 0-based position of the record in the document.
    pub index: u64,
    /// 1-based line where the record starts, where the format has lines.
    pub line: Option<u64>,
    /// The field at fault in the source's terms (`location.gpsCoordinates`).
    pub field: String,
    /// What is wrong with the field, and how to fix it.
    pub reason: String,
}

/// A value of an imported record that was not kept as given: a field makermatch has no
/// place for yet, or a value changed on the way in (a country name stored as its code, one
/// text read as a list).
#[derive(SimpleObject)]
pub struct ImportWarning {
    /// 0-based position of the record in the document.
    pub index: u64,
    /// 1-based line where the record starts, where the format has lines.
    pub line: Option<u64>,
    /// The field in the source's terms (`location.address.district`).
    pub field: String,
    /// What became of it.
    pub message: String,
}

/// A field the records had that makermatch does not read, and in how many records.
#[derive(SimpleObject)]
pub struct SourceFieldCount {
    /// The field in the source's terms, list positions written `[]`.
    pub field: String,
    /// How many records had it.
    pub count: u64,
}

/// A word the taxonomy did not know, kept as free text.
#[derive(SimpleObject)]
pub struct UnresolvedTerm {
    /// The word as the source wrote it.
    pub term: String,
    /// How often it occurred.
    pub count: u64,
}

/// What `importDocument` did.
#[derive(SimpleObject)]
pub struct ImportResult {
    /// True when nothing was written (`dryRun`).
    pub dry_run: bool,
    /// Per kind of record, in write order.
    pub kinds: Vec<ImportKindSummary>,
    /// The records refused, in document order.
    pub rejections: Vec<ImportRejection>,
    /// Facilities imported without coordinates: valid, but not on the map.
    pub unlocated_facilities: u64,
    /// Words kept as free text, most frequent first.
    pub unresolved_terms: Vec<UnresolvedTerm>,
    /// Values not kept as given, in document order (the first 10,000).
    pub warnings: Vec<ImportWarning>,
    /// Warnings beyond those listed.
    pub warnings_left_off: u64,
    /// Fields not kept, most frequent first.
    pub fields_not_kept: Vec<SourceFieldCount>,
    /// Fields makermatch does not read, kept as the source wrote them (exports give them
    /// back), most frequent first.
    pub fields_kept_as_written: Vec<SourceFieldCount>,
}

impl From<ImportSummary> for ImportResult {
    fn from(s: ImportSummary) -> Self {
        let mut terms: Vec<UnresolvedTerm> = s
            .unresolved_terms
            .into_iter()
            .map(|(term, count)| UnresolvedTerm { term, count })
            .collect();
        terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
        let counted = |map: std::collections::BTreeMap<String, u64>| {
            let mut fields: Vec<SourceFieldCount> = map
                .into_iter()
                .map(|(field, count)| SourceFieldCount { field, count })
                .collect();
            fields.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.field.cmp(&b.field)));
            fields
        };
        let fields = counted(s.fields_not_kept);
        let kept_as_written = counted(s.fields_kept_as_written);
        ImportResult {
            dry_run: s.dry_run,
            kinds: s
                .kinds
                .into_iter()
                .map(|(kind, c): (RecordKind, _)| ImportKindSummary {
                    kind: kind.into(),
                    imported: c.imported,
                    updated: c.updated,
                    unchanged: c.unchanged,
                    rejected: c.rejected,
                })
                .collect(),
            rejections: s
                .rejections
                .into_iter()
                .map(|r| ImportRejection {
                    index: r.index as u64,
                    line: r.line.map(|l| l as u64),
                    field: r.field,
                    reason: r.reason,
                })
                .collect(),
            unlocated_facilities: s.unlocated_facilities,
            unresolved_terms: terms,
            warnings: s
                .warnings
                .into_iter()
                .map(|w| ImportWarning {
                    index: w.index as u64,
                    line: w.line.map(|l| l as u64),
                    field: w.field,
                    message: w.message,
                })
                .collect(),
            warnings_left_off: s.warnings_left_off,
            fields_not_kept: fields,
            fields_kept_as_written: kept_as_written,
        }
    }
}
