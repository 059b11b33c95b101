//! A tie request and its decision.

use async_graphql::{ID, SimpleObject};
use makermatch_entities::tie_request;

use crate::graphql::relay::{NodeType, global_id};
use crate::graphql::scalars::Timestamp;

/// A tie a maker asked for, waiting for the facility's staff or a coordinator.
#[derive(SimpleObject)]
pub struct TieRequest {
    /// Global id of the maker asking.
    pub maker_id: ID,
    /// Global id of the facility.
    pub facility_id: ID,
    /// `member`, `staff` or `owner`.
    pub role: String,
    /// When the maker asked.
    pub requested_at: Timestamp,
}

impl From<tie_request::Model> for TieRequest {
    fn from(r: tie_request::Model) -> Self {
        TieRequest {
            maker_id: global_id(NodeType::Maker, r.maker_id),
            facility_id: global_id(NodeType::Facility, r.facility_id),
            role: r.role,
            requested_at: r.requested_at.into(),
        }
    }
}

/// A decided request: the tie made, or nothing when declined.
#[derive(SimpleObject)]
pub struct TieDecision {
    /// Global id of the maker.
    pub maker_id: ID,
    /// Global id of the facility.
    pub facility_id: ID,
    /// The tie's role when confirmed; null when declined.
    pub role: Option<String>,
}
