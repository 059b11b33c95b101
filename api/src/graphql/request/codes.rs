//! The `extensions.code`s of errors raised before an operation runs, as Apollo's clients
//! and the GraphQL-over-HTTP conventions name them: a text that does not parse, a
//! document the schema refuses, an unknown persisted query. A more specific code given
//! earlier (`LIMIT_EXCEEDED`, `BAD_USER_INPUT`) is kept.

use async_graphql::{ErrorExtensionValues, ServerError, Value};

pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";

/// `error` with `extensions.code` set to `code`.
pub fn with_code(mut error: ServerError, code: &str) -> ServerError {
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", Value::from(code));
    error
}

/// A syntax error as one line (the parser draws the offending line with a caret under
/// it over several), with its position kept in `locations`.
pub fn parse_failed(error: async_graphql::parser::Error) -> ServerError {
    let text = error.to_string();
    let reason = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("= "))
        .or_else(|| text.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("the query is not valid GraphQL")
        .to_owned();
    let mut server_error = ServerError::from(error);
    server_error.message = match server_error.locations.first() {
        Some(at) => format!(
            "syntax error at line {}, column {}: {reason}",
            at.line, at.column
        ),
        None => format!("syntax error: {reason}"),
    };
    with_code(server_error, PARSE_FAILED)
}

/// Gives `GRAPHQL_VALIDATION_FAILED` to the errors of an answer that refused its document
/// (no `data`, errors without a path) and have no code yet.
pub fn name_validation_errors(errors: &mut [ServerError], has_data: bool) {
    if has_data {
        return;
    }
    for e in errors {
        let coded = e
            .extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some());
        if !coded && e.path.is_empty() {
            e.extensions
                .get_or_insert_with(ErrorExtensionValues::default)
                .set("code", Value::from(VALIDATION_FAILED));
        }
    }
}

/// Whether every error of an answer without `data` is one of the document (it did not
/// parse or the schema refused it), so nothing was executed.
pub fn is_request_error(errors: &[ServerError]) -> bool {
    !errors.is_empty()
        && errors.iter().all(|e| {
            matches!(
                e.extensions.as_ref().and_then(|x| x.get("code")),
                Some(Value::String(c)) if c == PARSE_FAILED || c == VALIDATION_FAILED
            )
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn code(e: &ServerError) -> Option<Value> {
        e.extensions.as_ref().and_then(|x| x.get("code")).cloned()
    }

    #[test]
    fn a_syntax_error_is_one_line_with_its_position() {
        let e = parse_failed(async_graphql::parser::parse_query("{ facilities { ").unwrap_err());
        assert!(!e.message.contains('\n'), "{}", e.message);
        assert!(
            e.message.starts_with("syntax error at line 1, column"),
            "{}",
            e.message
        );
        // The parser's reason, not its drawing of the line.
        assert!(e.message.contains(": expected"), "{}", e.message);
        assert_eq!(e.locations.len(), 1);
        assert_eq!(code(&e), Some(Value::from(PARSE_FAILED)));
    }

    #[test]
    fn validation_errors_get_a_code_unless_they_have_one() {
        let mut errors = vec![
            ServerError::new("Unknown field \"nope\" on type \"Facility\".", None),
            with_code(ServerError::new("too deep", None), "LIMIT_EXCEEDED"),
        ];
        name_validation_errors(&mut errors, false);
        assert_eq!(code(&errors[0]), Some(Value::from(VALIDATION_FAILED)));
        assert_eq!(code(&errors[1]), Some(Value::from("LIMIT_EXCEEDED")));
        assert!(!is_request_error(&errors));
        assert!(is_request_error(&errors[..1]));
        let mut resolver = vec![ServerError::new("boom", None)];
        name_validation_errors(&mut resolver, true);
        assert_eq!(code(&resolver[0]), None);
    }
}
