//! Imports that must not hurt the service: a dry run never takes SQLite's write lock (it
//! works on a copy, so concurrent writes go through) nor PostgreSQL's outbox ordering lock, and a document nested deeper than
//! the bound stored documents may have is refused on the way in instead of stored
//! unreadable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use makermatch_api::import::record::RecordKind;
use makermatch_api::import::{import_paths, import_text};
use makermatch_entities::prelude::Facility;
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const IMPORT: &str = "mutation($format: ImportFormat, $content: String!, $dryRun: Boolean = false) { importDocument(format: $format, content: $content, dryRun: $dryRun) { dryRun kinds { kind imported rejected } rejections { index field reason } } }";
const CREATE_FACILITY: &str =
    "mutation($input: FacilityInput!) { createFacility(input: $input) { uuid } }";

/// An OKW document of `n` facilities, several MB for a few thousand.
fn big_okw(n: usize) -> String {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "id": format!("dry-run-{i}"),
                "name": format!("Dry Run Workshop {i}"),
                "description": "A community workshop with laser cutters, 3D printers and a CNC router for small batches of parts. ".repeat(3),
                "facilityStatus": "Active",
                "location": {
                    "address": { "locality": "Accra", "country": "GH" },
                    "gpsCoordinates": format!("{}, {}", 5.0 + (i % 100) as f64 * 0.01, -0.2 - (i / 100) as f64 * 0.01),
                },
                "manufacturingProcesses": ["laser cutting", "3D printing", "CNC milling", "welding"],
                "typicalMaterials": ["PLA", "plywood", "aluminium"],
                "equipment": [
                    { "equipmentType": "laser cutter", "make": "Epilog", "model": "Fusion Pro" },
                    { "equipmentType": "3D printer", "make": "Prusa", "model": "MK4" },
                ],
            })
        })
        .collect();
    serde_json::to_string(&records).unwrap()
}

/// The names in `dir` (not below it).
fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn a_long_dry_run_does_not_block_writers() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    // A write waits this long for SQLite's write lock: were the dry run to hold it for a
    // moment longer, a write would fail with "database is locked".
    config.database.busy_timeout_ms = 200;
    config.graphql.max_body_bytes = 32 << 20;
    config.graphql.request_timeout_ms = 300_000;
    let app = TestApp::spawn_with(&t, config).await;
    let data_dir = &t.config.data_dir;
    let before = entries(data_dir);
    let document = big_okw(30_000);
    assert!(document.len() > 5_000_000, "{} bytes", document.len());
    let started = Instant::now();
    let dry_run = {
        let client = app.client.clone();
        let url = format!("{}/graphql", app.base);
        let token = app.token.clone();
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "query": IMPORT, "variables": { "format": "OKW", "content": document, "dryRun": true } }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    // Writes go on until the dry run answers. One sent while the dry run's copy of the
    // database lay in the data dir ran while the dry run was at work: that is the overlap,
    // shown by the order of events rather than by how long anything took.
    let mut writes = 0;
    let mut during_the_dry_run = 0;
    while !dry_run.is_finished() {
        let copy_present = entries(data_dir) != before;
        let body = app
            .gql(
                CREATE_FACILITY,
                json!({ "input": { "name": format!("Written during the dry run {writes}") } }),
            )
            .await;
        // Old code: `INTERNAL: database is locked` once the dry run began writing.
        assert!(
            body.get("errors").is_none(),
            "write {writes} failed while the dry run ran: {body}"
        );
        writes += 1;
        if copy_present {
            during_the_dry_run += 1;
        }
    }
    let body = dry_run.await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    let result = &body["data"]["importDocument"];
    assert_eq!(result["dryRun"], json!(true));
    assert_eq!(
        result["kinds"],
        json!([{ "kind": "FACILITY", "imported": 30_000, "rejected": 0 }]),
        "{result}"
    );
    eprintln!(
        "dry run took {:?}; {writes} writes went through meanwhile, {during_the_dry_run} of them while its copy existed",
        started.elapsed()
    );
    assert!(
        during_the_dry_run >= 1,
        "no write was sent while the dry run worked on its copy ({writes} in all)"
    );
    // What was written stays; nothing of the dry run does, nor its copy.
    let stats = app.data("{ stats { facilities } }", json!({})).await;
    assert_eq!(stats["stats"]["facilities"], json!(writes), "{stats}");
    assert_eq!(entries(data_dir), before, "the dry run left files behind");
    app.stop().await;
}

#[tokio::test]
async fn a_dry_run_needs_no_write_lock_and_leaves_no_copy() {
    let t = TestDb::sqlite().await;
    let config_file = t.dir.path().join("makermatch.toml");
    std::fs::write(&config_file, "[database]\nbusy_timeout_ms = 200\n").unwrap();
    let mut config = t.config.clone();
    config.database.busy_timeout_ms = 200;
    let ready = makermatch_api::startup::prepare(&config).await.unwrap();
    let db = &ready.db;
    let data_dir = &t.config.data_dir;
    let before = entries(data_dir);
    let document = t.dir.path().join("facilities.json");
    std::fs::write(&document, big_okw(50)).unwrap();
    let paths = vec![document];

    // Another writer holds SQLite's write lock for the whole dry run.
    let writer = makermatch_api::db::begin_write(db).await.unwrap();
    // Old code: "database is locked" after the 200 ms busy timeout.
    let verifier = Default::default();
    let summary = import_paths(db, &ready.taxonomy, &verifier, &paths, None, true)
        .await
        .unwrap();
    assert_eq!(summary.counts(RecordKind::Facility).imported, 50);
    assert_eq!(entries(data_dir), before, "the dry run left files behind");
    writer.rollback().await.unwrap();

    // The same through the command line (`makermatch import --dry-run`).
    let cli = makermatch_api::cli::Cli {
        config: Some(config_file),
        data_dir: Some(data_dir.clone()),
        database_url: None,
        log_format: None,
        log_level: None,
        command: makermatch_api::cli::Command::Import {
            paths,
            format: None,
            dry_run: true,
            report: None,
            commit_every: None,
        },
    };
    makermatch_api::cli::run(cli).await.unwrap();
    assert_eq!(entries(data_dir), before, "the dry run left files behind");
    assert_eq!(
        Facility::find().count(db).await.unwrap(),
        0,
        "a dry run wrote"
    );
    ready.db.close().await.unwrap();
}

/// On PostgreSQL every committing writer takes the outbox's ordering lock until it
/// commits; a dry run commits nothing, so it must not take that lock, or every other
/// writer waits for the whole dry run. Here another writer holds the lock throughout: the
/// dry run still finishes, with every record checked.
#[tokio::test]
async fn a_dry_run_on_postgresql_does_not_wait_for_or_hold_up_writers() {
    let Some(url) = makermatch_tests::postgres_url() else {
        return;
    };
    let t = TestDb::postgres(&url).await;
    let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
    let db = &ready.db;
    let document = t.dir.path().join("facilities.json");
    std::fs::write(&document, big_okw(50)).unwrap();

    // A writer in the middle of committing: it holds the outbox ordering lock.
    let writer = makermatch_api::db::begin_write(db).await.unwrap();
    makermatch_api::services::outbox::record(
        &writer,
        makermatch_entities::outbox::IndexedKind::Facility,
        uuid::Uuid::now_v7(),
        makermatch_entities::outbox::OutboxOp::Upsert,
    )
    .await
    .unwrap();
    // Old code: the dry run waits on the lock until the writer ends, here never.
    let summary = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        import_paths(
            db,
            &ready.taxonomy,
            &Default::default(),
            &[document],
            None,
            true,
        ),
    )
    .await
    .expect("the dry run waited for another writer's outbox lock")
    .unwrap();
    assert_eq!(summary.counts(RecordKind::Facility).imported, 50);
    writer.rollback().await.unwrap();
    assert_eq!(
        Facility::find().count(db).await.unwrap(),
        0,
        "a dry run wrote"
    );
    ready.db.close().await.unwrap();
}

#[tokio::test]
async fn a_dry_run_dropped_midway_leaves_no_copy() {
    let t = TestDb::sqlite().await;
    let ready = makermatch_api::startup::prepare(&t.config).await.unwrap();
    let data_dir = &t.config.data_dir;
    let before = entries(data_dir);
    let document = big_okw(30_000);
    let verifier = Default::default();
    let mut import = Box::pin(import_text(
        &ready.db,
        &ready.taxonomy,
        &verifier,
        "document",
        &document,
        None,
        true,
    ));
    // Run the dry run until its copy shows up, then drop it, as a server drops a request
    // that timed out or whose client went away.
    let finished_first = loop {
        tokio::select! {
            biased;
            result = &mut import => break Some(result),
            () = tokio::task::yield_now() => {
                if entries(data_dir) != before {
                    break None;
                }
            }
        }
    };
    assert!(
        finished_first.is_none(),
        "the dry run ended before a copy of the database appeared: {finished_first:?}"
    );
    drop(import);
    assert_eq!(
        entries(data_dir),
        before,
        "the dropped dry run left files behind"
    );
    assert_eq!(Facility::find().count(&ready.db).await.unwrap(), 0);
    ready.db.close().await.unwrap();
}

/// An OKH manifest whose `part` holds `levels - 1` nested lists: `levels` in all.
fn manifest(levels: usize) -> Value {
    let mut inner = json!("PLA");
    for _ in 0..levels - 1 {
        inner = json!([inner]);
    }
    json!({
        "okhv": "OKH-LOSHv1.0",
        "id": format!("deep-{levels}"),
        "title": format!("A manifest {levels} levels deep"),
        "manufacturingProcesses": ["3D printing"],
        "part": inner,
    })
}

#[tokio::test]
async fn a_manifest_nested_too_deep_is_refused_and_a_deep_one_round_trips() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        // Old code: stored, then every read of the job failed with INTERNAL.
        let deep = manifest(127);
        let body = app
            .gql(
                IMPORT,
                json!({ "format": "OKH", "content": deep.to_string() }),
            )
            .await;
        let error = &body["errors"][0];
        assert_eq!(
            error["extensions"]["code"],
            json!("BAD_USER_INPUT"),
            "{body}"
        );
        assert_eq!(error["extensions"]["field"], json!("content"), "{body}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("127 levels") && message.contains("at most 64"),
            "{message}"
        );
        assert!(message.contains("`part[0][0]"), "names where: {message}");
        // The same in a list of manifests.
        let listed = json!([manifest(3), deep]).to_string();
        let body = app
            .gql(IMPORT, json!({ "format": "OKH", "content": listed }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            json!("BAD_USER_INPUT"),
            "{body}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("record 1"),
            "{body}"
        );

        let fine = manifest(40);
        let result = app
            .data(
                IMPORT,
                json!({ "format": "OKH", "content": fine.to_string() }),
            )
            .await;
        assert_eq!(
            result["importDocument"]["kinds"][0]["imported"],
            json!(1),
            "{result}"
        );
        let jobs = app
            .data(
                "{ jobs(first: 10) { nodes { title designManifest } } }",
                json!({}),
            )
            .await;
        let nodes = jobs["jobs"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 1, "{jobs}");
        assert_eq!(nodes[0]["designManifest"], fine);
        app.stop().await;
    })
    .await;
}
