//! The factors that do not come from requirements: distance, capacity fit, track record
//! and freshness. Each returns a value in [0, 1] and the words that explain it.

use chrono::{DateTime, Utc};

use super::input::{BatchSize, FacilityProfile, TrackRecord};
use super::weights::MatchOptions;

/// Halves every `half_life`: a smooth decay with no cliff but the hard cut at the job's
/// maximum distance.
fn decay(x: f64, half_life: f64) -> f64 {
    0.5f64.powf(x.max(0.0) / half_life)
}

pub(crate) fn distance(km: f64, options: &MatchOptions) -> (f64, String) {
    (
        decay(km, options.distance_half_life_km),
        format!(
            "{km:.1} km to the delivery point (the factor halves every {} km)",
            options.distance_half_life_km
        ),
    )
}

/// Batch size against the units a team is expected to make.
pub(crate) fn capacity(
    batch: Option<BatchSize>,
    quantity: u32,
    options: &MatchOptions,
) -> (f64, String) {
    let units = quantity.div_ceil(options.split_across).max(1);
    let Some(batch) = batch else {
        return (
            0.5,
            format!("typical batch size not stated; {units} units expected"),
        );
    };
    let range = batch.as_str();
    match batch.upper_bound() {
        Some(hi) if units > hi => (
            f64::from(hi) / f64::from(units),
            format!("typical batches of {range} units, {units} expected: too many"),
        ),
        _ if units < batch.lower_bound() => (
            // Able, but a space used to large runs may not take a small one up.
            0.8,
            format!("typical batches of {range} units, {units} expected: a small run for it"),
        ),
        _ => (
            1.0,
            format!("typical batches of {range} units fit the {units} expected"),
        ),
    }
}

/// On-time and prototype pass rates, each smoothed towards the prior so that a new space
/// starts at the prior instead of zero and one late job does not sink a good record.
pub(crate) fn track_record(record: &TrackRecord, options: &MatchOptions) -> (f64, String) {
    let (p, w) = (
        options.track_record_prior,
        options.track_record_prior_weight,
    );
    let rate = |good: u32, all: u32| {
        let good = f64::from(good.min(all));
        let all = f64::from(all);
        if all + w > 0.0 {
            (good + p * w) / (all + w)
        } else {
            p
        }
    };
    let on_time = rate(record.on_time, record.completed);
    let passed = rate(record.prototypes_approved, record.prototypes_submitted);
    let note = if record.completed == 0 && record.prototypes_submitted == 0 {
        format!("no completed work yet: the prior of {p}")
    } else {
        format!(
            "{} of {} on time, {} of {} prototypes approved (prior {p} worth {w} jobs)",
            record.on_time.min(record.completed),
            record.completed,
            record.prototypes_approved.min(record.prototypes_submitted),
            record.prototypes_submitted
        )
    };
    ((on_time + passed) / 2.0, note)
}

pub(crate) fn freshness(
    facility: &FacilityProfile,
    now: DateTime<Utc>,
    options: &MatchOptions,
) -> (f64, String) {
    match facility.date_verified {
        None => (0.0, "never verified".into()),
        Some(at) => {
            let days = (now - at).num_seconds() as f64 / 86_400.0;
            (
                decay(days, options.freshness_half_life_days),
                format!("verified {} days ago", days.max(0.0).floor()),
            )
        }
    }
}
