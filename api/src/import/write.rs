//! Writing imported records: upsert on (source, source id), "unchanged" when the content
//! fingerprint matches, in batched transactions (one per batch, or one rolled back for a
//! dry run), with outbox rows for everything the index shows.

use std::collections::HashMap;

use chrono::Utc;
use makermatch_entities::availability;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::{
    achievement, achievement_alignment, credential, equipment, experience, facility,
    facility_material, facility_process, issuer, job, job_requirement, machine_model, maker,
    maker_affiliation, skill_claim,
};
use makermatch_search::Taxonomy;
use makermatch_search::resolve::fold;
use makermatch_search::skills::skill_process;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::record::{
    AchievementRecord, CredentialRecord, IssuerRecord, MachineModelRecord, MakerRecord, Position,
    Recipient, Record, RecordKind, Rejection,
};
use super::report::{ImportSummary, Outcome};
use super::{BADGES_SOURCE, WRITE_ORDER};
use crate::db::{InsertSink, Pipeline, begin_write};
use crate::error::AppError;
use crate::services::bulk::insert_models;
use crate::services::credentials::{Holders, reindex_holders};
use crate::services::facilities::{
    FacilityChildren, FacilityInput, Links, TermLink, linked_makers,
};
use crate::services::makers::{
    AffiliationInput, MakerChildren, ensure_skills, keep_public_position,
};
use crate::services::{ServiceError, credentials, outbox, validate};

/// Records per transaction: large enough to amortise the commit, small enough that a
/// crash loses little and SQLite's writer lock is released often.
const BATCH: usize = 1_000;
/// `source` of issuers, achievements and credentials stated on maker profiles.
pub const STATED_SOURCE: &str = "pss-stated";

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
    /// Batches committed one by one, their inserts running behind the parsing and
    /// building of the next ones.
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
    seen: HashMap<(RecordKind, String, String), (String, usize)>,
    target: Target,
    bar: indicatif::ProgressBar,
}

impl<'a> Writer<'a> {
    pub async fn start(
        db: &'a DatabaseConnection,
        taxonomy: &'a Taxonomy,
        dry_run: bool,
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
            target,
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
        let records = drop_duplicates(records, &mut self.seen, summary);
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
            while !items.is_empty() {
                let rest = items.split_off(items.len().min(BATCH));
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
                        tx.checkpoint().await?;
                    }
                }
                self.bar.inc(n);
                items = rest;
            }
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

/// The second record with the same identity in one import is rejected, naming the first.
fn drop_duplicates(
    records: Vec<Item>,
    seen: &mut HashMap<(RecordKind, String, String), (String, usize)>,
    summary: &mut ImportSummary,
) -> Vec<Item> {
    let mut out = Vec::with_capacity(records.len());
    for (file, at, record, fingerprint) in records {
        let identity = record.identity();
        if let Some((first_file, first_index)) = seen.get(&identity) {
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
        seen.insert(identity, (file.clone(), at.index));
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
        RecordKind::Job => jobs(tx, items, ctx.records_changes, summary).await?,
        RecordKind::Issuer | RecordKind::Achievement | RecordKind::Credential => {
            for (file, at, record, fingerprint) in items {
                let result = match &record {
                    Record::Issuer(r) => upsert_issuer(tx, r, &fingerprint, ctx.records_changes)
                        .await
                        .map(|(_, o)| o),
                    Record::Achievement(r) => upsert_achievement(tx, ctx, r, &fingerprint).await,
                    Record::Credential(r) => upsert_credential(tx, ctx, r, &fingerprint).await,
                    _ => continue,
                };
                match result {
                    Ok(outcome) => summary.count(kind, outcome),
                    Err(WriteError::Rejected(field, reason)) => {
                        reject(summary, kind, &file, &at, &field, reason)
                    }
                    Err(WriteError::Db(e)) => return Err(e.into()),
                }
            }
        }
    }
    Ok(())
}

enum WriteError {
    Rejected(String, String),
    Db(DbErr),
}

impl From<DbErr> for WriteError {
    fn from(e: DbErr) -> Self {
        WriteError::Db(e)
    }
}

/// A record the service's rules refuse is rejected, naming the field; a database failure
/// stays one.
impl From<ServiceError> for WriteError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Database(e) => WriteError::Db(e),
            other => {
                let (field, reason) = rejection_of(other);
                WriteError::Rejected(field, reason)
            }
        }
    }
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
    let now = Utc::now();
    let mut by_source: HashMap<String, Vec<String>> = HashMap::new();
    for (_, _, r, _) in &items {
        if let Record::Facility(f) = r {
            by_source
                .entry(f.source.clone())
                .or_default()
                .push(f.source_id.clone().unwrap_or_default());
        }
    }
    let mut known = HashMap::new();
    for (source, keys) in by_source {
        let found = existing::<facility::Entity, _>(
            tx,
            ctx.reader.as_ref(),
            (
                facility::Column::Id,
                facility::Column::Source,
                facility::Column::SourceId,
                facility::Column::SourceHash,
            ),
            &source,
            &keys,
        )
        .await?;
        for (k, v) in found {
            known.insert((source.clone(), k), v);
        }
    }
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    let mut children = FacilityChildren::default();
    let mut changed = Vec::new();
    for (file, at, record, fingerprint) in items {
        let Record::Facility(mut input) = record else {
            continue;
        };
        let key = (
            input.source.clone(),
            input.source_id.clone().unwrap_or_default(),
        );
        let (id, outcome) = decide(known.get(&key), &fingerprint);
        if input.location.lat.is_none() {
            summary.unlocated_facilities += 1;
        }
        if outcome == Outcome::Unchanged {
            summary.count(RecordKind::Facility, outcome);
            continue;
        }
        type_from_catalog(ctx, &mut input);
        let mut row = match input.to_row(id, now) {
            Ok(r) => r,
            Err(e) => {
                let (field, reason) = rejection_of(e);
                reject(summary, RecordKind::Facility, &file, &at, &field, reason);
                continue;
            }
        };
        row.source_hash = Some(fingerprint);
        children.append(input.child_rows(id, &mut Uuid::now_v7));
        changed.push((IndexedKind::Facility, id, OutboxOp::Upsert));
        summary.count(RecordKind::Facility, outcome);
        match outcome {
            Outcome::Imported => inserts.push(row),
            _ => updates.push(row),
        }
    }
    insert_models::<facility::Entity, _>(tx, inserts, 42).await?;
    let updated: Vec<Uuid> = updates.iter().map(|r| r.id).collect();
    // Replacing the machines drops the clearances on them, which makers' documents carry.
    let cleared = linked_makers(tx, &updated, Links::Clearances).await?;
    changed.extend(
        cleared
            .into_iter()
            .map(|m| (IndexedKind::Maker, m, OutboxOp::Upsert)),
    );
    for row in updates {
        let mut active = facility::ActiveModel::from(row).reset_all();
        active.date_created = NotSet;
        active.update(tx).await?;
    }
    for chunk in updated.chunks(500) {
        facility_process::Entity::delete_many()
            .filter(facility_process::Column::FacilityId.is_in(chunk.to_vec()))
            .exec(tx)
            .await?;
        facility_material::Entity::delete_many()
            .filter(facility_material::Column::FacilityId.is_in(chunk.to_vec()))
            .exec(tx)
            .await?;
        equipment::Entity::delete_many()
            .filter(equipment::Column::FacilityId.is_in(chunk.to_vec()))
            .exec(tx)
            .await?;
    }
    children.insert(tx).await?;
    if ctx.records_changes {
        outbox::queue_many(tx, changed).await?;
    }
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

async fn makers<C: InsertSink>(
    tx: &C,
    ctx: &mut Ctx<'_>,
    items: Vec<Item>,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    let now = Utc::now();
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
        for (k, v) in existing::<maker::Entity, _>(
            tx,
            ctx.reader.as_ref(),
            (
                maker::Column::Id,
                maker::Column::Source,
                maker::Column::SourceId,
                maker::Column::SourceHash,
            ),
            &source,
            &keys,
        )
        .await?
        {
            known.insert((source.clone(), k), v);
        }
    }
    let facilities = resolve_facilities(tx, &refs).await?;
    let mut accepted: Vec<(Uuid, Outcome, Box<MakerRecord>, maker::Model)> = Vec::new();
    for (file, at, record, fingerprint) in items {
        let Record::Maker(mut m) = record else {
            continue;
        };
        let key = (
            m.input.source.clone().unwrap_or_default(),
            m.input.source_id.clone().unwrap_or_default(),
        );
        let (id, outcome) = decide(known.get(&key), &fingerprint);
        if outcome == Outcome::Unchanged {
            summary.count(RecordKind::Maker, outcome);
            continue;
        }
        for r in &m.affiliations {
            match facilities.get(r) {
                Some(f) => m.input.affiliations.push(AffiliationInput {
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
        let mut row = match m.input.to_row(id, now) {
            Ok(r) => r,
            Err(e) => {
                let (field, reason) = rejection_of(e);
                reject(summary, RecordKind::Maker, &file, &at, &field, reason);
                continue;
            }
        };
        row.source_hash = Some(fingerprint);
        summary.count(RecordKind::Maker, outcome);
        accepted.push((id, outcome, m, row));
    }
    // An update that leaves a home where it was keeps its public position (a new draw on
    // every re-import could be averaged back to the home).
    let updating: Vec<Uuid> = accepted
        .iter()
        .filter(|(_, outcome, _, _)| *outcome == Outcome::Updated)
        .map(|(id, ..)| *id)
        .collect();
    let mut previous = HashMap::new();
    for chunk in updating.chunks(500) {
        for row in maker::Entity::find()
            .filter(maker::Column::Id.is_in(chunk.iter().copied()))
            .all(tx)
            .await?
        {
            previous.insert(row.id, row);
        }
    }
    for (id, _, _, row) in &mut accepted {
        if let Some(before) = previous.get(id) {
            keep_public_position(row, before);
        }
    }
    let skill_ids = ensure_skills(
        tx,
        accepted
            .iter()
            .flat_map(|(_, _, m, _)| m.input.skills.iter())
            .map(|s| {
                (
                    s.skill.clone(),
                    s.process_id
                        .clone()
                        .or_else(|| skill_process(ctx.taxonomy, &s.skill)),
                )
            }),
    )
    .await?;
    let mut children = MakerChildren::default();
    let mut inserts = Vec::new();
    let mut updated = Vec::new();
    let mut changed = Vec::new();
    for (id, outcome, m, row) in &accepted {
        children.append(m.input.child_rows(*id, now, &skill_ids, &mut Uuid::now_v7));
        changed.push((IndexedKind::Maker, *id, OutboxOp::Upsert));
        if *outcome == Outcome::Imported {
            inserts.push(row.clone());
        } else {
            updated.push(*id);
            let mut active = maker::ActiveModel::from(row.clone()).reset_all();
            active.date_created = NotSet;
            active.update(tx).await?;
        }
    }
    insert_models::<maker::Entity, _>(tx, inserts, 28).await?;
    for chunk in updated.chunks(500) {
        let ids = chunk.to_vec();
        skill_claim::Entity::delete_many()
            .filter(skill_claim::Column::MakerId.is_in(ids.clone()))
            .exec(tx)
            .await?;
        experience::Entity::delete_many()
            .filter(experience::Column::MakerId.is_in(ids.clone()))
            .exec(tx)
            .await?;
        availability::Entity::delete_many()
            .filter(availability::Column::MakerId.is_in(ids.clone()))
            .exec(tx)
            .await?;
        maker_affiliation::Entity::delete_many()
            .filter(maker_affiliation::Column::MakerId.is_in(ids.clone()))
            .exec(tx)
            .await?;
        credential::Entity::delete_many()
            .filter(credential::Column::MakerId.is_in(ids))
            .filter(credential::Column::Source.eq(STATED_SOURCE))
            .exec(tx)
            .await?;
    }
    children.insert(tx).await?;
    for (id, _, m, _) in &accepted {
        for (n, cert) in m.certifications.iter().enumerate() {
            stated_certification(
                tx,
                *id,
                m.input.source_id.as_deref().unwrap_or_default(),
                n,
                cert,
            )
            .await?;
        }
    }
    if ctx.records_changes {
        outbox::queue_many(tx, changed).await?;
    }
    if let Some(emails) = ctx.emails.as_mut() {
        for (id, _, m, _) in &accepted {
            if let Some(e) = &m.input.email {
                emails.insert(e.to_lowercase(), *id);
            }
        }
    }
    Ok(())
}

/// A certification stated on a profile: a credential from an issuer nobody trusts yet.
async fn stated_certification<C: InsertSink>(
    tx: &C,
    maker_id: Uuid,
    maker_key: &str,
    n: usize,
    cert: &super::record::StatedCertification,
) -> Result<(), DbErr> {
    let issuer_name = cert
        .issuer_name
        .clone()
        .unwrap_or_else(|| "Unnamed issuer".to_owned());
    let issuer_key = fold(&issuer_name);
    let issuer_id = match issuer::Entity::find()
        .filter(issuer::Column::Source.eq(STATED_SOURCE))
        .filter(issuer::Column::SourceId.eq(issuer_key.clone()))
        .one(tx)
        .await?
    {
        Some(i) => i.id,
        None => {
            let row = issuer::Model {
                id: Uuid::now_v7(),
                name: issuer_name,
                url: None,
                email: None,
                description: Some("Named on a maker profile; not verified.".to_owned()),
                trusted: false,
                public_key: None,
                source: STATED_SOURCE.to_owned(),
                source_id: Some(issuer_key.clone()),
                source_hash: None,
                date_created: Utc::now(),
            };
            issuer::ActiveModel::from(row).insert(tx).await?.id
        }
    };
    let achievement_key = format!("{issuer_key}|{}", fold(&cert.name));
    let achievement_id = match achievement::Entity::find()
        .filter(achievement::Column::Source.eq(STATED_SOURCE))
        .filter(achievement::Column::SourceId.eq(achievement_key.clone()))
        .one(tx)
        .await?
    {
        Some(a) => a.id,
        None => {
            let row = achievement::Model {
                id: Uuid::now_v7(),
                issuer_id,
                name: cert.name.clone(),
                description: None,
                criteria: None,
                image: None,
                source: STATED_SOURCE.to_owned(),
                source_id: Some(achievement_key),
                source_hash: None,
                date_created: Utc::now(),
            };
            achievement::ActiveModel::from(row).insert(tx).await?.id
        }
    };
    let row = credential::Model {
        id: Uuid::now_v7(),
        maker_id,
        achievement_id,
        issued_on: cert.issued_on.unwrap_or_else(Utc::now),
        expires: None,
        evidence_url: None,
        revoked: false,
        revocation_reason: None,
        source: STATED_SOURCE.to_owned(),
        source_id: Some(format!("{maker_key}|{n}")),
        source_hash: None,
    };
    credential::ActiveModel::from(row).insert(tx).await?;
    Ok(())
}

async fn upsert_issuer<C: InsertSink>(
    tx: &C,
    r: &IssuerRecord,
    fingerprint: &str,
    records_changes: bool,
) -> Result<(Uuid, Outcome), WriteError> {
    let found = issuer::Entity::find()
        .filter(issuer::Column::Source.eq(BADGES_SOURCE))
        .filter(issuer::Column::SourceId.eq(r.source_id.clone()))
        .one(tx)
        .await?;
    let (id, outcome) = decide(
        found
            .as_ref()
            .map(|f| (f.id, f.source_hash.clone()))
            .as_ref(),
        fingerprint,
    );
    if outcome == Outcome::Unchanged {
        return Ok((id, outcome));
    }
    let row = issuer::Model {
        id,
        name: validate::non_empty("name", &r.name).map_err(WriteError::from)?,
        url: credentials::issuer_url(r.url.as_deref())?,
        email: credentials::issuer_email(r.email.as_deref())?,
        description: r.description.clone(),
        // Trust is an admin's decision, never the file's: keep what is stored.
        trusted: found.as_ref().is_some_and(|f| f.trusted),
        public_key: r.public_key.clone(),
        source: BADGES_SOURCE.to_owned(),
        source_id: Some(r.source_id.clone()),
        source_hash: Some(fingerprint.to_owned()),
        date_created: found
            .as_ref()
            .map(|f| f.date_created)
            .unwrap_or_else(Utc::now),
    };
    if outcome == Outcome::Imported {
        issuer::ActiveModel::from(row).insert(tx).await?;
    } else {
        issuer::ActiveModel::from(row)
            .reset_all()
            .update(tx)
            .await?;
        // Its holders' indexed evidence names the issuer.
        if records_changes {
            reindex_holders(tx, Holders::Issuer(id)).await?;
        }
    }
    Ok((id, outcome))
}

async fn upsert_achievement<C: InsertSink>(
    tx: &C,
    ctx: &Ctx<'_>,
    r: &AchievementRecord,
    fingerprint: &str,
) -> Result<Outcome, WriteError> {
    let Some(issuer) = issuer::Entity::find()
        .filter(issuer::Column::Source.eq(BADGES_SOURCE))
        .filter(issuer::Column::SourceId.eq(r.issuer_ref.clone()))
        .one(tx)
        .await?
    else {
        return Err(WriteError::Rejected(
            "issuer".to_owned(),
            format!(
                "issuer {} is not known; import the issuer document first or embed it",
                r.issuer_ref
            ),
        ));
    };
    let found = achievement::Entity::find()
        .filter(achievement::Column::Source.eq(BADGES_SOURCE))
        .filter(achievement::Column::SourceId.eq(r.source_id.clone()))
        .one(tx)
        .await?;
    let (id, outcome) = decide(
        found
            .as_ref()
            .map(|f| (f.id, f.source_hash.clone()))
            .as_ref(),
        fingerprint,
    );
    if outcome == Outcome::Unchanged {
        return Ok(outcome);
    }
    let row = achievement::Model {
        id,
        issuer_id: issuer.id,
        name: r.name.clone(),
        description: r.description.clone(),
        criteria: r.criteria.clone(),
        image: r.image.clone(),
        source: BADGES_SOURCE.to_owned(),
        source_id: Some(r.source_id.clone()),
        source_hash: Some(fingerprint.to_owned()),
        date_created: found
            .as_ref()
            .map(|f| f.date_created)
            .unwrap_or_else(Utc::now),
    };
    if outcome == Outcome::Imported {
        achievement::ActiveModel::from(row).insert(tx).await?;
    } else {
        achievement::ActiveModel::from(row)
            .reset_all()
            .update(tx)
            .await?;
        achievement_alignment::Entity::delete_many()
            .filter(achievement_alignment::Column::AchievementId.eq(id))
            .exec(tx)
            .await?;
        // What it verifies for its holders may change with its alignments.
        if ctx.records_changes {
            reindex_holders(tx, Holders::Achievement(id)).await?;
        }
    }
    let targets: Vec<(String, Option<String>)> = r
        .alignments
        .iter()
        .map(|a| (a.clone(), skill_process(ctx.taxonomy, a)))
        .collect();
    let skills = ensure_skills(tx, targets.clone()).await?;
    let rows: Vec<achievement_alignment::Model> = targets
        .into_iter()
        .map(|(name, process)| achievement_alignment::Model {
            id: Uuid::now_v7(),
            achievement_id: id,
            skill_id: skills
                .get(&makermatch_search::skills::skill_key(&name))
                .copied(),
            process_id: process,
            target_url: name.starts_with("http").then(|| name.clone()),
            target_name: name,
        })
        .collect();
    insert_models::<achievement_alignment::Entity, _>(tx, rows, 6).await?;
    Ok(outcome)
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

async fn upsert_credential<C: InsertSink>(
    tx: &C,
    ctx: &mut Ctx<'_>,
    r: &CredentialRecord,
    fingerprint: &str,
) -> Result<Outcome, WriteError> {
    let Some(achievement) = achievement::Entity::find()
        .filter(achievement::Column::Source.eq(BADGES_SOURCE))
        .filter(achievement::Column::SourceId.eq(r.achievement_ref.clone()))
        .one(tx)
        .await?
    else {
        return Err(WriteError::Rejected(
            "badge".to_owned(),
            format!(
                "badge class {} is not known; import it first or embed it",
                r.achievement_ref
            ),
        ));
    };
    let Some(maker_id) = maker_for(tx, ctx, &r.recipient).await? else {
        let who = match &r.recipient {
            Recipient::Email(e) => e.clone(),
            Recipient::HashedEmail { hash, .. } => hash.clone(),
            Recipient::Other(o) => o.clone(),
        };
        return Err(WriteError::Rejected(
            "recipient".to_owned(),
            format!("recipient {who} matches no maker; import the maker's passport first"),
        ));
    };
    let found = credential::Entity::find()
        .filter(credential::Column::Source.eq(BADGES_SOURCE))
        .filter(credential::Column::SourceId.eq(r.source_id.clone()))
        .one(tx)
        .await?;
    let (id, outcome) = decide(
        found
            .as_ref()
            .map(|f| (f.id, f.source_hash.clone()))
            .as_ref(),
        fingerprint,
    );
    if outcome == Outcome::Unchanged {
        return Ok(outcome);
    }
    credentials::validity(r.issued_on, r.expires)?;
    let evidence_url = credentials::evidence_url(r.evidence_url.as_deref())?;
    let row = credential::Model {
        id,
        maker_id,
        achievement_id: achievement.id,
        issued_on: r.issued_on,
        expires: r.expires,
        evidence_url,
        revoked: r.revoked,
        revocation_reason: r.revocation_reason.clone(),
        source: BADGES_SOURCE.to_owned(),
        source_id: Some(r.source_id.clone()),
        source_hash: Some(fingerprint.to_owned()),
    };
    if outcome == Outcome::Imported {
        credential::ActiveModel::from(row).insert(tx).await?;
    } else {
        credential::ActiveModel::from(row)
            .reset_all()
            .update(tx)
            .await?;
    }
    if ctx.records_changes {
        outbox::record(tx, IndexedKind::Maker, maker_id, OutboxOp::Upsert).await?;
    }
    Ok(outcome)
}

async fn jobs<C: InsertSink>(
    tx: &C,
    items: Vec<Item>,
    records_changes: bool,
    summary: &mut ImportSummary,
) -> Result<(), AppError> {
    let now = Utc::now();
    for (file, at, record, fingerprint) in items {
        let Record::Job(input) = record else { continue };
        let source = input.source.clone().unwrap_or_default();
        let key = input.source_id.clone().unwrap_or_default();
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
            std::slice::from_ref(&key),
        )
        .await?;
        let (id, outcome) = decide(found.get(&key), &fingerprint);
        if outcome == Outcome::Unchanged {
            summary.count(RecordKind::Job, outcome);
            continue;
        }
        let mut row = match input.to_row(id, now) {
            Ok(r) => r,
            Err(e) => {
                let (field, reason) = rejection_of(e);
                reject(summary, RecordKind::Job, &file, &at, &field, reason);
                continue;
            }
        };
        row.source_hash = Some(fingerprint);
        if outcome == Outcome::Imported {
            job::ActiveModel::from(row).insert(tx).await?;
        } else {
            // Staff may have moved the job on (quantity, status): a manifest update
            // refreshes the design and requirements only.
            let mut active = job::ActiveModel::from(row).reset_all();
            for unchanged in [
                job::Column::DateCreated,
                job::Column::Quantity,
                job::Column::Status,
                job::Column::ProgrammeId,
            ] {
                active.not_set(unchanged);
            }
            active.update(tx).await?;
            job_requirement::Entity::delete_many()
                .filter(job_requirement::Column::JobId.eq(id))
                .exec(tx)
                .await?;
        }
        insert_models::<job_requirement::Entity, _>(
            tx,
            input.requirement_rows(id, &mut Uuid::now_v7),
            6,
        )
        .await?;
        if records_changes {
            outbox::record(tx, IndexedKind::Job, id, OutboxOp::Upsert).await?;
        }
        summary.count(RecordKind::Job, outcome);
    }
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
        super::CATALOG_SOURCE,
        &keys,
    )
    .await?;
    let mut inserts = Vec::new();
    for (_, _, record, fingerprint) in items {
        let Record::MachineModel(m) = record else {
            continue;
        };
        let (id, outcome) = decide(known.get(&m.source_id), &fingerprint);
        summary.count(RecordKind::MachineModel, outcome);
        if outcome == Outcome::Unchanged {
            continue;
        }
        let row = machine_model_row(id, m, fingerprint);
        if outcome == Outcome::Imported {
            inserts.push(row);
        } else {
            machine_model::ActiveModel::from(row)
                .reset_all()
                .update(tx)
                .await?;
        }
    }
    insert_models::<machine_model::Entity, _>(tx, inserts, 11).await?;
    Ok(())
}

fn machine_model_row(id: Uuid, m: MachineModelRecord, fingerprint: String) -> machine_model::Model {
    let mut properties: Vec<serde_json::Value> = m
        .properties
        .into_iter()
        .map(
            |(key, number, unit)| serde_json::json!({ "key": key, "number": number, "unit": unit }),
        )
        .collect();
    properties.extend(
        m.text_properties
            .into_iter()
            .map(|(key, text)| serde_json::json!({ "key": key, "text": text })),
    );
    machine_model::Model {
        id,
        brand: m.brand,
        model: m.model,
        equipment_type: m.equipment_type,
        technology: m.technology,
        properties: serde_json::Value::Array(properties),
        materials: serde_json::json!(m.materials),
        source: super::CATALOG_SOURCE.to_owned(),
        source_id: m.source_id,
        source_hash: Some(fingerprint),
    }
}
