use uuid::Uuid;

/// Why an allocation could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AllocationError {
    /// The request itself is wrong (a bad share, an unknown facility, a duplicate id…).
    #[error("invalid allocation request: {0}")]
    InvalidInput(String),

    /// Raised by [`crate::allocation::Allocation::into_complete`] when some demand could
    /// not be placed within the capacities and caps.
    #[error(
        "the demand cannot be met: {shortfall} of {quantity} units of job {job_id} have no \
         facility with room left (raise capacities or caps, or add candidates)"
    )]
    Shortfall {
        job_id: Uuid,
        quantity: u32,
        shortfall: u32,
    },

    /// The solver broke one of its own invariants: a bug, reported instead of a wrong
    /// answer.
    #[error("the allocation solver failed: {0}")]
    Solver(String),
}
