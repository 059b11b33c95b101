//! The entities under short names, for `use makermatch_entities::prelude::*`.

pub use crate::achievement::Entity as Achievement;
pub use crate::achievement_alignment::Entity as AchievementAlignment;
pub use crate::assignment::Entity as Assignment;
pub use crate::assignment_event::Entity as AssignmentEvent;
pub use crate::assignment_maker::Entity as AssignmentMaker;
pub use crate::availability::Entity as Availability;
pub use crate::credential::Entity as Credential;
pub use crate::equipment::Entity as Equipment;
pub use crate::equipment_property::Entity as EquipmentProperty;
pub use crate::experience::Entity as Experience;
pub use crate::facility::Entity as Facility;
pub use crate::facility_material::Entity as FacilityMaterial;
pub use crate::facility_process::Entity as FacilityProcess;
pub use crate::index_cursor::Entity as IndexCursor;
pub use crate::issuer::Entity as Issuer;
pub use crate::job::Entity as Job;
pub use crate::job_requirement::Entity as JobRequirement;
pub use crate::machine_clearance::Entity as MachineClearance;
pub use crate::maker::Entity as Maker;
pub use crate::maker_affiliation::Entity as MakerAffiliation;
pub use crate::material::Entity as Material;
pub use crate::outbox::Entity as Outbox;
pub use crate::process::Entity as Process;
pub use crate::programme::Entity as Programme;
pub use crate::skill::Entity as Skill;
pub use crate::skill_claim::Entity as SkillClaim;
