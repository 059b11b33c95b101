//! What the query modules share to reach the search engine.

use async_graphql::{Context, Result};
use makermatch_search::{SearchPage, SearchRequest};

use super::offload::on_engine_read;
use crate::index::IndexHandle;

pub fn index<'a>(ctx: &Context<'a>) -> Result<&'a IndexHandle> {
    ctx.data::<IndexHandle>()
}

/// Runs a query on the engine within the request's time, holding a worker for at most a
/// short slice (see `offload::on_engine_read`).
pub async fn run_search(ctx: &Context<'_>, request: SearchRequest) -> Result<SearchPage> {
    on_engine_read(ctx, move |engine| engine.search(&request)).await
}
