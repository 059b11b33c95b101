//! Which database answers a request. With `database.read_url` set, a query that carries no
//! consistency token reads from the hot standby; mutations, subscriptions and requests that
//! must see a given write read from the primary, which has it. While the standby does not
//! answer, queries read from the primary too, so its outage costs load, not answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_graphql::Request;
use async_graphql::parser::types::OperationType;
use sea_orm::DatabaseConnection;
use tokio::task::JoinHandle;

use super::get;
use crate::graphql::loader;

/// How often the standby is asked whether it answers, and how long it may take.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The hot standby and whether it answered when last asked.
#[derive(Clone)]
pub struct Standby {
    db: DatabaseConnection,
    up: Arc<AtomicBool>,
}

impl Standby {
    /// Starts asking `db` every second whether it answers (`up`: whether it did at start);
    /// the task runs until aborted.
    pub fn watch(db: DatabaseConnection, up: bool) -> (Standby, JoinHandle<()>) {
        let standby = Standby {
            db,
            up: Arc::new(AtomicBool::new(up)),
        };
        let watched = standby.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(CHECK_EVERY).await;
                let answer = crate::db::ping(&watched.db, CHECK_EVERY).await;
                let was_up = watched.up.swap(answer.is_ok(), Ordering::AcqRel);
                match answer {
                    Err(e) if was_up => tracing::warn!(
                        error = %e,
                        "the standby (database.read_url) does not answer; queries read from the primary until it does"
                    ),
                    Ok(()) if !was_up => {
                        tracing::info!(
                            "the standby (database.read_url) answers again; queries read from it"
                        )
                    }
                    _ => {}
                }
            }
        });
        (standby, task)
    }

    /// The standby's pool, unless it failed to answer when last asked.
    fn usable(&self) -> Option<&DatabaseConnection> {
        self.up.load(Ordering::Acquire).then_some(&self.db)
    }
}

/// `request`, reading from `standby` when it is a query, no consistency token came with
/// it and the standby answers. Such requests get loaders of their own without the shared
/// list cache: the cache is refreshed when the index applies a write, which a lagging
/// standby may not show yet, so rows read there must not be kept for requests served by
/// the primary. Also says whether the standby was chosen.
pub fn route(mut request: Request, standby: Option<&Standby>, token_sent: bool) -> (Request, bool) {
    let Some(db) = standby.and_then(Standby::usable) else {
        return (request, false);
    };
    if token_sent || get::operation_type(&mut request) != Some(OperationType::Query) {
        return (request, false);
    }
    let request = request
        .data(db.clone())
        .data(loader::new_loader(db.clone(), None));
    (request, true)
}
