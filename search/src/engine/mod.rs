//! The engine: one tantivy index and its R-tree layers behind a read-write lock, shared by
//! every query thread, plus at most one [`EngineWriter`].

mod clusters;
mod open;
mod profiles;
pub(crate) mod state;
mod writer;

use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tantivy::{Index, IndexReader, ReloadPolicy};
use uuid::Uuid;

pub use clusters::Cluster;
pub use open::{OnMismatch, OpenOptions, Opened};
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
}

impl Inner {
    pub(crate) fn read(&self) -> Result<RwLockReadGuard<'_, State>, SearchError> {
        self.state.read().map_err(|_| SearchError::Poisoned)
    }

    pub(crate) fn write(&self) -> Result<RwLockWriteGuard<'_, State>, SearchError> {
        self.state.write().map_err(|_| SearchError::Poisoned)
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
        SearchEngine::start(index, fields, expander, dir.display().to_string(), opened)
    }

    /// An engine in memory, for tests and benchmarks.
    pub fn in_memory(taxonomy: &Taxonomy) -> Result<SearchEngine, SearchError> {
        let (schema, fields) = Fields::build();
        let index = Index::create_in_ram(schema);
        let expander = Expander::new(taxonomy);
        SearchEngine::start(index, fields, expander, "memory".into(), Opened::Created)
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
        let state = State::load(snapshot, &fields, applied_seq)?;
        Ok(SearchEngine {
            inner: Arc::new(Inner {
                index,
                reader,
                fields,
                expander,
                state: RwLock::new(state),
                location,
                opened,
                limits: RwLock::new(PlannerLimits::default()),
            }),
        })
    }

    /// Whether the index existed, was created, or was recreated (and needs a reindex).
    pub fn opened(&self) -> &Opened {
        &self.inner.opened
    }

    /// The outbox sequence number of the last commit, `None` before the first one.
    pub fn applied_seq(&self) -> Result<Option<i64>, SearchError> {
        Ok(self.inner.read()?.applied_seq)
    }

    /// Number of indexed entities of `kind`.
    pub fn count(&self, kind: Kind) -> Result<usize, SearchError> {
        Ok(self.inner.read()?.count(kind))
    }

    /// Number of tantivy segments (diagnostics: many small segments slow queries down).
    pub fn segment_count(&self) -> Result<usize, SearchError> {
        Ok(self.inner.read()?.snapshot.searcher.segment_readers().len())
    }

    /// The writer. Fails with [`SearchError::WriterLocked`] while another one, in this
    /// process or another, holds the folder.
    pub fn writer(&self) -> Result<EngineWriter, SearchError> {
        self.writer_with(WriterOptions::default())
    }

    pub fn writer_with(&self, options: WriterOptions) -> Result<EngineWriter, SearchError> {
        EngineWriter::new(self.inner.clone(), options)
    }

    /// Runs `query` on the current state under the planner's limits.
    fn reading<T>(
        &self,
        query: impl FnOnce(&Inner, &State, PlannerLimits) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let limits = *self
            .inner
            .limits
            .read()
            .map_err(|_| SearchError::Poisoned)?;
        let state = self.inner.read()?;
        query(&self.inner, &state, limits)
    }

    /// Runs a query.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchPage, SearchError> {
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
            .map_err(|_| SearchError::Poisoned)? = limits;
        Ok(())
    }
}
