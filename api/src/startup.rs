//! What every command that touches the database does first: connect, refuse a database
//! from a newer version, migrate, and mirror the taxonomy (or, serving reads only, check
//! that the schema is current and write nothing).

use makermatch_search::Taxonomy;
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::db;
use crate::error::AppError;
use crate::services;

/// A database ready for use, with the taxonomy it was synced with.
pub struct Ready {
    pub db: DatabaseConnection,
    pub taxonomy: Taxonomy,
}

/// The built-in taxonomy, or the file the configuration names.
pub fn load_taxonomy(config: &Config) -> Result<Taxonomy, AppError> {
    match &config.taxonomy {
        Some(path) => Taxonomy::from_path(path).map_err(|e| {
            AppError::InvalidInput(format!("{e}; fix the file or unset `taxonomy` (MAKERMATCH_TAXONOMY) to use the built-in one"))
        }),
        None => Taxonomy::builtin().map_err(|e| AppError::InvalidInput(e.to_string())),
    }
}

/// Connects and migrates. On PostgreSQL the data dir is only created once the database
/// answered, so a wrong URL leaves nothing behind.
pub async fn prepare(config: &Config) -> Result<Ready, AppError> {
    let taxonomy = load_taxonomy(config)?;
    let db = db::connect(config).await?;
    let url = config.effective_database_url();
    if config.server.read_only {
        check_read_only(&db, &url).await?;
        return Ok(Ready { db, taxonomy });
    }
    // The taxonomy is rewritten under the same lock as the migrations: replicas starting
    // together would otherwise write the same rows at once.
    db::migrate_then(&db, &url, || async {
        services::taxonomy::sync(&db, &taxonomy)
            .await
            .map_err(|e| AppError::Io(format!("cannot store the taxonomy: {e}")))
    })
    .await?;
    Ok(Ready { db, taxonomy })
}

/// A database served read-only must already be what this version expects: it cannot be
/// migrated from here (a hot standby follows its primary, which is migrated).
async fn check_read_only(db: &DatabaseConnection, url: &str) -> Result<(), AppError> {
    db::check_not_newer(db, url).await?;
    let status = db::migration_status(db).await?;
    if let Some(first) = status.pending.first() {
        return Err(AppError::InvalidInput(format!(
            "server.read_only: the database lacks {} migration(s) of this version, from {first}; \
             run `makermatch migrate` against the primary first",
            status.pending.len()
        )));
    }
    tracing::info!("serving reads only (server.read_only): no migrations, no writes");
    Ok(())
}
