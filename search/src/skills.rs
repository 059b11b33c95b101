//! Normalising free-text skills into keys, so "TIG  Welding" and "tig welding" are one skill.

/// The key a skill is stored under: lower case, single spaces, no surrounding punctuation.
pub fn skill_key(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '+' && c != '#'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_spacing_and_punctuation_fold() {
        assert_eq!(skill_key("  TIG   Welding. "), "tig welding");
        assert_eq!(skill_key("C++"), "c++");
        assert_eq!(skill_key("Soudure (MIG)"), "soudure mig");
        assert_eq!(skill_key("!!!"), "");
    }
}
