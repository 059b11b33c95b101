//! Helpers shared by the tests that run the real binary.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc::Receiver;

/// The lines the child writes to its (piped) standard error, as they come, read by a
/// thread of their own so the child never blocks on a full pipe.
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
