//! Executing one kind's part of a query: text and facet matching in tantivy, geo in the
//! R-tree, and the choice of which side leads.
//!
//! - No geo: every tantivy match (or, with no text and no filter, every entity of the
//!   kind) is a result.
//! - Geo but no text and no filter: the R-tree alone. Walking outward from the centre
//!   reads slots nearest first and stops once the page is certain; areas without a centre
//!   are enumerated.
//! - Geo with text or filters: tantivy's statistics bound the number of matches (the
//!   smallest summed document frequency of a required word or a filter). Under
//!   `text_first_max`, the matches are enumerated and filtered by position
//!   ("text-first"). Above it, the area is usually the smaller side: its members are
//!   gathered from the R-tree (outward and in growing chunks when the order is by
//!   distance, so the walk can stop early) and probed against tantivy in doc-id order
//!   ("geo-first"). If the area holds more than `area_gather_max` entities, both sides
//!   are large and text-first runs after all.
//!
//! Every route returns the same set with the same scores (each scores a document through
//! the same term cursors, summing in the same order; see `matcher`), so the choice only
//! changes speed.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use super::matcher::{Candidates, Compiled};
use super::request::Within;
use crate::SearchError;
use crate::budget::checkpoint;
use crate::document::Kind;
use crate::engine::state::State;
use crate::spatial::point_set::{PointSet, Slot};
use crate::spatial::{LatLon, chord2, chord2_bound, chord2_inside};

/// Where the planner switches sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannerLimits {
    /// Bound on tantivy matches under which text-first is taken without looking at the
    /// area. Enumerating, scoring and placing a match costs about 0.1 µs, so 2,048 of
    /// them stay around 0.2 ms, less than probing a city-sized area at a million makers
    /// (thousands of members); a query that may match more usually has the smaller side
    /// in the R-tree.
    pub text_first_max: usize,
    /// Area members gathered before geo-first gives up. Past ~128 k candidates, placing
    /// and probing them costs about what enumerating a large text set outright does.
    pub area_gather_max: usize,
    /// Candidates of one segment from which geo-first reads the query's posting lists
    /// block by block against a bitset instead of seeking each candidate: a candidate
    /// costs several seeks of tens of nanoseconds, a posting about one nanosecond, and
    /// the bitset one bit per document of the segment.
    pub scan_from: usize,
}

impl Default for PlannerLimits {
    fn default() -> Self {
        PlannerLimits {
            text_first_max: 2_048,
            area_gather_max: 131_072,
            scan_from: 1_024,
        }
    }
}

/// First chunk of an outward walk with membership checks; chunks then double, so a
/// selective filter costs a few cursor set-ups, not one per candidate.
const FIRST_CHUNK: usize = 256;
const MAX_CHUNK: usize = 65_536;

/// One match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Found {
    pub ord: u32,
    pub score: f32,
    pub distance_km: Option<f64>,
}

pub(crate) struct Outcome {
    /// Every match, or when the walk stopped early, at least the best `needed`.
    pub found: Vec<Found>,
    pub total: Option<usize>,
}

impl Outcome {
    /// No match at all.
    fn nothing() -> Outcome {
        Outcome {
            found: Vec::new(),
            total: Some(0),
        }
    }
}

/// One kind's query, ready to run against a locked state.
pub(crate) struct KindQuery<'a> {
    pub state: &'a State,
    pub kind: Kind,
    /// `None` when every entity of the kind matches (no text, no filter).
    pub matcher: Option<&'a Compiled>,
    /// Position of the kind filter in the matcher's filters: candidates from the kind's
    /// R-tree need not check it.
    pub kind_filter: usize,
    pub scoring: bool,
    pub layer: &'a PointSet,
    pub origin: Option<LatLon>,
    pub radius_km: Option<f64>,
    pub within: Option<&'a Within>,
    /// offset + limit + 1: enough to fill the page and know whether more follow.
    pub needed: usize,
    pub count_total: bool,
    pub limits: PlannerLimits,
}

/// Precomputed geo test.
struct Place<'a> {
    origin: Option<(LatLon, [f64; 3])>,
    radius: Option<(f64, f64)>,
    /// Under a radius, the squared chord within which a slot is certainly inside.
    inside2: f64,
    within: Option<&'a Within>,
}

impl Place<'_> {
    /// `None` when the slot is outside; else its distance from the origin, if any.
    fn test(&self, slot: &Slot) -> Option<Option<f64>> {
        let distance = match self.origin {
            Some((origin, xyz)) => {
                if let Some((_, bound2)) = self.radius
                    && chord2(&xyz, &slot.xyz) > bound2
                {
                    return None;
                }
                Some(origin.distance_km(slot.at))
            }
            None => None,
        };
        if let (Some((radius, _)), Some(d)) = (self.radius, distance)
            && d > radius
        {
            return None;
        }
        if let Some(w) = self.within
            && !w.contains(slot.at)
        {
            return None;
        }
        Some(distance)
    }

    /// Whether a slot at squared chord `d2` from the origin is certainly in the area,
    /// known without measuring it (`false`: measure it with `test`).
    fn clearly_contains(&self, slot: &Slot, d2: f64) -> bool {
        self.radius.is_some()
            && d2 <= self.inside2
            && self.within.is_none_or(|w| w.contains(slot.at))
    }
}

impl<'a> KindQuery<'a> {
    fn place(&self) -> Place<'a> {
        let origin = self.origin.map(|o| (o, o.unit_vector()));
        let radius = match (origin, self.radius_km) {
            (Some(_), Some(r)) => Some((r, chord2_bound(r))),
            _ => None,
        };
        Place {
            origin,
            radius,
            inside2: radius.map_or(-1.0, |(r, _)| chord2_inside(r)),
            within: self.within,
        }
    }

    fn has_geo(&self) -> bool {
        self.origin.is_some() || self.within.is_some()
    }

    fn has_area(&self) -> bool {
        self.radius_km.is_some() || self.within.is_some()
    }

    pub(crate) fn run(&self) -> Result<Outcome, SearchError> {
        let Some(matcher) = self.matcher else {
            return self.run_geo_only();
        };
        if matcher.matches_nothing() {
            return Ok(Outcome::nothing());
        }
        let small = matcher.upper_bound() <= self.limits.text_first_max as u64;
        if !self.has_geo() || small {
            return self.text_first(matcher);
        }
        let geo_first = if !self.scoring && self.origin.is_some() && !self.count_total {
            self.outward_checked(matcher)?
        } else if self.has_area() {
            self.gather_checked(matcher)?
        } else {
            None
        };
        match geo_first {
            Some(outcome) => Ok(outcome),
            None => self.text_first(matcher),
        }
    }

    /// Every tantivy match, segment by segment in doc order, kept when placed in the area.
    fn text_first(&self, matcher: &Compiled) -> Result<Outcome, SearchError> {
        let snapshot = &self.state.snapshot;
        let place = self.place();
        let mut found = Vec::new();
        for (segment, reader) in snapshot.searcher.segment_readers().iter().enumerate() {
            let alive = reader.alive_bitset();
            let mut probe = matcher.segment(reader, None)?;
            while let Some((doc, score)) = probe.next_match()? {
                if !alive.is_none_or(|a| a.is_alive(doc)) {
                    continue;
                }
                let Some(ord) = snapshot.ord(segment, doc) else {
                    continue;
                };
                let distance_km = if self.has_geo() {
                    let Some(slot) = self.layer.slot_of(ord) else {
                        continue;
                    };
                    match place.test(self.layer.slot(slot)) {
                        Some(distance) => distance,
                        None => continue,
                    }
                } else {
                    None
                };
                found.push(Found {
                    ord,
                    score,
                    distance_km,
                });
            }
        }
        Ok(Outcome {
            total: Some(found.len()),
            found,
        })
    }

    /// No text, no filter: the R-tree (or the entity table) answers alone.
    fn run_geo_only(&self) -> Result<Outcome, SearchError> {
        if !self.has_geo() {
            // Ordered by id: the page is the start of the kind's id range.
            let mut found = Vec::new();
            for ord in self.state.first_by_id(self.kind, self.needed) {
                checkpoint()?;
                found.push(Found {
                    ord,
                    score: 0.0,
                    distance_km: None,
                });
            }
            return Ok(Outcome {
                found,
                total: Some(self.state.count(self.kind)),
            });
        }
        if self.origin.is_some() && (!self.count_total || !self.has_area()) {
            return self.outward_unchecked();
        }
        if self.origin.is_some() {
            return self.counted_best();
        }
        let place = self.place();
        let mut found = Vec::new();
        self.for_each_area_slot(|slot| {
            if let Some(distance_km) = place.test(slot) {
                found.extend(slot.members().iter().map(|&ord| Found {
                    ord,
                    score: 0.0,
                    distance_km,
                }));
            }
            true
        })?;
        Ok(Outcome {
            total: Some(found.len()),
            found,
        })
    }

    /// Nearest slots first; each slot's members are sorted by id, so at most `needed` of
    /// them can make the page. Stops once no unread slot can beat the page's last entry.
    fn outward_unchecked(&self) -> Result<Outcome, SearchError> {
        let place = self.place();
        let Some((_, xyz)) = place.origin else {
            return Ok(Outcome::nothing());
        };
        let mut best = Best::new(self.needed, self.state);
        let mut stopped_early = false;
        let mut matched = 0usize;
        for (slot_id, d2) in self.layer.nearest(xyz) {
            checkpoint()?;
            if place.radius.is_some_and(|(_, bound2)| d2 > bound2) {
                break;
            }
            if best.cannot_improve(d2) {
                stopped_early = true;
                break;
            }
            let slot = self.layer.slot(slot_id);
            let Some(distance) = place.test(slot) else {
                continue;
            };
            matched += slot.members().len();
            best.push_slot(slot, distance.unwrap_or(0.0));
        }
        let total = if !stopped_early {
            Some(matched)
        } else if !self.has_area() {
            // Everything placed in the layer matches when nothing but order is asked.
            Some(self.layer.len())
        } else {
            None
        };
        Ok(Outcome {
            found: best.into_found(),
            total,
        })
    }

    /// Distance order over an area with its total: every slot in the area is counted, but
    /// only those that can still make the page are measured (a Haversine each); the
    /// others need just their chord when they lie clearly inside. A city's 50 km holds a
    /// few thousand facilities for a page of 20.
    fn counted_best(&self) -> Result<Outcome, SearchError> {
        let place = self.place();
        let Some((_, xyz)) = place.origin else {
            return Ok(Outcome::nothing());
        };
        let mut best = Best::new(self.needed, self.state);
        let mut matched = 0usize;
        self.for_each_area_slot(|slot| {
            let d2 = chord2(&xyz, &slot.xyz);
            if best.cannot_improve(d2) && place.clearly_contains(slot, d2) {
                matched += slot.members().len();
            } else if let Some(distance) = place.test(slot) {
                matched += slot.members().len();
                best.push_slot(slot, distance.unwrap_or(0.0));
            }
            true
        })?;
        Ok(Outcome {
            found: best.into_found(),
            total: Some(matched),
        })
    }

    /// Distance order with filters: walk outward in growing chunks, check each chunk
    /// against tantivy, stop once the page is certain. `None` when the walk passes
    /// `area_gather_max` candidates.
    fn outward_checked(&self, matcher: &Compiled) -> Result<Option<Outcome>, SearchError> {
        let place = self.place();
        let Some((_, xyz)) = place.origin else {
            return Ok(None);
        };
        let mut best = Best::new(self.needed, self.state);
        let mut walker = self.layer.nearest(xyz).peekable();
        let mut chunk: Vec<(u32, Option<f64>)> = Vec::new();
        let mut target = FIRST_CHUNK;
        let (mut walked, mut matched) = (0usize, 0usize);
        let mut stopped_early = false;
        loop {
            chunk.clear();
            let mut exhausted = false;
            while chunk.len() < target {
                checkpoint()?;
                let Some(&(slot_id, d2)) = walker.peek() else {
                    exhausted = true;
                    break;
                };
                if place.radius.is_some_and(|(_, bound2)| d2 > bound2) {
                    exhausted = true;
                    break;
                }
                if best.cannot_improve(d2) {
                    exhausted = true;
                    stopped_early = true;
                    break;
                }
                walker.next();
                let slot = self.layer.slot(slot_id);
                if let Some(distance) = place.test(slot) {
                    chunk.extend(slot.members().iter().map(|&o| (o, distance)));
                }
            }
            walked += chunk.len();
            for f in self.check(matcher, &chunk)? {
                matched += 1;
                best.push(f.ord, f.distance_km.unwrap_or(0.0));
            }
            if exhausted {
                break;
            }
            if walked > self.limits.area_gather_max {
                return Ok(None);
            }
            target = (target * 2).min(MAX_CHUNK);
        }
        Ok(Some(Outcome {
            found: best.into_found(),
            total: (!stopped_early).then_some(matched),
        }))
    }

    /// Relevance order (or a full count) over an area: gather all its members, check them
    /// in one pass. `None` when the area holds more than `area_gather_max`.
    fn gather_checked(&self, matcher: &Compiled) -> Result<Option<Outcome>, SearchError> {
        let place = self.place();
        let mut candidates: Vec<(u32, Option<f64>)> = Vec::new();
        let cap = self.limits.area_gather_max;
        let complete = self.for_each_area_slot(|slot| {
            if let Some(distance) = place.test(slot) {
                candidates.extend(slot.members().iter().map(|&o| (o, distance)));
            }
            candidates.len() <= cap
        })?;
        if !complete {
            return Ok(None);
        }
        let found = self.check(matcher, &candidates)?;
        Ok(Some(Outcome {
            total: Some(found.len()),
            found,
        }))
    }

    /// Calls `f` on every slot that may lie in the area (a superset, tested by the
    /// caller) until it returns false; returns whether it went through all of them, or
    /// `Err(Cancelled)` once the thread's query budget is spent.
    fn for_each_area_slot(&self, mut f: impl FnMut(&Slot) -> bool) -> Result<bool, SearchError> {
        let layer = self.layer;
        if let (Some(origin), Some(radius)) = (self.origin, self.radius_km) {
            let slots = layer.within(origin.unit_vector(), chord2_bound(radius));
            return visit_slots(layer, slots, &mut f);
        }
        match self.within {
            Some(Within::Box(b)) => visit_slots(layer, layer.in_envelope(&b.envelope()), &mut f),
            Some(Within::Polygon(p)) => {
                // Parts' boxes may overlap: visit each slot once.
                let mut seen = HashSet::new();
                for b in p.boxes() {
                    let new = layer.in_envelope(&b.envelope()).filter(|s| seen.insert(*s));
                    if !visit_slots(layer, new, &mut f)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            // Callers only enumerate when there is an area.
            None => Ok(true),
        }
    }

    /// Which candidates match the tantivy side, with their scores. Per segment, many
    /// candidates are probed term at a time against a bitset, a few by forward seeks
    /// in doc order; both score through the same code.
    fn check(
        &self,
        matcher: &Compiled,
        candidates: &[(u32, Option<f64>)],
    ) -> Result<Vec<Found>, SearchError> {
        let snapshot = &self.state.snapshot;
        let segments = snapshot.searcher.segment_readers();
        let mut by_segment: Vec<Vec<(u32, u32)>> = vec![Vec::new(); segments.len()];
        for (i, &(ord, _)) in candidates.iter().enumerate() {
            checkpoint()?;
            if let Some(a) = snapshot.doc_of(ord) {
                by_segment[a.segment_ord as usize].push((a.doc_id, i as u32));
            }
        }
        let mut found = Vec::new();
        let mut push = |i: u32, score: f32| {
            let (ord, distance_km) = candidates[i as usize];
            found.push(Found {
                ord,
                score,
                distance_km,
            });
        };
        for (segment, mut items) in by_segment.into_iter().enumerate() {
            let reader = &segments[segment];
            if items.len() >= self.limits.scan_from.max(1) {
                let set = Candidates::new(reader.max_doc(), &items);
                for (pos, score) in matcher.scan(reader, &set, Some(self.kind_filter))? {
                    push(set.tag(pos), score);
                }
            } else if !items.is_empty() {
                items.sort_unstable();
                let mut probe = matcher.segment(reader, Some(self.kind_filter))?;
                for (doc, i) in items {
                    checkpoint()?;
                    if let Some(score) = probe.check(doc) {
                        push(i, score);
                    }
                }
            }
        }
        Ok(found)
    }
}

/// Calls `f` on each of `slots` until it returns false; whether it went through all.
fn visit_slots(
    layer: &PointSet,
    slots: impl Iterator<Item = u32>,
    f: &mut impl FnMut(&Slot) -> bool,
) -> Result<bool, SearchError> {
    for s in slots {
        checkpoint()?;
        if !f(layer.slot(s)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The `n` best entries by (distance, id): a max-heap whose top is the current worst.
pub(crate) struct Best<'s> {
    n: usize,
    heap: BinaryHeap<Ranked>,
    /// `chord2_bound` of the worst distance kept, once the page is full.
    worst2: f64,
    state: &'s State,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked {
    distance: f64,
    id: uuid::Uuid,
    ord: u32,
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then_with(|| self.id.cmp(&other.id))
    }
}

impl<'s> Best<'s> {
    pub(crate) fn new(n: usize, state: &'s State) -> Self {
        Best {
            n,
            heap: BinaryHeap::new(),
            worst2: f64::INFINITY,
            state,
        }
    }

    pub(crate) fn push(&mut self, ord: u32, distance: f64) {
        let Some(entity) = self.state.entity(ord) else {
            return;
        };
        let entry = Ranked {
            distance,
            id: entity.id,
            ord,
        };
        if self.heap.len() < self.n {
            self.heap.push(entry);
        } else if self.heap.peek().is_some_and(|worst| entry < *worst) {
            self.heap.pop();
            self.heap.push(entry);
        } else {
            return;
        }
        if self.heap.len() >= self.n
            && let Some(worst) = self.heap.peek()
        {
            self.worst2 = chord2_bound(worst.distance);
        }
    }

    /// The members of a slot at `distance`: sorted by id, so at most the first `n` can
    /// make the page.
    pub(crate) fn push_slot(&mut self, slot: &Slot, distance: f64) {
        for &ord in slot.members().iter().take(self.n) {
            self.push(ord, distance);
        }
    }

    /// Whether a slot at squared chord `d2` (and everything after it) is certainly
    /// farther than the current worst of a full page.
    pub(crate) fn cannot_improve(&self, d2: f64) -> bool {
        self.heap.len() >= self.n && d2 > self.worst2
    }

    pub(crate) fn into_found(self) -> Vec<Found> {
        self.heap
            .into_iter()
            .map(|r| Found {
                ord: r.ord,
                score: 0.0,
                distance_km: Some(r.distance),
            })
            .collect()
    }
}
