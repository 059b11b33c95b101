//! Where a maker may work: the facilities they are affiliated with or cleared at, which
//! teams take them into whatever the distance (those within reach of their home the caller
//! finds in the index).

use std::collections::BTreeSet;

use makermatch_entities::{machine_clearance, maker_affiliation};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::services::ServiceResult;

/// The facilities `maker_id` is tied to, by affiliation or machine clearance.
pub async fn tied_facilities<C: ConnectionTrait>(
    db: &C,
    maker_id: Uuid,
) -> ServiceResult<BTreeSet<Uuid>> {
    let affiliated: Vec<Uuid> = maker_affiliation::Entity::find()
        .select_only()
        .column(maker_affiliation::Column::FacilityId)
        .filter(maker_affiliation::Column::MakerId.eq(maker_id))
        .into_tuple()
        .all(db)
        .await?;
    let cleared: Vec<Uuid> = machine_clearance::Entity::find()
        .select_only()
        .column(machine_clearance::Column::FacilityId)
        .filter(machine_clearance::Column::MakerId.eq(maker_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(affiliated.into_iter().chain(cleared).collect())
}
