//! Geo without tantivy: positions on the unit sphere, boxes, polygons, and the R-tree
//! layers the engine keeps per kind of entity.

mod bbox;
pub(crate) mod point_set;
mod polygon;
mod slot_tree;
mod sphere;

pub use bbox::BoundingBox;
pub use polygon::GeoPolygon;
pub use sphere::{EARTH_RADIUS_KM, LatLon, MAX_DISTANCE_KM, chord_for_km, km_for_chord};
pub(crate) use sphere::{chord2, chord2_bound, chord2_inside};
