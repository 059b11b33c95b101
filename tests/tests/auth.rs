//! Authentication and access on the real server (DESIGN §8): forged and broken tokens are
//! refused with `UNAUTHENTICATED` and nothing runs; roles gate mutations and private
//! fields; per-caller rate limits answer 429 and recover.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use makermatch_api::auth::operator_token::{self, TokenRequest};
use makermatch_api::cli::{Cli, Command as CliCommand};
use makermatch_api::config::KeyConfig;
use makermatch_api::graphql::relay::{NodeType, global_id};
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
        (
            "role in capitals",
            sign(
                Algorithm::RS256,
                "idp",
                &rsa,
                claims(json!({ "role": "ADMIN" })),
            ),
        ),
        (
            "role with a trailing space",
            sign(
                Algorithm::RS256,
                "idp",
                &rsa,
                claims(json!({ "role": "admin " })),
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

/// Posts `CREATE` with `token`, which must be refused with 401 and `UNAUTHENTICATED`;
/// returns the error message.
async fn refusal(app: &TestApp, token: &str) -> String {
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .json(&json!({ "query": CREATE }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn without(mut claims: Value, names: &[&str]) -> Value {
    for name in names {
        claims.as_object_mut().unwrap().remove(*name);
    }
    claims
}

/// Tokens as identity providers issue them (Keycloak's shape here): RFC 7519 makes `nbf`
/// and `iat` optional and lets `aud` be a list; the role sits in `realm_access.roles` under
/// the provider's own names, mapped by configuration. Role names are compared exactly.
#[tokio::test]
async fn identity_provider_tokens_are_read_as_rfc_7519_allows() {
    let t = TestDb::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let (private, public) = rsa_pair(keys.path());
    let mut config = t.config.clone();
    config.auth.keys = vec![KeyConfig {
        kid: "idp".into(),
        algorithm: "RS256".into(),
        public_key: public,
        private_key: None,
    }];
    config.auth.role_claim = "realm_access.roles".into();
    config.auth.role_map = [
        ("mm-admins".to_owned(), "admin".to_owned()),
        ("mm-coordinators".to_owned(), "coordinator".to_owned()),
    ]
    .into();
    let app = TestApp::spawn_with(&t, config).await;
    let rsa = EncodingKey::from_rsa_pem(&std::fs::read(&private).unwrap()).unwrap();
    let sign = |c: Value| {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some("idp".to_owned());
        jsonwebtoken::encode(&h, &c, &rsa).unwrap()
    };
    let role_of = async |token: &str| {
        let me = app.gql_as(Some(token), "{ me { role } }", json!({})).await;
        assert!(me.get("errors").is_none(), "{me}");
        me["data"]["me"]["role"].as_str().unwrap_or("").to_owned()
    };

    // Neither `nbf` nor `iat`: accepted (and `nbf`, when present, is still checked: see
    // `forged_and_broken_tokens_are_refused_and_nothing_runs`).
    let bare = sign(without(claims(json!({})), &["nbf", "iat"]));
    assert_eq!(role_of(&bare).await, "admin");

    // `aud` as a list: accepted when it names this service, refused otherwise.
    let listed = sign(claims(json!({ "aud": ["account", "makermatch"] })));
    assert_eq!(role_of(&listed).await, "admin");
    let elsewhere = sign(claims(json!({ "aud": ["account", "other"] })));
    let why = refusal(&app, &elsewhere).await;
    assert!(why.contains("audience"), "{why}");

    // The provider's roles in a nested array, mapped: the first entry that maps wins.
    let keycloak = |roles: Value| {
        sign(without(
            claims(json!({ "realm_access": { "roles": roles } })),
            &["role", "nbf", "iat"],
        ))
    };
    let coordinator = keycloak(json!(["offline_access", "mm-coordinators", "mm-admins"]));
    assert_eq!(role_of(&coordinator).await, "coordinator");
    let created = app.gql_as(Some(&coordinator), CREATE, json!({})).await;
    assert!(created.get("errors").is_none(), "{created}");
    let unmapped = keycloak(json!(["offline_access", "MM-ADMINS", "Admin"]));
    let why = refusal(&app, &unmapped).await;
    assert!(why.contains("realm_access.roles"), "{why}");

    // Role names are exact: the error says which value was refused.
    for loose in ["ADMIN", "admin "] {
        let token = sign(claims(json!({ "role": loose })));
        let why = refusal(&app, &token).await;
        assert!(why.contains(&format!("{loose:?}")), "{loose:?}: {why}");
    }
    let stats = app.anon("{ stats { facilities } }", json!({})).await;
    assert_eq!(
        stats["data"]["stats"]["facilities"], 1,
        "only the mapped coordinator wrote"
    );
    app.stop().await;
}

/// `makermatch token --maker-id` takes the global id the API shows (as well as a UUID), and
/// warns when it had to generate a secret no server of another data dir shares.
#[tokio::test]
async fn token_command_takes_global_ids_and_warns_about_a_new_secret() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let created = app
        .data(
            "mutation($input: MakerInput!) { createMaker(input: $input) { id uuid } }",
            json!({ "input": { "firstName": "Ama", "lastName": "Owusu" } }),
        )
        .await["createMaker"]
        .clone();
    let global = created["id"].as_str().unwrap().to_owned();
    let uuid: uuid::Uuid = created["uuid"].as_str().unwrap().parse().unwrap();

    let data_dir = t.config.data_dir.to_str().unwrap().to_owned();
    let token_run = |dir: &str, maker_id: &str| {
        Cli::try_parse_from([
            "makermatch",
            "--data-dir",
            dir,
            "token",
            "--role",
            "maker",
            "--sub",
            "ama",
            "--maker-id",
            maker_id,
        ])
    };
    let mint = |cli: Cli| {
        let config = cli.load_config().unwrap();
        let CliCommand::Token {
            role,
            sub,
            ttl,
            maker_id,
            issuer_id,
        } = cli.command
        else {
            panic!("not the token command");
        };
        let request = TokenRequest {
            role,
            sub,
            ttl,
            maker_id,
            issuer_id,
        };
        operator_token::mint(&config, &request).unwrap()
    };

    for given in [global.clone(), uuid.to_string()] {
        let minted = mint(token_run(&data_dir, &given).unwrap());
        assert!(minted.warning.is_none(), "{:?}", minted.warning);
        let me = app
            .gql_as(Some(&minted.token), "{ me { role makerId } }", json!({}))
            .await;
        assert_eq!(me["data"]["me"]["role"], "maker", "{me}");
        assert_eq!(me["data"]["me"]["makerId"], global.as_str(), "{given}");
        let passport = app
            .gql_as(Some(&minted.token), "{ myPassport }", json!({}))
            .await;
        assert!(
            passport["data"]["myPassport"].to_string().contains("Owusu"),
            "{given}: {passport}"
        );
    }

    // Another type's global id is refused by the argument parser.
    let facility = global_id(NodeType::Facility, uuid);
    let err = token_run(&data_dir, facility.as_str())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--maker-id") && err.contains("Facility"),
        "{err}"
    );

    // Run from a data dir without a secret: a warning naming it, and the server refuses.
    let elsewhere = tempfile::tempdir().unwrap();
    let dir = elsewhere.path().join("data");
    let minted = mint(token_run(dir.to_str().unwrap(), &global).unwrap());
    let warning = minted.warning.unwrap_or_default();
    assert!(
        warning.contains(dir.to_str().unwrap()) && warning.contains("same data dir"),
        "{warning}"
    );
    let why = refusal(&app, &minted.token).await;
    assert!(why.contains("signature"), "{why}");
    // The secret exists now: the next run there has nothing to warn about.
    let again = mint(token_run(dir.to_str().unwrap(), &global).unwrap());
    assert!(again.warning.is_none(), "{:?}", again.warning);
    app.stop().await;
}
