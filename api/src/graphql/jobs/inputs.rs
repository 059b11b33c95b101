//! What `jobs(…)` filters on and what the job and programme mutations write, turned into
//! an engine request and the service's inputs.

use async_graphql::{Context, ID, InputObject, Result};
use makermatch_search::matching::TermResolution;
use makermatch_search::resolve::Resolution;
use makermatch_search::skills::skill_key;
use makermatch_search::{Filters, Kind, SearchRequest, SkillFilter, Within};
use uuid::Uuid;

use super::types::{JobStatus, RequirementKind};
use crate::graphql::error::{ServiceErrorExt, bad_input, from_service};
use crate::graphql::geo::{BoundingBox, GeoFilter};
use crate::graphql::makers::SkillLevel;
use crate::graphql::relay::{NodeType, expect_id};
use crate::graphql::scalars::Date;
use crate::graphql::taxonomy::{
    equipment_type_id, equipment_type_read, material_id, material_read, process_id, process_read,
    taxonomy,
};
use crate::services::ServiceError;
use crate::services::jobs::{
    JobInput as ServiceJobInput, ProgrammeInput as ServiceProgrammeInput,
    RequirementInput as ServiceRequirementInput,
};

fn status_code(s: JobStatus) -> String {
    let s: makermatch_entities::job::JobStatus = s.into();
    sea_orm::ActiveEnum::to_value(&s)
}

/// What `jobs(…)` returns. Lists of codes match any of their values; lists of
/// requirements need all of them. Process, equipment and material terms may be ids,
/// labels in any language, aliases or Wikipedia URLs; a process matches jobs requiring it
/// or a more specific one (asking for `3d-printing` finds jobs needing FDM).
#[derive(InputObject, Default)]
pub struct JobFilter {
    /// Words in titles, descriptions, delivery places and requirements. With text,
    /// results come by relevance (distance breaks ties).
    pub text: Option<String>,
    /// Jobs delivering within a radius of a point, nearest delivery point first.
    pub near: Option<GeoFilter>,
    /// Jobs delivering inside a viewport.
    pub within: Option<BoundingBox>,
    /// Any of these statuses.
    pub statuses: Option<Vec<JobStatus>>,
    /// Tier labels, e.g. `SIMPLE_DEVICE` (case does not matter).
    pub tiers: Option<Vec<String>>,
    /// Only jobs of this programme (`NOT_FOUND` when it does not exist).
    pub programme_id: Option<ID>,
    /// Processes the job requires or prefers.
    pub processes: Option<Vec<String>>,
    /// Equipment types the job requires or prefers.
    pub equipment_types: Option<Vec<String>>,
    /// Materials the job requires or prefers.
    pub materials: Option<Vec<String>>,
    /// Skills the job requires or prefers, as makers write them.
    pub skills: Option<Vec<String>>,
}

impl JobFilter {
    /// The engine request (unpaged) and the programme to keep, if any.
    pub(super) fn to_request(&self, ctx: &Context<'_>) -> Result<(SearchRequest, Option<Uuid>)> {
        let tax = taxonomy(ctx)?;
        let mut f = Filters {
            statuses: self
                .statuses
                .iter()
                .flatten()
                .map(|s| status_code(*s))
                .collect(),
            ..Filters::default()
        };
        for (i, t) in self.tiers.iter().flatten().enumerate() {
            if t.trim().is_empty() {
                return Err(bad_input(
                    &format!("filter.tiers[{i}]"),
                    "must not be empty",
                ));
            }
            f.tiers.push(t.trim().to_owned());
        }
        for (i, p) in self.processes.iter().flatten().enumerate() {
            f.processes
                .push(process_id(tax, &format!("filter.processes[{i}]"), p)?);
        }
        for (i, e) in self.equipment_types.iter().flatten().enumerate() {
            f.equipment_types.push(equipment_type_id(
                tax,
                &format!("filter.equipmentTypes[{i}]"),
                e,
            )?);
        }
        for (i, m) in self.materials.iter().flatten().enumerate() {
            f.materials
                .push(material_id(tax, &format!("filter.materials[{i}]"), m)?);
        }
        for (i, s) in self.skills.iter().flatten().enumerate() {
            let key = skill_key(s);
            if key.is_empty() {
                return Err(bad_input(
                    &format!("filter.skills[{i}]"),
                    "a skill needs words",
                ));
            }
            f.skills.push(SkillFilter {
                key,
                min_level: None,
                verified: false,
            });
        }
        let mut request = SearchRequest::new(Kind::Job).filters(f);
        if let Some(text) = self.text.as_ref().filter(|t| !t.trim().is_empty()) {
            request = request.text(text.clone());
        }
        if let Some(near) = self.near {
            request.near = Some(near.to_near("filter.near")?);
        }
        if let Some(within) = self.within {
            request = request.within(Within::Box(within.to_engine("filter.within")?));
        }
        let programme = match &self.programme_id {
            Some(id) => Some(expect_id("filter.programmeId", id, NodeType::Programme)?),
            None => None,
        };
        Ok((request, programme))
    }
}

/// An amount in minor units of a currency.
#[derive(InputObject)]
pub struct MoneyInput {
    /// Minor units (cents): 250 is 2.50. Zero or more.
    pub amount_minor: i64,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
}

/// Where a job's goods go. Latitude and longitude go together.
#[derive(InputObject, Default)]
pub struct DeliveryPointInput {
    /// The place's name, e.g. a clinic.
    pub name: Option<String>,
    /// Latitude in WGS 84 degrees, -90 to 90; with `lon`.
    pub lat: Option<f64>,
    /// Longitude in WGS 84 degrees, -180 to 180; with `lat`.
    pub lon: Option<f64>,
}

/// One requirement. `term` is a taxonomy term (id, label in any language, alias,
/// Wikipedia URL, TSDC code) for processes, equipment and materials, and free words for
/// skills and certifications.
#[derive(InputObject)]
#[graphql(name = "JobRequirementInput")]
pub struct RequirementInputGql {
    /// What the requirement names.
    pub kind: RequirementKind,
    /// The process, skill, equipment type, material or certification.
    pub term: String,
    /// Required, or only preferred.
    #[graphql(default = true)]
    pub required: bool,
    /// Skills only: the least level that satisfies it.
    pub min_level: Option<SkillLevel>,
}

/// A job as written by `createJob` and `updateJob` (which replaces every field and
/// requirement with these).
#[derive(InputObject)]
#[graphql(name = "JobInput")]
pub struct JobInputGql {
    /// The programme it belongs to.
    pub programme_id: Option<ID>,
    /// What to make, in a few words; not empty.
    pub title: String,
    /// Details of the job.
    pub description: Option<String>,
    /// The design to make: an OKH manifest URL or reference.
    pub design_ref: Option<String>,
    /// Units to make; more than 0.
    pub quantity: i32,
    /// `SIMPLE_DEVICE`, `SIMPLE_PRODUCT`, `COMPLEX_PRODUCT` or a free label.
    pub tier: Option<String>,
    /// Price of one unit.
    pub unit_price: Option<MoneyInput>,
    /// The date the goods are due.
    pub deadline: Option<Date>,
    /// Where the goods go.
    pub delivery_point: Option<DeliveryPointInput>,
    /// Farthest a producing facility may be from the delivery point.
    pub max_distance_km: Option<f64>,
    /// Each facility submits a prototype for QA before production.
    #[graphql(default)]
    pub prototype_first: bool,
    /// Who approves prototypes.
    pub qa_inspector: Option<String>,
    /// Where the job stands.
    #[graphql(default_with = "JobStatus::Draft")]
    pub status: JobStatus,
    /// What the job needs or prefers.
    #[graphql(default)]
    pub requirements: Vec<RequirementInputGql>,
}

fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl JobInputGql {
    /// The service's input with every taxonomy term resolved; unknown terms are errors
    /// naming `input.requirements[i].term`.
    pub(super) fn into_service(self, ctx: &Context<'_>) -> Result<ServiceJobInput> {
        use makermatch_entities::job_requirement::RequirementKind as K;
        let tax = taxonomy(ctx)?;
        let mut input = ServiceJobInput::new(self.title, self.quantity);
        input.programme_id = match &self.programme_id {
            Some(id) => Some(expect_id("input.programmeId", id, NodeType::Programme)?),
            None => None,
        };
        input.description = clean(self.description);
        input.design_ref = clean(self.design_ref);
        input.tier = clean(self.tier);
        if let Some(price) = self.unit_price {
            input.unit_price_minor = Some(price.amount_minor);
            input.currency = Some(price.currency);
        }
        input.deadline = self.deadline.map(Into::into);
        if let Some(d) = self.delivery_point {
            input.delivery_name = clean(d.name);
            input.delivery_lat = d.lat;
            input.delivery_lon = d.lon;
        }
        input.max_distance_km = self.max_distance_km;
        input.prototype_first = self.prototype_first;
        input.qa_inspector = clean(self.qa_inspector);
        input.status = self.status.into();
        for (i, r) in self.requirements.into_iter().enumerate() {
            let field = format!("input.requirements[{i}].term");
            let kind: K = r.kind.into();
            // Stored as the id, with how the words were read (a fuzzy "millin" stays
            // visibly fuzzy in every match).
            let read = |r: Resolution, written: &str| {
                let how = TermResolution::read(written.trim(), &r);
                (r.id, Some(how))
            };
            let (term, resolution) = match kind {
                K::Process => read(process_read(tax, &field, &r.term)?, &r.term),
                K::Equipment => read(equipment_type_read(tax, &field, &r.term)?, &r.term),
                K::Material => read(material_read(tax, &field, &r.term)?, &r.term),
                K::Skill => {
                    if skill_key(&r.term).is_empty() {
                        return Err(bad_input(&field, "a skill needs words"));
                    }
                    (r.term.trim().to_owned(), None)
                }
                K::Certification => (r.term.trim().to_owned(), None),
            };
            input.requirements.push(ServiceRequirementInput {
                kind,
                term,
                required: r.required,
                min_level: r.min_level.map(Into::into),
                resolution,
            });
        }
        Ok(input)
    }
}

/// The service names job fields by their stored names; the input nests some of them.
pub(super) fn from_job_service(e: ServiceError) -> async_graphql::Error {
    match e {
        ServiceError::InvalidInput { field, message } => {
            let field = if let Some(rest) = field.strip_prefix("delivery") {
                format!("deliveryPoint{rest}")
            } else if field == "unitPrice" {
                "unitPrice.amountMinor".to_owned()
            } else if field == "currency" {
                "unitPrice.currency".to_owned()
            } else {
                field
            };
            ServiceErrorExt(ServiceError::InvalidInput { field, message }, "input.").into()
        }
        other => from_service(other),
    }
}

/// A programme as written by `createProgramme` and `updateProgramme` (which replaces
/// every field with these).
#[derive(InputObject)]
#[graphql(name = "ProgrammeInput")]
pub struct ProgrammeInputGql {
    /// The programme's name; not empty.
    pub name: String,
    /// What the programme is for.
    pub description: Option<String>,
    /// Who funds or runs it.
    pub sponsor: Option<String>,
    /// First day of the programme.
    pub starts_on: Option<Date>,
    /// Not before `startsOn`.
    pub ends_on: Option<Date>,
    /// The countries the programme's jobs are made in (ISO 3166-1 alpha-2): allocation
    /// keeps to facilities there. Empty or absent: anywhere.
    #[graphql(default)]
    pub region: Vec<String>,
    /// The facilities taking part (e.g. the programme's awardees), by id: allocation keeps
    /// to them. Empty or absent: any facility.
    #[graphql(default)]
    pub participant_ids: Vec<ID>,
    /// Opt-in: when an assignment of the programme is completed, each of its makers gets
    /// a proof-of-practice credential signed by this deployment (Open Badges 3.0, with a
    /// place in its revocation list). Absent: false.
    #[graphql(default)]
    pub issue_proof_of_practice: bool,
}

impl ProgrammeInputGql {
    pub(super) fn into_service(self) -> Result<ServiceProgrammeInput> {
        let participants = self
            .participant_ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                expect_id(
                    &format!("input.participantIds[{i}]"),
                    id,
                    NodeType::Facility,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let mut input = ServiceProgrammeInput::from(self);
        input.participants = participants;
        Ok(input)
    }
}

impl From<ProgrammeInputGql> for ServiceProgrammeInput {
    fn from(p: ProgrammeInputGql) -> Self {
        ServiceProgrammeInput {
            name: p.name,
            description: clean(p.description),
            sponsor: clean(p.sponsor),
            starts_on: p.starts_on.map(Into::into),
            ends_on: p.ends_on.map(Into::into),
            region: p.region,
            participants: Vec::new(),
            issue_proof_of_practice: p.issue_proof_of_practice,
        }
    }
}
