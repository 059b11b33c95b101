//! Errors of the service layer, close to what a caller can act on.

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input is wrong; `field` names it in the caller's terms (`location.lat`).
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },
    #[error("{kind} {id} does not exist")]
    NotFound { kind: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    /// Nobody is signed in, and this needs someone.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may not do this (who they are is known; what they may do is not this).
    #[error("{0}")]
    Forbidden(String),
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The search index could not answer (recovering from a failure, or a bug): never the
    /// caller's conflict.
    #[error("search index error: {0}")]
    Search(#[from] makermatch_search::SearchError),
    /// Our failure, not the caller's (a computation that panicked, a stored value that
    /// no longer reads): logged, answered as internal.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
