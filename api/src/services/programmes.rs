//! What programme staff follow: items and money of a programme's assignments at each stage,
//! per facility, country and tier, and the assignments as CSV.

use std::collections::{BTreeMap, HashMap};

use makermatch_entities::assignment::AssignmentStatus as Status;
use makermatch_entities::{assignment, facility, job, programme};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{ServiceError, ServiceResult};

/// Items (and their value, in minor units) that reached each stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stages {
    pub proposed: i64,
    pub accepted: i64,
    pub approved: i64,
    pub delivered: i64,
    pub value_proposed_minor: i64,
    pub value_delivered_minor: i64,
}

impl Stages {
    fn add(&mut self, a: &assignment::Model, prototype_first: bool) {
        if !a.status.is_active() {
            return;
        }
        let q = i64::from(a.quantity);
        let value = q * a.unit_price_minor.unwrap_or(0);
        self.proposed += q;
        self.value_proposed_minor += value;
        use Status::*;
        if matches!(
            a.status,
            Accepted
                | PrototypeSubmitted
                | PrototypeApproved
                | PrototypeRejected
                | InProduction
                | Delivered
                | Completed
        ) {
            self.accepted += q;
        }
        // Without a prototype gate, accepted work counts as approved.
        let approved = matches!(
            a.status,
            PrototypeApproved | InProduction | Delivered | Completed
        ) || (!prototype_first && a.status == Accepted);
        if approved {
            self.approved += q;
        }
        if matches!(a.status, Delivered | Completed) {
            self.delivered += q;
            self.value_delivered_minor += value;
        }
    }
}

/// One group of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Facility id, country code or tier label.
    pub key: String,
    /// Facility name, or the key again.
    pub label: String,
    pub stages: Stages,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub programme: programme::Model,
    /// The one currency of the programme's prices, when they share one.
    pub currency: Option<String>,
    pub total: Stages,
    pub by_facility: Vec<Group>,
    pub by_country: Vec<Group>,
    pub by_tier: Vec<Group>,
}

struct Loaded {
    programme: programme::Model,
    jobs: HashMap<Uuid, job::Model>,
    assignments: Vec<assignment::Model>,
    facilities: HashMap<Uuid, facility::Model>,
}

async fn load<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Loaded> {
    let programme = programme::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "programme",
            id: id.to_string(),
        })?;
    let jobs: HashMap<Uuid, job::Model> = job::Entity::find()
        .filter(job::Column::ProgrammeId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|j| (j.id, j))
        .collect();
    let assignments = if jobs.is_empty() {
        Vec::new()
    } else {
        assignment::Entity::find()
            .filter(assignment::Column::JobId.is_in(jobs.keys().copied()))
            .order_by_asc(assignment::Column::DateCreated)
            .order_by_asc(assignment::Column::Id)
            .all(db)
            .await?
    };
    let facility_ids: Vec<Uuid> = assignments.iter().map(|a| a.facility_id).collect();
    let facilities = if facility_ids.is_empty() {
        HashMap::new()
    } else {
        facility::Entity::find()
            .filter(facility::Column::Id.is_in(facility_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect()
    };
    Ok(Loaded {
        programme,
        jobs,
        assignments,
        facilities,
    })
}

/// Items proposed, accepted, approved and delivered with money totals, per facility,
/// country and tier.
pub async fn summary<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Summary> {
    let l = load(db, id).await?;
    let mut total = Stages::default();
    let mut by_facility: BTreeMap<String, Group> = BTreeMap::new();
    let mut by_country: BTreeMap<String, Group> = BTreeMap::new();
    let mut by_tier: BTreeMap<String, Group> = BTreeMap::new();
    let mut currencies: Vec<String> = Vec::new();
    for a in &l.assignments {
        let Some(job) = l.jobs.get(&a.job_id) else {
            continue;
        };
        if let Some(c) = a.currency.as_ref().or(job.currency.as_ref())
            && !currencies.contains(c)
        {
            currencies.push(c.clone());
        }
        let f = l.facilities.get(&a.facility_id);
        let name = f.map(|f| f.name.clone()).unwrap_or_default();
        let country = f
            .and_then(|f| f.country.clone())
            .unwrap_or_else(|| "unknown".to_owned());
        let tier = job.tier.clone().unwrap_or_else(|| "untiered".to_owned());
        total.add(a, job.prototype_first);
        for (map, key, label) in [
            (&mut by_facility, a.facility_id.to_string(), name),
            (&mut by_country, country.clone(), country),
            (&mut by_tier, tier.clone(), tier),
        ] {
            map.entry(key.clone())
                .or_insert_with(|| Group {
                    key,
                    label,
                    stages: Stages::default(),
                })
                .stages
                .add(a, job.prototype_first);
        }
    }
    Ok(Summary {
        programme: l.programme,
        currency: (currencies.len() == 1).then(|| currencies.remove(0)),
        total,
        by_facility: by_facility.into_values().collect(),
        by_country: by_country.into_values().collect(),
        by_tier: by_tier.into_values().collect(),
    })
}

/// The programme's assignments as CSV, one row each, oldest first.
pub async fn assignments_csv<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<String> {
    let l = load(db, id).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| ServiceError::Conflict(format!("cannot write CSV: {e}"));
    out.write_record([
        "assignment_id",
        "job_id",
        "job_title",
        "tier",
        "facility_id",
        "facility_name",
        "country",
        "quantity",
        "unit_price_minor",
        "currency",
        "status",
        "due_on",
        "delivered_at",
        "completed_at",
    ])
    .map_err(io)?;
    for a in &l.assignments {
        let job = l.jobs.get(&a.job_id);
        let f = l.facilities.get(&a.facility_id);
        out.write_record([
            a.id.to_string(),
            a.job_id.to_string(),
            job.map(|j| j.title.clone()).unwrap_or_default(),
            job.and_then(|j| j.tier.clone()).unwrap_or_default(),
            a.facility_id.to_string(),
            f.map(|f| f.name.clone()).unwrap_or_default(),
            f.and_then(|f| f.country.clone()).unwrap_or_default(),
            a.quantity.to_string(),
            a.unit_price_minor
                .map(|p| p.to_string())
                .unwrap_or_default(),
            a.currency.clone().unwrap_or_default(),
            sea_orm::ActiveEnum::to_value(&a.status),
            a.due_on.map(|d| d.to_string()).unwrap_or_default(),
            a.delivered_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
            a.completed_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
        ])
        .map_err(io)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ServiceError::Conflict(format!("cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ServiceError::Conflict(format!("cannot write CSV: {e}")))
}
