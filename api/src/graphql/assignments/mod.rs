//! Assignments over GraphQL: proposals and the state machine's transitions as mutations
//! (rules in `services::assignments`), and their events as subscriptions.

mod inputs;
mod mutations;
mod queries;
mod subscriptions;
mod types;

pub use mutations::AssignmentsMutation;
pub use queries::AssignmentsQuery;
pub use subscriptions::Subscription;
pub use types::Assignment;
