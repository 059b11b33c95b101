//! `createMaker`, `updateMaker` and `deleteMaker`, written through `services::makers`.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::inputs::MakerInputGql;
use super::types::Maker;
use crate::graphql::access::require;
use crate::graphql::error::from_service;
use crate::graphql::facilities::Deleted;
use crate::graphql::relay::{NodeType, expect_id, global_id};
use crate::graphql::request::consistency::wait_for_write;
use crate::services::makers as service;
use crate::services::policy::Rule;

#[derive(Default)]
pub struct MakersMutation;

#[Object]
impl MakersMutation {
    /// Creates a maker passport. Returns once searches on this server include it (when
    /// its profile is public). Nothing is written when any part of the input is refused.
    async fn create_maker(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new passport (the maker themself or staff).")] input: MakerInputGql,
    ) -> Result<Maker> {
        require(ctx, Rule::Staff)?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::create(db, input).await.map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Maker::new(written.value))
    }

    /// Replaces a maker's passport: every field, skills, experience, availability and
    /// affiliations. Credentials and machine clearances are kept.
    async fn update_maker(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The maker's global id or plain UUID.")] id: ID,
        #[graphql(desc = "The whole new passport, replacing the old one.")] input: MakerInputGql,
    ) -> Result<Maker> {
        let uuid = expect_id("id", &id, NodeType::Maker)?;
        let actor = require(ctx, Rule::MakerOrStaff(uuid))?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::replace(db, actor, uuid, input)
            .await
            .map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Maker::new(written.value))
    }

    /// Deletes a maker passport with its skills, experience, availability, affiliations,
    /// credentials and clearances.
    async fn delete_maker(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The maker's global id or plain UUID.")] id: ID,
    ) -> Result<Deleted> {
        let uuid = expect_id("id", &id, NodeType::Maker)?;
        require(ctx, Rule::MakerOrStaff(uuid))?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::delete(db, uuid).await.map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Deleted {
            id: global_id(NodeType::Maker, written.value),
        })
    }
}
