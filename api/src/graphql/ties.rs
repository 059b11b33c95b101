//! Ties a maker asks for, and their confirmation by the facility's staff or a coordinator
//! (the rules are `services::ties`').

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use makermatch_entities::tie_request;
use sea_orm::DatabaseConnection;

use super::access::signed_in;
use super::error::from_query_service;
use super::relay::{NodeType, expect_id, global_id};
use super::search_support::index;
use crate::services::ties;

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

#[derive(Default)]
pub struct TiesQuery;

#[Object]
impl TiesQuery {
    /// Open tie requests: a facility's (its staff or owners, coordinators and admins), or
    /// without `facilityId` the caller's own (a maker) or every one (staff).
    async fn tie_requests(
        &self,
        ctx: &Context<'_>,
        facility_id: Option<ID>,
    ) -> Result<Vec<TieRequest>> {
        let actor = signed_in(ctx)?;
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

#[derive(Default)]
pub struct TiesMutation;

#[Object]
impl TiesMutation {
    /// A maker asks for a tie to a facility (`member` by default, or `staff` or `owner`);
    /// it grants nothing until the facility's staff or a coordinator confirms it. Asking
    /// again replaces the request.
    async fn request_tie(
        &self,
        ctx: &Context<'_>,
        facility_id: ID,
        #[graphql(default_with = "String::from(\"member\")")] role: String,
    ) -> Result<TieRequest> {
        let actor = signed_in(ctx)?;
        let facility = expect_id("facilityId", &facility_id, NodeType::Facility)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(ties::request(db, actor, facility, &role)
            .await
            .map_err(from_query_service)?
            .into())
    }

    /// Confirms a maker's tie request (the facility's staff or owners, coordinators and
    /// admins): the tie is made, or its role changed.
    async fn confirm_tie(
        &self,
        ctx: &Context<'_>,
        maker_id: ID,
        facility_id: ID,
    ) -> Result<TieDecision> {
        decide(ctx, maker_id, facility_id, true).await
    }

    /// Declines a maker's tie request (as `confirmTie` for who may).
    async fn decline_tie(
        &self,
        ctx: &Context<'_>,
        maker_id: ID,
        facility_id: ID,
    ) -> Result<TieDecision> {
        decide(ctx, maker_id, facility_id, false).await
    }
}

async fn decide(
    ctx: &Context<'_>,
    maker_id: ID,
    facility_id: ID,
    confirm: bool,
) -> Result<TieDecision> {
    let actor = signed_in(ctx)?;
    let maker = expect_id("makerId", &maker_id, NodeType::Maker)?;
    let facility = expect_id("facilityId", &facility_id, NodeType::Facility)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let decided = ties::decide(db, actor, maker, facility, confirm)
        .await
        .map_err(from_query_service)?;
    if let Some(seq) = decided.outbox_seq {
        index(ctx)?.wait_for(seq).await;
    }
    Ok(TieDecision {
        maker_id: global_id(NodeType::Maker, maker),
        facility_id: global_id(NodeType::Facility, facility),
        role: decided.tie.map(|t| t.role),
    })
}
