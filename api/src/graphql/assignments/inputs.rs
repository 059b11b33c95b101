//! What `proposeAssignment` writes.

use crate::graphql::scalars::Date;
use async_graphql::{ID, InputObject};

/// A proposal of part of a job to a facility.
#[derive(InputObject)]
pub struct ProposeAssignmentInput {
    /// The job's global id or plain UUID.
    pub job_id: ID,
    /// The facility's global id or plain UUID.
    pub facility_id: ID,
    /// Items to give the facility; more than 0.
    pub quantity: i32,
    /// Price per item in minor units; the job's when absent.
    pub unit_price_minor: Option<i64>,
    /// ISO 4217 code of `unitPriceMinor`; the job's when absent.
    pub currency: Option<String>,
    /// The date the items are due.
    pub due_on: Option<Date>,
    /// Makers named for the work.
    #[graphql(default)]
    pub maker_ids: Vec<ID>,
}
