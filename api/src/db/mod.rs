//! The database: connecting (SQLite embedded, PostgreSQL in production), migrating,
//! opening write transactions, the SQL that differs between the two, and private SQLite
//! copies for dry runs.

mod connect;
mod constraint;
pub mod dialect;
mod migrate;
mod outage;
mod pipeline;
mod snapshot;
pub mod sqlite_library;
mod write;

pub use connect::{connect, connect_standby, ping, prepare_data_dir};
pub use constraint::is_foreign_key_violation;
pub use migrate::{MigrationStatus, check_not_newer, migrate, migrate_then, migration_status};
pub use outage::is_unavailable;
pub use pipeline::{InsertSink, Pipeline};
pub use snapshot::Snapshot;
pub use write::begin_write;
