//! The `makermatch` binary as an operator meets it: help, bad input answered with one clear
//! line and a non-zero exit, `serve --demo` end to end with a graceful stop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

mod support;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_makermatch");

fn all_migrations() -> usize {
    use makermatch_migration::MigratorTrait;
    makermatch_migration::Migrator::migrations().len()
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("MAKERMATCH_DATABASE_URL")
        .env_remove("MAKERMATCH_DATA_DIR")
        .env_remove("MAKERMATCH_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .expect("run makermatch")
}

/// A failure as the issue demands: non-zero exit, one `error:` line naming the problem,
/// no panic or backtrace.
fn assert_clean_failure(out: &Output, mentions: &[&str]) {
    assert!(!out.status.success(), "exit status {:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "one error line expected:\n{stderr}");
    for m in mentions {
        assert!(
            error_lines[0].contains(m),
            "`{m}` missing from: {}",
            error_lines[0]
        );
    }
}

#[test]
fn help_describes_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--help"], dir.path());
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "serve",
        "migrate",
        "demo",
        "--data-dir",
        "--database-url",
        "--config",
    ] {
        assert!(help.contains(word), "--help lacks {word}:\n{help}");
    }
    let out = run(&["demo", "--help"], dir.path());
    let help = String::from_utf8_lossy(&out.stdout);
    for word in ["--facilities", "--makers", "--seed"] {
        assert!(help.contains(word), "demo --help lacks {word}:\n{help}");
    }
}

#[test]
fn an_unreadable_config_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--config", "missing.toml", "migrate"], dir.path());
    assert_clean_failure(&out, &["missing.toml"]);
    assert!(!dir.path().join("data").exists(), "nothing may be written");

    std::fs::write(dir.path().join("bad.toml"), "listen = 12\n").unwrap();
    let out = run(&["--config", "bad.toml", "migrate"], dir.path());
    assert_clean_failure(&out, &["listen"]);
}

#[test]
fn an_unknown_flag_value_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--log-format", "xml", "migrate"], dir.path());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("xml") && stderr.contains("human"),
        "{stderr}"
    );
    let out = run(&["serve", "--listen", "not-an-address"], dir.path());
    assert!(!out.status.success());
    assert!(!dir.path().join("data").exists());
}

#[test]
fn an_unreachable_database_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens there.
    let out = run(
        &[
            "--database-url",
            "postgres://makermatch:secret@127.0.0.1:1/none",
            "migrate",
        ],
        dir.path(),
    );
    assert_clean_failure(&out, &["127.0.0.1:1", "MAKERMATCH_DATABASE_URL"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("secret"), "the password leaked: {stderr}");
    assert!(!dir.path().join("data").exists(), "nothing may be written");

    let out = run(
        &["--database-url", "mysql://localhost/x", "migrate"],
        dir.path(),
    );
    assert_clean_failure(&out, &["database_url"]);
}

#[test]
fn a_data_dir_that_cannot_be_written_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // A path below a regular file cannot become a directory, whoever runs the test.
    std::fs::write(dir.path().join("file"), "").unwrap();
    let out = run(&["--data-dir", "file/data", "migrate"], dir.path());
    assert_clean_failure(&out, &["file/data", "--data-dir"]);
}

#[test]
fn migrate_reports_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["migrate"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(&format!("applied {} migration(s)", all_migrations()))
    );
    assert!(dir.path().join("data/makermatch.db").exists());
    let out = run(&["migrate"], dir.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));
    let out = run(&["migrate", "--status"], dir.path());
    let status = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        status.lines().filter(|l| l.starts_with("applied")).count(),
        all_migrations(),
        "{status}"
    );
}

/// A first command on a new database logs one summary line for its migrations at the
/// default level, not one per migration.
#[test]
fn a_first_command_logs_one_migration_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &["export", "--kind", "facilities", "--format", "csv"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("migration")).collect();
    assert_eq!(lines.len(), 1, "one migration line expected:\n{stderr}");
    let last = {
        use makermatch_migration::MigratorTrait;
        makermatch_migration::Migrator::migrations()
            .last()
            .map(|m| m.name().to_owned())
            .unwrap()
    };
    assert!(
        lines[0].contains(&format!(
            "applied {} migrations, schema at {last}",
            all_migrations()
        )),
        "{}",
        lines[0]
    );
}

#[test]
fn serve_demo_answers_graphql_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ])
        .current_dir(dir.path())
        .env_remove("MAKERMATCH_DATABASE_URL")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = support::stderr_lines(&mut child);
    let started = Instant::now();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120).saturating_sub(started.elapsed()))
            .expect("the server announces its address");
        let log: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
        let message = log["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if let Some(rest) = message.split("listening on http://").nth(1) {
            break rest.trim_end_matches("/graphql").to_owned();
        }
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let body: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("http://{addr}/graphql"))
            .json(
                &serde_json::json!({ "query": "{ stats { facilities makers jobs programmes } }" }),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(body["data"]["stats"]["facilities"], 200, "{body}");
    assert_eq!(body["data"]["stats"]["makers"], 2000, "{body}");
    assert_eq!(body["data"]["stats"]["programmes"], 1, "{body}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful stop exits 0, got {status:?}");
}

#[test]
fn import_reports_rejections_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/import");
    let good = fixtures.join("okw-snake.yaml");
    let broken = fixtures.join("okw-broken.json");
    let report = dir.path().join("report.json");
    let out = run(
        &[
            "import",
            good.to_str().unwrap(),
            broken.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_clean_failure(&out, &["rejected"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("facilities"), "{stdout}");
    assert!(
        stdout.contains("okw-broken.json record 4 line 6: name"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["rejections"].as_array().unwrap().len(), 6);
    assert_eq!(json["kinds"]["facility"]["imported"], 4);

    // Good files alone: exit 0, and a second run finds everything unchanged.
    let out = run(&["import", good.to_str().unwrap()], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("unchanged       2"));

    let exported = run(
        &["export", "--kind", "facilities", "--format", "geojson"],
        dir.path(),
    );
    assert!(exported.status.success());
    let geo: serde_json::Value = serde_json::from_slice(&exported.stdout).unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), 4);
}

#[test]
fn a_taxonomy_file_can_replace_the_builtin_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tax.toml"),
        "version = 1\n[[process]]\nid = \"basket-weaving\"\nen = \"Basket weaving\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("f.json"),
        r#"[{"name": "Weavers", "manufacturingProcesses": ["basket weaving"]}]"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["import", "f.json"])
        .current_dir(dir.path())
        .env("MAKERMATCH_TAXONOMY", "tax.toml")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("free text"),
        "the custom process resolved"
    );

    let out = Command::new(BIN)
        .args(["migrate"])
        .current_dir(dir.path())
        .env("MAKERMATCH_TAXONOMY", "missing.toml")
        .output()
        .unwrap();
    // migrate does not need the taxonomy; import does.
    assert!(out.status.success());
    let out = Command::new(BIN)
        .args(["import", "f.json"])
        .current_dir(dir.path())
        .env("MAKERMATCH_TAXONOMY", "missing.toml")
        .output()
        .unwrap();
    assert_clean_failure(&out, &["missing.toml", "MAKERMATCH_TAXONOMY"]);
}

#[test]
fn token_prints_one_verifiable_token_and_refuses_bad_roles() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &[
            "--data-dir",
            "data",
            "token",
            "--role",
            "coordinator",
            "--sub",
            "kwame@ima",
            "--ttl",
            "2h",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "the token alone: {stdout}");
    assert_eq!(lines[0].split('.').count(), 3);
    // The secret was generated into the data dir, private to its owner, and signs the token.
    let secret = dir.path().join("data").join("jwt-secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o077,
            0
        );
    }
    let config = makermatch_api::config::Config {
        data_dir: dir.path().join("data"),
        ..Default::default()
    };
    let actor = makermatch_api::auth::Verifier::new(&config)
        .unwrap()
        .verify(lines[0])
        .unwrap();
    assert_eq!(actor.subject, "kwame@ima");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(lines[0]));

    let bad = run(
        &[
            "--data-dir",
            "data",
            "token",
            "--role",
            "root",
            "--sub",
            "x",
        ],
        dir.path(),
    );
    assert_clean_failure(&bad, &["--role", "root"]);
    let maker = run(
        &[
            "--data-dir",
            "data",
            "token",
            "--role",
            "maker",
            "--sub",
            "x",
        ],
        dir.path(),
    );
    assert_clean_failure(&maker, &["--maker-id"]);
    let ttl = run(
        &[
            "--data-dir",
            "data",
            "token",
            "--role",
            "admin",
            "--sub",
            "x",
            "--ttl",
            "soon",
        ],
        dir.path(),
    );
    assert_clean_failure(&ttl, &["--ttl"]);
}
