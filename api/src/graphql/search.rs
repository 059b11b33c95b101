//! `search(text, kinds, near, first)`: one box searching makers, facilities and jobs at
//! once, with relevance scores and highlighted fragments.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use makermatch_search::{Filters, Kind, SearchRequest};

use super::error::bad_input;
use super::facilities::Facility;
use super::geo::GeoFilter;
use super::jobs::Job;
use super::loader::{AppLoader, FacilityId, JobId, MakerId};
use super::makers::Maker;
use super::node::Node;
use super::relay::MAX_FIRST;
use super::search_support::run_search;

/// The kinds `search` covers.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SearchKind {
    Maker,
    Facility,
    Job,
}

impl SearchKind {
    fn kind(self) -> Kind {
        match self {
            SearchKind::Maker => Kind::Maker,
            SearchKind::Facility => Kind::Facility,
            SearchKind::Job => Kind::Job,
        }
    }

    fn of(kind: Kind) -> SearchKind {
        match kind {
            Kind::Maker => SearchKind::Maker,
            Kind::Facility => SearchKind::Facility,
            Kind::Job => SearchKind::Job,
        }
    }
}

/// A matched piece of a stored field. `ranges` are byte offsets into `fragment`.
#[derive(SimpleObject)]
pub struct Highlight {
    /// `name`, `skills`, `equipment`, `body` or `place`.
    pub field: String,
    pub fragment: String,
    pub ranges: Vec<HighlightRange>,
}

#[derive(SimpleObject)]
pub struct HighlightRange {
    pub start: i32,
    pub end: i32,
}

/// One result of `search`.
#[derive(SimpleObject)]
pub struct SearchHit {
    pub kind: SearchKind,
    /// BM25 relevance with field boosts.
    pub score: f64,
    /// Kilometres from `near`, when given (makers: from their public position).
    pub distance_km: Option<f64>,
    pub highlights: Vec<Highlight>,
    /// The object found, or null when it is not shown to this caller.
    pub node: Option<Node>,
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Searches `kinds` (all when empty) for `text`, best first; `near` limits results to
    /// a radius and breaks ties by distance. At most `first` (≤ 100) hits.
    #[graphql(complexity = "first.clamp(0, MAX_FIRST) as usize * child_complexity + 1")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        text: String,
        kinds: Option<Vec<SearchKind>>,
        near: Option<GeoFilter>,
        #[graphql(default = 20)] first: i32,
    ) -> Result<Vec<SearchHit>> {
        let first = super::relay::page_size("first", Some(first), 20)?;
        if text.trim().is_empty() {
            return Err(bad_input("text", "give the words to search for"));
        }
        let kinds: Vec<Kind> = kinds
            .unwrap_or_default()
            .into_iter()
            .map(SearchKind::kind)
            .collect();
        let mut request = SearchRequest::across(kinds)
            .text(text)
            .filters(Filters {
                public_only: !super::access::sees_private_profiles(ctx),
                ..Filters::default()
            })
            .page(0, first)
            .highlights();
        if let Some(near) = near {
            request.near = Some(near.to_near("near")?);
        }
        let page = run_search(ctx, request).await?;
        let loader = ctx.data::<AppLoader>()?;
        let makers = loader
            .load_many(
                page.hits
                    .iter()
                    .filter(|h| h.kind == Kind::Maker)
                    .map(|h| MakerId(h.id)),
            )
            .await?;
        let facilities = loader
            .load_many(
                page.hits
                    .iter()
                    .filter(|h| h.kind == Kind::Facility)
                    .map(|h| FacilityId(h.id)),
            )
            .await?;
        let jobs = loader
            .load_many(
                page.hits
                    .iter()
                    .filter(|h| h.kind == Kind::Job)
                    .map(|h| JobId(h.id)),
            )
            .await?;
        Ok(page
            .hits
            .into_iter()
            .map(|h| {
                let node = match h.kind {
                    Kind::Maker => makers
                        .get(&MakerId(h.id))
                        .filter(|m| super::access::sees_maker(ctx, m))
                        .map(|m| {
                            Node::Maker(Maker {
                                distance_km: h.distance_km,
                                ..Maker::new(m.clone())
                            })
                        }),
                    Kind::Facility => facilities.get(&FacilityId(h.id)).map(|f| {
                        Node::Facility(Facility {
                            row: f.clone(),
                            distance_km: h.distance_km,
                        })
                    }),
                    Kind::Job => jobs.get(&JobId(h.id)).map(|j| {
                        Node::Job(Job {
                            row: j.clone(),
                            distance_km: h.distance_km,
                        })
                    }),
                };
                SearchHit {
                    kind: SearchKind::of(h.kind),
                    score: f64::from(h.score),
                    distance_km: h.distance_km,
                    highlights: h
                        .highlights
                        .into_iter()
                        .map(|hl| Highlight {
                            field: hl.field.to_owned(),
                            fragment: hl.fragment,
                            ranges: hl
                                .ranges
                                .into_iter()
                                .map(|r| HighlightRange {
                                    start: r.start as i32,
                                    end: r.end as i32,
                                })
                                .collect(),
                        })
                        .collect(),
                    node,
                }
            })
            .collect())
    }
}
