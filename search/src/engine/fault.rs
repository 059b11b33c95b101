//! Panics on demand, for tests of the engine's recovery only. Compiled in always and
//! inert until a test arms a point for an index (by its folder): nothing a request can
//! reach arms one. Checking costs one relaxed atomic load while nothing is armed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

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
}

static ANY_ARMED: AtomicBool = AtomicBool::new(false);
static ARMED: Mutex<Option<HashMap<(String, FaultPoint), u32>>> = Mutex::new(None);

/// Makes the next `times` passes through `point` of the engine on `index` (its folder as
/// given to `SearchEngine::open`, or an in-memory engine's [`crate::SearchEngine::fault_key`])
/// panic. `times` 0 disarms.
#[doc(hidden)]
pub fn arm(index: &str, point: FaultPoint, times: u32) {
    let mut armed = ARMED.lock().unwrap_or_else(PoisonError::into_inner);
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

/// Panics when `point` of `index` is armed.
pub(crate) fn trip(index: &str, point: FaultPoint) {
    if !ANY_ARMED.load(Ordering::Relaxed) {
        return;
    }
    let fire = {
        let mut armed = ARMED.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(map) = armed.as_mut() else {
            return;
        };
        let key = (index.to_owned(), point);
        match map.get_mut(&key) {
            Some(n) => {
                *n -= 1;
                if *n == 0 {
                    map.remove(&key);
                }
                ANY_ARMED.store(!map.is_empty(), Ordering::Relaxed);
                true
            }
            None => false,
        }
    };
    if fire {
        #[allow(clippy::panic)] // the whole point: a test asked for this panic
        {
            panic!("fault injected at {point:?} of the search index {index}");
        }
    }
}
