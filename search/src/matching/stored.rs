//! The profiles matching scores, as the index keeps them beside each maker and facility
//! document (the `profile` field): built from the documents the api crate loads, read back
//! by [`crate::SearchEngine::maker_profiles`] and [`crate::SearchEngine::facility_profiles`].
//!
//! Left out, because it changes without the facility being re-indexed: a facility's track
//! record (from its assignments). A maker's links to facilities are the maker's own rows:
//! writing them re-indexes the maker, and so does a facility change that drops them.

use crate::document::{FacilityDoc, MakerDoc};
use crate::spatial::LatLon;

use super::input::{
    BatchSize, FacilityProfile, FacilityStatus, Machine, MakerProfile, SkillClaim, TrackRecord,
};

impl MakerProfile {
    /// `position` is the one exact-position queries use (the home only with consent),
    /// already checked by the caller.
    pub(crate) fn from_doc(doc: &MakerDoc, position: Option<LatLon>) -> MakerProfile {
        MakerProfile {
            id: doc.id,
            display_name: doc.shown_name.clone(),
            position,
            affiliations: doc.affiliations.clone(),
            clearances: doc.clearances.clone(),
            skills: doc
                .skills
                .iter()
                .map(|s| SkillClaim {
                    label: s.label.clone(),
                    key: s.key.clone(),
                    process_id: s.process_id.clone(),
                    level: s.level,
                    credentials: s.credentials.clone(),
                })
                .collect(),
            availability: doc.availability.clone(),
        }
    }
}

impl FacilityProfile {
    /// With an empty track record, which the caller fills.
    pub(crate) fn from_doc(doc: &FacilityDoc, position: Option<LatLon>) -> FacilityProfile {
        FacilityProfile {
            id: doc.id,
            name: doc.name.clone(),
            // The database only holds the four OKW statuses; anything else is a bug
            // upstream, and `ACTIVE` is what the facility table defaults to.
            status: FacilityStatus::parse(&doc.status).unwrap_or(FacilityStatus::Active),
            position,
            process_ids: doc.process_ids.clone(),
            material_ids: doc.material_ids.clone(),
            equipment: doc
                .equipment
                .iter()
                .map(|e| Machine {
                    id: e.id,
                    equipment_type: e.equipment_type.clone(),
                    process_id: e.process_id.clone(),
                    make: e.make.clone(),
                    model: e.model.clone(),
                })
                .collect(),
            certifications: doc.certifications.clone(),
            batch_size: doc.batch_size.as_deref().and_then(BatchSize::parse),
            date_verified: doc.date_verified,
            track_record: TrackRecord::default(),
            other_terms: doc.other_terms.clone(),
        }
    }
}
