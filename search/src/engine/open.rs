//! Creating or opening the index folder. The folder is the whole state: tantivy files
//! plus a version stamp. A folder written by another schema version or taxonomy is either
//! reported (so the api can log it and decide) or wiped and recreated empty, to be filled
//! again from the database.

use std::path::Path;

use tantivy::Index;
use tantivy::directory::{Directory, INDEX_WRITER_LOCK, MmapDirectory};
use tantivy::schema::Schema;

use crate::SearchError;
use crate::index::schema::SCHEMA_VERSION;
use crate::index::version::{self, IndexStamp, VERSION_FILE};

/// What to do with an index written by another schema version or taxonomy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnMismatch {
    /// Fail with [`SearchError::RebuildNeeded`].
    #[default]
    Fail,
    /// Delete the index files and start empty; the caller then reindexes.
    Recreate,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    pub on_mismatch: OnMismatch,
}

/// How the engine came to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// An index of this schema and taxonomy was found.
    Existing,
    /// There was no index: it is empty.
    Created,
    /// An incompatible index was wiped: it is empty and must be filled from the database.
    Recreated { reason: String },
}

impl Opened {
    /// Whether the index starts empty and needs a full reindex.
    pub fn is_empty_start(&self) -> bool {
        !matches!(self, Opened::Existing)
    }
}

fn dir_error(dir: &Path, reason: impl std::fmt::Display) -> SearchError {
    SearchError::Directory {
        dir: dir.display().to_string(),
        reason: reason.to_string(),
    }
}

pub(crate) fn open_dir(
    dir: &Path,
    schema: Schema,
    taxonomy_fingerprint: &str,
    options: OpenOptions,
) -> Result<(Index, Opened), SearchError> {
    std::fs::create_dir_all(dir).map_err(|e| dir_error(dir, e))?;
    let expected = IndexStamp {
        schema_version: SCHEMA_VERSION,
        taxonomy: taxonomy_fingerprint.to_string(),
    };
    if !dir.join("meta.json").exists() {
        return Ok((create(dir, schema, &expected)?, Opened::Created));
    }
    let found = version::read(dir);
    let mut reason = expected.mismatch(found.as_ref());
    if reason.is_none() {
        let index = Index::open_in_dir(dir)?;
        if index.schema() == schema {
            return Ok((index, Opened::Existing));
        }
        reason = Some(format!(
            "its fields differ from schema version {SCHEMA_VERSION} (was the version not bumped?)"
        ));
    }
    let reason = reason.unwrap_or_default();
    match options.on_mismatch {
        OnMismatch::Fail => Err(SearchError::RebuildNeeded {
            dir: dir.display().to_string(),
            reason,
        }),
        OnMismatch::Recreate => {
            wipe(dir)?;
            Ok((
                create(dir, schema, &expected)?,
                Opened::Recreated { reason },
            ))
        }
    }
}

/// Wipes the index in `dir` and creates it empty, whatever it held (its loading panicked).
pub(crate) fn recreate(
    dir: &Path,
    schema: Schema,
    taxonomy_fingerprint: &str,
) -> Result<Index, SearchError> {
    wipe(dir)?;
    let stamp = IndexStamp {
        schema_version: SCHEMA_VERSION,
        taxonomy: taxonomy_fingerprint.to_string(),
    };
    create(dir, schema, &stamp)
}

fn create(dir: &Path, schema: Schema, stamp: &IndexStamp) -> Result<Index, SearchError> {
    let index = Index::create_in_dir(dir, schema)?;
    version::write(dir, stamp)?;
    Ok(index)
}

/// Deletes the index files (and only them: the folder may sit beside other data), while
/// holding the writer lock so a running server's index is never pulled from under it.
fn wipe(dir: &Path) -> Result<(), SearchError> {
    let directory = MmapDirectory::open(dir).map_err(|e| dir_error(dir, e))?;
    let _lock =
        directory
            .acquire_lock(&INDEX_WRITER_LOCK)
            .map_err(|_| SearchError::WriterLocked {
                dir: dir.display().to_string(),
            })?;
    let entries = std::fs::read_dir(dir).map_err(|e| dir_error(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| dir_error(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_index_file(&name) {
            std::fs::remove_file(entry.path())
                .map_err(|e| dir_error(dir, format!("cannot delete {name}: {e}")))?;
        }
    }
    Ok(())
}

/// Tantivy's own files (`meta.json`, `.managed.json`, `<segment uuid>.<ext>`) and our
/// version stamp. The writer lock file stays: it is held while wiping.
fn is_index_file(name: &str) -> bool {
    if name == "meta.json" || name == ".managed.json" || name == VERSION_FILE {
        return true;
    }
    let stem = name.split('.').next().unwrap_or("");
    stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()) && name.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_index_files_are_wiped() {
        assert!(is_index_file("meta.json"));
        assert!(is_index_file(".managed.json"));
        assert!(is_index_file("0123456789abcdef0123456789abcdef.idx"));
        assert!(is_index_file("0123456789abcdef0123456789abcdef.12.del"));
        assert!(is_index_file(VERSION_FILE));
        assert!(!is_index_file("makermatch.sqlite"));
        assert!(!is_index_file(".tantivy-writer.lock"));
        assert!(!is_index_file("0123456789abcdef0123456789abcdef"));
    }
}
