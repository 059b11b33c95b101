//! Certifications a maker's source states on the profile ("certified welder, by X"): kept
//! as credentials from issuers nobody has marked trusted, so they verify no skill until an
//! admin trusts the issuer. They belong to the maker's record at its source and are
//! replaced with it (see `services::makers::MakerChildren::replace`).

use chrono::{DateTime, Utc};
use makermatch_entities::{achievement, credential, issuer};
use makermatch_search::resolve::fold;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::verification::Status;

/// `source` of issuers, achievements and credentials stated on maker profiles.
pub const STATED_SOURCE: &str = "pss-stated";

/// A certification as a profile states it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatedCredentialInput {
    pub name: String,
    pub issuer_name: Option<String>,
    pub issued_on: Option<DateTime<Utc>>,
}

/// Deletes the stated credentials of `makers`.
pub(crate) async fn delete_for<C: ConnectionTrait>(tx: &C, makers: &[Uuid]) -> Result<(), DbErr> {
    for chunk in makers.chunks(500) {
        credential::Entity::delete_many()
            .filter(credential::Column::MakerId.is_in(chunk.iter().copied()))
            .filter(credential::Column::Source.eq(STATED_SOURCE))
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// Writes what the profile of `maker_id` (known to its source as `maker_key`) states: the
/// issuer and achievement by name, made once and shared by every profile naming them, and a
/// credential for each.
pub(crate) async fn write_for<C: ConnectionTrait>(
    tx: &C,
    maker_id: Uuid,
    maker_key: &str,
    stated: &[StatedCredentialInput],
) -> Result<(), DbErr> {
    for (n, cert) in stated.iter().enumerate() {
        write_one(tx, maker_id, maker_key, n, cert).await?;
    }
    Ok(())
}

async fn write_one<C: ConnectionTrait>(
    tx: &C,
    maker_id: Uuid,
    maker_key: &str,
    n: usize,
    cert: &StatedCredentialInput,
) -> Result<(), DbErr> {
    let issuer_name = cert
        .issuer_name
        .clone()
        .unwrap_or_else(|| "Unnamed issuer".to_owned());
    let issuer_key = fold(&issuer_name);
    let issuer_id = match issuer::Entity::find()
        .filter(issuer::Column::Source.eq(STATED_SOURCE))
        .filter(issuer::Column::SourceId.eq(issuer_key.clone()))
        .one(tx)
        .await?
    {
        Some(i) => i.id,
        None => {
            let row = issuer::Model {
                id: Uuid::now_v7(),
                name: issuer_name,
                url: None,
                email: None,
                description: Some("Named on a maker profile; not verified.".to_owned()),
                trusted: false,
                public_key: None,
                source: STATED_SOURCE.to_owned(),
                source_id: Some(issuer_key.clone()),
                source_hash: None,
                date_created: Utc::now(),
                // Named on a profile, not by any document: it can never verify anything.
                identifier: None,
            };
            issuer::ActiveModel::from(row).insert(tx).await?.id
        }
    };
    let achievement_key = format!("{issuer_key}|{}", fold(&cert.name));
    let achievement_id = match achievement::Entity::find()
        .filter(achievement::Column::Source.eq(STATED_SOURCE))
        .filter(achievement::Column::SourceId.eq(achievement_key.clone()))
        .one(tx)
        .await?
    {
        Some(a) => a.id,
        None => {
            let row = achievement::Model {
                id: Uuid::now_v7(),
                issuer_id,
                name: cert.name.clone(),
                description: None,
                criteria: None,
                image: None,
                source: STATED_SOURCE.to_owned(),
                source_id: Some(achievement_key),
                source_hash: None,
                date_created: Utc::now(),
            };
            achievement::ActiveModel::from(row).insert(tx).await?.id
        }
    };
    let row = credential::Model {
        id: Uuid::now_v7(),
        maker_id,
        achievement_id,
        issued_on: cert.issued_on.unwrap_or_else(Utc::now),
        expires: None,
        evidence_url: None,
        revoked: false,
        revocation_reason: None,
        source: STATED_SOURCE.to_owned(),
        source_id: Some(format!("{maker_key}|{n}")),
        source_hash: None,
        verification_status: Status::Unverified.as_str().to_owned(),
        verification_method: Some("none".to_owned()),
        verification_reason: Some("stated on the maker's profile: self-declared".to_owned()),
        verification_checked_at: Some(Utc::now()),
        verified_issuer: None,
        recheck_after: None,
        document: None,
        status_list_credential: None,
        status_list_index: None,
        status_index: None,
    };
    credential::ActiveModel::from(row).insert(tx).await?;
    Ok(())
}
