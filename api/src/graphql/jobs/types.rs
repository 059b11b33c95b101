//! The `Job` and `Programme` types and the parts of a job they show.

use async_graphql::{Context, Enum, ID, Json, Object, Result, SimpleObject};
use makermatch_entities::{job, programme};
use uuid::Uuid;

use crate::graphql::loader::{AppLoader, JobRequirements, ProgrammeId, ProgrammeJobs};
use crate::graphql::makers::SkillLevel;
use crate::graphql::relay::{NodeType, global_id};
use crate::graphql::scalars::{Date, Timestamp};
use crate::graphql::taxonomy::taxonomy;

/// Where a job stands: `DRAFT → OPEN → ALLOCATED → IN_PRODUCTION → COMPLETED`, or
/// `CANCELLED`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::job::JobStatus")]
pub enum JobStatus {
    /// Being prepared (imports arrive as drafts); a first proposal makes it `ALLOCATED`.
    Draft,
    /// Ready for matching; a first proposal makes it `ALLOCATED`.
    Open,
    /// Assignments have been proposed for it.
    Allocated,
    /// Facilities are making it.
    InProduction,
    /// Finished; no more work is proposed for it.
    Completed,
    /// Called off; no more work is proposed for it.
    Cancelled,
}

/// What a job requirement names.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::job_requirement::RequirementKind")]
pub enum RequirementKind {
    /// A taxonomy process (a facility offering it or a more specific one satisfies it).
    Process,
    /// A maker skill, as makers write it.
    Skill,
    /// A taxonomy equipment type.
    Equipment,
    /// A taxonomy material.
    Material,
    /// A certification, free text (e.g. `ISO 13485`).
    Certification,
}

/// An amount of money in minor units (cents, pesewas) of an ISO 4217 currency, so sums
/// are exact.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// Minor units: 250 is 2.50 USD.
    pub amount_minor: i64,
    /// ISO 4217 code, e.g. `USD`, `GHS`.
    pub currency: String,
}

/// Where a job's goods go, e.g. a clinic.
#[derive(SimpleObject, Clone, Debug)]
pub struct DeliveryPoint {
    /// The place's name, e.g. a clinic.
    pub name: Option<String>,
    /// Latitude in WGS 84 degrees; null together with `lon`.
    pub lat: Option<f64>,
    /// Longitude in WGS 84 degrees; null together with `lat`.
    pub lon: Option<f64>,
}

/// One requirement of a job, required or merely preferred.
pub struct JobRequirement(makermatch_entities::job_requirement::Model);

/// One thing a job needs (required) or would like (preferred): a process, skill, machine,
/// material or certification.
#[Object]
impl JobRequirement {
    /// What the requirement names.
    async fn kind(&self) -> RequirementKind {
        self.0.kind.into()
    }
    /// The taxonomy id for processes, equipment types and materials (e.g. `fdm`); the
    /// words as given for skills and certifications.
    async fn term(&self) -> &str {
        &self.0.term
    }
    /// The English label of a taxonomy term, or the term itself.
    async fn label(&self, ctx: &Context<'_>) -> Result<String> {
        use makermatch_entities::job_requirement::RequirementKind as K;
        let tax = taxonomy(ctx)?;
        let term = self.0.term.as_str();
        let label = match self.0.kind {
            K::Process => tax.process(term).map(|p| p.en.clone()),
            K::Equipment => tax.equipment_type(term).map(|e| e.en.clone()),
            K::Material => tax.material(term).map(|m| m.en.clone()),
            K::Skill | K::Certification => None,
        };
        Ok(label.unwrap_or_else(|| term.to_owned()))
    }
    /// Required (`true`) or preferred (`false`).
    async fn required(&self) -> bool {
        self.0.required
    }
    /// For skills: the least level that satisfies it.
    async fn min_level(&self) -> Option<SkillLevel> {
        self.0.min_level.map(Into::into)
    }
    /// How the term was read when the requirement was written (a fuzzy match, a TsDC
    /// code, an inference from the design's files…); null when stored as given.
    async fn resolution(&self) -> Option<crate::graphql::matching::TermResolution> {
        let stored = self.0.resolution.clone()?;
        serde_json::from_value::<makermatch_search::matching::TermResolution>(stored)
            .ok()
            .map(|r| crate::graphql::matching::TermResolution::of(&r))
    }
}

/// A production order: what to make, how many, for how much, by when and where to.
pub struct Job {
    pub row: job::Model,
    /// Kilometres from the `near` point of the query that found it to the delivery point.
    pub distance_km: Option<f64>,
}

impl Job {
    pub fn new(row: job::Model) -> Job {
        Job {
            row,
            distance_km: None,
        }
    }
}

/// A production order: what to make, how many, for how much, by when and where to deliver
/// it.
#[Object]
impl Job {
    /// Global id (Relay), usable with `node` and every `id` argument.
    pub async fn id(&self) -> ID {
        global_id(NodeType::Job, self.row.id)
    }
    /// The id as a plain UUID (as in exports).
    async fn uuid(&self) -> Uuid {
        self.row.id
    }
    /// What to make, in a few words.
    async fn title(&self) -> &str {
        &self.row.title
    }
    /// The title again, under the name every node of a map or a search carries.
    async fn name(&self) -> &str {
        &self.row.title
    }
    /// Details of the job.
    async fn description(&self) -> Option<&str> {
        self.row.description.as_deref()
    }
    /// The design to make: an OKH manifest URL or reference.
    async fn design_ref(&self) -> Option<&str> {
        self.row.design_ref.as_deref()
    }
    /// The OKH manifest the job was imported from, as JSON.
    async fn design_manifest(&self) -> Option<Json<serde_json::Value>> {
        self.row.design_manifest.clone().map(Json)
    }
    /// Units to make.
    async fn quantity(&self) -> i32 {
        self.row.quantity
    }
    /// `SIMPLE_DEVICE`, `SIMPLE_PRODUCT`, `COMPLEX_PRODUCT` or a free label.
    async fn tier(&self) -> Option<&str> {
        self.row.tier.as_deref()
    }
    /// Price of one unit.
    async fn unit_price(&self) -> Option<Money> {
        Some(Money {
            amount_minor: self.row.unit_price_minor?,
            currency: self.row.currency.clone()?,
        })
    }
    /// Unit price times quantity; null without a unit price (or if it would overflow).
    async fn total_price(&self) -> Option<Money> {
        Some(Money {
            amount_minor: self
                .row
                .unit_price_minor?
                .checked_mul(i64::from(self.row.quantity))?,
            currency: self.row.currency.clone()?,
        })
    }
    /// The date the goods are due.
    async fn deadline(&self) -> Option<Date> {
        self.row.deadline.map(Into::into)
    }
    /// Where the goods go; null when neither a name nor a position is known.
    async fn delivery_point(&self) -> Option<DeliveryPoint> {
        let r = &self.row;
        if r.delivery_name.is_none() && r.delivery_lat.is_none() {
            return None;
        }
        Some(DeliveryPoint {
            name: r.delivery_name.clone(),
            lat: r.delivery_lat,
            lon: r.delivery_lon,
        })
    }
    /// Haversine kilometres from the `near` point of the query to the delivery point;
    /// null elsewhere.
    async fn distance_km(&self) -> Option<f64> {
        self.distance_km
    }
    /// Farthest a producing facility may be from the delivery point.
    async fn max_distance_km(&self) -> Option<f64> {
        self.row.max_distance_km
    }
    /// Whether each facility submits a prototype for QA before production.
    async fn prototype_first(&self) -> bool {
        self.row.prototype_first
    }
    /// Who approves prototypes (the inspector's subject).
    async fn qa_inspector(&self) -> Option<&str> {
        self.row.qa_inspector.as_deref()
    }
    /// Where the job stands.
    async fn status(&self) -> JobStatus {
        self.row.status.into()
    }
    /// Processes, skills, equipment, materials and certifications the job needs or prefers.
    async fn requirements(&self, ctx: &Context<'_>) -> Result<Vec<JobRequirement>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(JobRequirements(self.row.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(JobRequirement)
            .collect())
    }
    /// The programme the job belongs to.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<Programme>> {
        let Some(id) = self.row.programme_id else {
            return Ok(None);
        };
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(ProgrammeId(id)).await?.map(Programme))
    }
    /// Where the record came from (`makermatch`, an importer) and its id there.
    async fn source(&self) -> &str {
        &self.row.source
    }
    /// The record's id in its source; null for jobs made here.
    async fn source_id(&self) -> Option<&str> {
        self.row.source_id.as_deref()
    }
    /// When the job was created.
    async fn date_created(&self) -> Timestamp {
        self.row.date_created.into()
    }
    /// When the job last changed.
    async fn last_updated(&self) -> Timestamp {
        self.row.last_updated.into()
    }
}

/// A group of jobs, e.g. one Innovative Manufacturing in Africa trial with its tiers.
pub struct Programme(pub programme::Model);

/// A group of jobs run together, e.g. one Innovative Manufacturing in Africa trial with its
/// tiers.
#[Object]
impl Programme {
    /// Global id (Relay), usable with `node` and every `id` argument.
    pub async fn id(&self) -> ID {
        global_id(NodeType::Programme, self.0.id)
    }
    /// The id as a plain UUID.
    async fn uuid(&self) -> Uuid {
        self.0.id
    }
    /// The programme's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the programme is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Who funds or runs it.
    async fn sponsor(&self) -> Option<&str> {
        self.0.sponsor.as_deref()
    }
    /// First day of the programme.
    async fn starts_on(&self) -> Option<Date> {
        self.0.starts_on.map(Into::into)
    }
    /// Last day of the programme.
    async fn ends_on(&self) -> Option<Date> {
        self.0.ends_on.map(Into::into)
    }
    /// Whether makers of its completed assignments get a signed proof of practice.
    async fn issue_proof_of_practice(&self) -> bool {
        self.0.issue_proof_of_practice
    }
    /// The facilities taking part, by id; empty: any facility.
    async fn participant_ids(&self) -> Vec<ID> {
        self.0
            .participants
            .as_ref()
            .map(crate::services::string_list)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|id| Uuid::parse_str(&id).ok())
            .map(|id| global_id(NodeType::Facility, id))
            .collect()
    }
    /// The countries its jobs are made in (ISO 3166-1 alpha-2); empty: anywhere.
    async fn region(&self) -> Vec<String> {
        self.0
            .region
            .as_ref()
            .map(crate::services::string_list)
            .unwrap_or_default()
    }
    /// When the programme was created.
    async fn date_created(&self) -> Timestamp {
        self.0.date_created.into()
    }
    /// When the programme last changed.
    async fn last_updated(&self) -> Timestamp {
        self.0.last_updated.into()
    }
    /// Its jobs, oldest first. `jobs(filter: { programmeId })` filters and pages them.
    async fn jobs(&self, ctx: &Context<'_>) -> Result<Vec<Job>> {
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(ProgrammeJobs(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Job::new)
            .collect())
    }
}
