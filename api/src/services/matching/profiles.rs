//! The facility and maker profiles `matchJob` scores.
//!
//! The search index keeps each maker's and facility's profile beside its document (the
//! indexer writes it from the same rows, in the same commit), so a match reads them with
//! one index lookup each, makers with their links to facilities. What changes without the
//! facility being re-indexed comes from the database: its track record (assignments).

use std::collections::{HashMap, HashSet};

use makermatch_search::SearchEngine;
use makermatch_search::matching::{FacilityProfile, MakerProfile, SkillClaim, TrackRecord};
use uuid::Uuid;

use super::search_error;
use crate::services::ServiceResult;
use crate::services::assignments::TrackRecord as FacilityTrackRecord;

/// Puts the track records read from the database (`assignments::track_records`) into
/// the facilities' profiles, whose index copies have none.
pub(super) fn add_track_records(
    profiles: &mut [FacilityProfile],
    records: &HashMap<Uuid, FacilityTrackRecord>,
) {
    for p in profiles {
        let r = records.get(&p.id).copied().unwrap_or_default();
        p.track_record = TrackRecord {
            completed: r.completed,
            on_time: r.on_time,
            prototypes_submitted: r.prototypes_approved + r.prototypes_rejected,
            prototypes_approved: r.prototypes_approved,
        };
    }
}

/// Profiles of those of the makers `ids` who claim one of the skills keyed `covering`,
/// keeping only those claims (no other claim can count for the job). Makers claiming none
/// cannot join a team and are left out.
pub(super) fn maker_profiles(
    engine: &SearchEngine,
    ids: &[Uuid],
    covering: &HashSet<&str>,
) -> ServiceResult<Vec<MakerProfile>> {
    let shared = engine.maker_profiles(ids).map_err(search_error)?;
    Ok(shared
        .iter()
        .filter_map(|p| {
            let skills: Vec<SkillClaim> = p
                .skills
                .iter()
                .filter(|s| covering.contains(s.key.as_str()))
                .cloned()
                .collect();
            (!skills.is_empty()).then(|| MakerProfile {
                id: p.id,
                display_name: p.display_name.clone(),
                position: p.position,
                affiliations: p.affiliations.clone(),
                clearances: p.clearances.clone(),
                skills,
                availability: p.availability.clone(),
            })
        })
        .collect())
}
