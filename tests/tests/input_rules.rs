//! One rule per value, whatever the door: a bad e-mail, phone, date of birth, link or
//! country is refused by `createMaker` / `createFacility` over GraphQL, rejected by
//! `importDocument` and by the command-line importer (`import_paths`), each time with the
//! same field and the same reason, and nothing of it is stored.

use makermatch_api::import::{ImportFormat, import_paths};
use makermatch_entities::{facility, maker};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const CREATE_MAKER: &str = "mutation($input: MakerInput!) { createMaker(input: $input) { uuid } }";
const CREATE_FACILITY: &str =
    "mutation($input: FacilityInput!) { createFacility(input: $input) { uuid } }";
const IMPORT: &str = "mutation($format: ImportFormat, $content: String!) { importDocument(format: $format, content: $content) { kinds { kind imported rejected } rejections { field reason } } }";

/// A bad value for a maker: the GraphQL input, the same maker as a PSS record, and the
/// field both doors must name.
struct MakerCase {
    field: &'static str,
    graphql: Value,
    pss: Value,
}

fn maker_cases() -> Vec<MakerCase> {
    let skill =
        |url: &str| json!([{ "skill": "TIG welding", "level": "ADVANCED", "evidenceUrl": url }]);
    vec![
        MakerCase {
            field: "email",
            graphql: json!({ "email": "not an email" }),
            pss: json!({ "email": "not an email" }),
        },
        MakerCase {
            field: "phone",
            graphql: json!({ "phone": "call me maybe" }),
            pss: json!({ "phone": "call me maybe" }),
        },
        MakerCase {
            field: "dateOfBirth",
            graphql: json!({ "dateOfBirth": "2099-01-01" }),
            pss: json!({ "dateOfBirth": "2099-01-01" }),
        },
        MakerCase {
            field: "skills[0].evidenceUrl",
            graphql: json!({ "skills": skill("javascript:alert(1)") }),
            pss: json!({ "skills": [{ "name": "TIG welding", "level": 3, "evidenceUrl": "javascript:alert(1)" }] }),
        },
        MakerCase {
            field: "nationality",
            graphql: json!({ "nationality": "XX" }),
            pss: json!({ "nationality": "XX" }),
        },
        MakerCase {
            field: "location.country",
            graphql: json!({ "location": { "country": "Atlantis" } }),
            pss: json!({ "location": { "city": "Poseidonia", "country": "Atlantis" } }),
        },
    ]
}

fn merged(base: Value, extra: &Value) -> Value {
    let mut base = base;
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

/// The GraphQL refusal: its field (without the `input.` prefix) and reason.
fn refusal(body: &Value) -> (String, String) {
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"]["code"],
        json!("BAD_USER_INPUT"),
        "{body}"
    );
    let field = error["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("input.")
        .to_owned();
    let message = error["message"].as_str().unwrap_or_default();
    let reason = message
        .split_once(": ")
        .map(|(_, r)| r.to_owned())
        .unwrap_or_default();
    (field, reason)
}

#[tokio::test]
async fn a_bad_maker_is_refused_alike_through_every_door() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        for case in maker_cases() {
            let body = app
                .gql(
                    CREATE_MAKER,
                    json!({ "input": merged(json!({ "firstName": "Ama" }), &case.graphql) }),
                )
                .await;
            let (field, reason) = refusal(&body);
            assert_eq!(field, case.field, "{body}");

            // The same maker as a PSS record through importDocument.
            let record = merged(
                json!({ "id": format!("rules-{}", case.field), "firstName": "Ama" }),
                &case.pss,
            );
            let content = serde_json::to_string(&json!([record])).unwrap();
            let imported = app
                .data(IMPORT, json!({ "format": "PSS", "content": content }))
                .await;
            let result = &imported["importDocument"];
            assert_eq!(
                result["kinds"],
                json!([{ "kind": "MAKER", "imported": 0, "rejected": 1 }]),
                "{}: {result}",
                case.field
            );
            assert_eq!(
                result["rejections"][0],
                json!({ "field": case.field, "reason": reason }),
                "{}: the importer must give GraphQL's reason",
                case.field
            );

            // And through the command-line importer's code path.
            let file = t.dir.path().join("bad-maker.json");
            std::fs::write(&file, &content).unwrap();
            let summary = import_paths(
                &app.db,
                &app.taxonomy,
                &makermatch_api::services::credentials::verification::CredentialVerifier::default(),
                &[file],
                Some(ImportFormat::Pss),
                false,
            )
            .await
            .unwrap();
            assert_eq!(summary.rejections.len(), 1, "{}", case.field);
            assert_eq!(summary.rejections[0].field, case.field);
            assert_eq!(summary.rejections[0].reason, reason);
        }
        assert_eq!(maker::Entity::find().count(&app.db).await.unwrap(), 0);
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_bad_facility_is_refused_alike_through_every_door() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let cases = [
            (
                "contactEmail",
                json!({ "contactEmail": "hello at lab" }),
                json!({ "contact": { "email": "hello at lab" } }),
            ),
            (
                "website",
                json!({ "website": "javascript:alert(document.cookie)" }),
                json!({ "website": "javascript:alert(document.cookie)" }),
            ),
            (
                "location.country",
                json!({ "location": { "country": "XX" } }),
                json!({ "location": { "address": { "country": "XX" } } }),
            ),
        ];
        for (want, graphql, okw) in cases {
            let body = app
                .gql(
                    CREATE_FACILITY,
                    json!({ "input": merged(json!({ "name": "Kumasi Hive" }), &graphql) }),
                )
                .await;
            let (field, reason) = refusal(&body);
            assert_eq!(field, want, "{body}");
            let record = merged(json!({ "id": "rules-hive", "name": "Kumasi Hive" }), &okw);
            let content = serde_json::to_string(&json!([record])).unwrap();
            let imported = app
                .data(IMPORT, json!({ "format": "OKW", "content": content }))
                .await;
            let result = &imported["importDocument"];
            assert_eq!(
                result["rejections"][0],
                json!({ "field": want, "reason": reason }),
                "{want}: {result}"
            );
        }
        assert_eq!(facility::Entity::find().count(&app.db).await.unwrap(), 0);
        app.stop().await;
    })
    .await;
}

/// What documents write for a country ("Kenya", "KEN") is stored as its code, through the
/// importer; GraphQL takes codes only and says which code was meant.
#[tokio::test]
async fn country_names_in_documents_become_codes() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let content = serde_json::to_string(&json!([
        { "id": "n1", "firstName": "Wanjiru", "nationality": "Kenya", "location": "Nairobi, Kenya" },
        { "id": "n2", "firstName": "Thabo", "nationality": "ZAF", "residenceCountry": "South Africa" },
    ]))
    .unwrap();
    let imported = app
        .data(IMPORT, json!({ "format": "PSS", "content": content }))
        .await;
    assert_eq!(
        imported["importDocument"]["kinds"],
        json!([{ "kind": "MAKER", "imported": 2, "rejected": 0 }]),
        "{imported}"
    );
    let mut rows = maker::Entity::find().all(&app.db).await.unwrap();
    rows.sort_by_key(|m| m.source_id.clone());
    assert_eq!(rows[0].nationality.as_deref(), Some("KE"));
    assert_eq!(rows[0].country.as_deref(), Some("KE"));
    assert_eq!(rows[0].city.as_deref(), Some("Nairobi"));
    assert_eq!(rows[1].nationality.as_deref(), Some("ZA"));
    assert_eq!(rows[1].residence_country.as_deref(), Some("ZA"));

    let body = app
        .gql(
            CREATE_MAKER,
            json!({ "input": { "firstName": "Ama", "nationality": "Ghana" } }),
        )
        .await;
    let (field, reason) = refusal(&body);
    assert_eq!(field, "nationality");
    assert!(reason.contains("GH"), "{reason}");
    app.stop().await;
}
