//! An exact integer min-cost flow with convex arc costs: successive shortest paths with
//! capacity scaling (Ahuja, Magnanti & Orlin, *Network Flows*, §10.2 and §14.5), written
//! for this crate.
//!
//! Why convex: the tie-break term `w·x²` on each assignment arc is what spreads equal-cost
//! units evenly, and a linear-cost solver cannot see it. Why scaling: with `x²` the
//! marginal cost changes at every unit, so plain successive shortest paths would need one
//! Dijkstra per unit (1,125 for the IMA programme); in phase Δ every augmentation moves Δ
//! units, and only O(arcs) augmentations happen per phase.
//!
//! Invariant (Δ-optimality): every residual arc with room for Δ more units has a
//! non-negative reduced cost for the Δ-step, taken per unit (so that potentials keep their
//! meaning from one phase to the next). Convexity keeps it true after an augmentation
//! (the next Δ on a used arc costs at least as much as the last one); at the start of each
//! phase arcs that break it are pushed by Δ until they do not. At Δ = 1 this is the usual
//! optimality condition, so the integral flow found is optimal.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::cost::Cost;

/// One arc: `lower ≤ x ≤ upper`, cost `unit·x + spread(quad·x²)`.
#[derive(Debug, Clone)]
pub(crate) struct Arc {
    pub from: usize,
    pub to: usize,
    pub lower: i64,
    pub upper: i64,
    pub unit: Cost,
    /// Weight of the convex tie-break term; 0 for a linear arc.
    pub quad: i64,
}

impl Arc {
    /// Total cost at flow `x`.
    pub fn cost_at(&self, x: i64) -> Cost {
        let x = i128::from(x);
        self.unit * x + Cost::spread(i128::from(self.quad) * x * x)
    }
}

/// An arc's costs multiplied by the solve's scale once, so that the per-unit cost of a
/// Δ-step is a few additions and one product: with `(x+d)² − x² = d·(2x + d)`, moving
/// `d = ±Δ` units costs, per unit and scaled, `±(unit + quad·(2x + d))·scale`.
#[derive(Debug, Clone, Copy)]
struct Scaled {
    unit: Cost,
    quad: i128,
}

/// A network: node supplies (positive) and demands (negative) that sum to zero.
#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    pub supply: Vec<i64>,
    pub arcs: Vec<Arc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowError {
    /// No flow meets the supplies within the bounds.
    Infeasible,
    /// A reduced cost turned negative: a bug, reported rather than answered wrongly.
    Internal,
}

#[derive(Debug, Clone)]
pub(crate) struct FlowSolution {
    pub flow: Vec<i64>,
    pub cost: Cost,
    /// Node potentials (dual values) proving optimality, on `scale`: for warm starts.
    pub potential: Vec<Cost>,
    pub scale: i64,
}

/// Residual move along arc `arc`: forward (more flow) or backward (less).
#[derive(Debug, Clone, Copy)]
struct Move {
    arc: usize,
    forward: bool,
}

struct Solver<'a> {
    net: &'a Network,
    adjacent: Vec<Vec<Move>>,
    /// The first Δ: every Δ divides it.
    scale: i64,
    scaled: Vec<Scaled>,
    flow: Vec<i64>,
    excess: Vec<i64>,
    potential: Vec<Cost>,
    // Dijkstra scratch, reused across runs.
    dist: Vec<Option<Cost>>,
    settled: Vec<bool>,
    pred: Vec<Option<Move>>,
    heap: BinaryHeap<Reverse<(Cost, usize)>>,
}

/// Solves `net` to optimality, or says why not.
pub(crate) fn solve(net: &Network) -> Result<FlowSolution, FlowError> {
    solve_from(net, None)
}

/// Solves `net` starting from `warm`, an optimal solution of the same network with other
/// bounds (a branch-and-bound parent). Its flow, clamped into the new bounds, and its
/// potentials are kept: for convex costs 1-optimality implies Δ-optimality for every Δ,
/// so only the units the new bounds displaced need to move, at scales no larger than
/// the displacement.
pub(crate) fn solve_from(
    net: &Network,
    warm: Option<&FlowSolution>,
) -> Result<FlowSolution, FlowError> {
    let n = net.supply.len();
    if net.supply.iter().map(|&s| i128::from(s)).sum::<i128>() != 0 {
        return Err(FlowError::Infeasible);
    }
    let mut adjacent = vec![Vec::new(); n];
    for (i, a) in net.arcs.iter().enumerate() {
        if a.from >= n || a.to >= n || a.lower > a.upper {
            return Err(FlowError::Infeasible);
        }
        adjacent[a.from].push(Move {
            arc: i,
            forward: true,
        });
        adjacent[a.to].push(Move {
            arc: i,
            forward: false,
        });
    }
    let warm = warm.filter(|w| w.flow.len() == net.arcs.len() && w.potential.len() == n);
    let flow: Vec<i64> = match warm {
        Some(w) => net
            .arcs
            .iter()
            .zip(&w.flow)
            .map(|(a, &x)| x.clamp(a.lower, a.upper))
            .collect(),
        None => net.arcs.iter().map(|a| a.lower).collect(),
    };
    let mut excess = net.supply.clone();
    for (a, &x) in net.arcs.iter().zip(&flow) {
        excess[a.from] -= x;
        excess[a.to] += x;
    }
    let largest = excess.iter().map(|e| e.abs()).max().unwrap_or(0).max(1);
    let mut delta: i64 = 1 << (63 - largest.leading_zeros());
    // Reduced costs are per unit times `scale`, which every Δ must divide; a warm start
    // keeps its parent's scale, since its potentials are expressed in it.
    let scale = match warm {
        Some(w) => {
            delta = delta.min(w.scale);
            w.scale
        }
        None => delta,
    };
    let mut s = Solver {
        net,
        adjacent,
        scale,
        scaled: net
            .arcs
            .iter()
            .map(|a| Scaled {
                unit: a.unit * i128::from(scale),
                quad: i128::from(a.quad) * i128::from(scale),
            })
            .collect(),
        flow,
        excess,
        potential: warm.map_or_else(|| vec![Cost::ZERO; n], |w| w.potential.clone()),
        dist: vec![None; n],
        settled: vec![false; n],
        pred: vec![None; n],
        heap: BinaryHeap::new(),
    };
    loop {
        s.restore_optimality(delta);
        while s.augment(delta)? {}
        if delta == 1 {
            break;
        }
        delta /= 2;
    }
    if s.excess.iter().any(|&e| e != 0) {
        return Err(FlowError::Infeasible);
    }
    let cost = net
        .arcs
        .iter()
        .zip(&s.flow)
        .fold(Cost::ZERO, |acc, (a, &x)| acc + a.cost_at(x));
    Ok(FlowSolution {
        flow: s.flow,
        potential: s.potential,
        scale: s.scale,
        cost,
    })
}

impl Solver<'_> {
    /// Residual capacity of a move in units.
    fn room(&self, m: Move) -> i64 {
        let a = &self.net.arcs[m.arc];
        let x = self.flow[m.arc];
        if m.forward { a.upper - x } else { x - a.lower }
    }

    /// Head of a move and the reduced cost of moving `delta` units along it, per unit.
    /// Costs are per unit (the step's cost / Δ) times the first Δ so they stay integers:
    /// potentials carry from one phase to the next and must keep one scale.
    fn reduced(&self, m: Move, delta: i64) -> (usize, Cost) {
        let a = &self.net.arcs[m.arc];
        let c = self.scaled[m.arc];
        let x2 = 2 * i128::from(self.flow[m.arc]);
        let d = i128::from(delta);
        if m.forward {
            let per_unit = c.unit + Cost::spread(c.quad * (x2 + d));
            (
                a.to,
                per_unit - self.potential[a.from] + self.potential[a.to],
            )
        } else {
            let per_unit = -(c.unit + Cost::spread(c.quad * (x2 - d)));
            (
                a.from,
                per_unit - self.potential[a.to] + self.potential[a.from],
            )
        }
    }

    fn shift(&mut self, m: Move, delta: i64) {
        let a = &self.net.arcs[m.arc];
        let (u, v) = if m.forward {
            self.flow[m.arc] += delta;
            (a.from, a.to)
        } else {
            self.flow[m.arc] -= delta;
            (a.to, a.from)
        };
        self.excess[u] -= delta;
        self.excess[v] += delta;
    }

    /// Pushes Δ along every residual arc whose Δ-step has a negative reduced cost, until
    /// none has: the phase's shortest paths need non-negative reduced costs.
    fn restore_optimality(&mut self, delta: i64) {
        for arc in 0..self.net.arcs.len() {
            // By convexity the forward and backward Δ-steps cannot both be negative, and
            // each push makes the reverse step non-negative; the loop ends because every
            // push moves the flow towards a bound.
            for forward in [true, false] {
                let m = Move { arc, forward };
                while self.room(m) >= delta && self.reduced(m, delta).1 < Cost::ZERO {
                    self.shift(m, delta);
                }
            }
        }
    }

    /// One augmentation of Δ units from the set of nodes with excess ≥ Δ to the nearest
    /// node with deficit ≥ Δ. False when no such pair is connected at this scale.
    fn augment(&mut self, delta: i64) -> Result<bool, FlowError> {
        let n = self.excess.len();
        if !self.excess.iter().any(|&e| e <= -delta) {
            return Ok(false);
        }
        self.dist.iter_mut().for_each(|d| *d = None);
        self.settled.iter_mut().for_each(|s| *s = false);
        self.pred.iter_mut().for_each(|p| *p = None);
        self.heap.clear();
        for v in 0..n {
            if self.excess[v] >= delta {
                self.dist[v] = Some(Cost::ZERO);
                self.heap.push(Reverse((Cost::ZERO, v)));
            }
        }
        let mut target = None;
        while let Some(Reverse((d, u))) = self.heap.pop() {
            if self.settled[u] || self.dist[u] != Some(d) {
                continue;
            }
            self.settled[u] = true;
            if self.excess[u] <= -delta {
                target = Some((u, d));
                break;
            }
            for i in 0..self.adjacent[u].len() {
                let m = self.adjacent[u][i];
                if self.room(m) < delta {
                    continue;
                }
                let (v, rc) = self.reduced(m, delta);
                if rc < Cost::ZERO {
                    return Err(FlowError::Internal);
                }
                if self.settled[v] {
                    continue;
                }
                let nd = d + rc;
                if self.dist[v].is_none_or(|old| nd < old) {
                    self.dist[v] = Some(nd);
                    self.pred[v] = Some(m);
                    self.heap.push(Reverse((nd, v)));
                }
            }
        }
        let Some((target, reach)) = target else {
            return Ok(false);
        };
        // Nodes beyond the target's distance move by that distance: reduced costs stay
        // non-negative (AMO §9.7) and Dijkstra could stop early.
        for v in 0..n {
            let d = match self.dist[v] {
                Some(d) if self.settled[v] => d,
                _ => reach,
            };
            self.potential[v] -= d;
        }
        let mut at = target;
        let mut hops = 0;
        while let Some(m) = self.pred[at] {
            self.shift(m, delta);
            let a = &self.net.arcs[m.arc];
            at = if m.forward { a.from } else { a.to };
            hops += 1;
            if hops > n {
                return Err(FlowError::Internal);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arc(from: usize, to: usize, upper: i64, money: i128, quad: i64) -> Arc {
        Arc {
            from,
            to,
            lower: 0,
            upper,
            unit: Cost::money(money),
            quad,
        }
    }

    #[test]
    fn linear_transport_is_solved_exactly() {
        // Two sources (0, 1) and two sinks (2, 3); the cheap cross arcs win.
        let net = Network {
            supply: vec![5, 5, -5, -5],
            arcs: vec![
                arc(0, 2, 10, 4, 0),
                arc(0, 3, 10, 1, 0),
                arc(1, 2, 10, 1, 0),
                arc(1, 3, 10, 4, 0),
            ],
        };
        let s = solve(&net).unwrap();
        assert_eq!(s.flow, vec![0, 5, 5, 0]);
        assert_eq!(s.cost, Cost::money(10));
    }

    #[test]
    fn convex_tie_break_spreads_evenly() {
        // 10 units over three equal parallel routes: 4 + 3 + 3, never 5 + 5 + 0.
        let net = Network {
            supply: vec![10, -10],
            arcs: vec![
                arc(0, 1, 10, 2, 1),
                arc(0, 1, 10, 2, 1),
                arc(0, 1, 10, 2, 1),
            ],
        };
        let s = solve(&net).unwrap();
        let mut f = s.flow.clone();
        f.sort();
        assert_eq!(f, vec![3, 3, 4]);
        assert_eq!(s.cost.money, 20);
        assert_eq!(s.cost.spread, 9 + 9 + 16);
    }

    #[test]
    fn lower_bounds_and_infeasibility() {
        let mut net = Network {
            supply: vec![4, -4],
            arcs: vec![arc(0, 1, 10, 1, 0), arc(0, 1, 10, 5, 0)],
        };
        net.arcs[1].lower = 3;
        let s = solve(&net).unwrap();
        assert_eq!(s.flow, vec![1, 3]);
        net.arcs[1].lower = 5;
        assert_eq!(solve(&net).unwrap_err(), FlowError::Infeasible);
        let short = Network {
            supply: vec![4, -4],
            arcs: vec![arc(0, 1, 3, 1, 0)],
        };
        assert_eq!(solve(&short).unwrap_err(), FlowError::Infeasible);
    }
}
