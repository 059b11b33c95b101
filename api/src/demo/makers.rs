//! Generated makers: people in the same cities as the facilities, with skills of the
//! trades around them, some affiliated, some cleared on machines, some credentialed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_search::skills::skill_key;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::catalog::{ARCHETYPES, GENERAL_SKILLS, ISSUERS};
use super::facilities::Site;
use super::places::COUNTRIES;
use super::{DEMO_SOURCE, DemoRng, DemoSize, DemoSummary, all_accepted, reference_date};
use crate::db::begin_write;
use crate::error::AppError;
use crate::services::batch::BatchItem;
use crate::services::credentials::verification::{Outcome, Status};
use crate::services::credentials::{
    self, AchievementFromSource, AchievementInput, AlignmentInput, CredentialFromSource,
    CredentialInput, IssuerFromSource, IssuerInput,
};
use crate::services::makers::{
    self, AffiliationInput, AvailabilityInput, ClearanceInput, ExperienceInput, MakerInput,
    MakerWrite, SkillClaimInput, ensure_skills,
};

const BATCH: usize = 5_000;

/// An achievement a maker can earn: its id and the skill key it aligns to.
struct Badge {
    achievement_id: Uuid,
    skill_key: String,
    /// The issuer's identifier when an admin trusts it, which is what makes its demo
    /// credentials stand for verified ones.
    trusted_issuer: Option<String>,
}

/// Issuers and achievements of the catalogue, written once per run.
async fn write_issuers(
    db: &DatabaseConnection,
    rng: &mut DemoRng,
    seed: u64,
    summary: &mut DemoSummary,
) -> Result<Vec<Badge>, AppError> {
    let now = reference_date();
    let mut issuers = Vec::new();
    let mut achievements = Vec::new();
    let mut badges = Vec::new();
    for (i, spec) in ISSUERS.iter().enumerate() {
        let (name, url, trusted, awards) = (spec.name, spec.url, spec.trusted, spec.awards);
        let issuer_id = rng.uuid();
        // Per seed, so demos of several seeds share a database.
        let identifier = format!("{url}/demo/s{seed}");
        let issuer = IssuerFromSource {
            issuer: IssuerInput {
                name: name.to_owned(),
                url: Some(url.to_owned()),
                email: None,
                description: Some("Generated for the makermatch demo.".to_owned()),
                trusted,
                public_key: None,
                identifier: Some(identifier.clone()),
            },
            source: DEMO_SOURCE.to_owned(),
            source_id: format!("s{seed}-i{i}"),
        };
        issuers.push(BatchItem::insert(issuer_id, issuer).written_at(now));
        for (j, (award, skill)) in awards.iter().enumerate() {
            let achievement_id = rng.uuid();
            let key = skill_key(skill);
            let achievement = AchievementFromSource {
                achievement: AchievementInput {
                    issuer_id,
                    name: (*award).to_owned(),
                    description: Some(format!(
                        "Holder has shown competence in {}.",
                        skill.to_lowercase()
                    )),
                    criteria: Some("Practical assessment and a written test.".to_owned()),
                    image: None,
                    alignments: vec![AlignmentInput {
                        target_name: (*skill).to_owned(),
                        target_url: None,
                        process_id: None,
                    }],
                },
                source: DEMO_SOURCE.to_owned(),
                source_id: format!("s{seed}-a{i}-{j}"),
            };
            let alignment_id = rng.uuid();
            achievements.push(
                BatchItem::insert(achievement_id, achievement)
                    .written_at(now)
                    .with_child_ids(vec![alignment_id]),
            );
            badges.push(Badge {
                achievement_id,
                skill_key: key,
                trusted_issuer: trusted.then(|| identifier.clone()),
            });
        }
    }
    summary.issuers = issuers.len() as u64;
    let tx = begin_write(db).await?;
    all_accepted(
        credentials::write_issuers(&tx, issuers, true).await?,
        "issuer",
        0,
    )?;
    all_accepted(
        credentials::write_achievements(&tx, achievements, true).await?,
        "achievement",
        0,
    )?;
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
    let badges = write_issuers(db, rng, size.seed, summary).await?;
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
        let mut batch = Vec::with_capacity(end - next);
        let mut credentials = Vec::new();
        let mut clearances = Vec::new();
        for i in next..end {
            let id = rng.uuid();
            let created = rng.days_before(reference_date(), 3 * 365);
            let (input, home) = one(rng, size.seed, i, sites, &by_city);
            // Public positions from a seeded generator of their own, so a seed gives the
            // same data and the other draws stay what they were.
            let public_position = input
                .lat
                .zip(input.lon)
                .map(|(lat, lon)| privacy.displace(lat, lon));
            // The child rows' ids are drawn here, in the order the service takes them.
            let child_ids: Vec<Uuid> = (0..input.child_ids_needed(&skill_ids))
                .map(|_| rng.uuid())
                .collect();
            let claims = input.claimed_skills(&skill_ids);
            for claim in &claims {
                if let Some(badge) = badge_for.get(claim.key.as_str())
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
                        let clearance_id = rng.uuid();
                        clearances.push((
                            clearance_id,
                            ClearanceInput {
                                maker_id: id,
                                facility_id: site.id,
                                equipment_id: *equipment_id,
                                granted_by: "demo: workshop manager".to_owned(),
                                granted_on: rng.days_before(reference_date(), 700).date_naive(),
                                expires_on: None,
                            },
                        ));
                    }
                }
            }
            summary.skill_claims += claims.len() as u64;
            let write = MakerWrite {
                passport: input,
                stated: Vec::new(),
                public_position,
            };
            batch.push(
                BatchItem::insert(id, write)
                    .written_at(created)
                    .with_child_ids(child_ids),
            );
        }
        summary.credentials += credentials.len() as u64;
        summary.clearances += clearances.len() as u64;
        let tx = begin_write(db).await?;
        all_accepted(makers::write_batch(&tx, batch, true).await?, "maker", next)?;
        // Both are these makers': the makers' write queued them for indexing already.
        all_accepted(
            credentials::write_credentials(&tx, credentials, false).await?,
            "credential",
            0,
        )?;
        all_accepted(
            makers::grant_batch(&tx, clearances, false).await?,
            "clearance",
            0,
        )?;
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
) -> BatchItem<CredentialFromSource> {
    let issued_on = rng.days_before(created, 900);
    // Some expired, a few revoked: the demo shows what "verified" leaves out.
    let expires = rng
        .chance(0.5)
        .then(|| issued_on + chrono::Duration::days(i64::from(rng.between(365, 1460))));
    let revoked = rng.chance(0.04);
    let id = rng.uuid();
    let credential = CredentialFromSource {
        credential: CredentialInput {
            maker_id,
            achievement_id: badge.achievement_id,
            issued_on,
            expires,
            evidence_url: None,
        },
        revoked,
        revocation_reason: revoked.then(|| "Issued in error (demo)".to_owned()),
        source: DEMO_SOURCE.to_owned(),
        source_id: format!("s{seed}-c{maker_id}-{n}"),
        document: None,
        verification: badge
            .trusted_issuer
            .as_ref()
            .map(|issuer| demo_outcome(issuer, created)),
    };
    BatchItem::insert(id, credential)
}

/// Demo credentials carry no documents: they stand for credentials signed by their
/// issuer, and say so, so nobody mistakes them for checked ones.
fn demo_outcome(issuer: &str, checked_at: DateTime<Utc>) -> Outcome {
    let mut outcome = Outcome::new(
        Status::Verified,
        "demo",
        "synthetic: generated by `makermatch demo` to stand for a credential signed by its \
         issuer; no proof exists or was checked",
    );
    outcome.issuer = Some(issuer.to_owned());
    outcome.checked_at = checked_at;
    outcome
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
        date_created: None,
        source_fields: None,
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
