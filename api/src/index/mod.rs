//! Keeping the search engine in step with the database (DESIGN §2): documents read from
//! the database, the indexer task tailing the outbox, and full rebuilds.

mod documents;
mod indexer;
pub mod listen;
mod rebuild;
pub mod retention;

use std::path::PathBuf;
use std::time::Instant;

use makermatch_search::{
    EngineWriter, OnMismatch, OpenOptions, Opened, SearchEngine, SearchError, Taxonomy,
    WriterOptions,
};
use sea_orm::{DatabaseConnection, DbErr};

pub use documents::load as load_documents;
pub use indexer::{IndexHandle, IndexStatus, Indexer, start, start_with};
pub use rebuild::{Progress, RebuildReport, ensure_statistics};

use crate::config::Config;
use crate::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("database error while indexing: {0}")]
    Database(#[from] DbErr),
    #[error("an indexing thread failed: {0}")]
    Task(String),
    #[error("the search index writer was lost after an earlier failure; restart makermatch")]
    WriterGone,
}

impl From<IndexError> for AppError {
    fn from(e: IndexError) -> AppError {
        match e {
            IndexError::Search(SearchError::WriterLocked { dir }) => AppError::Io(format!(
                "the search index at {dir} is in use by another makermatch process (a running \
                 server or reindex on this data dir); stop it first, or leave it running: a \
                 server keeps its index in step by itself"
            )),
            other => AppError::Io(other.to_string()),
        }
    }
}

/// The index folder: `index.dir` when configured, else `index` in the data dir.
pub fn index_dir(config: &Config) -> PathBuf {
    config
        .index
        .dir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("index"))
}

/// Opens (or creates) the index. One written by another schema version or taxonomy is
/// wiped, with a log line, and refilled from the database by whoever takes the writer.
pub fn open_engine(config: &Config, taxonomy: &Taxonomy) -> Result<SearchEngine, AppError> {
    let dir = index_dir(config);
    let engine = SearchEngine::open_with(
        &dir,
        taxonomy,
        OpenOptions {
            on_mismatch: OnMismatch::Recreate,
        },
    )
    .map_err(IndexError::from)?;
    if let Opened::Recreated { reason } = engine.opened() {
        tracing::warn!(
            dir = %dir.display(),
            reason = %reason,
            "the search index was built by another schema version or taxonomy; it will be rebuilt from the database"
        );
    }
    Ok(engine)
}

/// Runs `f` on the writer on a blocking thread (tantivy work never runs on the async
/// runtime) and puts the writer back, whatever `f` returned or however it panicked.
pub(crate) async fn on_writer<T, F>(slot: &mut Option<EngineWriter>, f: F) -> Result<T, IndexError>
where
    T: Send + 'static,
    F: FnOnce(&mut EngineWriter) -> Result<T, SearchError> + Send + 'static,
{
    let Some(mut writer) = slot.take() else {
        return Err(IndexError::WriterGone);
    };
    let (writer, result) = tokio::task::spawn_blocking(move || {
        // A panic must not take the writer with it: the caller rolls back and goes on.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut writer)));
        (writer, result)
    })
    .await
    .map_err(|e| IndexError::Task(e.to_string()))?;
    *slot = Some(writer);
    match result {
        Ok(result) => Ok(result?),
        Err(panic) => Err(IndexError::Search(SearchError::Panicked {
            during: "writing to the index",
            message: makermatch_search::engine::panic_message(panic),
        })),
    }
}

/// `makermatch reindex`: rebuilds the whole index from the database. Refuses while a
/// server holds the index (tantivy's lock file says so).
pub async fn reindex(
    db: &DatabaseConnection,
    config: &Config,
    taxonomy: &Taxonomy,
) -> Result<(RebuildReport, f64), AppError> {
    let engine = open_engine(config, taxonomy)?;
    let writer = engine
        .writer_with(WriterOptions::bulk())
        .map_err(IndexError::from)?;
    let started = Instant::now();
    let progress = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        Progress::Bars
    } else {
        Progress::Log
    };
    let (writer, report) = rebuild::fill(db, writer, &progress)
        .await
        .map_err(|(_, e)| AppError::from(e))?;
    tokio::task::spawn_blocking(move || writer.finish())
        .await
        .map_err(|e| AppError::Io(format!("an indexing thread failed: {e}")))?
        .map_err(IndexError::from)?;
    Ok((report, started.elapsed().as_secs_f64()))
}
