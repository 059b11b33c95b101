//! Writes what `bench/credentials.sh` imports: N makers (a PSS file, each with an e-mail)
//! and, for each, an Open Badges 3.0 credential from one `did:key` issuer, signed
//! (`eddsa-rdfc-2022`), as a VC-JWT, and unsigned, each set in a file of its own.
//! Usage: cargo run --release -p makermatch-api --example signed_credentials -- N DIR
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's generator: fail loudly

use makermatch_api::services::credentials::signing::IssuerKey;
use serde_json::{Value, json};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let dir = std::path::PathBuf::from(args.get(2).map_or("credentials", String::as_str));
    std::fs::create_dir_all(&dir).unwrap();
    let key = IssuerKey::did_key(IssuerKey::generate_jwk().unwrap()).unwrap();
    let makers: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "username": format!("maker{i}"),
                "id": format!("bench-maker-{i}"),
                "active": true,
                "type": "maker",
                "personal": { "firstName": format!("Maker {i}"), "email": format!("maker{i}@bench.example") }
            })
        })
        .collect();
    std::fs::write(
        dir.join("makers.json"),
        serde_json::to_string(&makers).unwrap(),
    )
    .unwrap();
    let (mut signed, mut jwts, mut unsigned) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let credential = json!({
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
            ],
            "id": format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": { "id": key.issuer(), "type": ["Profile"], "name": "Bench Academy" },
            "validFrom": "2026-01-15T00:00:00Z",
            "name": "Certified TIG welder",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [{
                    "type": "IdentityObject",
                    "identityHash": format!("maker{i}@bench.example"),
                    "identityType": "emailAddress",
                    "hashed": false
                }],
                "achievement": {
                    "id": format!("https://bench.example/achievements/{}", i % 20),
                    "type": ["Achievement"],
                    "name": format!("Certified TIG welder, level {}", i % 20),
                    "description": "Welds stainless steel to the workshop's standard.",
                    "criteria": { "narrative": "Passed a practical test." },
                    "alignment": [{ "type": ["Alignment"], "targetName": "TIG welding", "targetUrl": "https://bench.example/skills/tig" }]
                }
            }
        });
        let proofed = key.sign(credential.clone()).await.unwrap();
        jwts.push(key.sign_jwt(&credential).unwrap());
        signed.push(proofed);
        unsigned.push(credential);
    }
    std::fs::write(
        dir.join("signed.json"),
        serde_json::to_string(&signed).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("unsigned.json"),
        serde_json::to_string(&unsigned).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("credentials.jwt"), jwts.join("\n")).unwrap();
    println!("{}", key.issuer());
}
