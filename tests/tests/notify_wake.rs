//! Replicas wake on PostgreSQL notifications (issue 24, "wake, don't poll"): a write through
//! one replica reaches another's index long before that one's next poll, and the listener
//! comes back by itself after its connection was killed. PostgreSQL only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::{Duration, Instant};

use makermatch_api::index::listen::APPLICATION_NAME;
use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_tests::{TestApp, TestDb, postgres_url};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// The reader's poll interval: only a notification can wake it sooner.
const READER_POLL_MS: u64 = 60_000;
/// Far above a notified wake-up, far below the reader's poll interval.
const WAKE_BOUND: Duration = Duration::from_secs(10);

async fn applied_seq(app: &TestApp) -> i64 {
    app.data("{ searchIndex { appliedSeq } }", serde_json::json!({}))
        .await["searchIndex"]["appliedSeq"]
        .as_i64()
        .unwrap()
}

/// Waits, at most [`WAKE_BOUND`], until `app`'s index applied `seq`; panics otherwise.
async fn sees_within_bound(app: &TestApp, seq: i64, what: &str) {
    let started = Instant::now();
    while started.elapsed() < WAKE_BOUND {
        if applied_seq(app).await >= seq {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "{what}: replica b's index did not apply outbox entry {seq} within {WAKE_BOUND:?} \
         (applied {}); it was not woken and waits for its {READER_POLL_MS} ms poll",
        applied_seq(app).await
    );
}

/// A connection to another database of the server (one cannot refuse connections to
/// the database it is connected to), and the name of the test's database.
struct Admin {
    db: DatabaseConnection,
    database: String,
}

/// Backend ids of replica `replica`'s listener connections.
async fn listener_pids(admin: &Admin, replica: &str) -> Vec<i32> {
    let rows = admin
        .db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
            [
                admin.database.clone().into(),
                format!("{APPLICATION_NAME} {replica}").into(),
            ],
        ))
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get("", "pid").unwrap()).collect()
}

async fn allow_connections(admin: &Admin, allow: bool) {
    let sql = format!(
        "ALTER DATABASE \"{}\" ALLOW_CONNECTIONS {allow}",
        admin.database
    );
    admin.db.execute_unprepared(&sql).await.unwrap();
}

/// Terminates replica `replica`'s listener connection (with the database refusing new
/// connections for a second if `refuse`), then waits until another one listens.
async fn kill_listener(admin: &Admin, replica: &str, refuse: bool) {
    let killed = listener_pids(admin, replica).await;
    assert_eq!(
        killed.len(),
        1,
        "replica {replica} listens on one connection"
    );
    if refuse {
        allow_connections(admin, false).await;
    }
    admin
        .db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_terminate_backend($1)",
            [killed[0].into()],
        ))
        .await
        .unwrap();
    if refuse {
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(
            listener_pids(admin, replica).await.is_empty(),
            "the listener reconnected while the database refused connections"
        );
        allow_connections(admin, true).await;
    }
    let started = Instant::now();
    loop {
        let now = listener_pids(admin, replica).await;
        if now.len() == 1 && now != killed {
            return;
        }
        assert!(
            started.elapsed() < WAKE_BOUND,
            "replica {replica}'s listener did not reconnect within {WAKE_BOUND:?} (connections: {now:?})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn database_name(app: &TestApp) -> String {
    app.db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_database() AS name",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "name")
        .unwrap()
}

async fn create(app: &TestApp, name: &str) -> i64 {
    facilities::create(&app.db, FacilityInput::named(name))
        .await
        .unwrap()
        .outbox_seq
}

async fn names_found(app: &TestApp, text: &str) -> Vec<String> {
    let d = app
        .data(
            "query($t: String!) { facilities(text: $t, first: 50) { nodes { name } } }",
            serde_json::json!({ "t": text }),
        )
        .await;
    d["facilities"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_write_through_one_replica_wakes_the_other_even_after_its_listener_was_killed() {
    let Some(url) = postgres_url() else { return };
    let t = TestDb::postgres(&url).await;
    let mut a = t.config.clone();
    a.index.replica = "a".to_owned();
    let mut b = a.clone();
    b.index.replica = "b".to_owned();
    b.index.poll_interval_ms = READER_POLL_MS;
    b.data_dir = t.dir.path().join("replica-b");
    b.database_url = Some(a.effective_database_url());

    let app_a = TestApp::spawn_with(&t, a).await;
    let app_b = TestApp::spawn_with(&t, b).await;
    let admin = Admin {
        db: sea_orm::Database::connect(&url).await.unwrap(),
        database: database_name(&app_a).await,
    };

    let seq = create(&app_a, "Ho Kiln Works").await;
    sees_within_bound(&app_b, seq, "a write through replica a").await;
    assert_eq!(
        names_found(&app_b, "Ho Kiln Works").await,
        ["Ho Kiln Works"]
    );

    // Kill b's listener connection, as a proxy's idle timeout would: it reconnects at once.
    kill_listener(&admin, "b", false).await;
    let seq = create(&app_a, "Keta Lagoon Forge").await;
    sees_within_bound(&app_b, seq, "a write after the listener reconnected").await;
    assert_eq!(
        names_found(&app_b, "Keta Lagoon Forge").await,
        ["Keta Lagoon Forge"]
    );

    // Again while the database refuses new connections for a while, as during a restart:
    // reconnecting fails a few times before it succeeds.
    kill_listener(&admin, "b", true).await;
    let seq = create(&app_a, "Aflao Border Lathe").await;
    sees_within_bound(
        &app_b,
        seq,
        "a write after the database took connections again",
    )
    .await;

    app_b.stop().await;
    app_a.stop().await;
}

/// `index.listen = false` leaves polling only: no listener connection is opened.
#[tokio::test]
async fn with_listening_off_no_listener_connection_is_opened() {
    let Some(url) = postgres_url() else { return };
    let t = TestDb::postgres(&url).await;
    let mut config = t.config.clone();
    config.index.replica = "quiet".to_owned();
    config.index.listen = false;
    let app = TestApp::spawn_with(&t, config).await;
    let admin = Admin {
        db: sea_orm::Database::connect(&url).await.unwrap(),
        database: database_name(&app).await,
    };
    // The write would wake a listener; there is none to see.
    let seq = create(&app, "Sogakope Press").await;
    app.wait_indexed(seq).await;
    assert_eq!(listener_pids(&admin, "quiet").await, Vec::<i32>::new());
    app.stop().await;
}
