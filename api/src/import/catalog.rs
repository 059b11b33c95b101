//! The IoPA machine catalogs: CSV files of 3D printers (`Model, Technology, Materials,
//! Brand, Build Size`) and laser cutters (`model, Brand, Laser Type, Working Area,
//! Materials`), with a UTF-8 BOM and differing header case. Each row becomes a make/model
//! typed by the taxonomy, used to type equipment that gives only its make and model.

use makermatch_search::Taxonomy;
use makermatch_search::resolve::fold;

use super::record::{MachineModelRecord, Parsed, Position, Record, RecordKind};
use super::values::{measurement, split_list};

pub const SOURCE: &str = "iopa-machines";

/// A CSV header that names a model column and a brand column.
pub fn looks_like(first_line: &str) -> bool {
    let header: Vec<String> = first_line
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(fold)
        .collect();
    header.iter().any(|h| h == "model") && header.iter().any(|h| h == "brand")
}

/// Parses the whole file; an error when it is not a catalog at all.
pub fn parse(text: &str, taxonomy: &Taxonomy) -> Result<Vec<Parsed>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("not a CSV file: {e}"))?
        .iter()
        .map(fold)
        .collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let model_col = column(&["model"]).ok_or("the header has no Model column")?;
    let brand_col =
        column(&["brand", "make", "manufacturer"]).ok_or("the header has no Brand column")?;
    let tech_col = column(&["technology", "laser type"]);
    let size_col = column(&["build size", "working area", "build volume"]);
    let materials_col = column(&["materials"]);
    let laser = headers
        .iter()
        .any(|h| h == "laser type" || h == "working area");
    let mut out = Vec::new();
    for (index, row) in reader.records().enumerate() {
        let line = Some(index + 2);
        let at = Position { index, line };
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                out.push(rejected(at, "row", format!("unreadable CSV row: {e}")));
                continue;
            }
        };
        let cell = |i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let Some(model) = cell(Some(model_col)) else {
            out.push(rejected(at, "Model", "the model name is empty".to_owned()));
            continue;
        };
        let brand = cell(Some(brand_col)).map(str::to_owned);
        let technology = cell(tech_col).map(str::to_owned);
        let equipment_type = match equipment_type(taxonomy, laser, technology.as_deref()) {
            Some(t) => t,
            None => {
                out.push(rejected(
                    at,
                    if laser { "Laser Type" } else { "Technology" },
                    format!(
                        "\"{}\" is not a machine technology the taxonomy knows",
                        technology.unwrap_or_default()
                    ),
                ));
                continue;
            }
        };
        let mut properties = Vec::new();
        let mut text_properties = Vec::new();
        if let Some(size) = cell(size_col) {
            let key = if laser { "workingArea" } else { "buildVolume" };
            match measurement(size) {
                Some((numbers, unit)) if numbers.len() <= 3 => {
                    for (axis, n) in ["X", "Y", "Z"].iter().zip(numbers) {
                        properties.push((format!("{key}{axis}"), n, unit.clone()));
                    }
                }
                // "2000/8000 x 1300/3200 mm", "340 × 340 × ∞ mm": kept as written.
                _ => text_properties.push((key.to_owned(), size.to_owned())),
            }
        }
        let materials = cell(materials_col)
            .map(split_list)
            .unwrap_or_default()
            .into_iter()
            .map(|m| taxonomy.resolve_material(&m).map(|r| r.id).unwrap_or(m))
            .collect();
        let source_id = format!("{}|{}", fold(brand.as_deref().unwrap_or("")), fold(model));
        out.push(Parsed {
            at,
            kind: RecordKind::MachineModel,
            outcome: Ok(Record::MachineModel(MachineModelRecord {
                brand,
                model: model.to_owned(),
                equipment_type,
                technology,
                properties,
                text_properties,
                materials,
                source_id,
            })),
            unresolved: Vec::new(),
            notes: Vec::new(),
        });
    }
    Ok(out)
}

fn rejected(at: Position, field: &str, reason: String) -> Parsed {
    Parsed {
        at,
        kind: RecordKind::MachineModel,
        outcome: Err((field.to_owned(), reason)),
        unresolved: Vec::new(),
        notes: Vec::new(),
    }
}

/// The equipment type a catalog technology names: "FDM (Fused Deposition Modeling)" is an
/// FDM printer, "CO₂" on the laser sheet is a CO2 laser cutter.
fn equipment_type(taxonomy: &Taxonomy, laser: bool, technology: Option<&str>) -> Option<String> {
    let tech = technology.map(fold).unwrap_or_default();
    if laser {
        let id = if tech.contains("fib") {
            "fibre-laser-cutter"
        } else if tech.contains("co") {
            "co2-laser-cutter"
        } else {
            "laser-cutter"
        };
        return taxonomy.equipment_type(id).map(|e| e.id.clone());
    }
    // The abbreviation before any parenthesis names the process.
    let short = tech.split(" ").next().unwrap_or_default();
    let by_process = [
        ("fdm", "fdm-3d-printer"),
        ("fff", "fdm-3d-printer"),
        ("sla", "sla-3d-printer"),
        ("msla", "sla-3d-printer"),
        ("lcd", "sla-3d-printer"),
        ("dup", "sla-3d-printer"),
        ("dlp", "dlp-3d-printer"),
        ("sls", "sls-3d-printer"),
        ("mjf", "sls-3d-printer"),
        ("dmls", "metal-3d-printer"),
        ("slm", "metal-3d-printer"),
        ("ebm", "metal-3d-printer"),
        // Markforged's Atomic Diffusion Additive Manufacturing extrudes metal filament.
        ("adam", "metal-3d-printer"),
        ("lpd", "fdm-3d-printer"),
        ("clip", "sla-3d-printer"),
    ];
    let guess = by_process
        .iter()
        .find(|(k, _)| short == *k || tech.starts_with(&format!("{k} ")))
        .map(|(_, id)| *id)
        .filter(|id| taxonomy.equipment_type(id).is_some())
        .map(str::to_owned);
    // Jetting, powder-bed and other technologies: a 3D printer of another kind.
    guess.or_else(|| taxonomy.equipment_type("3d-printer").map(|e| e.id.clone()))
}
