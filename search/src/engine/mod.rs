//! The engine: one tantivy index and its R-tree layers behind a read-write lock, shared by
//! every query thread, plus at most one [`EngineWriter`].

mod clusters;
#[doc(hidden)]
pub mod fault;
mod health;
mod open;
mod profiles;
mod recover;
pub(crate) mod state;
mod writer;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tantivy::{Index, IndexReader, ReloadPolicy};
use uuid::Uuid;

pub use clusters::Cluster;
use fault::FaultPoint;
pub use health::{EngineHealth, panic_message};
use health::{HealthCell, guarded};
pub use open::{OnMismatch, OpenOptions, Opened};
pub use recover::restores_total;
use state::{Snapshot, State};
pub use writer::{CommitReport, EngineWriter, WriterOptions};

use crate::access::PositionAccess;
use crate::document::Kind;
use crate::index::analyzer;
use crate::index::expand::Expander;
use crate::index::payload;
use crate::index::schema::Fields;
use crate::query::capability::{CapabilityRequest, RankedFacility, rank_facilities};
use crate::query::execute::execute;
use crate::query::linked::linked_makers;
use crate::query::nearby::{NearbyRequest, nearest_holders};
use crate::query::plan::PlannerLimits;
use crate::query::request::{Filters, Hit, SearchPage, SearchRequest, SkillFilter};
use crate::spatial::LatLon;
use crate::{SearchError, Taxonomy};

pub(crate) struct Inner {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub expander: Expander,
    pub state: RwLock<State>,
    /// The folder, or "memory", for messages.
    pub location: String,
    pub opened: Opened,
    pub limits: RwLock<PlannerLimits>,
    /// False from a caught panic that may have left `state` half-changed until a
    /// reload replaces it: queries then answer `Recovering`.
    pub state_ok: AtomicBool,
    pub health: HealthCell,
    /// Held while a commit is published or the state reloaded (`recover`).
    pub publishing: Mutex<()>,
    /// A background reload is running (one at a time).
    pub reloading: AtomicBool,
    /// What `fault::arm` names this engine by.
    pub fault_key: String,
}

impl Inner {
    /// The state queries read; `Recovering` while it is being rebuilt.
    pub(crate) fn read(&self) -> Result<RwLockReadGuard<'_, State>, SearchError> {
        if !self.state_ok.load(Ordering::Acquire) {
            return Err(SearchError::Recovering);
        }
        self.state.read().map_err(|_| SearchError::Recovering)
    }

    pub(crate) fn write(&self) -> Result<RwLockWriteGuard<'_, State>, SearchError> {
        self.state.write().map_err(|_| SearchError::Recovering)
    }
}

/// The search engine. Cheap to clone; every clone shares one index.
#[derive(Clone)]
pub struct SearchEngine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SearchEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchEngine")
            .field("index", &self.inner.location)
            .field("opened", &self.inner.opened)
            .finish()
    }
}

impl SearchEngine {
    /// Opens the index in `dir`, creating it when absent. An index of another schema
    /// version or taxonomy is reported as [`SearchError::RebuildNeeded`].
    pub fn open(dir: &Path, taxonomy: &Taxonomy) -> Result<SearchEngine, SearchError> {
        SearchEngine::open_with(dir, taxonomy, OpenOptions::default())
    }

    /// Opens the index in `dir`; `options` say what to do with an incompatible one.
    pub fn open_with(
        dir: &Path,
        taxonomy: &Taxonomy,
        options: OpenOptions,
    ) -> Result<SearchEngine, SearchError> {
        let (schema, fields) = Fields::build();
        let expander = Expander::new(taxonomy);
        let (index, opened) = open::open_dir(dir, schema, expander.fingerprint(), options)?;
        let location = dir.display().to_string();
        match SearchEngine::start(index, fields, expander, location.clone(), opened) {
            // An index whose loading panics would panic on every start: refill it instead.
            Err(SearchError::Panicked { message, .. })
                if options.on_mismatch == OnMismatch::Recreate =>
            {
                let (schema, fields) = Fields::build();
                let expander = Expander::new(taxonomy);
                let index = open::recreate(dir, schema, expander.fingerprint())?;
                let reason = format!("loading it panicked ({message})");
                SearchEngine::start(
                    index,
                    fields,
                    expander,
                    location,
                    Opened::Recreated { reason },
                )
            }
            other => other,
        }
    }

    /// An engine in memory, for tests and benchmarks.
    pub fn in_memory(taxonomy: &Taxonomy) -> Result<SearchEngine, SearchError> {
        let (schema, fields) = Fields::build();
        let index = Index::create_in_ram(schema);
        let expander = Expander::new(taxonomy);
        let location = format!("memory-{}", Uuid::new_v4().simple());
        SearchEngine::start(index, fields, expander, location, Opened::Created)
    }

    fn start(
        index: Index,
        fields: Fields,
        expander: Expander,
        location: String,
        opened: Opened,
    ) -> Result<SearchEngine, SearchError> {
        analyzer::register(&index, expander.label_words());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let applied_seq = payload::decode(index.load_metas()?.payload.as_deref())?;
        let snapshot = Snapshot::new(reader.searcher(), &fields)?;
        let state = guarded(|| {
            fault::trip(&location, FaultPoint::Load);
            State::load(snapshot, &fields, applied_seq)
        })
        .map_err(|message| SearchError::Panicked {
            during: "loading the index",
            message,
        })??;
        Ok(SearchEngine {
            inner: Arc::new(Inner {
                index,
                reader,
                fields,
                expander,
                state: RwLock::new(state),
                fault_key: location.clone(),
                location,
                opened,
                limits: RwLock::new(PlannerLimits::default()),
                state_ok: AtomicBool::new(true),
                health: HealthCell::new(),
                publishing: Mutex::new(()),
                reloading: AtomicBool::new(false),
            }),
        })
    }

    /// Whether queries can be answered (see [`EngineHealth`]).
    pub fn health(&self) -> EngineHealth {
        self.inner.health.get()
    }

    /// What `fault::arm` names this engine by: its folder as opened, or a unique name
    /// for an engine in memory. For tests.
    #[doc(hidden)]
    pub fn fault_key(&self) -> &str {
        &self.inner.fault_key
    }

    /// Rebuilds the in-memory state from the last commit now (what the engine does by
    /// itself after a caught panic); fails, and stays as it was, when that fails.
    pub fn reload(&self, reason: &str) -> Result<(), SearchError> {
        recover::reload(&self.inner, reason)
    }

    /// Starts a reload on a thread of its own unless one is running; queries go on
    /// meanwhile, on the old state when it is whole.
    fn recover_in_background(&self, reason: String) {
        if self.inner.reloading.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = self.inner.clone();
        let spawned = std::thread::Builder::new()
            .name("search-recover".into())
            .spawn(move || {
                // The outcome is in the engine's health.
                let _ = recover::reload(&inner, &reason);
                inner.reloading.store(false, Ordering::Release);
            });
        if spawned.is_err() {
            // No thread now: the next failing query tries again.
            self.inner.reloading.store(false, Ordering::Release);
        }
    }

    /// Whether the index existed, was created, or was recreated (and needs a reindex).
    pub fn opened(&self) -> &Opened {
        &self.inner.opened
    }

    /// The outbox sequence number of the last commit, `None` before the first one.
    pub fn applied_seq(&self) -> Result<Option<i64>, SearchError> {
        self.reading(|_, state, _| Ok(state.applied_seq))
    }

    /// Number of indexed entities of `kind`.
    pub fn count(&self, kind: Kind) -> Result<usize, SearchError> {
        self.reading(|_, state, _| Ok(state.count(kind)))
    }

    /// Number of tantivy segments (diagnostics: many small segments slow queries down).
    pub fn segment_count(&self) -> Result<usize, SearchError> {
        self.reading(|_, state, _| Ok(state.snapshot.searcher.segment_readers().len()))
    }

    /// The writer. Fails with [`SearchError::WriterLocked`] while another one, in this
    /// process or another, holds the folder.
    pub fn writer(&self) -> Result<EngineWriter, SearchError> {
        self.writer_with(WriterOptions::default())
    }

    pub fn writer_with(&self, options: WriterOptions) -> Result<EngineWriter, SearchError> {
        EngineWriter::new(self.inner.clone(), options)
    }

    /// Runs `query` on the current state under the planner's limits: the panic boundary
    /// of every query. A panic, or a lock a panic poisoned, answers `Recovering` and
    /// starts a rebuild of the state from the index.
    fn reading<T>(
        &self,
        query: impl FnOnce(&Inner, &State, PlannerLimits) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let limits = *self
            .inner
            .limits
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let outcome = guarded(|| {
            let state = self.inner.read()?;
            fault::trip(&self.inner.fault_key, FaultPoint::Query);
            query(&self.inner, &state, limits)
        });
        let reason = match outcome {
            // A spent budget is the caller's limit, not a fault: nothing to recover.
            Ok(Err(SearchError::Cancelled)) => return Err(SearchError::Cancelled),
            Ok(Err(SearchError::Poisoned)) => "a lock of the in-memory state was poisoned".into(),
            Ok(Err(SearchError::Recovering))
                if self.inner.state.is_poisoned() && self.health().is_healthy() =>
            {
                "the in-memory state was poisoned".into()
            }
            Ok(result) => return result,
            Err(message) => format!("a query panicked: {message}"),
        };
        self.recover_in_background(reason);
        Err(SearchError::Recovering)
    }

    /// Runs a query.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchPage, SearchError> {
        // Before the state is read: a stalled search holds no lock a commit waits for.
        fault::stall(&self.inner.fault_key)?;
        self.reading(|inner, state, limits| execute(inner, state, request, limits))
    }

    /// Facilities ranked by the capabilities a job wants and by distance (see
    /// [`CapabilityRequest`]), best first.
    pub fn rank_facilities(
        &self,
        request: &CapabilityRequest,
    ) -> Result<Vec<RankedFacility>, SearchError> {
        self.reading(|inner, state, limits| rank_facilities(inner, state, request, limits))
    }

    /// Per centre, the nearest holders of any of some skills (see [`NearbyRequest`]).
    pub fn nearest_holders(&self, request: &NearbyRequest) -> Result<Vec<Vec<Hit>>, SearchError> {
        self.reading(|inner, state, _| nearest_holders(inner, state, request))
    }

    /// The makers affiliated with or cleared at any of `facilities`, by id, each once;
    /// when `holding_any` names skills, only those holding one of them (as a skill filter
    /// would match them: by key, level and verification as given).
    pub fn linked_makers(
        &self,
        facilities: &[Uuid],
        holding_any: &[SkillFilter],
    ) -> Result<Vec<Uuid>, SearchError> {
        self.reading(|inner, state, _| linked_makers(inner, state, facilities, holding_any))
    }

    /// The `k` entities of `kind` nearest to `center` that pass `filters`, nearest first.
    pub fn nearest(
        &self,
        kind: Kind,
        center: LatLon,
        k: usize,
        filters: Filters,
        positions: PositionAccess,
    ) -> Result<Vec<Hit>, SearchError> {
        let request = SearchRequest::new(kind)
            .nearest_to(center)
            .filters(filters)
            .positions(positions)
            .page(0, k);
        Ok(self.search(&request)?.hits)
    }

    /// Where the planner switches between text-first and geo-first (tests force either
    /// route with these; benchmarks tune them).
    pub fn set_planner_limits(&self, limits: PlannerLimits) -> Result<(), SearchError> {
        *self
            .inner
            .limits
            .write()
            .unwrap_or_else(PoisonError::into_inner) = limits;
        Ok(())
    }
}
