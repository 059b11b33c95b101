//! What `proposeAssignment` writes.

use async_graphql::{ID, InputObject};
use chrono::NaiveDate;

/// A proposal of part of a job to a facility.
#[derive(InputObject)]
pub struct ProposeAssignmentInput {
    pub job_id: ID,
    pub facility_id: ID,
    pub quantity: i32,
    /// Price per item in minor units; the job's when absent.
    pub unit_price_minor: Option<i64>,
    pub currency: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// Makers named for the work.
    #[graphql(default)]
    pub maker_ids: Vec<ID>,
}
