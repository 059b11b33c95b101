//! Reading an export back over the records it was made from changes nothing, and says so.
//! An export renders a record in makermatch's own form (its dates, its identifiers for
//! terms, its order of lists), so its fingerprint differs from the source file's that was
//! stored. For a record that carries `x-makermatch` and would otherwise update, the stored
//! record is rendered as the same export would render it now and parsed the same way: when
//! the two parse alike, importing it would write what is already there, so it is
//! `unchanged`.

use std::collections::HashSet;

use makermatch_search::Taxonomy;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::record::{Parsed, Position, RecordKind};
use super::{noted, okw, pss};
use crate::error::AppError;

/// A record read from an export that would update a stored one.
pub struct Candidate {
    pub id: Uuid,
    pub fingerprint: String,
    /// Read from a public export: compared with the stored record's public rendering.
    pub public: bool,
}

/// The candidates (all facilities or all makers, `kind`) whose stored record, exported
/// now as they were (privately or publicly), reads back the same.
pub async fn unchanged<C: ConnectionTrait>(
    db: &C,
    taxonomy: &Taxonomy,
    kind: RecordKind,
    candidates: &[Candidate],
) -> Result<HashSet<Uuid>, AppError> {
    let mut same = HashSet::new();
    for public in [false, true] {
        let ids = ids(candidates, public);
        if ids.is_empty() {
            continue;
        }
        let rendered = match kind {
            RecordKind::Facility => {
                crate::export::facilities::okw_records(db, &ids, !public).await?
            }
            RecordKind::Maker => crate::export::makers::pss_records(db, &ids, !public).await?,
            _ => continue,
        };
        same.extend(alike(candidates, &rendered, |value| match kind {
            RecordKind::Facility => noted(value, true, || okw::parse(value, at(), taxonomy)),
            _ => noted(value, true, || pss::parse(value, at(), taxonomy)),
        }));
    }
    Ok(same)
}

fn ids(candidates: &[Candidate], public: bool) -> Vec<Uuid> {
    candidates
        .iter()
        .filter(|c| c.public == public)
        .map(|c| c.id)
        .collect()
}

fn at() -> Position {
    Position {
        index: 0,
        line: None,
    }
}

/// The candidates whose stored rendering parses to their own fingerprint.
fn alike(
    candidates: &[Candidate],
    rendered: &std::collections::HashMap<Uuid, serde_json::Value>,
    parse: impl Fn(&serde_json::Value) -> Parsed,
) -> Vec<Uuid> {
    candidates
        .iter()
        .filter(|c| {
            rendered.get(&c.id).is_some_and(|value| {
                parse(value)
                    .outcome
                    .is_ok_and(|record| record.fingerprint() == c.fingerprint)
            })
        })
        .map(|c| c.id)
        .collect()
}
