//! Programmes and jobs written in batches (manifest imports, the demo generator): the
//! rules of a single write, references checked once per batch, multi-row inserts, and
//! outbox rows for the jobs.

use chrono::Utc;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::{facility, job, programme};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, DbErr};
use uuid::Uuid;

use super::{JobInput, ProgrammeInput, replace_requirements};
use crate::db::InsertSink;
use crate::services::batch::{BatchItem, Op, Refused, existing_ids, take_ids};
use crate::services::{ServiceError, bulk, outbox};

/// Writes programmes in the caller's transaction; their participants are facilities that
/// exist. Programmes are not indexed on their own (their jobs are): no outbox rows.
pub async fn write_programmes<C: InsertSink>(
    tx: &C,
    items: Vec<BatchItem<ProgrammeInput>>,
) -> Result<Refused, DbErr> {
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut accepted = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item.input.to_row(item.id, item.written_at.unwrap_or(now)) {
            Ok(row) => accepted.push((i, item, row)),
            Err(e) => refused.push((i, e)),
        }
    }
    let facilities = existing_ids::<facility::Entity, _>(
        tx,
        facility::Column::Id,
        accepted
            .iter()
            .flat_map(|(_, item, _)| item.input.participants.iter().copied()),
    )
    .await?;
    accepted.retain(|(i, item, _)| {
        let participants = &item.input.participants;
        match participants.iter().position(|f| !facilities.contains(f)) {
            Some(j) => {
                refused.push((
                    *i,
                    ServiceError::invalid(
                        format!("participantIds[{j}]"),
                        format!("facility {} does not exist", participants[j]),
                    ),
                ));
                false
            }
            None => true,
        }
    });
    refused.sort_by_key(|(i, _)| *i);
    let mut inserts = Vec::new();
    for (_, item, row) in accepted {
        match item.op {
            Op::Insert => inserts.push(row),
            Op::Update => {
                let mut active = programme::ActiveModel::from(row).reset_all();
                active.date_created = NotSet;
                active.update(tx).await?;
            }
        }
    }
    bulk::insert_models::<programme::Entity, _>(tx, inserts, 11).await?;
    Ok(refused)
}

/// Writes jobs with their requirements in the caller's transaction; a programme named
/// exists. An update refreshes what the source describes (the design, the requirements);
/// what staff moved on since (quantity, status, programme) stays, as does the creation
/// time. Outbox rows are queued only when `records_changes` (a dry run records none).
pub async fn write_batch<C: InsertSink>(
    tx: &C,
    items: Vec<BatchItem<JobInput>>,
    records_changes: bool,
) -> Result<Refused, DbErr> {
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut accepted = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item.input.to_row(item.id, item.written_at.unwrap_or(now)) {
            Ok(mut row) => {
                row.source_hash = item.source_hash.clone();
                accepted.push((i, item, row));
            }
            Err(e) => refused.push((i, e)),
        }
    }
    let programmes = existing_ids::<programme::Entity, _>(
        tx,
        programme::Column::Id,
        accepted
            .iter()
            .filter_map(|(_, item, _)| item.input.programme_id),
    )
    .await?;
    accepted.retain(|(i, item, _)| match item.input.programme_id {
        Some(p) if !programmes.contains(&p) => {
            refused.push((
                *i,
                ServiceError::invalid("programmeId", format!("programme {p} does not exist")),
            ));
            false
        }
        _ => true,
    });
    refused.sort_by_key(|(i, _)| *i);
    let mut inserts = Vec::new();
    let mut updated: Vec<Uuid> = Vec::new();
    let mut requirements = Vec::new();
    let mut changed = Vec::with_capacity(accepted.len());
    for (_, item, row) in accepted {
        requirements.extend(
            item.input
                .requirement_rows(item.id, &mut take_ids(item.child_ids)),
        );
        changed.push((IndexedKind::Job, item.id, OutboxOp::Upsert));
        match item.op {
            Op::Insert => inserts.push(row),
            Op::Update => {
                let mut active = job::ActiveModel::from(row).reset_all();
                for kept in [
                    job::Column::DateCreated,
                    job::Column::Quantity,
                    job::Column::Status,
                    job::Column::ProgrammeId,
                ] {
                    active.not_set(kept);
                }
                active.update(tx).await?;
                updated.push(item.id);
            }
        }
    }
    bulk::insert_models::<job::Entity, _>(tx, inserts, 23).await?;
    replace_requirements(tx, &updated, requirements).await?;
    if records_changes {
        outbox::queue_many(tx, changed).await?;
    }
    Ok(refused)
}
