//! Teams: for each facility, the makers who cover the job's skill requirements — those
//! affiliated with it, cleared on its machines, or living within reach — the best one per
//! skill. A maker's claims are judged once per request, not once per facility, and makers
//! within reach are found through an R-tree of unit-sphere points, as in the engine.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use uuid::Uuid;

use crate::document::{RequirementKind, SkillLevel};
use crate::spatial::{LatLon, chord_for_km, chord2, chord2_bound};
use crate::taxonomy::Taxonomy;

use super::checkpoint;
use super::coverage::{Coverage, missing};
use super::credentials::{Standing, standing};
use super::error::MatchError;
use super::input::{Availability, FacilityProfile, JobSpec, MakerProfile, SkillClaim};
use super::output::{Evidence, Relation, Source, TeamMember};
use super::requirements::{Resolved, Target};
use super::weights::MatchOptions;

/// A maker's best claim for one skill requirement.
#[derive(Debug, Clone)]
struct Cover<'a> {
    claim: &'a SkillClaim,
    standing: Standing<'a>,
    credit: f64,
}

/// For one skill requirement: the claim that covers it, or the best level held below the
/// minimum asked (to say so when no one covers it).
#[derive(Debug, Clone, Default)]
struct Ability<'a> {
    cover: Option<Cover<'a>>,
    below: Option<SkillLevel>,
}

#[derive(Debug, Clone)]
struct Candidate<'a> {
    maker: &'a MakerProfile,
    abilities: Vec<Ability<'a>>,
    availability: f64,
    availability_note: String,
}

/// Makers judged against the job's skills, and indexed to find a facility's quickly.
pub(crate) struct TeamPool<'a> {
    skill_reqs: Vec<&'a Resolved<'a>>,
    candidates: Vec<Candidate<'a>>,
    by_affiliation: HashMap<Uuid, Vec<usize>>,
    by_clearance: HashMap<Uuid, Vec<usize>>,
    tree: RTree<GeomWithData<[f64; 3], usize>>,
    reach_km: f64,
}

/// A facility's team and what it covers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Team {
    pub members: Vec<TeamMember>,
    pub skills: Coverage,
    /// Mean availability of the members; `None` without skill requirements.
    pub availability: Option<f64>,
    pub availability_note: String,
}

fn level_ok(level: SkillLevel, min: Option<SkillLevel>) -> bool {
    min.is_none_or(|m| level >= m)
}

/// A maker's availability in [0, 1] between `today` and `end`, in words too.
fn availability_score(
    a: Option<&Availability>,
    today: NaiveDate,
    end: NaiveDate,
    full_hours: f64,
) -> (f64, String) {
    let Some(a) = a else {
        // Unknown is not unavailable: half credit, as for an unverified claim.
        return (0.5, "availability not stated".into());
    };
    if a.to.is_some_and(|to| to < today) || a.from.is_some_and(|from| from > end) {
        return (0.0, "not available before the deadline".into());
    }
    let hours = if a.hours_per_week.is_finite() {
        a.hours_per_week.max(0.0)
    } else {
        0.0
    };
    ((hours / full_hours).min(1.0), format!("{hours} h a week"))
}

impl<'a> TeamPool<'a> {
    pub fn new(
        taxonomy: &Taxonomy,
        job: &JobSpec,
        reqs: &'a [Resolved<'a>],
        makers: &'a [MakerProfile],
        options: &MatchOptions,
        now: DateTime<Utc>,
    ) -> Result<TeamPool<'a>, MatchError> {
        let skill_reqs: Vec<&Resolved<'a>> = reqs
            .iter()
            .filter(|r| r.req.kind == RequirementKind::Skill)
            .collect();
        let today = now.date_naive();
        let end = job.deadline.unwrap_or_else(|| {
            today
                .checked_add_days(Days::new(u64::from(options.default_horizon_days)))
                .unwrap_or(today)
        });
        let mut pool = TeamPool {
            skill_reqs,
            candidates: Vec::new(),
            by_affiliation: HashMap::new(),
            by_clearance: HashMap::new(),
            tree: RTree::new(),
            reach_km: options.maker_reach_km,
        };
        if pool.skill_reqs.is_empty() {
            return Ok(pool);
        }
        let mut points = Vec::new();
        for maker in makers {
            checkpoint()?;
            let abilities: Vec<Ability<'a>> = pool
                .skill_reqs
                .iter()
                .map(|r| ability(taxonomy, maker, r, options, now))
                .collect();
            if abilities
                .iter()
                .all(|a| a.cover.is_none() && a.below.is_none())
            {
                continue;
            }
            let i = pool.candidates.len();
            for f in &maker.affiliations {
                pool.by_affiliation.entry(*f).or_default().push(i);
            }
            for c in &maker.clearances {
                if c.expires_on.is_none_or(|e| e >= today) {
                    pool.by_clearance.entry(c.facility_id).or_default().push(i);
                }
            }
            if let Some(p) = maker.position {
                points.push(GeomWithData::new(p.unit_vector(), i));
            }
            let (availability, availability_note) = availability_score(
                maker.availability.as_ref(),
                today,
                end,
                options.full_availability_hours,
            );
            pool.candidates.push(Candidate {
                maker,
                abilities,
                availability,
                availability_note,
            });
        }
        pool.tree = RTree::bulk_load(points);
        Ok(pool)
    }

    /// The makers tied to `facility`, each once with its closest tie, in pool order;
    /// distances are measured later, for the makers chosen.
    fn around(&self, facility: &FacilityProfile) -> Vec<(usize, Relation)> {
        // The closest tie of each maker, by pool index: a pass over the pool is cheaper
        // than sorting the ties when most of the pool is around (a dense city).
        let mut tie: Vec<Option<Relation>> = vec![None; self.candidates.len()];
        let mut add = |i: usize, relation: Relation| {
            if let Some(t) = tie.get_mut(i)
                && t.is_none_or(|old| relation < old)
            {
                *t = Some(relation);
            }
        };
        for &i in self.by_affiliation.get(&facility.id).into_iter().flatten() {
            add(i, Relation::Affiliated);
        }
        for &i in self.by_clearance.get(&facility.id).into_iter().flatten() {
            add(i, Relation::Cleared);
        }
        if let Some(at) = facility.position {
            // The R-tree bound has a metre of slack; the chord of the reach itself decides
            // (chords grow with great-circle distance), so no trigonometry per maker.
            let xyz = at.unit_vector();
            let reach = chord_for_km(self.reach_km);
            for hit in self
                .tree
                .locate_within_distance(xyz, chord2_bound(self.reach_km))
            {
                if chord2(hit.geom(), &xyz) <= reach * reach {
                    add(hit.data, Relation::Nearby);
                }
            }
        }
        // One entry per maker, in pool order.
        tie.into_iter()
            .enumerate()
            .filter_map(|(i, t)| t.map(|t| (i, t)))
            .collect()
    }

    pub fn team(&self, facility: &FacilityProfile) -> Team {
        if self.skill_reqs.is_empty() {
            return Team::default();
        }
        let around = self.around(facility);
        let mut chosen: Vec<(usize, Relation, Option<f64>, Vec<String>)> = Vec::new();
        let mut skills = Coverage::default();
        let (mut got, mut total) = (0.0, 0.0);
        let mut met = 0;
        for (k, r) in self.skill_reqs.iter().enumerate() {
            total += r.weight;
            let best = around
                .iter()
                .filter_map(|&(i, rel)| {
                    let c = &self.candidates[i];
                    c.abilities[k]
                        .cover
                        .as_ref()
                        .map(|cover| (i, rel, c, cover))
                })
                .min_by(|a, b| {
                    // Verified first, then available, then closer ties, higher levels, id.
                    b.3.credit
                        .total_cmp(&a.3.credit)
                        .then(b.2.availability.total_cmp(&a.2.availability))
                        .then(a.1.cmp(&b.1))
                        .then(b.3.claim.level.cmp(&a.3.claim.level))
                        .then(a.2.maker.id.cmp(&b.2.maker.id))
                });
            let Some((i, rel, c, cover)) = best else {
                let below = around
                    .iter()
                    .filter_map(|&(i, _)| self.candidates[i].abilities[k].below)
                    .max();
                let reason = match (below, r.req.min_level) {
                    (Some(level), Some(min)) => format!(
                        "the best at hand is {}, and {} is asked",
                        level.as_str(),
                        min.as_str()
                    ),
                    _ => format!(
                        "no maker affiliated with it, cleared on its machines or within {} km \
                         has the skill",
                        self.reach_km
                    ),
                };
                skills.missing.push(missing(r, reason));
                continue;
            };
            got += r.weight * cover.credit;
            met += 1;
            let verified = cover.standing.verified_by;
            skills.evidence.push(Evidence {
                kind: r.req.kind,
                term: r.req.term.clone(),
                required: r.req.required,
                source: if verified.is_some() {
                    Source::VerifiedSkill
                } else {
                    Source::SelfDeclaredSkill
                },
                capability: cover.claim.label.clone(),
                machine_id: None,
                maker_id: Some(c.maker.id),
                credential_id: verified.map(|v| v.id),
                level: Some(cover.claim.level),
                credit: cover.credit,
                detail: format!(
                    "{}: {} ({}), {}",
                    c.maker.display_name,
                    cover.claim.label,
                    cover.claim.level.as_str(),
                    cover.standing.note()
                ),
                resolution: None,
            });
            match chosen.iter_mut().find(|m| m.0 == i) {
                Some(m) => m.3.push(r.req.term.clone()),
                None => chosen.push((i, rel, None, vec![r.req.term.clone()])),
            }
        }
        let count = self.skill_reqs.len();
        skills.value = Some(if total > 0.0 {
            got / total
        } else {
            met as f64 / count as f64
        });
        skills.note = format!("{met} of {count} skills covered");
        chosen.sort_by_key(|m| self.candidates[m.0].maker.id);
        for m in &mut chosen {
            let p: Option<LatLon> = self.candidates[m.0].maker.position;
            m.2 = p.zip(facility.position).map(|(p, f)| p.distance_km(f));
        }
        let availability = if chosen.is_empty() {
            0.0
        } else {
            chosen
                .iter()
                .map(|m| self.candidates[m.0].availability)
                .sum::<f64>()
                / chosen.len() as f64
        };
        let availability_note = if chosen.is_empty() {
            "no team".to_string()
        } else {
            chosen
                .iter()
                .map(|m| {
                    let c = &self.candidates[m.0];
                    format!("{}: {}", c.maker.display_name, c.availability_note)
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        Team {
            members: chosen
                .into_iter()
                .map(|(i, relation, distance_km, covers)| TeamMember {
                    maker_id: self.candidates[i].maker.id,
                    name: self.candidates[i].maker.display_name.clone(),
                    relation,
                    distance_km,
                    covers,
                })
                .collect(),
            skills,
            availability: Some(availability),
            availability_note,
        }
    }
}

/// How well `maker` answers skill requirement `r`: its best claim, verified first.
fn ability<'a>(
    taxonomy: &Taxonomy,
    maker: &'a MakerProfile,
    r: &Resolved<'_>,
    options: &MatchOptions,
    now: DateTime<Utc>,
) -> Ability<'a> {
    let Target::Skill(target) = &r.target else {
        return Ability::default();
    };
    let mut out = Ability::default();
    for claim in &maker.skills {
        if !target.covered_by(taxonomy, &claim.key, claim.process_id.as_deref()) {
            continue;
        }
        if !level_ok(claim.level, r.req.min_level) {
            out.below = out.below.max(Some(claim.level));
            continue;
        }
        let standing = standing(claim, now);
        let credit = if standing.verified_by.is_some() {
            1.0
        } else {
            options.self_declared_credit
        };
        let better = match &out.cover {
            None => true,
            Some(old) => match credit.total_cmp(&old.credit) {
                Ordering::Greater => true,
                Ordering::Equal => claim.level > old.claim.level,
                Ordering::Less => false,
            },
        };
        if better {
            out.cover = Some(Cover {
                claim,
                standing,
                credit,
            });
        }
    }
    out
}
