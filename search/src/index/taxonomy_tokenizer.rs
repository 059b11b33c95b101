//! The tokenizer of the taxonomy fields. Documents store process ids there ("fdm
//! 3d-printing"); this tokenizer expands each id, at index time, into the folded words of
//! all its labels and aliases, analysed once when the engine opens. Indexing a million
//! makers then never re-analyses (or re-copies) the same few hundred labels, which was a
//! fifth of indexing time. A word that is not a known id is analysed as ordinary text.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

use super::analyzer::{folded, tokens};

/// Process id → folded words of its labels and aliases.
pub(crate) type LabelWords = Arc<HashMap<String, Vec<String>>>;

#[derive(Clone)]
pub(crate) struct TaxonomyTokenizer {
    words: LabelWords,
    fallback: TextAnalyzer,
    token: Token,
}

impl TaxonomyTokenizer {
    pub(crate) fn new(words: LabelWords) -> Self {
        TaxonomyTokenizer {
            words,
            fallback: folded(),
            token: Token::default(),
        }
    }
}

pub(crate) struct TaxonomyTokenStream<'a> {
    words: &'a HashMap<String, Vec<String>>,
    fallback: &'a mut TextAnalyzer,
    ids: std::str::SplitAsciiWhitespace<'a>,
    /// Words of an id not in the table, analysed on the spot.
    unknown: Vec<String>,
    current: Option<(&'a [String], usize)>,
    token: &'a mut Token,
}

impl Tokenizer for TaxonomyTokenizer {
    type TokenStream<'a> = TaxonomyTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TaxonomyTokenStream<'a> {
        self.token.reset();
        self.token.position = usize::MAX;
        TaxonomyTokenStream {
            words: &self.words,
            fallback: &mut self.fallback,
            ids: text.split_ascii_whitespace(),
            unknown: Vec::new(),
            current: None,
            token: &mut self.token,
        }
    }
}

impl TaxonomyTokenStream<'_> {
    fn emit(&mut self, word: &str) {
        self.token.text.clear();
        self.token.text.push_str(word);
        self.token.position = self.token.position.wrapping_add(1);
    }
}

impl TokenStream for TaxonomyTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some((words, i)) = self.current
                && i < words.len()
            {
                self.current = Some((words, i + 1));
                self.emit(&words[i]);
                return true;
            }
            if !self.unknown.is_empty() {
                let word = self.unknown.remove(0);
                self.emit(&word);
                return true;
            }
            let Some(id) = self.ids.next() else {
                return false;
            };
            match self.words.get(id) {
                Some(words) => self.current = Some((words.as_slice(), 0)),
                None => {
                    self.current = None;
                    self.unknown = tokens(self.fallback, id);
                }
            }
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_expand_and_other_words_are_analysed() {
        let mut table = HashMap::new();
        table.insert(
            "welding".to_string(),
            vec!["welding".to_string(), "soudure".to_string()],
        );
        let mut analyzer = TextAnalyzer::from(TaxonomyTokenizer::new(Arc::new(table)));
        assert_eq!(
            tokens(&mut analyzer, "welding  Découpe-Laser welding"),
            [
                "welding", "soudure", "decoupe", "laser", "welding", "soudure"
            ]
        );
        assert!(tokens(&mut analyzer, "").is_empty());
    }
}
