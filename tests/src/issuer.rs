//! A test stand-in for an outside credential issuer.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test-only code

use crate::TestApp;

/// An outside issuer with its own `did:key`, signing Open Badges 3.0 credentials the way a
/// real one does, so tests reach "verified" only through a checked proof.
pub struct TestIssuer {
    key: makermatch_api::services::credentials::signing::IssuerKey,
}

impl Default for TestIssuer {
    fn default() -> Self {
        Self::new()
    }
}

impl TestIssuer {
    pub fn new() -> TestIssuer {
        use makermatch_api::services::credentials::signing::IssuerKey;
        let jwk = IssuerKey::generate_jwk().expect("an Ed25519 key");
        TestIssuer {
            key: IssuerKey::did_key(jwk).expect("a did:key"),
        }
    }

    /// An issuer signing with `key` (e.g. a `did:web` one served by the test).
    pub fn with_key(key: makermatch_api::services::credentials::signing::IssuerKey) -> TestIssuer {
        TestIssuer { key }
    }

    /// What its credentials name as `issuer`: what an admin trusts.
    pub fn identifier(&self) -> &str {
        self.key.issuer()
    }

    /// Trusts this issuer's identifier as an admin would (`trustIssuer`); returns the
    /// issuer's global id.
    pub async fn trust(&self, app: &TestApp, name: &str) -> String {
        let body = app
            .data(
                "mutation($id: String!, $name: String) { trustIssuer(identifier: $id, name: $name) { id } }",
                serde_json::json!({ "id": self.identifier(), "name": name }),
            )
            .await;
        body["trustIssuer"]["id"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    /// A signed credential (`id`, e.g. `urn:uuid:…`) awarding `achievement` (its IRI and
    /// name, aligned to `skill`) to the holder of `email`.
    pub async fn award(
        &self,
        id: &str,
        email: &str,
        achievement: (&str, &str),
        skill: &str,
    ) -> serde_json::Value {
        self.award_with(id, email, achievement, skill, serde_json::json!({}))
            .await
    }

    /// Like `award`, with the top-level fields of `extra` added before signing (e.g. a
    /// `credentialStatus`).
    pub async fn award_with(
        &self,
        id: &str,
        email: &str,
        achievement: (&str, &str),
        skill: &str,
        extra: serde_json::Value,
    ) -> serde_json::Value {
        let mut unsigned = serde_json::json!({
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ],
            "id": id,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": { "id": self.identifier(), "type": ["Profile"], "name": "Test issuer" },
            "validFrom": "2026-01-15T00:00:00Z",
            "name": achievement.1,
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [{
                    "type": "IdentityObject",
                    "identityHash": email,
                    "identityType": "emailAddress",
                    "hashed": false
                }],
                "achievement": {
                    "id": achievement.0,
                    "type": ["Achievement"],
                    "name": achievement.1,
                    "description": format!("Shows competence in {skill}."),
                    "criteria": { "narrative": "Passed a practical test." },
                    "alignment": [{
                        "type": ["Alignment"],
                        "targetName": skill,
                        "targetUrl": "https://badges.example.org/skills"
                    }]
                }
            }
        });
        if let (Some(fields), Some(map)) = (extra.as_object(), unsigned.as_object_mut()) {
            map.extend(fields.clone());
        }
        self.key.sign(unsigned).await.expect("signed")
    }

    /// The same credential as `award`, as a VC-JWT (Open Badges 3.0 §8.2).
    pub async fn award_jwt(
        &self,
        id: &str,
        email: &str,
        achievement: (&str, &str),
        skill: &str,
    ) -> String {
        let signed = self.award(id, email, achievement, skill).await;
        self.key.sign_jwt(&signed).expect("a JWT")
    }

    /// Imports a signed credential through `importDocument` for the maker `maker` (global
    /// id); returns the credential's global id, failing the test if anything was rejected.
    pub async fn import(&self, app: &TestApp, document: &serde_json::Value, maker: &str) -> String {
        let body = app
            .data(
                "mutation($content: String!) { importDocument(content: $content) { rejections { field reason } } }",
                serde_json::json!({ "content": document.to_string() }),
            )
            .await;
        let rejections = &body["importDocument"]["rejections"];
        assert_eq!(rejections, &serde_json::json!([]), "{body}");
        let held = app
            .data(
                "query($id: ID!) { maker(id: $id) { credentials { id sourceId } } }",
                serde_json::json!({ "id": maker }),
            )
            .await;
        held["maker"]["credentials"]
            .as_array()
            .expect("credentials")
            .iter()
            .find(|c| c["sourceId"] == document["id"])
            .and_then(|c| c["id"].as_str())
            .expect("the imported credential")
            .to_owned()
    }
}
