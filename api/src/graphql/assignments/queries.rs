//! A programme's summary and assignments CSV, and a job's assignments.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::types::{Assignment, ProgrammeSummary, StageTotals, SummaryGroup};
use crate::graphql::access::require;
use crate::graphql::error::{from_query_service, from_service};
use crate::graphql::relay::{NodeType, expect_id, global_id};
use crate::services::policy::Rule;
use crate::services::{policy, programmes};

fn groups(gs: &[programmes::Group], facility: bool) -> Vec<SummaryGroup> {
    gs.iter()
        .map(|g| SummaryGroup {
            key: if facility {
                Uuid::parse_str(&g.key)
                    .map(|id| global_id(NodeType::Facility, id).0)
                    .unwrap_or_else(|_| g.key.clone())
            } else {
                g.key.clone()
            },
            label: g.label.clone(),
            totals: StageTotals::from(&g.stages),
        })
        .collect()
}

#[derive(Default)]
pub struct AssignmentsQuery;

#[Object]
impl AssignmentsQuery {
    /// Items proposed, accepted, approved and delivered, with money totals, per facility,
    /// country and tier (coordinators and admins).
    async fn programme_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's global id or plain UUID.")] programme_id: ID,
    ) -> Result<ProgrammeSummary> {
        require(ctx, Rule::Staff)?;
        let id = expect_id("programmeId", &programme_id, NodeType::Programme)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let s = programmes::summary(db, id).await.map_err(from_service)?;
        Ok(ProgrammeSummary {
            programme_id: global_id(NodeType::Programme, s.programme.id),
            name: s.programme.name.clone(),
            currency: s.currency.clone(),
            total: StageTotals::from(&s.total),
            by_facility: groups(&s.by_facility, true),
            by_country: groups(&s.by_country, false),
            by_tier: groups(&s.by_tier, false),
        })
    }

    /// The programme's assignments as CSV, one row each (coordinators and admins).
    async fn programme_assignments_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's global id or plain UUID.")] programme_id: ID,
    ) -> Result<String> {
        require(ctx, Rule::Staff)?;
        let id = expect_id("programmeId", &programme_id, NodeType::Programme)?;
        let db = ctx.data::<DatabaseConnection>()?;
        programmes::assignments_csv(db, id)
            .await
            .map_err(from_service)
    }

    /// The assignments of a job, oldest first: all of them for staff and the job's QA
    /// inspector; for a maker, those of the facilities they are tied to.
    async fn assignments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id or plain UUID.")] job_id: ID,
    ) -> Result<Vec<Assignment>> {
        let actor = require(ctx, Rule::SignedIn)?;
        let job = expect_id("jobId", &job_id, NodeType::Job)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(policy::job_assignments(db, actor, job)
            .await
            .map_err(from_query_service)?
            .into_iter()
            .map(Assignment)
            .collect())
    }
}
