//! `search`, read through the search engine and the loaders.

use async_graphql::{Context, Object, Result};
use makermatch_search::{Filters, Kind, SearchRequest};

use super::types::{Highlight, HighlightRange, SearchHit, SearchKind};
use crate::graphql::access::visibility;
use crate::graphql::error::bad_input;
use crate::graphql::facilities::Facility;
use crate::graphql::geo::GeoFilter;
use crate::graphql::jobs::Job;
use crate::graphql::loader::{AppLoader, FacilityId, JobId, MakerId};
use crate::graphql::makers::Maker;
use crate::graphql::node::Node;
use crate::graphql::relay::{self, MAX_FIRST};
use crate::graphql::search_support::run_search;

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
        #[graphql(desc = "The words to look for, in any language the taxonomy knows.")]
        text: String,
        #[graphql(desc = "Which kinds of objects to search; all of them when empty or absent.")]
        kinds: Option<Vec<SearchKind>>,
        #[graphql(desc = "Only hits within a radius of a point (makers: their public positions).")]
        near: Option<GeoFilter>,
        #[graphql(default = 20, desc = "Most hits returned, 1 to 100.")] first: i32,
    ) -> Result<Vec<SearchHit>> {
        let first = relay::page_size("first", Some(first), 20)?;
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
                public_only: !visibility(ctx).private_profiles(),
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
                        .filter(|m| visibility(ctx).sees_maker(m))
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
