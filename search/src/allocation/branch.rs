//! Minimum batches: "nothing or at least m units" is not convex, so no flow can express
//! it. Branch and bound over flows does: the flow without the rule is a lower bound
//! (the convex hull of {0} ∪ [m, u] is [0, u]); a share that breaks it splits the search
//! into "this facility gets 0" and "this facility gets at least m", each again a flow.
//! The bound is the full lexicographic cost, so the answer is exactly optimal unless the
//! node budget runs out, which the result says.

use super::error::AllocationError;
use super::flow::{FlowError, FlowSolution, Network, solve};

#[derive(Debug, Clone)]
pub(crate) struct Solved {
    pub best: FlowSolution,
    /// The flow without minimum batches, to tell which facilities the rule left out.
    pub relaxed: FlowSolution,
    pub optimal: bool,
    pub nodes: u32,
}

#[derive(Debug, Clone, Copy)]
enum Fix {
    Zero,
    AtLeast,
}

fn solver_error(e: FlowError) -> AllocationError {
    AllocationError::Solver(match e {
        FlowError::Infeasible => "the network without minimum batches is infeasible".into(),
        FlowError::Internal => "a reduced cost turned negative".into(),
    })
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

    // A first answer by diving: drop every share under its minimum and solve again until
    // none is left. Always feasible (unplaced demand has its own arc), so the search
    // below has an incumbent to prune with and a fallback if the budget runs out.
    let mut dive = net.clone();
    let mut incumbent = relaxed.clone();
    loop {
        let broken = violations(&incumbent, batch_arcs);
        if broken.is_empty() {
            break;
        }
        for (arc, _) in broken {
            dive.arcs[arc].upper = 0;
        }
        incumbent = solve(&dive).map_err(solver_error)?;
        nodes += 1;
    }

    // Depth first, each node a list of fixed arcs and its parent's bound.
    let mut stack: Vec<(Vec<(usize, Fix)>, super::cost::Cost)> = Vec::new();
    push_children(&mut stack, &[], &relaxed, batch_arcs);
    let mut optimal = true;
    while let Some((fixes, parent_bound)) = stack.pop() {
        if parent_bound >= incumbent.cost {
            continue;
        }
        if nodes >= max_nodes {
            optimal = false;
            break;
        }
        let mut sub = net.clone();
        for &(arc, fix) in &fixes {
            match fix {
                Fix::Zero => sub.arcs[arc].upper = 0,
                Fix::AtLeast => {
                    let m = batch_arcs
                        .iter()
                        .find(|&&(a, _)| a == arc)
                        .map_or(0, |&(_, m)| m);
                    sub.arcs[arc].lower = m;
                }
            }
        }
        nodes += 1;
        let solution = match solve(&sub) {
            Ok(s) => s,
            // Too many "at least m" for the capacities: nothing down this branch.
            Err(FlowError::Infeasible) => continue,
            Err(e) => return Err(solver_error(e)),
        };
        if solution.cost >= incumbent.cost {
            continue;
        }
        if violations(&solution, batch_arcs).is_empty() {
            incumbent = solution;
        } else {
            push_children(&mut stack, &fixes, &solution, batch_arcs);
        }
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

/// Branches on the broken share nearest to its minimum (the most likely to be raised),
/// exploring first the side the flow leans to.
fn push_children(
    stack: &mut Vec<(Vec<(usize, Fix)>, super::cost::Cost)>,
    fixes: &[(usize, Fix)],
    s: &FlowSolution,
    batch_arcs: &[(usize, i64)],
) {
    let Some((arc, m)) = violations(s, batch_arcs)
        .into_iter()
        .max_by_key(|&(arc, m)| (s.flow[arc] * 1000 / m, std::cmp::Reverse(arc)))
    else {
        return;
    };
    let child = |fix| {
        let mut f = fixes.to_vec();
        f.push((arc, fix));
        (f, s.cost)
    };
    // The stack pops the last pushed first.
    if 2 * s.flow[arc] >= m {
        stack.push(child(Fix::Zero));
        stack.push(child(Fix::AtLeast));
    } else {
        stack.push(child(Fix::AtLeast));
        stack.push(child(Fix::Zero));
    }
}
