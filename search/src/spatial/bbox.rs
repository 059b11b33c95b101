//! Latitude/longitude boxes, as map viewports send them. A box whose `min_lon` is greater
//! than its `max_lon` crosses the antimeridian (e.g. 170 → -170 covers Fiji).

use rstar::AABB;
use serde::{Deserialize, Serialize};

use super::LatLon;
use crate::SearchError;

/// A box in degrees; edges are included.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    min_lat: f64,
    min_lon: f64,
    max_lat: f64,
    max_lon: f64,
}

/// Padding of the 3D envelope: unit vectors carry ~1e-16 of rounding, so 1e-12 keeps every
/// point of the box inside its envelope without admitting anything measurable outside.
const ENVELOPE_PAD: f64 = 1e-12;

impl BoundingBox {
    pub fn new(
        min_lat: f64,
        min_lon: f64,
        max_lat: f64,
        max_lon: f64,
    ) -> Result<BoundingBox, SearchError> {
        let finite = [min_lat, min_lon, max_lat, max_lon]
            .iter()
            .all(|v| v.is_finite());
        if !finite {
            return Err(SearchError::InvalidBoundingBox(format!(
                "coordinates must be numbers, got ({min_lat}, {min_lon}, {max_lat}, {max_lon})"
            )));
        }
        if !(-90.0..=90.0).contains(&min_lat) || !(-90.0..=90.0).contains(&max_lat) {
            return Err(SearchError::InvalidBoundingBox(format!(
                "latitudes must be within [-90, 90], got {min_lat} and {max_lat}"
            )));
        }
        if !(-180.0..=180.0).contains(&min_lon) || !(-180.0..=180.0).contains(&max_lon) {
            return Err(SearchError::InvalidBoundingBox(format!(
                "longitudes must be within [-180, 180], got {min_lon} and {max_lon}"
            )));
        }
        if min_lat > max_lat {
            return Err(SearchError::InvalidBoundingBox(format!(
                "minLat {min_lat} is greater than maxLat {max_lat}"
            )));
        }
        Ok(BoundingBox {
            min_lat,
            min_lon,
            max_lat,
            max_lon,
        })
    }

    pub fn min_lat(&self) -> f64 {
        self.min_lat
    }

    pub fn min_lon(&self) -> f64 {
        self.min_lon
    }

    pub fn max_lat(&self) -> f64 {
        self.max_lat
    }

    pub fn max_lon(&self) -> f64 {
        self.max_lon
    }

    pub fn crosses_antimeridian(&self) -> bool {
        self.min_lon > self.max_lon
    }

    /// Whether the box holds `p`, edges included. A pole lies on every meridian, so it is
    /// inside whenever its latitude is; -180 and 180 are the same meridian.
    pub fn contains(&self, p: LatLon) -> bool {
        let (lat, lon) = (p.lat(), p.lon());
        if lat < self.min_lat || lat > self.max_lat {
            return false;
        }
        if lat.abs() == 90.0 {
            return true;
        }
        if self.crosses_antimeridian() {
            lon >= self.min_lon || lon <= self.max_lon
        } else {
            let within = |l: f64| l >= self.min_lon && l <= self.max_lon;
            within(lon) || (lon.abs() == 180.0 && within(-lon))
        }
    }

    /// An axis-aligned 3D box holding the unit vectors of every point of this box, by
    /// interval arithmetic on x = cos φ·cos λ, y = cos φ·sin λ, z = sin φ.
    pub(crate) fn envelope(&self) -> AABB<[f64; 3]> {
        let lon_parts: Vec<(f64, f64)> = if self.crosses_antimeridian() {
            vec![(self.min_lon, 180.0), (-180.0, self.max_lon)]
        } else {
            vec![(self.min_lon, self.max_lon)]
        };
        let (mut cos_lon, mut sin_lon) = ((f64::MAX, f64::MIN), (f64::MAX, f64::MIN));
        for (a, b) in lon_parts {
            let (c, s) = trig_ranges(a, b);
            cos_lon = (cos_lon.0.min(c.0), cos_lon.1.max(c.1));
            sin_lon = (sin_lon.0.min(s.0), sin_lon.1.max(s.1));
        }
        let (lo, hi) = (self.min_lat.to_radians(), self.max_lat.to_radians());
        let cos_lat_hi = if lo <= 0.0 && hi >= 0.0 {
            1.0
        } else {
            lo.cos().max(hi.cos())
        };
        let cos_lat = (lo.cos().min(hi.cos()).max(0.0), cos_lat_hi);
        let x = product_range(cos_lat, cos_lon);
        let y = product_range(cos_lat, sin_lon);
        let z = (lo.sin(), hi.sin());
        AABB::from_corners(
            [x.0 - ENVELOPE_PAD, y.0 - ENVELOPE_PAD, z.0 - ENVELOPE_PAD],
            [x.1 + ENVELOPE_PAD, y.1 + ENVELOPE_PAD, z.1 + ENVELOPE_PAD],
        )
    }
}

/// Ranges of cos λ and sin λ for λ in [a, b] degrees (a ≤ b): the ends, plus the extremes
/// the interval passes through.
fn trig_ranges(a: f64, b: f64) -> ((f64, f64), (f64, f64)) {
    let (ar, br) = (a.to_radians(), b.to_radians());
    let mut cos = (ar.cos().min(br.cos()), ar.cos().max(br.cos()));
    let mut sin = (ar.sin().min(br.sin()), ar.sin().max(br.sin()));
    let inside = |deg: f64| a <= deg && deg <= b;
    if inside(0.0) {
        cos.1 = 1.0;
    }
    if inside(180.0) || inside(-180.0) {
        cos.0 = -1.0;
    }
    if inside(90.0) {
        sin.1 = 1.0;
    }
    if inside(-90.0) {
        sin.0 = -1.0;
    }
    (cos, sin)
}

/// Range of u·v for u in `a` and v in `b`: the extremes of a bilinear form lie at corners.
fn product_range(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let corners = [a.0 * b.0, a.0 * b.1, a.1 * b.0, a.1 * b.1];
    let min = corners.iter().copied().fold(f64::MAX, f64::min);
    let max = corners.iter().copied().fold(f64::MIN, f64::max);
    (min, max)
}

#[cfg(test)]
mod tests {
    use rstar::Envelope;

    use super::*;

    fn p(lat: f64, lon: f64) -> LatLon {
        LatLon::new(lat, lon).unwrap()
    }

    #[test]
    fn invalid_boxes_are_refused_with_the_reason() {
        let err = BoundingBox::new(10.0, 0.0, 5.0, 1.0).unwrap_err();
        assert!(err.to_string().contains("minLat 10"), "{err}");
        assert!(BoundingBox::new(-91.0, 0.0, 5.0, 1.0).is_err());
        assert!(BoundingBox::new(0.0, 0.0, 5.0, 181.0).is_err());
        assert!(BoundingBox::new(0.0, f64::NAN, 5.0, 1.0).is_err());
    }

    #[test]
    fn antimeridian_boxes_wrap() {
        let fiji = BoundingBox::new(-21.0, 176.0, -12.0, -178.0).unwrap();
        assert!(fiji.crosses_antimeridian());
        assert!(fiji.contains(p(-18.1, 178.4)));
        assert!(fiji.contains(p(-16.0, -179.9)));
        assert!(fiji.contains(p(-16.0, 180.0)));
        assert!(fiji.contains(p(-16.0, -180.0)));
        assert!(!fiji.contains(p(-16.0, 0.0)));
        let east = BoundingBox::new(0.0, 170.0, 10.0, 180.0).unwrap();
        assert!(east.contains(p(5.0, -180.0)));
    }

    #[test]
    fn poles_are_on_every_meridian() {
        let arctic = BoundingBox::new(80.0, 10.0, 90.0, 20.0).unwrap();
        assert!(arctic.contains(p(90.0, -150.0)));
        assert!(!arctic.contains(p(85.0, -150.0)));
    }

    #[test]
    fn envelope_holds_every_point_of_the_box() {
        let boxes = [
            BoundingBox::new(-21.0, 176.0, -12.0, -178.0).unwrap(),
            BoundingBox::new(-90.0, -180.0, 90.0, 180.0).unwrap(),
            BoundingBox::new(60.0, -10.0, 90.0, 100.0).unwrap(),
            BoundingBox::new(-5.0, 80.0, 5.0, 100.0).unwrap(),
            BoundingBox::new(-90.0, 100.0, -80.0, -100.0).unwrap(),
        ];
        for b in boxes {
            let env = b.envelope();
            for i in 0..=40 {
                for j in 0..=40 {
                    let lat = b.min_lat + (b.max_lat - b.min_lat) * f64::from(i) / 40.0;
                    let span = if b.crosses_antimeridian() {
                        360.0 - (b.min_lon - b.max_lon)
                    } else {
                        b.max_lon - b.min_lon
                    };
                    let mut lon = b.min_lon + span * f64::from(j) / 40.0;
                    if lon > 180.0 {
                        lon -= 360.0;
                    }
                    let v = p(lat, lon).unit_vector();
                    assert!(env.contains_point(&v), "{b:?} {lat} {lon}");
                }
            }
        }
    }
}
