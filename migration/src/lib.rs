//! Schema migrations of makermatch. Every migration runs up and down on SQLite and
//! PostgreSQL; they are written against sea-query, never against the entities, so that
//! old migrations keep meaning what they meant when the entities move on.

pub use sea_orm_migration::prelude::*;

mod m20261120_000001_taxonomy;
mod m20261120_000002_facilities;
mod m20261120_000003_makers;
mod m20261120_000004_credentials;
mod m20261120_000005_jobs;
mod m20261120_000006_outbox;
mod m20261121_000007_import;
mod m20261122_000008_erasure;
mod m20261206_000009_allocation;
mod m20261206_000010_tie_requests;
mod m20261207_000011_outbox_retention;
mod m20261207_000012_verification;
mod m20261207_000013_rate_budgets;
mod m20261207_000014_source_fields;
mod m20261208_000015_requirement_resolution;
mod util;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261120_000001_taxonomy::Migration),
            Box::new(m20261120_000002_facilities::Migration),
            Box::new(m20261120_000003_makers::Migration),
            Box::new(m20261120_000004_credentials::Migration),
            Box::new(m20261120_000005_jobs::Migration),
            Box::new(m20261120_000006_outbox::Migration),
            Box::new(m20261121_000007_import::Migration),
            Box::new(m20261122_000008_erasure::Migration),
            Box::new(m20261206_000009_allocation::Migration),
            Box::new(m20261206_000010_tie_requests::Migration),
            Box::new(m20261207_000011_outbox_retention::Migration),
            Box::new(m20261207_000012_verification::Migration),
            Box::new(m20261207_000013_rate_budgets::Migration),
            Box::new(m20261207_000014_source_fields::Migration),
            Box::new(m20261208_000015_requirement_resolution::Migration),
        ]
    }
}
