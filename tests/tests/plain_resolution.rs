//! A facility page's machines, properties, members and claims are written straight into
//! the response when every field selected on them is plain (`api/src/graphql/plain.rs`),
//! and through the executor otherwise. Both ways must give the same answer, field for
//! field, in the order the query selects them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::facilities::{
    self, EquipmentInput, FacilityInput, LocationInput, PropertyInput,
};
use makermatch_api::services::makers::{self, AffiliationInput, MakerInput, SkillClaimInput};
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};

/// Every plain field of the four listed types, with aliases and `__typename`.
const PLAIN: &str = "{ facilities(first: 5) { nodes { name
  equipment { zType: __typename id equipmentType make model quantity condition notes
    properties { __typename key number text unit } }
  makers { id uuid name shown: name firstName middleName lastName preferredFirstName displayName
    bio languages residenceCountry erasedAt distanceKm publicProfile shareExactLocation
    dateCreated lastUpdated source
    skills { __typename level years evidenceUrl label key processId } } } } }";

/// `PLAIN` with `@include(if: true)` on the first field of each listed object: the
/// executor then resolves every one of them.
fn through_executor() -> String {
    let query = PLAIN
        .replace(
            "zType: __typename id",
            "zType: __typename @include(if: true) id",
        )
        .replace("{ __typename key", "{ __typename @include(if: true) key")
        .replace("makers { id uuid", "makers { id @include(if: true) uuid")
        .replace(
            "{ __typename level",
            "{ __typename @include(if: true) level",
        );
    assert_eq!(query.matches("@include").count(), 4, "{query}");
    query
}

async fn seed(app: &TestApp) {
    let mut lab = FacilityInput::named("Kumasi Hive");
    lab.location = LocationInput {
        lat: Some(6.69),
        lon: Some(-1.62),
        country: Some("GH".into()),
        ..Default::default()
    };
    let machine = |kind: &str, quantity, notes: Option<&str>, properties| EquipmentInput {
        equipment_type: kind.into(),
        process_id: None,
        make: Some("Prusa Research".into()),
        model: None,
        serial_number: None,
        quantity,
        condition: Some("good".into()),
        notes: notes.map(Into::into),
        properties,
    };
    lab.equipment = vec![
        machine(
            "fdm-3d-printer",
            2,
            Some("shared with the school"),
            vec![
                PropertyInput {
                    key: "nozzleDiameter".into(),
                    number: Some(0.1 + 0.2),
                    text: None,
                    unit: Some("mm".into()),
                },
                PropertyInput {
                    key: "bedSurface".into(),
                    number: None,
                    text: Some("PEI \"textured\"".into()),
                    unit: None,
                },
            ],
        ),
        machine("laser-cutter", 1, None, vec![]),
    ];
    let lab = facilities::create(&app.db, lab).await.unwrap();
    let member = |first: &str, skills| MakerInput {
        first_name: Some(first.into()),
        last_name: Some("Mensah".into()),
        preferred_first_name: Some(format!("{first}y")),
        display_name: Some(format!("{first} M.")),
        bio: Some("Welds, sews and mends; \u{1F6E0} and ünïcode".into()),
        languages: vec!["en".into(), "tw".into()],
        residence_country: Some("GH".into()),
        public_profile: true,
        affiliations: vec![AffiliationInput {
            facility_id: lab.value.id,
            role: "member".into(),
        }],
        skills,
        ..Default::default()
    };
    let claim = |skill: &str, level, years, url: Option<&str>| SkillClaimInput {
        skill: skill.into(),
        process_id: None,
        level,
        years,
        evidence_url: url.map(Into::into),
    };
    makers::create(
        &app.db,
        member(
            "Esi",
            vec![
                claim(
                    "MIG welding",
                    SkillLevel::Expert,
                    Some(2.123_456_789_012_345_7),
                    Some("https://example.org/esi"),
                ),
                claim("Pattern cutting", SkillLevel::Novice, None, None),
            ],
        ),
    )
    .await
    .unwrap();
    let last = makers::create(&app.db, member("Kofi", vec![]))
        .await
        .unwrap();
    app.wait_indexed(last.outbox_seq).await;
}

/// The response keys of the first object in `text` that has `first_key`, in order.
fn keys_after(text: &str, first_key: &str) -> Vec<String> {
    let start = text.find(&format!("\"{first_key}\"")).unwrap();
    // Up to the object's end or its first list (its last key's value).
    let end = text[start..].find(['}', '[']).unwrap() + start;
    let object = &text[start..end];
    object
        .split(',')
        .filter_map(|pair| pair.split_once("\":").map(|(k, _)| k.trim_matches('"')))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn plain_lists_answer_as_the_executor_does_in_selection_order() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        seed(&app).await;
        let plain = app.data(PLAIN, json!({})).await;
        let executed = app.data(&through_executor(), json!({})).await;
        assert_eq!(plain, executed);

        let node = &plain["facilities"]["nodes"][0];
        let machines = node["equipment"].as_array().unwrap();
        assert_eq!(machines.len(), 2, "{plain}");
        let printer = machines
            .iter()
            .find(|m| m["equipmentType"] == "fdm-3d-printer")
            .unwrap();
        assert_eq!(printer["zType"], "Equipment");
        let property = |key: &str| {
            printer["properties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["key"] == key)
                .unwrap()
                .clone()
        };
        assert_eq!(
            property("nozzleDiameter")["__typename"],
            "EquipmentProperty"
        );
        assert_eq!(property("nozzleDiameter")["number"], json!(0.1 + 0.2));
        assert_eq!(property("bedSurface")["text"], "PEI \"textured\"");
        assert_eq!(property("bedSurface")["number"], Value::Null);
        let cutter = machines
            .iter()
            .find(|m| m["equipmentType"] != "fdm-3d-printer")
            .unwrap();
        assert_eq!(cutter["properties"], json!([]));
        let makers = node["makers"].as_array().unwrap();
        assert_eq!(makers.len(), 2);
        let esi = makers.iter().find(|m| m["firstName"] == "Esi").unwrap();
        assert_eq!(esi["shown"], esi["name"]);
        assert_eq!(esi["languages"], json!(["en", "tw"]));
        assert_eq!(esi["erasedAt"], Value::Null);
        assert_eq!(esi["skills"][0]["level"], "EXPERT");
        assert_eq!(esi["skills"][0]["years"], json!(2.123_456_789_012_345_7));
        assert_eq!(esi["skills"][1]["evidenceUrl"], Value::Null);

        // Keys come in the order the query selects them, `zType` first.
        let response = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({ "query": PLAIN }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            keys_after(&response, "zType"),
            [
                "zType",
                "id",
                "equipmentType",
                "make",
                "model",
                "quantity",
                "condition",
                "notes",
                "properties"
            ]
        );
        assert_eq!(
            keys_after(&response, "level"),
            ["level", "years", "evidenceUrl", "label", "key", "processId"]
        );
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_field_with_an_access_rule_or_a_loader_takes_the_executor_and_answers_alike() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        seed(&app).await;
        // `email` has an access rule and `experiences` a loader: anonymous callers get
        // null emails with FORBIDDEN errors, and the rest as on the plain path.
        let mixed = "{ facilities(first: 5) { nodes { makers { name email experiences { title } skills { label level } } equipment { make process { id } properties { key } } } } }";
        let body = app.anon(mixed, json!({})).await;
        let errors = body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "one per maker: {body}");
        assert!(
            errors
                .iter()
                .all(|e| e["extensions"]["code"] == "FORBIDDEN"),
            "{body}"
        );
        let plain = app
            .data(
                "{ facilities(first: 5) { nodes { makers { name skills { label level } } equipment { make properties { key } } } } }",
                json!({}),
            )
            .await;
        let node = &body["data"]["facilities"]["nodes"][0];
        let plain_node = &plain["facilities"]["nodes"][0];
        for (i, maker) in node["makers"].as_array().unwrap().iter().enumerate() {
            assert_eq!(maker["email"], Value::Null);
            assert_eq!(maker["experiences"], json!([]));
            assert_eq!(maker["name"], plain_node["makers"][i]["name"]);
            assert_eq!(maker["skills"], plain_node["makers"][i]["skills"]);
        }
        for (i, machine) in node["equipment"].as_array().unwrap().iter().enumerate() {
            assert_eq!(machine["process"], Value::Null);
            assert_eq!(machine["properties"], plain_node["equipment"][i]["properties"]);
        }
        app.stop().await;
    })
    .await;
}
