//! `mapFeatures`: what a map front-end draws for a viewport, as an RFC 7946
//! FeatureCollection with server-side grid clusters (DESIGN §7). A cluster is a Point
//! feature whose properties hold `count` and the `bbox` of its members; an entity alone
//! in its cell is a Point feature of its own with its id and name.

use std::collections::HashMap;

use async_graphql::{Context, Enum, Json, Object, Result};
use makermatch_search::{Cluster, Kind, PositionAccess, SearchError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::error::bad_input;
use super::geo::BoundingBox;
use super::loader::{AppLoader, FacilityId, JobId, MakerId};
use super::offload::on_engine_read;
use super::relay::{NodeType, global_id};
use crate::graphql::access::visibility;

/// What a map can show.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MapLayer {
    /// At the facilities' positions.
    Facilities,
    /// At the makers' public positions (never their homes).
    Makers,
    /// At the jobs' delivery points.
    Jobs,
}

impl MapLayer {
    fn kind(self) -> Kind {
        match self {
            MapLayer::Facilities => Kind::Facility,
            MapLayer::Makers => Kind::Maker,
            MapLayer::Jobs => Kind::Job,
        }
    }
}

/// Grid cell size at a zoom level: about 32 cells across a 256-pixel world at zoom 0,
/// halving with each level, so a viewport holds a few hundred features at most.
pub fn cell_degrees(zoom: i32) -> f64 {
    45.0 / 2f64.powi(zoom)
}

/// Deepest zoom of web maps.
const MAX_ZOOM: i32 = 22;

/// Most features one layer of an answer holds: more than a screen can show. A viewport
/// whose grid would give more is drawn on a coarser grid (cells doubled until it fits).
pub const MAX_FEATURES_PER_LAYER: usize = 4_096;

/// A layer's share of a query's complexity (DESIGN §9: map features are costed by what
/// they may return): one unit per four features it may hold.
pub const LAYER_COMPLEXITY: usize = MAX_FEATURES_PER_LAYER / 4;

/// The layers asked for, each once, in the order given; facilities by default.
fn distinct_layers(layers: Option<&[MapLayer]>) -> Vec<MapLayer> {
    let mut out: Vec<MapLayer> = Vec::new();
    for &layer in layers.unwrap_or(&[MapLayer::Facilities]) {
        if !out.contains(&layer) {
            out.push(layer);
        }
    }
    out
}

/// The complexity of a `mapFeatures` call.
pub fn cost(layers: &Option<Vec<MapLayer>>) -> usize {
    distinct_layers(layers.as_deref()).len() * LAYER_COMPLEXITY
}

/// The smallest cell that keeps the grid over `bbox` to about `cells` cells: the first
/// grid tried, so that a deep zoom over a wide box does not walk the box cell by cell.
fn coarsest_needed(bbox: &BoundingBox, cells: usize) -> f64 {
    let height = (bbox.max_lat - bbox.min_lat).abs();
    let width = if bbox.min_lon <= bbox.max_lon {
        bbox.max_lon - bbox.min_lon
    } else {
        360.0 - (bbox.min_lon - bbox.max_lon)
    };
    (width * height / cells as f64).sqrt()
}

fn point(lat: f64, lon: f64) -> Value {
    // RFC 7946: positions are [longitude, latitude].
    json!({ "type": "Point", "coordinates": [lon, lat] })
}

/// Global ids and names of lone entities, in one query per layer. A maker without a
/// public profile is left out: it is drawn as an anonymous count of one.
async fn names(
    ctx: &Context<'_>,
    kind: Kind,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, (String, String)>> {
    let loader = ctx.data::<AppLoader>()?;
    let mut out = HashMap::new();
    match kind {
        Kind::Facility => {
            for (k, f) in loader.load_many(ids.into_iter().map(FacilityId)).await? {
                out.insert(k.0, (global_id(NodeType::Facility, k.0).0, f.name.clone()));
            }
        }
        Kind::Job => {
            for (k, j) in loader.load_many(ids.into_iter().map(JobId)).await? {
                out.insert(k.0, (global_id(NodeType::Job, k.0).0, j.title));
            }
        }
        Kind::Maker => {
            for (k, m) in loader.load_many(ids.into_iter().map(MakerId)).await? {
                if !visibility(ctx).sees_maker(&m) {
                    continue;
                }
                let name = m.shown_name();
                out.insert(k.0, (global_id(NodeType::Maker, k.0).0, name));
            }
        }
    }
    Ok(out)
}

fn feature(layer: MapLayer, c: &Cluster, names: &HashMap<Uuid, (String, String)>) -> Value {
    let layer_name = match layer {
        MapLayer::Facilities => "FACILITIES",
        MapLayer::Makers => "MAKERS",
        MapLayer::Jobs => "JOBS",
    };
    if c.count == 1
        && let Some((gid, name)) = c.ids.first().and_then(|id| names.get(id))
    {
        return json!({
            "type": "Feature",
            "id": gid,
            "geometry": point(c.center.lat(), c.center.lon()),
            "properties": { "layer": layer_name, "cluster": false, "count": 1, "id": gid, "name": name },
        });
    }
    json!({
        "type": "Feature",
        "geometry": point(c.center.lat(), c.center.lon()),
        "properties": {
            "layer": layer_name, "cluster": true, "count": c.count,
            "bbox": [c.west, c.south, c.east, c.north],
        },
    })
}

#[derive(Default)]
pub struct MapQuery;

#[Object]
impl MapQuery {
    /// An RFC 7946 FeatureCollection for the viewport `bbox` at `zoom` (0–22): clusters
    /// with `count` and `bbox` in their properties, and single entities with `id` and
    /// `name`. Layers default to facilities. Makers appear at their public positions;
    /// makers whose profile is not public are drawn for coordinators and admins only.
    /// A layer holds at most 4,096 features: a viewport that would give more is drawn on a
    /// coarser grid. Each layer counts 1,024 towards the query's complexity.
    #[graphql(complexity = "super::map::cost(&layers)")]
    async fn map_features(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The viewport, in WGS 84 degrees.")] bbox: BoundingBox,
        #[graphql(desc = "Web map zoom level, 0 (whole world) to 22; sets the clustering grid.")]
        zoom: i32,
        #[graphql(desc = "The layers to draw; facilities only when absent.")] layers: Option<
            Vec<MapLayer>,
        >,
    ) -> Result<Json<Value>> {
        if !(0..=MAX_ZOOM).contains(&zoom) {
            return Err(bad_input("zoom", format!("give 0 to {MAX_ZOOM}")));
        }
        let area = bbox.to_engine("bbox")?;
        let layers = distinct_layers(layers.as_deref());
        // A grid finer than a cell per 4,096² of the box could only draw more than a layer
        // holds wherever points are dense, so no walk starts finer than that.
        let first_cell = cell_degrees(zoom).max(coarsest_needed(
            &bbox,
            MAX_FEATURES_PER_LAYER * MAX_FEATURES_PER_LAYER,
        ));
        // The same passports as every other door shows this caller (`policy`).
        let public_only = !visibility(ctx).private_profiles();
        let mut features = Vec::new();
        for layer in layers {
            let clusters = on_engine_read(ctx, move |engine| {
                let mut cell = first_cell;
                loop {
                    let clusters = engine.clusters(
                        layer.kind(),
                        &area,
                        cell,
                        &PositionAccess::Coarse,
                        1,
                        public_only,
                    )?;
                    // Past 360° one cell holds the world: the loop always ends.
                    if clusters.len() <= MAX_FEATURES_PER_LAYER || cell > 360.0 {
                        return Ok::<_, SearchError>(clusters);
                    }
                    // Cells hold about (ratio)² more points each time they grow by `ratio`.
                    let over = clusters.len() as f64 / MAX_FEATURES_PER_LAYER as f64;
                    cell *= over.sqrt().max(2.0);
                }
            })
            .await?;
            let lone: Vec<Uuid> = clusters
                .iter()
                .filter(|c| c.count == 1)
                .filter_map(|c| c.ids.first().copied())
                .collect();
            let names = names(ctx, layer.kind(), lone).await?;
            features.extend(clusters.iter().map(|c| feature(layer, c, &names)));
        }
        Ok(Json(json!({
            "type": "FeatureCollection",
            "bbox": [bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat],
            "features": features,
        })))
    }
}
