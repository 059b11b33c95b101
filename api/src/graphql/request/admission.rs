//! What every GraphQL operation passes before it runs, whichever door it came through (POST,
//! a WebSocket subscription socket): the work it may cause is bounded first, from the text
//! alone, then from the parsed document, and only then does async-graphql validate and
//! execute it. async-graphql's parser recurses on nested brackets and its validation walks
//! every fragment spread, so neither may see an unbounded document.

use std::sync::Arc;

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Request, Response, ServerError};
use std::collections::HashMap;

use super::codes::{cap_errors, name_validation_errors, parse_failed, strip_hints};
use super::depth::check_depth;
use super::limits::{check_aliases, name_limit_errors, refusal};
use super::parsed::ParsedQueries;
use crate::config::GraphqlConfig;
use crate::graphql::error::Code;

/// The bounds an operation is held to before it runs.
pub struct Admission {
    parsed: Arc<ParsedQueries>,
    max_aliases: usize,
    max_nesting: usize,
    max_fields: usize,
    max_depth: usize,
    introspection: bool,
    max_complexity: usize,
    max_response_bytes: usize,
    /// Mutations are refused: this server may not write (`server.read_only`).
    read_only: bool,
}

impl Admission {
    pub fn new(config: &GraphqlConfig, parsed: Arc<ParsedQueries>, read_only: bool) -> Admission {
        Admission {
            parsed,
            max_aliases: config.max_aliases,
            max_nesting: config.max_nesting,
            max_fields: config.max_fields,
            max_depth: config.max_depth,
            introspection: config.introspection,
            max_complexity: config.max_complexity,
            max_response_bytes: config.max_response_bytes,
            read_only,
        }
    }

    /// Bounds `request` and hands it its parsed document. A text that does not parse is
    /// refused with `GRAPHQL_PARSE_FAILED` and the syntax error's position.
    pub fn admit(&self, request: &mut Request) -> Result<(), ServerError> {
        check_nesting(&request.query, self.max_nesting)?;
        let doc = self
            .parsed
            .parse(&request.query)
            .map_err(|e| parse_failed(e, &request.query))?;
        check_aliases(&doc, self.max_aliases)?;
        check_fields(&doc, self.max_fields)?;
        check_depth(&doc, self.max_depth, self.introspection)?;
        if self.read_only && runs_a_mutation(&doc, request.operation_name.as_deref()) {
            return Err(refusal(
                Code::Forbidden,
                "this server serves reads only (server.read_only): send mutations to a replica on the primary database",
            ));
        }
        request.set_parsed_query(ExecutableDocument::clone(&doc));
        Ok(())
    }

    /// Gives async-graphql's own refusals, and database errors that reached the answer
    /// without a code, our codes and messages.
    pub fn name_errors(&self, errors: &mut [ServerError]) {
        name_limit_errors(errors, self.max_depth, self.max_complexity);
        crate::graphql::error::name_input_errors(errors);
        crate::graphql::error::name_database_errors(errors);
    }

    /// `name_errors`, and the schema's refusals of the document (an answer without
    /// `data`, errors without a path) that have no code by then are
    /// `GRAPHQL_VALIDATION_FAILED`. With introspection off, "Did you mean …?" hints (which
    /// name the schema's fields) are removed; and an answer lists at most
    /// [`super::codes::MAX_ERRORS`] errors, the last saying how many more there were.
    pub fn name_answer_errors(&self, response: &mut Response) {
        self.name_errors(&mut response.errors);
        let has_data = response.data != async_graphql::Value::Null;
        name_validation_errors(&mut response.errors, has_data);
        if !self.introspection {
            strip_hints(&mut response.errors);
        }
        cap_errors(&mut response.errors);
    }

    /// `response` as JSON, or (`Err`) a `LIMIT_EXCEEDED` answer in its place when it would
    /// be larger than the bound: a backstop behind the complexity limit.
    pub fn serialize(&self, response: &Response) -> Result<String, String> {
        match serde_json::to_string(response) {
            Ok(text) if text.len() <= self.max_response_bytes => Ok(text),
            Ok(text) => Err(self.too_large(Some(text.len()))),
            Err(e) => {
                tracing::error!(error = %e, "a GraphQL response did not serialise");
                Err(self.too_large(None))
            }
        }
    }

    /// The answer to give in place of `response` when it is over the response bound
    /// (counted without keeping the text); `None` when it fits.
    pub fn oversized(&self, response: &Response) -> Option<Response> {
        let mut counter = ByteCounter(0);
        match serde_json::to_writer(&mut counter, response) {
            Ok(()) if counter.0 <= self.max_response_bytes => None,
            Ok(()) => Some(self.refusal_for(Some(counter.0))),
            Err(_) => Some(self.refusal_for(None)),
        }
    }

    fn refusal_for(&self, bytes: Option<usize>) -> Response {
        let size = bytes.map_or_else(String::new, |b| format!(" ({b} bytes)"));
        Response::from_errors(vec![refusal(
            Code::LimitExceeded,
            format!(
                "the answer is larger than {} bytes{size}; ask for fewer fields or smaller pages",
                self.max_response_bytes
            ),
        )])
    }

    fn too_large(&self, bytes: Option<usize>) -> String {
        serde_json::to_string(&self.refusal_for(bytes)).unwrap_or_else(|_| {
            r#"{"errors":[{"message":"the answer is too large","extensions":{"code":"LIMIT_EXCEEDED"}}]}"#
                .to_owned()
        })
    }
}

/// An `io::Write` that only counts.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Refuses a text whose brackets (`{`, `[`, `(`) nest deeper than `max`, outside strings
/// and comments. Selection sets, argument lists and input values (lists and objects,
/// variable defaults included) all count, so one bound covers everything the parser
/// recurses on.
pub fn check_nesting(text: &str, max: usize) -> Result<(), ServerError> {
    let deepest = deepest_nesting(text, max);
    if deepest > max {
        return Err(refusal(
            Code::LimitExceeded,
            format!(
                "the query nests brackets more than {max} deep (selections, arguments and input \
                 values together); pass deep values as variables or ask for less at once"
            ),
        ));
    }
    Ok(())
}

/// The deepest bracket nesting of `text`, counting no further than `stop + 1`.
fn deepest_nesting(text: &str, stop: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                // A block string ends at the next unescaped `"""`.
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > stop {
                    return deepest;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Refuses a document whose operations select more than `max` fields once every fragment
/// spread is expanded, counted without expanding (each fragment's count is kept), so a
/// "fragment bomb" (each fragment spreading the next twice) costs a few microseconds to
/// refuse rather than minutes to validate.
pub fn check_fields(doc: &ExecutableDocument, max: usize) -> Result<(), ServerError> {
    let mut counter = FieldCounter {
        fragments: &doc.fragments,
        counted: HashMap::new(),
    };
    let mut total = 0u64;
    for (_, op) in doc.operations.iter() {
        total = total.saturating_add(counter.count(&op.node.selection_set.node));
    }
    if total > max as u64 {
        return Err(refusal(
            Code::LimitExceeded,
            format!(
                "the query selects {} fields once its fragments are expanded; at most {max} are allowed",
                if total == u64::MAX {
                    "more than 18 quintillion".to_owned()
                } else {
                    total.to_string()
                }
            ),
        ));
    }
    Ok(())
}

struct FieldCounter<'a> {
    fragments: &'a HashMap<Name, async_graphql::Positioned<FragmentDefinition>>,
    /// Fields in each fragment, expanded; `None` while it is being counted (a cycle,
    /// which validation refuses: it counts as nothing here).
    counted: HashMap<&'a str, Option<u64>>,
}

impl<'a> FieldCounter<'a> {
    fn count(&mut self, set: &'a SelectionSet) -> u64 {
        let mut total = 0u64;
        for item in &set.items {
            let n = match &item.node {
                Selection::Field(f) => 1u64.saturating_add(self.count(&f.node.selection_set.node)),
                Selection::InlineFragment(f) => self.count(&f.node.selection_set.node),
                Selection::FragmentSpread(s) => self.fragment(s.node.fragment_name.node.as_str()),
            };
            total = total.saturating_add(n);
        }
        total
    }

    fn fragment(&mut self, name: &str) -> u64 {
        let Some((key, def)) = self.fragments.get_key_value(name) else {
            return 0; // unknown: validation says so
        };
        match self.counted.get(key.as_str()) {
            Some(Some(n)) => return *n,
            Some(None) => return 0,
            None => {}
        }
        self.counted.insert(key.as_str(), None);
        let n = self.count(&def.node.selection_set.node);
        self.counted.insert(key.as_str(), Some(n));
        n
    }
}

/// Whether the operation a request runs is a mutation; when the name does not single one
/// out, whether any could be.
fn runs_a_mutation(doc: &ExecutableDocument, name: Option<&str>) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let mutation = |ty: OperationType| ty == OperationType::Mutation;
    match &doc.operations {
        DocumentOperations::Single(op) => mutation(op.node.ty),
        DocumentOperations::Multiple(ops) => match name {
            Some(name) => ops
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .is_none_or(|(_, op)| mutation(op.node.ty)),
            None => ops.values().any(|op| mutation(op.node.ty)),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn nested(open: &str, close: &str, n: usize) -> String {
        format!(
            "{{ facilities(filter: {{ countries: {}\"GH\"{} }}) {{ totalCount }} }}",
            open.repeat(n),
            close.repeat(n)
        )
    }

    #[test]
    fn nesting_counts_brackets_outside_strings_and_comments() {
        assert_eq!(deepest_nesting("{ a { b(x: [1, {y: 2}]) } }", 99), 5);
        assert_eq!(deepest_nesting("{ a(s: \"[[[[{{{\") # (((((\n }", 99), 2);
        assert_eq!(
            deepest_nesting("{ a(s: \"\"\" [[[ \\\"\"\" {{{ \"\"\") }", 99),
            2
        );
        assert!(check_nesting(&nested("[", "]", 20), 64).is_ok());
        let refused = check_nesting(&nested("[", "]", 1_600), 64).unwrap_err();
        assert!(refused.message.contains("64"), "{}", refused.message);
        // The scan stops at the bound: a huge text costs no more than its first brackets.
        assert_eq!(deepest_nesting(&"[".repeat(1_000_000), 64), 65);
    }

    #[test]
    fn fields_are_counted_after_expansion_without_expanding() {
        let mut q = String::from("query { ...F0 }");
        for i in 0..70 {
            q.push_str(&format!(
                " fragment F{i} on Query {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        q.push_str(" fragment F70 on Query { version }");
        let doc = async_graphql::parser::parse_query(&q).unwrap();
        let refused = check_fields(&doc, 2_000).unwrap_err();
        assert!(
            refused.message.contains("quintillion"),
            "{}",
            refused.message
        );

        let doc = async_graphql::parser::parse_query(
            "{ a { b c } ...F } fragment F on Query { d ...G ...G } fragment G on Query { e f }",
        )
        .unwrap();
        // a, b, c, d and two copies of e and f.
        assert!(check_fields(&doc, 8).is_ok());
        assert!(check_fields(&doc, 7).is_err());
        // A cycle is left to validation, not followed.
        let doc = async_graphql::parser::parse_query(
            "{ ...A } fragment A on Query { x ...B } fragment B on Query { y ...A }",
        )
        .unwrap();
        assert!(check_fields(&doc, 10).is_ok());
    }
}
