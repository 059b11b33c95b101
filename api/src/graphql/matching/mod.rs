//! `matchJob` and `allocateJob` over GraphQL (DESIGN §6): ranked teams with their score
//! explained, and allocations proposed as assignments.

mod for_facility;
mod inputs;
mod mutations;
mod queries;
mod types;

pub use for_facility::{MatchingJob, matching_jobs};
pub use mutations::MatchingMutation;
pub use queries::MatchingQuery;
