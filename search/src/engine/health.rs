//! Whether the engine's in-memory state can be trusted, and the boundary that turns a
//! panic inside the engine into a value: a bug (or a library's bug, as rstar's bulk-load
//! panic was) must cost a rebuild of the state, never the process or every later query.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError};

/// What the engine can answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineHealth {
    Healthy,
    /// A panic was caught and the in-memory state is being rebuilt from the index;
    /// queries answer [`crate::SearchError::Recovering`] or from the state they had.
    Recovering {
        reason: String,
    },
    /// The state could not be rebuilt from the index: the index itself must be refilled
    /// from the database (the api's indexer does so and retries).
    Failed {
        reason: String,
    },
}

impl EngineHealth {
    pub fn is_healthy(&self) -> bool {
        matches!(self, EngineHealth::Healthy)
    }
}

/// The engine's health, shared by queries, the writer and the recovery.
#[derive(Debug)]
pub(crate) struct HealthCell(Mutex<EngineHealth>);

impl HealthCell {
    pub(crate) fn new() -> HealthCell {
        HealthCell(Mutex::new(EngineHealth::Healthy))
    }

    pub(crate) fn get(&self) -> EngineHealth {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set(&self, health: EngineHealth) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = health;
    }
}

/// Runs `f`, turning a panic into its message. The engine's shared state is never
/// trusted after one (callers drop and reload it), hence `AssertUnwindSafe`.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(panic_message)
}

/// The message a panic carried (`panic!` with a literal or a formatted string).
pub fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
