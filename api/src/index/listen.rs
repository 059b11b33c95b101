//! Waking the indexer when any replica commits to the outbox. On PostgreSQL such commits
//! `NOTIFY` (`db::dialect::notify_outbox`) and this task `LISTEN`s on a connection of its
//! own. A notification is only a shortcut, never the record: the indexer still polls, so
//! while this connection is down (a database restart) writes of other replicas show up
//! after at most a poll interval, and the task reconnects with backoff meanwhile.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::db::dialect::OUTBOX_CHANNEL;

/// The start of the listener connection's `application_name` (followed by the replica's
/// name), to tell it apart in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "makermatch-listen";

const FIRST_RETRY: Duration = Duration::from_millis(100);
const LONGEST_RETRY: Duration = Duration::from_secs(10);

/// Starts listening when `db` is PostgreSQL; `None` (nothing started) on SQLite, where
/// every write comes from this process and wakes the indexer itself.
pub(super) fn start(
    db: &DatabaseConnection,
    replica: &str,
    wake: Arc<Notify>,
    stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let DatabaseConnectionType::SqlxPostgresPoolConnection(_) = &db.inner else {
        return None;
    };
    let options = db
        .get_postgres_connection_pool()
        .connect_options()
        .as_ref()
        .clone()
        .application_name(&format!("{APPLICATION_NAME} {replica}"));
    // A pool of one, outside the server's pool: the connection is held for as long as it
    // lives, and the pool only opens it again.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with(options);
    Some(tokio::spawn(run(pool, wake, stop)))
}

async fn run(pool: PgPool, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    let mut retry = FIRST_RETRY;
    loop {
        let error = tokio::select! {
            error = listen(&pool, &wake, &mut retry) => error,
            _ = stop.changed() => break,
        };
        tracing::warn!(
            error = %error,
            retry_in_ms = retry.as_millis() as u64,
            "the outbox listener lost its PostgreSQL connection; reconnecting (the indexer polls meanwhile)"
        );
        tokio::select! {
            _ = tokio::time::sleep(retry) => {}
            _ = stop.changed() => break,
        }
        retry = (retry * 2).min(LONGEST_RETRY);
    }
    // The connection went back to the pool when the listener was dropped.
    if tokio::time::timeout(Duration::from_secs(2), pool.close())
        .await
        .is_err()
    {
        tracing::debug!("the outbox listener's connection did not close in time");
    }
}

/// Listens until the connection fails, waking the indexer on every notification; returns
/// why it stopped.
async fn listen(pool: &PgPool, wake: &Notify, retry: &mut Duration) -> sea_orm::sqlx::Error {
    let mut listener = match PgListener::connect_with(pool).await {
        Ok(listener) => listener,
        Err(e) => return e,
    };
    if let Err(e) = listener.listen(OUTBOX_CHANNEL).await {
        return e;
    }
    *retry = FIRST_RETRY;
    // Commits made while nothing listened were announced to no one.
    wake.notify_one();
    loop {
        match listener.try_recv().await {
            Ok(Some(_)) => wake.notify_one(),
            // sqlx reconnected and listens again; what was sent in between is lost.
            Ok(None) => wake.notify_one(),
            Err(e) => return e,
        }
    }
}
