//! `allocateJob` and `allocateProgramme`: allocations through `services::allocation`,
//! proposed as assignments.

use async_graphql::{Context, ID, Object, Result};
use makermatch_search::TeamMatch;
use makermatch_search::matching::MatchOptions;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::inputs::AllocationOptionsInput;
use super::queries::ranked_teams;
use super::types::{AllocationDecisionOut, AllocationOut, ProgrammeAllocationOut};
use crate::events::EventBus;
use crate::graphql::access::require;
use crate::graphql::error::from_query_service;
use crate::graphql::relay::{NodeType, expect_id, global_id};
use crate::services::allocation::{
    self, AllocateError, Allocated, AllocationReport, AllocationSettings, JobReport, Scope,
};
use crate::services::policy::Rule;

/// Runs an allocation through the service (teams from `matchJob` with every requirement
/// required) and publishes a change event for every assignment it proposed.
async fn allocated(
    ctx: &Context<'_>,
    scope: Scope,
    settings: AllocationSettings,
) -> Result<Allocated> {
    let actor = require(ctx, Rule::Staff)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let teams_of = |id: Uuid| required_teams(ctx, id);
    let done = allocation::allocate(db, actor, scope, settings, teams_of)
        .await
        .map_err(|e| match e {
            AllocateError::Service(e) => from_query_service(e),
            AllocateError::Teams(TeamsError(e)) => e,
        })?;
    if let Ok(bus) = ctx.data::<EventBus>()
        && !done.changed.is_empty()
    {
        bus.committed();
    }
    Ok(done)
}

/// A failure of the matcher, passed through as the GraphQL error it already is.
struct TeamsError(async_graphql::Error);

/// The single-facility teams that meet every required requirement of job `id`, best
/// first. Allocation gives each facility a share of the whole job; a chain would need
/// its quantity split along its parts, which allocation does not do.
async fn required_teams(ctx: &Context<'_>, id: Uuid) -> Result<Vec<TeamMatch>, TeamsError> {
    let options = MatchOptions {
        require_all: true,
        chains: false,
        ..MatchOptions::default()
    };
    ranked_teams(ctx, id, options)
        .await
        .map(|(_, teams)| teams)
        .map_err(TeamsError)
}

fn job_out(job: &JobReport, report: &AllocationReport, replayed: bool) -> Result<AllocationOut> {
    Ok(AllocationOut {
        job_id: global_id(NodeType::Job, job.job_id),
        complete: job.complete,
        cost_minor: job.cost_minor,
        decisions: report
            .decisions
            .iter()
            .filter(|d| d.job_id == job.job_id)
            .map(AllocationDecisionOut::try_from)
            .collect::<Result<_>>()?,
        replayed,
    })
}

#[derive(Default)]
pub struct MatchingMutation;

#[Object]
impl MatchingMutation {
    /// Splits the job's open quantity over its matching teams, exactly (min-cost flow)
    /// under capacity, max share, minimum batch and probation caps, and proposes the
    /// result as PROPOSED assignments for the facilities to accept, all in one transaction
    /// (coordinators and admins). Distance to the delivery point counts by default; a
    /// programme's jobs keep to its region and participants. `dryRun` only computes. A
    /// retry with the same `idempotencyKey` answers the first call's answer (`replayed`)
    /// and proposes nothing again.
    async fn allocate_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id or plain UUID.")] job_id: ID,
        #[graphql(
            desc = "Bounds of the split (max share, minimum batch, probation cap, transport cost) and `dryRun`."
        )]
        options: Option<AllocationOptionsInput>,
        #[graphql(
            desc = "A client-chosen key: a retry with the same key returns the first answer instead of proposing again."
        )]
        idempotency_key: Option<String>,
    ) -> Result<AllocationOut> {
        let id = expect_id("jobId", &job_id, NodeType::Job)?;
        let settings = options.unwrap_or_default().settings(idempotency_key);
        let done = allocated(ctx, Scope::Job(id), settings).await?;
        let report = &done.report;
        Ok(AllocationOut {
            job_id: global_id(NodeType::Job, id),
            complete: report.complete,
            cost_minor: report.cost_minor,
            decisions: report
                .decisions
                .iter()
                .map(AllocationDecisionOut::try_from)
                .collect::<Result<_>>()?,
            replayed: done.replayed,
        })
    }

    /// Splits every job of a programme at once, sharing each facility's capacity between
    /// the jobs (the IMA trial: nine equal spaces get an even split), and proposes the
    /// result as assignments unless `dryRun` (coordinators and admins); as `allocateJob`
    /// for distance, region, participants and `idempotencyKey`.
    async fn allocate_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's global id or plain UUID.")] programme_id: ID,
        #[graphql(desc = "Bounds of the split, applied to every job, and `dryRun`.")]
        options: Option<AllocationOptionsInput>,
        #[graphql(
            desc = "A client-chosen key: a retry with the same key returns the first answer instead of proposing again."
        )]
        idempotency_key: Option<String>,
    ) -> Result<ProgrammeAllocationOut> {
        let id = expect_id("programmeId", &programme_id, NodeType::Programme)?;
        let settings = options.unwrap_or_default().settings(idempotency_key);
        let done = allocated(ctx, Scope::Programme(id), settings).await?;
        let report = &done.report;
        Ok(ProgrammeAllocationOut {
            programme_id: global_id(NodeType::Programme, id),
            complete: report.complete,
            cost_minor: report.cost_minor,
            jobs: report
                .jobs
                .iter()
                .map(|j| job_out(j, report, done.replayed))
                .collect::<Result<_>>()?,
            replayed: done.replayed,
        })
    }
}
