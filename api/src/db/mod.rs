//! The database: connecting (SQLite embedded, PostgreSQL in production), migrating, and
//! opening write transactions.

mod connect;
mod migrate;
mod pipeline;
pub mod sqlite_library;
mod write;

pub use connect::{connect, prepare_data_dir};
pub use migrate::{MigrationStatus, check_not_newer, migrate, migration_status};
pub use pipeline::{InsertSink, Pipeline};
pub use write::begin_write;
