//! Normalising free-text skills into keys, so "TIG  Welding", "tig welding" and
//! "TIG weldings" are one skill, and linking skills to the processes they name.

use crate::resolve::{MatchedBy, singular};
use crate::taxonomy::Taxonomy;

/// The key a skill is stored under: lower case, single spaces, no surrounding punctuation,
/// last word in the singular. Accents stay: they are part of how people write a skill.
pub fn skill_key(text: &str) -> String {
    let joined = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '+' && c != '#'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    singular(&joined)
}

/// Words that describe a role rather than the skill ("welding operator" is welding).
const ROLE_WORDS: &[&str] = &[
    "operator",
    "operation",
    "skill",
    "skills",
    "experience",
    "technician",
    "specialist",
    "basics",
];

/// The process a skill names, when it names one: "MIG welding" → `mig-welding`,
/// "soudure" → `welding`, "FDM 3D printing" → `fdm` (the most specific process named in
/// the phrase). A fuzzy match counts only for the whole phrase and only when close.
pub fn skill_process(taxonomy: &Taxonomy, label: &str) -> Option<String> {
    if let Some(r) = taxonomy
        .resolve_process(label)
        .filter(|r| r.matched_by != MatchedBy::Fuzzy || r.confidence >= 0.9)
    {
        return Some(r.id);
    }
    let words: Vec<&str> = label
        .split_whitespace()
        .filter(|w| !ROLE_WORDS.contains(&w.to_lowercase().as_str()))
        .collect();
    // Every run of words that names a process exactly, longest runs first.
    let mut found: Vec<String> = Vec::new();
    for n in (1..=words.len()).rev() {
        for run in words.windows(n) {
            let phrase = run.join(" ");
            if n == 1 && phrase.chars().count() < 3 {
                continue;
            }
            if let Some(r) = taxonomy.resolve_process(&phrase)
                && r.matched_by != MatchedBy::Fuzzy
                && !found.contains(&r.id)
            {
                found.push(r.id);
            }
        }
    }
    // The one that refines all others (fdm over 3d-printing), else the longest run's.
    found
        .iter()
        .find(|candidate| {
            found
                .iter()
                .all(|other| taxonomy.satisfies(candidate, other))
        })
        .or(found.first())
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_spacing_punctuation_and_plurals_fold() {
        assert_eq!(skill_key("  TIG   Welding. "), "tig welding");
        assert_eq!(skill_key("C++"), "c++");
        assert_eq!(skill_key("Soudure (MIG)"), "soudure mig");
        assert_eq!(skill_key("Laser cutters"), "laser cutter");
        assert_eq!(skill_key("!!!"), "");
    }

    #[test]
    fn skills_link_to_the_processes_they_name() {
        let t = Taxonomy::builtin().unwrap();
        assert_eq!(
            skill_process(&t, "MIG welding").as_deref(),
            Some("mig-welding")
        );
        assert_eq!(
            skill_process(&t, "Welding operator").as_deref(),
            Some("welding")
        );
        assert_eq!(
            skill_process(&t, "FDM 3D printing")
                .as_deref()
                .map(|p| t.satisfies(p, "3d-printing")),
            Some(true)
        );
        assert_eq!(skill_process(&t, "Project management"), None);
    }
}
