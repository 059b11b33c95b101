//! The geo inputs of DESIGN §7, checked and turned into engine terms.

use async_graphql::{Error, InputObject};
use makermatch_search::{BoundingBox as EngineBox, LatLon, Near};

use super::error::bad_input;

/// Around a point, within a radius. Results carry `distanceKm` and come nearest first
/// unless there is text (then by relevance, distance breaking ties).
#[derive(InputObject, Debug, Clone, Copy)]
pub struct GeoFilter {
    /// Latitude in degrees, −90 to 90.
    pub lat: f64,
    /// Longitude in degrees, −180 to 180.
    pub lon: f64,
    /// Radius in kilometres, more than 0 and at most 20,038 (half the Earth's
    /// circumference).
    pub radius_km: f64,
}

/// Largest meaningful radius: every point of the Earth lies within it.
const HALF_CIRCUMFERENCE_KM: f64 = 20_038.0;

/// A viewport. A box with `minLon > maxLon` crosses the antimeridian.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct BoundingBox {
    /// Southern edge, WGS 84 degrees, -90 to 90.
    pub min_lat: f64,
    /// Western edge, WGS 84 degrees, -180 to 180.
    pub min_lon: f64,
    /// Northern edge, WGS 84 degrees, not below `minLat`.
    pub max_lat: f64,
    /// Eastern edge, WGS 84 degrees, -180 to 180.
    pub max_lon: f64,
}

/// A position argument, by the one rule for positions (`services::values::position`).
pub fn point(field: &str, lat: f64, lon: f64) -> Result<LatLon, Error> {
    crate::services::values::position(field, lat, lon).map_err(super::error::from_query_service)
}

impl GeoFilter {
    pub fn to_near(self, field: &str) -> Result<Near, Error> {
        let center = point(field, self.lat, self.lon)?;
        if !self.radius_km.is_finite()
            || self.radius_km <= 0.0
            || self.radius_km > HALF_CIRCUMFERENCE_KM
        {
            return Err(bad_input(
                &format!("{field}.radiusKm"),
                format!(
                    "{} is not a usable radius; give kilometres above 0 and at most {HALF_CIRCUMFERENCE_KM}",
                    self.radius_km
                ),
            ));
        }
        Ok(Near {
            center,
            radius_km: Some(self.radius_km),
        })
    }
}

impl BoundingBox {
    pub fn to_engine(self, field: &str) -> Result<EngineBox, Error> {
        for (name, value, limit) in [
            ("minLat", self.min_lat, 90.0),
            ("maxLat", self.max_lat, 90.0),
            ("minLon", self.min_lon, 180.0),
            ("maxLon", self.max_lon, 180.0),
        ] {
            if !value.is_finite() || value.abs() > limit {
                return Err(bad_input(
                    &format!("{field}.{name}"),
                    format!("{value} is out of range; use degrees from -{limit} to {limit}"),
                ));
            }
        }
        if self.min_lat > self.max_lat {
            return Err(bad_input(
                &format!("{field}.minLat"),
                "minLat is above maxLat; swap them (only longitudes may wrap, across the antimeridian)",
            ));
        }
        EngineBox::new(self.min_lat, self.min_lon, self.max_lat, self.max_lon)
            .map_err(|e| bad_input(field, e))
    }
}
