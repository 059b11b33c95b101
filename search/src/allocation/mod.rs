//! Splitting jobs across facilities (DESIGN §6, `allocateJob` / `allocateProgramme`).
//!
//! The split is an integer min-cost flow (its shape is described in `network.rs`) solved exactly
//! by an in-crate capacity-scaling solver (`flow.rs`), with branch and bound on top for
//! minimum batches (`branch.rs`). Capacity is shared by all jobs of one call, so a
//! programme is solved as one problem, not job by job.
//!
//! The objective is lexicographic: place as many units as possible, then minimise money
//! (price plus transport), then minimise Σ weight·x² over (job, facility) shares. The third
//! term exists because equal-cost optima are many: with nine equal spaces every split of
//! the IMA jobs costs $7,200, and a solver left alone returns a vertex that loads a few
//! spaces to the brim. Among the cheapest splits, the sum of squares is smallest for the
//! most even one (for a fixed total it falls whenever a unit moves from a bigger share to
//! a smaller one), so ties spread evenly, while its being a separate, later component means
//! it can never cost a cent or a unit. Weights are 2⁴⁰ / quantity², so the term is the sum
//! of squared shares and jobs of different sizes count alike. Shares the tie-break still
//! cannot tell apart (10 units over 3 equal spaces) go deterministically, in facility id
//! order. With minimum batches, shortfall and money are proven optimal and the spread is
//! minimised within the branches searched (`branch.rs` says why not over all of them).
//!
//! Why not an LP/MIP crate: the tie-break is quadratic, and expressing it linearly needs
//! either integer variables over every pair (slow branch and bound in a pure-Rust MIP) or
//! a weighted sum of cost and spread in floating point, which is not exact. Integer flows
//! with a lexicographic cost are exact by construction (the constraint matrix is totally
//! unimodular, so the optimum is integral), and fast; tests compare the solver with
//! exhaustive search on small programmes.
//!
//! Demand that cannot be met (capacities and caps too small) is not an error: the result
//! is the best partial allocation, flagged `complete: false`, with each job's `shortfall`.
//! Staff may want to see what can be placed; callers that prefer an error use
//! [`Allocation::into_complete`].

mod branch;
mod cost;
mod error;
mod explain;
mod flow;
mod greedy;
mod model;
mod network;
mod result;

pub use error::AllocationError;
pub use greedy::allocate_greedy;
pub use model::{
    AllocationCandidate, AllocationFacility, AllocationJob, AllocationOptions, AllocationProblem,
    MAX_TOTAL_QUANTITY, MAX_UNIT_COST_MINOR,
};
pub use result::{Allocation, Decision, FacilityOutcome, JobOutcome, Objective, Reason};

use explain::{Provenance, explain};

/// Splits several jobs at once; each facility's capacity is shared between them.
pub fn allocate_programme(
    problem: &AllocationProblem,
    options: &AllocationOptions,
) -> Result<Allocation, AllocationError> {
    let p = network::prepare(problem, options)?;
    let solved = branch::solve_with_batches(&p.network, &p.batch_arcs, options.max_branch_nodes)?;
    let per_pair = |flow: &[i64]| -> Vec<i64> {
        p.pairs
            .iter()
            .map(|pair| pair.arc.map_or(0, |a| flow[a]))
            .collect()
    };
    let quantities = per_pair(&solved.best.flow);
    let relaxed = (!p.batch_arcs.is_empty()).then(|| per_pair(&solved.relaxed.flow));
    let method = if p.batch_arcs.is_empty() {
        "min-cost flow (capacity scaling, integer, lexicographic cost)"
    } else {
        "min-cost flow (capacity scaling, integer, lexicographic cost) with branch and bound \
         for minimum batches"
    };
    Ok(explain(
        &p,
        &quantities,
        relaxed.as_deref(),
        Provenance {
            optimal: solved.optimal,
            solves: solved.nodes,
            method: method.into(),
        },
    ))
}

/// Splits one job across its candidates.
pub fn allocate_job(
    job: &AllocationJob,
    facilities: &[AllocationFacility],
    candidates: &[AllocationCandidate],
    options: &AllocationOptions,
) -> Result<Allocation, AllocationError> {
    if let Some(other) = candidates.iter().find(|c| c.job_id != job.id) {
        return Err(AllocationError::InvalidInput(format!(
            "candidate facility {} is for job {}, not {}",
            other.facility_id, other.job_id, job.id
        )));
    }
    allocate_programme(
        &AllocationProblem {
            jobs: vec![job.clone()],
            facilities: facilities.to_vec(),
            candidates: candidates.to_vec(),
        },
        options,
    )
}

#[cfg(test)]
mod tests;
