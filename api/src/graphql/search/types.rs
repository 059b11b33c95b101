//! A search hit: its kind, score, distance, highlights and the object found.

use async_graphql::{Enum, SimpleObject};
use makermatch_search::Kind;

use crate::graphql::node::Node;

/// The kinds `search` covers.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SearchKind {
    /// Maker passports (public ones; every one for coordinators and admins).
    Maker,
    /// Facilities.
    Facility,
    /// Jobs.
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
    /// The piece of the field's text around the match.
    pub fragment: String,
    /// Where the matched words are in `fragment`.
    pub ranges: Vec<HighlightRange>,
}

/// A matched stretch of a highlight's fragment, in UTF-8 byte offsets.
#[derive(SimpleObject)]
pub struct HighlightRange {
    /// First byte of the match in `fragment`.
    pub start: i32,
    /// Byte just past the match in `fragment`.
    pub end: i32,
}

/// One result of `search`.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// The kind of object found.
    pub kind: SearchKind,
    /// BM25 relevance with field boosts.
    pub score: f64,
    /// Kilometres from `near`, when given (makers: from their public position).
    pub distance_km: Option<f64>,
    /// The matched pieces of the object's fields.
    pub highlights: Vec<Highlight>,
    /// The object found, or null when it is not shown to this caller.
    pub node: Option<Node>,
}
