//! Write transactions, begun as [`super::dialect::write_transaction`] says for the backend.

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};

use super::dialect;

pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(dialect::write_transaction(db.get_database_backend()))
        .await
}
