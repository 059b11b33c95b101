//! The JSON-LD contexts a proof is checked against, all shipped in the binary: a credential
//! whose keys are local verifies without the network, and a document naming a context we do
//! not hold is never fetched (it stays unverified, with that reason).

use std::collections::HashMap;
use std::sync::OnceLock;

use ssi_json_ld::ContextLoader;

/// Open Badges 3.0 revisions after 3.0.0 (which ssi's static set already holds).
const OPEN_BADGES: [(&str, &str); 4] = [
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        include_str!("../../../../contexts/ob-v3p0-context-3.0.1.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        include_str!("../../../../contexts/ob-v3p0-context-3.0.2.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        include_str!("../../../../contexts/ob-v3p0-context-3.0.3.json"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        include_str!("../../../../contexts/ob-v3p0-extensions.json"),
    ),
];

/// The loader, built once and shared by reference: it owns the parsed contexts, and copying
/// it per check would redo that work on every credential.
pub fn contexts() -> &'static ContextLoader {
    static LOADER: OnceLock<ContextLoader> = OnceLock::new();
    LOADER.get_or_init(|| {
        let extra: HashMap<String, String> = OPEN_BADGES
            .iter()
            .map(|(url, text)| ((*url).to_owned(), (*text).to_owned()))
            .collect();
        // The bundled texts are checked by a test; were one ever unreadable, proofs naming
        // it stay unverified ("unknown context") rather than the process failing.
        ContextLoader::default()
            .with_context_map_from(extra)
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_context_parses() {
        let extra: HashMap<String, String> = OPEN_BADGES
            .iter()
            .map(|(url, text)| ((*url).to_owned(), (*text).to_owned()))
            .collect();
        assert!(
            ContextLoader::default()
                .with_context_map_from(extra)
                .is_ok()
        );
    }
}
