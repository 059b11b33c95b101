//! Test support: a fresh database per test, on SQLite (always) and PostgreSQL (when
//! `MAKERMATCH_TEST_POSTGRES_URL` is set), and the real server started on port 0.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test-only code

use std::future::Future;
use std::io::Write;
use std::sync::Once;

use makermatch_api::config::Config;

mod issuer;
pub use issuer::TestIssuer;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// The variable naming a PostgreSQL server tests may create databases on.
pub const POSTGRES_ENV: &str = "MAKERMATCH_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of its own for one test, dropped with it.
pub struct TestDb {
    pub backend: Backend,
    /// Configuration pointing at this database (and a temporary data dir).
    pub config: Config,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary dir");
        let config = Config {
            data_dir: dir.path().join("data"),
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        };
        TestDb {
            backend: Backend::Sqlite,
            config,
            dir,
            postgres: None,
        }
    }

    /// Creates a database named after a fresh UUID on the server at `base_url`.
    pub async fn postgres(base_url: &str) -> TestDb {
        let admin = Database::connect(base_url)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={base_url} does not answer: {e}"));
        let name = format!("mmtest_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = with_database(base_url, &name);
        let dir = tempfile::tempdir().expect("temporary dir");
        let config = Config {
            data_dir: dir.path().join("data"),
            database_url: Some(url),
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        };
        TestDb {
            backend: Backend::Postgres,
            config,
            dir,
            postgres: Some((base_url.to_owned(), name)),
        }
    }

    /// Connects (and migrates) as the binary does.
    pub async fn connect(&self) -> DatabaseConnection {
        makermatch_api::startup::prepare(&self.config)
            .await
            .expect("prepare database")
            .db
    }

    /// Connects without migrating.
    pub async fn connect_raw(&self) -> DatabaseConnection {
        makermatch_api::db::connect(&self.config)
            .await
            .expect("connect")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((base, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async code; use a thread with its own small runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = Database::connect(&base).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// `postgres://host/db` with its database replaced by `name`.
fn with_database(base: &str, name: &str) -> String {
    let (without_query, query) = match base.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (base, None),
    };
    let scheme_end = without_query.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = without_query[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(without_query.len());
    let mut url = format!("{}/{}", &without_query[..path_start], name);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

static SKIP_NOTICE: Once = Once::new();

/// The PostgreSQL URL tests may use, or `None` after saying that the half is skipped: once
/// per `cargo test` run, not once per test binary (see [`first_to_say`]).
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            SKIP_NOTICE.call_once(|| {
                if first_to_say("postgres-skipped") {
                    // Straight to stderr: the test harness captures only print macros.
                    let _ = writeln!(
                        std::io::stderr(),
                        "PostgreSQL half of the database tests skipped: set {POSTGRES_ENV}=postgres://… to run it"
                    );
                }
            });
            None
        }
    }
}

/// Whether this test binary is the first of its `cargo test` run to say `what`. The
/// binaries of one run are siblings (cargo is their parent), so the first to create a
/// marker named after the parent's pid says it; the others stay quiet.
fn first_to_say(what: &str) -> bool {
    let marker = std::env::temp_dir().join(format!(
        "makermatch-tests-{what}-{}",
        std::os::unix::process::parent_id()
    ));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(marker)
        .is_ok()
}

/// Runs `test` once on a fresh SQLite database and once on a fresh PostgreSQL one
/// (when configured).
pub async fn on_each_backend<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    test(TestDb::sqlite().await).await;
    if let Some(url) = postgres_url() {
        test(TestDb::postgres(&url).await).await;
    }
}

/// The real server on 127.0.0.1:0 over a test database, with an HTTP client.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub taxonomy: makermatch_search::Taxonomy,
    /// Signs tokens the server accepts.
    pub verifier: makermatch_api::auth::Verifier,
    /// An admin's token, sent by `gql` and `data`.
    pub token: String,
    server: Option<makermatch_api::server::RunningServer>,
}

impl TestApp {
    /// A public maker in Ghana claiming TIG welding (advanced), written through the service
    /// (what credentials tests award against); waits until the index has it.
    pub async fn tig_welder(&self, first: &str, email: &str) -> uuid::Uuid {
        use makermatch_api::services::makers::{self, MakerInput, SkillClaimInput};
        let input = MakerInput {
            first_name: Some(first.into()),
            last_name: Some("Mensah".into()),
            email: Some(email.into()),
            country: Some("GH".into()),
            public_profile: true,
            skills: vec![SkillClaimInput {
                skill: "TIG welding".into(),
                process_id: Some("tig-welding".into()),
                level: makermatch_entities::skill_claim::SkillLevel::Advanced,
                years: Some(4.0),
                evidence_url: None,
            }],
            ..MakerInput::default()
        };
        let written = makers::create(&self.db, input)
            .await
            .expect("the welder is written");
        self.wait_indexed(written.outbox_seq).await;
        written.value.id
    }

    /// Migrates `t`'s database, starts the server and waits until `/readyz` says ready.
    pub async fn spawn(t: &TestDb) -> TestApp {
        TestApp::spawn_with(t, t.config.clone()).await
    }

    /// Like `spawn`, with a configuration the test adjusted.
    pub async fn spawn_with(_t: &TestDb, config: Config) -> TestApp {
        let ready = makermatch_api::startup::prepare(&config)
            .await
            .expect("prepare database");
        let server = makermatch_api::server::serve(
            &config,
            ready.db.clone(),
            &ready.taxonomy,
            std::future::pending(),
        )
        .await
        .expect("start server");
        let verifier = makermatch_api::auth::Verifier::new(&config).expect("token keys");
        let token = verifier
            .mint(
                makermatch_api::services::actor::Role::Admin,
                "admin@test",
                None,
                None,
                3_600,
            )
            .expect("mint a token");
        let app = TestApp {
            base: format!("http://{}", server.addr),
            client: reqwest::Client::new(),
            db: ready.db,
            taxonomy: ready.taxonomy,
            verifier,
            token,
            server: Some(server),
        };
        app.wait_ready().await;
        app
    }

    pub async fn wait_ready(&self) {
        for _ in 0..400 {
            if let Ok(r) = self
                .client
                .get(format!("{}/readyz", self.base))
                .send()
                .await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("{}/readyz never answered 200", self.base);
    }

    /// Waits until the search index has applied the outbox up to `seq` (writes made
    /// through the services, behind the server's back); panics after 5 s.
    pub async fn wait_indexed(&self, seq: i64) {
        for _ in 0..200 {
            let d = self
                .data("{ searchIndex { appliedSeq } }", serde_json::json!({}))
                .await;
            if d["searchIndex"]["appliedSeq"].as_i64() >= Some(seq) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the index never applied outbox entry {seq}");
    }

    /// POSTs a query with variables as an admin; returns the whole response body.
    pub async fn gql(&self, query: &str, variables: serde_json::Value) -> serde_json::Value {
        self.gql_as(Some(&self.token), query, variables).await
    }

    /// POSTs a query as an anonymous caller.
    pub async fn anon(&self, query: &str, variables: serde_json::Value) -> serde_json::Value {
        self.gql_as(None, query, variables).await
    }

    /// A token for `role` and `sub` (with the maker or issuer it is bound to).
    pub fn token_for(
        &self,
        role: makermatch_api::services::actor::Role,
        sub: &str,
        maker_id: Option<uuid::Uuid>,
        issuer_id: Option<uuid::Uuid>,
    ) -> String {
        self.verifier
            .mint(role, sub, maker_id, issuer_id, 3_600)
            .expect("mint a token")
    }

    /// POSTs a query with the given bearer token (none: anonymous).
    pub async fn gql_as(
        &self,
        token: Option<&str>,
        query: &str,
        variables: serde_json::Value,
    ) -> serde_json::Value {
        let mut request = self.client.post(format!("{}/graphql", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
            .json(&serde_json::json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("POST /graphql")
            .json()
            .await
            .expect("a JSON body")
    }

    /// Like `gql`, failing the test when the answer has errors; returns `data`.
    pub async fn data(&self, query: &str, variables: serde_json::Value) -> serde_json::Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Like `anon`, failing the test on errors; returns `data`: what the public sees.
    pub async fn public_data(
        &self,
        query: &str,
        variables: serde_json::Value,
    ) -> serde_json::Value {
        let body = self.anon(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Stops the server (the indexer commits and lets the index go).
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("stop server");
        }
    }
}

/// Great-circle distance on a sphere of radius 6,371.0088 km, written out here so tests do
/// not trust the code they check.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dp = (b.0 - a.0).to_radians();
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371.008_8 * h.sqrt().asin()
}

/// Fails unless `public` is what a maker at `home` may be shown at: 5 to 10.8 km away
/// (a 5.8–10 km displacement, then rounding to 0.01°) with two decimals at most.
pub fn assert_public_position(home: (f64, f64), public: (f64, f64)) {
    let d = haversine_km(home, public);
    assert!(
        (5.0..=10.8).contains(&d),
        "public position {public:?} is {d:.3} km from the home {home:?}"
    );
    for v in [public.0, public.1] {
        let decimals = v.to_string().split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 2, "{v} has more than two decimals");
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://root@127.0.0.1:5432/test", "x"),
            "postgres://root@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://127.0.0.1", "x"),
            "postgres://127.0.0.1/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
    }
}
