//! `matchJob` over stored data (DESIGN §6): the search engine narrows the candidates
//! (facilities within the job's reach, makers with its skills near the delivery point),
//! the database fills their profiles in a fixed number of `IN (…)` queries, and the
//! search crate's matcher ranks the teams.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use makermatch_entities::job_requirement::RequirementKind as RowKind;
use makermatch_entities::skill_claim::SkillLevel as RowLevel;
use makermatch_entities::{
    achievement, achievement_alignment, availability, credential, equipment, facility,
    facility_material, facility_process, issuer, job, job_requirement, machine_clearance, maker,
    maker_affiliation, skill, skill_claim,
};
use makermatch_search::matching::{
    Availability, BatchSize, Clearance, CredentialEvidence, FacilityProfile, FacilityStatus,
    JobSpec, Machine, MakerProfile, Requirement, SkillClaim, TrackRecord,
};
use makermatch_search::matching::{SkillTarget, shortlist_request, skill_targets, upper_bound};
use makermatch_search::{
    ExactPositions, Filters, Kind, LatLon, MatchInput, MatchOptions, PositionAccess,
    RequirementKind, SearchEngine, SearchRequest, SkillFilter, SkillLevel, Taxonomy, TeamMatch,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::assignments::track_records;
use super::{ServiceError, ServiceResult};

/// Facilities scored in full for one job: the engine's best by capability and distance.
const SHORTLIST: usize = 100;
/// Facilities whose text relevance to the job's description is asked of the engine.
const MAX_RELEVANT: usize = 2_000;
/// Makers found by skill within reach of a facility, per skill requirement: the nearest.
const MAX_NEARBY_PER_SKILL: usize = 12;
/// Facilities whose makers are loaded at a time (see `match_job`).
const BATCH: usize = 20;
/// Ids per `IN (…)` list.
const CHUNK: usize = 1_000;

fn kind(k: RowKind) -> RequirementKind {
    match k {
        RowKind::Process => RequirementKind::Process,
        RowKind::Skill => RequirementKind::Skill,
        RowKind::Equipment => RequirementKind::Equipment,
        RowKind::Material => RequirementKind::Material,
        RowKind::Certification => RequirementKind::Certification,
    }
}

fn level(l: RowLevel) -> SkillLevel {
    match l {
        RowLevel::Novice => SkillLevel::Novice,
        RowLevel::Intermediate => SkillLevel::Intermediate,
        RowLevel::Advanced => SkillLevel::Advanced,
        RowLevel::Expert => SkillLevel::Expert,
    }
}

fn position(lat: Option<f64>, lon: Option<f64>) -> Option<LatLon> {
    lat.zip(lon)
        .and_then(|(lat, lon)| LatLon::new(lat, lon).ok())
}

fn search_error(e: makermatch_search::SearchError) -> ServiceError {
    ServiceError::Conflict(format!("the search index could not answer: {e}"))
}

async fn in_chunks<C, T, F>(db: &C, ids: &[Uuid], query: F) -> ServiceResult<Vec<T::Model>>
where
    C: ConnectionTrait,
    T: EntityTrait,
    F: Fn(Vec<Uuid>) -> sea_orm::Select<T>,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(query(chunk.to_vec()).all(db).await?);
    }
    Ok(out)
}

/// The job as the matcher sees it.
pub async fn job_spec<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
) -> ServiceResult<(job::Model, JobSpec)> {
    let row = job::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "job",
            id: job_id.to_string(),
        })?;
    let requirements = job_requirement::Entity::find()
        .filter(job_requirement::Column::JobId.eq(job_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| Requirement {
            kind: kind(r.kind),
            term: r.term,
            required: r.required,
            min_level: r.min_level.map(level),
        })
        .collect();
    let spec = JobSpec {
        id: row.id,
        quantity: u32::try_from(row.quantity.max(0)).unwrap_or(0),
        requirements,
        delivery: position(row.delivery_lat, row.delivery_lon),
        max_distance_km: row.max_distance_km,
        deadline: row.deadline,
    };
    Ok((row, spec))
}

/// Candidate facility ids: the engine's shortlist of the facilities the job's hard rules
/// allow, best first by the capabilities the job wants and by distance.
fn candidate_facilities(
    engine: &SearchEngine,
    taxonomy: &Taxonomy,
    spec: &JobSpec,
    options: &MatchOptions,
) -> ServiceResult<Vec<Uuid>> {
    let request = shortlist_request(taxonomy, spec, options, SHORTLIST);
    Ok(engine
        .rank_facilities(&request)
        .map_err(search_error)?
        .into_iter()
        .map(|f| f.id)
        .collect())
}

/// How well each candidate's text matches the job's description, in [0, 1].
fn relevance(
    engine: &SearchEngine,
    row: &job::Model,
    spec: &JobSpec,
    candidates: &[Uuid],
) -> ServiceResult<HashMap<Uuid, f64>> {
    let Some(text) = row.description.as_ref().filter(|d| !d.trim().is_empty()) else {
        return Ok(HashMap::new());
    };
    let mut request = SearchRequest::new(Kind::Facility)
        .text(text.clone())
        .page(0, MAX_RELEVANT);
    if let (Some(at), Some(km)) = (spec.delivery, spec.max_distance_km) {
        request = request.near(at, km.max(0.001));
    }
    let hits = engine.search(&request).map_err(search_error)?.hits;
    let wanted: HashSet<&Uuid> = candidates.iter().collect();
    let best = hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    if best <= 0.0 {
        return Ok(HashMap::new());
    }
    Ok(hits
        .into_iter()
        .filter(|h| wanted.contains(&h.id))
        .map(|h| (h.id, f64::from(h.score / best)))
        .collect())
}

async fn facility_profiles<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> ServiceResult<Vec<FacilityProfile>> {
    // Independent statements, run at once on the pool's connections.
    let (rows, process_links, material_links, equipment_rows, records) = futures::try_join!(
        in_chunks(db, ids, |c| {
            facility::Entity::find().filter(facility::Column::Id.is_in(c))
        }),
        in_chunks(db, ids, |c| {
            facility_process::Entity::find().filter(facility_process::Column::FacilityId.is_in(c))
        }),
        in_chunks(db, ids, |c| {
            facility_material::Entity::find().filter(facility_material::Column::FacilityId.is_in(c))
        }),
        in_chunks(db, ids, |c| {
            equipment::Entity::find().filter(equipment::Column::FacilityId.is_in(c))
        }),
        track_records(db, ids),
    )?;
    let mut processes: HashMap<Uuid, Vec<String>> = HashMap::new();
    for l in process_links {
        processes
            .entry(l.facility_id)
            .or_default()
            .push(l.process_id);
    }
    let mut materials: HashMap<Uuid, Vec<String>> = HashMap::new();
    for l in material_links {
        materials
            .entry(l.facility_id)
            .or_default()
            .push(l.material_id);
    }
    let mut machines: HashMap<Uuid, Vec<Machine>> = HashMap::new();
    for e in equipment_rows {
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
                name: f.name.clone(),
                status: FacilityStatus::parse(&sea_orm::ActiveEnum::to_value(&f.status))
                    .unwrap_or(FacilityStatus::Active),
                position: position(f.lat, f.lon),
                process_ids: processes.remove(&f.id).unwrap_or_default(),
                material_ids: materials.remove(&f.id).unwrap_or_default(),
                equipment: machines.remove(&f.id).unwrap_or_default(),
                certifications: super::string_list(&f.certifications),
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
            }
        })
        .collect())
}

/// The skills able to cover each of the job's skill requirements (`SkillTarget::covered_by`
/// decides, as in scoring): a maker can join a team only through a claim of one of them.
async fn covering_skills<C: ConnectionTrait>(
    db: &C,
    taxonomy: &Taxonomy,
    targets: &[SkillTarget],
) -> ServiceResult<Vec<Vec<skill::Model>>> {
    let keys: Vec<String> = targets.iter().map(|t| t.key.clone()).collect();
    let processes: Vec<String> = targets
        .iter()
        .flat_map(|t| t.covering_processes(taxonomy))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let rows = skill::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(skill::Column::Key.is_in(keys))
                .add(skill::Column::ProcessId.is_in(processes)),
        )
        .all(db)
        .await?;
    Ok(targets
        .iter()
        .map(|t| {
            rows.iter()
                .filter(|s| t.covered_by(taxonomy, &s.key, s.process_id.as_deref()))
                .cloned()
                .collect()
        })
        .collect())
}

/// Makers who may belong to the teams of `batch`: affiliated with or cleared at one of
/// its facilities, or holding a covering skill within reach of one (the nearest
/// `MAX_NEARBY_PER_SKILL` per facility and requirement, found by the engine).
async fn makers_around<C: ConnectionTrait>(
    db: &C,
    engine: &SearchEngine,
    batch: &[&FacilityProfile],
    covering: &[Vec<skill::Model>],
    options: &MatchOptions,
) -> ServiceResult<HashSet<Uuid>> {
    let ids: Vec<Uuid> = batch.iter().map(|f| f.id).collect();
    let (affiliated, cleared): (Vec<Uuid>, Vec<Uuid>) = futures::try_join!(
        maker_affiliation::Entity::find()
            .select_only()
            .column(maker_affiliation::Column::MakerId)
            .filter(maker_affiliation::Column::FacilityId.is_in(ids.iter().copied()))
            .into_tuple::<Uuid>()
            .all(db),
        machine_clearance::Entity::find()
            .select_only()
            .column(machine_clearance::Column::MakerId)
            .filter(machine_clearance::Column::FacilityId.is_in(ids.iter().copied()))
            .into_tuple::<Uuid>()
            .all(db),
    )?;
    let mut found: HashSet<Uuid> = affiliated.into_iter().chain(cleared).collect();
    for skills in covering.iter().filter(|s| !s.is_empty()) {
        let mut keys: Vec<&str> = skills.iter().map(|s| s.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let filters = Filters {
            skill_alternatives: vec![
                keys.iter()
                    .map(|k| SkillFilter {
                        key: (*k).to_string(),
                        min_level: None,
                        verified: false,
                    })
                    .collect(),
            ],
            ..Filters::default()
        };
        for at in batch.iter().filter_map(|f| f.position) {
            let request = SearchRequest::new(Kind::Maker)
                .filters(filters.clone())
                .near(at, options.maker_reach_km)
                .positions(PositionAccess::exact(ExactPositions::granted_by(
                    "matchJob",
                )))
                .page(0, MAX_NEARBY_PER_SKILL);
            found.extend(
                engine
                    .search(&request)
                    .map_err(search_error)?
                    .hits
                    .into_iter()
                    .map(|h| h.id),
            );
        }
    }
    Ok(found)
}

/// Of `ids`, those holding one of `skills` (by the database, which the index may trail).
async fn holders<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    skills: &[Uuid],
) -> ServiceResult<Vec<Uuid>> {
    let mut able: HashSet<Uuid> = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        for skills in skills.chunks(CHUNK) {
            let found: Vec<Uuid> = skill_claim::Entity::find()
                .select_only()
                .column(skill_claim::Column::MakerId)
                .filter(skill_claim::Column::MakerId.is_in(chunk.iter().copied()))
                .filter(skill_claim::Column::SkillId.is_in(skills.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            able.extend(found);
        }
    }
    let mut able: Vec<Uuid> = able.into_iter().collect();
    able.sort();
    Ok(able)
}

/// Profiles of the makers `ids`, as far as the job can use them: only claims of the
/// `covering` skills (no other claim can count), and only links to the candidate
/// facilities.
async fn maker_profiles<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    covering: &[Uuid],
    facilities: &[Uuid],
) -> ServiceResult<Vec<MakerProfile>> {
    // Three waves of independent statements, each run at once on the pool's connections.
    let (rows, claims, credentials, affiliation_rows, clearance_rows, availability_rows) = futures::try_join!(
        in_chunks(db, ids, |c| {
            maker::Entity::find().filter(maker::Column::Id.is_in(c))
        }),
        in_chunks(db, ids, |c| {
            skill_claim::Entity::find()
                .filter(skill_claim::Column::MakerId.is_in(c))
                .filter(skill_claim::Column::SkillId.is_in(covering.iter().copied()))
        }),
        in_chunks(db, ids, |c| {
            credential::Entity::find().filter(credential::Column::MakerId.is_in(c))
        }),
        in_chunks(db, ids, |c| {
            maker_affiliation::Entity::find().filter(maker_affiliation::Column::MakerId.is_in(c))
        }),
        in_chunks(db, ids, |c| {
            machine_clearance::Entity::find().filter(machine_clearance::Column::MakerId.is_in(c))
        }),
        in_chunks(db, ids, |c| {
            availability::Entity::find().filter(availability::Column::MakerId.is_in(c))
        }),
    )?;
    let distinct = |ids: Vec<Uuid>| -> Vec<Uuid> {
        ids.into_iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect()
    };
    let skill_ids = distinct(claims.iter().map(|c| c.skill_id).collect());
    let achievement_ids = distinct(credentials.iter().map(|c| c.achievement_id).collect());
    let (skill_rows, achievement_rows, alignment_rows) = futures::try_join!(
        in_chunks(db, &skill_ids, |c| {
            skill::Entity::find().filter(skill::Column::Id.is_in(c))
        }),
        in_chunks(db, &achievement_ids, |c| {
            achievement::Entity::find().filter(achievement::Column::Id.is_in(c))
        }),
        in_chunks(db, &achievement_ids, |c| {
            achievement_alignment::Entity::find()
                .filter(achievement_alignment::Column::AchievementId.is_in(c))
        }),
    )?;
    let skills: HashMap<Uuid, skill::Model> = skill_rows.into_iter().map(|s| (s.id, s)).collect();
    let achievements: HashMap<Uuid, achievement::Model> =
        achievement_rows.into_iter().map(|a| (a.id, a)).collect();
    let issuer_ids = distinct(achievements.values().map(|a| a.issuer_id).collect());
    let issuers: HashMap<Uuid, issuer::Model> = in_chunks(db, &issuer_ids, |c| {
        issuer::Entity::find().filter(issuer::Column::Id.is_in(c))
    })
    .await?
    .into_iter()
    .map(|i| (i.id, i))
    .collect();
    let mut alignments: HashMap<Uuid, Vec<achievement_alignment::Model>> = HashMap::new();
    for a in alignment_rows {
        alignments.entry(a.achievement_id).or_default().push(a);
    }
    let mut by_maker: HashMap<Uuid, Vec<&credential::Model>> = HashMap::new();
    for c in &credentials {
        by_maker.entry(c.maker_id).or_default().push(c);
    }
    let candidates: HashSet<Uuid> = facilities.iter().copied().collect();
    let mut affiliations: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for a in affiliation_rows
        .into_iter()
        .filter(|a| candidates.contains(&a.facility_id))
    {
        affiliations
            .entry(a.maker_id)
            .or_default()
            .push(a.facility_id);
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
    for c in claims {
        if let Some(s) = skills.get(&c.skill_id) {
            claims_of.entry(c.maker_id).or_default().push(SkillClaim {
                label: s.label.clone(),
                key: s.key.clone(),
                process_id: s.process_id.clone(),
                level: level(c.level),
                credentials: backing(c.maker_id, s),
            });
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| {
            MakerProfile {
                id: m.id,
                display_name: m.shown_name(),
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
            }
        })
        .collect())
}

/// Ranked teams for a job, best first.
///
/// 1. The engine shortlists `SHORTLIST` facilities by capability and distance; their
///    profiles are loaded.
/// 2. Each is scored without makers, which bounds the score any team of it can reach
///    (`matching::upper_bound`).
/// 3. Makers are loaded for the facilities with the highest bounds, a batch at a time,
///    and the teams rescored, until the `limit`-th team scores at least the highest
///    bound left. The result is the ranking of all shortlisted teams, having loaded the
///    makers of only the few facilities that can still compete.
pub async fn match_job<C: ConnectionTrait>(
    db: &C,
    engine: &SearchEngine,
    taxonomy: &Taxonomy,
    job_id: Uuid,
    options: &MatchOptions,
) -> ServiceResult<(job::Model, Vec<TeamMatch>)> {
    let started = std::time::Instant::now();
    let (row, spec) = job_spec(db, job_id).await?;
    let facility_ids = candidate_facilities(engine, taxonomy, &spec, options)?;
    let ranked = started.elapsed();
    let relevance = relevance(engine, &row, &spec, &facility_ids)?;
    let relevance = (!relevance.is_empty()).then_some(&relevance);
    let facilities = facility_profiles(db, &facility_ids).await?;
    let shortlisted = started.elapsed();
    let now = Utc::now();
    let score =
        |facilities: &[FacilityProfile], makers: &[MakerProfile], options: &MatchOptions| {
            let input = MatchInput {
                job: &spec,
                facilities,
                makers,
                relevance,
                now,
            };
            makermatch_search::match_job(taxonomy, &input, options)
                .map_err(|e| ServiceError::invalid("options", e.to_string()))
        };
    let targets = skill_targets(taxonomy, &spec.requirements);
    let covering = if targets.is_empty() {
        Vec::new()
    } else {
        covering_skills(db, taxonomy, &targets).await?
    };
    if covering.iter().all(Vec::is_empty) {
        // No skill asked, or none anyone could hold: makers cannot change a score.
        return Ok((row, score(&facilities, &[], options)?));
    }
    let skills: Vec<Uuid> = covering
        .iter()
        .flatten()
        .map(|s| s.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();

    // Bounds from the facility alone; no facility is dropped by a rule about makers here.
    let loose = MatchOptions {
        require_all: false,
        min_score: 0.0,
        limit: None,
        ..options.clone()
    };
    let mut order: Vec<(f64, Uuid)> = score(&facilities, &[], &loose)?
        .iter()
        .map(|t| (upper_bound(t, options), t.facility_id))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let by_id: HashMap<Uuid, &FacilityProfile> = facilities.iter().map(|f| (f.id, f)).collect();
    let unlimited = MatchOptions {
        limit: None,
        ..options.clone()
    };
    let wanted = options.limit.unwrap_or(usize::MAX);
    let mut scored: Vec<FacilityProfile> = Vec::new();
    let mut makers: Vec<MakerProfile> = Vec::new();
    let mut seen: HashSet<Uuid> = HashSet::new();
    let mut teams: Vec<TeamMatch> = Vec::new();
    let mut batches = 0;
    for batch in order.chunks(BATCH) {
        let best_left = batch.first().map_or(0.0, |b| b.0);
        // Strictly better: an unscored facility reaching the bound would win a tie by id.
        if teams.len() >= wanted && teams[wanted - 1].score > best_left {
            break;
        }
        batches += 1;
        let batch: Vec<&FacilityProfile> = batch
            .iter()
            .filter_map(|(_, id)| by_id.get(id).copied())
            .collect();
        let new: Vec<Uuid> = makers_around(db, engine, &batch, &covering, options)
            .await?
            .into_iter()
            .filter(|id| seen.insert(*id))
            .collect();
        let able = holders(db, &new, &skills).await?;
        makers.extend(maker_profiles(db, &able, &skills, &facility_ids).await?);
        scored.extend(batch.into_iter().cloned());
        teams = score(&scored, &makers, &unlimited)?;
    }
    teams.truncate(wanted);
    tracing::debug!(
        job = %job_id,
        shortlist = facilities.len(),
        batches,
        makers = makers.len(),
        rank_ms = ranked.as_secs_f64() * 1e3,
        shortlist_ms = shortlisted.as_secs_f64() * 1e3,
        total_ms = started.elapsed().as_secs_f64() * 1e3,
        "matchJob"
    );
    Ok((row, teams))
}
