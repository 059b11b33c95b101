//! Dates people give about themselves and their work.

use chrono::{NaiveDate, Utc};

use crate::services::{ServiceError, ServiceResult};

/// The earliest birth date taken: anything before is a typing error.
const EARLIEST_BIRTH: (i32, u32, u32) = (1900, 1, 1);

/// A date of birth: in the past, and not before 1900.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    pub fn parse(field: &str, value: NaiveDate) -> ServiceResult<BirthDate> {
        let (y, m, d) = EARLIEST_BIRTH;
        let earliest = NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        if value > Utc::now().date_naive() {
            return Err(ServiceError::invalid(
                field,
                format!("{value} is in the future; give the date of birth as YYYY-MM-DD"),
            ));
        }
        if value < earliest {
            return Err(ServiceError::invalid(
                field,
                format!("{value} is before {earliest}; check the year"),
            ));
        }
        Ok(BirthDate(value))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// A span of time (`from`–`to`, either open) must not end before it starts; `field` names
/// the end.
pub fn check_span(
    field: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> ServiceResult<()> {
    match (from, to) {
        (Some(from), Some(to)) if to < from => Err(ServiceError::invalid(
            field,
            format!("{to} is before the start, {from}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn birth_dates_are_in_the_past() {
        assert!(BirthDate::parse("dateOfBirth", day(1990, 5, 1)).is_ok());
        let e = BirthDate::parse("dateOfBirth", day(2099, 1, 1)).unwrap_err();
        assert!(e.to_string().contains("future"), "{e}");
        assert!(BirthDate::parse("dateOfBirth", day(1850, 1, 1)).is_err());
    }

    #[test]
    fn spans_end_after_they_start() {
        assert!(check_span("to", Some(day(2020, 1, 1)), Some(day(2021, 1, 1))).is_ok());
        assert!(check_span("to", Some(day(2020, 1, 1)), None).is_ok());
        let e = check_span(
            "experiences[0].dateTo",
            Some(day(2021, 1, 1)),
            Some(day(2020, 1, 1)),
        )
        .unwrap_err();
        assert!(e.to_string().contains("experiences[0].dateTo"), "{e}");
    }
}
