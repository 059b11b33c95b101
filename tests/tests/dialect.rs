//! The SQL that differs between SQLite and PostgreSQL (`makermatch_api::db::dialect`), run
//! against a real migrated database of each: aggregated JSON keeps rows and their order,
//! reals come back exact, bind parameters bind, and locks hold writers back until commit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use makermatch_api::db::begin_write;
use makermatch_api::db::dialect::{
    MAX_BIND_PARAMETERS, OUTBOX_CHANNEL, analyze, analyze_if_never, bind_parameters,
    count_tables_named, exact_real_text, json_array_rows, lock_for_update, notify_outbox,
    order_outbox_writers, parse_exact_real, writer_locks_database,
};
use makermatch_entities::process;
use makermatch_tests::{Backend, TestDb, on_each_backend};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, Statement, TransactionTrait, Value,
};
use serde_json::json;

/// How long a writer expected to wait is given to show that it does not finish.
const HELD_BACK: Duration = Duration::from_millis(400);
/// How long a writer expected to go through may take (a loaded CI machine).
const GOES_THROUGH: Duration = Duration::from_secs(4);

async fn query_one(
    db: &DatabaseConnection,
    sql: String,
    values: Vec<Value>,
) -> sea_orm::QueryResult {
    let backend = db.get_database_backend();
    db.query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap_or_else(|e| panic!("{backend:?}: {e}"))
        .expect("one row")
}

async fn add_process(db: &DatabaseConnection, id: &str, label: &str) {
    process::Model {
        id: id.to_owned(),
        parent_id: None,
        label: label.to_owned(),
        wikipedia: None,
        wikidata: None,
        tsdc: None,
    }
    .into_active_model()
    .insert(db)
    .await
    .unwrap();
}

#[tokio::test]
async fn json_array_rows_aggregates_rows_in_order_and_none_as_an_empty_array() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let backend = db.get_database_backend();
        // Per outer row, as the loaders use it: a correlated subquery; group 3 has no rows.
        let rows = json_array_rows(backend, &["r.n", "r.s"], "r.n DESC");
        let sql = format!(
            "SELECT CAST(g.id AS BIGINT) AS g, ({rows} FROM (\
                 SELECT 1 AS grp, 2 AS n, 'quote \" and é' AS s \
                 UNION ALL SELECT 1, 7, NULL \
                 UNION ALL SELECT 2, 5, 'five' \
                 UNION ALL SELECT 1, 4, 'four') r WHERE r.grp = g.id) AS j \
             FROM (SELECT 1 AS id UNION ALL SELECT 2 UNION ALL SELECT 3) g ORDER BY g.id"
        );
        let found: Vec<(i64, serde_json::Value)> = db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .iter()
            .map(|row| {
                let text: String = row.try_get("", "j").unwrap();
                let group: i64 = row.try_get("", "g").unwrap();
                (group, serde_json::from_str(&text).unwrap())
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (1, json!([[7, null], [4, "four"], [2, "quote \" and é"]])),
                (2, json!([[5, "five"]])),
                (3, json!([])),
            ],
            "{backend:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn exact_real_text_round_trips_every_double_and_null() {
    let values = [
        Some(0.1 + 0.2),
        Some(1e-300),
        Some(5e-324),
        Some(f64::MAX),
        Some(-1.0 / 3.0),
        Some(250.0),
        None,
    ];
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let backend = db.get_database_backend();
        for value in values {
            let sql = format!(
                "SELECT {} AS t FROM (SELECT {} AS x) v",
                exact_real_text(backend, "v.x"),
                bind_parameters(backend, 1)
            );
            let row = query_one(&db, sql, vec![Value::Double(value)]).await;
            let text: Option<String> = row.try_get("", "t").unwrap();
            let back = parse_exact_real(text.clone(), "the number").unwrap();
            assert_eq!(
                back.map(f64::to_bits),
                value.map(f64::to_bits),
                "{backend:?}: {value:?} printed as {text:?}"
            );
        }

        // Inside a JSON aggregation, where a plain number would keep only 15 digits on SQLite.
        let parameters: Vec<String> = bind_parameters(backend, 2 * values.len())
            .split(", ")
            .map(str::to_owned)
            .collect();
        let union = parameters
            .chunks(2)
            .map(|p| format!("SELECT {} AS i, {} AS x", p[0], p[1]))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let number = exact_real_text(backend, "v.x");
        let sql = format!(
            "SELECT ({} FROM ({union}) v) AS j",
            json_array_rows(backend, &[&number], "v.i")
        );
        let bound: Vec<Value> = values
            .iter()
            .enumerate()
            .flat_map(|(i, v)| [Value::BigInt(Some(i as i64)), Value::Double(*v)])
            .collect();
        let row = query_one(&db, sql, bound).await;
        let text: String = row.try_get("", "j").unwrap();
        let printed: Vec<(Option<String>,)> = serde_json::from_str(&text).unwrap();
        let back: Vec<Option<u64>> = printed
            .into_iter()
            .map(|(p,)| parse_exact_real(p, "the number").unwrap().map(f64::to_bits))
            .collect();
        let expected: Vec<Option<u64>> = values.iter().map(|v| v.map(f64::to_bits)).collect();
        assert_eq!(back, expected, "{backend:?}: {text}");
    })
    .await;
    assert!(parse_exact_real(Some("twelve".into()), "the number").is_err());
}

#[tokio::test]
async fn bind_parameters_bind_each_value_up_to_the_limit() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let backend = db.get_database_backend();
        let sql = format!("SELECT {}", bind_parameters(backend, 3));
        let row = query_one(
            &db,
            sql,
            vec![
                Value::from(10_i64),
                Value::from(20_i64),
                Value::from(30_i64),
            ],
        )
        .await;
        let bound: Vec<i64> = (0..3)
            .map(|i| row.try_get_by_index::<i64>(i).unwrap())
            .collect();
        assert_eq!(bound, [10, 20, 30], "{backend:?}");

        // As many as a bulk insert binds: only the last value matches.
        let sql = format!(
            "SELECT COUNT(*) AS n FROM (SELECT {MAX_BIND_PARAMETERS} AS x) v WHERE v.x IN ({})",
            bind_parameters(backend, MAX_BIND_PARAMETERS)
        );
        let values = (1..=MAX_BIND_PARAMETERS)
            .map(|i| Value::from(i64::try_from(i).unwrap()))
            .collect();
        let row = query_one(&db, sql, values).await;
        assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1, "{backend:?}");
    })
    .await;
}

#[tokio::test]
async fn count_tables_named_finds_migrated_tables_only() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let backend = db.get_database_backend();
        for (table, expected) in [("jobs", 1), ("seaql_migrations", 1), ("no_such_table", 0)] {
            let n: i64 = db
                .query_one_raw(count_tables_named(backend, table))
                .await
                .unwrap()
                .unwrap()
                .try_get("", "n")
                .unwrap();
            assert_eq!(n, expected, "{backend:?}: {table}");
        }
    })
    .await;
}

/// After a bulk load PostgreSQL has no statistics until autovacuum comes round: the
/// tables a rebuild reads are analyzed once if they never were, and a whole-database
/// `analyze` gives every table statistics. SQLite needs neither.
#[tokio::test]
async fn tables_never_analyzed_are_analyzed_once() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let backend = db.get_database_backend();
        let first = analyze_if_never(&db, &["makers", "facilities"])
            .await
            .unwrap();
        let again = analyze_if_never(&db, &["makers", "facilities"])
            .await
            .unwrap();
        analyze(&db).await.unwrap();
        if backend == sea_orm::DbBackend::Postgres {
            assert_eq!(first, ["facilities", "makers"]);
            assert!(again.is_empty(), "analyzed twice: {again:?}");
            let never: i64 = query_one(
                &db,
                "SELECT COUNT(*) AS n FROM pg_stat_user_tables \
                 WHERE schemaname = current_schema() AND last_analyze IS NULL"
                    .to_owned(),
                vec![],
            )
            .await
            .try_get("", "n")
            .unwrap();
            assert_eq!(never, 0, "tables left without statistics after analyze");
        } else {
            assert!(first.is_empty() && again.is_empty());
        }
    })
    .await;
}

/// A write transaction holds SQLite's write lock from its start: another writer waits for
/// it to end. On PostgreSQL writers of different rows do not wait for each other.
#[tokio::test]
async fn a_write_transaction_holds_back_other_writers_only_where_it_locks_the_database() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let backend = db.get_database_backend();
        assert_eq!(
            writer_locks_database(backend),
            t.backend == Backend::Sqlite,
            "{backend:?}"
        );
        let first = begin_write(&db).await.unwrap();
        let other = db.clone();
        let mut second = tokio::spawn(async move {
            add_process(&other, "dialect-second-writer", "Second writer").await;
        });
        if writer_locks_database(backend) {
            tokio::time::sleep(HELD_BACK).await;
            assert!(
                !second.is_finished(),
                "{backend:?}: a writer went through while a write transaction was open"
            );
            first.commit().await.unwrap();
            tokio::time::timeout(GOES_THROUGH, second)
                .await
                .expect("the second writer goes through after the commit")
                .unwrap();
        } else {
            tokio::time::timeout(GOES_THROUGH, &mut second)
                .await
                .unwrap_or_else(|_| panic!("{backend:?}: the second writer waited"))
                .unwrap();
            first.commit().await.unwrap();
        }
        assert!(
            process::Entity::find_by_id("dialect-second-writer")
                .one(&db)
                .await
                .unwrap()
                .is_some()
        );
    })
    .await;
}

/// A row read with `lock_for_update` in a write transaction cannot change under it: a
/// second writer locking the same row waits, then reads what the first committed.
#[tokio::test]
async fn a_locked_select_holds_the_row_until_commit() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let backend = db.get_database_backend();
        add_process(&db, "dialect-locked", "Before").await;

        let first = begin_write(&db).await.unwrap();
        let row = lock_for_update(process::Entity::find_by_id("dialect-locked"), backend)
            .one(&first)
            .await
            .unwrap()
            .expect("the locked select reads the row");
        assert_eq!(row.label, "Before");
        let missing = lock_for_update(process::Entity::find_by_id("dialect-absent"), backend)
            .one(&first)
            .await
            .unwrap();
        assert!(missing.is_none(), "{backend:?}");

        let other = db.clone();
        let second = tokio::spawn(async move {
            let tx = begin_write(&other).await.unwrap();
            let backend = tx.get_database_backend();
            let row = lock_for_update(process::Entity::find_by_id("dialect-locked"), backend)
                .one(&tx)
                .await
                .unwrap()
                .unwrap();
            tx.commit().await.unwrap();
            row.label
        });
        tokio::time::sleep(HELD_BACK).await;
        assert!(
            !second.is_finished(),
            "{backend:?}: a second writer read the locked row before the first committed"
        );
        let mut update = row.into_active_model();
        update.label = Set("After".to_owned());
        update.update(&first).await.unwrap();
        first.commit().await.unwrap();
        let seen = tokio::time::timeout(GOES_THROUGH, second)
            .await
            .expect("the second writer goes on after the commit")
            .unwrap();
        assert_eq!(seen, "After", "{backend:?}");
    })
    .await;
}

/// Outbox writers are ordered: a second transaction that orders itself after a first one
/// waits for the first to end, so their outbox rows appear in sequence order.
#[tokio::test]
async fn ordering_outbox_writers_holds_back_the_next_until_commit() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let backend = db.get_database_backend();

        let first = begin_write(&db).await.unwrap();
        order_outbox_writers(&first).await.unwrap();
        if backend == sea_orm::DbBackend::Postgres {
            let held: i64 = first
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT COUNT(*) AS n FROM pg_locks \
                     WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted",
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get("", "n")
                .unwrap();
            assert_eq!(held, 1, "the advisory lock is held in the transaction");
        }

        let other = db.clone();
        let second = tokio::spawn(async move {
            let tx = begin_write(&other).await.unwrap();
            order_outbox_writers(&tx).await.unwrap();
            tx.commit().await.unwrap();
        });
        tokio::time::sleep(HELD_BACK).await;
        assert!(
            !second.is_finished(),
            "{backend:?}: a second outbox writer went on while the first was open"
        );
        first.commit().await.unwrap();
        tokio::time::timeout(GOES_THROUGH, second)
            .await
            .expect("the second writer goes on after the commit")
            .unwrap();

        // The lock ends with its transaction, committed or rolled back.
        let tx = db.begin().await.unwrap();
        order_outbox_writers(&tx).await.unwrap();
        tx.rollback().await.unwrap();
        let again = begin_write(&db).await.unwrap();
        tokio::time::timeout(GOES_THROUGH, order_outbox_writers(&again))
            .await
            .expect("a rolled-back transaction released the lock")
            .unwrap();
        again.commit().await.unwrap();
    })
    .await;
}

/// An outbox notification reaches listeners when its transaction commits, and never when
/// it rolls back; on SQLite there is nothing to notify and the call does nothing.
#[tokio::test]
async fn outbox_notifications_arrive_at_commit_only() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let backend = db.get_database_backend();
        if backend != sea_orm::DbBackend::Postgres {
            let tx = begin_write(&db).await.unwrap();
            notify_outbox(&tx).await.unwrap();
            tx.commit().await.unwrap();
            return;
        }
        let url = t.config.database_url.clone().unwrap();
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect(&url)
            .await
            .unwrap();
        listener.listen(OUTBOX_CHANNEL).await.unwrap();

        let rolled_back = begin_write(&db).await.unwrap();
        notify_outbox(&rolled_back).await.unwrap();
        rolled_back.rollback().await.unwrap();

        let tx = begin_write(&db).await.unwrap();
        notify_outbox(&tx).await.unwrap();
        let early = tokio::time::timeout(HELD_BACK, listener.recv()).await;
        assert!(
            early.is_err(),
            "a notification arrived before its transaction committed (or from a rolled-back one)"
        );
        tx.commit().await.unwrap();
        let notification = tokio::time::timeout(GOES_THROUGH, listener.recv())
            .await
            .expect("the commit notifies listeners")
            .unwrap();
        assert_eq!(notification.channel(), OUTBOX_CHANNEL);
    })
    .await;
}
