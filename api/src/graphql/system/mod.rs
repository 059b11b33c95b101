//! What the service is and how much it holds.

mod queries;
mod types;

pub use queries::SystemQuery;
