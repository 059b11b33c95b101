//! The entities nearest each of many points among the holders of any of some skills:
//! `matchJob` asks, for every candidate facility and skill requirement, for the makers
//! with a covering skill within reach of it. The holders are one cached bitset per skill
//! (`ord_set`), shared by every point; each point is then a walk outward in the R-tree
//! that stops as soon as its nearest are certain.

use std::sync::Arc;

use tantivy::Term;

use super::ord_set::{OrdSet, holders_of_any, skill_terms};
use super::plan::Best;
use super::request::{Hit, SkillFilter};
use crate::SearchError;
use crate::access::PositionAccess;
use crate::budget::checkpoint;
use crate::document::Kind;
use crate::engine::Inner;
use crate::engine::state::{Layers, State};
use crate::spatial::point_set::SlotSubset;
use crate::spatial::{LatLon, chord2_bound};

/// Holders below one in this many of a layer's entities walk an R-tree of their own.
const SPARSE: usize = 8;
/// Subsets kept per snapshot before the cache starts over.
const MAX_SUBSETS: usize = 64;

/// What to find around each of `centers`.
#[derive(Debug, Clone)]
pub struct NearbyRequest {
    pub kind: Kind,
    /// Any of these (as one `Filters::skill_alternatives` entry); none finds nobody.
    pub skills: Vec<SkillFilter>,
    pub centers: Vec<LatLon>,
    pub radius_km: f64,
    /// How many, at most, around each centre.
    pub per_center: usize,
    /// Which positions count (makers: public, or home with consent under a grant).
    pub positions: PositionAccess,
}

/// Per centre, in the request's order: the nearest `per_center` holders within the
/// radius, nearest first (ties by id), as a search with the same skill filter, `near`
/// and page would return them.
pub(crate) fn nearest_holders(
    inner: &Inner,
    state: &State,
    request: &NearbyRequest,
) -> Result<Vec<Vec<Hit>>, SearchError> {
    let r = request.radius_km;
    if !(r.is_finite() && r >= 0.0) {
        return Err(SearchError::InvalidRequest(format!(
            "radiusKm must be a non-negative number, got {r}"
        )));
    }
    let terms = skill_terms(inner, &request.skills);
    let allowed = holders_of_any(inner, state, request.kind, &terms)?;
    let layer = state.layers.get(request.kind, &request.positions);
    // Rare holders (under one in SPARSE of the layer) get an R-tree of their own slots,
    // cached with the snapshot: the walk from each centre then meets holders only.
    let subset = if allowed.len().saturating_mul(SPARSE) < layer.len() {
        Some(holder_slots(state, request, &terms, &allowed)?)
    } else {
        None
    };
    let bound2 = chord2_bound(r);
    let mut out = Vec::with_capacity(request.centers.len());
    for center in &request.centers {
        let mut best = Best::new(request.per_center, state);
        if request.per_center > 0 {
            let xyz = center.unit_vector();
            let walk: Box<dyn Iterator<Item = (u32, f64)>> = match &subset {
                Some(subset) => Box::new(subset.nearest(xyz)),
                None => Box::new(layer.nearest(xyz)),
            };
            for (slot_id, d2) in walk {
                checkpoint()?;
                if d2 > bound2 || best.cannot_improve(d2) {
                    break;
                }
                let slot = layer.slot(slot_id);
                let mut held = slot
                    .members()
                    .iter()
                    .filter(|&&ord| allowed.contains(ord))
                    .peekable();
                if held.peek().is_none() {
                    continue;
                }
                let km = center.distance_km(slot.at);
                if km > r {
                    continue;
                }
                for &ord in held {
                    best.push(ord, km);
                }
            }
        }
        let mut hits: Vec<Hit> = best
            .into_found()
            .into_iter()
            .filter_map(|f| {
                let entity = state.entity(f.ord)?;
                Some(Hit {
                    kind: entity.kind,
                    id: entity.id,
                    score: 0.0,
                    distance_km: f.distance_km,
                    highlights: Vec::new(),
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            a.distance_km
                .unwrap_or(0.0)
                .total_cmp(&b.distance_km.unwrap_or(0.0))
                .then(a.id.cmp(&b.id))
        });
        out.push(hits);
    }
    Ok(out)
}

/// The slots of the request's layer holding one of `allowed` (the holders of `terms`),
/// from the snapshot's cache.
fn holder_slots(
    state: &State,
    request: &NearbyRequest,
    terms: &[Term],
    allowed: &OrdSet,
) -> Result<Arc<SlotSubset>, SearchError> {
    let key = (Layers::id(request.kind, &request.positions), terms.to_vec());
    let cache = &state.snapshot.holder_slots;
    if let Some(found) = cache.lock().map_err(|_| SearchError::Poisoned)?.get(&key) {
        return Ok(found.clone());
    }
    // Built outside the lock; two requests racing build it twice, harmlessly.
    let layer = state.layers.get(request.kind, &request.positions);
    let subset = Arc::new(layer.subset(allowed.iter()));
    let mut cache = cache.lock().map_err(|_| SearchError::Poisoned)?;
    if cache.len() >= MAX_SUBSETS {
        cache.clear();
    }
    cache.insert(key, subset.clone());
    Ok(subset)
}
