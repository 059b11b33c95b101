//! The README's "Welders, found in French" query, copied from the README and run against
//! the demo dataset, finds welders (the French word for welding is "soudage"; "soudure" also
//! names soldering and found solderers first).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::path::Path;

use makermatch_api::demo::{self, DemoSize};
use makermatch_entities::outbox;
use makermatch_tests::{TestApp, TestDb};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::json;

/// The GraphQL line following the README comment that starts with `comment`.
fn readme_example(comment: &str) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md");
    let mut lines = readme.lines().skip_while(|l| !l.starts_with(comment));
    lines
        .find(|l| !l.starts_with('#'))
        .unwrap_or_else(|| panic!("no example after `{comment}` in the README"))
        .to_owned()
}

#[tokio::test]
async fn the_french_welders_example_finds_welders() {
    let query = readme_example("# Welders, found in French");
    assert!(query.contains("makers(text:"), "{query}");
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    demo::generate(&app.db, &app.taxonomy, DemoSize::default())
        .await
        .unwrap();
    let last = outbox::Entity::find()
        .order_by_desc(outbox::Column::Seq)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .seq;
    app.wait_indexed(last).await;
    let d = app.public_data(&query, json!({})).await;
    let nodes = d["makers"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5, "{d}");
    for maker in nodes {
        let skills: Vec<&str> = maker["skills"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["label"].as_str())
            .collect();
        assert!(
            skills.iter().any(|s| s.to_lowercase().contains("weld")),
            "{} is no welder: {skills:?}",
            maker["name"]
        );
    }
    app.stop().await;
}
