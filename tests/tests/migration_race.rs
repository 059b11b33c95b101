//! Replicas starting together on one fresh PostgreSQL database all come up: the start-up
//! path (migrations, then the taxonomy) runs under an advisory lock, one process at a time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_migration::{Migrator, MigratorTrait};
use makermatch_tests::{TestDb, postgres_url};
use sea_orm::{ConnectionTrait, Statement};

/// Rounds of three start-ups at once, each on a database of its own: one round usually
/// shows the race, three make it near certain.
const ROUNDS: usize = 3;

#[tokio::test]
async fn three_replicas_starting_at_once_on_a_fresh_database_all_succeed() {
    let Some(base) = postgres_url() else {
        return;
    };
    for round in 0..ROUNDS {
        let t = TestDb::postgres(&base).await;
        let (a, b, c) = tokio::join!(
            makermatch_api::startup::prepare(&t.config),
            makermatch_api::startup::prepare(&t.config),
            makermatch_api::startup::prepare(&t.config),
        );
        let mut dbs = Vec::new();
        for (n, started) in [a, b, c].into_iter().enumerate() {
            match started {
                Ok(ready) => dbs.push(ready),
                Err(e) => panic!("round {round}: start-up {n} failed: {e}"),
            }
        }

        let db = &dbs[0].db;
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT version, COUNT(*) AS n FROM seaql_migrations GROUP BY version ORDER BY version",
            ))
            .await
            .unwrap();
        let applied: Vec<(String, i64)> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get::<String>("", "version").unwrap(),
                    r.try_get::<i64>("", "n").unwrap(),
                )
            })
            .collect();
        let known: Vec<(String, i64)> = Migrator::migrations()
            .iter()
            .map(|m| (m.name().to_owned(), 1))
            .collect();
        assert_eq!(applied, known, "round {round}: every migration once");

        let processes = db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT COUNT(*) AS n FROM processes",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(
            processes as usize,
            dbs[0].taxonomy.processes_parents_first().len(),
            "round {round}: the taxonomy is stored once"
        );
        for ready in dbs {
            ready.db.close().await.unwrap();
        }
    }
}
