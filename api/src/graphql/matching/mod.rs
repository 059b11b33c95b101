//! `matchJob` and `allocateJob` over GraphQL (DESIGN §6): ranked teams with their score
//! explained, and allocations proposed as assignments.

mod inputs;
mod mutations;
mod queries;
mod types;

pub use mutations::MatchingMutation;
pub use queries::MatchingQuery;
