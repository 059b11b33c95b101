//! Telling formats apart from content, and splitting a document into its records with the
//! line each starts on.

use serde_json::Value;

use super::values::Obj;
use super::{ImportFormat, badges, catalog, iopa_map, okh, okw, pss};

/// How a file's text is structured, before knowing which standard it follows.
#[derive(Debug)]
pub enum Document {
    Structured(Value),
    Csv,
}

/// Reads the text as JSON, YAML or TOML (or recognises a catalog CSV).
pub fn read(text: &str, hint: Option<ImportFormat>) -> Result<Document, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if hint == Some(ImportFormat::MachineCatalog)
        || (hint.is_none() && trimmed.lines().next().is_some_and(catalog::looks_like))
    {
        return Ok(Document::Csv);
    }
    if trimmed.is_empty() {
        return Err("the file is empty".to_owned());
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return serde_json::from_str(trimmed)
            .map(Document::Structured)
            .map_err(|e| format!("not valid JSON: {e}"));
    }
    if hint == Some(ImportFormat::OkhToml) || looks_like_toml(trimmed) {
        let value: toml::Value =
            toml::from_str(trimmed).map_err(|e| format!("not valid TOML: {}", e.message()))?;
        return serde_json::to_value(value)
            .map(Document::Structured)
            .map_err(|e| format!("TOML that cannot be read as data: {e}"));
    }
    serde_yaml_ng::from_str::<Value>(trimmed)
        .map(Document::Structured)
        .map_err(|e| format!("neither JSON, YAML, TOML nor a machine catalog CSV: {e}"))
}

fn looks_like_toml(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with('[') || (l.contains(" = ") && !l.contains(": ")))
}

/// The records of a structured document: a list, an object holding one list, or one object.
pub fn records(doc: &Value) -> Vec<&Value> {
    match doc {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => {
            let lists: Vec<&Vec<Value>> =
                ["facilities", "makers", "records", "items", "data", "@graph"]
                    .iter()
                    .filter_map(|k| map.get(*k).and_then(Value::as_array))
                    .collect();
            match lists.as_slice() {
                [one] if map.len() <= 3 => one.iter().collect(),
                _ => vec![doc],
            }
        }
        other => vec![other],
    }
}

/// Which standard a record follows; `None` when it looks like none of them.
pub fn classify(record: &Value) -> Option<ImportFormat> {
    let o = Obj::from(record)?;
    if badges::looks_like(&o) {
        Some(ImportFormat::OpenBadges)
    } else if iopa_map::looks_like(&o) {
        Some(ImportFormat::IopaMap)
    } else if okh::looks_like(&o) {
        Some(ImportFormat::Okh)
    } else if pss::looks_like(&o) {
        Some(ImportFormat::Pss)
    } else if okw::looks_like(&o) {
        Some(ImportFormat::Okw)
    } else {
        None
    }
}

/// Whether a record can be read as `format`: it has what that format's records are
/// recognised by, whichever format detection would prefer.
pub fn fits(format: ImportFormat, record: &Value) -> bool {
    let Some(o) = Obj::from(record) else {
        return false;
    };
    match format {
        ImportFormat::Okw => okw::looks_like(&o),
        ImportFormat::IopaMap => iopa_map::looks_like(&o),
        ImportFormat::Pss => pss::looks_like(&o),
        ImportFormat::OpenBadges => badges::looks_like(&o),
        ImportFormat::Okh | ImportFormat::OkhToml => okh::looks_like(&o),
        ImportFormat::MachineCatalog => false,
    }
}

/// 1-based line on which each top-level element of a JSON array starts, when the
/// document is an array; used to point at rejected records.
pub fn json_array_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let (mut depth, mut line) = (0usize, 1usize);
    let (mut in_string, mut escaped, mut expect_item) = (false, false, false);
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if depth == 1 && expect_item && !c.is_whitespace() && c != ',' && c != ']' {
            lines.push(line);
            expect_item = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                if depth == 1 && c == '[' {
                    expect_item = true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expect_item = true,
            _ => {}
        }
    }
    lines
}

/// 1-based lines of the top-level items of a YAML sequence (`- ` at column 0).
pub fn yaml_sequence_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("- ") || *l == "-")
        .map(|(i, _)| i + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_items_are_located() {
        let text = "[\n  {\"a\": \"[x, {\"},\n  {\"b\": [1,\n 2]},\n\n  3\n]";
        assert_eq!(json_array_lines(text), vec![2, 3, 6]);
        assert_eq!(yaml_sequence_lines("- a: 1\n  b: 2\n- a: 3\n"), vec![1, 3]);
    }

    #[test]
    fn helpful_engineering_facility_atoms_say_okw_and_manifest_atoms_okh() {
        let atom = serde_json::json!([{ "identifier": "Q25294", "description": "hammer" }]);
        let facility = serde_json::json!({
            "title": "James Maker Space", "bom": "legs, seat, back",
            "supply-atoms": [], "tool-list": "hammer, saw", "tool-list-atoms": atom
        });
        assert_eq!(classify(&facility), Some(ImportFormat::Okw));
        let nameless = serde_json::json!({ "contact": "R", "inventory-atoms": atom });
        assert_eq!(classify(&nameless), Some(ImportFormat::Okw));
        let manifest = serde_json::json!({
            "title": "Chair", "okh-manifest-version": "1.0", "tool-list-atoms": atom,
            "bom-atoms": atom
        });
        assert_eq!(classify(&manifest), Some(ImportFormat::Okh));
    }

    #[test]
    fn formats_are_told_apart() {
        let csv = "\u{feff}Model,Technology,Materials,Brand,Build Size\nX,FDM,PLA,Y,1 x 2 x 3 mm\n";
        assert!(matches!(read(csv, None), Ok(Document::Csv)));
        assert!(matches!(
            read("okhv = \"OKH-LOSHv1.0\"\nname = \"x\"\n", None),
            Ok(Document::Structured(_))
        ));
        assert!(matches!(
            read("title: Chair\ntool-list: saw\n", None),
            Ok(Document::Structured(_))
        ));
        assert!(
            read("{\"name\": ", None)
                .unwrap_err()
                .starts_with("not valid JSON")
        );
        assert!(read("   ", None).is_err());
    }
}
