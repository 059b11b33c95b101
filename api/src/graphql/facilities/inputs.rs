//! What `facilities(…)` filters on and what `createFacility` / `updateFacility` write,
//! with every taxonomy term resolved.

use async_graphql::{Context, InputObject, Result};
use makermatch_search::Filters;

use super::types::{AccessType, BatchSize, FacilityStatus};
use crate::graphql::error::bad_input;
use crate::graphql::scalars::{Date, Timestamp};
use crate::graphql::taxonomy::{equipment_type_id, material_id, process_id, taxonomy};
use crate::services::facilities::{
    ContactInput, EquipmentInput, FacilityInput as ServiceInput, LocationInput, PropertyInput,
    TermLink,
};

fn status_code(s: FacilityStatus) -> String {
    let s: makermatch_entities::facility::FacilityStatus = s.into();
    sea_orm::ActiveEnum::to_value(&s)
}

fn access_code(a: AccessType) -> String {
    let a: makermatch_entities::facility::AccessType = a.into();
    sea_orm::ActiveEnum::to_value(&a)
}

fn batch_code(b: BatchSize) -> String {
    let b: makermatch_entities::facility::BatchSize = b.into();
    sea_orm::ActiveEnum::to_value(&b)
}

/// Facet filters of `facilities(…)`. Lists of codes match any of their values; lists of
/// capabilities need all of them. Process, equipment and material terms may be ids,
/// labels in any language, aliases or Wikipedia URLs; a process matches its descendants
/// (asking for `3d-printing` finds FDM printers).
#[derive(InputObject, Default)]
pub struct FacilityFilter {
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Option<Vec<String>>,
    /// Processes offered (taxonomy terms); all needed.
    pub processes: Option<Vec<String>>,
    /// Equipment types owned (taxonomy terms); all needed.
    pub equipment_types: Option<Vec<String>>,
    /// Materials worked (taxonomy terms); all needed.
    pub materials: Option<Vec<String>>,
    /// Any of these statuses.
    pub statuses: Option<Vec<FacilityStatus>>,
    /// Any of these access types.
    pub access_types: Option<Vec<AccessType>>,
    /// Any of these typical batch sizes.
    pub batch_sizes: Option<Vec<BatchSize>>,
}

impl FacilityFilter {
    pub(super) fn to_filters(&self, ctx: &Context<'_>) -> Result<Filters> {
        let tax = taxonomy(ctx)?;
        let mut f = Filters::default();
        for (i, c) in self.countries.iter().flatten().enumerate() {
            let code = c.trim().to_uppercase();
            if code.len() != 2 || !code.chars().all(|ch| ch.is_ascii_uppercase()) {
                return Err(bad_input(
                    &format!("filter.countries[{i}]"),
                    format!("`{c}` is not an ISO 3166-1 alpha-2 code such as GH, KE or ZA"),
                ));
            }
            f.countries.push(code);
        }
        for (i, p) in self.processes.iter().flatten().enumerate() {
            f.processes
                .push(process_id(tax, &format!("filter.processes[{i}]"), p)?);
        }
        for (i, e) in self.equipment_types.iter().flatten().enumerate() {
            f.equipment_types.push(equipment_type_id(
                tax,
                &format!("filter.equipmentTypes[{i}]"),
                e,
            )?);
        }
        for (i, m) in self.materials.iter().flatten().enumerate() {
            f.materials
                .push(material_id(tax, &format!("filter.materials[{i}]"), m)?);
        }
        f.statuses = self
            .statuses
            .iter()
            .flatten()
            .map(|s| status_code(*s))
            .collect();
        f.access_types = self
            .access_types
            .iter()
            .flatten()
            .map(|a| access_code(*a))
            .collect();
        f.batch_sizes = self
            .batch_sizes
            .iter()
            .flatten()
            .map(|b| batch_code(*b))
            .collect();
        Ok(f)
    }
}

/// A facility's address and position. Latitude and longitude go together.
#[derive(InputObject, Default)]
#[graphql(name = "LocationInput")]
pub struct LocationInputGql {
    /// Street and number.
    pub street_address: Option<String>,
    /// Town or city.
    pub locality: Option<String>,
    /// State, province or district.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Latitude in WGS 84 degrees, -90 to 90; with `lon`.
    pub lat: Option<f64>,
    /// Longitude in WGS 84 degrees, -180 to 180; with `lat`.
    pub lon: Option<f64>,
    /// Free-text directions for finding the place.
    pub directions: Option<String>,
}

/// A property of a machine: a number (with its unit) or a text.
#[derive(InputObject)]
pub struct EquipmentPropertyInput {
    /// What is measured or described, e.g. `bed_size_x`.
    pub key: String,
    /// The value when numeric, in `unit`.
    pub number: Option<f64>,
    /// The value when textual.
    pub text: Option<String>,
    /// The unit of `number`, e.g. `mm` or `W`.
    pub unit: Option<String>,
}

/// A machine. `equipmentType` may be a taxonomy id, a label or an alias ("laser cutter").
#[derive(InputObject)]
#[graphql(name = "EquipmentInput")]
pub struct EquipmentInputGql {
    /// The machine's type: a taxonomy id, label or alias.
    pub equipment_type: String,
    /// The process it performs, when not the type's obvious one.
    pub process: Option<String>,
    /// Manufacturer.
    pub make: Option<String>,
    /// Model name.
    pub model: Option<String>,
    /// Serial number; stored, not shown.
    pub serial_number: Option<String>,
    /// How many such machines, 1 or more.
    #[graphql(default = 1)]
    pub quantity: i32,
    /// Working condition.
    pub condition: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Technical properties (bed size, power, …).
    #[graphql(default)]
    pub properties: Vec<EquipmentPropertyInput>,
}

/// A facility as written by `createFacility` and `updateFacility` (which replaces every
/// field with these).
#[derive(InputObject)]
#[graphql(name = "FacilityInput")]
pub struct FacilityInputGql {
    /// The facility's name; not empty.
    pub name: String,
    /// What the facility is and does.
    pub description: Option<String>,
    /// Whether it is open, planned or closed.
    #[graphql(default_with = "FacilityStatus::Active")]
    pub facility_status: FacilityStatus,
    /// Who may use it.
    pub access_type: Option<AccessType>,
    /// Address and position; without coordinates it is not on the map.
    #[graphql(default)]
    pub location: LocationInputGql,
    /// The owning person or organisation.
    pub owner_name: Option<String>,
    /// Who to contact; public.
    pub contact_name: Option<String>,
    /// Contact e-mail; shown to coordinators and admins only.
    pub contact_email: Option<String>,
    /// Contact phone; shown to coordinators and admins only.
    pub contact_phone: Option<String>,
    /// Web site URL.
    pub website: Option<String>,
    /// Organisations the facility is affiliated with.
    #[graphql(default)]
    pub affiliations: Vec<String>,
    /// Opening hours as free text.
    pub opening_hours: Option<String>,
    /// When it was founded.
    pub date_founded: Option<Date>,
    /// Whether the site is wheelchair accessible.
    pub wheelchair_accessible: Option<bool>,
    /// The batch size it usually produces.
    pub typical_batch_size: Option<BatchSize>,
    /// Floor area in square metres, zero or more.
    pub floor_size_m2: Option<f64>,
    /// Certifications held, e.g. `ISO 9001`.
    #[graphql(default)]
    pub certifications: Vec<String>,
    /// Has a backup generator.
    pub backup_generator: Option<bool>,
    /// Has an uninterruptible power supply.
    pub uninterrupted_power_supply: Option<bool>,
    /// Reachable by road for deliveries.
    pub road_access: Option<bool>,
    /// Has a loading dock.
    pub loading_dock: Option<bool>,
    /// People working there, zero or more.
    pub headcount: Option<i32>,
    /// Process terms: ids, labels in any language, aliases, Wikipedia URLs, TSDC codes.
    #[graphql(default)]
    pub processes: Vec<String>,
    /// Material terms.
    #[graphql(default)]
    pub materials: Vec<String>,
    /// Its machines, replacing those stored.
    #[graphql(default)]
    pub equipment: Vec<EquipmentInputGql>,
    /// When the record was last checked against the real facility.
    pub date_verified: Option<Timestamp>,
    /// Who checked it.
    pub verified_by: Option<String>,
}

impl FacilityInputGql {
    /// The service's input, with every taxonomy term resolved (unknown ones are errors
    /// naming the field: a mutation should say what it did not understand).
    pub(super) fn into_service(self, ctx: &Context<'_>) -> Result<ServiceInput> {
        let tax = taxonomy(ctx)?;
        let mut input = ServiceInput::named(self.name);
        input.description = self.description;
        input.status = self.facility_status.into();
        input.access_type = self.access_type.map(Into::into);
        let l = self.location;
        input.location = LocationInput {
            street_address: l.street_address,
            locality: l.locality,
            region: l.region,
            postal_code: l.postal_code,
            country: l.country,
            lat: l.lat,
            lon: l.lon,
            directions: l.directions,
        };
        input.contact = ContactInput {
            owner_name: self.owner_name,
            contact_name: self.contact_name,
            email: self.contact_email,
            phone: self.contact_phone,
            website: self.website,
        };
        input.affiliations = self.affiliations;
        input.opening_hours = self.opening_hours;
        input.date_founded = self.date_founded.map(Into::into);
        input.wheelchair_accessible = self.wheelchair_accessible;
        input.typical_batch_size = self.typical_batch_size.map(Into::into);
        input.floor_size_m2 = self.floor_size_m2;
        input.certifications = self.certifications;
        input.backup_generator = self.backup_generator;
        input.uninterrupted_power_supply = self.uninterrupted_power_supply;
        input.road_access = self.road_access;
        input.loading_dock = self.loading_dock;
        input.headcount = self.headcount;
        input.date_verified = self.date_verified.map(Into::into);
        input.verified_by = self.verified_by;
        for (i, term) in self.processes.into_iter().enumerate() {
            let id = process_id(tax, &format!("input.processes[{i}]"), &term)?;
            if !input.processes.iter().any(|p| p.id == id) {
                input.processes.push(TermLink {
                    id,
                    source_term: Some(term),
                });
            }
        }
        for (i, term) in self.materials.into_iter().enumerate() {
            let id = material_id(tax, &format!("input.materials[{i}]"), &term)?;
            if !input.materials.iter().any(|m| m.id == id) {
                input.materials.push(TermLink {
                    id,
                    source_term: Some(term),
                });
            }
        }
        for (i, e) in self.equipment.into_iter().enumerate() {
            let field = format!("input.equipment[{i}]");
            let equipment_type =
                equipment_type_id(tax, &format!("{field}.equipmentType"), &e.equipment_type)?;
            let process = match e.process {
                Some(p) => Some(process_id(tax, &format!("{field}.process"), &p)?),
                None => tax
                    .equipment_type(&equipment_type)
                    .and_then(|t| t.processes.first().cloned()),
            };
            input.equipment.push(EquipmentInput {
                equipment_type,
                process_id: process,
                make: e.make,
                model: e.model,
                serial_number: e.serial_number,
                quantity: e.quantity,
                condition: e.condition,
                notes: e.notes,
                properties: e
                    .properties
                    .into_iter()
                    .map(|p| PropertyInput {
                        key: p.key,
                        number: p.number,
                        text: p.text,
                        unit: p.unit,
                    })
                    .collect(),
            });
        }
        Ok(input)
    }
}
