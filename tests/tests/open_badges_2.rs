//! Open Badges 2.0 assertions through the binary's import door, against an issuer's own
//! site: a hosted assertion verifies only as its issuer serves it, at an address its issuer
//! vouches for; a signed one only with a key its issuer's profile lists and owns. The
//! issuer's revocations (410 Gone, `revoked`, its revocation list) are seen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};

const IMPORT: &str = "mutation($content: String!) { importDocument(content: $content) { kinds { kind imported rejected } rejections { field reason } } }";
const OB2: &str = "https://w3id.org/openbadges/v2";

/// Documents by path, which paths answer 410 Gone, and how many requests came.
#[derive(Clone, Default)]
struct Site {
    documents: Arc<Mutex<HashMap<String, Value>>>,
    gone: Arc<Mutex<Vec<String>>>,
    hits: Arc<AtomicUsize>,
}

async fn serve_document(State(site): State<Site>, Path(path): Path<String>) -> Response {
    site.hits.fetch_add(1, Ordering::SeqCst);
    if site.gone.lock().unwrap().contains(&path) {
        return (StatusCode::GONE, axum::Json(json!({"revoked": true}))).into_response();
    }
    match site.documents.lock().unwrap().get(&path) {
        Some(doc) => axum::Json(doc.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The site served on two ports (two origins): the issuer's and a stranger's.
async fn start(site: &Site) -> (String, String) {
    let mut bases = Vec::new();
    for _ in 0..2 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        bases.push(format!("http://{}", listener.local_addr().unwrap()));
        let router = axum::Router::new()
            .route("/{*path}", axum::routing::get(serve_document))
            .with_state(site.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
    }
    (bases[0].clone(), bases[1].clone())
}

fn assertion(id: &str, badge: &str, email: &str, verification: Value) -> Value {
    json!({
        "@context": OB2,
        "type": "Assertion",
        "id": id,
        "recipient": { "type": "email", "hashed": false, "identity": email },
        "badge": badge,
        "issuedOn": "2026-02-01T00:00:00Z",
        "verification": verification
    })
}

fn sign(assertion: &Value, key_pem: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        assertion,
        &key,
    )
    .unwrap()
}

async fn welder(app: &TestApp, first: &str) {
    let email = format!("{}@example.org", first.to_lowercase());
    app.tig_welder(first, &email).await;
}

/// Each holder's credential: (first name, status, method, reason).
async fn outcomes(app: &TestApp) -> Vec<(String, String, String, String)> {
    let listed = app
        .data(
            "{ makers(first: 20) { nodes { firstName credentials { verification { status method reason } } } } }",
            json!({}),
        )
        .await;
    let mut out = Vec::new();
    for maker in listed["makers"]["nodes"].as_array().unwrap() {
        for c in maker["credentials"].as_array().unwrap() {
            let v = &c["verification"];
            out.push((
                maker["firstName"].as_str().unwrap().to_owned(),
                v["status"].as_str().unwrap().to_owned(),
                v["method"].as_str().unwrap_or_default().to_owned(),
                v["reason"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_and_signed_assertions_verify_only_as_their_issuer_serves_and_signs_them() {
    let site = Site::default();
    let (base, stranger) = start(&site).await;
    let issuer = format!("{base}/issuer");
    let key = format!("{base}/keys/1");
    let badge = format!("{base}/badges/tig");
    let public_pem = include_str!("../fixtures/ob2/issuer-rsa.pub.pem");
    let private_pem = include_str!("../fixtures/ob2/issuer-rsa.pem");
    let mallory_pem = include_str!("../fixtures/ob2/mallory-rsa.pem");
    let hosted = json!({ "type": "HostedBadge" });
    let signed = json!({ "type": "SignedBadge", "creator": key });
    {
        let mut docs = site.documents.lock().unwrap();
        docs.insert(
            "issuer".into(),
            json!({
                "@context": OB2, "type": "Issuer", "id": issuer, "name": "Tema Welding Guild",
                "url": base, "email": "badges@tema-guild.example",
                "publicKey": key, "revocationList": format!("{base}/revocations")
            }),
        );
        docs.insert(
            "keys/1".into(),
            json!({
                "@context": OB2, "type": "CryptographicKey", "id": key, "owner": issuer,
                "publicKeyPem": public_pem
            }),
        );
        docs.insert("badges/tig".into(), json!({
            "@context": OB2, "type": "BadgeClass", "id": badge, "name": "Certified TIG welder",
            "description": "Welds stainless steel to the guild's standard.",
            "criteria": { "narrative": "Passed a practical test." }, "issuer": issuer,
            "alignment": [{ "targetName": "TIG welding", "targetUrl": "https://badges.example.org/skills/tig" }]
        }));
        docs.insert("revocations".into(), json!({
            "@context": OB2, "type": "RevocationList", "id": format!("{base}/revocations"),
            "issuer": issuer,
            "revokedAssertions": [{ "id": "urn:uuid:ob2-abena", "revocationReason": "issued in error" }]
        }));
        for who in ["ama", "kofi", "yaw"] {
            let mut a = assertion(
                &format!("{base}/assertions/{who}"),
                &badge,
                &format!("{who}@example.org"),
                hosted.clone(),
            );
            match who {
                "kofi" => {
                    a["revoked"] = json!(true);
                    a["revocationReason"] = json!("left the guild");
                }
                "yaw" => a["expires"] = json!("2026-03-01T00:00:00Z"),
                _ => {}
            }
            docs.insert(format!("assertions/{who}"), a);
        }
        // The guild awarded this one to someone else.
        docs.insert(
            "assertions/nana".into(),
            assertion(
                &format!("{base}/assertions/nana"),
                &badge,
                "someone@example.org",
                hosted.clone(),
            ),
        );
        // Served by a stranger's origin, naming the guild's badge: not the guild's word.
        docs.insert(
            "assertions/esi".into(),
            assertion(
                &format!("{stranger}/assertions/esi"),
                &badge,
                "esi@example.org",
                hosted.clone(),
            ),
        );
        docs.insert("assertions/kwame".into(), Value::Null);
    }
    site.gone.lock().unwrap().push("assertions/kwame".into());

    let ama = assertion(
        &format!("{base}/assertions/ama"),
        &badge,
        "ama@example.org",
        hosted.clone(),
    );
    let kofi = assertion(
        &format!("{base}/assertions/kofi"),
        &badge,
        "kofi@example.org",
        hosted.clone(),
    );
    // Yaw drops the expiry from his copy; Nana puts her address on someone else's.
    let yaw = assertion(
        &format!("{base}/assertions/yaw"),
        &badge,
        "yaw@example.org",
        hosted.clone(),
    );
    let nana = assertion(
        &format!("{base}/assertions/nana"),
        &badge,
        "nana@example.org",
        hosted.clone(),
    );
    let esi = assertion(
        &format!("{stranger}/assertions/esi"),
        &badge,
        "esi@example.org",
        hosted.clone(),
    );
    let kwame = assertion(
        &format!("{base}/assertions/kwame"),
        &badge,
        "kwame@example.org",
        hosted.clone(),
    );
    let efua = sign(
        &assertion(
            "urn:uuid:ob2-efua",
            &badge,
            "efua@example.org",
            signed.clone(),
        ),
        private_pem,
    );
    let abena = sign(
        &assertion(
            "urn:uuid:ob2-abena",
            &badge,
            "abena@example.org",
            signed.clone(),
        ),
        private_pem,
    );
    let mallory = sign(
        &assertion(
            "urn:uuid:ob2-mallory",
            &badge,
            "mallory@example.org",
            signed.clone(),
        ),
        mallory_pem,
    );
    // A key the guild never listed, though it claims the guild as owner.
    site.documents.lock().unwrap().insert("keys/2".into(), json!({
        "@context": OB2, "type": "CryptographicKey", "id": format!("{base}/keys/2"), "owner": issuer,
        "publicKeyPem": include_str!("../fixtures/ob2/mallory-rsa.pub.pem")
    }));
    let unlisted = sign(
        &assertion(
            "urn:uuid:ob2-akua",
            &badge,
            "akua@example.org",
            json!({ "type": "SignedBadge", "creator": format!("{base}/keys/2") }),
        ),
        mallory_pem,
    );

    on_each_backend(|t: TestDb| {
        // The guild's profile and badge class first, as a data steward would load them.
        let profile = site.documents.lock().unwrap()["issuer"].to_string();
        let badge_class = site.documents.lock().unwrap()["badges/tig"].to_string();
        let documents = [&ama, &kofi, &yaw, &nana, &esi, &kwame].map(|d| d.to_string());
        let tokens = [&efua, &abena, &mallory, &unlisted].map(|t| t.to_string());
        let issuer = issuer.clone();
        async move {
            let mut config = t.config.clone();
            config.verification.allow_private_addresses = true;
            let app = TestApp::spawn_with(&t, config).await;
            for who in ["Ama", "Kofi", "Yaw", "Nana", "Esi", "Kwame", "Efua", "Abena", "Mallory", "Akua"] {
                welder(&app, who).await;
            }
            app.data(
                "mutation($id: String!) { trustIssuer(identifier: $id, name: \"Tema Welding Guild\") { id } }",
                json!({ "id": issuer }),
            )
            .await;
            let loaded = [profile, badge_class];
            for content in loaded.iter().chain(&documents).chain([tokens.join("\n")].iter()) {
                let done = app.data(IMPORT, json!({ "content": content })).await;
                assert!(
                    done["importDocument"]["rejections"].as_array().unwrap().is_empty(),
                    "{done}"
                );
            }
            let seen = outcomes(&app).await;
            let by_name: HashMap<&str, (&str, &str, &str)> = seen
                .iter()
                .map(|(n, s, m, r)| (n.as_str(), (s.as_str(), m.as_str(), r.as_str())))
                .collect();
            assert_eq!(by_name.len(), 10, "{seen:#?}");
            assert_eq!(by_name["Ama"].0, "VERIFIED", "{seen:#?}");
            assert_eq!(by_name["Ama"].1, "ob2-hosted");
            assert_eq!(by_name["Efua"].0, "VERIFIED", "{seen:#?}");
            assert_eq!(by_name["Efua"].1, "ob2-jws:RS256");
            assert_eq!(by_name["Kofi"].0, "REVOKED", "{seen:#?}");
            assert!(by_name["Kofi"].2.contains("left the guild"), "{seen:#?}");
            assert_eq!(by_name["Kwame"].0, "REVOKED", "{seen:#?}");
            assert!(by_name["Kwame"].2.contains("410"), "{seen:#?}");
            assert_eq!(by_name["Abena"].0, "REVOKED", "{seen:#?}");
            assert!(by_name["Abena"].2.contains("issued in error"), "{seen:#?}");
            assert_eq!(by_name["Yaw"].0, "INVALID", "{seen:#?}");
            assert!(by_name["Yaw"].2.contains("`expires`"), "{seen:#?}");
            assert_eq!(by_name["Nana"].0, "INVALID", "{seen:#?}");
            assert!(by_name["Nana"].2.contains("`recipient`"), "{seen:#?}");
            assert_eq!(by_name["Esi"].0, "INVALID", "{seen:#?}");
            assert!(by_name["Esi"].2.contains("not where its issuer"), "{seen:#?}");
            assert_eq!(by_name["Mallory"].0, "INVALID", "{seen:#?}");
            assert!(by_name["Mallory"].2.contains("signature"), "{seen:#?}");
            assert_eq!(by_name["Akua"].0, "INVALID", "{seen:#?}");
            assert!(by_name["Akua"].2.contains("not one its issuer"), "{seen:#?}");

            let verified = app
                .data(
                    r#"{ makers(filter: { skills: ["TIG welding"], verifiedOnly: true }) { nodes { firstName } } }"#,
                    json!({}),
                )
                .await;
            let mut names: Vec<&str> = verified["makers"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["firstName"].as_str().unwrap())
                .collect();
            names.sort();
            assert_eq!(names, ["Ama", "Efua"], "only the guild's own, unrevoked word counts");
            app.stop().await;
        }
    })
    .await;
}

#[tokio::test]
async fn assertions_on_internal_addresses_are_never_fetched_by_default() {
    let site = Site::default();
    let (base, _) = start(&site).await;
    let secure = base.replace("http://", "https://");
    on_each_backend(|t: TestDb| {
        let (base, secure) = (base.clone(), secure.clone());
        async move {
            let app = TestApp::spawn(&t).await;
            for (who, at) in [("Ama", &base), ("Kofi", &secure)] {
                welder(&app, who).await;
                let mut hosted = assertion(
                    &format!("{at}/assertions/{who}"),
                    "",
                    &format!("{}@example.org", who.to_lowercase()),
                    json!({ "type": "HostedBadge" }),
                );
                // Badge class and issuer embedded: the assertion imports on its own.
                hosted["badge"] = json!({
                    "type": "BadgeClass", "id": format!("{at}/badges/tig"), "name": "Certified TIG welder",
                    "issuer": { "type": "Issuer", "id": format!("{at}/issuer"), "name": "Tema Welding Guild" }
                });
                let done = app.data(IMPORT, json!({ "content": hosted.to_string() })).await;
                assert!(done["importDocument"]["rejections"].as_array().unwrap().is_empty(), "{done}");
            }
            let seen = outcomes(&app).await;
            assert_eq!(seen.len(), 2, "{seen:?}");
            assert!(seen.iter().all(|s| s.1 == "UNVERIFIED"), "{seen:?}");
            assert!(seen[0].3.contains("only https"), "plain http: {seen:?}");
            assert!(seen[1].3.contains("internal address"), "loopback: {seen:?}");
            app.stop().await;
        }
    })
    .await;
    assert_eq!(site.hits.load(Ordering::SeqCst), 0, "no request reached it");
}
