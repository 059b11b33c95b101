#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A panic inside the engine (commit or query path) costs a rebuild of its in-memory
//! state, never the engine: queries answer `Recovering` meanwhile, and correct results
//! afterwards; when the state cannot be rebuilt from the index, a refill does it.

mod common;

use std::time::{Duration, Instant};

use common::*;
use makermatch_search::engine::fault::{self, FaultPoint};
use makermatch_search::{
    EngineHealth, Kind, OnMismatch, OpenOptions, Opened, SearchEngine, SearchError, SearchRequest,
};

fn all_facilities(engine: &SearchEngine) -> Result<Vec<uuid::Uuid>, SearchError> {
    let page = engine.search(&SearchRequest::new(Kind::Facility).page(0, 100))?;
    let mut ids = ids(&page);
    ids.sort();
    Ok(ids)
}

/// Waits (bounded) until queries are answered again.
fn answered(engine: &SearchEngine) -> Vec<uuid::Uuid> {
    let started = Instant::now();
    loop {
        match all_facilities(engine) {
            Ok(ids) => return ids,
            Err(SearchError::Recovering) if started.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("queries never came back: {e}"),
        }
    }
}

#[test]
fn a_panic_applying_a_commit_rebuilds_the_state_and_keeps_the_commit() {
    let engine = engine();
    load(
        &engine,
        (1..=3).map(|n| facility(n, "Lab", Some((5.6, -0.2))).into()),
        1,
    );
    fault::arm(engine.fault_key(), FaultPoint::Commit, 1);
    let mut writer = engine.writer().unwrap();
    writer
        .upsert(&facility(4, "Late Lab", Some((6.0, -1.0))).into())
        .unwrap();
    // Old code: the panic escapes the commit and poisons the state for good.
    let report = writer.commit(2).expect("the commit survives the panic");
    assert_eq!(report.applied_seq, 2);
    assert_eq!(fault::remaining(engine.fault_key(), FaultPoint::Commit), 0);
    assert_eq!(engine.health(), EngineHealth::Healthy);
    assert_eq!(answered(&engine), vec![id(1), id(2), id(3), id(4)]);
    assert_eq!(engine.applied_seq().unwrap(), Some(2));
    // The writer goes on.
    writer.delete(Kind::Facility, id(1)).unwrap();
    writer.commit(3).unwrap();
    assert_eq!(answered(&engine), vec![id(2), id(3), id(4)]);
}

#[test]
fn a_panicking_query_answers_recovering_and_the_next_ones_are_right() {
    let engine = engine();
    load(
        &engine,
        (1..=3).map(|n| facility(n, "Lab", Some((5.6, -0.2))).into()),
        1,
    );
    fault::arm(engine.fault_key(), FaultPoint::Query, 1);
    assert!(matches!(
        all_facilities(&engine),
        Err(SearchError::Recovering)
    ));
    assert_eq!(answered(&engine), vec![id(1), id(2), id(3)]);
}

#[test]
fn when_the_index_cannot_be_loaded_either_a_refill_heals_the_engine() {
    let engine = engine();
    load(
        &engine,
        (1..=3).map(|n| facility(n, "Lab", Some((5.6, -0.2))).into()),
        1,
    );
    let key = engine.fault_key().to_owned();
    fault::arm(&key, FaultPoint::Commit, 1);
    fault::arm(&key, FaultPoint::Load, 1);
    let mut writer = engine.writer().unwrap();
    writer
        .upsert(&facility(4, "Late Lab", None).into())
        .unwrap();
    assert!(writer.commit(2).is_err(), "the state could not be rebuilt");
    assert!(matches!(engine.health(), EngineHealth::Failed { .. }));
    assert!(matches!(
        all_facilities(&engine),
        Err(SearchError::Recovering)
    ));
    // What the api's indexer does: refill from the source of truth.
    writer.clear().unwrap();
    for n in 1..=4 {
        writer.upsert(&facility(n, "Lab", None).into()).unwrap();
    }
    writer.commit(2).unwrap();
    assert_eq!(engine.health(), EngineHealth::Healthy);
    assert_eq!(answered(&engine), vec![id(1), id(2), id(3), id(4)]);
}

#[test]
fn an_index_whose_loading_panics_is_recreated_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let taxonomy = taxonomy();
    {
        let engine = SearchEngine::open(dir.path(), &taxonomy).unwrap();
        load(&engine, [facility(1, "Lab", None).into()], 7);
    }
    let key = dir.path().display().to_string();
    fault::arm(&key, FaultPoint::Load, 1);
    let options = OpenOptions {
        on_mismatch: OnMismatch::Recreate,
    };
    let engine = SearchEngine::open_with(dir.path(), &taxonomy, options).unwrap();
    assert!(
        matches!(engine.opened(), Opened::Recreated { reason } if reason.contains("panicked")),
        "{:?}",
        engine.opened()
    );
    assert_eq!(engine.count(Kind::Facility).unwrap(), 0);
}

#[test]
fn a_writer_whose_rollback_panics_is_made_anew_and_keeps_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let taxonomy = taxonomy();
    let engine = SearchEngine::open(dir.path(), &taxonomy).unwrap();
    load(&engine, [facility(1, "Lab", None).into()], 1);
    let mut writer = engine.writer().unwrap();
    writer.upsert(&facility(2, "Dropped", None).into()).unwrap();
    // As tantivy does once running out of file handles cost it its lock.
    fault::arm(engine.fault_key(), FaultPoint::Rollback, 1);
    writer.rollback().expect("a new tantivy writer");
    assert_eq!(
        fault::remaining(engine.fault_key(), FaultPoint::Rollback),
        0
    );
    // The folder is still ours, and the writer works.
    assert!(matches!(
        engine.writer(),
        Err(SearchError::WriterLocked { .. })
    ));
    writer.upsert(&facility(3, "Kept", None).into()).unwrap();
    writer.commit(2).unwrap();
    assert_eq!(answered(&engine), vec![id(1), id(3)]);
}
