//! A job's requirements resolved once against the taxonomy, before any facility is
//! looked at: canonical ids where the terms are known, their folded words where not.

use crate::document::RequirementKind;
use crate::resolve::fold;
use crate::skills::{skill_key, skill_process};
use crate::taxonomy::Taxonomy;

use super::input::Requirement;

/// What a requirement asks for, resolved.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A process id, or `None` when the taxonomy does not know the term.
    Process(Option<String>),
    /// An equipment type id (when known) and the processes that type performs.
    Equipment {
        type_id: Option<String>,
        processes: Vec<String>,
    },
    Material(Option<String>),
    Certification,
    /// A skill key and the process the skill belongs to, when it names one.
    Skill(SkillTarget),
}

/// A skill requirement as matching reads it: the normalised key and the process the term
/// names, if any. One predicate, `covered_by`, decides whether a claimed skill can cover
/// it, both while scoring and when the api crate narrows the makers it loads.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillTarget {
    pub key: String,
    pub process: Option<String>,
}

impl SkillTarget {
    pub fn of(taxonomy: &Taxonomy, term: &str) -> SkillTarget {
        SkillTarget {
            key: skill_key(term),
            process: taxonomy
                .process(term)
                .map(|p| p.id.clone())
                .or_else(|| skill_process(taxonomy, term)),
        }
    }

    /// Whether a claimed skill (its key and process) can cover this requirement.
    pub fn covered_by(&self, taxonomy: &Taxonomy, key: &str, process: Option<&str>) -> bool {
        key == self.key
            || match (process, &self.process) {
                (Some(have), Some(want)) => taxonomy.satisfies(have, want),
                _ => false,
            }
    }

    /// The process ids whose skills can cover this requirement.
    pub fn covering_processes(&self, taxonomy: &Taxonomy) -> Vec<String> {
        let Some(want) = &self.process else {
            return Vec::new();
        };
        taxonomy
            .processes()
            .iter()
            .filter(|p| taxonomy.satisfies(&p.id, want))
            .map(|p| p.id.clone())
            .collect()
    }
}

/// The skill requirements of a job, resolved.
pub fn skill_targets(taxonomy: &Taxonomy, requirements: &[Requirement]) -> Vec<SkillTarget> {
    requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::Skill)
        .map(|r| SkillTarget::of(taxonomy, &r.term))
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) struct Resolved<'a> {
    pub req: &'a Requirement,
    /// 1 when required, the preferred weight otherwise.
    pub weight: f64,
    pub target: Target,
    /// The term folded, to compare with unresolved words on the other side.
    pub folded: String,
}

pub(crate) fn resolve_all<'a>(
    taxonomy: &Taxonomy,
    requirements: &'a [Requirement],
    preferred_weight: f64,
) -> Vec<Resolved<'a>> {
    requirements
        .iter()
        .map(|req| {
            let term = req.term.as_str();
            let target = match req.kind {
                RequirementKind::Process => Target::Process(process_id(taxonomy, term)),
                RequirementKind::Equipment => {
                    let type_id = taxonomy
                        .equipment_type(term)
                        .map(|e| e.id.clone())
                        .or_else(|| taxonomy.resolve_equipment_type(term).map(|r| r.id));
                    let processes = type_id
                        .as_deref()
                        .and_then(|id| taxonomy.equipment_type(id))
                        .map(|e| e.processes.clone())
                        .unwrap_or_default();
                    Target::Equipment { type_id, processes }
                }
                RequirementKind::Material => Target::Material(
                    taxonomy
                        .material(term)
                        .map(|m| m.id.clone())
                        .or_else(|| taxonomy.resolve_material(term).map(|r| r.id)),
                ),
                RequirementKind::Certification => Target::Certification,
                RequirementKind::Skill => Target::Skill(SkillTarget::of(taxonomy, term)),
            };
            Resolved {
                req,
                weight: if req.required { 1.0 } else { preferred_weight },
                target,
                folded: fold(term),
            }
        })
        .collect()
}

/// A process id for `term`: itself when it is one, else what it resolves to.
pub(crate) fn process_id(taxonomy: &Taxonomy, term: &str) -> Option<String> {
    taxonomy
        .process(term)
        .map(|p| p.id.clone())
        .or_else(|| taxonomy.resolve_process(term).map(|r| r.id))
}

/// The English label of a process id, or the id.
pub(crate) fn process_label<'t>(taxonomy: &'t Taxonomy, id: &'t str) -> &'t str {
    taxonomy.process(id).map_or(id, |p| p.en.as_str())
}
