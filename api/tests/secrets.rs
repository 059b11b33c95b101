//! Secrets never appear in logs or answers (issue 7): the `makermatch` binary is run as an
//! operator runs it — a configured HS256 secret or the one generated into the data dir, a
//! database URL with a password — with every log line on (`trace`), and good, forged and
//! malformed tokens are sent at it. Neither its standard error (all of the log) nor any
//! answer may hold the secret, a token or the password.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

mod support;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const BIN: &str = env!("CARGO_BIN_EXE_makermatch");
const SECRET: &str = "hs256-test-secret-6b1f0c9e4d2a7b3c5e8f9a0d1c2b3a4f";
const PASSWORD: &str = "pg-password-9f8e7d6c5b4a";

fn command(config: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--config")
        .arg(config)
        .env_remove("MAKERMATCH_DATABASE_URL")
        .env_remove("MAKERMATCH_DATA_DIR")
        .env_remove("MAKERMATCH_CONFIG")
        .env_remove("RUST_LOG");
    c
}

/// A running `serve` whose standard error is collected line by line.
struct Server {
    child: Child,
    lines: Receiver<String>,
    log: Vec<String>,
    base: String,
}

impl Server {
    fn start(config: &Path) -> Server {
        let mut child = command(config)
            .args(["serve", "--listen", "127.0.0.1:0", "--log-level", "trace"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = support::stderr_lines(&mut child);
        let mut log = Vec::new();
        let started = Instant::now();
        let base = loop {
            let line = lines
                .recv_timeout(Duration::from_secs(120).saturating_sub(started.elapsed()))
                .unwrap_or_else(|_| {
                    panic!(
                        "the server never said where it listens:\n{}",
                        log.join("\n")
                    )
                });
            log.push(line.clone());
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.trim().trim_end_matches("/graphql").to_owned();
            }
        };
        Server {
            child,
            lines,
            log,
            base,
        }
    }

    /// Stops the server (SIGTERM) and returns everything it logged.
    fn stop(mut self) -> String {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful stop, got {status:?}");
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.log.push(line);
        }
        self.log.join("\n")
    }
}

/// `makermatch token` for an admin: the token alone on standard output.
fn mint(config: &Path) -> String {
    let out = command(config)
        .args(["token", "--role", "admin", "--sub", "ops@example.org"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains(SECRET),
        "`token` logged the secret: {stderr}"
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A token signed with another secret, and the good one with its signature altered.
fn forgeries(good: &str) -> Vec<(&'static str, String)> {
    let (unsigned, _) = good.rsplit_once('.').unwrap();
    let mut altered = good.to_owned();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    let other_key = format!(
        "{unsigned}.{}",
        URL_SAFE_NO_PAD.encode(b"not the signature of this token at all, 32+ bytes")
    );
    vec![
        ("altered signature", altered),
        ("another signature", other_key),
        ("truncated", good[..good.len() - 10].to_owned()),
    ]
}

/// Sends good and bad requests; returns every answer's body.
fn exercise(base: &str, good: &str) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let post = |auth: Option<String>, query: &'static str| {
            let client = client.clone();
            async move {
                let mut r = client
                    .post(format!("{base}/graphql"))
                    .json(&serde_json::json!({ "query": query }));
                if let Some(auth) = auth {
                    r = r.header("authorization", auth);
                }
                let response = r.send().await.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }
        };
        let mut bodies = Vec::new();
        let (status, body) = post(Some(format!("Bearer {good}")), "{ me { role } }").await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("admin"), "{body}");
        let (_, body) = post(
            Some(format!("Bearer {good}")),
            r#"mutation { createFacility(input: { name: "Secret Lab", location: { lat: 95 } }) { id } }"#,
        )
        .await;
        assert!(body.contains("BAD_USER_INPUT"), "{body}");
        bodies.push(body);
        for (what, token) in forgeries(good) {
            let (status, body) = post(Some(format!("Bearer {token}")), "{ me { role } }").await;
            assert_eq!(status, 401, "{what}: {body}");
            bodies.push(body);
        }
        for header in [
            "Bearer".to_owned(),
            format!("Basic {}", URL_SAFE_NO_PAD.encode(format!("admin:{SECRET}"))),
            format!("Token {good}"),
        ] {
            let (status, body) = post(Some(header), "{ me { role } }").await;
            assert_eq!(status, 401, "{body}");
            bodies.push(body);
        }
        bodies
    })
}

fn assert_absent(haystack: &str, secrets: &[(&str, &str)], where_: &str) {
    for (what, secret) in secrets {
        assert!(
            !haystack.contains(secret),
            "the {what} appears in {where_}:\n{haystack}"
        );
    }
}

fn write_config(dir: &Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("makermatch.toml");
    let data = dir.join("data");
    std::fs::write(
        &path,
        format!("data_dir = {:?}\n{extra}", data.to_str().unwrap()),
    )
    .unwrap();
    path
}

#[test]
fn secrets_and_tokens_stay_out_of_logs_and_answers() {
    // A configured secret, then one generated into the data dir on first use.
    for configured in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let extra = if configured {
            format!("[auth]\nhs256_secret = {SECRET:?}\n")
        } else {
            String::new()
        };
        let config = write_config(dir.path(), &extra);
        let good = mint(&config);
        let secret = if configured {
            SECRET.to_owned()
        } else {
            let file = dir
                .path()
                .join("data")
                .join(makermatch_api::auth::SECRET_FILE);
            std::fs::read_to_string(file).unwrap().trim().to_owned()
        };
        assert!(secret.len() >= 32);
        let server = Server::start(&config);
        let bodies = exercise(&server.base, &good);
        let log = server.stop();
        assert!(
            log.contains("refused a token"),
            "refusals are logged:\n{log}"
        );
        let signature = good.rsplit('.').next().unwrap();
        let secrets = [
            ("secret", secret.as_str()),
            ("token", good.as_str()),
            ("token's signature", signature),
        ];
        assert_absent(&log, &secrets, "the log");
        for body in &bodies {
            assert_absent(body, &secrets, "an answer");
        }
    }
}

#[test]
fn a_database_password_stays_out_of_logs_and_errors() {
    // A server that cannot be reached: the error names the URL, without the password.
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "database_url = \"postgres://maker:{PASSWORD}@127.0.0.1:1/makermatch\"\n[database]\nconnect_timeout_secs = 1\n"
        ),
    );
    let out = command(&config)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-level", "trace"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("postgres://maker:***@127.0.0.1:1"),
        "{stderr}"
    );
    assert_absent(&stderr, &[("password", PASSWORD)], "the error");

    // A server that answers (when the test suite has one): the password stays out of the
    // log through start, queries, failing queries and stop.
    let Some(base) = support::postgres_url() else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let name = format!("mmsecret_{}", uuid::Uuid::new_v4().simple());
    let admin = rt.block_on(async {
        use sea_orm::ConnectionTrait;
        let admin = sea_orm::Database::connect(&base).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin
    });
    // The test server trusts local connections, so any password is accepted.
    let (scheme, rest) = base.split_once("://").unwrap();
    let host_and_path = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = host_and_path.split('/').next().unwrap();
    let url = format!("{scheme}://postgres:{PASSWORD}@{host}/{name}");
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!("database_url = {url:?}\n[auth]\nhs256_secret = {SECRET:?}\n"),
    );
    let good = mint(&config);
    let server = Server::start(&config);
    let bodies = exercise(&server.base, &good);
    let log = server.stop();
    let secrets = [
        ("password", PASSWORD),
        ("secret", SECRET),
        ("token", good.as_str()),
    ];
    assert_absent(&log, &secrets, "the log");
    for body in &bodies {
        assert_absent(body, &secrets, "an answer");
    }
    rt.block_on(async {
        use sea_orm::ConnectionTrait;
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    });
}
