//! Installs the real clients the audit and client tests drive: the npm packages of
//! `tests/clients/package-lock.json` (once; `node_modules` is reused while the lockfile is
//! unchanged) and Python `gql` of `tests/clients/requirements.txt` into `tests/clients/.venv`
//! (likewise). Each answers `None` after one
//! line on standard error saying what is skipped and why, when the tool is missing or the
//! registry cannot be reached. Included by the test files with `#[path]`.
#![allow(dead_code)] // each test file uses part of it

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Installs run one at a time within a test binary.
static INSTALL: Mutex<()> = Mutex::new(());

pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// Says once, past the test harness's capture, that `what` is skipped.
pub fn skip(what: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "{what} skipped: {why}");
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `node_modules` ready for the scripts in `tests/clients`, or `None` (skipped, said why).
pub fn node_modules(what: &str) -> Option<PathBuf> {
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !runs("node", &["--version"]) || !runs("npm", &["--version"]) {
        skip(what, "node or npm is not installed");
        return None;
    }
    let dir = clients_dir();
    let lock = std::fs::read(dir.join("package-lock.json")).ok()?;
    let stamp = dir.join("node_modules").join(".makermatch-lock");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) {
        return Some(dir.join("node_modules"));
    }
    let installed = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match installed {
        Ok(out) if out.status.success() => {
            let _ = std::fs::write(&stamp, &lock);
            Some(dir.join("node_modules"))
        }
        Ok(out) => {
            let reason = first_error(&out.stderr);
            skip(
                what,
                &format!("`npm ci` in tests/clients failed (offline?): {reason}"),
            );
            None
        }
        Err(e) => {
            skip(what, &format!("`npm ci` could not start: {e}"));
            None
        }
    }
}

/// The Python of a virtual environment in `tests/clients/.venv` holding `gql`, or `None`
/// (skipped, said why).
pub fn gql_python(what: &str) -> Option<PathBuf> {
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let venv = clients_dir().join(".venv");
    let python = venv.join("bin").join("python");
    let stamp = venv.join(".makermatch-requirements");
    let requirements = clients_dir().join("requirements.txt");
    let pinned = std::fs::read(&requirements).ok()?;
    if std::fs::read(&stamp).ok().as_deref() == Some(pinned.as_slice()) && python.exists() {
        return Some(python);
    }
    if !runs("python3", &["-m", "venv", "--help"]) {
        skip(what, "python3 with its venv module is not installed");
        return None;
    }
    let venv_arg = venv.to_string_lossy().into_owned();
    if !runs("python3", &["-m", "venv", &venv_arg]) {
        skip(what, "python3 -m venv tests/clients/.venv failed");
        return None;
    }
    let installed = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match installed {
        Ok(out) if out.status.success() => {
            let _ = std::fs::write(&stamp, &pinned);
            Some(python)
        }
        Ok(out) => {
            let reason = first_error(&out.stderr);
            skip(
                what,
                &format!("pip cannot install tests/clients/requirements.txt (offline?): {reason}"),
            );
            None
        }
        Err(e) => {
            skip(what, &format!("pip could not start: {e}"));
            None
        }
    }
}

/// The line of a tool's error output that says what went wrong: its first naming an
/// error, else its last.
fn first_error(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines = || text.lines().map(str::trim).filter(|l| !l.is_empty());
    lines()
        .find(|l| l.to_ascii_lowercase().contains("error"))
        .or_else(|| lines().next_back())
        .unwrap_or("")
        .to_owned()
}

/// Runs `program` with `args` in `tests/clients`; its standard output, or the test fails
/// with both outputs.
pub fn run(program: &Path, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(clients_dir())
        .output()
        .unwrap_or_else(|e| panic!("{} could not start: {e}", program.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} {args:?} failed ({}):\n{stdout}\n{}",
        program.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
