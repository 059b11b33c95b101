//! Which facilities to score in full. The matcher needs a facility's machines, makers and
//! track record, which live in the database; at tens of thousands of facilities only a
//! shortlist can be loaded. The engine ranks facilities on the part of the score the index
//! can compute (the process, equipment and material factors, weighted as the matcher
//! weighs them, and distance with the same decay) and the best of them are loaded.
//! Facilities the job's hard rules exclude (closed ones, those beyond its maximum
//! distance) are left out here already.

use crate::query::{CapabilityRequest, Facet, Want};
use crate::taxonomy::Taxonomy;

use super::input::JobSpec;
use super::requirements::{Target, resolve_all};
use super::weights::{Factor, MatchOptions};
use crate::document::RequirementKind;
use crate::index::convert::id_term;

/// The engine request that shortlists `limit` facilities for `job`.
pub fn shortlist_request(
    taxonomy: &Taxonomy,
    job: &JobSpec,
    options: &MatchOptions,
    limit: usize,
) -> CapabilityRequest {
    let reqs = resolve_all(taxonomy, &job.requirements, options.preferred_weight);
    let factor_of = |kind: RequirementKind| match kind {
        RequirementKind::Process => Some(Factor::Process),
        RequirementKind::Equipment => Some(Factor::Equipment),
        RequirementKind::Material => Some(Factor::Material),
        RequirementKind::Skill | RequirementKind::Certification => None,
    };
    // Each factor is the weighted share of its requirements met, as in `coverage::tally`.
    let total = |kind: RequirementKind| -> f64 {
        reqs.iter()
            .filter(|r| r.req.kind == kind)
            .map(|r| r.weight)
            .sum()
    };
    let mut wants = Vec::new();
    for r in &reqs {
        let Some(factor) = factor_of(r.req.kind) else {
            continue;
        };
        let sum = total(r.req.kind);
        if sum <= 0.0 {
            continue;
        }
        let as_written = id_term(&r.req.term);
        let alternatives = match &r.target {
            Target::Process(id) => vec![vec![Facet::Process(id.clone().unwrap_or(as_written))]],
            Target::Equipment { type_id, processes } => {
                let mut alternatives = vec![vec![Facet::EquipmentType(
                    type_id.clone().unwrap_or(as_written),
                )]];
                // A machine of another type that does all the wanted type's processes
                // serves too (see `coverage::equipment`).
                if !processes.is_empty() {
                    alternatives.push(processes.iter().cloned().map(Facet::Process).collect());
                }
                alternatives
            }
            Target::Material(id) => vec![vec![Facet::Material(id.clone().unwrap_or(as_written))]],
            Target::Certification | Target::Skill(_) => continue,
        };
        wants.push(Want {
            weight: options.weights.get(factor) * r.weight / sum,
            alternatives,
        });
    }
    let mut statuses = vec!["ACTIVE".to_string()];
    if options.include_planned {
        statuses.push("PLANNED".to_string());
    }
    CapabilityRequest {
        wants,
        statuses,
        origin: job.delivery,
        radius_km: job.delivery.and(job.max_distance_km),
        distance_weight: options.weights.get(Factor::Distance),
        half_life_km: options.distance_half_life_km,
        limit,
        only: options.facilities.clone(),
    }
}
