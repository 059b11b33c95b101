//! The database: connecting (SQLite embedded, PostgreSQL in production), migrating, and
//! opening write transactions.

mod connect;
mod constraint;
mod migrate;
mod outage;
mod pipeline;
pub mod sqlite_library;
mod write;

pub use connect::{connect, ping, prepare_data_dir};
pub use constraint::is_foreign_key_violation;
pub use migrate::{MigrationStatus, check_not_newer, migrate, migrate_then, migration_status};
pub use outage::is_unavailable;
pub use pipeline::{InsertSink, Pipeline};
pub use write::begin_write;
