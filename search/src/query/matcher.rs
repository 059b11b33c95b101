//! Matching and scoring documents with a small query tree of our own: words (each a set
//! of boosted terms over several fields, required or optional) and filters (each any-of
//! a set of terms). Tantivy supplies BM25 statistics, posting blocks and field norms; the
//! tree is evaluated here, over tantivy's block postings, because the planner needs two
//! access patterns that must score alike:
//!
//! - enumeration in doc order, and probing a few sorted candidates, by forward seeks
//!   ([`SegmentMatcher`]);
//! - probing thousands of candidates at once, term at a time: each posting list is read
//!   block by block against a bitset of candidates ([`Compiled::scan`]). Per-candidate
//!   seeks through tantivy's scorers cost tens of nanoseconds each, several per
//!   candidate; a block scan costs about one per posting and needs no sort.
//!
//! A document's score is the sum, word by word and term by term in a fixed order, of its
//! boosted BM25 term scores ([`TermCursor::score`]), so it is bit-for-bit the same whichever
//! way it was found.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::BlockSegmentPostings;
use tantivy::query::Bm25Weight;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, Searcher, SegmentReader, TERMINATED, Term};

use crate::SearchError;
use crate::budget::checkpoint;

/// One query word: its terms in every field it may match, each with a boost.
#[derive(Debug, Clone)]
pub(crate) struct WordPlan {
    pub required: bool,
    pub terms: Vec<(Term, f32)>,
}

/// A filter: the document holds at least one of the terms.
#[derive(Debug, Clone)]
pub(crate) struct FilterPlan {
    pub any_of: Vec<Term>,
}

/// Words beyond this many are ignored: match masks are 64-bit.
const MAX_WORDS: usize = 64;

/// Gap in doc ids past which a scan seeks to the next candidate rather than reading on:
/// a seek costs about one block decode (~100 ns), reading a few ns per posting, and dense
/// terms hold about one posting in ten docs.
const RUN_GAP: DocId = 512;

/// What drives enumeration: the rarest required word, else the union of all words, else
/// the rarest filter.
#[derive(Debug, Clone, Copy)]
enum Lead {
    Word(usize),
    AllWords,
    Filter(usize),
}

struct CompiledWord {
    required: bool,
    terms: Vec<(Term, Bm25Weight)>,
}

/// Per word (or per filter), a cursor for each of its terms.
type Cursors = Vec<Vec<TermCursor>>;

/// A query ready to run on any segment of one searcher.
pub(crate) struct Compiled {
    words: Vec<CompiledWord>,
    filters: Vec<Vec<Term>>,
    lead: Lead,
    scoring: bool,
    /// A required word is absent from the index: nothing can match.
    empty: bool,
    /// At most this many documents match: the smallest summed document frequency of a
    /// required word or a filter (deleted documents included).
    upper_bound: u64,
}

fn doc_freq_sum<'t>(
    searcher: &Searcher,
    terms: impl Iterator<Item = &'t Term>,
) -> Result<u64, SearchError> {
    let mut sum = 0;
    for t in terms {
        sum += searcher.doc_freq(t)?;
    }
    Ok(sum)
}

impl Compiled {
    /// `filters` must hold at least one entry when `words` is empty.
    pub(crate) fn new(
        words: &[WordPlan],
        filters: &[FilterPlan],
        searcher: &Searcher,
    ) -> Result<Compiled, SearchError> {
        let mut compiled_words = Vec::new();
        let mut empty = false;
        let mut lead: Option<(Lead, u64)> = None;
        let mut upper_bound = u64::MAX;
        let mut all_words = 0u64;
        for w in words.iter().take(MAX_WORDS) {
            if w.terms.is_empty() {
                empty |= w.required;
                continue;
            }
            let mut terms = Vec::with_capacity(w.terms.len());
            for (term, boost) in &w.terms {
                let bm25 = Bm25Weight::for_terms(searcher, std::slice::from_ref(term))?;
                terms.push((term.clone(), bm25.boost_by(*boost)));
            }
            let cost = doc_freq_sum(searcher, w.terms.iter().map(|t| &t.0))?;
            all_words += cost;
            if w.required {
                upper_bound = upper_bound.min(cost);
                if lead.is_none_or(|(_, c)| cost < c) {
                    lead = Some((Lead::Word(compiled_words.len()), cost));
                }
            }
            compiled_words.push(CompiledWord {
                required: w.required,
                terms,
            });
        }
        // Words were asked for and none is in the index: nothing matches.
        empty |= !words.is_empty() && compiled_words.is_empty();
        if lead.is_none() && !compiled_words.is_empty() {
            lead = Some((Lead::AllWords, 0));
            upper_bound = all_words;
        }
        for (i, f) in filters.iter().enumerate() {
            let cost = doc_freq_sum(searcher, f.any_of.iter())?;
            upper_bound = upper_bound.min(cost);
            if compiled_words.is_empty() && lead.is_none_or(|(_, c)| cost < c) {
                lead = Some((Lead::Filter(i), cost));
            }
        }
        let Some((lead, _)) = lead else {
            return Err(SearchError::InvalidRequest(
                "a query needs words or filters to match on".into(),
            ));
        };
        Ok(Compiled {
            scoring: !compiled_words.is_empty(),
            words: compiled_words,
            filters: filters.iter().map(|f| f.any_of.clone()).collect(),
            lead,
            empty,
            upper_bound,
        })
    }

    pub(crate) fn matches_nothing(&self) -> bool {
        self.empty
    }

    pub(crate) fn upper_bound(&self) -> u64 {
        self.upper_bound
    }

    fn cursors(
        &self,
        reader: &SegmentReader,
        skip_filter: Option<usize>,
    ) -> Result<(Cursors, Cursors), SearchError> {
        let words = self
            .words
            .iter()
            .map(|w| {
                w.terms
                    .iter()
                    .map(|(term, bm25)| TermCursor::open(reader, term, Some(bm25)))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let filters = self
            .filters
            .iter()
            .enumerate()
            .map(|(i, any_of)| {
                if Some(i) == skip_filter {
                    return Ok(Vec::new());
                }
                any_of
                    .iter()
                    .map(|term| TermCursor::open(reader, term, None))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, SearchError>>()?;
        Ok((words, filters))
    }

    /// Cursors for one segment. `skip_filter` names a filter the caller already knows
    /// holds (the kind filter, for candidates taken from that kind's R-tree); it must not
    /// be used to enumerate.
    pub(crate) fn segment(
        &self,
        reader: &SegmentReader,
        skip_filter: Option<usize>,
    ) -> Result<SegmentMatcher, SearchError> {
        let (words, filters) = self.cursors(reader, skip_filter)?;
        Ok(SegmentMatcher {
            words: self.words.iter().map(|w| w.required).zip(words).collect(),
            filters,
            lead: self.lead,
            scoring: self.scoring,
            cursor: 0,
        })
    }

    /// Term-at-a-time probe of many candidates: returns, in doc order, the positions
    /// (see [`Candidates::tag`]) and scores of those that match.
    pub(crate) fn scan(
        &self,
        reader: &SegmentReader,
        candidates: &Candidates,
        skip_filter: Option<usize>,
    ) -> Result<Vec<(usize, f32)>, SearchError> {
        let n = candidates.len();
        let runs = candidates.runs();
        let (mut words, mut filters) = self.cursors(reader, skip_filter)?;
        // Filters passed per candidate; `seen` keeps two terms of one filter from
        // counting twice.
        let mut passed = vec![0u32; n];
        let mut seen = vec![usize::MAX; n];
        let mut filters_needed = 0;
        for (i, any_of) in filters.iter_mut().enumerate() {
            if any_of.is_empty() {
                continue;
            }
            filters_needed += 1;
            for cursor in any_of.iter_mut() {
                for &(first, last) in &runs {
                    cursor.for_each_in(first, last, candidates, |pos, _| {
                        if seen[pos] != i {
                            seen[pos] = i;
                            passed[pos] += 1;
                        }
                    })?;
                }
            }
        }
        let mut word_hits = vec![0u64; n];
        let mut scores = vec![0.0f32; n];
        for (w, cursors) in words.iter_mut().enumerate() {
            for cursor in cursors.iter_mut() {
                for &(first, last) in &runs {
                    cursor.for_each_in(first, last, candidates, |pos, c| {
                        word_hits[pos] |= 1 << w;
                        scores[pos] += c.score();
                    })?;
                }
            }
        }
        let required: u64 = self
            .words
            .iter()
            .enumerate()
            .filter(|(_, w)| w.required)
            .fold(0, |m, (i, _)| m | 1 << i);
        let any_word = !self.words.is_empty();
        Ok(candidates
            .docs()
            .filter(|&(pos, _)| {
                passed[pos] == filters_needed
                    && word_hits[pos] & required == required
                    && (!any_word || word_hits[pos] != 0)
            })
            .map(|(pos, _)| (pos, scores[pos]))
            .collect())
    }
}

/// A set of candidate docs of one segment, each with a caller's tag, ranked (positioned)
/// in doc order by a bitset with running counts: no sort needed.
pub(crate) struct Candidates {
    bits: Vec<u64>,
    /// Set bits in all earlier words of `bits`.
    before: Vec<u32>,
    doc_at: Vec<DocId>,
    tag_at: Vec<u32>,
}

impl Candidates {
    /// `items` are (doc, tag) pairs with distinct docs below `max_doc`.
    pub(crate) fn new(max_doc: DocId, items: &[(DocId, u32)]) -> Candidates {
        let words = (max_doc as usize).div_ceil(64);
        let mut bits = vec![0u64; words];
        for &(d, _) in items {
            bits[d as usize / 64] |= 1 << (d % 64);
        }
        let mut before = Vec::with_capacity(words);
        let mut doc_at = Vec::new();
        let mut count = 0u32;
        for (i, &word) in bits.iter().enumerate() {
            before.push(count);
            count += word.count_ones();
            let mut w = word;
            while w != 0 {
                doc_at.push((i * 64) as DocId + w.trailing_zeros());
                w &= w - 1;
            }
        }
        let mut c = Candidates {
            bits,
            before,
            doc_at,
            tag_at: Vec::new(),
        };
        c.tag_at = vec![0; c.doc_at.len()];
        for &(d, tag) in items {
            if let Some(pos) = c.position(d) {
                c.tag_at[pos] = tag;
            }
        }
        c
    }

    /// The tag given with the candidate at `pos`.
    pub(crate) fn tag(&self, pos: usize) -> u32 {
        self.tag_at[pos]
    }

    pub(crate) fn len(&self) -> usize {
        self.doc_at.len()
    }

    /// Doc ranges covering the candidates, split where they are more than `RUN_GAP`
    /// apart: the index is in Hilbert order, so an area's candidates come in a few runs
    /// and a scan skips the postings between them.
    fn runs(&self) -> Vec<(DocId, DocId)> {
        let mut runs: Vec<(DocId, DocId)> = Vec::new();
        for &doc in &self.doc_at {
            match runs.last_mut() {
                Some(run) if doc - run.1 <= RUN_GAP => run.1 = doc,
                _ => runs.push((doc, doc)),
            }
        }
        runs
    }

    /// Candidate docs in increasing order.
    pub(crate) fn docs(&self) -> impl Iterator<Item = (usize, DocId)> + '_ {
        self.doc_at.iter().copied().enumerate()
    }

    /// The rank of `doc` among candidates, if it is one.
    #[inline]
    fn position(&self, doc: DocId) -> Option<usize> {
        let (word, bit) = (doc as usize / 64, doc % 64);
        let w = *self.bits.get(word)?;
        if w & (1 << bit) == 0 {
            return None;
        }
        let below = (w & ((1u64 << bit) - 1)).count_ones();
        Some((self.before[word] + below) as usize)
    }
}

/// One term's postings in one segment, read block by block.
pub(crate) struct TermCursor {
    /// `None` when the segment lacks the term.
    postings: Option<BlockSegmentPostings>,
    /// Position in the current block.
    idx: usize,
    /// BM25 weight (boost included) and field norms, for scored terms.
    scoring: Option<(Bm25Weight, FieldNormReader)>,
}

impl TermCursor {
    fn open(
        reader: &SegmentReader,
        term: &Term,
        bm25: Option<&Bm25Weight>,
    ) -> Result<TermCursor, SearchError> {
        let field = term.field();
        let option = if bm25.is_some() {
            IndexRecordOption::WithFreqs
        } else {
            IndexRecordOption::Basic
        };
        let postings = reader
            .inverted_index(field)?
            .read_block_postings(term, option)
            .map_err(|e| SearchError::Tantivy(e.into()))?;
        let scoring = match bm25 {
            Some(w) => Some((w.clone(), reader.get_fieldnorms_reader(field)?)),
            None => None,
        };
        Ok(TermCursor {
            postings,
            idx: 0,
            scoring,
        })
    }

    #[inline]
    fn doc(&self) -> DocId {
        match &self.postings {
            Some(p) => p.docs().get(self.idx).copied().unwrap_or(TERMINATED),
            None => TERMINATED,
        }
    }

    /// Moves to the first doc ≥ `target` (never backwards) and returns it.
    fn seek(&mut self, target: DocId) -> DocId {
        let Some(p) = &mut self.postings else {
            return TERMINATED;
        };
        let docs = p.docs();
        if docs.get(self.idx).is_some_and(|&d| d >= target) {
            return docs[self.idx];
        }
        if docs.last().is_some_and(|&last| last >= target) {
            self.idx += docs[self.idx..].partition_point(|&d| d < target);
        } else if docs.is_empty() {
            return TERMINATED;
        } else {
            self.idx = p.seek(target);
        }
        self.doc()
    }

    /// The boosted BM25 score at the current doc.
    #[inline]
    fn score(&self) -> f32 {
        match (&self.postings, &self.scoring) {
            (Some(p), Some((bm25, norms))) => {
                let doc = p.docs()[self.idx];
                bm25.score(norms.fieldnorm_id(doc), p.freq(self.idx))
            }
            _ => 0.0,
        }
    }

    /// Calls `f(position, cursor)` for each posting in `[first, last]` that is a
    /// candidate, with the cursor on it; `Err(Cancelled)` (checked per block) once the
    /// thread's query budget is spent.
    fn for_each_in(
        &mut self,
        first: DocId,
        last: DocId,
        candidates: &Candidates,
        mut f: impl FnMut(usize, &TermCursor),
    ) -> Result<(), SearchError> {
        if self.seek(first) == TERMINATED {
            return Ok(());
        }
        loop {
            checkpoint()?;
            let len = match &self.postings {
                Some(p) => p.docs().len(),
                None => return Ok(()),
            };
            if len == 0 {
                return Ok(());
            }
            while self.idx < len {
                let doc = self.doc();
                if doc > last {
                    return Ok(());
                }
                if let Some(pos) = candidates.position(doc) {
                    f(pos, self);
                }
                self.idx += 1;
            }
            if let Some(p) = &mut self.postings {
                p.advance();
            }
            self.idx = 0;
        }
    }
}

pub(crate) struct SegmentMatcher {
    words: Vec<(bool, Vec<TermCursor>)>,
    /// An empty list is a skipped filter.
    filters: Vec<Vec<TermCursor>>,
    lead: Lead,
    scoring: bool,
    /// Next doc enumeration will consider.
    cursor: DocId,
}

impl SegmentMatcher {
    /// The score of `doc` if it matches. Calls must come in increasing `doc` order.
    pub(crate) fn check(&mut self, doc: DocId) -> Option<f32> {
        for any_of in &mut self.filters {
            if !any_of.is_empty() && !any_of.iter_mut().any(|c| c.seek(doc) == doc) {
                return None;
            }
        }
        let mut score = 0.0f32;
        let mut matched_any = false;
        for (required, cursors) in &mut self.words {
            let mut matched = false;
            for c in cursors.iter_mut() {
                if c.seek(doc) == doc {
                    matched = true;
                    if self.scoring {
                        score += c.score();
                    }
                }
            }
            if *required && !matched {
                return None;
            }
            matched_any |= matched;
        }
        (matched_any || self.words.is_empty()).then_some(score)
    }

    /// The smallest doc ≥ `from` held by a lead cursor.
    fn lead_min(&mut self, from: DocId) -> DocId {
        let mut min = TERMINATED;
        let mut visit = |cursors: &mut Vec<TermCursor>| {
            for c in cursors.iter_mut() {
                min = min.min(c.seek(from));
            }
        };
        match self.lead {
            Lead::Word(i) => visit(&mut self.words[i].1),
            Lead::AllWords => self.words.iter_mut().for_each(|w| visit(&mut w.1)),
            Lead::Filter(i) => visit(&mut self.filters[i]),
        }
        min
    }

    /// The next matching document in doc order, with its score; `Err(Cancelled)` once the
    /// thread's query budget is spent (a lead may hold millions of docs that fail the rest).
    pub(crate) fn next_match(&mut self) -> Result<Option<(DocId, f32)>, SearchError> {
        loop {
            checkpoint()?;
            if self.cursor >= TERMINATED {
                return Ok(None);
            }
            let doc = self.lead_min(self.cursor);
            if doc >= TERMINATED {
                self.cursor = TERMINATED;
                return Ok(None);
            }
            self.cursor = doc + 1;
            if let Some(score) = self.check(doc) {
                return Ok(Some((doc, score)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_ranks() {
        let c = Candidates::new(
            300,
            &[(5, 50), (64, 640), (3, 30), (299, 2990), (130, 1300)],
        );
        assert_eq!(c.len(), 5);
        assert_eq!(c.tag(2), 640);
        assert_eq!(
            c.docs().map(|d| d.1).collect::<Vec<_>>(),
            [3, 5, 64, 130, 299]
        );
        assert_eq!(c.position(3), Some(0));
        assert_eq!(c.position(64), Some(2));
        assert_eq!(c.position(299), Some(4));
        assert_eq!(c.position(4), None);
        assert_eq!(c.position(10_000), None);
        let far = Candidates::new(5000, &[(1, 0), (2, 0), (600, 0), (4000, 0)]);
        assert_eq!(far.runs(), [(1, 2), (600, 600), (4000, 4000)]);
    }
}
