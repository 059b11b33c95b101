//! `importDocument`: one document posted as text, imported by the same importers as
//! `makermatch import` (the request body limit, 2 MB, bounds it). Returns the summary per
//! kind and every rejected record, once searches on this server see what was written.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use makermatch_search::Taxonomy;
use sea_orm::DatabaseConnection;

use super::error::{bad_input, from_db, internal};
use super::search_support::index;
use super::taxonomy::taxonomy;
use crate::import::record::RecordKind;
use crate::import::{self, ImportSummary};

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
    Facility,
    Maker,
    Issuer,
    Achievement,
    Credential,
    Job,
    MachineModel,
}

/// What happened to the records of one kind.
#[derive(SimpleObject)]
pub struct ImportKindSummary {
    pub kind: ImportRecordKind,
    /// New records.
    pub imported: u64,
    /// Records already there (same source and id) whose content changed.
    pub updated: u64,
    /// Records already there unchanged: nothing written.
    pub unchanged: u64,
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
    pub reason: String,
}

/// A word the taxonomy did not know, kept as free text.
#[derive(SimpleObject)]
pub struct UnresolvedTerm {
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
    pub rejections: Vec<ImportRejection>,
    /// Facilities imported without coordinates: valid, but not on the map.
    pub unlocated_facilities: u64,
    /// Words kept as free text, most frequent first.
    pub unresolved_terms: Vec<UnresolvedTerm>,
}

impl From<ImportSummary> for ImportResult {
    fn from(s: ImportSummary) -> Self {
        let mut terms: Vec<UnresolvedTerm> = s
            .unresolved_terms
            .into_iter()
            .map(|(term, count)| UnresolvedTerm { term, count })
            .collect();
        terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
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
        }
    }
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports one document: OKW facilities, the IoPA map export, a machine catalog, PSS
    /// makers, Open Badges or OKH manifests. `format` is detected when left out. Records
    /// upsert on their source id, so importing the same document twice changes nothing.
    /// Bad records are rejected one by one (see `rejections`); a document that is not the
    /// format given, or no format at all, is refused whole (`BAD_USER_INPUT` on
    /// `content`). With `dryRun` everything is checked and nothing kept (on SQLite it
    /// imports into a copy of the database, so it takes time in proportion to the
    /// database's size, but holds up no other write). Returns once searches on this server
    /// see the import.
    async fn import_document(
        &self,
        ctx: &Context<'_>,
        format: Option<ImportFormat>,
        content: String,
        #[graphql(default)] dry_run: bool,
    ) -> Result<ImportResult> {
        super::access::staff(ctx)?;
        if content.trim().is_empty() {
            return Err(bad_input("content", "the document is empty"));
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let tax: &Taxonomy = taxonomy(ctx)?;
        let mut summary = import::import_text(
            db,
            tax,
            "document",
            &content,
            format.map(Into::into),
            dry_run,
        )
        .await
        .map_err(internal)?;
        if let Some((_, reason)) = summary.unreadable_files.pop() {
            return Err(bad_input("content", reason));
        }
        if !dry_run
            && let Some(seq) = crate::services::outbox::last_seq(db)
                .await
                .map_err(from_db)?
        {
            index(ctx)?.wait_for(seq).await;
        }
        Ok(summary.into())
    }
}
