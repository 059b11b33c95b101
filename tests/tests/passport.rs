//! A maker's rights over their passport on the real server: the whole passport exported
//! as JSON (to the maker, and to staff without an unshared home), and erasure, which
//! forgets the person everywhere (maker queries, search, export, the database row) while
//! the assignments naming them stay and programme totals do not move.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::actor::Role;
use makermatch_entities::prelude::*;
use makermatch_entities::{assignment_maker, credential, maker};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

const EMAIL: &str = "ama.owusu@private.example";
const PHONE: &str = "+233 24 555 0101";

/// The passport of Ama: every kind of data a passport holds, and an assignment.
struct Ama {
    id: String,
    uuid: Uuid,
    token: String,
    programme: String,
    job: String,
}

async fn ama(app: &TestApp) -> Ama {
    let facility = app
        .data(
            r#"mutation { createFacility(input: { name: "Kumasi Hive", location: { lat: 6.6885, lon: -1.6244, country: "GH" } }) { id } }"#,
            json!({}),
        )
        .await["createFacility"]["id"]
        .clone();
    let created = app
        .data(
            "mutation($input: MakerInput!) { createMaker(input: $input) { id uuid } }",
            json!({ "input": {
                "firstName": "Ama", "lastName": "Owusu", "bio": "Welds market stall frames.",
                "languages": ["en", "tw"], "email": EMAIL, "phone": PHONE,
                "dateOfBirth": "1991-02-03", "nationality": "NG", "residenceCountry": "GH",
                "publicProfile": true,
                "location": { "country": "GH", "city": "Kumasi", "lat": 6.69312, "lon": -1.61876 },
                "skills": [{ "skill": "TIG welding", "level": "EXPERT", "years": 6 }],
                "experiences": [{ "title": "Welder", "organisation": "Suame workshops" }],
                "availability": [{ "hoursPerWeek": 12 }],
                "affiliations": [{ "facilityId": facility, "role": "member" }],
            }}),
        )
        .await["createMaker"]
        .clone();
    let id = created["id"].as_str().unwrap().to_owned();
    let uuid: Uuid = created["uuid"].as_str().unwrap().parse().unwrap();
    let issuer = app
        .data(
            r#"mutation { createIssuer(input: { name: "Welding Guild", trusted: true, identifier: "did:web:guild.example" }) { id } }"#,
            json!({}),
        )
        .await["createIssuer"]["id"]
        .clone();
    let badge = app
        .data(
            "mutation($i: ID!) { createAchievement(input: { issuerId: $i, name: \"Certified TIG welder\", alignments: [{ skill: \"TIG welding\" }] }) { id } }",
            json!({ "i": issuer }),
        )
        .await["createAchievement"]["id"]
        .clone();
    app.data(
        "mutation($m: ID!, $a: ID!) { issueCredential(input: { makerId: $m, achievementId: $a, evidenceUrl: \"https://example.org/ama/weld\" }) { id } }",
        json!({ "m": id, "a": badge }),
    )
    .await;
    let programme = app
        .data(
            r#"mutation { createProgramme(input: { name: "IMA trial" }) { id } }"#,
            json!({}),
        )
        .await["createProgramme"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job = app
        .data(
            "mutation($p: ID!) { createJob(input: { programmeId: $p, title: \"Stall frames\", quantity: 40, status: OPEN, unitPrice: { amountMinor: 1000, currency: \"USD\" } }) { id } }",
            json!({ "p": programme }),
        )
        .await["createJob"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assignment = app
        .data(
            "mutation($j: ID!, $f: ID!, $m: ID!) { proposeAssignment(input: { jobId: $j, facilityId: $f, quantity: 25, makerIds: [$m] }) { id } }",
            json!({ "j": job, "f": facility, "m": id }),
        )
        .await["proposeAssignment"]["id"]
        .clone();
    // Ama accepts it herself, as a member of the facility.
    let token = app.token_for(Role::Maker, "ama", Some(uuid), None);
    let accepted = app
        .gql_as(
            Some(&token),
            "mutation($a: ID!) { transitionAssignment(id: $a, step: ACCEPT, note: \"Ama will weld these\") { status } }",
            json!({ "a": assignment }),
        )
        .await;
    assert_eq!(
        accepted["data"]["transitionAssignment"]["status"], "ACCEPTED",
        "{accepted}"
    );
    Ama {
        id,
        uuid,
        token,
        programme,
        job,
    }
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

const EXPORT: &str = "query($id: ID!) { exportPassport(makerId: $id) }";

#[tokio::test]
async fn the_maker_exports_their_whole_passport() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let a = ama(&app).await;
        let mine = app
            .gql_as(Some(&a.token), "{ myPassport }", json!({}))
            .await;
        assert!(mine.get("errors").is_none(), "{mine}");
        let p = &mine["data"]["myPassport"];
        assert_eq!(p["format"], "makermatch-passport/1");
        let m = &p["maker"];
        assert_eq!(m["id"], a.uuid.to_string());
        assert_eq!(
            (m["firstName"].as_str(), m["lastName"].as_str()),
            (Some("Ama"), Some("Owusu"))
        );
        assert_eq!(m["email"], EMAIL);
        assert_eq!(m["phone"], PHONE);
        assert_eq!(m["dateOfBirth"], "1991-02-03");
        assert_eq!(m["nationality"], "NG");
        assert_eq!(
            m["exactLocation"],
            json!({ "lat": 6.69312, "lon": -1.61876 })
        );
        assert!(
            m["location"]["lat"].is_f64(),
            "the public position too: {m}"
        );
        assert_eq!(p["skills"][0]["skill"], "TIG welding");
        assert_eq!(p["skills"][0]["level"], "EXPERT");
        assert_eq!(p["experiences"][0]["organisation"], "Suame workshops");
        assert_eq!(p["availability"][0]["hoursPerWeek"], 12.0);
        assert_eq!(p["affiliations"][0]["facilityName"], "Kumasi Hive");
        assert_eq!(p["credentials"][0]["achievement"], "Certified TIG welder");
        assert_eq!(p["credentials"][0]["issuer"], "Welding Guild");
        assert_eq!(
            p["credentials"][0]["evidenceUrl"],
            "https://example.org/ama/weld"
        );
        let assignment = &p["assignments"][0];
        assert_eq!(assignment["jobTitle"], "Stall frames");
        assert_eq!(assignment["quantity"], 25);
        assert_eq!(assignment["status"], "ACCEPTED");
        assert_eq!(
            assignment["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["to"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["PROPOSED", "ACCEPTED"]
        );
        assert_eq!(p["withheld"], json!([]));
        // exportPassport of one's own id is the same document.
        let same = app
            .gql_as(Some(&a.token), EXPORT, json!({ "id": a.id }))
            .await;
        assert_eq!(same["data"]["exportPassport"]["maker"], p["maker"]);

        // Another maker, or nobody, gets nothing.
        let other = app.token_for(Role::Maker, "kofi", Some(Uuid::now_v7()), None);
        let refused = app
            .gql_as(Some(&other), EXPORT, json!({ "id": a.id }))
            .await;
        assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
        assert!(!refused.to_string().contains(EMAIL));
        let anonymous = app.anon(EXPORT, json!({ "id": a.id })).await;
        assert_eq!(code(&anonymous), "UNAUTHENTICATED");
        let inspector = app.token_for(Role::Inspector, "qa", None, None);
        let refused = app
            .gql_as(Some(&inspector), EXPORT, json!({ "id": a.id }))
            .await;
        assert_eq!(code(&refused), "FORBIDDEN");
        // Staff get the passport but not a home its maker keeps to themself.
        let staff = app.data(EXPORT, json!({ "id": a.id })).await;
        let s = &staff["exportPassport"];
        assert_eq!(s["maker"]["email"], EMAIL);
        assert!(s["maker"]["exactLocation"].is_null(), "{s}");
        assert_eq!(s["withheld"], json!(["exactLocation"]));
        assert!(!staff.to_string().contains("6.69312"));
        // myPassport needs a maker token.
        let coordinator = app.token_for(Role::Coordinator, "coord", None, None);
        let no_passport = app
            .gql_as(Some(&coordinator), "{ myPassport }", json!({}))
            .await;
        assert_eq!(code(&no_passport), "FORBIDDEN");
        assert!(
            no_passport["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("exportPassport")
        );
        app.stop().await;
    })
    .await;
}

const SUMMARY: &str = "query($p: ID!) { programmeSummary(programmeId: $p) { total { proposed accepted approved delivered valueProposedMinor valueDeliveredMinor } byFacility { key label totals { proposed accepted } } byCountry { key totals { proposed } } byTier { key totals { proposed } } } }";

#[tokio::test]
async fn erasure_forgets_the_person_and_keeps_the_programme_totals() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let a = ama(&app).await;
        let summary = app.data(SUMMARY, json!({ "p": a.programme })).await;
        assert_eq!(summary["programmeSummary"]["total"]["accepted"], 25, "{summary}");
        let assignments = "query($j: ID!) { assignments(jobId: $j) { quantity status } }";
        let before = app.data(assignments, json!({ "j": a.job })).await;

        // Another maker may not erase Ama; neither may a coordinator.
        let erase = "mutation($id: ID!) { erasePassport(makerId: $id) { id erasedAt } }";
        let other = app.token_for(Role::Maker, "kofi", Some(Uuid::now_v7()), None);
        let coordinator = app.token_for(Role::Coordinator, "coord", None, None);
        for token in [&other, &coordinator] {
            let refused = app.gql_as(Some(token), erase, json!({ "id": a.id })).await;
            assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
        }
        assert_eq!(
            Maker::find_by_id(a.uuid).one(&app.db).await.unwrap().unwrap().email.as_deref(),
            Some(EMAIL),
            "a refused erasure changed nothing"
        );

        let erased = app.gql_as(Some(&a.token), erase, json!({ "id": a.id })).await;
        assert!(erased.get("errors").is_none(), "{erased}");
        assert_eq!(erased["data"]["erasePassport"]["id"], a.id.as_str());
        assert!(erased["data"]["erasePassport"]["erasedAt"].is_string());

        // The person is gone from every way of reading makers, for staff too.
        let shown = app
            .data(
                "query($id: ID!) { maker(id: $id) { name firstName lastName bio email phone dateOfBirth nationality publicProfile erasedAt skills { key } credentials { id } affiliations { role } location { city lat lon } } }",
                json!({ "id": a.id }),
            )
            .await;
        let m = &shown["maker"];
        assert_eq!(m["name"], "erased maker");
        for field in ["firstName", "lastName", "bio", "email", "phone", "dateOfBirth", "nationality"] {
            assert!(m[field].is_null(), "`{field}` kept: {m}");
        }
        assert_eq!(m["publicProfile"], false);
        assert!(m["erasedAt"].is_string());
        assert_eq!(m["skills"], json!([]));
        assert_eq!(m["credentials"], json!([]));
        assert_eq!(m["affiliations"], json!([]));
        assert_eq!(m["location"], json!({ "city": null, "lat": null, "lon": null }));
        let public = app
            .anon("query($id: ID!) { maker(id: $id) { id } }", json!({ "id": a.id }))
            .await;
        assert!(public["data"]["maker"].is_null(), "{public}");
        for text in ["Owusu", "Ama", "welding"] {
            let found = app
                .data(
                    "query($t: String!) { makers(text: $t) { totalCount } search(text: $t, kinds: [MAKER]) { kind } }",
                    json!({ "t": text }),
                )
                .await;
            assert_eq!(found["makers"]["totalCount"], 0, "`{text}`: {found}");
            assert_eq!(found["search"], json!([]), "`{text}`: {found}");
        }
        let everyone = app.data("{ makers(first: 100) { totalCount } }", json!({})).await;
        assert_eq!(everyone["makers"]["totalCount"], 0, "the index dropped the maker");
        let export = app
            .gql_as(Some(&a.token), "{ myPassport }", json!({}))
            .await
            .to_string();
        // (The assignment stays in it, with the facility's name: that is not about Ama.)
        for gone in ["Owusu", EMAIL, PHONE, "1991-02-03", "6.69312", "TIG", "Suame", "Welds"] {
            assert!(!export.contains(gone), "`{gone}` is still exported: {export}");
        }
        // ... and from the database row itself.
        let row = Maker::find_by_id(a.uuid).one(&app.db).await.unwrap().unwrap();
        let stored = serde_json::to_string(&row).unwrap();
        for gone in ["Ama", "Owusu", EMAIL, PHONE, "NG", "Kumasi", "Welds"] {
            assert!(!stored.contains(gone), "`{gone}` is still stored: {stored}");
        }
        assert_eq!((row.lat, row.lon, row.coarse_lat, row.coarse_lon), (None, None, None, None));
        assert_eq!(row.date_of_birth, None);
        assert_eq!(
            Credential::find()
                .filter(credential::Column::MakerId.eq(a.uuid))
                .count(&app.db)
                .await
                .unwrap(),
            0
        );
        assert_eq!(Maker::find().filter(maker::Column::ErasedAt.is_not_null()).count(&app.db).await.unwrap(), 1);

        // The audit trail forgets which steps were hers.
        let trail = AssignmentEvent::find().all(&app.db).await.unwrap();
        assert_eq!(trail.len(), 2, "both steps stay");
        assert!(trail.iter().all(|e| e.actor != "ama"), "{trail:?}");
        assert!(trail.iter().all(|e| e.note.is_none()), "{trail:?}");
        // The work stays, anonymously: same assignments, same totals.
        assert_eq!(
            AssignmentMaker::find()
                .filter(assignment_maker::Column::MakerId.eq(a.uuid))
                .count(&app.db)
                .await
                .unwrap(),
            1
        );
        assert_eq!(app.data(assignments, json!({ "j": a.job })).await, before);
        assert_eq!(app.data(SUMMARY, json!({ "p": a.programme })).await, summary);

        // A tombstone cannot be filled in again; erasing twice is harmless.
        let refill = app
            .gql(
                "mutation($id: ID!) { updateMaker(id: $id, input: { firstName: \"Ama\" }) { id } }",
                json!({ "id": a.id }),
            )
            .await;
        assert_eq!(code(&refill), "CONFLICT", "{refill}");
        let again = app.gql(erase, json!({ "id": a.id })).await;
        assert!(again.get("errors").is_none(), "{again}");
        let unknown = app
            .gql(erase, json!({ "id": Uuid::now_v7().to_string() }))
            .await;
        assert_eq!(code(&unknown), "NOT_FOUND", "{unknown}");
        app.stop().await;
    })
    .await;
}
