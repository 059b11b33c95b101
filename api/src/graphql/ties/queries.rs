//! `tieRequests`: the open requests a caller may decide or made.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::types::TieRequest;
use crate::graphql::access::require;
use crate::graphql::error::from_query_service;
use crate::graphql::relay::{NodeType, expect_id};
use crate::services::policy::Rule;
use crate::services::ties;

#[derive(Default)]
pub struct TiesQuery;

#[Object]
impl TiesQuery {
    /// Open tie requests: a facility's (its staff or owners, coordinators and admins), or
    /// without `facilityId` the caller's own (a maker) or every one (staff).
    async fn tie_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The facility's global id or plain UUID; absent: the caller's own requests, or every one for staff."
        )]
        facility_id: Option<ID>,
    ) -> Result<Vec<TieRequest>> {
        let actor = require(ctx, Rule::SignedIn)?;
        let facility = facility_id
            .map(|id| expect_id("facilityId", &id, NodeType::Facility))
            .transpose()?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(ties::open_requests(db, actor, facility)
            .await
            .map_err(from_query_service)?
            .into_iter()
            .map(TieRequest::from)
            .collect())
    }
}
