//! Panics (and stalls) on demand, for tests of the engine's recovery and cancellation
//! only. Compiled in always and inert until a test arms a point for an index (by its
//! folder): nothing a request can reach arms one. Checking costs one relaxed atomic load
//! while nothing is armed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::SearchError;
use crate::budget;

/// Where an armed fault panics.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultPoint {
    /// Applying a commit to the in-memory state, with its lock held (as rstar's
    /// `insert` panic did).
    Commit,
    /// Inside a query, with the state read.
    Query,
    /// Loading the in-memory state from the index (at open, after a commit that asked
    /// for a full reload, and when recovering).
    Load,
    /// Inside tantivy's rollback (which panics after running out of file handles lost
    /// it the folder lock).
    Rollback,
    /// Not a panic: a search that runs until its budget is spent (`budget::scope`), as
    /// a query taking very long would; see [`stalls`] and [`release_stalls`].
    Stall,
}

static ANY_ARMED: AtomicBool = AtomicBool::new(false);
static ARMED: Mutex<Option<HashMap<(String, FaultPoint), u32>>> = Mutex::new(None);

/// Makes the next `times` passes through `point` of the engine on `index` (its folder as
/// given to `SearchEngine::open`, or an in-memory engine's [`crate::SearchEngine::fault_key`])
/// panic ([`FaultPoint::Stall`]: stall). `times` 0 disarms.
#[doc(hidden)]
pub fn arm(index: &str, point: FaultPoint, times: u32) {
    let mut armed = ARMED.lock().unwrap_or_else(PoisonError::into_inner);
    if point == FaultPoint::Stall && times > 0 {
        with_stalls(index, |s| s.release = false);
    }
    let map = armed.get_or_insert_with(HashMap::new);
    if times == 0 {
        map.remove(&(index.to_owned(), point));
    } else {
        map.insert((index.to_owned(), point), times);
    }
    ANY_ARMED.store(!map.is_empty(), Ordering::Relaxed);
}

/// How many passes through `point` of `index` will still panic.
#[doc(hidden)]
pub fn remaining(index: &str, point: FaultPoint) -> u32 {
    let armed = ARMED.lock().unwrap_or_else(PoisonError::into_inner);
    armed
        .as_ref()
        .and_then(|m| m.get(&(index.to_owned(), point)).copied())
        .unwrap_or(0)
}

/// Takes one pass of `point` of `index` off its arming; whether it was armed.
fn take(index: &str, point: FaultPoint) -> bool {
    let mut armed = ARMED.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(map) = armed.as_mut() else {
        return false;
    };
    let key = (index.to_owned(), point);
    let Some(n) = map.get_mut(&key) else {
        return false;
    };
    *n -= 1;
    if *n == 0 {
        map.remove(&key);
    }
    ANY_ARMED.store(!map.is_empty(), Ordering::Relaxed);
    true
}

/// Panics when `point` of `index` is armed.
pub(crate) fn trip(index: &str, point: FaultPoint) {
    if !ANY_ARMED.load(Ordering::Relaxed) {
        return;
    }
    if take(index, point) {
        #[allow(clippy::panic)] // the whole point: a test asked for this panic
        {
            panic!("fault injected at {point:?} of the search index {index}");
        }
    }
}

/// What the stalls of one index did.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stalls {
    /// Searches that started stalling.
    pub entered: u32,
    /// Stalls that ended because their budget was spent: they answered `Cancelled`.
    pub cancelled: u32,
    /// Stalls that [`release_stalls`] ended: their search went on as usual.
    pub released: u32,
    /// Whether stalls of this index are released (until it is armed for stalls again).
    release: bool,
}

static STALLS: Mutex<Option<HashMap<String, Stalls>>> = Mutex::new(None);

/// Time between two checkpoints of a stall: it waits, it does not burn a core.
const STALL_TICK: Duration = Duration::from_micros(50);

fn with_stalls<T>(index: &str, f: impl FnOnce(&mut Stalls) -> T) -> T {
    let mut stalls = STALLS.lock().unwrap_or_else(PoisonError::into_inner);
    f(stalls
        .get_or_insert_with(HashMap::new)
        .entry(index.to_owned())
        .or_default())
}

/// What the stalls of `index` did so far.
#[doc(hidden)]
pub fn stalls(index: &str) -> Stalls {
    with_stalls(index, |s| *s)
}

/// Ends the stalls of `index`, running and future, until it is armed for stalls again:
/// what a test does so that work no budget stops cannot hang it.
#[doc(hidden)]
pub fn release_stalls(index: &str) {
    with_stalls(index, |s| s.release = true);
}

/// When a stall of `index` is armed, waits checkpoint after checkpoint until the
/// thread's budget is spent (`Err(Cancelled)`) or the stall is released (`Ok`).
pub(crate) fn stall(index: &str) -> Result<(), SearchError> {
    if !ANY_ARMED.load(Ordering::Relaxed) || !take(index, FaultPoint::Stall) {
        return Ok(());
    }
    with_stalls(index, |s| s.entered += 1);
    loop {
        if let Err(e) = budget::checkpoint() {
            with_stalls(index, |s| s.cancelled += 1);
            return Err(e);
        }
        if with_stalls(index, |s| s.release) {
            with_stalls(index, |s| s.released += 1);
            return Ok(());
        }
        std::thread::sleep(STALL_TICK);
    }
}
