//! What makermatch signs can be checked by anyone: a programme that asks for it gives each
//! maker of a completed assignment an Open Badges 3.0 proof of practice signed by the
//! deployment's `did:web`; the DID document, JWKS and revocation list are served; the
//! credential verifies here (and, with Node, with Digital Bazaar's libraries), and once
//! revoked its bit in the list is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

#[path = "../clients/setup.rs"]
mod setup;

use makermatch_tests::{TestApp, TestDb, on_each_backend};
use serde_json::{Value, json};

async fn get(app: &TestApp, url: &str) -> (reqwest::StatusCode, String, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status();
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    let _ = app;
    (status, media, body)
}

/// Runs the independent verifier on `credential`; its exit code (0 verified, 1 not, 3
/// verified but revoked), or `None` when Node or its packages cannot be had.
fn independent_verdict(credential: &Value, base: &str) -> Option<i32> {
    independent_verdict_with(credential, base, &[])
}

/// `independent_verdict` with more arguments (`--presentation --challenge C`).
fn independent_verdict_with(credential: &Value, base: &str, more: &[&str]) -> Option<i32> {
    setup::node_modules("independent credential verifier (Digital Bazaar)")?;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), credential.to_string()).unwrap();
    // The server answers the verifier's fetches on this runtime's other thread.
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new("node")
            .args([
                "verify-credential.mjs",
                file.path().to_str().unwrap(),
                "--base",
                base,
            ])
            .args(more)
            .current_dir(setup::clients_dir())
            .output()
            .unwrap()
    });
    eprintln!("verifier: {}", String::from_utf8_lossy(&out.stdout).trim());
    out.status.code()
}

const STEP: &str =
    "mutation($a: ID!, $s: AssignmentStep!) { transitionAssignment(id: $a, step: $s) { status } }";
const HELD: &str = "query($id: ID!) { maker(id: $id) { credentials { id valid document verification { status method issuer reason } achievement { name alignments { targetName } issuer { identifier trusted } } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_assignment_earns_a_proof_anyone_can_verify_until_revoked() {
    on_each_backend(|t: TestDb| async move {
        let app = TestApp::spawn(&t).await;
        let info = app
            .data(
                "{ deploymentIssuer { did name didDocumentUrl jwksUrl statusListUrl } }",
                json!({}),
            )
            .await["deploymentIssuer"]
            .clone();
        let did = info["did"].as_str().unwrap().to_owned();
        let port = app.base.rsplit(':').next().unwrap();
        assert_eq!(did, format!("did:web:127.0.0.1%3A{port}"), "derived from where it listens");

        // What a verifier fetches.
        let (status, media, document) = get(&app, info["didDocumentUrl"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(media, "application/did+json");
        assert_eq!(document["id"], did.as_str());
        assert_eq!(document["assertionMethod"][0], format!("{did}#key-1"));
        let (_, _, jwks) = get(&app, info["jwksUrl"].as_str().unwrap()).await;
        assert_eq!(jwks["keys"][0]["kid"], format!("{did}#key-1"));
        assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
        assert!(jwks["keys"][0].get("d").is_none(), "never the private key: {jwks}");

        // A programme that asks for proofs of practice, a job, a maker's assignment.
        let facility = app
            .data(
                r#"mutation { createFacility(input: { name: "Suame Weld Shop", location: { country: "GH", lat: 6.7, lon: -1.62 }, processes: ["tig-welding"] }) { id } }"#,
                json!({}),
            )
            .await["createFacility"]["id"]
            .clone();
        let maker = app
            .data(
                "mutation($f: ID!) { createMaker(input: { firstName: \"Ama\", publicProfile: true, skills: [{ skill: \"TIG welding\", level: ADVANCED }], affiliations: [{ facilityId: $f, role: \"member\" }] }) { id } }",
                json!({ "f": facility }),
            )
            .await["createMaker"]["id"]
            .clone();
        let programme = app
            .data(
                r#"mutation { createProgramme(input: { name: "IMA trial", issueProofOfPractice: true }) { id issueProofOfPractice } }"#,
                json!({}),
            )
            .await["createProgramme"]
            .clone();
        assert_eq!(programme["issueProofOfPractice"], true);
        let job = app
            .data(
                "mutation($p: ID!) { createJob(input: { programmeId: $p, title: \"Welded bed frames\", quantity: 10, status: OPEN, requirements: [{ kind: SKILL, term: \"TIG welding\" }] }) { id } }",
                json!({ "p": programme["id"] }),
            )
            .await["createJob"]["id"]
            .clone();
        let assignment = app
            .data(
                "mutation($j: ID!, $f: ID!, $m: ID!) { proposeAssignment(input: { jobId: $j, facilityId: $f, quantity: 10, makerIds: [$m] }) { id } }",
                json!({ "j": job, "f": facility, "m": maker }),
            )
            .await["proposeAssignment"]["id"]
            .clone();
        for (step, status) in [
            ("ACCEPT", "ACCEPTED"),
            ("START_PRODUCTION", "IN_PRODUCTION"),
            ("DELIVER", "DELIVERED"),
        ] {
            let done = app.data(STEP, json!({ "a": assignment, "s": step })).await;
            assert_eq!(done["transitionAssignment"]["status"], status);
            let held = app.data(HELD, json!({ "id": maker })).await;
            assert_eq!(held["maker"]["credentials"], json!([]), "nothing before completion");
        }
        app.data(STEP, json!({ "a": assignment, "s": "COMPLETE" })).await;

        let held = app.data(HELD, json!({ "id": maker })).await;
        let credentials = held["maker"]["credentials"].as_array().unwrap();
        assert_eq!(credentials.len(), 1, "{held}");
        let c = &credentials[0];
        assert_eq!(c["verification"]["status"], "VERIFIED", "{c}");
        assert_eq!(c["verification"]["method"], "eddsa-rdfc-2022");
        assert_eq!(c["verification"]["issuer"], did.as_str());
        assert_eq!(c["achievement"]["name"], "Production practice: Welded bed frames");
        assert_eq!(c["achievement"]["alignments"][0]["targetName"], "TIG welding");
        assert_eq!(c["achievement"]["issuer"]["identifier"], did.as_str());
        // Verified, but the deployment's own DID is trusted only when an admin says so.
        assert_eq!(c["achievement"]["issuer"]["trusted"], false);
        assert_eq!(c["valid"], false);
        let verified = r#"{ makers(filter: { skills: ["TIG welding"], verifiedOnly: true }) { totalCount } }"#;
        assert_eq!(app.data(verified, json!({})).await["makers"]["totalCount"], 0);
        app.data(
            "mutation($d: String!) { trustIssuer(identifier: $d) { trusted } }",
            json!({ "d": did }),
        )
        .await;
        assert_eq!(app.data(verified, json!({})).await["makers"]["totalCount"], 1);

        let signed: Value = serde_json::from_str(c["document"].as_str().unwrap()).unwrap();
        assert_eq!(signed["issuer"]["id"], did.as_str());
        assert_eq!(signed["proof"]["cryptosuite"], "eddsa-rdfc-2022");
        assert_eq!(
            signed["evidence"][0]["narrative"],
            "Made 10 of 10 units of “Welded bed frames” for IMA trial; delivered and accepted."
        );
        let entry = &signed["credentialStatus"];
        assert_eq!(entry["type"], "BitstringStatusListEntry");
        assert_eq!(entry["statusListCredential"], info["statusListUrl"]);
        let (status, media, list) = get(&app, info["statusListUrl"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(media, "application/vc+ld+json");
        assert_eq!(list["issuer"], did.as_str());
        assert_eq!(list["type"][1], "BitstringStatusListCredential");
        let fresh_list = list["credentialSubject"]["encodedList"].clone();

        let independent = independent_verdict(&signed, &app.base);
        if let Some(code) = independent {
            assert_eq!(code, 0, "Digital Bazaar's verifier accepts it, not revoked");
        }

        // Revoked: GraphQL says so, the list's bit is set, a verifier sees it.
        let revoked = app
            .data(
                "mutation($id: ID!) { revokeCredential(id: $id, reason: \"units failed inspection\") { valid verification { status } } }",
                json!({ "id": c["id"] }),
            )
            .await;
        assert_eq!(revoked["revokeCredential"]["verification"]["status"], "REVOKED");
        assert_eq!(app.data(verified, json!({})).await["makers"]["totalCount"], 0);
        let (_, _, list) = get(&app, info["statusListUrl"].as_str().unwrap()).await;
        assert_ne!(list["credentialSubject"]["encodedList"], fresh_list, "the bit flipped");
        if independent.is_some() {
            assert_eq!(independent_verdict(&signed, &app.base), Some(3), "verified, but revoked");
        }
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_proof_of_practice_is_refused_by_the_independent_verifier() {
    let t = TestDb::sqlite().await;
    let app = TestApp::spawn(&t).await;
    let did = app.data("{ deploymentIssuer { did } }", json!({})).await["deploymentIssuer"]["did"]
        .as_str()
        .unwrap()
        .to_owned();
    // Signed by the deployment's key the way proofs of practice are, then edited.
    let deployment = makermatch_api::services::issuance::DeploymentIssuer::load(
        &t.config,
        makermatch_api::services::issuance::PublicUrl::parse(&app.base).unwrap(),
    )
    .unwrap();
    assert_eq!(deployment.did(), did, "the same key and address");
    let signed = deployment
        .key()
        .sign(json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": did,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": { "id": "urn:uuid:0190f5b2-0000-7000-8000-000000000001" }
        }))
        .await
        .unwrap();
    if let Some(code) = independent_verdict(&signed, &app.base) {
        assert_eq!(code, 0, "the genuine one verifies");
        let mut edited = signed.clone();
        edited["credentialSubject"]["id"] = "urn:uuid:0190f5b2-0000-7000-8000-000000000002".into();
        assert_eq!(independent_verdict(&edited, &app.base), Some(1));
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passport_leaves_as_a_presentation_and_comes_back_in_whole() {
    use makermatch_api::services::actor::Role;
    use makermatch_tests::TestIssuer;
    on_each_backend(|t: TestDb| async move {
        let a = TestApp::spawn(&t).await;
        let ama = "mutation { createMaker(input: { firstName: \"Ama\", lastName: \"Owusu\", email: \"ama@private.example\", phone: \"+233 20 000 0000\", publicProfile: true, skills: [{ skill: \"TIG welding\", level: ADVANCED }, { skill: \"Soldering\", level: NOVICE }] }) { id uuid } }";
        let created = a.data(ama, json!({})).await["createMaker"].clone();
        let maker = created["id"].as_str().unwrap().to_owned();
        let issuer = TestIssuer::new();
        issuer.trust(&a, "Weld Guild").await;
        let badge = ("https://badges.example.org/tig", "Certified TIG welder");
        let signed = issuer.award("urn:uuid:p-1", "ama@private.example", badge, "TIG welding").await;
        issuer.import(&a, &signed, &maker).await;
        let jwt = issuer.award_jwt("urn:uuid:p-2", "ama@private.example", badge, "TIG welding").await;
        a.data(
            "mutation($c: String!) { importDocument(content: $c) { rejections { reason } } }",
            json!({ "c": jwt }),
        )
        .await;

        let token = a.token_for(Role::Maker, "ama", Some(created["uuid"].as_str().unwrap().parse().unwrap()), None);
        let body = a
            .gql_as(
                Some(&token),
                "{ myPassport(format: VERIFIABLE_PRESENTATION, challenge: \"nonce-8d1f\", domain: \"verifier.example\") }",
                json!({}),
            )
            .await;
        let vp = body["data"]["myPassport"].clone();
        assert_eq!(vp["type"][0], "VerifiablePresentation", "{body}");
        // The deployment vouches for the whole, bound to the verifier's nonce and domain.
        let proof = &vp["proof"];
        assert_eq!(proof["proofPurpose"], "authentication", "{vp}");
        assert_eq!(proof["challenge"], "nonce-8d1f");
        assert_eq!(proof["domain"], "verifier.example");
        let bound = ["--presentation", "--challenge", "nonce-8d1f", "--domain", "verifier.example"];
        if let Some(code) = independent_verdict_with(&vp, &a.base, &bound) {
            assert_eq!(code, 0, "the presentation verifies independently");
            let replayed = ["--presentation", "--challenge", "another-nonce", "--domain", "verifier.example"];
            assert_eq!(
                independent_verdict_with(&vp, &a.base, &replayed),
                Some(1),
                "not for another challenge"
            );
            let mut edited = vp.clone();
            edited["holder"] = json!("urn:uuid:00000000-0000-0000-0000-000000000000");
            assert_eq!(independent_verdict_with(&edited, &a.base, &bound), Some(1), "nor edited");
        }
        // A challenge only binds a presentation.
        let plain = a
            .gql_as(Some(&token), "{ myPassport(challenge: \"x\") }", json!({}))
            .await;
        assert_eq!(plain["errors"][0]["extensions"]["field"], "challenge", "{plain}");
        let members = vp["verifiableCredential"].as_array().unwrap();
        assert_eq!(members.len(), 3, "two as received and the passport: {vp}");
        // JSON-LD originals travel enveloped, byte for byte as received.
        let enveloped = members[0]["id"].as_str().unwrap();
        let encoded = enveloped.strip_prefix("data:application/vc;base64,").expect(enveloped);
        use base64::Engine;
        let original: Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD.decode(encoded).unwrap(),
        )
        .unwrap();
        assert_eq!(members[0]["type"], "EnvelopedVerifiableCredential");
        assert_eq!(original, signed, "the original, proof and all");
        assert_eq!(members[1]["id"], format!("data:application/vc+jwt,{jwt}"));
        let passport = &members[2];
        assert_eq!(passport["type"][1], "MakerPassportCredential");
        let skills = passport["credentialSubject"]["skills"].as_array().unwrap();
        let tig = skills.iter().find(|s| s["name"] == "TIG welding").unwrap();
        assert_eq!(tig["verification"], "VERIFIED", "{tig}");
        assert_eq!(tig["verifiedBy"].as_array().unwrap().len(), 2);
        let soldering = skills.iter().find(|s| s["name"] == "Soldering").unwrap();
        assert_eq!(soldering["verification"], "SELF_DECLARED");
        let summary = passport.to_string();
        for private in ["ama@private.example", "+233 20 000 0000"] {
            assert!(!summary.contains(private), "the summary keeps {private} out: {summary}");
        }
        // Staff may ask too; the public may not.
        let staff = a
            .data("query($m: ID!) { exportPassport(makerId: $m, format: VERIFIABLE_PRESENTATION) }", json!({ "m": maker }))
            .await;
        assert_eq!(staff["exportPassport"]["type"][0], "VerifiablePresentation");
        let anonymous = a
            .anon("query($m: ID!) { exportPassport(makerId: $m, format: VERIFIABLE_PRESENTATION) }", json!({ "m": maker }))
            .await;
        assert!(anonymous["errors"].is_array(), "{anonymous}");
        // The passport credential verifies independently (did:web of this deployment).
        if let Some(code) = independent_verdict(passport, &a.base) {
            assert_eq!(code, 0, "the passport credential verifies");
        }

        // Into another deployment: both credentials come back, checked again there.
        let t2 = TestDb::sqlite().await;
        let b = TestApp::spawn(&t2).await;
        let again = b.data(ama, json!({})).await["createMaker"]["id"].as_str().unwrap().to_owned();
        issuer.trust(&b, "Weld Guild").await;
        let done = b
            .data(
                "mutation($c: String!) { importDocument(content: $c) { kinds { kind imported } rejections { reason } } }",
                json!({ "c": vp.to_string() }),
            )
            .await;
        assert_eq!(done["importDocument"]["rejections"], json!([]), "{done}");
        let held = b
            .data("query($m: ID!) { maker(id: $m) { credentials { valid verification { status method } } } }", json!({ "m": again }))
            .await;
        let methods: Vec<&str> = held["maker"]["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!(c["verification"]["status"], "VERIFIED", "{c}");
                assert_eq!(c["valid"], true);
                c["verification"]["method"].as_str().unwrap()
            })
            .collect();
        assert_eq!(methods.len(), 2, "{held}");
        assert!(methods.contains(&"eddsa-rdfc-2022") && methods.contains(&"vc-jwt:EdDSA"), "{methods:?}");
        b.stop().await;
        a.stop().await;
    })
    .await;
}
