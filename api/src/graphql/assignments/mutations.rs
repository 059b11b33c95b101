//! Proposing assignments and moving them through the workflow, through
//! `services::assignments`; each change is published to the subscriptions.

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DatabaseConnection;

use super::inputs::ProposeAssignmentInput;
use super::types::{Assignment, AssignmentStep};
use crate::events::EventBus;
use crate::graphql::access::require;
use crate::graphql::error::from_service;
use crate::graphql::relay::{NodeType, expect_id};
use crate::graphql::request::consistency::wait_for_write;
use crate::services::assignments::{self as service, ProposalInput};
use crate::services::issuance::DeploymentIssuer;
use crate::services::policy::Rule;

/// The change committed an event: the feed hands it to subscribers now.
fn publish(ctx: &Context<'_>) {
    if let Ok(bus) = ctx.data::<EventBus>() {
        bus.committed();
    }
}

#[derive(Default)]
pub struct AssignmentsMutation;

#[Object]
impl AssignmentsMutation {
    /// Proposes part of a job to a facility (coordinators and admins). `CONFLICT` when the
    /// job's active quantities would exceed its quantity.
    async fn propose_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job, facility, quantity and terms proposed.")]
        input: ProposeAssignmentInput,
    ) -> Result<Assignment> {
        let actor = require(ctx, Rule::SignedIn)?;
        let mut maker_ids = Vec::new();
        for (i, m) in input.maker_ids.iter().enumerate() {
            maker_ids.push(expect_id(
                &format!("input.makerIds[{i}]"),
                m,
                NodeType::Maker,
            )?);
        }
        let proposal = ProposalInput {
            job_id: expect_id("input.jobId", &input.job_id, NodeType::Job)?,
            facility_id: expect_id("input.facilityId", &input.facility_id, NodeType::Facility)?,
            quantity: input.quantity,
            unit_price_minor: input.unit_price_minor,
            currency: input.currency,
            due_on: input.due_on.map(Into::into),
            maker_ids,
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let changed = service::propose(db, actor, proposal)
            .await
            .map_err(from_service)?;
        publish(ctx);
        Ok(Assignment(changed.assignment))
    }

    /// Moves an assignment one step, with an optional note for the audit trail. A step
    /// not allowed from the current state is a `CONFLICT` and changes nothing; a caller
    /// who may not make it gets `FORBIDDEN`.
    async fn transition_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assignment's global id or plain UUID.")] id: ID,
        #[graphql(desc = "The step to take from the current status.")] step: AssignmentStep,
        #[graphql(desc = "Free text kept in the audit trail with the step.")] note: Option<String>,
    ) -> Result<Assignment> {
        let actor = require(ctx, Rule::SignedIn)?;
        let uuid = expect_id("id", &id, NodeType::Assignment)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let issuer = ctx.data_opt::<DeploymentIssuer>();
        let changed = service::transition_issuing(db, actor, uuid, step.transition(), note, issuer)
            .await
            .map_err(from_service)?;
        if let Some(seq) = changed.outbox_seq {
            // The facility changed too: the next query reads it as it now is.
            wait_for_write(ctx, seq).await?;
        }
        publish(ctx);
        Ok(Assignment(changed.assignment))
    }
}
