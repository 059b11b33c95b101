//! The makers tied to some facilities (affiliated with them or cleared on their machines):
//! `matchJob` counts them into each candidate facility's team whatever their distance.
//! Each link is a `linked` term of the maker's document, so this is one posting-list walk
//! per facility, narrowed to the holders of the skills a job asks for.

use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, TERMINATED, Term};
use uuid::Uuid;

use super::ord_set::{holders_of_any, skill_terms};
use super::request::SkillFilter;
use crate::SearchError;
use crate::budget::checkpoint;
use crate::document::Kind;
use crate::engine::Inner;
use crate::engine::state::State;
use crate::index::convert::linked_term;

/// The live makers linked to any of `facilities`, ascending by id, each once; when
/// `holding_any` names skills, only the makers holding one of them.
pub(crate) fn linked_makers(
    inner: &Inner,
    state: &State,
    facilities: &[Uuid],
    holding_any: &[SkillFilter],
) -> Result<Vec<Uuid>, SearchError> {
    if facilities.is_empty() {
        return Ok(Vec::new());
    }
    // A bitset test per linked maker: a posting-list intersection would walk the
    // holders of common skills (a fifth of all makers) for a few thousand links.
    let holders = if holding_any.is_empty() {
        None
    } else {
        let terms = skill_terms(inner, holding_any);
        Some(holders_of_any(inner, state, Kind::Maker, &terms)?)
    };
    // Each facility's posting list read on its own: only makers' documents carry `linked`
    // terms, so no kind filter is intersected (it spans every maker), and a few thousand
    // links need no merge of a hundred cursors.
    let terms: Vec<Term> = facilities
        .iter()
        .map(|f| Term::from_field_text(inner.fields.linked, &linked_term(*f)))
        .collect();
    let snapshot = &state.snapshot;
    let mut found = Vec::new();
    for (segment, reader) in snapshot.searcher.segment_readers().iter().enumerate() {
        let alive = reader.alive_bitset();
        let postings = reader.inverted_index(inner.fields.linked)?;
        for term in &terms {
            let Some(mut docs) = postings
                .read_postings(term, IndexRecordOption::Basic)
                .map_err(|e| SearchError::Tantivy(e.into()))?
            else {
                continue;
            };
            let mut doc = docs.doc();
            while doc != TERMINATED {
                checkpoint()?;
                if alive.is_none_or(|a| a.is_alive(doc))
                    && let Some(ord) = snapshot.ord(segment, doc)
                    && holders.as_ref().is_none_or(|h| h.contains(ord))
                    && let Some(entity) = state.entity(ord)
                    && entity.kind == Kind::Maker
                {
                    found.push(entity.id);
                }
                doc = docs.advance();
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}
