//! The single writer: the indexer task owns one and drives it from `spawn_blocking`.
//! `upsert` is delete-by-ord then add, so replaying an outbox row is harmless; `commit`
//! stores the applied outbox sequence number in tantivy's commit payload, then reloads
//! the reader and brings the in-memory R-trees to the committed state. Tantivy's lock file
//! guarantees one writer per folder across processes. A bulk writer holds documents back
//! in batches and adds each batch in Hilbert order of position (see `geo_cell`).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use tantivy::{IndexWriter, TantivyDocument, TantivyError, Term};
use uuid::Uuid;

use super::Inner;
use super::fault::{self, FaultPoint};
use super::health::{EngineHealth, guarded};
use super::recover;
use super::state::{Change, Entity, Snapshot, State};
use crate::SearchError;
use crate::document::{Doc, Kind};
use crate::index::convert::Placement;
use crate::index::convert::convert;
use crate::index::payload;

/// Memory and threads of the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// Indexing memory shared by the threads; a segment is flushed when it fills.
    pub memory_budget_bytes: usize,
    pub threads: usize,
    /// Documents held back and added together in Hilbert order of their position, so
    /// neighbours get neighbouring doc ids; 0 adds each document at once.
    pub spatial_batch: usize,
}

impl WriterOptions {
    /// For the live indexer: small batches, one thread, little memory.
    pub fn incremental() -> WriterOptions {
        WriterOptions {
            memory_budget_bytes: 64 << 20,
            threads: 1,
            spatial_batch: 0,
        }
    }

    /// For a full reindex: every core, large segments, one commit at the end.
    pub fn bulk() -> WriterOptions {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4);
        WriterOptions {
            memory_budget_bytes: threads * (256 << 20),
            threads,
            // 64 Ki documents: a city's entities land in one doc-id run per batch,
            // for some 100 MB of converted documents held at a time.
            spatial_batch: 1 << 16,
        }
    }
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions::incremental()
    }
}

/// What one commit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitReport {
    pub applied_seq: i64,
    /// Upserts and deletes included.
    pub operations: usize,
    /// How long tantivy took to write the commit to disk.
    pub persisted_in: std::time::Duration,
    /// How long reloading the reader and applying the changes to the in-memory state took.
    pub published_in: std::time::Duration,
}

/// Past this many pending changes, the commit rebuilds the in-memory state from the
/// index (bulk-loaded R-trees) instead of applying changes one by one under the lock.
const REBUILD_AFTER: usize = 50_000;

enum Pending {
    Changes(Vec<Change>),
    Rebuild { operations: usize },
}

impl Pending {
    fn operations(&self) -> usize {
        match self {
            Pending::Changes(c) => c.len(),
            Pending::Rebuild { operations } => *operations,
        }
    }
}

/// A converted document waiting for its batch.
struct Held {
    cell: u64,
    entity: Entity,
    placement: Placement,
    doc: TantivyDocument,
}

/// Writes to the engine. Changes become visible to queries at `commit`.
///
/// A failure (an I/O error, a panic caught here or by the caller) never loses the
/// writer: `rollback` drops what was pending, recreates tantivy's writer when tantivy
/// lost it (its rollback fails and lets go of the folder lock after running out of file
/// handles, then panics on the next one), and brings the ord table back to the last
/// commit; every other call does that first when an earlier one failed.
pub struct EngineWriter {
    inner: Arc<Inner>,
    /// `None` after tantivy's writer failed in a way that leaves it unusable; made anew
    /// by the next call.
    writer: Option<IndexWriter>,
    options: WriterOptions,
    /// The ord table matches the last commit plus what is pending.
    in_sync: bool,
    /// A commit may be durable that the in-memory state does not show.
    unpublished: bool,
    /// Ord of every entity the writer knows, committed or pending.
    ords: HashMap<(Kind, Uuid), u32>,
    next_ord: u32,
    pending: Pending,
    spatial_batch: usize,
    held: Vec<Held>,
    /// Index in `held` of each held entity, so a second upsert replaces the first.
    held_at: HashMap<(Kind, Uuid), usize>,
}

impl std::fmt::Debug for EngineWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineWriter")
            .field("index", &self.inner.location)
            .field("pending", &self.pending.operations())
            .finish()
    }
}

impl EngineWriter {
    pub(crate) fn new(inner: Arc<Inner>, options: WriterOptions) -> Result<Self, SearchError> {
        let writer = open_tantivy(&inner, options)?;
        let mut w = EngineWriter {
            inner,
            writer: Some(writer),
            options,
            in_sync: true,
            unpublished: false,
            ords: HashMap::new(),
            next_ord: 0,
            pending: Pending::Changes(Vec::new()),
            spatial_batch: options.spatial_batch,
            held: Vec::new(),
            held_at: HashMap::new(),
        };
        w.load_ords()?;
        Ok(w)
    }

    /// Rebuilds the ord table from the committed state.
    fn load_ords(&mut self) -> Result<(), SearchError> {
        let state = self.inner.read()?;
        self.ords = state
            .entities
            .iter()
            .enumerate()
            .filter_map(|(ord, e)| e.map(|e| ((e.kind, e.id), ord as u32)))
            .collect();
        self.next_ord = u32::try_from(state.entities.len()).unwrap_or(u32::MAX);
        Ok(())
    }

    /// Tantivy's writer, made anew when a failure took it.
    fn tantivy(&mut self) -> Result<&mut IndexWriter, SearchError> {
        match &mut self.writer {
            Some(w) => Ok(w),
            slot @ None => Ok(slot.insert(open_tantivy(&self.inner, self.options)?)),
        }
    }

    /// After a failure: a tantivy writer, the state of the last commit in memory, and
    /// the ord table read from it.
    fn resync(&mut self) -> Result<(), SearchError> {
        self.tantivy()?;
        if self.in_sync {
            return Ok(());
        }
        if self.unpublished || !self.inner.state_ok.load(Ordering::Acquire) {
            recover::reload(
                &self.inner,
                "a commit was not applied to the in-memory state",
            )?;
            self.unpublished = false;
        }
        self.load_ords()?;
        self.in_sync = true;
        Ok(())
    }

    fn ord_term(&self, ord: u32) -> Term {
        Term::from_field_u64(self.inner.fields.ord, u64::from(ord))
    }

    fn record(&mut self, change: Change) {
        match &mut self.pending {
            Pending::Changes(changes) if changes.len() < REBUILD_AFTER => changes.push(change),
            Pending::Changes(changes) => {
                self.pending = Pending::Rebuild {
                    operations: changes.len() + 1,
                }
            }
            Pending::Rebuild { operations } => *operations += 1,
        }
    }

    /// Indexes `doc`, replacing any earlier version. A position out of range is refused
    /// and nothing is changed.
    pub fn upsert(&mut self, doc: &Doc) -> Result<(), SearchError> {
        self.resync()?;
        let converted = convert(doc, &self.inner.fields, &self.inner.expander)?;
        let entity = Entity {
            kind: doc.kind(),
            id: doc.id(),
        };
        if self.spatial_batch == 0 {
            return self.add(entity, converted.placement, converted.doc);
        }
        let key = (entity.kind, entity.id);
        let held = Held {
            cell: converted.placement.cell(),
            entity,
            placement: converted.placement,
            doc: converted.doc,
        };
        match self.held_at.get(&key) {
            Some(&i) => self.held[i] = held,
            None => {
                self.held_at.insert(key, self.held.len());
                self.held.push(held);
            }
        }
        if self.held.len() >= self.spatial_batch {
            self.release()?;
        }
        Ok(())
    }

    /// Gives `entity` its ord (a new one when unknown) and adds the document.
    fn add(
        &mut self,
        entity: Entity,
        placement: Placement,
        mut doc: TantivyDocument,
    ) -> Result<(), SearchError> {
        let key = (entity.kind, entity.id);
        let ord = match self.ords.get(&key) {
            Some(&ord) => ord,
            None if self.next_ord < u32::MAX => {
                let ord = self.next_ord;
                self.next_ord += 1;
                self.ords.insert(key, ord);
                ord
            }
            None => {
                return Err(SearchError::InvalidRequest(
                    "the index holds 4 billion entities; rebuild it to compact".into(),
                ));
            }
        };
        doc.add_u64(self.inner.fields.ord, u64::from(ord));
        let term = self.ord_term(ord);
        let writer = self.tantivy()?;
        writer.delete_term(term);
        writer.add_document(doc)?;
        self.record(Change::Upsert {
            ord,
            entity,
            placement,
        });
        Ok(())
    }

    /// Adds the held documents, nearest cells together. New entities get their ords
    /// here, in that order too, so an area's ords are as contiguous as its doc ids.
    fn release(&mut self) -> Result<(), SearchError> {
        let mut held = std::mem::take(&mut self.held);
        self.held_at.clear();
        held.sort_unstable_by_key(|h| (h.cell, h.entity.id));
        for h in held {
            self.add(h.entity, h.placement, h.doc)?;
        }
        Ok(())
    }

    /// Removes an entity; returns whether the writer knew it. Deleting twice is harmless.
    pub fn delete(&mut self, kind: Kind, id: Uuid) -> Result<bool, SearchError> {
        self.resync()?;
        // A held version must not be added after this delete.
        let was_held = match self.held_at.remove(&(kind, id)) {
            Some(i) => {
                self.held.swap_remove(i);
                if let Some(moved) = self.held.get(i) {
                    self.held_at.insert((moved.entity.kind, moved.entity.id), i);
                }
                true
            }
            None => false,
        };
        let Some(ord) = self.ords.remove(&(kind, id)) else {
            return Ok(was_held);
        };
        let term = self.ord_term(ord);
        self.tantivy()?.delete_term(term);
        self.record(Change::Delete { ord });
        Ok(true)
    }

    /// Removes everything, e.g. before a full reindex.
    pub fn clear(&mut self) -> Result<(), SearchError> {
        self.held.clear();
        self.held_at.clear();
        // No resync: nothing of the old state is kept (this is how a state that cannot
        // be loaded any more is replaced).
        self.tantivy()?.delete_all_documents()?;
        self.in_sync = true;
        self.ords.clear();
        self.next_ord = 0;
        let operations = self.pending.operations() + 1;
        self.pending = Pending::Rebuild { operations };
        Ok(())
    }

    /// Changes waiting for `commit`.
    pub fn pending(&self) -> usize {
        self.pending.operations() + self.held.len()
    }

    /// Makes every change durable and visible, recording `applied_seq` (the last outbox
    /// row included) in the same atomic commit.
    ///
    /// A panic while the commit is applied to the in-memory state is caught here: the
    /// state is rebuilt from the (durable) commit, and the commit succeeds. When that
    /// rebuild fails too, the engine is [`EngineHealth::Failed`] and this returns the
    /// error: the caller refills the index from its source (`clear`, upserts, commit).
    pub fn commit(&mut self, applied_seq: i64) -> Result<CommitReport, SearchError> {
        self.resync()?;
        self.release()?;
        let payload = payload::encode(applied_seq);
        let writer = self.tantivy()?;
        let started = std::time::Instant::now();
        let committed = guarded(|| -> Result<(), SearchError> {
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
            Ok(())
        });
        // From here the index may hold more than memory shows, until published.
        self.unpublished = true;
        match committed {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                self.in_sync = false;
                return Err(e);
            }
            Err(message) => {
                self.writer = None;
                self.in_sync = false;
                return Err(SearchError::Panicked {
                    during: "committing to the index",
                    message,
                });
            }
        }
        let persisted_in = started.elapsed();
        let started = std::time::Instant::now();
        let operations = self.pending.operations();
        let pending = std::mem::replace(&mut self.pending, Pending::Changes(Vec::new()));
        let published = match guarded(|| self.publish(pending, applied_seq)) {
            Ok(result) => result,
            Err(message) => {
                // The state may be half-changed: no query may read it any more.
                self.inner.state_ok.store(false, Ordering::Release);
                Err(SearchError::Panicked {
                    during: "applying a commit to the in-memory state",
                    message,
                })
            }
        };
        if let Err(e) = published {
            let reason = format!("applying the commit of outbox entry {applied_seq} failed: {e}");
            if !self.inner.state_ok.load(Ordering::Acquire) {
                self.inner.health.set(EngineHealth::Recovering {
                    reason: reason.clone(),
                });
            }
            if let Err(e) = recover::reload(&self.inner, &reason) {
                self.in_sync = false;
                return Err(e);
            }
        }
        self.unpublished = false;
        Ok(CommitReport {
            applied_seq,
            operations,
            persisted_in,
            published_in: started.elapsed(),
        })
    }

    /// Reloads the reader and brings the shared state to the committed index.
    fn publish(&self, pending: Pending, applied_seq: i64) -> Result<(), SearchError> {
        let inner = &self.inner;
        let _publishing = inner
            .publishing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        inner.reader.reload()?;
        let snapshot = Snapshot::new(inner.reader.searcher(), &inner.fields)?;
        match pending {
            Pending::Rebuild { .. } => {
                fault::trip(&inner.fault_key, FaultPoint::Load);
                let state = State::load(snapshot, &inner.fields, Some(applied_seq))?;
                recover::install(inner, state);
            }
            Pending::Changes(changes) => {
                let mut state = inner.write()?;
                state.snapshot = snapshot;
                for change in &changes {
                    fault::trip(&inner.fault_key, FaultPoint::Commit);
                    state.apply(change);
                }
                state.applied_seq = Some(applied_seq);
            }
        }
        Ok(())
    }

    /// Drops every change since the last commit. When tantivy's writer cannot roll back
    /// (or panics doing so) it is dropped and made anew.
    pub fn rollback(&mut self) -> Result<(), SearchError> {
        self.held.clear();
        self.held_at.clear();
        self.pending = Pending::Changes(Vec::new());
        self.in_sync = false;
        if let Some(writer) = &mut self.writer {
            let key = &self.inner.fault_key;
            let rolled_back = guarded(|| {
                fault::trip(key, FaultPoint::Rollback);
                writer.rollback()
            });
            if !matches!(rolled_back, Ok(Ok(_))) {
                // Dropped before a new one is taken: it may still hold the folder lock.
                self.writer = None;
            }
        }
        self.resync()
    }

    /// Waits for background segment merges to finish and releases the writer (and its
    /// lock); for the end of a bulk load.
    pub fn finish(self) -> Result<(), SearchError> {
        if let Some(writer) = self.writer {
            writer.wait_merging_threads()?;
        }
        Ok(())
    }
}

fn open_tantivy(inner: &Inner, options: WriterOptions) -> Result<IndexWriter, SearchError> {
    inner
        .index
        .writer_with_num_threads(options.threads.max(1), options.memory_budget_bytes)
        .map_err(|e| match e {
            TantivyError::LockFailure(..) => SearchError::WriterLocked {
                dir: inner.location.clone(),
            },
            other => SearchError::Tantivy(other),
        })
}
