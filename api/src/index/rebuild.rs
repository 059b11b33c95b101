//! Filling the index from the database: `makermatch reindex`, and a server starting on an
//! empty or recreated index. The outbox position is read first, so every write committed
//! after it is replayed by the live indexer afterwards (replaying is harmless).

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use makermatch_entities::{facility, job, maker};
use makermatch_search::{Doc, EngineWriter, Kind};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use tokio::task::JoinHandle;

use super::{IndexError, documents, on_writer};
use crate::services::outbox;

/// Entities read per page.
const PAGE: u64 = 2_000;

/// How a rebuild reports progress.
pub enum Progress {
    /// A progress bar per kind (a terminal; hidden otherwise).
    Bars,
    /// An `info` log line every few seconds (a server).
    Log,
}

/// What a rebuild wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RebuildReport {
    pub makers: u64,
    pub facilities: u64,
    pub jobs: u64,
    /// The outbox position the index now stands at.
    pub applied_seq: i64,
}

/// A failed rebuild gives the writer back when it still has it.
pub type Failed = (Option<EngineWriter>, IndexError);

async fn count(db: &DatabaseConnection, kind: Kind) -> Result<u64, IndexError> {
    Ok(match kind {
        Kind::Maker => maker::Entity::find().count(db).await?,
        Kind::Facility => facility::Entity::find().count(db).await?,
        Kind::Job => job::Entity::find().count(db).await?,
    })
}

fn bar(progress: &Progress, kind: Kind, total: u64) -> ProgressBar {
    match progress {
        Progress::Bars => {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix:>11} {bar:40} {pos}/{len} ({per_sec}, {eta} left)",
            ) {
                bar.set_style(style);
            }
            bar.set_prefix(format!("{kind}s"));
            bar
        }
        Progress::Log => ProgressBar::hidden(),
    }
}

/// The tables a rebuild reads.
const SOURCE_TABLES: &[&str] = &[
    "makers",
    "skill_claims",
    "skills",
    "availabilities",
    "maker_affiliations",
    "machine_clearances",
    "credentials",
    "achievements",
    "achievement_alignments",
    "issuers",
    "facilities",
    "facility_processes",
    "facility_materials",
    "equipment",
    "jobs",
    "job_requirements",
];

/// Gives PostgreSQL statistics for the tables a rebuild reads if it has none (a bulk load
/// that left none, autovacuum not round yet): a rebuild planned without them scans a child
/// table once per page of ids. Run on the primary (a standby cannot, and follows its
/// statistics); a failure is logged, not fatal, since the rebuild works without.
pub async fn ensure_statistics(primary: &DatabaseConnection) {
    match crate::db::dialect::analyze_if_never(primary, SOURCE_TABLES).await {
        Ok(analyzed) if !analyzed.is_empty() => {
            tracing::info!(tables = %analyzed.join(", "), "analyzed tables that had no planner statistics before rebuilding");
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "cannot analyze the tables the rebuild reads; rebuilding without fresh statistics")
        }
    }
}

/// Empties the index and writes every maker, facility and job, then commits at the
/// outbox position read before the first page.
pub async fn fill(
    db: &DatabaseConnection,
    writer: EngineWriter,
    progress: &Progress,
) -> Result<(EngineWriter, RebuildReport), Failed> {
    let mut writer = Some(writer);
    match fill_inner(db, &mut writer, progress).await {
        Ok(report) => match writer {
            Some(w) => Ok((w, report)),
            None => Err((None, IndexError::WriterGone)),
        },
        Err(e) => Err((writer, e)),
    }
}

async fn fill_inner(
    db: &DatabaseConnection,
    slot: &mut Option<EngineWriter>,
    progress: &Progress,
) -> Result<RebuildReport, IndexError> {
    let applied_seq = outbox::last_seq(db).await?.unwrap_or(0);
    on_writer(slot, |w| w.clear()).await?;
    let mut report = RebuildReport {
        applied_seq,
        ..RebuildReport::default()
    };
    for kind in [Kind::Facility, Kind::Maker, Kind::Job] {
        let total = count(db, kind).await?;
        let bar = bar(progress, kind, total);
        let mut logged = Instant::now();
        let mut written = 0u64;
        let mut after = None;
        // Reading the next page overlaps with indexing the current one.
        let mut indexing: Option<JoinHandle<_>> = None;
        loop {
            let ids = documents::ids_after(db, kind, after, PAGE).await?;
            let docs = if ids.is_empty() {
                Vec::new()
            } else {
                documents::load(db, kind, &ids).await?
            };
            if let Some(task) = indexing.take() {
                let (w, result) = task.await.map_err(|e| IndexError::Task(e.to_string()))?;
                *slot = Some(w);
                result?;
            }
            let Some(last) = ids.last() else {
                break;
            };
            after = Some(*last);
            written += docs.len() as u64;
            bar.inc(ids.len() as u64);
            let Some(mut w) = slot.take() else {
                return Err(IndexError::WriterGone);
            };
            indexing = Some(tokio::task::spawn_blocking(move || {
                let result = upsert_all(&mut w, &docs);
                (w, result)
            }));
            if matches!(progress, Progress::Log) && logged.elapsed() >= Duration::from_secs(5) {
                tracing::info!(kind = %kind, done = written, total, "rebuilding the search index");
                logged = Instant::now();
            }
        }
        bar.finish_and_clear();
        match kind {
            Kind::Maker => report.makers = written,
            Kind::Facility => report.facilities = written,
            Kind::Job => report.jobs = written,
        }
    }
    on_writer(slot, move |w| w.commit(applied_seq)).await?;
    Ok(report)
}

fn upsert_all(
    writer: &mut EngineWriter,
    docs: &[Doc],
) -> Result<(), makermatch_search::SearchError> {
    for doc in docs {
        writer.upsert(doc)?;
    }
    Ok(())
}
