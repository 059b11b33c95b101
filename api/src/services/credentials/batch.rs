//! Issuers, achievements and credentials written in batches from other systems' records
//! (Open Badges imports, the demo generator): the rules of a single write, references
//! checked once per batch, multi-row inserts, and the makers whose verified skills change
//! queued for re-indexing.

use chrono::Utc;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::{achievement, credential, issuer, maker};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, DbErr};
use uuid::Uuid;

use super::verification::Outcome;
use super::{
    AchievementInput, CredentialInput, Holders, IssuerInput, reindex_holders, replace_alignments,
};
use crate::db::InsertSink;
use crate::services::batch::{BatchItem, Op, Refused, existing_ids, take_ids};
use crate::services::makers::ensure_skills;
use crate::services::{ServiceError, bulk, outbox};

/// An issuer as another system (or a seeded generator) knows it.
#[derive(Debug, Clone)]
pub struct IssuerFromSource {
    /// `trusted` counts for a new issuer only: trust is an admin's decision, so an update
    /// keeps the stored one.
    pub issuer: IssuerInput,
    pub source: String,
    pub source_id: String,
}

#[derive(Debug, Clone)]
pub struct AchievementFromSource {
    pub achievement: AchievementInput,
    pub source: String,
    pub source_id: String,
}

/// A credential as its source states it, revoked or not.
#[derive(Debug, Clone)]
pub struct CredentialFromSource {
    pub credential: CredentialInput,
    pub revoked: bool,
    pub revocation_reason: Option<String>,
    pub source: String,
    pub source_id: String,
    /// The document it came as, kept so it can be checked again and handed on.
    pub document: Option<String>,
    /// What checking the document's proof found; none leaves it self-declared.
    pub verification: Option<Outcome>,
}

/// Writes issuers in the caller's transaction. An update re-indexes the holders of the
/// issuer's credentials (their indexed evidence names it) when `records_changes`.
pub async fn write_issuers<C: InsertSink>(
    tx: &C,
    items: Vec<BatchItem<IssuerFromSource>>,
    records_changes: bool,
) -> Result<Refused, DbErr> {
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut inserts = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let from = &item.input;
        let row = from.issuer.to_row(
            item.id,
            item.written_at.unwrap_or(now),
            &from.source,
            Some(from.source_id.clone()),
        );
        let mut row = match row {
            Ok(row) => row,
            Err(e) => {
                refused.push((i, e));
                continue;
            }
        };
        row.source_hash = item.source_hash;
        match item.op {
            Op::Insert => inserts.push(row),
            Op::Update => {
                let mut active = issuer::ActiveModel::from(row).reset_all();
                active.trusted = NotSet;
                active.date_created = NotSet;
                active.update(tx).await?;
                if records_changes {
                    reindex_holders(tx, Holders::Issuer(item.id)).await?;
                }
            }
        }
    }
    bulk::insert_models::<issuer::Entity, _>(tx, inserts, 12).await?;
    Ok(refused)
}

/// Writes achievements with their alignments (skills made sure of) in the caller's
/// transaction; each names an issuer that exists. An update replaces the alignments and
/// re-indexes the holders (what their credentials verify may change) when `records_changes`.
pub async fn write_achievements<C: InsertSink>(
    tx: &C,
    items: Vec<BatchItem<AchievementFromSource>>,
    records_changes: bool,
) -> Result<Refused, DbErr> {
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut accepted = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let from = &item.input;
        let row = from.achievement.to_row(
            item.id,
            item.written_at.unwrap_or(now),
            &from.source,
            Some(from.source_id.clone()),
        );
        match row {
            Ok(mut row) => {
                row.source_hash = item.source_hash.clone();
                accepted.push((i, item, row));
            }
            Err(e) => refused.push((i, e)),
        }
    }
    let issuers = existing_ids::<issuer::Entity, _>(
        tx,
        issuer::Column::Id,
        accepted.iter().map(|(_, _, row)| row.issuer_id),
    )
    .await?;
    accepted.retain(|(i, _, row)| {
        let known = issuers.contains(&row.issuer_id);
        if !known {
            refused.push((
                *i,
                ServiceError::invalid(
                    "issuerId",
                    format!("issuer {} does not exist", row.issuer_id),
                ),
            ));
        }
        known
    });
    refused.sort_by_key(|(i, _)| *i);
    let skills = ensure_skills(
        tx,
        accepted
            .iter()
            .flat_map(|(_, item, _)| item.input.achievement.aligned_skills()),
    )
    .await?;
    let mut inserts = Vec::new();
    let mut updated = Vec::new();
    let mut alignments = Vec::new();
    for (_, item, row) in accepted {
        alignments.extend(item.input.achievement.alignment_rows(
            item.id,
            &skills,
            &mut take_ids(item.child_ids),
        ));
        match item.op {
            Op::Insert => inserts.push(row),
            Op::Update => {
                let mut active = achievement::ActiveModel::from(row).reset_all();
                active.date_created = NotSet;
                active.update(tx).await?;
                updated.push(item.id);
            }
        }
    }
    bulk::insert_models::<achievement::Entity, _>(tx, inserts, 10).await?;
    replace_alignments(tx, &updated, alignments).await?;
    if records_changes {
        for id in updated {
            reindex_holders(tx, Holders::Achievement(id)).await?;
        }
    }
    Ok(refused)
}

/// Writes credentials in the caller's transaction; each names a maker and an achievement
/// that exist. With `records_changes`, each holder is queued for re-indexing (what is
/// verified for them changes); a caller that queues the same makers itself in this
/// transaction, or a dry run, passes false.
pub async fn write_credentials<C: InsertSink>(
    tx: &C,
    items: Vec<BatchItem<CredentialFromSource>>,
    records_changes: bool,
) -> Result<Refused, DbErr> {
    let mut refused = Vec::new();
    let mut accepted = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let from = &item.input;
        match from
            .credential
            .to_row(item.id, &from.source, Some(from.source_id.clone()))
        {
            Ok(mut row) => {
                row.revoked = from.revoked;
                row.revocation_reason = from.revocation_reason.clone();
                row.source_hash = item.source_hash.clone();
                row.document = from.document.clone();
                if let Some(outcome) = &from.verification {
                    super::verification::record(&mut row, outcome);
                }
                accepted.push((i, item.op, row));
            }
            Err(e) => refused.push((i, e)),
        }
    }
    let makers = existing_ids::<maker::Entity, _>(
        tx,
        maker::Column::Id,
        accepted.iter().map(|(_, _, row)| row.maker_id),
    )
    .await?;
    let achievements = existing_ids::<achievement::Entity, _>(
        tx,
        achievement::Column::Id,
        accepted.iter().map(|(_, _, row)| row.achievement_id),
    )
    .await?;
    accepted.retain(|(i, _, row)| {
        let missing = if !makers.contains(&row.maker_id) {
            Some(("makerId", format!("maker {} does not exist", row.maker_id)))
        } else if !achievements.contains(&row.achievement_id) {
            Some((
                "achievementId",
                format!("achievement {} does not exist", row.achievement_id),
            ))
        } else {
            None
        };
        match missing {
            Some((field, message)) => {
                refused.push((*i, ServiceError::invalid(field, message)));
                false
            }
            None => true,
        }
    });
    refused.sort_by_key(|(i, _)| *i);
    let holders: Vec<Uuid> = accepted.iter().map(|(_, _, row)| row.maker_id).collect();
    let mut inserts = Vec::new();
    for (_, op, row) in accepted {
        match op {
            Op::Insert => inserts.push(row),
            Op::Update => {
                credential::ActiveModel::from(row)
                    .reset_all()
                    .update(tx)
                    .await?;
            }
        }
    }
    bulk::insert_models::<credential::Entity, _>(tx, inserts, 21).await?;
    if records_changes {
        outbox::queue_many(
            tx,
            holders
                .into_iter()
                .map(|m| (IndexedKind::Maker, m, OutboxOp::Upsert)),
        )
        .await?;
    }
    Ok(refused)
}
