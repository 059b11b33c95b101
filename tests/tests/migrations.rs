//! Migrations run up, down and up again, on SQLite and PostgreSQL, and a database from a
//! newer makermatch is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_migration::{Migrator, MigratorTrait};
use makermatch_tests::{Backend, TestDb, on_each_backend};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

const TABLES: &[&str] = &[
    "processes",
    "materials",
    "skills",
    "facilities",
    "facility_processes",
    "facility_materials",
    "equipment",
    "equipment_properties",
    "makers",
    "skill_claims",
    "experiences",
    "availabilities",
    "maker_affiliations",
    "machine_clearances",
    "issuers",
    "achievements",
    "achievement_alignments",
    "credentials",
    "programmes",
    "jobs",
    "job_requirements",
    "assignments",
    "assignment_makers",
    "assignment_events",
    "outbox",
    "index_cursors",
    "machine_models",
    "allocation_requests",
    "tie_requests",
    "outbox_retention",
    "rate_budgets",
];

async fn tables(db: &DatabaseConnection, backend: Backend) -> Vec<String> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .filter(|t| t != "seaql_migrations")
        .collect()
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    on_each_backend(|mut t: TestDb| async move {
        // One connection: SQLite checks a statement against the schema its connection
        // cached, so a DROP COLUMN prepared on a pooled connection that read the schema
        // before the column was added fails with "no such column" (seen once in CI). The
        // server only ever migrates up, at start.
        t.config.database.max_connections = 1;
        let db = t.connect_raw().await;
        Migrator::up(&db, None).await.unwrap();
        let mut created = tables(&db, t.backend).await;
        created.sort();
        let mut expected: Vec<String> = TABLES.iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(created, expected, "{:?}", t.backend);

        Migrator::down(&db, None).await.unwrap();
        assert_eq!(
            tables(&db, t.backend).await,
            Vec::<String>::new(),
            "{:?}: down leaves tables",
            t.backend
        );

        Migrator::up(&db, None).await.unwrap();
        assert_eq!(tables(&db, t.backend).await.len(), TABLES.len());
        assert!(
            Migrator::get_pending_migrations(&db)
                .await
                .unwrap()
                .is_empty()
        );
        db.close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        db.execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20990101_000001_from_the_future', 0)",
        )
        .await
        .unwrap();
        db.close().await.unwrap();
        let err = match makermatch_api::startup::prepare(&t.config).await {
            Ok(_) => panic!("{:?}: a newer database was accepted", t.backend),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("newer makermatch"), "{err}");
        assert!(err.contains("m20990101_000001_from_the_future"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn foreign_keys_are_enforced() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let result = db
            .execute_unprepared(
                "INSERT INTO facility_processes (facility_id, process_id) VALUES ('00000000-0000-0000-0000-000000000001', 'fdm')",
            )
            .await;
        assert!(result.is_err(), "{:?}: a link to a missing facility was accepted", t.backend);
    })
    .await;
}
