//! Open Know-Where facility records (OKW v1.0 §4–§9), in JSON or YAML, with the spec's
//! camelCase labels or the snake_case serialisation, one or many per file.

use makermatch_entities::facility::{AccessType, BatchSize, FacilityStatus};
use makermatch_search::Taxonomy;
use makermatch_search::resolve::{Resolution, fold};
use serde_json::Value;

use super::atoms::{self, Atom};
use super::notes::{Note, NoteKind, UNRESOLVED_KEY};
use super::record::{FacilityRecord, Parsed, Position, Record, RecordKind};
use super::values::{self, FieldError, Obj, camel, measurement};
use crate::services::facilities::{
    ContactInput, EquipmentInput, FacilityInput, LocationInput, PropertyInput, TermLink,
};

pub const SOURCE: &str = "okw";

/// Looks like an OKW facility: a name plus any facility-only property.
pub fn looks_like(o: &Obj) -> bool {
    // Helpful Engineering's facility atoms say OKW even where the name is missing (the
    // record is then named after its owner or its file, or refused by field, rather than
    // not recognised).
    o.has(atoms::FACILITY_ONLY)
        || is_maps_of_making_space(o)
        || o.has(&["name", "title"])
            && o.has(&[
                "manufacturingProcesses",
                "equipment",
                "facilityStatus",
                "typicalBatchSize",
                "accessType",
                "location",
                "gpsCoordinates",
                "typicalMaterials",
                "owner",
                "toolListAtoms",
            ])
}

/// A Maps of Making space as Helpful Engineering's Open Hardware Manager holds it: its
/// page on maps.ofmaking.org as `space`, a name and a position.
fn is_maps_of_making_space(o: &Obj) -> bool {
    o.has(&["space"]) && o.has(&["name"]) && o.has(&["lat", "latitude"])
}

/// Refuses a facility whose record gave no name nor an owner to name it after (one of
/// many in its file: the file's name would not tell them apart).
pub fn refuse_unnamed(parsed: &mut Parsed) {
    if let Ok(Record::Facility(f)) = &parsed.outcome
        && f.input.name.trim().is_empty()
    {
        parsed.outcome = Err(unnamed());
    }
}

fn unnamed() -> (String, String) {
    (
        "name".to_owned(),
        "every facility needs a name: add `name` (or `title`) to the record".to_owned(),
    )
}

/// Names a facility whose record, alone in its file, gave no name nor an owner after the
/// file (`RobsArduinoShop.yml`: "Robs Arduino Shop"), and says so.
pub fn name_after_file(parsed: &mut Parsed, file: &str) {
    let Ok(Record::Facility(f)) = &mut parsed.outcome else {
        return;
    };
    if !f.input.name.trim().is_empty() {
        return;
    }
    let stem = std::path::Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('.').next())
        .unwrap_or_default();
    let mut name = String::new();
    let mut previous = ' ';
    for c in stem.chars() {
        let c = if c == '_' || c == '-' { ' ' } else { c };
        if c.is_uppercase() && previous.is_lowercase() {
            name.push(' ');
        }
        name.push(c);
        previous = c;
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        parsed.outcome = Err(unnamed());
        return;
    }
    parsed.notes.push(Note {
        field: "name".to_owned(),
        kind: NoteKind::Changed,
        message: format!("the record has no name nor owner: named after its file, \"{name}\""),
    });
    // An id derived from what identifies the place took the name it did not have.
    if let Some(rest) = f
        .input
        .source_id
        .as_deref()
        .and_then(|s| s.strip_prefix("derived:|"))
    {
        f.input.source_id = Some(format!("derived:{}|{rest}", fold(&name)));
    }
    f.input.name = name;
}

/// Terms resolved against the taxonomy, and the ones kept as free text.
#[derive(Default)]
pub(crate) struct Terms {
    pub processes: Vec<TermLink>,
    pub materials: Vec<TermLink>,
    pub unresolved: Vec<String>,
    /// The unresolved terms that named processes and materials, which exports give back
    /// in those lists.
    unresolved_processes: Vec<String>,
    unresolved_materials: Vec<String>,
}

impl Terms {
    pub fn process(&mut self, taxonomy: &Taxonomy, term: &str) -> Option<String> {
        match taxonomy.resolve_process(term) {
            Some(r) => Some(self.add_process(r.id, term)),
            None => {
                self.keep(term);
                push_new(&mut self.unresolved_processes, term);
                None
            }
        }
    }

    /// The process an atom names by its id, link or description; else its label is kept.
    pub fn process_atom(&mut self, taxonomy: &Taxonomy, atom: &Atom) {
        match atom.resolve(|t| taxonomy.resolve_process(t)) {
            Some((r, term)) => {
                self.add_process(r.id, term);
            }
            None => {
                if let Some(label) = atom.label() {
                    self.keep(label);
                    push_new(&mut self.unresolved_processes, label);
                }
            }
        }
    }

    fn add_process(&mut self, id: String, term: &str) -> String {
        if !self.processes.iter().any(|p| p.id == id) {
            self.processes.push(TermLink {
                id: id.clone(),
                source_term: Some(term.to_owned()),
            });
        }
        id
    }

    pub fn material(&mut self, taxonomy: &Taxonomy, term: &str) {
        match taxonomy.resolve_material(term) {
            Some(r) => self.add_material(r.id, term),
            None => {
                self.keep(term);
                push_new(&mut self.unresolved_materials, term);
            }
        }
    }

    /// The material an atom names by its id, link or description; else its label is kept.
    pub fn material_atom(&mut self, taxonomy: &Taxonomy, atom: &Atom) {
        match atom.resolve(|t| taxonomy.resolve_material(t)) {
            Some((r, term)) => self.add_material(r.id, term),
            None => {
                if let Some(label) = atom.label() {
                    self.keep(label);
                    push_new(&mut self.unresolved_materials, label);
                }
            }
        }
    }

    fn add_material(&mut self, id: String, term: &str) {
        if !self.materials.iter().any(|m| m.id == id) {
            self.materials.push(TermLink {
                id,
                source_term: Some(term.to_owned()),
            });
        }
    }

    fn keep(&mut self, term: &str) {
        push_new(&mut self.unresolved, term);
    }

    /// Where the record's unresolved process and material terms sat, kept with its fields
    /// (under [`UNRESOLVED_KEY`]) so that exports give them back in their lists.
    fn by_field(&self) -> Option<Value> {
        if self.unresolved_processes.is_empty() && self.unresolved_materials.is_empty() {
            return None;
        }
        let mut by_field = serde_json::Map::new();
        for (field, terms) in [
            ("manufacturingProcesses", &self.unresolved_processes),
            ("typicalMaterials", &self.unresolved_materials),
        ] {
            if !terms.is_empty() {
                by_field.insert(field.to_owned(), Value::from(terms.clone()));
            }
        }
        Some(serde_json::json!({ UNRESOLVED_KEY: by_field }))
    }
}

fn push_new(terms: &mut Vec<String>, term: &str) {
    if !terms.iter().any(|t| t == term) {
        terms.push(term.to_owned());
    }
}

pub fn parse(record: &Value, at: Position, taxonomy: &Taxonomy) -> Parsed {
    let mut terms = Terms::default();
    let outcome = facility(record, taxonomy, &mut terms)
        .map(|(input, provenance)| {
            Record::Facility(Box::new(FacilityRecord {
                input,
                exported: provenance.is_some(),
                public_export: provenance.is_some_and(|p| p.public),
            }))
        })
        .map_err(|e| (e.field, e.reason));
    Parsed {
        at,
        kind: RecordKind::Facility,
        outcome,
        unresolved: terms.unresolved,
        notes: Vec::new(),
    }
}

/// The facility a record describes, and the provenance of a record makermatch exported.
fn facility(
    record: &Value,
    taxonomy: &Taxonomy,
    terms: &mut Terms,
) -> Result<(FacilityInput, Option<super::provenance::Provenance>), FieldError> {
    let o = Obj::from(record).ok_or_else(|| FieldError::new("record", "expected an object"))?;
    // Helpful Engineering's records may have none: the owner's name, else (see
    // `name_after_file`) the file's, with a warning either way.
    let name = match o.text(&["name", "title"]) {
        Some(name) => name,
        None => match o
            .obj(&["owner"])
            .and_then(|a| a.text(&["name"]))
            .or_else(|| o.text(&["owner"]))
        {
            Some(owner) => {
                super::notes::changed(
                    "name",
                    format!("the record has no name: named after its owner, \"{owner}\""),
                );
                owner
            }
            None => String::new(),
        },
    };
    let mut input = FacilityInput::named(name.clone());
    input.source = SOURCE.to_owned();
    input.description = o.text(&["description"]);
    if let Some(s) = o.text(&["facilityStatus", "status"]) {
        input.status = match is_maps_of_making_space(&o) && fold(&s) == "confirmed" {
            // The map confirmed the space exists: it is open, as far as anyone knows.
            true => {
                super::notes::changed("status", "\"confirmed\" on Maps of Making read as Active");
                FacilityStatus::Active
            }
            false => status(&s)?,
        };
    }
    if let Some(s) = o.text(&["accessType"]) {
        input.access_type = Some(access_type(&s)?);
    }
    input.location = location(&o)?;
    input.contact = contact(&o);
    input.affiliations = o.texts(&["affiliations", "affiliation"], &["name"]);
    input.opening_hours = o.text(&["openingHours"]);
    input.date_founded = o
        .get(&["dateFounded"])
        .map(|v| values::date("dateFounded", v))
        .transpose()?
        .flatten();
    // Free text in the spec: take yes/no when it says so, else leave unknown, and say so.
    if let Some(v) = o.get(&["wheelchairAccessibility", "wheelchairAccessible"]) {
        input.wheelchair_accessible = values::flag("wheelchairAccessibility", v).ok().flatten();
        if input.wheelchair_accessible.is_none() {
            super::notes::changed(
                "wheelchairAccessibility",
                format!("{v} is not yes or no: not kept"),
            );
        }
    }
    if let Some(s) = o.text(&["typicalBatchSize"]) {
        input.typical_batch_size = Some(batch_size(&s)?);
    }
    input.floor_size_m2 = values::optional_number(&o, "floorSize", &["floorSize", "size"])?;
    input.certifications = o.texts(&["certifications"], &["name", "title"]);
    for (field, names, target) in [
        (
            "backupGenerator",
            &["backupGenerator"][..],
            &mut input.backup_generator,
        ),
        (
            "uninterruptedPowerSupply",
            &["uninterruptedPowerSupply", "ups"][..],
            &mut input.uninterrupted_power_supply,
        ),
        ("roadAccess", &["roadAccess"][..], &mut input.road_access),
        ("loadingDock", &["loadingDock"][..], &mut input.loading_dock),
    ] {
        if let Some(v) = o.get(names) {
            *target = values::flag(field, v)?;
        }
    }
    let headcount = o
        .obj(&["humanCapacity"])
        .and_then(|h| h.get(&["headcount"]))
        .or_else(|| o.get(&["headcount"]));
    if let Some(v) = headcount {
        let n = values::number("humanCapacity.headcount", v)?;
        if n < 0.0 || n.fract() != 0.0 {
            return Err(FieldError::new(
                "humanCapacity.headcount",
                format!("expected a whole number of people, got {n}"),
            ));
        }
        input.headcount = Some(n as i32);
    }
    let process_atoms = match o.has(&["manufacturingProcesses"]) {
        true => Vec::new(),
        false => atoms::processes(&o),
    };
    if process_atoms.is_empty() {
        for term in o.texts(
            &["manufacturingProcesses", "processes"],
            &["identifier", "link", "name"],
        ) {
            terms.process(taxonomy, &term);
        }
    } else {
        for atom in &process_atoms {
            terms.process_atom(taxonomy, atom);
        }
        atoms_read("processes", process_atoms.len(), "manufacturing processes");
    }
    if o.has(&["typicalMaterials", "materials"]) {
        for term in o.texts(
            &["typicalMaterials", "materials"],
            &["materialType", "name"],
        ) {
            terms.material(taxonomy, &term);
        }
    } else {
        for list in atoms::MATERIALS {
            let stock = atoms::read(&o, &[list]);
            for atom in &stock {
                terms.material_atom(taxonomy, atom);
            }
            if !stock.is_empty() {
                atoms_read(list, stock.len(), "typical materials");
            }
        }
    }
    if o.has(&["equipment"]) {
        for (i, item) in o.list(&["equipment"]).into_iter().enumerate() {
            let e = equipment(item, i, taxonomy, terms)?;
            input.equipment.push(e);
        }
    } else {
        let tools = atoms::read(&o, atoms::TOOLS);
        for atom in &tools {
            let resolved = atoms::equipment_type(taxonomy, atom);
            if let Some(label) = atom.label() {
                input
                    .equipment
                    .push(named_equipment(resolved, label, taxonomy, terms));
            }
        }
        if tools.is_empty() {
            // Helpful Engineering's plain tool list: "hammer, saw, screw driver".
            for name in o.texts(&["toolList"], &["name"]) {
                let resolved = taxonomy.resolve_equipment_type(&name);
                input
                    .equipment
                    .push(named_equipment(resolved, &name, taxonomy, terms));
            }
        } else {
            atoms_read("toolListAtoms", tools.len(), "equipment");
        }
    }
    // Record data (§9).
    input.date_verified = o
        .get(&["dateVerified"])
        .map(|v| values::timestamp("dateVerified", v))
        .transpose()?
        .flatten();
    input.verified_by = o.text(&["verifiedBy"]);
    input.date_created = o
        .get(&["dateCreated"])
        .map(|v| values::timestamp("dateCreated", v))
        .transpose()?
        .flatten();
    input.last_updated = o
        .get(&["lastUpdated"])
        .map(|v| values::timestamp("lastUpdated", v))
        .transpose()?
        .flatten();
    let (lat, lon) = (input.location.lat, input.location.lon);
    input.source_id = Some(
        o.text(&["id", "identifier", "facilityId", "@id", "space"])
            .unwrap_or_else(|| {
                // No id: derive one from what identifies the place, so re-imports match.
                format!(
                    "derived:{}|{}|{}",
                    fold(&name),
                    input.location.country.clone().unwrap_or_default(),
                    lat.zip(lon)
                        .map(|(a, b)| format!("{a:.5},{b:.5}"))
                        .unwrap_or_default()
                )
            }),
    );
    // A record makermatch exported keeps the identity it was exported with.
    let provenance = super::provenance::read(o)?;
    if let Some((source, key)) = provenance.as_ref().and_then(|p| p.key()) {
        input.source = source;
        input.source_id = Some(key);
    }
    input.processes = std::mem::take(&mut terms.processes);
    input.materials = std::mem::take(&mut terms.materials);
    input.unresolved_terms = terms.unresolved.clone();
    input.source_fields = terms.by_field();
    Ok((input, provenance))
}

pub(crate) fn status(s: &str) -> Result<FacilityStatus, FieldError> {
    match fold(s).as_str() {
        "active" | "open" | "operational" => Ok(FacilityStatus::Active),
        "planned" => Ok(FacilityStatus::Planned),
        "temporary closure" | "temporarily closed" => Ok(FacilityStatus::TemporaryClosure),
        "closed" | "permanently closed" => Ok(FacilityStatus::Closed),
        _ => Err(FieldError::new(
            "facilityStatus",
            format!("\"{s}\" is not one of Active, Planned, Temporary Closure, Closed"),
        )),
    }
}

pub(crate) fn access_type(s: &str) -> Result<AccessType, FieldError> {
    match fold(s).as_str() {
        "restricted" => Ok(AccessType::Restricted),
        "restricted with public hours" => Ok(AccessType::RestrictedWithPublicHours),
        "shared space" => Ok(AccessType::SharedSpace),
        "public" => Ok(AccessType::Public),
        "membership" => Ok(AccessType::Membership),
        _ => Err(FieldError::new(
            "accessType",
            format!(
                "\"{s}\" is not one of Restricted, Restricted with public hours, Shared space, Public, Membership"
            ),
        )),
    }
}

pub(crate) fn batch_size(s: &str) -> Result<BatchSize, FieldError> {
    let digits: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_digit() || c == '+' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let parts: Vec<&str> = digits.split_whitespace().collect();
    match parts.as_slice() {
        ["0", "50"] => Ok(BatchSize::UpTo50),
        ["50", "500"] => Ok(BatchSize::UpTo500),
        ["500", "5000"] => Ok(BatchSize::UpTo5000),
        ["5000+"] | ["5000", "+"] => Ok(BatchSize::Over5000),
        _ => Err(FieldError::new(
            "typicalBatchSize",
            format!("\"{s}\" is not one of 0-50, 50-500, 500-5000, 5000+ units"),
        )),
    }
}

fn location(o: &Obj) -> Result<LocationInput, FieldError> {
    let loc = o.obj(&["location"]);
    let address = loc
        .and_then(|l| l.obj(&["address"]))
        .or_else(|| o.obj(&["address"]));
    let pick = |names: &[&str]| {
        address
            .and_then(|a| a.text(names))
            .or_else(|| loc.and_then(|l| l.text(names)))
            .or_else(|| o.text(names))
    };
    let street = match (
        pick(&["number", "houseNumber"]),
        pick(&["street", "streetAddress"]),
    ) {
        (Some(n), Some(s)) => Some(format!("{n} {s}")),
        (None, s) => s,
        (n, None) => n,
    };
    let coordinates = loc
        .and_then(|l| l.get(&["gpsCoordinates", "coordinates", "geo", "position"]))
        .or_else(|| o.get(&["gpsCoordinates", "coordinates"]));
    let mut position = match coordinates {
        Some(v) => values::position("location.gpsCoordinates", v)?,
        None => None,
    };
    if position.is_none() {
        let lat = loc
            .and_then(|l| l.get(&["lat", "latitude"]))
            .or_else(|| o.get(&["lat", "latitude"]));
        let lon = loc
            .and_then(|l| l.get(&["lon", "lng", "longitude"]))
            .or_else(|| o.get(&["lon", "lng", "longitude"]));
        match (lat, lon) {
            (Some(a), Some(b)) => {
                let lat = values::number("location.lat", a)?;
                let lon = values::number("location.lon", b)?;
                position = Some(values::check_position("location", lat, lon)?);
            }
            (None, None) => {}
            _ => {
                return Err(FieldError::new(
                    "location",
                    "give both latitude and longitude, or neither",
                ));
            }
        }
    }
    let country =
        pick(&["country", "countryCode"]).map(|c| values::country("location.address.country", c));
    Ok(LocationInput {
        street_address: street,
        locality: pick(&["city", "locality", "town"]),
        region: pick(&["region", "state", "district"]),
        postal_code: pick(&["postcode", "postalCode", "zip", "zipCode"]),
        country,
        lat: position.map(|p| p.0),
        lon: position.map(|p| p.1),
        directions: loc
            .and_then(|l| l.text(&["directions"]))
            .or_else(|| o.text(&["directions"])),
    })
}

fn contact(o: &Obj) -> ContactInput {
    let owner = o.obj(&["owner"]);
    let contact = o.obj(&["contact"]);
    fn details<'a>(agent: Option<Obj<'a>>) -> Option<Obj<'a>> {
        agent.and_then(|a| a.obj(&["contact"]))
    }
    let email = details(contact)
        .and_then(|c| c.text(&["email"]))
        .or_else(|| contact.and_then(|c| c.text(&["email"])))
        .or_else(|| details(owner).and_then(|c| c.text(&["email"])));
    let phone = details(contact)
        .and_then(|c| c.text(&["landline", "mobile", "phone"]))
        .or_else(|| details(owner).and_then(|c| c.text(&["landline", "mobile", "phone"])));
    // Contact written as one text: "Robert L. Read, PhD, read.robert@gmail.com".
    let (text_name, text_email) = match contact {
        Some(_) => (None, None),
        None => o
            .text(&["contact"])
            .map(|t| split_contact(&t))
            .unwrap_or_default(),
    };
    let email = email.or(text_email);
    ContactInput {
        owner_name: owner
            .and_then(|a| a.text(&["name"]))
            .or_else(|| o.text(&["owner"])),
        contact_name: contact
            .and_then(|a| a.text(&["contactPerson", "name"]))
            .or_else(|| owner.and_then(|a| a.text(&["contactPerson"])))
            .or(text_name),
        email,
        phone,
        website: o
            .text(&["website", "url"])
            .or_else(|| owner.and_then(|a| a.text(&["website"])))
            .or_else(|| contact.and_then(|a| a.text(&["website"]))),
    }
}

/// One machine known only by a name (`resolved` when the taxonomy knows it): its process
/// is the type's first.
fn named_equipment(
    resolved: Option<Resolution>,
    name: &str,
    taxonomy: &Taxonomy,
    terms: &mut Terms,
) -> EquipmentInput {
    let process = resolved
        .as_ref()
        .and_then(|r| taxonomy.equipment_type(&r.id))
        .and_then(|e| e.processes.first().cloned());
    if let Some(p) = &process {
        terms.process(taxonomy, p);
    }
    if resolved.is_none() {
        terms.keep(name);
    }
    EquipmentInput {
        equipment_type: resolved
            .map(|r| r.id)
            .unwrap_or_else(|| name.trim().to_owned()),
        process_id: process,
        make: None,
        model: None,
        serial_number: None,
        quantity: 1,
        condition: None,
        notes: None,
        properties: Vec::new(),
    }
}

/// Says that a list of atoms was read into the model (and kept as written).
fn atoms_read(field: &str, n: usize, into: &str) {
    super::notes::changed(
        field,
        format!(
            "{n} atom{} read as {into}; the list is kept as written, ids and links with it",
            if n == 1 { "" } else { "s" }
        ),
    );
}

/// A contact written as one text: the part that is an e-mail address, and the rest as the
/// name. Says so when it splits.
fn split_contact(text: &str) -> (Option<String>, Option<String>) {
    let parts: Vec<&str> = text
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let email = parts
        .iter()
        .find(|p| p.contains('@') && !p.contains(char::is_whitespace))
        .map(|p| (*p).to_owned());
    let Some(email) = email else {
        return (Some(text.trim().to_owned()), None);
    };
    let name = parts
        .iter()
        .filter(|p| **p != email)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    super::notes::changed(
        "contact",
        "one text read as a contact name and an e-mail address",
    );
    ((!name.is_empty()).then_some(name), Some(email))
}

/// Equipment keys that are not technical properties.
const EQUIPMENT_FIELDS: &[&str] = &[
    "equipmenttype",
    "type",
    "manufacturingprocess",
    "process",
    "make",
    "manufacturer",
    "brand",
    "model",
    "serialnumber",
    "location",
    "skillsrequired",
    "condition",
    "notes",
    "owner",
    "quantity",
    "materialsworked",
    "maintenanceschedule",
    "usagelevels",
    "currentfirmware",
    "id",
    "name",
];

fn equipment(
    item: &Value,
    i: usize,
    taxonomy: &Taxonomy,
    terms: &mut Terms,
) -> Result<EquipmentInput, FieldError> {
    let field = |f: &str| format!("equipment[{i}].{f}");
    let o = match item {
        Value::String(s) => {
            // A bare name: "Laser cutter".
            let resolved = taxonomy.resolve_equipment_type(s);
            return Ok(named_equipment(resolved, s, taxonomy, terms));
        }
        _ => Obj::from(item).ok_or_else(|| {
            FieldError::new(format!("equipment[{i}]"), "expected an object or a name")
        })?,
    };
    let type_term = o.text(&["equipmentType", "type", "name"]);
    let process_term = o.text(&["manufacturingProcess", "process"]);
    let resolved_type = type_term
        .as_deref()
        .and_then(|t| taxonomy.resolve_equipment_type(t));
    let mut process_id = process_term
        .as_deref()
        .and_then(|t| terms.process(taxonomy, t));
    if process_id.is_none() {
        process_id = resolved_type
            .as_ref()
            .and_then(|r| taxonomy.equipment_type(&r.id))
            .and_then(|e| e.processes.first().cloned());
        if let Some(p) = process_id.clone() {
            terms.process(taxonomy, &p);
        }
    }
    let equipment_type = match (&resolved_type, &type_term) {
        (Some(r), _) => r.id.clone(),
        (None, Some(t)) => {
            terms.keep(t);
            t.clone()
        }
        (None, None) => match (&process_id, o.text(&["model"])) {
            // Only the process is known: name the machine after it.
            (Some(p), _) => format!("{p} equipment"),
            // Only make and model: the machine catalog types it when the records are written.
            (None, Some(model)) => {
                let named = match o.text(&["make", "manufacturer", "brand"]) {
                    Some(make) => format!("{make} {model}"),
                    None => model,
                };
                terms.keep(&named);
                named
            }
            (None, None) => {
                return Err(FieldError::new(
                    field("equipmentType"),
                    "give the equipment type, the process it performs, or its make and model",
                ));
            }
        },
    };
    let quantity = match o.get(&["quantity"]) {
        None => 1,
        Some(v) => {
            let q = values::number(&field("quantity"), v)?;
            if q < 1.0 || q.fract() != 0.0 || q > 1_000_000.0 {
                return Err(FieldError::new(
                    field("quantity"),
                    format!("expected a whole number of machines, at least 1, got {q}"),
                ));
            }
            q as i32
        }
    };
    for m in o.texts(&["materialsWorked"], &["materialType", "name"]) {
        terms.material(taxonomy, &m);
    }
    let mut properties = Vec::new();
    for (key, value) in o.keys() {
        if EQUIPMENT_FIELDS.contains(&values::norm_key(key).as_str()) {
            continue;
        }
        if matches!(value, Value::Number(_) | Value::String(_) | Value::Bool(_)) {
            // Kept as a typed property.
            super::notes::taken(value);
        }
        let key = camel(key);
        match value {
            Value::Number(n) => {
                if let Some(x) = n.as_f64() {
                    properties.push(PropertyInput {
                        key,
                        number: Some(x),
                        text: None,
                        unit: None,
                    });
                }
            }
            Value::String(s) if s.trim().is_empty() => {}
            Value::String(s) => match measurement(s) {
                Some((numbers, unit)) if numbers.len() == 1 => {
                    properties.push(PropertyInput {
                        key,
                        number: Some(numbers[0]),
                        text: None,
                        unit,
                    });
                }
                Some((numbers, unit)) if numbers.len() <= 3 => {
                    for (axis, x) in ["X", "Y", "Z"].iter().zip(numbers) {
                        properties.push(PropertyInput {
                            key: format!("{key}{axis}"),
                            number: Some(x),
                            text: None,
                            unit: unit.clone(),
                        });
                    }
                }
                _ => properties.push(PropertyInput {
                    key,
                    number: None,
                    text: Some(s.trim().to_owned()),
                    unit: None,
                }),
            },
            Value::Bool(b) => properties.push(PropertyInput {
                key,
                number: None,
                text: Some(b.to_string()),
                unit: None,
            }),
            _ => {}
        }
    }
    properties.sort_by(|a, b| a.key.cmp(&b.key));
    properties.dedup_by(|a, b| a.key == b.key);
    Ok(EquipmentInput {
        equipment_type,
        process_id,
        make: o.text(&["make", "manufacturer", "brand"]),
        model: o.text(&["model"]),
        serial_number: o.text(&["serialNumber"]),
        quantity,
        condition: o.text(&["condition"]),
        notes: o.text(&["notes"]),
        properties,
    })
}
