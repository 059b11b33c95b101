//! Rebuilding the in-memory state (ords, R-trees, the reader snapshot) from the last
//! commit of the index, after a panic left it untrustworthy or a commit could not be
//! applied to it. Queries meanwhile answer from the old state when it is still whole, or
//! with [`SearchError::Recovering`] when it is not.

use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Inner;
use super::fault::{self, FaultPoint};
use super::health::{EngineHealth, guarded};
use super::state::{Snapshot, State};
use crate::SearchError;
use crate::index::payload;

/// In-memory states rebuilt from the index by every engine of the process. Process-wide so
/// that a metrics exporter can read it without holding an engine or hooking the recovery.
static RESTORES: AtomicU64 = AtomicU64::new(0);

/// How many times an engine of this process rebuilt its in-memory state from the index
/// (after a caught panic, or a commit that could not be applied to memory).
pub fn restores_total() -> u64 {
    RESTORES.load(Ordering::Relaxed)
}

/// Loads the state of the last commit and swaps it in. On failure the old state stays
/// when it is still whole; when it is not, the engine is [`EngineHealth::Failed`] and
/// only a refill from the database (a commit after `EngineWriter::clear`) brings it back.
pub(crate) fn reload(inner: &Inner, reason: &str) -> Result<(), SearchError> {
    // One state change at a time: a commit publishing while an older snapshot is swapped
    // in would lose that commit from memory.
    let _publishing = inner
        .publishing
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if !inner.state_ok.load(Ordering::Acquire) {
        inner.health.set(EngineHealth::Recovering {
            reason: reason.to_owned(),
        });
    }
    let loaded = guarded(|| load_committed(inner));
    let error = match loaded {
        Ok(Ok(state)) => {
            install(inner, state);
            RESTORES.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Ok(Err(e)) => e,
        Err(message) => SearchError::Panicked {
            during: "loading the in-memory state from the index",
            message,
        },
    };
    if !inner.state_ok.load(Ordering::Acquire) {
        inner.health.set(EngineHealth::Failed {
            reason: format!("{reason}; rebuilding from the index failed too: {error}"),
        });
    }
    Err(error)
}

/// Swaps `state` in as the one queries read, whatever a panic left behind.
pub(crate) fn install(inner: &Inner, state: State) {
    let mut guard = inner.state.write().unwrap_or_else(PoisonError::into_inner);
    *guard = state;
    drop(guard);
    inner.state.clear_poison();
    inner.state_ok.store(true, Ordering::Release);
    inner.health.set(EngineHealth::Healthy);
}

fn load_committed(inner: &Inner) -> Result<State, SearchError> {
    // The payload first: a commit landing in between makes the reader newer than the
    // number, which only replays rows (harmless), never skips them.
    let applied_seq = payload::decode(inner.index.load_metas()?.payload.as_deref())?;
    inner.reader.reload()?;
    let snapshot = Snapshot::new(inner.reader.searcher(), &inner.fields)?;
    fault::trip(&inner.fault_key, FaultPoint::Load);
    State::load(snapshot, &inner.fields, applied_seq)
}
