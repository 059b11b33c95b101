//! GeoJSON polygons (RFC 7946) as query areas. Edges are straight lines in longitude /
//! latitude, as the RFC says, so containment is `geo`'s planar `Contains` on (lon, lat):
//! the interior counts, the boundary does not. A shape that crosses the antimeridian is
//! sent, per the RFC, as a MultiPolygon cut along it.

use geo::{BoundingRect, Contains, LineString, Point, Polygon};
use serde_json::Value;

use super::{BoundingBox, LatLon};
use crate::SearchError;

/// A Polygon or MultiPolygon, each part with the box that pre-filters candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoPolygon {
    parts: Vec<(Polygon<f64>, BoundingBox)>,
}

impl GeoPolygon {
    /// Parses a GeoJSON `Polygon` or `MultiPolygon` geometry, or a `Feature` holding one.
    pub fn from_geojson(value: &Value) -> Result<GeoPolygon, SearchError> {
        let kind = value.get("type").and_then(Value::as_str).ok_or_else(|| {
            SearchError::InvalidPolygon("a GeoJSON object needs a string \"type\"".into())
        })?;
        let coordinates = || {
            value.get("coordinates").ok_or_else(|| {
                SearchError::InvalidPolygon(format!("the {kind} has no \"coordinates\""))
            })
        };
        let polygons = match kind {
            "Feature" => {
                let geometry = value.get("geometry").ok_or_else(|| {
                    SearchError::InvalidPolygon("the Feature has no \"geometry\"".into())
                })?;
                return GeoPolygon::from_geojson(geometry);
            }
            "Polygon" => vec![polygon(coordinates()?, 0)?],
            "MultiPolygon" => coordinates()?
                .as_array()
                .ok_or_else(|| {
                    SearchError::InvalidPolygon(
                        "MultiPolygon coordinates must be an array of polygons".into(),
                    )
                })?
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p, i))
                .collect::<Result<Vec<_>, _>>()?,
            other => {
                return Err(SearchError::InvalidPolygon(format!(
                    "expected a Polygon or MultiPolygon, got a {other}"
                )));
            }
        };
        if polygons.is_empty() {
            return Err(SearchError::InvalidPolygon(
                "the MultiPolygon has no polygons".into(),
            ));
        }
        let parts = polygons
            .into_iter()
            .map(|p| {
                let rect = p
                    .bounding_rect()
                    .ok_or_else(|| SearchError::InvalidPolygon("a polygon has no extent".into()))?;
                let bbox =
                    BoundingBox::new(rect.min().y, rect.min().x, rect.max().y, rect.max().x)?;
                Ok((p, bbox))
            })
            .collect::<Result<Vec<_>, SearchError>>()?;
        Ok(GeoPolygon { parts })
    }

    /// Parses GeoJSON text.
    pub fn from_geojson_str(text: &str) -> Result<GeoPolygon, SearchError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| SearchError::InvalidPolygon(format!("not JSON: {e}")))?;
        GeoPolygon::from_geojson(&value)
    }

    /// Whether `p` lies inside (not on the boundary of) one of the polygons.
    pub fn contains(&self, p: LatLon) -> bool {
        let point = Point::new(p.lon(), p.lat());
        self.parts
            .iter()
            .any(|(polygon, bbox)| bbox.contains(p) && polygon.contains(&point))
    }

    /// The boxes of the parts, whose union holds the whole shape.
    pub fn boxes(&self) -> impl Iterator<Item = &BoundingBox> {
        self.parts.iter().map(|(_, b)| b)
    }
}

fn polygon(value: &Value, index: usize) -> Result<Polygon<f64>, SearchError> {
    let rings = value.as_array().ok_or_else(|| {
        SearchError::InvalidPolygon(format!("polygon #{index} must be an array of rings"))
    })?;
    let mut rings = rings
        .iter()
        .enumerate()
        .map(|(r, ring)| linear_ring(ring, index, r));
    let exterior = rings.next().ok_or_else(|| {
        SearchError::InvalidPolygon(format!("polygon #{index} has no exterior ring"))
    })??;
    let holes = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}

fn linear_ring(value: &Value, polygon: usize, ring: usize) -> Result<LineString<f64>, SearchError> {
    let at = || format!("ring #{ring} of polygon #{polygon}");
    let positions = value
        .as_array()
        .ok_or_else(|| SearchError::InvalidPolygon(format!("{} must be an array", at())))?;
    if positions.len() < 4 {
        return Err(SearchError::InvalidPolygon(format!(
            "{} has {} positions; a linear ring needs at least 4",
            at(),
            positions.len()
        )));
    }
    let coords = positions
        .iter()
        .map(|position| {
            let pair = position
                .as_array()
                .filter(|a| a.len() >= 2)
                .and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)));
            let (lon, lat) = pair.ok_or_else(|| {
                SearchError::InvalidPolygon(format!(
                    "{} has a position that is not [longitude, latitude]: {position}",
                    at()
                ))
            })?;
            LatLon::checked(lat, lon, &at())?;
            Ok((lon, lat))
        })
        .collect::<Result<Vec<_>, SearchError>>()?;
    if coords.first() != coords.last() {
        return Err(SearchError::InvalidPolygon(format!(
            "{} is not closed: its first and last positions differ",
            at()
        )));
    }
    Ok(LineString::from(coords))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lon: f64) -> LatLon {
        LatLon::new(lat, lon).unwrap()
    }

    #[test]
    fn polygon_with_hole() {
        let shape = GeoPolygon::from_geojson_str(
            r#"{"type":"Polygon","coordinates":[
                [[0,0],[10,0],[10,10],[0,10],[0,0]],
                [[4,4],[6,4],[6,6],[4,6],[4,4]]]}"#,
        )
        .unwrap();
        assert!(shape.contains(p(2.0, 2.0)));
        assert!(!shape.contains(p(5.0, 5.0)));
        assert!(!shape.contains(p(20.0, 5.0)));
        assert!(!shape.contains(p(0.0, 5.0)), "boundary is outside");
    }

    #[test]
    fn multipolygon_cut_at_the_antimeridian() {
        let shape = GeoPolygon::from_geojson_str(
            r#"{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[
                [[[175,-20],[180,-20],[180,-10],[175,-10],[175,-20]]],
                [[[-180,-20],[-175,-20],[-175,-10],[-180,-10],[-180,-20]]]]}}"#,
        )
        .unwrap();
        assert!(shape.contains(p(-15.0, 178.0)));
        assert!(shape.contains(p(-15.0, -178.0)));
        assert!(!shape.contains(p(-15.0, 0.0)));
        assert_eq!(shape.boxes().count(), 2);
    }

    #[test]
    fn malformed_geojson_is_named() {
        let open = GeoPolygon::from_geojson_str(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#,
        )
        .unwrap_err();
        assert!(open.to_string().contains("not closed"), "{open}");
        let point =
            GeoPolygon::from_geojson_str(r#"{"type":"Point","coordinates":[0,0]}"#).unwrap_err();
        assert!(point.to_string().contains("got a Point"), "{point}");
        let far = GeoPolygon::from_geojson_str(
            r#"{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}"#,
        )
        .unwrap_err();
        assert!(far.to_string().contains("longitude"), "{far}");
        assert!(GeoPolygon::from_geojson_str("nope").is_err());
    }
}
