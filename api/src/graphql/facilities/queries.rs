//! `facilities(…)`, `nearestFacilities(…)` and `facility(id:)`, read through the search
//! engine and the loaders.

use async_graphql::{Context, ID, Object, Result};
use makermatch_search::{Filters, Kind, SearchRequest, Within};
use uuid::Uuid;

use super::inputs::FacilityFilter;
use super::types::Facility;
use crate::graphql::error::bad_input;
use crate::graphql::geo::{BoundingBox, GeoFilter, point};
use crate::graphql::loader::{
    AppLoader, FacilityEquipmentWithProperties, FacilityId, FacilityMakersWithClaims,
    FacilityMaterials, FacilityProcesses, load_now, ordered,
};
use crate::graphql::relay::{self, NodeType, Page, PageArgs, expect_id, page, wants_total};
use crate::graphql::search_support::run_search;
use crate::graphql::taxonomy::{process_id, taxonomy};

/// Fetches, in one query each, the relations the query asks of a list of facilities
/// (`selection` is the `Facility` selection), so the per-item resolvers find them in the
/// request's loader cache. The loader's own batching also does this, but it depends on
/// timing; this does not.
async fn prefetch(
    loader: &AppLoader,
    selection: async_graphql::Lookahead<'_>,
    ids: &[Uuid],
) -> Result<()> {
    if selection.field("equipment").exists() {
        let keys: Vec<FacilityEquipmentWithProperties> = ids
            .iter()
            .map(|id| FacilityEquipmentWithProperties(*id))
            .collect();
        load_now(loader, &keys).await?;
    }
    if selection.field("processes").exists() {
        let keys: Vec<FacilityProcesses> = ids.iter().map(|id| FacilityProcesses(*id)).collect();
        load_now(loader, &keys).await?;
    }
    if selection.field("materials").exists() {
        let keys: Vec<FacilityMaterials> = ids.iter().map(|id| FacilityMaterials(*id)).collect();
        load_now(loader, &keys).await?;
    }
    if selection.field("makers").exists() {
        let keys: Vec<FacilityMakersWithClaims> =
            ids.iter().map(|id| FacilityMakersWithClaims(*id)).collect();
        load_now(loader, &keys).await?;
    }
    Ok(())
}

/// Loads the facilities of `hits` in hit order, carrying their distances, and prefetches
/// the relations `selection` asks for.
async fn facilities_of(
    ctx: &Context<'_>,
    hits: &[makermatch_search::Hit],
    selection: async_graphql::Lookahead<'_>,
) -> Result<Vec<Facility>> {
    let loader = ctx.data::<AppLoader>()?;
    let rows = ordered(loader, hits.iter().map(|h| FacilityId(h.id)).collect()).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    prefetch(loader, selection, &ids).await?;
    let distances: std::collections::HashMap<Uuid, Option<f64>> =
        hits.iter().map(|h| (h.id, h.distance_km)).collect();
    Ok(rows
        .into_iter()
        .map(|row| Facility {
            distance_km: distances.get(&row.id).copied().flatten(),
            row,
        })
        .collect())
}

#[derive(Default)]
pub struct FacilitiesQuery;

#[Object]
impl FacilitiesQuery {
    /// Facilities matching `text` (names, descriptions, processes in any language,
    /// machines, materials), `filter`, and `near` or `within`. Ordered by relevance when
    /// there is text (distance breaks ties), else nearest first under `near`, else by id.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "first.unwrap_or(relay::DEFAULT_FIRST).clamp(0, relay::MAX_FIRST) as usize * child_complexity + 1"
    )]
    async fn facilities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Free text searched in names, descriptions, processes (any language), machines and materials."
        )]
        text: Option<String>,
        #[graphql(
            desc = "Facet filters: countries, processes, equipment, materials, statuses, access types, batch sizes."
        )]
        filter: Option<FacilityFilter>,
        #[graphql(
            desc = "Only facilities within a radius of a point; each then carries `distanceKm`."
        )]
        near: Option<GeoFilter>,
        #[graphql(desc = "Only facilities inside this map viewport.")] within: Option<BoundingBox>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<Page<Facility>> {
        let args = PageArgs::new(first, after.as_deref())?;
        let mut request = SearchRequest::new(Kind::Facility).page(args.offset, args.limit);
        request.count_total = wants_total(ctx);
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            request = request.text(text);
        }
        if let Some(filter) = &filter {
            request = request.filters(filter.to_filters(ctx)?);
        }
        if let Some(near) = near {
            request.near = Some(near.to_near("near")?);
        }
        if let Some(within) = within {
            request = request.within(Within::Box(within.to_engine("within")?));
        }
        let result = run_search(ctx, request).await?;
        let look = ctx.look_ahead();
        let selection = if look.field("nodes").exists() {
            look.field("nodes")
        } else {
            look.field("edges").field("node")
        };
        let items = facilities_of(ctx, &result.hits, selection).await?;
        let total = result.total.unwrap_or(args.offset + items.len()) as u64;
        Ok(page(args, items, total))
    }

    /// The `k` (1–100) facilities nearest to a point, anywhere on Earth, optionally only
    /// those offering `process` (or a more specific one). Each carries `distanceKm`.
    #[graphql(complexity = "k.clamp(0, relay::MAX_FIRST) as usize * child_complexity + 1")]
    async fn nearest_facilities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Latitude of the point in WGS 84 degrees, -90 to 90.")] lat: f64,
        #[graphql(desc = "Longitude of the point in WGS 84 degrees, -180 to 180.")] lon: f64,
        #[graphql(default = 10, desc = "How many facilities, 1 to 100.")] k: i32,
        #[graphql(
            desc = "Only facilities offering this process or a more specific one (a taxonomy term)."
        )]
        process: Option<String>,
    ) -> Result<Vec<Facility>> {
        let k = relay::page_size("k", Some(k), 10)?;
        let center = point("", lat, lon).map_err(|e| {
            bad_input(
                if lat.abs() > 90.0 || !lat.is_finite() {
                    "lat"
                } else {
                    "lon"
                },
                e.message,
            )
        })?;
        let mut filters = Filters::default();
        if let Some(p) = process {
            filters
                .processes
                .push(process_id(taxonomy(ctx)?, "process", &p)?);
        }
        let request = SearchRequest::new(Kind::Facility)
            .nearest_to(center)
            .filters(filters)
            .page(0, k);
        let result = run_search(ctx, request).await?;
        facilities_of(ctx, &result.hits, ctx.look_ahead()).await
    }

    /// One facility by id (global or plain UUID).
    async fn facility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The facility's global id or plain UUID.")] id: ID,
    ) -> Result<Option<Facility>> {
        let uuid = expect_id("id", &id, NodeType::Facility)?;
        let loader = ctx.data::<AppLoader>()?;
        Ok(loader.load_one(FacilityId(uuid)).await?.map(Facility::new))
    }
}
