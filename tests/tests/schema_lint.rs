//! `graphql-schema-linter` (npm, pinned in tests/schema-lint/package-lock.json) finds
//! nothing on api/schema.graphql: every type, field, argument, input field and enum value
//! is described, and names follow GraphQL's conventions (issue 26). The `schema` test
//! checks that the file is the schema the server serves, so this lints the server.
//! Skipped with one line when node or npm is missing or the install fails (offline).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, Once};

/// The tests of this file install one at a time.
static INSTALL: Mutex<()> = Mutex::new(());

/// The rules checked: the five description rules the issue names, and the naming,
/// deprecation and Relay rules the schema meets. The linter's sorting rules are left
/// out: the schema orders fields by meaning, not alphabetically.
const RULES: &[&str] = &[
    "types-have-descriptions",
    "fields-have-descriptions",
    "arguments-have-descriptions",
    "input-object-values-have-descriptions",
    "enum-values-have-descriptions",
    "descriptions-are-capitalized",
    "deprecations-have-a-reason",
    "enum-values-all-caps",
    "fields-are-camel-cased",
    "input-object-values-are-camel-cased",
    "types-are-capitalized",
    "defined-types-are-used",
    "relay-connection-types-spec",
    "relay-connection-arguments-spec",
    "relay-page-info-spec",
];

fn lint_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema-lint")
}

/// Says once, past the test harness's capture, why the lint is skipped.
fn skip(why: &str) {
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        let _ = writeln!(std::io::stderr(), "schema lint skipped: {why}");
    });
}

fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The linter's executable, installed by `npm ci` once per lockfile; `None` (said why)
/// when it cannot be had.
fn linter() -> Option<PathBuf> {
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !runs("node") || !runs("npm") {
        skip("node or npm is not installed");
        return None;
    }
    let dir = lint_dir();
    let bin = dir
        .join("node_modules")
        .join(".bin")
        .join("graphql-schema-linter");
    let lock =
        std::fs::read(dir.join("package-lock.json")).expect("tests/schema-lint/package-lock.json");
    let stamp = dir.join("node_modules").join(".makermatch-lock");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) && bin.exists() {
        return Some(bin);
    }
    let out = match Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            skip(&format!("`npm ci` could not start: {e}"));
            return None;
        }
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        // npm's last line points at its log; the line before it says what went wrong.
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.contains("A complete log of this run"))
            .unwrap_or("");
        skip(&format!(
            "`npm ci` in tests/schema-lint failed (offline?): {last}"
        ));
        return None;
    }
    let _ = std::fs::write(&stamp, &lock);
    Some(bin)
}

/// The linter's findings on `schema` (one per line), empty when it finds nothing.
fn findings(bin: &Path, schema: &Path) -> Vec<String> {
    let out = Command::new(bin)
        .args(["--format", "compact", "--rules", &RULES.join(",")])
        .arg(schema)
        .output()
        .expect("graphql-schema-linter runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let found: Vec<String> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    // Exit 1 means findings; anything else (2: a schema that does not parse, a bad
    // option) is a failure of the check itself.
    assert!(
        out.status.success() || (out.status.code() == Some(1) && !found.is_empty()),
        "graphql-schema-linter failed ({}): {stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    found
}

#[test]
fn the_schema_passes_graphql_schema_linter() {
    let Some(bin) = linter() else {
        return;
    };
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/schema.graphql");
    let found = findings(&bin, &schema);
    assert!(
        found.is_empty(),
        "graphql-schema-linter finds {} problem(s) in api/schema.graphql; describe what is \
         missing with `///` doc comments or `#[graphql(desc = \"…\")]`, then regenerate the \
         file (`cargo run -p makermatch-api -- schema > api/schema.graphql`):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_linter_catches_a_missing_description() {
    // The check can fail: a field without a description is a finding.
    let Some(bin) = linter() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.graphql");
    std::fs::write(
        &schema,
        "\"\"\"The root.\"\"\"\ntype Query {\n  \"\"\"Described.\"\"\"\n  a: Int\n  b: Int\n}\n",
    )
    .unwrap();
    let found = findings(&bin, &schema);
    let undescribed: Vec<&String> = found
        .iter()
        .filter(|f| f.contains("fields-have-descriptions"))
        .collect();
    assert_eq!(undescribed.len(), 1, "{found:?}");
    assert!(undescribed[0].contains("`Query.b`"), "{found:?}");
}
