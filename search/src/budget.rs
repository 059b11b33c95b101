//! Cooperative cancellation of queries. A caller that must not wait forever (a request
//! with a deadline, or one whose client went away) runs engine work inside [`scope`] with
//! a [`Budget`]; the query loops then call [`checkpoint`] and stop with
//! [`SearchError::Cancelled`] once the budget is spent. The budget belongs to the thread,
//! so no query signature carries it; work run outside a scope (the indexer, the CLI,
//! tests) is never stopped.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::SearchError;

/// Checkpoints between two looks at the clock and the flag: a look costs a clock read
/// (tens of nanoseconds), a checkpoint between looks one thread-local decrement, and the
/// loops that call it do at least that much per call.
const LOOK_EVERY: u32 = 256;

/// What a query may spend: until a deadline, and until someone sets the flag.
#[derive(Debug, Clone)]
pub struct Budget {
    deadline: Option<Instant>,
    cancelled: Arc<AtomicBool>,
}

impl Budget {
    /// A budget ending at `deadline` (never, with `None`) or when `cancelled` is set.
    pub fn new(deadline: Option<Instant>, cancelled: Arc<AtomicBool>) -> Budget {
        Budget {
            deadline,
            cancelled,
        }
    }

    /// Whether the deadline passed or the flag was set.
    pub fn is_spent(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Budget>> = const { RefCell::new(None) };
    /// Checkpoints left before the next look; `u32::MAX` while no budget is installed.
    static UNTIL_LOOK: Cell<u32> = const { Cell::new(u32::MAX) };
}

/// Puts the thread's previous budget back however the scope ends (a panic included):
/// blocking-pool threads run one caller's work after another's.
struct Restore {
    previous: Option<Budget>,
    until_look: u32,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
        UNTIL_LOOK.with(|u| u.set(self.until_look));
    }
}

/// Runs `work` with `budget` installed for this thread (the previous one, if any, comes
/// back afterwards). The first checkpoint looks at once, so work that starts with its
/// budget already spent stops at its first loop.
pub fn scope<T>(budget: Budget, work: impl FnOnce() -> T) -> T {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(budget));
    let until_look = UNTIL_LOOK.with(|u| u.replace(1));
    let _restore = Restore {
        previous,
        until_look,
    };
    work()
}

/// `Err(Cancelled)` once the budget installed for this thread is spent; `Ok` without one.
/// Looks only every `LOOK_EVERY` calls, so loops may call it per item.
#[inline]
pub(crate) fn checkpoint() -> Result<(), SearchError> {
    UNTIL_LOOK.with(|u| {
        let left = u.get();
        if left > 1 {
            u.set(left - 1);
            Ok(())
        } else {
            look(u)
        }
    })
}

#[cold]
fn look(until_look: &Cell<u32>) -> Result<(), SearchError> {
    CURRENT.with(|c| match &*c.borrow() {
        None => {
            until_look.set(u32::MAX);
            Ok(())
        }
        Some(budget) if budget.is_spent() => {
            // Spent for good: every later checkpoint says so at once, even in a caller
            // that went on after the first refusal.
            until_look.set(1);
            Err(SearchError::Cancelled)
        }
        Some(_) => {
            until_look.set(LOOK_EVERY);
            Ok(())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Runs enough checkpoints for several looks; the first refusal, if any.
    fn run_checkpoints() -> Result<(), SearchError> {
        for _ in 0..LOOK_EVERY * 4 {
            checkpoint()?;
        }
        Ok(())
    }

    #[test]
    fn a_passed_deadline_cancels() {
        let past = Instant::now() - Duration::from_millis(1);
        let budget = Budget::new(Some(past), Arc::new(AtomicBool::new(false)));
        let outcome = scope(budget, run_checkpoints);
        assert!(
            matches!(outcome, Err(SearchError::Cancelled)),
            "{outcome:?}"
        );
    }

    #[test]
    fn a_set_flag_cancels_even_mid_way() {
        let flag = Arc::new(AtomicBool::new(false));
        let budget = Budget::new(None, flag.clone());
        let outcome = scope(budget, || {
            run_checkpoints()?;
            flag.store(true, Ordering::Relaxed);
            run_checkpoints()
        });
        assert!(
            matches!(outcome, Err(SearchError::Cancelled)),
            "{outcome:?}"
        );
    }

    #[test]
    fn a_budget_with_time_left_never_cancels() {
        let later = Instant::now() + Duration::from_secs(3_600);
        let budget = Budget::new(Some(later), Arc::new(AtomicBool::new(false)));
        assert!(scope(budget, run_checkpoints).is_ok());
    }

    #[test]
    fn without_a_budget_nothing_is_cancelled() {
        assert!(run_checkpoints().is_ok());
        // A spent budget ends with its scope: the thread's later work is not stopped.
        let spent = Budget::new(None, Arc::new(AtomicBool::new(true)));
        assert!(scope(spent, run_checkpoints).is_err());
        assert!(run_checkpoints().is_ok());
    }

    #[test]
    fn an_inner_scope_gives_the_outer_budget_back() {
        let outer = Budget::new(None, Arc::new(AtomicBool::new(true)));
        let inner = Budget::new(None, Arc::new(AtomicBool::new(false)));
        let outcome = scope(outer, || {
            assert!(scope(inner, run_checkpoints).is_ok());
            run_checkpoints()
        });
        assert!(
            matches!(outcome, Err(SearchError::Cancelled)),
            "{outcome:?}"
        );
    }
}
