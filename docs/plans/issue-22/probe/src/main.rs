//! Probe: checks that the sketches in vc-plan.md compile against ssi 0.16's sub-crates.
use std::collections::HashMap;

use did_jwk::DIDJWK;
use did_method_key::DIDKey;
use ssi_claims::data_integrity::{
    AnyDataIntegrity, CryptographicSuite, DataIntegrityDocument, ProofOptions,
    suites::EdDsaRdfc2022,
};
use ssi_claims::{SignatureEnvironment, VerificationParameters};
use ssi_dids_core::{
    DIDMethod, DIDMethodResolver, DIDResolver,
    document::representation::MediaType,
    resolution::{self, Output},
};
use ssi_json_ld::ContextLoader;
use ssi_jwk::JWK;
use ssi_verification_methods::{
    AnyMethod, Multikey, ReferenceOrOwned, ReferenceOrOwnedRef, ResolutionOptions, SingleSecretSigner,
    VerificationMethodResolutionError, VerificationMethodResolver,
};
use ssi_dids_core::VerificationMethodDIDResolver;
use std::borrow::Cow;

/// DIDs through ssi's DID methods; other (https) verification-method ids from keys we hold
/// (issuer profiles fetched by our fetcher, test-vector keys).
pub struct Resolver {
    pub dids: VerificationMethodDIDResolver<(DIDKey, DIDJWK, PrefetchedWeb), AnyMethod>,
    pub urls: HashMap<iref::IriBuf, AnyMethod>,
}

impl VerificationMethodResolver for Resolver {
    type Method = AnyMethod;

    async fn resolve_verification_method_with(
        &'_ self,
        issuer: Option<&iref::Iri>,
        method: Option<ReferenceOrOwnedRef<'_, AnyMethod>>,
        options: ResolutionOptions,
    ) -> Result<Cow<'_, AnyMethod>, VerificationMethodResolutionError> {
        match method {
            Some(ReferenceOrOwnedRef::Reference(id)) if id.scheme().as_str() != "did" => {
                self.urls.resolve_verification_method_with(issuer, method, options).await
            }
            _ => self.dids.resolve_verification_method_with(issuer, method, options).await,
        }
    }
}

pub async fn verify_with(json: &str, resolver: Resolver) -> Result<(), String> {
    let vc: AnyDataIntegrity =
        ssi_claims::data_integrity::from_json_str(json).map_err(|e| e.to_string())?;
    let params = VerificationParameters::from_resolver(resolver).with_json_ld_loader(loader());
    match vc.verify(&params).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(invalid)) => Err(invalid.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn vector_resolver() -> Resolver {
    let mut urls = HashMap::new();
    // Ed25519Signature2020 wants its own method type for the same key.
    let id = "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    let ed2020: ssi_verification_methods::Ed25519VerificationKey2020 = serde_json::from_value(serde_json::json!({
        "type": "Ed25519VerificationKey2020", "id": id, "controller": "https://vc.example/issuers/5678",
        "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    })).expect("method");
    let ed2020_resolver = std::env::var("ED2020").is_ok();
    for key in [
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP",
        "z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ",
    ] {
        let id = format!("https://vc.example/issuers/5678#{key}");
        let m: AnyMethod = serde_json::from_value(serde_json::json!({
            "type": "Multikey", "id": id, "controller": "https://vc.example/issuers/5678",
            "publicKeyMultibase": key
        })).expect("method");
        urls.insert(iref::IriBuf::new(id).expect("iri"), m);
    }
    if ed2020_resolver { urls.insert(iref::IriBuf::new(id.to_owned()).expect("iri"), AnyMethod::Ed25519VerificationKey2020(ed2020)); }
    Resolver { dids: (DIDKey, DIDJWK, PrefetchedWeb::default()).into_vm_resolver(), urls }
}

/// did:web documents our own fetcher got beforehand (and our own DID document): ssi never
/// touches the network.
#[derive(Clone, Default)]
pub struct PrefetchedWeb(pub HashMap<String, Vec<u8>>);

impl DIDMethod for PrefetchedWeb {
    const DID_METHOD_NAME: &'static str = "web";
}

impl DIDMethodResolver for PrefetchedWeb {
    async fn resolve_method_representation<'a>(
        &'a self,
        method_specific_id: &'a str,
        _options: resolution::Options,
    ) -> Result<Output<Vec<u8>>, resolution::Error> {
        match self.0.get(method_specific_id) {
            Some(doc) => Ok(Output::from_content(
                doc.clone(),
                Some(MediaType::Json.to_string()),
            )),
            None => Err(resolution::Error::NotFound),
        }
    }
}

/// Contexts bundled with the binary: ssi's static ones plus Open Badges 3.0.
pub fn loader() -> ContextLoader {
    loader_ref().clone()
}

/// Built once; `&ContextLoader` is itself a json_ld::Loader (json-ld-core `impl<L: Loader> Loader for &L`).
pub fn loader_ref() -> &'static ContextLoader {
    static LOADER: std::sync::OnceLock<ContextLoader> = std::sync::OnceLock::new();
    LOADER.get_or_init(build_loader)
}

fn build_loader() -> ContextLoader {
    let mut extra = HashMap::new();
    for v in ["3.0.1", "3.0.2", "3.0.3"] {
        extra.insert(
            format!("https://purl.imsglobal.org/spec/ob/v3p0/context-{v}.json"),
            std::fs::read_to_string(format!("/tmp/research/contexts/ob-v3p0-context-{v}.json")).expect("ctx"),
        );
    }
    ContextLoader::default()
        .with_context_map_from(extra)
        .expect("static contexts parse")
}

pub async fn verify(json: &str, web: PrefetchedWeb) -> Result<(), String> {
    let vc: AnyDataIntegrity =
        ssi_claims::data_integrity::from_json_str(json).map_err(|e| e.to_string())?;
    let resolver = (DIDKey, DIDJWK, web).into_vm_resolver::<AnyMethod>();
    let params = VerificationParameters::from_resolver(resolver).with_json_ld_loader(loader_ref());
    match vc.verify(&params).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(invalid)) => Err(invalid.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

pub async fn sign(
    unsigned: serde_json::Value,
    key: &JWK,
    vm: &str,
    web: PrefetchedWeb,
) -> Result<serde_json::Value, String> {
    let doc: DataIntegrityDocument = serde_json::from_value(unsigned).map_err(|e| e.to_string())?;
    let resolver = (DIDKey, DIDJWK, web).into_vm_resolver::<Multikey>();
    let signer = SingleSecretSigner::new(key.clone());
    let vm = iref::IriBuf::new(vm.to_owned()).map_err(|e| e.to_string())?;
    let options = ProofOptions::from_method(ReferenceOrOwned::Reference(vm));
    let env = SignatureEnvironment { json_ld_loader: loader_ref(), eip712_loader: () };
    let signed = EdDsaRdfc2022
        .sign_with(env, doc, resolver, signer, options, Default::default())
        .await
        .map_err(|e| e.to_string())?;
    serde_json::to_value(&signed).map_err(|e| e.to_string())
}

/// The issuer a Data Integrity proof is bound to (issue 22's forgery: a key that is not the issuer's).
pub async fn bound_issuer(doc: &serde_json::Value, keys: &Resolver) -> Result<String, String> {
    use serde_json::Value;
    use ssi_verification_methods::{ControllerProvider, ProofPurpose};
    let issuer = match &doc["issuer"] {
        Value::String(s) => s.clone(),
        Value::Object(o) => o.get("id").and_then(Value::as_str).ok_or("the issuer has no id")?.to_owned(),
        _ => return Err("no issuer".into()),
    };
    let proofs = match &doc["proof"] {
        Value::Array(a) => a.clone(),
        p @ Value::Object(_) => vec![p.clone()],
        _ => return Err("no proof".into()),
    };
    for p in proofs {
        let vm = p["verificationMethod"].as_str().ok_or("proof without verificationMethod")?;
        let controller = vm.split('#').next().unwrap_or(vm);
        if controller != issuer {
            return Err(format!("signed by {controller}, not by the issuer {issuer}"));
        }
        if p["proofPurpose"].as_str() != Some("assertionMethod") {
            return Err("the proof's purpose is not assertionMethod".into());
        }
        if issuer.starts_with("did:") {
            let issuer_iri = iref::Iri::new(issuer.as_str()).map_err(|e| e.to_string())?;
            let vm_iri = iref::Iri::new(vm).map_err(|e| e.to_string())?;
            let allowed = keys.dids
                .allows_verification_method(issuer_iri, vm_iri, ProofPurpose::Assertion.into())
                .await
                .map_err(|e| match e {
                    // ControllerError implements neither Display nor Debug.
                    ssi_verification_methods::ControllerError::NotFound(id) => format!("controller {id} not found"),
                    ssi_verification_methods::ControllerError::Invalid => "invalid controller document".to_owned(),
                    ssi_verification_methods::ControllerError::Unsupported(id) => format!("unsupported controller {id}"),
                    ssi_verification_methods::ControllerError::InternalError(e) => e,
                })?;
            if !allowed {
                return Err(format!("{vm} is not an assertionMethod of {issuer}"));
            }
        }
    }
    Ok(issuer)
}

fn assert_send<T: Send>(_: &T) {}

/// did:web issuer + BitstringStatusList, files for a static server (acceptance-test rehearsal).
async fn web_flow(port: u16) {
    use ssi_status::bitstring_status_list::{SizedStatusList, StatusSize, StatusPurpose, TimeToLive};
    let out = "/tmp/research/web";
    std::fs::create_dir_all(format!("{out}/.well-known")).expect("dir");
    std::fs::create_dir_all(format!("{out}/status")).expect("dir");
    let key = JWK::generate_ed25519().expect("key");
    let multibase = DIDKey::generate(&key).expect("did").method_specific_id().to_owned();
    let host = format!("127.0.0.1%3A{port}");
    let did = format!("did:web:{host}");
    let vm = format!("{did}#key-1");
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}],
        "assertionMethod": [vm], "authentication": [vm]
    });
    let doc_bytes = serde_json::to_vec_pretty(&doc).expect("doc");
    std::fs::write(format!("{out}/.well-known/did.json"), &doc_bytes).expect("write");
    let mut web = PrefetchedWeb::default();
    web.0.insert(host.clone(), doc_bytes);
    let base = format!("http://127.0.0.1:{port}");
    let list_url = format!("{base}/status/1");
    let credential = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:7a6e1c2e-0000-4000-8000-000000000042",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:maker"},
        "credentialStatus": {
            "id": format!("{list_url}#42"), "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "42", "statusListCredential": list_url
        }
    });
    let ob = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:7a6e1c2e-0000-4000-8000-0000000000ob",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": "makermatch test deployment"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Proof of practice: 40 face shields",
        "credentialSubject": {
            "id": "did:example:maker", "type": ["AchievementSubject"],
            "achievement": {
                "id": format!("{base}/achievements/face-shield-production"),
                "type": ["Achievement"], "name": "Face shield production",
                "description": "Made 40 face shields for programme X, approved by inspector Y.",
                "criteria": {"narrative": "Completed an assignment after an approved prototype."}
            }
        },
        "evidence": [{"id": format!("{base}/evidence/1"), "type": ["Evidence"], "name": "Inspection report"}]
    });
    let signed_ob = sign(ob, &key, &vm, web.clone()).await.expect("sign ob");
    std::fs::write(format!("{out}/ob3.json"), serde_json::to_string_pretty(&signed_ob).expect("j")).expect("w");
    println!("ssi verifies OB 3.0 credential: {:?}", verify(&signed_ob.to_string(), web.clone()).await);
    let signed = sign(credential, &key, &vm, web.clone()).await.expect("sign");
    std::fs::write(format!("{out}/credential.json"), serde_json::to_string_pretty(&signed).expect("j")).expect("w");
    println!("ssi verifies did:web credential: {:?}", verify(&signed.to_string(), web.clone()).await);
    let keys = || Resolver { dids: (DIDKey, DIDJWK, web.clone()).into_vm_resolver(), urls: HashMap::new() };
    println!("binding (genuine): {:?}", bound_issuer(&signed, &keys()).await);
    // The attack: the attacker signs with their own did:key a credential naming our did:web issuer.
    let mallory = JWK::generate_ed25519().expect("key");
    let mallory_did = DIDKey::generate(&mallory).expect("did");
    let mallory_vm = format!("{mallory_did}#{}", mallory_did.method_specific_id());
    let mut forged = signed.clone();
    forged.as_object_mut().expect("o").remove("proof");
    let forged = sign(forged, &mallory, &mallory_vm, web.clone()).await.expect("sign");
    println!("forged by another key: proof={:?} binding={:?}", verify(&forged.to_string(), web.clone()).await, bound_issuer(&forged, &keys()).await);
    // A key of the issuer's DID document that is not an assertionMethod.
    let mut other = signed.clone();
    other["proof"]["verificationMethod"] = serde_json::json!(format!("{did}#key-2"));
    println!("unknown key id of the issuer: binding={:?}", bound_issuer(&other, &keys()).await);
    // The passport credential: own terms under the VC 2.0 issuer-dependent vocabulary.
    let passport = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", {"@vocab": "https://www.w3.org/ns/credentials/issuer-dependent#"}],
        "id": "urn:uuid:7a6e1c2e-0000-4000-8000-00000000pass",
        "type": ["VerifiableCredential", "MakerPassportCredential"],
        "issuer": did, "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:maker", "skills": [{"name": "TIG welding", "verification": "VERIFIED", "credential": "urn:uuid:x"}]}
    });
    let passport = sign(passport, &key, &vm, web.clone()).await.expect("sign passport");
    std::fs::write(format!("{out}/passport.json"), serde_json::to_string_pretty(&passport).expect("j")).expect("w");
    println!("ssi verifies passport credential (@vocab): {:?}", verify(&passport.to_string(), web.clone()).await);
    // VC-JWT in the Open Badges 3.0 §8.2 shape: the credential is the payload, iss/jti/sub/nbf beside it.
    let mut payload = signed.clone();
    let obj = payload.as_object_mut().expect("object");
    obj.remove("proof");
    obj.insert("iss".into(), serde_json::json!(did));
    obj.insert("jti".into(), serde_json::json!("urn:uuid:7a6e1c2e-0000-4000-8000-000000000042"));
    obj.insert("sub".into(), serde_json::json!("did:example:maker"));
    obj.insert("nbf".into(), serde_json::json!(1767225600u64));
    let header = ssi_jws::Header {
        algorithm: ssi_jwk::Algorithm::EdDSA,
        key_id: Some(vm.clone()),
        type_: Some("JWT".to_owned()),
        ..Default::default()
    };
    let jwt = ssi_jws::encode_sign_custom_header(&payload.to_string(), &key, &header).expect("jwt");
    std::fs::write(format!("{out}/credential.jwt"), &jwt).expect("w");
    let mut public = serde_json::to_value(key.to_public()).expect("pub");
    public["kid"] = serde_json::json!(vm);
    public["alg"] = serde_json::json!("EdDSA");
    public["use"] = serde_json::json!("sig");
    std::fs::write(format!("{out}/.well-known/jwks.json"), serde_json::json!({"keys": [public]}).to_string()).expect("w");
    // Our side of VC-JWT: key from DID resolution (ssi), signature and claims with jsonwebtoken.
    use ssi_jwk::JWKResolver;
    let vm_resolver = (DIDKey, DIDJWK, web.clone()).into_vm_resolver::<AnyMethod>();
    let kid = jsonwebtoken::decode_header(&jwt).expect("header").kid.expect("kid");
    let jwk = vm_resolver.fetch_public_jwk(Some(&kid)).await.expect("jwk").into_owned();
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(serde_json::to_value(&jwk).expect("v")).expect("jwk");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.set_issuer(&[did.as_str()]);
    let decoded = jsonwebtoken::decode::<serde_json::Value>(&jwt, &jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("dk"), &validation);
    println!("jsonwebtoken verifies VC-JWT: {:?}", decoded.map(|d| d.claims["jti"].clone()));
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].replacen('e', "f", 1);
    let forged = parts.join(".");
    println!("forged VC-JWT: {:?}", jsonwebtoken::decode::<serde_json::Value>(&forged, &jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("dk"), &validation).map(|_| ()));
    for revoked in [false, true] {
        let mut list = SizedStatusList::new(StatusSize::DEFAULT, TimeToLive::DEFAULT);
        for _ in 0..131_072 { list.push(0).expect("push"); }
        if revoked { list.set(42, 1).expect("set"); }
        let mut subject = serde_json::to_value(list.to_credential_subject(None, StatusPurpose::Revocation)).expect("s");
        subject["id"] = serde_json::Value::String(format!("{list_url}#list"));
        let status_vc = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": list_url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": did,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": subject
        });
        let signed = sign(status_vc, &key, &vm, web.clone()).await.expect("sign list");
        let name = if revoked { "1.revoked" } else { "1.active" };
        std::fs::write(format!("{out}/status/{name}"), serde_json::to_string_pretty(&signed).expect("j")).expect("w");
    }
}

#[tokio::main]
async fn main() {
    if let Ok(n) = std::env::var("BENCH") {
        let n: usize = n.parse().expect("n");
        let text = std::fs::read_to_string("/tmp/research/testvectors/eddsa-rdfc-2022.signedDataInt.json").expect("v");
        let ob = std::fs::read_to_string("/tmp/research/web/ob3.json").ok();
        let web_doc = std::fs::read("/tmp/research/web/.well-known/did.json").ok();
        let start = std::time::Instant::now();
        for _ in 0..n { verify(&text, PrefetchedWeb::default()).await.expect("ok"); }
        let e = start.elapsed();
        println!("eddsa-rdfc-2022 vector: {n} verifications in {e:?} = {:.0}/s on one core", n as f64 / e.as_secs_f64());
        if let (Some(ob), Some(doc)) = (ob, web_doc) {
            let mut web = PrefetchedWeb::default();
            web.0.insert("127.0.0.1%3A8765".to_owned(), doc);
            let start = std::time::Instant::now();
            for _ in 0..n { verify(&ob, web.clone()).await.expect("ok"); }
            let e = start.elapsed();
            println!("OB 3.0 credential (did:web, 3.0.3 context): {n} in {e:?} = {:.0}/s on one core", n as f64 / e.as_secs_f64());
        }
        return;
    }
    if let Ok(port) = std::env::var("WEB_PORT") {
        web_flow(port.parse().expect("port")).await;
        return;
    }
    let key = JWK::generate_ed25519().expect("key");
    let did = did_method_key::DIDKey::generate(&key).expect("did");
    let vm = format!("{did}#{}", did.method_specific_id());
    let unsigned = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did.to_string(),
        "credentialSubject": {"id": "did:example:maker"}
    });
    let fut = sign(unsigned, &key, &vm, PrefetchedWeb::default());
    assert_send(&fut);
    let signed = fut.await.expect("sign");
    println!("{}", serde_json::to_string_pretty(&signed).expect("json"));
    let text = signed.to_string();
    let vfut = verify(&text, PrefetchedWeb::default());
    assert_send(&vfut);
    println!("verify: {:?}", vfut.await);
    let tampered = text.replace("did:example:maker", "did:example:mallory");
    println!("tampered: {:?}", verify(&tampered, PrefetchedWeb::default()).await);
    std::fs::write("/tmp/research/probe-signed.json", serde_json::to_string_pretty(&signed).expect("json")).expect("write");
    for f in ["eddsa-rdfc-2022.signedDataInt.json", "Ed25519Signature2020.signedEdSig.json",
              "ecdsa-rdfc-2019-p256.signedECDSAP256.json", "ecdsa-rdfc-2019-p384.signedECDSAP384.json"] {
        let text = std::fs::read_to_string(format!("/tmp/research/testvectors/{f}")).expect("vector");
        let ok = verify_with(&text, vector_resolver()).await;
        let flipped = text.replace("The School of Examples", "The School of Exampler");
        let bad = verify_with(&flipped, vector_resolver()).await;
        let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
        let pv = v["proof"]["proofValue"].as_str().expect("pv").to_owned();
        let mut chars: Vec<char> = pv.chars().collect();
        let i = chars.len() / 2; chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        v["proof"]["proofValue"] = serde_json::Value::String(chars.into_iter().collect());
        let badsig = verify_with(&v.to_string(), vector_resolver()).await;
        println!("{f}: vector={ok:?} tampered-content={bad:?} flipped-proofValue={badsig:?}");
    }
    let mut g: serde_json::Value = serde_json::from_str(&text).expect("json");
    g["proof"]["proofValue"] = serde_json::json!("zGARBAGE");
    println!("zGARBAGE: {:?}", verify(&g.to_string(), PrefetchedWeb::default()).await);
    let mut g: serde_json::Value = serde_json::from_str(&text).expect("json");
    g["proof"]["proofValue"] = serde_json::json!("not-multibase!");
    println!("non-multibase: {:?}", verify(&g.to_string(), PrefetchedWeb::default()).await);
    let mut u: serde_json::Value = serde_json::from_str(&text).expect("json");
    u["credentialSubject"]["undefinedTerm"] = serde_json::json!("x");
    println!("undefined term: {:?}", verify(&u.to_string(), PrefetchedWeb::default()).await);
    let mut c: serde_json::Value = serde_json::from_str(&text).expect("json");
    c["@context"] = serde_json::json!(["https://www.w3.org/ns/credentials/v2", "https://example.org/unknown-context.json"]);
    println!("unknown context: {:?}", verify(&c.to_string(), PrefetchedWeb::default()).await);
    let mut w: serde_json::Value = serde_json::from_str(&text).expect("json");
    w["proof"]["verificationMethod"] = serde_json::json!("did:web:unknown.example#key-1");
    println!("unresolvable did:web: {:?}", verify(&w.to_string(), PrefetchedWeb::default()).await);
    let mut n: serde_json::Value = serde_json::from_str(&text).expect("json");
    n.as_object_mut().expect("o").remove("proof");
    println!("no proof: {:?}", verify(&n.to_string(), PrefetchedWeb::default()).await);
    let mut k: serde_json::Value = serde_json::from_str(&text).expect("json");
    k["proof"]["cryptosuite"] = serde_json::json!("bbs-2099");
    println!("unknown cryptosuite: {:?}", verify(&k.to_string(), PrefetchedWeb::default()).await);
    // BitstringStatusList round trip with ssi-status.
    use ssi_status::bitstring_status_list::{SizedStatusList, StatusSize, StatusPurpose, TimeToLive, BitstringStatusList};
    let mut list = SizedStatusList::new(StatusSize::DEFAULT, TimeToLive::DEFAULT);
    for _ in 0..131_072 { list.push(0).expect("push"); }
    list.set(42, 1).expect("set");
    let subject = list.to_credential_subject(None, StatusPurpose::Revocation);
    let json = serde_json::to_value(&subject).expect("json");
    println!("encodedList length: {}", json["encodedList"].as_str().map(str::len).unwrap_or(0));
    let back: BitstringStatusList = serde_json::from_value(json).expect("back");
    let decoded = back.decode().expect("decode");
    println!("bit 42 = {:?}, bit 43 = {:?}", decoded.get(StatusSize::DEFAULT, 42), decoded.get(StatusSize::DEFAULT, 43));
}
