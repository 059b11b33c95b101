//! Private copies of a SQLite database, for dry runs. A dry run writes everything an
//! import would and rolls it back; on the live database that holds SQLite's one write lock
//! for as long as the writing takes, and every other writer waits, then fails with
//! "database is locked". On a copy only the copy is locked. `VACUUM INTO` makes the copy
//! inside a read transaction, which in WAL mode blocks no writer.

use std::path::{Path, PathBuf};

use sea_orm::sqlx::sqlite::SqlitePoolOptions;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, SqlxSqliteConnector, Statement,
};

use crate::error::AppError;

/// A copy of a SQLite database with one connection open on it. The copy is deleted with
/// its journal files when the snapshot is discarded or dropped (an import that failed, a
/// request that was cancelled), so nothing is left in the data dir.
pub struct Snapshot {
    /// Declared before `files`: dropped first, so the connection is let go before the
    /// files go.
    db: DatabaseConnection,
    files: CopyFiles,
}

impl Snapshot {
    /// Copies `live`, a SQLite database, next to its file (into the system temporary dir
    /// for an in-memory database), and opens the copy with the live pool's options.
    pub async fn take(live: &DatabaseConnection) -> Result<Snapshot, AppError> {
        if live.get_database_backend() != DatabaseBackend::Sqlite {
            return Err(AppError::Io(
                "a dry run copies SQLite databases only; this one is not SQLite".to_owned(),
            ));
        }
        let dir = directory_of(live).await?;
        let files = CopyFiles {
            path: dir.join(format!(
                "makermatch-dry-run-{}.db",
                uuid::Uuid::new_v4().simple()
            )),
        };
        // From here on a failure drops `files`, which deletes a partial copy.
        copy_into(live, &files.path, &dir).await?;
        // The backend was checked above, so this is the SQLite pool.
        let pool = live.get_sqlite_connection_pool();
        // The live pool's options (WAL, busy timeout, foreign keys, cache) on another file:
        // the import behaves on the copy as it would on the database.
        let options = (*pool.connect_options())
            .clone()
            .filename(&files.path)
            .in_memory(false)
            .shared_cache(false)
            .read_only(false)
            .create_if_missing(false);
        // One connection: the import runs in one transaction.
        let copy = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(pool.options().get_acquire_timeout())
            .connect_with(options)
            .await
            .map_err(|e| {
                AppError::Io(format!(
                    "the dry run cannot open its copy of the database at {}: {e}",
                    files.path.display()
                ))
            })?;
        Ok(Snapshot {
            db: SqlxSqliteConnector::from_sqlx_sqlite_pool(copy),
            files,
        })
    }

    /// The connection to the copy.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Closes the connection, then deletes the copy.
    pub async fn discard(self) {
        let Snapshot { db, files } = self;
        if let Err(e) = db.close().await {
            tracing::warn!(error = %e, "closing a dry run's copy of the database failed");
        }
        drop(files);
    }
}

/// Writes a copy of `live` to `path`, a file in `dir` that does not exist yet.
async fn copy_into(live: &DatabaseConnection, path: &Path, dir: &Path) -> Result<(), AppError> {
    let cannot = |reason: String| {
        AppError::Io(format!(
            "the dry run cannot copy the database into {}: {reason}; it needs free space there about the size of the database, and permission to write",
            dir.display()
        ))
    };
    let Some(target) = path.to_str() else {
        return Err(cannot(format!("{} is not valid UTF-8", path.display())));
    };
    // Made here, empty, for SQLite to fill: a name in use is refused rather than
    // overwritten, and on Unix only this user may read the copy. SQLite does not create
    // it (`mode=rw`), so a cancelled dry run, whose copy is deleted while SQLite has yet
    // to start on it, leaves nothing.
    let mut create = std::fs::OpenOptions::new();
    create.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
    create.open(path).map_err(|e| cannot(e.to_string()))?;
    // Bound, not spliced in: a quote in the path cannot end the string.
    live.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [file_uri(target).into()],
    ))
    .await
    .map_err(|e| cannot(e.to_string()))?;
    Ok(())
}

/// `path` as a URI with `mode=rw`. The copy takes its open flags from the live
/// connection, and an in-memory one's would keep the copy in memory; the URI's mode
/// replaces them (connections opened by sqlx accept URIs).
fn file_uri(path: &str) -> String {
    let mut uri = String::from("file:");
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?mode=rw");
    uri
}

/// Where the copy goes: beside the database's file, or the system temporary dir when the
/// database has none (in memory).
async fn directory_of(live: &DatabaseConnection) -> Result<PathBuf, AppError> {
    let row = live
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await?;
    let file: Option<String> = match row {
        Some(row) => row.try_get("", "file")?,
        None => None,
    };
    let beside = file
        .filter(|f| !f.is_empty())
        .and_then(|f| Path::new(&f).parent().map(Path::to_path_buf))
        .filter(|dir| !dir.as_os_str().is_empty());
    Ok(beside.unwrap_or_else(std::env::temp_dir))
}

/// The copy's files, deleted on drop. Removing files is quick, so dropping in async code
/// is fine; on Unix the files may go while the connection still has them open.
struct CopyFiles {
    path: PathBuf,
}

impl Drop for CopyFiles {
    fn drop(&mut self) {
        let mut names = vec![self.path.clone()];
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            names.push(PathBuf::from(name));
        }
        for name in names {
            match std::fs::remove_file(&name) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(
                    path = %name.display(),
                    error = %e,
                    "cannot delete a dry run's copy of the database; delete it by hand"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure should panic

    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

    use super::*;

    async fn count(db: &DatabaseConnection) -> i64 {
        db.query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM t",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap()
    }

    /// A database at `file` (in memory when none) holding one row.
    async fn with_a_row(file: Option<&Path>) -> DatabaseConnection {
        let options = match file {
            Some(file) => SqliteConnectOptions::new()
                .filename(file)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal),
            None => "sqlite::memory:".parse().unwrap(),
        };
        let pool = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .unwrap();
        let db = SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
        db.execute_unprepared("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept')")
            .await
            .unwrap();
        db
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn the_copy_lies_beside_the_database_holds_its_rows_and_goes() {
        // A quote and a URI's special characters in the path.
        let dir = tempfile::tempdir().unwrap();
        let beside = dir.path().join("it's #1, 100%?");
        std::fs::create_dir(&beside).unwrap();
        let live = with_a_row(Some(&beside.join("live.db"))).await;
        let before = names(&beside);
        let snapshot = Snapshot::take(&live).await.unwrap();
        assert_eq!(
            names(&beside).len(),
            before.len() + 1,
            "{:?}",
            names(&beside)
        );
        assert_eq!(count(snapshot.db()).await, 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&snapshot.files.path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "only the owner reads the copy");
        }
        snapshot
            .db()
            .execute_unprepared("INSERT INTO t VALUES ('only in the copy')")
            .await
            .unwrap();
        assert_eq!(count(&live).await, 1);
        snapshot.discard().await;
        assert_eq!(names(&beside), before);
    }

    #[tokio::test]
    async fn a_dropped_snapshot_deletes_its_copy() {
        let dir = tempfile::tempdir().unwrap();
        let live = with_a_row(Some(&dir.path().join("live.db"))).await;
        let before = names(dir.path());
        let snapshot = Snapshot::take(&live).await.unwrap();
        assert_eq!(count(snapshot.db()).await, 1);
        drop(snapshot);
        assert_eq!(names(dir.path()), before);
    }

    #[tokio::test]
    async fn an_in_memory_database_is_copied_to_the_temporary_dir() {
        let live = with_a_row(None).await;
        let snapshot = Snapshot::take(&live).await.unwrap();
        let path = snapshot.files.path.clone();
        assert_eq!(path.parent(), Some(std::env::temp_dir().as_path()));
        assert_eq!(count(snapshot.db()).await, 1);
        snapshot.discard().await;
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn a_copy_that_cannot_be_made_names_the_dry_run_and_the_dir() {
        let dir = tempfile::tempdir().unwrap();
        let live = with_a_row(Some(&dir.path().join("live.db"))).await;
        // The copy's name is taken. Stands in for a full disk or a dir without write
        // permission (root ignores permissions).
        let taken = dir.path().join("taken");
        std::fs::create_dir(&taken).unwrap();
        let error = copy_into(&live, &taken, dir.path()).await.unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("the dry run cannot copy the database into"),
            "{message}"
        );
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
    }
}
