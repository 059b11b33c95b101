//! Facilities out: with their processes (as English Wikipedia URLs where the taxonomy
//! has one, else canonical ids), materials and equipment with its typed properties.

use std::collections::HashMap;
use std::io::Write;

use makermatch_entities::facility::{AccessType, BatchSize, FacilityStatus};
use makermatch_entities::{
    equipment, equipment_property, facility, facility_material, facility_process, material, process,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::source_fields::as_given;
use super::{ExportFormat, ExportOptions, JsonStream, PAGE, feature, io};
use crate::error::AppError;
use crate::import::notes::UNRESOLVED_KEY;
use crate::import::{provenance, values};

struct Links {
    processes: HashMap<Uuid, Vec<String>>,
    materials: HashMap<Uuid, Vec<String>>,
    equipment: HashMap<Uuid, Vec<(equipment::Model, Vec<equipment_property::Model>)>>,
}

async fn links<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    wiki: &HashMap<String, String>,
    material_wiki: &HashMap<String, String>,
) -> Result<Links, AppError> {
    let mut processes: HashMap<Uuid, Vec<String>> = HashMap::new();
    for l in facility_process::Entity::find()
        .filter(facility_process::Column::FacilityId.is_in(ids.to_vec()))
        .order_by_asc(facility_process::Column::ProcessId)
        .all(db)
        .await?
    {
        let term = wiki.get(&l.process_id).cloned().unwrap_or(l.process_id);
        processes.entry(l.facility_id).or_default().push(term);
    }
    let mut materials: HashMap<Uuid, Vec<String>> = HashMap::new();
    for l in facility_material::Entity::find()
        .filter(facility_material::Column::FacilityId.is_in(ids.to_vec()))
        .order_by_asc(facility_material::Column::MaterialId)
        .all(db)
        .await?
    {
        let term = material_wiki
            .get(&l.material_id)
            .cloned()
            .unwrap_or(l.material_id);
        materials.entry(l.facility_id).or_default().push(term);
    }
    let machines = equipment::Entity::find()
        .filter(equipment::Column::FacilityId.is_in(ids.to_vec()))
        .order_by_asc(equipment::Column::EquipmentType)
        .order_by_asc(equipment::Column::Id)
        .all(db)
        .await?;
    let machine_ids: Vec<Uuid> = machines.iter().map(|m| m.id).collect();
    let mut properties: HashMap<Uuid, Vec<equipment_property::Model>> = HashMap::new();
    for chunk in machine_ids.chunks(1000) {
        for p in equipment_property::Entity::find()
            .filter(equipment_property::Column::EquipmentId.is_in(chunk.to_vec()))
            .order_by_asc(equipment_property::Column::Key)
            .all(db)
            .await?
        {
            properties.entry(p.equipment_id).or_default().push(p);
        }
    }
    let mut equipment: HashMap<Uuid, Vec<_>> = HashMap::new();
    for m in machines {
        let props = properties.remove(&m.id).unwrap_or_default();
        equipment.entry(m.facility_id).or_default().push((m, props));
    }
    Ok(Links {
        processes,
        materials,
        equipment,
    })
}

fn status(s: FacilityStatus) -> &'static str {
    match s {
        FacilityStatus::Active => "Active",
        FacilityStatus::Planned => "Planned",
        FacilityStatus::TemporaryClosure => "Temporary Closure",
        FacilityStatus::Closed => "Closed",
    }
}

fn access(a: AccessType) -> &'static str {
    match a {
        AccessType::Restricted => "Restricted",
        AccessType::RestrictedWithPublicHours => "Restricted with public hours",
        AccessType::SharedSpace => "Shared space",
        AccessType::Public => "Public",
        AccessType::Membership => "Membership",
    }
}

fn batch(b: BatchSize) -> &'static str {
    match b {
        BatchSize::UpTo50 => "0 -- 50 units",
        BatchSize::UpTo500 => "50 -- 500 units",
        BatchSize::UpTo5000 => "500 -- 5000 units",
        BatchSize::Over5000 => "5000 + units",
    }
}

/// One facility as an OKW record (the spec's labels in camelCase).
fn okw(f: &facility::Model, links: &Links, private: bool) -> Value {
    let mut o = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() && v != json!([]) {
            o.insert(k.to_owned(), v);
        }
    };
    put(
        "id",
        json!(provenance::standard_id(f.id, f.source_id.as_deref())),
    );
    put("name", json!(f.name));
    put("description", json!(f.description));
    put("facilityStatus", json!(status(f.status)));
    put("accessType", json!(f.access_type.map(access)));
    let address = json!({
        "street": f.street_address, "city": f.locality, "region": f.region,
        "postcode": f.postal_code, "country": f.country,
    });
    let gps = f.lat.zip(f.lon).map(|(lat, lon)| format!("{lat}, {lon}"));
    put(
        "location",
        json!({ "address": address, "gpsCoordinates": gps, "directions": f.directions }),
    );
    let mut contact = json!({ "contactPerson": f.contact_name, "website": f.website });
    if private {
        contact["contact"] = json!({ "email": f.contact_email, "landline": f.contact_phone });
    }
    put(
        "owner",
        json!(f.owner_name.as_ref().map(|n| json!({ "name": n }))),
    );
    put("contact", contact);
    put("affiliations", f.affiliations.clone());
    put("openingHours", json!(f.opening_hours));
    let kept = f.source_fields.as_ref();
    put(
        "dateFounded",
        as_given(kept, "dateFounded", json!(f.date_founded), |v| {
            values::date("", v).ok().flatten() == f.date_founded
        }),
    );
    put(
        "wheelchairAccessibility",
        json!(
            f.wheelchair_accessible
                .map(|w| if w { "Yes" } else { "No" })
        ),
    );
    for (field, linked) in [
        ("manufacturingProcesses", &links.processes),
        ("typicalMaterials", &links.materials),
    ] {
        let mut terms = linked.get(&f.id).cloned().unwrap_or_default();
        terms.extend(unresolved(f, field));
        put(field, json!(terms));
    }
    let equipment: Vec<Value> = links
        .equipment
        .get(&f.id)
        .map(|list| {
            list.iter()
                .map(|(e, props)| {
                    let mut item = json!({
                        "equipmentType": e.equipment_type, "manufacturingProcess": e.process_id,
                        "make": e.make, "model": e.model, "serialNumber": e.serial_number,
                        "quantity": e.quantity, "condition": e.condition, "notes": e.notes,
                    });
                    for p in props {
                        item[&p.key] = match (&p.number_value, &p.unit, &p.text_value) {
                            (Some(n), Some(u), _) => json!(format!("{n} {u}")),
                            (Some(n), None, _) => json!(n),
                            (None, _, t) => json!(t),
                        };
                    }
                    if let Some(map) = item.as_object_mut() {
                        map.retain(|_, v| !v.is_null());
                    }
                    item
                })
                .collect()
        })
        .unwrap_or_default();
    put("equipment", json!(equipment));
    put("typicalBatchSize", json!(f.typical_batch_size.map(batch)));
    put("floorSize", json!(f.floor_size_m2));
    put("certifications", f.certifications.clone());
    put("backupGenerator", json!(f.backup_generator));
    put(
        "uninterruptedPowerSupply",
        json!(f.uninterrupted_power_supply),
    );
    put("roadAccess", json!(f.road_access));
    put("loadingDock", json!(f.loading_dock));
    put(
        "humanCapacity",
        json!(f.headcount.map(|h| json!({ "headcount": h }))),
    );
    let moment = |key: &str, at: Option<chrono::DateTime<chrono::Utc>>| {
        as_given(kept, key, json!(at), |v| {
            values::timestamp("", v).ok().flatten() == at
        })
    };
    put("dateCreated", moment("dateCreated", Some(f.date_created)));
    put("lastUpdated", moment("lastUpdated", Some(f.last_updated)));
    put("dateVerified", moment("dateVerified", f.date_verified));
    put("verifiedBy", json!(f.verified_by));
    put(
        provenance::KEY,
        provenance::write(f.id, &f.source, f.source_id.as_deref(), private),
    );
    let mut record = Value::Object(o);
    // Contact details are for staff, wherever the source put them.
    let withheld: &[&str] = if private {
        &[]
    } else {
        super::source_fields::CONTACT_KEYS
    };
    super::source_fields::give_back(&mut record, f.source_fields.as_ref(), withheld);
    record
}

/// The terms the taxonomy did not know that the source gave under `field`, while the
/// facility still holds them as free text.
fn unresolved(f: &facility::Model, field: &str) -> Vec<String> {
    let held: Vec<&str> = f
        .unresolved_terms
        .as_array()
        .map(|terms| terms.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    f.source_fields
        .as_ref()
        .and_then(|kept| kept.get(UNRESOLVED_KEY))
        .and_then(|by_field| by_field.get(field))
        .and_then(Value::as_array)
        .map(|terms| {
            terms
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| held.contains(t))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

const CSV_HEADER: &[&str] = &[
    "id",
    "name",
    "status",
    "access_type",
    "country",
    "region",
    "locality",
    "lat",
    "lon",
    "processes",
    "materials",
    "equipment",
    "typical_batch_size",
    "website",
    "contact_email",
    "date_verified",
];

/// Processes and materials by id → their English Wikipedia URL, where the taxonomy has one.
async fn wikipedia_urls<C: ConnectionTrait>(
    db: &C,
) -> Result<(HashMap<String, String>, HashMap<String, String>), AppError> {
    let url = |w: String| format!("https://en.wikipedia.org/wiki/{w}");
    let processes = process::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| p.wikipedia.map(|w| (p.id, url(w))))
        .collect();
    let materials = material::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| m.wikipedia.map(|w| (m.id, url(w))))
        .collect();
    Ok((processes, materials))
}

/// The facilities of `ids` as an OKW export renders them now (`private`: with contact
/// details), by id.
pub(crate) async fn okw_records<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    private: bool,
) -> Result<HashMap<Uuid, Value>, AppError> {
    let (wiki, material_wiki) = wikipedia_urls(db).await?;
    let mut out = HashMap::new();
    for chunk in ids.chunks(PAGE as usize) {
        let page = facility::Entity::find()
            .filter(facility::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        let links = links(db, chunk, &wiki, &material_wiki).await?;
        for f in &page {
            out.insert(f.id, okw(f, &links, private));
        }
    }
    Ok(out)
}

pub async fn export(
    db: &DatabaseConnection,
    options: &ExportOptions,
    out: &mut impl Write,
) -> Result<u64, AppError> {
    let contacts = options.visibility.staff_field("contact").is_ok();
    let (wiki, material_wiki) = wikipedia_urls(db).await?;
    let mut stream = match options.format {
        ExportFormat::Csv => None,
        f => Some(JsonStream::start(out, f == ExportFormat::Geojson)?),
    };
    let mut csv = csv::Writer::from_writer(Vec::new());
    if options.format == ExportFormat::Csv {
        csv.write_record(CSV_HEADER).map_err(io)?;
    }
    let mut count = 0u64;
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = facility::Entity::find()
            .order_by_asc(facility::Column::Id)
            .limit(PAGE);
        if let Some(a) = after {
            query = query.filter(facility::Column::Id.gt(a));
        }
        let page = query.all(db).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let ids: Vec<Uuid> = page.iter().map(|f| f.id).collect();
        let links = links(db, &ids, &wiki, &material_wiki).await?;
        for f in &page {
            count += 1;
            match (&mut stream, options.format) {
                (Some(s), ExportFormat::Geojson) => {
                    let mut props = okw(f, &links, contacts);
                    if let Some(map) = props.as_object_mut() {
                        map.remove("id");
                    }
                    s.item(out, &feature(f.id.to_string(), f.lat.zip(f.lon), props))?;
                }
                (Some(s), _) => s.item(out, &okw(f, &links, contacts))?,
                (None, _) => {
                    let join =
                        |v: Option<&Vec<String>>| v.map(|l| l.join("; ")).unwrap_or_default();
                    let machines = links
                        .equipment
                        .get(&f.id)
                        .map(|l| {
                            l.iter()
                                .map(|(e, _)| format!("{} x{}", e.equipment_type, e.quantity))
                                .collect::<Vec<_>>()
                                .join("; ")
                        })
                        .unwrap_or_default();
                    csv.write_record([
                        f.id.to_string(),
                        f.name.clone(),
                        status(f.status).to_owned(),
                        f.access_type.map(access).unwrap_or_default().to_owned(),
                        f.country.clone().unwrap_or_default(),
                        f.region.clone().unwrap_or_default(),
                        f.locality.clone().unwrap_or_default(),
                        f.lat.map(|v| v.to_string()).unwrap_or_default(),
                        f.lon.map(|v| v.to_string()).unwrap_or_default(),
                        join(links.processes.get(&f.id)),
                        join(links.materials.get(&f.id)),
                        machines,
                        f.typical_batch_size
                            .map(batch)
                            .unwrap_or_default()
                            .to_owned(),
                        f.website.clone().unwrap_or_default(),
                        if contacts {
                            f.contact_email.clone().unwrap_or_default()
                        } else {
                            String::new()
                        },
                        f.date_verified.map(|d| d.to_rfc3339()).unwrap_or_default(),
                    ])
                    .map_err(io)?;
                }
            }
        }
        if options.format == ExportFormat::Csv {
            let bytes = std::mem::replace(&mut csv, csv::Writer::from_writer(Vec::new()))
                .into_inner()
                .map_err(io)?;
            out.write_all(&bytes).map_err(io)?;
        }
    }
    if let Some(s) = stream {
        s.finish(out)?;
    }
    Ok(count)
}
