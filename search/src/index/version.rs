//! The version stamp kept next to the tantivy files: the schema version and the taxonomy
//! fingerprint the index was built with. Either one differing means the folder cannot be
//! read as is and must be rebuilt from the database.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::SearchError;

pub(crate) const VERSION_FILE: &str = "makermatch-index.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IndexStamp {
    pub schema_version: u32,
    pub taxonomy: String,
}

impl IndexStamp {
    /// Why an index stamped `found` cannot be used by this build, if it cannot.
    pub(crate) fn mismatch(&self, found: Option<&IndexStamp>) -> Option<String> {
        let Some(found) = found else {
            return Some(format!(
                "it has no readable {VERSION_FILE} (schema version {} expected)",
                self.schema_version
            ));
        };
        if found.schema_version != self.schema_version {
            return Some(format!(
                "it was built with schema version {}, this build uses {}",
                found.schema_version, self.schema_version
            ));
        }
        if found.taxonomy != self.taxonomy {
            return Some(format!(
                "it was built with another taxonomy ({} instead of {})",
                found.taxonomy, self.taxonomy
            ));
        }
        None
    }
}

fn directory_error(dir: &Path, reason: impl std::fmt::Display) -> SearchError {
    SearchError::Directory {
        dir: dir.display().to_string(),
        reason: reason.to_string(),
    }
}

/// The stamp in `dir`, `None` when absent or unreadable (both mean "unknown version").
pub(crate) fn read(dir: &Path) -> Option<IndexStamp> {
    let text = std::fs::read_to_string(dir.join(VERSION_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes the stamp atomically (temporary file, then rename).
pub(crate) fn write(dir: &Path, stamp: &IndexStamp) -> Result<(), SearchError> {
    let text = serde_json::to_string_pretty(stamp).map_err(|e| directory_error(dir, e))?;
    let tmp = dir.join(format!("{VERSION_FILE}.tmp"));
    std::fs::write(&tmp, text)
        .map_err(|e| directory_error(dir, format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, dir.join(VERSION_FILE))
        .map_err(|e| directory_error(dir, format!("cannot write {VERSION_FILE}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_and_explain_mismatches() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()), None);
        let stamp = IndexStamp {
            schema_version: 3,
            taxonomy: "fnv1a64:1".into(),
        };
        write(dir.path(), &stamp).unwrap();
        assert_eq!(read(dir.path()), Some(stamp.clone()));
        assert_eq!(stamp.mismatch(Some(&stamp)), None);
        let old = IndexStamp {
            schema_version: 2,
            ..stamp.clone()
        };
        assert!(
            stamp
                .mismatch(Some(&old))
                .unwrap()
                .contains("schema version 2")
        );
        let other = IndexStamp {
            taxonomy: "fnv1a64:2".into(),
            ..stamp.clone()
        };
        assert!(stamp.mismatch(Some(&other)).unwrap().contains("taxonomy"));
        assert!(stamp.mismatch(None).unwrap().contains(VERSION_FILE));
    }
}
