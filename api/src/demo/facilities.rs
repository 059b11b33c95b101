//! Generated facilities: a workshop of some kind in a real city, with machines, processes
//! and materials that fit it.

use std::collections::BTreeSet;

use makermatch_entities::facility::{AccessType, BatchSize, FacilityStatus};
use makermatch_search::Taxonomy;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::catalog::{ARCHETYPES, Archetype, models};
use super::places::{COUNTRIES, City, Country, country};
use super::{DEMO_SOURCE, DemoRng, DemoSize, DemoSummary, all_accepted, reference_date};
use crate::db::begin_write;
use crate::error::AppError;
use crate::services::batch::BatchItem;
use crate::services::facilities::{
    self, EquipmentInput, FacilityInput, LocationInput, PropertyInput, TermLink,
};

/// The nine IMA trial spaces: three cities in each of Ghana, Kenya and South Africa.
pub const IMA_SITES: &[(&str, &str)] = &[
    ("GH", "Accra"),
    ("GH", "Kumasi"),
    ("GH", "Tamale"),
    ("KE", "Nairobi"),
    ("KE", "Mombasa"),
    ("KE", "Kisumu"),
    ("ZA", "Johannesburg"),
    ("ZA", "Cape Town"),
    ("ZA", "Durban"),
];

/// What later stages need to know of a generated facility.
pub struct Site {
    pub id: Uuid,
    pub country: &'static str,
    pub city: &'static str,
    pub archetype: &'static Archetype,
    /// (equipment id, process id) of each machine.
    pub machines: Vec<(Uuid, Option<String>)>,
    pub ima: bool,
}

const BATCH: usize = 1_000;

pub async fn generate(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    rng: &mut DemoRng,
    size: DemoSize,
    bar: &indicatif::ProgressBar,
    summary: &mut DemoSummary,
) -> Result<Vec<Site>, AppError> {
    let total = size.facilities as usize;
    let mut sites = Vec::with_capacity(total);
    let mut next = 0usize;
    while next < total {
        let end = (next + BATCH).min(total);
        let mut batch = Vec::with_capacity(end - next);
        for i in next..end {
            let (input, site) = one(taxonomy, rng, size.seed, i);
            let created = rng.days_before(reference_date(), 3 * 365);
            summary.equipment += input.equipment.len() as u64;
            // The machines keep the ids drawn for them: makers are cleared on them.
            let machine_ids = site.machines.iter().map(|(id, _)| *id).collect();
            batch.push(
                BatchItem::insert(site.id, input)
                    .written_at(created)
                    .with_child_ids(machine_ids),
            );
            sites.push(site);
        }
        let tx = begin_write(db).await?;
        all_accepted(
            facilities::write_batch(&tx, batch, true).await?,
            "facility",
            next,
        )?;
        tx.commit().await?;
        summary.facilities += (end - next) as u64;
        bar.inc((end - next) as u64);
        next = end;
    }
    Ok(sites)
}

fn pick_place(rng: &mut DemoRng, i: usize) -> (&'static Country, &'static City, bool) {
    if let Some((code, city_name)) = IMA_SITES.get(i)
        && let Some(c) = country(code)
        && let Some(city) = c.cities.iter().find(|city| city.name == *city_name)
    {
        return (c, city, true);
    }
    let c = &COUNTRIES[rng.weighted(COUNTRIES.iter().map(|c| c.weight))];
    (c, rng.pick(c.cities), false)
}

fn one(taxonomy: &Taxonomy, rng: &mut DemoRng, seed: u64, i: usize) -> (FacilityInput, Site) {
    let id = rng.uuid();
    let (country, city, ima) = pick_place(rng, i);
    let archetype = if ima {
        super::catalog::archetype("medical").unwrap_or(&ARCHETYPES[0])
    } else {
        &ARCHETYPES[rng.weighted(ARCHETYPES.iter().map(|a| a.weight))]
    };
    let (lat, lon) = rng.near(city.lat, city.lon, 12.0);
    let suffix = rng.pick(archetype.names);
    // Ordinals keep names apart when a city has many spaces of one kind.
    let name = if i < 400 || rng.chance(0.5) {
        format!("{} {}", city.name, suffix)
    } else {
        format!("{} {} {}", city.name, suffix, i / 400 + 1)
    };

    let mut equipment = Vec::new();
    let mut machines = Vec::new();
    let mut processes: BTreeSet<String> = archetype
        .extra_processes
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    for (equipment_type, lo, hi, p) in archetype.machines {
        // Every space has at least its first machine; the rest are drawn.
        let present = ima || equipment.is_empty() || rng.chance(*p);
        if !present {
            continue;
        }
        let process_id = taxonomy
            .equipment_type(equipment_type)
            .and_then(|e| e.processes.first().cloned());
        if let Some(process) = &process_id {
            processes.insert(process.clone());
        }
        let model = rng.pick(models(equipment_type));
        let quantity = rng.between(*lo, *hi) as i32;
        machines.push((rng.uuid(), process_id.clone()));
        equipment.push(EquipmentInput {
            equipment_type: (*equipment_type).to_owned(),
            process_id,
            make: model.make.map(str::to_owned),
            model: model.model.map(str::to_owned),
            serial_number: None,
            quantity,
            condition: Some(
                rng.pick(&["new", "good", "good", "good", "worn", "needs repair"])
                    .to_string(),
            ),
            notes: None,
            properties: model
                .properties
                .iter()
                .map(|(key, value, unit)| PropertyInput {
                    key: (*key).to_owned(),
                    number: Some(*value),
                    text: None,
                    unit: (!unit.is_empty()).then(|| (*unit).to_owned()),
                })
                .collect(),
        });
    }
    let materials = archetype
        .materials
        .iter()
        .filter(|_| ima || rng.chance(0.7))
        .map(|m| TermLink {
            id: (*m).to_owned(),
            source_term: None,
        })
        .collect();

    let status = if ima {
        FacilityStatus::Active
    } else {
        [
            FacilityStatus::Active,
            FacilityStatus::Planned,
            FacilityStatus::TemporaryClosure,
            FacilityStatus::Closed,
        ][rng.weighted([88, 5, 4, 3].into_iter())]
    };
    let access_type = [
        AccessType::Membership,
        AccessType::Public,
        AccessType::SharedSpace,
        AccessType::RestrictedWithPublicHours,
        AccessType::Restricted,
    ][rng.weighted([35, 20, 20, 15, 10].into_iter())];
    let batch = if ima {
        BatchSize::UpTo500
    } else {
        [
            BatchSize::UpTo50,
            BatchSize::UpTo500,
            BatchSize::UpTo5000,
            BatchSize::Over5000,
        ][rng.weighted([50, 35, 12, 3].into_iter())]
    };
    let reference = reference_date();
    let verified = rng.chance(0.7).then(|| rng.days_before(reference, 730));
    let slug = name
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let input = FacilityInput {
        name: name.clone(),
        description: Some(format!(
            "{} in {}, {}: {} machines for {}.",
            suffix,
            city.name,
            city.region,
            equipment.len(),
            processes
                .iter()
                .take(4)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )),
        status,
        access_type: Some(access_type),
        location: LocationInput {
            street_address: None,
            locality: Some(city.name.to_owned()),
            region: Some(city.region.to_owned()),
            postal_code: None,
            country: Some(country.code.to_owned()),
            lat: Some(lat),
            lon: Some(lon),
            directions: None,
        },
        contact: crate::services::facilities::ContactInput {
            owner_name: Some(format!(
                "{} {}",
                rng.pick(country.given_names),
                rng.pick(country.family_names)
            )),
            contact_name: None,
            email: Some(format!("hello@{}.example.org", slug.trim_matches('-'))),
            phone: None,
            website: Some(format!("https://{}.example.org", slug.trim_matches('-'))),
        },
        affiliations: if rng.chance(0.4) {
            vec!["Fab Foundation network (demo)".to_owned()]
        } else {
            Vec::new()
        },
        opening_hours: Some("Mo-Fr 09:00-18:00".to_owned()),
        date_founded: Some(
            (reference - chrono::Duration::days(i64::from(rng.between(200, 5000)))).date_naive(),
        ),
        wheelchair_accessible: Some(rng.chance(0.6)),
        typical_batch_size: Some(batch),
        floor_size_m2: Some(f64::from(rng.between(40, 1200))),
        certifications: if ima || rng.chance(0.1) {
            vec!["ISO 13485".to_owned()]
        } else {
            Vec::new()
        },
        backup_generator: Some(rng.chance(0.5)),
        uninterrupted_power_supply: Some(rng.chance(0.4)),
        road_access: Some(true),
        loading_dock: Some(rng.chance(0.2)),
        headcount: Some(rng.between(2, 60) as i32),
        on_probation: !ima && rng.chance(0.1),
        processes: processes
            .into_iter()
            .map(|id| TermLink {
                id,
                source_term: None,
            })
            .collect(),
        materials,
        unresolved_terms: Vec::new(),
        equipment,
        date_verified: verified,
        date_created: None,
        last_updated: None,
        verified_by: verified.map(|_| "demo generator".to_owned()),
        source: DEMO_SOURCE.to_owned(),
        source_id: Some(format!("s{seed}-f{i}")),
        source_fields: None,
    };
    let site = Site {
        id,
        country: country.code,
        city: city.name,
        archetype,
        machines,
        ima,
    };
    (input, site)
}
