//! The process taxonomy over GraphQL (DESIGN §4): processes, equipment types, materials,
//! and the skills makers have declared; plus turning a filter's words into taxonomy ids.

mod inputs;
mod queries;
mod types;

pub use inputs::{equipment_type_id, material_id, process_id, taxonomy};
pub use queries::TaxonomyQuery;
pub use types::{Material, Process, Skill};
