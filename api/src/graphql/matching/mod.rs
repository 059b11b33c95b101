//! `matchJob` and `allocateJob` over GraphQL (DESIGN §6): ranked teams with their score
//! explained, and allocations proposed as assignments.

mod inputs;
mod mutations;
mod open_work;
mod queries;
mod skill_gaps;
mod types;

pub use mutations::MatchingMutation;
pub use open_work::{MatchingJob, Taker, matching_jobs};
pub use queries::MatchingQuery;
pub use skill_gaps::SkillGapsQuery;
pub use types::TermResolution;
