//! `matchJob`: a job's ranked teams.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use makermatch_search::matching::MatchOptions;
use makermatch_search::{Taxonomy, TeamMatch};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::inputs::MatchOptionsInput;
use super::types::TeamMatchOut;
use crate::graphql::access::require;
use crate::graphql::error::from_service;
use crate::graphql::loader::{AppLoader, FacilityId, load_now};
use crate::graphql::offload::on_engine;
use crate::graphql::relay::{NodeType, expect_id};
use crate::services::matching::JobMatch;
use crate::services::policy::Rule;

/// The ranked teams of job `id` and its row: database steps here, engine steps through
/// `on_engine`.
pub(super) async fn ranked_teams(
    ctx: &Context<'_>,
    id: Uuid,
    options: MatchOptions,
) -> Result<(makermatch_entities::job::Model, Vec<TeamMatch>)> {
    let db = ctx.data::<DatabaseConnection>()?;
    let taxonomy = ctx.data::<Arc<Taxonomy>>()?.clone();
    let run = JobMatch::start(db, taxonomy, id, options)
        .await
        .map_err(from_service)?;
    let mut run = on_engine(ctx, move |engine| run.shortlist(engine)).await?;
    run.load(db).await.map_err(from_service)?;
    on_engine(ctx, move |engine| run.rank(engine)).await
}

#[derive(Default)]
pub struct MatchingQuery;

#[Object]
impl MatchingQuery {
    /// Ranked teams for a job, best first (coordinators and admins). Deterministic: equal
    /// scores go by facility id. Teams are formed around the 100 facilities that rank
    /// highest on the job's processes, equipment and materials and on distance (closed
    /// ones and those beyond `maxDistanceKm` never do); nearby makers are the 12 nearest
    /// per facility and skill requirement, besides everyone affiliated or cleared.
    async fn match_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id or plain UUID.")] job_id: ID,
        #[graphql(desc = "Weights, filters and how many teams; defaults when absent.")]
        options: Option<MatchOptionsInput>,
    ) -> Result<Vec<TeamMatchOut>> {
        require(ctx, Rule::Staff)?;
        let id = expect_id("jobId", &job_id, NodeType::Job)?;
        let options = options.unwrap_or_default().to_options()?;
        let (_, teams) = ranked_teams(ctx, id, options).await?;
        if ctx.look_ahead().field("facility").exists() {
            let keys: Vec<FacilityId> = teams.iter().map(|t| FacilityId(t.facility_id)).collect();
            load_now(ctx.data::<AppLoader>()?, &keys).await?;
        }
        Ok(teams.into_iter().map(TeamMatchOut).collect())
    }
}
