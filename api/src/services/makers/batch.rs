//! Makers written in batches (imports, the demo generator): the rules of a single write,
//! multi-row inserts, children replaced the one way they are, and outbox rows.

use std::collections::HashMap;

use chrono::Utc;
use makermatch_entities::maker;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DbErr, EntityTrait, Iterable, QueryFilter,
};
use uuid::Uuid;

use super::{MakerChildren, MakerInput, Stated, ensure_skills, keep_public_position};
use crate::db::InsertSink;
use crate::services::batch::{BatchItem, Op, Refused, take_ids};
use crate::services::credentials::stated::StatedCredentialInput;
use crate::services::{bulk, outbox};

/// A maker as a batch writes it.
#[derive(Debug, Clone, Default)]
pub struct MakerWrite {
    pub passport: MakerInput,
    /// The certifications the source states on the profile: they replace those it stated
    /// before (see [`crate::services::credentials::stated`]).
    pub stated: Vec<StatedCredentialInput>,
    /// The public position of a seeded maker, drawn by the caller with
    /// `makermatch_search::privacy::displace` on its own generator so that a seed gives the
    /// same data; otherwise drawn here. An update that leaves the home where it was keeps
    /// the stored one either way.
    pub public_position: Option<(f64, f64)>,
}

/// Writes `items` in the caller's transaction: inserts the new makers, replaces the stored
/// ones (fields, skills, experience, availability, affiliations and stated credentials;
/// credentials granted by others and clearances stay, and so does the creation time).
/// Outbox rows are queued only when `records_changes` (a dry run records none).
/// Facilities named by affiliations and experiences are the caller's to have resolved.
pub async fn write_batch<C: InsertSink>(
    tx: &C,
    items: Vec<BatchItem<MakerWrite>>,
    records_changes: bool,
) -> Result<Refused, DbErr> {
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut accepted = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = item.written_at.unwrap_or(now);
        let mut row = match item.input.passport.to_row(item.id, at) {
            Ok(row) => row,
            Err(e) => {
                refused.push((i, e));
                continue;
            }
        };
        row.source_hash = item.source_hash.clone();
        if let Some((lat, lon)) = item.input.public_position
            && row.lat.is_some()
            && row.lon.is_some()
        {
            row.coarse_lat = Some(lat);
            row.coarse_lon = Some(lon);
        }
        accepted.push((item, row));
    }
    keep_public_positions(tx, &mut accepted).await?;
    let skill_ids = ensure_skills(
        tx,
        accepted
            .iter()
            .flat_map(|(item, _)| item.input.passport.skills.iter())
            .map(|s| (s.skill.clone(), s.process_id.clone())),
    )
    .await?;
    let mut children = MakerChildren::default();
    let mut inserts = Vec::new();
    let mut updated = Vec::new();
    let mut changed = Vec::with_capacity(accepted.len());
    let mut stated = Vec::new();
    for (item, row) in accepted {
        let at = item.written_at.unwrap_or(now);
        let passport = &item.input.passport;
        children.append(passport.child_rows(
            item.id,
            at,
            &skill_ids,
            &mut take_ids(item.child_ids),
        ));
        changed.push((IndexedKind::Maker, item.id, OutboxOp::Upsert));
        if !item.input.stated.is_empty() {
            let key = passport.source_id.clone().unwrap_or_default();
            stated.push((item.id, key, item.input.stated));
        }
        match item.op {
            Op::Insert => inserts.push(row),
            Op::Update => {
                updated.push(item.id);
                let keeps_created = passport.date_created.is_none();
                let mut active = maker::ActiveModel::from(row).reset_all();
                // A replaced profile keeps when it was made, unless its source says when.
                if keeps_created {
                    active.date_created = NotSet;
                }
                if passport.source_fields.is_none() {
                    active.source_fields = NotSet;
                }
                active.update(tx).await?;
            }
        }
    }
    bulk::insert_models::<maker::Entity, _>(tx, inserts, maker::Column::iter().count()).await?;
    children
        .replace(tx, &updated, Stated::Replaced(stated))
        .await?;
    if records_changes {
        outbox::queue_many(tx, changed).await?;
    }
    Ok(refused)
}

/// An update that leaves a home where it was keeps its public position (a new draw on
/// every re-import could be averaged back to the home).
async fn keep_public_positions<C: InsertSink>(
    tx: &C,
    accepted: &mut [(BatchItem<MakerWrite>, maker::Model)],
) -> Result<(), DbErr> {
    let updating: Vec<Uuid> = accepted
        .iter()
        .filter(|(item, _)| item.op == Op::Update)
        .map(|(item, _)| item.id)
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
    for (item, row) in accepted {
        if let Some(before) = previous.get(&item.id) {
            keep_public_position(row, before);
        }
    }
    Ok(())
}
