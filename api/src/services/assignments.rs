//! The assignment workflow (DESIGN §3): proposals of a share of a job to a facility, and
//! the state machine that takes them from acceptance through prototype QA to delivery.
//! Every change checks who may make it and from which state, runs in one transaction with
//! its audit event, and never lets a job's active quantities exceed its quantity.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use makermatch_entities::assignment::AssignmentStatus as Status;
use makermatch_entities::facility::FacilityStatus;
use makermatch_entities::job::JobStatus;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::{assignment, assignment_event, assignment_maker, facility, job};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::actor::Actor;
use super::issuance::DeploymentIssuer;
use super::{ServiceError, ServiceResult, outbox, validate};
use crate::db::begin_write;
use crate::db::dialect::lock_for_update;

/// A share of a job proposed to a facility.
#[derive(Debug, Clone)]
pub struct ProposalInput {
    pub job_id: Uuid,
    pub facility_id: Uuid,
    pub quantity: i32,
    /// Price per item in minor units (cents); the job's when absent.
    pub unit_price_minor: Option<i64>,
    pub currency: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// Makers named for the work (affiliated with the facility or not).
    pub maker_ids: Vec<Uuid>,
}

/// A step of the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    Accept,
    Decline,
    SubmitPrototype,
    ApprovePrototype,
    RejectPrototype,
    StartProduction,
    Deliver,
    Complete,
    Cancel,
}

impl Transition {
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Accept => "accept",
            Transition::Decline => "decline",
            Transition::SubmitPrototype => "submit a prototype for",
            Transition::ApprovePrototype => "approve the prototype of",
            Transition::RejectPrototype => "reject the prototype of",
            Transition::StartProduction => "start production of",
            Transition::Deliver => "deliver",
            Transition::Complete => "complete",
            Transition::Cancel => "cancel",
        }
    }
}

/// Where `t` leads from `from`, or `None` when it is not allowed there.
pub fn next(from: Status, t: Transition, prototype_required: bool) -> Option<Status> {
    use Status::*;
    match (t, from) {
        (Transition::Accept, Proposed) => Some(Accepted),
        (Transition::Decline, Proposed) => Some(Declined),
        (Transition::SubmitPrototype, Accepted | PrototypeRejected) if prototype_required => {
            Some(PrototypeSubmitted)
        }
        (Transition::ApprovePrototype, PrototypeSubmitted) => Some(PrototypeApproved),
        (Transition::RejectPrototype, PrototypeSubmitted) => Some(PrototypeRejected),
        (Transition::StartProduction, PrototypeApproved) => Some(InProduction),
        (Transition::StartProduction, Accepted) if !prototype_required => Some(InProduction),
        (Transition::Deliver, InProduction) => Some(Delivered),
        (Transition::Complete, Delivered) => Some(Completed),
        (Transition::Cancel, s) if !matches!(s, Declined | Completed | Cancelled) => {
            Some(Cancelled)
        }
        _ => None,
    }
}

/// What a write of the workflow returns: the assignment as it now is and its audit event.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub assignment: assignment::Model,
    pub event: assignment_event::Model,
    /// The outbox row of a write that changed the facility too (a completion ends its
    /// probation): reads of the facility are current once the index has applied it.
    pub outbox_seq: Option<i64>,
}

async fn record_event<C: ConnectionTrait>(
    tx: &C,
    assignment_id: Uuid,
    from: Option<Status>,
    to: Status,
    actor: &Actor,
    note: Option<String>,
) -> ServiceResult<assignment_event::Model> {
    // Event ids are drawn in commit order, and every replica's feed is woken.
    crate::db::dialect::order_event_writers(tx).await?;
    let event = assignment_event::ActiveModel {
        id: NotSet,
        assignment_id: Set(assignment_id),
        from_status: Set(from),
        to_status: Set(to),
        actor: Set(actor.subject.clone()),
        note: Set(note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())),
        at: Set(Utc::now()),
    };
    Ok(event.insert(tx).await?)
}

/// Quantity of `job_id` held by assignments that are not declined or cancelled.
pub async fn active_quantity<C: ConnectionTrait>(db: &C, job_id: Uuid) -> ServiceResult<i64> {
    let rows = assignment::Entity::find()
        .filter(assignment::Column::JobId.eq(job_id))
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter(|a| a.status.is_active())
        .map(|a| i64::from(a.quantity))
        .sum())
}

/// Proposes a share of a job to a facility (staff only). Refused with `CONFLICT` when the
/// job's active quantities would exceed its quantity, or the job or facility cannot take it.
pub async fn propose(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ProposalInput,
) -> ServiceResult<Changed> {
    let mut changed = propose_all(db, actor, vec![input]).await?;
    changed
        .pop()
        .ok_or_else(|| ServiceError::Conflict("the proposal was not written; try again".to_owned()))
}

/// Proposes several shares at once (an allocation's plan) in one transaction: every
/// proposal is written, or none is. The jobs are locked first, in id order, so two plans
/// for one job are serialised and the second is checked against what the first wrote.
pub async fn propose_all(
    db: &DatabaseConnection,
    actor: &Actor,
    inputs: Vec<ProposalInput>,
) -> ServiceResult<Vec<Changed>> {
    super::policy::require(Some(actor), super::policy::Rule::Staff)?;
    let tx = begin_write(db).await?;
    let changed = propose_all_in(&tx, actor, inputs).await?;
    tx.commit().await?;
    Ok(changed)
}

/// [`propose_all`] inside the caller's write transaction, for callers that write more in
/// it (an allocation records its answer under its idempotency key).
pub(crate) async fn propose_all_in<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    inputs: Vec<ProposalInput>,
) -> ServiceResult<Vec<Changed>> {
    super::policy::require(Some(actor), super::policy::Rule::Staff)?;
    let backend = tx.get_database_backend();
    let mut jobs: Vec<Uuid> = inputs.iter().map(|i| i.job_id).collect();
    jobs.sort_unstable();
    jobs.dedup();
    for id in jobs {
        lock_for_update(job::Entity::find_by_id(id), backend)
            .one(tx)
            .await?;
    }
    let mut changed = Vec::with_capacity(inputs.len());
    for input in inputs {
        changed.push(propose_in(tx, actor, input).await?);
    }
    Ok(changed)
}

/// One proposal inside the caller's transaction.
async fn propose_in<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    input: ProposalInput,
) -> ServiceResult<Changed> {
    validate::positive("quantity", i64::from(input.quantity))?;
    let currency = validate::currency("currency", input.currency.as_deref())?;
    let backend = tx.get_database_backend();
    // The job row lock serialises proposals for one job on PostgreSQL, so two concurrent
    // proposals cannot both pass the quantity check.
    let job = lock_for_update(job::Entity::find_by_id(input.job_id), backend)
        .one(tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "job",
            id: input.job_id.to_string(),
        })?;
    if matches!(job.status, JobStatus::Completed | JobStatus::Cancelled) {
        return Err(ServiceError::Conflict(format!(
            "job {} is {}; it takes no more assignments",
            job.id,
            sea_orm::ActiveEnum::to_value(&job.status)
        )));
    }
    let facility = facility::Entity::find_by_id(input.facility_id)
        .one(tx)
        .await?
        .ok_or_else(|| {
            ServiceError::invalid(
                "facilityId",
                format!("facility {} does not exist", input.facility_id),
            )
        })?;
    if facility.status == FacilityStatus::Closed {
        return Err(ServiceError::Conflict(format!(
            "facility {} is closed; it cannot take assignments",
            facility.id
        )));
    }
    let held = active_quantity(tx, job.id).await?;
    let free = i64::from(job.quantity) - held;
    if i64::from(input.quantity) > free {
        return Err(ServiceError::Conflict(format!(
            "job {} has {held} of its {} items assigned already; at most {free} more can be proposed",
            job.id, job.quantity
        )));
    }
    let now = Utc::now();
    let row = assignment::Model {
        id: Uuid::now_v7(),
        job_id: job.id,
        facility_id: facility.id,
        quantity: input.quantity,
        unit_price_minor: input.unit_price_minor.or(job.unit_price_minor),
        currency: currency.or(job.currency.clone()),
        status: Status::Proposed,
        prototype_required: job.prototype_first,
        due_on: input.due_on.or(job.deadline),
        date_created: now,
        last_updated: now,
        delivered_at: None,
        completed_at: None,
    };
    let model = row.into_active_model().insert(tx).await?;
    for maker_id in &input.maker_ids {
        assignment_maker::ActiveModel {
            assignment_id: Set(model.id),
            maker_id: Set(*maker_id),
        }
        .insert(tx)
        .await
        .map_err(|e| {
            if crate::db::is_foreign_key_violation(&e) {
                ServiceError::invalid("makerIds", format!("maker {maker_id} does not exist"))
            } else {
                ServiceError::Database(e)
            }
        })?;
    }
    if job.status == JobStatus::Open || job.status == JobStatus::Draft {
        let mut j = job.clone().into_active_model();
        j.status = Set(JobStatus::Allocated);
        j.last_updated = Set(now);
        j.update(tx).await?;
    }
    let event = record_event(tx, model.id, None, Status::Proposed, actor, None).await?;
    Ok(Changed {
        assignment: model,
        event,
        outbox_seq: None,
    })
}

/// Moves an assignment one step. Who may: the facility's makers or staff for the
/// facility's steps, the job's QA inspector alone for prototype reviews, staff to complete
/// or cancel. A step not allowed from the current state is a `CONFLICT` and changes nothing.
pub async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    step: Transition,
    note: Option<String>,
) -> ServiceResult<Changed> {
    transition_issuing(db, actor, id, step, note, None).await
}

/// [`transition`], and on completion, when the job's programme asks for it and `issuer`
/// is given, signs a proof of practice for each of the assignment's makers
/// (`issuance::practice`) in the same transaction.
pub async fn transition_issuing(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    step: Transition,
    note: Option<String>,
    issuer: Option<&DeploymentIssuer>,
) -> ServiceResult<Changed> {
    let tx = begin_write(db).await?;
    let backend = tx.get_database_backend();
    let current = lock_for_update(assignment::Entity::find_by_id(id), backend)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "assignment",
            id: id.to_string(),
        })?;
    let job = job::Entity::find_by_id(current.job_id)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "job",
            id: current.job_id.to_string(),
        })?;
    super::policy::may_step(&tx, actor, id, step, &job, current.facility_id).await?;
    let Some(to) = next(current.status, step, current.prototype_required) else {
        return Err(ServiceError::Conflict(format!(
            "cannot {} assignment {id}: it is {}{}",
            step.as_str(),
            sea_orm::ActiveEnum::to_value(&current.status),
            if matches!(
                step,
                Transition::SubmitPrototype | Transition::StartProduction
            ) && current.status == Status::Accepted
            {
                if current.prototype_required {
                    " and its job needs an approved prototype first"
                } else {
                    " and its job needs no prototype"
                }
            } else {
                ""
            }
        )));
    };
    let now = Utc::now();
    let from = current.status;
    let mut row = current.into_active_model();
    row.status = Set(to);
    row.last_updated = Set(now);
    match to {
        Status::Delivered => row.delivered_at = Set(Some(now)),
        Status::Completed => row.completed_at = Set(Some(now)),
        _ => {}
    }
    let model = row.update(&tx).await?;
    let mut outbox_seq = None;
    if to == Status::Completed {
        // A completed assignment ends a facility's probation. The outbox row retires
        // cached copies of the facility (graphql/loader/list_cache.rs).
        facility::Entity::update_many()
            .col_expr(
                facility::Column::OnProbation,
                sea_orm::sea_query::Expr::value(false),
            )
            .filter(facility::Column::Id.eq(model.facility_id))
            .exec(&tx)
            .await?;
        outbox_seq = Some(
            outbox::record(
                &tx,
                IndexedKind::Facility,
                model.facility_id,
                OutboxOp::Upsert,
            )
            .await?,
        );
    }
    if to == Status::Completed
        && let Some(issuer) = issuer
        && let Some(seq) = super::issuance::practice::issue_boxed(&tx, issuer, &model, &job).await?
    {
        outbox_seq = Some(outbox_seq.map_or(seq, |s: i64| s.max(seq)));
    }
    let event = record_event(&tx, model.id, Some(from), to, actor, note).await?;
    tx.commit().await?;
    Ok(Changed {
        assignment: model,
        event,
        outbox_seq,
    })
}

/// A facility's record of finished work, the input of the matching's track-record factor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrackRecord {
    pub completed: u32,
    /// Completed and delivered by the due date (or with none).
    pub on_time: u32,
    pub prototypes_approved: u32,
    pub prototypes_rejected: u32,
}

/// Track records of `facility_ids` (absent ones have done nothing yet).
pub async fn track_records<C: ConnectionTrait>(
    db: &C,
    facility_ids: &[Uuid],
) -> ServiceResult<HashMap<Uuid, TrackRecord>> {
    let mut out: HashMap<Uuid, TrackRecord> = HashMap::new();
    let mut facility_of = HashMap::new();
    for chunk in facility_ids.chunks(1_000) {
        let rows = assignment::Entity::find()
            .filter(assignment::Column::FacilityId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for a in rows {
            facility_of.insert(a.id, a.facility_id);
            if a.status == Status::Completed {
                let r = out.entry(a.facility_id).or_default();
                r.completed += 1;
                let on_time = match (a.delivered_at, a.due_on) {
                    (Some(at), Some(due)) => at.date_naive() <= due,
                    _ => true,
                };
                if on_time {
                    r.on_time += 1;
                }
            }
        }
    }
    let ids: Vec<Uuid> = facility_of.keys().copied().collect();
    for chunk in ids.chunks(1_000) {
        let events = assignment_event::Entity::find()
            .filter(assignment_event::Column::AssignmentId.is_in(chunk.iter().copied()))
            .filter(
                assignment_event::Column::ToStatus
                    .is_in([Status::PrototypeApproved, Status::PrototypeRejected]),
            )
            .select_only()
            .column(assignment_event::Column::AssignmentId)
            .column(assignment_event::Column::ToStatus)
            .into_tuple::<(Uuid, Status)>()
            .all(db)
            .await?;
        for (assignment_id, status) in events {
            if let Some(f) = facility_of.get(&assignment_id) {
                let r = out.entry(*f).or_default();
                match status {
                    Status::PrototypeApproved => r.prototypes_approved += 1,
                    _ => r.prototypes_rejected += 1,
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_machine_of_design_section_3() {
        use Status::*;
        assert_eq!(next(Proposed, Transition::Accept, true), Some(Accepted));
        assert_eq!(next(Accepted, Transition::StartProduction, true), None);
        assert_eq!(
            next(Accepted, Transition::StartProduction, false),
            Some(InProduction)
        );
        assert_eq!(next(Accepted, Transition::SubmitPrototype, false), None);
        assert_eq!(
            next(PrototypeRejected, Transition::SubmitPrototype, true),
            Some(PrototypeSubmitted)
        );
        assert_eq!(
            next(PrototypeSubmitted, Transition::ApprovePrototype, true),
            Some(PrototypeApproved)
        );
        assert_eq!(next(Delivered, Transition::Complete, true), Some(Completed));
        for terminal in [Declined, Completed, Cancelled] {
            assert_eq!(next(terminal, Transition::Cancel, true), None);
        }
        assert_eq!(
            next(InProduction, Transition::Cancel, true),
            Some(Cancelled)
        );
        assert_eq!(next(Proposed, Transition::Deliver, true), None);
    }
}
