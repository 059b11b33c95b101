//! The demo dataset: deterministic for a seed, realistic enough to explore, and written
//! in batches so the same generator fills benchmark databases (50,000 facilities,
//! 1,000,000 makers).

mod catalog;
mod facilities;
mod makers;
mod places;
mod programme;

use std::fmt;
use std::time::Instant;

use chrono::{DateTime, Utc};
use makermatch_entities::{facility, maker};
use makermatch_search::Taxonomy;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;
use crate::services::batch::Refused;

pub const DEFAULT_FACILITIES: u32 = 200;
pub const DEFAULT_MAKERS: u32 = 2_000;
pub const DEFAULT_SEED: u64 = 42;
/// `source` of every generated record.
pub const DEMO_SOURCE: &str = "demo";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSize {
    pub facilities: u32,
    pub makers: u32,
    pub seed: u64,
}

impl Default for DemoSize {
    fn default() -> Self {
        DemoSize {
            facilities: DEFAULT_FACILITIES,
            makers: DEFAULT_MAKERS,
            seed: DEFAULT_SEED,
        }
    }
}

/// What a run generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub facilities: u64,
    pub equipment: u64,
    pub makers: u64,
    pub skill_claims: u64,
    pub credentials: u64,
    pub clearances: u64,
    pub issuers: u64,
    pub programmes: u64,
    pub jobs: u64,
    pub seconds: u64,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "generated {} facilities ({} machines), {} makers ({} skill claims, {} credentials, {} machine clearances), {} issuers, {} programme(s) and {} jobs in {} s",
            self.facilities,
            self.equipment,
            self.makers,
            self.skill_claims,
            self.credentials,
            self.clearances,
            self.issuers,
            self.programmes,
            self.jobs,
            self.seconds
        )
    }
}

/// Deterministic randomness for one run.
pub(crate) struct DemoRng(ChaCha8Rng);

impl DemoRng {
    fn new(seed: u64) -> Self {
        DemoRng(ChaCha8Rng::seed_from_u64(seed))
    }

    pub fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.0.random()).into_uuid()
    }

    /// A public position for a synthetic home (`privacy::displace` on this generator).
    pub fn displace(&mut self, lat: f64, lon: f64) -> (f64, f64) {
        makermatch_search::privacy::displace(lat, lon, &mut self.0)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.0.random_bool(p.clamp(0.0, 1.0))
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            lo
        } else {
            self.0.random_range(lo..=hi)
        }
    }

    pub fn float(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo {
            lo
        } else {
            self.0.random_range(lo..hi)
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        // Callers pass the catalogue's static tables, none of them empty (tested).
        &items[self.0.random_range(0..items.len())]
    }

    /// An index chosen with the given weights (percent or any scale).
    pub fn weighted(&mut self, weights: impl Iterator<Item = u32> + Clone) -> usize {
        let total: u32 = weights.clone().sum();
        let mut roll = self.0.random_range(0..total.max(1));
        for (i, w) in weights.enumerate() {
            if roll < w {
                return i;
            }
            roll -= w;
        }
        0
    }

    /// A point within `radius_km` of (lat, lon), uniformly over the disc.
    pub fn near(&mut self, lat: f64, lon: f64, radius_km: f64) -> (f64, f64) {
        let r = radius_km * self.float(0.0, 1.0).sqrt();
        let angle = self.float(0.0, std::f64::consts::TAU);
        let dlat = r * angle.sin() / 111.32;
        let dlon = r * angle.cos() / (111.32 * lat.to_radians().cos().max(0.01));
        let round6 = |v: f64| (v * 1e6).round() / 1e6;
        (round6(lat + dlat), round6(lon + dlon))
    }

    /// A moment within `days` before the reference date.
    pub fn days_before(&mut self, reference: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        reference - chrono::Duration::seconds(i64::from(self.between(0, days.max(1) * 86_400)))
    }
}

/// Generated data carry dates relative to this instant, not to "now", so that a seed
/// always produces the same rows.
pub(crate) fn reference_date() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default() // 2026-01-01T00:00:00Z
}

/// Generated records pass the services' rules; one that does not is a bug of the
/// generator, reported with the record (`what` and its number from `first`).
fn all_accepted(refused: Refused, what: &str, first: usize) -> Result<(), AppError> {
    match refused.into_iter().next() {
        Some((i, e)) => Err(AppError::InvalidInput(format!(
            "demo {what} {}: {e}",
            first + i
        ))),
        None => Ok(()),
    }
}

fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg:>12} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// Writes a generated dataset. Refuses to write the same seed twice.
pub async fn generate(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    size: DemoSize,
) -> Result<DemoSummary, AppError> {
    catalog_matches_taxonomy(taxonomy)?;
    let started = Instant::now();
    let prefix = format!("s{}-", size.seed);
    let already = facility::Entity::find()
        .filter(facility::Column::Source.eq(DEMO_SOURCE))
        .filter(facility::Column::SourceId.starts_with(&prefix))
        .count(db)
        .await?
        + maker::Entity::find()
            .filter(maker::Column::Source.eq(DEMO_SOURCE))
            .filter(maker::Column::SourceId.starts_with(&prefix))
            .count(db)
            .await?;
    if already > 0 {
        return Err(AppError::InvalidInput(format!(
            "the database already holds demo data generated with seed {}; use another --seed or an empty database",
            size.seed
        )));
    }
    let mut rng = DemoRng::new(size.seed);
    let mut summary = DemoSummary::default();

    let bar = progress(u64::from(size.facilities), "facilities");
    let sites = facilities::generate(db, taxonomy, &mut rng, size, &bar, &mut summary).await?;
    bar.finish_and_clear();

    let bar = progress(u64::from(size.makers), "makers");
    makers::generate(db, &mut rng, size, &sites, &bar, &mut summary).await?;
    bar.finish_and_clear();

    programme::generate(db, &mut rng, size, &sites, &mut summary).await?;
    // The first rebuild reads these tables by key: PostgreSQL plans it well only once it
    // knows they are no longer empty.
    crate::db::dialect::analyze(db).await?;
    summary.seconds = started.elapsed().as_secs();
    tracing::info!(%summary, "demo data written");
    Ok(summary)
}

/// Fills the database with the default demo dataset when it holds no facility and no maker.
pub async fn fill_if_empty(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    size: DemoSize,
) -> Result<Option<DemoSummary>, AppError> {
    let facilities = facility::Entity::find().count(db).await?;
    let makers = maker::Entity::find().count(db).await?;
    if facilities > 0 || makers > 0 {
        tracing::info!(
            facilities,
            makers,
            "database is not empty: --demo adds nothing (use `makermatch demo --seed N` to add more)"
        );
        return Ok(None);
    }
    generate(db, taxonomy, size).await.map(Some)
}

/// Every id the catalogue uses must exist in the taxonomy, or links would be refused.
fn catalog_matches_taxonomy(taxonomy: &Taxonomy) -> Result<(), AppError> {
    let mut missing = Vec::new();
    for a in catalog::ARCHETYPES {
        for (equipment_type, ..) in a.machines {
            if taxonomy.equipment_type(equipment_type).is_none() {
                missing.push(format!("equipment type {equipment_type}"));
            }
        }
        for p in a.extra_processes {
            if taxonomy.process(p).is_none() {
                missing.push(format!("process {p}"));
            }
        }
        for (_, p) in a.skills {
            if let Some(p) = p
                && taxonomy.process(p).is_none()
            {
                missing.push(format!("process {p}"));
            }
        }
        for m in a.materials {
            if taxonomy.material(m).is_none() {
                missing.push(format!("material {m}"));
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::InvalidInput(format!(
            "the taxonomy lacks what the demo uses: {}; use the built-in taxonomy or add these ids",
            missing.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_ids_exist_in_the_builtin_taxonomy() {
        let taxonomy = Taxonomy::builtin().unwrap();
        catalog_matches_taxonomy(&taxonomy).unwrap();
        for issuer in catalog::ISSUERS {
            for (_, skill) in issuer.awards {
                let known = catalog::ARCHETYPES
                    .iter()
                    .flat_map(|a| a.skills.iter())
                    .any(|(label, _)| label == skill);
                assert!(
                    known,
                    "achievement aligns to `{skill}`, which no archetype teaches"
                );
            }
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_values() {
        let draw = |seed| {
            let mut rng = DemoRng::new(seed);
            (rng.uuid(), rng.between(0, 1000), rng.near(5.6, -0.19, 10.0))
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn near_stays_within_the_radius() {
        let mut rng = DemoRng::new(1);
        for _ in 0..1000 {
            let (lat, lon) = rng.near(-33.92, 18.42, 10.0);
            let dy = (lat + 33.92) * 111.32;
            let dx = (lon - 18.42) * 111.32 * (-33.92f64).to_radians().cos();
            assert!((dx * dx + dy * dy).sqrt() <= 10.05);
        }
    }
}
