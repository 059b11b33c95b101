//! Running a [`SearchRequest`] on a locked engine state: turn text and filters into
//! terms once, run each kind through the planner, merge, order, cut the page, add
//! highlights.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use tantivy::TantivyDocument;
use tantivy::snippet::SnippetGenerator;

use super::filters::{filter_plans, kind_filter};
use super::matcher::{Compiled, WordPlan};
use super::plan::{Found, KindQuery, PlannerLimits};
use super::request::{Highlight, Hit, SearchPage, SearchRequest};
use super::text::text_words;
use crate::SearchError;
use crate::budget::checkpoint;
use crate::document::Kind;
use crate::engine::Inner;
use crate::engine::state::State;
use crate::index::schema::highlight_fields;

fn validate(request: &SearchRequest) -> Result<(), SearchError> {
    if let Some(r) = request.near.as_ref().and_then(|n| n.radius_km)
        && !(r.is_finite() && r >= 0.0)
    {
        return Err(SearchError::InvalidRequest(format!(
            "radiusKm must be a non-negative number, got {r}"
        )));
    }
    Ok(())
}

pub(crate) fn execute(
    inner: &Inner,
    state: &State,
    request: &SearchRequest,
    limits: PlannerLimits,
) -> Result<SearchPage, SearchError> {
    validate(request)?;
    let fields = &inner.fields;
    let searcher = &state.snapshot.searcher;
    let words = match &request.text {
        Some(t) => text_words(t, searcher, fields)?,
        None => Vec::new(),
    };
    let scoring = !words.is_empty();
    let filters = filter_plans(&request.filters, fields);
    let mut kinds = if request.kinds.is_empty() {
        Kind::ALL.to_vec()
    } else {
        request.kinds.clone()
    };
    kinds.sort();
    kinds.dedup();
    let page_end = request.offset.saturating_add(request.limit);
    let mut found: Vec<Found> = Vec::new();
    let mut total = Some(0usize);
    for kind in kinds {
        // Without words or filters the R-tree or the entity table answers alone.
        let matcher = if words.is_empty() && filters.is_empty() {
            None
        } else {
            let mut all = filters.clone();
            all.push(kind_filter(kind, fields));
            Some(Compiled::new(&words, &all, searcher)?)
        };
        let query = KindQuery {
            state,
            kind,
            matcher: matcher.as_ref(),
            kind_filter: filters.len(),
            scoring,
            layer: state.layers.get(kind, &request.positions),
            origin: request.near.as_ref().map(|n| n.center),
            radius_km: request.near.as_ref().and_then(|n| n.radius_km),
            within: request.within.as_ref(),
            needed: page_end.saturating_add(1),
            count_total: request.count_total,
            limits,
        };
        let outcome = query.run()?;
        total = total.zip(outcome.total).map(|(a, b)| a + b);
        found.extend(outcome.found);
    }
    let has_more = found.len() > page_end;
    let page = page_of(found, request.offset, page_end, scoring, state);
    let mut hits = Vec::with_capacity(page.len());
    let mut ords = Vec::with_capacity(page.len());
    for f in page {
        checkpoint()?;
        if let Some(entity) = state.entity(f.ord) {
            ords.push(f.ord);
            hits.push(Hit {
                kind: entity.kind,
                id: entity.id,
                score: f.score,
                distance_km: f.distance_km,
                highlights: Vec::new(),
            });
        }
    }
    if request.highlights && scoring {
        highlight(&mut hits, &ords, &words, state, inner)?;
    }
    Ok(SearchPage {
        hits,
        total,
        has_more,
    })
}

/// Relevance first (with text), then distance, then id; ids are unique, so the order is
/// total and pages are stable.
fn compare(a: &Found, b: &Found, scoring: bool, state: &State) -> Ordering {
    let by_score = if scoring {
        b.score.total_cmp(&a.score)
    } else {
        Ordering::Equal
    };
    let by_distance = match (a.distance_km, b.distance_km) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let key = |f: &Found| state.entity(f.ord).map(|e| (e.id, e.kind));
    by_score.then(by_distance).then_with(|| key(a).cmp(&key(b)))
}

/// The entries `offset..end` in order, sorting only what the page needs.
fn page_of(
    mut found: Vec<Found>,
    offset: usize,
    end: usize,
    scoring: bool,
    state: &State,
) -> Vec<Found> {
    let cmp = |a: &Found, b: &Found| compare(a, b, scoring, state);
    if found.len() > end {
        found.select_nth_unstable_by(end, cmp);
        found.truncate(end);
    }
    found.sort_unstable_by(cmp);
    found.into_iter().skip(offset).collect()
}

/// Characters of context in a highlighted fragment.
const FRAGMENT_CHARS: usize = 150;

fn highlight(
    hits: &mut [Hit],
    ords: &[u32],
    words: &[WordPlan],
    state: &State,
    inner: &Inner,
) -> Result<(), SearchError> {
    let searcher = &state.snapshot.searcher;
    let mut generators = Vec::new();
    for (field, name) in highlight_fields(&inner.fields) {
        // Rarer terms weigh more in choosing the fragment, as tantivy's own generator does.
        let mut terms: BTreeMap<String, f32> = BTreeMap::new();
        for (term, _) in words.iter().flat_map(|w| &w.terms) {
            if term.field() == field
                && let Some(text) = term.value().as_str()
            {
                let doc_freq = searcher.doc_freq(term)?;
                terms.insert(text.to_string(), 1.0 / (1.0 + doc_freq as f32));
            }
        }
        if !terms.is_empty() {
            let tokenizer = inner.index.tokenizer_for_field(field)?;
            let generator = SnippetGenerator::new(terms, tokenizer, field, FRAGMENT_CHARS);
            generators.push((generator, name));
        }
    }
    for (hit, &ord) in hits.iter_mut().zip(ords) {
        checkpoint()?;
        let Some(address) = state.snapshot.doc_of(ord) else {
            continue;
        };
        let doc: TantivyDocument = searcher.doc(address)?;
        for (generator, name) in &generators {
            let snippet = generator.snippet_from_doc(&doc);
            if !snippet.highlighted().is_empty() {
                hit.highlights.push(Highlight {
                    field: name,
                    fragment: snippet.fragment().to_string(),
                    ranges: snippet.highlighted().to_vec(),
                });
            }
        }
    }
    Ok(())
}
