//! What a facility itself brings: its processes and machines against process and
//! equipment requirements (taxonomy-aware: a capability satisfies a requirement when it is
//! the same process or a kind of it, never a broader one), its materials and its
//! certifications. Each requirement met gives evidence, each one not met a reason.

use crate::document::RequirementKind;
use crate::resolve::fold;
use crate::taxonomy::Taxonomy;

use super::input::{FacilityProfile, Machine};
use super::output::{Evidence, Missing, Source};
use super::requirements::{Resolved, Target, process_label};

/// The coverage of one kind of requirement.
#[derive(Debug, Clone, Default)]
pub(crate) struct Coverage {
    /// Weighted share of requirements met; `None` when the job has none of this kind.
    pub value: Option<f64>,
    pub evidence: Vec<Evidence>,
    pub missing: Vec<Missing>,
    pub note: String,
}

/// One process a facility can do, and the machine that does it (none when declared).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capability<'a> {
    pub process: &'a str,
    pub machine: Option<&'a Machine>,
}

/// Declared processes (the taxonomy's, then words it does not know, which only the same
/// words can match), then every machine's processes (its type's and its own).
pub(crate) fn capabilities<'a>(
    taxonomy: &'a Taxonomy,
    facility: &'a FacilityProfile,
) -> Vec<Capability<'a>> {
    let mut out: Vec<Capability<'a>> = facility
        .process_ids
        .iter()
        .chain(&facility.other_terms)
        .map(|p| Capability {
            process: p.as_str(),
            machine: None,
        })
        .collect();
    for m in &facility.equipment {
        let typed = taxonomy
            .equipment_type(&m.equipment_type)
            .map(|e| e.processes.as_slice())
            .unwrap_or_default();
        for p in typed.iter().chain(m.process_id.as_ref()) {
            out.push(Capability {
                process: p.as_str(),
                machine: Some(m),
            });
        }
    }
    out
}

fn machine_words(m: &Machine) -> String {
    let name = [m.make.as_deref(), m.model.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        m.equipment_type.clone()
    } else {
        format!("{} \"{name}\"", m.equipment_type)
    }
}

fn evidence(r: &Resolved<'_>, source: Source, capability: &str, detail: String) -> Evidence {
    Evidence {
        kind: r.req.kind,
        term: r.req.term.clone(),
        required: r.req.required,
        source,
        capability: capability.to_string(),
        machine_id: None,
        maker_id: None,
        credential_id: None,
        level: None,
        credit: 1.0,
        detail,
        resolution: r.resolution.clone(),
    }
}

pub(crate) fn missing(r: &Resolved<'_>, reason: String) -> Missing {
    Missing {
        kind: r.req.kind,
        term: r.req.term.clone(),
        required: r.req.required,
        reason,
        resolution: r.resolution.clone(),
    }
}

/// Sums evidence credit over `reqs` of `kind`, weighted.
fn tally<'r>(
    reqs: &[Resolved<'r>],
    kind: RequirementKind,
    mut check: impl FnMut(&Resolved<'r>) -> Result<Evidence, Missing>,
) -> Coverage {
    let mut c = Coverage::default();
    let (mut got, mut total) = (0.0, 0.0);
    let mut met = 0;
    let mut count = 0;
    for r in reqs.iter().filter(|r| r.req.kind == kind) {
        count += 1;
        total += r.weight;
        match check(r) {
            Ok(e) => {
                got += r.weight * e.credit;
                met += 1;
                c.evidence.push(e);
            }
            Err(m) => c.missing.push(m),
        }
    }
    if count > 0 {
        c.value = Some(if total > 0.0 {
            got / total
        } else {
            met as f64 / count as f64
        });
        c.note = format!("{met} of {count} met");
    }
    c
}

pub(crate) fn processes(
    taxonomy: &Taxonomy,
    caps: &[Capability<'_>],
    reqs: &[Resolved<'_>],
) -> Coverage {
    tally(reqs, RequirementKind::Process, |r| {
        let Target::Process(wanted) = &r.target else {
            return Err(missing(r, "not a process requirement".into()));
        };
        let Some(wanted) = wanted.as_deref() else {
            // Not in the taxonomy: only the same words can match.
            return caps
                .iter()
                .find(|c| fold(c.process) == r.folded)
                .map(|c| {
                    evidence(
                        r,
                        Source::FacilityProcess,
                        c.process,
                        format!("declares \"{}\"", c.process),
                    )
                })
                .ok_or_else(|| {
                    missing(
                        r,
                        format!(
                            "\"{}\" is not in the process taxonomy and the facility declares \
                             no process by that name",
                            r.req.term
                        ),
                    )
                });
        };
        // The same process before a kind of it; a machine before a declaration.
        let best = caps
            .iter()
            .filter(|c| taxonomy.satisfies(c.process, wanted))
            .min_by_key(|c| (c.process != wanted, c.machine.is_none()));
        match best {
            Some(c) => {
                let kind_of = if c.process == wanted {
                    String::new()
                } else {
                    format!(
                        ", a kind of {}",
                        process_label(taxonomy, wanted).to_lowercase()
                    )
                };
                let (source, detail, machine_id) = match c.machine {
                    Some(m) => (
                        Source::Machine,
                        format!(
                            "{} does {}{kind_of}",
                            machine_words(m),
                            process_label(taxonomy, c.process)
                        ),
                        Some(m.id),
                    ),
                    None => (
                        Source::FacilityProcess,
                        format!("declares {}{kind_of}", process_label(taxonomy, c.process)),
                        None,
                    ),
                };
                let mut e = evidence(r, source, c.process, detail);
                e.machine_id = machine_id;
                Ok(e)
            }
            None => {
                // Broader capabilities are named: they explain a near miss.
                let mut broader: Vec<&str> = caps
                    .iter()
                    .map(|c| c.process)
                    .filter(|&p| p != wanted && taxonomy.satisfies(wanted, p))
                    .collect();
                broader.sort_unstable();
                broader.dedup();
                let label = process_label(taxonomy, wanted);
                Err(missing(
                    r,
                    if broader.is_empty() {
                        format!("no declared process or machine does {label} or a kind of it")
                    } else {
                        format!(
                            "only {} declared, broader than {label}: not enough",
                            broader
                                .iter()
                                .map(|p| process_label(taxonomy, p))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                ))
            }
        }
    })
}

pub(crate) fn equipment(
    taxonomy: &Taxonomy,
    facility: &FacilityProfile,
    reqs: &[Resolved<'_>],
) -> Coverage {
    tally(reqs, RequirementKind::Equipment, |r| {
        let Target::Equipment { type_id, processes } = &r.target else {
            return Err(missing(r, "not an equipment requirement".into()));
        };
        let same_type = |m: &&Machine| {
            type_id.as_deref() == Some(m.equipment_type.as_str())
                || fold(&m.equipment_type) == r.folded
        };
        if let Some(m) = facility.equipment.iter().find(same_type) {
            let mut e = evidence(
                r,
                Source::Machine,
                &m.equipment_type,
                format!("has {}", machine_words(m)),
            );
            e.machine_id = Some(m.id);
            return Ok(e);
        }
        // Another type that does every process the wanted type does (an FDM printer for
        // "3D printer"): it serves the same purpose.
        let does_all = |m: &&Machine| {
            let own: Vec<&str> = taxonomy
                .equipment_type(&m.equipment_type)
                .map(|e| e.processes.iter().map(String::as_str).collect())
                .unwrap_or_default();
            !processes.is_empty()
                && processes.iter().all(|wanted| {
                    own.iter()
                        .copied()
                        .chain(m.process_id.as_deref())
                        .any(|p| taxonomy.satisfies(p, wanted))
                })
        };
        match facility.equipment.iter().find(does_all) {
            Some(m) => {
                let mut e = evidence(
                    r,
                    Source::Machine,
                    &m.equipment_type,
                    format!(
                        "has {}, which does what a {} does",
                        machine_words(m),
                        type_id.as_deref().unwrap_or(&r.req.term)
                    ),
                );
                e.machine_id = Some(m.id);
                Ok(e)
            }
            None => Err(missing(
                r,
                format!(
                    "no machine of type {} or one doing the same processes",
                    type_id.as_deref().unwrap_or(&r.req.term)
                ),
            )),
        }
    })
}

pub(crate) fn materials(facility: &FacilityProfile, reqs: &[Resolved<'_>]) -> Coverage {
    tally(reqs, RequirementKind::Material, |r| {
        let Target::Material(id) = &r.target else {
            return Err(missing(r, "not a material requirement".into()));
        };
        facility
            .material_ids
            .iter()
            .find(|m| id.as_deref() == Some(m.as_str()) || fold(m) == r.folded)
            .or_else(|| {
                // Words the taxonomy does not know match the same words only.
                id.is_none()
                    .then(|| facility.other_terms.iter().find(|t| fold(t) == r.folded))
                    .flatten()
            })
            .map(|m| evidence(r, Source::Material, m, format!("works with {m} typically")))
            .ok_or_else(|| {
                missing(
                    r,
                    format!(
                        "{} is not among its typical materials",
                        id.as_deref().unwrap_or(&r.req.term)
                    ),
                )
            })
    })
}

pub(crate) fn certifications(facility: &FacilityProfile, reqs: &[Resolved<'_>]) -> Coverage {
    // "ISO 13485" is met by "ISO 13485:2016": compare folded words, without spaces.
    let squash = |s: &str| fold(s).replace(' ', "");
    tally(reqs, RequirementKind::Certification, |r| {
        let wanted = squash(&r.req.term);
        facility
            .certifications
            .iter()
            .find(|c| !wanted.is_empty() && squash(c).contains(&wanted))
            .map(|c| evidence(r, Source::Certification, c, format!("holds {c}")))
            .ok_or_else(|| missing(r, format!("does not hold {}", r.req.term)))
    })
}
