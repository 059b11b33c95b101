//! Batched writes: what a batch caller (the importer, the demo generator) decides about each
//! record it hands a service, and how a service answers for the records its rules refuse.
//! The rules are those of a single write; a batch only writes many records at once, inside
//! the caller's transaction.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::ServiceError;

/// Whether a record of a batch is new or replaces a stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Insert,
    Update,
}

/// One record of a batched write.
#[derive(Debug, Clone)]
pub struct BatchItem<I> {
    pub input: I,
    /// A new id to insert the record under, or the stored record's id to replace it.
    pub id: Uuid,
    pub op: Op,
    /// The fingerprint of the source record, stored as `source_hash`: the caller compares
    /// it next time to skip what did not change.
    pub source_hash: Option<String>,
    /// When the write happens: an insert's creation time, an update's last-updated time.
    /// Seeded data bring their own; otherwise the time of the batch.
    pub written_at: Option<DateTime<Utc>>,
    /// Ids for the record's child rows, taken in the order the rows are made (seeded data
    /// keep them stable); fresh ones once these run out.
    pub child_ids: Vec<Uuid>,
}

impl<I> BatchItem<I> {
    pub fn new(op: Op, id: Uuid, input: I) -> Self {
        BatchItem {
            input,
            id,
            op,
            source_hash: None,
            written_at: None,
            child_ids: Vec::new(),
        }
    }

    pub fn insert(id: Uuid, input: I) -> Self {
        Self::new(Op::Insert, id, input)
    }

    pub fn with_source_hash(mut self, hash: String) -> Self {
        self.source_hash = Some(hash);
        self
    }

    pub fn written_at(mut self, at: DateTime<Utc>) -> Self {
        self.written_at = Some(at);
        self
    }

    pub fn with_child_ids(mut self, ids: Vec<Uuid>) -> Self {
        self.child_ids = ids;
        self
    }
}

/// The records a batch refused: their index in the batch and why, in index order. A
/// database failure is no refusal: it fails the whole batch.
pub type Refused = Vec<(usize, ServiceError)>;

/// Hands out `ids` in order, then fresh ones.
pub(crate) fn take_ids(ids: Vec<Uuid>) -> impl FnMut() -> Uuid {
    let mut ids = ids.into_iter();
    move || ids.next().unwrap_or_else(Uuid::now_v7)
}

/// Which of `ids` name rows of `E` (`column` being its id column): one query per chunk,
/// so a batch checks its references without a query per record.
pub(crate) async fn existing_ids<E, C>(
    tx: &C,
    column: E::Column,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashSet<Uuid>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut wanted: Vec<Uuid> = ids.into_iter().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut found = HashSet::with_capacity(wanted.len());
    for chunk in wanted.chunks(500) {
        let rows: Vec<Uuid> = E::find()
            .select_only()
            .column(column)
            .filter(column.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(tx)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}
