//! Proof of practice: when an assignment of a programme that asks for it is completed, each
//! of its makers receives an Open Badges 3.0 credential signed by this deployment, saying
//! what they produced, with a place in the revocation list. It verifies the job's process and
//! skill requirements for them once an admin trusts this deployment's DID.

use chrono::{SecondsFormat, Utc};
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::{
    achievement, assignment, assignment_maker, credential, issuer, job, job_requirement, programme,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::DeploymentIssuer;
use crate::db::InsertSink;
use crate::services::credentials::verification::{self, CredentialVerifier, Incoming, Status};
use crate::services::credentials::{
    AchievementInput, AlignmentInput, IssuerInput, replace_alignments,
};
use crate::services::makers::{NATIVE_SOURCE, ensure_skills};
use crate::services::{ServiceError, ServiceResult, outbox};

/// The source id of a job's proof-of-practice achievement.
fn achievement_key(job: Uuid) -> String {
    format!("practice:{job}")
}

/// [`issue`] behind a boxed future: signing's future type is deep, and nested in every
/// caller's (up to the GraphQL schema) it exceeds the compiler's recursion limit.
pub fn issue_boxed<'a, C: InsertSink>(
    tx: &'a C,
    deployment: &'a DeploymentIssuer,
    done: &'a assignment::Model,
    job: &'a job::Model,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ServiceResult<Option<i64>>> + Send + 'a>> {
    Box::pin(issue(tx, deployment, done, job))
}

/// Issues the credentials of a completed assignment, in the caller's transaction. Returns
/// the outbox position of the last holder re-indexed (none when nothing was issued).
pub async fn issue<C: InsertSink>(
    tx: &C,
    deployment: &DeploymentIssuer,
    done: &assignment::Model,
    job: &job::Model,
) -> ServiceResult<Option<i64>> {
    let Some(programme_id) = job.programme_id else {
        return Ok(None);
    };
    let Some(programme) = programme::Entity::find_by_id(programme_id).one(tx).await? else {
        return Ok(None);
    };
    if !programme.issue_proof_of_practice {
        return Ok(None);
    }
    let makers: Vec<Uuid> = assignment_maker::Entity::find()
        .filter(assignment_maker::Column::AssignmentId.eq(done.id))
        .select_only()
        .column(assignment_maker::Column::MakerId)
        .into_tuple()
        .all(tx)
        .await?;
    if makers.is_empty() {
        return Ok(None);
    }
    let issuer_id = own_issuer(tx, deployment).await?;
    let achievement = own_achievement(tx, issuer_id, job, &programme).await?;
    let verifier = CredentialVerifier::new(deployment.own_did());
    let mut seq = None;
    for maker in makers {
        let index = next_status_index(tx).await?;
        let id = Uuid::now_v7();
        let now = Utc::now();
        let list = deployment.public_url().join(super::status_list::PATH);
        let unsigned = json!({
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ],
            "id": format!("urn:uuid:{id}"),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {
                "id": deployment.did(),
                "type": ["Profile"],
                "name": deployment.name(),
                "url": deployment.public_url().join("/"),
            },
            "validFrom": now.to_rfc3339_opts(SecondsFormat::Secs, true),
            "name": achievement.name,
            "credentialSubject": {
                "id": format!("urn:uuid:{maker}"),
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": format!("urn:uuid:{}", achievement.id),
                    "type": ["Achievement"],
                    "name": achievement.name,
                    "description": achievement.description.clone().unwrap_or_default(),
                    "criteria": { "narrative": achievement.criteria.clone().unwrap_or_default() },
                },
            },
            "evidence": [{
                "id": format!("urn:uuid:{}", done.id),
                "type": ["Evidence"],
                "name": "Completed assignment",
                "narrative": practice_narrative(done, job, &programme),
            }],
            "credentialStatus": {
                "id": format!("{list}#{index}"),
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": index.to_string(),
                "statusListCredential": list,
            },
        });
        let signed =
            deployment.key().sign(unsigned).await.map_err(|e| {
                ServiceError::Conflict(format!("cannot sign proof of practice: {e}"))
            })?;
        // Checked like any credential that comes in: what is stored is what was found.
        let incoming = Incoming::json(signed);
        let outcome = verifier.verify(&incoming, now).await;
        if outcome.status != Status::Verified {
            tracing::error!(reason = %outcome.reason, "a proof of practice did not verify");
        }
        let mut row = credential::Model {
            id,
            maker_id: maker,
            achievement_id: achievement.id,
            issued_on: now,
            expires: None,
            evidence_url: None,
            revoked: false,
            revocation_reason: None,
            source: NATIVE_SOURCE.to_owned(),
            source_id: Some(format!("urn:uuid:{id}")),
            source_hash: None,
            verification_status: String::new(),
            verification_method: None,
            verification_reason: None,
            verification_checked_at: None,
            verified_issuer: None,
            recheck_after: None,
            document: Some(incoming.text().to_owned()),
            status_list_credential: Some(list),
            status_list_index: Some(index),
            status_index: Some(index),
        };
        verification::record(&mut row, &outcome);
        row.status_list_index = Some(index);
        credential::ActiveModel::from(row).insert(tx).await?;
        seq = Some(outbox::record(tx, IndexedKind::Maker, maker, OutboxOp::Upsert).await?);
    }
    Ok(seq)
}

/// What was made, how many, for which programme, and who approved it.
fn practice_narrative(
    done: &assignment::Model,
    job: &job::Model,
    programme: &programme::Model,
) -> String {
    let mut text = format!(
        "Made {} of {} units of “{}” for {}; delivered and accepted",
        done.quantity, job.quantity, job.title, programme.name
    );
    if done.prototype_required {
        text.push_str(", after a prototype approved");
        if let Some(inspector) = job.qa_inspector.as_deref().filter(|i| !i.trim().is_empty()) {
            text.push_str(&format!(" by the QA inspector {inspector}"));
        }
    }
    text.push('.');
    text
}

/// This deployment's issuer record (by its DID), made untrusted on first use: an admin
/// decides whether its proofs verify skills.
async fn own_issuer<C: InsertSink>(tx: &C, deployment: &DeploymentIssuer) -> ServiceResult<Uuid> {
    if let Some(found) = issuer::Entity::find()
        .filter(issuer::Column::Identifier.eq(deployment.did()))
        .one(tx)
        .await?
    {
        return Ok(found.id);
    }
    let row = IssuerInput {
        name: deployment.name().to_owned(),
        url: Some(deployment.public_url().join("/")),
        description: Some("This makermatch deployment: it signs proofs of practice.".to_owned()),
        identifier: Some(deployment.did().to_owned()),
        ..IssuerInput::default()
    }
    .to_row(Uuid::now_v7(), Utc::now(), NATIVE_SOURCE, None)?;
    Ok(issuer::ActiveModel::from(row).insert(tx).await?.id)
}

/// The job's proof-of-practice achievement, aligned to its process and skill requirements.
async fn own_achievement<C: InsertSink>(
    tx: &C,
    issuer_id: Uuid,
    job: &job::Model,
    programme: &programme::Model,
) -> ServiceResult<achievement::Model> {
    let key = achievement_key(job.id);
    if let Some(found) = achievement::Entity::find()
        .filter(achievement::Column::Source.eq(NATIVE_SOURCE))
        .filter(achievement::Column::SourceId.eq(key.clone()))
        .one(tx)
        .await?
    {
        return Ok(found);
    }
    let requirements = job_requirement::Entity::find()
        .filter(job_requirement::Column::JobId.eq(job.id))
        .filter(job_requirement::Column::Kind.is_in([
            job_requirement::RequirementKind::Process,
            job_requirement::RequirementKind::Skill,
        ]))
        .order_by_asc(job_requirement::Column::Term)
        .all(tx)
        .await?;
    let alignments = requirements
        .into_iter()
        .map(|r| AlignmentInput {
            process_id: (r.kind == job_requirement::RequirementKind::Process)
                .then(|| r.term.clone()),
            target_name: r.term,
            target_url: None,
        })
        .collect();
    let input = AchievementInput {
        issuer_id,
        name: format!("Production practice: {}", job.title),
        description: Some(format!(
            "Produced units of “{}” for {}, completed and accepted.",
            job.title, programme.name
        )),
        criteria: Some(
            "An assignment of this job completed: delivered and accepted by the programme."
                .to_owned(),
        ),
        image: None,
        alignments,
    };
    let id = Uuid::now_v7();
    let row = input.to_row(id, Utc::now(), NATIVE_SOURCE, Some(key))?;
    let model = achievement::ActiveModel::from(row).insert(tx).await?;
    let skills = ensure_skills(tx, input.aligned_skills()).await?;
    let rows = input.alignment_rows(id, &skills, &mut Uuid::now_v7);
    replace_alignments(tx, &[], rows).await?;
    Ok(model)
}

/// A free place in the revocation list, chosen at random (the Bitstring Status List
/// spec's privacy advice: a verifier fetching the list learns nothing from the order of
/// issue). Taken under the write transaction; the unique index on `status_index` refuses
/// a second writer that raced to the same one.
async fn next_status_index<C: InsertSink>(tx: &C) -> ServiceResult<i64> {
    use rand::Rng;
    let capacity = super::status_list::CAPACITY;
    for _ in 0..16 {
        let place = rand::rng().random_range(0..capacity);
        let taken = credential::Entity::find()
            .filter(credential::Column::StatusIndex.eq(place))
            .count(tx)
            .await?
            > 0;
        if !taken {
            return Ok(place);
        }
    }
    // A crowded list: pick among the places still free.
    let taken: std::collections::HashSet<i64> = credential::Entity::find()
        .select_only()
        .column(credential::Column::StatusIndex)
        .filter(credential::Column::StatusIndex.is_not_null())
        .into_tuple::<i64>()
        .all(tx)
        .await?
        .into_iter()
        .collect();
    let free = capacity - taken.len() as i64;
    if free <= 0 {
        return Err(ServiceError::Conflict(
            "the revocation list is full; proofs of practice cannot be issued".to_owned(),
        ));
    }
    let nth = rand::rng().random_range(0..free);
    (0..capacity)
        .filter(|p| !taken.contains(p))
        .nth(nth as usize)
        .ok_or_else(|| ServiceError::Conflict("the revocation list is full".to_owned()))
}
