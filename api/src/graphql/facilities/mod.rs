//! Facilities (OKW manufacturing facilities) over GraphQL: the `Facility` type over the
//! stored row, `facilities(…)` and `nearestFacilities(…)` read through the search engine,
//! and the create / update / delete mutations through the service layer.

mod inputs;
mod mutations;
mod queries;
mod types;

pub use mutations::FacilitiesMutation;
pub use queries::FacilitiesQuery;
pub use types::{Deleted, Equipment, Facility};
