//! Production jobs and the programmes that group them (DESIGN §3) over GraphQL: the `Job`
//! and `Programme` types over the stored rows, `jobs(…)` read through the search engine
//! (the delivery point is the job's position), and the create / update / delete mutations
//! through the service layer.

use std::collections::{HashMap, HashSet};

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use makermatch_entities::{job, programme};
use makermatch_search::skills::skill_key;
use makermatch_search::{Filters, Kind, SearchRequest, SkillFilter, Within};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::error::{ServiceErrorExt, bad_input, from_db, from_service, not_found};
use super::facilities::Deleted;
use super::geo::{BoundingBox, GeoFilter};
use super::loader::{AppLoader, JobId, JobRequirements, ProgrammeId, ProgrammeJobs, ordered};
use super::makers::SkillLevel;
use super::relay::{NodeType, Page, PageArgs, expect_id, global_id, page};
use super::search_support::{index, run_search};
use super::taxonomy::{equipment_type_id, material_id, process_id, taxonomy};
use crate::services::ServiceError;
use crate::services::jobs::{
    self as service, JobInput as ServiceJobInput, ProgrammeInput as ServiceProgrammeInput,
    RequirementInput as ServiceRequirementInput,
};

/// Where a job stands: `DRAFT → OPEN → ALLOCATED → IN_PRODUCTION → COMPLETED`, or
/// `CANCELLED`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "makermatch_entities::job::JobStatus")]
pub enum JobStatus {
    Draft,
    Open,
    Allocated,
    InProduction,
    Completed,
    Cancelled,
}

fn status_code(s: JobStatus) -> String {
    let s: makermatch_entities::job::JobStatus = s.into();
    sea_orm::ActiveEnum::to_value(&s)
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
    pub name: Option<String>,
    /// WGS 84 degrees.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// One requirement of a job, required or merely preferred.
pub struct JobRequirement(makermatch_entities::job_requirement::Model);

#[Object]
impl JobRequirement {
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

#[Object]
impl Job {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Job, self.row.id)
    }
    /// The id as a plain UUID (as in exports).
    async fn uuid(&self) -> Uuid {
        self.row.id
    }
    async fn title(&self) -> &str {
        &self.row.title
    }
    /// The title again, under the name every node of a map or a search carries.
    async fn name(&self) -> &str {
        &self.row.title
    }
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
    async fn deadline(&self) -> Option<NaiveDate> {
        self.row.deadline
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
    async fn source_id(&self) -> Option<&str> {
        self.row.source_id.as_deref()
    }
    async fn date_created(&self) -> DateTime<Utc> {
        self.row.date_created
    }
    async fn last_updated(&self) -> DateTime<Utc> {
        self.row.last_updated
    }
}

/// A group of jobs, e.g. one Innovative Manufacturing in Africa trial with its tiers.
pub struct Programme(pub programme::Model);

#[Object]
impl Programme {
    pub async fn id(&self) -> ID {
        global_id(NodeType::Programme, self.0.id)
    }
    /// The id as a plain UUID.
    async fn uuid(&self) -> Uuid {
        self.0.id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Who funds or runs it.
    async fn sponsor(&self) -> Option<&str> {
        self.0.sponsor.as_deref()
    }
    async fn starts_on(&self) -> Option<NaiveDate> {
        self.0.starts_on
    }
    async fn ends_on(&self) -> Option<NaiveDate> {
        self.0.ends_on
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
    async fn date_created(&self) -> DateTime<Utc> {
        self.0.date_created
    }
    async fn last_updated(&self) -> DateTime<Utc> {
        self.0.last_updated
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
    fn to_request(&self, ctx: &Context<'_>) -> Result<(SearchRequest, Option<Uuid>)> {
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

/// Loads the jobs of `hits` in hit order, carrying their distances.
pub async fn jobs_of(ctx: &Context<'_>, hits: &[makermatch_search::Hit]) -> Result<Vec<Job>> {
    let loader = ctx.data::<AppLoader>()?;
    let rows = ordered(loader, hits.iter().map(|h| JobId(h.id)).collect()).await?;
    let distances: HashMap<Uuid, Option<f64>> =
        hits.iter().map(|h| (h.id, h.distance_km)).collect();
    Ok(rows
        .into_iter()
        .map(|row| Job {
            distance_km: distances.get(&row.id).copied().flatten(),
            row,
        })
        .collect())
}

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// Jobs matching `filter`. Ordered like `facilities`: by relevance when there is text
    /// (distance breaks ties), else nearest delivery point first under `near`, else by id
    /// (oldest first).
    #[graphql(
        complexity = "first.unwrap_or(super::relay::DEFAULT_FIRST).clamp(0, super::relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        filter: Option<JobFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Job>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let (mut request, programme) = filter.unwrap_or_default().to_request(ctx)?;
        request.count_total = true;
        let Some(programme) = programme else {
            let result = run_search(ctx, request.page(args.offset, args.limit)).await?;
            let items = jobs_of(ctx, &result.hits).await?;
            let total = result.total.unwrap_or(args.offset + items.len()) as u64;
            return Ok(page(args, items, total));
        };
        // The index does not hold programmes: take every match in order and keep the
        // programme's jobs. A programme holds tens of jobs, the index some thousands.
        let loader = ctx.data::<AppLoader>()?;
        if loader.load_one(ProgrammeId(programme)).await?.is_none() {
            return Err(not_found("programme", programme));
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let members: HashSet<Uuid> = job::Entity::find()
            .select_only()
            .column(job::Column::Id)
            .filter(job::Column::ProgrammeId.eq(programme))
            .into_tuple::<Uuid>()
            .all(db)
            .await
            .map_err(from_db)?
            .into_iter()
            .collect();
        if members.is_empty() {
            return Ok(page(args, Vec::new(), 0));
        }
        let result = run_search(ctx, request.page(0, usize::MAX / 2)).await?;
        let kept: Vec<makermatch_search::Hit> = result
            .hits
            .into_iter()
            .filter(|h| members.contains(&h.id))
            .collect();
        let total = kept.len() as u64;
        let window: Vec<makermatch_search::Hit> = kept
            .into_iter()
            .skip(args.offset)
            .take(args.limit)
            .collect();
        let items = jobs_of(ctx, &window).await?;
        Ok(page(args, items, total))
    }

    /// One job by id (global or plain UUID); null when there is none.
    async fn job(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Job>> {
        let uuid = expect_id("id", &id, NodeType::Job)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(JobId(uuid)).await?.map(Job::new))
    }

    /// Programmes, oldest first.
    #[graphql(
        complexity = "first.unwrap_or(super::relay::DEFAULT_FIRST).clamp(0, super::relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn programmes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Programme>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let total = programme::Entity::find().count(db).await.map_err(from_db)?;
        let rows = programme::Entity::find()
            .order_by_asc(programme::Column::Id)
            .offset(args.offset as u64)
            .limit(args.limit as u64)
            .all(db)
            .await
            .map_err(from_db)?;
        Ok(page(args, rows.into_iter().map(Programme).collect(), total))
    }

    /// One programme by id (global or plain UUID); null when there is none.
    async fn programme(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Programme>> {
        let uuid = expect_id("id", &id, NodeType::Programme)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(ProgrammeId(uuid)).await?.map(Programme))
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
    pub name: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// One requirement. `term` is a taxonomy term (id, label in any language, alias,
/// Wikipedia URL, TSDC code) for processes, equipment and materials, and free words for
/// skills and certifications.
#[derive(InputObject)]
#[graphql(name = "JobRequirementInput")]
pub struct RequirementInputGql {
    pub kind: RequirementKind,
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
    pub title: String,
    pub description: Option<String>,
    /// The design to make: an OKH manifest URL or reference.
    pub design_ref: Option<String>,
    /// Units to make; more than 0.
    pub quantity: i32,
    /// `SIMPLE_DEVICE`, `SIMPLE_PRODUCT`, `COMPLEX_PRODUCT` or a free label.
    pub tier: Option<String>,
    pub unit_price: Option<MoneyInput>,
    pub deadline: Option<NaiveDate>,
    pub delivery_point: Option<DeliveryPointInput>,
    /// Farthest a producing facility may be from the delivery point.
    pub max_distance_km: Option<f64>,
    /// Each facility submits a prototype for QA before production.
    #[graphql(default)]
    pub prototype_first: bool,
    /// Who approves prototypes.
    pub qa_inspector: Option<String>,
    #[graphql(default_with = "JobStatus::Draft")]
    pub status: JobStatus,
    #[graphql(default)]
    pub requirements: Vec<RequirementInputGql>,
}

fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl JobInputGql {
    /// The service's input with every taxonomy term resolved; unknown terms are errors
    /// naming `input.requirements[i].term`.
    fn into_service(self, ctx: &Context<'_>) -> Result<ServiceJobInput> {
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
        input.deadline = self.deadline;
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
            let term = match kind {
                K::Process => process_id(tax, &field, &r.term)?,
                K::Equipment => equipment_type_id(tax, &field, &r.term)?,
                K::Material => material_id(tax, &field, &r.term)?,
                K::Skill => {
                    if skill_key(&r.term).is_empty() {
                        return Err(bad_input(&field, "a skill needs words"));
                    }
                    r.term.trim().to_owned()
                }
                K::Certification => r.term.trim().to_owned(),
            };
            input.requirements.push(ServiceRequirementInput {
                kind,
                term,
                required: r.required,
                min_level: r.min_level.map(Into::into),
            });
        }
        Ok(input)
    }
}

/// The service names job fields by their stored names; the input nests some of them.
fn from_job_service(e: ServiceError) -> async_graphql::Error {
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
    pub name: String,
    pub description: Option<String>,
    /// Who funds or runs it.
    pub sponsor: Option<String>,
    pub starts_on: Option<NaiveDate>,
    /// Not before `startsOn`.
    pub ends_on: Option<NaiveDate>,
    /// The countries the programme's jobs are made in (ISO 3166-1 alpha-2): allocation
    /// keeps to facilities there. Empty or absent: anywhere.
    #[graphql(default)]
    pub region: Vec<String>,
    /// The facilities taking part (e.g. the programme's awardees), by id: allocation keeps
    /// to them. Empty or absent: any facility.
    #[graphql(default)]
    pub participant_ids: Vec<ID>,
}

impl ProgrammeInputGql {
    fn into_service(self) -> Result<ServiceProgrammeInput> {
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
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            region: p.region,
            participants: Vec::new(),
        }
    }
}

#[derive(Default)]
pub struct JobsMutation;

#[Object]
impl JobsMutation {
    /// Creates a job with its requirements. Returns once `jobs` on this server includes it.
    async fn create_job(&self, ctx: &Context<'_>, input: JobInputGql) -> Result<Job> {
        super::access::staff(ctx)?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::create_job(db, input)
            .await
            .map_err(from_job_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Job::new(written.value))
    }

    /// Replaces every field and requirement of a job. An imported job keeps its source
    /// and manifest.
    async fn update_job(&self, ctx: &Context<'_>, id: ID, input: JobInputGql) -> Result<Job> {
        super::access::staff(ctx)?;
        let uuid = expect_id("id", &id, NodeType::Job)?;
        let mut input = input.into_service(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let existing = job::Entity::find_by_id(uuid)
            .one(db)
            .await
            .map_err(from_db)?
            .ok_or_else(|| not_found("job", uuid))?;
        input.source = Some(existing.source);
        input.source_id = existing.source_id;
        input.design_manifest = existing.design_manifest;
        let written = service::replace_job(db, uuid, input)
            .await
            .map_err(from_job_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Job::new(written.value))
    }

    /// Deletes a job and its requirements. Refused (`CONFLICT`) once it has assignments:
    /// cancel it instead.
    async fn delete_job(&self, ctx: &Context<'_>, id: ID) -> Result<Deleted> {
        super::access::staff(ctx)?;
        let uuid = expect_id("id", &id, NodeType::Job)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::delete_job(db, uuid).await.map_err(from_service)?;
        index(ctx)?.wait_for(written.outbox_seq).await;
        Ok(Deleted {
            id: global_id(NodeType::Job, written.value),
        })
    }

    /// Creates a programme.
    async fn create_programme(
        &self,
        ctx: &Context<'_>,
        input: ProgrammeInputGql,
    ) -> Result<Programme> {
        super::access::staff(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = service::create_programme(db, input.into_service()?)
            .await
            .map_err(from_service)?;
        Ok(Programme(row))
    }

    /// Replaces every field of a programme; its jobs stay.
    async fn update_programme(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ProgrammeInputGql,
    ) -> Result<Programme> {
        super::access::staff(ctx)?;
        let uuid = expect_id("id", &id, NodeType::Programme)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = service::replace_programme(db, uuid, input.into_service()?)
            .await
            .map_err(from_service)?;
        Ok(Programme(row))
    }
}
