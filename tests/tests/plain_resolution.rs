//! A facility page's machines, properties, members and claims are written straight into
//! the response when every field selected on them is plain (`api/src/graphql/plain.rs`),
//! and through the executor otherwise. Both ways must give the same answer, field for
//! field, in the order the query selects them: for every field the served schema lists
//! for those types, each alone (so that a plain one takes the plain path) and all at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::HashMap;

use makermatch_api::services::facilities::{
    self, EquipmentInput, FacilityInput, LocationInput, PropertyInput,
};
use makermatch_api::services::makers::{self, AffiliationInput, MakerInput, SkillClaimInput};
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};

/// The types whose lists may be written plainly, each with the fields that lead from a
/// facility to a list of it.
const LISTED: [(&str, &[&str]); 4] = [
    ("Equipment", &["equipment"]),
    ("EquipmentProperty", &["equipment", "properties"]),
    ("Maker", &["makers"]),
    ("SkillClaim", &["makers", "skills"]),
];

/// Every type of the served schema with its fields (introspection reads the registry the
/// server answers from). Four levels of `ofType` reach the type under `[T!]!`.
const REGISTRY: &str = "{ __schema { types { name kind fields(includeDeprecated: true) {
  name args { defaultValue type { kind } }
  type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";

/// A type as the registry lists it.
struct RegistryType {
    kind: String,
    fields: Vec<RegistryField>,
}

struct RegistryField {
    name: String,
    /// The named type under any list and non-null wrappers.
    type_name: String,
    /// An argument without a default must be given: such a field cannot be selected bare.
    required_args: bool,
}

async fn registry(app: &TestApp) -> HashMap<String, RegistryType> {
    let data = app.data(REGISTRY, json!({})).await;
    let mut types = HashMap::new();
    for t in data["__schema"]["types"].as_array().unwrap() {
        let fields = t["fields"].as_array().map_or(&[][..], Vec::as_slice);
        let registered = RegistryType {
            kind: t["kind"].as_str().unwrap().to_owned(),
            fields: fields.iter().map(registry_field).collect(),
        };
        types.insert(t["name"].as_str().unwrap().to_owned(), registered);
    }
    types
}

fn registry_field(field: &Value) -> RegistryField {
    let mut ty = &field["type"];
    while ty["name"].is_null() {
        ty = &ty["ofType"];
    }
    let args = field["args"].as_array().unwrap();
    RegistryField {
        name: field["name"].as_str().unwrap().to_owned(),
        type_name: ty["name"].as_str().unwrap().to_owned(),
        required_args: args
            .iter()
            .any(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null()),
    }
}

/// A field to select and what to select under it.
#[derive(Clone)]
struct Selected {
    name: String,
    under: Vec<Selected>,
}

impl Selected {
    fn new(name: &str, under: Vec<Selected>) -> Selected {
        Selected {
            name: name.to_owned(),
            under,
        }
    }
}

/// Every field of `ty` that can be selected bare, each with a selection under it; `within`
/// are the listed types the selection is already inside.
fn every_field(types: &HashMap<String, RegistryType>, ty: &str, within: &[&str]) -> Vec<Selected> {
    let within = [within, &[ty]].concat();
    types[ty]
        .fields
        .iter()
        .filter(|f| !f.required_args)
        .map(|f| Selected::new(&f.name, under(types, &f.type_name, &within)))
        .collect()
}

/// What to select under a field of type `ty`: every field again for a listed type not yet
/// entered, the leaves (and `__typename`) of any other object.
fn under(types: &HashMap<String, RegistryType>, ty: &str, within: &[&str]) -> Vec<Selected> {
    let listed = LISTED.iter().any(|(name, _)| *name == ty);
    match types[ty].kind.as_str() {
        "OBJECT" if listed && !within.contains(&ty) => every_field(types, ty, within),
        "OBJECT" | "INTERFACE" | "UNION" => {
            let mut leaves = vec![Selected::new("__typename", vec![])];
            for f in &types[ty].fields {
                let leaf = matches!(types[&f.type_name].kind.as_str(), "SCALAR" | "ENUM");
                if leaf && !f.required_args {
                    leaves.push(Selected::new(&f.name, vec![]));
                }
            }
            leaves
        }
        _ => vec![],
    }
}

/// `set` under the facilities' fields in `path`, as query text. `forced` puts the first
/// field of every selection set in an inline fragment (`... { first }`), which the plain
/// path leaves to the executor: every list then goes through it. (A directive would not
/// do: async-graphql drops `@include(if: true)` before execution.)
fn query(path: &[&str], set: &[Selected], forced: bool) -> String {
    let mut inner = set.to_vec();
    for step in path.iter().rev() {
        inner = vec![Selected::new(step, inner)];
    }
    let root = [Selected::new(
        "facilities(first: 5)",
        vec![Selected::new("nodes", inner)],
    )];
    let mut text = String::new();
    render(&root, forced, &mut text);
    text
}

fn render(set: &[Selected], forced: bool, text: &mut String) {
    text.push_str("{ ");
    for (i, field) in set.iter().enumerate() {
        let fragment = forced && i == 0;
        if fragment {
            text.push_str("... { ");
        }
        text.push_str(&field.name);
        text.push(' ');
        if !field.under.is_empty() {
            render(&field.under, forced, text);
        }
        if fragment {
            text.push_str("} ");
        }
    }
    text.push_str("} ");
}

/// The body of `query` as an admin: parsed, and as text.
async fn answer(app: &TestApp, query: &str) -> (Value, String) {
    let text = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&app.token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

/// Every object key in JSON `text`, in text order.
fn keys_in_order(text: &str) -> Vec<&str> {
    let mut keys = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut end = i + 1;
        while let Some((j, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    end = j;
                    break;
                }
                _ => {}
            }
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        if chars.peek().is_some_and(|&(_, c)| c == ':') {
            keys.push(&text[i + 1..end]);
        }
    }
    keys
}

/// `body` without the errors' `locations`, which differ only because the forced query
/// has more text.
fn without_locations(mut body: Value) -> Value {
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            error.as_object_mut().unwrap().remove("locations");
        }
    }
    body
}

/// The objects at `path` under the facilities in `data`.
fn listed_objects<'a>(data: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    let mut objects: Vec<&Value> = data["facilities"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    for step in path {
        objects = objects
            .into_iter()
            .flat_map(|o| o[*step].as_array().map_or(&[][..], Vec::as_slice))
            .collect();
    }
    objects
}

/// Asks for `set` under `path` plainly and through the executor: the same data and
/// errors over at least one listed object, and with `in_order` the same keys in the same
/// order. (The executor writes an object's fields as they finish, so fields waiting on a
/// loader can come after later ones: with every field at once only the values compare.)
async fn assert_same_both_ways(app: &TestApp, path: &[&str], set: &[Selected], in_order: bool) {
    let plain_query = query(path, set, false);
    let (plain, plain_text) = answer(app, &plain_query).await;
    let (executed, executed_text) = answer(app, &query(path, set, true)).await;
    assert!(
        !listed_objects(&plain["data"], path).is_empty(),
        "{plain_query}: {plain}"
    );
    if in_order {
        assert_eq!(
            keys_in_order(&plain_text),
            keys_in_order(&executed_text),
            "{plain_query}"
        );
    }
    assert_eq!(
        without_locations(plain),
        without_locations(executed),
        "{plain_query}"
    );
}

#[tokio::test]
async fn every_field_the_registry_lists_answers_alike_plainly_and_through_the_executor() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        seed(&app).await;
        let types = registry(&app).await;
        for (ty, path) in LISTED {
            let listed = &types[ty].fields;
            let skipped: Vec<&str> = listed
                .iter()
                .filter(|f| f.required_args)
                .map(|f| f.name.as_str())
                .collect();
            if !skipped.is_empty() {
                eprintln!("{ty}: fields with required arguments not compared: {skipped:?}");
            }
            let fields = every_field(&types, ty, &[]);
            assert_same_both_ways(&app, path, &fields, false).await;
            for field in &fields {
                assert_same_both_ways(&app, path, std::slice::from_ref(field), true).await;
            }
            // Every field the registry lists was compared; the smallest type has four.
            assert_eq!(fields.len() + skipped.len(), listed.len(), "{ty}");
            assert!(fields.len() >= 4, "{ty} has only {} fields", fields.len());
        }
        app.stop().await;
    })
    .await;
}

/// Plain fields under aliases and with `__typename`, for the order and value checks.
const PLAIN: &str = "{ facilities(first: 5) { nodes { name
  equipment { zType: __typename id equipmentType make model quantity condition notes
    properties { __typename key number text unit } }
  makers { id uuid name shown: name firstName middleName lastName preferredFirstName displayName
    bio languages residenceCountry erasedAt distanceKm publicProfile shareExactLocation
    dateCreated lastUpdated source
    skills { __typename level years evidenceUrl label key processId } } } } }";

/// `PLAIN` with the first field of each listed object in an inline fragment: the
/// executor then resolves every one of them (see `query`).
fn through_executor() -> String {
    let query = PLAIN
        .replace("zType: __typename id", "... { zType: __typename } id")
        .replace("{ __typename key", "{ ... { __typename } key")
        .replace("makers { id uuid", "makers { ... { id } uuid")
        .replace("{ __typename level", "{ ... { __typename } level");
    assert_eq!(query.matches("... {").count(), 4, "{query}");
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
