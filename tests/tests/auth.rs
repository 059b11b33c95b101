//! Authentication and access on the real server (DESIGN §8): forged and broken tokens are
//! refused with `UNAUTHENTICATED` and nothing runs; roles gate mutations and private
//! fields; per-caller rate limits answer 429 and recover.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use makermatch_api::config::KeyConfig;
use makermatch_api::services::actor::Role;
use makermatch_tests::{TestApp, TestDb};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation { createFacility(input: { name: "Forged Lab" }) { id } }"#;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(overrides: Value) -> Value {
    let mut c = json!({
        "sub": "mallory", "role": "admin", "iss": "makermatch", "aud": "makermatch",
        "exp": now() + 600, "nbf": now() - 10, "iat": now() - 10,
    });
    for (k, v) in overrides.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn openssl(args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .status()
        .expect("openssl");
    assert!(status.success(), "openssl {args:?}");
}

/// An RSA key pair for an "identity provider" key `idp`.
fn rsa_pair(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let private = dir.join("idp.pem");
    let public = dir.join("idp.pub.pem");
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        private.to_str().unwrap(),
    ]);
    openssl(&[
        "pkey",
        "-in",
        private.to_str().unwrap(),
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    (private, public)
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn forged_and_broken_tokens_are_refused_and_nothing_runs() {
    let t = TestDb::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let (private, public) = rsa_pair(keys.path());
    let mut config = t.config.clone();
    config.auth.keys = vec![KeyConfig {
        kid: "idp".into(),
        algorithm: "RS256".into(),
        public_key: public.clone(),
        private_key: None,
    }];
    let app = TestApp::spawn_with(&t, config).await;
    let rsa = EncodingKey::from_rsa_pem(&std::fs::read(&private).unwrap()).unwrap();
    let sign = |alg: Algorithm, kid: &str, key: &EncodingKey, c: Value| {
        let mut h = Header::new(alg);
        h.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&h, &c, key).unwrap()
    };
    // The identity provider's own token works.
    let good = sign(Algorithm::RS256, "idp", &rsa, claims(json!({})));
    let ok = app.gql_as(Some(&good), CREATE, json!({})).await;
    assert!(ok.get("errors").is_none(), "{ok}");

    let public_pem = std::fs::read(&public).unwrap();
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"idp"}"#),
        URL_SAFE_NO_PAD.encode(claims(json!({})).to_string())
    );
    let mut flipped = good.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    let forged = [
        ("alg none", none),
        (
            "HS256 signed with the RS256 public key",
            sign(
                Algorithm::HS256,
                "idp",
                &EncodingKey::from_secret(&public_pem),
                claims(json!({})),
            ),
        ),
        (
            "expired",
            sign(
                Algorithm::RS256,
                "idp",
                &rsa,
                claims(json!({ "exp": now() - 3_600 })),
            ),
        ),
        (
            "not yet valid",
            sign(
                Algorithm::RS256,
                "idp",
                &rsa,
                claims(json!({ "nbf": now() + 3_600 })),
            ),
        ),
        (
            "wrong audience",
            sign(
                Algorithm::RS256,
                "idp",
                &rsa,
                claims(json!({ "aud": "other" })),
            ),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::RS256,
                "idp",
                &rsa,
                claims(json!({ "iss": "evil" })),
            ),
        ),
        ("bad signature", flipped),
        ("truncated", good[..good.len() / 2].to_owned()),
        ("garbage", "not-a-token".to_owned()),
        (
            "unknown kid",
            sign(Algorithm::RS256, "nope", &rsa, claims(json!({}))),
        ),
        (
            "unknown role",
            sign(
                Algorithm::RS256,
                "idp",
                &rsa,
                claims(json!({ "role": "root" })),
            ),
        ),
    ];
    for (what, token) in forged {
        let response = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&token)
            .json(&json!({ "query": CREATE }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "UNAUTHENTICATED", "{what}: {body}");
        assert!(
            !body.to_string().contains(&token[..20.min(token.len())]) || token.len() < 20,
            "{what}: the token is echoed"
        );
    }
    let stats = app.anon("{ stats { facilities } }", json!({})).await;
    assert_eq!(
        stats["data"]["stats"]["facilities"], 1,
        "only the good token wrote"
    );
    app.stop().await;
}

#[tokio::test]
async fn roles_gate_mutations_and_private_fields() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let anon = app.anon(CREATE, json!({})).await;
    assert_eq!(code(&anon), "UNAUTHENTICATED");
    let maker = app.token_for(Role::Maker, "ama", Some(uuid::Uuid::now_v7()), None);
    let as_maker = app.gql_as(Some(&maker), CREATE, json!({})).await;
    assert_eq!(code(&as_maker), "FORBIDDEN");
    let created = app
        .data(
            r#"mutation { createFacility(input: { name: "Kumasi Hive", contactEmail: "hello@hive.gh" }) { id contactEmail } }"#,
            json!({}),
        )
        .await;
    assert_eq!(created["createFacility"]["contactEmail"], "hello@hive.gh");
    let public = app
        .anon("{ facilities { nodes { name contactEmail } } }", json!({}))
        .await;
    assert_eq!(
        public["data"]["facilities"]["nodes"][0]["name"],
        "Kumasi Hive"
    );
    assert!(public["data"]["facilities"]["nodes"][0]["contactEmail"].is_null());
    assert_eq!(code(&public), "FORBIDDEN");
    let me = app.data("{ me { subject role } }", json!({})).await;
    assert_eq!(me["me"]["role"], "admin");
    assert!(app.anon("{ me { role } }", json!({})).await["data"]["me"].is_null());
    app.stop().await;
}

#[tokio::test]
async fn rate_limits_answer_429_and_recover() {
    let t = TestDb::sqlite().await;
    let mut config = t.config.clone();
    config.auth.rate_limit_per_minute = 120; // one more every half second
    let app = TestApp::spawn_with(&t, config).await;
    let mut limited = None;
    for i in 0..200 {
        let r = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({ "query": "{ version }" }))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            let body: Value = r.json().await.unwrap();
            assert_eq!(code(&body), "LIMIT_EXCEEDED");
            limited = Some(i);
            break;
        }
    }
    assert!(
        limited.is_some_and(|i| i >= 100),
        "limited after {limited:?}"
    );
    // Another caller (a token) has its own allowance.
    assert!(
        app.gql("{ version }", json!({}))
            .await
            .get("errors")
            .is_none()
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let again = app.anon("{ version }", json!({})).await;
    assert!(again.get("errors").is_none(), "recovered: {again}");
    app.stop().await;
}
