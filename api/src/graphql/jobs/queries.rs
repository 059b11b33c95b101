//! `jobs(…)`, `job(id:)`, `programmes` and `programme(id:)`, read through the search
//! engine, the loaders and the database.

use std::collections::{HashMap, HashSet};

use async_graphql::{Context, ID, Object, Result};
use makermatch_entities::{job, programme};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::inputs::JobFilter;
use super::types::{Job, Programme};
use crate::graphql::error::{from_db, not_found};
use crate::graphql::loader::{AppLoader, JobId, ProgrammeId, ordered};
use crate::graphql::relay::{self, NodeType, Page, PageArgs, expect_id, page};
use crate::graphql::search_support::run_search;

/// Loads the jobs of `hits` in hit order, carrying their distances.
pub async fn jobs_of(ctx: &Context<'_>, hits: &[makermatch_search::Hit]) -> Result<Vec<Job>> {
    let loader = ctx.data::<AppLoader>()?;
    let rows = ordered(loader, hits.iter().map(|h| JobId(h.id)).collect()).await?;
    let distances: HashMap<Uuid, Option<f64>> =
        hits.iter().map(|h| (h.id, h.distance_km)).collect();
    Ok(rows
        .into_iter()
        .map(|row| Job {
            distance_km: distances.get(&row.id).copied().flatten(),
            row,
        })
        .collect())
}

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// Jobs matching `filter`. Ordered like `facilities`: by relevance when there is text
    /// (distance breaks ties), else nearest delivery point first under `near`, else by id
    /// (oldest first).
    #[graphql(
        complexity = "first.unwrap_or(relay::DEFAULT_FIRST).clamp(0, relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Text, place, status, tier, programme and requirement filters; every job when absent."
        )]
        filter: Option<JobFilter>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<Page<Job>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let (mut request, programme) = filter.unwrap_or_default().to_request(ctx)?;
        request.count_total = true;
        let Some(programme) = programme else {
            let result = run_search(ctx, request.page(args.offset, args.limit)).await?;
            let items = jobs_of(ctx, &result.hits).await?;
            let total = result.total.unwrap_or(args.offset + items.len()) as u64;
            return Ok(page(args, items, total));
        };
        // The index does not hold programmes: take every match in order and keep the
        // programme's jobs. A programme holds tens of jobs, the index some thousands.
        let loader = ctx.data::<AppLoader>()?;
        if loader.load_one(ProgrammeId(programme)).await?.is_none() {
            return Err(not_found("programme", programme));
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let members: HashSet<Uuid> = job::Entity::find()
            .select_only()
            .column(job::Column::Id)
            .filter(job::Column::ProgrammeId.eq(programme))
            .into_tuple::<Uuid>()
            .all(db)
            .await
            .map_err(from_db)?
            .into_iter()
            .collect();
        if members.is_empty() {
            return Ok(page(args, Vec::new(), 0));
        }
        let result = run_search(ctx, request.page(0, usize::MAX / 2)).await?;
        let kept: Vec<makermatch_search::Hit> = result
            .hits
            .into_iter()
            .filter(|h| members.contains(&h.id))
            .collect();
        let total = kept.len() as u64;
        let window: Vec<makermatch_search::Hit> = kept
            .into_iter()
            .skip(args.offset)
            .take(args.limit)
            .collect();
        let items = jobs_of(ctx, &window).await?;
        Ok(page(args, items, total))
    }

    /// One job by id (global or plain UUID); null when there is none.
    async fn job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id or plain UUID.")] id: ID,
    ) -> Result<Option<Job>> {
        let uuid = expect_id("id", &id, NodeType::Job)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(JobId(uuid)).await?.map(Job::new))
    }

    /// Programmes, oldest first.
    #[graphql(
        complexity = "first.unwrap_or(relay::DEFAULT_FIRST).clamp(0, relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn programmes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<Page<Programme>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let total = programme::Entity::find().count(db).await.map_err(from_db)?;
        let rows = programme::Entity::find()
            .order_by_asc(programme::Column::Id)
            .offset(args.offset as u64)
            .limit(args.limit as u64)
            .all(db)
            .await
            .map_err(from_db)?;
        Ok(page(args, rows.into_iter().map(Programme).collect(), total))
    }

    /// One programme by id (global or plain UUID); null when there is none.
    async fn programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's global id or plain UUID.")] id: ID,
    ) -> Result<Option<Programme>> {
        let uuid = expect_id("id", &id, NodeType::Programme)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(ProgrammeId(uuid)).await?.map(Programme))
    }
}
