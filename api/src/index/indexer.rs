//! The indexer task: the one owner of the engine's writer. It tails the outbox in sequence
//! order, applies upserts and deletes, commits in batches (off the async runtime), and
//! only then publishes the applied sequence number and moves this replica's cursor. The
//! commit stores the sequence number in the index itself, so after a crash at any moment
//! the next start replays exactly what the index has not seen (applying twice is harmless).
//!
//! Failures never end it: a failed step rolls the writer back (making tantivy's writer
//! anew when it lost its lock, as it does when file handles run out) and retries with
//! backoff from the last commit, so rows are marked applied only once committed; an engine
//! whose in-memory state could not be rebuilt from the index is refilled from the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use makermatch_entities::index_cursor;
use makermatch_entities::outbox::{self, IndexedKind, OutboxOp};
use makermatch_search::{
    EngineHealth, EngineWriter, Kind, SearchEngine, SearchError, WriterOptions,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::rebuild::{self, Progress};
use super::{IndexError, documents, listen, on_writer, retention};
use crate::config::IndexConfig;
use crate::db::dialect::OUTBOX_CHANNEL;
use crate::server::metrics;

/// Where the indexer is, for `/readyz` and the `stats` query.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexStatus {
    /// Filling an empty or recreated index from the database.
    Rebuilding {
        reason: String,
    },
    /// Tailing the outbox.
    Ready,
    /// The last attempt failed; the indexer retries.
    Failing {
        error: String,
    },
    Stopped,
}

/// What the rest of the server holds: the engine for queries, and the way to wait until the
/// index has seen a write.
#[derive(Clone)]
pub struct IndexHandle {
    engine: SearchEngine,
    applied: watch::Receiver<i64>,
    wake: Arc<Notify>,
    status: Arc<Mutex<IndexStatus>>,
    read_your_writes: Duration,
    liveness: Arc<Liveness>,
    max_ready_lag: u64,
}

/// What `/healthz` asks of the indexer.
#[derive(Debug, Default)]
struct Liveness {
    /// The task runs (false once it ended or panicked).
    running: AtomicBool,
    /// Why the engine cannot be brought back, while refilling it from the database fails.
    broken: Mutex<Option<String>>,
}

impl Liveness {
    fn set_broken(&self, reason: Option<String>) {
        *self.broken.lock().unwrap_or_else(PoisonError::into_inner) = reason;
    }
}

/// Marks the task ended however it ends: returning, or dropped by a panic.
struct Running(Arc<Liveness>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::Release);
    }
}

impl std::fmt::Debug for IndexHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexHandle")
            .field("applied", &*self.applied.borrow())
            .finish()
    }
}

impl IndexHandle {
    pub fn engine(&self) -> &SearchEngine {
        &self.engine
    }

    /// The highest outbox sequence number whose effect queries can see (0 before any).
    pub fn applied_seq(&self) -> i64 {
        *self.applied.borrow()
    }

    /// The applied sequence number, to read (cheaply) again and again.
    pub fn applied_watch(&self) -> watch::Receiver<i64> {
        self.applied.clone()
    }

    pub fn status(&self) -> IndexStatus {
        self.status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(IndexStatus::Failing {
                error: "status lock poisoned".into(),
            })
    }

    /// `Err(reason)` when this server cannot answer searches by itself any more: the
    /// indexer task ended, or the engine's state can be rebuilt neither from the index nor
    /// from the database. Never touches the database.
    pub fn liveness(&self) -> Result<(), String> {
        if !self.liveness.running.load(Ordering::Acquire) {
            return Err("the search indexer task has stopped".to_owned());
        }
        let broken = self
            .liveness
            .broken
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match broken {
            Some(reason) => Err(format!("the search engine cannot recover: {reason}")),
            None => Ok(()),
        }
    }

    /// How far behind the outbox head the index may be while `/readyz` says ready.
    pub fn max_ready_lag(&self) -> u64 {
        self.max_ready_lag
    }

    /// Tells the indexer that new outbox rows exist (a write of this process committed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits, at most the configured bound, until the index has applied `seq`. Returns
    /// whether it did: on `false` the write is stored but queries may not show it yet.
    pub async fn wait_for(&self, seq: i64) -> bool {
        self.wake();
        let mut applied = self.applied.clone();
        let reached = tokio::time::timeout(self.read_your_writes, applied.wait_for(|a| *a >= seq));
        match reached.await {
            Ok(Ok(_)) => true,
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(
                    seq,
                    applied = self.applied_seq(),
                    "the search index did not catch up with a write in time; it is stored and \
                     will show in queries shortly"
                );
                false
            }
        }
    }
}

/// The running task (and its outbox listener on PostgreSQL); `stop` commits what is
/// pending and releases the index lock.
pub struct Indexer {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    listener: Option<JoinHandle<()>>,
}

impl Indexer {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the indexer task failed while stopping");
        }
        if let Some(listener) = self.listener
            && let Err(e) = listener.await
        {
            tracing::error!(error = %e, "the outbox listener failed while stopping");
        }
    }
}

/// Takes the engine's writer (failing when another process holds the index) and starts
/// the task. An empty or recreated index is first filled from the database.
pub fn start(
    db: DatabaseConnection,
    engine: SearchEngine,
    config: &IndexConfig,
) -> Result<(IndexHandle, Indexer), IndexError> {
    start_with(db, None, engine, config, Vec::new(), false)
}

/// [`start`], first rebuilding from `standby` if given (the outbox position a rebuild
/// starts from is read there too, so what the standby had not replayed yet is replayed
/// from `db` after; a retry reads `db`), its PostgreSQL listener also waking `followers` (the
/// event feed) on their channels. `read_only`: the database may not be written (a hot standby), so no cursor
/// is kept, nothing pruned, and nothing listened for (a standby cannot `LISTEN`; the
/// indexer polls).
pub fn start_with(
    db: DatabaseConnection,
    standby: Option<DatabaseConnection>,
    engine: SearchEngine,
    config: &IndexConfig,
    followers: Vec<listen::Follower>,
    read_only: bool,
) -> Result<(IndexHandle, Indexer), IndexError> {
    let needs_rebuild = match engine.opened() {
        makermatch_search::Opened::Recreated { reason } => Some(reason.clone()),
        _ if engine.applied_seq()?.is_none() => Some("the index is new".to_owned()),
        _ => None,
    };
    // Taken here, not in the task, so a second server on the same data dir fails at once.
    let writer = if needs_rebuild.is_some() {
        engine.writer_with(WriterOptions::bulk())?
    } else {
        engine.writer_with(WriterOptions::incremental())?
    };
    let applied = engine.applied_seq()?.unwrap_or(0);
    let (applied_tx, applied_rx) = watch::channel(applied);
    let (stop_tx, stop_rx) = watch::channel(false);
    let status = Arc::new(Mutex::new(match &needs_rebuild {
        Some(reason) => IndexStatus::Rebuilding {
            reason: reason.clone(),
        },
        None => IndexStatus::Ready,
    }));
    let wake = Arc::new(Notify::new());
    let liveness = Arc::new(Liveness {
        running: AtomicBool::new(true),
        broken: Mutex::new(None),
    });
    let handle = IndexHandle {
        engine: engine.clone(),
        applied: applied_rx,
        wake: wake.clone(),
        status: status.clone(),
        read_your_writes: Duration::from_millis(config.read_your_writes_timeout_ms),
        liveness: liveness.clone(),
        max_ready_lag: config.max_ready_lag,
    };
    let worker = Worker {
        db,
        standby,
        engine,
        running: Running(liveness),
        writer: Some(writer),
        applied,
        applied_tx,
        wake: wake.clone(),
        stop: stop_rx,
        status,
        replica: config.replica.clone(),
        batch: u64::from(config.batch.max(1)),
        commit_interval: Duration::from_millis(config.commit_interval_ms),
        poll_interval: Duration::from_millis(config.poll_interval_ms.max(10)),
        retention: (config.outbox_retention_secs > 0)
            .then(|| Duration::from_secs(config.outbox_retention_secs)),
        cursor_timeout: Duration::from_secs(config.cursor_timeout_secs.max(1)),
        prune_interval: Duration::from_millis(config.prune_interval_ms.max(1)),
        cursor_saved: Instant::now(),
        pruned: Instant::now(),
        read_only,
    };
    let listener = (config.listen && !read_only)
        .then(|| {
            let mut followers = followers;
            followers.push((OUTBOX_CHANNEL, wake));
            listen::start(&worker.db, &config.replica, followers, stop_tx.subscribe())
        })
        .flatten();
    let task = tokio::spawn(worker.run(needs_rebuild));
    Ok((
        handle,
        Indexer {
            stop: stop_tx,
            task,
            listener,
        },
    ))
}

struct Worker {
    db: DatabaseConnection,
    /// A hot standby of `db` whole rebuilds read first.
    standby: Option<DatabaseConnection>,
    engine: SearchEngine,
    running: Running,
    /// `None` only while a blocking call borrows it (or if that call's thread died).
    writer: Option<EngineWriter>,
    applied: i64,
    applied_tx: watch::Sender<i64>,
    wake: Arc<Notify>,
    stop: watch::Receiver<bool>,
    status: Arc<Mutex<IndexStatus>>,
    replica: String,
    batch: u64,
    commit_interval: Duration,
    poll_interval: Duration,
    /// `None`: the outbox keeps every row.
    retention: Option<Duration>,
    cursor_timeout: Duration,
    prune_interval: Duration,
    /// When this replica last wrote its cursor (it is refreshed while idle, so a quiet
    /// cursor means a replica that is down).
    cursor_saved: Instant,
    /// The database may not be written: no cursor, no pruning.
    read_only: bool,
    pruned: Instant,
}

/// What one step of the indexer found.
#[derive(Debug, PartialEq)]
enum Step {
    /// The outbox has no more rows for now.
    CaughtUp,
    /// A full batch was read: more may follow.
    More,
    /// Rows after what this index applied were pruned: it must be rebuilt.
    PrunedPast(String),
}

fn pruned_past(applied: i64, pruned_below: i64) -> String {
    format!(
        "the outbox was pruned below entry {pruned_below} while this index had applied up to {applied} (index.cursor_timeout_secs passed without this replica)"
    )
}

/// Outbox rows read but not yet committed to the index.
#[derive(Default)]
struct Pending {
    last_seq: Option<i64>,
    operations: usize,
    since: Option<Instant>,
}

impl Worker {
    fn set_status(&self, status: IndexStatus) {
        if let Ok(mut s) = self.status.lock() {
            *s = status;
        }
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    async fn run(mut self, needs_rebuild: Option<String>) {
        if let Some(reason) = needs_rebuild {
            metrics::record_rebuild("new_index");
            self.initial_rebuild(&reason).await;
        } else if let Some(reason) = self.missed_pruned_rows().await {
            self.rebuild_past_pruning(&reason).await;
        }
        let mut pending = Pending::default();
        let mut failures = 0u32;
        loop {
            if self.stopping() {
                break;
            }
            if let EngineHealth::Failed { reason } = self.engine.health() {
                // The state could not be rebuilt from the index: refill the index.
                tracing::error!(reason = %reason, "the search engine lost its in-memory state; rebuilding the index from the database");
                pending = Pending::default();
                self.set_status(IndexStatus::Rebuilding {
                    reason: "the search engine failed internally".to_owned(),
                });
                metrics::record_rebuild("engine_failed");
                self.initial_rebuild(&reason).await;
                continue;
            }
            match self.step(&mut pending).await {
                Ok(Step::PrunedPast(reason)) => {
                    pending = Pending::default();
                    self.rebuild_past_pruning(&reason).await;
                }
                Ok(step) => {
                    if failures > 0 {
                        tracing::info!("the search indexer recovered");
                        failures = 0;
                    }
                    self.set_status(IndexStatus::Ready);
                    if step == Step::CaughtUp {
                        self.upkeep().await;
                        self.idle().await;
                    }
                }
                Err(e) => {
                    failures += 1;
                    let wait = Duration::from_millis(200 * 2u64.pow(failures.min(5)));
                    tracing::error!(error = %e, retry_in_ms = wait.as_millis() as u64, "the search indexer failed; retrying");
                    self.set_status(IndexStatus::Failing {
                        error: e.to_string(),
                    });
                    // What was applied but not committed is thrown away and read again.
                    self.rollback().await;
                    pending = Pending::default();
                    self.sleep_or_stop(wait).await;
                    self.ensure_writer();
                }
            }
        }
        if pending.last_seq.is_some()
            && let Err(e) = self.commit(&mut pending).await
        {
            tracing::error!(error = %e, "the search indexer could not commit while stopping; the next start replays it");
        }
        self.finish().await;
        self.set_status(IndexStatus::Stopped);
    }

    /// Waits for a wake-up (a local write, or on PostgreSQL a notification of any
    /// replica's commit), the poll interval (the fallback for writes of other processes),
    /// or the stop signal.
    async fn idle(&mut self) {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = self.wake.notified() => {}
            _ = tokio::time::sleep(self.poll_interval) => {}
            _ = stop.changed() => {}
        }
    }

    async fn sleep_or_stop(&mut self, wait: Duration) {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }

    /// Reads one batch of outbox rows and applies it; commits when caught up, when the
    /// batch count is reached, or when the oldest pending change waited long enough.
    async fn step(&mut self, pending: &mut Pending) -> Result<Step, IndexError> {
        let after = pending.last_seq.unwrap_or(self.applied);
        let reading = Instant::now();
        let rows = outbox::Entity::find()
            .filter(outbox::Column::Seq.gt(after))
            .order_by_asc(outbox::Column::Seq)
            .limit(self.batch)
            .all(&self.db)
            .await?;
        metrics::record_index_step("read", reading.elapsed());
        // A gap after what was applied is usually a rolled-back sequence number, but it may
        // be rows pruned while this replica was away: then only a rebuild is whole.
        if rows.first().is_some_and(|r| r.seq > after + 1) {
            let pruned_below = retention::pruned_below(&self.db).await?;
            if retention::missed_rows(after, pruned_below) {
                return Ok(Step::PrunedPast(pruned_past(after, pruned_below)));
            }
        }
        let caught_up = (rows.len() as u64) < self.batch;
        if let Some(last) = rows.last() {
            let last_seq = last.seq;
            let operations = self.apply(rows).await?;
            pending.last_seq = Some(last_seq);
            pending.operations += operations;
            pending.since.get_or_insert_with(Instant::now);
        }
        let due = pending
            .since
            .is_some_and(|since| since.elapsed() >= self.commit_interval);
        if pending.last_seq.is_some() && (caught_up || due) {
            self.commit(pending).await?;
        }
        Ok(if caught_up {
            Step::CaughtUp
        } else {
            Step::More
        })
    }

    /// While idle: refreshes this replica's cursor (so it keeps holding back what it has
    /// not applied) and prunes the outbox now and then. Failures are logged, never fatal:
    /// both are retried at the next idle moment.
    async fn upkeep(&mut self) {
        if self.read_only {
            return;
        }
        if self.cursor_saved.elapsed() >= self.heartbeat()
            && let Err(e) = self.save_cursor(self.applied).await
        {
            tracing::warn!(error = %e, "cannot refresh the index cursor; retrying");
        }
        let Some(retention) = self.retention else {
            return;
        };
        if self.pruned.elapsed() < self.prune_interval {
            return;
        }
        self.pruned = Instant::now();
        match retention::prune(&self.db, retention, self.cursor_timeout).await {
            Ok(done) if done.rows > 0 => tracing::info!(
                rows = done.rows,
                pruned_below = done.pruned_below,
                "pruned outbox rows every live replica has applied"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "pruning the outbox failed; retrying later"),
        }
    }

    /// Why this index must be rebuilt, when the outbox was pruned past what it applied.
    async fn missed_pruned_rows(&self) -> Option<String> {
        match retention::pruned_below(&self.db).await {
            Ok(pruned_below) if retention::missed_rows(self.applied, pruned_below) => {
                Some(pruned_past(self.applied, pruned_below))
            }
            Ok(_) => None,
            Err(e) => {
                // The first step reads the outbox and meets the same gap if there is one.
                tracing::warn!(error = %e, "cannot read how far the outbox was pruned");
                None
            }
        }
    }

    async fn rebuild_past_pruning(&mut self, reason: &str) {
        tracing::warn!(
            reason,
            "this replica missed pruned outbox rows; rebuilding its index from the database"
        );
        self.set_status(IndexStatus::Rebuilding {
            reason: reason.to_owned(),
        });
        metrics::record_rebuild("outbox_pruned");
        self.initial_rebuild(reason).await;
    }

    /// Applies rows to the writer: the last operation on an entity wins; an upsert of an
    /// entity deleted since becomes a delete.
    async fn apply(&mut self, rows: Vec<outbox::Model>) -> Result<usize, IndexError> {
        let mut latest: HashMap<(Kind, Uuid), OutboxOp> = HashMap::new();
        for row in rows {
            latest.insert((kind_of(row.kind), row.entity_id), row.op);
        }
        let mut upserts: HashMap<Kind, Vec<Uuid>> = HashMap::new();
        let mut deletes: Vec<(Kind, Uuid)> = Vec::new();
        for ((kind, id), op) in latest {
            match op {
                OutboxOp::Upsert => upserts.entry(kind).or_default().push(id),
                OutboxOp::Delete => deletes.push((kind, id)),
            }
        }
        let loading = Instant::now();
        let mut docs = Vec::new();
        for (kind, ids) in upserts {
            let found = documents::load(&self.db, kind, &ids).await?;
            let present: std::collections::HashSet<Uuid> = found.iter().map(|d| d.id()).collect();
            deletes.extend(
                ids.into_iter()
                    .filter(|id| !present.contains(id))
                    .map(|id| (kind, id)),
            );
            docs.extend(found);
        }
        metrics::record_index_step("load", loading.elapsed());
        let operations = docs.len() + deletes.len();
        let writing = Instant::now();
        self.with_writer(move |writer| {
            for doc in &docs {
                writer.upsert(doc)?;
            }
            for (kind, id) in deletes {
                writer.delete(kind, id)?;
            }
            Ok(())
        })
        .await?;
        metrics::record_index_step("write", writing.elapsed());
        Ok(operations)
    }

    async fn commit(&mut self, pending: &mut Pending) -> Result<(), IndexError> {
        let Some(seq) = pending.last_seq else {
            return Ok(());
        };
        let report = self.with_writer(move |writer| writer.commit(seq)).await?;
        metrics::record_index_step("persist", report.persisted_in);
        metrics::record_index_step("publish", report.published_in);
        tracing::debug!(
            applied_seq = seq,
            operations = report.operations,
            persist_ms = report.persisted_in.as_secs_f64() * 1e3,
            publish_ms = report.published_in.as_secs_f64() * 1e3,
            "search index committed"
        );
        self.applied = seq;
        *pending = Pending::default();
        self.applied_tx.send_replace(seq);
        // A cursor behind what was applied only holds pruning back, so it is written once a
        // heartbeat, not after every commit: a write per commit on every replica would double
        // the primary's commits and hold up the next batch.
        if self.cursor_saved.elapsed() >= self.heartbeat() {
            self.save_cursor(seq).await?;
        }
        Ok(())
    }

    /// How often the cursor is refreshed: well within the timeout after which a silent
    /// cursor stops holding pruning back.
    fn heartbeat(&self) -> Duration {
        (self.cursor_timeout / 4).clamp(Duration::from_millis(100), Duration::from_secs(60))
    }

    /// Records how far this replica got, so outbox pruning never removes rows it needs.
    async fn save_cursor(&mut self, seq: i64) -> Result<(), DbErr> {
        self.cursor_saved = Instant::now();
        if self.read_only {
            return Ok(());
        }
        let row = index_cursor::ActiveModel {
            replica: Set(self.replica.clone()),
            applied_seq: Set(seq),
            updated_at: Set(Utc::now()),
        };
        index_cursor::Entity::insert(row)
            .on_conflict(
                OnConflict::column(index_cursor::Column::Replica)
                    .update_columns([
                        index_cursor::Column::AppliedSeq,
                        index_cursor::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        Ok(())
    }

    async fn with_writer<T, F>(&mut self, f: F) -> Result<T, IndexError>
    where
        T: Send + 'static,
        F: FnOnce(&mut EngineWriter) -> Result<T, SearchError> + Send + 'static,
    {
        on_writer(&mut self.writer, f).await
    }

    async fn rollback(&mut self) {
        if let Err(e) = self.with_writer(|w| w.rollback()).await {
            tracing::error!(error = %e, "the search index writer could not roll back");
        }
    }

    /// Takes the engine's writer again if a dead thread took it with it.
    fn ensure_writer(&mut self) {
        if self.writer.is_some() {
            return;
        }
        match self.engine.writer_with(WriterOptions::incremental()) {
            Ok(writer) => self.writer = Some(writer),
            Err(e) => {
                tracing::error!(error = %e, "cannot take the search index writer again; retrying")
            }
        }
    }

    async fn finish(&mut self) {
        if let Some(writer) = self.writer.take() {
            match tokio::task::spawn_blocking(move || writer.finish()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "closing the search index writer failed"),
                Err(e) => tracing::error!(error = %e, "closing the search index writer failed"),
            }
        }
    }

    /// Fills the index from the database with the bulk writer taken at start, then swaps
    /// it for the incremental one the live loop uses.
    async fn initial_rebuild(&mut self, reason: &str) {
        tracing::info!(reason, "rebuilding the search index from the database");
        if !self.read_only {
            rebuild::ensure_statistics(&self.db).await;
        }
        let started = Instant::now();
        let mut failures = 0u32;
        loop {
            self.ensure_writer();
            let Some(writer) = self.writer.take() else {
                if self.stopping() {
                    return;
                }
                self.sleep_or_stop(Duration::from_secs(1)).await;
                continue;
            };
            // The standby takes the whole scan off the primary; should it fail, the retries
            // read the primary rather than wait for it.
            let source = match (&self.standby, failures) {
                (Some(standby), 0) => standby,
                _ => &self.db,
            };
            match rebuild::fill(source, writer, &Progress::Log).await {
                Ok((writer, report)) => {
                    tracing::info!(
                        makers = report.makers,
                        facilities = report.facilities,
                        jobs = report.jobs,
                        seconds = started.elapsed().as_secs_f64(),
                        "search index rebuilt"
                    );
                    self.applied = report.applied_seq;
                    self.applied_tx.send_replace(report.applied_seq);
                    if let Err(e) = self.save_cursor(report.applied_seq).await {
                        tracing::warn!(error = %e, "cannot record the index cursor");
                    }
                    self.writer = Some(writer);
                    self.running.0.set_broken(None);
                    break;
                }
                Err((writer, e)) => {
                    failures += 1;
                    tracing::error!(error = %e, "rebuilding the search index failed; retrying");
                    self.set_status(IndexStatus::Failing {
                        error: e.to_string(),
                    });
                    if let EngineHealth::Failed { reason } = self.engine.health() {
                        // Neither the index nor the database could give the engine a
                        // state: what `/healthz` reports until a retry succeeds.
                        self.running.0.set_broken(Some(format!("{reason}; {e}")));
                    }
                    self.writer = writer;
                    if self.stopping() {
                        return;
                    }
                    self.rollback().await;
                    let wait = Duration::from_millis(500 * 2u64.pow(failures.min(5)));
                    self.sleep_or_stop(wait).await;
                    if self.stopping() {
                        return;
                    }
                }
            }
        }
        // The bulk writer stays for the live loop: letting it go to take an incremental
        // one would leave a moment in which another process could take the index.
    }
}

fn kind_of(kind: IndexedKind) -> Kind {
    match kind {
        IndexedKind::Maker => Kind::Maker,
        IndexedKind::Facility => Kind::Facility,
        IndexedKind::Job => Kind::Job,
    }
}
