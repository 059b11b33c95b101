//! Facilities written in batches (imports, the demo generator): the rules of a single
//! write, multi-row inserts, and outbox rows for the facilities and for the makers whose
//! clearances went with replaced equipment.

use chrono::Utc;
use makermatch_entities::facility;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, DbErr, Iterable};
use uuid::Uuid;

use super::{FacilityChildren, FacilityInput, Links, linked_makers};
use crate::db::InsertSink;
use crate::services::batch::{BatchItem, Op, Refused, take_ids};
use crate::services::{bulk, outbox};

/// Writes `items` in the caller's transaction: inserts the new facilities, replaces the
/// stored ones (fields, processes, materials, equipment; the creation time stays). Outbox
/// rows are queued only when `records_changes` (a dry run records none).
pub async fn write_batch<C: InsertSink>(
    tx: &C,
    items: Vec<BatchItem<FacilityInput>>,
    records_changes: bool,
) -> Result<Refused, DbErr> {
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    let mut children = FacilityChildren::default();
    let mut changed = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let mut row = match item.input.to_row(item.id, item.written_at.unwrap_or(now)) {
            Ok(row) => row,
            Err(e) => {
                refused.push((i, e));
                continue;
            }
        };
        row.source_hash = item.source_hash;
        // A replaced record keeps when it was made, unless its source says when.
        let keeps_created = item.input.date_created.is_none();
        let keeps_fields = item.input.source_fields.is_none();
        children.append(
            item.input
                .child_rows(item.id, &mut take_ids(item.child_ids)),
        );
        changed.push((IndexedKind::Facility, item.id, OutboxOp::Upsert));
        match item.op {
            Op::Insert => inserts.push(row),
            Op::Update => updates.push((row, keeps_created, keeps_fields)),
        }
    }
    bulk::insert_models::<facility::Entity, _>(tx, inserts, facility::Column::iter().count())
        .await?;
    let updated: Vec<Uuid> = updates.iter().map(|(r, _, _)| r.id).collect();
    // Replacing the machines drops the clearances on them, which makers' documents carry.
    let cleared = linked_makers(tx, &updated, Links::Clearances).await?;
    changed.extend(
        cleared
            .into_iter()
            .map(|m| (IndexedKind::Maker, m, OutboxOp::Upsert)),
    );
    for (row, keeps_created, keeps_fields) in updates {
        let mut active = facility::ActiveModel::from(row).reset_all();
        if keeps_created {
            active.date_created = NotSet;
        }
        if keeps_fields {
            active.source_fields = NotSet;
        }
        active.update(tx).await?;
    }
    children.replace(tx, &updated).await?;
    if records_changes {
        outbox::queue_many(tx, changed).await?;
    }
    Ok(refused)
}
