//! Errors a command can end with. Each names what is wrong and how to fix it, on one line:
//! the binary prints `error: <message>` and exits non-zero, with no backtrace.

use std::path::PathBuf;

use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),

    #[error(
        "data dir {path} is not usable: {reason}; create it with write permission or choose another with --data-dir / MAKERMATCH_DATA_DIR"
    )]
    DataDir { path: PathBuf, reason: String },

    #[error(
        "cannot connect to the database at {url}: {reason}; check MAKERMATCH_DATABASE_URL (or --database-url) and that the server is running"
    )]
    DatabaseConnect { url: String, reason: String },

    #[error(
        "the database at {url} was migrated by a newer makermatch (it has migration {migration}, unknown to version {version}); upgrade makermatch or point it at another database"
    )]
    DatabaseTooNew {
        url: String,
        migration: String,
        version: &'static str,
    },

    #[error("database migration failed: {0}; the database was left at its last complete migration")]
    Migration(String),

    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),

    #[error(
        "cannot listen on {addr}: {reason}; choose another address with --listen or MAKERMATCH_LISTEN"
    )]
    Listen { addr: String, reason: String },

    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("{0}")]
    Io(String),
}

pub type AppResult<T> = Result<T, AppError>;
