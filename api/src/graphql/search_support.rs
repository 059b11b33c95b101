//! What the query modules share to reach the search engine.

use async_graphql::{Context, Result};
use makermatch_search::{SearchPage, SearchRequest};

use super::error::from_search;
use crate::index::IndexHandle;

pub fn index<'a>(ctx: &Context<'a>) -> Result<&'a IndexHandle> {
    ctx.data::<IndexHandle>()
}

/// Runs a query on the engine. Engine queries take micro- to milliseconds (see
/// BENCHMARKS.md), so they run inline rather than paying for a blocking-pool hop.
pub async fn run_search(ctx: &Context<'_>, request: SearchRequest) -> Result<SearchPage> {
    index(ctx)?.engine().search(&request).map_err(from_search)
}
