//! `makers(…)`, `maker(id:)` and `Facility.nearbyMakers`, read through the search engine
//! and the loaders.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use makermatch_entities::facility;
use makermatch_search::{Filters, Kind, LatLon, SearchRequest, Within};
use uuid::Uuid;

use super::inputs::{MakerFilter, skill_requirements};
use super::types::Maker;
use crate::graphql::access::visibility;
use crate::graphql::error::{bad_input, internal};
use crate::graphql::geo::{BoundingBox, GeoFilter};
use crate::graphql::loader::{AppLoader, MakerId, ordered};
use crate::graphql::relay::{self, NodeType, Page, PageArgs, expect_id, page, wants_total};
use crate::graphql::search_support::run_search;

/// Loads the makers of `hits` in hit order, carrying their distances.
pub async fn makers_of(ctx: &Context<'_>, hits: &[makermatch_search::Hit]) -> Result<Vec<Maker>> {
    let loader = ctx.data::<AppLoader>()?;
    let rows = ordered(loader, hits.iter().map(|h| MakerId(h.id)).collect()).await?;
    let distances: HashMap<Uuid, Option<f64>> =
        hits.iter().map(|h| (h.id, h.distance_km)).collect();
    Ok(rows
        .into_iter()
        .map(|row| Maker {
            distance_km: distances.get(&row.id).copied().flatten(),
            claims: None,
            row: Arc::new(row),
        })
        .collect())
}

#[derive(Default)]
pub struct MakersQuery;

#[Object]
impl MakersQuery {
    /// Makers matching `text` (names, bio, skills in any language), `filter`, and `near`
    /// or `within`, measured on public positions (for coordinators and admins: on homes
    /// their makers share). Ordered like `facilities`.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "first.unwrap_or(relay::DEFAULT_FIRST).clamp(0, relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn makers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Free text searched in names, bios and skills (any language).")]
        text: Option<String>,
        #[graphql(
            desc = "Facet filters: countries, skills and their level, verified skills, processes, languages."
        )]
        filter: Option<MakerFilter>,
        #[graphql(
            desc = "Only makers within a radius of a point; each then carries `distanceKm`."
        )]
        near: Option<GeoFilter>,
        #[graphql(desc = "Only makers inside this map viewport (on their public positions).")]
        within: Option<BoundingBox>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<Page<Maker>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let mut request = SearchRequest::new(Kind::Maker).page(args.offset, args.limit);
        request.count_total = wants_total(ctx);
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            request = request.text(text);
        }
        let mut filters = match &filter {
            Some(f) => f.to_filters(ctx).await?,
            None => Filters::default(),
        };
        // Staff see every passport and shared homes; others public profiles at public positions.
        filters.public_only = !visibility(ctx).private_profiles();
        request = request
            .filters(filters)
            .positions(visibility(ctx).positions());
        if let Some(near) = near {
            request.near = Some(near.to_near("near")?);
        }
        if let Some(within) = within {
            request = request.within(Within::Box(within.to_engine("within")?));
        }
        let result = run_search(ctx, request).await?;
        let items = makers_of(ctx, &result.hits).await?;
        let total = result.total.unwrap_or(args.offset + items.len()) as u64;
        Ok(page(args, items, total))
    }

    /// One maker by id (global or plain UUID). Non-public profiles are not shown.
    async fn maker(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The maker's global id or plain UUID.")] id: ID,
    ) -> Result<Option<Maker>> {
        let uuid = expect_id("id", &id, NodeType::Maker)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader
            .load_one(MakerId(uuid))
            .await?
            .filter(|m| visibility(ctx).sees_maker(m))
            .map(Maker::new))
    }
}

/// `Facility.nearbyMakers`: makers within `radius_km` of the facility having every skill,
/// nearest first. Like `makers`: public profiles on public positions, and for staff every
/// passport on shared homes.
pub async fn nearby_makers(
    ctx: &Context<'_>,
    facility: &facility::Model,
    skills: Option<Vec<String>>,
    radius_km: f64,
    first: Option<i32>,
) -> Result<Vec<Maker>> {
    let first = relay::page_size("first", first, relay::DEFAULT_FIRST)?;
    if !radius_km.is_finite() || radius_km <= 0.0 || radius_km > MAX_RADIUS_KM {
        return Err(bad_input(
            "radiusKm",
            format!(
                "{radius_km} is not a usable radius; give kilometres above 0 and at most {MAX_RADIUS_KM}"
            ),
        ));
    }
    let skills = skill_requirements(
        ctx,
        "skills",
        skills.as_deref().unwrap_or_default(),
        None,
        false,
    )
    .await?;
    let (Some(lat), Some(lon)) = (facility.lat, facility.lon) else {
        return Ok(Vec::new());
    };
    // Stored positions were checked when written; a bad one is ours, not the caller's.
    let center = LatLon::new(lat, lon).map_err(internal)?;
    let filters = Filters {
        skill_alternatives: skills,
        public_only: !visibility(ctx).private_profiles(),
        ..Filters::default()
    };
    let request = SearchRequest::new(Kind::Maker)
        .filters(filters)
        .positions(visibility(ctx).positions())
        .near(center, radius_km)
        .page(0, first);
    let result = run_search(ctx, request).await?;
    makers_of(ctx, &result.hits).await
}

/// Every point of the Earth lies within this many kilometres of any other.
const MAX_RADIUS_KM: f64 = 20_038.0;
