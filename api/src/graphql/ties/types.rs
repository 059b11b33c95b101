//! A tie request and its decision.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use makermatch_entities::tie_request;

use crate::graphql::relay::{NodeType, global_id};

/// A tie a maker asked for, waiting for the facility's staff or a coordinator.
#[derive(SimpleObject)]
pub struct TieRequest {
    pub maker_id: ID,
    pub facility_id: ID,
    /// `member`, `staff` or `owner`.
    pub role: String,
    pub requested_at: DateTime<Utc>,
}

impl From<tie_request::Model> for TieRequest {
    fn from(r: tie_request::Model) -> Self {
        TieRequest {
            maker_id: global_id(NodeType::Maker, r.maker_id),
            facility_id: global_id(NodeType::Facility, r.facility_id),
            role: r.role,
            requested_at: r.requested_at,
        }
    }
}

/// A decided request: the tie made, or nothing when declined.
#[derive(SimpleObject)]
pub struct TieDecision {
    pub maker_id: ID,
    pub facility_id: ID,
    /// The tie's role when confirmed; null when declined.
    pub role: Option<String>,
}
