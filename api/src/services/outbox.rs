//! Appending to the outbox inside the caller's transaction.

use chrono::Utc;
use makermatch_entities::outbox::{self, IndexedKind, OutboxOp};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::db::dialect;

/// Records that `kind` `id` changed; returns the row's sequence number.
pub async fn record<C: ConnectionTrait>(
    tx: &C,
    kind: IndexedKind,
    id: Uuid,
    op: OutboxOp,
) -> Result<i64, DbErr> {
    dialect::order_outbox_writers(tx).await?;
    dialect::notify_outbox(tx).await?;
    let row = outbox::ActiveModel {
        seq: NotSet,
        kind: Set(kind),
        entity_id: Set(id),
        op: Set(op),
        created_at: Set(Utc::now()),
    };
    let result = outbox::Entity::insert(row).exec(tx).await?;
    Ok(result.last_insert_id)
}

/// Records many changes at once (bulk loads); returns the highest sequence number.
pub async fn record_many<C: crate::db::InsertSink>(
    tx: &C,
    changes: impl IntoIterator<Item = (IndexedKind, Uuid, OutboxOp)>,
) -> Result<Option<i64>, DbErr> {
    if !queue_many(tx, changes).await? {
        return Ok(None);
    }
    last_seq(tx).await
}

/// Queues `makers` for re-indexing (an upsert each); returns the highest sequence number.
pub async fn reindex_makers<C: crate::db::InsertSink>(
    tx: &C,
    makers: impl IntoIterator<Item = Uuid>,
) -> Result<Option<i64>, DbErr> {
    record_many(
        tx,
        makers
            .into_iter()
            .map(|m| (IndexedKind::Maker, m, OutboxOp::Upsert)),
    )
    .await
}

/// Records many changes without asking for their sequence numbers, so on a
/// [`crate::db::Pipeline`] nothing waits for the inserts to run. False when there were none.
pub async fn queue_many<C: crate::db::InsertSink>(
    tx: &C,
    changes: impl IntoIterator<Item = (IndexedKind, Uuid, OutboxOp)>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let rows: Vec<outbox::ActiveModel> = changes
        .into_iter()
        .map(|(kind, id, op)| outbox::ActiveModel {
            seq: NotSet,
            kind: Set(kind),
            entity_id: Set(id),
            op: Set(op),
            created_at: Set(now),
        })
        .collect();
    if rows.is_empty() {
        return Ok(false);
    }
    dialect::order_outbox_writers(tx).await?;
    dialect::notify_outbox(tx).await?;
    super::bulk::insert_models::<outbox::Entity, _>(tx, rows, 5).await?;
    Ok(true)
}

/// The newest sequence number, if any row exists.
pub async fn last_seq<C: ConnectionTrait>(db: &C) -> Result<Option<i64>, DbErr> {
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Seq)
        .order_by_desc(outbox::Column::Seq)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await
}
