//! Running migrations, and refusing a database that a newer version has migrated.

use std::future::Future;

use makermatch_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::{self, Connection, PgConnection};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: Vec<String>,
    pub pending: Vec<String>,
}

/// Applied migration names, read from sea-orm's own bookkeeping table (absent on a new
/// database).
async fn applied_migrations(db: &DatabaseConnection) -> Result<Vec<String>, AppError> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(super::dialect::count_tables_named(
            backend,
            "seaql_migrations",
        ))
        .await?;
    let exists = match row {
        Some(row) => row.try_get::<i64>("", "n")? > 0,
        None => false,
    };
    if !exists {
        return Ok(Vec::new());
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version",
        ))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "version").map_err(AppError::from))
        .collect()
}

fn known_migrations() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

pub async fn migration_status(db: &DatabaseConnection) -> Result<MigrationStatus, AppError> {
    let applied = applied_migrations(db).await?;
    let pending = known_migrations()
        .into_iter()
        .filter(|m| !applied.contains(m))
        .collect();
    Ok(MigrationStatus { applied, pending })
}

/// Fails when the database holds a migration this binary does not know: it was migrated
/// by a newer makermatch, and running against it could corrupt data.
pub async fn check_not_newer(db: &DatabaseConnection, url: &str) -> Result<(), AppError> {
    let known = known_migrations();
    if let Some(unknown) = applied_migrations(db)
        .await?
        .into_iter()
        .find(|m| !known.contains(m))
    {
        return Err(AppError::DatabaseTooNew {
            url: crate::config::redact_url(url),
            migration: unknown,
            version: env!("CARGO_PKG_VERSION"),
        });
    }
    Ok(())
}

/// Brings the schema up to date. Returns the names of the migrations applied now.
pub async fn migrate(db: &DatabaseConnection, url: &str) -> Result<Vec<String>, AppError> {
    migrate_then(db, url, || async { Ok(()) }).await
}

/// Brings the schema up to date, then runs `then` (start-up writes such as storing the
/// taxonomy), all under the schema lock: replicas starting together on one fresh
/// PostgreSQL database would otherwise create the same tables at once, and all but one
/// fail (`duplicate key value violates unique constraint "pg_type_typname_nsp_index"`).
pub async fn migrate_then<F, Fut>(
    db: &DatabaseConnection,
    url: &str,
    then: F,
) -> Result<Vec<String>, AppError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), AppError>>,
{
    let lock = SchemaLock::acquire(db, url).await?;
    let done = async {
        let applied = migrate_unlocked(db, url).await?;
        then().await?;
        Ok(applied)
    }
    .await;
    lock.release().await;
    done
}

async fn migrate_unlocked(db: &DatabaseConnection, url: &str) -> Result<Vec<String>, AppError> {
    check_not_newer(db, url).await?;
    let before = migration_status(db).await?;
    Migrator::up(db, None)
        .await
        .map_err(|e| AppError::Migration(e.to_string()))?;
    for name in &before.pending {
        tracing::debug!(migration = %name, "applied migration");
    }
    // One line for the lot: a first command would otherwise open with one per migration.
    if let Some(last) = before.pending.last() {
        let n = before.pending.len();
        let noun = if n == 1 { "migration" } else { "migrations" };
        tracing::info!("applied {n} {noun}, schema at {last}");
    }
    Ok(before.pending)
}

/// The PostgreSQL advisory lock every makermatch takes to change the schema ("mm-schem"
/// in ASCII, so it does not collide with another application's lock by chance).
const SCHEMA_LOCK_KEY: i64 = 0x6d6d_2d73_6368_656d;

/// A session-level advisory lock held on a connection of its own (the pool's connections
/// come and go); PostgreSQL also releases it when that connection drops, so a process dying
/// while migrating never leaves it held. SQLite needs none: its writers are serialised.
struct SchemaLock(Option<PgConnection>);

impl SchemaLock {
    async fn acquire(db: &DatabaseConnection, url: &str) -> Result<SchemaLock, AppError> {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(SchemaLock(None));
        }
        let fail = |e: sqlx::Error| AppError::DatabaseConnect {
            url: crate::config::redact_url(url),
            reason: format!("cannot take the schema lock: {e}"),
        };
        let mut conn = PgConnection::connect(url).await.map_err(fail)?;
        let free: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(SCHEMA_LOCK_KEY)
            .fetch_one(&mut conn)
            .await
            .map_err(fail)?;
        if !free {
            tracing::info!("another makermatch is migrating this database; waiting for it");
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(SCHEMA_LOCK_KEY)
                .execute(&mut conn)
                .await
                .map_err(fail)?;
        }
        Ok(SchemaLock(Some(conn)))
    }

    async fn release(self) {
        let Some(mut conn) = self.0 else {
            return;
        };
        if let Err(e) = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(SCHEMA_LOCK_KEY)
            .execute(&mut conn)
            .await
        {
            // Closing the connection releases it all the same.
            tracing::warn!(error = %e, "cannot release the schema lock; closing its connection");
        }
        let _ = conn.close().await;
    }
}
