//! Recognising constraint violations from the database's own error codes, never from
//! message text.

use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// SQLite's `SQLITE_CONSTRAINT_TRIGGER`: what it reports when an `ON DELETE RESTRICT`
/// foreign key stops a delete (an insert that breaks a foreign key reports
/// `SQLITE_CONSTRAINT_FOREIGNKEY`, which sea-orm classifies itself).
const SQLITE_RESTRICT: &str = "1811";

/// Whether `e` is a foreign-key violation, on either backend.
pub fn is_foreign_key_violation(e: &DbErr) -> bool {
    if matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))) {
        return true;
    }
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match &**e {
                sea_orm::sqlx::Error::Database(db) => {
                    db.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                        .is_some()
                        && db.code().as_deref() == Some(SQLITE_RESTRICT)
                }
                _ => false,
            }
        }
        _ => false,
    }
}
