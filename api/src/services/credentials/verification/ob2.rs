//! Open Badges 2.0 assertions (OB 2.0 §"Verification"), which are not W3C credentials and
//! carry no embedded proof. A *hosted* assertion is verified by fetching it from its `id`:
//! the copy received must be what its issuer serves there, and that address must be one the
//! issuer vouches for. A *signed* assertion is a compact JWS whose key is a
//! `CryptographicKey` the issuer's profile lists and that names the issuer as its owner.
//! Both learn of revocation from the issuer (410 Gone or `revoked` for hosted ones, the
//! profile's `revocationList` for signed ones).

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use url::Url;

use super::fetcher::Fetcher;
use super::vc_jwt::Claimed;
use super::{Outcome, Status};

/// The id of a reference: the IRI itself, or an embedded object's `id`.
fn id_of(value: &Value) -> Option<&str> {
    value
        .as_str()
        .or_else(|| value["id"].as_str())
        .map(str::trim)
}

/// The ids one field lists, whether it holds one reference or a list of them.
fn ids_of(value: &Value) -> Vec<&str> {
    match value {
        Value::Array(items) => items.iter().filter_map(id_of).collect(),
        other => id_of(other).into_iter().collect(),
    }
}

/// An address a document is served at: only http(s) URLs can be fetched.
fn web_address(what: &str, text: &str) -> Result<Url, String> {
    Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .ok_or_else(|| format!("{what} `{text}` is not a web address it can be fetched from"))
}

/// Why a check stopped: it could not be completed (the assertion stays unverified) or it
/// found the assertion false (invalid).
enum Stop {
    CannotCheck(String),
    Invalid(String),
}

type Checked<T> = Result<T, Stop>;

async fn json_at(fetcher: &Fetcher, what: &str, url: &str) -> Checked<Value> {
    web_address(what, url).map_err(Stop::CannotCheck)?;
    let body = fetcher
        .get(url)
        .await
        .map_err(|e| Stop::CannotCheck(format!("{what} is not available: {e}")))?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| Stop::CannotCheck(format!("{what} at {url} is not JSON: {e}")))?;
    if id_of(&value) != Some(url) {
        return Err(Stop::Invalid(format!(
            "the document at {url} calls itself {}, not {url}",
            id_of(&value).unwrap_or("nothing")
        )));
    }
    Ok(value)
}

/// The issuer an assertion's badge class names, reading the badge class from its id when
/// it is not embedded.
async fn issuer_of(fetcher: &Fetcher, assertion: &Value) -> Checked<String> {
    let badge = &assertion["badge"];
    let badge = match badge {
        Value::String(url) => json_at(fetcher, "its badge class", url).await?,
        Value::Object(_) => badge.clone(),
        _ => return Err(Stop::Invalid("the assertion names no badge".to_owned())),
    };
    id_of(&badge["issuer"])
        .map(str::to_owned)
        .ok_or_else(|| Stop::Invalid("its badge class names no issuer".to_owned()))
}

/// Turns a finished check into an outcome.
fn outcome(method: &str, checked: Checked<Outcome>) -> Outcome {
    match checked {
        Ok(outcome) => outcome,
        Err(Stop::Invalid(reason)) => Outcome::new(Status::Invalid, method, reason),
        Err(Stop::CannotCheck(reason)) => Outcome::new(Status::Unverified, method, reason),
    }
}

fn revoked(method: &str, issuer: &str, reason: String) -> Outcome {
    let mut o = Outcome::new(Status::Revoked, method, reason);
    o.issuer = Some(issuer.to_owned());
    o
}

fn verified(method: &str, issuer: String, reason: String) -> Outcome {
    let mut o = Outcome::new(Status::Verified, method, reason);
    o.issuer = Some(issuer);
    o
}

pub const HOSTED: &str = "ob2-hosted";

/// A hosted assertion: fetched from its `id`, compared with the copy received, its address
/// checked against its issuer's.
pub async fn check_hosted(received: &Value, fetcher: &Fetcher) -> Outcome {
    outcome(HOSTED, hosted(received, fetcher).await)
}

async fn hosted(received: &Value, fetcher: &Fetcher) -> Checked<Outcome> {
    let id = received["id"]
        .as_str()
        .map(str::trim)
        .ok_or_else(|| Stop::CannotCheck("a hosted assertion needs its id".to_owned()))?;
    let address = web_address("its id", id).map_err(|e| {
        Stop::CannotCheck(format!(
            "{e}; a hosted assertion is checked where its issuer serves it"
        ))
    })?;
    let served = fetcher
        .get_unless_gone(id)
        .await
        .map_err(|e| Stop::CannotCheck(format!("its issuer's copy is not available: {e}")))?;
    let Some(served) = served else {
        // Gone: the issuer withdrew it. Whose issuer is unknown, so it only ever counts less.
        return Ok(Outcome::new(
            Status::Revoked,
            HOSTED,
            format!("{id} answers 410 Gone: its issuer revoked it"),
        ));
    };
    let served: Value = serde_json::from_slice(&served)
        .map_err(|e| Stop::CannotCheck(format!("the copy served at {id} is not JSON: {e}")))?;
    if served["id"].as_str().map(str::trim) != Some(id) {
        return Err(Stop::Invalid(format!(
            "the document served at {id} is another assertion"
        )));
    }
    if let Some(field) = changed_field(received, &served) {
        return Err(Stop::Invalid(format!(
            "its `{field}` is not what its issuer serves at {id}: the copy was changed"
        )));
    }
    let issuer = issuer_of(fetcher, &served).await?;
    let issuer_address = web_address("its issuer", &issuer).map_err(Stop::Invalid)?;
    if issuer_address.origin() != address.origin() {
        allowed_elsewhere(fetcher, &issuer, &address).await?;
    }
    if served["revoked"].as_bool() == Some(true) {
        let why = served["revocationReason"]
            .as_str()
            .unwrap_or("no reason given");
        return Ok(revoked(
            HOSTED,
            &issuer,
            format!("its issuer {issuer} marks it revoked ({why})"),
        ));
    }
    Ok(verified(
        HOSTED,
        issuer.clone(),
        format!("served at {id} by its issuer {issuer}"),
    ))
}

/// An assertion served away from its issuer's origin counts only where the issuer's
/// profile allows it (`verification.allowedOrigins` / `startsWith`).
async fn allowed_elsewhere(fetcher: &Fetcher, issuer: &str, address: &Url) -> Checked<()> {
    let profile = json_at(fetcher, "its issuer's profile", issuer).await?;
    let policy = &profile["verification"];
    let host = address.host_str().unwrap_or_default();
    let origins = match &policy["allowedOrigins"] {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(one) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let prefixes = match &policy["startsWith"] {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(one) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let by_origin = origins.iter().any(|o| o.eq_ignore_ascii_case(host));
    let by_prefix = prefixes.iter().any(|p| address.as_str().starts_with(p));
    let origin_ok = origins.is_empty() || by_origin;
    let prefix_ok = prefixes.is_empty() || by_prefix;
    if (by_origin || by_prefix) && origin_ok && prefix_ok {
        Ok(())
    } else {
        Err(Stop::Invalid(format!(
            "it is served at {address}, which is not where its issuer {issuer} hosts assertions"
        )))
    }
}

/// The first field in which the received copy and the served one differ, either way (a
/// field dropped from the copy, such as its expiry, counts as much as one edited). A badge
/// (or anything else the received copy embeds) is compared by its id: embedding is
/// packaging. Revocation is the issuer's to say, so its copy wins there.
fn changed_field(received: &Value, served: &Value) -> Option<String> {
    let (Value::Object(mine), Value::Object(theirs)) = (received, served) else {
        return Some("(document)".to_owned());
    };
    let names = mine
        .keys()
        .chain(theirs.keys().filter(|k| !mine.contains_key(*k)));
    for name in names {
        if name == "revoked" || name == "revocationReason" {
            continue;
        }
        let (value, theirs) = (&received[name.as_str()], &served[name.as_str()]);
        let same = value == theirs
            || (value.is_object() && id_of(value).is_some() && id_of(value) == id_of(theirs));
        if !same {
            return Some(name.clone());
        }
    }
    None
}

/// A signed assertion: a JWS whose key its issuer's profile lists and whose owner is that
/// issuer.
pub async fn check_signed(jws: &str, claimed: &Claimed, fetcher: &Fetcher) -> Outcome {
    let method = format!("ob2-jws:{}", claimed.alg);
    outcome(&method, signed(jws, claimed, fetcher, &method).await)
}

async fn signed(jws: &str, claimed: &Claimed, fetcher: &Fetcher, method: &str) -> Checked<Outcome> {
    let header = jsonwebtoken::decode_header(jws)
        .map_err(|e| Stop::CannotCheck(format!("the JWS header cannot be read: {e}")))?;
    let assertion = &claimed.credential;
    let issuer = issuer_of(fetcher, assertion).await?;
    let profile = json_at(fetcher, "its issuer's profile", &issuer).await?;
    let listed = ids_of(&profile["publicKey"]);
    let creator = match id_of(&assertion["verification"]["creator"]) {
        Some(creator) => creator.to_owned(),
        None => match listed.as_slice() {
            [only] => (*only).to_owned(),
            _ => {
                return Err(Stop::CannotCheck(format!(
                    "it names no key (verification.creator) and its issuer {issuer} lists {} keys",
                    listed.len()
                )));
            }
        },
    };
    if !listed.contains(&creator.as_str()) {
        return Err(Stop::Invalid(format!(
            "its key {creator} is not one its issuer {issuer} lists (publicKey)"
        )));
    }
    // The profile may embed the key; otherwise it is read from its id.
    let embedded = match &profile["publicKey"] {
        Value::Array(items) => items
            .iter()
            .find(|k| k.is_object() && id_of(k) == Some(creator.as_str()))
            .cloned(),
        key @ Value::Object(_) if id_of(key) == Some(creator.as_str()) => Some(key.clone()),
        _ => None,
    };
    let key = match embedded {
        Some(key) => key,
        None => json_at(fetcher, "its key", &creator).await?,
    };
    if let Some(owner) = id_of(&key["owner"])
        && owner != issuer
    {
        return Err(Stop::Invalid(format!(
            "its key {creator} belongs to {owner}, not to its issuer {issuer}"
        )));
    }
    let pem = key["publicKeyPem"]
        .as_str()
        .ok_or_else(|| Stop::CannotCheck(format!("the key {creator} has no publicKeyPem")))?;
    let decoding = match header.alg {
        Algorithm::RS256 => DecodingKey::from_rsa_pem(pem.as_bytes()),
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem.as_bytes()),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(pem.as_bytes()),
        other => {
            return Err(Stop::CannotCheck(format!(
                "the JWS algorithm {other:?} is not accepted (RS256, ES256, ES384, EdDSA are)"
            )));
        }
    }
    .map_err(|e| {
        Stop::CannotCheck(format!(
            "the key {creator} is not a {:?} key: {e}",
            header.alg
        ))
    })?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    if let Err(e) = jsonwebtoken::decode::<Value>(jws, &decoding, &validation) {
        return Err(match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                Stop::Invalid("the JWS signature fails".to_owned())
            }
            _ => Stop::CannotCheck(format!("the JWS cannot be checked: {e}")),
        });
    }
    if let Some(list) = id_of(&profile["revocationList"]) {
        let list = json_at(fetcher, "its issuer's revocation list", list).await?;
        let mine = [assertion["id"].as_str(), assertion["uid"].as_str()];
        let entry = list["revokedAssertions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| {
                let named = [id_of(r), r["uid"].as_str()];
                named
                    .iter()
                    .flatten()
                    .any(|n| mine.iter().flatten().any(|m| m == n))
            });
        if let Some(entry) = entry {
            let why = entry["revocationReason"]
                .as_str()
                .unwrap_or("no reason given");
            return Ok(revoked(
                method,
                &issuer,
                format!("its issuer {issuer} lists it as revoked ({why})"),
            ));
        }
    }
    Ok(verified(
        method,
        issuer.clone(),
        format!("signed with {creator}, a key of its issuer {issuer}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_embedded_badge_matches_the_served_reference_but_an_edit_does_not() {
        let served = json!({"id": "https://i.example/a/1", "badge": "https://i.example/b/1",
            "recipient": {"identity": "ama@example.org", "type": "email"}, "issuedOn": "2026-01-01"});
        let embedded = json!({"id": "https://i.example/a/1",
            "badge": {"id": "https://i.example/b/1", "name": "TIG"},
            "recipient": {"identity": "ama@example.org", "type": "email"}, "issuedOn": "2026-01-01"});
        assert_eq!(changed_field(&embedded, &served), None);
        let mut edited = embedded.clone();
        edited["recipient"]["identity"] = json!("mallory@example.org");
        assert_eq!(
            changed_field(&edited, &served).as_deref(),
            Some("recipient")
        );
        let mut added = embedded.clone();
        added["expires"] = json!("2099-01-01");
        assert_eq!(changed_field(&added, &served).as_deref(), Some("expires"));
        let mut served_expiring = served.clone();
        served_expiring["expires"] = json!("2026-03-01");
        assert_eq!(
            changed_field(&embedded, &served_expiring).as_deref(),
            Some("expires"),
            "dropping the expiry is a change too"
        );
    }

    #[tokio::test]
    async fn nothing_is_fetched_when_fetching_is_off() {
        let assertion = json!({"id": "https://i.example/a/1", "type": "Assertion",
            "badge": "https://i.example/b/1", "verification": {"type": "HostedBadge"}});
        let o = check_hosted(&assertion, &Fetcher::default()).await;
        assert_eq!(o.status, Status::Unverified, "{o:?}");
        assert!(o.reason.contains("turned off"), "{o:?}");
        let local = json!({"id": "urn:uuid:1", "type": "Assertion"});
        let o = check_hosted(&local, &Fetcher::default()).await;
        assert_eq!(o.status, Status::Unverified);
        assert!(o.reason.contains("web address"), "{o:?}");
    }
}
