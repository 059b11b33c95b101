//! Appending to the outbox inside the caller's transaction.

use chrono::Utc;
use makermatch_entities::outbox::{self, IndexedKind, OutboxOp};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Records that `kind` `id` changed; returns the row's sequence number.
pub async fn record<C: ConnectionTrait>(
    tx: &C,
    kind: IndexedKind,
    id: Uuid,
    op: OutboxOp,
) -> Result<i64, DbErr> {
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
pub async fn record_many<C: ConnectionTrait>(
    tx: &C,
    changes: impl IntoIterator<Item = (IndexedKind, Uuid, OutboxOp)>,
) -> Result<Option<i64>, DbErr> {
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
        return Ok(None);
    }
    // 5 columns a row: stay far below SQLite's 32,766 bound parameters.
    for chunk in rows.chunks(4_000) {
        outbox::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await?;
    }
    last_seq(tx).await
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
