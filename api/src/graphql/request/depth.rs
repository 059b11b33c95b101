//! How deep an operation's fields nest, fragments expanded (each fragment measured once,
//! so a fragment chain costs no more than its length). Introspection (`__schema`,
//! `__type`) is held to its own fixed bound rather than `graphql.max_depth`: the standard
//! introspection query that GraphiQL and code generators send nests 13 fields deep
//! through its `ofType` chains, deeper than ordinary queries need to go. Ordinary fields
//! stay under `max_depth` wherever they appear, also beside `__schema` in one operation.

use std::collections::HashMap;

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, ServerError};

use super::limits::refusal;
use crate::graphql::error::Code;

/// The deepest an introspection field (`__schema` or `__type`, itself included) may nest:
/// room for the standard introspection query and the deeper `ofType` chains some tools
/// ask for. Nested brackets are bounded before this by `graphql.max_nesting`; this bound
/// also covers chains of fragments.
pub const INTROSPECTION_MAX_DEPTH: usize = 20;

/// How many of the introspection fields that list a type's neighbours (`fields`,
/// `interfaces`, `possibleTypes`, `inputFields`) may nest in one another, as graphql-js's
/// `MaxIntrospectionDepthRule` has it: the answer multiplies by the schema's fan-out at
/// each, so `__type { fields { type { ofType { fields … } } } }` grows exponentially
/// within the depth bound, while the standard query nests one.
pub const INTROSPECTION_MAX_LISTS: usize = 2;

/// The introspection fields counted by [`INTROSPECTION_MAX_LISTS`].
fn lists_neighbours(name: &str) -> bool {
    matches!(
        name,
        "fields" | "interfaces" | "possibleTypes" | "inputFields"
    )
}

/// Refuses a document whose ordinary fields nest deeper than `max_depth`, or, when
/// `introspection` is on, whose introspection fields nest deeper than
/// [`INTROSPECTION_MAX_DEPTH`]. With introspection off, introspection fields count as
/// ordinary ones (and are refused by the executor anyway).
pub fn check_depth(
    doc: &ExecutableDocument,
    max_depth: usize,
    introspection: bool,
) -> Result<(), ServerError> {
    let mut measure = Measure {
        fragments: &doc.fragments,
        introspection,
        measured: HashMap::new(),
    };
    let mut deepest = Depth::default();
    for (_, op) in doc.operations.iter() {
        deepest = deepest.max(measure.set(&op.node.selection_set.node));
    }
    if deepest.ordinary > max_depth {
        return Err(refusal(
            Code::LimitExceeded,
            super::limits::too_deep_message(max_depth),
        ));
    }
    if deepest.introspection_lists > INTROSPECTION_MAX_LISTS {
        return Err(refusal(
            Code::LimitExceeded,
            format!(
                "the introspection query nests `fields`, `interfaces`, `possibleTypes` or \
                 `inputFields` more than {INTROSPECTION_MAX_LISTS} deep; ask for less at once"
            ),
        ));
    }
    if deepest.introspection > INTROSPECTION_MAX_DEPTH {
        return Err(refusal(
            Code::LimitExceeded,
            format!(
                "the introspection query is nested deeper than {INTROSPECTION_MAX_DEPTH} levels; \
                 ask for less at once"
            ),
        ));
    }
    Ok(())
}

/// Whether a field is the root of an introspection selection.
fn is_introspection(name: &str) -> bool {
    name == "__schema" || name == "__type"
}

/// The depths below a selection set: of its ordinary fields, and of the introspection
/// fields within it (from the set down to the deepest field under `__schema`/`__type`);
/// and how deep fields named like the neighbour lists of introspection nest, anywhere
/// (`lists`) and under `__schema`/`__type` (`introspection_lists`, the one checked).
#[derive(Clone, Copy, Default)]
struct Depth {
    ordinary: usize,
    introspection: usize,
    lists: usize,
    introspection_lists: usize,
}

impl Depth {
    fn max(self, other: Depth) -> Depth {
        Depth {
            ordinary: self.ordinary.max(other.ordinary),
            introspection: self.introspection.max(other.introspection),
            lists: self.lists.max(other.lists),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
        }
    }
}

struct Measure<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    introspection: bool,
    /// Each fragment's depth; `None` while it is being measured (a cycle, which
    /// validation refuses: it counts as nothing here).
    measured: HashMap<&'a str, Option<Depth>>,
}

impl<'a> Measure<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Depth {
        let mut deepest = Depth::default();
        for item in &set.items {
            let depth = match &item.node {
                Selection::Field(f) => {
                    let below = self.set(&f.node.selection_set.node);
                    let name = f.node.name.node.as_str();
                    let lists = below.lists + usize::from(lists_neighbours(name));
                    if self.introspection && is_introspection(name) {
                        // Everything under it is introspection, whatever its name.
                        Depth {
                            ordinary: 0,
                            introspection: 1 + below.ordinary.max(below.introspection),
                            lists,
                            introspection_lists: lists.max(below.introspection_lists),
                        }
                    } else {
                        Depth {
                            ordinary: 1 + below.ordinary,
                            introspection: if below.introspection > 0 {
                                1 + below.introspection
                            } else {
                                0
                            },
                            lists,
                            introspection_lists: below.introspection_lists,
                        }
                    }
                }
                Selection::InlineFragment(f) => self.set(&f.node.selection_set.node),
                Selection::FragmentSpread(s) => self.fragment(s.node.fragment_name.node.as_str()),
            };
            deepest = deepest.max(depth);
        }
        deepest
    }

    fn fragment(&mut self, name: &str) -> Depth {
        let Some((key, def)) = self.fragments.get_key_value(name) else {
            return Depth::default(); // unknown: validation says so
        };
        match self.measured.get(key.as_str()) {
            Some(Some(d)) => return *d,
            Some(None) => return Depth::default(),
            None => {}
        }
        self.measured.insert(key.as_str(), None);
        let depth = self.set(&def.node.selection_set.node);
        self.measured.insert(key.as_str(), Some(depth));
        depth
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn check(query: &str, max: usize, introspection: bool) -> Result<(), ServerError> {
        check_depth(
            &async_graphql::parser::parse_query(query).unwrap(),
            max,
            introspection,
        )
    }

    fn chain(field: &str, n: usize) -> String {
        format!("{}x{}", format!("{field} {{ ").repeat(n), " }".repeat(n))
    }

    #[test]
    fn ordinary_fields_are_held_to_max_depth() {
        assert!(check(&format!("{{ {} }}", chain("a", 11)), 12, true).is_ok());
        let refused = check(&format!("{{ {} }}", chain("a", 12)), 12, true).unwrap_err();
        assert!(refused.message.contains("12 levels"), "{}", refused.message);
        // Beside `__schema`, and through fragments.
        let mixed = format!("{{ __schema {{ types {{ name }} }} {} }}", chain("a", 12));
        assert!(check(&mixed, 12, true).is_err());
        let fragments = "{ a { ...F } } fragment F on A { b { ...G } } fragment G on B { c { d } }";
        assert!(check(fragments, 4, true).is_ok());
        assert!(check(fragments, 3, true).is_err());
    }

    #[test]
    fn introspection_has_its_own_bound_when_switched_on() {
        let deep = format!("{{ __schema {{ {} }} }}", chain("types", 16));
        assert!(check(&deep, 12, true).is_ok());
        assert!(check(&deep, 12, false).is_err());
        let hostile = format!("{{ __schema {{ {} }} }}", chain("types", 20));
        let refused = check(&hostile, 12, true).unwrap_err();
        assert!(
            refused.message.contains("introspection"),
            "{}",
            refused.message
        );
        // Neighbour lists nest at most twice, within the depth bound too.
        let fan_out = |n: usize| {
            format!(
                "{{ __type(name: \"Query\") {{ {}name{} }} }}",
                "fields { type { ofType { ".repeat(n),
                " } } }".repeat(n)
            )
        };
        assert!(check(&fan_out(2), 12, true).is_ok());
        let refused = check(&fan_out(3), 12, true).unwrap_err();
        assert!(refused.message.contains("`fields`"), "{}", refused.message);
        // A fragment chain is measured as deep as it expands.
        let mut q = String::from("{ __schema { types { ...F0 } } }");
        for i in 0..30 {
            q.push_str(&format!(
                " fragment F{i} on __Type {{ fields {{ type {{ ...F{} }} }} }}",
                i + 1
            ));
        }
        q.push_str(" fragment F30 on __Type { name }");
        assert!(check(&q, 12, true).is_err());
    }
}
