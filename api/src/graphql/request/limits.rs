//! The request limits of DESIGN §9 that async-graphql does not name the way clients
//! expect: aliases counted before anything runs, and depth and complexity refusals given
//! the `LIMIT_EXCEEDED` code.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, ServerError, Value};

use crate::graphql::error::Code;

/// A `ServerError` with a code, as every refusal before execution is.
pub fn refusal(code: Code, message: impl Into<String>) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", Value::from(code.as_str()));
    e.extensions = Some(ext);
    e
}

fn aliases_in(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + aliases_in(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => aliases_in(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Aliases in every operation and fragment of the document.
pub fn count_aliases(doc: &ExecutableDocument) -> usize {
    let operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| aliases_in(&op.node.selection_set.node))
        .sum();
    let fragments: usize = doc
        .fragments
        .values()
        .map(|f| aliases_in(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

/// Refuses a query with more than `max` aliases.
pub fn check_aliases(doc: &ExecutableDocument, max: usize) -> Result<(), ServerError> {
    let n = count_aliases(doc);
    if n > max {
        return Err(refusal(
            Code::LimitExceeded,
            format!("the query uses {n} aliases; at most {max} are allowed"),
        ));
    }
    Ok(())
}

/// The refusal of a query whose fields nest deeper than `max_depth`.
pub fn too_deep_message(max_depth: usize) -> String {
    format!("the query is nested deeper than {max_depth} levels; ask for less at once")
}

/// Gives async-graphql's own depth and complexity refusals the `LIMIT_EXCEEDED` code
/// and a message saying what the limit is.
pub fn name_limit_errors(errors: &mut [ServerError], max_depth: usize, max_complexity: usize) {
    for e in errors {
        let message = match e.message.as_str() {
            "Query is nested too deep." => too_deep_message(max_depth),
            "Query is too complex." => format!(
                "the query is more complex than {max_complexity} (fields × page sizes); ask for fewer fields or smaller pages"
            ),
            _ => continue,
        };
        e.message = message;
        let ext = e
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        ext.set("code", Value::from(Code::LimitExceeded.as_str()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        let q = "query { a: version b: version ...F } fragment F on Query { c: version }";
        let doc = async_graphql::parser::parse_query(q).unwrap();
        assert_eq!(count_aliases(&doc), 3);
        assert!(check_aliases(&doc, 3).is_ok());
        let refused = check_aliases(&doc, 2).unwrap_err();
        assert!(refused.message.contains("3 aliases"));
    }
}
