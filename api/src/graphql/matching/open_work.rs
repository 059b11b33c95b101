//! The other way round: the open jobs one facility could take, each scored as `matchJob`
//! scores that facility's team for it (the same score, breakdown, evidence and missing
//! requirements), nearest delivery point first.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Result, SimpleObject};
use makermatch_entities::facility;
use makermatch_search::matching::MatchOptions;
use makermatch_search::{Kind, LatLon, SearchRequest, Taxonomy};
use sea_orm::DatabaseConnection;

use super::queries::rank;
use super::types::TeamMatchOut;
use crate::graphql::error::{bad_input, from_query_service};
use crate::graphql::jobs::{Job, jobs_of};
use crate::graphql::relay;
use crate::graphql::search_support::run_search;
use crate::services::ServiceError;
use crate::services::matching::JobMatch;

/// Open jobs considered per request: the nearest this many (by delivery point), each
/// matched against the one facility.
const CANDIDATES: usize = 50;

/// An open job a facility could take, and its team for it.
#[derive(SimpleObject)]
pub struct MatchingJob {
    /// The job.
    pub job: Job,
    /// The facility's team for the job, scored and explained as `matchJob` does.
    pub team: TeamMatchOut,
}

/// The open jobs (of the `CANDIDATES` nearest, within `radius_km` of the facility when
/// given) whose every required requirement the facility's team meets, nearest first, at
/// most `first`.
pub async fn matching_jobs(
    ctx: &Context<'_>,
    facility: &facility::Model,
    radius_km: Option<f64>,
    first: Option<i32>,
) -> Result<Vec<MatchingJob>> {
    let limit = relay::page_size("first", first, 10)?;
    let mut request = SearchRequest::new(Kind::Job)
        .filters(makermatch_search::Filters {
            statuses: vec!["OPEN".to_owned()],
            ..makermatch_search::Filters::default()
        })
        .page(0, CANDIDATES);
    let at = facility
        .lat
        .zip(facility.lon)
        .and_then(|(lat, lon)| LatLon::new(lat, lon).ok());
    match (at, radius_km) {
        (_, Some(km)) if !km.is_finite() || km <= 0.0 => {
            return Err(bad_input("radiusKm", "give kilometres above 0"));
        }
        (Some(at), Some(km)) => request = request.near(at, km),
        (Some(at), None) => request = request.nearest_to(at),
        (None, _) => {}
    }
    let hits = run_search(ctx, request).await?.hits;
    let db = ctx.data::<DatabaseConnection>()?;
    let taxonomy = ctx.data::<Arc<Taxonomy>>()?.clone();
    let mut found = Vec::new();
    for hit in &hits {
        if found.len() == limit {
            break;
        }
        // Work it could take: every required requirement met, as `requireAll` asks.
        let options = MatchOptions {
            facilities: Some(vec![facility.id]),
            require_all: true,
            limit: Some(1),
            ..MatchOptions::default()
        };
        let run = match JobMatch::start(db, taxonomy.clone(), hit.id, options).await {
            Ok(run) => run,
            // A job naming nothing to match on, or deleted since it was found: no work here.
            Err(ServiceError::InvalidInput { .. } | ServiceError::NotFound { .. }) => continue,
            Err(e) => return Err(from_query_service(e)),
        };
        let (_, teams) = rank(ctx, run).await?;
        if let Some(team) = teams.into_iter().next() {
            found.push((hit.clone(), team));
        }
    }
    let hits: Vec<_> = found.iter().map(|(h, _)| h.clone()).collect();
    // Paired by id: a job deleted meanwhile is left out of `jobs_of`, not zipped wrongly.
    let mut teams: HashMap<_, _> = found.into_iter().map(|(h, team)| (h.id, team)).collect();
    Ok(jobs_of(ctx, &hits)
        .await?
        .into_iter()
        .filter_map(|job| {
            teams.remove(&job.row.id).map(|team| MatchingJob {
                job,
                team: TeamMatchOut(team),
            })
        })
        .collect())
}
