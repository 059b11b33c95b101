//! Telephone numbers.

use crate::services::{ServiceError, ServiceResult};

/// A telephone number as people write it: digits with an optional leading `+`, spaces,
/// dashes, dots and parentheses, 5 to 20 digits in all. Stored as given (trimmed); no
/// carrier or numbering-plan check, since local short numbers are real numbers too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, value: &str) -> ServiceResult<Phone> {
        let value = value.trim();
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let body = value.strip_prefix('+').unwrap_or(value);
        let allowed = body
            .chars()
            .all(|c| c.is_ascii_digit() || " -().".contains(c));
        if allowed && (5..=20).contains(&digits) {
            Ok(Phone(value.to_owned()))
        } else {
            Err(ServiceError::invalid(
                field,
                format!(
                    "`{value}` is not a phone number; use digits with an optional leading + and spaces, e.g. +233 24 123 4567"
                ),
            ))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_write_them() {
        for ok in [
            "+233 24 123 4567",
            "(020) 7946-0958",
            "0712.345.678",
            "112 35",
        ] {
            assert!(Phone::parse("phone", ok).is_ok(), "{ok}");
        }
        for bad in [
            "call me maybe",
            "+",
            "12",
            "+1 (555) 12a4",
            "1+2345678",
            "1".repeat(21).as_str(),
        ] {
            assert!(Phone::parse("phone", bad).is_err(), "{bad}");
        }
    }
}
