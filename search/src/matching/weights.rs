//! The factors of a match score, their default weights, and the other knobs of
//! `matchJob`. Every field has a default, so a request overrides only what it names.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::MatchError;

/// One factor of the score; each is in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Factor {
    /// Process requirements met by the facility's processes and machines (taxonomy-aware).
    Process,
    /// Equipment requirements met by its machines.
    Equipment,
    /// Material requirements met by its typical materials.
    Material,
    /// Certification requirements met by its certifications.
    Certification,
    /// Skill requirements covered by the team's makers (verified fully, self-declared
    /// partially).
    Skill,
    /// Decay with the distance to the delivery point.
    Distance,
    /// Typical batch size against the quantity.
    Capacity,
    /// On-time and prototype pass rates, with a prior.
    TrackRecord,
    /// How recently the facility's record was verified.
    Freshness,
    /// The team's stated availability before the deadline.
    Availability,
    /// The search engine's relevance of the job's free text.
    Relevance,
}

impl Factor {
    pub const ALL: [Factor; 11] = [
        Factor::Process,
        Factor::Equipment,
        Factor::Material,
        Factor::Certification,
        Factor::Skill,
        Factor::Distance,
        Factor::Capacity,
        Factor::TrackRecord,
        Factor::Freshness,
        Factor::Availability,
        Factor::Relevance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Process => "PROCESS",
            Factor::Equipment => "EQUIPMENT",
            Factor::Material => "MATERIAL",
            Factor::Certification => "CERTIFICATION",
            Factor::Skill => "SKILL",
            Factor::Distance => "DISTANCE",
            Factor::Capacity => "CAPACITY",
            Factor::TrackRecord => "TRACK_RECORD",
            Factor::Freshness => "FRESHNESS",
            Factor::Availability => "AVAILABILITY",
            Factor::Relevance => "RELEVANCE",
        }
    }
}

/// Relative weights. Only their ratios matter: the score divides by the sum of the
/// weights of the factors that apply to the job (a job with no material requirement is
/// not scored on materials).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Weights {
    pub process: f64,
    pub equipment: f64,
    pub material: f64,
    pub certification: f64,
    pub skill: f64,
    pub distance: f64,
    pub capacity: f64,
    pub track_record: f64,
    pub freshness: f64,
    pub availability: f64,
    pub relevance: f64,
}

impl Default for Weights {
    /// Capability first (can they make it: processes, then skills, then machines), then
    /// logistics (distance, capacity), then reputation and data quality.
    fn default() -> Weights {
        Weights {
            process: 3.0,
            equipment: 1.5,
            material: 1.0,
            certification: 1.0,
            skill: 2.0,
            distance: 1.5,
            capacity: 1.0,
            track_record: 1.0,
            freshness: 0.5,
            availability: 0.5,
            relevance: 1.0,
        }
    }
}

impl Weights {
    pub fn get(&self, factor: Factor) -> f64 {
        match factor {
            Factor::Process => self.process,
            Factor::Equipment => self.equipment,
            Factor::Material => self.material,
            Factor::Certification => self.certification,
            Factor::Skill => self.skill,
            Factor::Distance => self.distance,
            Factor::Capacity => self.capacity,
            Factor::TrackRecord => self.track_record,
            Factor::Freshness => self.freshness,
            Factor::Availability => self.availability,
            Factor::Relevance => self.relevance,
        }
    }

    pub fn set(&mut self, factor: Factor, weight: f64) {
        let slot = match factor {
            Factor::Process => &mut self.process,
            Factor::Equipment => &mut self.equipment,
            Factor::Material => &mut self.material,
            Factor::Certification => &mut self.certification,
            Factor::Skill => &mut self.skill,
            Factor::Distance => &mut self.distance,
            Factor::Capacity => &mut self.capacity,
            Factor::TrackRecord => &mut self.track_record,
            Factor::Freshness => &mut self.freshness,
            Factor::Availability => &mut self.availability,
            Factor::Relevance => &mut self.relevance,
        };
        *slot = weight;
    }

    pub fn with(mut self, factor: Factor, weight: f64) -> Weights {
        self.set(factor, weight);
        self
    }
}

/// The options of `matchJob`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MatchOptions {
    pub weights: Weights,
    /// Weight of a preferred requirement relative to a required one (1).
    pub preferred_weight: f64,
    /// Credit of a self-declared skill (or one whose credentials are expired, revoked or
    /// from an untrusted issuer); a verified skill counts 1.
    pub self_declared_credit: f64,
    /// Makers living within this distance of a facility may join its team.
    pub maker_reach_km: f64,
    /// The distance factor halves every this many km.
    pub distance_half_life_km: f64,
    /// The freshness factor halves every this many days since `dateVerified`.
    pub freshness_half_life_days: f64,
    /// Rate a facility with no history is assumed to have (on time, prototypes passed)…
    pub track_record_prior: f64,
    /// …worth this many completed jobs: the prior fades as real ones accumulate.
    pub track_record_prior_weight: f64,
    /// Weekly hours at which a maker counts as fully available.
    pub full_availability_hours: f64,
    /// Days ahead a job without a deadline is expected to take, for availability.
    pub default_horizon_days: u32,
    /// The job is expected to be split across this many teams: capacity fit compares the
    /// batch size with quantity / this.
    pub split_across: u32,
    /// `PLANNED` facilities may match (they do not by default: they cannot make anything
    /// yet). `CLOSED` and `TEMPORARY_CLOSURE` never match.
    pub include_planned: bool,
    /// Drop teams that miss a required requirement instead of ranking them lower.
    pub require_all: bool,
    pub min_score: f64,
    pub limit: Option<usize>,
    /// Only these facilities may form teams (the caller chose them: each is scored
    /// whatever it holds); `None`: any.
    pub facilities: Option<Vec<Uuid>>,
    /// Only these makers may join teams (each where they may: tied to the facility or
    /// within reach of it); `None`: any.
    pub makers: Option<Vec<Uuid>>,
    /// When no single facility meets every required process, machine, material and
    /// certification, rank production chains of two or three facilities that together do.
    pub chains: bool,
    /// How far apart a chain's facilities, and each from the delivery point, may be;
    /// `None`: the job's maximum distance, else 250 km.
    pub chain_reach_km: Option<f64>,
    /// Each hand-off between a chain's facilities takes this share off its score, so a
    /// single facility outranks a chain whose factors are the same.
    pub chain_discount: f64,
}

/// `MatchOptions::chain_reach_km` when neither it nor the job says.
pub const DEFAULT_CHAIN_REACH_KM: f64 = 250.0;

impl Default for MatchOptions {
    fn default() -> MatchOptions {
        MatchOptions {
            weights: Weights::default(),
            preferred_weight: 0.5,
            self_declared_credit: 0.5,
            maker_reach_km: 30.0,
            distance_half_life_km: 100.0,
            freshness_half_life_days: 365.0,
            track_record_prior: 0.75,
            track_record_prior_weight: 4.0,
            full_availability_hours: 20.0,
            default_horizon_days: 90,
            split_across: 1,
            include_planned: false,
            require_all: false,
            min_score: 0.0,
            limit: None,
            facilities: None,
            makers: None,
            chains: true,
            chain_reach_km: None,
            chain_discount: 0.1,
        }
    }
}

impl MatchOptions {
    pub(crate) fn check(&self) -> Result<(), MatchError> {
        let bad = |what: &str, v: f64| {
            Err(MatchError::InvalidOptions(format!(
                "{what} must be a finite, non-negative number, not {v}"
            )))
        };
        for f in Factor::ALL {
            let w = self.weights.get(f);
            if !(w.is_finite() && w >= 0.0) {
                return bad(&format!("weight of {}", f.as_str()), w);
            }
        }
        if Factor::ALL.iter().all(|&f| self.weights.get(f) == 0.0) {
            return Err(MatchError::InvalidOptions(
                "at least one weight must be positive".into(),
            ));
        }
        for (what, v) in [
            ("preferred_weight", self.preferred_weight),
            ("maker_reach_km", self.maker_reach_km),
            ("track_record_prior_weight", self.track_record_prior_weight),
            ("min_score", self.min_score),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(what, v);
            }
        }
        if let Some(km) = self.chain_reach_km
            && !(km.is_finite() && km >= 0.0)
        {
            return bad("chain_reach_km", km);
        }
        for (what, v) in [
            ("self_declared_credit", self.self_declared_credit),
            ("track_record_prior", self.track_record_prior),
            ("chain_discount", self.chain_discount),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(MatchError::InvalidOptions(format!(
                    "{what} must be within [0, 1], not {v}"
                )));
            }
        }
        for (what, v) in [
            ("distance_half_life_km", self.distance_half_life_km),
            ("freshness_half_life_days", self.freshness_half_life_days),
            ("full_availability_hours", self.full_availability_hours),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(MatchError::InvalidOptions(format!(
                    "{what} must be a positive number, not {v}"
                )));
            }
        }
        if self.split_across == 0 {
            return Err(MatchError::InvalidOptions(
                "split_across must be at least 1".into(),
            ));
        }
        Ok(())
    }
}
