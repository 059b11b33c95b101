//! The service layer: it owns every write. Each write is one transaction that also appends
//! the outbox rows the search index needs (DESIGN §2), so the index can never miss a
//! change the database committed.

pub mod actor;
pub mod allocation;
pub mod assignments;
pub mod batch;
pub mod bulk;
pub mod credentials;
pub mod erasure;
pub mod error;
pub mod facilities;
pub mod issuance;
pub mod jobs;
pub mod machine_models;
pub mod makers;
pub mod matching;
pub mod outbox;
pub mod passport;
pub mod policy;
pub mod programmes;
pub mod taxonomy;
pub mod ties;
pub mod validate;
pub mod values;

pub use error::{ServiceError, ServiceResult};

/// What a write returns: the value written and the outbox position to wait for when the
/// caller wants to read its own write from the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Written<T> {
    pub value: T,
    pub outbox_seq: i64,
}

/// The strings of a JSON-array column (languages, certifications, …); anything else in it
/// is skipped, and a column that is not an array reads as empty.
pub fn string_list(json: &serde_json::Value) -> Vec<String> {
    json.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The text form of a unit-variant serde enum (`AFFILIATED`, `VERIFIED_SKILL`); empty for a
/// value that does not serialise to a string.
pub fn enum_label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
