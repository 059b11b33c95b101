//! One rate budget per caller across every replica on a PostgreSQL database. Each clock
//! minute a caller may make `per_minute` requests in all, never more. Replicas take the
//! budget from the database in small leases (`rate_budgets`: one upsert per lease, never
//! more than the budget in all) and spend them locally; the next lease is fetched in the
//! background while some of the current one is left, so a steady caller waits on nothing.
//! A request that finds nothing covered waits for the one fetch in flight for its caller
//! rather than running ahead of the database. A caller whose budget is gone is refused
//! until the next minute. If the database cannot be asked, or does not answer within
//! `ASK_WITHIN`, requests are admitted (each replica's own limit still holds): an outage
//! never turns into refusals.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio::time::Instant;

/// What a replica holds of one caller's budget in the current minute.
#[derive(Debug, Default)]
struct Lease {
    minute: i64,
    /// Requests still covered.
    remaining: i64,
    fetching: bool,
    /// Wakes the requests waiting for the fetch in flight.
    fetched: Arc<Notify>,
    /// The budget of this minute is spent.
    spent: bool,
}

#[derive(Clone)]
pub struct SharedBudget {
    db: DatabaseConnection,
    per_minute: i64,
    lease: i64,
    leases: Arc<Mutex<HashMap<String, Lease>>>,
    /// The minute this replica last cleared past minutes from the table.
    swept: Arc<AtomicI64>,
}

/// Requests admitted on this replica's limit alone because the database could not be
/// asked or did not answer in time: what the budget may have been exceeded by.
static UNCONFIRMED: AtomicU64 = AtomicU64::new(0);

/// How many requests this process admitted without the database's grant (see
/// `UNCONFIRMED`); read by `/metrics`.
pub fn unconfirmed_total() -> u64 {
    UNCONFIRMED.load(Ordering::Relaxed)
}

/// Callers tracked before the table of leases is swept of past minutes.
const SWEEP_AT: usize = 10_000;

/// How long a request waits for the database to grant a lease before it is admitted on
/// this replica's own limit.
const ASK_WITHIN: Duration = Duration::from_secs(2);

/// What a request's caller holds when it arrives.
enum Standing {
    Admitted,
    Refused(Duration),
    /// Nothing covered: wait for the fetch in flight, then look again.
    Waiting(Arc<Notify>),
}

impl SharedBudget {
    /// A shared budget on `db` when it is PostgreSQL (SQLite has one process, whose own
    /// limit is the whole story).
    pub fn new(db: &DatabaseConnection, per_minute: u32) -> Option<SharedBudget> {
        if per_minute == 0 || db.get_database_backend() != DbBackend::Postgres {
            return None;
        }
        let per_minute = i64::from(per_minute);
        Some(SharedBudget {
            db: db.clone(),
            per_minute,
            // Small enough that little is stranded on a replica at the minute's end, large
            // enough that the database sees one write per many requests.
            lease: (per_minute / 20).clamp(1, 100),
            leases: Arc::new(Mutex::new(HashMap::new())),
            swept: Arc::new(AtomicI64::new(0)),
        })
    }

    /// `Err(wait)` when `caller`'s budget for this minute is spent on all replicas.
    pub async fn check(&self, caller: &str) -> Result<(), Duration> {
        let deadline = Instant::now() + ASK_WITHIN;
        loop {
            let fetched = match self.standing(caller) {
                Standing::Admitted => return Ok(()),
                Standing::Refused(wait) => return Err(wait),
                Standing::Waiting(fetched) => fetched,
            };
            // `notified()` is armed from here on, so a wake between `standing` and this
            // point is not missed: `standing` saw the fetch in flight under the lock and
            // the fetch wakes only after taking that lock.
            let woke = tokio::time::timeout_at(deadline, fetched.notified()).await;
            if woke.is_err() {
                tracing::warn!(
                    "the shared rate budget did not answer within {} ms; admitting on this replica's limit alone",
                    ASK_WITHIN.as_millis()
                );
                self.admit_uncovered(caller);
                return Ok(());
            }
        }
    }

    /// Spends one request of `caller`'s lease, or says why it cannot be.
    fn standing(&self, caller: &str) -> Standing {
        let now = chrono::Utc::now().timestamp();
        let minute = now.div_euclid(60);
        let until_next = Duration::from_secs((60 - now.rem_euclid(60)).max(1) as u64);
        let mut leases = self.leases.lock().unwrap_or_else(PoisonError::into_inner);
        if leases.len() >= SWEEP_AT {
            leases.retain(|_, l| l.minute == minute);
        }
        let lease = leases.entry(caller.to_owned()).or_default();
        if lease.minute != minute {
            *lease = Lease {
                minute,
                ..Lease::default()
            };
        }
        if lease.spent {
            return Standing::Refused(until_next);
        }
        let covered = lease.remaining > 0;
        if covered {
            lease.remaining -= 1;
        }
        if lease.remaining < self.low_water() && !lease.fetching {
            lease.fetching = true;
            let this = self.clone();
            let caller = caller.to_owned();
            tokio::spawn(async move { this.fetch(caller, minute).await });
        }
        if covered {
            Standing::Admitted
        } else {
            Standing::Waiting(lease.fetched.clone())
        }
    }

    /// Admits a request no lease covers (the database is out of reach), and covers the
    /// rest of this round likewise so that the next requests do not wait as long again.
    fn admit_uncovered(&self, caller: &str) {
        let mut leases = self.leases.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lease) = leases.get_mut(caller) {
            lease.remaining = lease.remaining.max(0) + self.lease - 1;
        }
        UNCONFIRMED.fetch_add(self.lease.unsigned_abs(), Ordering::Relaxed);
    }

    /// Fetches leases until the caller's lease is topped up or the budget is spent, then
    /// wakes whoever waits for it.
    async fn fetch(&self, caller: String, minute: i64) {
        self.sweep(minute).await;
        loop {
            let granted = take(&self.db, &caller, minute, self.lease, self.per_minute).await;
            let mut leases = self.leases.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(lease) = leases.get_mut(&caller).filter(|l| l.minute == minute) else {
                return;
            };
            match granted {
                Ok(0) => lease.spent = lease.remaining <= 0,
                Ok(n) => {
                    lease.remaining += n;
                    if lease.remaining < self.low_water() {
                        continue;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the shared rate budget; admitting on this replica's limit alone");
                    // Covers this round so that the database is not asked on every request.
                    lease.remaining = lease.remaining.max(0) + self.lease;
                    UNCONFIRMED.fetch_add(self.lease.unsigned_abs(), Ordering::Relaxed);
                }
            }
            lease.fetching = false;
            lease.fetched.notify_waiters();
            return;
        }
    }

    /// Below this many requests left, the next lease is fetched.
    fn low_water(&self) -> i64 {
        (self.lease + 3) / 4
    }

    /// Once a minute per replica, the minutes before the last one go.
    async fn sweep(&self, minute: i64) {
        if self.swept.swap(minute, Ordering::Relaxed) == minute {
            return;
        }
        if let Err(e) = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "DELETE FROM rate_budgets WHERE window_start < $1",
                [(minute - 1).into()],
            ))
            .await
        {
            tracing::debug!(error = %e, "cannot clear past rate budgets now");
        }
    }
}

/// Takes up to `lease` of the caller's budget for `minute` from the database; returns how
/// much was granted (0 once `per_minute` is taken in all).
async fn take(
    db: &DatabaseConnection,
    caller: &str,
    minute: i64,
    lease: i64,
    per_minute: i64,
) -> Result<i64, sea_orm::DbErr> {
    let key = format!("{:x}", Sha256::digest(caller.as_bytes()));
    // SET expressions see the row as it was, so `granted` is what this lease added.
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO rate_budgets (caller, window_start, used, granted) \
             VALUES ($1, $2, LEAST($3, $4), LEAST($3, $4)) \
             ON CONFLICT (caller, window_start) DO UPDATE SET \
               granted = LEAST(rate_budgets.used + $3, $4) - rate_budgets.used, \
               used = LEAST(rate_budgets.used + $3, $4) \
             RETURNING granted",
            [key.into(), minute.into(), lease.into(), per_minute.into()],
        ))
        .await?;
    let granted = row
        .map(|r| r.try_get::<i64>("", "granted"))
        .transpose()?
        .unwrap_or(0);
    Ok(granted)
}
