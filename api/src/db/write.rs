//! Write transactions. On SQLite they start with `BEGIN IMMEDIATE`: a deferred transaction
//! that reads before it writes cannot upgrade its lock when another writer committed in
//! between, and fails with SQLITE_BUSY whatever the busy timeout.

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        },
        _ => TransactionOptions::default(),
    };
    db.begin_with_options(options).await
}
