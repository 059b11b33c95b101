//! Reading what the search engine indexes from the database: a batch of ids in, one
//! [`Doc`] per entity that still exists out. Each relation is one `IN (…)` query per
//! batch, so indexing a thousand makers costs a handful of statements.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use makermatch_entities::job_requirement::RequirementKind as RowRequirementKind;
use makermatch_entities::skill_claim::SkillLevel as RowSkillLevel;
use makermatch_entities::{
    achievement, achievement_alignment, availability, credential, equipment, facility,
    facility_material, facility_process, issuer, job, job_requirement, machine_clearance, maker,
    maker_affiliation, skill, skill_claim,
};
use makermatch_search::matching::{
    Availability, Clearance, CredentialEvidence, CredentialStatus, credential_status,
};
use makermatch_search::{
    Doc, EquipmentEntry, FacilityDoc, JobDoc, Kind, MakerDoc, RequirementEntry, RequirementKind,
    SkillEntry, SkillLevel,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::services::credentials;

/// Ids per `IN (…)` list: far below SQLite's and PostgreSQL's bound-parameter limits.
const IN_LIST: usize = 1_000;

/// The documents of `kind` for `ids`; ids with no row (deleted since) are left out.
pub async fn load<C: ConnectionTrait>(db: &C, kind: Kind, ids: &[Uuid]) -> Result<Vec<Doc>, DbErr> {
    let mut docs = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_LIST) {
        match kind {
            Kind::Maker => docs.extend(makers(db, chunk).await?.into_iter().map(Doc::Maker)),
            Kind::Facility => {
                docs.extend(facilities(db, chunk).await?.into_iter().map(Doc::Facility))
            }
            Kind::Job => docs.extend(jobs(db, chunk).await?.into_iter().map(Doc::Job)),
        }
    }
    Ok(docs)
}

/// Up to `limit` ids of `kind` greater than `after`, in id order: keyset pages for a
/// full rebuild that never skip or repeat a row however the table changes meanwhile.
pub async fn ids_after<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    use sea_orm::QuerySelect;
    macro_rules! page {
        ($entity:ident) => {{
            let mut q = $entity::Entity::find()
                .select_only()
                .column($entity::Column::Id)
                .order_by_asc($entity::Column::Id)
                .limit(limit);
            if let Some(after) = after {
                q = q.filter($entity::Column::Id.gt(after));
            }
            q.into_tuple::<Uuid>().all(db).await
        }};
    }
    match kind {
        Kind::Maker => page!(maker),
        Kind::Facility => page!(facility),
        Kind::Job => page!(job),
    }
}

fn level(l: RowSkillLevel) -> SkillLevel {
    match l {
        RowSkillLevel::Novice => SkillLevel::Novice,
        RowSkillLevel::Intermediate => SkillLevel::Intermediate,
        RowSkillLevel::Advanced => SkillLevel::Advanced,
        RowSkillLevel::Expert => SkillLevel::Expert,
    }
}

fn requirement_kind(k: RowRequirementKind) -> RequirementKind {
    match k {
        RowRequirementKind::Process => RequirementKind::Process,
        RowRequirementKind::Skill => RequirementKind::Skill,
        RowRequirementKind::Equipment => RequirementKind::Equipment,
        RowRequirementKind::Material => RequirementKind::Material,
        RowRequirementKind::Certification => RequirementKind::Certification,
    }
}

fn position(lat: Option<f64>, lon: Option<f64>) -> Option<(f64, f64)> {
    lat.zip(lon)
}

/// The position queries with an exact-position grant use: the home only when the maker
/// consented to share it, else the public one, so no query of staff ever measures from a
/// home its maker kept to themself.
fn consented_position(m: &maker::Model) -> Option<(f64, f64)> {
    let public = position(m.coarse_lat, m.coarse_lon);
    if m.share_exact_location {
        position(m.lat, m.lon).or(public)
    } else {
        public
    }
}

/// The credentials of `makers` whose achievements align to each skill or process, with
/// the achievement's and issuer's names and the issuer's trust: what a claim's evidence
/// shows and what decides whether it counts as verified.
#[derive(Default)]
struct Backing {
    /// Per maker: each credential with what it aligns to.
    held: HashMap<Uuid, Vec<Held>>,
}

struct Held {
    evidence: CredentialEvidence,
    skills: Vec<Uuid>,
    processes: Vec<String>,
}

impl Backing {
    /// The credentials of `maker` that back a claim of `skill`: their achievement aligns
    /// to the skill itself or to its process.
    fn of(&self, maker: Uuid, skill: &skill::Model) -> Vec<CredentialEvidence> {
        self.held
            .get(&maker)
            .into_iter()
            .flatten()
            .filter(|h| {
                h.skills.contains(&skill.id)
                    || skill
                        .process_id
                        .as_ref()
                        .is_some_and(|p| h.processes.contains(p))
            })
            .map(|h| h.evidence.clone())
            .collect()
    }
}

async fn backing<C: ConnectionTrait>(db: &C, makers: &[Uuid]) -> Result<Backing, DbErr> {
    let credentials = credential::Entity::find()
        .filter(credential::Column::MakerId.is_in(makers.iter().copied()))
        .order_by_asc(credential::Column::Id)
        .all(db)
        .await?;
    if credentials.is_empty() {
        return Ok(Backing::default());
    }
    let achievement_ids: HashSet<Uuid> = credentials.iter().map(|c| c.achievement_id).collect();
    let achievements: HashMap<Uuid, achievement::Model> = achievement::Entity::find()
        .filter(achievement::Column::Id.is_in(achievement_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let issuer_ids: HashSet<Uuid> = achievements.values().map(|a| a.issuer_id).collect();
    let issuers: HashMap<Uuid, issuer::Model> = issuer::Entity::find()
        .filter(issuer::Column::Id.is_in(issuer_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut alignments: HashMap<Uuid, (Vec<Uuid>, Vec<String>)> = HashMap::new();
    for a in achievement_alignment::Entity::find()
        .filter(achievement_alignment::Column::AchievementId.is_in(achievement_ids))
        .all(db)
        .await?
    {
        let (skills, processes) = alignments.entry(a.achievement_id).or_default();
        skills.extend(a.skill_id);
        processes.extend(a.process_id);
    }
    let mut backing = Backing::default();
    for c in credentials {
        let Some(a) = achievements.get(&c.achievement_id) else {
            continue;
        };
        let Some(i) = issuers.get(&a.issuer_id) else {
            continue;
        };
        let Some((skills, processes)) = alignments.get(&c.achievement_id) else {
            // Aligned to nothing: it backs no claim.
            continue;
        };
        backing.held.entry(c.maker_id).or_default().push(Held {
            evidence: credentials::evidence::evidence(&c, a, i),
            skills: skills.clone(),
            processes: processes.clone(),
        });
    }
    Ok(backing)
}

async fn makers<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<MakerDoc>, DbErr> {
    // An erased passport is an anonymous tombstone: nothing of it is searchable.
    let rows = maker::Entity::find()
        .filter(maker::Column::Id.is_in(ids.iter().copied()))
        .filter(maker::Column::ErasedAt.is_null())
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let claims = skill_claim::Entity::find()
        .filter(skill_claim::Column::MakerId.is_in(ids.iter().copied()))
        .order_by_asc(skill_claim::Column::DateCreated)
        .all(db)
        .await?;
    let skill_ids: HashSet<Uuid> = claims.iter().map(|c| c.skill_id).collect();
    let skills: HashMap<Uuid, skill::Model> = skill::Entity::find()
        .filter(skill::Column::Id.is_in(skill_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let backing = backing(db, ids).await?;
    let mut hours: HashMap<Uuid, Availability> = HashMap::new();
    for a in availability::Entity::find()
        .filter(availability::Column::MakerId.is_in(ids.iter().copied()))
        .order_by_asc(availability::Column::Id)
        .all(db)
        .await?
    {
        hours.entry(a.maker_id).or_insert(Availability {
            hours_per_week: a.hours_per_week,
            from: a.available_from,
            to: a.available_to,
        });
    }
    let mut links = links(db, ids).await?;
    let now = Utc::now();
    let mut entries: HashMap<Uuid, Vec<SkillEntry>> = HashMap::new();
    for c in claims {
        let Some(s) = skills.get(&c.skill_id) else {
            continue;
        };
        let credentials = backing.of(c.maker_id, s);
        entries.entry(c.maker_id).or_default().push(SkillEntry {
            label: s.label.clone(),
            key: s.key.clone(),
            process_id: s.process_id.clone(),
            // The rule matching applies (`credential_status`), judged now.
            verified: credentials
                .iter()
                .any(|c| credential_status(c, now) == CredentialStatus::Valid),
            level: level(c.level),
            credentials,
        });
    }
    Ok(rows
        .into_iter()
        .map(|m| {
            let names = [
                &m.first_name,
                &m.middle_name,
                &m.last_name,
                &m.preferred_first_name,
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
            let languages = crate::services::string_list(&m.languages);
            let exact_position = consented_position(&m);
            MakerDoc {
                id: m.id,
                names,
                shown_name: m.shown_name(),
                display_name: m.display_name,
                bio: m.bio,
                skills: entries.remove(&m.id).unwrap_or_default(),
                languages,
                country: m.country,
                city: m.city,
                exact_position,
                coarse_position: position(m.coarse_lat, m.coarse_lon),
                public_profile: m.public_profile,
                availability: hours.remove(&m.id),
                affiliations: links.affiliations.remove(&m.id).unwrap_or_default(),
                clearances: links.clearances.remove(&m.id).unwrap_or_default(),
            }
        })
        .collect())
}

/// Makers' links to facilities, by maker.
#[derive(Default)]
struct Links {
    affiliations: HashMap<Uuid, Vec<Uuid>>,
    clearances: HashMap<Uuid, Vec<Clearance>>,
}

/// The makers' affiliations and machine clearances, in a stable order.
async fn links<C: ConnectionTrait>(db: &C, makers: &[Uuid]) -> Result<Links, DbErr> {
    let mut affiliations: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for a in maker_affiliation::Entity::find()
        .filter(maker_affiliation::Column::MakerId.is_in(makers.iter().copied()))
        .order_by_asc(maker_affiliation::Column::FacilityId)
        .all(db)
        .await?
    {
        affiliations
            .entry(a.maker_id)
            .or_default()
            .push(a.facility_id);
    }
    let mut clearances: HashMap<Uuid, Vec<Clearance>> = HashMap::new();
    for c in machine_clearance::Entity::find()
        .filter(machine_clearance::Column::MakerId.is_in(makers.iter().copied()))
        .order_by_asc(machine_clearance::Column::Id)
        .all(db)
        .await?
    {
        clearances.entry(c.maker_id).or_default().push(Clearance {
            facility_id: c.facility_id,
            equipment_id: Some(c.equipment_id),
            expires_on: c.expires_on,
        });
    }
    Ok(Links {
        affiliations,
        clearances,
    })
}

async fn facilities<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<FacilityDoc>, DbErr> {
    let rows = facility::Entity::find()
        .filter(facility::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut processes: HashMap<Uuid, Vec<String>> = HashMap::new();
    for l in facility_process::Entity::find()
        .filter(facility_process::Column::FacilityId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        processes
            .entry(l.facility_id)
            .or_default()
            .push(l.process_id);
    }
    let mut materials: HashMap<Uuid, Vec<String>> = HashMap::new();
    for l in facility_material::Entity::find()
        .filter(facility_material::Column::FacilityId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        materials
            .entry(l.facility_id)
            .or_default()
            .push(l.material_id);
    }
    let mut machines: HashMap<Uuid, Vec<EquipmentEntry>> = HashMap::new();
    for e in equipment::Entity::find()
        .filter(equipment::Column::FacilityId.is_in(ids.iter().copied()))
        .order_by_asc(equipment::Column::Id)
        .all(db)
        .await?
    {
        machines
            .entry(e.facility_id)
            .or_default()
            .push(EquipmentEntry {
                id: e.id,
                equipment_type: e.equipment_type,
                process_id: e.process_id,
                make: e.make,
                model: e.model,
            });
    }
    Ok(rows
        .into_iter()
        .map(|f| FacilityDoc {
            id: f.id,
            name: f.name,
            description: f.description,
            country: f.country,
            locality: f.locality,
            status: enum_text(&f.status),
            access_type: f.access_type.as_ref().map(enum_text),
            batch_size: f.typical_batch_size.as_ref().map(enum_text),
            process_ids: processes.remove(&f.id).unwrap_or_default(),
            material_ids: materials.remove(&f.id).unwrap_or_default(),
            equipment: machines.remove(&f.id).unwrap_or_default(),
            position: position(f.lat, f.lon),
            certifications: crate::services::string_list(&f.certifications),
            date_verified: f.date_verified,
            other_terms: crate::services::string_list(&f.unresolved_terms),
        })
        .collect())
}

async fn jobs<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<JobDoc>, DbErr> {
    let rows = job::Entity::find()
        .filter(job::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut requirements: HashMap<Uuid, Vec<RequirementEntry>> = HashMap::new();
    for r in job_requirement::Entity::find()
        .filter(job_requirement::Column::JobId.is_in(ids.iter().copied()))
        .order_by_asc(job_requirement::Column::Id)
        .all(db)
        .await?
    {
        requirements
            .entry(r.job_id)
            .or_default()
            .push(RequirementEntry {
                kind: requirement_kind(r.kind),
                term: r.term,
                required: r.required,
            });
    }
    Ok(rows
        .into_iter()
        .map(|j| JobDoc {
            id: j.id,
            title: j.title,
            description: j.description,
            status: enum_text(&j.status),
            tier: j.tier,
            requirements: requirements.remove(&j.id).unwrap_or_default(),
            delivery_name: j.delivery_name,
            delivery_position: position(j.delivery_lat, j.delivery_lon),
        })
        .collect())
}

/// The stored string of an enum column (`ACTIVE`, `0-50`, …), which is what the engine's
/// facets hold.
fn enum_text<E: sea_orm::ActiveEnum<Value = String>>(e: &E) -> String {
    e.to_value()
}
