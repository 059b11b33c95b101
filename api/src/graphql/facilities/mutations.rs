//! `createFacility`, `updateFacility` and `deleteFacility`, written through
//! `services::facilities`.

use async_graphql::{Context, ID, Object, Result};

use super::inputs::FacilityInputGql;
use super::types::{Deleted, Facility};
use crate::graphql::access::require;
use crate::graphql::error::from_service;
use crate::graphql::relay::{NodeType, expect_id, global_id};
use crate::graphql::request::consistency::wait_for_write;
use crate::services::facilities as service;
use crate::services::policy::Rule;

#[derive(Default)]
pub struct FacilitiesMutation;

#[Object]
impl FacilitiesMutation {
    /// Creates a facility. Returns once searches on this server include it.
    async fn create_facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new facility (coordinators and admins).")] input: FacilityInputGql,
    ) -> Result<Facility> {
        require(ctx, Rule::Staff)?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let written = service::create(db, input).await.map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Facility::new(written.value))
    }

    /// Replaces every field of a facility, its machines, processes and materials.
    async fn update_facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility's global id or plain UUID.")] id: ID,
        #[graphql(desc = "The facility's new content, replacing all of the old.")]
        input: FacilityInputGql,
    ) -> Result<Facility> {
        require(ctx, Rule::Staff)?;
        let uuid = expect_id("id", &id, NodeType::Facility)?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let written = service::replace(db, uuid, input)
            .await
            .map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Facility::new(written.value))
    }

    /// Deletes a facility and its machines. Refused (`CONFLICT`) while assignments
    /// point at it.
    async fn delete_facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility's global id or plain UUID.")] id: ID,
    ) -> Result<Deleted> {
        require(ctx, Rule::Staff)?;
        let uuid = expect_id("id", &id, NodeType::Facility)?;
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let written = service::delete(db, uuid).await.map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Deleted {
            id: global_id(NodeType::Facility, written.value),
        })
    }
}
