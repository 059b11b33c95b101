//! Text analysis. Words are split on anything not alphanumeric, lower-cased and folded to
//! ASCII, so "Yaoundé" and "yaounde", "Soudure" and "soudure" are one term. A second
//! analyzer adds English stemming for one catch-all field: stems help English ("welds",
//! "welded" → "weld") but would merge unrelated French or Swahili words in the main
//! fields, so the stemmed field is searched alongside, with a lower boost.

use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

use super::taxonomy_tokenizer::{LabelWords, TaxonomyTokenizer};

/// Folded words, for every text field but the stemmed one.
pub(crate) const FOLDED: &str = "mm_folded";
/// Folded and English-stemmed words.
pub(crate) const ENGLISH: &str = "mm_english";
/// Process ids expanded into their labels' folded words (see `taxonomy_tokenizer`).
pub(crate) const TAXONOMY: &str = "mm_taxonomy";

/// Longer "words" are base64, URLs or noise; dropping them keeps the dictionary small.
const MAX_TOKEN_BYTES: usize = 40;

pub(crate) fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub(crate) fn english() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Tantivy does not persist custom analyzers: register them on every opened index.
pub(crate) fn register(index: &Index, label_words: LabelWords) {
    index.tokenizers().register(FOLDED, folded());
    index.tokenizers().register(ENGLISH, english());
    index
        .tokenizers()
        .register(TAXONOMY, TaxonomyTokenizer::new(label_words));
}

/// The terms `analyzer` makes of `text`, in order.
pub(crate) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_stemming() {
        assert_eq!(
            tokens(&mut folded(), "Yaoundé, Soudure à l'arc; 3D-printing"),
            ["yaounde", "soudure", "a", "l", "arc", "3d", "printing"]
        );
        assert_eq!(
            tokens(&mut english(), "welding welded welds printers"),
            ["weld", "weld", "weld", "printer"]
        );
    }
}
