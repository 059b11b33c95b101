//! Match and allocation options, turned into the matcher's and the service's settings.

use async_graphql::{InputObject, Result};
use makermatch_search::matching::{Factor, MatchOptions};

use crate::graphql::error::bad_input;
use crate::graphql::relay;
use crate::services::allocation::AllocationSettings;

/// A weight for one factor: PROCESS, EQUIPMENT, MATERIAL, CERTIFICATION, SKILL, DISTANCE,
/// CAPACITY, TRACK_RECORD, FRESHNESS, AVAILABILITY or RELEVANCE.
#[derive(InputObject)]
pub struct FactorWeight {
    /// The factor's name, e.g. `DISTANCE`.
    pub factor: String,
    /// Its weight, zero or more; weights are relative to each other.
    pub weight: f64,
}

/// How to match; every field has a default.
#[derive(InputObject, Default)]
pub struct MatchOptionsInput {
    /// Weights replacing the defaults for the factors named.
    #[graphql(default)]
    pub weights: Vec<FactorWeight>,
    /// Only teams that meet every required requirement.
    #[graphql(default)]
    pub require_all: bool,
    /// Include `PLANNED` facilities.
    #[graphql(default)]
    pub include_planned: bool,
    /// How far from a facility its "nearby" makers may live, in km.
    pub maker_reach_km: Option<f64>,
    /// Most teams returned (1–100, default 20).
    pub first: Option<i32>,
    /// Only these facilities may form teams, each scored whatever it holds: global ids,
    /// plain UUIDs or their sources' ids (at most 1,000).
    pub facilities: Option<Vec<async_graphql::ID>>,
    /// When no single facility meets every required process, machine, material and
    /// certification, also rank production chains of two or three facilities that
    /// together do (`TeamMatch.chain`). On when absent.
    pub chains: Option<bool>,
    /// How far apart a chain's facilities, and each from the delivery point, may be, in
    /// km; default: the job's `maxDistanceKm`, else 250.
    pub chain_reach_km: Option<f64>,
}

impl MatchOptionsInput {
    pub(super) fn to_options(&self) -> Result<MatchOptions> {
        let mut o = MatchOptions::default();
        for (i, w) in self.weights.iter().enumerate() {
            let factor = Factor::ALL
                .into_iter()
                .find(|f| f.as_str().eq_ignore_ascii_case(w.factor.trim()))
                .ok_or_else(|| {
                    bad_input(
                        &format!("options.weights[{i}].factor"),
                        format!(
                            "`{}` is not a factor; use one of {}",
                            w.factor,
                            Factor::ALL.map(Factor::as_str).join(", ")
                        ),
                    )
                })?;
            if !w.weight.is_finite() || w.weight < 0.0 {
                return Err(bad_input(
                    &format!("options.weights[{i}].weight"),
                    "give a number ≥ 0",
                ));
            }
            o.weights.set(factor, w.weight);
        }
        o.require_all = self.require_all;
        o.include_planned = self.include_planned;
        if let Some(km) = self.maker_reach_km {
            if !km.is_finite() || km < 0.0 {
                return Err(bad_input("options.makerReachKm", "give kilometres ≥ 0"));
            }
            o.maker_reach_km = km;
        }
        o.chains = self.chains.unwrap_or(true);
        if let Some(km) = self.chain_reach_km {
            if !km.is_finite() || km < 0.0 {
                return Err(bad_input("options.chainReachKm", "give kilometres ≥ 0"));
            }
            o.chain_reach_km = Some(km);
        }
        o.limit = Some(relay::page_size("options.first", self.first, 20)?);
        Ok(o)
    }
}

/// Bounds of an allocation.
#[derive(InputObject, Default)]
pub struct AllocationOptionsInput {
    /// Largest share of the job one facility may get, in (0, 1].
    pub max_share: Option<f64>,
    /// A facility gets nothing or at least this many items.
    pub min_batch: Option<i32>,
    /// Most items for a facility on probation (no completed assignment yet).
    pub probation_cap: Option<i32>,
    /// Transport cost per item and km, in minor units. By default every 1,000 km to the
    /// job's delivery point adds a fifth of its unit price to each item (see README).
    pub transport_minor_per_unit_km: Option<f64>,
    /// Only compute: propose nothing.
    #[graphql(default)]
    pub dry_run: bool,
}

impl AllocationOptionsInput {
    pub(super) fn settings(self, idempotency_key: Option<String>) -> AllocationSettings {
        AllocationSettings {
            max_share: self.max_share,
            min_batch: self.min_batch.map(i64::from),
            probation_cap: self.probation_cap.map(i64::from),
            transport_minor_per_unit_km: self.transport_minor_per_unit_km,
            dry_run: self.dry_run,
            idempotency_key,
        }
    }
}
