//! Asking for a tie, and confirming or declining one, through `services::ties`.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::types::{TieDecision, TieRequest};
use crate::graphql::access::require;
use crate::graphql::error::from_query_service;
use crate::graphql::relay::{NodeType, expect_id, global_id};
use crate::graphql::request::consistency::wait_for_write;
use crate::services::policy::Rule;
use crate::services::ties;

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
        #[graphql(desc = "The facility's global id or plain UUID.")] facility_id: ID,
        #[graphql(
            default_with = "String::from(\"member\")",
            desc = "`member`, `staff` or `owner`."
        )]
        role: String,
    ) -> Result<TieRequest> {
        let actor = require(ctx, Rule::SignedIn)?;
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
        #[graphql(desc = "The requesting maker's global id or plain UUID.")] maker_id: ID,
        #[graphql(desc = "The facility's global id or plain UUID.")] facility_id: ID,
    ) -> Result<TieDecision> {
        decide(ctx, maker_id, facility_id, true).await
    }

    /// Declines a maker's tie request (as `confirmTie` for who may).
    async fn decline_tie(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The requesting maker's global id or plain UUID.")] maker_id: ID,
        #[graphql(desc = "The facility's global id or plain UUID.")] facility_id: ID,
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
    let actor = require(ctx, Rule::SignedIn)?;
    let maker = expect_id("makerId", &maker_id, NodeType::Maker)?;
    let facility = expect_id("facilityId", &facility_id, NodeType::Facility)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let decided = ties::decide(db, actor, maker, facility, confirm)
        .await
        .map_err(from_query_service)?;
    if let Some(seq) = decided.outbox_seq {
        wait_for_write(ctx, seq).await?;
    }
    Ok(TieDecision {
        maker_id: global_id(NodeType::Maker, maker),
        facility_id: global_id(NodeType::Facility, facility),
        role: decided.tie.map(|t| t.role),
    })
}
