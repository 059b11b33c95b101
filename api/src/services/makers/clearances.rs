//! Machine clearances: a maker may run a machine of a facility, as someone there granted.

use chrono::NaiveDate;
use makermatch_entities::machine_clearance;
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use sea_orm::DbErr;
use uuid::Uuid;

use crate::db::InsertSink;
use crate::services::batch::Refused;
use crate::services::values::check_span;
use crate::services::{ServiceResult, bulk, outbox, validate};

/// Columns of a clearance row, for sizing multi-row inserts.
const COLUMNS: usize = 7;

#[derive(Debug, Clone, PartialEq)]
pub struct ClearanceInput {
    pub maker_id: Uuid,
    pub facility_id: Uuid,
    pub equipment_id: Uuid,
    /// Who granted it, as they are known at the facility.
    pub granted_by: String,
    pub granted_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
}

impl ClearanceInput {
    fn to_row(&self, id: Uuid) -> ServiceResult<machine_clearance::Model> {
        let granted_by = validate::non_empty("grantedBy", &self.granted_by)?;
        check_span("expiresOn", Some(self.granted_on), self.expires_on)?;
        Ok(machine_clearance::Model {
            id,
            maker_id: self.maker_id,
            equipment_id: self.equipment_id,
            facility_id: self.facility_id,
            granted_by,
            granted_on: self.granted_on,
            expires_on: self.expires_on,
        })
    }
}

/// Grants `clearances` (new ids with their inputs) in the caller's transaction. A maker's
/// document carries its clearances: with `records_changes`, their makers are queued for
/// re-indexing; a caller that queues the same makers itself in this transaction (a batch
/// of new makers with their clearances), or a dry run, passes false.
pub async fn grant_batch<C: InsertSink>(
    tx: &C,
    clearances: Vec<(Uuid, ClearanceInput)>,
    records_changes: bool,
) -> Result<Refused, DbErr> {
    let mut refused = Vec::new();
    let mut rows = Vec::with_capacity(clearances.len());
    for (i, (id, input)) in clearances.into_iter().enumerate() {
        match input.to_row(id) {
            Ok(row) => rows.push(row),
            Err(e) => refused.push((i, e)),
        }
    }
    let mut makers: Vec<Uuid> = rows.iter().map(|r| r.maker_id).collect();
    makers.sort_unstable();
    makers.dedup();
    bulk::insert_models::<machine_clearance::Entity, _>(tx, rows, COLUMNS).await?;
    if records_changes {
        outbox::queue_many(
            tx,
            makers
                .into_iter()
                .map(|m| (IndexedKind::Maker, m, OutboxOp::Upsert)),
        )
        .await?;
    }
    Ok(refused)
}
