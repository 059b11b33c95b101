//! Writing imported records: upsert on (source, source id), "unchanged" when the content
//! fingerprint matches, one transaction per file (or per so many records, or one rolled
//! back for a dry run), with outbox rows for everything the index shows.

use std::collections::{HashMap, HashSet};

use makermatch_entities::{achievement, credential, facility, job, machine_model, maker};
use makermatch_search::Taxonomy;
use makermatch_search::resolve::fold;
use makermatch_search::skills::skill_process;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::record::{
    AchievementRecord, CredentialRecord, FacilityRecord, IssuerRecord, MachineModelRecord,
    MakerRecord, Position, Recipient, Record, RecordKind, Rejection, StatedCertification,
};
use super::report::{Commits, ImportSummary, Outcome};
use super::round_trip::{self, Candidate};
use super::{BADGES_SOURCE, CATALOG_SOURCE, WRITE_ORDER, ownership, provenance};
use crate::db::{InsertSink, Pipeline, begin_write};
use crate::error::AppError;
use crate::services::batch::{BatchItem, Op, Refused};
use crate::services::credentials::stated::StatedCredentialInput;
use crate::services::credentials::{
    AchievementFromSource, AchievementInput, AlignmentInput, CredentialFromSource, CredentialInput,
    IssuerFromSource, IssuerInput,
};
use crate::services::facilities::{FacilityInput, PropertyInput, TermLink};
use crate::services::machine_models::MachineModelInput;
use crate::services::makers::{AffiliationInput, MakerWrite};
use crate::services::values::IssuerIdentifier;
use crate::services::{
    ServiceError, credentials, facilities as facility_service, jobs as job_service,
    machine_models as catalog_service, makers as maker_service,
};

/// Records written per round of statements: large enough to amortise each round, small
/// enough to bound the memory one round holds.
const BATCH: usize = 1_000;

/// A record to write: file, position, record, content fingerprint.
pub(crate) type Item = (String, Position, Record, String);

struct Ctx<'a> {
    taxonomy: &'a Taxonomy,
    /// (folded brand, folded model) → equipment type, from the machine catalog.
    catalog: HashMap<(String, String), String>,
    /// Maker e-mails (lower case) → id, loaded when a credential needs them.
    emails: Option<HashMap<String, Uuid>>,
    /// Where existing rows are looked up when writes run behind (see `Target::Live`): the
    /// committed database. Batches still in flight cannot hold a record of a later batch,
    /// since a second record with the same identity is rejected as a duplicate first.
    reader: Option<DatabaseConnection>,
    /// Whether changes go to the outbox. A dry run's would be rolled back unseen, and on
    /// PostgreSQL the outbox's writer-ordering lock would make every other writer wait
    /// for the dry run to end: it records none.
    records_changes: bool,
}

/// Where an import writes.
enum Target {
    /// Files (or runs of records, see [`Commits`]) committed one by one, their inserts
    /// running behind the parsing and building of the next ones.
    Live(Pipeline),
    /// A dry run: one transaction, rolled back at the end, begun only when the first
    /// records are written. On SQLite it is on a private copy of the database; on
    /// PostgreSQL the caller parses first, so its locks are not held while it parses.
    Dry(Option<sea_orm::DatabaseTransaction>),
}

/// Writes the records of one import as they arrive: batched transactions, or for a dry
/// run one transaction rolled back at the end.
pub struct Writer<'a> {
    db: &'a DatabaseConnection,
    ctx: Ctx<'a>,
    catalog_loaded: bool,
    seen: HashMap<(RecordKind, String, String), (String, usize, String)>,
    /// Identities first seen in the file being written, forgotten if it is abandoned.
    seen_in_file: Vec<(RecordKind, String, String)>,
    target: Target,
    commits: Commits,
    /// Records written since the last commit.
    uncommitted: u64,
    bar: indicatif::ProgressBar,
}

impl<'a> Writer<'a> {
    pub async fn start(
        db: &'a DatabaseConnection,
        taxonomy: &'a Taxonomy,
        dry_run: bool,
        commits: Commits,
    ) -> Result<Writer<'a>, AppError> {
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} importing: {human_pos} records ({per_sec})",
        ) {
            bar.set_style(style);
        }
        let (target, reader) = if dry_run {
            (Target::Dry(None), None)
        } else {
            (Target::Live(Pipeline::begin(db).await?), Some(db.clone()))
        };
        Ok(Writer {
            db,
            ctx: Ctx {
                taxonomy,
                catalog: HashMap::new(),
                emails: None,
                reader,
                records_changes: !dry_run,
            },
            catalog_loaded: false,
            seen: HashMap::new(),
            seen_in_file: Vec::new(),
            target,
            commits,
            uncommitted: 0,
            bar,
        })
    }

    /// Whether nothing is kept (`finish` rolls back).
    pub fn is_dry_run(&self) -> bool {
        matches!(self.target, Target::Dry(_))
    }

    /// Writes records, kinds in dependency order within the batch.
    pub async fn write(
        &mut self,
        records: Vec<Item>,
        summary: &mut ImportSummary,
    ) -> Result<(), AppError> {
        if records.is_empty() {
            return Ok(());
        }
        if let Target::Dry(tx @ None) = &mut self.target {
            *tx = Some(begin_write(self.db).await?);
        }
        let records = drop_duplicates(records, &mut self.seen, &mut self.seen_in_file, summary);
        let mut by_kind: HashMap<RecordKind, Vec<Item>> = HashMap::new();
        for item in records {
            by_kind.entry(item.2.kind()).or_default().push(item);
        }
        for kind in WRITE_ORDER {
            let Some(mut items) = by_kind.remove(kind) else {
                continue;
            };
            if *kind == RecordKind::Facility && !self.catalog_loaded {
                self.ctx.catalog = match &self.target {
                    Target::Dry(Some(tx)) => load_catalog(tx).await?,
                    Target::Dry(None) => load_catalog(self.db).await?,
                    Target::Live(tx) => load_catalog(tx).await?,
                };
                self.catalog_loaded = true;
            }
            if *kind == RecordKind::MachineModel {
                // New catalog entries: reload before the next facilities.
                self.catalog_loaded = false;
            }
            let round = match self.commits {
                Commits::Every(n) => BATCH.min(usize::try_from(n).unwrap_or(BATCH).max(1)),
                Commits::PerFile => BATCH,
            };
            while !items.is_empty() {
                let rest = items.split_off(items.len().min(round));
                let n = items.len() as u64;
                match &self.target {
                    Target::Dry(Some(tx)) => {
                        write_batch(tx, &mut self.ctx, *kind, items, summary).await?
                    }
                    Target::Dry(None) => {
                        return Err(AppError::Io("a dry run lost its transaction".to_owned()));
                    }
                    Target::Live(tx) => {
                        write_batch(tx, &mut self.ctx, *kind, items, summary).await?;
                        self.uncommitted += n;
                        if let Commits::Every(every) = self.commits
                            && self.uncommitted >= every
                        {
                            tx.checkpoint().await?;
                            self.uncommitted = 0;
                        }
                    }
                }
                self.bar.inc(n);
                items = rest;
            }
        }
        Ok(())
    }

    /// Ends a file whose records were all handed over: what it wrote is committed (a dry
    /// run's one transaction stays open).
    pub async fn end_file(&mut self) -> Result<(), AppError> {
        self.seen_in_file.clear();
        if let Target::Live(tx) = &self.target {
            // Waits for the commit, so a failure is told with the file it belongs to.
            tx.commit_and_continue().await?;
            self.uncommitted = 0;
        }
        Ok(())
    }

    /// Whether a file that fails part way keeps the records committed before the failure.
    pub fn keeps_partial_files(&self) -> bool {
        matches!(self.commits, Commits::Every(_)) && !self.is_dry_run()
    }

    /// Ends a file that turned out unreadable after some of its records were written:
    /// with one transaction per file nothing of it is kept, and its identities are free
    /// for later files; with commits every so many records, what was written is committed.
    pub async fn abandon_file(&mut self) -> Result<(), AppError> {
        if self.keeps_partial_files() {
            return self.end_file().await;
        }
        for identity in self.seen_in_file.drain(..) {
            self.seen.remove(&identity);
        }
        if let Target::Live(tx) = &self.target {
            tx.discard().await?;
            self.uncommitted = 0;
        }
        Ok(())
    }

    /// Ends the import: waits for the last batch to commit (or reports the first write
    /// that failed); a dry run's transaction is rolled back here.
    pub async fn finish(self) -> Result<(), AppError> {
        self.bar.finish_and_clear();
        match self.target {
            Target::Live(tx) => tx.commit().await?,
            Target::Dry(Some(tx)) => tx.rollback().await?,
            Target::Dry(None) => {}
        }
        Ok(())
    }
}

/// The second record with the same identity in one import is rejected, naming the first;
/// except an issuer or achievement embedded again, as it was, in another credential of the
/// same issuer, which is simply the same record.
fn drop_duplicates(
    records: Vec<Item>,
    seen: &mut HashMap<(RecordKind, String, String), (String, usize, String)>,
    seen_in_file: &mut Vec<(RecordKind, String, String)>,
    summary: &mut ImportSummary,
) -> Vec<Item> {
    let mut out = Vec::with_capacity(records.len());
    for (file, at, record, fingerprint) in records {
        let identity = record.identity();
        if let Some((first_file, first_index, first_fingerprint)) = seen.get(&identity) {
            let embedded = matches!(record.kind(), RecordKind::Issuer | RecordKind::Achievement);
            if embedded && *first_fingerprint == fingerprint {
                continue;
            }
            summary.reject(
                record.kind(),
                Rejection {
                    file,
                    index: at.index,
                    line: at.line,
                    field: "id".to_owned(),
                    reason: format!(
                        "duplicate id \"{}\": record {first_index} of {first_file} has it too",
                        identity.2
                    ),
                },
            );
            continue;
        }
        seen_in_file.push(identity.clone());
        seen.insert(identity, (file.clone(), at.index, fingerprint.clone()));
        out.push((file, at, record, fingerprint));
    }
    out
}

fn reject(
    summary: &mut ImportSummary,
    kind: RecordKind,
    file: &str,
    at: &Position,
    field: &str,
    reason: String,
) {
    summary.reject(
        kind,
        Rejection {
            file: file.to_owned(),
            index: at.index,
            line: at.line,
            field: field.to_owned(),
            reason,
        },
    );
}

fn rejection_of(e: ServiceError) -> (String, String) {
    match e {
        ServiceError::InvalidInput { field, message } => (field, message),
        other => ("record".to_owned(), other.to_string()),
    }
}

/// What became of each record of a batch, in record order, so the summary counts them and
/// lists rejections as the records came, whether the importer or a service refused them.
struct Ledger {
    kind: RecordKind,
    entries: Vec<(String, Position, Fate)>,
}

enum Fate {
    Unchanged,
    Rejected(String, String),
    /// Handed to the service as the next item of its batch.
    Sent(Outcome),
}

impl Ledger {
    fn new(kind: RecordKind, capacity: usize) -> Ledger {
        Ledger {
            kind,
            entries: Vec::with_capacity(capacity),
        }
    }

    fn unchanged(&mut self, file: String, at: Position) {
        self.entries.push((file, at, Fate::Unchanged));
    }

    fn reject(&mut self, file: String, at: Position, field: &str, reason: String) {
        self.entries
            .push((file, at, Fate::Rejected(field.to_owned(), reason)));
    }

    fn send(&mut self, file: String, at: Position, outcome: Outcome) {
        self.entries.push((file, at, Fate::Sent(outcome)));
    }

    /// Counts every record; `refused` are the service's refusals by batch index, rejected
    /// naming the field.
    fn settle(self, summary: &mut ImportSummary, refused: Refused) {
        let mut refused: HashMap<usize, ServiceError> = refused.into_iter().collect();
        let mut sent = 0;
        for (file, at, fate) in self.entries {
            match fate {
                Fate::Unchanged => summary.count(self.kind, Outcome::Unchanged),
                Fate::Rejected(field, reason) => {
                    reject(summary, self.kind, &file, &at, &field, reason)
                }
                Fate::Sent(outcome) => {
                    match refused.remove(&sent) {
                        Some(e) => {
                            let (field, reason) = rejection_of(e);
                            reject(summary, self.kind, &file, &at, &field, reason);
                        }
                        None => summary.count(self.kind, outcome),
                    }
                    sent += 1;
                }
            }
        }
    }
}

/// A new record is inserted, a known one replaced.
fn op_of(outcome: Outcome) -> Op {
    match outcome {
        Outcome::Imported => Op::Insert,
        Outcome::Updated | Outcome::Unchanged => Op::Update,
    }
}

async fn write_batch<C: InsertSink>(
    tx: &C,
    ctx: &mut Ctx<'_>,
    kind: RecordKind,
    items: Vec<Item>,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    match kind {
        RecordKind::Facility => facilities(tx, ctx, items, summary).await?,
        RecordKind::Maker => makers(tx, ctx, items, summary).await?,
        RecordKind::MachineModel => machine_models(tx, items, summary).await?,
        RecordKind::Job => jobs(tx, ctx, items, summary).await?,
        RecordKind::Issuer => issuers(tx, ctx, items, summary).await?,
        RecordKind::Achievement => achievements(tx, ctx, items, summary).await?,
        RecordKind::Credential => credentials(tx, ctx, items, summary).await?,
    }
    Ok(())
}

/// Existing rows of `source` among `keys`: source id → (id, fingerprint). Read through
/// `reader` when given (see `Ctx::reader`), else in the transaction.
async fn existing<E, C>(
    tx: &C,
    reader: Option<&DatabaseConnection>,
    columns: (E::Column, E::Column, E::Column, E::Column),
    source: &str,
    keys: &[String],
) -> Result<HashMap<String, (Uuid, Option<String>)>, DbErr>
where
    E: EntityTrait,
    C: InsertSink,
{
    let (id, source_col, source_id, hash) = columns;
    let mut out = HashMap::new();
    for chunk in keys.chunks(500) {
        let query = E::find()
            .select_only()
            .column(source_id)
            .column(id)
            .column(hash)
            .filter(source_col.eq(source))
            .filter(source_id.is_in(chunk.iter().cloned()))
            .into_tuple::<(Option<String>, Uuid, Option<String>)>();
        let rows = match reader {
            Some(reader) => query.all(reader).await?,
            None => query.all(tx).await?,
        };
        for (sid, id, h) in rows {
            if let Some(sid) = sid {
                out.insert(sid, (id, h));
            }
        }
    }
    Ok(out)
}

/// The (source, source id) every record of `items` is matched on.
fn identities(items: &[Item]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(_, _, r, _)| {
            let (_, source, source_id) = r.identity();
            (source, source_id)
        })
        .collect()
}

type Columns<E> = (
    <E as EntityTrait>::Column,
    <E as EntityTrait>::Column,
    <E as EntityTrait>::Column,
    <E as EntityTrait>::Column,
);

/// Id, source, source id and fingerprint columns.
const FACILITY_COLUMNS: Columns<facility::Entity> = (
    facility::Column::Id,
    facility::Column::Source,
    facility::Column::SourceId,
    facility::Column::SourceHash,
);
const MAKER_COLUMNS: Columns<maker::Entity> = (
    maker::Column::Id,
    maker::Column::Source,
    maker::Column::SourceId,
    maker::Column::SourceHash,
);

/// What an import knows of the rows its records name by makermatch id (see
/// `provenance::BY_ID`): by that source id, the row's id, fingerprint, source and source
/// id. A row keeps its own source and source id when such a record updates it.
type ById = HashMap<String, (Uuid, Option<String>, String, Option<String>)>;

/// The rows of `E` that records keyed by makermatch id name, whatever their source.
async fn existing_by_id<E, C>(
    tx: &C,
    reader: Option<&DatabaseConnection>,
    columns: (E::Column, E::Column, E::Column, E::Column),
    keys: &[(String, String)],
) -> Result<ById, DbErr>
where
    E: EntityTrait,
    C: InsertSink,
{
    let (id, source_col, source_id, hash) = columns;
    let wanted: Vec<Uuid> = keys
        .iter()
        .filter_map(|k| provenance::by_id(&k.1))
        .collect();
    let mut out = HashMap::new();
    for chunk in wanted.chunks(500) {
        let query = E::find()
            .select_only()
            .column(id)
            .column(hash)
            .column(source_col)
            .column(source_id)
            .filter(id.is_in(chunk.iter().copied()))
            .into_tuple::<(Uuid, Option<String>, String, Option<String>)>();
        let rows = match reader {
            Some(reader) => query.all(reader).await?,
            None => query.all(tx).await?,
        };
        for (row_id, h, source, sid) in rows {
            out.insert(
                format!("{}{row_id}", provenance::BY_ID),
                (row_id, h, source, sid),
            );
        }
    }
    Ok(out)
}

/// Where a record goes: its id, what happens to it, and, when it names a row by its
/// makermatch id (see `provenance::BY_ID`), the source and source id to write: the
/// row's own, or for a record new here its source without an id (it keeps its makermatch
/// id, so importing the same export again matches it).
fn place(
    key: &(String, String),
    fingerprint: &str,
    known: &HashMap<(String, String), (Uuid, Option<String>)>,
    by_id: &ById,
) -> (Uuid, Outcome, Option<(String, Option<String>)>) {
    if let Some((id, hash, source, source_id)) = by_id.get(&key.1) {
        let (id, outcome) = decide(Some(&(*id, hash.clone())), fingerprint);
        return (id, outcome, Some((source.clone(), source_id.clone())));
    }
    match provenance::by_id(&key.1) {
        Some(id) => (id, Outcome::Imported, Some((key.0.clone(), None))),
        None => {
            let (id, outcome) = decide(known.get(key), fingerprint);
            (id, outcome, None)
        }
    }
}

/// A record read from an export that would update the stored record `id`: to be compared
/// with that record as an export renders it (see `round_trip`).
fn candidate(
    (source, source_id): (&str, &Option<String>),
    fingerprint: &str,
    public: bool,
    known: &HashMap<(String, String), (Uuid, Option<String>)>,
    by_id: &ById,
) -> Option<Candidate> {
    let key = (source.to_owned(), source_id.clone().unwrap_or_default());
    let (id, outcome, _) = place(&key, fingerprint, known, by_id);
    (outcome == Outcome::Updated).then(|| Candidate {
        id,
        fingerprint: fingerprint.to_owned(),
        public,
    })
}

/// The candidates that read back as stored (see `round_trip`), looked up where existing
/// rows are.
async fn unchanged<C: InsertSink>(
    tx: &C,
    ctx: &Ctx<'_>,
    kind: RecordKind,
    candidates: &[Candidate],
) -> Result<HashSet<Uuid>, AppError> {
    if candidates.is_empty() {
        return Ok(HashSet::new());
    }
    match &ctx.reader {
        Some(reader) => round_trip::unchanged(reader, ctx.taxonomy, kind, candidates).await,
        None => round_trip::unchanged(tx, ctx.taxonomy, kind, candidates).await,
    }
}

/// `Unchanged` for an update of a record that reads back the same (see `round_trip`).
fn unless_same(outcome: Outcome, id: Uuid, same: &HashSet<Uuid>) -> Outcome {
    match outcome {
        Outcome::Updated if same.contains(&id) => Outcome::Unchanged,
        other => other,
    }
}

/// What to do with one record given what exists.
fn decide(existing: Option<&(Uuid, Option<String>)>, fingerprint: &str) -> (Uuid, Outcome) {
    match existing {
        Some((id, Some(h))) if h == fingerprint => (*id, Outcome::Unchanged),
        Some((id, _)) => (*id, Outcome::Updated),
        None => (Uuid::now_v7(), Outcome::Imported),
    }
}

async fn load_catalog<C: InsertSink>(db: &C) -> Result<HashMap<(String, String), String>, DbErr> {
    let rows: Vec<(Option<String>, String, String)> = machine_model::Entity::find()
        .select_only()
        .column(machine_model::Column::Brand)
        .column(machine_model::Column::Model)
        .column(machine_model::Column::EquipmentType)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(brand, model, t)| ((fold(brand.as_deref().unwrap_or("")), fold(&model)), t))
        .collect())
}

/// Types equipment the source named only by make and model, from the catalog.
fn type_from_catalog(ctx: &Ctx, input: &mut FacilityInput) {
    if ctx.catalog.is_empty() {
        return;
    }
    let mut added = Vec::new();
    for e in &mut input.equipment {
        if ctx.taxonomy.equipment_type(&e.equipment_type).is_some() {
            continue;
        }
        let Some(model) = e.model.as_deref().map(fold) else {
            continue;
        };
        let brand = e.make.as_deref().map(fold).unwrap_or_default();
        let found = ctx.catalog.get(&(brand, model.clone())).or_else(|| {
            // Makes are written many ways ("Prusa", "Prusa Research"): a unique model will do.
            let mut hits = ctx.catalog.iter().filter(|((_, m), _)| *m == model);
            match (hits.next(), hits.next()) {
                (Some((_, t)), None) => Some(t),
                _ => None,
            }
        });
        if let Some(t) = found {
            input.unresolved_terms.retain(|u| u != &e.equipment_type);
            e.equipment_type = t.clone();
            if e.process_id.is_none() {
                e.process_id = ctx
                    .taxonomy
                    .equipment_type(t)
                    .and_then(|et| et.processes.first().cloned());
            }
            if let Some(p) = &e.process_id {
                added.push(p.clone());
            }
        }
    }
    for p in added {
        if !input.processes.iter().any(|l| l.id == p) {
            input.processes.push(TermLink {
                id: p,
                source_term: None,
            });
        }
    }
}

async fn facilities<C: InsertSink>(
    tx: &C,
    ctx: &mut Ctx<'_>,
    items: Vec<Item>,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    let mut by_source: HashMap<String, Vec<String>> = HashMap::new();
    for (_, _, r, _) in &items {
        if let Record::Facility(f) = r {
            by_source
                .entry(f.input.source.clone())
                .or_default()
                .push(f.input.source_id.clone().unwrap_or_default());
        }
    }
    let mut known = HashMap::new();
    for (source, keys) in by_source {
        let found = existing::<facility::Entity, _>(
            tx,
            ctx.reader.as_ref(),
            FACILITY_COLUMNS,
            &source,
            &keys,
        )
        .await?;
        for (k, v) in found {
            known.insert((source.clone(), k), v);
        }
    }
    let keys = identities(&items);
    let by_id =
        existing_by_id::<facility::Entity, _>(tx, ctx.reader.as_ref(), FACILITY_COLUMNS, &keys)
            .await?;
    let candidates: Vec<Candidate> = items
        .iter()
        .filter_map(|(_, _, r, fingerprint)| match r {
            Record::Facility(f) if f.exported => candidate(
                (&f.input.source, &f.input.source_id),
                fingerprint,
                f.public_export,
                &known,
                &by_id,
            ),
            _ => None,
        })
        .collect();
    let same = unchanged(tx, ctx, RecordKind::Facility, &candidates).await?;
    let mut ledger = Ledger::new(RecordKind::Facility, items.len());
    let mut batch = Vec::with_capacity(items.len());
    let mut from_public_exports = Vec::new();
    for (file, at, record, fingerprint) in items {
        let Record::Facility(record) = record else {
            continue;
        };
        let FacilityRecord {
            mut input,
            public_export,
            exported: _,
        } = *record;
        let key = (
            input.source.clone(),
            input.source_id.clone().unwrap_or_default(),
        );
        let (id, outcome, identity) = place(&key, &fingerprint, &known, &by_id);
        let outcome = unless_same(outcome, id, &same);
        if let Some((source, source_id)) = identity {
            input.source = source;
            input.source_id = source_id;
        }
        if input.location.lat.is_none() {
            summary.unlocated_facilities += 1;
        }
        if outcome == Outcome::Unchanged {
            ledger.unchanged(file, at);
            continue;
        }
        type_from_catalog(ctx, &mut input);
        if public_export && outcome == Outcome::Updated {
            from_public_exports.push(batch.len());
        }
        batch.push(BatchItem::new(op_of(outcome), id, input).with_source_hash(fingerprint));
        ledger.send(file, at, outcome);
    }
    super::public_export::keep_facility_contacts(tx, &mut batch, &from_public_exports).await?;
    let refused = facility_service::write_batch(tx, batch, ctx.records_changes).await?;
    ledger.settle(summary, refused);
    Ok(())
}

/// Facility ids for affiliation references: a facility id, a source id, or an exact name.
async fn resolve_facilities<C: InsertSink>(
    tx: &C,
    refs: &[String],
) -> Result<HashMap<String, Uuid>, DbErr> {
    let mut out = HashMap::new();
    if refs.is_empty() {
        return Ok(out);
    }
    let uuids: Vec<Uuid> = refs
        .iter()
        .filter_map(|r| Uuid::parse_str(r).ok())
        .collect();
    for chunk in refs.chunks(300) {
        let rows: Vec<(Uuid, String, Option<String>)> = facility::Entity::find()
            .select_only()
            .column(facility::Column::Id)
            .column(facility::Column::Name)
            .column(facility::Column::SourceId)
            .filter(
                sea_orm::Condition::any()
                    .add(facility::Column::SourceId.is_in(chunk.iter().cloned()))
                    .add(facility::Column::Name.is_in(chunk.iter().cloned()))
                    .add(facility::Column::Id.is_in(uuids.clone())),
            )
            .into_tuple()
            .all(tx)
            .await?;
        for (id, name, source_id) in rows {
            out.insert(id.to_string(), id);
            out.entry(name).or_insert(id);
            if let Some(s) = source_id {
                out.insert(s, id);
            }
        }
    }
    Ok(out)
}

fn stated(cert: StatedCertification) -> StatedCredentialInput {
    StatedCredentialInput {
        name: cert.name,
        issuer_name: cert.issuer_name,
        issued_on: cert.issued_on,
    }
}

async fn makers<C: InsertSink>(
    tx: &C,
    ctx: &mut Ctx<'_>,
    items: Vec<Item>,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    let mut by_source: HashMap<String, Vec<String>> = HashMap::new();
    let mut refs = Vec::new();
    for (_, _, r, _) in &items {
        if let Record::Maker(m) = r {
            by_source
                .entry(m.input.source.clone().unwrap_or_default())
                .or_default()
                .push(m.input.source_id.clone().unwrap_or_default());
            refs.extend(m.affiliations.iter().cloned());
        }
    }
    let mut known = HashMap::new();
    for (source, keys) in by_source {
        for (k, v) in
            existing::<maker::Entity, _>(tx, ctx.reader.as_ref(), MAKER_COLUMNS, &source, &keys)
                .await?
        {
            known.insert((source.clone(), k), v);
        }
    }
    let facilities = resolve_facilities(tx, &refs).await?;
    let keys = identities(&items);
    let by_id =
        existing_by_id::<maker::Entity, _>(tx, ctx.reader.as_ref(), MAKER_COLUMNS, &keys).await?;
    let candidates: Vec<Candidate> = items
        .iter()
        .filter_map(|(_, _, r, fingerprint)| match r {
            Record::Maker(m) if m.exported => candidate(
                (
                    m.input.source.as_deref().unwrap_or_default(),
                    &m.input.source_id,
                ),
                fingerprint,
                m.public_export,
                &known,
                &by_id,
            ),
            _ => None,
        })
        .collect();
    let same = unchanged(tx, ctx, RecordKind::Maker, &candidates).await?;
    let mut ledger = Ledger::new(RecordKind::Maker, items.len());
    let mut batch = Vec::with_capacity(items.len());
    let mut emails = Vec::with_capacity(items.len());
    let mut from_public_exports = Vec::new();
    for (file, at, record, fingerprint) in items {
        let Record::Maker(m) = record else {
            continue;
        };
        let MakerRecord {
            mut input,
            public_export,
            exported: _,
            affiliations,
            certifications,
        } = *m;
        let key = (
            input.source.clone().unwrap_or_default(),
            input.source_id.clone().unwrap_or_default(),
        );
        let (id, outcome, identity) = place(&key, &fingerprint, &known, &by_id);
        let outcome = unless_same(outcome, id, &same);
        if let Some((source, source_id)) = identity {
            input.source = Some(source);
            input.source_id = source_id;
        }
        if outcome == Outcome::Unchanged {
            ledger.unchanged(file, at);
            continue;
        }
        for r in &affiliations {
            match facilities.get(r) {
                Some(f) => input.affiliations.push(AffiliationInput {
                    facility_id: *f,
                    role: "member".to_owned(),
                }),
                None => {
                    *summary
                        .unresolved_terms
                        .entry(format!("affiliation: {r}"))
                        .or_default() += 1
                }
            }
        }
        // Skills the source named without a process get the taxonomy's, if it knows one.
        for s in &mut input.skills {
            if s.process_id.is_none() {
                s.process_id = skill_process(ctx.taxonomy, &s.skill);
            }
        }
        emails.push((id, input.email.clone()));
        let write = MakerWrite {
            passport: input,
            stated: certifications.into_iter().map(stated).collect(),
            public_position: None,
        };
        if public_export && outcome == Outcome::Updated {
            from_public_exports.push(batch.len());
        }
        batch.push(BatchItem::new(op_of(outcome), id, write).with_source_hash(fingerprint));
        ledger.send(file, at, outcome);
    }
    super::public_export::keep_maker_private_fields(tx, &mut batch, &from_public_exports).await?;
    let refused = maker_service::write_batch(tx, batch, ctx.records_changes).await?;
    let refused_at: HashSet<usize> = refused.iter().map(|(i, _)| *i).collect();
    ledger.settle(summary, refused);
    // Credentials later in this import find these makers by e-mail.
    if let Some(known_emails) = ctx.emails.as_mut() {
        for (i, (id, email)) in emails.into_iter().enumerate() {
            if let Some(e) = email
                && !refused_at.contains(&i)
            {
                known_emails.insert(e.to_lowercase(), id);
            }
        }
    }
    Ok(())
}

/// Existing Open Badges rows of an entity among `keys`, read in the transaction.
async fn badges_rows<E, C>(
    tx: &C,
    columns: (E::Column, E::Column, E::Column, E::Column),
    keys: &[String],
) -> Result<HashMap<String, (Uuid, Option<String>)>, DbErr>
where
    E: EntityTrait,
    C: InsertSink,
{
    existing::<E, C>(tx, None, columns, BADGES_SOURCE, keys).await
}

const ACHIEVEMENT_COLUMNS: (
    achievement::Column,
    achievement::Column,
    achievement::Column,
    achievement::Column,
) = (
    achievement::Column::Id,
    achievement::Column::Source,
    achievement::Column::SourceId,
    achievement::Column::SourceHash,
);

async fn issuers<C: InsertSink>(
    tx: &C,
    ctx: &Ctx<'_>,
    items: Vec<Item>,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    let keys: Vec<String> = items
        .iter()
        .filter_map(|(_, _, r, _)| match r {
            Record::Issuer(i) => Some(i.source_id.clone()),
            _ => None,
        })
        .collect();
    let known = ownership::known_issuers(tx, &keys).await?;
    let mut ledger = Ledger::new(RecordKind::Issuer, items.len());
    let mut batch = Vec::with_capacity(items.len());
    for (file, at, record, fingerprint) in items {
        let Record::Issuer(r) = record else {
            continue;
        };
        let found = known.get(&r.source_id);
        let (id, outcome) = decide(
            found.map(|k| (k.id, k.source_hash.clone())).as_ref(),
            &fingerprint,
        );
        if outcome == Outcome::Unchanged {
            ledger.unchanged(file, at);
            continue;
        }
        if found.is_some_and(|k| !k.imported) {
            ledger.unchanged(file, at);
            continue;
        }
        if let Some(k) = found {
            let owner = k.identifier.as_deref();
            if !ownership::may_change(r.vouched_by.as_deref(), owner) {
                ledger.reject(file, at, "issuer", ownership::kept("issuer", owner));
                continue;
            }
        }
        let IssuerRecord {
            source_id,
            name,
            url,
            email,
            description,
            public_key,
            ..
        } = r;
        // What its credentials name it by, when that is a DID or a web address.
        let identifier = IssuerIdentifier::parse("issuer.id", &source_id)
            .ok()
            .map(IssuerIdentifier::into_inner);
        let from = IssuerFromSource {
            // Trust is an admin's decision, never the file's.
            issuer: IssuerInput {
                name,
                url,
                email,
                description,
                trusted: false,
                public_key,
                identifier,
            },
            source: BADGES_SOURCE.to_owned(),
            source_id,
        };
        batch.push(BatchItem::new(op_of(outcome), id, from).with_source_hash(fingerprint));
        ledger.send(file, at, outcome);
    }
    let refused = credentials::write_issuers(tx, batch, ctx.records_changes).await?;
    ledger.settle(summary, refused);
    Ok(())
}

async fn achievements<C: InsertSink>(
    tx: &C,
    ctx: &Ctx<'_>,
    items: Vec<Item>,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    let mut issuer_refs = Vec::new();
    let mut keys = Vec::new();
    for (_, _, r, _) in &items {
        if let Record::Achievement(a) = r {
            issuer_refs.push(a.issuer_ref.clone());
            keys.push(a.source_id.clone());
        }
    }
    let issuers = ownership::known_issuers(tx, &issuer_refs).await?;
    let known = badges_rows::<achievement::Entity, _>(tx, ACHIEVEMENT_COLUMNS, &keys).await?;
    let existing: Vec<Uuid> = known.values().map(|(id, _)| *id).collect();
    let owners = ownership::achievement_owners(tx, &existing).await?;
    let mut ledger = Ledger::new(RecordKind::Achievement, items.len());
    let mut batch = Vec::with_capacity(items.len());
    for (file, at, record, fingerprint) in items {
        let Record::Achievement(r) = record else {
            continue;
        };
        let Some(issuer) = issuers.get(&r.issuer_ref) else {
            let reason = format!(
                "issuer {} is not known; import the issuer document first or embed it",
                r.issuer_ref
            );
            ledger.reject(file, at, "issuer", reason);
            continue;
        };
        let (id, outcome) = decide(known.get(&r.source_id), &fingerprint);
        if outcome == Outcome::Unchanged {
            ledger.unchanged(file, at);
            continue;
        }
        if let Some((owner_id, owner)) = owners.get(&id) {
            let owner = owner.as_deref();
            // Neither its content nor the issuer it belongs to changes without the owner's proof.
            if *owner_id != issuer.id || !ownership::may_change(r.vouched_by.as_deref(), owner) {
                ledger.reject(file, at, "badge", ownership::kept("achievement", owner));
                continue;
            }
        }
        let AchievementRecord {
            source_id,
            name,
            description,
            criteria,
            image,
            alignments,
            ..
        } = r;
        let alignments = alignments
            .into_iter()
            .map(|a| AlignmentInput {
                target_url: a.starts_with("http").then(|| a.clone()),
                process_id: skill_process(ctx.taxonomy, &a),
                target_name: a,
            })
            .collect();
        let from = AchievementFromSource {
            achievement: AchievementInput {
                issuer_id: issuer.id,
                name,
                description,
                criteria,
                image,
                alignments,
            },
            source: BADGES_SOURCE.to_owned(),
            source_id,
        };
        batch.push(BatchItem::new(op_of(outcome), id, from).with_source_hash(fingerprint));
        ledger.send(file, at, outcome);
    }
    let refused = credentials::write_achievements(tx, batch, ctx.records_changes).await?;
    ledger.settle(summary, refused);
    Ok(())
}

async fn maker_for<C: InsertSink>(
    tx: &C,
    ctx: &mut Ctx<'_>,
    recipient: &Recipient,
) -> Result<Option<Uuid>, DbErr> {
    if ctx.emails.is_none() {
        let rows: Vec<(Uuid, Option<String>)> = maker::Entity::find()
            .select_only()
            .column(maker::Column::Id)
            .column(maker::Column::Email)
            .filter(maker::Column::Email.is_not_null())
            .into_tuple()
            .all(tx)
            .await?;
        ctx.emails = Some(
            rows.into_iter()
                .filter_map(|(id, e)| e.map(|e| (e.to_lowercase(), id)))
                .collect(),
        );
    }
    let emails = ctx.emails.as_ref();
    Ok(match recipient {
        Recipient::Email(e) => emails.and_then(|m| m.get(&e.to_lowercase()).copied()),
        Recipient::HashedEmail { hash, salt } => {
            let want = hash.trim_start_matches("sha256$").to_lowercase();
            emails.and_then(|m| {
                m.iter().find_map(|(email, id)| {
                    let mut h = Sha256::new();
                    h.update(email.as_bytes());
                    if let Some(s) = salt {
                        h.update(s.as_bytes());
                    }
                    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
                    (hex == want).then_some(*id)
                })
            })
        }
        Recipient::Other(id) => maker::Entity::find()
            .filter(maker::Column::SourceId.eq(id.clone()))
            .one(tx)
            .await?
            .map(|m| m.id),
    })
}

async fn credentials<C: InsertSink>(
    tx: &C,
    ctx: &mut Ctx<'_>,
    items: Vec<Item>,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    let mut achievement_refs = Vec::new();
    let mut keys = Vec::new();
    for (_, _, r, _) in &items {
        if let Record::Credential(c) = r {
            achievement_refs.push(c.achievement_ref.clone());
            keys.push(c.source_id.clone());
        }
    }
    let achievements =
        badges_rows::<achievement::Entity, _>(tx, ACHIEVEMENT_COLUMNS, &achievement_refs).await?;
    let known = badges_rows::<credential::Entity, _>(
        tx,
        (
            credential::Column::Id,
            credential::Column::Source,
            credential::Column::SourceId,
            credential::Column::SourceHash,
        ),
        &keys,
    )
    .await?;
    let recorded: Vec<Uuid> = known.values().map(|(id, _)| *id).collect();
    let signers = ownership::credential_signers(tx, &recorded).await?;
    let awarded: Vec<Uuid> = achievements.values().map(|(id, _)| *id).collect();
    let owners = ownership::achievement_owners(tx, &awarded).await?;
    let mut ledger = Ledger::new(RecordKind::Credential, items.len());
    let mut batch = Vec::with_capacity(items.len());
    for (file, at, record, fingerprint) in items {
        let Record::Credential(r) = record else {
            continue;
        };
        let Some((achievement_id, _)) = achievements.get(&r.achievement_ref) else {
            let reason = format!(
                "badge class {} is not known; import it first or embed it",
                r.achievement_ref
            );
            ledger.reject(file, at, "badge", reason);
            continue;
        };
        let Some(maker_id) = maker_for(tx, ctx, &r.recipient).await? else {
            let who = match &r.recipient {
                Recipient::Email(e) => e.clone(),
                Recipient::HashedEmail { hash, .. } => hash.clone(),
                Recipient::Other(o) => o.clone(),
            };
            let reason =
                format!("recipient {who} matches no maker; import the maker's passport first");
            ledger.reject(file, at, "recipient", reason);
            continue;
        };
        let (id, outcome) = decide(known.get(&r.source_id), &fingerprint);
        if outcome == Outcome::Unchanged {
            ledger.unchanged(file, at);
            continue;
        }
        // A proof by one issuer cannot award another issuer's achievement.
        let signer = r.verification.as_ref().and_then(|v| v.issuer.as_deref());
        if let (Some(signer), Some((_, Some(owner)))) = (signer, owners.get(achievement_id))
            && signer != owner
        {
            let reason = format!(
                "signed by {signer}, but its achievement {} is defined by {owner}",
                r.achievement_ref
            );
            ledger.reject(file, at, "credentialSubject.achievement", reason);
            continue;
        }
        // A credential its issuer's proof backs is replaced only by another such proof.
        if let Some(signer) = signers.get(&id) {
            let vouched = r.verification.as_ref().and_then(|v| v.issuer.as_deref());
            if !ownership::may_change(vouched, Some(signer)) {
                ledger.reject(
                    file,
                    at,
                    "proof",
                    ownership::kept("credential", Some(signer)),
                );
                continue;
            }
        }
        let CredentialRecord {
            source_id,
            issued_on,
            expires,
            evidence_url,
            revoked,
            revocation_reason,
            document,
            verification,
            ..
        } = r;
        let from = CredentialFromSource {
            credential: CredentialInput {
                maker_id,
                achievement_id: *achievement_id,
                issued_on,
                expires,
                evidence_url,
            },
            revoked,
            revocation_reason,
            source: BADGES_SOURCE.to_owned(),
            source_id,
            document: document.map(|d| d.text().to_owned()),
            verification,
        };
        batch.push(BatchItem::new(op_of(outcome), id, from).with_source_hash(fingerprint));
        ledger.send(file, at, outcome);
    }
    let refused = credentials::write_credentials(tx, batch, ctx.records_changes).await?;
    ledger.settle(summary, refused);
    Ok(())
}

async fn jobs<C: InsertSink>(
    tx: &C,
    ctx: &Ctx<'_>,
    items: Vec<Item>,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    let mut by_source: HashMap<String, Vec<String>> = HashMap::new();
    for (_, _, r, _) in &items {
        if let Record::Job(j) = r {
            by_source
                .entry(j.source.clone().unwrap_or_default())
                .or_default()
                .push(j.source_id.clone().unwrap_or_default());
        }
    }
    let mut known = HashMap::new();
    for (source, keys) in by_source {
        let found = existing::<job::Entity, _>(
            tx,
            None,
            (
                job::Column::Id,
                job::Column::Source,
                job::Column::SourceId,
                job::Column::SourceHash,
            ),
            &source,
            &keys,
        )
        .await?;
        for (k, v) in found {
            known.insert((source.clone(), k), v);
        }
    }
    let mut ledger = Ledger::new(RecordKind::Job, items.len());
    let mut batch = Vec::with_capacity(items.len());
    for (file, at, record, fingerprint) in items {
        let Record::Job(input) = record else { continue };
        let key = (
            input.source.clone().unwrap_or_default(),
            input.source_id.clone().unwrap_or_default(),
        );
        let (id, outcome) = decide(known.get(&key), &fingerprint);
        if outcome == Outcome::Unchanged {
            ledger.unchanged(file, at);
            continue;
        }
        batch.push(BatchItem::new(op_of(outcome), id, *input).with_source_hash(fingerprint));
        ledger.send(file, at, outcome);
    }
    let refused = job_service::write_batch(tx, batch, ctx.records_changes).await?;
    ledger.settle(summary, refused);
    Ok(())
}

async fn machine_models<C: InsertSink>(
    tx: &C,
    items: Vec<Item>,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    let keys: Vec<String> = items
        .iter()
        .filter_map(|(_, _, r, _)| match r {
            Record::MachineModel(m) => Some(m.source_id.clone()),
            _ => None,
        })
        .collect();
    let known = existing::<machine_model::Entity, _>(
        tx,
        None,
        (
            machine_model::Column::Id,
            machine_model::Column::Source,
            machine_model::Column::SourceId,
            machine_model::Column::SourceHash,
        ),
        CATALOG_SOURCE,
        &keys,
    )
    .await?;
    let mut ledger = Ledger::new(RecordKind::MachineModel, items.len());
    let mut batch = Vec::with_capacity(items.len());
    for (file, at, record, fingerprint) in items {
        let Record::MachineModel(m) = record else {
            continue;
        };
        let (id, outcome) = decide(known.get(&m.source_id), &fingerprint);
        if outcome == Outcome::Unchanged {
            ledger.unchanged(file, at);
            continue;
        }
        batch.push(
            BatchItem::new(op_of(outcome), id, machine_model_input(m))
                .with_source_hash(fingerprint),
        );
        ledger.send(file, at, outcome);
    }
    let refused = catalog_service::write_batch(tx, batch).await?;
    ledger.settle(summary, refused);
    Ok(())
}

/// A catalog row: measurements first, then the values that are no plain measurement.
fn machine_model_input(m: MachineModelRecord) -> MachineModelInput {
    let numbers = m
        .properties
        .into_iter()
        .map(|(key, number, unit)| PropertyInput {
            key,
            number: Some(number),
            text: None,
            unit,
        });
    let texts = m
        .text_properties
        .into_iter()
        .map(|(key, text)| PropertyInput {
            key,
            number: None,
            text: Some(text),
            unit: None,
        });
    MachineModelInput {
        brand: m.brand,
        model: m.model,
        equipment_type: m.equipment_type,
        technology: m.technology,
        properties: numbers.chain(texts).collect(),
        materials: m.materials,
        source: CATALOG_SOURCE.to_owned(),
        source_id: m.source_id,
    }
}
