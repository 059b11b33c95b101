//! Creating, replacing and deleting jobs, and creating and replacing programmes, through
//! `services::jobs`.

use async_graphql::{Context, ID, Object, Result};
use makermatch_entities::job;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::inputs::{JobInputGql, ProgrammeInputGql, from_job_service};
use super::types::{Job, Programme};
use crate::graphql::access::require;
use crate::graphql::error::{from_db, from_service, not_found};
use crate::graphql::facilities::Deleted;
use crate::graphql::relay::{NodeType, expect_id, global_id};
use crate::graphql::request::consistency::wait_for_write;
use crate::services::jobs as service;
use crate::services::policy::Rule;

#[derive(Default)]
pub struct JobsMutation;

#[Object]
impl JobsMutation {
    /// Creates a job with its requirements. Returns once `jobs` on this server includes it.
    async fn create_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new job and its requirements (coordinators and admins).")]
        input: JobInputGql,
    ) -> Result<Job> {
        require(ctx, Rule::Staff)?;
        let input = input.into_service(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::create_job(db, input)
            .await
            .map_err(from_job_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Job::new(written.value))
    }

    /// Replaces every field and requirement of a job. An imported job keeps its source
    /// and manifest.
    async fn update_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id or plain UUID.")] id: ID,
        #[graphql(desc = "The job's new content, replacing all of the old.")] input: JobInputGql,
    ) -> Result<Job> {
        require(ctx, Rule::Staff)?;
        let uuid = expect_id("id", &id, NodeType::Job)?;
        let mut input = input.into_service(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let existing = job::Entity::find_by_id(uuid)
            .one(db)
            .await
            .map_err(from_db)?
            .ok_or_else(|| not_found("job", uuid))?;
        input.source = Some(existing.source);
        input.source_id = existing.source_id;
        input.design_manifest = existing.design_manifest;
        let written = service::replace_job(db, uuid, input)
            .await
            .map_err(from_job_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Job::new(written.value))
    }

    /// Deletes a job and its requirements. Refused (`CONFLICT`) once it has assignments:
    /// cancel it instead.
    async fn delete_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id or plain UUID.")] id: ID,
    ) -> Result<Deleted> {
        require(ctx, Rule::Staff)?;
        let uuid = expect_id("id", &id, NodeType::Job)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let written = service::delete_job(db, uuid).await.map_err(from_service)?;
        wait_for_write(ctx, written.outbox_seq).await?;
        Ok(Deleted {
            id: global_id(NodeType::Job, written.value),
        })
    }

    /// Creates a programme.
    async fn create_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new programme (coordinators and admins).")] input: ProgrammeInputGql,
    ) -> Result<Programme> {
        require(ctx, Rule::Staff)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = service::create_programme(db, input.into_service()?)
            .await
            .map_err(from_service)?;
        Ok(Programme(row))
    }

    /// Replaces every field of a programme; its jobs stay.
    async fn update_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's global id or plain UUID.")] id: ID,
        #[graphql(desc = "The programme's new content, replacing all of the old.")]
        input: ProgrammeInputGql,
    ) -> Result<Programme> {
        require(ctx, Rule::Staff)?;
        let uuid = expect_id("id", &id, NodeType::Programme)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = service::replace_programme(db, uuid, input.into_service()?)
            .await
            .map_err(from_service)?;
        Ok(Programme(row))
    }
}
