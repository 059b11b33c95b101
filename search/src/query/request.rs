//! What a query asks and what it gets back. One request type serves `makers(...)`,
//! `facilities(...)`, `jobs(...)`, `search(...)` and `nearestFacilities(...)`: text, facet
//! filters, a geo constraint, an ordering implied by them, and a page.

use std::ops::Range;

use uuid::Uuid;

use crate::access::PositionAccess;
use crate::document::{Kind, SkillLevel};
use crate::spatial::{BoundingBox, GeoPolygon, LatLon};

/// Distance ordering from a point, within a radius or (without one) over the whole Earth,
/// which makes a k-nearest query.
#[derive(Debug, Clone, PartialEq)]
pub struct Near {
    pub center: LatLon,
    pub radius_km: Option<f64>,
}

/// An area results must lie in.
#[derive(Debug, Clone, PartialEq)]
pub enum Within {
    Box(BoundingBox),
    Polygon(GeoPolygon),
}

impl Within {
    pub fn contains(&self, p: LatLon) -> bool {
        match self {
            Within::Box(b) => b.contains(p),
            Within::Polygon(poly) => poly.contains(p),
        }
    }
}

/// A required skill: its key, optionally a least level, optionally verified only.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillFilter {
    pub key: String,
    pub min_level: Option<SkillLevel>,
    pub verified: bool,
}

/// Facet filters. Lists of codes (countries, statuses, …) match any of their values;
/// lists of capabilities (processes, skills, equipment, materials) need all of them.
/// Process filters are taxonomy-aware: `3d-printing` matches an `fdm` facility.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// ISO 3166-1 alpha-2 codes, any of.
    pub countries: Vec<String>,
    /// Facility or job statuses, any of.
    pub statuses: Vec<String>,
    /// Facility access types, any of.
    pub access_types: Vec<String>,
    /// Facility batch sizes (`0-50`, …), any of.
    pub batch_sizes: Vec<String>,
    /// Job tiers, any of.
    pub tiers: Vec<String>,
    /// Maker languages, any of.
    pub languages: Vec<String>,
    /// Process ids, all of (each matches itself and its descendants).
    pub processes: Vec<String>,
    /// Process ids a maker holds a verified skill in, all of.
    pub verified_processes: Vec<String>,
    /// Skills, all of.
    pub skills: Vec<SkillFilter>,
    /// Skill requirements, all of, each met by any one of its skills: a skill as asked
    /// and the skills that name the same process ("soudure", "MIG welding", …). Empty
    /// requirements are ignored.
    pub skill_alternatives: Vec<Vec<SkillFilter>>,
    /// Equipment type ids, all of.
    pub equipment_types: Vec<String>,
    /// Material ids, all of.
    pub materials: Vec<String>,
    /// Job requirements as `KIND:term` (e.g. `PROCESS:welding`), all of.
    pub requirements: Vec<String>,
    /// Only makers whose profile is public.
    pub public_only: bool,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// A query. Ordering follows from it: by relevance when there is text (distance, then id,
/// break ties), else by distance when `near` is given, else by id.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// Kinds to search; empty means all.
    pub kinds: Vec<Kind>,
    pub text: Option<String>,
    pub filters: Filters,
    pub near: Option<Near>,
    pub within: Option<Within>,
    /// Which maker positions may be used. Coarse unless a grant says otherwise.
    pub positions: PositionAccess,
    pub offset: usize,
    pub limit: usize,
    /// Compute the exact number of matches even when the page alone could be found
    /// faster (e.g. a distance-ordered page stops walking the R-tree early).
    pub count_total: bool,
    /// Attach highlighted fragments to text matches.
    pub highlights: bool,
}

/// The page size when none is given.
pub const DEFAULT_LIMIT: usize = 20;

impl SearchRequest {
    /// A query on one kind.
    pub fn new(kind: Kind) -> SearchRequest {
        SearchRequest::across(vec![kind])
    }

    /// A query on several kinds (empty: all).
    pub fn across(kinds: Vec<Kind>) -> SearchRequest {
        SearchRequest {
            kinds,
            text: None,
            filters: Filters::default(),
            near: None,
            within: None,
            positions: PositionAccess::Coarse,
            offset: 0,
            limit: DEFAULT_LIMIT,
            count_total: false,
            highlights: false,
        }
    }

    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    pub fn filters(mut self, filters: Filters) -> Self {
        self.filters = filters;
        self
    }

    /// Within `radius_km` of `center`, nearest first.
    pub fn near(mut self, center: LatLon, radius_km: f64) -> Self {
        self.near = Some(Near {
            center,
            radius_km: Some(radius_km),
        });
        self
    }

    /// Nearest first from `center`, anywhere on Earth (k-nearest with `limit` = k).
    pub fn nearest_to(mut self, center: LatLon) -> Self {
        self.near = Some(Near {
            center,
            radius_km: None,
        });
        self
    }

    pub fn within(mut self, within: Within) -> Self {
        self.within = Some(within);
        self
    }

    pub fn positions(mut self, positions: PositionAccess) -> Self {
        self.positions = positions;
        self
    }

    pub fn page(mut self, offset: usize, limit: usize) -> Self {
        self.offset = offset;
        self.limit = limit;
        self
    }

    pub fn count_total(mut self) -> Self {
        self.count_total = true;
        self
    }

    pub fn highlights(mut self) -> Self {
        self.highlights = true;
        self
    }
}

/// A highlighted fragment of a stored field.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    /// `name`, `skills`, `equipment`, `body` or `place`.
    pub field: &'static str,
    pub fragment: String,
    /// Byte ranges of `fragment` that matched.
    pub ranges: Vec<Range<usize>>,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub id: Uuid,
    /// BM25 relevance with field boosts; 0 without text.
    pub score: f32,
    /// Haversine km from `near.center`, when given.
    pub distance_km: Option<f64>,
    pub highlights: Vec<Highlight>,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchPage {
    pub hits: Vec<Hit>,
    /// Number of matches over all pages, when known (always with `count_total`).
    pub total: Option<usize>,
    /// Whether matches follow this page.
    pub has_more: bool,
}
