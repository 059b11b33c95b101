//! Production chains (DESIGN §6): when no single facility meets every required process,
//! machine, material and certification, two or three facilities that together do (print
//! here, assemble there), each making its part, within reach of each other and of the
//! delivery point.
//!
//! A chain is scored from the same factors as one facility's team: each requirement earns
//! the best credit any part gives it; distance is the whole route's (every leg, then to the
//! delivery point); capacity, track record, freshness, availability and relevance are the
//! weakest part's; and each hand-off takes `chain_discount` off the weighted mean. So a
//! single facility outranks a chain whose factors are the same.
//!
//! The search is exact over the teams it is given: every combination of up to three that
//! forms a chain is considered. Skipped are only those that cannot form one (a pair out of
//! reach of each other; a triple holding a pair that already covers everything, whose third
//! part would be redundant) and those that cannot enter the best `MAX_CHAINS`: an upper
//! bound (every requirement met, the route no longer than its farthest part's way to the
//! delivery point) below the worst kept, or every triple once the kept beat two hand-offs'
//! discount.

use std::cmp::Ordering;
use std::collections::HashMap;

use uuid::Uuid;

use super::factors;
use super::input::JobSpec;
use super::output::{Chain, ChainPart, Evidence, FactorScore, Leg, Missing, TeamMatch};
use super::requirements::Resolved;
use super::weights::{DEFAULT_CHAIN_REACH_KM, Factor, MatchOptions};
use super::{MatchError, checkpoint, mean, weigh};
use crate::document::RequirementKind;
use crate::spatial::LatLon;

/// Facilities in a chain at most.
pub const MAX_PARTS: usize = 3;
/// Chains ranked at most: the best.
pub const MAX_CHAINS: usize = 20;
/// Required facility work a chain can split (one bit each); a job asking for more gets no
/// chains.
const MAX_SPLIT: usize = 64;

/// Requirements the facility itself meets; skills come with each facility's team.
fn facility_work(kind: RequirementKind) -> bool {
    kind != RequirementKind::Skill
}

/// How far apart a chain's facilities, and each from the delivery point, may be.
pub fn reach_km(job: &JobSpec, options: &MatchOptions) -> f64 {
    options
        .chain_reach_km
        .or(job.max_distance_km)
        .unwrap_or(DEFAULT_CHAIN_REACH_KM)
}

/// One facility's team as a possible part.
struct Member<'t> {
    team: &'t TeamMatch,
    at: LatLon,
    /// Per requirement (job order), the best credit the team's evidence gives it.
    credit: Vec<f64>,
    /// The required facility work it meets, one bit each.
    mask: u64,
}

/// A combination that forms a chain, scored.
struct Scored {
    score: f64,
    /// Member indices in route order.
    route: Vec<usize>,
    route_km: f64,
}

/// The job's requirements and the teams chains are made of.
pub(crate) struct Chains<'a> {
    job: &'a JobSpec,
    options: &'a MatchOptions,
    reqs: &'a [Resolved<'a>],
    members: Vec<Member<'a>>,
    /// Every required facility work's bit.
    full: u64,
    /// Whether a facility (placed or not) meets every required facility work alone.
    any_complete: bool,
    reach: f64,
}

impl<'a> Chains<'a> {
    /// `teams`: each facility's team as scored alone; `positions`: where each facility is.
    /// `None` when the job gives chains nothing to split.
    pub(crate) fn new(
        job: &'a JobSpec,
        options: &'a MatchOptions,
        reqs: &'a [Resolved<'a>],
        teams: &'a [TeamMatch],
        positions: &HashMap<Uuid, LatLon>,
    ) -> Option<Chains<'a>> {
        let split: Vec<usize> = reqs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.req.required && facility_work(r.req.kind))
            .map(|(i, _)| i)
            .collect();
        if split.is_empty() || split.len() > MAX_SPLIT {
            return None;
        }
        let full = if split.len() == MAX_SPLIT {
            u64::MAX
        } else {
            (1u64 << split.len()) - 1
        };
        let mut index: HashMap<(RequirementKind, &str, bool), Vec<usize>> = HashMap::new();
        for (i, r) in reqs.iter().enumerate() {
            index
                .entry((r.req.kind, r.req.term.as_str(), r.req.required))
                .or_default()
                .push(i);
        }
        let mut any_complete = false;
        let members = teams
            .iter()
            .filter_map(|team| {
                let mut credit = vec![0.0f64; reqs.len()];
                for e in &team.evidence {
                    for &i in index
                        .get(&(e.kind, e.term.as_str(), e.required))
                        .into_iter()
                        .flatten()
                    {
                        credit[i] = credit[i].max(e.credit);
                    }
                }
                let mask = split
                    .iter()
                    .enumerate()
                    .filter(|&(_, &i)| credit[i] > 0.0)
                    .fold(0u64, |m, (bit, _)| m | (1u64 << bit));
                any_complete |= mask == full;
                // Without a position its legs are unknown: it cannot be a part.
                let at = *positions.get(&team.facility_id)?;
                Some(Member {
                    team,
                    at,
                    credit,
                    mask,
                })
            })
            .collect();
        Some(Chains {
            job,
            options,
            reqs,
            members,
            full,
            any_complete,
            reach: reach_km(job, options),
        })
    }

    /// Whether one of the teams meets every required facility work alone: then no chain
    /// is offered.
    pub(crate) fn single_suffices(&self) -> bool {
        self.any_complete
    }

    /// The facilities that could be part of a chain: those meeting some required facility
    /// work, within reach of the delivery point.
    pub(crate) fn candidates(&self) -> Vec<Uuid> {
        self.useful()
            .into_iter()
            .map(|i| self.members[i].team.facility_id)
            .collect()
    }

    /// The members that bring something and are within reach of the delivery point.
    fn useful(&self) -> Vec<usize> {
        (0..self.members.len())
            .filter(|&i| self.members[i].mask != 0 && self.delivers(i))
            .collect()
    }

    /// Every chain the teams form, best first, at most `MAX_CHAINS`.
    pub(crate) fn rank(&self) -> Result<Vec<TeamMatch>, MatchError> {
        let mut useful = self.useful();
        useful.sort_by_key(|&i| self.members[i].team.facility_id);
        // Distances between them, once: each combination asks several times.
        let n = useful.len();
        let mut slot = vec![usize::MAX; self.members.len()];
        for (x, &a) in useful.iter().enumerate() {
            slot[a] = x;
        }
        let mut between = vec![0.0f64; n * n];
        for x in 0..n {
            for y in x + 1..n {
                let d = self.km(useful[x], useful[y]);
                between[x * n + y] = d;
                between[y * n + x] = d;
            }
        }
        let km = |a: usize, b: usize| between[slot[a] * n + slot[b]];
        let mut best = Best::default();
        // Pairs first: a pair that covers everything makes every triple holding it
        // redundant.
        let mut open_pairs = Vec::new();
        for (x, &a) in useful.iter().enumerate() {
            checkpoint()?;
            for (y, &b) in useful.iter().enumerate().skip(x + 1) {
                if between[x * n + y] > self.reach {
                    continue;
                }
                if self.members[a].mask | self.members[b].mask == self.full {
                    best.offer(self.evaluate(&[a, b], &km, best.bar()), self);
                } else {
                    open_pairs.push((x, y));
                }
            }
        }
        for (count, &(x, y)) in open_pairs.iter().enumerate() {
            if count % 256 == 0 {
                checkpoint()?;
            }
            // No triple can score above its two hand-offs' discount.
            if best.bar() > self.discount(MAX_PARTS) + 1e-9 {
                break;
            }
            let (a, b) = (useful[x], useful[y]);
            let pair = self.members[a].mask | self.members[b].mask;
            for &c in &useful[y + 1..] {
                let with = self.members[c].mask;
                if pair | with == self.full
                    && self.members[a].mask | with != self.full
                    && self.members[b].mask | with != self.full
                {
                    best.offer(self.evaluate(&[a, b, c], &km, best.bar()), self);
                }
            }
        }
        let mut found = best.kept;
        found.sort_by(|a, b| self.order(a, b));
        Ok(found.iter().map(|s| self.build(s)).collect())
    }

    /// The chain the teams `ids` form (their facility ids), as `rank` would score it;
    /// `None` when they form none.
    pub(crate) fn one(&self, ids: &[Uuid]) -> Option<TeamMatch> {
        let members: Vec<usize> = ids
            .iter()
            .map(|id| self.members.iter().position(|m| m.team.facility_id == *id))
            .collect::<Option<_>>()?;
        let scored = self.evaluate(&members, &|a, b| self.km(a, b), f64::NEG_INFINITY)?;
        Some(self.build(&scored))
    }

    /// Best score first; then as the ranking orders teams: by the delivering facility's
    /// id, then the parts'.
    fn order(&self, a: &Scored, b: &Scored) -> Ordering {
        let ids = |s: &Scored| -> Vec<Uuid> {
            s.route
                .iter()
                .map(|&i| self.members[i].team.facility_id)
                .collect()
        };
        let last = |s: &Scored| s.route.last().map(|&i| self.members[i].team.facility_id);
        b.score
            .total_cmp(&a.score)
            .then(last(a).cmp(&last(b)))
            .then_with(|| ids(a).cmp(&ids(b)))
    }

    fn delivers(&self, i: usize) -> bool {
        self.job.delivery.is_none()
            || self.members[i]
                .team
                .distance_km
                .is_some_and(|d| d <= self.reach)
    }

    /// Between two members; the same figure whichever way round.
    fn km(&self, a: usize, b: usize) -> f64 {
        let (a, b) = (&self.members[a], &self.members[b]);
        if a.team.facility_id <= b.team.facility_id {
            a.at.distance_km(b.at)
        } else {
            b.at.distance_km(a.at)
        }
    }

    /// The route through `members` that travels least (ending at the delivery point when
    /// there is one), ties by facility ids.
    fn route(&self, members: &[usize], km: &dyn Fn(usize, usize) -> f64) -> (Vec<usize>, f64) {
        const PAIRS: [[usize; 3]; 2] = [[0, 1, 0], [1, 0, 0]];
        const TRIPLES: [[usize; 3]; 6] = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        let k = members.len();
        let orders: &[[usize; 3]] = if k == 2 { &PAIRS } else { &TRIPLES };
        let ids = |o: &[usize; 3]| -> [Uuid; 3] {
            let mut out = [Uuid::nil(); 3];
            for (slot, &p) in out.iter_mut().zip(&o[..k]) {
                *slot = self.members[members[p]].team.facility_id;
            }
            out
        };
        let mut best: Option<(&[usize; 3], f64)> = None;
        for order in orders {
            let at = |p: usize| members[order[p]];
            let mut total: f64 = (1..k).map(|p| km(at(p - 1), at(p))).sum();
            if self.job.delivery.is_some() {
                total += self.members[at(k - 1)]
                    .team
                    .distance_km
                    .unwrap_or(f64::INFINITY);
            }
            let better = match best {
                None => true,
                Some((o, t)) => total
                    .total_cmp(&t)
                    .then_with(|| ids(order).cmp(&ids(o)))
                    .is_lt(),
            };
            if better {
                best = Some((order, total));
            }
        }
        best.map(|(o, t)| (o[..k].iter().map(|&p| members[p]).collect(), t))
            .unwrap_or_default()
    }

    /// The chain `members` form, scored; `None` unless they form one: two or three
    /// distinct facilities, each within reach of the others and of the delivery point,
    /// together meeting every required facility work, with none redundant (no fewer of
    /// them meet it all).
    ///
    /// `bar`: a chain whose score could not reach it is not scored (`None`); the bound
    /// takes every requirement as met and the route as no longer than its farthest part
    /// from the delivery point (every part lies on it before the delivery point).
    fn evaluate(
        &self,
        members: &[usize],
        km: &dyn Fn(usize, usize) -> f64,
        bar: f64,
    ) -> Option<Scored> {
        let repeated = members
            .iter()
            .enumerate()
            .any(|(x, a)| members[x + 1..].contains(a));
        if !(2..=MAX_PARTS).contains(&members.len()) || repeated {
            return None;
        }
        let all = members.iter().fold(0, |m, &i| m | self.members[i].mask);
        if all != self.full {
            return None;
        }
        for &left_out in members {
            let rest = members
                .iter()
                .filter(|&&i| i != left_out)
                .fold(0, |m, &i| m | self.members[i].mask);
            if rest == self.full {
                return None;
            }
        }
        if !members.iter().all(|&i| self.delivers(i)) {
            return None;
        }
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if km(a, b) > self.reach {
                    return None;
                }
            }
        }
        let discount = self.discount(members.len());
        if bar > f64::NEG_INFINITY {
            let shortest = members
                .iter()
                .filter_map(|&i| self.members[i].team.distance_km)
                .fold(0.0, f64::max);
            let bound = mean(
                &plain(self.values(members, shortest, false, true)),
                self.options,
                discount,
            );
            // A hair of slack for rounding: the bound must never fall below the score.
            if bound + 1e-9 < bar {
                return None;
            }
        }
        let (route, route_km) = self.route(members, km);
        let score = mean(
            &plain(self.values(&route, route_km, false, false)),
            self.options,
            discount,
        );
        Some(Scored {
            score,
            route,
            route_km,
        })
    }

    fn discount(&self, parts: usize) -> f64 {
        let handoffs = i32::try_from(parts.saturating_sub(1)).unwrap_or(i32::MAX);
        (1.0 - self.options.chain_discount).powi(handoffs)
    }

    /// The member of `route` that gives requirement `r` its best credit (the earliest on
    /// ties); `None` when none meets it.
    fn best_for(&self, route: &[usize], r: usize) -> Option<usize> {
        let mut best: Option<usize> = None;
        for &i in route {
            let c = self.members[i].credit[r];
            if c > 0.0 && best.is_none_or(|b| c > self.members[b].credit[r]) {
                best = Some(i);
            }
        }
        best
    }

    /// The factor values of the chain along `route`, with notes when `explain`; with
    /// `optimistic`, every requirement counts as met (an upper bound).
    fn values(
        &self,
        route: &[usize],
        route_km: f64,
        explain: bool,
        optimistic: bool,
    ) -> [(Factor, Option<(f64, String)>); 11] {
        let coverage = |kind: RequirementKind| -> Option<(f64, String)> {
            let (mut got, mut total, mut met, mut count) = (0.0, 0.0, 0usize, 0usize);
            for (r, req) in self.reqs.iter().enumerate() {
                if req.req.kind != kind {
                    continue;
                }
                count += 1;
                total += req.weight;
                let best = if optimistic {
                    1.0
                } else {
                    route
                        .iter()
                        .map(|&i| self.members[i].credit[r])
                        .fold(0.0, f64::max)
                };
                if best > 0.0 {
                    got += req.weight * best;
                    met += 1;
                }
            }
            (count > 0).then(|| {
                let value = if total > 0.0 {
                    got / total
                } else {
                    met as f64 / count as f64
                };
                let note = if explain {
                    format!("{met} of {count} met by the chain's facilities together")
                } else {
                    String::new()
                };
                (value, note)
            })
        };
        let weakest = |factor: Factor| -> Option<(f64, String)> {
            let mut worst: Option<(f64, &FactorScore, &str)> = None;
            for &i in route {
                let team = self.members[i].team;
                if let Some(f) = team
                    .breakdown
                    .iter()
                    .find(|f| f.factor == factor && f.applicable)
                    && worst.is_none_or(|(v, _, _)| f.value < v)
                {
                    worst = Some((f.value, f, team.facility_name.as_str()));
                }
            }
            worst.map(|(v, f, name)| {
                let note = if explain {
                    format!("the weakest part's, {name}: {}", f.note)
                } else {
                    String::new()
                };
                (v, note)
            })
        };
        let distance = self.job.delivery.map(|_| {
            let (value, _) = factors::distance(route_km, self.options);
            let note = if explain {
                format!(
                    "{route_km:.1} km along the chain to the delivery point (the factor halves every {} km)",
                    self.options.distance_half_life_km
                )
            } else {
                String::new()
            };
            (value, note)
        });
        [
            (Factor::Process, coverage(RequirementKind::Process)),
            (Factor::Equipment, coverage(RequirementKind::Equipment)),
            (Factor::Material, coverage(RequirementKind::Material)),
            (
                Factor::Certification,
                coverage(RequirementKind::Certification),
            ),
            (Factor::Skill, coverage(RequirementKind::Skill)),
            (Factor::Distance, distance),
            (Factor::Capacity, weakest(Factor::Capacity)),
            (Factor::TrackRecord, weakest(Factor::TrackRecord)),
            (Factor::Freshness, weakest(Factor::Freshness)),
            (Factor::Availability, weakest(Factor::Availability)),
            (Factor::Relevance, weakest(Factor::Relevance)),
        ]
    }

    /// The ranked team of a scored chain: its parts, legs, breakdown, evidence and what
    /// it misses.
    fn build(&self, s: &Scored) -> TeamMatch {
        let discount = self.discount(s.route.len());
        let (breakdown, score) = weigh(
            self.values(&s.route, s.route_km, true, false),
            self.options,
            discount,
        );
        let mut parts: Vec<ChainPart> = s
            .route
            .iter()
            .map(|&i| {
                let team = self.members[i].team;
                ChainPart {
                    facility_id: team.facility_id,
                    facility_name: team.facility_name.clone(),
                    covers: Vec::new(),
                    machine_ids: Vec::new(),
                    makers: Vec::new(),
                    distance_km: team.distance_km,
                }
            })
            .collect();
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut missing: Vec<Missing> = Vec::new();
        for (r, req) in self.reqs.iter().enumerate() {
            let Some(i) = self.best_for(&s.route, r) else {
                let reason = "none of the chain's facilities or their makers meets it".into();
                missing.push(super::coverage::missing(req, reason));
                continue;
            };
            let team = self.members[i].team;
            let credit = self.members[i].credit[r];
            let Some(part) = parts.iter_mut().find(|p| p.facility_id == team.facility_id) else {
                continue;
            };
            part.covers.push(req.req.term.clone());
            let e = team.evidence.iter().find(|e| {
                e.kind == req.req.kind
                    && e.term == req.req.term
                    && e.required == req.req.required
                    && e.credit >= credit
            });
            if let Some(e) = e {
                part.machine_ids.extend(e.machine_id);
                if let Some(maker) = e.maker_id
                    && let Some(member) = team.makers.iter().find(|m| m.maker_id == maker)
                    && !part.makers.iter().any(|m| m.maker_id == maker)
                {
                    part.makers.push(member.clone());
                }
                evidence.push(e.clone());
            }
        }
        let mut legs: Vec<Leg> = s
            .route
            .windows(2)
            .map(|w| Leg {
                from: self.members[w[0]].team.facility_id,
                to: Some(self.members[w[1]].team.facility_id),
                km: self.km(w[0], w[1]),
            })
            .collect();
        let last = s.route.last().map(|&i| self.members[i].team);
        if let Some(last) = last
            && let Some(km) = last.distance_km.filter(|_| self.job.delivery.is_some())
        {
            legs.push(Leg {
                from: last.facility_id,
                to: None,
                km,
            });
        }
        let mut makers = Vec::new();
        for p in &parts {
            for m in &p.makers {
                if !makers
                    .iter()
                    .any(|x: &super::TeamMember| x.maker_id == m.maker_id)
                {
                    makers.push(m.clone());
                }
            }
        }
        TeamMatch {
            facility_id: last.map(|t| t.facility_id).unwrap_or_default(),
            facility_name: parts
                .iter()
                .map(|p| p.facility_name.as_str())
                .collect::<Vec<_>>()
                .join(" → "),
            score,
            distance_km: last.and_then(|t| t.distance_km),
            makers,
            breakdown,
            evidence,
            missing,
            chain: Some(Chain {
                parts: std::mem::take(&mut parts),
                legs,
                route_km: s.route_km,
                discount,
            }),
        }
    }
}

/// The best chains found so far, at most `MAX_CHAINS`.
#[derive(Default)]
struct Best {
    kept: Vec<Scored>,
}

impl Best {
    /// What a chain must score to enter: the worst kept, once full (a tie may still enter
    /// by the ids).
    fn bar(&self) -> f64 {
        if self.kept.len() < MAX_CHAINS {
            f64::NEG_INFINITY
        } else {
            self.kept
                .iter()
                .map(|s| s.score)
                .fold(f64::INFINITY, f64::min)
        }
    }

    fn offer(&mut self, scored: Option<Scored>, chains: &Chains<'_>) {
        let Some(scored) = scored else {
            return;
        };
        self.kept.push(scored);
        if self.kept.len() > MAX_CHAINS {
            self.kept.sort_by(|a, b| chains.order(a, b));
            self.kept.truncate(MAX_CHAINS);
        }
    }
}

/// Factor values without their notes.
fn plain(values: [(Factor, Option<(f64, String)>); 11]) -> [(Factor, Option<f64>); 11] {
    values.map(|(f, v)| (f, v.map(|(x, _)| x)))
}
