//! Checking stored credentials again when what their outcome depends on can change: a
//! status list (revocation), a did:web document (a key rotated, a site back up), a validity
//! date. Each outcome names when to look again (`recheck_after`); a background task takes
//! the due ones in small rounds, and `verifyCredential` checks one at once. A changed outcome
//! re-indexes the holder.

use std::time::Duration;

use chrono::Utc;
use makermatch_entities::credential;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::verification::{CredentialVerifier, Incoming, Outcome, Status};
use crate::db::begin_write;
use crate::services::{ServiceError, ServiceResult, Written, outbox};

/// Credentials checked per round of the background task.
const ROUND: u64 = 100;

/// How often the background task looks for due credentials.
const EVERY: Duration = Duration::from_secs(300);

/// Checks `document` off the async workers (the cryptography is CPU work).
async fn verify(verifier: &CredentialVerifier, document: &str) -> Outcome {
    let Some(incoming) = Incoming::from_stored(document) else {
        return Outcome::new(
            Status::Unverified,
            "none",
            "the stored document cannot be read back",
        );
    };
    let verifier = verifier.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || runtime.block_on(verifier.verify(&incoming, Utc::now())))
        .await
        .unwrap_or_else(|_| {
            Outcome::new(
                Status::Unverified,
                "none",
                "the proof could not be checked (the checker failed); it is tried again later",
            )
        })
}

/// Stores a new outcome; re-indexes the holder when what counts changed. Returns the row
/// and the outbox position (0 when nothing the index shows changed).
async fn store(
    db: &DatabaseConnection,
    row: credential::Model,
    outcome: &Outcome,
) -> ServiceResult<Written<credential::Model>> {
    let changed =
        row.verification_status != outcome.status.as_str() || row.verified_issuer != outcome.issuer;
    let tx = begin_write(db).await?;
    let maker = row.maker_id;
    let mut active: credential::ActiveModel = row.into();
    active.verification_status = Set(outcome.status.as_str().to_owned());
    active.verification_method = Set(Some(outcome.method.clone()));
    active.verification_reason = Set(Some(outcome.reason.clone()));
    active.verification_checked_at = Set(Some(outcome.checked_at));
    active.verified_issuer = Set(outcome.issuer.clone());
    active.recheck_after = Set(outcome.recheck_after);
    let model = active.update(&tx).await?;
    let seq = if changed {
        outbox::record(&tx, IndexedKind::Maker, maker, OutboxOp::Upsert).await?
    } else {
        0
    };
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

/// Checks one credential again now.
pub async fn recheck_one(
    db: &DatabaseConnection,
    verifier: &CredentialVerifier,
    id: Uuid,
) -> ServiceResult<Written<credential::Model>> {
    let row = credential::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "credential",
            id: id.to_string(),
        })?;
    let Some(document) = row.document.clone() else {
        return Err(ServiceError::Conflict(format!(
            "credential {id} was recorded without a document: there is no proof to check"
        )));
    };
    let outcome = verify(verifier, &document).await;
    store(db, row, &outcome).await
}

/// How long a claimed credential is left to the replica that claimed it before another
/// may take it (the claimer stopped midway).
const CLAIM: chrono::Duration = chrono::Duration::minutes(10);

/// Takes a due credential for this replica: moves its time to look again past the claim,
/// if no other replica did first. Replicas on one database share the due work this way
/// rather than each checking (and fetching for) every row.
async fn claim(db: &DatabaseConnection, id: Uuid) -> ServiceResult<bool> {
    let now = Utc::now();
    let tx = begin_write(db).await?;
    let taken = credential::Entity::update_many()
        .col_expr(
            credential::Column::RecheckAfter,
            sea_orm::sea_query::Expr::value(now + CLAIM),
        )
        .filter(credential::Column::Id.eq(id))
        .filter(credential::Column::RecheckAfter.lte(now))
        .exec(&tx)
        .await?
        .rows_affected
        == 1;
    tx.commit().await?;
    Ok(taken)
}

/// Checks the credentials whose time to look again has come, at most `limit`, each
/// claimed first so that replicas do not repeat each other; returns how many this one
/// checked and how many changed.
pub async fn recheck_due(
    db: &DatabaseConnection,
    verifier: &CredentialVerifier,
    limit: u64,
) -> ServiceResult<(usize, usize)> {
    let due = credential::Entity::find()
        .filter(credential::Column::RecheckAfter.lte(Utc::now()))
        .filter(credential::Column::Document.is_not_null())
        .order_by_asc(credential::Column::RecheckAfter)
        .limit(limit)
        .all(db)
        .await?;
    let mut checked = 0;
    let mut changed = 0;
    for row in due {
        let Some(document) = row.document.clone() else {
            continue;
        };
        if !claim(db, row.id).await? {
            continue;
        }
        checked += 1;
        let outcome = verify(verifier, &document).await;
        if store(db, row, &outcome).await?.outbox_seq > 0 {
            changed += 1;
        }
    }
    Ok((checked, changed))
}

/// The background task: a round every few minutes, until the server stops (it is aborted
/// with the server). A failed round (the database away) is logged and tried again later.
pub async fn run(db: DatabaseConnection, verifier: CredentialVerifier) {
    loop {
        tokio::time::sleep(EVERY).await;
        match recheck_due(&db, &verifier, ROUND).await {
            Ok((0, _)) => {}
            Ok((checked, changed)) => {
                tracing::info!(checked, changed, "checked stored credentials again");
            }
            Err(e) => tracing::warn!(error = %e, "cannot check stored credentials again now"),
        }
    }
}
