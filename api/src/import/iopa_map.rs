//! The IoPA map export: `{facility, address, region, geocoding, location}` records, as in
//! the 2,237 fab labs of the preliminary OKW dataset.

use makermatch_search::Taxonomy;
use serde_json::Value;

use super::record::{FacilityRecord, Parsed, Position, Record, RecordKind};
use super::values::{self, FieldError, Obj};
use crate::services::facilities::{FacilityInput, LocationInput};

pub const SOURCE: &str = "iopa-map";

pub fn looks_like(o: &Obj) -> bool {
    o.obj(&["facility"]).is_some()
        && (o.has(&["region"]) || o.has(&["geocoding"]) || o.has(&["address"]))
}

pub fn parse(record: &Value, at: Position, _taxonomy: &Taxonomy) -> Parsed {
    let outcome = facility(record)
        .map(|input| {
            Record::Facility(Box::new(FacilityRecord {
                input,
                exported: false,
                public_export: false,
            }))
        })
        .map_err(|e| (e.field, e.reason));
    Parsed {
        at,
        kind: RecordKind::Facility,
        outcome,
        unresolved: Vec::new(),
        notes: Vec::new(),
    }
}

fn facility(record: &Value) -> Result<FacilityInput, FieldError> {
    let o = Obj::from(record).ok_or_else(|| FieldError::new("record", "expected an object"))?;
    let f = o
        .obj(&["facility"])
        .ok_or_else(|| FieldError::new("facility", "missing the facility part"))?;
    let name = f
        .text(&["name"])
        .ok_or_else(|| FieldError::new("facility.name", "every facility needs a name"))?;
    let id = f.text(&["facility_id", "id"]).ok_or_else(|| {
        FieldError::new(
            "facility.facility_id",
            "the map export identifies facilities by facility_id",
        )
    })?;
    let region = o.obj(&["region"]);
    let address = o.obj(&["address"]);
    let position = match o.get(&["geocoding"]) {
        Some(v) => values::position("geocoding", v)?,
        None => None,
    };
    let country = region
        .and_then(|r| r.text(&["country"]))
        .map(|c| values::country("region.country", c));
    let mut input = FacilityInput::named(name);
    input.source = SOURCE.to_owned();
    input.source_id = Some(id);
    // Every description in the export is the word "fablab": a type, not a description.
    let description = f.text(&["description"]);
    let url = f.text(&["url"]);
    if url.as_deref().is_some_and(|u| u.contains("fablabs.io"))
        || description.as_deref() == Some("fablab")
    {
        input.affiliations.push("fablabs.io".to_owned());
    }
    input.description = description.filter(|d| d != "fablab");
    input.contact.website = url;
    input.location = LocationInput {
        street_address: address.and_then(|a| a.text(&["extended", "street"])),
        locality: region.and_then(|r| r.text(&["city_town", "city"])),
        region: region.and_then(|r| r.text(&["state_region", "region"])),
        postal_code: address.and_then(|a| a.text(&["zip_code", "postcode"])),
        country,
        lat: position.map(|p| p.0),
        lon: position.map(|p| p.1),
        directions: None,
    };
    Ok(input)
}
