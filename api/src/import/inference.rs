//! The processes a design needs when its manifest names none, inferred from what it holds:
//! its design and manufacturing files (an `.stl` is printed, Gerber files make a circuit
//! board, G-code runs a printer), then its keywords and title. Each inference carries a
//! confidence and what it rests on, so a match can say how sure it is instead of passing a
//! guess off as the manifest's word.

use std::collections::BTreeMap;

use makermatch_search::Taxonomy;
use makermatch_search::matching::{ResolutionMethod, TermResolution};
use makermatch_search::resolve::{MatchedBy, fold};

use super::values::Obj;

/// Files whose kind says how the part is made: extension, process, confidence.
const FILE_KINDS: &[(&str, &str, f64)] = &[
    ("gcode", "fdm", 0.9),
    ("gco", "fdm", 0.9),
    ("stl", "3d-printing", 0.8),
    ("3mf", "3d-printing", 0.8),
    ("amf", "3d-printing", 0.8),
    ("obj", "3d-printing", 0.5),
    ("gbr", "pcb-fabrication", 0.9),
    ("ger", "pcb-fabrication", 0.9),
    ("gtl", "pcb-fabrication", 0.9),
    ("gbl", "pcb-fabrication", 0.9),
    ("gts", "pcb-fabrication", 0.9),
    ("gbs", "pcb-fabrication", 0.9),
    ("gto", "pcb-fabrication", 0.9),
    ("gbo", "pcb-fabrication", 0.9),
    ("gko", "pcb-fabrication", 0.9),
    ("drl", "pcb-fabrication", 0.8),
    ("kicad_pcb", "pcb-fabrication", 0.7),
    ("brd", "pcb-fabrication", 0.6),
    ("nc", "cnc-milling", 0.7),
    ("ngc", "cnc-milling", 0.7),
    ("tap", "cnc-milling", 0.6),
    ("dxf", "laser-cutting", 0.5),
    ("svg", "laser-cutting", 0.4),
];

/// Phrases of a title that name a process outright: phrase, process, confidence.
const TITLE_WORDS: &[(&str, &str, f64)] = &[
    ("3d printed", "3d-printing", 0.5),
    ("3d print", "3d-printing", 0.5),
    ("laser cut", "laser-cutting", 0.5),
    ("pcb", "pcb-fabrication", 0.5),
    ("circuit board", "pcb-fabrication", 0.5),
    ("cnc", "cnc-machining", 0.4),
    ("welded", "welding", 0.5),
    ("sewn", "sewing", 0.4),
];

/// A keyword that names a process the taxonomy knows exactly.
const KEYWORD_CONFIDENCE: f64 = 0.6;
/// Inferred processes at least this sure are required; the others preferred.
pub const REQUIRED_FROM: f64 = 0.6;
/// File names listed as evidence at most.
const NAMED_FILES: usize = 3;

/// The manifest's fields that list files.
const FILE_FIELDS: &[&str] = &[
    "designFiles",
    "manufacturingFiles",
    "schematics",
    "source",
    "export",
    "auxiliary",
];
const FILE_INNER: &[&str] = &["path", "url"];

/// Every file the manifest and its parts list.
fn files(o: &Obj) -> Vec<String> {
    let mut out = o.texts(FILE_FIELDS, FILE_INNER);
    for part in o.list(&["part", "parts"]) {
        if let Some(p) = Obj::from(part) {
            out.extend(p.texts(FILE_FIELDS, FILE_INNER));
        }
    }
    out
}

fn extension(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

fn file_name(path: &str) -> &str {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The processes the manifest's files, keywords and title point to, surest first, each
/// as a resolution with `ResolutionMethod::Inferred`.
pub fn infer(o: &Obj, taxonomy: &Taxonomy) -> Vec<TermResolution> {
    // Per process: confidence and the evidence lines.
    let mut found: BTreeMap<&str, (f64, Vec<String>)> = BTreeMap::new();
    let mut note = |process: &'static str, confidence: f64, evidence: String| {
        let entry = found.entry(process).or_insert((0.0, Vec::new()));
        entry.0 = entry.0.max(confidence);
        entry.1.push(evidence);
    };
    for path in files(o) {
        let Some(ext) = extension(&path) else {
            continue;
        };
        if let Some(&(_, process, confidence)) = FILE_KINDS.iter().find(|(e, _, _)| *e == ext) {
            note(process, confidence, file_name(&path).to_owned());
        }
    }
    let title = o
        .text(&["title", "name"])
        .map(|t| fold(&t))
        .unwrap_or_default();
    for &(phrase, process, confidence) in TITLE_WORDS {
        if contains_words(&title, phrase) {
            note(process, confidence, format!("the title says \"{phrase}\""));
        }
    }
    let mut keyword_hits: Vec<(String, String)> = Vec::new();
    for keyword in o.texts(&["keywords"], &[]) {
        if let Some(r) = taxonomy.resolve_process(&keyword)
            && r.matched_by != MatchedBy::Fuzzy
        {
            keyword_hits.push((r.id, keyword));
        }
    }
    let mut out: Vec<TermResolution> = found
        .into_iter()
        .filter(|(process, _)| taxonomy.process(process).is_some())
        .map(|(process, (confidence, evidence))| {
            resolution(process, confidence, summarise(&evidence))
        })
        .collect();
    for (id, keyword) in keyword_hits {
        if !out.iter().any(|r| r.resolved_to == id) {
            out.push(resolution(
                &id,
                KEYWORD_CONFIDENCE,
                format!("the keyword \"{keyword}\""),
            ));
        }
    }
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    out
}

fn resolution(process: &str, confidence: f64, evidence: String) -> TermResolution {
    TermResolution {
        written: String::new(),
        resolved_to: process.to_owned(),
        method: ResolutionMethod::Inferred,
        confidence,
        evidence: Some(evidence),
    }
}

/// Whether `phrase` stands in `text` (both folded) as whole words.
fn contains_words(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn summarise(evidence: &[String]) -> String {
    let files: Vec<&String> = evidence.iter().filter(|e| !e.starts_with("the ")).collect();
    let said: Vec<&String> = evidence.iter().filter(|e| e.starts_with("the ")).collect();
    let mut parts = Vec::new();
    if !files.is_empty() {
        let shown: Vec<&str> = files.iter().take(NAMED_FILES).map(|s| s.as_str()).collect();
        let more = files.len().saturating_sub(NAMED_FILES);
        parts.push(if more > 0 {
            format!("design files {} and {more} more", shown.join(", "))
        } else {
            format!("design files {}", shown.join(", "))
        });
    }
    parts.extend(said.iter().map(|s| s.to_string()));
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    fn inferred(record: serde_json::Value) -> Vec<(String, f64, String)> {
        let taxonomy = Taxonomy::builtin().unwrap();
        let o = Obj::from(&record).unwrap();
        infer(&o, &taxonomy)
            .into_iter()
            .map(|r| (r.resolved_to, r.confidence, r.evidence.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn stl_files_say_3d_printing() {
        let found = inferred(json!({
            "title": "Otoscope clip",
            "design-files": [{ "path": "parts/clip.stl" }, { "path": "parts/base.STL" }],
        }));
        assert_eq!(
            found,
            vec![(
                "3d-printing".to_string(),
                0.8,
                "design files clip.stl, base.STL".to_string()
            )]
        );
    }

    #[test]
    fn gerbers_keywords_and_titles_each_count_once_per_process() {
        let found = inferred(json!({
            "title": "Laser cut enclosure for a PCB",
            "manufacturing-files": ["https://example.org/board.GTL?raw=1", "board.drl"],
            "keywords": ["sewing", "millin"],
        }));
        let ids: Vec<&str> = found.iter().map(|(id, _, _)| id.as_str()).collect();
        assert_eq!(ids, ["pcb-fabrication", "sewing", "laser-cutting"]);
        assert_eq!(found[0].1, 0.9);
        assert!(found[0].2.contains("board.GTL"), "{found:?}");
        assert!(found[0].2.contains("the title says \"pcb\""), "{found:?}");
        // A misspelt keyword is not taken: an inference rests on plain words.
        assert!(!ids.contains(&"cnc-milling"));
    }

    #[test]
    fn words_inside_other_words_do_not_count() {
        assert!(contains_words("a pcb holder", "pcb"));
        assert!(!contains_words("pcbway order", "pcb"));
        assert!(inferred(json!({ "title": "A thing", "design-files": ["README.md"] })).is_empty());
    }
}
