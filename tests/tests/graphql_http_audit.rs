//! The GraphQL-over-HTTP spec's own audit (`graphql-http`'s `auditServer`, npm, pinned in
//! tests/clients/package-lock.json) against the real server: no error and no warning
//! (issue 26). Skipped with one line when node or npm is missing or the install fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

#[path = "../clients/setup.rs"]
mod setup;

use makermatch_tests::{TestApp, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_graphql_over_http_audit_passes() {
    let what = "GraphQL-over-HTTP audit (graphql-http)";
    let Some(_modules) = setup::node_modules(what) else {
        return;
    };
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let url = format!("{}/graphql", app.base);
    // The script prints one line per audit that is not `ok` (id, reason, the answer) and
    // fails when there is any: errors, warnings and notices alike.
    let node = std::path::Path::new("node");
    let report = tokio::task::block_in_place(|| setup::run(node, &["audit.mjs", &url]));
    assert!(report.contains(", 0 not ok"), "{report}");
    app.stop().await;
}
