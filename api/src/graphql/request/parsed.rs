//! Parsed query documents kept by their text. Clients send the same few query texts over
//! and over (a map's page query with new variables), and async-graphql's parser is a
//! sizeable part of a small query's time; the handler also needs the document before the
//! executor, to count aliases. So each text is parsed once, and every request after that
//! hands the executor a copy of the document.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Texts longer than this are parsed every time, not kept: no client repeats them.
const MAX_KEPT_BYTES: usize = 16 * 1024;

/// Weighs an entry by its text's length (its document is a few times that).
#[derive(Clone)]
struct ByLength;

impl Weighter<String, Arc<ExecutableDocument>> for ByLength {
    fn weight(&self, text: &String, _: &Arc<ExecutableDocument>) -> u64 {
        text.len().max(1) as u64
    }
}

/// The documents of recently seen query texts.
pub struct ParsedQueries {
    docs: Cache<String, Arc<ExecutableDocument>, ByLength>,
}

impl ParsedQueries {
    /// Keeps documents for up to `bytes` of query text, the least used going first.
    pub fn new(bytes: u64) -> ParsedQueries {
        let bytes = bytes.max(MAX_KEPT_BYTES as u64);
        // quick_cache sizes itself by an estimate of the entries: a query is a few hundred bytes.
        let estimated = (bytes / 256).max(1) as usize;
        ParsedQueries {
            docs: Cache::with_weighter(estimated, bytes, ByLength),
        }
    }

    /// The document of `query`, or the syntax error when it does not parse (a text that
    /// does not parse is not kept).
    pub fn parse(
        &self,
        query: &str,
    ) -> Result<Arc<ExecutableDocument>, async_graphql::parser::Error> {
        if let Some(doc) = self.docs.get(query) {
            return Ok(doc);
        }
        let doc = Arc::new(async_graphql::parser::parse_query(query)?);
        if query.len() <= MAX_KEPT_BYTES {
            self.docs.insert(query.to_owned(), doc.clone());
        }
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_text_is_parsed_once_and_a_broken_one_is_refused() {
        let parsed = ParsedQueries::new(1 << 20);
        let first = parsed.parse("{ version }").unwrap();
        let again = parsed.parse("{ version }").unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the second request reparsed");
        assert!(parsed.parse("{ version").is_err());
        assert!(parsed.parse("{ version").is_err());
    }

    #[test]
    fn kept_texts_are_bounded_by_their_length() {
        let parsed = ParsedQueries::new(MAX_KEPT_BYTES as u64);
        for i in 0..10_000 {
            parsed.parse(&format!("{{ a{i}: version }}")).unwrap();
        }
        assert!(parsed.docs.weight() <= MAX_KEPT_BYTES as u64);
        let long = format!("{{ version {} }}", " ".repeat(MAX_KEPT_BYTES));
        let first = parsed.parse(&long).unwrap();
        assert!(!Arc::ptr_eq(&first, &parsed.parse(&long).unwrap()));
    }
}
