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
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
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
