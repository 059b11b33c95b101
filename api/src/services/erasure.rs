//! Erasing a maker's passport at their request. The personal data goes (names, bio,
//! contacts, date of birth, nationality, home and public positions, skills, experience,
//! availability, affiliations, credentials, machine clearances) in one transaction; the
//! row stays as an anonymous tombstone so the assignments that name the maker keep their
//! history and programme totals do not move. The search index drops the maker.

use chrono::Utc;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::{
    assignment_event, availability, credential, experience, machine_clearance, maker,
    maker_affiliation, skill_claim, tie_request,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{ServiceError, ServiceResult, Written, outbox};
use crate::db::begin_write;

/// The name an erased passport shows.
pub const ERASED_NAME: &str = "erased maker";

/// Erases maker `id`'s personal data. `subject`, when the maker asks themself, is their
/// token subject: the audit trail of assignments then forgets which steps they took (and
/// their notes). Erasing an erased passport again changes nothing but its timestamp.
pub async fn erase(
    db: &DatabaseConnection,
    id: Uuid,
    subject: Option<&str>,
) -> ServiceResult<Written<maker::Model>> {
    let now = Utc::now();
    let tx = begin_write(db).await?;
    let existing = maker::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "maker",
            id: id.to_string(),
        })?;
    let mut row = existing.into_active_model();
    row.first_name = Set(None);
    row.last_name = Set(None);
    row.middle_name = Set(None);
    row.preferred_first_name = Set(None);
    row.display_name = Set(Some(ERASED_NAME.to_owned()));
    row.bio = Set(None);
    row.languages = Set(json!([]));
    row.country = Set(None);
    row.city = Set(None);
    row.lat = Set(None);
    row.lon = Set(None);
    row.coarse_lat = Set(None);
    row.coarse_lon = Set(None);
    row.nationality = Set(None);
    row.residence_country = Set(None);
    row.date_of_birth = Set(None);
    row.email = Set(None);
    row.phone = Set(None);
    row.public_profile = Set(false);
    row.share_exact_location = Set(false);
    // The id in the source it was imported from leads back to the person.
    row.source_id = Set(None);
    row.source_hash = Set(None);
    // Whatever else the source said of the person.
    row.source_fields = Set(None);
    row.last_updated = Set(now);
    row.erased_at = Set(Some(now));
    let model = row.update(&tx).await?;
    skill_claim::Entity::delete_many()
        .filter(skill_claim::Column::MakerId.eq(id))
        .exec(&tx)
        .await?;
    experience::Entity::delete_many()
        .filter(experience::Column::MakerId.eq(id))
        .exec(&tx)
        .await?;
    availability::Entity::delete_many()
        .filter(availability::Column::MakerId.eq(id))
        .exec(&tx)
        .await?;
    maker_affiliation::Entity::delete_many()
        .filter(maker_affiliation::Column::MakerId.eq(id))
        .exec(&tx)
        .await?;
    tie_request::Entity::delete_many()
        .filter(tie_request::Column::MakerId.eq(id))
        .exec(&tx)
        .await?;
    credential::Entity::delete_many()
        .filter(credential::Column::MakerId.eq(id))
        .exec(&tx)
        .await?;
    machine_clearance::Entity::delete_many()
        .filter(machine_clearance::Column::MakerId.eq(id))
        .exec(&tx)
        .await?;
    // Assignment rows (and `assignment_makers`) stay: they are the programme's record. The
    // steps stay too, but no longer say that this person took them.
    if let Some(subject) = subject {
        assignment_event::Entity::update_many()
            .col_expr(assignment_event::Column::Actor, Expr::value(ERASED_NAME))
            .col_expr(
                assignment_event::Column::Note,
                Expr::value(Option::<String>::None),
            )
            .filter(assignment_event::Column::Actor.eq(subject))
            .exec(&tx)
            .await?;
    }
    let seq = outbox::record(&tx, IndexedKind::Maker, id, OutboxOp::Delete).await?;
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}
