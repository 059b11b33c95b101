//! `kill -9` during a burst of writes, then a restart: the index converges to the database
//! (DESIGN §2). The server is the real binary; the writes come from this process through
//! the service layer into the same database, as an import or a second replica would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use makermatch_api::config::Config;
use makermatch_api::services::facilities::{self, FacilityInput, LocationInput};
use makermatch_api::services::outbox;
use makermatch_entities::facility;
use makermatch_search::{Kind, SearchEngine, SearchRequest, Taxonomy};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

mod support;

const BIN: &str = env!("CARGO_BIN_EXE_makermatch");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_server(data_dir: &Path, database_url: Option<&str>, port: u16) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("MAKERMATCH_CONFIG")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start makermatch serve")
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

async fn index_info(base: &str) -> Value {
    let body: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ searchIndex { state appliedSeq facilities } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["searchIndex"].clone()
}

/// A tiny deterministic generator: the burst is the same on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A word of letters unique to `n` (digits might be split or folded by the analyzer).
fn word(mut n: u64) -> String {
    let mut w = String::from("zq");
    loop {
        w.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return w;
        }
    }
}

fn space(n: u64, tag: &str) -> FacilityInput {
    let mut input = FacilityInput::named(format!("Space {tag}"));
    input.location = LocationInput {
        lat: Some(-30.0 + (n % 60) as f64),
        lon: Some(-170.0 + (n * 7 % 340) as f64),
        ..Default::default()
    };
    input
}

/// `count` writes: creates, renames (each with a fresh unique word) and deletes.
async fn burst(
    db: &DatabaseConnection,
    rng: &mut Lcg,
    live: &mut Vec<Uuid>,
    start: u64,
    count: u64,
) {
    for n in start..start + count {
        let roll = rng.next(100);
        if roll < 20 && !live.is_empty() {
            let i = rng.next(live.len() as u64) as usize;
            facilities::delete(db, live.swap_remove(i)).await.unwrap();
        } else if roll < 45 && !live.is_empty() {
            let i = rng.next(live.len() as u64) as usize;
            facilities::replace(db, live[i], space(n, &word(n)))
                .await
                .unwrap();
        } else {
            let w = facilities::create(db, space(n, &word(n))).await.unwrap();
            live.push(w.value.id);
        }
    }
}

async fn converge_after_kills(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let config = Config {
        data_dir: data_dir.clone(),
        database_url: database_url.clone(),
        ..Config::default()
    };
    let ready = makermatch_api::startup::prepare(&config).await.unwrap();
    let db = ready.db.clone();
    let mut rng = Lcg(7);
    let mut live = Vec::new();
    let mut written = 0;

    for _round in 0..2 {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut server = start_server(&data_dir, database_url.as_deref(), port);
        wait_ready(&base).await;
        // Writes while the server indexes them, then kill -9 in the middle of the burst.
        let kill_after = 40 + rng.next(60);
        let writer = {
            let db = db.clone();
            let mut live_now = std::mem::take(&mut live);
            let mut rng_now = Lcg(rng.next(u64::MAX));
            tokio::spawn(async move {
                burst(&db, &mut rng_now, &mut live_now, written, 150).await;
                live_now
            })
        };
        tokio::time::sleep(Duration::from_millis(kill_after * 5)).await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        live = writer.await.unwrap();
        written += 150;
        // And more while no server runs at all.
        burst(&db, &mut rng, &mut live, written, 30).await;
        written += 30;
    }

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start_server(&data_dir, database_url.as_deref(), port);
    wait_ready(&base).await;
    let target = outbox::last_seq(&db).await.unwrap().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let info = index_info(&base).await;
        if info["appliedSeq"].as_i64() == Some(target) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the index never caught up: {info}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A graceful stop releases the index so this process can open it.
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());

    let rows = facility::Entity::find().all(&db).await.unwrap();
    let in_db: BTreeSet<Uuid> = rows.iter().map(|f| f.id).collect();
    assert_eq!(
        in_db,
        live.iter().copied().collect(),
        "the test's own bookkeeping"
    );
    let engine =
        SearchEngine::open(&data_dir.join("index"), &Taxonomy::builtin().unwrap()).unwrap();
    let page = engine
        .search(
            &SearchRequest::new(Kind::Facility)
                .page(0, 1_000)
                .count_total(),
        )
        .unwrap();
    let in_index: BTreeSet<Uuid> = page.hits.iter().map(|h| h.id).collect();
    assert_eq!(in_index, in_db, "index ids = database ids");
    // Contents too: every facility is found by the unique word of its latest name.
    for f in &rows {
        let word = f.name.trim_start_matches("Space ");
        let hits = engine
            .search(&SearchRequest::new(Kind::Facility).text(word).page(0, 5))
            .unwrap()
            .hits;
        assert_eq!(
            hits.first().map(|h| h.id),
            Some(f.id),
            "`{word}` should find {} first (the index holds its latest name)",
            f.id
        );
    }
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_converges_after_kill_9_on_sqlite() {
    converge_after_kills(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_converges_after_kill_9_on_postgres() {
    let Some(base) = support::postgres_url() else {
        return;
    };
    let admin = Database::connect(&base).await.unwrap();
    let name = format!("mmcrash_{}", Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("MAKERMATCH_TEST_POSTGRES_URL has no database part: {base}"),
    };
    converge_after_kills(Some(url)).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
