//! What the engine keeps in memory beside tantivy, all derived from the index folder:
//! which entity each compact number (ord) stands for, where each one is (the R-tree
//! layers), and, per reader snapshot, the document address of each ord. Queries read it
//! under a shared lock; the writer swaps it after each commit.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use tantivy::columnar::Column;
use tantivy::{DocAddress, Searcher, Term};
use uuid::Uuid;

use crate::SearchError;
use crate::access::PositionAccess;
use crate::document::Kind;
use crate::index::convert::Placement;
use crate::index::schema::Fields;
use crate::matching::{FacilityProfile, MakerProfile};
use crate::query::ord_set::OrdSet;
use crate::spatial::LatLon;
use crate::spatial::point_set::{PointSet, SlotSubset};

/// Who an ord stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entity {
    pub kind: Kind,
    pub id: Uuid,
}

/// One R-tree per kind, two for makers.
#[derive(Debug, Default)]
pub(crate) struct Layers {
    pub maker_exact: PointSet,
    pub maker_coarse: PointSet,
    pub facility: PointSet,
    pub job: PointSet,
}

/// Which of the `Layers` (a cache key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum LayerId {
    MakerExact,
    MakerCoarse,
    Facility,
    Job,
}

impl Layers {
    pub(crate) fn id(kind: Kind, access: &PositionAccess) -> LayerId {
        match (kind, access) {
            (Kind::Maker, PositionAccess::Exact(_)) => LayerId::MakerExact,
            (Kind::Maker, PositionAccess::Coarse) => LayerId::MakerCoarse,
            (Kind::Facility, _) => LayerId::Facility,
            (Kind::Job, _) => LayerId::Job,
        }
    }

    pub(crate) fn get(&self, kind: Kind, access: &PositionAccess) -> &PointSet {
        match Layers::id(kind, access) {
            LayerId::MakerExact => &self.maker_exact,
            LayerId::MakerCoarse => &self.maker_coarse,
            LayerId::Facility => &self.facility,
            LayerId::Job => &self.job,
        }
    }
}

/// A layer and the (sorted) terms whose holders' slots were taken from it.
pub(crate) type HolderSlotsKey = (LayerId, Vec<Term>);

/// Where each ord lives in one reader generation.
pub(crate) struct Snapshot {
    pub searcher: Searcher,
    /// Per segment, the `ord` column.
    pub ord_columns: Vec<Column<u64>>,
    doc_of: Vec<DocAddress>,
    /// The holders of index terms by kind (`query::ord_set`), filled as queries ask for
    /// them: they only change with the index, and the next commit brings a new snapshot.
    pub term_sets: Mutex<HashMap<(Kind, Term), Arc<OrdSet>>>,
    /// The slots of a layer holding any of some terms (`query::nearby`), by the same rule:
    /// layers change only with a new snapshot.
    pub holder_slots: Mutex<HashMap<HolderSlotsKey, Arc<SlotSubset>>>,
}

const NO_DOC: DocAddress = DocAddress {
    segment_ord: u32::MAX,
    doc_id: u32::MAX,
};

impl Snapshot {
    /// Maps every live document's ord to its address: one pass over the `ord` column.
    pub(crate) fn new(searcher: Searcher, fields: &Fields) -> Result<Snapshot, SearchError> {
        let name = field_name(&searcher, fields.ord);
        let mut ord_columns = Vec::with_capacity(searcher.segment_readers().len());
        let mut doc_of = Vec::new();
        for (segment_ord, reader) in searcher.segment_readers().iter().enumerate() {
            let column = reader.fast_fields().u64(&name)?;
            for doc_id in reader.doc_ids_alive() {
                if let Some(ord) = column.first(doc_id) {
                    let i = ord as usize;
                    if i >= doc_of.len() {
                        doc_of.resize(i + 1, NO_DOC);
                    }
                    doc_of[i] = DocAddress {
                        segment_ord: segment_ord as u32,
                        doc_id,
                    };
                }
            }
            ord_columns.push(column);
        }
        Ok(Snapshot {
            searcher,
            ord_columns,
            doc_of,
            term_sets: Mutex::new(HashMap::new()),
            holder_slots: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn doc_of(&self, ord: u32) -> Option<DocAddress> {
        self.doc_of
            .get(ord as usize)
            .copied()
            .filter(|a| a.segment_ord != u32::MAX)
    }

    pub(crate) fn ord(&self, segment: usize, doc: u32) -> Option<u32> {
        self.ord_columns[segment].first(doc).map(|o| o as u32)
    }
}

pub(crate) fn field_name(searcher: &Searcher, field: tantivy::schema::Field) -> String {
    searcher.schema().get_field_name(field).to_string()
}

/// A change the writer made, applied to the state once its commit is visible.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    Upsert {
        ord: u32,
        entity: Entity,
        placement: Placement,
    },
    Delete {
        ord: u32,
    },
}

pub(crate) struct State {
    pub snapshot: Snapshot,
    /// By ord.
    pub entities: Vec<Option<Entity>>,
    /// Ords in (kind, id) order: pages of a kind's entities by id without a scan.
    pub by_id: BTreeMap<(Kind, Uuid), u32>,
    /// The same ords hashed: a match looks up thousands of ids, and a million-entry
    /// B-tree costs a cache miss per level of each search.
    ords: FxHashMap<(Kind, Uuid), u32>,
    pub counts: [usize; 3],
    pub layers: Layers,
    pub applied_seq: Option<i64>,
    /// Matching profiles decoded from the doc store (`engine::profiles`), by ord.
    pub profiles: Mutex<ProfileCache>,
}

/// Decoding a stored profile costs tens of microseconds (a doc-store block and JSON),
/// and matches in one area keep asking for the same makers and facilities, so decoded
/// profiles are kept. An entry goes when its entity is re-indexed or deleted (`forget`);
/// past [`ProfileCache::MAX`] entries the cache starts over, which bounds its memory
/// (about 1 KiB an entry) without bookkeeping on every hit.
#[derive(Debug, Default)]
pub(crate) struct ProfileCache {
    pub makers: FxHashMap<u32, Arc<MakerProfile>>,
    pub facilities: FxHashMap<u32, Arc<FacilityProfile>>,
}

impl ProfileCache {
    pub const MAX: usize = 200_000;

    fn remove(&mut self, ord: u32) {
        self.makers.remove(&ord);
        self.facilities.remove(&ord);
    }

    /// Room for `n` more entries.
    pub(crate) fn make_room(&mut self, n: usize) {
        if self.makers.len() + self.facilities.len() + n > ProfileCache::MAX {
            self.makers.clear();
            self.facilities.clear();
        }
    }
}

fn kind_index(kind: Kind) -> usize {
    match kind {
        Kind::Maker => 0,
        Kind::Facility => 1,
        Kind::Job => 2,
    }
}

impl State {
    /// Reads identities and positions of every live document back from fast fields and
    /// bulk-loads the R-trees.
    pub(crate) fn load(
        snapshot: Snapshot,
        fields: &Fields,
        applied_seq: Option<i64>,
    ) -> Result<State, SearchError> {
        let searcher = &snapshot.searcher;
        let name = |f| field_name(searcher, f);
        let mut entities: Vec<Option<Entity>> = Vec::new();
        let mut by_id = BTreeMap::new();
        let mut ords = FxHashMap::default();
        let mut counts = [0; 3];
        let mut placed: [Vec<(u32, LatLon)>; 4] = Default::default();
        for (segment, reader) in searcher.segment_readers().iter().enumerate() {
            let ff = reader.fast_fields();
            let kind = ff.u64(&name(fields.kind))?;
            let hi = ff.u64(&name(fields.id_hi))?;
            let lo = ff.u64(&name(fields.id_lo))?;
            let lat = ff.f64(&name(fields.lat))?;
            let lon = ff.f64(&name(fields.lon))?;
            let clat = ff.f64(&name(fields.coarse_lat))?;
            let clon = ff.f64(&name(fields.coarse_lon))?;
            for doc in reader.doc_ids_alive() {
                let Some(ord) = snapshot.ord(segment, doc) else {
                    continue;
                };
                let (Some(kind), Some(hi), Some(lo)) = (
                    kind.first(doc).and_then(Kind::from_code),
                    hi.first(doc),
                    lo.first(doc),
                ) else {
                    continue;
                };
                let i = ord as usize;
                if i >= entities.len() {
                    entities.resize(i + 1, None);
                }
                let id = Uuid::from_u64_pair(hi, lo);
                entities[i] = Some(Entity { kind, id });
                by_id.insert((kind, id), ord);
                ords.insert((kind, id), ord);
                counts[kind_index(kind)] += 1;
                let at = |a: &Column<f64>, b: &Column<f64>| {
                    let (a, b) = (a.first(doc)?, b.first(doc)?);
                    LatLon::new(a, b).ok()
                };
                let (primary, coarse) = (at(&lat, &lon), at(&clat, &clon));
                let layer = match kind {
                    Kind::Maker => 0,
                    Kind::Facility => 2,
                    Kind::Job => 3,
                };
                if let Some(p) = primary {
                    placed[layer].push((ord, p));
                }
                if let (Kind::Maker, Some(c)) = (kind, coarse) {
                    placed[1].push((ord, c));
                }
            }
        }
        let id_of = |ord: u32| {
            entities
                .get(ord as usize)
                .copied()
                .flatten()
                .map_or(Uuid::nil(), |e| e.id)
        };
        let [exact, coarse, facility, job] = placed;
        let layers = Layers {
            maker_exact: PointSet::bulk(exact, id_of),
            maker_coarse: PointSet::bulk(coarse, id_of),
            facility: PointSet::bulk(facility, id_of),
            job: PointSet::bulk(job, id_of),
        };
        Ok(State {
            snapshot,
            entities,
            by_id,
            ords,
            counts,
            layers,
            applied_seq,
            profiles: Mutex::new(ProfileCache::default()),
        })
    }

    pub(crate) fn entity(&self, ord: u32) -> Option<Entity> {
        self.entities.get(ord as usize).copied().flatten()
    }

    /// The ord of `kind`'s entity `id`, when the index holds it.
    pub(crate) fn ord_of(&self, kind: Kind, id: Uuid) -> Option<u32> {
        self.ords.get(&(kind, id)).copied()
    }

    pub(crate) fn count(&self, kind: Kind) -> usize {
        self.counts[kind_index(kind)]
    }

    /// The first `n` ords of `kind` in id order.
    pub(crate) fn first_by_id(&self, kind: Kind, n: usize) -> impl Iterator<Item = u32> + '_ {
        self.by_id
            .range((kind, Uuid::nil())..=(kind, Uuid::max()))
            .take(n)
            .map(|(_, &ord)| ord)
    }

    /// Applies one committed change.
    pub(crate) fn apply(&mut self, change: &Change) {
        match *change {
            Change::Upsert {
                ord,
                entity,
                placement,
            } => {
                self.forget(ord);
                let i = ord as usize;
                if i >= self.entities.len() {
                    self.entities.resize(i + 1, None);
                }
                self.entities[i] = Some(entity);
                self.by_id.insert((entity.kind, entity.id), ord);
                self.ords.insert((entity.kind, entity.id), ord);
                self.counts[kind_index(entity.kind)] += 1;
                let entities = &self.entities;
                let id_of = |o: u32| {
                    entities
                        .get(o as usize)
                        .copied()
                        .flatten()
                        .map_or(Uuid::nil(), |e| e.id)
                };
                let layers = &mut self.layers;
                match entity.kind {
                    Kind::Maker => {
                        if let Some(at) = placement.primary {
                            layers.maker_exact.insert(ord, at, id_of);
                        }
                        if let Some(at) = placement.coarse {
                            layers.maker_coarse.insert(ord, at, id_of);
                        }
                    }
                    Kind::Facility => {
                        if let Some(at) = placement.primary {
                            layers.facility.insert(ord, at, id_of);
                        }
                    }
                    Kind::Job => {
                        if let Some(at) = placement.primary {
                            layers.job.insert(ord, at, id_of);
                        }
                    }
                }
            }
            Change::Delete { ord } => self.forget(ord),
        }
    }

    /// Removes every trace of `ord`.
    fn forget(&mut self, ord: u32) {
        let Some(old) = self.entity(ord) else {
            return;
        };
        self.entities[ord as usize] = None;
        match self.profiles.get_mut() {
            Ok(cache) => cache.remove(ord),
            Err(poisoned) => *poisoned.into_inner() = ProfileCache::default(),
        }
        self.by_id.remove(&(old.kind, old.id));
        self.ords.remove(&(old.kind, old.id));
        self.counts[kind_index(old.kind)] -= 1;
        match old.kind {
            Kind::Maker => {
                self.layers.maker_exact.remove(ord);
                self.layers.maker_coarse.remove(ord);
            }
            Kind::Facility => self.layers.facility.remove(ord),
            Kind::Job => self.layers.job.remove(ord),
        }
    }
}
