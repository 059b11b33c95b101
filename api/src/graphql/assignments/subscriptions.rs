//! The `Subscription` root: assignment transitions of a job or a facility, as they commit
//! on any replica, each once and in order; a client resumes after the last event it saw.

use std::collections::VecDeque;

use async_graphql::{Context, ErrorExtensions, ID, Result, Subscription};
use futures::Stream;
use sea_orm::DatabaseConnection;

use super::types::AssignmentTransition;
use crate::events::{self, AssignmentEvent, EventBus, Scope};
use crate::graphql::access::require;
use crate::graphql::error::{Code, bad_input, from_query_service};
use crate::graphql::relay::{NodeType, expect_id};
use crate::services::policy;
use crate::services::policy::Rule;

/// Rows read at a time when a subscriber catches up from the stored events.
const CATCH_UP_PAGE: u64 = 200;

/// Where a subscription stands: the live feed, and stored events still to hand over.
struct Follow {
    rx: tokio::sync::broadcast::Receiver<AssignmentEvent>,
    db: DatabaseConnection,
    scope: Scope,
    /// The id of the last event handed over (or known to precede the subscription).
    last: i64,
    /// Stored events read and not yet handed over.
    pending: VecDeque<AssignmentEvent>,
    /// Reading stored events until they run out, before listening live again.
    catching_up: bool,
}

impl Follow {
    /// The next event, or a notice that some could not be read (the subscription goes on).
    async fn next(&mut self) -> Option<Result<AssignmentTransition>> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                self.last = e.id;
                return Some(Ok(AssignmentTransition::from(&e)));
            }
            if self.catching_up {
                match events::read_after(&self.db, self.last, Some(self.scope), CATCH_UP_PAGE).await
                {
                    Ok(page) if page.is_empty() => self.catching_up = false,
                    Ok(page) => self.pending.extend(page),
                    Err(e) => {
                        tracing::warn!(error = %e, "a subscriber cannot catch up from stored events");
                        self.catching_up = false;
                        return Some(Err(self.missed()));
                    }
                }
                continue;
            }
            match self.rx.recv().await {
                Ok(e) if e.id > self.last && self.scope.keeps(&e) => {
                    self.last = e.id;
                    return Some(Ok(AssignmentTransition::from(&e)));
                }
                Ok(_) => continue,
                // Fallen behind the feed: what it dropped is in the rows.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    self.catching_up = true;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Events after `last` could not be read: the client is told where it stands.
    fn missed(&self) -> async_graphql::Error {
        let last = self.last;
        async_graphql::Error::new(format!(
            "events after {last} could not be read now and were skipped; subscribe again with \
             `after: \"{last}\"` to receive them"
        ))
        .extend_with(|_, e| {
            e.set("code", Code::Unavailable.as_str());
            e.set("resumeAfter", last.to_string());
        })
    }
}

/// The stream of `scope`'s events after `after` (from now when `None`).
fn follow(
    bus: &EventBus,
    db: DatabaseConnection,
    scope: Scope,
    after: Option<i64>,
) -> impl Stream<Item = Result<AssignmentTransition>> + use<> {
    let (rx, now) = bus.subscribe();
    let state = Follow {
        rx,
        db,
        scope,
        last: after.unwrap_or(now),
        pending: VecDeque::new(),
        catching_up: after.is_some(),
    };
    futures::stream::unfold(state, |mut state| async move {
        let item = state.next().await?;
        Some((item, state))
    })
}

/// `after` as an event id.
fn event_id(after: Option<ID>) -> Result<Option<i64>> {
    after
        .map(|id| {
            id.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    bad_input(
                        "after",
                        format!(
                            "`{}` is not an event id: give the eventId of the last event received",
                            id.as_str()
                        ),
                    )
                })
        })
        .transpose()
}

#[derive(Default)]
pub struct Subscription;

/// Live events, over WebSocket (graphql-transport-ws).
#[Subscription]
impl Subscription {
    /// Every transition of the job's assignments, as it commits on any replica, in order
    /// (staff and the job's QA inspector).
    async fn job_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id or plain UUID.")] job_id: ID,
        #[graphql(
            desc = "Resume after this event (an `eventId` received before): the events since are sent first, then live ones."
        )]
        after: Option<ID>,
    ) -> Result<impl Stream<Item = Result<AssignmentTransition>> + use<>> {
        let actor = require(ctx, Rule::SignedIn)?;
        let job = expect_id("jobId", &job_id, NodeType::Job)?;
        let after = event_id(after)?;
        let db = ctx.data::<DatabaseConnection>()?;
        policy::may_follow_job(db, actor, job)
            .await
            .map_err(from_query_service)?;
        Ok(follow(
            ctx.data::<EventBus>()?,
            db.clone(),
            Scope::Job(job),
            after,
        ))
    }

    /// Every transition of assignments given to the facility, as it commits on any
    /// replica, in order (staff and its makers).
    async fn assignment_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility's global id or plain UUID.")] facility_id: ID,
        #[graphql(
            desc = "Resume after this event (an `eventId` received before): the events since are sent first, then live ones."
        )]
        after: Option<ID>,
    ) -> Result<impl Stream<Item = Result<AssignmentTransition>> + use<>> {
        let actor = require(ctx, Rule::SignedIn)?;
        let facility = expect_id("facilityId", &facility_id, NodeType::Facility)?;
        let after = event_id(after)?;
        let db = ctx.data::<DatabaseConnection>()?;
        policy::may_follow_facility(db, actor, facility)
            .await
            .map_err(from_query_service)?;
        Ok(follow(
            ctx.data::<EventBus>()?,
            db.clone(),
            Scope::Facility(facility),
            after,
        ))
    }
}
