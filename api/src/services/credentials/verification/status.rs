//! Revocation of other issuers' credentials: the W3C Bitstring Status List entry a
//! credential names (`credentialStatus`), read from the issuer's signed list credential.

use serde_json::Value;
use ssi_status::bitstring_status_list::{BitstringStatusList, StatusList, StatusSize};

/// Most bytes a list may decompress to (134 million one-bit places): a list is fetched
/// compressed, and a small gzip can claim a huge bitstring.
const MAX_DECODED_BYTES: u64 = 16 << 20;

/// A place in a status list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The list credential's URL.
    pub list: String,
    pub index: usize,
    /// `revocation` or `suspension`.
    pub purpose: String,
}

/// The BitstringStatusList entries of a credential (one object or a list of them).
pub fn entries(doc: &Value) -> Result<Vec<Entry>, String> {
    let all = match &doc["credentialStatus"] {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    let mut out = Vec::new();
    for status in all {
        let kind = status["type"].as_str().unwrap_or_default();
        if kind != "BitstringStatusListEntry" {
            return Err(format!(
                "its credentialStatus is of type `{kind}`, which makermatch cannot read"
            ));
        }
        let list = status["statusListCredential"]
            .as_str()
            .ok_or("its credentialStatus names no statusListCredential")?;
        let index = match &status["statusListIndex"] {
            Value::String(s) => s.trim().parse::<usize>().ok(),
            Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
            _ => None,
        }
        .ok_or("its credentialStatus has no readable statusListIndex")?;
        out.push(Entry {
            list: list.to_owned(),
            index,
            purpose: status["statusPurpose"]
                .as_str()
                .unwrap_or("revocation")
                .to_owned(),
        });
    }
    Ok(out)
}

/// The status of `index` in a list credential: set (revoked or suspended) or not.
pub fn is_set(list_credential: &Value, purpose: &str, index: usize) -> Result<bool, String> {
    let subject = &list_credential["credentialSubject"];
    let list: BitstringStatusList = serde_json::from_value(subject.clone())
        .map_err(|e| format!("the status list cannot be read: {e}"))?;
    let listed = serde_json::to_value(list.status_purpose)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    if listed != purpose {
        return Err(format!(
            "the status list is for {listed}, the credential's entry for {purpose}"
        ));
    }
    let bytes = list
        .encoded_list
        .decode(Some(MAX_DECODED_BYTES))
        .map_err(|e| format!("the status list cannot be decoded: {e}"))?;
    let bits = StatusList::from_bytes(bytes, Default::default());
    match bits.get(StatusSize::DEFAULT, index) {
        Some(bit) => Ok(bit != 0),
        None => Err(format!("place {index} is past the end of the status list")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssi_status::bitstring_status_list::{SizedStatusList, StatusPurpose, TimeToLive};

    #[test]
    fn entries_and_bits_are_read() {
        let mut list = SizedStatusList::new(StatusSize::DEFAULT, TimeToLive::DEFAULT);
        for _ in 0..131_072 {
            list.push(0).unwrap();
        }
        list.set(42, 1).unwrap();
        let subject =
            serde_json::to_value(list.to_credential_subject(None, StatusPurpose::Revocation))
                .unwrap();
        let credential = serde_json::json!({ "credentialSubject": subject });
        assert!(is_set(&credential, "revocation", 42).unwrap());
        assert!(!is_set(&credential, "revocation", 43).unwrap());
        assert!(is_set(&credential, "suspension", 42).is_err());
        assert!(is_set(&credential, "revocation", 10_000_000).is_err());

        let doc = serde_json::json!({ "credentialStatus": {
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": "42", "statusListCredential": "https://example.org/status/1"
        }});
        assert_eq!(
            entries(&doc).unwrap(),
            vec![Entry {
                list: "https://example.org/status/1".into(),
                index: 42,
                purpose: "revocation".into()
            }]
        );
        let odd = serde_json::json!({ "credentialStatus": { "type": "RevocationList2020Status" } });
        assert!(entries(&odd).is_err());
    }
}
