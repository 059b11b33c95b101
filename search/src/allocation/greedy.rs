//! The greedy baseline: job after job in the order given, each to its cheapest candidates
//! first, as far as their limits and remaining capacity allow. It is what a coordinator
//! splitting by hand would do, kept to measure what the exact solver gains (tests and the
//! benchmark) — never used to answer a request.

use std::collections::HashMap;

use super::error::AllocationError;
use super::explain::{Provenance, explain};
use super::model::{AllocationOptions, AllocationProblem};
use super::network::prepare;
use super::result::Allocation;

pub fn allocate_greedy(
    problem: &AllocationProblem,
    options: &AllocationOptions,
) -> Result<Allocation, AllocationError> {
    let p = prepare(problem, options)?;
    let position: HashMap<_, _> = problem
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.id, i))
        .collect();
    let mut order: Vec<usize> = (0..p.jobs.len()).collect();
    order.sort_by_key(|&j| position.get(&p.jobs[j].id).copied().unwrap_or(usize::MAX));

    let mut room: Vec<i64> = p
        .facilities
        .iter()
        .map(|f| f.capacity.unwrap_or(i64::MAX))
        .collect();
    let mut quantities = vec![0i64; p.pairs.len()];
    for j in order {
        let job = &p.jobs[j];
        let mut left = job.quantity;
        let mut mine: Vec<usize> = (0..p.pairs.len())
            .filter(|&i| p.pairs[i].job == j && p.pairs[i].arc.is_some())
            .collect();
        mine.sort_by_key(|&i| (p.pairs[i].unit_cost(), p.pairs[i].facility));
        for i in mine {
            let pair = &p.pairs[i];
            let take = left.min(pair.limit).min(room[pair.facility]);
            if take <= 0 || take < job.min_batch {
                continue;
            }
            quantities[i] = take;
            room[pair.facility] -= take;
            left -= take;
        }
    }
    Ok(explain(
        &p,
        &quantities,
        None,
        Provenance {
            optimal: false,
            solves: 0,
            method: "greedy: job by job, cheapest candidate first".into(),
        },
    ))
}
