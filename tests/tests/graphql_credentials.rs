//! Issuers, achievements and credentials over GraphQL on the real server: a credential
//! from a trusted issuer verifies a maker's skill in `makers(filter: { verifiedOnly })`
//! as soon as `issueCredential` returns, and stops doing so on `revokeCredential` or when
//! the issuer loses trust; plus `importDocument` with good and broken documents.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::time::{Duration, Instant};

use makermatch_api::services::makers::{self, MakerInput, SkillClaimInput};
use makermatch_entities::skill_claim::SkillLevel;
use makermatch_tests::{TestApp, TestDb, TestIssuer, on_each_backend};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

const OKW_CAMEL: &str = include_str!("../fixtures/import/okw-camel.json");
const OKW_BROKEN: &str = include_str!("../fixtures/import/okw-broken.json");
const NOT_JSON: &str = include_str!("../fixtures/import/bad.json");
const PSS: &str = include_str!("../fixtures/import/pss-user-schema.json");

fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

fn error_message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or("")
}

const AMA: &str = "ama.owusu@example.org";
const KTI_BADGE: (&str, &str) = ("https://kti.example.org/badges/tig", "Certified TIG welder");

const VERIFIED_WELDERS: &str = r#"{ makers(filter: { skills: ["TIG welding"], verifiedOnly: true }) { totalCount nodes { id } } }"#;

async fn verified_welders(app: &TestApp) -> u64 {
    app.data(VERIFIED_WELDERS, json!({})).await["makers"]["totalCount"]
        .as_u64()
        .unwrap()
}

/// A public maker claiming TIG welding, written through the service (maker mutations
/// live elsewhere); waits until searches see it.
async fn welder(app: &TestApp) -> String {
    let input = MakerInput {
        first_name: Some("Ama".into()),
        last_name: Some("Owusu".into()),
        email: Some(AMA.into()),
        country: Some("GH".into()),
        city: Some("Kumasi".into()),
        lat: Some(6.69),
        lon: Some(-1.62),
        public_profile: true,
        skills: vec![SkillClaimInput {
            skill: "TIG welding".into(),
            process_id: Some("tig-welding".into()),
            level: SkillLevel::Advanced,
            years: Some(4.0),
            evidence_url: None,
        }],
        ..MakerInput::default()
    };
    let written = makers::create(&app.db, input).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = app
            .data(
                r#"{ makers(filter: { skills: ["TIG welding"] }) { totalCount } }"#,
                json!({}),
            )
            .await;
        if found["makers"]["totalCount"] == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the maker never reached the index"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    format!("{}", written.value.id)
}

const ISSUE: &str = "mutation($input: CredentialInput!) { issueCredential(input: $input) { id uuid recipientId valid revoked issuedOn expires evidenceUrl achievement { name issuer { name trusted } } } }";
const REVOKE: &str = "mutation($id: ID!, $reason: String!) { revokeCredential(id: $id, reason: $reason) { id revoked revocationReason valid } }";

#[tokio::test]
async fn trusted_credentials_verify_skills_until_revoked() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let maker = welder(&app).await;
        assert_eq!(verified_welders(&app).await, 0, "self-declared only");

        let kti = TestIssuer::new();
        let issuer = app
            .data(
                r#"mutation($id: String!) { createIssuer(input: { name: "Kumasi Technical Institute", url: "https://kti.example.org", email: "badges@kti.example.org", trusted: true, identifier: $id }) { id name url trusted identifier } }"#,
                json!({ "id": kti.identifier() }),
            )
            .await["createIssuer"]
            .clone();
        assert_eq!(issuer["trusted"], true);
        assert_eq!(issuer["identifier"], kti.identifier());
        let achievement = app
            .data(
                "mutation($input: AchievementInput!) { createAchievement(input: $input) { id name issuer { id } alignments { targetName targetUrl skill { key } process { id } } } }",
                json!({ "input": {
                    "issuerId": issuer["id"],
                    "name": "Certified TIG welder",
                    "criteria": "Passed the practical test",
                    "alignments": [
                        { "skill": "TIG welding", "targetUrl": "http://data.europa.eu/esco/skill/tig" },
                        { "process": "soudure" }
                    ]
                } }),
            )
            .await["createAchievement"]
            .clone();
        assert_eq!(achievement["issuer"]["id"], issuer["id"]);
        let alignments = achievement["alignments"].as_array().unwrap();
        assert_eq!(alignments[0]["skill"]["key"], "tig welding");
        assert_eq!(alignments[0]["process"]["id"], "tig-welding");
        assert_eq!(alignments[1]["process"]["id"], "welding");
        assert_eq!(alignments[1]["targetName"], "Welding");

        // Recorded here by an admin, even for a trusted issuer: no proof, self-declared.
        let recorded = app
            .data(
                ISSUE,
                json!({ "input": {
                    "makerId": maker,
                    "achievementId": achievement["id"],
                    "evidenceUrl": "https://kti.example.org/evidence/1"
                } }),
            )
            .await["issueCredential"]
            .clone();
        assert_eq!(recorded["valid"], false, "{recorded}");
        assert_eq!(recorded["achievement"]["issuer"]["trusted"], true);
        assert_eq!(verified_welders(&app).await, 0);

        // Signed by the trusted DID: verified as soon as the import returns.
        let signed = kti.award("urn:uuid:kti-1", AMA, KTI_BADGE, "TIG welding").await;
        let credential = json!({ "id": kti.import(&app, &signed, &maker).await });
        assert_eq!(verified_welders(&app).await, 1);
        let held = app
            .data(
                "query($id: ID!) { maker(id: $id) { credentials { id valid verification { status } } } }",
                json!({ "id": maker }),
            )
            .await;
        let held = held["maker"]["credentials"].as_array().unwrap().clone();
        assert!(
            held.iter().any(|c| c["id"] == credential["id"] && c["valid"] == true && c["verification"]["status"] == "VERIFIED"),
            "{held:?}"
        );
        let by_id = app
            .data(
                "query($id: ID!) { credential(id: $id) { recipientId recipient { name } } node(id: $id) { ... on Credential { valid achievement { name issuer { name } } } } }",
                json!({ "id": credential["id"] }),
            )
            .await;
        assert_eq!(by_id["credential"]["recipientId"], recorded["recipientId"]);
        assert_eq!(by_id["credential"]["recipient"]["name"], "Ama Owusu");
        assert_eq!(by_id["node"]["achievement"]["name"], "Certified TIG welder");
        assert_eq!(
            by_id["node"]["achievement"]["issuer"]["name"], "Kumasi Technical Institute",
            "the admin's issuer record is the one the document names"
        );

        // Revoked: no longer verified.
        let revoked = app
            .data(
                REVOKE,
                json!({ "id": credential["id"], "reason": "test result withdrawn" }),
            )
            .await["revokeCredential"]
            .clone();
        assert_eq!(revoked["revoked"], true);
        assert_eq!(revoked["revocationReason"], "test result withdrawn");
        assert_eq!(revoked["valid"], false);
        assert_eq!(verified_welders(&app).await, 0);
        let twice = app
            .gql(REVOKE, json!({ "id": credential["id"], "reason": "again" }))
            .await;
        assert_eq!(error_code(&twice), "CONFLICT", "{twice}");

        // A new credential verifies again, until the issuer loses trust; the patch keeps
        // the (unreadable) email.
        let signed = kti.award("urn:uuid:kti-2", AMA, KTI_BADGE, "TIG welding").await;
        let second = json!({ "id": kti.import(&app, &signed, &maker).await, "valid": true });
        assert_eq!(second["valid"], true);
        assert_eq!(verified_welders(&app).await, 1);
        let distrusted = app
            .data(
                "mutation($id: ID!) { updateIssuer(id: $id, input: { trusted: false, description: \"Lost accreditation\" }) { name url description trusted } }",
                json!({ "id": issuer["id"] }),
            )
            .await["updateIssuer"]
            .clone();
        assert_eq!(
            distrusted,
            json!({ "name": "Kumasi Technical Institute", "url": "https://kti.example.org", "description": "Lost accreditation", "trusted": false })
        );
        assert_eq!(verified_welders(&app).await, 0);
        let still_valid = app
            .data(
                "query($id: ID!) { credential(id: $id) { valid revoked } }",
                json!({ "id": second["id"] }),
            )
            .await;
        assert_eq!(
            still_valid["credential"],
            json!({ "valid": false, "revoked": false })
        );
        let stored = makermatch_entities::issuer::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.email.as_deref(), Some("badges@kti.example.org"));
        let retrusted = app
            .data(
                "mutation($id: ID!) { updateIssuer(id: $id, input: { trusted: true, url: null }) { url trusted } }",
                json!({ "id": issuer["id"] }),
            )
            .await;
        assert_eq!(
            retrusted["updateIssuer"],
            json!({ "url": null, "trusted": true })
        );
        assert_eq!(verified_welders(&app).await, 1);

        // Listing.
        app.data(
            r#"mutation { createIssuer(input: { name: "Accra Makers Guild" }) { id } }"#,
            json!({}),
        )
        .await;
        let listed = app
            .data(
                "query($id: ID!) { issuers { totalCount nodes { name trusted achievements { name } } } trusted: issuers(trusted: true) { totalCount } achievements(issuerId: $id) { totalCount nodes { name } } all: achievements(first: 1) { totalCount pageInfo { hasNextPage } } issuer(id: $id) { name } node(id: $id) { ... on Issuer { trusted } } }",
                json!({ "id": issuer["id"] }),
            )
            .await;
        assert_eq!(listed["issuers"]["totalCount"], 2);
        assert_eq!(listed["issuers"]["nodes"][0]["name"], "Accra Makers Guild");
        assert_eq!(
            listed["issuers"]["nodes"][1]["achievements"][0]["name"],
            "Certified TIG welder"
        );
        assert_eq!(listed["trusted"]["totalCount"], 1);
        // The one an admin made and the one the signed credentials define.
        assert_eq!(listed["achievements"]["totalCount"], 2);
        assert_eq!(listed["all"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(listed["issuer"]["name"], "Kumasi Technical Institute");
        assert_eq!(listed["node"]["trusted"], true);
        let email = app
            .gql(
                "query($id: ID!) { issuer(id: $id) { email } }",
                json!({ "id": issuer["id"] }),
            )
            .await;
        assert!(email["errors"][0]["message"].as_str().unwrap().contains("email"), "{email}");
        app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn credential_errors_name_fields_and_unknown_ids_are_not_found() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let maker = welder(&app).await;
        let issuer = app
            .data(
                r#"mutation { createIssuer(input: { name: "Untrusted Academy" }) { id trusted } }"#,
                json!({}),
            )
            .await["createIssuer"]
            .clone();
        assert_eq!(issuer["trusted"], false);
        let achievement = app
            .data(
                "mutation($id: ID!) { createAchievement(input: { issuerId: $id, name: \"Welding basics\", alignments: [{ skill: \"TIG welding\" }] }) { id } }",
                json!({ "id": issuer["id"] }),
            )
            .await["createAchievement"]["id"]
            .clone();
        // An untrusted issuer's credential is stored, but verifies nothing.
        let untrusted = app
            .data(
                ISSUE,
                json!({ "input": { "makerId": maker, "achievementId": achievement } }),
            )
            .await["issueCredential"]
            .clone();
        assert_eq!(untrusted["valid"], false);
        assert_eq!(verified_welders(&app).await, 0);
        // Expired credentials are not valid either.
        let expired = app
            .data(
                ISSUE,
                json!({ "input": { "makerId": maker, "achievementId": achievement, "issuedOn": "2020-01-01T00:00:00Z", "expires": "2021-01-01T00:00:00Z" } }),
            )
            .await["issueCredential"]
            .clone();
        assert_eq!(expired["valid"], false);
        assert_eq!(expired["expires"], "2021-01-01T00:00:00+00:00");

        let missing = uuid::Uuid::new_v4().to_string();
        let cases = [
            (
                "mutation($i: ID!) { createAchievement(input: { issuerId: $i, name: \"X\", alignments: [{ skill: \"a\", process: \"welding\" }] }) { id } }",
                json!({ "i": issuer["id"] }),
                "input.alignments[0]",
            ),
            (
                "mutation($i: ID!) { createAchievement(input: { issuerId: $i, name: \"X\", alignments: [{ targetUrl: \"http://x\" }] }) { id } }",
                json!({ "i": issuer["id"] }),
                "input.alignments[0]",
            ),
            (
                "mutation($i: ID!) { createAchievement(input: { issuerId: $i, name: \"X\", alignments: [{ process: \"basket weaving on mars\" }] }) { id } }",
                json!({ "i": issuer["id"] }),
                "input.alignments[0].process",
            ),
            (
                "mutation($i: ID!) { createAchievement(input: { issuerId: $i, name: \" \" }) { id } }",
                json!({ "i": issuer["id"] }),
                "input.name",
            ),
            (
                "mutation($i: ID!) { createAchievement(input: { issuerId: $i, name: \"X\" }) { id } }",
                json!({ "i": missing }),
                "input.issuerId",
            ),
            (
                "mutation($i: ID!) { createAchievement(input: { issuerId: $i, name: \"X\" }) { id } }",
                json!({ "i": maker }),
                "input.issuerId",
            ),
            (ISSUE, json!({ "input": { "makerId": missing, "achievementId": achievement } }), "input.makerId"),
            (ISSUE, json!({ "input": { "makerId": maker, "achievementId": missing } }), "input.achievementId"),
            (
                ISSUE,
                json!({ "input": { "makerId": maker, "achievementId": achievement, "issuedOn": "2024-01-01T00:00:00Z", "expires": "2023-01-01T00:00:00Z" } }),
                "input.expires",
            ),
            (
                r#"mutation { createIssuer(input: { name: "" }) { id } }"#,
                json!({}),
                "input.name",
            ),
            (
                "mutation($i: ID!) { updateIssuer(id: $i, input: { name: \" \" }) { id } }",
                json!({ "i": issuer["id"] }),
                "input.name",
            ),
            (REVOKE, json!({ "id": untrusted["id"], "reason": "  " }), "reason"),
        ];
        for (query, vars, field) in cases {
            let body = app.gql(query, vars.clone()).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{vars}: {body}");
            assert!(
                error_message(&body).starts_with(field),
                "`{field}` not named: {body}"
            );
        }
        for (query, vars) in [
            (REVOKE, json!({ "id": missing, "reason": "x" })),
            (
                "mutation($i: ID!) { updateIssuer(id: $i, input: { trusted: true }) { id } }",
                json!({ "i": missing }),
            ),
            (
                "query($i: ID!) { achievements(issuerId: $i) { totalCount } }",
                json!({ "i": missing }),
            ),
        ] {
            let body = app.gql(query, vars).await;
            assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        }
        let nulls = app
            .data(
                "query($i: ID!) { issuer(id: $i) { id } achievement(id: $i) { id } credential(id: $i) { id } }",
                json!({ "i": missing }),
            )
            .await;
        assert_eq!(
            nulls,
            json!({ "issuer": null, "achievement": null, "credential": null })
        );
        let stats = app.data("{ stats { issuers credentials } }", json!({})).await;
        assert_eq!(stats["stats"], json!({ "issuers": 1, "credentials": 2 }));
        app.stop().await;
    })
    .await;
}

const IMPORT: &str = "mutation($format: ImportFormat, $content: String!, $dryRun: Boolean = false) { importDocument(format: $format, content: $content, dryRun: $dryRun) { dryRun kinds { kind imported updated unchanged rejected } rejections { index line field reason } unlocatedFacilities unresolvedTerms { term count } } }";

#[tokio::test]
async fn import_document_reports_per_kind_and_reads_its_writes() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let dry = app
            .data(
                IMPORT,
                json!({ "format": "OKW", "content": OKW_CAMEL, "dryRun": true }),
            )
            .await["importDocument"]
            .clone();
        assert_eq!(dry["dryRun"], true);
        assert_eq!(dry["kinds"][0]["imported"], 2, "{dry}");
        let none = app.data("{ stats { facilities } }", json!({})).await;
        assert_eq!(none["stats"]["facilities"], 0, "a dry run writes nothing");

        let first = app
            .data(IMPORT, json!({ "format": "OKW", "content": OKW_CAMEL }))
            .await["importDocument"]
            .clone();
        assert_eq!(
            first["kinds"],
            json!([{ "kind": "FACILITY", "imported": 2, "updated": 0, "unchanged": 0, "rejected": 0 }]),
            "{first}"
        );
        assert_eq!(first["rejections"], json!([]));
        assert!(
            first["unresolvedTerms"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["term"] == "Underwater basket weaving"),
            "{first}"
        );
        // Read your writes: searchable as soon as the mutation returns.
        let found = app
            .data(
                r#"{ facilities(text: "MedLab") { totalCount nodes { name sourceId } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(found["facilities"]["totalCount"], 1, "{found}");
        assert_eq!(found["facilities"]["nodes"][0]["sourceId"], "okw-accra-medlab");

        // Again, with the format detected: nothing changes.
        let again = app
            .data(IMPORT, json!({ "content": OKW_CAMEL }))
            .await["importDocument"]
            .clone();
        assert_eq!(again["kinds"][0]["unchanged"], 2, "{again}");
        assert_eq!(again["kinds"][0]["imported"], 0);

        // A broken document: good records in, bad ones reported with where and why.
        let broken = app
            .data(IMPORT, json!({ "format": "OKW", "content": OKW_BROKEN }))
            .await["importDocument"]
            .clone();
        let counts = &broken["kinds"][0];
        assert_eq!((counts["imported"].as_u64(), counts["rejected"].as_u64()), (Some(2), Some(6)), "{broken}");
        let rejection = |i: u64| {
            broken["rejections"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["index"] == i)
                .unwrap()
                .clone()
        };
        assert_eq!(rejection(1)["line"], 3);
        assert_eq!(rejection(1)["field"], "location.gpsCoordinates");
        assert!(rejection(2)["reason"].as_str().unwrap().contains("swapped"));
        assert_eq!(rejection(3)["field"], "equipment[0].quantity");
        assert_eq!(rejection(4)["field"], "name");
        assert_eq!(rejection(5)["field"], "facilityStatus");
        let total = app.data("{ facilities { totalCount } }", json!({})).await;
        assert_eq!(total["facilities"]["totalCount"], 4);

        // Documents refused whole.
        for (vars, words) in [
            (json!({ "content": NOT_JSON }), "not valid JSON"),
            (json!({ "format": "OKW", "content": PSS }), "not okw data"),
            (json!({ "content": "  " }), "empty"),
            (json!({ "content": "[]" }), "no records"),
        ] {
            let body = app.gql(IMPORT, vars).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
            assert!(error_message(&body).starts_with("content:"), "{body}");
            assert!(error_message(&body).contains(words), "{body}");
        }
        let unknown = app
            .gql(IMPORT, json!({ "format": "CSV", "content": "x" }))
            .await;
        assert!(error_message(&unknown).contains("CSV"), "{unknown}");

        // Other formats go through the same path: a PSS maker, detected.
        let pss = app
            .data(IMPORT, json!({ "content": PSS }))
            .await["importDocument"]
            .clone();
        assert_eq!(pss["kinds"][0]["kind"], "MAKER", "{pss}");
        assert_eq!(pss["kinds"][0]["imported"], 1, "{pss}");
        app.stop().await;
    })
    .await;
}
