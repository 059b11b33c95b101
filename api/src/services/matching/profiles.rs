//! The facility and maker profiles `matchJob` scores.
//!
//! The search index keeps each maker's and facility's profile beside its document (the
//! indexer writes it from the same rows, in the same commit), so a match reads them with
//! one index lookup each. What changes without the entity being re-indexed comes from the
//! database: facilities' track records (assignments) and makers' links to facilities
//! (affiliations and clearances, read by facility).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use makermatch_entities::{machine_clearance, maker_affiliation};
use makermatch_search::SearchEngine;
use makermatch_search::matching::{Clearance, FacilityProfile, MakerProfile, TrackRecord};
use sea_orm::{ColumnTrait, ConnectionTrait, DerivePartialModel, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::search_error;
use crate::services::ServiceResult;
use crate::services::assignments::track_records;

/// The profiles of those of the facilities `ids` the index holds, with their track
/// records.
pub(super) async fn facility_profiles<C: ConnectionTrait>(
    db: &C,
    engine: &SearchEngine,
    ids: &[Uuid],
) -> ServiceResult<Vec<FacilityProfile>> {
    let records = track_records(db, ids).await?;
    let mut profiles = engine.facility_profiles(ids).map_err(search_error)?;
    for p in &mut profiles {
        let r = records.get(&p.id).copied().unwrap_or_default();
        p.track_record = TrackRecord {
            completed: r.completed,
            on_time: r.on_time,
            prototypes_submitted: r.prototypes_approved + r.prototypes_rejected,
            prototypes_approved: r.prototypes_approved,
        };
    }
    Ok(profiles)
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "machine_clearance::Entity")]
struct ClearanceRow {
    maker_id: Uuid,
    facility_id: Uuid,
    equipment_id: Uuid,
    expires_on: Option<NaiveDate>,
}

/// Makers' links to the facilities read so far, by maker.
#[derive(Debug, Default)]
pub(super) struct Links {
    affiliations: HashMap<Uuid, Vec<Uuid>>,
    clearances: HashMap<Uuid, Vec<Clearance>>,
}

impl Links {
    /// Reads the links to `facilities` (two statements, run at once) and adds them.
    pub(super) async fn read<C: ConnectionTrait>(
        &mut self,
        db: &C,
        facilities: &[Uuid],
    ) -> ServiceResult<()> {
        let (affiliations, clearances) = futures::try_join!(
            maker_affiliation::Entity::find()
                .filter(maker_affiliation::Column::FacilityId.is_in(facilities.iter().copied()))
                .into_partial_model::<AffiliationRow>()
                .all(db),
            machine_clearance::Entity::find()
                .filter(machine_clearance::Column::FacilityId.is_in(facilities.iter().copied()))
                .into_partial_model::<ClearanceRow>()
                .all(db),
        )?;
        for a in affiliations {
            self.affiliations
                .entry(a.maker_id)
                .or_default()
                .push(a.facility_id);
        }
        for c in clearances {
            self.clearances
                .entry(c.maker_id)
                .or_default()
                .push(Clearance {
                    facility_id: c.facility_id,
                    equipment_id: Some(c.equipment_id),
                    expires_on: c.expires_on,
                });
        }
        Ok(())
    }

    /// Every maker linked to a facility read so far.
    pub(super) fn makers(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.affiliations
            .keys()
            .chain(self.clearances.keys())
            .copied()
    }

    /// Gives `maker` its links to the facilities read so far.
    pub(super) fn attach(&self, maker: &mut MakerProfile) {
        maker.affiliations = self
            .affiliations
            .get(&maker.id)
            .cloned()
            .unwrap_or_default();
        maker.clearances = self.clearances.get(&maker.id).cloned().unwrap_or_default();
    }
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "maker_affiliation::Entity")]
struct AffiliationRow {
    maker_id: Uuid,
    facility_id: Uuid,
}

/// Profiles of those of the makers `ids` who claim one of the skills keyed `covering`,
/// keeping only those claims (no other claim can count for the job). Makers claiming none
/// cannot join a team and are left out. Links are attached later ([`Links::attach`]).
pub(super) fn maker_profiles(
    engine: &SearchEngine,
    ids: &[Uuid],
    covering: &HashSet<&str>,
) -> ServiceResult<Vec<MakerProfile>> {
    let mut profiles = engine.maker_profiles(ids).map_err(search_error)?;
    for p in &mut profiles {
        p.skills.retain(|s| covering.contains(s.key.as_str()));
    }
    profiles.retain(|p| !p.skills.is_empty());
    Ok(profiles)
}
