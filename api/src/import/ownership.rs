//! Who may change an issuer or an achievement already recorded: only a document whose
//! proof checked out and is bound to that issuer's identifier. Anyone can write a file that
//! names a trusted issuer; without this, an unsigned or edited credential could rename an
//! achievement for every holder or rewrite the issuer's profile.

use std::collections::HashMap;

use makermatch_entities::{achievement, credential, issuer};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::BADGES_SOURCE;
use crate::db::InsertSink;

/// An issuer already recorded, as a document refers to it.
#[derive(Debug, Clone)]
pub(crate) struct KnownIssuer {
    pub id: Uuid,
    /// The fingerprint of the Open Badges record it was written from, if it was.
    pub source_hash: Option<String>,
    /// The DID or URL its credentials name; what a proof must be bound to.
    pub identifier: Option<String>,
    /// Whether an Open Badges import recorded it (else an admin did, and documents that
    /// name it leave the record as the admin wrote it).
    pub imported: bool,
}

/// Issuers a batch's documents name (by their IRI), found by identifier (whoever recorded
/// them: an import, an admin's `trustIssuer`) or by an earlier Open Badges import's id.
pub(crate) async fn known_issuers<C: InsertSink>(
    tx: &C,
    refs: &[String],
) -> Result<HashMap<String, KnownIssuer>, DbErr> {
    type Row = (Uuid, String, Option<String>, Option<String>, Option<String>);
    let mut out = HashMap::new();
    for chunk in refs.chunks(500) {
        let rows: Vec<Row> = issuer::Entity::find()
            .select_only()
            .column(issuer::Column::Id)
            .column(issuer::Column::Source)
            .column(issuer::Column::SourceId)
            .column(issuer::Column::SourceHash)
            .column(issuer::Column::Identifier)
            .filter(
                Condition::any()
                    .add(issuer::Column::Identifier.is_in(chunk.iter().cloned()))
                    .add(
                        Condition::all()
                            .add(issuer::Column::Source.eq(BADGES_SOURCE))
                            .add(issuer::Column::SourceId.is_in(chunk.iter().cloned())),
                    ),
            )
            .into_tuple()
            .all(tx)
            .await?;
        for (id, source, source_id, source_hash, identifier) in rows {
            let ours = source == BADGES_SOURCE;
            let known = KnownIssuer {
                id,
                source_hash: source_hash.filter(|_| ours),
                identifier: identifier.clone(),
                imported: ours,
            };
            if let Some(source_id) = source_id.filter(|_| ours) {
                out.entry(source_id).or_insert_with(|| known.clone());
            }
            // The identifier is what documents name: it wins over an old import's id.
            if let Some(identifier) = identifier {
                out.insert(identifier, known);
            }
        }
    }
    Ok(out)
}

/// The identifier of the issuer each of `achievements` belongs to (none when that issuer
/// has no identifier).
pub(crate) async fn achievement_owners<C: InsertSink>(
    tx: &C,
    achievements: &[Uuid],
) -> Result<HashMap<Uuid, (Uuid, Option<String>)>, DbErr> {
    let mut out = HashMap::new();
    for chunk in achievements.chunks(500) {
        let rows: Vec<(Uuid, Uuid)> = achievement::Entity::find()
            .select_only()
            .column(achievement::Column::Id)
            .column(achievement::Column::IssuerId)
            .filter(achievement::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(tx)
            .await?;
        let issuers: Vec<Uuid> = rows.iter().map(|(_, i)| *i).collect();
        let identifiers: HashMap<Uuid, Option<String>> = issuer::Entity::find()
            .select_only()
            .column(issuer::Column::Id)
            .column(issuer::Column::Identifier)
            .filter(issuer::Column::Id.is_in(issuers))
            .into_tuple::<(Uuid, Option<String>)>()
            .all(tx)
            .await?
            .into_iter()
            .collect();
        for (achievement, issuer) in rows {
            let identifier = identifiers.get(&issuer).cloned().flatten();
            out.insert(achievement, (issuer, identifier));
        }
    }
    Ok(out)
}

/// The issuer whose checked proof each of `credentials` (already recorded) carries, if any.
pub(crate) async fn credential_signers<C: InsertSink>(
    tx: &C,
    credentials: &[Uuid],
) -> Result<HashMap<Uuid, String>, DbErr> {
    let mut out = HashMap::new();
    for chunk in credentials.chunks(500) {
        let rows: Vec<(Uuid, Option<String>)> = credential::Entity::find()
            .select_only()
            .column(credential::Column::Id)
            .column(credential::Column::VerifiedIssuer)
            .filter(credential::Column::Id.is_in(chunk.iter().copied()))
            .filter(credential::Column::VerifiedIssuer.is_not_null())
            .into_tuple()
            .all(tx)
            .await?;
        out.extend(rows.into_iter().filter_map(|(id, s)| s.map(|s| (id, s))));
    }
    Ok(out)
}

/// Whether a document vouched for by `vouched_by` may change a record of the issuer
/// identified by `owner`.
pub(crate) fn may_change(vouched_by: Option<&str>, owner: Option<&str>) -> bool {
    matches!((vouched_by, owner), (Some(v), Some(o)) if v == o)
}

/// Why a record was kept as it is.
pub(crate) fn kept(what: &str, owner: Option<&str>) -> String {
    match owner {
        Some(owner) => format!(
            "kept as recorded: this {what} is defined by {owner}, and only a credential whose \
             proof is signed by {owner} may change it (this document's is not)"
        ),
        None => format!(
            "kept as recorded: this {what} belongs to an issuer with no identifier, so no \
             document can prove it speaks for that issuer; an admin can change it"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owners_proof_may_change_its_records() {
        assert!(may_change(Some("did:key:z6Mk1"), Some("did:key:z6Mk1")));
        assert!(!may_change(Some("did:key:z6Mk2"), Some("did:key:z6Mk1")));
        assert!(!may_change(None, Some("did:key:z6Mk1")));
        assert!(!may_change(Some("did:key:z6Mk1"), None));
        assert!(!may_change(None, None));
    }
}
