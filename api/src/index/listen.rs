//! Waking the indexer when any replica commits to the outbox, and the event feed when any
//! commits an assignment event. On PostgreSQL such commits `NOTIFY` (`db::dialect`) and
//! this task `LISTEN`s on a connection of its own, waking whoever follows each channel. A
//! notification is only a shortcut, never the record: the followers still poll, so while
//! this connection is down (a database restart) writes of other replicas show up after at
//! most a poll interval, and the task reconnects with backoff meanwhile.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// A channel and whom to wake when something is sent on it.
pub type Follower = (&'static str, Arc<Notify>);

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
    followers: Vec<Follower>,
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
    Some(tokio::spawn(run(pool, followers, stop)))
}

async fn run(pool: PgPool, followers: Vec<Follower>, mut stop: watch::Receiver<bool>) {
    let mut retry = FIRST_RETRY;
    loop {
        let error = tokio::select! {
            error = listen(&pool, &followers, &mut retry) => error,
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

/// Listens until the connection fails, waking the followers of each notification's
/// channel; returns why it stopped.
async fn listen(
    pool: &PgPool,
    followers: &[Follower],
    retry: &mut Duration,
) -> sea_orm::sqlx::Error {
    let wake_all = || followers.iter().for_each(|(_, wake)| wake.notify_one());
    let mut listener = match PgListener::connect_with(pool).await {
        Ok(listener) => listener,
        Err(e) => return e,
    };
    if let Err(e) = listener
        .listen_all(followers.iter().map(|(channel, _)| *channel))
        .await
    {
        return e;
    }
    *retry = FIRST_RETRY;
    // Commits made while nothing listened were announced to no one.
    wake_all();
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => followers
                .iter()
                .filter(|(channel, _)| *channel == notification.channel())
                .for_each(|(_, wake)| wake.notify_one()),
            // sqlx reconnected and listens again; what was sent in between is lost.
            Ok(None) => wake_all(),
            Err(e) => return e,
        }
    }
}
