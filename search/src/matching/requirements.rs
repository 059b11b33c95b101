//! A job's requirements resolved once against the taxonomy, before any facility is
//! looked at: canonical ids where the terms are known, their folded words where not.

use std::sync::Arc;

use crate::document::RequirementKind;
use crate::resolve::{Resolution, fold};
use crate::skills::{skill_key, skill_process};
use crate::taxonomy::Taxonomy;

use super::input::Requirement;
use super::resolution::{ResolutionMethod, TermResolution};

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
    /// How the term was read, for processes, machines and materials the taxonomy knows.
    pub resolution: Option<Arc<TermResolution>>,
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
            let read =
                |exact: Option<String>, resolve: &dyn Fn(&str) -> Option<Resolution>| match exact {
                    Some(id) => (
                        Some(id.clone()),
                        Some(TermResolution {
                            written: term.to_owned(),
                            resolved_to: id,
                            method: ResolutionMethod::Exact,
                            confidence: 1.0,
                            evidence: None,
                        }),
                    ),
                    None => match resolve(term) {
                        Some(r) => (Some(r.id.clone()), Some(TermResolution::read(term, &r))),
                        None => (None, None),
                    },
                };
            let (target, resolution) = match req.kind {
                RequirementKind::Process => {
                    let (id, how) = read(taxonomy.process(term).map(|p| p.id.clone()), &|t| {
                        taxonomy.resolve_process(t)
                    });
                    (Target::Process(id), how)
                }
                RequirementKind::Equipment => {
                    let (type_id, how) =
                        read(taxonomy.equipment_type(term).map(|e| e.id.clone()), &|t| {
                            taxonomy.resolve_equipment_type(t)
                        });
                    let processes = type_id
                        .as_deref()
                        .and_then(|id| taxonomy.equipment_type(id))
                        .map(|e| e.processes.clone())
                        .unwrap_or_default();
                    (Target::Equipment { type_id, processes }, how)
                }
                RequirementKind::Material => {
                    let (id, how) = read(taxonomy.material(term).map(|m| m.id.clone()), &|t| {
                        taxonomy.resolve_material(t)
                    });
                    (Target::Material(id), how)
                }
                RequirementKind::Certification => (Target::Certification, None),
                RequirementKind::Skill => (Target::Skill(SkillTarget::of(taxonomy, term)), None),
            };
            // How the job was written wins: an import that read "millin" as cnc-milling
            // stored the id, which reads back as exact.
            let resolution = req.resolution.clone().or(resolution).map(Arc::new);
            Resolved {
                req,
                weight: if req.required { 1.0 } else { preferred_weight },
                target,
                folded: fold(term),
                resolution,
            }
        })
        .collect()
}

/// The English label of a process id, or the id.
pub(crate) fn process_label<'t>(taxonomy: &'t Taxonomy, id: &'t str) -> &'t str {
    taxonomy.process(id).map_or(id, |p| p.en.as_str())
}
