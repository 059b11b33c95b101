//! `matchJob`: a job's ranked teams.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use makermatch_search::matching::MatchOptions;
use makermatch_search::{Taxonomy, TeamMatch};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::inputs::MatchOptionsInput;
use super::types::TeamMatchOut;
use crate::graphql::access::require;
use crate::graphql::error::bad_input;
use crate::graphql::error::{from_query_service, from_service};
use crate::graphql::geo::GeoFilter;
use crate::graphql::imports::types::ImportFormat;
use crate::graphql::loader::{AppLoader, FacilityId, load_now};
use crate::graphql::offload::on_engine;
use crate::graphql::relay::{self, NodeType, expect_id};
use crate::services::matching::JobMatch;
use crate::services::policy::Rule;

/// The ranked teams of job `id` and its row: database steps here, engine steps through
/// `on_engine`.
pub(super) async fn ranked_teams(
    ctx: &Context<'_>,
    id: Uuid,
    options: MatchOptions,
) -> Result<(makermatch_entities::job::Model, Vec<TeamMatch>)> {
    let db = ctx.data::<DatabaseConnection>()?;
    let taxonomy = ctx.data::<Arc<Taxonomy>>()?.clone();
    let run = JobMatch::start(db, taxonomy, id, options)
        .await
        .map_err(from_query_service)?;
    rank(ctx, run).await
}

pub(super) async fn rank(
    ctx: &Context<'_>,
    run: JobMatch,
) -> Result<(makermatch_entities::job::Model, Vec<TeamMatch>)> {
    let db = ctx.data::<DatabaseConnection>()?;
    let mut run = on_engine(ctx, move |engine| run.shortlist(engine)).await?;
    run.load(db).await.map_err(from_service)?;
    on_engine(ctx, move |engine| run.rank(engine)).await
}

/// The most facilities a match may be restricted to.
const MAX_CHOSEN_FACILITIES: usize = 1_000;

/// The matcher's options, with `options.facilities` resolved: global ids and UUIDs as
/// they are, anything else as a facility's source id (unknown ones are refused, named).
pub(super) async fn match_options(
    ctx: &Context<'_>,
    input: Option<MatchOptionsInput>,
) -> Result<MatchOptions> {
    let input = input.unwrap_or_default();
    let mut options = input.to_options()?;
    let Some(chosen) = input.facilities else {
        return Ok(options);
    };
    if chosen.len() > MAX_CHOSEN_FACILITIES {
        return Err(bad_input(
            "options.facilities",
            format!(
                "lists {} facilities; give at most {MAX_CHOSEN_FACILITIES}",
                chosen.len()
            ),
        ));
    }
    let mut ids = Vec::with_capacity(chosen.len());
    let mut by_source = Vec::new();
    for (i, id) in chosen.iter().enumerate() {
        match expect_id(&format!("options.facilities[{i}]"), id, NodeType::Facility) {
            Ok(uuid) => ids.push(uuid),
            Err(e) if relay::decode(id).is_some() => return Err(e),
            Err(_) => by_source.push((i, id.as_str().trim().to_owned())),
        }
    }
    if !by_source.is_empty() {
        let db = ctx.data::<DatabaseConnection>()?;
        let found = crate::services::facilities::ids_by_source_id(
            db,
            by_source.iter().map(|(_, s)| s.clone()).collect(),
        )
        .await
        .map_err(from_query_service)?;
        for (i, source_id) in by_source {
            let id = found.get(&source_id).ok_or_else(|| {
                bad_input(
                    &format!("options.facilities[{i}]"),
                    format!("no facility has the id or source id `{source_id}`"),
                )
            })?;
            ids.push(*id);
        }
    }
    options.facilities = Some(ids);
    Ok(options)
}

#[derive(Default)]
pub struct MatchingQuery;

#[Object]
impl MatchingQuery {
    /// Ranked teams for a job, best first (coordinators and admins). Deterministic: equal
    /// scores go by facility id. Teams are formed around the 100 facilities that rank
    /// highest on the job's processes, equipment and materials and on distance (closed
    /// ones and those beyond `maxDistanceKm` never do); nearby makers are the 12 nearest
    /// per facility and skill requirement, besides everyone affiliated or cleared.
    async fn match_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job's global id or plain UUID.")] job_id: ID,
        #[graphql(desc = "Weights, filters and how many teams; defaults when absent.")]
        options: Option<MatchOptionsInput>,
    ) -> Result<Vec<TeamMatchOut>> {
        require(ctx, Rule::Staff)?;
        let id = expect_id("jobId", &job_id, NodeType::Job)?;
        let options = match_options(ctx, options).await?;
        let (_, teams) = ranked_teams(ctx, id, options).await?;
        teams_out(ctx, teams).await
    }

    /// Ranked teams for a design given as it is, stored nowhere (coordinators and admins):
    /// an OKH v1 or OKH-LOSH manifest (YAML, JSON or TOML), or a job record in the shape
    /// `importDocument` takes. Answers as `matchJob` does for a job with the manifest's
    /// requirements. A design naming nothing to match on is refused (`BAD_USER_INPUT`).
    async fn match_design(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The manifest's text (one design).")] manifest: String,
        #[graphql(desc = "Its format; detected from the content when absent.")] format: Option<
            ImportFormat,
        >,
        #[graphql(
            desc = "Where the work is delivered and how far from there facilities may be; none: anywhere, distance not counted."
        )]
        deliver_to: Option<GeoFilter>,
        #[graphql(desc = "Weights, filters, chosen facilities and how many teams.")]
        options: Option<MatchOptionsInput>,
    ) -> Result<Vec<TeamMatchOut>> {
        require(ctx, Rule::Staff)?;
        let taxonomy = ctx.data::<Arc<Taxonomy>>()?.clone();
        let mut design = design_of(&manifest, format.map(Into::into), &taxonomy)?;
        if let Some(near) = deliver_to {
            let near = near.to_near("deliverTo")?;
            design.delivery_lat = Some(near.center.lat());
            design.delivery_lon = Some(near.center.lon());
            design.max_distance_km = near.radius_km;
        }
        let options = match_options(ctx, options).await?;
        let run = JobMatch::for_design(&design, taxonomy, options).map_err(from_query_service)?;
        let (_, teams) = rank(ctx, run).await?;
        teams_out(ctx, teams).await
    }
}

/// The one design `manifest` holds, as a job would be written from it.
fn design_of(
    manifest: &str,
    format: Option<crate::import::ImportFormat>,
    taxonomy: &Taxonomy,
) -> Result<crate::services::jobs::JobInput> {
    let parsed = crate::import::parse_text(manifest, format, taxonomy)
        .map_err(|reason| bad_input("manifest", reason))?;
    let mut designs = Vec::new();
    for p in parsed {
        match p.outcome {
            Ok(crate::import::record::Record::Job(job)) => designs.push(job),
            Ok(_) => {
                return Err(bad_input(
                    "manifest",
                    format!(
                        "holds {}, not a design; give an OKH manifest",
                        p.kind.plural()
                    ),
                ));
            }
            Err((field, reason)) => {
                return Err(bad_input(&format!("manifest.{field}"), reason));
            }
        }
    }
    match designs.len() {
        1 => designs
            .pop()
            .map(|d| *d)
            .ok_or_else(|| bad_input("manifest", "holds no design")),
        0 => Err(bad_input("manifest", "holds no design")),
        n => Err(bad_input(
            "manifest",
            format!("holds {n} designs; match them one at a time"),
        )),
    }
}

async fn teams_out(ctx: &Context<'_>, teams: Vec<TeamMatch>) -> Result<Vec<TeamMatchOut>> {
    if ctx.look_ahead().field("facility").exists() {
        let keys: Vec<FacilityId> = teams.iter().map(|t| FacilityId(t.facility_id)).collect();
        load_now(ctx.data::<AppLoader>()?, &keys).await?;
    }
    Ok(teams.into_iter().map(TeamMatchOut).collect())
}
