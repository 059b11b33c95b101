//! Helpers shared by the tests that run the real binary.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc::Receiver;

/// The lines the child writes to its (piped) standard error, as they come, read by a
/// thread of their own so the child never blocks on a full pipe.
#[allow(dead_code)] // not every test binary runs the binary
pub fn stderr_lines(child: &mut Child) -> Receiver<String> {
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    lines
}

/// The PostgreSQL URL the database tests may use, or `None` after saying that the half is
/// skipped, once per `cargo test` run: the test binaries of a run are cargo's children, so
/// the first to create a marker named after its parent's pid says it (the tests crate's
/// `postgres_url` uses the same marker).
#[allow(dead_code)] // not every test binary has a PostgreSQL half
pub fn postgres_url() -> Option<String> {
    const VAR: &str = "MAKERMATCH_TEST_POSTGRES_URL";
    match std::env::var(VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let marker = std::env::temp_dir().join(format!(
                "makermatch-tests-postgres-skipped-{}",
                std::os::unix::process::parent_id()
            ));
            let first = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(marker)
                .is_ok();
            if first {
                // Straight to stderr: the test harness captures only print macros.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL half of the database tests skipped: set {VAR}=postgres://… to run it"
                );
            }
            None
        }
    }
}
