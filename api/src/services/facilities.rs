//! Writes of facilities, with their equipment, processes and materials.

mod batch;

pub use batch::write_batch;

use chrono::{DateTime, NaiveDate, Utc};
use makermatch_entities::facility::{AccessType, BatchSize, FacilityStatus};
use makermatch_entities::outbox::{IndexedKind, OutboxOp};
use makermatch_entities::{
    equipment, equipment_property, facility, facility_material, facility_process,
    machine_clearance, maker_affiliation,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::values::{Email, Phone, WebUrl};
use super::{ServiceError, ServiceResult, Written, outbox, validate};
use crate::db::begin_write;

#[derive(Debug, Clone, Default)]
pub struct LocationInput {
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub directions: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub owner_name: Option<String>,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

/// A process or material the facility offers, with the term the source used.
#[derive(Debug, Clone, PartialEq)]
pub struct TermLink {
    pub id: String,
    pub source_term: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PropertyInput {
    pub key: String,
    pub number: Option<f64>,
    pub text: Option<String>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EquipmentInput {
    pub equipment_type: String,
    pub process_id: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub quantity: i32,
    pub condition: Option<String>,
    pub notes: Option<String>,
    pub properties: Vec<PropertyInput>,
}

#[derive(Debug, Clone)]
pub struct FacilityInput {
    pub name: String,
    pub description: Option<String>,
    pub status: FacilityStatus,
    pub access_type: Option<AccessType>,
    pub location: LocationInput,
    pub contact: ContactInput,
    pub affiliations: Vec<String>,
    pub opening_hours: Option<String>,
    pub date_founded: Option<NaiveDate>,
    pub wheelchair_accessible: Option<bool>,
    pub typical_batch_size: Option<BatchSize>,
    pub floor_size_m2: Option<f64>,
    pub certifications: Vec<String>,
    pub backup_generator: Option<bool>,
    pub uninterrupted_power_supply: Option<bool>,
    pub road_access: Option<bool>,
    pub loading_dock: Option<bool>,
    pub headcount: Option<i32>,
    pub on_probation: bool,
    pub processes: Vec<TermLink>,
    pub materials: Vec<TermLink>,
    pub unresolved_terms: Vec<String>,
    pub equipment: Vec<EquipmentInput>,
    pub date_verified: Option<DateTime<Utc>>,
    pub verified_by: Option<String>,
    /// When the source says the record was made and last changed (OKW §9); none: when
    /// makermatch first wrote it, and now.
    pub date_created: Option<DateTime<Utc>>,
    pub last_updated: Option<DateTime<Utc>>,
    pub source: String,
    pub source_id: Option<String>,
    /// Fields of an imported record the model has no column for, as the source wrote
    /// them (a sparse copy of it); `None` keeps those already stored (a write through
    /// the API), an empty object clears them.
    pub source_fields: Option<serde_json::Value>,
}

/// The text of an optional field, trimmed; blank is none.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl FacilityInput {
    /// A facility with a name and nothing else: OKW makes almost nothing mandatory.
    pub fn named(name: impl Into<String>) -> FacilityInput {
        FacilityInput {
            name: name.into(),
            description: None,
            status: FacilityStatus::Active,
            access_type: None,
            location: LocationInput::default(),
            contact: ContactInput::default(),
            affiliations: Vec::new(),
            opening_hours: None,
            date_founded: None,
            wheelchair_accessible: None,
            typical_batch_size: None,
            floor_size_m2: None,
            certifications: Vec::new(),
            backup_generator: None,
            uninterrupted_power_supply: None,
            road_access: None,
            loading_dock: None,
            headcount: None,
            on_probation: false,
            processes: Vec::new(),
            materials: Vec::new(),
            unresolved_terms: Vec::new(),
            equipment: Vec::new(),
            date_verified: None,
            verified_by: None,
            date_created: None,
            last_updated: None,
            source: crate::services::makers::NATIVE_SOURCE.to_owned(),
            source_id: None,
            source_fields: None,
        }
    }

    /// Checks the input and returns the row to write (without id and timestamps).
    pub(crate) fn to_row(&self, id: Uuid, now: DateTime<Utc>) -> ServiceResult<facility::Model> {
        let name = validate::non_empty("name", &self.name)?;
        super::values::optional_position("location", self.location.lat, self.location.lon)?;
        let country = validate::country("location.country", self.location.country.as_deref())?;
        validate::non_negative_f64("floorSize", self.floor_size_m2)?;
        let contact_email = text(&self.contact.email)
            .map(|e| Email::parse("contactEmail", e).map(Email::into_inner))
            .transpose()?;
        let contact_phone = text(&self.contact.phone)
            .map(|p| Phone::parse("contactPhone", p).map(Phone::into_inner))
            .transpose()?;
        let website = text(&self.contact.website)
            .map(|w| WebUrl::parse("website", w).map(WebUrl::into_inner))
            .transpose()?;
        if let Some(h) = self.headcount
            && h < 0
        {
            return Err(ServiceError::invalid(
                "headcount",
                format!("must be zero or more, got {h}"),
            ));
        }
        for (i, e) in self.equipment.iter().enumerate() {
            validate::non_empty(&format!("equipment[{i}].equipmentType"), &e.equipment_type)?;
            validate::positive(&format!("equipment[{i}].quantity"), i64::from(e.quantity))?;
            let mut keys = std::collections::HashSet::new();
            for (j, p) in e.properties.iter().enumerate() {
                let field = format!("equipment[{i}].properties[{j}]");
                validate::non_empty(&format!("{field}.key"), &p.key)?;
                if p.number.is_none() && p.text.is_none() {
                    return Err(ServiceError::invalid(
                        field,
                        "give a number or a text value",
                    ));
                }
                if p.number.is_some_and(|n| !n.is_finite()) {
                    return Err(ServiceError::invalid(field, "the number must be finite"));
                }
                if !keys.insert(p.key.as_str()) {
                    return Err(ServiceError::invalid(
                        field,
                        format!("property `{}` is given twice", p.key),
                    ));
                }
            }
        }
        Ok(facility::Model {
            id,
            name,
            description: self.description.clone(),
            status: self.status,
            access_type: self.access_type,
            street_address: self.location.street_address.clone(),
            locality: self.location.locality.clone(),
            region: self.location.region.clone(),
            postal_code: self.location.postal_code.clone(),
            country,
            lat: self.location.lat,
            lon: self.location.lon,
            directions: self.location.directions.clone(),
            owner_name: self.contact.owner_name.clone(),
            contact_name: self.contact.contact_name.clone(),
            contact_email,
            contact_phone,
            website,
            affiliations: json!(self.affiliations),
            opening_hours: self.opening_hours.clone(),
            date_founded: self.date_founded,
            wheelchair_accessible: self.wheelchair_accessible,
            typical_batch_size: self.typical_batch_size,
            floor_size_m2: self.floor_size_m2,
            certifications: json!(self.certifications),
            backup_generator: self.backup_generator,
            uninterrupted_power_supply: self.uninterrupted_power_supply,
            road_access: self.road_access,
            loading_dock: self.loading_dock,
            headcount: self.headcount,
            on_probation: self.on_probation,
            unresolved_terms: json!(self.unresolved_terms),
            date_created: self.date_created.unwrap_or(now),
            last_updated: self.last_updated.unwrap_or(now),
            date_verified: self.date_verified,
            verified_by: self.verified_by.clone(),
            source: self.source.clone(),
            source_id: self.source_id.clone(),
            source_hash: None,
            source_fields: self
                .source_fields
                .clone()
                .filter(|v| v.as_object().is_some_and(|fields| !fields.is_empty())),
        })
    }

    /// The child rows: process and material links, equipment and its properties.
    pub(crate) fn child_rows(
        &self,
        facility_id: Uuid,
        new_id: &mut impl FnMut() -> Uuid,
    ) -> FacilityChildren {
        let mut children = FacilityChildren::default();
        let mut seen = std::collections::HashSet::new();
        for link in &self.processes {
            if seen.insert(link.id.clone()) {
                children.processes.push(facility_process::Model {
                    facility_id,
                    process_id: link.id.clone(),
                    source_term: link.source_term.clone(),
                });
            }
        }
        seen.clear();
        for link in &self.materials {
            if seen.insert(link.id.clone()) {
                children.materials.push(facility_material::Model {
                    facility_id,
                    material_id: link.id.clone(),
                    source_term: link.source_term.clone(),
                });
            }
        }
        for e in &self.equipment {
            let equipment_id = new_id();
            children.equipment.push(equipment::Model {
                id: equipment_id,
                facility_id,
                equipment_type: e.equipment_type.trim().to_owned(),
                process_id: e.process_id.clone(),
                make: e.make.clone(),
                model: e.model.clone(),
                serial_number: e.serial_number.clone(),
                quantity: e.quantity,
                condition: e.condition.clone(),
                notes: e.notes.clone(),
            });
            for p in &e.properties {
                children.properties.push(equipment_property::Model {
                    equipment_id,
                    key: p.key.trim().to_owned(),
                    number_value: p.number,
                    text_value: p.text.clone(),
                    unit: p.unit.clone(),
                });
            }
        }
        children
    }
}

/// Rows that hang off a facility, ready for batched inserts.
#[derive(Debug, Default)]
pub(crate) struct FacilityChildren {
    pub processes: Vec<facility_process::Model>,
    pub materials: Vec<facility_material::Model>,
    pub equipment: Vec<equipment::Model>,
    pub properties: Vec<equipment_property::Model>,
}

impl FacilityChildren {
    pub fn append(&mut self, other: FacilityChildren) {
        self.processes.extend(other.processes);
        self.materials.extend(other.materials);
        self.equipment.extend(other.equipment);
        self.properties.extend(other.properties);
    }

    /// Inserts everything in batches sized for SQLite's bound-parameter limit.
    pub async fn insert<C: crate::db::InsertSink>(self, tx: &C) -> Result<(), sea_orm::DbErr> {
        super::bulk::insert_models::<facility_process::Entity, _>(tx, self.processes, 3).await?;
        super::bulk::insert_models::<facility_material::Entity, _>(tx, self.materials, 3).await?;
        super::bulk::insert_models::<equipment::Entity, _>(tx, self.equipment, 10).await?;
        super::bulk::insert_models::<equipment_property::Entity, _>(tx, self.properties, 5).await?;
        Ok(())
    }

    /// The one way facilities' children change: drops those of `replaced`, then inserts
    /// these rows (which may hold new facilities' children too). Equipment goes whole, and
    /// the clearances on it with it (cascade): read [`linked_makers`] first, to re-index them.
    pub async fn replace<C: crate::db::InsertSink>(
        self,
        tx: &C,
        replaced: &[Uuid],
    ) -> Result<(), sea_orm::DbErr> {
        for chunk in replaced.chunks(500) {
            facility_process::Entity::delete_many()
                .filter(facility_process::Column::FacilityId.is_in(chunk.iter().copied()))
                .exec(tx)
                .await?;
            facility_material::Entity::delete_many()
                .filter(facility_material::Column::FacilityId.is_in(chunk.iter().copied()))
                .exec(tx)
                .await?;
            equipment::Entity::delete_many()
                .filter(equipment::Column::FacilityId.is_in(chunk.iter().copied()))
                .exec(tx)
                .await?;
        }
        self.insert(tx).await
    }
}

async fn check_links(
    tx: &impl sea_orm::ConnectionTrait,
    input: &FacilityInput,
) -> ServiceResult<()> {
    use makermatch_entities::{material, process};
    for (i, link) in input.processes.iter().enumerate() {
        if process::Entity::find_by_id(link.id.clone())
            .one(tx)
            .await?
            .is_none()
        {
            return Err(ServiceError::invalid(
                format!("processes[{i}]"),
                format!(
                    "`{}` is not a process of the taxonomy; see the processes query for known ids",
                    link.id
                ),
            ));
        }
    }
    for (i, link) in input.materials.iter().enumerate() {
        if material::Entity::find_by_id(link.id.clone())
            .one(tx)
            .await?
            .is_none()
        {
            return Err(ServiceError::invalid(
                format!("materials[{i}]"),
                format!("`{}` is not a material of the taxonomy", link.id),
            ));
        }
    }
    for (i, e) in input.equipment.iter().enumerate() {
        if let Some(p) = &e.process_id
            && process::Entity::find_by_id(p.clone())
                .one(tx)
                .await?
                .is_none()
        {
            return Err(ServiceError::invalid(
                format!("equipment[{i}].process"),
                format!("`{p}` is not a process of the taxonomy"),
            ));
        }
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    input: FacilityInput,
) -> ServiceResult<Written<facility::Model>> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let row = input.to_row(id, now)?;
    let tx = begin_write(db).await?;
    check_links(&tx, &input).await?;
    let model = facility::ActiveModel::from(row.clone()).insert(&tx).await?;
    input.child_rows(id, &mut Uuid::now_v7).insert(&tx).await?;
    let seq = outbox::record(&tx, IndexedKind::Facility, id, OutboxOp::Upsert).await?;
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

/// Replaces a facility's fields and children (equipment, processes, materials).
pub async fn replace(
    db: &DatabaseConnection,
    id: Uuid,
    input: FacilityInput,
) -> ServiceResult<Written<facility::Model>> {
    let now = Utc::now();
    let mut row = input.to_row(id, now)?;
    let tx = begin_write(db).await?;
    let existing = facility::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "facility",
            id: id.to_string(),
        })?;
    check_links(&tx, &input).await?;
    let cleared = linked_makers(&tx, &[id], Links::Clearances).await?;
    row.date_created = existing.date_created;
    if input.source_fields.is_none() {
        row.source_fields = existing.source_fields;
    }
    let mut active = facility::ActiveModel::from(row);
    active.id = sea_orm::ActiveValue::Unchanged(id);
    let model = active.reset_all().update(&tx).await?;
    input
        .child_rows(id, &mut Uuid::now_v7)
        .replace(&tx, &[id])
        .await?;
    let seq = outbox::record(&tx, IndexedKind::Facility, id, OutboxOp::Upsert).await?;
    let seq = outbox::reindex_makers(&tx, cleared).await?.unwrap_or(seq);
    tx.commit().await?;
    Ok(Written {
        value: model,
        outbox_seq: seq,
    })
}

pub async fn delete(db: &DatabaseConnection, id: Uuid) -> ServiceResult<Written<Uuid>> {
    let tx = begin_write(db).await?;
    let linked = linked_makers(&tx, &[id], Links::All).await?;
    let result = facility::Entity::delete_by_id(id)
        .exec(&tx)
        .await
        .map_err(|e| {
            if crate::db::is_foreign_key_violation(&e) {
                ServiceError::Conflict(format!(
                    "facility {id} still has assignments; cancel or complete them before deleting it"
                ))
            } else {
                ServiceError::Database(e)
            }
        })?;
    if result.rows_affected == 0 {
        return Err(ServiceError::NotFound {
            kind: "facility",
            id: id.to_string(),
        });
    }
    let seq = outbox::record(&tx, IndexedKind::Facility, id, OutboxOp::Delete).await?;
    let seq = outbox::reindex_makers(&tx, linked).await?.unwrap_or(seq);
    tx.commit().await?;
    Ok(Written {
        value: id,
        outbox_seq: seq,
    })
}

/// Which of makers' links to a facility a write drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Links {
    /// Replacing its equipment drops the clearances on it (cascade).
    Clearances,
    /// Deleting it drops affiliations too.
    All,
}

/// The makers holding `links` to any of `facilities`, each once. A maker's search
/// document carries its links, so whoever drops them must re-index these makers: read them
/// before the rows go.
pub(crate) async fn linked_makers<C: ConnectionTrait>(
    tx: &C,
    facilities: &[Uuid],
    links: Links,
) -> Result<Vec<Uuid>, DbErr> {
    let mut makers = Vec::new();
    for chunk in facilities.chunks(500) {
        let cleared: Vec<Uuid> = machine_clearance::Entity::find()
            .select_only()
            .column(machine_clearance::Column::MakerId)
            .distinct()
            .filter(machine_clearance::Column::FacilityId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(tx)
            .await?;
        makers.extend(cleared);
        if links == Links::All {
            let affiliated: Vec<Uuid> = maker_affiliation::Entity::find()
                .select_only()
                .column(maker_affiliation::Column::MakerId)
                .distinct()
                .filter(maker_affiliation::Column::FacilityId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(tx)
                .await?;
            makers.extend(affiliated);
        }
    }
    makers.sort_unstable();
    makers.dedup();
    Ok(makers)
}

/// The facilities whose source gave them these ids: source id → facility id (where two
/// sources used the same id, either).
pub async fn ids_by_source_id<C: ConnectionTrait>(
    db: &C,
    source_ids: Vec<String>,
) -> ServiceResult<std::collections::HashMap<String, Uuid>> {
    let mut out = std::collections::HashMap::new();
    for chunk in source_ids.chunks(500) {
        let rows: Vec<(Uuid, Option<String>)> = facility::Entity::find()
            .select_only()
            .column(facility::Column::Id)
            .column(facility::Column::SourceId)
            .filter(facility::Column::SourceId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, source_id) in rows {
            if let Some(source_id) = source_id {
                out.entry(source_id).or_insert(id);
            }
        }
    }
    Ok(out)
}
