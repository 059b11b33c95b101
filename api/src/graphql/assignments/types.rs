//! The `Assignment` type, its audit trail, and programme summaries.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use makermatch_entities::{assignment, assignment_event};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::events::AssignmentEvent;
use crate::graphql::error::from_db;
use crate::graphql::facilities::Facility;
use crate::graphql::loader::{AppLoader, FacilityId};
use crate::graphql::relay::{NodeType, global_id};
use crate::graphql::scalars::{Date, Timestamp};
use crate::services::assignments::Transition;
use crate::services::programmes;

/// Where an assignment stands (DESIGN §3).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::assignment::AssignmentStatus")]
pub enum AssignmentStatus {
    /// Offered to the facility, awaiting its answer.
    Proposed,
    /// The facility took the work on.
    Accepted,
    /// The facility turned it down (final).
    Declined,
    /// A prototype awaits the QA inspector's verdict.
    PrototypeSubmitted,
    /// The QA inspector approved the prototype.
    PrototypeApproved,
    /// The QA inspector rejected the prototype; the facility may submit again.
    PrototypeRejected,
    /// The facility is making the items.
    InProduction,
    /// The items were delivered, awaiting staff confirmation.
    Delivered,
    /// Staff confirmed delivery (final).
    Completed,
    /// Called off by staff (final).
    Cancelled,
}

/// A step of the workflow.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AssignmentStep {
    /// PROPOSED → ACCEPTED (the facility's makers or staff).
    Accept,
    /// PROPOSED → DECLINED.
    Decline,
    /// ACCEPTED or PROTOTYPE_REJECTED → PROTOTYPE_SUBMITTED, when the job wants a
    /// prototype.
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
    pub(super) fn transition(self) -> Transition {
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
    /// The event's place in the order every subscriber sees; pass it as `after` to resume
    /// a subscription from here.
    pub event_id: ID,
    /// Global id of the assignment.
    pub assignment_id: ID,
    /// Global id of the assignment's job.
    pub job_id: ID,
    /// Global id of the facility doing the work.
    pub facility_id: ID,
    /// Items assigned.
    pub quantity: i32,
    /// Null for the event that created the assignment.
    pub from_status: Option<AssignmentStatus>,
    /// The status after the step.
    pub to_status: AssignmentStatus,
    /// The token subject of whoever made it.
    pub actor: String,
    /// The note given with the step, if any.
    pub note: Option<String>,
    /// When the step was taken.
    pub at: Timestamp,
}

impl From<&AssignmentEvent> for AssignmentTransition {
    fn from(e: &AssignmentEvent) -> Self {
        AssignmentTransition {
            event_id: ID(e.id.to_string()),
            assignment_id: global_id(NodeType::Assignment, e.assignment_id),
            job_id: global_id(NodeType::Job, e.job_id),
            facility_id: global_id(NodeType::Facility, e.facility_id),
            quantity: e.quantity,
            from_status: e.from.map(Into::into),
            to_status: e.to.into(),
            actor: e.actor.clone(),
            note: e.note.clone(),
            at: e.at.into(),
        }
    }
}

/// A share of a job given to a facility.
pub struct Assignment(pub assignment::Model);

/// A share of a job given to a facility, and where it stands in the production workflow.
/// Seen by staff, the job's QA inspector and the facility's makers.
#[Object]
impl Assignment {
    /// Global id (Relay), usable with `node` and every `id` argument.
    pub async fn id(&self) -> ID {
        global_id(NodeType::Assignment, self.0.id)
    }
    /// Global id of the job.
    async fn job_id(&self) -> ID {
        global_id(NodeType::Job, self.0.job_id)
    }
    /// The facility doing the work; null if it was deleted.
    async fn facility(&self, ctx: &Context<'_>) -> Result<Option<Facility>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(FacilityId(self.0.facility_id))
            .await?
            .map(Facility::new))
    }
    /// Items assigned.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }
    /// Price per item in minor units (cents).
    async fn unit_price_minor(&self) -> Option<i64> {
        self.0.unit_price_minor
    }
    /// ISO 4217 code of `unitPriceMinor`.
    async fn currency(&self) -> Option<&str> {
        self.0.currency.as_deref()
    }
    /// Where the assignment stands.
    async fn status(&self) -> AssignmentStatus {
        self.0.status.into()
    }
    /// The facility must have a prototype approved before production.
    async fn prototype_required(&self) -> bool {
        self.0.prototype_required
    }
    /// The date the items are due.
    async fn due_on(&self) -> Option<Date> {
        self.0.due_on.map(Into::into)
    }
    /// When the items were delivered; null before.
    async fn delivered_at(&self) -> Option<Timestamp> {
        self.0.delivered_at.map(Into::into)
    }
    /// When staff confirmed delivery; null before.
    async fn completed_at(&self) -> Option<Timestamp> {
        self.0.completed_at.map(Into::into)
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
                event_id: ID(e.id.to_string()),
                assignment_id: global_id(NodeType::Assignment, self.0.id),
                job_id: global_id(NodeType::Job, self.0.job_id),
                facility_id: global_id(NodeType::Facility, self.0.facility_id),
                quantity: self.0.quantity,
                from_status: e.from_status.map(Into::into),
                to_status: e.to_status.into(),
                actor: e.actor,
                note: e.note,
                at: e.at.into(),
            })
            .collect())
    }
}

/// Items (and value in minor units) that reached each stage.
#[derive(SimpleObject)]
pub struct StageTotals {
    /// Items proposed (every assignment not declined or cancelled).
    pub proposed: i64,
    /// Items accepted by their facilities and beyond.
    pub accepted: i64,
    /// Prototype approved (or accepted, for jobs without a prototype gate) and beyond.
    pub approved: i64,
    /// Items delivered, completed ones included.
    pub delivered: i64,
    /// Value of the proposed items, in minor units of `currency`.
    pub value_proposed_minor: i64,
    /// Value of the delivered items, in minor units of `currency`.
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
    /// The group's totals.
    pub totals: StageTotals,
}

/// Where a programme stands, for its staff.
#[derive(SimpleObject)]
pub struct ProgrammeSummary {
    /// Global id of the programme.
    pub programme_id: ID,
    /// The programme's name.
    pub name: String,
    /// The currency of the money totals, when the programme's prices share one.
    pub currency: Option<String>,
    /// Totals over the whole programme.
    pub total: StageTotals,
    /// Totals per facility.
    pub by_facility: Vec<SummaryGroup>,
    /// Totals per country of the facilities (ISO 3166-1 alpha-2).
    pub by_country: Vec<SummaryGroup>,
    /// Totals per job tier.
    pub by_tier: Vec<SummaryGroup>,
}
