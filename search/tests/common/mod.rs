//! Builders and brute-force references shared by the integration tests.

#![allow(dead_code)]

use makermatch_search::{
    Doc, EquipmentEntry, FacilityDoc, Kind, MakerDoc, SearchEngine, SkillEntry, SkillLevel,
    Taxonomy,
};
use uuid::Uuid;

pub const R_KM: f64 = 6371.0088;

/// Haversine written independently of the engine (same radius).
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * R_KM * h.sqrt().min(1.0).asin()
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn taxonomy() -> Taxonomy {
    Taxonomy::builtin().unwrap()
}

pub fn engine() -> SearchEngine {
    SearchEngine::in_memory(&taxonomy()).unwrap()
}

pub fn facility(n: u128, name: &str, position: Option<(f64, f64)>) -> FacilityDoc {
    FacilityDoc {
        id: id(n),
        name: name.to_string(),
        description: None,
        country: None,
        locality: None,
        status: "ACTIVE".into(),
        access_type: None,
        batch_size: None,
        process_ids: Vec::new(),
        material_ids: Vec::new(),
        equipment: Vec::new(),
        position,
        certifications: Vec::new(),
        date_verified: None,
        other_terms: Vec::new(),
    }
}

pub fn equipment(equipment_type: &str, make: &str, model: &str) -> EquipmentEntry {
    // Each machine its own id, as rows have.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    EquipmentEntry {
        id: Uuid::from_u64_pair(
            0xe9,
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        ),
        equipment_type: equipment_type.into(),
        process_id: None,
        make: Some(make.into()),
        model: Some(model.into()),
    }
}

pub fn skill(label: &str, process: Option<&str>, verified: bool, level: SkillLevel) -> SkillEntry {
    SkillEntry {
        label: label.into(),
        key: makermatch_search::skills::skill_key(label),
        process_id: process.map(str::to_string),
        verified,
        level,
        credentials: Vec::new(),
    }
}

pub fn maker(n: u128, name: &str, skills: Vec<SkillEntry>, exact: Option<(f64, f64)>) -> MakerDoc {
    MakerDoc {
        id: id(n),
        names: name.split(' ').map(str::to_string).collect(),
        display_name: None,
        shown_name: name.to_string(),
        bio: None,
        skills,
        languages: vec!["en".into()],
        country: None,
        city: None,
        exact_position: exact,
        coarse_position: None,
        public_profile: true,
        availability: None,
        affiliations: Vec::new(),
        clearances: Vec::new(),
    }
}

/// Indexes `docs` and commits them as outbox sequence `seq`.
pub fn load(engine: &SearchEngine, docs: impl IntoIterator<Item = Doc>, seq: i64) {
    let mut w = engine.writer().unwrap();
    for d in docs {
        w.upsert(&d).unwrap();
    }
    w.commit(seq).unwrap();
}

pub fn ids(page: &makermatch_search::SearchPage) -> Vec<Uuid> {
    page.hits.iter().map(|h| h.id).collect()
}

pub fn kind_of(page: &makermatch_search::SearchPage) -> Vec<Kind> {
    page.hits.iter().map(|h| h.kind).collect()
}
