//! The entities nearest each of many points among the holders of any of some skills:
//! `matchJob` asks, for every candidate facility and skill requirement, for the makers
//! with a covering skill within reach of it. The holders are one cached bitset per skill
//! (`ord_set`), shared by every point; each point is then a walk outward in the R-tree
//! that stops as soon as its nearest are certain.

use tantivy::Term;

use super::filters::skill_term;
use super::ord_set::{OrdSet, holders};
use super::plan::Best;
use super::request::{Hit, SkillFilter};
use crate::SearchError;
use crate::access::PositionAccess;
use crate::document::Kind;
use crate::engine::Inner;
use crate::engine::state::State;
use crate::skills::skill_key;
use crate::spatial::{LatLon, chord2_bound};

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
    let mut allowed = OrdSet::with_capacity(state.entities.len());
    for s in &request.skills {
        if skill_key(&s.key).is_empty() {
            continue;
        }
        let (field, text) = skill_term(s, &inner.fields);
        let set = holders(
            inner,
            state,
            request.kind,
            Term::from_field_text(field, &text),
        )?;
        allowed.union_with(&set);
    }
    let layer = state.layers.get(request.kind, &request.positions);
    let bound2 = chord2_bound(r);
    let mut out = Vec::with_capacity(request.centers.len());
    for center in &request.centers {
        let mut best = Best::new(request.per_center, state);
        if request.per_center > 0 {
            for (slot_id, d2) in layer.nearest(center.unit_vector()) {
                if d2 > bound2 || best.cannot_improve(d2) {
                    break;
                }
                let slot = layer.slot(slot_id);
                let km = center.distance_km(slot.at);
                if km > r {
                    continue;
                }
                for &ord in slot.members() {
                    if allowed.contains(ord) {
                        best.push(ord, km);
                    }
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
