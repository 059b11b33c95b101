//! Checks shared by the services. Each names the field and says what would be accepted.

use super::values::Country;
use super::{ServiceError, ServiceResult};

/// An ISO 3166-1 alpha-2 code (see [`Country`]), returned upper-cased; empty is none.
pub fn country(field: &str, value: Option<&str>) -> ServiceResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(code) => Country::parse(field, code).map(|c| Some(c.code().to_owned())),
    }
}

pub fn non_empty(field: &str, value: &str) -> ServiceResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ServiceError::invalid(field, "must not be empty"));
    }
    Ok(trimmed.to_owned())
}

pub fn positive(field: &str, value: i64) -> ServiceResult<()> {
    if value <= 0 {
        return Err(ServiceError::invalid(
            field,
            format!("must be a positive whole number, got {value}"),
        ));
    }
    Ok(())
}

pub fn non_negative_f64(field: &str, value: Option<f64>) -> ServiceResult<()> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => Err(ServiceError::invalid(
            field,
            format!("must be zero or more, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// ISO 4217 currency code, returned upper-cased.
pub fn currency(field: &str, value: Option<&str>) -> ServiceResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(code) if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) => {
            Ok(Some(code.to_ascii_uppercase()))
        }
        Some(code) => Err(ServiceError::invalid(
            field,
            format!(
                "`{code}` is not an ISO 4217 currency code; use three letters such as USD or GHS"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised() {
        assert_eq!(country("c", Some(" gh ")).unwrap().as_deref(), Some("GH"));
        assert!(country("c", Some("Ghana")).is_err());
        assert_eq!(currency("p", Some("usd")).unwrap().as_deref(), Some("USD"));
        assert!(currency("p", Some("$")).is_err());
    }
}
