//! The real binary under a low open-file limit (`ulimit -n 512`), flooded with more idle
//! connections than the limit: it stays up, refuses the excess with a 503, keeps enough
//! files for its search index, and a write made meanwhile is searchable. A connection cap
//! that does not fit under the limit is refused at start.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use makermatch_api::config::Config;
use makermatch_api::services::facilities::{self, FacilityInput};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_makermatch");

/// The open-file limit (soft and hard) the server runs under.
const OPEN_FILES: u32 = 512;

/// Idle connections opened at once: more than the server has file descriptors.
const FLOOD: usize = 700;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `makermatch <args>` under `ulimit -n OPEN_FILES` (soft and hard, so the server cannot
/// raise it), with `env` set.
fn limited(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -n {OPEN_FILES} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("MAKERMATCH_CONFIG")
        .env_remove("MAKERMATCH_DATABASE_URL")
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_ready(base: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base}/readyz never answered 200");
}

/// What the server sends on `s` until it closes it; `None` when it keeps it open (and
/// silent) for 10 s.
async fn answer(s: &mut TcpStream) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_idle_connections_than_files_are_refused_and_search_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let _server = Server(
        limited(
            &data,
            &["serve", "--listen", &format!("127.0.0.1:{port}")],
            // Long timeouts: the flood must still be open when it is counted.
            &[
                ("MAKERMATCH_SERVER__HEADER_READ_TIMEOUT_MS", "120000"),
                ("MAKERMATCH_SERVER__IDLE_TIMEOUT_MS", "120000"),
            ],
        )
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start makermatch serve"),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let token = String::from_utf8(
        limited(&data, &["token", "--role", "admin", "--sub", "ops"], &[])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();

    // Silent sockets, more than the server could hold even with every descriptor.
    let mut flood = Vec::with_capacity(FLOOD);
    for n in 0..FLOOD {
        let connected = tokio::time::timeout(
            Duration::from_secs(10),
            TcpStream::connect(("127.0.0.1", port)),
        )
        .await
        .unwrap_or_else(|_| {
            panic!("connection {n} of the flood was neither accepted nor refused within 10 s")
        });
        flood.push(connected.unwrap());
    }

    // A write meanwhile (through the database, as an import would): the indexer must still
    // find the files to commit it.
    let config = Config {
        data_dir: data.clone(),
        ..Config::default()
    };
    let db = makermatch_api::db::connect(&config).await.unwrap();
    facilities::create(&db, FacilityInput::named("Flooded Fablab Tamale"))
        .await
        .unwrap();

    // A newcomer past the cap is told so and closed.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let mut newcomer = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    newcomer
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let refusal = answer(&mut newcomer)
        .await
        .expect("the server closed a connection past its cap");
    assert!(refusal.starts_with("HTTP/1.1 503"), "{refusal:?}");
    assert!(refusal.contains("connection limit"), "{refusal}");

    // The excess of the flood was closed, not left hanging: the server kept at most its
    // cap, well under the limit, and every other socket was answered 503 or closed.
    let mut open = 0usize;
    for s in &mut flood {
        let mut probe = [0u8; 512];
        match tokio::time::timeout(Duration::from_millis(5), s.read(&mut probe)).await {
            Err(_) => open += 1,
            Ok(Ok(n)) if n > 0 => {
                let text = String::from_utf8_lossy(&probe[..n]);
                assert!(text.starts_with("HTTP/1.1 503"), "{text:?}");
            }
            Ok(_) => {}
        }
    }
    assert!(
        open < OPEN_FILES as usize,
        "{open} connections held under a limit of {OPEN_FILES} files"
    );
    assert!(open > 0, "the server held none of the idle connections");

    drop(flood);
    let client = reqwest::Client::new();
    let search =
        json!({ "query": r#"{ facilities(text: "Tamale") { totalCount nodes { name } } }"# });
    let mut last = Value::Null;
    for _ in 0..100 {
        if let Ok(r) = client
            .post(format!("{base}/graphql"))
            .json(&search)
            .send()
            .await
            && let Ok(body) = r.json::<Value>().await
        {
            if body["data"]["facilities"]["totalCount"] == 1 {
                last = body;
                break;
            }
            last = body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        last["data"]["facilities"]["nodes"][0]["name"], "Flooded Fablab Tamale",
        "the write made during the flood is searchable: {last}"
    );

    // And a write over HTTP is searchable at once.
    let created: Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({
            "query": "mutation($input: FacilityInput!) { createFacility(input: $input) { id } }",
            "variables": { "input": { "name": "Tamale Makers After The Flood" } },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(created.get("errors").is_none(), "{created}");
    let found: Value = client
        .post(format!("{base}/graphql"))
        .json(&search)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["data"]["facilities"]["totalCount"], 2, "{found}");
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[test]
fn a_connection_cap_above_the_file_limit_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let Output { status, stderr, .. } = limited(
        &dir.path().join("data"),
        &["serve", "--listen", "127.0.0.1:0"],
        &[("MAKERMATCH_SERVER__MAX_CONNECTIONS", "5000")],
    )
    .stdout(Stdio::null())
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("server.max_connections = 5000") && stderr.contains("at most"),
        "{stderr}"
    );
}
