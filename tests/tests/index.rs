//! The search index kept in step with the database (DESIGN §2): the indexer applies
//! writes and deletes, a mutation can wait for its write to be searchable, a restart
//! replays what the index missed, a changed schema stamp rebuilds, and `reindex` refuses
//! while a server holds the index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::index::{self, IndexStatus};
use makermatch_api::services::facilities::{self, FacilityInput, LocationInput, TermLink};
use makermatch_api::services::outbox;
use makermatch_search::{Kind, LatLon, SearchEngine, SearchRequest};
use makermatch_tests::{TestDb, on_each_backend};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

fn space(name: &str, lat: f64, lon: f64) -> FacilityInput {
    let mut input = FacilityInput::named(name);
    input.location = LocationInput {
        locality: Some("Nairobi".into()),
        country: Some("KE".into()),
        lat: Some(lat),
        lon: Some(lon),
        ..Default::default()
    };
    input.processes = vec![TermLink {
        id: "laser-cutting".into(),
        source_term: None,
    }];
    input
}

fn ids_matching(engine: &SearchEngine, text: &str) -> Vec<Uuid> {
    engine
        .search(&SearchRequest::new(Kind::Facility).text(text).page(0, 100))
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

async fn last_seq(db: &DatabaseConnection) -> i64 {
    outbox::last_seq(db).await.unwrap().unwrap_or(0)
}

#[tokio::test]
async fn indexer_follows_creates_updates_and_deletes() {
    on_each_backend(|t: TestDb| async move {
        let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
        let engine = index::open_engine(&t.config, &ready.taxonomy).unwrap();
        let (handle, indexer) =
            index::start(ready.db.clone(), engine.clone(), &t.config.index).unwrap();

        let a = facilities::create(&ready.db, space("Gearbox Nairobi", -1.2921, 36.8219))
            .await
            .unwrap();
        assert!(handle.wait_for(a.outbox_seq).await, "read your writes");
        assert_eq!(ids_matching(&engine, "gearbox"), vec![a.value.id]);
        // Found by the taxonomy's labels too: "découpe laser" is laser cutting in French.
        assert_eq!(ids_matching(&engine, "découpe laser"), vec![a.value.id]);
        let near = engine
            .nearest(
                Kind::Facility,
                LatLon::new(-1.28, 36.82).unwrap(),
                5,
                Default::default(),
                Default::default(),
            )
            .unwrap();
        assert_eq!(near.len(), 1);
        assert!(near[0].distance_km.unwrap() < 2.0);

        let renamed = facilities::replace(
            &ready.db,
            a.value.id,
            space("Ada Makerspace", -1.2921, 36.8219),
        )
        .await
        .unwrap();
        assert!(handle.wait_for(renamed.outbox_seq).await);
        assert!(ids_matching(&engine, "gearbox").is_empty());
        assert_eq!(ids_matching(&engine, "ada"), vec![a.value.id]);

        let gone = facilities::delete(&ready.db, a.value.id).await.unwrap();
        assert!(handle.wait_for(gone.outbox_seq).await);
        assert_eq!(engine.count(Kind::Facility).unwrap(), 0);
        assert_eq!(handle.applied_seq(), gone.outbox_seq);
        assert_eq!(handle.status(), IndexStatus::Ready);
        indexer.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_restart_replays_what_the_index_missed() {
    on_each_backend(|t: TestDb| async move {
        let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
        let engine = index::open_engine(&t.config, &ready.taxonomy).unwrap();
        let (handle, indexer) = index::start(ready.db.clone(), engine, &t.config.index).unwrap();
        let first = facilities::create(&ready.db, space("First Lab", 0.0, 0.0))
            .await
            .unwrap();
        assert!(handle.wait_for(first.outbox_seq).await);
        indexer.stop().await;
        drop(handle);

        // Written while no indexer runs.
        let second = facilities::create(&ready.db, space("Second Lab", 1.0, 1.0))
            .await
            .unwrap();
        facilities::delete(&ready.db, first.value.id).await.unwrap();
        let third = facilities::create(&ready.db, space("Third Lab", 2.0, 2.0))
            .await
            .unwrap();

        let engine = index::open_engine(&t.config, &ready.taxonomy).unwrap();
        assert_eq!(
            engine.count(Kind::Facility).unwrap(),
            1,
            "still the old state"
        );
        let (handle, indexer) =
            index::start(ready.db.clone(), engine.clone(), &t.config.index).unwrap();
        assert!(handle.wait_for(last_seq(&ready.db).await).await);
        let mut ids = ids_matching(&engine, "lab");
        ids.sort();
        let mut expected = vec![second.value.id, third.value.id];
        expected.sort();
        assert_eq!(ids, expected);
        indexer.stop().await;
    })
    .await;
}

#[tokio::test]
async fn an_index_of_another_schema_is_rebuilt_from_the_database() {
    let t = TestDb::sqlite().await;
    let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
    for i in 0..30 {
        facilities::create(
            &ready.db,
            space(&format!("Space {i}"), -1.0, 36.0 + f64::from(i)),
        )
        .await
        .unwrap();
    }
    let dir = index::index_dir(&t.config);
    {
        let engine = index::open_engine(&t.config, &ready.taxonomy).unwrap();
        let (handle, indexer) =
            index::start(ready.db.clone(), engine.clone(), &t.config.index).unwrap();
        assert!(handle.wait_for(last_seq(&ready.db).await).await);
        assert_eq!(engine.count(Kind::Facility).unwrap(), 30);
        indexer.stop().await;
    }
    // As if an older makermatch had written the index.
    std::fs::write(
        dir.join("makermatch-index.json"),
        r#"{"schema_version":0,"taxonomy":"old"}"#,
    )
    .unwrap();
    let engine = index::open_engine(&t.config, &ready.taxonomy).unwrap();
    assert!(engine.opened().is_empty_start());
    assert_eq!(engine.count(Kind::Facility).unwrap(), 0);
    let (handle, indexer) =
        index::start(ready.db.clone(), engine.clone(), &t.config.index).unwrap();
    assert!(handle.wait_for(last_seq(&ready.db).await).await);
    assert_eq!(engine.count(Kind::Facility).unwrap(), 30);
    assert_eq!(ids_matching(&engine, "space").len(), 30);
    indexer.stop().await;
}

#[tokio::test]
async fn reindex_rebuilds_and_refuses_while_the_index_is_held() {
    on_each_backend(|t: TestDb| async move {
        let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
        for i in 0..12 {
            facilities::create(&ready.db, space(&format!("Hall {i}"), 5.0, f64::from(i)))
                .await
                .unwrap();
        }
        let engine = index::open_engine(&t.config, &ready.taxonomy).unwrap();
        let (handle, indexer) = index::start(ready.db.clone(), engine, &t.config.index).unwrap();
        assert!(handle.wait_for(last_seq(&ready.db).await).await);

        let refused = index::reindex(&ready.db, &t.config, &ready.taxonomy)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("in use by another makermatch process"),
            "{refused}"
        );
        indexer.stop().await;
        drop(handle);

        let (report, _) = index::reindex(&ready.db, &t.config, &ready.taxonomy)
            .await
            .unwrap();
        assert_eq!(report.facilities, 12);
        assert_eq!(report.applied_seq, last_seq(&ready.db).await);
        let engine = index::open_engine(&t.config, &ready.taxonomy).unwrap();
        assert_eq!(engine.count(Kind::Facility).unwrap(), 12);
        assert_eq!(engine.applied_seq().unwrap(), Some(report.applied_seq));
    })
    .await;
}
