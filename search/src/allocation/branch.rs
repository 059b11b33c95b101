//! Minimum batches: "nothing or at least m units" is not convex, so no flow can express
//! it. Branch and bound over flows does: the flow without the rule is a lower bound
//! (the convex hull of {0} ∪ [m, u] is [0, u]); a share that breaks it splits the search
//! into "this facility gets 0" and "this facility gets at least m", each again a flow,
//! solved warm from its parent's.
//!
//! What is proven optimal is the pair (shortfall, money). In order:
//! 1. the flow with the spread tie-break, ignoring minimum batches; if no share breaks the
//!    rule it is the answer (the IMA split with a minimum batch ends here);
//! 2. a dive: the broken share nearest its minimum is raised to it (closed if it cannot
//!    be), the flow solved again, and so on until none is left; if that costs no more than
//!    step 1, it is optimal and as even as the raised shares allow;
//! 3. otherwise the search, on the network without the spread term: its flows are
//!    extreme points with few shares strictly between bounds, so far fewer break the
//!    rule than in the even flows of step 1, and the tree stays small. Nodes that cannot
//!    beat the best (shortfall, money) found are pruned;
//! 4. if the search found a cheaper split, its open shares are kept (each ≥ its minimum,
//!    the others closed) and the flow with the spread term is solved once more, so the
//!    answer is as even as those shares allow.
//!
//! Certifying the most even split over all equal-cost sets of open shares would mean
//! enumerating them, which grows exponentially when many spaces tie; so with minimum
//! batches the spread is minimised within the chosen shares only.

use std::rc::Rc;

use super::cost::Cost;
use super::error::AllocationError;
use super::flow::{FlowError, FlowSolution, Network, solve, solve_from};

#[derive(Debug, Clone)]
pub(crate) struct Solved {
    pub best: FlowSolution,
    /// The flow without minimum batches, to tell which facilities the rule left out.
    pub relaxed: FlowSolution,
    pub optimal: bool,
    /// Flow problems solved.
    pub nodes: u32,
}

#[derive(Debug, Clone, Copy)]
enum Fix {
    Zero,
    AtLeast(i64),
}

/// A node of the search: the arcs fixed on its path, and its parent's solution (its bound
/// and its warm start).
type Node = (Vec<(usize, Fix)>, Rc<FlowSolution>);

fn solver_error(e: FlowError) -> AllocationError {
    AllocationError::Solver(match e {
        FlowError::Infeasible => "a flow with no minimum batch was found infeasible".into(),
        FlowError::Internal => "a reduced cost turned negative".into(),
    })
}

/// The part of the cost the search proves optimal.
fn primary(c: Cost) -> (i128, i128) {
    (c.shortfall, c.money)
}

/// Solves `net` with each `(arc, m)` of `batch_arcs` carrying 0 or ≥ m units.
pub(crate) fn solve_with_batches(
    net: &Network,
    batch_arcs: &[(usize, i64)],
    max_nodes: u32,
) -> Result<Solved, AllocationError> {
    let relaxed = solve(net).map_err(solver_error)?;
    let mut nodes = 1;
    if violations(&relaxed, batch_arcs).is_empty() {
        return Ok(Solved {
            best: relaxed.clone(),
            relaxed,
            optimal: true,
            nodes,
        });
    }

    // Step 2: one path down the tree, raising each broken share (or closing it when it
    // cannot be raised). Closing is always feasible (unplaced demand has its own arc), so
    // this ends with an incumbent to prune with, and a fallback if the budget runs out.
    let mut dive = net.clone();
    let mut incumbent = relaxed.clone();
    while let Some((arc, m)) = worst_violation(&incumbent, batch_arcs) {
        dive.arcs[arc].lower = m;
        nodes += 1;
        incumbent = match solve_from(&dive, Some(&incumbent)) {
            Ok(s) => s,
            Err(FlowError::Infeasible) => {
                dive.arcs[arc].lower = 0;
                dive.arcs[arc].upper = 0;
                nodes += 1;
                solve_from(&dive, Some(&incumbent)).map_err(solver_error)?
            }
            Err(e) => return Err(solver_error(e)),
        };
    }
    if primary(incumbent.cost) <= primary(relaxed.cost) {
        return Ok(Solved {
            best: incumbent,
            relaxed,
            optimal: true,
            nodes,
        });
    }

    // Step 3, on the linear network.
    let mut linear = net.clone();
    linear.arcs.iter_mut().for_each(|a| a.quad = 0);
    let root = Rc::new(solve(&linear).map_err(solver_error)?);
    nodes += 1;
    let mut bound = primary(incumbent.cost);
    let mut found: Option<FlowSolution> = None;
    let mut stack: Vec<Node> = Vec::new();
    if violations(&root, batch_arcs).is_empty() {
        found = Some((*root).clone());
    } else {
        push_children(&mut stack, &[], &root, batch_arcs);
    }
    let mut optimal = true;
    while let Some((fixes, parent)) = stack.pop() {
        if primary(parent.cost) >= bound {
            continue;
        }
        if nodes >= max_nodes {
            optimal = false;
            break;
        }
        let mut sub = linear.clone();
        for &(arc, fix) in &fixes {
            match fix {
                Fix::Zero => sub.arcs[arc].upper = 0,
                Fix::AtLeast(m) => sub.arcs[arc].lower = m,
            }
        }
        nodes += 1;
        let solution = match solve_from(&sub, Some(&parent)) {
            Ok(s) => s,
            // Too many "at least m" for the capacities: nothing down this branch.
            Err(FlowError::Infeasible) => continue,
            Err(e) => return Err(solver_error(e)),
        };
        if primary(solution.cost) >= bound {
            continue;
        }
        if violations(&solution, batch_arcs).is_empty() {
            bound = primary(solution.cost);
            found = Some(solution);
        } else {
            push_children(&mut stack, &fixes, &Rc::new(solution), batch_arcs);
        }
    }

    // Step 4.
    if let Some(f) = found.filter(|f| primary(f.cost) < primary(incumbent.cost)) {
        let mut fixed = net.clone();
        for &(arc, m) in batch_arcs {
            if f.flow[arc] > 0 {
                fixed.arcs[arc].lower = m;
            } else {
                fixed.arcs[arc].upper = 0;
            }
        }
        nodes += 1;
        incumbent = solve(&fixed).map_err(solver_error)?;
    }
    Ok(Solved {
        best: incumbent,
        relaxed,
        optimal,
        nodes,
    })
}

/// Arcs carrying some units but fewer than their minimum.
fn violations(s: &FlowSolution, batch_arcs: &[(usize, i64)]) -> Vec<(usize, i64)> {
    batch_arcs
        .iter()
        .copied()
        .filter(|&(arc, m)| s.flow[arc] > 0 && s.flow[arc] < m)
        .collect()
}

/// The broken share nearest to its minimum, if any.
fn worst_violation(s: &FlowSolution, batch_arcs: &[(usize, i64)]) -> Option<(usize, i64)> {
    violations(s, batch_arcs)
        .into_iter()
        .max_by_key(|&(arc, m)| (s.flow[arc] * 1000 / m, std::cmp::Reverse(arc)))
}

/// Branches on the broken share nearest to its minimum.
fn push_children(
    stack: &mut Vec<Node>,
    fixes: &[(usize, Fix)],
    s: &Rc<FlowSolution>,
    batch_arcs: &[(usize, i64)],
) {
    let Some((arc, m)) = worst_violation(s, batch_arcs) else {
        return;
    };
    let child = |fix| {
        let mut f = fixes.to_vec();
        f.push((arc, fix));
        (f, Rc::clone(s))
    };
    // Raising first: a broken share is mostly a job's remainder, and lifting it to the
    // minimum takes a few units from the job's other shares, which usually have them to
    // spare; closing it instead pushes the remainder to the next facility, where it breaks
    // the rule again, a cascade the search would have to follow arc by arc. The stack pops
    // the last pushed first.
    stack.push(child(Fix::Zero));
    stack.push(child(Fix::AtLeast(m)));
}
