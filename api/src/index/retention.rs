//! Outbox retention. Every replica's indexer records how far it got (`index_cursors`) and
//! refreshes that record while idle, so a cursor that goes quiet belongs to a replica that
//! is down. Rows every live replica has applied, and older than the retention period, are
//! pruned; the edge is kept in `outbox_retention`, so a replica that returns after its
//! rows were pruned knows to rebuild its index instead of silently missing them.

use std::time::Duration;

use chrono::Utc;
use makermatch_entities::{index_cursor, outbox, outbox_retention};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};

/// Rows deleted per statement, so no delete holds the database for long.
const DELETE_BATCH: i64 = 10_000;

/// The one row of `outbox_retention`.
const ROW: i32 = 1;

/// What one pruning pass did.
#[derive(Debug, Default, PartialEq)]
pub struct Pruned {
    /// Outbox rows deleted.
    pub rows: u64,
    /// Every row below it is gone (0 before any pruning).
    pub pruned_below: i64,
}

/// Every outbox row with a smaller `seq` has been pruned (0 before any pruning).
pub async fn pruned_below<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    Ok(outbox_retention::Entity::find_by_id(ROW)
        .one(db)
        .await?
        .map_or(0, |r| r.pruned_below))
}

/// Whether an index that applied the outbox up to `applied` has lost rows it still needed:
/// the first row after it was pruned.
pub fn missed_rows(applied: i64, pruned_below: i64) -> bool {
    applied + 1 < pruned_below
}

/// Deletes the outbox rows every replica heard from within `cursor_timeout` has applied
/// and that are older than `retention`. The newest row is never deleted (it carries the
/// outbox head). Nothing is pruned while no replica's cursor is live.
pub async fn prune(
    db: &DatabaseConnection,
    retention: Duration,
    cursor_timeout: Duration,
) -> Result<Pruned, DbErr> {
    let now = Utc::now();
    let live_since = before(now, cursor_timeout);
    let older_than = before(now, retention);
    let edge: Option<i64> = index_cursor::Entity::find()
        .select_only()
        .column_as(index_cursor::Column::AppliedSeq.min(), "edge")
        .filter(index_cursor::Column::UpdatedAt.gte(live_since))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let mut done = Pruned {
        rows: 0,
        pruned_below: pruned_below(db).await?,
    };
    let Some(edge) = edge else {
        return Ok(done);
    };
    // The last row all live replicas applied that is old enough. Rows below the edge are
    // applied by every live replica; strictly below keeps the edge row, hence the head.
    let last: Option<i64> = outbox::Entity::find()
        .select_only()
        .column_as(outbox::Column::Seq.max(), "last")
        .filter(outbox::Column::Seq.lt(edge))
        .filter(outbox::Column::CreatedAt.lt(older_than))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let Some(last) = last else {
        return Ok(done);
    };
    let first: Option<i64> = outbox::Entity::find()
        .select_only()
        .column_as(outbox::Column::Seq.min(), "first")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let mut from = first.unwrap_or(last);
    while from <= last {
        let upto = last.min(from.saturating_add(DELETE_BATCH));
        let txn = crate::db::begin_write(db).await?;
        let deleted = outbox::Entity::delete_many()
            .filter(outbox::Column::Seq.lte(upto))
            .filter(outbox::Column::Seq.gte(from))
            .exec(&txn)
            .await?;
        // Recorded with the delete, so the edge never lags behind what is gone. Replicas
        // prune concurrently: the edge only ever moves up.
        let row = outbox_retention::ActiveModel {
            id: Set(ROW),
            pruned_below: Set(upto + 1),
            pruned_at: Set(Utc::now()),
        };
        outbox_retention::Entity::insert(row)
            .on_conflict(
                OnConflict::column(outbox_retention::Column::Id)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        outbox_retention::Entity::update_many()
            .col_expr(outbox_retention::Column::PrunedBelow, Expr::value(upto + 1))
            .col_expr(outbox_retention::Column::PrunedAt, Expr::value(Utc::now()))
            .filter(outbox_retention::Column::Id.eq(ROW))
            .filter(outbox_retention::Column::PrunedBelow.lt(upto + 1))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        done.rows += deleted.rows_affected;
        done.pruned_below = done.pruned_below.max(upto + 1);
        from = upto + 1;
    }
    Ok(done)
}

/// `now` less `span`, or the earliest instant when that is out of range.
fn before(now: chrono::DateTime<Utc>, span: Duration) -> chrono::DateTime<Utc> {
    chrono::Duration::from_std(span)
        .ok()
        .and_then(|span| now.checked_sub_signed(span))
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC)
}
