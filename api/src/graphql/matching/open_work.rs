//! The other way round: the open jobs a facility or a maker could take, each scored as
//! `matchJob` scores the team they would be (the same score, breakdown, evidence and
//! missing requirements), nearest delivery point first.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Result, SimpleObject};
use makermatch_entities::{facility, maker};
use makermatch_search::matching::MatchOptions;
use makermatch_search::{Kind, LatLon, SearchRequest, Taxonomy};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::queries::rank;
use super::types::TeamMatchOut;
use crate::graphql::access::visibility;
use crate::graphql::error::{bad_input, from_query_service, from_service};
use crate::graphql::jobs::{Job, jobs_of};
use crate::graphql::relay;
use crate::graphql::search_support::run_search;
use crate::services::ServiceError;
use crate::services::matching::JobMatch;
use crate::services::matching::workplaces::tied_facilities;

/// Open jobs considered per request: the nearest this many (by delivery point), each
/// matched against the taker.
const CANDIDATES: usize = 50;
/// Facilities within reach of a maker's home considered as their workplaces: the nearest.
const MAX_NEARBY_WORKPLACES: usize = 100;

/// Who would take the work: where jobs are measured from, and the teams they may form.
pub struct Taker {
    /// Jobs nearest this point come first (and `radiusKm` is measured from it).
    at: Option<LatLon>,
    /// The facilities teams may form at.
    facilities: Vec<Uuid>,
    /// The makers teams may take in; `None`: any.
    makers: Option<Vec<Uuid>>,
}

impl Taker {
    /// A facility, with any makers its teams would take in.
    pub fn facility(row: &facility::Model) -> Taker {
        Taker {
            at: row
                .lat
                .zip(row.lon)
                .and_then(|(lat, lon)| LatLon::new(lat, lon).ok()),
            facilities: vec![row.id],
            makers: None,
        }
    }

    /// A maker on their own, at any facility they may work at: one they are affiliated
    /// with or cleared at, or one within reach of their home (`matchJob`'s maker reach).
    /// Jobs are measured from the home where the caller may see it (the maker; staff
    /// when the maker shares it), else from the public position.
    pub async fn maker(ctx: &Context<'_>, row: &maker::Model) -> Result<Taker> {
        let db = ctx.data::<DatabaseConnection>()?;
        let home = row
            .lat
            .zip(row.lon)
            .and_then(|(lat, lon)| LatLon::new(lat, lon).ok());
        let public = row
            .coarse_lat
            .zip(row.coarse_lon)
            .and_then(|(lat, lon)| LatLon::new(lat, lon).ok());
        let at = match visibility(ctx).maker_home(row, "matchingJobs") {
            Ok(()) => home,
            Err(_) => public,
        };
        let mut facilities = tied_facilities(db, row.id).await.map_err(from_service)?;
        if let Some(home) = home {
            // Teams measure reach from the home; so does this, whoever asks.
            let reach = MatchOptions::default().maker_reach_km;
            let request = SearchRequest::new(Kind::Facility)
                .near(home, reach)
                .page(0, MAX_NEARBY_WORKPLACES);
            facilities.extend(run_search(ctx, request).await?.hits.iter().map(|h| h.id));
        }
        Ok(Taker {
            at,
            facilities: facilities.into_iter().collect(),
            makers: Some(vec![row.id]),
        })
    }
}

/// An open job a facility could take, and its team for it.
#[derive(SimpleObject)]
pub struct MatchingJob {
    /// The job.
    pub job: Job,
    /// The facility's team for the job, scored and explained as `matchJob` does.
    pub team: TeamMatchOut,
}

/// The open jobs (of the `CANDIDATES` nearest, within `radius_km` of the taker when
/// given) whose every required requirement a team of the taker's meets, nearest first,
/// at most `first`.
pub async fn matching_jobs(
    ctx: &Context<'_>,
    taker: Taker,
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
    match (taker.at, radius_km) {
        (_, Some(km)) if !km.is_finite() || km <= 0.0 => {
            return Err(bad_input("radiusKm", "give kilometres above 0"));
        }
        (Some(at), Some(km)) => request = request.near(at, km),
        (Some(at), None) => request = request.nearest_to(at),
        (None, _) => {}
    }
    if taker.facilities.is_empty() {
        return Ok(Vec::new());
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
            facilities: Some(taker.facilities.clone()),
            makers: taker.makers.clone(),
            require_all: true,
            limit: Some(1),
            // Work the taker could do on its own, not as one part of a chain.
            chains: false,
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
