//! Resolving the words real data uses for a process, an equipment type or a material to
//! a canonical id of the taxonomy: the id itself, a Wikipedia URL (any language), a
//! Wikidata id or URL, a TsDC code, a label or alias (case- and accent-insensitive), and
//! last a fuzzy match that says how sure it is. Unknown terms are reported, never guessed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How a term was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MatchedBy {
    Id,
    WikipediaUrl,
    Wikidata,
    Tsdc,
    Label,
    Alias,
    Fuzzy,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Resolution {
    pub id: String,
    pub matched_by: MatchedBy,
    /// 1.0 for every exact kind of match; the similarity for a fuzzy one.
    pub confidence: f64,
}

/// Fuzzy matches below this similarity (1 − edit distance / length, on folded text) are
/// not taken: "weldng" (0.86) still finds "welding", while "sawing"/"sewing" (0.83) and
/// "milling"/"drilling" (0.75) stay apart. Edit distance rather than Jaro-Winkler, whose
/// prefix bonus would make "post processing station" a "post processing".
pub const FUZZY_THRESHOLD: f64 = 0.85;

/// One entry's ways of being named.
#[derive(Debug, Default, Clone)]
pub struct TermEntry<'a> {
    pub id: &'a str,
    pub labels: Vec<&'a str>,
    /// (language, label) pairs, so that a `fr.wikipedia.org` slug can match a French label.
    pub localized: Vec<(&'a str, &'a str)>,
    pub aliases: Vec<&'a str>,
    pub wikipedia: Option<&'a str>,
    pub wikidata: Option<&'a str>,
    pub tsdc: Option<&'a str>,
}

/// Lookup tables for one vocabulary (processes, equipment types or materials).
#[derive(Debug, Clone, Default)]
pub struct TermIndex {
    ids: HashMap<String, String>,
    words: HashMap<String, (String, MatchedBy)>,
    wikipedia: HashMap<String, String>,
    wikidata: HashMap<String, String>,
    tsdc: HashMap<String, String>,
    /// Folded labels and aliases, for fuzzy matching.
    fuzzy: Vec<(String, String)>,
    /// Fuzzy answers already worked out, by folded term: a scan of every label costs
    /// tens of microseconds, and the same words come back with every match of a job.
    /// The tables never change once built, so an answer never goes stale.
    memo: Arc<Mutex<HashMap<String, Option<Resolution>>>>,
}

/// Fuzzy answers remembered per vocabulary before the memo starts over.
const FUZZY_MEMO: usize = 10_000;

impl TermIndex {
    pub fn build<'a>(entries: impl IntoIterator<Item = TermEntry<'a>>) -> TermIndex {
        let mut index = TermIndex::default();
        for e in entries {
            let id = e.id.to_owned();
            index.ids.insert(fold(e.id), id.clone());
            for label in e.labels.iter().chain(e.localized.iter().map(|(_, l)| l)) {
                let key = fold(label);
                index
                    .words
                    .entry(key.clone())
                    .or_insert((id.clone(), MatchedBy::Label));
                index.fuzzy.push((key, id.clone()));
            }
            for alias in &e.aliases {
                let key = fold(alias);
                index
                    .words
                    .entry(key.clone())
                    .or_insert((id.clone(), MatchedBy::Alias));
                index.fuzzy.push((key, id.clone()));
            }
            if let Some(w) = e.wikipedia {
                index
                    .wikipedia
                    .insert(fold(&w.replace('_', " ")), id.clone());
            }
            if let Some(q) = e.wikidata {
                index.wikidata.insert(q.to_ascii_uppercase(), id.clone());
            }
            if let Some(t) = e.tsdc {
                index.tsdc.insert(t.to_ascii_uppercase(), id.clone());
            }
        }
        index.fuzzy.sort();
        index.fuzzy.dedup();
        index
    }

    /// The canonical id `term` names, if any.
    pub fn resolve(&self, term: &str) -> Option<Resolution> {
        let term = term.trim();
        if term.is_empty() {
            return None;
        }
        let exact = |id: &String, matched_by| {
            Some(Resolution {
                id: id.clone(),
                matched_by,
                confidence: 1.0,
            })
        };
        if let Some(slug) = wikipedia_slug(term) {
            let words = fold(&slug.replace('_', " "));
            if let Some(id) = self.wikipedia.get(&words) {
                return exact(id, MatchedBy::WikipediaUrl);
            }
            // Another language's article: its title is usually that language's label.
            if let Some((id, _)) = self
                .words
                .get(&words)
                .or_else(|| self.words.get(&singular(&words)))
            {
                return exact(id, MatchedBy::WikipediaUrl);
            }
            return self.fuzzy(&words);
        }
        if let Some(q) = wikidata_id(term) {
            return self
                .wikidata
                .get(&q)
                .and_then(|id| exact(id, MatchedBy::Wikidata));
        }
        if let Some(id) = self.tsdc.get(&term.to_ascii_uppercase()) {
            return exact(id, MatchedBy::Tsdc);
        }
        let folded = fold(term);
        if let Some(id) = self
            .ids
            .get(&folded)
            .or_else(|| self.ids.get(&folded.replace(' ', "-")))
        {
            return exact(id, MatchedBy::Id);
        }
        if let Some((id, how)) = self
            .words
            .get(&folded)
            .or_else(|| self.words.get(&singular(&folded)))
        {
            return exact(id, *how);
        }
        self.fuzzy(&folded)
    }

    fn fuzzy(&self, folded: &str) -> Option<Resolution> {
        // Very short words match too much by accident ("cut", "saw").
        if folded.chars().count() < 4 {
            return None;
        }
        // A poisoned memo only costs the scan.
        if let Ok(memo) = self.memo.lock()
            && let Some(known) = memo.get(folded)
        {
            return known.clone();
        }
        let found = self.closest(folded);
        if let Ok(mut memo) = self.memo.lock() {
            if memo.len() >= FUZZY_MEMO {
                memo.clear();
            }
            memo.insert(folded.to_owned(), found.clone());
        }
        found
    }

    /// The label or alias nearest `folded` by edit distance, when near enough.
    fn closest(&self, folded: &str) -> Option<Resolution> {
        let mut best: Option<(f64, &str)> = None;
        let length = folded.chars().count();
        for (key, id) in &self.fuzzy {
            // The edit distance is at least the difference in length, so a key whose length
            // is too far from the term's cannot reach the threshold: skipping it changes no
            // answer, and a long term costs a pass over the keys, not an edit distance each.
            let key_length = key.chars().count();
            if (length.min(key_length) as f64) < FUZZY_THRESHOLD * length.max(key_length) as f64 {
                continue;
            }
            let score = strsim::normalized_levenshtein(folded, key);
            // Ties go to the smaller id, so results never depend on iteration order.
            let better = match best {
                None => true,
                Some((s, b)) => score > s || (score == s && id.as_str() < b),
            };
            if better {
                best = Some((score, id));
            }
        }
        best.filter(|(score, _)| *score >= FUZZY_THRESHOLD)
            .map(|(score, id)| Resolution {
                id: id.to_owned(),
                matched_by: MatchedBy::Fuzzy,
                confidence: (score * 1000.0).round() / 1000.0,
            })
    }
}

/// Lower case, accents removed, punctuation to spaces, single spaces.
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    ascii
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '+')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A crude singular of the last word ("laser cutters" → "laser cutter"), enough for the
/// plurals vocabulary terms take; words ending in -ss, -us or -is are left alone.
pub fn singular(folded: &str) -> String {
    let (head, last) = match folded.rsplit_once(' ') {
        Some((h, l)) => (Some(h), l),
        None => (None, folded),
    };
    let last = if last.len() > 4 && last.ends_with("ies") {
        format!("{}y", &last[..last.len() - 3])
    } else if last.len() > 3
        && last.ends_with('s')
        && !last.ends_with("ss")
        && !last.ends_with("us")
        && !last.ends_with("is")
    {
        last[..last.len() - 1].to_owned()
    } else {
        last.to_owned()
    };
    match head {
        Some(h) => format!("{h} {last}"),
        None => last,
    }
}

/// The article slug of a Wikipedia URL in any language, percent-decoded.
fn wikipedia_slug(term: &str) -> Option<String> {
    let lower = term.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    if !(host == "wikipedia.org" || host.ends_with(".wikipedia.org")) {
        return None;
    }
    let path_start = term.len() - path.len();
    let original_path = &term[path_start..];
    let slug = original_path.strip_prefix("wiki/")?;
    let slug = slug.split(['#', '?']).next().unwrap_or(slug);
    Some(percent_decode(slug))
}

/// `Q123`, `wd:Q123`, or a Wikidata entity URL.
fn wikidata_id(term: &str) -> Option<String> {
    let t = term.trim();
    let candidate = if t.contains("wikidata.org/") {
        t.rsplit('/').next()?
    } else {
        t.strip_prefix("wd:").unwrap_or(t)
    };
    let upper = candidate.to_ascii_uppercase();
    let digits = upper.strip_prefix('Q')?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some(upper)
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_plurals() {
        assert_eq!(fold("  Dépôt de FIL—fondu "), "depot de fil fondu");
        assert_eq!(singular("laser cutters"), "laser cutter");
        assert_eq!(singular("assemblies"), "assembly");
        assert_eq!(singular("glass"), "glass");
        assert_eq!(singular("process"), "process");
    }

    #[test]
    fn urls_and_ids_are_recognised() {
        assert_eq!(
            wikipedia_slug("https://fr.wikipedia.org/wiki/Soudage#Histoire").as_deref(),
            Some("Soudage")
        );
        assert_eq!(
            wikipedia_slug("https://en.m.wikipedia.org/wiki/Fused_filament_fabrication").as_deref(),
            Some("Fused_filament_fabrication")
        );
        assert_eq!(wikipedia_slug("https://example.org/wiki/Welding"), None);
        assert_eq!(percent_decode("Impress%C3%A3o_3D"), "Impressão_3D");
        assert_eq!(
            percent_decode("%aé%"),
            "%aé%",
            "malformed escapes are kept, never split a character"
        );
        assert_eq!(
            wikidata_id("https://www.wikidata.org/wiki/Q229367").as_deref(),
            Some("Q229367")
        );
        assert_eq!(wikidata_id("q131172").as_deref(), Some("Q131172"));
        assert_eq!(wikidata_id("Quality"), None);
    }
}
