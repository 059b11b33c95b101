//! Reading back the matching profiles stored with makers' and facilities' documents
//! (`matching::stored`): what `matchJob` scores, in one index read instead of a dozen
//! database tables, kept decoded once read (`state::ProfileCache`).

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::de::DeserializeOwned;
use tantivy::TantivyDocument;
use tantivy::schema::Value;
use uuid::Uuid;

use super::SearchEngine;
use super::state::ProfileCache;
use crate::SearchError;
use crate::budget::checkpoint;
use crate::document::Kind;
use crate::matching::{FacilityProfile, MakerProfile};

impl SearchEngine {
    /// The profiles of the makers `ids` the index holds, in the order of `ids`, with their
    /// affiliations and clearances; shared with the engine's cache (a match takes a few
    /// claims of hundreds of makers: copying every profile whole cost more than the rest).
    pub fn maker_profiles(&self, ids: &[Uuid]) -> Result<Vec<Arc<MakerProfile>>, SearchError> {
        self.profiles(Kind::Maker, ids)
    }

    /// The profiles of the facilities `ids` the index holds, in the order of `ids`, with
    /// empty track records: the caller reads those from the facilities' assignments.
    pub fn facility_profiles(&self, ids: &[Uuid]) -> Result<Vec<FacilityProfile>, SearchError> {
        Ok(self
            .profiles::<FacilityProfile>(Kind::Facility, ids)?
            .into_iter()
            .map(|p| FacilityProfile::clone(&p))
            .collect())
    }

    fn profiles<T: Stored>(&self, kind: Kind, ids: &[Uuid]) -> Result<Vec<Arc<T>>, SearchError> {
        // Decoded and cached under one read lock: no commit can change the documents
        // between the read and the caching (`State::forget` drops stale entries).
        self.reading(|inner, state, _| {
            let lock = || state.profiles.lock().map_err(|_| SearchError::Poisoned);
            let ords: Vec<(Uuid, u32)> = ids
                .iter()
                .filter_map(|id| state.ord_of(kind, *id).map(|ord| (*id, ord)))
                .collect();
            let mut found: Vec<Option<Arc<T>>> = {
                let mut cache = lock()?;
                let slot = T::slot(&mut cache);
                ords.iter().map(|(_, ord)| slot.get(ord).cloned()).collect()
            };
            let mut decoded = Vec::new();
            for ((id, ord), profile) in ords.iter().zip(found.iter_mut()) {
                if profile.is_some() {
                    continue;
                }
                checkpoint()?;
                let Some(address) = state.snapshot.doc_of(*ord) else {
                    continue;
                };
                let doc: TantivyDocument = state.snapshot.searcher.doc(address)?;
                let bad = |reason: String| SearchError::BadProfile {
                    what: format!("{kind} {id}"),
                    reason,
                };
                let bytes = doc
                    .get_first(inner.fields.profile)
                    .and_then(|v| v.as_bytes())
                    .ok_or_else(|| bad("the document has none".into()))?;
                let p =
                    Arc::new(serde_json::from_slice::<T>(bytes).map_err(|e| bad(e.to_string()))?);
                decoded.push((*ord, p.clone()));
                *profile = Some(p);
            }
            if !decoded.is_empty() {
                let mut cache = lock()?;
                cache.make_room(decoded.len());
                T::slot(&mut cache).extend(decoded);
            }
            Ok(found.into_iter().flatten().collect())
        })
    }
}

/// A profile kind the index stores, and its part of the cache.
trait Stored: DeserializeOwned + Clone {
    fn slot(cache: &mut ProfileCache) -> &mut FxHashMap<u32, Arc<Self>>;
}

impl Stored for MakerProfile {
    fn slot(cache: &mut ProfileCache) -> &mut FxHashMap<u32, Arc<Self>> {
        &mut cache.makers
    }
}

impl Stored for FacilityProfile {
    fn slot(cache: &mut ProfileCache) -> &mut FxHashMap<u32, Arc<Self>> {
        &mut cache.facilities
    }
}
