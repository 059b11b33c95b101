//! The `Subscription` root: assignment transitions of a job or a facility, as they commit.

use async_graphql::{Context, ID, Result, Subscription};
use futures::Stream;
use sea_orm::DatabaseConnection;

use super::types::AssignmentTransition;
use crate::events::{AssignmentEvent, EventBus};
use crate::graphql::access::require;
use crate::graphql::error::from_query_service;
use crate::graphql::relay::{NodeType, expect_id};
use crate::services::policy;
use crate::services::policy::Rule;

fn follow<K>(bus: &EventBus, keep: K) -> impl Stream<Item = AssignmentTransition> + use<K>
where
    K: Fn(&AssignmentEvent) -> bool + Send + 'static,
{
    let rx = bus.subscribe();
    futures::stream::unfold((rx, keep), |(mut rx, keep)| async move {
        loop {
            match rx.recv().await {
                Ok(e) if keep(&e) => return Some((AssignmentTransition::from(&e), (rx, keep))),
                Ok(_) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "a subscriber fell behind and missed events");
                    continue;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}

#[derive(Default)]
pub struct Subscription;

/// Live events, over WebSocket (graphql-transport-ws).
#[Subscription]
impl Subscription {
    /// Every transition of the job's assignments, as it commits (staff and the job's QA
    /// inspector).
    async fn job_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id or plain UUID.")] job_id: ID,
    ) -> Result<impl Stream<Item = AssignmentTransition> + use<>> {
        let actor = require(ctx, Rule::SignedIn)?;
        let job = expect_id("jobId", &job_id, NodeType::Job)?;
        let db = ctx.data::<DatabaseConnection>()?;
        policy::may_follow_job(db, actor, job)
            .await
            .map_err(from_query_service)?;
        Ok(follow(ctx.data::<EventBus>()?, move |e| e.job_id == job))
    }

    /// Every transition of assignments given to the facility (staff and its makers).
    async fn assignment_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility's global id or plain UUID.")] facility_id: ID,
    ) -> Result<impl Stream<Item = AssignmentTransition> + use<>> {
        let actor = require(ctx, Rule::SignedIn)?;
        let facility = expect_id("facilityId", &facility_id, NodeType::Facility)?;
        let db = ctx.data::<DatabaseConnection>()?;
        policy::may_follow_facility(db, actor, facility)
            .await
            .map_err(from_query_service)?;
        Ok(follow(ctx.data::<EventBus>()?, move |e| {
            e.facility_id == facility
        }))
    }
}
