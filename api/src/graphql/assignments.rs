//! Assignments over GraphQL: proposals and the state machine's transitions as mutations
//! (rules in `services::assignments`), and their events as subscriptions.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, NaiveDate, Utc};
use futures::Stream;
use makermatch_entities::{assignment, assignment_event};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::access::{signed_in, staff};
use super::error::{Code, coded, from_db, from_query_service, from_service};
use super::facilities::Facility;
use super::loader::{AppLoader, FacilityId};
use super::relay::{NodeType, expect_id, global_id};
use super::search_support::index;
use crate::events::{AssignmentEvent, EventBus};
use crate::services::assignments::{self as service, Changed, ProposalInput, Transition};
use crate::services::{policy, programmes};

/// Where an assignment stands (DESIGN §3).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::assignment::AssignmentStatus")]
pub enum AssignmentStatus {
    Proposed,
    Accepted,
    Declined,
    PrototypeSubmitted,
    PrototypeApproved,
    PrototypeRejected,
    InProduction,
    Delivered,
    Completed,
    Cancelled,
}

/// A step of the workflow.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AssignmentStep {
    /// PROPOSED → ACCEPTED (the facility's makers or staff).
    Accept,
    /// PROPOSED → DECLINED.
    Decline,
    /// ACCEPTED or PROTOTYPE_REJECTED → PROTOTYPE_SUBMITTED, when the job wants a prototype.
    SubmitPrototype,
    /// PROTOTYPE_SUBMITTED → PROTOTYPE_APPROVED (the job's QA inspector only).
    ApprovePrototype,
    /// PROTOTYPE_SUBMITTED → PROTOTYPE_REJECTED (the job's QA inspector only).
    RejectPrototype,
    /// PROTOTYPE_APPROVED (or ACCEPTED without prototype) → IN_PRODUCTION.
    StartProduction,
    /// IN_PRODUCTION → DELIVERED.
    Deliver,
    /// DELIVERED → COMPLETED (staff).
    Complete,
    /// Any open state → CANCELLED (staff).
    Cancel,
}

impl AssignmentStep {
    fn transition(self) -> Transition {
        match self {
            AssignmentStep::Accept => Transition::Accept,
            AssignmentStep::Decline => Transition::Decline,
            AssignmentStep::SubmitPrototype => Transition::SubmitPrototype,
            AssignmentStep::ApprovePrototype => Transition::ApprovePrototype,
            AssignmentStep::RejectPrototype => Transition::RejectPrototype,
            AssignmentStep::StartProduction => Transition::StartProduction,
            AssignmentStep::Deliver => Transition::Deliver,
            AssignmentStep::Complete => Transition::Complete,
            AssignmentStep::Cancel => Transition::Cancel,
        }
    }
}

/// One entry of an assignment's audit trail.
#[derive(SimpleObject, Clone)]
pub struct AssignmentTransition {
    pub assignment_id: ID,
    pub job_id: ID,
    pub facility_id: ID,
    pub quantity: i32,
    /// Null for the event that created the assignment.
    pub from_status: Option<AssignmentStatus>,
    pub to_status: AssignmentStatus,
    /// The token subject of whoever made it.
    pub actor: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<&AssignmentEvent> for AssignmentTransition {
    fn from(e: &AssignmentEvent) -> Self {
        AssignmentTransition {
            assignment_id: global_id(NodeType::Assignment, e.assignment_id),
            job_id: global_id(NodeType::Job, e.job_id),
            facility_id: global_id(NodeType::Facility, e.facility_id),
            quantity: e.quantity,
            from_status: e.from.map(Into::into),
            to_status: e.to.into(),
            actor: e.actor.clone(),
            note: e.note.clone(),
            at: e.at,
        }
    }
}

/// A share of a job given to a facility.
pub struct Assignment(pub assignment::Model);

#[Object]
impl Assignment {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Assignment, self.0.id)
    }
    async fn job_id(&self) -> ID {
        global_id(NodeType::Job, self.0.job_id)
    }
    async fn facility(&self, ctx: &Context<'_>) -> Result<Option<Facility>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(FacilityId(self.0.facility_id))
            .await?
            .map(Facility::new))
    }
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }
    /// Price per item in minor units (cents).
    async fn unit_price_minor(&self) -> Option<i64> {
        self.0.unit_price_minor
    }
    async fn currency(&self) -> Option<&str> {
        self.0.currency.as_deref()
    }
    async fn status(&self) -> AssignmentStatus {
        self.0.status.into()
    }
    async fn prototype_required(&self) -> bool {
        self.0.prototype_required
    }
    async fn due_on(&self) -> Option<NaiveDate> {
        self.0.due_on
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// The audit trail, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<AssignmentTransition>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let rows = assignment_event::Entity::find()
            .filter(assignment_event::Column::AssignmentId.eq(self.0.id))
            .order_by_asc(assignment_event::Column::Id)
            .all(db)
            .await
            .map_err(from_db)?;
        Ok(rows
            .into_iter()
            .map(|e| AssignmentTransition {
                assignment_id: global_id(NodeType::Assignment, self.0.id),
                job_id: global_id(NodeType::Job, self.0.job_id),
                facility_id: global_id(NodeType::Facility, self.0.facility_id),
                quantity: self.0.quantity,
                from_status: e.from_status.map(Into::into),
                to_status: e.to_status.into(),
                actor: e.actor,
                note: e.note,
                at: e.at,
            })
            .collect())
    }
}

/// A proposal of part of a job to a facility.
#[derive(InputObject)]
pub struct ProposeAssignmentInput {
    pub job_id: ID,
    pub facility_id: ID,
    pub quantity: i32,
    /// Price per item in minor units; the job's when absent.
    pub unit_price_minor: Option<i64>,
    pub currency: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// Makers named for the work.
    #[graphql(default)]
    pub maker_ids: Vec<ID>,
}

fn publish(ctx: &Context<'_>, changed: &Changed) {
    if let Ok(bus) = ctx.data::<EventBus>() {
        bus.publish(AssignmentEvent::from(changed));
    }
}

/// Items (and value in minor units) that reached each stage.
#[derive(SimpleObject)]
pub struct StageTotals {
    pub proposed: i64,
    pub accepted: i64,
    /// Prototype approved (or accepted, for jobs without a prototype gate) and beyond.
    pub approved: i64,
    pub delivered: i64,
    pub value_proposed_minor: i64,
    pub value_delivered_minor: i64,
}

impl From<&programmes::Stages> for StageTotals {
    fn from(s: &programmes::Stages) -> Self {
        StageTotals {
            proposed: s.proposed,
            accepted: s.accepted,
            approved: s.approved,
            delivered: s.delivered,
            value_proposed_minor: s.value_proposed_minor,
            value_delivered_minor: s.value_delivered_minor,
        }
    }
}

/// One row of a programme summary: a facility, a country or a tier.
#[derive(SimpleObject)]
pub struct SummaryGroup {
    /// Facility global id, country code or tier label.
    pub key: String,
    /// Facility name, or the key.
    pub label: String,
    pub totals: StageTotals,
}

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

/// Where a programme stands, for its staff.
#[derive(SimpleObject)]
pub struct ProgrammeSummary {
    pub programme_id: ID,
    pub name: String,
    /// The currency of the money totals, when the programme's prices share one.
    pub currency: Option<String>,
    pub total: StageTotals,
    pub by_facility: Vec<SummaryGroup>,
    pub by_country: Vec<SummaryGroup>,
    pub by_tier: Vec<SummaryGroup>,
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
        programme_id: ID,
    ) -> Result<ProgrammeSummary> {
        staff(ctx)?;
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
        programme_id: ID,
    ) -> Result<String> {
        staff(ctx)?;
        let id = expect_id("programmeId", &programme_id, NodeType::Programme)?;
        let db = ctx.data::<DatabaseConnection>()?;
        programmes::assignments_csv(db, id)
            .await
            .map_err(from_service)
    }

    /// The assignments of a job, oldest first: all of them for staff and the job's QA
    /// inspector; for a maker, those of the facilities they are tied to.
    async fn assignments(&self, ctx: &Context<'_>, job_id: ID) -> Result<Vec<Assignment>> {
        let actor = signed_in(ctx)?;
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

#[derive(Default)]
pub struct AssignmentsMutation;

#[Object]
impl AssignmentsMutation {
    /// Proposes part of a job to a facility (coordinators and admins). `CONFLICT` when the
    /// job's active quantities would exceed its quantity.
    async fn propose_assignment(
        &self,
        ctx: &Context<'_>,
        input: ProposeAssignmentInput,
    ) -> Result<Assignment> {
        let actor = signed_in(ctx)?;
        let mut maker_ids = Vec::new();
        for (i, m) in input.maker_ids.iter().enumerate() {
            maker_ids.push(expect_id(
                &format!("input.makerIds[{i}]"),
                m,
                NodeType::Maker,
            )?);
        }
        let proposal = ProposalInput {
            job_id: expect_id("input.jobId", &input.job_id, NodeType::Job)?,
            facility_id: expect_id("input.facilityId", &input.facility_id, NodeType::Facility)?,
            quantity: input.quantity,
            unit_price_minor: input.unit_price_minor,
            currency: input.currency,
            due_on: input.due_on,
            maker_ids,
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let changed = service::propose(db, actor, proposal)
            .await
            .map_err(from_service)?;
        publish(ctx, &changed);
        Ok(Assignment(changed.assignment))
    }

    /// Moves an assignment one step, with an optional note for the audit trail. A step
    /// not allowed from the current state is a `CONFLICT` and changes nothing; a caller
    /// who may not make it gets `FORBIDDEN`.
    async fn transition_assignment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        step: AssignmentStep,
        note: Option<String>,
    ) -> Result<Assignment> {
        let actor = signed_in(ctx)?;
        let uuid = expect_id("id", &id, NodeType::Assignment)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let changed = service::transition(db, actor, uuid, step.transition(), note)
            .await
            .map_err(from_service)?;
        if let Some(seq) = changed.outbox_seq {
            // The facility changed too: the next query reads it as it now is.
            index(ctx)?.wait_for(seq).await;
        }
        publish(ctx, &changed);
        Ok(Assignment(changed.assignment))
    }
}

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

#[Subscription]
impl Subscription {
    /// Every transition of the job's assignments, as it commits (staff and the job's QA
    /// inspector).
    async fn job_events(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
    ) -> Result<impl Stream<Item = AssignmentTransition> + use<>> {
        let actor = signed_in(ctx)?;
        let job = expect_id("jobId", &job_id, NodeType::Job)?;
        let db = ctx.data::<DatabaseConnection>()?;
        if !policy::oversees_job(db, actor, job)
            .await
            .map_err(from_query_service)?
        {
            return Err(coded(
                Code::Forbidden,
                "only staff and the job's QA inspector follow its events",
            ));
        }
        Ok(follow(ctx.data::<EventBus>()?, move |e| e.job_id == job))
    }

    /// Every transition of assignments given to the facility (staff and its makers).
    async fn assignment_events(
        &self,
        ctx: &Context<'_>,
        facility_id: ID,
    ) -> Result<impl Stream<Item = AssignmentTransition> + use<>> {
        let actor = signed_in(ctx)?;
        let facility = expect_id("facilityId", &facility_id, NodeType::Facility)?;
        let db = ctx.data::<DatabaseConnection>()?;
        if !policy::follows_facility(db, actor, facility)
            .await
            .map_err(from_query_service)?
        {
            return Err(coded(
                Code::Forbidden,
                "only staff and the facility's makers follow its events",
            ));
        }
        Ok(follow(ctx.data::<EventBus>()?, move |e| {
            e.facility_id == facility
        }))
    }
}
