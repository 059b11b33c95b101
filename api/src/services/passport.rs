//! A maker's whole passport as one JSON document: what the maker gets when they ask for
//! their data (names, private fields, skills, experience, availability, affiliations,
//! credentials, machine clearances and the assignments that name them). Keys are the
//! GraphQL field names; ids are plain UUIDs so the file stands on its own.

use std::collections::HashMap;

use chrono::Utc;
use makermatch_entities::{
    achievement, assignment, assignment_event, assignment_maker, availability, credential,
    experience, facility, issuer, job, machine_clearance, maker, maker_affiliation, skill,
    skill_claim,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{ServiceError, ServiceResult};

/// Names the shape of the document, for whoever reads it later.
pub const FORMAT: &str = "makermatch-passport/1";

/// Whether the export may hold the maker's home position: always for the maker
/// themself, for staff only when the maker shares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Include,
    WithholdUnlessShared,
}

/// The passport of maker `id` as JSON.
pub async fn export<C: ConnectionTrait>(db: &C, id: Uuid, home: Home) -> ServiceResult<Value> {
    let m = maker::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "maker",
            id: id.to_string(),
        })?;
    let show_home = home == Home::Include || m.share_exact_location;
    let mut withheld = Vec::new();
    let exact = if show_home {
        m.lat
            .zip(m.lon)
            .map(|(lat, lon)| json!({ "lat": lat, "lon": lon }))
    } else {
        withheld.push("exactLocation");
        None
    };
    Ok(json!({
        "format": FORMAT,
        "exportedAt": Utc::now(),
        "maker": {
            "id": m.id,
            "firstName": m.first_name,
            "middleName": m.middle_name,
            "lastName": m.last_name,
            "preferredFirstName": m.preferred_first_name,
            "displayName": m.display_name,
            "bio": m.bio,
            "languages": m.languages,
            "location": {
                "country": m.country,
                "city": m.city,
                "lat": m.coarse_lat,
                "lon": m.coarse_lon,
            },
            "exactLocation": exact,
            "nationality": m.nationality,
            "residenceCountry": m.residence_country,
            "dateOfBirth": m.date_of_birth,
            "email": m.email,
            "phone": m.phone,
            "publicProfile": m.public_profile,
            "shareExactLocation": m.share_exact_location,
            "source": m.source,
            "sourceId": m.source_id,
            "dateCreated": m.date_created,
            "lastUpdated": m.last_updated,
            "erasedAt": m.erased_at,
        },
        "skills": skills(db, id).await?,
        "experiences": experiences(db, id).await?,
        "availability": availability(db, id).await?,
        "affiliations": affiliations(db, id).await?,
        "credentials": credentials(db, id).await?,
        "machineClearances": clearances(db, id).await?,
        "assignments": assignments(db, id).await?,
        "withheld": withheld,
    }))
}

async fn skills<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Vec<Value>> {
    let rows = skill_claim::Entity::find()
        .filter(skill_claim::Column::MakerId.eq(id))
        .order_by_asc(skill_claim::Column::DateCreated)
        .find_also_related(skill::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(c, s)| {
            json!({
                "skill": s.as_ref().map(|s| s.label.clone()),
                "key": s.as_ref().map(|s| s.key.clone()),
                "processId": s.and_then(|s| s.process_id),
                "level": c.level,
                "years": c.years,
                "evidenceUrl": c.evidence_url,
                "dateCreated": c.date_created,
            })
        })
        .collect())
}

async fn experiences<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Vec<Value>> {
    let rows = experience::Entity::find()
        .filter(experience::Column::MakerId.eq(id))
        .order_by_asc(experience::Column::DateFrom)
        .order_by_asc(experience::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| {
            json!({
                "title": e.title,
                "organisation": e.organisation,
                "facilityId": e.facility_id,
                "dateFrom": e.date_from,
                "dateTo": e.date_to,
                "description": e.description,
                "processes": e.processes,
            })
        })
        .collect())
}

async fn availability<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Vec<Value>> {
    let rows = availability::Entity::find()
        .filter(availability::Column::MakerId.eq(id))
        .order_by_asc(availability::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|a| {
            json!({
                "hoursPerWeek": a.hours_per_week,
                "availableFrom": a.available_from,
                "availableTo": a.available_to,
            })
        })
        .collect())
}

async fn facility_names<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> ServiceResult<HashMap<Uuid, String>> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(facility::Entity::find()
        .filter(facility::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect())
}

async fn affiliations<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Vec<Value>> {
    let rows = maker_affiliation::Entity::find()
        .filter(maker_affiliation::Column::MakerId.eq(id))
        .order_by_asc(maker_affiliation::Column::FacilityId)
        .all(db)
        .await?;
    let names = facility_names(db, rows.iter().map(|a| a.facility_id)).await?;
    Ok(rows
        .into_iter()
        .map(|a| {
            json!({
                "facilityId": a.facility_id,
                "facilityName": names.get(&a.facility_id),
                "role": a.role,
            })
        })
        .collect())
}

async fn credentials<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Vec<Value>> {
    let rows = credential::Entity::find()
        .filter(credential::Column::MakerId.eq(id))
        .order_by_asc(credential::Column::IssuedOn)
        .find_also_related(achievement::Entity)
        .all(db)
        .await?;
    let issuer_ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|(_, a)| a.as_ref().map(|a| a.issuer_id))
        .collect();
    let issuers: HashMap<Uuid, issuer::Model> = if issuer_ids.is_empty() {
        HashMap::new()
    } else {
        issuer::Entity::find()
            .filter(issuer::Column::Id.is_in(issuer_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|(c, a)| {
            let issuer = a.as_ref().and_then(|a| issuers.get(&a.issuer_id));
            // As it came, with its proof: what any verifier can check again.
            let document = c.document.as_deref().map(|d| {
                serde_json::from_str::<Value>(d).unwrap_or_else(|_| Value::String(d.to_owned()))
            });
            json!({
                "id": c.id,
                "sourceId": c.source_id,
                "achievement": a.as_ref().map(|a| a.name.clone()),
                "issuer": issuer.map(|i| i.name.clone()),
                "issuerIdentifier": issuer.and_then(|i| i.identifier.clone()),
                "issuedOn": c.issued_on,
                "expires": c.expires,
                "evidenceUrl": c.evidence_url,
                "revoked": c.revoked,
                "revocationReason": c.revocation_reason,
                "verification": {
                    "status": c.verification_status,
                    "method": c.verification_method,
                    "reason": c.verification_reason,
                    "issuer": c.verified_issuer,
                    "checkedAt": c.verification_checked_at,
                },
                "document": document,
            })
        })
        .collect())
}

async fn clearances<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Vec<Value>> {
    let rows = machine_clearance::Entity::find()
        .filter(machine_clearance::Column::MakerId.eq(id))
        .order_by_asc(machine_clearance::Column::GrantedOn)
        .all(db)
        .await?;
    let names = facility_names(db, rows.iter().map(|c| c.facility_id)).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            json!({
                "facilityId": c.facility_id,
                "facilityName": names.get(&c.facility_id),
                "equipmentId": c.equipment_id,
                "grantedBy": c.granted_by,
                "grantedOn": c.granted_on,
                "expiresOn": c.expires_on,
            })
        })
        .collect())
}

/// The assignments naming the maker, oldest first, each with its status history. Who
/// moved an assignment on is left out: that is other people's data.
async fn assignments<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Vec<Value>> {
    let named: Vec<Uuid> = assignment_maker::Entity::find()
        .filter(assignment_maker::Column::MakerId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.assignment_id)
        .collect();
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let rows = assignment::Entity::find()
        .filter(assignment::Column::Id.is_in(named.iter().copied()))
        .order_by_asc(assignment::Column::DateCreated)
        .order_by_asc(assignment::Column::Id)
        .all(db)
        .await?;
    let jobs: HashMap<Uuid, String> = job::Entity::find()
        .filter(job::Column::Id.is_in(rows.iter().map(|a| a.job_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|j| (j.id, j.title))
        .collect();
    let names = facility_names(db, rows.iter().map(|a| a.facility_id)).await?;
    let mut history: HashMap<Uuid, Vec<Value>> = HashMap::new();
    for e in assignment_event::Entity::find()
        .filter(assignment_event::Column::AssignmentId.is_in(named))
        .order_by_asc(assignment_event::Column::Id)
        .all(db)
        .await?
    {
        history.entry(e.assignment_id).or_default().push(json!({
            "from": e.from_status,
            "to": e.to_status,
            "at": e.at,
        }));
    }
    Ok(rows
        .into_iter()
        .map(|a| {
            json!({
                "id": a.id,
                "jobId": a.job_id,
                "jobTitle": jobs.get(&a.job_id),
                "facilityId": a.facility_id,
                "facilityName": names.get(&a.facility_id),
                "quantity": a.quantity,
                "unitPriceMinor": a.unit_price_minor,
                "currency": a.currency,
                "status": a.status,
                "dateCreated": a.date_created,
                "lastUpdated": a.last_updated,
                "deliveredAt": a.delivered_at,
                "completedAt": a.completed_at,
                "history": history.remove(&a.id).unwrap_or_default(),
            })
        })
        .collect())
}
