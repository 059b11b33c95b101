//! Opening the pool with the storage defaults of DESIGN §2.

use std::path::Path;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use super::outage::is_unavailable;
use crate::config::{Config, redact_url};
use crate::error::AppError;

/// Makes sure the data dir exists and can be written, without leaving anything behind
/// when it cannot.
pub fn prepare_data_dir(dir: &Path) -> Result<(), AppError> {
    let fail = |reason: String| AppError::DataDir {
        path: dir.to_owned(),
        reason,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(fail("it exists and is not a directory".to_owned()));
    }
    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    // Permission bits do not tell the whole story (read-only mounts, ACLs, root): try it.
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| fail(format!("cannot write in it: {e}")))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Connects to the configured database. For SQLite: WAL, a pool of several connections,
/// a busy timeout and foreign keys on; the data dir is created first. For PostgreSQL the
/// data dir is not touched here, so a wrong URL writes nothing.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, AppError> {
    let url = config.effective_database_url();
    if url.starts_with("sqlite:") && config.database_url.is_none() {
        prepare_data_dir(&config.data_dir)?;
    }
    connect_to(config, url, false).await
}

/// The pool of the hot standby `database.read_url` names, if it names one, and whether it
/// answered. A standby that does not answer at start does not stop the server: its pool
/// connects when it can, and reads go to the primary meanwhile. Nothing is written
/// through it.
pub async fn connect_standby(
    config: &Config,
) -> Result<Option<(DatabaseConnection, bool)>, AppError> {
    let Some(url) = config.read_database_url() else {
        return Ok(None);
    };
    match connect_to(config, url.to_owned(), false).await {
        Ok(standby) => {
            tracing::info!(standby = %redact_url(url), "serving queries and index rebuilds from the standby (database.read_url)");
            Ok(Some((standby, true)))
        }
        Err(e) => {
            tracing::warn!(error = %e, "the standby (database.read_url) does not answer; reading from the primary until it does");
            let standby = connect_to(config, url.to_owned(), true).await?;
            Ok(Some((standby, false)))
        }
    }
}

/// Opens a pool on `url`; `lazy`: without connecting yet.
async fn connect_to(
    config: &Config,
    url: String,
    lazy: bool,
) -> Result<DatabaseConnection, AppError> {
    let sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(config.database.max_connections)
        .min_connections(1)
        // A query waits this long for a connection, then answers UNAVAILABLE: a short bound
        // keeps an outage from holding every request until the request timeout. (sea-orm
        // maps `connect_timeout` onto the same pool setting; the start-up wait is below.)
        .acquire_timeout(Duration::from_millis(config.database.acquire_timeout_ms))
        .sqlx_logging(true)
        .sqlx_logging_level(tracing::log::LevelFilter::Trace)
        .sqlx_slow_statements_logging_settings(
            tracing::log::LevelFilter::Warn,
            Duration::from_secs(1),
        );
    if sqlite {
        let busy = Duration::from_millis(config.database.busy_timeout_ms);
        // Negative: KiB rather than pages.
        let cache = format!("-{}", u64::from(config.database.sqlite_cache_mib) * 1024);
        let mmap = (u64::from(config.database.sqlite_mmap_mib) * 1024 * 1024).to_string();
        options.map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy)
                .foreign_keys(true)
                // Multi-row inserts keep a statement journal; in memory it costs no
                // file writes (measured: a tenth of the import's database time).
                .pragma("temp_store", "memory")
                .pragma("cache_size", cache.clone())
                // Mapped, reads need no copy into each connection's cache; but a
                // mapped page is parsed afresh on every visit, where a cached one is
                // parsed once (see BENCHMARKS.md, session 5, for which wins where).
                .pragma("mmap_size", mmap.clone())
        });
    }
    // At start a database server may still be coming up (a compose file starting both):
    // keep trying for `connect_timeout_secs` while it cannot be reached; any other error
    // (wrong password, no such database) and any SQLite error are reported at once.
    if lazy {
        options.connect_lazy(true);
        return Database::connect(options)
            .await
            .map_err(|e| AppError::DatabaseConnect {
                url: redact_url(&url),
                reason: one_line(&e.to_string()),
            });
    }
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(config.database.connect_timeout_secs);
    loop {
        match open(options.clone()).await {
            Ok(db) => return Ok(db),
            Err(e) if !sqlite && is_unavailable(&e) && tokio::time::Instant::now() < deadline => {
                tracing::info!(error = %one_line(&e.to_string()), "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => {
                return Err(AppError::DatabaseConnect {
                    url: redact_url(&url),
                    reason: one_line(&e.to_string()),
                });
            }
        }
    }
}

async fn open(options: ConnectOptions) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let db = Database::connect(options).await?;
    // A lazily failing pool would report the problem much later; ask now.
    db.execute_unprepared("SELECT 1").await?;
    Ok(db)
}

/// Whether the database answers `SELECT 1` within `within`; the reason when it does not.
pub async fn ping(db: &DatabaseConnection, within: Duration) -> Result<(), String> {
    match tokio::time::timeout(within, db.execute_unprepared("SELECT 1")).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(one_line(&e.to_string())),
        Err(_) => Err(format!("no answer within {} ms", within.as_millis())),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
