//! Generated makers: people in the same cities as the facilities, with skills of the
//! trades around them, some affiliated, some cleared on machines, some credentialed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_entities::{
    achievement, achievement_alignment, credential, issuer, machine_clearance, maker,
};
use makermatch_search::skills::skill_key;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::catalog::{ARCHETYPES, GENERAL_SKILLS, ISSUERS};
use super::facilities::Site;
use super::places::COUNTRIES;
use super::{DEMO_SOURCE, DemoRng, DemoSize, DemoSummary, reference_date};
use crate::db::begin_write;
use crate::error::AppError;
use crate::services::bulk::insert_models;
use crate::services::makers::{
    AffiliationInput, AvailabilityInput, ExperienceInput, MakerChildren, MakerInput,
    SkillClaimInput, ensure_skills,
};
use crate::services::outbox;

const BATCH: usize = 5_000;

/// An achievement a maker can earn: its id and the skill key it aligns to.
struct Badge {
    achievement_id: Uuid,
    skill_key: String,
}

/// Issuers and achievements of the catalogue, written once per run.
async fn write_issuers(
    db: &DatabaseConnection,
    rng: &mut DemoRng,
    seed: u64,
    skill_ids: &HashMap<String, Uuid>,
    summary: &mut DemoSummary,
) -> Result<Vec<Badge>, AppError> {
    let now = reference_date();
    let mut issuers = Vec::new();
    let mut achievements = Vec::new();
    let mut alignments = Vec::new();
    let mut badges = Vec::new();
    for (i, spec) in ISSUERS.iter().enumerate() {
        let (name, url, trusted, awards) = (spec.name, spec.url, spec.trusted, spec.awards);
        let issuer_id = rng.uuid();
        issuers.push(issuer::Model {
            id: issuer_id,
            name: name.to_owned(),
            url: Some(url.to_owned()),
            email: None,
            description: Some("Generated for the makermatch demo.".to_owned()),
            trusted,
            public_key: None,
            source: DEMO_SOURCE.to_owned(),
            source_id: Some(format!("s{seed}-i{i}")),
            source_hash: None,
            date_created: now,
        });
        for (j, (award, skill)) in awards.iter().enumerate() {
            let achievement_id = rng.uuid();
            let key = skill_key(skill);
            achievements.push(achievement::Model {
                id: achievement_id,
                issuer_id,
                name: (*award).to_owned(),
                description: Some(format!(
                    "Holder has shown competence in {}.",
                    skill.to_lowercase()
                )),
                criteria: Some("Practical assessment and a written test.".to_owned()),
                image: None,
                source: DEMO_SOURCE.to_owned(),
                source_id: Some(format!("s{seed}-a{i}-{j}")),
                source_hash: None,
                date_created: now,
            });
            alignments.push(achievement_alignment::Model {
                id: rng.uuid(),
                achievement_id,
                skill_id: skill_ids.get(&key).copied(),
                process_id: None,
                target_name: (*skill).to_owned(),
                target_url: None,
            });
            badges.push(Badge {
                achievement_id,
                skill_key: key,
            });
        }
    }
    summary.issuers = issuers.len() as u64;
    let tx = begin_write(db).await?;
    insert_models::<issuer::Entity, _>(&tx, issuers, 11).await?;
    insert_models::<achievement::Entity, _>(&tx, achievements, 10).await?;
    insert_models::<achievement_alignment::Entity, _>(&tx, alignments, 6).await?;
    tx.commit().await?;
    Ok(badges)
}

pub async fn generate(
    db: &DatabaseConnection,
    rng: &mut DemoRng,
    size: DemoSize,
    sites: &[Site],
    bar: &indicatif::ProgressBar,
    summary: &mut DemoSummary,
) -> Result<(), AppError> {
    let tx = begin_write(db).await?;
    let all_skills = ARCHETYPES
        .iter()
        .flat_map(|a| a.skills.iter())
        .chain(GENERAL_SKILLS.iter())
        .map(|(label, process)| ((*label).to_owned(), process.map(str::to_owned)));
    let skill_ids = ensure_skills(&tx, all_skills).await?;
    tx.commit().await?;
    let badges = write_issuers(db, rng, size.seed, &skill_ids, summary).await?;
    let badge_for: HashMap<&str, &Badge> =
        badges.iter().map(|b| (b.skill_key.as_str(), b)).collect();

    // Facilities by city, to affiliate makers with a space near home.
    let mut by_city: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, s) in sites.iter().enumerate() {
        by_city.entry((s.country, s.city)).or_default().push(i);
    }

    let mut privacy = DemoRng::new(size.seed ^ 0x9e37_79b9_7f4a_7c15);
    let total = size.makers as usize;
    let mut next = 0usize;
    while next < total {
        let end = (next + BATCH).min(total);
        let mut rows: Vec<maker::Model> = Vec::with_capacity(end - next);
        let mut children = MakerChildren::default();
        let mut credentials = Vec::new();
        let mut clearances = Vec::new();
        let mut changes = Vec::with_capacity(end - next);
        for i in next..end {
            let id = rng.uuid();
            let created = rng.days_before(reference_date(), 3 * 365);
            let (input, home) = one(rng, size.seed, i, sites, &by_city);
            let mut row = input
                .to_row(id, created)
                .map_err(|e| AppError::InvalidInput(format!("demo maker {i}: {e}")))?;
            // Public positions from a seeded generator of their own, so a seed gives the
            // same data and the other draws stay what they were.
            if let (Some(lat), Some(lon)) = (row.lat, row.lon) {
                let (clat, clon) = privacy.displace(lat, lon);
                row.coarse_lat = Some(clat);
                row.coarse_lon = Some(clon);
            }
            let mut draw_id = || rng.uuid();
            let these = input.child_rows(id, created, &skill_ids, &mut draw_id);
            for claim in &these.claims {
                let key = skill_ids
                    .iter()
                    .find(|(_, v)| **v == claim.skill_id)
                    .map(|(k, _)| k.as_str());
                if let Some(badge) = key.and_then(|k| badge_for.get(k))
                    && rng.chance(0.35)
                {
                    credentials.push(credential_for(
                        rng,
                        size.seed,
                        credentials.len(),
                        id,
                        badge,
                        created,
                    ));
                }
            }
            if let Some(site) = home.map(|h| &sites[h]) {
                let skill_processes: Vec<Option<String>> = input
                    .skills
                    .iter()
                    .map(|s| skill_process(&s.skill))
                    .collect();
                for (equipment_id, process) in &site.machines {
                    let relevant = process.is_some() && skill_processes.contains(process);
                    if (relevant && rng.chance(0.8)) || rng.chance(0.05) {
                        clearances.push(machine_clearance::Model {
                            id: rng.uuid(),
                            maker_id: id,
                            equipment_id: *equipment_id,
                            facility_id: site.id,
                            granted_by: "demo: workshop manager".to_owned(),
                            granted_on: rng.days_before(reference_date(), 700).date_naive(),
                            expires_on: None,
                        });
                    }
                }
            }
            summary.skill_claims += these.claims.len() as u64;
            children.append(these);
            rows.push(row);
            changes.push((IndexedKind::Maker, id, OutboxOp::Upsert));
        }
        summary.credentials += credentials.len() as u64;
        summary.clearances += clearances.len() as u64;
        let tx = begin_write(db).await?;
        insert_models::<maker::Entity, _>(&tx, rows, 27).await?;
        children.insert(&tx).await?;
        insert_models::<credential::Entity, _>(&tx, credentials, 10).await?;
        insert_models::<machine_clearance::Entity, _>(&tx, clearances, 7).await?;
        outbox::record_many(&tx, changes).await?;
        tx.commit().await?;
        summary.makers += (end - next) as u64;
        bar.inc((end - next) as u64);
        next = end;
    }
    Ok(())
}

fn skill_process(label: &str) -> Option<String> {
    ARCHETYPES
        .iter()
        .flat_map(|a| a.skills.iter())
        .find(|(l, _)| *l == label)
        .and_then(|(_, p)| p.map(str::to_owned))
}

fn credential_for(
    rng: &mut DemoRng,
    seed: u64,
    n: usize,
    maker_id: Uuid,
    badge: &Badge,
    created: DateTime<Utc>,
) -> credential::Model {
    let issued_on = rng.days_before(created, 900);
    // Some expired, a few revoked: the demo shows what "verified" leaves out.
    let expires = rng
        .chance(0.5)
        .then(|| issued_on + chrono::Duration::days(i64::from(rng.between(365, 1460))));
    let revoked = rng.chance(0.04);
    credential::Model {
        id: rng.uuid(),
        maker_id,
        achievement_id: badge.achievement_id,
        issued_on,
        expires,
        evidence_url: None,
        revoked,
        revocation_reason: revoked.then(|| "Issued in error (demo)".to_owned()),
        source: DEMO_SOURCE.to_owned(),
        source_id: Some(format!("s{seed}-c{maker_id}-{n}")),
        source_hash: None,
    }
}

/// One maker, and the index of the facility they are affiliated with, if any.
fn one(
    rng: &mut DemoRng,
    seed: u64,
    i: usize,
    sites: &[Site],
    by_city: &HashMap<(&str, &str), Vec<usize>>,
) -> (MakerInput, Option<usize>) {
    let country = &COUNTRIES[rng.weighted(COUNTRIES.iter().map(|c| c.weight))];
    let city = rng.pick(country.cities);
    let (lat, lon) = rng.near(city.lat, city.lon, 15.0);
    let home = by_city
        .get(&(country.code, city.name))
        .filter(|_| rng.chance(0.55))
        .map(|candidates| *rng.pick(candidates));
    let archetype = match home {
        Some(h) => sites[h].archetype,
        None => &ARCHETYPES[rng.weighted(ARCHETYPES.iter().map(|a| a.weight))],
    };
    let n_skills = rng.between(1, 4) as usize;
    let mut skills: Vec<SkillClaimInput> = Vec::with_capacity(n_skills + 1);
    for _ in 0..n_skills {
        let (label, _) = rng.pick(archetype.skills);
        if skills.iter().any(|s| s.skill == *label) {
            continue;
        }
        skills.push(SkillClaimInput {
            skill: (*label).to_owned(),
            process_id: None,
            level: [
                SkillLevel::Novice,
                SkillLevel::Intermediate,
                SkillLevel::Advanced,
                SkillLevel::Expert,
            ][rng.weighted([20, 40, 28, 12].into_iter())],
            years: Some(f64::from(rng.between(0, 20))),
            evidence_url: None,
        });
    }
    if rng.chance(0.3) {
        let (label, _) = rng.pick(GENERAL_SKILLS);
        skills.push(SkillClaimInput {
            skill: (*label).to_owned(),
            process_id: None,
            level: SkillLevel::Intermediate,
            years: None,
            evidence_url: None,
        });
    }
    let given = *rng.pick(country.given_names);
    let family = *rng.pick(country.family_names);
    let reference = reference_date();
    let experiences = match home {
        Some(h) if rng.chance(0.8) => vec![ExperienceInput {
            title: (*rng.pick(archetype.job_titles)).to_owned(),
            organisation: None,
            facility_id: Some(sites[h].id),
            date_from: Some(
                (reference - chrono::Duration::days(i64::from(rng.between(90, 3000)))).date_naive(),
            ),
            date_to: None,
            description: None,
            processes: archetype
                .skills
                .iter()
                .filter_map(|(_, p)| p.map(str::to_owned))
                .take(2)
                .collect(),
        }],
        _ if rng.chance(0.4) => vec![ExperienceInput {
            title: (*rng.pick(archetype.job_titles)).to_owned(),
            organisation: Some(format!("{} Works (demo)", city.name)),
            facility_id: None,
            date_from: Some(
                (reference - chrono::Duration::days(i64::from(rng.between(400, 5000))))
                    .date_naive(),
            ),
            date_to: Some(
                (reference - chrono::Duration::days(i64::from(rng.between(0, 399)))).date_naive(),
            ),
            description: None,
            processes: Vec::new(),
        }],
        _ => Vec::new(),
    };
    let languages = country
        .languages
        .iter()
        .take(rng.between(1, country.languages.len() as u32) as usize)
        .map(|l| (*l).to_owned())
        .collect();
    let input = MakerInput {
        first_name: Some(given.to_owned()),
        last_name: Some(family.to_owned()),
        middle_name: None,
        preferred_first_name: None,
        display_name: None,
        bio: Some(format!(
            "{} from {}. {}",
            archetype.job_titles.first().copied().unwrap_or("Maker"),
            city.name,
            skills
                .iter()
                .map(|s| s.skill.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        languages,
        country: Some(country.code.to_owned()),
        city: Some(city.name.to_owned()),
        lat: Some(lat),
        lon: Some(lon),
        nationality: Some(country.code.to_owned()),
        residence_country: Some(country.code.to_owned()),
        date_of_birth: Some(
            (reference - chrono::Duration::days(i64::from(rng.between(18 * 365, 65 * 365))))
                .date_naive(),
        ),
        email: Some(format!(
            "{}.{}.{}@example.org",
            ascii_slug(given),
            ascii_slug(family),
            i
        )),
        phone: None,
        public_profile: rng.chance(0.9),
        share_exact_location: rng.chance(0.15),
        skills,
        experiences,
        availability: vec![AvailabilityInput {
            hours_per_week: f64::from(rng.between(4, 40)),
            available_from: Some(reference.date_naive()),
            available_to: None,
        }],
        affiliations: home
            .map(|h| AffiliationInput {
                facility_id: sites[h].id,
                role: (*rng.pick(&["member", "member", "staff", "volunteer"])).to_owned(),
            })
            .into_iter()
            .collect(),
        source: Some(DEMO_SOURCE.to_owned()),
        source_id: Some(format!("s{seed}-m{i}")),
    };
    (input, home)
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => Some(c.to_ascii_lowercase()),
            'ä' | 'à' | 'á' => Some('a'),
            'é' | 'è' => Some('e'),
            'í' | 'ï' => Some('i'),
            'ö' | 'ó' | 'ø' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'ñ' => Some('n'),
            _ => None,
        })
        .collect()
}
