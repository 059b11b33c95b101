//! Who follows production work (DESIGN §8): staff see every job's assignments and follow
//! its events, a job's QA inspector sees that job's, and a maker sees the work of the
//! facilities they are tied to — never another facility's prices, people or history.
//! Ties themselves are granted by the facility's staff or coordinators, never taken.
//! These rules read the ties, so they ask the database.

use makermatch_entities::{assignment, job, maker_affiliation};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::services::actor::{Actor, Role};
use crate::services::assignments::Transition;
use crate::services::{ServiceError, ServiceResult};

/// Whether `actor` is a maker tied to `facility_id` (member, staff or owner).
pub async fn works_at<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    facility_id: Uuid,
) -> ServiceResult<bool> {
    Ok(!facilities_of(db, actor, Some(facility_id))
        .await?
        .is_empty())
}

/// The facilities a maker `actor` is tied to (only `only`, when given); none for any
/// other role.
async fn facilities_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    only: Option<Uuid>,
) -> ServiceResult<Vec<Uuid>> {
    let Some(maker_id) = actor.maker_id.filter(|_| actor.role == Role::Maker) else {
        return Ok(Vec::new());
    };
    let mut ties =
        maker_affiliation::Entity::find().filter(maker_affiliation::Column::MakerId.eq(maker_id));
    if let Some(facility) = only {
        ties = ties.filter(maker_affiliation::Column::FacilityId.eq(facility));
    }
    Ok(ties
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.facility_id)
        .collect())
}

/// Whether `actor` may follow all of a job's work: staff and the job's QA inspector.
pub async fn oversees_job<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    job_id: Uuid,
) -> ServiceResult<bool> {
    if actor.is_staff() {
        return Ok(true);
    }
    if actor.role != Role::Inspector {
        return Ok(false);
    }
    let job = job::Entity::find_by_id(job_id).one(db).await?;
    Ok(job.is_some_and(|j| j.qa_inspector.as_deref() == Some(actor.subject.as_str())))
}

/// Whether `actor` may follow a facility's work: staff and the makers tied to it.
pub async fn follows_facility<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    facility_id: Uuid,
) -> ServiceResult<bool> {
    Ok(actor.is_staff() || works_at(db, actor, facility_id).await?)
}

/// Assignment `id` when `actor` may read it (as `job_assignments` decides), else `None`.
pub async fn assignment<C: ConnectionTrait>(
    db: &C,
    actor: Option<&Actor>,
    id: Uuid,
) -> ServiceResult<Option<assignment::Model>> {
    let Some(actor) = actor else {
        return Ok(None);
    };
    let Some(row) = assignment::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let readable =
        oversees_job(db, actor, row.job_id).await? || works_at(db, actor, row.facility_id).await?;
    Ok(readable.then_some(row))
}

/// The assignments of `job_id` that `actor` may read, oldest first: all of them for those
/// who oversee the job; for a maker, those of the facilities they are tied to, and
/// `Forbidden` when there are none (the job's other work is not theirs to see).
pub async fn job_assignments<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    job_id: Uuid,
) -> ServiceResult<Vec<assignment::Model>> {
    let all = || {
        assignment::Entity::find()
            .filter(assignment::Column::JobId.eq(job_id))
            .order_by_asc(assignment::Column::DateCreated)
            .order_by_asc(assignment::Column::Id)
    };
    if oversees_job(db, actor, job_id).await? {
        return Ok(all().all(db).await?);
    }
    let facilities = facilities_of(db, actor, None).await?;
    let mine = if facilities.is_empty() {
        Vec::new()
    } else {
        all()
            .filter(assignment::Column::FacilityId.is_in(facilities))
            .all(db)
            .await?
    };
    if mine.is_empty() {
        return Err(ServiceError::Forbidden(
            "a job's assignments are shown to staff, its QA inspector, and the makers of the \
             facilities it was given to"
                .to_owned(),
        ));
    }
    Ok(mine)
}

/// Subscribing to a job's events: staff and the job's QA inspector.
pub async fn may_follow_job<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    job_id: Uuid,
) -> ServiceResult<()> {
    if oversees_job(db, actor, job_id).await? {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only staff and the job's QA inspector follow its events".to_owned(),
        ))
    }
}

/// Subscribing to a facility's work: staff and the makers tied to it.
pub async fn may_follow_facility<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    facility_id: Uuid,
) -> ServiceResult<()> {
    if follows_facility(db, actor, facility_id).await? {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only staff and the facility's makers follow its events".to_owned(),
        ))
    }
}

/// Moving assignment `id` (of `job`, given to `facility_id`) one `step`: prototypes are
/// reviewed by the job's QA inspector, completion and cancellation are staff's, every other
/// step is the facility's makers' (and staff's).
pub async fn may_step<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    step: Transition,
    job: &job::Model,
    facility_id: Uuid,
) -> ServiceResult<()> {
    let allowed = match step {
        Transition::ApprovePrototype | Transition::RejectPrototype => {
            actor.role == Role::Inspector
                && job.qa_inspector.as_deref() == Some(actor.subject.as_str())
        }
        Transition::Complete | Transition::Cancel => actor.is_staff(),
        _ => follows_facility(db, actor, facility_id).await?,
    };
    if allowed {
        return Ok(());
    }
    let who = match step {
        Transition::ApprovePrototype | Transition::RejectPrototype => {
            "only the job's QA inspector reviews its prototypes"
        }
        Transition::Complete | Transition::Cancel => {
            "only coordinators and admins complete or cancel assignments"
        }
        _ => "only makers of the facility, coordinators and admins move this assignment",
    };
    Err(ServiceError::Forbidden(format!(
        "you may not {} assignment {id}: {who}",
        step.as_str()
    )))
}

/// Whether `actor` decides the ties of `facility_id`: staff, or a maker tied to it as
/// staff or owner.
pub async fn decides_ties_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    facility_id: Uuid,
) -> ServiceResult<bool> {
    if actor.is_staff() {
        return Ok(true);
    }
    let Some(maker_id) = actor.maker_id.filter(|_| actor.role == Role::Maker) else {
        return Ok(false);
    };
    Ok(
        maker_affiliation::Entity::find_by_id((maker_id, facility_id))
            .one(db)
            .await?
            .is_some_and(|t| {
                crate::services::ties::STAFF_ROLES
                    .iter()
                    .any(|r| t.role.eq_ignore_ascii_case(r))
            }),
    )
}

/// Refuses any tie in `wanted` that the maker does not already have with the same role.
pub async fn may_hold_ties<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    maker_id: Uuid,
    wanted: &[crate::services::makers::AffiliationInput],
) -> ServiceResult<()> {
    if actor.is_staff() {
        return Ok(());
    }
    let held: Vec<maker_affiliation::Model> = maker_affiliation::Entity::find()
        .filter(maker_affiliation::Column::MakerId.eq(maker_id))
        .all(tx)
        .await?;
    for (i, a) in wanted.iter().enumerate() {
        let kept = held
            .iter()
            .any(|h| h.facility_id == a.facility_id && h.role == a.role);
        if !kept {
            return Err(ServiceError::Forbidden(format!(
                "affiliations[{i}]: a tie to facility {} as `{}` is granted by coordinators or \
                 admins, not taken; you may keep or drop the ties you have",
                a.facility_id, a.role
            )));
        }
    }
    Ok(())
}
