//! The process vocabulary (DESIGN §4): processes as a tree, the equipment types that
//! perform them, and materials. The default file ships in the crate; a deployment may
//! point at its own.

use std::collections::HashSet;
use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::resolve::{Resolution, TermEntry, TermIndex};

/// The taxonomy shipped with makermatch.
pub const DEFAULT_TAXONOMY: &str = include_str!("../data/taxonomy.toml");

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Process {
    pub id: String,
    pub parent: Option<String>,
    pub en: String,
    pub fr: Option<String>,
    pub pt: Option<String>,
    pub sw: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub wikipedia: Option<String>,
    pub wikidata: Option<String>,
    pub tsdc: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EquipmentType {
    pub id: String,
    pub en: String,
    pub fr: Option<String>,
    pub pt: Option<String>,
    pub sw: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub processes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub id: String,
    pub en: String,
    pub fr: Option<String>,
    pub pt: Option<String>,
    pub sw: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub wikipedia: Option<String>,
    pub wikidata: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    version: u32,
    #[serde(default)]
    process: Vec<Process>,
    #[serde(default)]
    equipment_type: Vec<EquipmentType>,
    #[serde(default)]
    material: Vec<Material>,
}

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("taxonomy file {path} cannot be read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("taxonomy is not valid TOML: {0}")]
    Syntax(String),
    #[error("taxonomy is inconsistent: {0}")]
    Inconsistent(String),
}

/// A loaded, checked taxonomy.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub version: u32,
    processes: Vec<Process>,
    equipment_types: Vec<EquipmentType>,
    materials: Vec<Material>,
    // Fx: a match asks for processes by id thousands of times (parent walks).
    process_index: FxHashMap<String, usize>,
    equipment_index: FxHashMap<String, usize>,
    material_index: FxHashMap<String, usize>,
    process_terms: TermIndex,
    equipment_terms: TermIndex,
    material_terms: TermIndex,
}

fn localized<'a>(
    fr: &'a Option<String>,
    pt: &'a Option<String>,
    sw: &'a Option<String>,
) -> Vec<(&'a str, &'a str)> {
    [("fr", fr), ("pt", pt), ("sw", sw)]
        .into_iter()
        .filter_map(|(lang, label)| label.as_deref().map(|l| (lang, l)))
        .collect()
}

impl Taxonomy {
    /// The taxonomy that ships with makermatch.
    pub fn builtin() -> Result<Taxonomy, TaxonomyError> {
        Taxonomy::parse(DEFAULT_TAXONOMY)
    }

    pub fn from_path(path: &Path) -> Result<Taxonomy, TaxonomyError> {
        let text = std::fs::read_to_string(path).map_err(|e| TaxonomyError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Taxonomy::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Taxonomy, TaxonomyError> {
        let file: TaxonomyFile =
            toml::from_str(text).map_err(|e| TaxonomyError::Syntax(e.to_string()))?;
        let process_index = index_by_id("process", file.process.iter().map(|p| &p.id))?;
        let equipment_index =
            index_by_id("equipment_type", file.equipment_type.iter().map(|e| &e.id))?;
        let material_index = index_by_id("material", file.material.iter().map(|m| &m.id))?;
        let process_terms = TermIndex::build(file.process.iter().map(|p| TermEntry {
            id: &p.id,
            labels: vec![&p.en],
            localized: localized(&p.fr, &p.pt, &p.sw),
            aliases: p.aliases.iter().map(String::as_str).collect(),
            wikipedia: p.wikipedia.as_deref(),
            wikidata: p.wikidata.as_deref(),
            tsdc: p.tsdc.as_deref(),
        }));
        let equipment_terms = TermIndex::build(file.equipment_type.iter().map(|e| TermEntry {
            id: &e.id,
            labels: vec![&e.en],
            localized: localized(&e.fr, &e.pt, &e.sw),
            aliases: e.aliases.iter().map(String::as_str).collect(),
            ..Default::default()
        }));
        let material_terms = TermIndex::build(file.material.iter().map(|m| TermEntry {
            id: &m.id,
            labels: vec![&m.en],
            localized: localized(&m.fr, &m.pt, &m.sw),
            aliases: m.aliases.iter().map(String::as_str).collect(),
            wikipedia: m.wikipedia.as_deref(),
            wikidata: m.wikidata.as_deref(),
            ..Default::default()
        }));
        let taxonomy = Taxonomy {
            version: file.version,
            processes: file.process,
            equipment_types: file.equipment_type,
            materials: file.material,
            process_index,
            equipment_index,
            material_index,
            process_terms,
            equipment_terms,
            material_terms,
        };
        taxonomy.check_references()?;
        Ok(taxonomy)
    }

    fn check_references(&self) -> Result<(), TaxonomyError> {
        for p in &self.processes {
            if let Some(parent) = &p.parent
                && !self.process_index.contains_key(parent)
            {
                return Err(TaxonomyError::Inconsistent(format!(
                    "process `{}` has unknown parent `{parent}`",
                    p.id
                )));
            }
            // Walking up must end at a root: a cycle would make "descendant of" loop.
            let mut seen = HashSet::new();
            let mut at = Some(p);
            while let Some(node) = at {
                if !seen.insert(node.id.as_str()) {
                    return Err(TaxonomyError::Inconsistent(format!(
                        "process `{}` is its own ancestor",
                        p.id
                    )));
                }
                at = node.parent.as_deref().and_then(|id| self.process(id));
            }
        }
        for e in &self.equipment_types {
            for process in &e.processes {
                if !self.process_index.contains_key(process) {
                    return Err(TaxonomyError::Inconsistent(format!(
                        "equipment type `{}` performs unknown process `{process}`",
                        e.id
                    )));
                }
            }
        }
        Ok(())
    }

    pub fn processes(&self) -> &[Process] {
        &self.processes
    }

    pub fn equipment_types(&self) -> &[EquipmentType] {
        &self.equipment_types
    }

    pub fn materials(&self) -> &[Material] {
        &self.materials
    }

    pub fn process(&self, id: &str) -> Option<&Process> {
        self.process_index.get(id).map(|&i| &self.processes[i])
    }

    pub fn equipment_type(&self, id: &str) -> Option<&EquipmentType> {
        self.equipment_index
            .get(id)
            .map(|&i| &self.equipment_types[i])
    }

    pub fn material(&self, id: &str) -> Option<&Material> {
        self.material_index.get(id).map(|&i| &self.materials[i])
    }

    /// The process `term` names: an id, a Wikipedia URL, a Wikidata id, a TsDC code, a
    /// label or alias in any language, or failing those a close fuzzy match.
    pub fn resolve_process(&self, term: &str) -> Option<Resolution> {
        self.process_terms.resolve(term)
    }

    /// The equipment type `term` names ("laser cutter", "CO2 laser", a Wikipedia URL…).
    pub fn resolve_equipment_type(&self, term: &str) -> Option<Resolution> {
        self.equipment_terms.resolve(term)
    }

    pub fn resolve_material(&self, term: &str) -> Option<Resolution> {
        self.material_terms.resolve(term)
    }

    /// The ids of `id` and all its ancestors, nearest first.
    pub fn ancestors(&self, id: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut at = self.process(id);
        while let Some(node) = at {
            if out.contains(&node.id.as_str()) {
                break;
            }
            out.push(node.id.as_str());
            at = node.parent.as_deref().and_then(|p| self.process(p));
        }
        out
    }

    /// Whether `capability` satisfies `requirement`: the same process or a descendant of it
    /// (an FDM printer satisfies "3D printing", not the other way round).
    pub fn satisfies(&self, capability: &str, requirement: &str) -> bool {
        let mut at = self.process(capability);
        while let Some(node) = at {
            if node.id == requirement {
                return true;
            }
            at = node.parent.as_deref().and_then(|id| self.process(id));
        }
        false
    }

    /// Processes in an order where every parent comes before its children, as foreign keys
    /// on `processes.parent_id` need when inserting.
    pub fn processes_parents_first(&self) -> Vec<&Process> {
        let mut placed: HashSet<&str> = HashSet::new();
        let mut out = Vec::with_capacity(self.processes.len());
        while out.len() < self.processes.len() {
            let before = out.len();
            for p in &self.processes {
                if placed.contains(p.id.as_str()) {
                    continue;
                }
                if p.parent
                    .as_deref()
                    .is_none_or(|parent| placed.contains(parent))
                {
                    placed.insert(p.id.as_str());
                    out.push(p);
                }
            }
            if out.len() == before {
                break; // unreachable after check_references, but never loop forever
            }
        }
        out
    }
}

fn index_by_id<'a>(
    table: &str,
    ids: impl Iterator<Item = &'a String>,
) -> Result<FxHashMap<String, usize>, TaxonomyError> {
    let mut index = FxHashMap::default();
    for (i, id) in ids.enumerate() {
        if id.trim().is_empty() {
            return Err(TaxonomyError::Inconsistent(format!(
                "{table} #{} has an empty id",
                i + 1
            )));
        }
        if index.insert(id.clone(), i).is_some() {
            return Err(TaxonomyError::Inconsistent(format!(
                "{table} id `{id}` appears twice"
            )));
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn builtin_taxonomy_loads_and_is_a_tree() {
        let t = Taxonomy::builtin().unwrap();
        assert!(
            t.processes().len() >= 60,
            "{} processes",
            t.processes().len()
        );
        assert!(t.satisfies("fdm", "3d-printing"));
        assert!(t.satisfies("fdm", "additive-manufacturing"));
        assert!(!t.satisfies("3d-printing", "fdm"));
        assert!(t.satisfies("mig-welding", "welding"));
        let ordered = t.processes_parents_first();
        assert_eq!(ordered.len(), t.processes().len());
        let pos: HashMap<&str, usize> = ordered
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        for p in ordered {
            if let Some(parent) = &p.parent {
                assert!(pos[parent.as_str()] < pos[p.id.as_str()]);
            }
        }
    }

    #[test]
    fn every_tsdc_code_of_okh_losh_resolves() {
        let t = Taxonomy::builtin().unwrap();
        for (code, id) in [
            ("3DP", "3d-printing"),
            ("ASM", "assembly"),
            ("CIR", "electronics-manufacturing"),
            ("CNC", "cnc-machining"),
            ("LAS", "laser-cutting"),
            ("MEC", "mechanical-assembly"),
            ("PCB", "pcb-fabrication"),
            ("POST", "finishing"),
            ("SHEET", "sheet-metal-fabrication"),
            ("WEL", "welding"),
        ] {
            let got = t.resolve_process(code).map(|r| r.id);
            assert_eq!(got.as_deref(), Some(id), "TsDC {code}");
            let lower = t.resolve_process(&code.to_ascii_lowercase()).map(|r| r.id);
            assert_eq!(lower.as_deref(), Some(id), "TsDC {code} in lower case");
        }
    }

    #[test]
    fn arc_welding_covers_every_arc_process_and_packaging_is_not_assembly() {
        let t = Taxonomy::builtin().unwrap();
        let arc = t.resolve_process("arc welding").map(|r| r.id);
        assert_eq!(arc.as_deref(), Some("arc-welding"));
        for shop in [
            "mig-welding",
            "tig-welding",
            "stick-welding",
            "flux-cored-arc-welding",
        ] {
            assert!(t.satisfies(shop, "arc-welding"), "{shop} does arc welding");
            assert!(t.satisfies(shop, "welding"), "{shop} still welds");
        }
        assert!(!t.satisfies("spot-welding", "arc-welding"));
        assert!(!t.satisfies("arc-welding", "tig-welding"));
        assert!(!t.satisfies("packaging", "assembly"));
        assert!(!t.satisfies("assembly", "packaging"));
        assert_eq!(
            t.resolve_process("SMAW").map(|r| r.id).as_deref(),
            Some("stick-welding")
        );
    }

    #[test]
    fn names_shops_write_for_their_processes_resolve() {
        let t = Taxonomy::builtin().unwrap();
        for (term, id) in [
            ("FDM 3D Printing", "fdm"),
            ("sheet metal forming", "sheet-metal-fabrication"),
            ("Precision machining", "cnc-machining"),
            ("electronic circuitry", "electronics-manufacturing"),
        ] {
            let got = t.resolve_process(term).map(|r| (r.id, r.confidence));
            assert_eq!(got, Some((id.to_owned(), 1.0)), "{term}");
        }
    }

    #[test]
    fn terms_resolve_every_way_real_data_writes_them() {
        use crate::resolve::MatchedBy;
        let t = Taxonomy::builtin().unwrap();
        let process = |term: &str| t.resolve_process(term).map(|r| (r.id, r.matched_by));
        assert_eq!(process("fdm"), Some(("fdm".into(), MatchedBy::Id)));
        assert_eq!(
            process("https://en.wikipedia.org/wiki/Fused_filament_fabrication"),
            Some(("fdm".into(), MatchedBy::WikipediaUrl))
        );
        assert_eq!(
            process("http://en.wikipedia.org/wiki/3D_printing"),
            Some(("3d-printing".into(), MatchedBy::WikipediaUrl))
        );
        assert_eq!(
            process("https://www.wikidata.org/wiki/Q229367"),
            Some(("3d-printing".into(), MatchedBy::Wikidata))
        );
        assert_eq!(process("WEL"), Some(("welding".into(), MatchedBy::Tsdc)));
        assert_eq!(
            process("3dp"),
            Some(("3d-printing".into(), MatchedBy::Tsdc))
        );
        assert_eq!(
            process("Fused Filament Fabrication").map(|r| r.0),
            Some("fdm".into())
        );
        assert_eq!(process("FFF").map(|r| r.0), Some("fdm".into()));
        assert_eq!(
            process("injection molding").map(|r| r.0),
            Some("injection-moulding".into())
        );
        // French, Portuguese and Swahili labels, accents optional.
        let welding_fr = t.process("welding").and_then(|p| p.fr.clone()).unwrap();
        assert_eq!(process(&welding_fr).map(|r| r.0), Some("welding".into()));
        assert_eq!(
            process(&crate::resolve::fold(&welding_fr)).map(|r| r.0),
            Some("welding".into())
        );
        assert_eq!(
            process("https://fr.wikipedia.org/wiki/Soudage").map(|r| r.0),
            Some("welding".into())
        );
        assert_eq!(process("kulehemu").map(|r| r.0), Some("welding".into()));
        // Typos resolve with a confidence; nonsense does not resolve.
        let typo = t.resolve_process("weldng").unwrap();
        assert_eq!(
            (typo.id.as_str(), typo.matched_by),
            ("welding", MatchedBy::Fuzzy)
        );
        assert!(typo.confidence < 1.0 && typo.confidence >= crate::resolve::FUZZY_THRESHOLD);
        assert_eq!(t.resolve_process("basket weaving with dolphins"), None);
        assert_eq!(
            t.resolve_process("https://en.wikipedia.org/wiki/Post-processing_station"),
            None
        );
        assert_ne!(process("sawing").map(|r| r.0), Some("sewing".into()));
        assert_eq!(t.resolve_process(""), None);

        let equipment = |term: &str| t.resolve_equipment_type(term).map(|r| r.id);
        assert_eq!(equipment("laser cutter"), Some("laser-cutter".into()));
        assert_eq!(equipment("Laser Cutters"), Some("laser-cutter".into()));
        assert!(equipment("https://en.wikipedia.org/wiki/3D_printer").is_some());
        let material = |term: &str| t.resolve_material(term).map(|r| r.id);
        assert_eq!(material("PLA"), Some("pla".into()));
        assert_eq!(
            material("https://en.wikipedia.org/wiki/Polylactic_acid"),
            Some("pla".into())
        );
        assert_eq!(
            t.ancestors("fdm"),
            vec!["fdm", "3d-printing", "additive-manufacturing"]
        );
    }

    #[test]
    fn inconsistencies_are_reported() {
        let dup = "version = 1\n[[process]]\nid = \"a\"\nen = \"A\"\n[[process]]\nid = \"a\"\nen = \"A again\"\n";
        assert!(matches!(
            Taxonomy::parse(dup),
            Err(TaxonomyError::Inconsistent(m)) if m.contains("twice")
        ));
        let orphan = "version = 1\n[[process]]\nid = \"a\"\nen = \"A\"\nparent = \"b\"\n";
        assert!(Taxonomy::parse(orphan).is_err());
        let cycle = "version = 1\n[[process]]\nid = \"a\"\nen = \"A\"\nparent = \"b\"\n[[process]]\nid = \"b\"\nen = \"B\"\nparent = \"a\"\n";
        assert!(matches!(
            Taxonomy::parse(cycle),
            Err(TaxonomyError::Inconsistent(m)) if m.contains("ancestor")
        ));
        let bad_equipment =
            "version = 1\n[[equipment_type]]\nid = \"x\"\nen = \"X\"\nprocesses = [\"nope\"]\n";
        assert!(Taxonomy::parse(bad_equipment).is_err());
    }
}
