//! The makers tied to some facilities (affiliated with them or cleared on their machines):
//! `matchJob` counts them into each candidate facility's team whatever their distance.
//! Each link is a `linked` term of the maker's document, so this is one posting-list walk
//! per facility.

use tantivy::Term;
use uuid::Uuid;

use super::filters::kind_filter;
use super::matcher::{Compiled, FilterPlan};
use crate::SearchError;
use crate::document::Kind;
use crate::engine::Inner;
use crate::engine::state::State;
use crate::index::convert::linked_term;

/// The live makers linked to any of `facilities`, ascending by id, each once.
pub(crate) fn linked_makers(
    inner: &Inner,
    state: &State,
    facilities: &[Uuid],
) -> Result<Vec<Uuid>, SearchError> {
    if facilities.is_empty() {
        return Ok(Vec::new());
    }
    let filters = [
        kind_filter(Kind::Maker, &inner.fields),
        FilterPlan {
            any_of: facilities
                .iter()
                .map(|f| Term::from_field_text(inner.fields.linked, &linked_term(*f)))
                .collect(),
        },
    ];
    let snapshot = &state.snapshot;
    let matcher = Compiled::new(&[], &filters, &snapshot.searcher)?;
    let mut found = Vec::new();
    if matcher.matches_nothing() {
        return Ok(found);
    }
    for (segment, reader) in snapshot.searcher.segment_readers().iter().enumerate() {
        let alive = reader.alive_bitset();
        let mut probe = matcher.segment(reader, None)?;
        while let Some((doc, _)) = probe.next_match() {
            if alive.is_none_or(|a| a.is_alive(doc))
                && let Some(entity) = snapshot.ord(segment, doc).and_then(|o| state.entity(o))
            {
                found.push(entity.id);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}
