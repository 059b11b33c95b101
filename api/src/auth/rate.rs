//! Per-caller rate limits (DESIGN §9): a token bucket per token subject, or per client IP
//! for anonymous callers, on each replica; on PostgreSQL also one budget per caller across
//! every replica (`shared_budget`). Over either: HTTP 429 with `LIMIT_EXCEEDED`.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Forget idle callers now and then so the table does not grow without bound.
const SWEEP_EVERY: u64 = 10_000;

#[derive(Clone)]
pub struct RateLimits {
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
    calls: Arc<AtomicU64>,
    shared: Option<super::shared_budget::SharedBudget>,
}

impl RateLimits {
    /// `per_minute` requests per caller; 0 switches limits off.
    pub fn new(per_minute: u32) -> RateLimits {
        RateLimits {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))),
            calls: Arc::new(AtomicU64::new(0)),
            shared: None,
        }
    }

    /// The same limit, and on PostgreSQL the budget shared with every replica on `db`.
    pub fn shared(per_minute: u32, db: &sea_orm::DatabaseConnection) -> RateLimits {
        RateLimits {
            shared: super::shared_budget::SharedBudget::new(db, per_minute),
            ..RateLimits::new(per_minute)
        }
    }

    /// `Err(wait)` when `caller` is over the limit. Waits only when the shared budget
    /// has nothing left on this replica and is fetching more.
    pub async fn check(&self, caller: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.calls.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
        }
        // The limiter's own clock: a new default clock calibrates itself (CPUID and
        // more), which made each refusal cost more than an answer.
        limiter
            .check_key(&caller.to_owned())
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))?;
        match &self.shared {
            Some(shared) => shared.check(caller).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_caller_has_its_own_bucket() {
        let limits = RateLimits::new(3);
        for _ in 0..3 {
            assert!(limits.check("a").await.is_ok());
        }
        assert!(limits.check("a").await.is_err());
        assert!(limits.check("b").await.is_ok());
        assert!(RateLimits::new(0).check("a").await.is_ok());
    }
}
