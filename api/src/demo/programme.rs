//! The demo's IMA-shaped programme: nine spaces in Ghana, Kenya and South Africa, three
//! tiers (per space: 100 simple devices at $2, 20 simple products at $10, 5 complex
//! products at $80), plus a few open jobs elsewhere to explore matching with.

use makermatch_entities::job::JobStatus;
use makermatch_entities::job_requirement::RequirementKind;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::catalog::ARCHETYPES;
use super::facilities::Site;
use super::places::COUNTRIES;
use super::{DEMO_SOURCE, DemoRng, DemoSize, DemoSummary, all_accepted, reference_date};
use crate::db::begin_write;
use crate::error::AppError;
use crate::services::batch::BatchItem;
use crate::services::jobs::{self, JobInput, ProgrammeInput, RequirementInput};

struct Tier {
    code: &'static str,
    title: &'static str,
    per_space: i32,
    unit_price_cents: i64,
    delivery: (&'static str, f64, f64),
    requirements: &'static [(RequirementKind, &'static str, bool)],
}

const TIERS: &[Tier] = &[
    Tier {
        code: "SIMPLE_DEVICE",
        title: "Simple devices: 3D-printed face-shield frames",
        per_space: 100,
        unit_price_cents: 200,
        delivery: ("Korle Bu Teaching Hospital, Accra", 5.5365, -0.2275),
        requirements: &[
            (RequirementKind::Process, "fdm", true),
            (RequirementKind::Skill, "FDM 3D printing", true),
            (RequirementKind::Material, "petg", false),
            (RequirementKind::Process, "quality-control", false),
        ],
    },
    Tier {
        code: "SIMPLE_PRODUCT",
        title: "Simple products: reusable surgical gowns",
        per_space: 20,
        unit_price_cents: 1_000,
        delivery: ("Kenyatta National Hospital, Nairobi", -1.3010, 36.8073),
        requirements: &[
            (RequirementKind::Process, "sewing", true),
            (RequirementKind::Skill, "Industrial sewing", true),
            (RequirementKind::Material, "cotton", false),
            (RequirementKind::Process, "quality-control", false),
        ],
    },
    Tier {
        code: "COMPLEX_PRODUCT",
        title: "Complex products: neonatal phototherapy lamps",
        per_space: 5,
        unit_price_cents: 8_000,
        delivery: ("Chris Hani Baragwanath Hospital, Soweto", -26.2607, 27.9425),
        requirements: &[
            (RequirementKind::Process, "pcb-assembly", true),
            (RequirementKind::Process, "laser-cutting", true),
            (RequirementKind::Skill, "Soldering", true),
            (RequirementKind::Process, "fdm", false),
            (RequirementKind::Certification, "ISO 13485", false),
        ],
    },
];

const OPEN_JOB_TITLES: &[(&str, &[&str])] = &[
    (
        "fab-lab",
        &[
            "Laser-cut enclosure panels",
            "3D-printed prosthetic hand parts",
            "Acrylic signage",
        ],
    ),
    (
        "metal",
        &[
            "Welded wheelchair frames",
            "Hospital bed frames",
            "Solar panel mounts",
        ],
    ),
    (
        "textile",
        &[
            "School uniforms",
            "Reusable sanitary pads",
            "Mosquito-net bags",
        ],
    ),
    (
        "electronics",
        &[
            "Solar lantern controller boards",
            "Environmental sensor kits",
        ],
    ),
    ("wood", &["Classroom desks", "Beehive boxes"]),
    (
        "medical",
        &["Otoscope specula", "Crutch tips", "Splint kits"],
    ),
];

pub async fn generate(
    db: &DatabaseConnection,
    rng: &mut DemoRng,
    size: DemoSize,
    sites: &[Site],
    summary: &mut DemoSummary,
) -> Result<(), AppError> {
    let seed = size.seed;
    let reference = reference_date();
    let ima_spaces = sites.iter().filter(|s| s.ima).count() as i32;
    let mut batch: Vec<BatchItem<JobInput>> = Vec::new();
    let mut programmes: Vec<BatchItem<ProgrammeInput>> = Vec::new();

    if ima_spaces > 0 {
        let programme_id = rng.uuid();
        let programme = ProgrammeInput {
            name: "Innovative Manufacturing in Africa: trial orders (demo)".to_owned(),
            description: Some(format!(
                "Trial orders of health-care items split across {ima_spaces} makerspaces in Ghana, Kenya and South Africa, prototype first."
            )),
            sponsor: Some("Demo sponsor".to_owned()),
            starts_on: Some(reference.date_naive()),
            ends_on: Some((reference + chrono::Duration::days(180)).date_naive()),
            region: ["GH", "KE", "ZA"].map(str::to_owned).to_vec(),
            participants: sites.iter().filter(|s| s.ima).map(|s| s.id).collect(),
            issue_proof_of_practice: false,
        };
        programmes.push(BatchItem::insert(programme_id, programme).written_at(reference));
        for (t, tier) in TIERS.iter().enumerate() {
            let mut input = JobInput::new(tier.title, tier.per_space * ima_spaces);
            input.programme_id = Some(programme_id);
            input.description = Some(format!(
                "{} units per space across the {ima_spaces} trial spaces.",
                tier.per_space
            ));
            input.tier = Some(tier.code.to_owned());
            input.unit_price_minor = Some(tier.unit_price_cents);
            input.currency = Some("USD".to_owned());
            input.deadline = Some((reference + chrono::Duration::days(120)).date_naive());
            input.delivery_name = Some(tier.delivery.0.to_owned());
            input.delivery_lat = Some(tier.delivery.1);
            input.delivery_lon = Some(tier.delivery.2);
            input.prototype_first = true;
            input.qa_inspector = Some("qa-inspector@demo".to_owned());
            input.status = JobStatus::Open;
            input.requirements = tier
                .requirements
                .iter()
                .map(|(kind, term, required)| RequirementInput {
                    kind: *kind,
                    term: (*term).to_owned(),
                    required: *required,
                    min_level: None,
                    resolution: None,
                })
                .collect();
            input.source = Some(DEMO_SOURCE.to_owned());
            input.source_id = Some(format!("s{seed}-ima-{t}"));
            push_job(rng, input, &mut batch);
        }
    }

    let open_jobs = (size.facilities / 20).max(1);
    for n in 0..open_jobs {
        let archetype = &ARCHETYPES[rng.weighted(ARCHETYPES.iter().map(|a| a.weight))];
        let titles = OPEN_JOB_TITLES
            .iter()
            .find(|(k, _)| *k == archetype.key)
            .map(|(_, t)| *t)
            .unwrap_or(&["Small batch production"]);
        let country = &COUNTRIES[rng.weighted(COUNTRIES.iter().map(|c| c.weight))];
        let city = rng.pick(country.cities);
        let mut input = JobInput::new(*rng.pick(titles), rng.between(10, 500) as i32);
        input.description = Some(format!("Delivered to {}, {}.", city.name, country.code));
        input.tier = Some(
            ["SIMPLE_DEVICE", "SIMPLE_PRODUCT", "COMPLEX_PRODUCT"]
                [rng.weighted([50, 35, 15].into_iter())]
            .to_owned(),
        );
        input.unit_price_minor = Some(i64::from(rng.between(100, 20_000)));
        input.currency = Some("USD".to_owned());
        input.deadline = Some(
            (reference + chrono::Duration::days(i64::from(rng.between(30, 240)))).date_naive(),
        );
        input.delivery_name = Some(format!("{} distribution point", city.name));
        input.delivery_lat = Some(city.lat);
        input.delivery_lon = Some(city.lon);
        input.max_distance_km = rng.chance(0.5).then(|| f64::from(rng.between(50, 500)));
        input.prototype_first = rng.chance(0.5);
        input.status = if rng.chance(0.8) {
            JobStatus::Open
        } else {
            JobStatus::Draft
        };
        let mut seen = std::collections::HashSet::new();
        for (_, process) in archetype.skills.iter().take(3) {
            if let Some(p) = process
                && seen.insert(*p)
            {
                input.requirements.push(RequirementInput {
                    kind: RequirementKind::Process,
                    term: (*p).to_owned(),
                    required: seen.len() == 1,
                    min_level: None,
                    resolution: None,
                });
            }
        }
        let (skill, _) = rng.pick(archetype.skills);
        input.requirements.push(RequirementInput {
            kind: RequirementKind::Skill,
            term: (*skill).to_owned(),
            required: true,
            min_level: None,
            resolution: None,
        });
        input.source = Some(DEMO_SOURCE.to_owned());
        input.source_id = Some(format!("s{seed}-j{n}"));
        push_job(rng, input, &mut batch);
    }

    summary.programmes = programmes.len() as u64;
    summary.jobs = batch.len() as u64;
    let tx = begin_write(db).await?;
    all_accepted(
        jobs::write_programmes(&tx, programmes).await?,
        "programme",
        0,
    )?;
    all_accepted(jobs::write_batch(&tx, batch, true).await?, "job", 0)?;
    tx.commit().await?;
    Ok(())
}

/// A job with its id and its requirements' ids drawn now, so a seed gives the same ids.
fn push_job(rng: &mut DemoRng, input: JobInput, batch: &mut Vec<BatchItem<JobInput>>) {
    let id = rng.uuid();
    let requirement_ids: Vec<Uuid> = input.requirements.iter().map(|_| rng.uuid()).collect();
    batch.push(
        BatchItem::insert(id, input)
            .written_at(reference_date())
            .with_child_ids(requirement_ids),
    );
}
