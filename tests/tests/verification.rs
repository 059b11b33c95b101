//! Issue 22's attack, tried through the binary's GraphQL door: an admin trusts an issuer
//! by its DID; credentials naming that issuer arrive by `importDocument`. Only a credential
//! whose proof checks out, signed by that DID, verifies a skill; a forged proof, an edit
//! after signing, another key, or no proof at all does not, and none of them may change the
//! shared achievement or a credential the issuer's proof backs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use makermatch_api::services::credentials::signing::IssuerKey;
use makermatch_tests::{TestApp, TestDb, TestIssuer, on_each_backend};
use serde_json::{Value, json};

const IMPORT: &str = "mutation($content: String!) { importDocument(content: $content) { kinds { kind imported updated unchanged rejected } rejections { index field reason } } }";
const VERIFIED_WELDERS: &str =
    r#"{ makers(filter: { skills: ["TIG welding"], verifiedOnly: true }) { totalCount } }"#;
const ACHIEVEMENT: &str = "https://badges.example.org/achievements/tig";

async fn welder(app: &TestApp, first: &str, email: &str) {
    app.tig_welder(first, email).await;
}

/// An Open Badges 3.0 credential from `issuer` to the holder of `email`.
fn credential(id: &str, issuer: &str, email: &str, achievement_name: &str) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": { "id": issuer, "type": ["Profile"], "name": "Example Corp" },
        "validFrom": "2026-01-15T00:00:00Z",
        "name": achievement_name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": email,
                "identityType": "emailAddress",
                "hashed": false
            }],
            "achievement": {
                "id": ACHIEVEMENT,
                "type": ["Achievement"],
                "name": achievement_name,
                "description": "Welds stainless steel to the workshop's standard.",
                "criteria": { "narrative": "Passed a practical test." },
                "alignment": [{
                    "type": ["Alignment"],
                    "targetName": "TIG welding",
                    "targetUrl": "https://badges.example.org/skills/tig"
                }]
            }
        }
    })
}

async fn import(app: &TestApp, document: &Value) -> Value {
    let content = match document {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    app.data(IMPORT, json!({ "content": content })).await["importDocument"].clone()
}

async fn verified_welders(app: &TestApp) -> u64 {
    app.data(VERIFIED_WELDERS, json!({})).await["makers"]["totalCount"]
        .as_u64()
        .unwrap()
}

/// Each credential's verification, by the recipient's first name.
async fn verifications(app: &TestApp) -> Vec<(String, Value)> {
    let listed = app
        .data(
            "{ makers(first: 10) { nodes { firstName credentials { valid achievement { name } verification { status method reason issuer checkedAt } } } } }",
            json!({}),
        )
        .await;
    let mut out = Vec::new();
    for maker in listed["makers"]["nodes"].as_array().unwrap() {
        for c in maker["credentials"].as_array().unwrap() {
            out.push((maker["firstName"].as_str().unwrap().to_owned(), c.clone()));
        }
    }
    out
}

async fn achievement_name(app: &TestApp) -> Value {
    app.data("{ achievements { nodes { name } } }", json!({}))
        .await["achievements"]["nodes"][0]["name"]
        .clone()
}

#[tokio::test]
async fn only_a_proof_by_the_trusted_identifier_verifies_a_skill() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        welder(&app, "Ama", "ama@example.org").await;
        welder(&app, "Kofi", "kofi@example.org").await;
        let example_corp = IssuerKey::did_key(IssuerKey::generate_jwk().unwrap()).unwrap();
        let mallory = IssuerKey::did_key(IssuerKey::generate_jwk().unwrap()).unwrap();

        // Trust by name alone is refused, naming the field and the way out.
        let by_name = app
            .gql(
                r#"mutation { createIssuer(input: { name: "Example Corp", trusted: true }) { id } }"#,
                json!({}),
            )
            .await;
        assert_eq!(by_name["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{by_name}");
        assert!(by_name["errors"][0]["message"].as_str().unwrap().contains("trusted"), "{by_name}");
        let trusted = app
            .data(
                "mutation($id: String!) { trustIssuer(identifier: $id, name: \"Example Corp\") { identifier trusted name } }",
                json!({ "id": example_corp.issuer() }),
            )
            .await;
        assert_eq!(trusted["trustIssuer"]["trusted"], true);
        assert_eq!(trusted["trustIssuer"]["identifier"], example_corp.issuer());

        // A genuine credential, signed by the trusted DID: verified.
        let genuine = example_corp
            .sign(credential("urn:uuid:1", example_corp.issuer(), "ama@example.org", "Certified TIG welder"))
            .await
            .unwrap();
        let first = import(&app, &genuine).await;
        assert!(first["rejections"].as_array().unwrap().is_empty(), "{first}");
        assert_eq!(verified_welders(&app).await, 1);
        let seen = verifications(&app).await;
        let (who, ama) = &seen[0];
        assert_eq!(who, "Ama");
        assert_eq!(ama["valid"], true);
        assert_eq!(ama["verification"]["status"], "VERIFIED", "{ama}");
        assert_eq!(ama["verification"]["method"], "eddsa-rdfc-2022");
        assert_eq!(ama["verification"]["issuer"], example_corp.issuer());

        // The same credential edited after signing (the achievement renamed): its proof
        // fails, so it may change neither the stored credential nor the achievement.
        let mut tampered = genuine.clone();
        tampered["credentialSubject"]["achievement"]["name"] = "Master of every process".into();
        let edited = import(&app, &tampered).await;
        let reasons = edited["rejections"].to_string();
        assert!(reasons.contains("kept as recorded"), "{edited}");
        assert_eq!(achievement_name(&app).await, "Certified TIG welder");
        assert_eq!(verified_welders(&app).await, 1, "Ama's verified credential is kept");

        // A forged proof (the issue's `zGARBAGE`) for Kofi, renaming the achievement.
        let mut forged = genuine.clone();
        forged["id"] = "urn:uuid:2".into();
        forged["credentialSubject"]["identifier"][0]["identityHash"] = "kofi@example.org".into();
        forged["credentialSubject"]["achievement"]["name"] = "Master of every process".into();
        forged["proof"]["proofValue"] = "zGARBAGE".into();
        import(&app, &forged).await;
        // Signed properly, but by another key, naming Example Corp as the issuer.
        let impostor = mallory
            .sign(credential("urn:uuid:3", example_corp.issuer(), "kofi@example.org", "Certified TIG welder"))
            .await
            .unwrap();
        import(&app, &impostor).await;
        // Signed properly by Mallory as herself, awarding Example Corp's achievement: refused.
        let poached = mallory
            .sign(credential("urn:uuid:5", mallory.issuer(), "kofi@example.org", "Certified TIG welder"))
            .await
            .unwrap();
        let refused = import(&app, &poached).await;
        let fields: Vec<&str> = refused["rejections"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["field"].as_str())
            .collect();
        assert!(fields.contains(&"credentialSubject.achievement"), "{refused}");
        // No proof at all: self-declared.
        let unsigned = credential("urn:uuid:4", example_corp.issuer(), "kofi@example.org", "Certified TIG welder");
        import(&app, &unsigned).await;

        assert_eq!(verified_welders(&app).await, 1, "Kofi's credentials verify nothing");
        assert_eq!(achievement_name(&app).await, "Certified TIG welder");
        let kofi: Vec<Value> = verifications(&app)
            .await
            .into_iter()
            .filter(|(who, _)| who == "Kofi")
            .map(|(_, c)| c)
            .collect();
        let mut statuses: Vec<(String, String)> = kofi
            .iter()
            .map(|c| {
                assert_eq!(c["valid"], false, "{c}");
                (
                    c["verification"]["status"].as_str().unwrap().to_owned(),
                    c["verification"]["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        statuses.sort();
        assert_eq!(statuses.len(), 3, "{kofi:?}");
        assert_eq!(statuses[0].0, "INVALID");
        assert_eq!(statuses[1].0, "INVALID");
        assert!(
            statuses.iter().any(|(_, r)| r.contains(&format!("signed by {}", mallory.issuer()))),
            "the impostor's reason names who signed: {statuses:?}"
        );
        assert_eq!(statuses[2].0, "UNVERIFIED");
        assert!(statuses[2].1.contains("self-declared"), "{statuses:?}");

        // Distrusting the identifier takes the verified skill away.
        app.data(
            "mutation($id: String!) { trustIssuer(identifier: $id, trusted: false) { trusted } }",
            json!({ "id": example_corp.issuer() }),
        )
        .await;
        assert_eq!(verified_welders(&app).await, 0);
        app.stop().await;
    })
    .await;
}

/// Another issuer's site: its DID document and signed status list, counting requests.
struct IssuerSite {
    issuer: TestIssuer,
    port: u16,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    list_url: String,
    /// The list it serves, replaceable (a revocation at the issuer's end).
    list: std::sync::Arc<std::sync::Mutex<Value>>,
    site: makermatch_api::services::issuance::DeploymentIssuer,
    _keys: tempfile::TempDir,
}

async fn issuer_site(revoked: &[i64]) -> IssuerSite {
    use makermatch_api::services::issuance::{DeploymentIssuer, PublicUrl, status_list};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let config = makermatch_api::config::Config {
        data_dir: dir.path().to_owned(),
        ..Default::default()
    };
    let base = format!("http://127.0.0.1:{port}");
    let site = DeploymentIssuer::load(&config, PublicUrl::parse(&base).unwrap()).unwrap();
    let list = std::sync::Arc::new(std::sync::Mutex::new(
        status_list::list_credential(&site, revoked).await.unwrap(),
    ));
    let served = list.clone();
    let document = site.did_document().clone();
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let (h1, h2) = (hits.clone(), hits.clone());
    let router = axum::Router::new()
        .route(
            "/.well-known/did.json",
            axum::routing::get(move || async move {
                h1.fetch_add(1, Ordering::SeqCst);
                axum::Json(document)
            }),
        )
        .route(
            status_list::PATH,
            axum::routing::get(move || async move {
                h2.fetch_add(1, Ordering::SeqCst);
                axum::Json(served.lock().unwrap().clone())
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let list_url = format!("{base}{}", status_list::PATH);
    IssuerSite {
        issuer: TestIssuer::with_key(site.key().clone()),
        port,
        hits,
        list_url,
        list,
        site,
        _keys: dir,
    }
}

fn status_entry(list: &str, place: u32) -> Value {
    json!({ "credentialStatus": {
        "id": format!("{list}#{place}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": place.to_string(),
        "statusListCredential": list
    }})
}

const STATUSES: &str =
    "{ makers(first: 10) { nodes { firstName credentials { verification { status reason } } } } }";

async fn statuses(app: &TestApp) -> Vec<(String, String, String)> {
    let listed = app.data(STATUSES, json!({})).await;
    let mut out = Vec::new();
    for maker in listed["makers"]["nodes"].as_array().unwrap() {
        for c in maker["credentials"].as_array().unwrap() {
            out.push((
                maker["firstName"].as_str().unwrap().to_owned(),
                c["verification"]["status"].as_str().unwrap().to_owned(),
                c["verification"]["reason"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_web_issuers_are_fetched_and_their_status_lists_read_but_never_from_internal_addresses_unless_allowed()
 {
    let site = issuer_site(&[7]).await;
    let issuer = &site.issuer;
    assert_eq!(
        issuer.identifier(),
        format!("did:web:127.0.0.1%3A{}", site.port)
    );
    let revoked = issuer
        .award_with(
            "urn:uuid:w-7",
            "ama@example.org",
            ("https://badges.example.org/a/web", "Certified TIG welder"),
            "TIG welding",
            status_entry(&site.list_url, 7),
        )
        .await;
    let good = issuer
        .award_with(
            "urn:uuid:w-8",
            "kofi@example.org",
            ("https://badges.example.org/a/web", "Certified TIG welder"),
            "TIG welding",
            status_entry(&site.list_url, 8),
        )
        .await;

    // By default an issuer on an internal address is never contacted.
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    welder(&app, "Ama", "ama@example.org").await;
    welder(&app, "Kofi", "kofi@example.org").await;
    import(&app, &revoked).await;
    import(&app, &good).await;
    let seen = statuses(&app).await;
    assert!(
        seen.iter()
            .all(|(_, s, r)| s == "UNVERIFIED" && r.contains("internal address")),
        "{seen:?}"
    );
    assert_eq!(
        site.hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no request reached it"
    );
    app.stop().await;

    // Allowed (a closed network, the tests): fetched, checked, the revoked one told apart.
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.verification.allow_private_addresses = true;
    let app = TestApp::spawn_with(&t, config).await;
    welder(&app, "Ama", "ama@example.org").await;
    welder(&app, "Kofi", "kofi@example.org").await;
    issuer.trust(&app, "Web Issuer").await;
    import(&app, &revoked).await;
    import(&app, &good).await;
    let seen = statuses(&app).await;
    assert_eq!(seen[0].0, "Ama");
    assert_eq!(seen[0].1, "REVOKED", "{seen:?}");
    assert!(seen[0].2.contains("revoked"), "{seen:?}");
    assert_eq!(
        (seen[1].0.as_str(), seen[1].1.as_str()),
        ("Kofi", "VERIFIED"),
        "{seen:?}"
    );
    assert_eq!(verified_welders(&app).await, 1, "only Kofi's counts");
    // One DID document and one list, then the cache.
    assert_eq!(site.hits.load(std::sync::atomic::Ordering::SeqCst), 2);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_at_the_issuers_end_is_seen_when_checked_again() {
    use makermatch_api::services::credentials::recheck;
    use makermatch_api::services::issuance::status_list;
    let site = issuer_site(&[]).await;
    let good = site
        .issuer
        .award_with(
            "urn:uuid:r-8",
            "kofi@example.org",
            ("https://badges.example.org/a/r", "Certified TIG welder"),
            "TIG welding",
            status_entry(&site.list_url, 8),
        )
        .await;
    on_each_backend(|t: TestDb| {
        let (good, site) = (good.clone(), &site);
        async move {
            *site.list.lock().unwrap() = status_list::list_credential(&site.site, &[]).await.unwrap();
            let mut config = t.config.clone();
            config.verification.allow_private_addresses = true;
            config.verification.cache_secs = 0;
            let app = TestApp::spawn_with(&t, config.clone()).await;
            welder(&app, "Kofi", "kofi@example.org").await;
            site.issuer.trust(&app, "Web Issuer").await;
            import(&app, &good).await;
            assert_eq!(verified_welders(&app).await, 1);
            let id = app
                .data("{ makers(first: 1) { nodes { credentials { id verification { status } } } } }", json!({}))
                .await["makers"]["nodes"][0]["credentials"][0]["id"]
                .clone();
            // Nothing changed: checking again keeps it verified.
            let again = app
                .data("mutation($id: ID!) { verifyCredential(id: $id) { verification { status checkedAt } } }", json!({ "id": id }))
                .await;
            assert_eq!(again["verifyCredential"]["verification"]["status"], "VERIFIED");

            // The issuer revokes it; the scheduled check (run here at once) sees it.
            *site.list.lock().unwrap() = status_list::list_credential(&site.site, &[8]).await.unwrap();
            let verifier = site_verifier(&config);
            let (checked, changed) = recheck::recheck_due(&app.db, &verifier, 10).await.unwrap();
            assert_eq!((checked, changed), (0, 0), "not due before its time");
            use sea_orm::ConnectionTrait;
            app.db
                .execute_unprepared("UPDATE credentials SET recheck_after = '2000-01-01 00:00:00'")
                .await
                .unwrap();
            // Two replicas' rounds at once: the due credential is checked by one of them.
            let (first, second) = tokio::join!(
                recheck::recheck_due(&app.db, &verifier, 10),
                recheck::recheck_due(&app.db, &verifier, 10)
            );
            let (first, second) = (first.unwrap(), second.unwrap());
            assert_eq!(
                (first.0 + second.0, first.1 + second.1),
                (1, 1),
                "checked once, not once per replica: {first:?} {second:?}"
            );
            let last = makermatch_api::services::outbox::last_seq(&app.db).await.unwrap().unwrap();
            app.wait_indexed(last).await;
            assert_eq!(verified_welders(&app).await, 0, "revoked at the source");
            let now = app
                .data("mutation($id: ID!) { verifyCredential(id: $id) { valid verification { status reason } } }", json!({ "id": id }))
                .await;
            assert_eq!(now["verifyCredential"]["verification"]["status"], "REVOKED", "{now}");
            assert_eq!(now["verifyCredential"]["valid"], false);
            app.stop().await;
        }
    })
    .await;
}

/// The verifier a server with `config` uses.
fn site_verifier(
    config: &makermatch_api::config::Config,
) -> makermatch_api::services::credentials::verification::CredentialVerifier {
    makermatch_api::services::issuance::DeploymentIssuer::for_config(config, config.listen)
        .unwrap()
        .verifier(config)
        .unwrap()
}

#[tokio::test]
async fn vc_jwt_files_are_checked_line_by_line_and_kept_as_they_came() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        welder(&app, "Ama", "ama@example.org").await;
        welder(&app, "Kofi", "kofi@example.org").await;
        let issuer = TestIssuer::new();
        let mallory = TestIssuer::new();
        issuer.trust(&app, "JWT Academy").await;
        let badge = ("https://badges.example.org/a/jwt", "Certified TIG welder");
        let genuine = issuer.award_jwt("urn:uuid:j-1", "ama@example.org", badge, "TIG welding").await;
        // Another key's JWT, its payload saying it is the trusted issuer's.
        let forged = mallory.award_jwt("urn:uuid:j-2", "kofi@example.org", badge, "TIG welding").await;
        let mut parts: Vec<&str> = forged.split('.').collect();
        let payload = {
            use base64::Engine;
            let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
            claims["iss"] = issuer.identifier().into();
            claims["issuer"]["id"] = issuer.identifier().into();
            engine.encode(claims.to_string())
        };
        parts[1] = &payload;
        let forged = parts.join(".");
        let file = format!("{genuine}\n{forged}\nnot-a-jws\n");
        // A line that is not a JWS makes it no JWS file: refused whole, nothing imported.
        let refused = app
            .gql(IMPORT, json!({ "content": file }))
            .await;
        assert!(refused.get("errors").is_some(), "{refused}");
        let file = format!("{genuine}\n\n{forged}\n");
        let done = import(&app, &Value::String(file)).await;
        assert_eq!(done["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "CREDENTIAL").unwrap()["imported"], 2, "{done}");
        let held = app
            .data("{ makers(first: 10) { nodes { firstName credentials { document verification { status method reason } } } } }", json!({}))
            .await;
        let by_name = |name: &str| {
            held["makers"]["nodes"].as_array().unwrap().iter().find(|m| m["firstName"] == name).unwrap()["credentials"][0].clone()
        };
        let ama = by_name("Ama");
        assert_eq!(ama["verification"]["status"], "VERIFIED", "{ama}");
        assert_eq!(ama["verification"]["method"], "vc-jwt:EdDSA");
        assert_eq!(ama["document"], genuine.as_str(), "kept as it came");
        let kofi = by_name("Kofi");
        assert_eq!(kofi["verification"]["status"], "INVALID", "{kofi}");
        assert_eq!(verified_welders(&app).await, 1);
        app.stop().await;
    })
    .await;
}
