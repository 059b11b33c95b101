//! Writes of programmes and production jobs with their requirements.

mod batch;

pub use batch::{write_batch, write_programmes};

use chrono::{DateTime, NaiveDate, Utc};
use makermatch_entities::job::JobStatus;
use makermatch_entities::job_requirement::RequirementKind;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_entities::{assignment, facility, job, job_requirement, programme};
use makermatch_search::matching::TermResolution;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::values::Country;
use super::{ServiceError, ServiceResult, Written, bulk, outbox, validate};
use crate::db::begin_write;
use crate::services::makers::NATIVE_SOURCE;

#[derive(Debug, Clone, Default)]
pub struct ProgrammeInput {
    pub name: String,
    pub description: Option<String>,
    pub sponsor: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The countries (ISO 3166-1 alpha-2) the programme's jobs are made in: allocation
    /// keeps to facilities there. Empty: anywhere.
    pub region: Vec<String>,
    /// The facilities taking part (e.g. a programme's awardees): allocation keeps to them.
    /// Empty: any facility.
    pub participants: Vec<Uuid>,
    /// Opt-in: each maker on a completed assignment gets a signed proof-of-practice
    /// credential from this deployment.
    pub issue_proof_of_practice: bool,
}

impl ProgrammeInput {
    pub(crate) fn to_row(&self, id: Uuid, now: DateTime<Utc>) -> ServiceResult<programme::Model> {
        let name = validate::non_empty("name", &self.name)?;
        if let (Some(from), Some(to)) = (self.starts_on, self.ends_on)
            && to < from
        {
            return Err(ServiceError::invalid("endsOn", "ends before it starts"));
        }
        let mut region: Vec<&'static str> = Vec::with_capacity(self.region.len());
        for (i, code) in self.region.iter().enumerate() {
            let country = Country::parse(&format!("region[{i}]"), code)?.code();
            if !region.contains(&country) {
                region.push(country);
            }
        }
        Ok(programme::Model {
            id,
            name,
            description: self.description.clone(),
            sponsor: self.sponsor.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            region: (!region.is_empty()).then(|| serde_json::json!(region)),
            participants: (!self.participants.is_empty()).then(|| {
                let mut ids = self.participants.clone();
                ids.sort_unstable();
                ids.dedup();
                serde_json::json!(ids)
            }),
            date_created: now,
            last_updated: now,
            issue_proof_of_practice: self.issue_proof_of_practice,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequirementInput {
    pub kind: RequirementKind,
    pub term: String,
    pub required: bool,
    pub min_level: Option<SkillLevel>,
    /// How `term` was read from the words given (kept with the requirement, reported with
    /// every match); `None`: stored as given.
    pub resolution: Option<TermResolution>,
}

#[derive(Debug, Clone)]
pub struct JobInput {
    pub programme_id: Option<Uuid>,
    pub title: String,
    pub description: Option<String>,
    pub design_ref: Option<String>,
    pub design_manifest: Option<serde_json::Value>,
    pub quantity: i32,
    pub tier: Option<String>,
    pub unit_price_minor: Option<i64>,
    pub currency: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub delivery_name: Option<String>,
    pub delivery_lat: Option<f64>,
    pub delivery_lon: Option<f64>,
    pub max_distance_km: Option<f64>,
    pub prototype_first: bool,
    pub qa_inspector: Option<String>,
    pub status: JobStatus,
    pub requirements: Vec<RequirementInput>,
    pub source: Option<String>,
    pub source_id: Option<String>,
}

impl JobInput {
    pub fn new(title: impl Into<String>, quantity: i32) -> JobInput {
        JobInput {
            programme_id: None,
            title: title.into(),
            description: None,
            design_ref: None,
            design_manifest: None,
            quantity,
            tier: None,
            unit_price_minor: None,
            currency: None,
            deadline: None,
            delivery_name: None,
            delivery_lat: None,
            delivery_lon: None,
            max_distance_km: None,
            prototype_first: false,
            qa_inspector: None,
            status: JobStatus::Draft,
            requirements: Vec::new(),
            source: None,
            source_id: None,
        }
    }

    pub(crate) fn to_row(&self, id: Uuid, now: DateTime<Utc>) -> ServiceResult<job::Model> {
        let title = validate::non_empty("title", &self.title)?;
        validate::positive("quantity", i64::from(self.quantity))?;
        super::values::optional_position("delivery", self.delivery_lat, self.delivery_lon)?;
        validate::non_negative_f64("maxDistanceKm", self.max_distance_km)?;
        if let Some(price) = self.unit_price_minor
            && price < 0
        {
            return Err(ServiceError::invalid("unitPrice", "must be zero or more"));
        }
        let currency = validate::currency("currency", self.currency.as_deref())?;
        if self.unit_price_minor.is_some() && currency.is_none() {
            return Err(ServiceError::invalid(
                "currency",
                "a unit price needs a currency, e.g. USD",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, r) in self.requirements.iter().enumerate() {
            let term = validate::non_empty(&format!("requirements[{i}].term"), &r.term)?;
            if !seen.insert((r.kind, term.to_lowercase())) {
                return Err(ServiceError::invalid(
                    format!("requirements[{i}]"),
                    format!("`{term}` is listed twice"),
                ));
            }
            if r.min_level.is_some() && r.kind != RequirementKind::Skill {
                return Err(ServiceError::invalid(
                    format!("requirements[{i}].minLevel"),
                    "only skill requirements take a level",
                ));
            }
        }
        Ok(job::Model {
            id,
            programme_id: self.programme_id,
            title,
            description: self.description.clone(),
            design_ref: self.design_ref.clone(),
            design_manifest: self.design_manifest.clone(),
            quantity: self.quantity,
            tier: self.tier.clone(),
            unit_price_minor: self.unit_price_minor,
            currency,
            deadline: self.deadline,
            delivery_name: self.delivery_name.clone(),
            delivery_lat: self.delivery_lat,
            delivery_lon: self.delivery_lon,
            max_distance_km: self.max_distance_km,
            prototype_first: self.prototype_first,
            qa_inspector: self.qa_inspector.clone(),
            status: self.status,
            source: self
                .source
                .clone()
                .unwrap_or_else(|| NATIVE_SOURCE.to_owned()),
            source_id: self.source_id.clone(),
            source_hash: None,
            date_created: now,
            last_updated: now,
        })
    }

    pub(crate) fn requirement_rows(
        &self,
        job_id: Uuid,
        new_id: &mut impl FnMut() -> Uuid,
    ) -> Vec<job_requirement::Model> {
        self.requirements
            .iter()
            .map(|r| job_requirement::Model {
                id: new_id(),
                job_id,
                kind: r.kind,
                term: r.term.trim().to_owned(),
                required: r.required,
                min_level: r.min_level,
                resolution: r
                    .resolution
                    .as_ref()
                    .and_then(|how| serde_json::to_value(how).ok()),
            })
            .collect()
    }
}

pub async fn create_programme(
    db: &DatabaseConnection,
    input: ProgrammeInput,
) -> ServiceResult<programme::Model> {
    let row = input.to_row(Uuid::now_v7(), Utc::now())?;
    let tx = begin_write(db).await?;
    check_participants(&tx, &input.participants).await?;
    // Programmes are not indexed on their own; their jobs are.
    let model = programme::ActiveModel::from(row).insert(&tx).await?;
    tx.commit().await?;
    Ok(model)
}

/// Replaces a programme's fields (its jobs stay).
pub async fn replace_programme(
    db: &DatabaseConnection,
    id: Uuid,
    input: ProgrammeInput,
) -> ServiceResult<programme::Model> {
    let mut row = input.to_row(id, Utc::now())?;
    let tx = begin_write(db).await?;
    check_participants(&tx, &input.participants).await?;
    let existing = programme::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "programme",
            id: id.to_string(),
        })?;
    row.date_created = existing.date_created;
    // Programmes are not indexed on their own: no outbox row.
    let model = programme::ActiveModel::from(row)
        .reset_all()
        .update(&tx)
        .await?;
    tx.commit().await?;
    Ok(model)
}

/// Every participant is a facility that exists.
async fn check_participants<C: ConnectionTrait>(tx: &C, ids: &[Uuid]) -> ServiceResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: Vec<Uuid> = facility::Entity::find()
        .select_only()
        .column(facility::Column::Id)
        .filter(facility::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(tx)
        .await?;
    match ids.iter().position(|id| !found.contains(id)) {
        Some(i) => Err(ServiceError::invalid(
            format!("participantIds[{i}]"),
            format!("facility {} does not exist", ids[i]),
        )),
        None => Ok(()),
    }
}

async fn check_programme<C: ConnectionTrait>(tx: &C, input: &JobInput) -> ServiceResult<()> {
    if let Some(p) = input.programme_id
        && programme::Entity::find_by_id(p).one(tx).await?.is_none()
    {
        return Err(ServiceError::invalid(
            "programmeId",
            format!("programme {p} does not exist"),
        ));
    }
    Ok(())
}

pub async fn create_job(
    db: &DatabaseConnection,
    input: JobInput,
) -> ServiceResult<Written<job::Model>> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let row = input.to_row(id, now)?;
    let tx = begin_write(db).await?;
    check_programme(&tx, &input).await?;
    let model = job::ActiveModel::from(row).insert(&tx).await?;
    replace_requirements(&tx, &[], input.requirement_rows(id, &mut Uuid::now_v7)).await?;
    let seq = outbox::record(&tx, IndexedKind::Job, id, OutboxOp::Upsert).await?;
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

/// Replaces a job's fields and requirements.
pub async fn replace_job(
    db: &DatabaseConnection,
    id: Uuid,
    input: JobInput,
) -> ServiceResult<Written<job::Model>> {
    let now = Utc::now();
    let mut row = input.to_row(id, now)?;
    let tx = begin_write(db).await?;
    // Locked like a proposal locks it, so no proposal slips in between the check and the
    // update.
    let backend = tx.get_database_backend();
    let existing = crate::db::dialect::lock_for_update(job::Entity::find_by_id(id), backend)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "job",
            id: id.to_string(),
        })?;
    check_programme(&tx, &input).await?;
    let held = super::assignments::active_quantity(&tx, id).await?;
    if i64::from(input.quantity) < held {
        return Err(ServiceError::Conflict(format!(
            "quantity: job {id} has {held} items in active assignments; a quantity below that \
             needs some of them declined or cancelled first"
        )));
    }
    row.date_created = existing.date_created;
    let model = job::ActiveModel::from(row).reset_all().update(&tx).await?;
    replace_requirements(&tx, &[id], input.requirement_rows(id, &mut Uuid::now_v7)).await?;
    let seq = outbox::record(&tx, IndexedKind::Job, id, OutboxOp::Upsert).await?;
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

/// The one way jobs' requirements change: drops those of `replaced`, then inserts `rows`
/// (which may hold new jobs' requirements too).
pub(crate) async fn replace_requirements<C: crate::db::InsertSink>(
    tx: &C,
    replaced: &[Uuid],
    rows: Vec<job_requirement::Model>,
) -> Result<(), sea_orm::DbErr> {
    for chunk in replaced.chunks(500) {
        job_requirement::Entity::delete_many()
            .filter(job_requirement::Column::JobId.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    bulk::insert_models::<job_requirement::Entity, _>(tx, rows, 6).await
}

/// Deletes a job and its requirements. Refused (`Conflict`) once assignments point at it:
/// their audit trail would go with it; cancel the job instead.
pub async fn delete_job(db: &DatabaseConnection, id: Uuid) -> ServiceResult<Written<Uuid>> {
    let tx = begin_write(db).await?;
    if job::Entity::find_by_id(id).one(&tx).await?.is_none() {
        return Err(ServiceError::NotFound {
            kind: "job",
            id: id.to_string(),
        });
    }
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::JobId.eq(id))
        .count(&tx)
        .await?;
    if assignments > 0 {
        return Err(ServiceError::Conflict(format!(
            "job {id} has {assignments} assignment(s); set its status to CANCELLED instead of deleting it"
        )));
    }
    job_requirement::Entity::delete_many()
        .filter(job_requirement::Column::JobId.eq(id))
        .exec(&tx)
        .await?;
    job::Entity::delete_by_id(id).exec(&tx).await?;
    let seq = outbox::record(&tx, IndexedKind::Job, id, OutboxOp::Delete).await?;
    tx.commit().await?;
    Ok(Written {
        value: id,
        outbox_seq: seq,
    })
}
