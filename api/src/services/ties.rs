//! Ties a maker asks for. A maker may not take a tie to a facility (that would let anyone
//! act for any facility); they request one, and the facility's staff (a maker tied to it as
//! `staff` or `owner`) or a coordinator confirms or declines it. A request grants nothing
//! until it is confirmed.

use chrono::Utc;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::{facility, maker_affiliation, tie_request};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::actor::{Actor, Role};
use super::{ServiceError, ServiceResult, outbox};
use crate::db::begin_write;

/// The roles a tie may have, weakest first.
pub const ROLES: [&str; 3] = ["member", "staff", "owner"];

/// Roles whose holders speak for a facility: they confirm others' ties.
pub const STAFF_ROLES: [&str; 2] = ["staff", "owner"];

fn role(value: &str) -> ServiceResult<&'static str> {
    let wanted = value.trim().to_ascii_lowercase();
    ROLES.into_iter().find(|r| *r == wanted).ok_or_else(|| {
        ServiceError::invalid(
            "role",
            format!(
                "`{}` is not a role; use member, staff or owner",
                value.trim()
            ),
        )
    })
}

/// A maker asks for a tie to `facility_id` as `role` (asking again replaces the request).
pub async fn request(
    db: &DatabaseConnection,
    actor: &Actor,
    facility_id: Uuid,
    role_asked: &str,
) -> ServiceResult<tie_request::Model> {
    let Some(maker_id) = actor.maker_id.filter(|_| actor.role == Role::Maker) else {
        return Err(ServiceError::Forbidden(
            "only a maker asks for a tie for themselves; coordinators set ties with updateMaker"
                .to_owned(),
        ));
    };
    let role = role(role_asked)?;
    let tx = begin_write(db).await?;
    if facility::Entity::find_by_id(facility_id)
        .one(&tx)
        .await?
        .is_none()
    {
        return Err(ServiceError::invalid(
            "facilityId",
            format!("facility {facility_id} does not exist"),
        ));
    }
    let held = maker_affiliation::Entity::find_by_id((maker_id, facility_id))
        .one(&tx)
        .await?;
    if held
        .as_ref()
        .is_some_and(|h| h.role.eq_ignore_ascii_case(role))
    {
        return Err(ServiceError::Conflict(format!(
            "you are tied to facility {facility_id} as {role} already"
        )));
    }
    let row = tie_request::Model {
        maker_id,
        facility_id,
        role: role.to_owned(),
        requested_at: Utc::now(),
    };
    tie_request::Entity::insert(tie_request::ActiveModel::from(row.clone()))
        .on_conflict(
            OnConflict::columns([
                tie_request::Column::MakerId,
                tie_request::Column::FacilityId,
            ])
            .update_columns([tie_request::Column::Role, tie_request::Column::RequestedAt])
            .to_owned(),
        )
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(row)
}

/// What a decision did: the tie made (none when declined) and its outbox row, after
/// which the index shows it.
pub struct Decided {
    pub tie: Option<maker_affiliation::Model>,
    pub outbox_seq: Option<i64>,
}

/// Confirms (the tie is made, or its role changed) or declines a maker's request.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Actor,
    maker_id: Uuid,
    facility_id: Uuid,
    confirm: bool,
) -> ServiceResult<Decided> {
    let tx = begin_write(db).await?;
    if !super::policy::decides_ties_of(&tx, actor, facility_id).await? {
        return Err(ServiceError::Forbidden(format!(
            "ties to facility {facility_id} are confirmed by its staff or owners, or by coordinators"
        )));
    }
    let Some(asked) = tie_request::Entity::find_by_id((maker_id, facility_id))
        .one(&tx)
        .await?
    else {
        return Err(ServiceError::NotFound {
            kind: "tie request",
            id: format!("{maker_id} at {facility_id}"),
        });
    };
    tie_request::Entity::delete_by_id((maker_id, facility_id))
        .exec(&tx)
        .await?;
    let mut tie = None;
    let mut seq = None;
    if confirm {
        let row = maker_affiliation::Model {
            maker_id,
            facility_id,
            role: asked.role,
        };
        maker_affiliation::Entity::insert(maker_affiliation::ActiveModel::from(row.clone()))
            .on_conflict(
                OnConflict::columns([
                    maker_affiliation::Column::MakerId,
                    maker_affiliation::Column::FacilityId,
                ])
                .update_column(maker_affiliation::Column::Role)
                .to_owned(),
            )
            .exec(&tx)
            .await?;
        // A maker's ties are indexed with them (who works where).
        seq = Some(outbox::record(&tx, IndexedKind::Maker, maker_id, OutboxOp::Upsert).await?);
        tie = Some(row);
    }
    tx.commit().await?;
    Ok(Decided {
        tie,
        outbox_seq: seq,
    })
}

/// Open requests: for one facility (its deciders only), or the caller's own as a maker.
pub async fn open_requests(
    db: &DatabaseConnection,
    actor: &Actor,
    facility_id: Option<Uuid>,
) -> ServiceResult<Vec<tie_request::Model>> {
    let mut query = tie_request::Entity::find().order_by_asc(tie_request::Column::RequestedAt);
    match facility_id {
        Some(f) => {
            if !super::policy::decides_ties_of(db, actor, f).await? {
                return Err(ServiceError::Forbidden(format!(
                    "the requests of facility {f} are seen by its staff or owners, or by coordinators"
                )));
            }
            query = query.filter(tie_request::Column::FacilityId.eq(f));
        }
        None => match actor.maker_id.filter(|_| actor.role == Role::Maker) {
            Some(m) => query = query.filter(tie_request::Column::MakerId.eq(m)),
            None if actor.is_staff() => {}
            None => return Ok(Vec::new()),
        },
    }
    Ok(query.all(db).await?)
}
