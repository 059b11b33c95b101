//! Database entities of makermatch (DESIGN §3): one module per table.
//!
//! Entities are plain sea-orm models; GraphQL types wrap them in `api/` and never derive
//! on them, so the storage shape can change without breaking the public contract.

pub mod achievement;
pub mod achievement_alignment;
pub mod allocation_request;
pub mod assignment;
pub mod assignment_event;
pub mod assignment_maker;
pub mod availability;
pub mod credential;
pub mod equipment;
pub mod equipment_property;
pub mod experience;
pub mod facility;
pub mod facility_material;
pub mod facility_process;
pub mod index_cursor;
pub mod issuer;
pub mod job;
pub mod job_requirement;
pub mod machine_clearance;
pub mod machine_model;
pub mod maker;
pub mod maker_affiliation;
pub mod material;
pub mod outbox;
pub mod outbox_retention;
pub mod process;
pub mod programme;
pub mod skill;
pub mod skill_claim;
pub mod tie_request;

pub mod prelude;
