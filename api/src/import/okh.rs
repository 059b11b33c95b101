//! Open Know-How manifests (v1 YAML/JSON and OKH-LOSH TOML) into production jobs: the
//! design reference and its requirements (processes, TsDC codes included; materials;
//! tools). A manifest says what to make, not how many: the job is a DRAFT of one unit
//! that programme staff complete.

use makermatch_entities::job::JobStatus;
use makermatch_entities::job_requirement::RequirementKind;
use makermatch_search::Taxonomy;
use makermatch_search::matching::TermResolution;
use makermatch_search::resolve::fold;
use serde_json::Value;

use super::inference;
use super::notes::{Note, NoteKind};
use super::record::{Parsed, Position, Record, RecordKind};
use super::values::{self, FieldError, Obj};
use crate::services::jobs::{JobInput, RequirementInput};

pub const SOURCE: &str = "okh";

pub fn looks_like(o: &Obj) -> bool {
    // `manufacturingProcesses` is in OKW too; a manifest is told by a version or a field
    // only OKH has, a facility by a field only OKW has (its location above all).
    let facility = o.has(&[
        "facilityStatus",
        "equipment",
        "gpsCoordinates",
        "location",
        "typicalMaterials",
        "typicalBatchSize",
        "accessType",
        "owner",
    ]) || o.has(super::atoms::FACILITY_ONLY);
    o.has(&["okhv", "okhManifestVersion", "okh-manifest-version"])
        || (o.has(&["title", "name"])
            && !facility
            && o.has(&[
                "manufacturingProcesses",
                "toolList",
                "makingInstructions",
                "bomAtoms",
                "designFiles",
                "tsdc",
                "part",
            ]))
}

/// A template's stand-in for a value (`[text]`, `[url-or-path]`, `<name>`), not a value.
fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    let inner = t
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .or_else(|| t.strip_prefix('<').and_then(|r| r.strip_suffix('>')));
    inner.is_some_and(|i| {
        !i.is_empty()
            && i.chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_' || c == ' ')
    })
}

pub fn parse(record: &Value, at: Position, taxonomy: &Taxonomy) -> Parsed {
    let mut unresolved = Vec::new();
    let mut notes = Vec::new();
    let outcome = job(record, taxonomy, &mut unresolved, &mut notes)
        .map(|j| Record::Job(Box::new(j)))
        .map_err(|e| (e.field, e.reason));
    Parsed {
        at,
        kind: RecordKind::Job,
        outcome,
        unresolved,
        notes,
    }
}

fn job(
    record: &Value,
    taxonomy: &Taxonomy,
    unresolved: &mut Vec<String>,
    noted: &mut Vec<Note>,
) -> Result<JobInput, FieldError> {
    let o = Obj::from(record).ok_or_else(|| FieldError::new("manifest", "expected a mapping"))?;
    let title = o.text(&["title", "name"]).ok_or_else(|| {
        FieldError::new("title", "an OKH manifest needs a title (v1) or name (LOSH)")
    })?;
    if is_placeholder(&title) {
        return Err(FieldError::new(
            "title",
            format!(
                "`{title}` is a template placeholder: this is the OKH template, not a manifest; \
                 fill in its fields before importing it"
            ),
        ));
    }
    let quantity = match o.get(&["quantity"]) {
        Some(v) => {
            let q = values::number("quantity", v)?;
            if q < 1.0 || q.fract() != 0.0 {
                return Err(FieldError::new(
                    "quantity",
                    format!("expected a whole number of units, at least 1, got {q}"),
                ));
            }
            q as i32
        }
        None => 1,
    };
    let mut input = JobInput::new(title.clone(), quantity);
    input.status = JobStatus::Draft;
    input.description = o.text(&["description", "function", "intendedUse"]);
    input.design_ref = o.text(&["projectLink", "repo", "documentationHome", "release"]);
    input.design_manifest = Some(record.clone());
    input.source = Some(SOURCE.to_owned());
    input.source_id = Some(
        o.text(&["id", "@id"])
            .or_else(|| input.design_ref.clone())
            .unwrap_or_else(|| {
                format!(
                    "derived:{}|{}",
                    fold(&title),
                    o.text(&["version"]).unwrap_or_default()
                )
            }),
    );

    let mut push = |kind: RequirementKind,
                    term: String,
                    required: bool,
                    resolution: Option<TermResolution>| {
        if !input
            .requirements
            .iter()
            .any(|r| r.kind == kind && fold(&r.term) == fold(&term))
        {
            input.requirements.push(RequirementInput {
                kind,
                term,
                required,
                min_level: None,
                resolution,
            });
        }
    };
    // Processes: the v1 list, and LOSH TsDC codes on the manifest and on each part.
    let mut process_terms = o.texts(
        &["manufacturingProcesses", "processes"],
        &["name", "identifier"],
    );
    process_terms.extend(o.texts(&["tsdc"], &[]));
    for part in o.list(&["part", "parts"]) {
        if let Some(p) = Obj::from(part) {
            process_terms.extend(p.texts(&["tsdc", "manufacturingProcesses"], &[]));
        }
    }
    // None named: what the design's files, keywords and title point to, marked inferred
    // with its confidence.
    let inferred = if process_terms.is_empty() {
        inference::infer(&o, taxonomy)
    } else {
        Vec::new()
    };
    if !inferred.is_empty() {
        let said: Vec<String> = inferred
            .iter()
            .map(|r| format!("{} ({:.0} %)", r.resolved_to, r.confidence * 100.0))
            .collect();
        noted.push(Note {
            field: "manufacturingProcesses".to_owned(),
            kind: NoteKind::Changed,
            message: format!(
                "none given: inferred {} from the design's files, keywords or title",
                said.join(", ")
            ),
        });
        for r in inferred {
            let required = r.confidence >= inference::REQUIRED_FROM;
            push(
                RequirementKind::Process,
                r.resolved_to.clone(),
                required,
                Some(r),
            );
        }
    }
    for term in process_terms {
        match taxonomy.resolve_process(&term) {
            Some(r) => {
                let how = TermResolution::read(&term, &r);
                push(RequirementKind::Process, r.id, true, Some(how));
            }
            None => {
                unresolved.push(term.clone());
                push(RequirementKind::Process, term, true, None);
            }
        }
    }
    let mut material_terms = o.texts(
        &["materials", "material"],
        &["name", "materialId", "material_id"],
    );
    for part in o.list(&["part", "parts"]) {
        if let Some(p) = Obj::from(part) {
            material_terms.extend(p.texts(&["material", "materials"], &["name"]));
        }
    }
    for term in material_terms {
        match taxonomy.resolve_material(&term) {
            Some(r) => {
                let how = TermResolution::read(&term, &r);
                push(RequirementKind::Material, r.id, false, Some(how));
            }
            None => {
                unresolved.push(term.clone());
                push(RequirementKind::Material, term, false, None);
            }
        }
    }
    // Tools: a requirement only when the taxonomy knows the machine; hand tools
    // ("screwdriver") are everywhere and would only narrow matches.
    for term in o.texts(&["toolList", "tools"], &["name", "description"]) {
        if let Some(r) = taxonomy.resolve_equipment_type(&term) {
            let how = TermResolution::read(&term, &r);
            push(RequirementKind::Equipment, r.id, false, Some(how));
        }
    }
    for atom in o.list(&["toolListAtoms"]) {
        if let Some(term) = Obj::from(atom).and_then(|a| a.text(&["description"]))
            && let Some(r) = taxonomy.resolve_equipment_type(&term)
        {
            let how = TermResolution::read(&term, &r);
            push(RequirementKind::Equipment, r.id, false, Some(how));
        }
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    #[test]
    fn template_placeholders_are_told_from_titles() {
        for placeholder in ["[text]", "[url-or-path]", " [language] ", "<name>"] {
            assert!(super::is_placeholder(placeholder), "{placeholder}");
        }
        for title in [
            "Loom [v2]",
            "[Prototype] Splint",
            "OpenFlexure",
            "[]",
            "[WIP]",
        ] {
            assert!(!super::is_placeholder(title), "{title}");
        }
    }
}
