//! The `extensions.code`s of errors raised before an operation runs, as Apollo's clients
//! and the GraphQL-over-HTTP conventions name them: a text that does not parse, a
//! document the schema refuses, an unknown persisted query. A more specific code given
//! earlier (`LIMIT_EXCEEDED`, `BAD_USER_INPUT`) is kept. Also what an answer's error list
//! may show: no schema names in hints when introspection is off, and at most
//! [`MAX_ERRORS`] errors.

use async_graphql::{ErrorExtensionValues, ServerError, Value};

use crate::graphql::error::Code;

pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";

/// The most errors an answer lists: past it, the first `MAX_ERRORS` are kept and one more
/// says how many were left out. A document with 10,000 unused variables would otherwise
/// be answered with 10,000 errors (close to a megabyte).
pub const MAX_ERRORS: usize = 20;

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
/// `query` is the text that failed, to name a number that is out of range.
pub fn parse_failed(error: async_graphql::parser::Error, query: &str) -> ServerError {
    let text = error.to_string();
    let mut reason = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("= "))
        .or_else(|| text.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("the query is not valid GraphQL")
        .to_owned();
    let mut server_error = ServerError::from(error);
    if reason.contains("number out of range") {
        // The number parser's own position ("at line 1 column 5") is within the number,
        // not the query: say which number instead.
        let number = server_error
            .locations
            .first()
            .and_then(|at| number_at(query, at.line, at.column))
            .map_or_else(String::new, |n| format!(" `{n}`"));
        reason = format!(
            "the number{number} is out of range: a Float is a 64-bit floating-point number \
             (at most about 1.8e308) and an Int a 32-bit integer"
        );
    }
    server_error.message = match server_error.locations.first() {
        Some(at) => format!(
            "syntax error at line {}, column {}: {reason}",
            at.line, at.column
        ),
        None => format!("syntax error: {reason}"),
    };
    with_code(server_error, PARSE_FAILED)
}

/// The numeric literal starting at `line` and `column` (1-based) of `query`.
fn number_at(query: &str, line: usize, column: usize) -> Option<&str> {
    let text = query.lines().nth(line.checked_sub(1)?)?;
    let start = text.char_indices().nth(column.checked_sub(1)?)?.0;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Removes the "Did you mean …?" hints of validation messages, which name fields,
/// arguments and types of the schema: with introspection off the schema is not for
/// callers to read, so its names are not offered either. The rest of the message stays.
pub fn strip_hints(errors: &mut [ServerError]) {
    for e in errors {
        if let Some(at) = e.message.find(" Did you mean ") {
            e.message.truncate(at);
        }
    }
}

/// Keeps the first [`MAX_ERRORS`] errors of an answer and adds one saying how many more
/// were left out. That one is `GRAPHQL_VALIDATION_FAILED` when the answer refused the
/// document (so the answer stays a request error), else `LIMIT_EXCEEDED`.
pub fn cap_errors(errors: &mut Vec<ServerError>) {
    if errors.len() <= MAX_ERRORS {
        return;
    }
    let dropped = errors.len() - MAX_ERRORS;
    let request_error = is_request_error(errors);
    errors.truncate(MAX_ERRORS);
    let code = if request_error {
        VALIDATION_FAILED
    } else {
        Code::LimitExceeded.as_str()
    };
    errors.push(with_code(
        ServerError::new(
            format!(
                "{dropped} more errors were left out (an answer lists at most {MAX_ERRORS}); \
                 fix these and send the request again to see the rest"
            ),
            None,
        ),
        code,
    ));
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
        let q = "{ facilities { ";
        let e = parse_failed(async_graphql::parser::parse_query(q).unwrap_err(), q);
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

    #[test]
    fn an_out_of_range_number_is_named() {
        let q = "{ nearestFacilities(lat: 1e400, lon: 0) { id } }";
        let e = parse_failed(async_graphql::parser::parse_query(q).unwrap_err(), q);
        assert!(
            e.message.contains("`1e400` is out of range"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("column 5"), "{}", e.message);
        assert_eq!(code(&e), Some(Value::from(PARSE_FAILED)));
    }

    #[test]
    fn hints_go_and_long_lists_are_cut() {
        let mut errors = vec![ServerError::new(
            "Unknown field \"emial\" on type \"Maker\". Did you mean \"email\"?",
            None,
        )];
        strip_hints(&mut errors);
        assert_eq!(
            errors[0].message,
            "Unknown field \"emial\" on type \"Maker\"."
        );

        let mut errors: Vec<ServerError> = (0..1_000)
            .map(|i| with_code(ServerError::new(format!("e{i}"), None), VALIDATION_FAILED))
            .collect();
        cap_errors(&mut errors);
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert_eq!(errors[0].message, "e0");
        assert!(errors[MAX_ERRORS].message.starts_with("980 more errors"));
        assert!(is_request_error(&errors));

        // Errors of an operation that ran: the last one is a limit, not a refusal.
        let mut errors: Vec<ServerError> = (0..30)
            .map(|i| ServerError::new(format!("field {i} failed"), None))
            .collect();
        cap_errors(&mut errors);
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert_eq!(
            code(&errors[MAX_ERRORS]),
            Some(Value::from("LIMIT_EXCEEDED"))
        );
    }
}
