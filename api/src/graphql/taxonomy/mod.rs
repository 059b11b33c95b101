//! The process taxonomy over GraphQL (DESIGN §4): processes, equipment types, materials,
//! the skills makers have declared and the machine catalog; plus turning a filter's words
//! into taxonomy ids.

mod inputs;
mod machine_models;
mod queries;
mod types;

pub use inputs::{
    equipment_type_id, equipment_type_read, material_id, material_read, process_id, process_read,
    taxonomy,
};
pub use machine_models::MachineModelsQuery;
pub use queries::TaxonomyQuery;
pub use types::{Material, Process, Skill};
