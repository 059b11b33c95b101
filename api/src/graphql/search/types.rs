//! A search hit: its kind, score, distance, highlights and the object found.

use async_graphql::{Enum, SimpleObject};
use makermatch_search::Kind;

use crate::graphql::node::Node;

/// The kinds `search` covers.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SearchKind {
    Maker,
    Facility,
    Job,
}

impl SearchKind {
    pub(super) fn kind(self) -> Kind {
        match self {
            SearchKind::Maker => Kind::Maker,
            SearchKind::Facility => Kind::Facility,
            SearchKind::Job => Kind::Job,
        }
    }

    pub(super) fn of(kind: Kind) -> SearchKind {
        match kind {
            Kind::Maker => SearchKind::Maker,
            Kind::Facility => SearchKind::Facility,
            Kind::Job => SearchKind::Job,
        }
    }
}

/// A matched piece of a stored field. `ranges` are byte offsets into `fragment`.
#[derive(SimpleObject)]
pub struct Highlight {
    /// `name`, `skills`, `equipment`, `body` or `place`.
    pub field: String,
    pub fragment: String,
    pub ranges: Vec<HighlightRange>,
}

#[derive(SimpleObject)]
pub struct HighlightRange {
    pub start: i32,
    pub end: i32,
}

/// One result of `search`.
#[derive(SimpleObject)]
pub struct SearchHit {
    pub kind: SearchKind,
    /// BM25 relevance with field boosts.
    pub score: f64,
    /// Kilometres from `near`, when given (makers: from their public position).
    pub distance_km: Option<f64>,
    pub highlights: Vec<Highlight>,
    /// The object found, or null when it is not shown to this caller.
    pub node: Option<Node>,
}
