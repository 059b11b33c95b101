//! How a requirement's words were read: what was written, the taxonomy entry it was taken
//! to mean, by which way of naming it, and how sure that is. Reported with the match, so
//! a coordinator sees "millin" was read as CNC milling by a fuzzy match, or 3D printing
//! was inferred from a design's `.stl` files, instead of trusting a silent guess.

use serde::{Deserialize, Serialize};

use crate::resolve::{MatchedBy, Resolution};

/// The way a term was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResolutionMethod {
    /// The taxonomy's id or label.
    Exact,
    /// One of its aliases.
    Alias,
    /// An OKH-LOSH TsDC code.
    Tsdc,
    /// A Wikidata id or URL.
    Wikidata,
    /// A Wikipedia article's URL.
    Wikipedia,
    /// The nearest name by spelling; `confidence` says how near.
    Fuzzy,
    /// Not written at all: inferred from the design (its files, title or keywords).
    Inferred,
}

impl From<MatchedBy> for ResolutionMethod {
    fn from(m: MatchedBy) -> ResolutionMethod {
        match m {
            MatchedBy::Id | MatchedBy::Label => ResolutionMethod::Exact,
            MatchedBy::Alias => ResolutionMethod::Alias,
            MatchedBy::Tsdc => ResolutionMethod::Tsdc,
            MatchedBy::Wikidata => ResolutionMethod::Wikidata,
            MatchedBy::WikipediaUrl => ResolutionMethod::Wikipedia,
            MatchedBy::Fuzzy => ResolutionMethod::Fuzzy,
        }
    }
}

/// How one requirement's term was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermResolution {
    /// As the job or design wrote it (for an inferred one: what it was inferred from).
    pub written: String,
    /// The taxonomy id it was taken to mean.
    pub resolved_to: String,
    pub method: ResolutionMethod,
    /// In (0, 1]: 1 for every exact way of naming, the similarity for a fuzzy match, the
    /// inference's own for an inferred one.
    pub confidence: f64,
    /// For an inferred requirement, what points to it ("parts/clip.stl").
    pub evidence: Option<String>,
}

impl TermResolution {
    pub fn read(written: &str, r: &Resolution) -> TermResolution {
        TermResolution {
            written: written.to_owned(),
            resolved_to: r.id.clone(),
            method: r.matched_by.into(),
            confidence: r.confidence,
            evidence: None,
        }
    }
}
