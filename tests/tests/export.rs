//! Exports: what is exported imports back to the same records; GeoJSON is RFC 7946
//! ([lon, lat], null geometry when unlocated); private maker fields stay out unless asked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::path::PathBuf;

use makermatch_api::export::{ExportFormat, ExportKind, ExportOptions, export};
use makermatch_api::import::import_text;
use makermatch_api::import::record::RecordKind;
use makermatch_api::services::policy::Visibility;
use makermatch_api::startup::Ready;
use makermatch_tests::{TestDb, on_each_backend};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

async fn exported(
    r: &Ready,
    kind: ExportKind,
    format: ExportFormat,
    include_private: bool,
) -> String {
    let mut buf = Vec::new();
    export(
        &r.db,
        ExportOptions {
            kind,
            format,
            visibility: if include_private {
                Visibility::operator()
            } else {
                Visibility::public()
            },
        },
        &mut buf,
    )
    .await
    .unwrap();
    String::from_utf8(buf).unwrap()
}

/// The records without what differs between databases by design: the database's own
/// id of a record its source gave an id (in `x-makermatch`), and, unless `dates`, the
/// timestamps.
fn comparable(json: &str, dates: bool) -> Vec<Value> {
    let mut items: Vec<Value> = serde_json::from_str(json).unwrap();
    for item in &mut items {
        if let Some(map) = item.as_object_mut() {
            for volatile in ["dateCreated", "lastUpdated"] {
                if !dates {
                    map.remove(volatile);
                }
            }
            if let Some(p) = map.get_mut("x-makermatch").and_then(Value::as_object_mut)
                && p.contains_key("sourceId")
                && let Some(own) = p.remove("id")
                && map.get("id") == Some(&own)
            {
                // Its source gave it no id: it is exported under the database's.
                map.remove("id");
            }
        }
    }
    items.sort_by_key(|v| {
        v["name"]
            .as_str()
            .or(v["displayName"].as_str())
            .or(v["firstName"].as_str())
            .unwrap_or_default()
            .to_owned()
    });
    items
}

#[tokio::test]
async fn exports_import_back_to_the_same_records() {
    on_each_backend(|t: TestDb| async move {
        let a = makermatch_api::startup::prepare(&t.config).await.unwrap();
        let paths = [
            "printers.csv",
            "okw-camel.json",
            "okw-snake.yaml",
            "iopa-map.json",
            "pss-user-schema.json",
            "pss-passport.json",
        ]
        .map(fixture)
        .to_vec();
        makermatch_api::import::import_paths(
            &a.db,
            &a.taxonomy,
            &Default::default(),
            &paths,
            None,
            false,
        )
        .await
        .unwrap();
        let facilities = exported(&a, ExportKind::Facilities, ExportFormat::OkwJson, true).await;
        let makers = exported(&a, ExportKind::Makers, ExportFormat::OkwJson, true).await;
        // A term the taxonomy does not know comes back in the list the source gave it in.
        let medlab = comparable(&facilities, false)
            .into_iter()
            .find(|f| f["name"] == "Accra MedLab Makerspace")
            .unwrap();
        assert!(
            medlab["manufacturingProcesses"]
                .as_array()
                .unwrap()
                .contains(&Value::from("Underwater basket weaving")),
            "{medlab}"
        );
        assert!(!facilities.contains("x-makermatch-unresolved"), "{medlab}");

        // Into a second, empty database of the same backend.
        let t2 = match t.backend {
            makermatch_tests::Backend::Sqlite => TestDb::sqlite().await,
            makermatch_tests::Backend::Postgres => {
                TestDb::postgres(&makermatch_tests::postgres_url().unwrap()).await
            }
        };
        let b = makermatch_api::startup::prepare(&t2.config).await.unwrap();
        let s = import_text(
            &b.db,
            &b.taxonomy,
            &Default::default(),
            "facilities.json",
            &facilities,
            None,
            false,
        )
        .await
        .unwrap();
        assert!(
            s.rejections.is_empty() && s.unreadable_files.is_empty(),
            "{s}"
        );
        assert_eq!(s.counts(RecordKind::Facility).imported, 6);
        let s = import_text(
            &b.db,
            &b.taxonomy,
            &Default::default(),
            "makers.json",
            &makers,
            None,
            false,
        )
        .await
        .unwrap();
        assert!(
            s.rejections.is_empty() && s.unreadable_files.is_empty(),
            "{s}"
        );
        assert_eq!(s.counts(RecordKind::Maker).imported, 2);

        assert_eq!(
            comparable(
                &exported(&b, ExportKind::Facilities, ExportFormat::OkwJson, true).await,
                true
            ),
            comparable(&facilities, true),
            "facilities round trip"
        );
        let again = comparable(
            &exported(&b, ExportKind::Makers, ExportFormat::OkwJson, true).await,
            false,
        );
        let before = comparable(&makers, false);
        assert_eq!(again.len(), before.len());
        for (x, y) in again.iter().zip(&before) {
            for field in [
                "id",
                "x-makermatch",
                "affiliations",
                "firstName",
                "lastName",
                "displayName",
                "email",
                "location",
                "skills",
                "dateOfBirth",
                "dateCreated",
            ] {
                assert_eq!(
                    x.get(field),
                    y.get(field),
                    "maker field {field} after the round trip"
                );
            }
        }
    })
    .await;
}

async fn import_json(r: &Ready, label: &str, json: &str) -> makermatch_api::import::ImportSummary {
    let s = import_text(
        &r.db,
        &r.taxonomy,
        &Default::default(),
        label,
        json,
        None,
        false,
    )
    .await
    .unwrap();
    assert!(
        s.rejections.is_empty() && s.unreadable_files.is_empty(),
        "{s}"
    );
    s
}

fn imported(s: &makermatch_api::import::ImportSummary, kind: RecordKind) -> u64 {
    s.counts(kind).imported
}

/// Re-importing an export changes nothing and duplicates nothing: into the database it
/// came from (every record `unchanged`), into a fresh one (twice), and the original files
/// into that fresh one. Records
/// written through the API keep their ids; makers keep their facilities.
#[tokio::test]
async fn importing_an_export_duplicates_nothing() {
    on_each_backend(|t: TestDb| async move {
        let a = makermatch_api::startup::prepare(&t.config).await.unwrap();
        let paths = [
            "okw-camel.json",
            "iopa-map.json",
            "pss-user-schema.json",
            "pss-passport.json",
        ]
        .map(fixture)
        .to_vec();
        let original = makermatch_api::import::import_paths(
            &a.db,
            &a.taxonomy,
            &Default::default(),
            &paths,
            None,
            false,
        )
        .await
        .unwrap();
        let native = makermatch_api::services::facilities::create(
            &a.db,
            makermatch_api::services::facilities::FacilityInput::named("Tamale Works"),
        )
        .await
        .unwrap()
        .value;
        let facilities_before = imported(&original, RecordKind::Facility) + 1;
        let makers_before = imported(&original, RecordKind::Maker);
        for private in [true, false] {
            let facilities =
                exported(&a, ExportKind::Facilities, ExportFormat::OkwJson, private).await;
            let makers = exported(&a, ExportKind::Makers, ExportFormat::OkwJson, private).await;
            // Into the data dir it came from, every record reads back as it is stored.
            let s = import_json(&a, "facilities.json", &facilities).await;
            let c = s.counts(RecordKind::Facility);
            assert_eq!(
                (c.imported, c.updated, c.unchanged),
                (0, 0, facilities_before),
                "private {private}: {s}"
            );
            let s = import_json(&a, "makers.json", &makers).await;
            let c = s.counts(RecordKind::Maker);
            assert_eq!(
                (c.imported, c.updated, c.unchanged),
                (0, 0, makers_before),
                "private {private}: {s}"
            );
        }
        let count = |db: &sea_orm::DatabaseConnection| {
            let db = db.clone();
            async move {
                use sea_orm::{EntityTrait, PaginatorTrait};
                (
                    makermatch_entities::facility::Entity::find()
                        .count(&db)
                        .await
                        .unwrap(),
                    makermatch_entities::maker::Entity::find()
                        .count(&db)
                        .await
                        .unwrap(),
                )
            }
        };
        assert_eq!(count(&a.db).await, (facilities_before, makers_before));

        let facilities = exported(&a, ExportKind::Facilities, ExportFormat::OkwJson, true).await;
        let makers = exported(&a, ExportKind::Makers, ExportFormat::OkwJson, true).await;
        let t2 = match t.backend {
            makermatch_tests::Backend::Sqlite => TestDb::sqlite().await,
            makermatch_tests::Backend::Postgres => {
                TestDb::postgres(&makermatch_tests::postgres_url().unwrap()).await
            }
        };
        let b = makermatch_api::startup::prepare(&t2.config).await.unwrap();
        for round in 0..2 {
            let s = import_json(&b, "facilities.json", &facilities).await;
            let expected = if round == 0 { facilities_before } else { 0 };
            assert_eq!(
                imported(&s, RecordKind::Facility),
                expected,
                "round {round}: {s}"
            );
            assert_eq!(
                s.counts(RecordKind::Facility).updated,
                0,
                "round {round}: {s}"
            );
            let s = import_json(&b, "makers.json", &makers).await;
            let expected = if round == 0 { makers_before } else { 0 };
            assert_eq!(
                imported(&s, RecordKind::Maker),
                expected,
                "round {round}: {s}"
            );
            assert_eq!(s.counts(RecordKind::Maker).updated, 0, "round {round}: {s}");
            assert!(
                s.unresolved_terms
                    .keys()
                    .all(|t| !t.starts_with("affiliation")),
                "{s}"
            );
        }
        // The original files know these records too.
        let s = makermatch_api::import::import_paths(
            &b.db,
            &b.taxonomy,
            &Default::default(),
            &paths,
            None,
            false,
        )
        .await
        .unwrap();
        assert_eq!(imported(&s, RecordKind::Facility), 0, "{s}");
        assert_eq!(imported(&s, RecordKind::Maker), 0, "{s}");
        assert_eq!(count(&b.db).await, (facilities_before, makers_before));
        // The facility written through the API has the same id there.
        use sea_orm::EntityTrait;
        let copy = makermatch_entities::facility::Entity::find_by_id(native.id)
            .one(&b.db)
            .await
            .unwrap()
            .expect("the API's facility keeps its id");
        assert_eq!(copy.name, "Tamale Works");
        assert_eq!(copy.source, "makermatch");
    })
    .await;
}

#[tokio::test]
async fn geojson_and_csv_follow_their_standards_and_keep_private_fields_out() {
    let t = TestDb::sqlite().await;
    let r = makermatch_api::startup::prepare(&t.config).await.unwrap();
    let paths = ["okw-camel.json", "pss-passport.json"]
        .map(fixture)
        .to_vec();
    makermatch_api::import::import_paths(
        &r.db,
        &r.taxonomy,
        &Default::default(),
        &paths,
        None,
        false,
    )
    .await
    .unwrap();

    let geo: Value = serde_json::from_str(
        &exported(&r, ExportKind::Facilities, ExportFormat::Geojson, false).await,
    )
    .unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    let accra = features
        .iter()
        .find(|f| f["properties"]["name"] == "Accra MedLab Makerspace")
        .unwrap();
    assert_eq!(
        accra["geometry"]["coordinates"],
        serde_json::json!([-0.2107, 5.5717]),
        "positions are [lon, lat]"
    );
    assert!(
        accra["properties"]["contact"].get("contact").is_none(),
        "facility contact details are private"
    );
    let sparse = features
        .iter()
        .find(|f| f["properties"]["name"] == "Sparse Space")
        .unwrap();
    assert!(sparse["geometry"].is_null(), "unlocated → null geometry");

    let public = exported(&r, ExportKind::Makers, ExportFormat::Geojson, false).await;
    assert!(!public.contains("kip@example.org"), "e-mail is private");
    let makers: Value = serde_json::from_str(&public).unwrap();
    let kip = &makers["features"][0];
    let at = &kip["geometry"]["coordinates"];
    // The public position only: [lon, lat], 5–11 km from the home (-1.2864, 36.8172).
    makermatch_tests::assert_public_position(
        (-1.2864, 36.8172),
        (at[1].as_f64().unwrap(), at[0].as_f64().unwrap()),
    );
    assert!(
        !public.contains("36.8172") && !public.contains("-1.2864"),
        "{public}"
    );
    let private = exported(&r, ExportKind::Makers, ExportFormat::Geojson, true).await;
    assert!(private.contains("kip@example.org"));
    assert!(private.contains("36.8172"));

    let csv = exported(&r, ExportKind::Facilities, ExportFormat::Csv, false).await;
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,name,status,access_type,country")
    );
    assert_eq!(lines.count(), 2);
    assert!(!csv.contains("hello@medlab.example.org"));
}

/// Fields makermatch does not read come back out as the source wrote them: an OKW record's
/// storage, products, partners and reviews, an address's district, an Agent where a name
/// was expected; a PSS record's extra fields in private exports only. A second trip
/// through a fresh database gives the same export.
#[tokio::test]
async fn fields_makermatch_does_not_read_come_back_out() {
    on_each_backend(|t: TestDb| async move {
        let a = makermatch_api::startup::prepare(&t.config).await.unwrap();
        let kept = serde_json::json!({
            "storage": "40 m2 of racking",
            "typicalProducts": ["splints", "crutch tips"],
            "partnersFunders": [{ "name": "Kumasi Hive Trust", "url": "https://example.org/trust" }],
            "customerReviews": [{ "rating": 5, "text": "Fast and careful" }],
            "circularEconomy": { "applies": true, "description": "PLA offcuts reground" },
            "verifiedBy": { "@type": "Person", "name": "Esi Boateng", "email": "esi@example.org" },
            "location": { "address": { "building": "Block C" }, "what3words": "///index.home.raft" },
        });
        let mut record = serde_json::json!({
            "id": "okw-kumasi-hive",
            "name": "Kumasi Hive Workshop",
            "location": { "address": { "city": "Kumasi", "country": "GH" }, "gpsCoordinates": "6.69, -1.62" },
            "manufacturingProcesses": ["laser cutting"],
            "contact": { "contactPerson": "Kwame", "fax": "+233 0000" },
            // Dates keep the precision they were given.
            "dateFounded": "2014-03",
            "dateCreated": "2019-05-02",
        });
        merge(&mut record, &kept);
        import_json(&a, "hive.json", &serde_json::to_string(&[&record]).unwrap()).await;

        let private = exported(&a, ExportKind::Facilities, ExportFormat::OkwJson, true).await;
        let out: Vec<Value> = serde_json::from_str(&private).unwrap();
        let hive = &out[0];
        for (path, value) in leaves(&kept) {
            assert_eq!(hive.pointer(&path), Some(&value), "{path} in {hive}");
        }
        assert_eq!(hive.pointer("/contact/fax"), Some(&serde_json::json!("+233 0000")));
        assert_eq!(hive["location"]["address"]["city"], "Kumasi", "typed fields stay");
        assert_eq!((&hive["dateFounded"], &hive["dateCreated"]), (&serde_json::json!("2014-03"), &serde_json::json!("2019-05-02")));
        assert!(hive.get("x-makermatch-as-written").is_none(), "{hive}");
        let public = exported(&a, ExportKind::Facilities, ExportFormat::OkwJson, false).await;
        let public: Vec<Value> = serde_json::from_str(&public).unwrap();
        assert_eq!(public[0].pointer("/contact/fax"), None, "contacts are for staff");
        assert_eq!(public[0].pointer("/verifiedBy/email"), None, "wherever they sit");
        assert_eq!(public[0]["verifiedBy"]["name"], "Esi Boateng");
        assert_eq!(public[0]["storage"], "40 m2 of racking");

        // A maker's extra fields: private exports only.
        let maker = serde_json::json!([{
            "id": "pss-esi",
            "personal": { "firstName": "Esi", "lastName": "Boateng" },
            "publicProfile": true,
            "gender": "female",
            "socialMedia": { "mastodon": "@esi@example.social" },
        }]);
        import_json(&a, "makers.json", &maker.to_string()).await;
        let private = exported(&a, ExportKind::Makers, ExportFormat::OkwJson, true).await;
        let private: Vec<Value> = serde_json::from_str(&private).unwrap();
        assert_eq!(private[0]["gender"], "female", "{}", private[0]);
        assert_eq!(private[0]["socialMedia"]["mastodon"], "@esi@example.social");
        let public = exported(&a, ExportKind::Makers, ExportFormat::OkwJson, false).await;
        let public: Vec<Value> = serde_json::from_str(&public).unwrap();
        assert_eq!(public[0].get("gender"), None, "{}", public[0]);

        // Through a fresh database and out again: the same export.
        let facilities = exported(&a, ExportKind::Facilities, ExportFormat::OkwJson, true).await;
        let fresh = TestDb::sqlite().await;
        let b = makermatch_api::startup::prepare(&fresh.config).await.unwrap();
        import_json(&b, "facilities.json", &facilities).await;
        assert_eq!(
            comparable(&exported(&b, ExportKind::Facilities, ExportFormat::OkwJson, true).await, true),
            comparable(&facilities, true)
        );
        // Re-imported where it came from, it duplicates nothing and exports the same.
        let again = import_json(&a, "facilities.json", &facilities).await;
        assert_eq!(again.counts(RecordKind::Facility).imported, 0, "{again}");
        assert_eq!(
            comparable(&exported(&a, ExportKind::Facilities, ExportFormat::OkwJson, true).await, true),
            comparable(&facilities, true)
        );
    })
    .await;
}

fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(into), Value::Object(from)) => {
            for (k, v) in from {
                merge(into.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// Every leaf of `v` (scalars and lists) with its JSON pointer.
fn leaves(v: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    fn walk(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    walk(child, format!("{path}/{k}"), out);
                }
            }
            other => out.push((path, other.clone())),
        }
    }
    walk(v, String::new(), &mut out);
    out
}

/// Facilities and makers as a private export shows them, comparable across imports.
async fn private_view(r: &Ready) -> (Vec<Value>, Vec<Value>) {
    (
        comparable(
            &exported(r, ExportKind::Facilities, ExportFormat::OkwJson, true).await,
            false,
        ),
        comparable(
            &exported(r, ExportKind::Makers, ExportFormat::OkwJson, true).await,
            false,
        ),
    )
}

/// A public export leaves out what only staff see. Read back over the records it was made
/// from, those absences are not edits: the e-mail, phone and kept contact fields of a
/// facility, and a maker's contact details, date of birth, nationality, exact home and
/// other source fields, stay as stored, while what the export does say (an edited name)
/// is taken.
#[tokio::test]
async fn a_public_export_read_back_clears_nothing_it_left_out() {
    on_each_backend(|t: TestDb| async move {
        let r = makermatch_api::startup::prepare(&t.config).await.unwrap();
        let facility = serde_json::json!([{
            "id": "okw-tema-works",
            "name": "Tema Works",
            "location": { "gpsCoordinates": "5.6698, -0.0166", "address": { "city": "Tema", "country": "GH" } },
            "contact": {
                "contactPerson": "Kojo Asante",
                "contact": { "email": "kojo@tema.example.org", "landline": "+233 30 111 2222", "fax": "+233 30 111 2223" }
            },
            "manufacturingProcesses": ["welding"],
            "storageCapacity": "40 m2"
        }]);
        let maker = serde_json::json!([{
            "id": "pss-esi",
            "firstName": "Esi",
            "lastName": "Owusu",
            "email": "esi@example.org",
            "phone": "+233 24 000 1111",
            "nationality": "GH",
            "dateOfBirth": "1990-05-04",
            "publicProfile": true,
            "location": { "city": "Tema", "country": "GH", "lat": 5.6801, "lon": -0.0102 },
            "skills": [{ "name": "welding", "level": "advanced" }],
            "favouriteMachine": "MIG welder"
        }]);
        import_json(&r, "tema.json", &facility.to_string()).await;
        import_json(&r, "esi.json", &maker.to_string()).await;
        let before = private_view(&r).await;
        let before_text = serde_json::to_string(&before).unwrap();
        for secret in ["kojo@tema.example.org", "+233 30 111 2223", "1990-05-04", "MIG welder", "5.6801"] {
            assert!(before_text.contains(secret), "{secret} is stored: {before_text}");
        }

        let public_facilities =
            exported(&r, ExportKind::Facilities, ExportFormat::OkwJson, false).await;
        let public_makers = exported(&r, ExportKind::Makers, ExportFormat::OkwJson, false).await;
        for secret in ["kojo@tema.example.org", "+233 30 111 2223", "1990-05-04", "MIG welder"] {
            assert!(
                !public_facilities.contains(secret) && !public_makers.contains(secret),
                "a public export leaves {secret} out"
            );
        }
        import_json(&r, "public-facilities.json", &public_facilities).await;
        import_json(&r, "public-makers.json", &public_makers).await;
        assert_eq!(private_view(&r).await, before, "nothing the export left out was cleared");

        // An edit made in the public export is taken; what it left out still stays.
        let edited = public_facilities.replace("Tema Works", "Tema Metal Works");
        let s = import_json(&r, "edited.json", &edited).await;
        assert_eq!(s.counts(RecordKind::Facility).updated, 1, "{s}");
        let (facilities, _) = private_view(&r).await;
        assert_eq!(facilities[0]["name"], "Tema Metal Works");
        assert_eq!(facilities[0]["contact"]["contact"]["email"], "kojo@tema.example.org");
        assert_eq!(facilities[0]["contact"]["contact"]["fax"], "+233 30 111 2223");
    })
    .await;
}
