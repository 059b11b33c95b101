//! Facilities ranked by what a job asks of them and by distance, from the index alone.
//! `matchJob` scores a team in full only after loading its facility's profile, makers
//! and track record; at tens of thousands of facilities that cannot be done for all of
//! them. This ranking picks the few hundred worth loading: each facility
//! earns the weight of every wanted capability it holds (a process, counting the
//! taxonomy's kinds of it; an equipment type; a material) plus a distance term that
//! decays like the matcher's own.
//!
//! Only the facilities that can still make the cut are measured: with a delivery point
//! the ranking walks outward from it and stops once the best capability score plus the
//! distance term at the current distance falls below the `limit`-th total so far; without
//! one it takes capability levels best first. A job with no maximum distance asks about
//! tens of thousands of facilities; a few hundred get measured.

use std::sync::Arc;

use tantivy::Term;
use uuid::Uuid;

use super::execute::execute;
use super::matcher::FilterPlan;
use super::ord_set::{OrdSet, holders};
use super::plan::PlannerLimits;
use super::request::{Filters, SearchRequest};
use crate::SearchError;
use crate::budget::checkpoint;
use crate::document::Kind;
use crate::engine::Inner;
use crate::engine::state::State;
use crate::index::convert::{code_term, id_term};
use crate::spatial::{LatLon, chord2_bound};

/// A capability as the index records it for a facility.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Facet {
    /// A process id; a facility holds it when it declares it or a kind of it, or has a
    /// machine that performs one.
    Process(String),
    /// An equipment type id.
    EquipmentType(String),
    /// A material id.
    Material(String),
}

/// One thing a job asks for: met when a facility holds every facet of at least one
/// alternative.
#[derive(Debug, Clone, PartialEq)]
pub struct Want {
    pub weight: f64,
    pub alternatives: Vec<Vec<Facet>>,
}

/// What to rank facilities by.
#[derive(Debug, Clone, PartialEq)]
pub struct CapabilityRequest {
    pub wants: Vec<Want>,
    /// Facility statuses allowed (any of); empty allows every status.
    pub statuses: Vec<String>,
    /// The delivery point: distance counts from here.
    pub origin: Option<LatLon>,
    /// With an origin, facilities beyond this never rank.
    pub radius_km: Option<f64>,
    /// Weight of the distance term, `weight · 0.5^(km / half_life_km)`.
    pub distance_weight: f64,
    pub half_life_km: f64,
    /// How many facilities to return.
    pub limit: usize,
    /// Only these facilities are candidates, each whatever it holds; `None`: any.
    pub only: Option<Vec<Uuid>>,
}

/// A ranked facility.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedFacility {
    pub id: Uuid,
    pub score: f64,
    pub distance_km: Option<f64>,
}

struct Ranking<'a> {
    inner: &'a Inner,
    state: &'a State,
    request: &'a CapabilityRequest,
    limits: PlannerLimits,
}

impl Ranking<'_> {
    fn facet_term(&self, facet: &Facet) -> Term {
        let f = &self.inner.fields;
        match facet {
            Facet::Process(id) => Term::from_field_text(f.process, &id_term(id)),
            Facet::EquipmentType(id) => Term::from_field_text(f.equipment_type, &id_term(id)),
            Facet::Material(id) => Term::from_field_text(f.material, &id_term(id)),
        }
    }

    fn status_filter(&self) -> Option<FilterPlan> {
        let mut any_of: Vec<Term> = self
            .request
            .statuses
            .iter()
            .map(|s| Term::from_field_text(self.inner.fields.status, &code_term(s)))
            .collect();
        any_of.sort();
        any_of.dedup();
        (!any_of.is_empty()).then_some(FilterPlan { any_of })
    }

    /// The facilities holding `facet`, whatever their status (the status applies to the
    /// candidates), from the snapshot's cache when another query asked already.
    fn holders(&self, facet: &Facet) -> Result<Arc<OrdSet>, SearchError> {
        self.cached(self.facet_term(facet))
    }

    fn cached(&self, term: Term) -> Result<Arc<OrdSet>, SearchError> {
        holders(self.inner, self.state, Kind::Facility, term)
    }

    /// The facilities nearest the origin (or first by id) with an allowed status: the
    /// candidates a job that asks for no capability, or one nobody holds, still gets.
    fn nearest(&self) -> Result<Vec<u32>, SearchError> {
        let mut request = SearchRequest::new(Kind::Facility)
            .filters(Filters {
                statuses: self.request.statuses.clone(),
                ..Filters::default()
            })
            .page(0, self.request.limit);
        if let Some(at) = self.request.origin {
            request = match self.request.radius_km {
                Some(km) => request.near(at, km),
                None => request.nearest_to(at),
            };
        }
        let page = execute(self.inner, self.state, &request, self.limits)?;
        Ok(page
            .hits
            .iter()
            .filter_map(|h| self.state.ord_of(Kind::Facility, h.id))
            .collect())
    }

    fn run(&self) -> Result<Vec<RankedFacility>, SearchError> {
        let request = self.request;
        // Each facet's holders once, and the wants as indexes into them: the loop below
        // runs for every candidate, tens of thousands when the job has no radius.
        let mut facets: Vec<&Facet> = Vec::new();
        let mut sets: Vec<Arc<OrdSet>> = Vec::new();
        let mut wants: Vec<(f64, Vec<Vec<usize>>)> = Vec::new();
        for want in &request.wants {
            let mut alternatives = Vec::new();
            for alternative in &want.alternatives {
                let mut all = Vec::new();
                for facet in alternative {
                    let i = match facets.iter().position(|f| *f == facet) {
                        Some(i) => i,
                        None => {
                            facets.push(facet);
                            sets.push(self.holders(facet)?);
                            sets.len() - 1
                        }
                    };
                    all.push(i);
                }
                alternatives.push(all);
            }
            wants.push((want.weight, alternatives));
        }
        let mut candidates = OrdSet::with_capacity(self.state.entities.len());
        match &request.only {
            Some(only) => {
                for ord in only
                    .iter()
                    .filter_map(|id| self.state.ord_of(Kind::Facility, *id))
                {
                    candidates.insert(ord);
                }
            }
            None => {
                for set in &sets {
                    candidates.union_with(set.as_ref());
                }
            }
        }
        if let Some(status) = self.status_filter() {
            let mut allowed = OrdSet::with_capacity(self.state.entities.len());
            for term in status.any_of {
                allowed.union_with(self.cached(term)?.as_ref());
            }
            candidates.intersect_with(&allowed);
        }
        if request.only.is_none() {
            for ord in self.nearest()? {
                candidates.insert(ord);
            }
        }

        let held = Held { sets, wants };
        let mut ranked = match request.origin {
            Some(origin) => self.outward(origin, &candidates, &held)?,
            None => self.by_level(&candidates, &held)?,
        };
        // Best first, then nearer, then by id: a total order, so the cut is stable.
        let order = |a: &RankedFacility, b: &RankedFacility| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| match (a.distance_km, b.distance_km) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                })
                .then(a.id.cmp(&b.id))
        };
        if ranked.len() > request.limit {
            ranked.select_nth_unstable_by(request.limit, order);
            ranked.truncate(request.limit);
        }
        ranked.sort_unstable_by(order);
        Ok(ranked)
    }
}

/// The holders of each wanted facet, and the wants as indexes into them: the capability
/// part of a score is then bitset lookups only, asked for every candidate.
struct Held {
    sets: Vec<Arc<OrdSet>>,
    /// (weight, alternatives), each alternative the facets it needs all of.
    wants: Vec<(f64, Vec<Vec<usize>>)>,
}

impl Held {
    fn capability(&self, ord: u32) -> f64 {
        self.wants
            .iter()
            .filter(|(_, alternatives)| {
                alternatives
                    .iter()
                    .any(|all| all.iter().all(|&i| self.sets[i].contains(ord)))
            })
            .map(|(weight, _)| weight)
            .sum()
    }
}

impl Ranking<'_> {
    /// With no origin the score is the capability part alone: levels in order, stopping
    /// once `limit` facilities are placed and the next level is below the last of them.
    fn by_level(
        &self,
        candidates: &OrdSet,
        held: &Held,
    ) -> Result<Vec<RankedFacility>, SearchError> {
        let mut by_capability: Vec<(f64, u32)> = Vec::new();
        for ord in candidates.iter() {
            checkpoint()?;
            by_capability.push((held.capability(ord), ord));
        }
        by_capability.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut ranked: Vec<RankedFacility> = Vec::new();
        for level in by_capability.chunk_by(|a, b| a.0 == b.0) {
            if ranked.len() >= self.request.limit {
                break;
            }
            ranked.extend(level.iter().filter_map(|&(score, ord)| {
                Some(RankedFacility {
                    id: self.state.entity(ord)?.id,
                    score,
                    distance_km: None,
                })
            }));
        }
        Ok(ranked)
    }

    /// From the origin outward over the facility R-tree: each candidate met gets its
    /// distance term; the walk stops once even the best capability score plus the
    /// distance term of the current distance cannot reach the `limit`-th total so far
    /// (distances only grow from there). Unplaced candidates score their capability.
    fn outward(
        &self,
        origin: LatLon,
        candidates: &OrdSet,
        held: &Held,
    ) -> Result<Vec<RankedFacility>, SearchError> {
        let request = self.request;
        let mut best = 0.0f64;
        for ord in candidates.iter() {
            checkpoint()?;
            best = best.max(held.capability(ord));
        }
        let layer = &self.state.layers.facility;
        let bound = request.radius_km.map(chord2_bound);
        let mut ranked: Vec<RankedFacility> = Vec::new();
        // Unplaced candidates cannot be within a radius; without one they rank on their
        // capability alone.
        if request.radius_km.is_none() {
            for ord in candidates.iter().filter(|o| layer.slot_of(*o).is_none()) {
                checkpoint()?;
                if let Some(entity) = self.state.entity(ord) {
                    ranked.push(RankedFacility {
                        id: entity.id,
                        score: held.capability(ord),
                        distance_km: None,
                    });
                }
            }
        }
        let mut totals: Vec<f64> = Vec::new();
        let mut threshold = f64::NEG_INFINITY;
        let mut next_check = request.limit;
        for (slot_id, d2) in layer.nearest(origin.unit_vector()) {
            checkpoint()?;
            if bound.is_some_and(|b| d2 > b) {
                break;
            }
            let slot = layer.slot(slot_id);
            let km = origin.distance_km(slot.at);
            let near = request.distance_weight * 0.5f64.powf(km / request.half_life_km);
            if best + near < threshold {
                break;
            }
            if request.radius_km.is_some_and(|r| km > r) {
                continue;
            }
            for &ord in slot.members() {
                if !candidates.contains(ord) {
                    continue;
                }
                let Some(entity) = self.state.entity(ord) else {
                    continue;
                };
                ranked.push(RankedFacility {
                    id: entity.id,
                    score: held.capability(ord) + near,
                    distance_km: Some(km),
                });
            }
            // The `limit`-th total so far, worked out again every `limit` additions
            // (linear in all, since the walk stops soon after the first `limit`).
            if ranked.len() >= next_check {
                totals.clear();
                totals.extend(ranked.iter().map(|r| r.score));
                let (_, nth, _) =
                    totals.select_nth_unstable_by(request.limit - 1, |a, b| b.total_cmp(a));
                threshold = *nth;
                next_check = ranked.len() + request.limit;
            }
        }
        Ok(ranked)
    }
}

fn validate(request: &CapabilityRequest) -> Result<(), SearchError> {
    let bad = |what: &str, v: f64| {
        Err(SearchError::InvalidRequest(format!(
            "{what} must be a finite, non-negative number, got {v}"
        )))
    };
    if let Some(r) = request.radius_km
        && !(r.is_finite() && r >= 0.0)
    {
        return bad("radiusKm", r);
    }
    if !(request.distance_weight.is_finite() && request.distance_weight >= 0.0) {
        return bad("the distance weight", request.distance_weight);
    }
    if !(request.half_life_km.is_finite() && request.half_life_km > 0.0) {
        return Err(SearchError::InvalidRequest(format!(
            "the distance half-life must be a positive number of km, got {}",
            request.half_life_km
        )));
    }
    if let Some(w) = request
        .wants
        .iter()
        .find(|w| !(w.weight.is_finite() && w.weight >= 0.0))
    {
        return bad("a wanted capability's weight", w.weight);
    }
    Ok(())
}

pub(crate) fn rank_facilities(
    inner: &Inner,
    state: &State,
    request: &CapabilityRequest,
    limits: PlannerLimits,
) -> Result<Vec<RankedFacility>, SearchError> {
    validate(request)?;
    if request.limit == 0 {
        return Ok(Vec::new());
    }
    Ranking {
        inner,
        state,
        request,
        limits,
    }
    .run()
}
