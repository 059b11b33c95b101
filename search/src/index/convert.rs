//! Turning a [`Doc`] into a tantivy document: text fields with the taxonomy expanded,
//! facet terms normalised the way queries normalise them, identity and positions as fast
//! fields so the engine can rebuild its R-trees from the index folder alone, and the
//! matching profile of makers and facilities as a stored field.

use tantivy::TantivyDocument;
use tantivy::schema::Field;
use uuid::Uuid;

use super::expand::{Expander, ProcessExpansion};
use super::geo_cell;
use super::schema::Fields;
use crate::SearchError;
use crate::document::{Doc, FacilityDoc, JobDoc, MakerDoc, RequirementKind, SkillLevel};
use crate::matching::{FacilityProfile, MakerProfile};
use crate::privacy::displace;
use crate::skills::skill_key;
use crate::spatial::LatLon;

/// Where an entity is, per geo layer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Placement {
    /// Exact position for makers; the only one for facilities and jobs.
    pub primary: Option<LatLon>,
    /// Makers' city-level position.
    pub coarse: Option<LatLon>,
}

pub(crate) struct Converted {
    pub doc: TantivyDocument,
    pub placement: Placement,
}

impl Placement {
    /// The Hilbert cell documents are ordered by in a bulk load: the public position,
    /// which most queries walk.
    pub(crate) fn cell(&self) -> u64 {
        self.coarse
            .or(self.primary)
            .map_or(geo_cell::UNPLACED, geo_cell::cell)
    }
}

/// Country codes, statuses, access types and tiers: upper case.
pub(crate) fn code_term(s: &str) -> String {
    s.trim().to_uppercase()
}

/// Taxonomy ids, materials, equipment types, languages: lower case.
pub(crate) fn id_term(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The `skill` facet term for a key at a least level.
pub(crate) fn skill_level_term(key: &str, level: SkillLevel) -> String {
    format!("{key}:{}", level.as_str())
}

fn position(
    value: Option<(f64, f64)>,
    doc: &Doc,
    which: &str,
) -> Result<Option<LatLon>, SearchError> {
    value
        .map(|(lat, lon)| {
            LatLon::checked(lat, lon, &format!("{} {} ({which})", doc.kind(), doc.id()))
        })
        .transpose()
}

struct Builder<'a> {
    doc: TantivyDocument,
    fields: &'a Fields,
}

impl Builder<'_> {
    fn text(&mut self, field: Field, value: &str) {
        if !value.trim().is_empty() {
            self.doc.add_text(field, value);
        }
    }

    fn texts<'s>(&mut self, field: Field, values: impl IntoIterator<Item = &'s str>) {
        for v in values {
            self.text(field, v);
        }
    }

    /// Process ids go to the taxonomy fields as ids; the field's tokenizer expands them.
    fn expansion(&mut self, x: &ProcessExpansion<'_>) {
        if !x.own.is_empty() {
            self.doc.add_text(self.fields.taxonomy, x.own.join(" "));
        }
        if !x.broader.is_empty() {
            self.doc
                .add_text(self.fields.taxonomy_broader, x.broader.join(" "));
        }
    }

    fn term(&mut self, field: Field, value: String) {
        if !value.is_empty() {
            self.doc.add_text(field, value);
        }
    }
}

/// The document without its `ord`, which the writer adds once it has chosen one.
pub(crate) fn convert(
    doc: &Doc,
    fields: &Fields,
    expander: &Expander,
) -> Result<Converted, SearchError> {
    let mut b = Builder {
        doc: TantivyDocument::default(),
        fields,
    };
    let (hi, lo) = doc.id().as_u64_pair();
    b.doc.add_u64(fields.kind, doc.kind().code());
    b.doc.add_u64(fields.id_hi, hi);
    b.doc.add_u64(fields.id_lo, lo);
    let placement = match doc {
        Doc::Maker(m) => {
            let primary = position(m.exact_position, doc, "exact position")?;
            // A document without a public position gets one drawn here, never the home:
            // the service stores one with every home, so this is a last resort.
            let coarse = match position(m.coarse_position, doc, "coarse position")? {
                Some(c) => Some(c),
                None => primary
                    .map(|p| {
                        let (lat, lon) = displace(p.lat(), p.lon(), &mut rand::rng());
                        LatLon::checked(lat, lon, "derived coarse position")
                    })
                    .transpose()?,
            };
            maker(&mut b, m, expander);
            Placement { primary, coarse }
        }
        Doc::Facility(f) => {
            facility(&mut b, f, expander);
            Placement {
                primary: position(f.position, doc, "position")?,
                coarse: None,
            }
        }
        Doc::Job(j) => {
            job(&mut b, j, expander);
            Placement {
                primary: position(j.delivery_position, doc, "delivery position")?,
                coarse: None,
            }
        }
    };
    if let Some(p) = placement.primary {
        b.doc.add_f64(fields.lat, p.lat());
        b.doc.add_f64(fields.lon, p.lon());
    }
    if let Some(p) = placement.coarse {
        b.doc.add_f64(fields.coarse_lat, p.lat());
        b.doc.add_f64(fields.coarse_lon, p.lon());
    }
    let profile = match doc {
        Doc::Maker(m) => Some(serde_json::to_vec(&MakerProfile::from_doc(
            m,
            placement.primary,
        ))),
        Doc::Facility(f) => Some(serde_json::to_vec(&FacilityProfile::from_doc(
            f,
            placement.primary,
        ))),
        Doc::Job(_) => None,
    };
    if let Some(bytes) = profile.transpose().map_err(|e| SearchError::BadProfile {
        what: format!("{} {}", doc.kind(), doc.id()),
        reason: e.to_string(),
    })? {
        b.doc.add_bytes(fields.profile, &bytes);
    }

    Ok(Converted {
        doc: b.doc,
        placement,
    })
}

fn maker(b: &mut Builder<'_>, m: &MakerDoc, expander: &Expander) {
    let f = *b.fields;
    b.texts(f.name, m.names.iter().map(String::as_str));
    b.texts(f.name, m.display_name.as_deref());
    b.texts(f.body, m.bio.as_deref());
    b.texts(f.stemmed, m.bio.as_deref());
    b.texts(f.place, m.city.as_deref());
    b.texts(f.place, m.country.as_deref());
    for s in &m.skills {
        let shown = if s.label.trim().is_empty() {
            &s.key
        } else {
            &s.label
        };
        b.text(f.skills, shown);
        b.text(f.stemmed, shown);
        let key = skill_key(&s.key);
        for level in SkillLevel::ALL.into_iter().filter(|l| *l <= s.level) {
            b.term(f.skill, skill_level_term(&key, level));
            if s.verified {
                b.term(f.verified_skill, skill_level_term(&key, level));
            }
        }
        if s.verified {
            b.term(f.verified_skill, key.clone());
        }
        b.term(f.skill, key);
    }
    let x = expander.processes(m.skills.iter().filter_map(|s| s.process_id.as_deref()));
    b.expansion(&x);
    for id in &x.lineage {
        b.term(f.process, id_term(id));
    }
    let verified = expander.processes(
        m.skills
            .iter()
            .filter(|s| s.verified)
            .filter_map(|s| s.process_id.as_deref()),
    );
    for id in &verified.lineage {
        b.term(f.verified_process, id_term(id));
    }
    for language in &m.languages {
        b.term(f.language, id_term(language));
    }
    if let Some(country) = &m.country {
        b.term(f.country, code_term(country));
    }
    let visibility = if m.public_profile {
        "public"
    } else {
        "private"
    };
    b.term(f.visibility, visibility.to_string());
    let mut linked: Vec<Uuid> = m
        .affiliations
        .iter()
        .copied()
        .chain(m.clearances.iter().map(|c| c.facility_id))
        .collect();
    linked.sort_unstable();
    linked.dedup();
    for facility in linked {
        b.term(f.linked, linked_term(facility));
    }
}

/// The `linked` term of a facility id.
pub(crate) fn linked_term(facility: Uuid) -> String {
    facility.simple().to_string()
}

fn facility(b: &mut Builder<'_>, fac: &FacilityDoc, expander: &Expander) {
    let f = *b.fields;
    // Facilities are public records (OKW): a `public_only` search across kinds keeps them.
    b.term(f.visibility, "public".to_string());
    b.text(f.name, &fac.name);
    b.texts(f.body, fac.description.as_deref());
    b.texts(f.stemmed, fac.description.as_deref());
    b.texts(f.place, fac.locality.as_deref());
    b.texts(f.place, fac.country.as_deref());
    let mut process_ids: Vec<&str> = fac.process_ids.iter().map(String::as_str).collect();
    for e in &fac.equipment {
        match expander.equipment_labels(&e.equipment_type) {
            Some(labels) => b.text(f.equipment, labels),
            None => b.text(f.equipment, &e.equipment_type),
        }
        b.texts(f.equipment, e.make.as_deref());
        b.texts(f.equipment, e.model.as_deref());
        b.term(f.equipment_type, id_term(&e.equipment_type));
        process_ids.extend(e.process_id.as_deref());
        process_ids.extend(
            expander
                .equipment_processes(&e.equipment_type)
                .iter()
                .map(String::as_str),
        );
    }
    let x = expander.processes(process_ids);
    b.expansion(&x);
    for id in &x.lineage {
        b.term(f.process, id_term(id));
    }
    for material in &fac.material_ids {
        b.text(
            f.materials,
            expander.material_labels(material).unwrap_or(material),
        );
        b.term(f.material, id_term(material));
    }
    if let Some(country) = &fac.country {
        b.term(f.country, code_term(country));
    }
    b.term(f.status, code_term(&fac.status));
    if let Some(access) = &fac.access_type {
        b.term(f.access, code_term(access));
    }
    if let Some(batch) = &fac.batch_size {
        b.term(f.batch, batch.trim().to_string());
    }
}

fn job(b: &mut Builder<'_>, j: &JobDoc, expander: &Expander) {
    let f = *b.fields;
    b.term(f.visibility, "public".to_string());
    b.text(f.name, &j.title);
    b.texts(f.body, j.description.as_deref());
    b.texts(f.stemmed, j.description.as_deref());
    b.texts(f.place, j.delivery_name.as_deref());
    let mut process_ids = Vec::new();
    for r in &j.requirements {
        match r.kind {
            RequirementKind::Process => process_ids.push(r.term.as_str()),
            RequirementKind::Skill => {
                b.text(f.skills, &r.term);
                b.term(f.skill, skill_key(&r.term));
            }
            RequirementKind::Equipment => {
                let labels = expander.equipment_labels(&r.term).unwrap_or(&r.term);
                b.text(f.equipment, labels);
                b.term(f.equipment_type, id_term(&r.term));
            }
            RequirementKind::Material => {
                let labels = expander.material_labels(&r.term).unwrap_or(&r.term);
                b.text(f.materials, labels);
                b.term(f.material, id_term(&r.term));
            }
            RequirementKind::Certification => b.text(f.body, &r.term),
        }
        b.term(
            f.requirement,
            format!("{}:{}", r.kind.as_str(), id_term(&r.term)),
        );
    }
    let x = expander.processes(process_ids);
    b.expansion(&x);
    for id in &x.lineage {
        b.term(f.process, id_term(id));
    }
    b.term(f.status, code_term(&j.status));
    if let Some(tier) = &j.tier {
        b.term(f.tier, code_term(tier));
    }
}
