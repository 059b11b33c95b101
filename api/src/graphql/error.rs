//! GraphQL errors with the `extensions.code` front-ends switch on (DESIGN §7). Database
//! and engine failures are logged in full and answered with `INTERNAL` (or `UNAVAILABLE`
//! when the database cannot be reached) and no detail, so neither SQL nor file paths ever
//! reach a client.

use async_graphql::{Error, ErrorExtensionValues, ErrorExtensions, ServerError, Value};
use makermatch_search::SearchError;

use crate::services::ServiceError;

/// The codes of DESIGN §7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    BadUserInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    LimitExceeded,
    /// The service cannot answer now (database unreachable, search engine rebuilding); the
    /// same request later will work. HTTP 503.
    Unavailable,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::LimitExceeded => "LIMIT_EXCEEDED",
            Code::Unavailable => "UNAVAILABLE",
            Code::Internal => "INTERNAL",
        }
    }
}

/// An error with a code and, for bad input, the argument path it is about.
pub fn coded(code: Code, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

/// `BAD_USER_INPUT` naming the field (`filter.country`, `input.location.lat`).
pub fn bad_input(field: &str, message: impl std::fmt::Display) -> Error {
    let field = field.to_owned();
    Error::new(format!("{field}: {message}")).extend_with(move |_, e| {
        e.set("code", Code::BadUserInput.as_str());
        e.set("field", field.clone());
    })
}

pub fn not_found(what: &str, id: impl std::fmt::Display) -> Error {
    coded(Code::NotFound, format!("{what} {id} does not exist"))
}

/// Logs the real cause and answers `INTERNAL` with a reference to the log line.
pub fn internal(cause: impl std::fmt::Display) -> Error {
    let reference = uuid::Uuid::new_v4().simple().to_string();
    tracing::error!(error = %cause, reference = %reference, "internal error answering a GraphQL request");
    Error::new(format!(
        "internal error; the server log has the details under reference {reference}"
    ))
    .extend_with(move |_, e| {
        e.set("code", Code::Internal.as_str());
        e.set("reference", reference.clone());
    })
}

impl From<ServiceErrorExt> for Error {
    fn from(e: ServiceErrorExt) -> Error {
        match e.0 {
            ServiceError::InvalidInput { field, message } => {
                bad_input(&format!("{}{field}", e.1), message)
            }
            ServiceError::NotFound { kind, id } => not_found(kind, id),
            ServiceError::Conflict(message) => coded(Code::Conflict, message),
            ServiceError::Forbidden(message) => coded(Code::Forbidden, message),
            ServiceError::Unauthenticated(message) => coded(Code::Unauthenticated, message),
            ServiceError::Database(db) => from_db(db),
            ServiceError::Search(e) => from_search(e),
            ServiceError::Internal(e) => internal(e),
        }
    }
}

/// A service error with the prefix its field names get (`input.` for a mutation input).
pub struct ServiceErrorExt(pub ServiceError, pub &'static str);

/// A service error raised by a mutation whose argument is `input`.
pub fn from_service(e: ServiceError) -> Error {
    ServiceErrorExt(e, "input.").into()
}

/// A service error raised by a query, whose fields are named as they are.
pub fn from_query_service(e: ServiceError) -> Error {
    ServiceErrorExt(e, "").into()
}

/// Engine errors: a bad request is the caller's; a query stopped with its request is over
/// the request's time limit; an engine rebuilding its state after a caught failure answers
/// `UNAVAILABLE` (the same request shortly after works); anything else is ours.
pub fn from_search(e: SearchError) -> Error {
    match e {
        SearchError::Cancelled => coded(Code::LimitExceeded, e.to_string()),
        SearchError::InvalidPosition { .. }
        | SearchError::InvalidBoundingBox(_)
        | SearchError::InvalidPolygon(_)
        | SearchError::InvalidRequest(_) => coded(Code::BadUserInput, e.to_string()),
        SearchError::Recovering | SearchError::Poisoned | SearchError::Panicked { .. } => {
            tracing::warn!(error = %e, "a search was answered UNAVAILABLE");
            coded(Code::Unavailable, SearchError::Recovering.to_string())
        }
        other => internal(other),
    }
}

/// A database that cannot be reached is `UNAVAILABLE` (logged, no detail to the client:
/// retry later); any other database error is `INTERNAL`.
pub fn from_db(e: sea_orm::DbErr) -> Error {
    if crate::db::is_unavailable(&e) {
        tracing::warn!(error = %e, "database unavailable while answering a GraphQL request");
        return unavailable("the database cannot be reached right now");
    }
    internal(e)
}

/// `UNAVAILABLE`: the same request later should work.
pub fn unavailable(reason: &str) -> Error {
    coded(
        Code::Unavailable,
        format!("service unavailable: {reason}; retry in a few seconds"),
    )
}

/// The HTTP status of a GraphQL answer: 503 when it failed only for want of the database
/// or the engine (every error `UNAVAILABLE`), so load balancers and clients retry; else
/// 200 as GraphQL over HTTP has it.
pub fn http_status(errors: &[ServerError]) -> axum::http::StatusCode {
    let unavailable = Value::from(Code::Unavailable.as_str());
    let only_unavailable = !errors.is_empty()
        && errors.iter().all(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| *c == unavailable)
        });
    if only_unavailable {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        axum::http::StatusCode::OK
    }
}

/// Database errors that reached the response through `?` rather than `from_db` (a
/// DataLoader's `Arc<DbErr>`, a bare `DbErr`) carry sea-orm's message and no code: give
/// them `from_db`'s code and message, so an outage reads `UNAVAILABLE` and no SQL leaks.
pub fn name_database_errors(errors: &mut [ServerError]) {
    for e in errors {
        if e.extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some())
        {
            continue;
        }
        let db = e.source::<sea_orm::DbErr>().or_else(|| {
            e.source::<std::sync::Arc<sea_orm::DbErr>>()
                .map(|a| a.as_ref())
        });
        let Some(db) = db else {
            continue;
        };
        let coded = from_db(db.clone());
        e.message = coded.message;
        e.extensions = coded.extensions;
    }
}

/// async-graphql's own refusals of argument values (`Invalid value for argument
/// "input.skills.2.level", enumeration type "SkillLevel" does not contain …`) get the
/// `BAD_USER_INPUT` code and name the field as our errors do: `input.skills[2].level`.
/// Values a scalar could not read (`Failed to parse "Date": …`) get `BAD_USER_INPUT` too.
pub fn name_input_errors(errors: &mut [ServerError]) {
    for e in errors {
        if e.message.starts_with("Failed to parse \"") {
            // An input value of the wrong form (a date that is not `YYYY-MM-DD`): the
            // scalar's message says what is expected.
            let ext = e
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default);
            if ext.get("code").is_none() {
                ext.set("code", Value::from(Code::BadUserInput.as_str()));
            }
            continue;
        }
        let Some(rest) = e.message.strip_prefix("Invalid value for argument \"") else {
            continue;
        };
        let Some((path, reason)) = rest.split_once('"') else {
            continue;
        };
        let mut field = String::new();
        for segment in path.split('.') {
            if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
                field.push_str(&format!("[{segment}]"));
            } else {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(segment);
            }
        }
        let reason = reason.trim_start_matches([',', ' ']);
        e.message = format!("{field}: {reason}");
        let ext = e
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        ext.set("code", Value::from(Code::BadUserInput.as_str()));
        ext.set("field", Value::from(field));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_without_a_code_get_one() {
        let lost = sea_orm::DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout);
        let broken = sea_orm::DbErr::Custom("SELECT secret FROM t".to_owned());
        let mut errors = vec![
            Error::from(std::sync::Arc::new(lost.clone())).into_server_error(Default::default()),
            Error::from(broken).into_server_error(Default::default()),
            coded(Code::NotFound, "gone").into_server_error(Default::default()),
        ];
        name_database_errors(&mut errors);
        let code = |e: &ServerError| e.extensions.as_ref().and_then(|x| x.get("code")).cloned();
        assert_eq!(code(&errors[0]), Some(Value::from("UNAVAILABLE")));
        assert_eq!(code(&errors[1]), Some(Value::from("INTERNAL")));
        assert!(
            !errors[1].message.contains("secret"),
            "{}",
            errors[1].message
        );
        assert_eq!(code(&errors[2]), Some(Value::from("NOT_FOUND")));
        assert_eq!(
            http_status(&errors[..1]),
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(http_status(&errors), axum::http::StatusCode::OK);
        assert_eq!(http_status(&[]), axum::http::StatusCode::OK);
    }

    #[test]
    fn argument_refusals_name_the_field() {
        let mut errors = vec![ServerError::new(
            "Invalid value for argument \"input.skills.2.level\", enumeration type \"SkillLevel\" does not contain the value \"GURU\"",
            None,
        )];
        name_input_errors(&mut errors);
        assert_eq!(
            errors[0].message,
            "input.skills[2].level: enumeration type \"SkillLevel\" does not contain the value \"GURU\""
        );
        let ext = errors[0].extensions.as_ref().unwrap();
        assert_eq!(
            ext.get("field"),
            Some(&Value::from("input.skills[2].level"))
        );
        assert_eq!(ext.get("code"), Some(&Value::from("BAD_USER_INPUT")));
    }
}
