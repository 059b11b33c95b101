/// Why a match request was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatchError {
    #[error("invalid match options: {0}")]
    InvalidOptions(String),
    #[error("invalid job for matching: {0}")]
    InvalidJob(String),
    #[error("invalid relevance for facility {facility}: {value} is not within [0, 1]")]
    InvalidRelevance { facility: uuid::Uuid, value: f64 },
    /// The thread's query budget ran out (`budget::scope`): as `SearchError::Cancelled`.
    #[error("the match was stopped: its request ran out of time or was abandoned")]
    Cancelled,
}
