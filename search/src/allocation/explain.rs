//! Why each candidate got what it got, read off the solution: which limit it reached, or
//! which cheaper (or equally cheap) facilities took the work instead. Money in the
//! sentences is in minor units, as everywhere in allocation.

use super::network::{LimitBy, Pair, Prepared};
use super::result::{Allocation, Decision, FacilityOutcome, JobOutcome, Objective, Reason};

/// How a set of quantities was found, for the objective's record.
pub(crate) struct Provenance {
    pub optimal: bool,
    pub solves: u32,
    pub method: String,
}

/// `quantities[i]` is what `p.pairs[i]` gets; `relaxed` the same without minimum batches,
/// when a search for them ran.
pub(crate) fn explain(
    p: &Prepared,
    quantities: &[i64],
    relaxed: Option<&[i64]>,
    provenance: Provenance,
) -> Allocation {
    let mut job_allocated = vec![0i64; p.jobs.len()];
    let mut job_cost = vec![0i64; p.jobs.len()];
    let mut job_facilities = vec![0u32; p.jobs.len()];
    let mut used = vec![0i64; p.facilities.len()];
    let mut facility_cost = vec![0i64; p.facilities.len()];
    let (mut price, mut transport) = (0i64, 0i64);
    let (mut squares, mut largest) = (0.0f64, 0.0f64);
    for (pair, &q) in p.pairs.iter().zip(quantities) {
        job_allocated[pair.job] += q;
        job_cost[pair.job] += q * pair.unit_cost();
        used[pair.facility] += q;
        facility_cost[pair.facility] += q * pair.unit_cost();
        price += q * pair.price_minor;
        transport += q * pair.transport_minor;
        if q > 0 {
            job_facilities[pair.job] += 1;
            let share = q as f64 / p.jobs[pair.job].quantity as f64;
            squares += share * share;
            largest = largest.max(share);
        }
    }
    let full = |f: usize| p.facilities[f].capacity.is_some_and(|c| used[f] >= c);

    let decisions = p
        .pairs
        .iter()
        .enumerate()
        .map(|(i, pair)| {
            let q = quantities[i];
            let was = relaxed.map_or(0, |r| r[i]);
            let (reason, detail) = if q > 0 {
                given(p, pair, q, i, quantities, &full)
            } else {
                withheld(p, pair, was, quantities, &full)
            };
            Decision {
                job_id: p.jobs[pair.job].id,
                facility_id: p.facilities[pair.facility].id,
                facility_name: p.facilities[pair.facility].name.clone(),
                quantity: to_u32(q),
                limit: to_u32(pair.limit),
                unit_price_minor: pair.price_minor,
                unit_transport_minor: pair.transport_minor,
                unit_cost_minor: pair.unit_cost(),
                cost_minor: q * pair.unit_cost(),
                reason,
                detail,
            }
        })
        .collect();

    let jobs: Vec<JobOutcome> = p
        .jobs
        .iter()
        .enumerate()
        .map(|(j, row)| JobOutcome {
            job_id: row.id,
            quantity: to_u32(row.quantity),
            allocated: to_u32(job_allocated[j]),
            shortfall: to_u32(row.quantity - job_allocated[j]),
            cost_minor: job_cost[j],
            facilities: job_facilities[j],
        })
        .collect();
    let facilities = p
        .facilities
        .iter()
        .enumerate()
        .map(|(f, row)| FacilityOutcome {
            facility_id: row.id,
            name: row.name.clone(),
            capacity: row.capacity.map(to_u32),
            on_probation: row.on_probation,
            allocated: to_u32(used[f]),
            cost_minor: facility_cost[f],
        })
        .collect();
    let shortfall: u64 = jobs.iter().map(|j| u64::from(j.shortfall)).sum();
    let allocated: u64 = jobs.iter().map(|j| u64::from(j.allocated)).sum();
    Allocation {
        complete: shortfall == 0,
        objective: Objective {
            shortfall,
            total_cost_minor: price + transport,
            price_minor: price,
            transport_minor: transport,
            sum_squared_shares: squares,
            largest_share: largest,
            allocated,
            optimal: provenance.optimal,
            solves: provenance.solves,
            method: provenance.method,
        },
        jobs,
        facilities,
        decisions,
    }
}

fn to_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// A candidate that got `q > 0` units.
fn given(
    p: &Prepared,
    pair: &Pair,
    q: i64,
    index: usize,
    quantities: &[i64],
    full: &dyn Fn(usize) -> bool,
) -> (Reason, String) {
    let job = &p.jobs[pair.job];
    if q >= pair.limit {
        let at = match pair.limit_by {
            LimitBy::Probation => Some((
                Reason::ProbationCap,
                format!("{q} units: the most a facility on probation may take of a job"),
            )),
            LimitBy::MaxShare => Some((
                Reason::AtMaxShare,
                format!(
                    "{q} units: the largest share one facility may take of the {} units",
                    job.quantity
                ),
            )),
            LimitBy::Candidate => Some((
                Reason::CandidateLimit,
                format!("{q} units: the most this candidate can take of the job"),
            )),
            LimitBy::Capacity => {
                Some((Reason::AtCapacity, format!("{q} units: its whole capacity")))
            }
            LimitBy::Quantity => None,
        };
        if let Some(at) = at {
            return at;
        }
    }
    if full(pair.facility) {
        let capacity = p.facilities[pair.facility].capacity.unwrap_or(0);
        return (
            Reason::AtCapacity,
            format!("{q} units: its capacity of {capacity} units is used up across the jobs"),
        );
    }
    if let Some(why) = minimum_batch(p, pair, q, index, quantities, full) {
        return why;
    }
    // Others of the same job at the same unit cost that could still take more: the
    // tie-break shared the work between them.
    let peers = p
        .pairs
        .iter()
        .enumerate()
        .filter(|&(i, other)| {
            i != index
                && other.job == pair.job
                && other.unit_cost() == pair.unit_cost()
                && quantities[i] > 0
                && quantities[i] < other.limit
                && !full(other.facility)
        })
        .count();
    if peers > 0 {
        (
            Reason::EvenSplit,
            format!(
                "{q} units at {} per unit, as cheap as {peers} other facilit{}: equal-cost \
                 work is spread evenly",
                pair.unit_cost(),
                if peers == 1 { "y" } else { "ies" }
            ),
        )
    } else if q >= job.quantity {
        (
            Reason::Cheapest,
            format!(
                "all {q} units at {} per unit: the cheapest facility with room",
                pair.unit_cost()
            ),
        )
    } else {
        (
            Reason::Cheapest,
            format!(
                "{q} units at {} per unit: the cheapest facility with room left for the rest \
                 of the job",
                pair.unit_cost()
            ),
        )
    }
}

/// A minimum batch shaped the split: a dearer facility of the job took exactly the
/// minimum batch while a cheaper one stopped short of its room, because the part the
/// cheaper ones could not take was smaller than a batch. Both sides are told so.
fn minimum_batch(
    p: &Prepared,
    pair: &Pair,
    q: i64,
    index: usize,
    quantities: &[i64],
    full: &dyn Fn(usize) -> bool,
) -> Option<(Reason, String)> {
    let job = &p.jobs[pair.job];
    if job.min_batch <= 1 {
        return None;
    }
    let others = || {
        p.pairs
            .iter()
            .enumerate()
            .filter(move |&(i, other)| i != index && other.job == pair.job && quantities[i] > 0)
    };
    let name = |other: &Pair| p.facilities[other.facility].name.clone();
    if q < pair.limit
        && let Some((_, dearer)) = others().find(|&(i, other)| {
            quantities[i] == job.min_batch && other.unit_cost() > pair.unit_cost()
        })
    {
        return Some((
            Reason::MinimumBatch,
            format!(
                "{q} units at {} per unit, {} short of what it could take: {} must get at \
                 least the minimum batch of {} units, and the job has {} units in all",
                pair.unit_cost(),
                pair.limit - q,
                name(dearer),
                job.min_batch,
                job.quantity
            ),
        ));
    }
    if q == job.min_batch
        && others().any(|(i, other)| {
            other.unit_cost() < pair.unit_cost()
                && quantities[i] < other.limit
                && !full(other.facility)
        })
    {
        return Some((
            Reason::MinimumBatch,
            format!(
                "{q} units at {} per unit: the minimum batch. Cheaper facilities cannot take \
                 all {} units, and what they leave is less than a minimum batch, so they \
                 give up some of theirs",
                pair.unit_cost(),
                job.quantity
            ),
        ));
    }
    None
}

/// A candidate that got nothing; `was` is what it had without minimum batches.
fn withheld(
    p: &Prepared,
    pair: &Pair,
    was: i64,
    quantities: &[i64],
    full: &dyn Fn(usize) -> bool,
) -> (Reason, String) {
    let job = &p.jobs[pair.job];
    if pair.limit <= 0 {
        return match pair.limit_by {
            LimitBy::Probation => (
                Reason::ProbationCap,
                "nothing: facilities on probation may not take this job".into(),
            ),
            LimitBy::MaxShare => (
                Reason::AtMaxShare,
                format!(
                    "nothing: the largest share of {} units rounds down to 0",
                    job.quantity
                ),
            ),
            LimitBy::Candidate => (
                Reason::CandidateLimit,
                "nothing: the candidate can take no units".into(),
            ),
            LimitBy::Capacity | LimitBy::Quantity => {
                (Reason::NoCapacityLeft, "nothing: its capacity is 0".into())
            }
        };
    }
    if pair.arc.is_none() {
        return (
            Reason::BelowMinBatch,
            format!(
                "nothing: it could take at most {} units, under the minimum batch of {}",
                pair.limit, job.min_batch
            ),
        );
    }
    if was > 0 {
        return (
            Reason::BelowMinBatch,
            format!(
                "nothing: without the minimum batch it would take {was} units, under the \
                 minimum of {}",
                job.min_batch
            ),
        );
    }
    if full(pair.facility) {
        return (
            Reason::NoCapacityLeft,
            "nothing: its capacity went to other jobs, where it saves more".into(),
        );
    }
    let used: i64 = p
        .pairs
        .iter()
        .zip(quantities)
        .filter(|(other, q)| other.job == pair.job && **q > 0)
        .map(|(_, q)| q)
        .sum();
    if used < job.quantity && job.min_batch > 1 {
        return (
            Reason::BelowMinBatch,
            format!(
                "nothing: the units left are fewer than the minimum batch of {}",
                job.min_batch
            ),
        );
    }
    let dearest = p
        .pairs
        .iter()
        .zip(quantities)
        .filter(|(other, q)| other.job == pair.job && **q > 0)
        .map(|(other, _)| other.unit_cost())
        .max();
    match dearest {
        Some(c) if c < pair.unit_cost() => (
            Reason::NotNeeded,
            format!(
                "nothing: cheaper facilities (at most {c} per unit) cover the job; it costs {} \
                 per unit",
                pair.unit_cost()
            ),
        ),
        _ => (
            Reason::NotNeeded,
            format!(
                "nothing: facilities at the same cost ({} per unit) cover the job",
                pair.unit_cost()
            ),
        ),
    }
}
