//! Open Badges: 2.0 Issuer (Profile), BadgeClass and Assertion documents, and 3.0
//! `OpenBadgeCredential` / `AchievementCredential` verifiable credentials. One document can
//! hold several entities (an assertion with its badge and issuer embedded); each becomes
//! its own record, issuers and achievements before the credentials that need them.

use serde_json::Value;

use super::record::{
    AchievementRecord, CredentialRecord, IssuerRecord, Parsed, Position, Recipient, Record,
    RecordKind,
};
use super::values::{self, FieldError, Obj};
use crate::services::credentials::verification::Incoming;

fn types(o: &Obj) -> Vec<String> {
    o.texts(&["type", "@type"], &[])
        .into_iter()
        .map(|t| t.rsplit([':', '/', '#']).next().unwrap_or(&t).to_owned())
        .collect()
}

pub fn looks_like(o: &Obj) -> bool {
    let t = types(o);
    let known = [
        "Issuer",
        "Profile",
        "BadgeClass",
        "Achievement",
        "Assertion",
        "OpenBadgeCredential",
        "AchievementCredential",
        "VerifiablePresentation",
    ];
    t.iter().any(|t| known.contains(&t.as_str()))
        || o.texts(&["@context"], &[])
            .iter()
            .any(|c| c.contains("openbadges") || c.contains("ob/v3"))
}

/// All records one document holds.
pub fn parse(document: &Value, at: Position) -> Vec<Parsed> {
    let mut out = Vec::new();
    let Some(o) = Obj::from(document) else {
        out.push(rejected(
            at,
            RecordKind::Credential,
            "record",
            "expected an object",
        ));
        return out;
    };
    let t = types(&o);
    let has = |name: &str| t.iter().any(|x| x == name);
    if has("OpenBadgeCredential") || has("AchievementCredential") || has("VerifiableCredential") {
        credential_v3(&o, &at, &mut out);
    } else if has("Assertion") {
        assertion(&o, &at, &mut out);
    } else if has("BadgeClass") || has("Achievement") {
        achievement(&o, &at, &mut out);
    } else if has("Issuer") || has("Profile") {
        out.push(issuer(&o, &at));
    } else {
        out.push(rejected(
            at,
            RecordKind::Credential,
            "type",
            "not an Open Badges Issuer, BadgeClass, Assertion or OpenBadgeCredential",
        ));
    }
    out
}

fn rejected(at: Position, kind: RecordKind, field: &str, reason: &str) -> Parsed {
    Parsed {
        at,
        kind,
        outcome: Err((field.to_owned(), reason.to_owned())),
        unresolved: Vec::new(),
        notes: Vec::new(),
    }
}

fn ok(at: &Position, record: Record) -> Parsed {
    Parsed {
        at: at.clone(),
        kind: record.kind(),
        outcome: Ok(record),
        unresolved: Vec::new(),
        notes: Vec::new(),
    }
}

fn id_of(o: &Obj) -> Option<String> {
    o.text(&["id", "@id"])
}

fn issuer(o: &Obj, at: &Position) -> Parsed {
    let result = (|| {
        let id =
            id_of(o).ok_or_else(|| FieldError::new("issuer.id", "an issuer needs its id (IRI)"))?;
        let name = o
            .text(&["name"])
            .ok_or_else(|| FieldError::new("issuer.name", "an issuer needs a name"))?;
        Ok::<_, FieldError>(IssuerRecord {
            source_id: id,
            vouched_by: None,
            name,
            url: o.text(&["url"]),
            email: o.text(&["email"]),
            description: o.text(&["description"]),
            public_key: o
                .obj(&["publicKey"])
                .and_then(|k| k.text(&["publicKeyPem"]))
                .or_else(|| o.text(&["publicKeyPem"])),
        })
    })();
    match result {
        Ok(r) => ok(at, Record::Issuer(r)),
        Err(e) => rejected(at.clone(), RecordKind::Issuer, &e.field, &e.reason),
    }
}

/// A reference that is either an IRI or an embedded object (pushed as its own record).
fn reference(
    v: Option<&Value>,
    at: &Position,
    out: &mut Vec<Parsed>,
    embedded: fn(&Obj, &Position, &mut Vec<Parsed>),
) -> Option<String> {
    match v {
        Some(Value::String(iri)) => Some(iri.trim().to_owned()),
        Some(v @ Value::Object(_)) => {
            let o = Obj::from(v)?;
            embedded(&o, at, out);
            id_of(&o)
        }
        _ => None,
    }
}

fn push_issuer(o: &Obj, at: &Position, out: &mut Vec<Parsed>) {
    out.push(issuer(o, at));
}

fn achievement(o: &Obj, at: &Position, out: &mut Vec<Parsed>) {
    let issuer_ref = reference(o.get(&["issuer", "creator"]), at, out, push_issuer);
    let result = (|| {
        let id = id_of(o)
            .ok_or_else(|| FieldError::new("badge.id", "a badge class needs its id (IRI)"))?;
        let name = o
            .text(&["name"])
            .ok_or_else(|| FieldError::new("badge.name", "a badge class needs a name"))?;
        let issuer_ref = issuer_ref
            .ok_or_else(|| FieldError::new("badge.issuer", "a badge class needs its issuer"))?;
        let criteria = match o.get(&["criteria"]) {
            Some(Value::Object(_)) => o
                .obj(&["criteria"])
                .and_then(|c| c.text(&["narrative", "id"])),
            Some(v) => values::text(v),
            None => None,
        };
        let image = match o.get(&["image"]) {
            Some(Value::Object(_)) => o.obj(&["image"]).and_then(|i| i.text(&["id"])),
            Some(v) => values::text(v),
            None => None,
        };
        Ok::<_, FieldError>(AchievementRecord {
            source_id: id,
            vouched_by: None,
            issuer_ref,
            name,
            description: o.text(&["description"]),
            criteria,
            image,
            alignments: o.texts(
                &["alignment", "alignments"],
                &["targetName", "targetCode", "targetUrl"],
            ),
        })
    })();
    match result {
        Ok(r) => out.push(ok(at, Record::Achievement(r))),
        Err(e) => out.push(rejected(
            at.clone(),
            RecordKind::Achievement,
            &e.field,
            &e.reason,
        )),
    }
}

fn recipient_v2(o: &Obj) -> Result<Recipient, FieldError> {
    let r = o
        .obj(&["recipient"])
        .ok_or_else(|| FieldError::new("recipient", "an assertion needs its recipient"))?;
    let identity = r
        .text(&["identity"])
        .ok_or_else(|| FieldError::new("recipient.identity", "the recipient has no identity"))?;
    let kind = r.text(&["type"]).unwrap_or_else(|| "email".to_owned());
    let hashed = r
        .get(&["hashed"])
        .and_then(|v| values::flag("recipient.hashed", v).ok().flatten())
        .unwrap_or(false);
    Ok(if hashed || identity.starts_with("sha256$") {
        Recipient::HashedEmail {
            hash: identity,
            salt: r.text(&["salt"]),
        }
    } else if kind == "email" || identity.contains('@') {
        Recipient::Email(identity.trim_start_matches("mailto:").to_owned())
    } else {
        Recipient::Other(identity)
    })
}

fn assertion(o: &Obj, at: &Position, out: &mut Vec<Parsed>) {
    let badge_ref = reference(o.get(&["badge"]), at, out, achievement);
    let result = (|| {
        let id = id_of(o)
            .ok_or_else(|| FieldError::new("assertion.id", "an assertion needs its id (IRI)"))?;
        let achievement_ref =
            badge_ref.ok_or_else(|| FieldError::new("badge", "an assertion needs its badge"))?;
        let issued_on = o
            .get(&["issuedOn"])
            .map(|v| values::timestamp("issuedOn", v))
            .transpose()?
            .flatten()
            .ok_or_else(|| FieldError::new("issuedOn", "an assertion needs its issue date"))?;
        let expires = o
            .get(&["expires"])
            .map(|v| values::timestamp("expires", v))
            .transpose()?
            .flatten();
        let revoked = o
            .get(&["revoked"])
            .map(|v| values::flag("revoked", v))
            .transpose()?
            .flatten()
            .unwrap_or(false);
        let evidence_url = match o.get(&["evidence"]) {
            Some(Value::Array(items)) => items.iter().find_map(|e| {
                values::text(e).or_else(|| Obj::from(e).and_then(|e| e.text(&["id"])))
            }),
            Some(v) => values::text(v).or_else(|| Obj::from(v).and_then(|e| e.text(&["id"]))),
            None => None,
        };
        Ok::<_, FieldError>(CredentialRecord {
            source_id: id,
            achievement_ref,
            recipient: recipient_v2(o)?,
            issued_on,
            expires,
            evidence_url,
            revoked,
            revocation_reason: o.text(&["revocationReason"]),
            document: Some(Incoming::json(Value::Object(o.0.clone()))),
            verification: None,
        })
    })();
    match result {
        Ok(r) => out.push(ok(at, Record::Credential(r))),
        Err(e) => out.push(rejected(
            at.clone(),
            RecordKind::Credential,
            &e.field,
            &e.reason,
        )),
    }
}

fn credential_v3(o: &Obj, at: &Position, out: &mut Vec<Parsed>) {
    let issuer_ref = reference(o.get(&["issuer"]), at, out, push_issuer);
    let subject = o.obj(&["credentialSubject"]);
    // The 3.0 achievement names its issuer through the credential.
    let achievement_ref = match subject.and_then(|s| s.get(&["achievement"])) {
        Some(Value::String(iri)) => Some(iri.clone()),
        Some(v @ Value::Object(_)) => {
            let mut embedded = v.clone();
            if let (Some(map), Some(issuer)) = (embedded.as_object_mut(), issuer_ref.clone()) {
                map.entry("issuer").or_insert(Value::String(issuer));
            }
            let a = Obj::from(&embedded);
            if let Some(a) = a {
                achievement(&a, at, out);
                id_of(&a)
            } else {
                None
            }
        }
        _ => None,
    };
    let result = (|| {
        let id = id_of(o).ok_or_else(|| FieldError::new("id", "a credential needs its id"))?;
        let subject = subject.ok_or_else(|| {
            FieldError::new("credentialSubject", "a credential needs its subject")
        })?;
        let achievement_ref = achievement_ref.ok_or_else(|| {
            FieldError::new(
                "credentialSubject.achievement",
                "a credential needs its achievement",
            )
        })?;
        let recipient = if let Some(ident) = subject
            .list(&["identifier"])
            .into_iter()
            .find_map(Obj::from)
        {
            let hash = ident.text(&["identityHash"]).ok_or_else(|| {
                FieldError::new("credentialSubject.identifier.identityHash", "missing")
            })?;
            let hashed = ident
                .get(&["hashed"])
                .and_then(|v| values::flag("hashed", v).ok().flatten())
                .unwrap_or(false);
            if hashed || hash.starts_with("sha256$") {
                Recipient::HashedEmail {
                    hash,
                    salt: ident.text(&["salt"]),
                }
            } else {
                Recipient::Email(hash)
            }
        } else {
            let sid = subject.text(&["id"]).ok_or_else(|| {
                FieldError::new(
                    "credentialSubject.id",
                    "the subject has no id or identifier",
                )
            })?;
            match sid.strip_prefix("mailto:") {
                Some(email) => Recipient::Email(email.to_owned()),
                None if sid.contains('@') && !sid.contains(':') => Recipient::Email(sid),
                None => Recipient::Other(sid),
            }
        };
        let issued_on = o
            .get(&["validFrom", "issuanceDate", "awardedDate"])
            .map(|v| values::timestamp("validFrom", v))
            .transpose()?
            .flatten()
            .ok_or_else(|| FieldError::new("validFrom", "a credential needs its issue date"))?;
        let expires = o
            .get(&["validUntil", "expirationDate"])
            .map(|v| values::timestamp("validUntil", v))
            .transpose()?
            .flatten();
        Ok::<_, FieldError>(CredentialRecord {
            source_id: id,
            achievement_ref,
            recipient,
            issued_on,
            expires,
            evidence_url: o
                .list(&["evidence"])
                .into_iter()
                .find_map(|e| Obj::from(e).and_then(|e| e.text(&["id"]))),
            revoked: false,
            revocation_reason: None,
            document: Some(Incoming::json(Value::Object(o.0.clone()))),
            verification: None,
        })
    })();
    match result {
        Ok(r) => out.push(ok(at, Record::Credential(r))),
        Err(e) => out.push(rejected(
            at.clone(),
            RecordKind::Credential,
            &e.field,
            &e.reason,
        )),
    }
}
