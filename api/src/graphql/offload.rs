//! Search-engine work off the async workers. Engine queries are CPU work that usually
//! takes micro- to milliseconds but can take seconds; run on a worker, such a query would
//! hold up every request that worker serves (health probes included). Every resolver runs
//! engine work through [`on_engine`]: on tokio's blocking pool, at most
//! `index.max_parallel_queries` at once, inside a budget (`makermatch_search::budget`)
//! that ends at the request's deadline or as soon as the request is dropped (its timeout
//! fired, or its client went away), so the work stops with the request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_graphql::{Context, Error, Result};
use makermatch_search::budget::{self, Budget};
use makermatch_search::{SearchEngine, SearchError};
use tokio::sync::Semaphore;

use super::error::{Code, coded, from_search, from_service, internal};
use crate::services::ServiceError;

/// When the operation being answered must be done; put in its data where HTTP requests
/// and WebSocket operations are admitted.
#[derive(Debug, Clone, Copy)]
pub struct RequestDeadline {
    /// `None` when the limit reaches past what an `Instant` can hold.
    at: Option<Instant>,
    limit: Duration,
}

impl RequestDeadline {
    /// A deadline `limit` from now.
    pub fn after(limit: Duration) -> RequestDeadline {
        RequestDeadline {
            at: Instant::now().checked_add(limit),
            limit,
        }
    }

    /// The answer once it passed: the same as the request timeout's.
    fn passed(&self) -> Error {
        coded(
            Code::LimitExceeded,
            format!("the request took longer than {} ms", self.limit.as_millis()),
        )
    }
}

/// The engine, and the permits bounding how much engine work runs at once; in the
/// schema's data.
pub struct EngineGate {
    engine: SearchEngine,
    permits: Semaphore,
}

impl EngineGate {
    /// A gate letting `max_parallel` pieces of work (at least one) run at once.
    pub fn new(engine: SearchEngine, max_parallel: usize) -> Arc<EngineGate> {
        Arc::new(EngineGate {
            engine,
            permits: Semaphore::new(max_parallel.clamp(1, Semaphore::MAX_PERMITS)),
        })
    }
}

/// A permit of the gate, owned by the blocking task it was taken for: given back when
/// the work ends however it ends (returned, panicked, or never started), not when the
/// request stops waiting for it, so the bound holds for work still winding down.
struct HeldPermit(Arc<EngineGate>);

impl Drop for HeldPermit {
    fn drop(&mut self) {
        self.0.permits.add_permits(1);
    }
}

/// Sets the work's cancel flag when the awaiting future is dropped before the work ended.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// What engine work fails with: the engine's errors, or those of a service built on it;
/// each answered as its own kind of error is elsewhere.
pub trait EngineFailure: Send + 'static {
    /// The work stopped because its budget was spent.
    fn is_cancelled(&self) -> bool;
    fn into_error(self) -> Error;
}

impl EngineFailure for SearchError {
    fn is_cancelled(&self) -> bool {
        matches!(self, SearchError::Cancelled)
    }

    fn into_error(self) -> Error {
        from_search(self)
    }
}

impl EngineFailure for ServiceError {
    fn is_cancelled(&self) -> bool {
        matches!(self, ServiceError::Search(SearchError::Cancelled))
    }

    fn into_error(self) -> Error {
        from_service(self)
    }
}

/// How long a re-runnable read may first run on the request's own worker (see
/// [`on_engine_read`]).
const INLINE_SLICE: Duration = Duration::from_micros(500);

/// Runs a read on the engine that may safely run twice (a query: the engine answers the
/// same again). Most queries take tens of microseconds, less than the hop to the blocking
/// pool and back, so the read first runs right here with a budget of [`INLINE_SLICE`]; one
/// that needs longer is stopped and run again from the start by [`on_engine`], off the
/// async workers and within the request's time. A worker is thus held for at most a slice.
pub async fn on_engine_read<T, E, W>(ctx: &Context<'_>, work: W) -> Result<T>
where
    T: Send + 'static,
    E: EngineFailure,
    W: Fn(&SearchEngine) -> Result<T, E> + Send + Sync + 'static,
{
    let gate = ctx.data::<Arc<EngineGate>>()?;
    let deadline = ctx.data_opt::<RequestDeadline>();
    let slice_end = Instant::now().checked_add(INLINE_SLICE);
    let end = match (deadline.and_then(|d| d.at), slice_end) {
        (Some(at), Some(slice)) => Some(at.min(slice)),
        (at, slice) => at.or(slice),
    };
    let budget = Budget::new(end, Arc::new(AtomicBool::new(false)));
    let inline = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        budget::scope(budget, || work(&gate.engine))
    }));
    match inline {
        Ok(Ok(value)) => return Ok(value),
        Ok(Err(e)) if e.is_cancelled() => {
            if let Some(deadline) = deadline
                && deadline.at.is_some_and(|at| Instant::now() >= at)
            {
                return Err(deadline.passed());
            }
            // The slice ran out: the read goes to the pool.
        }
        Ok(Err(e)) => return Err(e.into_error()),
        Err(panic) => {
            return Err(internal(format!(
                "search-engine work failed: {}",
                makermatch_search::engine::panic_message(panic)
            )));
        }
    }
    on_engine(ctx, move |engine| work(engine)).await
}

/// Runs `work` on the engine off the async workers, within the request's time: waits
/// for a permit (a request dropped meanwhile never runs it), runs it on the blocking
/// pool, and stops it through its budget when the request's deadline passes or the
/// request is dropped. A spent budget answers `LIMIT_EXCEEDED` as the request timeout
/// does; a panic in `work` answers `INTERNAL`.
pub async fn on_engine<T, E, W>(ctx: &Context<'_>, work: W) -> Result<T>
where
    T: Send + 'static,
    E: EngineFailure,
    W: FnOnce(&SearchEngine) -> Result<T, E> + Send + 'static,
{
    let gate = ctx.data::<Arc<EngineGate>>()?;
    let deadline = ctx.data_opt::<RequestDeadline>();
    let permit = gate.permits.acquire().await.map_err(internal)?;
    // From here on the permit is the blocking task's to give back.
    permit.forget();
    let held = HeldPermit(gate.clone());
    let cancelled = Arc::new(AtomicBool::new(false));
    let _cancel_on_drop = CancelOnDrop(cancelled.clone());
    let budget = Budget::new(deadline.and_then(|d| d.at), cancelled);
    let outcome = tokio::task::spawn_blocking(move || {
        let held = held;
        budget::scope(budget, || work(&held.0.engine))
    })
    .await;
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) if e.is_cancelled() => Err(match deadline {
            Some(deadline) => deadline.passed(),
            None => from_search(SearchError::Cancelled),
        }),
        Ok(Err(e)) => Err(e.into_error()),
        Err(e) => Err(internal(format!("search-engine work failed: {e}"))),
    }
}
