//! Countries, as ISO 3166-1 alpha-2 codes.

use crate::services::{ServiceError, ServiceResult};

/// An assigned ISO 3166-1 alpha-2 code, upper case (`GH`, `KE`, `ZA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country(&'static str);

impl Country {
    /// The strict form every service input takes: an assigned alpha-2 code, any case.
    pub fn parse(field: &str, value: &str) -> ServiceResult<Country> {
        let code = value.trim();
        if code.len() == 2
            && let Ok(country) = celes::Country::from_alpha2(code)
        {
            return Ok(Country(country.alpha2));
        }
        let hint = match Country::recognise(code) {
            Some(c) => format!("; did you mean {}?", c.0),
            None => "; use two letters such as GH, KE or ZA".to_owned(),
        };
        Err(ServiceError::invalid(
            field,
            format!("`{code}` is not an ISO 3166-1 alpha-2 country code{hint}"),
        ))
    }

    /// What documents in the wild write for a country: an alpha-2 or alpha-3 code, the
    /// English name, a common alias or a demonym ("Kenya", "United Kingdom", "Côte
    /// d'Ivoire", "UK", "Ghanaian").
    /// Importers use it to turn such text into the code the services take.
    pub fn recognise(text: &str) -> Option<Country> {
        let text = text.trim();
        let folded: String = makermatch_search::resolve::fold(text)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if folded.is_empty() {
            return None;
        }
        // The United Kingdom's exceptionally reserved code, common in addresses.
        if folded == "uk" {
            return celes::Country::from_alpha2("gb")
                .ok()
                .map(|c| Country(c.alpha2));
        }
        let found = match folded.len() {
            2 => celes::Country::from_alpha2(&folded),
            3 => celes::Country::from_alpha3(&folded),
            _ => celes::Country::from_name(&folded)
                .or_else(|_| celes::Country::from_alias(&folded))
                .or_else(|_| celes::Country::from_name(format!("the{folded}"))),
        };
        found
            .ok()
            .map(|c| Country(c.alpha2))
            .or_else(|| from_demonym(&folded))
    }

    pub fn code(self) -> &'static str {
        self.0
    }
}

/// Nationalities are often written as demonyms ("Kenyan", "Ghanaian", "Chinese"): the
/// country whose name, folded, is the word less a common ending (the longest such name
/// first, so "Nigerian" is Nigeria, not Niger).
fn from_demonym(folded: &str) -> Option<Country> {
    const ENDINGS: [&str; 6] = ["n", "an", "ian", "ese", "ish", "i"];
    if folded.len() < 5 {
        return None;
    }
    let countries = celes::Country::get_countries();
    let name_of = |c: &celes::Country| -> String {
        makermatch_search::resolve::fold(c.long_name)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect()
    };
    for ending in ENDINGS {
        let Some(stem) = folded.strip_suffix(ending) else {
            continue;
        };
        // "Chinese" from "China", "German" from "Germany".
        let found = countries.iter().find(|c| {
            let name = name_of(c);
            name == stem
                || name.strip_suffix('a') == Some(stem)
                || name.strip_suffix('y') == Some(stem)
        });
        if let Some(c) = found {
            return Some(Country(c.alpha2));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_codes_in_any_case() {
        assert_eq!(Country::parse("c", "gh").unwrap().code(), "GH");
        assert_eq!(Country::parse("c", " KE ").unwrap().code(), "KE");
        for bad in ["XX", "ZZ", "Kenya", "KEN", "G", "", "U.K."] {
            assert!(Country::parse("location.country", bad).is_err(), "{bad}");
        }
        let e = Country::parse("nationality", "Kenya")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nationality") && e.contains("KE"), "{e}");
    }

    #[test]
    fn names_codes_and_aliases_are_recognised() {
        for (text, code) in [
            ("Kenya", "KE"),
            ("kenya", "KE"),
            ("KEN", "KE"),
            ("za", "ZA"),
            ("South Africa", "ZA"),
            ("Ghana", "GH"),
            ("United Kingdom", "GB"),
            ("UK", "GB"),
            ("Côte d'Ivoire", "CI"),
            ("Germany", "DE"),
            ("Kenyan", "KE"),
            ("Ghanaian", "GH"),
            ("Nigerian", "NG"),
            ("South African", "ZA"),
            ("Chinese", "CN"),
        ] {
            assert_eq!(
                Country::recognise(text).map(Country::code),
                Some(code),
                "{text}"
            );
        }
        assert_eq!(Country::recognise("Atlantis"), None);
        assert_eq!(Country::recognise("XX"), None);
    }
}
