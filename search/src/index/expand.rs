//! Index-time taxonomy expansion. Every process a document names (a facility's processes,
//! a skill's process, the processes of an equipment type) is indexed as the taxonomy's
//! labels in English, French, Portuguese and Swahili plus its aliases, for the process
//! itself and, in a separate lower-boosted field, for its ancestors. So "soudure" or
//! "kulehemu" finds welders and "3D printing" finds an FDM space, with no query-time
//! synonym machinery. Labels are analysed once, here, into the word lists the taxonomy
//! tokenizer emits for each id.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::analyzer::{folded, tokens};
use super::taxonomy_tokenizer::LabelWords;
use crate::Taxonomy;

fn joined(en: &str, others: [&Option<String>; 3], aliases: &[String]) -> String {
    let mut all = vec![en];
    all.extend(others.iter().filter_map(|o| o.as_deref()));
    all.extend(aliases.iter().map(String::as_str));
    all.join(" . ")
}

struct EquipmentTypeEntry {
    labels: String,
    processes: Vec<String>,
}

/// The taxonomy, prepared for indexing.
pub(crate) struct Expander {
    /// Process id → the process and its ancestors, nearest first.
    lineages: HashMap<String, Vec<String>>,
    label_words: LabelWords,
    equipment_types: HashMap<String, EquipmentTypeEntry>,
    materials: HashMap<String, String>,
    fingerprint: String,
}

impl std::fmt::Debug for Expander {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expander")
            .field("processes", &self.lineages.len())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

/// What a set of process ids expands to.
#[derive(Debug, Default)]
pub(crate) struct ProcessExpansion<'a> {
    /// The named ids (unknown ones included, they are indexed as plain words).
    pub own: Vec<&'a str>,
    /// Ancestors that were not themselves named.
    pub broader: Vec<&'a str>,
    /// Named processes and all their ancestors: the facet terms.
    pub lineage: BTreeSet<&'a str>,
}

impl Expander {
    pub(crate) fn new(taxonomy: &Taxonomy) -> Expander {
        let mut fp = Fingerprint::default();
        let mut analyzer = folded();
        let mut lineages = HashMap::new();
        let mut label_words = HashMap::new();
        for p in taxonomy.processes() {
            fp.add(&["process", &p.id, p.parent.as_deref().unwrap_or("")]);
            fp.add_labels(&p.en, [&p.fr, &p.pt, &p.sw], &p.aliases);
            let mut lineage = Vec::new();
            let mut at = Some(p);
            // The taxonomy refuses cycles when it loads; the length cap is only a guard.
            while let Some(node) = at {
                if lineage.len() > taxonomy.processes().len() {
                    break;
                }
                lineage.push(node.id.clone());
                at = node.parent.as_deref().and_then(|id| taxonomy.process(id));
            }
            lineages.insert(p.id.clone(), lineage);
            let text = joined(&p.en, [&p.fr, &p.pt, &p.sw], &p.aliases);
            label_words.insert(p.id.clone(), tokens(&mut analyzer, &text));
        }
        let mut equipment_types = HashMap::new();
        for e in taxonomy.equipment_types() {
            fp.add(&["equipment", &e.id]);
            fp.add(&e.processes.iter().map(String::as_str).collect::<Vec<_>>());
            fp.add_labels(&e.en, [&e.fr, &e.pt, &e.sw], &e.aliases);
            equipment_types.insert(
                e.id.clone(),
                EquipmentTypeEntry {
                    labels: joined(&e.en, [&e.fr, &e.pt, &e.sw], &e.aliases),
                    processes: e.processes.clone(),
                },
            );
        }
        let mut materials = HashMap::new();
        for m in taxonomy.materials() {
            fp.add(&["material", &m.id]);
            fp.add_labels(&m.en, [&m.fr, &m.pt, &m.sw], &m.aliases);
            materials.insert(
                m.id.clone(),
                joined(&m.en, [&m.fr, &m.pt, &m.sw], &m.aliases),
            );
        }
        Expander {
            lineages,
            label_words: Arc::new(label_words),
            equipment_types,
            materials,
            fingerprint: fp.finish(),
        }
    }

    /// A digest of everything expansion reads: an index built with another taxonomy has
    /// stale labels and must be rebuilt.
    pub(crate) fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The word lists of every process, for the taxonomy tokenizer.
    pub(crate) fn label_words(&self) -> LabelWords {
        self.label_words.clone()
    }

    pub(crate) fn processes<'a>(
        &'a self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> ProcessExpansion<'a> {
        let mut out = ProcessExpansion::default();
        let named: BTreeSet<&str> = ids
            .into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let mut ancestors = BTreeSet::new();
        for &id in &named {
            out.own.push(id);
            out.lineage.insert(id);
            for ancestor in self.lineages.get(id).into_iter().flatten().skip(1) {
                out.lineage.insert(ancestor);
                if !named.contains(ancestor.as_str()) {
                    ancestors.insert(ancestor.as_str());
                }
            }
        }
        out.broader = ancestors.into_iter().collect();
        out
    }

    /// The process ids an equipment type performs (none when unknown).
    pub(crate) fn equipment_processes(&self, equipment_type: &str) -> &[String] {
        self.equipment_types
            .get(equipment_type.trim())
            .map_or(&[], |e| e.processes.as_slice())
    }

    /// The labels of an equipment type, or `None` when the taxonomy lacks it.
    pub(crate) fn equipment_labels(&self, equipment_type: &str) -> Option<&str> {
        self.equipment_types
            .get(equipment_type.trim())
            .map(|e| e.labels.as_str())
    }

    /// The labels of a material, or `None` when the taxonomy lacks it.
    pub(crate) fn material_labels(&self, material: &str) -> Option<&str> {
        self.materials.get(material.trim()).map(String::as_str)
    }
}

/// FNV-1a, 64 bits: stable across Rust releases, unlike `DefaultHasher`.
struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }
}

impl Fingerprint {
    fn add(&mut self, parts: &[&str]) {
        for part in parts {
            for byte in part.bytes().chain(std::iter::once(0x1f)) {
                self.0 ^= u64::from(byte);
                self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        self.0 ^= 0x1e;
    }

    fn add_labels(&mut self, en: &str, others: [&Option<String>; 3], aliases: &[String]) {
        let mut parts = vec![en];
        parts.extend(others.iter().map(|o| o.as_deref().unwrap_or("")));
        parts.extend(aliases.iter().map(String::as_str));
        self.add(&parts);
    }

    fn finish(self) -> String {
        format!("fnv1a64:{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_processes_bring_their_ancestors() {
        let taxonomy = Taxonomy::builtin().unwrap();
        let e = Expander::new(&taxonomy);
        let x = e.processes(["fdm", "made-up-process"]);
        assert!(x.lineage.contains("fdm"));
        assert!(x.lineage.contains("3d-printing"));
        assert!(x.lineage.contains("additive-manufacturing"));
        assert!(x.lineage.contains("made-up-process"));
        assert_eq!(x.own, ["fdm", "made-up-process"]);
        assert_eq!(x.broader, ["3d-printing", "additive-manufacturing"]);
        // A named ancestor is own, not broader.
        let y = e.processes(["fdm", "3d-printing"]);
        assert_eq!(y.broader, ["additive-manufacturing"]);
        let words = e.label_words();
        assert!(words["welding"].contains(&"soudure".to_string()));
        assert!(words["welding"].contains(&"kulehemu".to_string()));
        assert!(words["3d-printing"].contains(&"impressao".to_string()));
        assert!(e.fingerprint().starts_with("fnv1a64:"));
        assert!(!e.equipment_processes("laser-cutter").is_empty());
    }

    #[test]
    fn fingerprint_follows_the_taxonomy() {
        let a = Taxonomy::parse("version = 1\n[[process]]\nid = \"a\"\nen = \"A\"\n").unwrap();
        let b = Taxonomy::parse("version = 1\n[[process]]\nid = \"a\"\nen = \"B\"\n").unwrap();
        assert_ne!(
            Expander::new(&a).fingerprint(),
            Expander::new(&b).fingerprint()
        );
        assert_eq!(
            Expander::new(&a).fingerprint(),
            Expander::new(&a).fingerprint()
        );
    }
}
