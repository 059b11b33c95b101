//! Outbox retention (issue 24): rows every live replica has applied, and older than the
//! retention period, are pruned; a replica that was away while rows it needed were pruned
//! rebuilds its index instead of missing them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::Duration;

use chrono::Utc;
use makermatch_api::index::retention;
use makermatch_api::services::facilities::{self, FacilityInput};
use makermatch_entities::{index_cursor, outbox};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder, QuerySelect};

async fn seqs(db: &DatabaseConnection) -> Vec<i64> {
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Seq)
        .order_by_asc(outbox::Column::Seq)
        .into_tuple::<i64>()
        .all(db)
        .await
        .unwrap()
}

async fn cursor(db: &DatabaseConnection, replica: &str, applied: i64, hours_ago: i64) {
    index_cursor::Entity::insert(index_cursor::ActiveModel {
        replica: Set(replica.to_owned()),
        applied_seq: Set(applied),
        updated_at: Set(Utc::now() - chrono::Duration::hours(hours_ago)),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(index_cursor::Column::Replica)
            .update_columns([
                index_cursor::Column::AppliedSeq,
                index_cursor::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .unwrap();
}

async fn create(db: &DatabaseConnection, name: &str) -> i64 {
    facilities::create(db, FacilityInput::named(name))
        .await
        .unwrap()
        .outbox_seq
}

const HOUR: Duration = Duration::from_secs(3_600);

#[tokio::test]
async fn pruning_keeps_what_a_live_replica_has_not_applied_and_what_is_recent() {
    on_each_backend(|t: TestDb| async move {
        let db = t.connect().await;
        let mut written = Vec::new();
        for n in 0..30 {
            written.push(create(&db, &format!("Old {n}")).await);
        }
        // Two hours old, past a one-hour retention.
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::CreatedAt,
                Expr::value(Utc::now() - chrono::Duration::hours(2)),
            )
            .exec(&db)
            .await
            .unwrap();

        // No replica has a cursor: nothing is pruned.
        let none = retention::prune(&db, HOUR, HOUR).await.unwrap();
        assert_eq!(none.rows, 0);
        assert_eq!(seqs(&db).await, written);

        // A live replica at the 11th row holds back everything from it on; a replica silent
        // for three hours (past the one-hour cursor timeout) holds back nothing.
        cursor(&db, "live", written[10], 0).await;
        cursor(&db, "gone", written[2], 3).await;
        let pruned = retention::prune(&db, HOUR, HOUR).await.unwrap();
        assert_eq!(pruned.rows, 10);
        assert_eq!(pruned.pruned_below, written[10]);
        assert_eq!(seqs(&db).await, written[10..]);
        assert_eq!(retention::pruned_below(&db).await.unwrap(), written[10]);

        // Once the live replica applied everything, all but the newest row go: the head
        // stays, so the outbox still says where it is.
        cursor(&db, "live", written[29], 0).await;
        retention::prune(&db, HOUR, HOUR).await.unwrap();
        assert_eq!(seqs(&db).await, vec![written[29]]);

        // Rows younger than the retention period stay, applied or not; the old row below
        // the live cursor goes.
        let fresh = [create(&db, "New 1").await, create(&db, "New 2").await];
        cursor(&db, "live", fresh[1], 0).await;
        retention::prune(&db, HOUR, HOUR).await.unwrap();
        assert_eq!(seqs(&db).await, fresh);
        let edge = retention::pruned_below(&db).await.unwrap();
        assert_eq!(edge, written[29] + 1);
        // An index that applied the last pruned row misses nothing; one further back does.
        assert!(!retention::missed_rows(written[29], edge));
        assert!(retention::missed_rows(written[5], edge));
    })
    .await;
}

async fn indexed_count(app: &TestApp) -> serde_json::Value {
    app.data("{ searchIndex { facilities } }", serde_json::json!({}))
        .await["searchIndex"]["facilities"]
        .clone()
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
async fn a_replica_back_after_its_rows_were_pruned_rebuilds_and_misses_nothing() {
    on_each_backend(|t: TestDb| async move {
        let mut a = t.config.clone();
        a.index.replica = "a".to_owned();
        a.index.outbox_retention_secs = 1;
        a.index.cursor_timeout_secs = 1;
        a.index.prune_interval_ms = 100;
        let mut b = a.clone();
        b.index.replica = "b".to_owned();
        b.data_dir = t.dir.path().join("replica-b");
        b.database_url = Some(a.effective_database_url());

        let app_a = TestApp::spawn_with(&t, a.clone()).await;
        let app_b = TestApp::spawn_with(&t, b.clone()).await;
        let mut ids = Vec::new();
        let mut head = 0;
        for n in 0..10 {
            let w =
                facilities::create(&app_a.db, FacilityInput::named(format!("Kumasi Works {n}")))
                    .await
                    .unwrap();
            ids.push(w.value.id);
            head = w.outbox_seq;
        }
        app_a.wait_indexed(head).await;
        app_b.wait_indexed(head).await;
        let b_applied = head;
        app_b.stop().await;

        // While B is away: more facilities, a delete and a rename, which B must not miss.
        for n in 10..20 {
            head = create(&app_a.db, &format!("Kumasi Works {n}")).await;
        }
        head = head.max(
            facilities::delete(&app_a.db, ids[0])
                .await
                .unwrap()
                .outbox_seq,
        );
        let mut renamed = FacilityInput::named("Tamale Foundry");
        renamed.description = Some("renamed while replica b was down".to_owned());
        head = head.max(
            facilities::replace(&app_a.db, ids[1], renamed)
                .await
                .unwrap()
                .outbox_seq,
        );
        app_a.wait_indexed(head).await;

        // A prunes past B once B's cursor is silent for longer than the timeout.
        let mut pruned_below = 0;
        for _ in 0..300 {
            pruned_below = retention::pruned_below(&app_a.db).await.unwrap();
            if retention::missed_rows(b_applied, pruned_below) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            retention::missed_rows(b_applied, pruned_below),
            "the outbox was not pruned past replica b (at {b_applied}, pruned below {pruned_below})"
        );
        assert!(seqs(&app_a.db).await.contains(&head), "the head was pruned");

        // B comes back on its old index: it must rebuild, not tail what is left.
        let app_b = TestApp::spawn_with(&t, b).await;
        app_b.wait_indexed(head).await;
        assert_eq!(indexed_count(&app_b).await, serde_json::json!(19));
        assert_eq!(indexed_count(&app_a).await, serde_json::json!(19));
        let kumasi = names_found(&app_b, "Kumasi Works").await;
        assert_eq!(kumasi.len(), 18, "{kumasi:?}");
        assert!(!kumasi.contains(&"Kumasi Works 0".to_owned()), "{kumasi:?}");
        assert_eq!(
            names_found(&app_b, "Tamale Foundry").await,
            ["Tamale Foundry"]
        );
        app_b.stop().await;
        app_a.stop().await;
    })
    .await;
}
