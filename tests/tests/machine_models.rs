//! `machineModels`: an imported machine catalog is visible over GraphQL, found by brand or
//! model words and by equipment type, to anyone (it is reference data).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::path::PathBuf;

use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};

const MODELS: &str = "query($t: String, $e: String) { machineModels(text: $t, equipmentType: $e) { brand model technology materials properties equipmentType { id } } }";

fn models(body: &Value) -> Vec<String> {
    body["data"]["machineModels"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|m| m["model"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_imported_catalog_is_found_by_words_and_type() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let catalog =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/import/printers.csv");
        let s = makermatch_api::import::import_paths(
            &app.db,
            &app.taxonomy,
            &Default::default(),
            &[catalog],
            None,
            false,
        )
        .await
        .unwrap();
        // The fixture's last row has no model name and is rejected.
        assert_eq!(
            s.counts(makermatch_api::import::record::RecordKind::MachineModel)
                .imported,
            4,
            "{s}"
        );

        let prusa = app.anon(MODELS, json!({ "t": "PRUSA" })).await;
        assert_eq!(models(&prusa), ["MK4"], "{prusa}");
        let mk4 = &prusa["data"]["machineModels"][0];
        assert_eq!(mk4["brand"], "Prusa Research");
        assert_eq!(mk4["equipmentType"]["id"], "fdm-3d-printer");
        assert_eq!(mk4["materials"], json!(["pla", "petg"]), "{mk4}");
        assert_eq!(mk4["properties"][0]["key"], "buildVolumeX", "{mk4}");

        let form = app.anon(MODELS, json!({ "t": "form" })).await;
        assert_eq!(models(&form), ["Form 3"], "{form}");

        // By type, as an alias or label would name it: the SLA printer alone.
        let sla = app.anon(MODELS, json!({ "e": "sla-3d-printer" })).await;
        assert_eq!(models(&sla), ["Form 3"], "{sla}");

        // A wildcard is a character like any other.
        let wild = app.anon(MODELS, json!({ "t": "%" })).await;
        assert_eq!(models(&wild), Vec::<String>::new(), "{wild}");

        let bad = app.anon(MODELS, json!({ "e": "time machine" })).await;
        assert_eq!(
            bad["errors"][0]["extensions"]["field"], "equipmentType",
            "{bad}"
        );
        app.stop().await;
    })
    .await;
}
