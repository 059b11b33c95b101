//! From the request to a flow network. Jobs and facilities are sorted by id first, so the
//! answer does not depend on the order rows came out of the database.
//!
//! Nodes: one per job (supply = its quantity), one per facility, and a sink (demand = all
//! quantities). Arcs: job → facility for every candidate, capped by the tightest of its
//! limits and priced per unit, with the convex spread term; facility → sink capped by the
//! facility's capacity (shared by all jobs, which is what makes a programme more than
//! several independent jobs); job → sink for demand left unplaced, at one unit of the
//! first objective component, so it is used only when nothing else can take the units.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::cost::Cost;
use super::error::AllocationError;
use super::flow::{Arc, Network};
use super::model::{AllocationOptions, AllocationProblem, MAX_TOTAL_QUANTITY, MAX_UNIT_COST_MINOR};

/// Scale of the spread weights: a job's weight is 2⁴⁰ / quantity², so that the term is
/// Σ 2⁴⁰·share² and jobs of different sizes weigh their shares alike, in integers. (From a
/// million units up the weight bottoms out at 1; it is only a tie-break.)
const SPREAD_SCALE: i128 = 1 << 40;

/// The integer spread weight of a job of `quantity` units.
pub(crate) fn spread_weight(quantity: i64) -> i64 {
    let q2 = i128::from(quantity.max(1)).pow(2);
    i64::try_from(((SPREAD_SCALE + q2 / 2) / q2).max(1)).unwrap_or(i64::MAX)
}

/// Which rule sets a candidate's limit for a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitBy {
    Quantity,
    Candidate,
    MaxShare,
    Probation,
    Capacity,
}

#[derive(Debug, Clone)]
pub(crate) struct JobRow {
    pub id: Uuid,
    pub quantity: i64,
    pub min_batch: i64,
    pub spread_weight: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct FacilityRow {
    pub id: Uuid,
    pub name: String,
    pub capacity: Option<i64>,
    pub on_probation: bool,
}

/// One candidate (job, facility) pair.
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    pub job: usize,
    pub facility: usize,
    pub price_minor: i64,
    pub transport_minor: i64,
    pub limit: i64,
    pub limit_by: LimitBy,
    /// The arc in the network; none when the limit leaves no room (0, or under the
    /// minimum batch).
    pub arc: Option<usize>,
}

impl Pair {
    pub fn unit_cost(&self) -> i64 {
        self.price_minor + self.transport_minor
    }
}

/// The request, checked and numbered, with its network.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub jobs: Vec<JobRow>,
    pub facilities: Vec<FacilityRow>,
    pub pairs: Vec<Pair>,
    pub network: Network,
    /// Assignment arcs under a minimum batch: (arc, minimum).
    pub batch_arcs: Vec<(usize, i64)>,
}

fn invalid(message: String) -> AllocationError {
    AllocationError::InvalidInput(message)
}

fn check_rate(rate: f64) -> Result<(), AllocationError> {
    if !rate.is_finite() || rate < 0.0 {
        return Err(invalid(format!(
            "transport cost per unit and km must be a non-negative number, not {rate}"
        )));
    }
    Ok(())
}

pub(crate) fn prepare(
    problem: &AllocationProblem,
    options: &AllocationOptions,
) -> Result<Prepared, AllocationError> {
    check_share(options.max_share, "options.max_share")?;
    check_rate(options.transport_minor_per_unit_km)?;
    if problem.jobs.is_empty() {
        return Err(invalid("no job to allocate".into()));
    }

    let mut jobs_in = problem.jobs.iter().collect::<Vec<_>>();
    jobs_in.sort_by_key(|j| j.id);
    let mut total: u64 = 0;
    let mut job_index = BTreeMap::new();
    for (i, j) in jobs_in.iter().enumerate() {
        if job_index.insert(j.id, i).is_some() {
            return Err(invalid(format!("job {} appears twice", j.id)));
        }
        if j.quantity == 0 {
            return Err(invalid(format!("job {} has quantity 0", j.id)));
        }
        check_share(j.max_share, "job max_share")?;
        check_price(j.unit_price_minor, "job unit price")?;
        if let Some(rate) = j.transport_minor_per_unit_km {
            check_rate(rate)?;
        }
        total += u64::from(j.quantity);
    }
    if total > MAX_TOTAL_QUANTITY {
        return Err(invalid(format!(
            "{total} units in one allocation; at most {MAX_TOTAL_QUANTITY} are accepted"
        )));
    }

    let mut facilities_in = problem.facilities.iter().collect::<Vec<_>>();
    facilities_in.sort_by_key(|f| f.id);
    let mut facility_index = BTreeMap::new();
    for (i, f) in facilities_in.iter().enumerate() {
        if facility_index.insert(f.id, i).is_some() {
            return Err(invalid(format!("facility {} appears twice", f.id)));
        }
    }

    let n_jobs = jobs_in.len();
    let n_facilities = facilities_in.len();
    let sink = n_jobs + n_facilities;
    let mut network = Network {
        supply: vec![0; sink + 1],
        arcs: Vec::new(),
    };

    let mut jobs = Vec::with_capacity(n_jobs);
    for (i, j) in jobs_in.iter().enumerate() {
        let quantity = i64::from(j.quantity);
        network.supply[i] = quantity;
        network.supply[sink] -= quantity;
        network.arcs.push(Arc {
            from: i,
            to: sink,
            lower: 0,
            upper: quantity,
            unit: Cost::shortfall(1),
            quad: 0,
        });
        let min_batch = i64::from(j.min_batch.or(options.min_batch).unwrap_or(0));
        jobs.push(JobRow {
            id: j.id,
            quantity,
            min_batch,
            spread_weight: spread_weight(quantity),
        });
    }

    let mut facilities = Vec::with_capacity(n_facilities);
    for (i, f) in facilities_in.iter().enumerate() {
        let capacity = f.capacity.map(i64::from);
        network.arcs.push(Arc {
            from: n_jobs + i,
            to: sink,
            lower: 0,
            // Unbounded means "never the binding limit": the whole demand fits.
            upper: capacity.unwrap_or(total as i64),
            unit: Cost::ZERO,
            quad: 0,
        });
        facilities.push(FacilityRow {
            id: f.id,
            name: f.name.clone(),
            capacity,
            on_probation: f.on_probation,
        });
    }

    // Candidates in (job, facility) order, so that arcs, and with them the solver's
    // choice among exact ties, do not depend on the order of the input.
    let mut located = Vec::with_capacity(problem.candidates.len());
    for c in &problem.candidates {
        let &job = job_index.get(&c.job_id).ok_or_else(|| {
            invalid(format!(
                "candidate facility {} is for job {}, which is not in the request",
                c.facility_id, c.job_id
            ))
        })?;
        let &facility = facility_index.get(&c.facility_id).ok_or_else(|| {
            invalid(format!(
                "candidate facility {} for job {} is not among the facilities",
                c.facility_id, c.job_id
            ))
        })?;
        located.push((job, facility, c));
    }
    located.sort_by_key(|&(job, facility, _)| (job, facility));
    let mut pairs: Vec<Pair> = Vec::with_capacity(located.len());
    for (job, facility, c) in located {
        if pairs
            .last()
            .is_some_and(|p| p.job == job && p.facility == facility)
        {
            return Err(invalid(format!(
                "facility {} is a candidate for job {} twice",
                c.facility_id, c.job_id
            )));
        }
        check_price(c.unit_price_minor, "candidate unit price")?;
        let price_minor = c
            .unit_price_minor
            .or(jobs_in[job].unit_price_minor)
            .unwrap_or(0);
        let rate = jobs_in[job]
            .transport_minor_per_unit_km
            .unwrap_or(options.transport_minor_per_unit_km);
        let transport_minor = match c.distance_km {
            None => 0,
            Some(d) if d.is_finite() && d >= 0.0 => (d * rate).round() as i64,
            Some(d) => {
                return Err(invalid(format!(
                    "distance {d} km of facility {} is not a non-negative number",
                    c.facility_id
                )));
            }
        };
        if transport_minor > MAX_UNIT_COST_MINOR
            || price_minor + transport_minor > MAX_UNIT_COST_MINOR
        {
            return Err(invalid(format!(
                "unit cost of facility {} for job {} exceeds {MAX_UNIT_COST_MINOR} minor units",
                c.facility_id, c.job_id
            )));
        }
        let j = &jobs[job];
        let f = &facilities[facility];
        let share = jobs_in[job].max_share.or(options.max_share);
        // The tightest limit wins; on equal values the more specific rule is named.
        let mut limits = vec![(j.quantity, LimitBy::Quantity)];
        if let Some(cap) = f.capacity {
            limits.push((cap, LimitBy::Capacity));
        }
        if let Some(m) = c.max_quantity {
            limits.push((i64::from(m), LimitBy::Candidate));
        }
        if let Some(s) = share {
            limits.push((
                (s * j.quantity as f64 + 1e-9).floor() as i64,
                LimitBy::MaxShare,
            ));
        }
        if f.on_probation
            && let Some(cap) = options.probation_cap
        {
            limits.push((i64::from(cap), LimitBy::Probation));
        }
        let (limit, limit_by) = limits
            .into_iter()
            .min_by_key(|&(value, by)| (value, specificity(by)))
            .unwrap_or((j.quantity, LimitBy::Quantity));
        let arc = if limit > 0 && limit >= j.min_batch {
            network.arcs.push(Arc {
                from: job,
                to: n_jobs + facility,
                lower: 0,
                upper: limit,
                unit: Cost::money(i128::from(price_minor + transport_minor)),
                quad: j.spread_weight,
            });
            Some(network.arcs.len() - 1)
        } else {
            None
        };
        pairs.push(Pair {
            job,
            facility,
            price_minor,
            transport_minor,
            limit,
            limit_by,
            arc,
        });
    }

    let batch_arcs = pairs
        .iter()
        .filter_map(|p| {
            let m = jobs[p.job].min_batch;
            p.arc.filter(|_| m > 1).map(|a| (a, m))
        })
        .collect();
    Ok(Prepared {
        jobs,
        facilities,
        pairs,
        network,
        batch_arcs,
    })
}

/// Lower is named first when two limits are equal.
fn specificity(by: LimitBy) -> u8 {
    match by {
        LimitBy::Probation => 0,
        LimitBy::MaxShare => 1,
        LimitBy::Candidate => 2,
        LimitBy::Capacity => 3,
        LimitBy::Quantity => 4,
    }
}

fn check_share(share: Option<f64>, what: &str) -> Result<(), AllocationError> {
    match share {
        Some(s) if !(s.is_finite() && s > 0.0 && s <= 1.0) => Err(invalid(format!(
            "{what} must be a fraction in (0, 1], not {s}"
        ))),
        _ => Ok(()),
    }
}

fn check_price(price: Option<i64>, what: &str) -> Result<(), AllocationError> {
    match price {
        Some(p) if !(0..=MAX_UNIT_COST_MINOR).contains(&p) => Err(invalid(format!(
            "{what} must be within 0..={MAX_UNIT_COST_MINOR} minor units, not {p}"
        ))),
        _ => Ok(()),
    }
}
