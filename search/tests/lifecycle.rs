#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Opening, writing, committing, reopening, locking and schema versions.

mod common;

use common::*;
use makermatch_search::{
    Doc, Kind, LatLon, OnMismatch, OpenOptions, Opened, SearchEngine, SearchError, SearchRequest,
    WriterOptions,
};

fn accra() -> LatLon {
    LatLon::new(5.6037, -0.1870).unwrap()
}

fn sample() -> Vec<Doc> {
    let mut weld = facility(1, "Accra Weld Works", Some((5.60, -0.19)));
    weld.process_ids = vec!["mig-welding".into()];
    let mut print = facility(2, "Kumasi Print Lab", Some((6.69, -1.62)));
    print.process_ids = vec!["fdm".into()];
    vec![
        weld.into(),
        print.into(),
        facility(3, "Nowhere Lab", None).into(),
    ]
}

#[test]
fn engine_and_writer_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<SearchEngine>();
    send::<makermatch_search::EngineWriter>();
}

#[test]
fn commit_reopen_keeps_results_and_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let taxonomy = taxonomy();
    let request = SearchRequest::new(Kind::Facility).near(accra(), 300.0);
    let before = {
        let engine = SearchEngine::open(dir.path(), &taxonomy).unwrap();
        assert_eq!(engine.opened(), &Opened::Created);
        assert_eq!(engine.applied_seq().unwrap(), None);
        load(&engine, sample(), 41);
        assert_eq!(engine.applied_seq().unwrap(), Some(41));
        let page = engine.search(&request).unwrap();
        assert_eq!(ids(&page), vec![id(1), id(2)]);
        page
    };
    let engine = SearchEngine::open(dir.path(), &taxonomy).unwrap();
    assert_eq!(engine.opened(), &Opened::Existing);
    assert_eq!(engine.applied_seq().unwrap(), Some(41));
    assert_eq!(engine.count(Kind::Facility).unwrap(), 3);
    assert_eq!(engine.search(&request).unwrap(), before);
    let text = engine
        .search(&SearchRequest::new(Kind::Facility).text("soudure"))
        .unwrap();
    assert_eq!(ids(&text), vec![id(1)]);
}

#[test]
fn second_writer_is_refused_until_the_first_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let engine = SearchEngine::open(dir.path(), &taxonomy()).unwrap();
    let first = engine.writer().unwrap();
    let err = engine.writer().unwrap_err();
    assert!(matches!(err, SearchError::WriterLocked { .. }), "{err}");
    assert!(
        err.to_string().contains("locked by another writer"),
        "{err}"
    );
    // A second engine on the same folder, as `makermatch reindex` would open it.
    let other = SearchEngine::open(dir.path(), &taxonomy()).unwrap();
    assert!(matches!(
        other.writer_with(WriterOptions::bulk()),
        Err(SearchError::WriterLocked { .. })
    ));
    drop(first);
    assert!(other.writer().is_ok());
}

#[test]
fn upsert_twice_and_delete_are_idempotent() {
    let engine = engine();
    let mut w = engine.writer().unwrap();
    for d in sample() {
        w.upsert(&d).unwrap();
        w.upsert(&d).unwrap();
    }
    w.commit(1).unwrap();
    assert_eq!(engine.count(Kind::Facility).unwrap(), 3);
    // Applying the same outbox rows again after a "crash".
    for d in sample() {
        w.upsert(&d).unwrap();
    }
    w.commit(1).unwrap();
    assert_eq!(engine.count(Kind::Facility).unwrap(), 3);
    let near = SearchRequest::new(Kind::Facility).near(accra(), 300.0);
    assert_eq!(ids(&engine.search(&near).unwrap()), vec![id(1), id(2)]);

    assert!(w.delete(Kind::Facility, id(1)).unwrap());
    assert!(!w.delete(Kind::Facility, id(1)).unwrap());
    w.commit(2).unwrap();
    assert_eq!(ids(&engine.search(&near).unwrap()), vec![id(2)]);
    assert_eq!(engine.count(Kind::Facility).unwrap(), 2);
    let text = SearchRequest::new(Kind::Facility).text("weld works");
    assert!(engine.search(&text).unwrap().hits.is_empty());

    // Moving a facility moves it in the R-tree too.
    let mut moved = facility(2, "Kumasi Print Lab", Some((-1.29, 36.82)));
    moved.process_ids = vec!["fdm".into()];
    w.upsert(&moved.into()).unwrap();
    w.commit(3).unwrap();
    assert!(engine.search(&near).unwrap().hits.is_empty());
    let nairobi = LatLon::new(-1.29, 36.82).unwrap();
    let page = engine
        .search(&SearchRequest::new(Kind::Facility).near(nairobi, 1.0))
        .unwrap();
    assert_eq!(ids(&page), vec![id(2)]);
}

#[test]
fn rollback_forgets_uncommitted_changes() {
    let engine = engine();
    load(&engine, sample(), 5);
    let mut w = engine.writer().unwrap();
    w.delete(Kind::Facility, id(2)).unwrap();
    w.upsert(&facility(9, "Uncommitted", Some((0.0, 0.0))).into())
        .unwrap();
    assert_eq!(w.pending(), 2);
    w.rollback().unwrap();
    assert_eq!(w.pending(), 0);
    w.commit(6).unwrap();
    assert_eq!(engine.count(Kind::Facility).unwrap(), 3);
    assert_eq!(engine.applied_seq().unwrap(), Some(6));
    assert!(w.delete(Kind::Facility, id(2)).unwrap());
}

#[test]
fn invalid_positions_are_refused_without_side_effects() {
    let engine = engine();
    let mut w = engine.writer().unwrap();
    let err = w
        .upsert(&facility(1, "Bad", Some((95.0, 0.0))).into())
        .unwrap_err();
    assert!(err.to_string().contains("latitude 95"), "{err}");
    assert_eq!(w.pending(), 0);
    w.commit(1).unwrap();
    assert_eq!(engine.count(Kind::Facility).unwrap(), 0);
}

#[test]
fn clear_then_bulk_load_replaces_everything() {
    let engine = engine();
    load(&engine, sample(), 3);
    let mut w = engine.writer_with(WriterOptions::bulk()).unwrap();
    w.clear().unwrap();
    w.upsert(&facility(7, "Fresh", Some((1.0, 1.0))).into())
        .unwrap();
    w.commit(10).unwrap();
    w.finish().unwrap();
    assert_eq!(engine.count(Kind::Facility).unwrap(), 1);
    let page = engine
        .search(&SearchRequest::new(Kind::Facility).nearest_to(LatLon::new(0.0, 0.0).unwrap()))
        .unwrap();
    assert_eq!(ids(&page), vec![id(7)]);
    assert_eq!(engine.applied_seq().unwrap(), Some(10));
}

#[test]
fn version_mismatch_is_reported_or_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let taxonomy = taxonomy();
    {
        let engine = SearchEngine::open(dir.path(), &taxonomy).unwrap();
        load(&engine, sample(), 8);
    }
    // An index stamped by an older schema.
    let stamp = dir.path().join("makermatch-index.json");
    let text = std::fs::read_to_string(&stamp).unwrap();
    let older = text.replace(
        &format!("\"schema_version\": {}", makermatch_search::SCHEMA_VERSION),
        "\"schema_version\": 0",
    );
    assert_ne!(text, older);
    std::fs::write(&stamp, older).unwrap();
    std::fs::write(dir.path().join("other-data.sqlite"), "keep me").unwrap();

    let err = SearchEngine::open(dir.path(), &taxonomy).unwrap_err();
    assert!(matches!(err, SearchError::RebuildNeeded { .. }), "{err}");
    assert!(err.to_string().contains("schema version 0"), "{err}");

    let options = OpenOptions {
        on_mismatch: OnMismatch::Recreate,
    };
    let engine = SearchEngine::open_with(dir.path(), &taxonomy, options).unwrap();
    assert!(
        matches!(engine.opened(), Opened::Recreated { reason } if reason.contains("schema version 0"))
    );
    assert!(engine.opened().is_empty_start());
    assert_eq!(engine.count(Kind::Facility).unwrap(), 0);
    assert_eq!(engine.applied_seq().unwrap(), None);
    assert!(dir.path().join("other-data.sqlite").exists());
    drop(engine);
    let again = SearchEngine::open(dir.path(), &taxonomy).unwrap();
    assert_eq!(again.opened(), &Opened::Existing);

    // Another taxonomy: expansions are stale.
    let other = makermatch_search::Taxonomy::parse(
        "version = 2\n[[process]]\nid = \"welding\"\nen = \"Welding\"\n",
    )
    .unwrap();
    let err = SearchEngine::open(dir.path(), &other).unwrap_err();
    assert!(err.to_string().contains("another taxonomy"), "{err}");
}

#[test]
fn recreate_refuses_while_a_writer_holds_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let taxonomy = taxonomy();
    let engine = SearchEngine::open(dir.path(), &taxonomy).unwrap();
    let _writer = engine.writer().unwrap();
    let other = makermatch_search::Taxonomy::parse(
        "version = 2\n[[process]]\nid = \"welding\"\nen = \"Welding\"\n",
    )
    .unwrap();
    let options = OpenOptions {
        on_mismatch: OnMismatch::Recreate,
    };
    let err = SearchEngine::open_with(dir.path(), &other, options).unwrap_err();
    assert!(matches!(err, SearchError::WriterLocked { .. }), "{err}");
}

#[test]
fn spatial_batches_keep_the_last_version_of_each_entity() {
    let engine = engine();
    let options = WriterOptions {
        spatial_batch: 3,
        ..WriterOptions::bulk()
    };
    let mut w = engine.writer_with(options).unwrap();
    let at = |n: u128, lat: f64| facility(n, "Space", Some((lat, 0.0)));
    // Versions of one entity across and within batches, and deletes of held ones.
    w.upsert(&at(1, 10.0).into()).unwrap();
    w.upsert(&at(2, 20.0).into()).unwrap();
    w.upsert(&at(1, 11.0).into()).unwrap();
    w.upsert(&at(3, 30.0).into()).unwrap(); // releases the batch
    w.upsert(&at(1, -50.0).into()).unwrap();
    w.upsert(&at(4, 40.0).into()).unwrap();
    assert!(w.delete(Kind::Facility, id(4)).unwrap());
    w.upsert(&at(2, -60.0).into()).unwrap();
    assert!(w.delete(Kind::Facility, id(3)).unwrap());
    w.commit(1).unwrap();
    assert_eq!(engine.count(Kind::Facility).unwrap(), 2);
    let south = LatLon::new(-55.0, 0.0).unwrap();
    let page = engine
        .search(&SearchRequest::new(Kind::Facility).near(south, 1_000.0))
        .unwrap();
    assert_eq!(ids(&page), vec![id(1), id(2)]);
    let text = engine
        .search(
            &SearchRequest::new(Kind::Facility)
                .text("space")
                .count_total(),
        )
        .unwrap();
    assert_eq!(text.total, Some(2));
}
