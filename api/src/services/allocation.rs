//! Allocating jobs: a job's open quantity, or every job of a programme at once, split over
//! its matching teams and proposed as assignments in one transaction (the whole plan, or
//! on a conflict nothing of it). Distance counts by default, a programme's jobs keep to its
//! region and participants, and a call retried with the same idempotency key answers what
//! the first one did without proposing anything twice.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use makermatch_entities::{allocation_request, facility, job, programme};
use makermatch_search::TeamMatch;
use makermatch_search::allocation::{
    Allocation, AllocationCandidate, AllocationFacility, AllocationJob, AllocationOptions,
    AllocationProblem,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::actor::Actor;
use super::assignments::{self, Changed, ProposalInput};
use super::policy::{self, Rule};
use super::{ServiceError, ServiceResult};
use crate::db::begin_write;

/// Unless the caller sets a transport rate, every 1,000 km between a facility and the
/// delivery point adds this share of the job's unit price to each unit: near facilities
/// win unless a far one is much cheaper, whatever the currency.
pub const DEFAULT_TRANSPORT_SHARE_PER_1000_KM: f64 = 0.2;
/// The default rate, in minor units per unit and km, for a job without a unit price (only
/// distances are compared then).
pub const FALLBACK_TRANSPORT_MINOR_PER_UNIT_KM: f64 = 0.1;
/// Idempotency keys are at most this long.
pub const MAX_KEY_CHARS: usize = 200;
/// How long an answer is kept under its key.
const KEY_RETENTION_DAYS: i64 = 7;

/// What the caller asks of an allocation.
#[derive(Debug, Clone, Default)]
pub struct AllocationSettings {
    /// Largest share of a job one facility may get, in (0, 1].
    pub max_share: Option<f64>,
    /// A facility gets nothing of a job or at least this many units (≥ 1).
    pub min_batch: Option<i64>,
    /// Most units of a job for a facility on probation (≥ 1).
    pub probation_cap: Option<i64>,
    /// Transport cost per unit and km in minor units; the default is
    /// [`DEFAULT_TRANSPORT_SHARE_PER_1000_KM`] of each job's unit price per 1,000 km.
    pub transport_minor_per_unit_km: Option<f64>,
    /// Only compute: propose nothing.
    pub dry_run: bool,
    /// A retry with the same key answers the first call's answer and changes nothing.
    pub idempotency_key: Option<String>,
}

/// One facility's part of an allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionReport {
    pub job_id: Uuid,
    pub facility_id: Uuid,
    pub facility_name: String,
    pub quantity: u32,
    pub cost_minor: i64,
    /// AT_CAPACITY, EVEN_SPLIT, CHEAPEST, … (see `makermatch_search::allocation::Reason`).
    pub reason: String,
    pub detail: String,
    /// The assignment proposed for it, unless a dry run or nothing.
    pub assignment_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobReport {
    pub job_id: Uuid,
    /// Its whole open quantity found facilities (or it had none open).
    pub complete: bool,
    pub cost_minor: i64,
}

/// What an allocation did, as kept under its idempotency key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationReport {
    pub complete: bool,
    pub cost_minor: i64,
    pub jobs: Vec<JobReport>,
    pub decisions: Vec<DecisionReport>,
}

/// An allocation's report, the assignments it proposed (for change events), and whether
/// it is the stored answer of an earlier call with the same key (then nothing changed).
pub struct Allocated {
    pub report: AllocationReport,
    pub changed: Vec<Changed>,
    pub replayed: bool,
}

/// What is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Job(Uuid),
    Programme(Uuid),
}

impl Scope {
    fn label(self) -> String {
        match self {
            Scope::Job(id) => format!("job:{id}"),
            Scope::Programme(id) => format!("programme:{id}"),
        }
    }
}

/// Why an allocation failed: the service's rules, or the matcher the caller gave it.
#[derive(Debug)]
pub enum AllocateError<E> {
    Service(ServiceError),
    Teams(E),
}

impl<E> From<ServiceError> for AllocateError<E> {
    fn from(e: ServiceError) -> Self {
        AllocateError::Service(e)
    }
}

impl<E> From<sea_orm::DbErr> for AllocateError<E> {
    fn from(e: sea_orm::DbErr) -> Self {
        AllocateError::Service(e.into())
    }
}

/// Allocates `scope`. `teams_of` gives a job's matching teams (every requirement met),
/// best first: the caller runs the matcher where engine work belongs, and its errors come
/// back as they are.
pub async fn allocate<F, Fut, E>(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: Scope,
    settings: AllocationSettings,
    mut teams_of: F,
) -> Result<Allocated, AllocateError<E>>
where
    F: FnMut(Uuid) -> Fut,
    Fut: Future<Output = Result<Vec<TeamMatch>, E>>,
{
    policy::require(Some(actor), Rule::Staff).map_err(ServiceError::from)?;
    let options = options(&settings)?;
    let key = settings.idempotency_key.as_deref().map(key).transpose()?;
    let fingerprint = fingerprint(scope, &settings);
    if let Some(key) = &key
        && let Some(report) = replay(db, actor, key, &fingerprint).await?
    {
        return Ok(Allocated {
            report,
            changed: Vec::new(),
            replayed: true,
        });
    }

    let (jobs, bounds) = scope_jobs(db, scope).await?;
    let mut problem = AllocationProblem {
        jobs: Vec::new(),
        facilities: Vec::new(),
        candidates: Vec::new(),
    };
    let mut seen = HashSet::new();
    for row in &jobs {
        let open =
            (i64::from(row.quantity) - assignments::active_quantity(db, row.id).await?).max(0);
        if open == 0 {
            continue;
        }
        let teams = teams_of(row.id).await.map_err(AllocateError::Teams)?;
        let facilities = facility_rows(db, &teams).await?;
        let mut job = AllocationJob::new(row.id, u32::try_from(open).unwrap_or(u32::MAX));
        job.unit_price_minor = row.unit_price_minor;
        job.transport_minor_per_unit_km =
            Some(settings.transport_minor_per_unit_km.unwrap_or_else(|| {
                row.unit_price_minor
                    .map_or(FALLBACK_TRANSPORT_MINOR_PER_UNIT_KM, |price| {
                        price as f64 * DEFAULT_TRANSPORT_SHARE_PER_1000_KM / 1_000.0
                    })
            }));
        problem.jobs.push(job);
        for team in &teams {
            let Some(f) = facilities.get(&team.facility_id) else {
                continue;
            };
            if !bounds.admits(f) {
                continue;
            }
            problem.candidates.push(AllocationCandidate {
                distance_km: team.distance_km,
                ..AllocationCandidate::new(row.id, f.id)
            });
            if seen.insert(f.id) {
                problem.facilities.push(AllocationFacility {
                    id: f.id,
                    name: f.name.clone(),
                    capacity: f.typical_batch_size.and_then(|b| b.upper_bound()),
                    on_probation: f.on_probation,
                });
            }
        }
    }
    if problem.jobs.is_empty() {
        return Err(ServiceError::Conflict(
            "every item is held by active assignments already; decline or cancel some to allocate again"
                .to_owned(),
        )
        .into());
    }
    // The solver is CPU work (a min-cost flow, a bounded branch and bound with minimum
    // batches): off the async workers.
    let single = matches!(scope, Scope::Job(_));
    let solved = tokio::task::spawn_blocking(move || match (single, problem.jobs.first()) {
        (true, Some(job)) => makermatch_search::allocation::allocate_job(
            job,
            &problem.facilities,
            &problem.candidates,
            &options,
        ),
        _ => makermatch_search::allocation::allocate_programme(&problem, &options),
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("the allocation solver failed: {e}")))?;
    let allocation = solved.map_err(|e| ServiceError::invalid("options", e.to_string()))?;
    let mut report = report(&jobs, &allocation);
    if settings.dry_run {
        return Ok(Allocated {
            report,
            changed: Vec::new(),
            replayed: false,
        });
    }

    let proposals: Vec<(usize, ProposalInput)> = report
        .decisions
        .iter()
        .enumerate()
        .filter(|(_, d)| d.quantity > 0)
        .map(|(i, d)| {
            (
                i,
                ProposalInput {
                    job_id: d.job_id,
                    facility_id: d.facility_id,
                    quantity: i32::try_from(d.quantity).unwrap_or(i32::MAX),
                    // The report lists the allocation's decisions in its order.
                    unit_price_minor: allocation.decisions.get(i).map(|a| a.unit_price_minor),
                    currency: None,
                    due_on: None,
                    maker_ids: Vec::new(),
                },
            )
        })
        .collect();
    let (slots, inputs): (Vec<usize>, Vec<ProposalInput>) = proposals.into_iter().unzip();
    let written = write(
        db,
        actor,
        inputs,
        key.as_deref(),
        &fingerprint,
        &mut report,
        &slots,
    )
    .await;
    match (written, &key) {
        (Ok(changed), _) => Ok(Allocated {
            report,
            changed,
            replayed: false,
        }),
        // A concurrent call with the same key got there first (its plan holds the items,
        // or its key row was written first): its answer stands, this call's plan was
        // rolled back with its transaction.
        (Err(e), Some(key)) => match replay(db, actor, key, &fingerprint).await? {
            Some(report) => Ok(Allocated {
                report,
                changed: Vec::new(),
                replayed: true,
            }),
            None => Err(e.into()),
        },
        (Err(e), None) => Err(e.into()),
    }
}

/// Proposes the plan and keeps the answer under `key`, in one transaction.
async fn write(
    db: &DatabaseConnection,
    actor: &Actor,
    inputs: Vec<ProposalInput>,
    key: Option<&str>,
    fingerprint: &str,
    report: &mut AllocationReport,
    slots: &[usize],
) -> ServiceResult<Vec<Changed>> {
    let tx = begin_write(db).await?;
    let changed = assignments::propose_all_in(&tx, actor, inputs).await?;
    for (slot, c) in slots.iter().zip(&changed) {
        if let Some(d) = report.decisions.get_mut(*slot) {
            d.assignment_id = Some(c.assignment.id);
        }
    }
    if let Some(key) = key {
        store(&tx, actor, key, fingerprint, report).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// The service's options from the caller's settings, each checked and named.
fn options(s: &AllocationSettings) -> ServiceResult<AllocationOptions> {
    let at_least_one = |field: &str, v: Option<i64>| -> ServiceResult<Option<u32>> {
        match v {
            Some(n) if n < 1 => Err(ServiceError::invalid(
                field,
                format!("give 1 or more, not {n}"),
            )),
            Some(n) => Ok(Some(u32::try_from(n).unwrap_or(u32::MAX))),
            None => Ok(None),
        }
    };
    if let Some(share) = s.max_share
        && !(share > 0.0 && share <= 1.0)
    {
        return Err(ServiceError::invalid(
            "options.maxShare",
            format!("give a fraction above 0 and at most 1, not {share}"),
        ));
    }
    let transport = s.transport_minor_per_unit_km.unwrap_or(0.0);
    if !transport.is_finite() || transport < 0.0 {
        return Err(ServiceError::invalid(
            "options.transportMinorPerUnitKm",
            format!("give a number ≥ 0, not {transport}"),
        ));
    }
    Ok(AllocationOptions {
        max_share: s.max_share,
        min_batch: at_least_one("options.minBatch", s.min_batch)?,
        probation_cap: at_least_one("options.probationCap", s.probation_cap)?,
        transport_minor_per_unit_km: transport,
        ..AllocationOptions::default()
    })
}

fn key(raw: &str) -> ServiceResult<String> {
    let key = raw.trim();
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS || key.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            "idempotencyKey",
            format!(
                "give 1 to {MAX_KEY_CHARS} printable characters, such as a UUID made for this request"
            ),
        ));
    }
    Ok(key.to_owned())
}

/// What was asked, hashed: the scope and every setting but the key itself.
fn fingerprint(scope: Scope, s: &AllocationSettings) -> String {
    let asked = serde_json::json!({
        "scope": scope.label(),
        "maxShare": s.max_share,
        "minBatch": s.min_batch,
        "probationCap": s.probation_cap,
        "transport": s.transport_minor_per_unit_km,
        "dryRun": s.dry_run,
    });
    let digest = Sha256::digest(asked.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored answer under `key`, when there is one for this caller and request; the same
/// key for another caller or request is a conflict.
async fn replay(
    db: &DatabaseConnection,
    actor: &Actor,
    key: &str,
    fingerprint: &str,
) -> ServiceResult<Option<AllocationReport>> {
    let Some(row) = allocation_request::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.subject != actor.subject || row.fingerprint != fingerprint {
        return Err(ServiceError::Conflict(format!(
            "idempotency key `{key}` was used for another allocation request; use a new key for a new request"
        )));
    }
    serde_json::from_str(&row.answer).map(Some).map_err(|e| {
        ServiceError::Internal(format!("the answer kept under `{key}` is unreadable: {e}"))
    })
}

async fn store<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    key: &str,
    fingerprint: &str,
    report: &AllocationReport,
) -> ServiceResult<()> {
    let now = Utc::now();
    allocation_request::Entity::delete_many()
        .filter(allocation_request::Column::CreatedAt.lt(now - Duration::days(KEY_RETENTION_DAYS)))
        .exec(tx)
        .await?;
    let answer = serde_json::to_string(report)
        .map_err(|e| ServiceError::Internal(format!("the allocation could not be kept: {e}")))?;
    allocation_request::ActiveModel::from(allocation_request::Model {
        key: key.to_owned(),
        subject: actor.subject.clone(),
        fingerprint: fingerprint.to_owned(),
        answer,
        created_at: now,
    })
    .insert(tx)
    .await?;
    Ok(())
}

/// Where a scope's jobs may be made.
struct Bounds {
    region: Vec<String>,
    participants: HashSet<Uuid>,
}

impl Bounds {
    fn of(programme: Option<&programme::Model>) -> Bounds {
        let list =
            |json: Option<&serde_json::Value>| json.map(super::string_list).unwrap_or_default();
        Bounds {
            region: list(programme.and_then(|p| p.region.as_ref())),
            participants: list(programme.and_then(|p| p.participants.as_ref()))
                .iter()
                .filter_map(|id| Uuid::parse_str(id).ok())
                .collect(),
        }
    }

    fn admits(&self, f: &facility::Model) -> bool {
        (self.region.is_empty() || f.country.as_ref().is_some_and(|c| self.region.contains(c)))
            && (self.participants.is_empty() || self.participants.contains(&f.id))
    }
}

/// The jobs of a scope, by id, and where they may be made.
async fn scope_jobs(
    db: &DatabaseConnection,
    scope: Scope,
) -> ServiceResult<(Vec<job::Model>, Bounds)> {
    let (jobs, programme_id) = match scope {
        Scope::Job(id) => {
            let row = job::Entity::find_by_id(id).one(db).await?.ok_or_else(|| {
                ServiceError::NotFound {
                    kind: "job",
                    id: id.to_string(),
                }
            })?;
            let programme = row.programme_id;
            (vec![row], programme)
        }
        Scope::Programme(id) => {
            let jobs = job::Entity::find()
                .filter(job::Column::ProgrammeId.eq(id))
                .order_by_asc(job::Column::Id)
                .all(db)
                .await?;
            if jobs.is_empty() {
                let exists = programme::Entity::find_by_id(id).one(db).await?.is_some();
                return Err(if exists {
                    ServiceError::invalid("programmeId", "the programme has no jobs")
                } else {
                    ServiceError::NotFound {
                        kind: "programme",
                        id: id.to_string(),
                    }
                });
            }
            (jobs, Some(id))
        }
    };
    let programme = match programme_id {
        Some(id) => programme::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    Ok((jobs, Bounds::of(programme.as_ref())))
}

async fn facility_rows(
    db: &DatabaseConnection,
    teams: &[TeamMatch],
) -> ServiceResult<HashMap<Uuid, facility::Model>> {
    if teams.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(facility::Entity::find()
        .filter(facility::Column::Id.is_in(teams.iter().map(|t| t.facility_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect())
}

fn report(jobs: &[job::Model], allocation: &Allocation) -> AllocationReport {
    AllocationReport {
        complete: allocation.complete,
        cost_minor: allocation.decisions.iter().map(|d| d.cost_minor).sum(),
        jobs: jobs
            .iter()
            .map(|j| JobReport {
                job_id: j.id,
                complete: allocation
                    .jobs
                    .iter()
                    .find(|o| o.job_id == j.id)
                    .is_none_or(|o| o.shortfall == 0),
                cost_minor: allocation
                    .decisions
                    .iter()
                    .filter(|d| d.job_id == j.id)
                    .map(|d| d.cost_minor)
                    .sum(),
            })
            .collect(),
        decisions: allocation
            .decisions
            .iter()
            .map(|d| DecisionReport {
                job_id: d.job_id,
                facility_id: d.facility_id,
                facility_name: d.facility_name.clone(),
                quantity: d.quantity,
                cost_minor: d.cost_minor,
                reason: crate::services::enum_label(&d.reason),
                detail: d.detail.clone(),
                assignment_id: None,
            })
            .collect(),
    }
}
