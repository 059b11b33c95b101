//! Running migrations, and refusing a database that a newer version has migrated.

use makermatch_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

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
    let exists_sql = match backend {
        sea_orm::DatabaseBackend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'"
        }
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, exists_sql))
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
    check_not_newer(db, url).await?;
    let before = migration_status(db).await?;
    Migrator::up(db, None)
        .await
        .map_err(|e| AppError::Migration(e.to_string()))?;
    for name in &before.pending {
        tracing::info!(migration = %name, "applied migration");
    }
    Ok(before.pending)
}
