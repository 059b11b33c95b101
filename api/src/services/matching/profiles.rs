//! The facility and maker profiles `matchJob` scores, read from the database.
//!
//! Every statement selects only the columns the matcher uses (the `*Row` partial models
//! below): decoding a column costs about as much as fetching its row, and facilities and
//! makers are wide (38 and 27 columns), so full rows made up most of a request's time.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use makermatch_entities::facility::{BatchSize as RowBatchSize, FacilityStatus as RowStatus};
use makermatch_entities::skill_claim::SkillLevel as RowLevel;
use makermatch_entities::{
    achievement, achievement_alignment, availability, credential, equipment, facility,
    facility_material, facility_process, issuer, machine_clearance, maker, maker_affiliation,
    skill, skill_claim,
};
use makermatch_search::matching::{
    Availability, BatchSize, Clearance, CredentialEvidence, FacilityProfile, FacilityStatus,
    Machine, MakerProfile, SkillClaim, TrackRecord,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, DerivePartialModel, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{level, position};
use crate::services::ServiceResult;
use crate::services::assignments::track_records;

/// Ids per `IN (…)` list.
const CHUNK: usize = 1_000;

/// Runs `query` once per chunk of `ids` and gathers the rows.
pub(super) async fn in_chunks<R, F, Fut>(ids: &[Uuid], query: F) -> ServiceResult<Vec<R>>
where
    F: Fn(Vec<Uuid>) -> Fut,
    Fut: Future<Output = Result<Vec<R>, DbErr>>,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(query(chunk.to_vec()).await?);
    }
    Ok(out)
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "facility::Entity")]
struct FacilityRow {
    id: Uuid,
    name: String,
    status: RowStatus,
    lat: Option<f64>,
    lon: Option<f64>,
    typical_batch_size: Option<RowBatchSize>,
    certifications: serde_json::Value,
    date_verified: Option<DateTime<Utc>>,
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "equipment::Entity")]
struct MachineRow {
    id: Uuid,
    facility_id: Uuid,
    equipment_type: String,
    process_id: Option<String>,
    make: Option<String>,
    model: Option<String>,
}

/// The profiles of the facilities `ids` (those that still exist), with their track
/// records.
pub(super) async fn facility_profiles<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ServiceResult<Vec<FacilityProfile>> {
    // Independent statements, run at once on the pool's connections.
    let (rows, process_links, material_links, machine_rows, records) = futures::try_join!(
        in_chunks(ids, |c| {
            facility::Entity::find()
                .filter(facility::Column::Id.is_in(c))
                .into_partial_model::<FacilityRow>()
                .all(db)
        }),
        in_chunks(ids, |c| {
            facility_process::Entity::find()
                .select_only()
                .columns([
                    facility_process::Column::FacilityId,
                    facility_process::Column::ProcessId,
                ])
                .filter(facility_process::Column::FacilityId.is_in(c))
                .into_tuple::<(Uuid, String)>()
                .all(db)
        }),
        in_chunks(ids, |c| {
            facility_material::Entity::find()
                .select_only()
                .columns([
                    facility_material::Column::FacilityId,
                    facility_material::Column::MaterialId,
                ])
                .filter(facility_material::Column::FacilityId.is_in(c))
                .into_tuple::<(Uuid, String)>()
                .all(db)
        }),
        in_chunks(ids, |c| {
            equipment::Entity::find()
                .filter(equipment::Column::FacilityId.is_in(c))
                .into_partial_model::<MachineRow>()
                .all(db)
        }),
        track_records(db, ids),
    )?;
    let mut processes: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (facility_id, process_id) in process_links {
        processes.entry(facility_id).or_default().push(process_id);
    }
    let mut materials: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (facility_id, material_id) in material_links {
        materials.entry(facility_id).or_default().push(material_id);
    }
    let mut machines: HashMap<Uuid, Vec<Machine>> = HashMap::new();
    for e in machine_rows {
        machines.entry(e.facility_id).or_default().push(Machine {
            id: e.id,
            equipment_type: e.equipment_type,
            process_id: e.process_id,
            make: e.make,
            model: e.model,
        });
    }
    Ok(rows
        .into_iter()
        .map(|f| {
            let r = records.get(&f.id).copied().unwrap_or_default();
            FacilityProfile {
                id: f.id,
                status: FacilityStatus::parse(&sea_orm::ActiveEnum::to_value(&f.status))
                    .unwrap_or(FacilityStatus::Active),
                position: position(f.lat, f.lon),
                process_ids: processes.remove(&f.id).unwrap_or_default(),
                material_ids: materials.remove(&f.id).unwrap_or_default(),
                equipment: machines.remove(&f.id).unwrap_or_default(),
                certifications: crate::services::string_list(&f.certifications),
                batch_size: f
                    .typical_batch_size
                    .as_ref()
                    .and_then(|b| BatchSize::parse(&sea_orm::ActiveEnum::to_value(b))),
                date_verified: f.date_verified,
                track_record: TrackRecord {
                    completed: r.completed,
                    on_time: r.on_time,
                    prototypes_submitted: r.prototypes_approved + r.prototypes_rejected,
                    prototypes_approved: r.prototypes_approved,
                },
                name: f.name,
            }
        })
        .collect())
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "maker::Entity")]
struct MakerRow {
    id: Uuid,
    first_name: Option<String>,
    last_name: Option<String>,
    preferred_first_name: Option<String>,
    display_name: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    coarse_lat: Option<f64>,
    coarse_lon: Option<f64>,
    share_exact_location: bool,
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "credential::Entity")]
struct CredentialRow {
    id: Uuid,
    maker_id: Uuid,
    achievement_id: Uuid,
    issued_on: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
    revoked: bool,
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "availability::Entity")]
struct AvailabilityRow {
    maker_id: Uuid,
    hours_per_week: f64,
    available_from: Option<NaiveDate>,
    available_to: Option<NaiveDate>,
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "machine_clearance::Entity")]
struct ClearanceRow {
    maker_id: Uuid,
    facility_id: Uuid,
    equipment_id: Uuid,
    expires_on: Option<NaiveDate>,
}

fn distinct(ids: impl IntoIterator<Item = Uuid>) -> Vec<Uuid> {
    ids.into_iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect()
}

/// Profiles of those of the makers `ids` who claim one of the `covering` skills (read
/// with the job, by id), as far as the job can use them: only claims of those skills (no
/// other claim can count), and only links to the candidate `facilities`. Makers claiming
/// none of them cannot join a team and are not loaded.
pub(super) async fn maker_profiles<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    covering: &HashMap<Uuid, &skill::Model>,
    facilities: &[Uuid],
) -> ServiceResult<Vec<MakerProfile>> {
    // Claims first: by the database, which the search index may trail.
    let claims = in_chunks(ids, |c| {
        skill_claim::Entity::find()
            .select_only()
            .columns([
                skill_claim::Column::MakerId,
                skill_claim::Column::SkillId,
                skill_claim::Column::Level,
            ])
            .filter(skill_claim::Column::MakerId.is_in(c))
            .filter(skill_claim::Column::SkillId.is_in(covering.keys().copied()))
            .into_tuple::<(Uuid, Uuid, RowLevel)>()
            .all(db)
    })
    .await?;
    let mut able = distinct(claims.iter().map(|c| c.0));
    able.sort_unstable();
    let ids = able.as_slice();
    // Links are read by maker (an index seek per maker) and kept when they point at a
    // candidate: filtering on both lists in SQL made SQLite seek every pair.
    let candidates: HashSet<Uuid> = facilities.iter().copied().collect();
    // Waves of independent statements, each run at once on the pool's connections.
    let (rows, credentials, affiliation_rows, clearance_rows, availability_rows) = futures::try_join!(
        in_chunks(ids, |c| {
            maker::Entity::find()
                .filter(maker::Column::Id.is_in(c))
                .into_partial_model::<MakerRow>()
                .all(db)
        }),
        in_chunks(ids, |c| {
            credential::Entity::find()
                .filter(credential::Column::MakerId.is_in(c))
                .into_partial_model::<CredentialRow>()
                .all(db)
        }),
        in_chunks(ids, |c| {
            maker_affiliation::Entity::find()
                .select_only()
                .columns([
                    maker_affiliation::Column::MakerId,
                    maker_affiliation::Column::FacilityId,
                ])
                .filter(maker_affiliation::Column::MakerId.is_in(c))
                .into_tuple::<(Uuid, Uuid)>()
                .all(db)
        }),
        in_chunks(ids, |c| {
            machine_clearance::Entity::find()
                .filter(machine_clearance::Column::MakerId.is_in(c))
                .into_partial_model::<ClearanceRow>()
                .all(db)
        }),
        in_chunks(ids, |c| {
            availability::Entity::find()
                .filter(availability::Column::MakerId.is_in(c))
                .into_partial_model::<AvailabilityRow>()
                .all(db)
        }),
    )?;
    let achievement_ids = distinct(credentials.iter().map(|c| c.achievement_id));
    let (achievement_rows, alignment_rows) = futures::try_join!(
        in_chunks(&achievement_ids, |c| {
            achievement::Entity::find()
                .filter(achievement::Column::Id.is_in(c))
                .all(db)
        }),
        in_chunks(&achievement_ids, |c| {
            achievement_alignment::Entity::find()
                .filter(achievement_alignment::Column::AchievementId.is_in(c))
                .all(db)
        }),
    )?;
    let achievements: HashMap<Uuid, achievement::Model> =
        achievement_rows.into_iter().map(|a| (a.id, a)).collect();
    let issuer_ids = distinct(achievements.values().map(|a| a.issuer_id));
    let issuers: HashMap<Uuid, issuer::Model> = in_chunks(&issuer_ids, |c| {
        issuer::Entity::find()
            .filter(issuer::Column::Id.is_in(c))
            .all(db)
    })
    .await?
    .into_iter()
    .map(|i| (i.id, i))
    .collect();
    let mut alignments: HashMap<Uuid, Vec<achievement_alignment::Model>> = HashMap::new();
    for a in alignment_rows {
        alignments.entry(a.achievement_id).or_default().push(a);
    }
    let mut by_maker: HashMap<Uuid, Vec<&CredentialRow>> = HashMap::new();
    for c in &credentials {
        by_maker.entry(c.maker_id).or_default().push(c);
    }
    let mut affiliations: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (maker_id, facility_id) in affiliation_rows
        .into_iter()
        .filter(|(_, f)| candidates.contains(f))
    {
        affiliations.entry(maker_id).or_default().push(facility_id);
    }
    let mut clearances: HashMap<Uuid, Vec<Clearance>> = HashMap::new();
    for c in clearance_rows
        .into_iter()
        .filter(|c| candidates.contains(&c.facility_id))
    {
        clearances.entry(c.maker_id).or_default().push(Clearance {
            facility_id: c.facility_id,
            equipment_id: Some(c.equipment_id),
            expires_on: c.expires_on,
        });
    }
    let mut hours: HashMap<Uuid, Availability> = HashMap::new();
    for a in availability_rows {
        hours.entry(a.maker_id).or_insert(Availability {
            hours_per_week: a.hours_per_week,
            from: a.available_from,
            to: a.available_to,
        });
    }
    // The credentials that back a claim: their achievement aligns to its skill or process.
    let backing = |maker_id: Uuid, s: &skill::Model| -> Vec<CredentialEvidence> {
        by_maker
            .get(&maker_id)
            .into_iter()
            .flatten()
            .filter(|c| {
                alignments
                    .get(&c.achievement_id)
                    .into_iter()
                    .flatten()
                    .any(|a| {
                        a.skill_id == Some(s.id)
                            || (a.process_id.is_some() && a.process_id == s.process_id)
                    })
            })
            .filter_map(|c| {
                let a = achievements.get(&c.achievement_id)?;
                let i = issuers.get(&a.issuer_id)?;
                Some(CredentialEvidence {
                    id: c.id,
                    achievement: a.name.clone(),
                    issuer: i.name.clone(),
                    issuer_trusted: i.trusted,
                    issued_on: c.issued_on,
                    expires: c.expires,
                    revoked: c.revoked,
                })
            })
            .collect()
    };
    let mut claims_of: HashMap<Uuid, Vec<SkillClaim>> = HashMap::new();
    for (maker_id, skill_id, claimed) in claims {
        if let Some(s) = covering.get(&skill_id) {
            claims_of.entry(maker_id).or_default().push(SkillClaim {
                label: s.label.clone(),
                key: s.key.clone(),
                process_id: s.process_id.clone(),
                level: level(claimed),
                credentials: backing(maker_id, s),
            });
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| MakerProfile {
            id: m.id,
            display_name: maker::shown_name(
                m.preferred_first_name.as_deref(),
                m.first_name.as_deref(),
                m.last_name.as_deref(),
                m.display_name.as_deref(),
            ),
            // The home only with the maker's consent (as in the index), else public.
            position: if m.share_exact_location {
                position(m.lat, m.lon).or(position(m.coarse_lat, m.coarse_lon))
            } else {
                position(m.coarse_lat, m.coarse_lon)
            },
            affiliations: affiliations.remove(&m.id).unwrap_or_default(),
            clearances: clearances.remove(&m.id).unwrap_or_default(),
            skills: claims_of.remove(&m.id).unwrap_or_default(),
            availability: hours.remove(&m.id),
        })
        .collect())
}
