//! Production jobs and the programmes that group them (DESIGN §3) over GraphQL: the `Job`
//! and `Programme` types over the stored rows, `jobs(…)` read through the search engine
//! (the delivery point is the job's position), and the create / update / delete mutations
//! through the service layer.

mod inputs;
mod mutations;
mod queries;
mod types;

pub use mutations::JobsMutation;
pub use queries::{JobsQuery, jobs_of};
pub use types::{Job, Programme, RequirementKind};
