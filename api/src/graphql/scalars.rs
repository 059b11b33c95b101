//! The schema's date scalars, under domain names with descriptions that give their
//! format (async-graphql's own chrono scalars are named after the Rust types). The wire
//! format is chrono's, as before; a value that does not parse says which format is
//! expected.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, Utc};

/// What a `Date` looks like, for error messages.
pub const DATE_FORMAT: &str = "an ISO 8601 calendar date YYYY-MM-DD, e.g. 2026-03-31";
/// What a `DateTime` looks like, for error messages.
pub const DATE_TIME_FORMAT: &str =
    "an RFC 3339 timestamp with a time zone, e.g. 2026-03-31T14:00:00Z";

/// A calendar date without time zone, as an ISO 8601 string `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// An ISO 8601 calendar date without time zone, as a string `YYYY-MM-DD` (e.g.
/// `2026-03-31`).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("`{s}` is not a date: give {DATE_FORMAT}"))
                }),
            _ => Err(InputValueError::custom(format!(
                "a date is a string: give {DATE_FORMAT}"
            ))),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}

impl From<Date> for NaiveDate {
    fn from(date: Date) -> Self {
        date.0
    }
}

/// An instant, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub chrono::DateTime<Utc>);

/// An instant as an RFC 3339 timestamp string. Inputs may carry any offset
/// (`2026-03-31T16:00:00+02:00`, `2026-03-31T14:00:00Z`); answers are in UTC
/// (`2026-03-31T14:00:00+00:00`).
#[Scalar(name = "DateTime")]
impl ScalarType for Timestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => s
                .parse::<chrono::DateTime<Utc>>()
                .map(Timestamp)
                .map_err(|_| {
                    InputValueError::custom(format!(
                        "`{s}` is not a timestamp: give {DATE_TIME_FORMAT}"
                    ))
                }),
            _ => Err(InputValueError::custom(format!(
                "a timestamp is a string: give {DATE_TIME_FORMAT}"
            ))),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

impl From<chrono::DateTime<Utc>> for Timestamp {
    fn from(at: chrono::DateTime<Utc>) -> Self {
        Timestamp(at)
    }
}

impl From<Timestamp> for chrono::DateTime<Utc> {
    fn from(at: Timestamp) -> Self {
        at.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_keep_their_wire_format_and_name_it_when_wrong() {
        let d = Date::parse(Value::String("2026-03-31".into())).unwrap();
        assert_eq!(d.to_value(), Value::String("2026-03-31".into()));
        let e = Date::parse(Value::String("31/03/2026".into())).unwrap_err();
        assert!(
            e.into_server_error(Default::default())
                .message
                .contains("YYYY-MM-DD")
        );
        let t = Timestamp::parse(Value::String("2026-03-31T14:00:00+02:00".into())).unwrap();
        assert_eq!(
            t.to_value(),
            Value::String("2026-03-31T12:00:00+00:00".into())
        );
        let e = Timestamp::parse(Value::String("yesterday".into())).unwrap_err();
        assert!(
            e.into_server_error(Default::default())
                .message
                .contains("RFC 3339")
        );
    }
}
