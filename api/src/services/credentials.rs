//! Writes of issuers, achievements and credentials. A credential changes which of a maker's
//! skills are verified, so it re-indexes the maker.

mod batch;
pub mod evidence;
pub mod recheck;
pub mod signing;
pub mod stated;
pub mod verification;

pub use batch::{
    AchievementFromSource, CredentialFromSource, IssuerFromSource, write_achievements,
    write_credentials, write_issuers,
};

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::{achievement, achievement_alignment, credential, issuer, maker};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::makers::{NATIVE_SOURCE, ensure_skills};
use super::values::{Email, IssuerIdentifier, WebUrl};
use super::{ServiceError, ServiceResult, Written, bulk, outbox, validate};
use crate::db::begin_write;
use verification::Status;

#[derive(Debug, Clone, Default)]
pub struct IssuerInput {
    pub name: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub trusted: bool,
    pub public_key: Option<String>,
    /// The DID or URL the issuer's credentials name: what trust is given to.
    pub identifier: Option<String>,
}

/// An issuer's home page: an http(s) link (front-ends show it as one).
pub(crate) fn issuer_url(value: Option<&str>) -> ServiceResult<Option<String>> {
    optional(value, |v| WebUrl::parse("url", v).map(WebUrl::into_inner))
}

pub(crate) fn issuer_email(value: Option<&str>) -> ServiceResult<Option<String>> {
    optional(value, |v| Email::parse("email", v).map(Email::into_inner))
}

/// Where a credential's evidence can be seen: an http(s) link.
pub(crate) fn evidence_url(value: Option<&str>) -> ServiceResult<Option<String>> {
    optional(value, |v| {
        WebUrl::parse("evidenceUrl", v).map(WebUrl::into_inner)
    })
}

/// A credential cannot expire before it is issued.
pub(crate) fn validity(
    issued_on: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
) -> ServiceResult<()> {
    match expires {
        Some(expires) if expires <= issued_on => Err(ServiceError::invalid(
            "expires",
            format!("{expires} is not after issuedOn ({issued_on})"),
        )),
        _ => Ok(()),
    }
}

/// A blank optional text is none; anything else must parse.
fn optional(
    value: Option<&str>,
    parse: impl FnOnce(&str) -> ServiceResult<String>,
) -> ServiceResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => parse(v).map(Some),
        None => Ok(None),
    }
}

impl IssuerInput {
    /// Checks the input and returns the row of an issuer known to `source` as `source_id`.
    pub(crate) fn to_row(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        source: &str,
        source_id: Option<String>,
    ) -> ServiceResult<issuer::Model> {
        let identifier = optional(self.identifier.as_deref(), |v| {
            IssuerIdentifier::parse("identifier", v).map(IssuerIdentifier::into_inner)
        })?;
        if self.trusted && identifier.is_none() {
            return Err(untrusted_without_identifier());
        }
        Ok(issuer::Model {
            id,
            identifier,
            name: validate::non_empty("name", &self.name)?,
            url: issuer_url(self.url.as_deref())?,
            email: issuer_email(self.email.as_deref())?,
            description: self.description.clone(),
            trusted: self.trusted,
            public_key: self.public_key.clone(),
            source: source.to_owned(),
            source_id,
            source_hash: None,
            date_created: now,
        })
    }
}

pub async fn create_issuer(
    db: &DatabaseConnection,
    input: IssuerInput,
) -> ServiceResult<issuer::Model> {
    let row = input.to_row(Uuid::now_v7(), Utc::now(), NATIVE_SOURCE, None)?;
    let tx = begin_write(db).await?;
    let model = issuer::ActiveModel::from(row).insert(&tx).await?;
    tx.commit().await?;
    Ok(model)
}

/// Trust is given to the DID or URL an issuer's credentials name; a name proves nothing.
fn untrusted_without_identifier() -> ServiceError {
    ServiceError::invalid(
        "trusted",
        "an issuer is trusted by its identifier (the DID or URL its credentials name as \
         `issuer`); give `identifier`, or use trustIssuer(identifier: …)",
    )
}

/// Trusts (or stops trusting) the issuer known by `identifier`, creating its record when no
/// issuer has it yet (named `name`, or after the identifier). Re-indexes every holder.
pub async fn trust_identifier(
    db: &DatabaseConnection,
    identifier: &str,
    trusted: bool,
    name: Option<&str>,
) -> ServiceResult<Written<issuer::Model>> {
    let identifier = IssuerIdentifier::parse("identifier", identifier)?.into_inner();
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(validate::non_empty("name", n)?),
        None => None,
    };
    let tx = begin_write(db).await?;
    let existing = issuer::Entity::find()
        .filter(issuer::Column::Identifier.eq(identifier.clone()))
        .one(&tx)
        .await?;
    let (model, changed) = match existing {
        Some(existing) => {
            let changed = existing.trusted != trusted;
            let mut active: issuer::ActiveModel = existing.into();
            active.trusted = Set(trusted);
            if let Some(name) = name {
                active.name = Set(name);
            }
            (active.update(&tx).await?, changed)
        }
        None => {
            let row = IssuerInput {
                name: name.unwrap_or_else(|| identifier.clone()),
                trusted,
                identifier: Some(identifier),
                ..IssuerInput::default()
            }
            .to_row(Uuid::now_v7(), Utc::now(), NATIVE_SOURCE, None)?;
            (issuer::ActiveModel::from(row).insert(&tx).await?, false)
        }
    };
    let seq = if changed {
        reindex_holders(&tx, Holders::Issuer(model.id))
            .await?
            .unwrap_or(0)
    } else {
        0
    };
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

/// Trusting or distrusting an issuer changes what is verified for every holder. Only an
/// issuer with an identifier can be trusted.
pub async fn set_issuer_trust(
    db: &DatabaseConnection,
    issuer_id: Uuid,
    trusted: bool,
) -> ServiceResult<Written<issuer::Model>> {
    let tx = begin_write(db).await?;
    let existing = issuer::Entity::find_by_id(issuer_id)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "issuer",
            id: issuer_id.to_string(),
        })?;
    if trusted && existing.identifier.is_none() {
        return Err(untrusted_without_identifier());
    }
    let mut active: issuer::ActiveModel = existing.into();
    active.trusted = Set(trusted);
    let model = active.update(&tx).await?;
    let seq = reindex_holders(&tx, Holders::Issuer(issuer_id))
        .await?
        .unwrap_or(0);
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

/// Whose credentials changed with an issuer or an achievement.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Holders {
    /// Of any achievement of the issuer.
    Issuer(Uuid),
    Achievement(Uuid),
}

/// Queues every maker holding a credential of `of` for re-indexing (what is verified for
/// them, and the evidence matching shows, may have changed); returns the last outbox
/// position, if any.
pub(crate) async fn reindex_holders<C: crate::db::InsertSink>(
    tx: &C,
    of: Holders,
) -> Result<Option<i64>, sea_orm::DbErr> {
    let query = credential::Entity::find()
        .select_only()
        .column(credential::Column::MakerId)
        .distinct();
    let query = match of {
        Holders::Issuer(id) => query
            .inner_join(achievement::Entity)
            .filter(achievement::Column::IssuerId.eq(id)),
        Holders::Achievement(id) => query.filter(credential::Column::AchievementId.eq(id)),
    };
    let holders: Vec<Uuid> = query.into_tuple().all(tx).await?;
    outbox::reindex_makers(tx, holders).await
}

/// A partial change of an issuer: `None` keeps a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct IssuerPatch {
    pub name: Option<String>,
    pub url: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub trusted: Option<bool>,
    pub public_key: Option<Option<String>>,
    /// The identifier can be set on an issuer that has none; once set it stays, since
    /// verified credentials are bound to it.
    pub identifier: Option<String>,
}

/// Changes the fields `patch` names. A change of trust or name re-indexes every holder of
/// the issuer's credentials: what is verified for them, and the evidence matching shows,
/// are indexed with them.
pub async fn update_issuer(
    db: &DatabaseConnection,
    issuer_id: Uuid,
    patch: IssuerPatch,
) -> ServiceResult<Written<issuer::Model>> {
    let name = match &patch.name {
        Some(n) => Some(validate::non_empty("name", n)?),
        None => None,
    };
    let url = patch.url.map(|u| issuer_url(u.as_deref())).transpose()?;
    let email = patch
        .email
        .map(|e| issuer_email(e.as_deref()))
        .transpose()?;
    let identifier = patch
        .identifier
        .as_deref()
        .map(|i| IssuerIdentifier::parse("identifier", i).map(IssuerIdentifier::into_inner))
        .transpose()?;
    let tx = begin_write(db).await?;
    let existing = issuer::Entity::find_by_id(issuer_id)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "issuer",
            id: issuer_id.to_string(),
        })?;
    if let (Some(old), Some(new)) = (&existing.identifier, &identifier)
        && old != new
    {
        return Err(ServiceError::Conflict(format!(
            "issuer {issuer_id} is known by {old}; credentials verified against it keep that \
             identifier (create another issuer for {new})"
        )));
    }
    let has_identifier = identifier.is_some() || existing.identifier.is_some();
    if patch.trusted == Some(true) && !has_identifier {
        return Err(untrusted_without_identifier());
    }
    let holders_change = identifier.is_some() && existing.identifier.is_none()
        || patch.trusted.is_some_and(|t| t != existing.trusted)
        || name.as_ref().is_some_and(|n| *n != existing.name);
    let mut active: issuer::ActiveModel = existing.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(url) = url {
        active.url = Set(url);
    }
    if let Some(email) = email {
        active.email = Set(email);
    }
    if let Some(description) = patch.description {
        active.description = Set(description);
    }
    if let Some(trusted) = patch.trusted {
        active.trusted = Set(trusted);
    }
    if let Some(key) = patch.public_key {
        active.public_key = Set(key);
    }
    if let Some(identifier) = identifier {
        active.identifier = Set(Some(identifier));
    }
    let model = active.update(&tx).await?;
    let seq = if holders_change {
        reindex_holders(&tx, Holders::Issuer(issuer_id))
            .await?
            .unwrap_or(0)
    } else {
        0
    };
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

#[derive(Debug, Clone, Default)]
pub struct AlignmentInput {
    /// A skill name (normalised and linked) or a process id.
    pub target_name: String,
    pub target_url: Option<String>,
    pub process_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AchievementInput {
    pub issuer_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub criteria: Option<String>,
    pub image: Option<String>,
    pub alignments: Vec<AlignmentInput>,
}

impl AchievementInput {
    /// Checks the input and returns the row of an achievement known to `source` as
    /// `source_id` (its alignments are [`AchievementInput::alignment_rows`]).
    pub(crate) fn to_row(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        source: &str,
        source_id: Option<String>,
    ) -> ServiceResult<achievement::Model> {
        let name = validate::non_empty("name", &self.name)?;
        for (i, a) in self.alignments.iter().enumerate() {
            validate::non_empty(&format!("alignments[{i}].targetName"), &a.target_name)?;
        }
        Ok(achievement::Model {
            id,
            issuer_id: self.issuer_id,
            name,
            description: self.description.clone(),
            criteria: self.criteria.clone(),
            image: self.image.clone(),
            source: source.to_owned(),
            source_id,
            source_hash: None,
            date_created: now,
        })
    }

    /// The skills the alignments name, with their processes, for [`ensure_skills`].
    pub(crate) fn aligned_skills(&self) -> impl Iterator<Item = (String, Option<String>)> + '_ {
        self.alignments
            .iter()
            .map(|a| (a.target_name.clone(), a.process_id.clone()))
    }

    /// The alignment rows; `skills` maps skill keys to ids (see [`ensure_skills`]).
    pub(crate) fn alignment_rows(
        &self,
        achievement_id: Uuid,
        skills: &HashMap<String, Uuid>,
        new_id: &mut impl FnMut() -> Uuid,
    ) -> Vec<achievement_alignment::Model> {
        self.alignments
            .iter()
            .map(|a| achievement_alignment::Model {
                id: new_id(),
                achievement_id,
                skill_id: skills
                    .get(&makermatch_search::skills::skill_key(&a.target_name))
                    .copied(),
                process_id: a.process_id.clone(),
                target_name: a.target_name.trim().to_owned(),
                target_url: a.target_url.clone(),
            })
            .collect()
    }
}

/// The one way achievements' alignments change: drops those of `replaced`, then inserts
/// `rows` (which may hold new achievements' alignments too).
pub(crate) async fn replace_alignments<C: crate::db::InsertSink>(
    tx: &C,
    replaced: &[Uuid],
    rows: Vec<achievement_alignment::Model>,
) -> Result<(), sea_orm::DbErr> {
    for chunk in replaced.chunks(500) {
        achievement_alignment::Entity::delete_many()
            .filter(achievement_alignment::Column::AchievementId.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    bulk::insert_models::<achievement_alignment::Entity, _>(tx, rows, 6).await
}

pub async fn create_achievement(
    db: &DatabaseConnection,
    input: AchievementInput,
) -> ServiceResult<achievement::Model> {
    let id = Uuid::now_v7();
    let row = input.to_row(id, Utc::now(), NATIVE_SOURCE, None)?;
    let tx = begin_write(db).await?;
    if issuer::Entity::find_by_id(input.issuer_id)
        .one(&tx)
        .await?
        .is_none()
    {
        return Err(ServiceError::invalid(
            "issuerId",
            format!("issuer {} does not exist", input.issuer_id),
        ));
    }
    let model = achievement::ActiveModel::from(row).insert(&tx).await?;
    let skills = ensure_skills(&tx, input.aligned_skills()).await?;
    let rows = input.alignment_rows(id, &skills, &mut Uuid::now_v7);
    replace_alignments(&tx, &[], rows).await?;
    tx.commit().await?;
    Ok(model)
}

#[derive(Debug, Clone)]
pub struct CredentialInput {
    pub maker_id: Uuid,
    pub achievement_id: Uuid,
    pub issued_on: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
    pub evidence_url: Option<String>,
}

impl CredentialInput {
    /// Checks the input and returns the row of a credential, not revoked, known to `source`
    /// as `source_id`.
    pub(crate) fn to_row(
        &self,
        id: Uuid,
        source: &str,
        source_id: Option<String>,
    ) -> ServiceResult<credential::Model> {
        validity(self.issued_on, self.expires)?;
        Ok(credential::Model {
            id,
            maker_id: self.maker_id,
            achievement_id: self.achievement_id,
            issued_on: self.issued_on,
            expires: self.expires,
            evidence_url: evidence_url(self.evidence_url.as_deref())?,
            revoked: false,
            revocation_reason: None,
            source: source.to_owned(),
            source_id,
            source_hash: None,
            // Recorded without a document: nothing proves the issuer made it.
            verification_status: Status::Unverified.as_str().to_owned(),
            verification_method: Some("none".to_owned()),
            verification_reason: Some(
                "recorded here without a proof from its issuer: self-declared".to_owned(),
            ),
            verification_checked_at: Some(Utc::now()),
            verified_issuer: None,
            recheck_after: None,
            document: None,
            status_list_credential: None,
            status_list_index: None,
            status_index: None,
        })
    }
}

pub async fn issue_credential(
    db: &DatabaseConnection,
    input: CredentialInput,
) -> ServiceResult<Written<credential::Model>> {
    let row = input.to_row(Uuid::now_v7(), NATIVE_SOURCE, None)?;
    let tx = begin_write(db).await?;
    if maker::Entity::find_by_id(input.maker_id)
        .one(&tx)
        .await?
        .is_none()
    {
        return Err(ServiceError::invalid(
            "makerId",
            format!("maker {} does not exist", input.maker_id),
        ));
    }
    if achievement::Entity::find_by_id(input.achievement_id)
        .one(&tx)
        .await?
        .is_none()
    {
        return Err(ServiceError::invalid(
            "achievementId",
            format!("achievement {} does not exist", input.achievement_id),
        ));
    }
    let model = credential::ActiveModel::from(row).insert(&tx).await?;
    let seq = outbox::record(&tx, IndexedKind::Maker, input.maker_id, OutboxOp::Upsert).await?;
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

pub async fn revoke_credential(
    db: &DatabaseConnection,
    id: Uuid,
    reason: &str,
) -> ServiceResult<Written<credential::Model>> {
    let reason = validate::non_empty("reason", reason)?;
    let tx = begin_write(db).await?;
    let existing = credential::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "credential",
            id: id.to_string(),
        })?;
    if existing.revoked {
        return Err(ServiceError::Conflict(format!(
            "credential {id} is already revoked"
        )));
    }
    let maker_id = existing.maker_id;
    let mut active: credential::ActiveModel = existing.into();
    active.revoked = Set(true);
    active.revocation_reason = Set(Some(reason));
    let model = active.update(&tx).await?;
    let seq = outbox::record(&tx, IndexedKind::Maker, maker_id, OutboxOp::Upsert).await?;
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}
