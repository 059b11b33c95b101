//! Positions on a spherical Earth. Points live on the unit sphere as (x, y, z) so that the
//! straight-line (chord) distance between two of them, which an R-tree can index, grows
//! monotonically with their great-circle distance: radius and nearest-neighbour queries on
//! chords are exact everywhere, antimeridian and poles included.
//!
//! Radius choice: the IUGG / GRS80 mean radius R₁ = 6371.0088 km, which is also what
//! `geo::Haversine` uses, so chord bounds and reported distances describe the same sphere.

use geo::{Distance, HaversineMeasure, Point};
use serde::{Deserialize, Serialize};

use crate::SearchError;

/// Mean Earth radius R₁ in km (IUGG, GRS80 ellipsoid).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Haversine on the sphere of radius [`EARTH_RADIUS_KM`] (metres in, metres out).
const HAVERSINE: HaversineMeasure = HaversineMeasure::new(EARTH_RADIUS_KM * 1000.0);

/// Half of the Earth's circumference: no two points are farther apart.
pub const MAX_DISTANCE_KM: f64 = std::f64::consts::PI * EARTH_RADIUS_KM;

/// Slack added to distance bounds before the exact Haversine check. Haversine and chord
/// lengths each carry rounding of well under a metre even near antipodes, so widening the
/// R-tree search by 1 m and then filtering on Haversine gives exactly the Haversine answer.
pub(crate) const DISTANCE_SLACK_KM: f64 = 1e-3;

/// A validated WGS 84 position in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

impl LatLon {
    /// A position, or an error when a coordinate is not a number or out of range.
    pub fn new(lat: f64, lon: f64) -> Result<LatLon, SearchError> {
        LatLon::checked(lat, lon, "a position")
    }

    pub(crate) fn checked(lat: f64, lon: f64, what: &str) -> Result<LatLon, SearchError> {
        if lat.is_finite()
            && lon.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon)
        {
            Ok(LatLon { lat, lon })
        } else {
            Err(SearchError::InvalidPosition {
                what: what.to_string(),
                lat,
                lon,
            })
        }
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    /// The point on the unit sphere.
    pub fn unit_vector(self) -> [f64; 3] {
        let (lat, lon) = (self.lat.to_radians(), self.lon.to_radians());
        let (sin_lat, cos_lat) = lat.sin_cos();
        let (sin_lon, cos_lon) = lon.sin_cos();
        [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
    }

    /// Great-circle distance in km by `geo`'s Haversine (note `Point::new(lon, lat)`).
    pub fn distance_km(self, other: LatLon) -> f64 {
        HAVERSINE.distance(
            Point::new(self.lon, self.lat),
            Point::new(other.lon, other.lat),
        ) / 1000.0
    }
}

/// The chord length on the unit sphere of a great-circle distance in km: 2·sin(d / 2R).
pub fn chord_for_km(km: f64) -> f64 {
    let angle = (km.max(0.0) / EARTH_RADIUS_KM).min(std::f64::consts::PI);
    2.0 * (angle / 2.0).sin()
}

/// The great-circle distance in km of a chord length on the unit sphere: 2R·asin(c / 2).
pub fn km_for_chord(chord: f64) -> f64 {
    2.0 * EARTH_RADIUS_KM * (chord.clamp(0.0, 2.0) / 2.0).asin()
}

/// Squared chord length between two unit vectors.
pub(crate) fn chord2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    dx * dx + dy * dy + dz * dz
}

/// The squared chord that bounds every point whose Haversine distance may be `km`, with
/// the rounding slack included.
pub(crate) fn chord2_bound(km: f64) -> f64 {
    let c = chord_for_km(km + DISTANCE_SLACK_KM);
    // A hair above: the chord of a point exactly on the bound must not be lost to rounding.
    c * c * (1.0 + 1e-12) + 1e-15
}

/// The squared chord below which every point lies within `km` by Haversine too, the
/// rounding slack taken off: such points are counted without measuring them.
pub(crate) fn chord2_inside(km: f64) -> f64 {
    if km <= DISTANCE_SLACK_KM {
        // Nothing is certain so close: every point is measured.
        return -1.0;
    }
    let c = chord_for_km(km - DISTANCE_SLACK_KM);
    c * c * (1.0 - 1e-12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_validated() {
        assert!(LatLon::new(90.0, 180.0).is_ok());
        assert!(LatLon::new(-90.0, -180.0).is_ok());
        assert!(LatLon::new(90.1, 0.0).is_err());
        assert!(LatLon::new(0.0, -180.5).is_err());
        assert!(LatLon::new(f64::NAN, 0.0).is_err());
        let err = LatLon::checked(100.0, 0.0, "maker 7").unwrap_err();
        assert!(err.to_string().contains("maker 7"), "{err}");
    }

    #[test]
    fn chord_and_distance_are_inverse() {
        for km in [0.0, 0.001, 1.0, 25.0, 1000.0, 10_000.0, 20_000.0] {
            assert!((km_for_chord(chord_for_km(km)) - km).abs() < 1e-6, "{km}");
        }
        assert!((chord_for_km(MAX_DISTANCE_KM) - 2.0).abs() < 1e-12);
        assert!((chord_for_km(1e9) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn chord_of_unit_vectors_matches_haversine() {
        let accra = LatLon::new(5.6037, -0.1870).unwrap();
        let nairobi = LatLon::new(-1.2921, 36.8219).unwrap();
        let d = accra.distance_km(nairobi);
        assert!((d - 4_180.6).abs() < 0.1, "{d}");
        let c = chord2(&accra.unit_vector(), &nairobi.unit_vector()).sqrt();
        assert!((km_for_chord(c) - d).abs() < 1e-6);
    }

    #[test]
    fn points_counted_inside_by_chord_are_inside_by_haversine() {
        // Points scattered around centres from the equator to the poles and across the
        // antimeridian, at distances straddling each radius.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut inside = 0;
        for radius in [0.01, 0.5, 50.0, 2_000.0, 19_000.0] {
            let bound = chord2_inside(radius);
            for _ in 0..20_000 {
                let centre = LatLon::new(next() * 180.0 - 90.0, next() * 360.0 - 180.0).unwrap();
                let spread = (radius * 2.0 / 111.0).min(90.0);
                let lat = (centre.lat() + (next() - 0.5) * spread).clamp(-90.0, 90.0);
                let mut lon = centre.lon() + (next() - 0.5) * spread;
                if lon > 180.0 {
                    lon -= 360.0;
                } else if lon < -180.0 {
                    lon += 360.0;
                }
                let p = LatLon::new(lat, lon).unwrap();
                if chord2(&centre.unit_vector(), &p.unit_vector()) <= bound {
                    inside += 1;
                    assert!(centre.distance_km(p) <= radius, "{centre:?} {p:?} {radius}");
                }
            }
        }
        assert!(inside > 10_000, "{inside}");
        assert!(chord2_inside(DISTANCE_SLACK_KM) < 0.0);
        assert!(chord2_inside(50.0) < chord2_bound(50.0));
    }

    #[test]
    fn antimeridian_and_poles_are_close_in_3d() {
        let east = LatLon::new(10.0, 179.99).unwrap();
        let west = LatLon::new(10.0, -179.99).unwrap();
        assert!(east.distance_km(west) < 2.5);
        let pole_a = LatLon::new(90.0, 0.0).unwrap();
        let pole_b = LatLon::new(90.0, 123.0).unwrap();
        assert!(pole_a.distance_km(pole_b) < 1e-9);
        assert!(chord2(&pole_a.unit_vector(), &pole_b.unit_vector()) < 1e-24);
    }
}
