//! The one error type of the engine: every message names the problem and, where there is
//! one, what to do about it.

/// What can go wrong opening, writing or querying the search engine.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index on disk was written by another schema or taxonomy: rebuild it from the
    /// database (or open with [`crate::OnMismatch::Recreate`]).
    #[error("the search index at {dir} must be rebuilt: {reason}")]
    RebuildNeeded { dir: String, reason: String },

    /// Another `IndexWriter` holds the index lock, in this process or another one.
    #[error(
        "the search index at {dir} is locked by another writer (is a makermatch server running \
         on this data directory?)"
    )]
    WriterLocked { dir: String },

    #[error("the search index directory {dir} cannot be used: {reason}")]
    Directory { dir: String, reason: String },

    /// A latitude or longitude that is not a number or out of range.
    #[error(
        "invalid position for {what}: latitude {lat}, longitude {lon} (latitude must be within \
         [-90, 90] and longitude within [-180, 180])"
    )]
    InvalidPosition { what: String, lat: f64, lon: f64 },

    #[error("invalid bounding box: {0}")]
    InvalidBoundingBox(String),

    #[error("invalid GeoJSON polygon: {0}")]
    InvalidPolygon(String),

    #[error("invalid search request: {0}")]
    InvalidRequest(String),

    /// The commit payload is not one this engine wrote.
    #[error("the commit payload of the search index is unreadable: {0}")]
    BadPayload(String),

    /// A stored matching profile that does not decode: the index was damaged or written by
    /// a build that stored it differently without a schema version change.
    #[error(
        "the matching profile of {what} stored in the search index is unreadable ({reason}); \
         rebuild the index with `makermatch reindex`"
    )]
    BadProfile { what: String, reason: String },

    #[error(
        "the search engine's in-memory state was poisoned by a panic in another thread; reopen \
         the engine"
    )]
    Poisoned,

    /// The engine caught a panic and is rebuilding its in-memory state; the same query
    /// shortly after will be answered.
    #[error("the search index is being rebuilt after an internal failure; retry shortly")]
    Recovering,

    /// A panic caught at the engine's boundary, `during` saying in what.
    #[error("the search engine failed while {during}: {message}")]
    Panicked {
        during: &'static str,
        message: String,
    },

    /// The query's budget ran out (`budget::scope`): its request passed its deadline or
    /// was abandoned. Not a fault of the engine: nothing to recover.
    #[error("the query was stopped: its request ran out of time or was abandoned")]
    Cancelled,

    #[error("search index failure: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}
