//! Imports that must not hurt the service: a dry run never holds SQLite's write lock while
//! it parses (concurrent writes go through), and a document nested deeper than the bound
//! stored documents may have is refused on the way in instead of stored unreadable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::{Duration, Instant};

use makermatch_tests::{TestApp, TestDb, on_each_backend};
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

#[tokio::test]
async fn a_long_dry_run_does_not_block_writers() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.graphql.max_body_bytes = 32 << 20;
    config.graphql.request_timeout_ms = 300_000;
    let app = TestApp::spawn_with(&t, config).await;
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
    let mut writes = 0;
    let mut slowest = Duration::ZERO;
    while !dry_run.is_finished() {
        let write_started = Instant::now();
        let body = app
            .gql(
                CREATE_FACILITY,
                json!({ "input": { "name": format!("Written during the dry run {writes}") } }),
            )
            .await;
        // Old code: `INTERNAL: database is locked` after the 5 s busy timeout.
        assert!(body.get("errors").is_none(), "a write failed: {body}");
        slowest = slowest.max(write_started.elapsed());
        writes += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let body = dry_run.await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    let result = &body["data"]["importDocument"];
    assert_eq!(result["dryRun"], json!(true));
    assert_eq!(result["kinds"][0]["imported"], json!(30_000), "{result}");
    eprintln!(
        "dry run took {:?}; {writes} writes went through meanwhile, the slowest in {slowest:?}",
        started.elapsed()
    );
    assert!(writes >= 1);
    app.stop().await;
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
