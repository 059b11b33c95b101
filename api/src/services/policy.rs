//! Who may see and do what (DESIGN §8). Passports: a public profile is seen by everyone, a
//! private one by staff and the maker alone, through every door (one maker, lists, search,
//! a facility's members, credentials, the map). Production work: staff see every job's
//! assignments and follow its events, a job's QA inspector sees that job's, and a maker
//! sees the work of the facilities they are tied to — never another facility's prices,
//! people or history. Resolvers, loaders' callers and subscriptions ask here; none
//! decides on its own.

use makermatch_entities::{assignment, job, maker, maker_affiliation};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::actor::{Actor, Role};
use super::{ServiceError, ServiceResult};

/// Whether `viewer` sees passports whose owner did not make them public (staff do).
pub fn sees_private_profiles(viewer: Option<&Actor>) -> bool {
    viewer.is_some_and(Actor::is_staff)
}

/// Whether `viewer` may see `maker` at all: a public profile, or staff, or the maker.
pub fn sees_maker(viewer: Option<&Actor>, maker: &maker::Model) -> bool {
    maker.public_profile
        || sees_private_profiles(viewer)
        || viewer.is_some_and(|a| a.role == Role::Maker && a.maker_id == Some(maker.id))
}

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
