//! Sets of entities (by ord) holding an index term, as bitsets cached per reader snapshot:
//! the facility ranking of `matchJob` asks for the holders of each capability, and its
//! maker search for the holders of each covering skill, over and over between commits.

use std::sync::Arc;

use tantivy::Term;

use super::filters::{kind_filter, skill_term};
use super::matcher::{Compiled, FilterPlan};
use super::request::SkillFilter;
use crate::SearchError;
use crate::document::Kind;
use crate::engine::Inner;
use crate::engine::state::State;
use crate::skills::skill_key;

/// A set of ords as a bitset: term sets hold thousands of entities, and membership is
/// asked once per candidate and term.
pub(crate) struct OrdSet {
    words: Vec<u64>,
}

impl OrdSet {
    pub(crate) fn with_capacity(ords: usize) -> OrdSet {
        OrdSet {
            words: vec![0; ords.div_ceil(64)],
        }
    }

    pub(crate) fn insert(&mut self, ord: u32) {
        let (w, b) = (ord as usize / 64, ord % 64);
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << b;
    }

    pub(crate) fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub(crate) fn contains(&self, ord: u32) -> bool {
        self.words
            .get(ord as usize / 64)
            .is_some_and(|w| w & (1 << (ord % 64)) != 0)
    }

    pub(crate) fn union_with(&mut self, other: &OrdSet) {
        if other.words.len() > self.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    pub(crate) fn intersect_with(&mut self, other: &OrdSet) {
        self.words.truncate(other.words.len());
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut bits = w;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let b = bits.trailing_zeros();
                    bits &= bits - 1;
                    i as u32 * 64 + b
                })
            })
        })
    }
}

/// The live entities of `kind` holding `term`, from the snapshot's cache when another
/// query asked already (the next commit brings a new snapshot, and a new cache).
pub(crate) fn holders(
    inner: &Inner,
    state: &State,
    kind: Kind,
    term: Term,
) -> Result<Arc<OrdSet>, SearchError> {
    let snapshot = &state.snapshot;
    let key = (kind, term);
    if let Some(set) = snapshot
        .term_sets
        .lock()
        .map_err(|_| SearchError::Poisoned)?
        .get(&key)
    {
        return Ok(set.clone());
    }
    let filters = [
        kind_filter(kind, &inner.fields),
        FilterPlan {
            any_of: vec![key.1.clone()],
        },
    ];
    let matcher = Compiled::new(&[], &filters, &snapshot.searcher)?;
    let mut set = OrdSet::with_capacity(state.entities.len());
    if !matcher.matches_nothing() {
        for (segment, reader) in snapshot.searcher.segment_readers().iter().enumerate() {
            let alive = reader.alive_bitset();
            let mut probe = matcher.segment(reader, None)?;
            while let Some((doc, _)) = probe.next_match()? {
                if alive.is_none_or(|a| a.is_alive(doc))
                    && let Some(ord) = snapshot.ord(segment, doc)
                {
                    set.insert(ord);
                }
            }
        }
    }
    let set = Arc::new(set);
    snapshot
        .term_sets
        .lock()
        .map_err(|_| SearchError::Poisoned)?
        .insert(key, set.clone());
    Ok(set)
}

/// The index terms of `skills` (blank keys hold nothing), sorted, each once.
pub(crate) fn skill_terms(inner: &Inner, skills: &[SkillFilter]) -> Vec<Term> {
    let mut terms: Vec<Term> = skills
        .iter()
        .filter(|s| !skill_key(&s.key).is_empty())
        .map(|s| {
            let (field, text) = skill_term(s, &inner.fields);
            Term::from_field_text(field, &text)
        })
        .collect();
    terms.sort();
    terms.dedup();
    terms
}

/// The live entities of `kind` holding any of `terms`.
pub(crate) fn holders_of_any(
    inner: &Inner,
    state: &State,
    kind: Kind,
    terms: &[Term],
) -> Result<OrdSet, SearchError> {
    let mut any = OrdSet::with_capacity(state.entities.len());
    for term in terms {
        let set = holders(inner, state, kind, term.clone())?;
        any.union_with(&set);
    }
    Ok(any)
}
