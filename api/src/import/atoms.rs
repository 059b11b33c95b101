//! Helpful Engineering's "atoms" in OKW-like records: things named by a Wikidata id (or a
//! custom `QH…` id), written `{identifier, description, link}` and listed under
//! `tool-list-atoms`, `inventory-atoms`, `supply-atoms`, `product-atoms` and `processes`.
//! Where a record does not say the same in OKW's own fields, the tools are read as its
//! equipment, the inventory and supplies as its materials and the process atoms as its
//! processes; each list is also kept whole as written, so exports give it back with its
//! ids.

use makermatch_search::Taxonomy;
use makermatch_search::resolve::Resolution;
use serde_json::Value;

use super::values::Obj;

/// Lists only Helpful Engineering's OKW records have (its OKH manifests list tools and
/// bills of materials as atoms too, but never inventory, supplies or products).
pub const FACILITY_ONLY: &[&str] = &[
    "inventoryAtoms",
    "supplyAtoms",
    "suppliesAtom",
    "productAtoms",
];
/// The tools a facility has.
pub const TOOLS: &[&str] = &["toolListAtoms"];
/// What a facility keeps in stock.
pub const MATERIALS: &[&str] = &["inventoryAtoms", "supplyAtoms", "suppliesAtom"];

/// One atom: any of its id, link or description may be missing.
#[derive(Debug, Clone, Copy)]
pub struct Atom<'a> {
    identifier: Option<&'a str>,
    link: Option<&'a str>,
    description: Option<&'a str>,
}

impl<'a> Atom<'a> {
    fn from(value: &'a Value) -> Option<Atom<'a>> {
        let o = value.as_object()?;
        let text = |k: &str| {
            o.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let atom = Atom {
            identifier: text("identifier"),
            link: text("link"),
            description: text("description").or_else(|| text("name")),
        };
        (atom.identifier.is_some() || atom.description.is_some()).then_some(atom)
    }

    /// What names the atom for a reader: its description, else its id.
    pub fn label(&self) -> Option<&'a str> {
        self.description.or(self.identifier)
    }

    /// The first of id, link and description that `resolve` knows, with the term it knew.
    pub fn resolve(
        &self,
        resolve: impl Fn(&str) -> Option<Resolution>,
    ) -> Option<(Resolution, &'a str)> {
        [self.identifier, self.link, self.description]
            .into_iter()
            .flatten()
            .find_map(|term| resolve(term).map(|r| (r, term)))
    }
}

/// The atoms listed under the first of `names` that `o` has, when that field is a list of
/// atoms; the list is then read and kept whole (see the module's note).
pub fn read<'a>(o: &Obj<'a>, names: &[&str]) -> Vec<Atom<'a>> {
    let Some(list) = names.iter().find_map(|n| o.peek(&[n])) else {
        return Vec::new();
    };
    let Some(items) = list.as_array() else {
        return Vec::new();
    };
    let atoms: Vec<Atom<'a>> = items.iter().filter_map(Atom::from).collect();
    if !atoms.is_empty() {
        super::notes::read_and_kept_whole(list);
    }
    atoms
}

/// `o`'s `processes` when they are atoms rather than OKW's process names or links.
pub fn processes<'a>(o: &Obj<'a>) -> Vec<Atom<'a>> {
    read(o, &["processes"])
}

/// The taxonomy entry an equipment atom names, if any.
pub fn equipment_type(taxonomy: &Taxonomy, atom: &Atom) -> Option<Resolution> {
    atom.resolve(|t| taxonomy.resolve_equipment_type(t))
        .map(|(r, _)| r)
}
