//! Telling "the database cannot be reached now" apart from every other database error, so
//! an outage is answered `UNAVAILABLE` (try again) rather than `INTERNAL` (a bug).

use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr};

/// Whether `e` says the database could not be reached or the connection broke: no
/// connection from the pool in time, connecting refused, the socket failing mid-query, the
/// server shutting down or refusing new sessions. Retrying later may succeed.
pub fn is_unavailable(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_unavailable(e)
        }
        _ => false,
    }
}

fn sqlx_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08: connection exception; 57P01–57P03: the server is shutting
        // down, crashed or not accepting connections yet.
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::ConnAcquireErr;

    use super::*;

    #[test]
    fn connection_failures_are_unavailable_and_others_are_not() {
        let io = || {
            Arc::new(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "reset",
            )))
        };
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            ConnAcquireErr::Timeout
        )));
        assert!(is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(io()))));
        assert!(is_unavailable(&DbErr::Exec(RuntimeErr::SqlxError(io()))));
        assert!(is_unavailable(&DbErr::Exec(RuntimeErr::SqlxError(
            Arc::new(sqlx::Error::PoolTimedOut)
        ))));
        assert!(!is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(
            Arc::new(sqlx::Error::RowNotFound)
        ))));
        assert!(!is_unavailable(&DbErr::RecordNotFound("x".to_owned())));
        assert!(!is_unavailable(&DbErr::Custom("x".to_owned())));
    }
}
