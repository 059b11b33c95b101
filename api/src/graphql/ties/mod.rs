//! Ties a maker asks for, and their confirmation by the facility's staff or a coordinator
//! (the rules are `services::ties`').

mod mutations;
mod queries;
mod types;

pub use mutations::TiesMutation;
pub use queries::TiesQuery;
