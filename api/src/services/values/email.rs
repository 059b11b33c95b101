//! E-mail addresses.

use std::str::FromStr;

use email_address::{EmailAddress, Options};

use crate::services::{ServiceError, ServiceResult};

/// An e-mail address as RFC 5322 allows it in an addr-spec, with a domain of at least two
/// labels (`ama@example.org`, not `ama@localhost`) and no display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, value: &str) -> ServiceResult<Email> {
        let value = value.trim();
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            ..Options::default()
        };
        match EmailAddress::parse_with_options(value, options) {
            Ok(address) => Ok(Email(address.email().to_owned())),
            Err(_) => Err(ServiceError::invalid(
                field,
                format!("`{value}` is not an e-mail address; give one such as ama@example.org"),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl FromStr for Email {
    type Err = ServiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse("email", s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "ama@example.org",
            " kofi.mensah+fab@lab.example.gh ",
            "a@b.co",
        ] {
            assert!(Email::parse("email", ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Email::parse("email", " ama@example.org ").unwrap().as_str(),
            "ama@example.org"
        );
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "not an email",
            "ama@",
            "@example.org",
            "ama@localhost",
            "Ama <ama@example.org>",
            "ama@[127.0.0.1]",
            "ama@@example.org",
            "",
        ] {
            let e = Email::parse("input.email", bad).unwrap_err();
            assert!(e.to_string().contains("e-mail"), "{bad}: {e}");
        }
    }
}
