//! Every piece of SQL that differs between SQLite (embedded) and PostgreSQL (production).
//! They lock differently (SQLite has one write lock for the whole database, taken when a
//! write transaction begins; PostgreSQL locks rows, and orders commits only when asked),
//! and they disagree on JSON aggregation, on printing a float exactly and on bind-parameter
//! syntax. `tests/tests/dialect.rs` runs each of these on both.

use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, QuerySelect, Select, SqliteTransactionMode,
    Statement, TransactionOptions, Value,
};

/// Bound parameters one statement may carry on either backend: SQLite allows 32,766,
/// PostgreSQL 65,535.
pub const MAX_BIND_PARAMETERS: usize = 30_000;

/// Any constant: the advisory lock key that orders outbox writers on PostgreSQL ("mmob").
const OUTBOX_LOCK_KEY: i64 = 0x6d6d_6f62;

/// How a write transaction begins. On SQLite `BEGIN IMMEDIATE`: a deferred transaction
/// that reads before it writes cannot upgrade its lock when another writer committed in
/// between, and fails with SQLITE_BUSY whatever the busy timeout.
pub fn write_transaction(backend: DbBackend) -> TransactionOptions {
    match backend {
        DbBackend::Sqlite => TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        },
        _ => TransactionOptions::default(),
    }
}

/// Whether a write transaction holds the whole database's write lock (SQLite), so a long
/// one stops every other writer until it ends.
pub fn writer_locks_database(backend: DbBackend) -> bool {
    backend == DbBackend::Sqlite
}

/// `select` locking the rows it reads for the rest of the transaction: `FOR UPDATE` on
/// PostgreSQL. SQLite write transactions are exclusive already (`BEGIN IMMEDIATE`).
pub fn lock_for_update<E: EntityTrait>(select: Select<E>, backend: DbBackend) -> Select<E> {
    match backend {
        DbBackend::Postgres => select.lock_exclusive(),
        _ => select,
    }
}

/// Makes outbox rows of concurrent writers become visible in sequence order; call it in
/// the write transaction before inserting outbox rows. PostgreSQL hands out sequence
/// numbers at insert but shows rows at commit, so two writers could commit out of order
/// and the indexer, already past the later number, would never see the earlier one. A
/// transaction-scoped advisory lock held from the outbox insert to the commit makes rows
/// appear in sequence order; a number missing below a visible one then belongs to a
/// rolled-back transaction for good. SQLite writers are serialised by `BEGIN IMMEDIATE`.
pub async fn order_outbox_writers<C: ConnectionTrait>(tx: &C) -> Result<(), DbErr> {
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({OUTBOX_LOCK_KEY})"))
            .await?;
    }
    Ok(())
}

/// The PostgreSQL channel on which commits that appended outbox rows notify indexers.
pub const OUTBOX_CHANNEL: &str = "makermatch_outbox";

/// Wakes the indexers of every replica when the transaction commits: PostgreSQL delivers
/// a `NOTIFY` only at commit, and not at all on rollback, so a listener never reads the
/// outbox before the rows are visible. SQLite has one process per database, and that
/// process wakes its indexer itself.
pub async fn notify_outbox<C: ConnectionTrait>(tx: &C) -> Result<(), DbErr> {
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared(&format!("NOTIFY {OUTBOX_CHANNEL}"))
            .await?;
    }
    Ok(())
}

/// The PostgreSQL channel on which commits that recorded assignment events notify the
/// event feeds of every replica.
pub const EVENTS_CHANNEL: &str = "makermatch_events";

/// Makes a transaction that records an assignment event take its turn with the outbox's
/// writers and wake every replica's event feed when it commits. Holding the ordering lock
/// while the event's id is drawn means ids are committed in order, so a feed that reads
/// "everything after the last id it saw" never skips one committed late.
pub async fn order_event_writers<C: ConnectionTrait>(tx: &C) -> Result<(), DbErr> {
    order_outbox_writers(tx).await?;
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared(&format!("NOTIFY {EVENTS_CHANNEL}"))
            .await?;
    }
    Ok(())
}

/// A statement answering, in its column `n`, how many tables named `table` the current
/// schema has (0 or 1).
pub fn count_tables_named(backend: DbBackend, table: &str) -> Statement {
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = $1"
        }
    };
    Statement::from_sql_and_values(backend, sql, [Value::from(table)])
}

/// `SELECT`s a JSON array text of one array of `columns` per row of the `FROM …` that the
/// caller appends (typically as a correlated subquery), ordered by `order_by`; `[]` when
/// there are no rows.
pub fn json_array_rows(backend: DbBackend, columns: &[&str], order_by: &str) -> String {
    let columns = columns.join(", ");
    match backend {
        DbBackend::Postgres => format!(
            "SELECT coalesce(json_agg(json_build_array({columns}) ORDER BY {order_by}), '[]'::json)::text"
        ),
        // `json_group_array(… ORDER BY …)` needs SQLite 3.44, which sqlx bundles.
        _ => format!("SELECT json_group_array(json_array({columns}) ORDER BY {order_by})"),
    }
}

/// A REAL column as text that parses back to the same number (read it with
/// [`parse_exact_real`]): JSON numbers from SQLite keep only 15 digits, `quote` prints a
/// real exactly (and a null as `NULL`).
pub fn exact_real_text(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("{column}::text"),
        _ => format!("quote({column})"),
    }
}

/// The number an [`exact_real_text`] printed; `what` names it in the error.
pub fn parse_exact_real(text: Option<String>, what: &str) -> Result<Option<f64>, DbErr> {
    match text.as_deref() {
        None | Some("NULL") => Ok(None),
        Some(text) => text
            .parse::<f64>()
            .map(Some)
            .map_err(|e| DbErr::Json(format!("{what} `{text}`: {e}"))),
    }
}

/// `n` bind parameters in the backend's syntax, separated by commas.
pub fn bind_parameters(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => (1..=n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => vec!["?"; n].join(", "),
    }
}

/// Refreshes the PostgreSQL planner's statistics after a bulk load. Without them it
/// takes freshly filled tables for empty ones and scans them once per looked-up key.
/// SQLite plans from its indexes alone: nothing to do there.
pub async fn analyze<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// [`analyze`]s those of `tables` that PostgreSQL never analyzed (by hand or by
/// autovacuum); says which. (Row counts are not asked: a backend's insert counts reach the
/// statistics views only a while after it committed.)
pub async fn analyze_if_never<C: ConnectionTrait>(
    db: &C,
    tables: &[&str],
) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres || tables.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT relname FROM pg_stat_user_tables \
         WHERE schemaname = current_schema() AND relname IN ({}) \
         AND last_analyze IS NULL AND last_autoanalyze IS NULL ORDER BY relname",
        bind_parameters(backend, tables.len())
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            tables.iter().map(|t| Value::from(*t)),
        ))
        .await?;
    let mut analyzed = Vec::new();
    for row in rows {
        let table: String = row.try_get("", "relname")?;
        // The name came from the catalogue, and is quoted all the same.
        db.execute_unprepared(&format!("ANALYZE \"{}\"", table.replace('"', "\"\"")))
            .await?;
        analyzed.push(table);
    }
    Ok(analyzed)
}
