//! A WGS 84 position in decimal degrees: the one latitude/longitude type from input to
//! engine. It is the engine's [`LatLon`]; every door (GraphQL arguments and inputs, the
//! importer, the demo generator) parses its pair here, so a bad pair gets the same error
//! naming `<field>.lat` or `<field>.lon` everywhere.

pub use makermatch_search::LatLon;

use crate::services::{ServiceError, ServiceResult};

/// The position `(lat, lon)`, or an error naming the coordinate that is out of range (with a
/// hint when the two look swapped).
pub fn position(field: &str, lat: f64, lon: f64) -> ServiceResult<LatLon> {
    let in_range = |v: f64, limit: f64| v.is_finite() && (-limit..=limit).contains(&v);
    if !in_range(lat, 90.0) {
        let hint = if in_range(lon, 90.0) && in_range(lat, 180.0) {
            "; the pair looks swapped: give latitude first, then longitude"
        } else {
            ""
        };
        return Err(ServiceError::invalid(
            format!("{field}.lat"),
            format!("latitude {lat} is out of range; use decimal degrees between -90 and 90{hint}"),
        ));
    }
    if !in_range(lon, 180.0) {
        return Err(ServiceError::invalid(
            format!("{field}.lon"),
            format!("longitude {lon} is out of range; use decimal degrees between -180 and 180"),
        ));
    }
    LatLon::new(lat, lon).map_err(|e| ServiceError::invalid(field, e.to_string()))
}

/// Both coordinates or neither: a position, or none.
pub fn optional_position(
    field: &str,
    lat: Option<f64>,
    lon: Option<f64>,
) -> ServiceResult<Option<LatLon>> {
    match (lat, lon) {
        (Some(lat), Some(lon)) => position(field, lat, lon).map(Some),
        (None, None) => Ok(None),
        _ => Err(ServiceError::invalid(
            field,
            "give both lat and lon, or neither",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: ServiceError) -> String {
        match e {
            ServiceError::InvalidInput { field, message } => format!("{field}: {message}"),
            other => panic!("not an input error: {other}"),
        }
    }

    #[test]
    fn a_pair_in_range_is_a_position() {
        let p = position("location", 5.6037, -0.187).unwrap();
        assert_eq!((p.lat(), p.lon()), (5.6037, -0.187));
        assert_eq!(optional_position("location", None, None).unwrap(), None);
    }

    #[test]
    fn errors_name_the_coordinate() {
        let e = field_of(position("delivery", 91.0, 0.0).unwrap_err());
        assert!(e.starts_with("delivery.lat: latitude 91"), "{e}");
        let e = field_of(position("delivery", 0.0, -180.5).unwrap_err());
        assert!(e.starts_with("delivery.lon: longitude -180.5"), "{e}");
        let e = field_of(position("p", f64::NAN, 0.0).unwrap_err());
        assert!(e.starts_with("p.lat"), "{e}");
        let e = field_of(optional_position("location", Some(1.0), Some(f64::NAN)).unwrap_err());
        assert!(e.starts_with("location.lon"), "{e}");
        let e = field_of(optional_position("location", Some(1.0), None).unwrap_err());
        assert!(e.starts_with("location: give both"), "{e}");
    }

    #[test]
    fn a_swapped_pair_is_named_as_such() {
        let e = field_of(position("p", 120.5, 42.3).unwrap_err());
        assert!(e.contains("swapped"), "{e}");
        let e = field_of(position("p", -71.05, 192.35).unwrap_err());
        assert!(
            !e.contains("swapped") && e.contains("longitude 192.35"),
            "{e}"
        );
    }
}
