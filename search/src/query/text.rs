//! Free text → a tantivy query. Every word is looked up in each text field with that
//! field's boost (BM25 per field, summed) and in the English-stemmed field. For short
//! queries, a word that the index does not already hold in a few documents is also looked
//! up as close misspellings: words of 4–7 characters within one edit, 8 or more within
//! two, none below 4; each variant is found in the term dictionaries and scored below an
//! exact match. A word the index knows well is taken as spelled right: expanding it would
//! only add near-homographs ("printing" → "painting") and cost dictionary walks.
//! Content words are all required; words under three letters and common function words in
//! our four languages only add to the score, so "la soudure" still finds welders.

use std::collections::BTreeMap;

use tantivy::query::{DfaWrapper, FuzzyTermQuery};
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::matcher::WordPlan;
use crate::SearchError;
use crate::budget::checkpoint;
use crate::index::analyzer::{self, tokens};
use crate::index::schema::Fields;

/// Fuzzy matching is for short queries: longer ones carry enough words to match without,
/// and each fuzzy word costs a walk of several term dictionaries.
pub(crate) const FUZZY_MAX_WORDS: usize = 4;

/// Longest `text` searched, in characters: more than any query a person types, and little
/// enough that tokenising and planning it costs microseconds.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// Most distinct words a `text` may have; each word becomes a clause of the query.
pub const MAX_TEXT_WORDS: usize = 32;

/// Longer words are matched exactly only: no name or skill is this long, and the edit
/// automaton of a long word is costly to build.
const FUZZY_MAX_WORD_CHARS: usize = 32;

/// Score factor of a variant at edit distance 0, 1, 2: exact matches rank first.
const FUZZY_FACTOR: [f32; 3] = [1.0, 0.5, 0.3];

/// Variants kept per word and field (closest first), so a short word cannot expand into
/// hundreds of unrelated terms.
const MAX_VARIANTS: usize = 16;

/// A word found exactly in this many documents is not expanded into misspellings.
const WELL_KNOWN_DOCS: u64 = 3;

/// The stemmed field complements the exact ones; it must not outweigh them.
const STEMMED_BOOST: f32 = 0.75;

/// Words that only add to the score (en, fr, pt, sw).
const STOPWORDS: &[&str] = &[
    "and", "the", "for", "with", "from", "les", "des", "une", "pour", "avec", "aux", "sur", "par",
    "dos", "das", "uma", "para", "com", "por", "kwa", "cha", "vya", "katika",
];

/// Edit distance allowed for a word of `chars` characters.
pub(crate) fn fuzzy_distance(chars: usize) -> u8 {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

struct TextField {
    field: Field,
    boost: f32,
    /// Whether to look for misspellings in its dictionary.
    fuzzy: bool,
}

fn text_fields(f: &Fields) -> [TextField; 8] {
    let tf = |field, boost, fuzzy| TextField {
        field,
        boost,
        fuzzy,
    };
    [
        tf(f.name, 3.0, true),
        tf(f.skills, 2.5, true),
        tf(f.taxonomy, 2.0, true),
        tf(f.equipment, 1.5, true),
        tf(f.materials, 1.5, true),
        tf(f.place, 1.5, true),
        // Ancestor labels come from the same vocabulary as `taxonomy`, whose variants
        // are reused for it below.
        tf(f.taxonomy_broader, 1.0, false),
        tf(f.body, 1.0, false),
    ]
}

/// The words of `text` with the terms each may match; empty when it holds no word.
pub(crate) fn text_words(
    text: &str,
    searcher: &Searcher,
    fields: &Fields,
) -> Result<Vec<WordPlan>, SearchError> {
    let length = text.chars().count();
    if length > MAX_TEXT_CHARS {
        return Err(SearchError::InvalidRequest(format!(
            "text: {length} characters; at most {MAX_TEXT_CHARS} are searched, so keep the words that matter"
        )));
    }
    let mut folded = analyzer::folded();
    let mut english = analyzer::english();
    let mut words: Vec<String> = Vec::new();
    for w in tokens(&mut folded, text) {
        if !words.contains(&w) {
            words.push(w);
            if words.len() > MAX_TEXT_WORDS {
                return Err(SearchError::InvalidRequest(format!(
                    "text: more than {MAX_TEXT_WORDS} distinct words; keep the words that matter"
                )));
            }
        }
    }
    let fuzzy = words.len() <= FUZZY_MAX_WORDS;
    words
        .iter()
        .map(|word| {
            // With no required word (e.g. "3D"), optional words alone must match once.
            let required = word.chars().count() >= 3 && !STOPWORDS.contains(&word.as_str());
            Ok(WordPlan {
                required,
                terms: word_terms(word, fuzzy, searcher, fields, &mut english)?,
            })
        })
        .collect()
}

/// Every (term, boost) a word may match; a word found nowhere has none, and if it is
/// required the query rightly matches nothing.
fn word_terms(
    word: &str,
    fuzzy: bool,
    searcher: &Searcher,
    fields: &Fields,
    english: &mut TextAnalyzer,
) -> Result<Vec<(Term, f32)>, SearchError> {
    let mut terms: Vec<(Term, f32)> = Vec::new();
    // Adds a term when the index holds it; returns its document frequency.
    let mut add = |field: Field, text: &str, boost: f32| -> Result<u64, SearchError> {
        let term = Term::from_field_text(field, text);
        let doc_freq = searcher.doc_freq(&term)?;
        if doc_freq > 0 {
            terms.push((term, boost));
        }
        Ok(doc_freq)
    };
    let mut exact_docs = 0;
    for tf in text_fields(fields) {
        exact_docs += add(tf.field, word, tf.boost)?;
    }
    if let Some(stem) = tokens(english, word).into_iter().next() {
        add(fields.stemmed, &stem, STEMMED_BOOST)?;
    }
    let distance = fuzzy_distance(word.chars().count());
    if fuzzy
        && distance > 0
        && exact_docs < WELL_KNOWN_DOCS
        && word.chars().count() <= FUZZY_MAX_WORD_CHARS
    {
        // The automaton depends on the word only: build it once for every dictionary.
        let automaton =
            FuzzyTermQuery::new(Term::from_field_text(fields.name, word), distance, true)
                .automaton()?;
        let mut taxonomy_variants = Vec::new();
        for tf in text_fields(fields) {
            let variants = if tf.fuzzy {
                variants(word, &automaton, tf.field, searcher)?
            } else if tf.field == fields.taxonomy_broader {
                taxonomy_variants.clone()
            } else {
                Vec::new()
            };
            for (variant, d) in &variants {
                add(tf.field, variant, tf.boost * FUZZY_FACTOR[usize::from(*d)])?;
            }
            if tf.field == fields.taxonomy {
                taxonomy_variants = variants;
            }
        }
    }
    Ok(terms)
}

/// Terms of `field` the automaton accepts (the word itself excluded), closest first.
fn variants(
    word: &str,
    automaton: &DfaWrapper,
    field: Field,
    searcher: &Searcher,
) -> Result<Vec<(String, u8)>, SearchError> {
    let mut found: BTreeMap<String, u8> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let mut stream = index
            .terms()
            .search(automaton)
            .into_stream()
            .map_err(|e| SearchError::Tantivy(e.into()))?;
        while stream.advance() {
            checkpoint()?;
            if let Ok(term) = std::str::from_utf8(stream.key())
                && term != word
                && !found.contains_key(term)
            {
                found.insert(term.to_string(), edit_distance(word, term).clamp(1, 2));
            }
        }
    }
    let mut ranked: Vec<(String, u8)> = found.into_iter().collect();
    ranked.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(MAX_VARIANTS);
    Ok(ranked)
}

/// Optimal-string-alignment distance (a transposition counts as one edit, as in the
/// automaton above).
fn edit_distance(a: &str, b: &str) -> u8 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    u8::try_from(rows[a.len()][b.len()]).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_follow_word_length() {
        assert_eq!(fuzzy_distance(3), 0);
        assert_eq!(fuzzy_distance(4), 1);
        assert_eq!(fuzzy_distance(7), 1);
        assert_eq!(fuzzy_distance(8), 2);
    }

    #[test]
    fn osa_distance() {
        assert_eq!(edit_distance("weldng", "welding"), 1);
        assert_eq!(edit_distance("wledign", "welding"), 2);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("abc", ""), 3);
    }
}
