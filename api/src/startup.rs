//! What every command that touches the database does first: connect, refuse a database
//! from a newer version, migrate, and mirror the taxonomy.

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
