//! Process-wide settings of the SQLite library. SQLite accepts them only before it
//! initialises, so the binary makes them first thing, while it has one thread.

use std::ffi::c_int;

use libsqlite3_sys::{SQLITE_CONFIG_MEMSTATUS, SQLITE_OK, sqlite3_config};

/// Turns off SQLite's memory statistics, which nothing here reads. With them on (the
/// bundled library's default) every allocation SQLite makes takes one process-wide
/// mutex, and the pool's connections, each reading on its own thread, queue on it: a
/// nested GraphQL page spent a tenth of its CPU time in that mutex and the futex calls
/// behind it (BENCHMARKS.md, issue 5, session 9). SQLite's documentation lists this
/// among the settings for speed.
///
/// Call it before anything opens a database and before other threads exist. Returns
/// SQLite's result code: `SQLITE_MISUSE` when the library was already initialised, in
/// which case nothing changed.
pub fn configure_before_first_use() -> Result<(), c_int> {
    // SAFETY: `sqlite3_config` must not run concurrently with any other SQLite call.
    // The binary calls this from `main` before it starts its runtime or any thread, so
    // nothing else can be calling SQLite. The variadic argument is the `int` that
    // SQLITE_CONFIG_MEMSTATUS takes.
    let rc = unsafe { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as c_int) };
    if rc == SQLITE_OK { Ok(()) } else { Err(rc) }
}
