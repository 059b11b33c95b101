//! Where a record exported by makermatch came from, read back on import: the key
//! `x-makermatch` of an OKW or PSS record (`{ "id", "source", "sourceId" }`). With it an
//! export imports into the same records it was made from (or, into a fresh data dir, into
//! records that a later import of the original file updates rather than duplicates).

use serde_json::Value;
use uuid::Uuid;

use super::values::{FieldError, Obj};
use crate::services::makers::NATIVE_SOURCE;

/// The key exports write provenance under.
pub const KEY: &str = "x-makermatch";

/// The sources a record may claim: what makermatch's importers and writers record.
const KNOWN_SOURCES: &[&str] = &[
    super::okw::SOURCE,
    super::iopa_map::SOURCE,
    super::pss::SOURCE,
    super::okh::SOURCE,
    crate::demo::DEMO_SOURCE,
    NATIVE_SOURCE,
];

/// Longest source id kept (the ids of real OKW and PSS files are far shorter).
const MAX_SOURCE_ID: usize = 512;

#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// The record's id in the deployment that exported it.
    pub id: Option<Uuid>,
    pub source: String,
    /// Absent for records written through the API (source `makermatch`): those are known
    /// by `id`.
    pub source_id: Option<String>,
    /// Written by a public export, which leaves out what only staff may see (contact
    /// details, a maker's private fields): importing it over the record it was made from
    /// keeps those as stored.
    pub public: bool,
}

/// The source id a record is given when it is to be matched on its makermatch id: one
/// written through the API has no source id, and a public export leaves out a source id
/// made from an e-mail address.
pub const BY_ID: &str = "makermatch-id:";

impl Provenance {
    /// The (source, source id) pair imports match records on; see [`BY_ID`].
    pub fn key(&self) -> Option<(String, String)> {
        match (&self.source_id, self.id) {
            (Some(sid), _) => Some((self.source.clone(), sid.clone())),
            (None, Some(id)) => Some((self.source.clone(), format!("{BY_ID}{id}"))),
            (None, None) => None,
        }
    }
}

/// The makermatch id a [`BY_ID`] source id names.
pub fn by_id(source_id: &str) -> Option<Uuid> {
    source_id
        .strip_prefix(BY_ID)
        .and_then(|id| Uuid::parse_str(id).ok())
}

/// The record's provenance, if it carries one; an error naming the field if it is not
/// what makermatch writes.
pub fn read(o: Obj<'_>) -> Result<Option<Provenance>, FieldError> {
    let Some(value) = o.get(&[KEY]) else {
        return Ok(None);
    };
    let field = |name: &str| format!("{KEY}.{name}");
    let Some(p) = value.as_object().map(Obj) else {
        return Err(FieldError::new(
            KEY,
            "must be an object like {\"source\": \"okw\", \"sourceId\": \"…\"} as makermatch exports it; remove it to import the record as new",
        ));
    };
    let id = match p.get(&["id"]) {
        None => None,
        Some(Value::String(s)) => Some(
            Uuid::parse_str(s.trim())
                .map_err(|_| FieldError::new(field("id"), format!("\"{s}\" is not a UUID")))?,
        ),
        Some(_) => return Err(FieldError::new(field("id"), "must be a UUID text")),
    };
    let source = p.text(&["source"]).ok_or_else(|| {
        FieldError::new(
            field("source"),
            "is missing; it names where the record came from, like okw or pss",
        )
    })?;
    if !KNOWN_SOURCES.contains(&source.as_str()) {
        return Err(FieldError::new(
            field("source"),
            format!("\"{source}\" is not one of {}", KNOWN_SOURCES.join(", ")),
        ));
    }
    let source_id = p.text(&["sourceId"]);
    if source_id.as_ref().is_some_and(|s| s.len() > MAX_SOURCE_ID) {
        return Err(FieldError::new(
            field("sourceId"),
            format!("is longer than {MAX_SOURCE_ID} bytes"),
        ));
    }
    let public = match p.get(&["public"]) {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(FieldError::new(
                field("public"),
                "must be true or false (true: a public export, which leaves out private fields)",
            ));
        }
    };
    let provenance = Provenance {
        id,
        source,
        source_id,
        public,
    };
    if provenance.key().is_none() {
        return Err(FieldError::new(
            field("sourceId"),
            "and id are both missing; give the source's id or the record's makermatch id",
        ));
    }
    Ok(Some(provenance))
}

/// What an export writes under [`KEY`]. `private`: whether the export may show private
/// fields; a public one leaves out a source id made from an e-mail address or a username
/// (the record is then matched on its id).
pub fn write(id: Uuid, source: &str, source_id: Option<&str>, private: bool) -> Value {
    let mut p = serde_json::Map::new();
    p.insert("id".to_owned(), Value::from(id.to_string()));
    p.insert("source".to_owned(), Value::from(source));
    let personal = |sid: &str| sid.starts_with("email:") || sid.starts_with("username:");
    if let Some(sid) = source_id.filter(|sid| private || !personal(sid)) {
        p.insert("sourceId".to_owned(), Value::from(sid));
    }
    if !private {
        p.insert("public".to_owned(), Value::from(true));
    }
    Value::Object(p)
}

/// Keys importers make up for records their source gave no id (from what the record
/// describes, its username or its email): not ids to show as the record's own.
const MADE_UP_KEYS: &[&str] = &["derived:", "username:", "email:"];

/// The id a standard record is exported under: the one its source gave it, else (written
/// through the API, or given none and keyed on what it describes) makermatch's own.
pub fn standard_id(id: Uuid, source_id: Option<&str>) -> String {
    match source_id {
        Some(sid) if !MADE_UP_KEYS.iter().any(|p| sid.starts_with(p)) => sid.to_owned(),
        _ => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read_json(v: Value) -> Result<Option<Provenance>, FieldError> {
        read(Obj::from(&v).unwrap())
    }

    #[test]
    fn what_is_written_reads_back() {
        let id = Uuid::now_v7();
        let by_id_key = format!("{BY_ID}{id}");
        for (source, sid, private, key) in [
            ("okw", Some("fablab-kumasi"), false, "fablab-kumasi"),
            ("makermatch", None, false, by_id_key.as_str()),
            (
                "pss",
                Some("email:ama@example.org"),
                true,
                "email:ama@example.org",
            ),
            (
                "pss",
                Some("email:ama@example.org"),
                false,
                by_id_key.as_str(),
            ),
        ] {
            let written = json!({ KEY: write(id, source, sid, private) });
            let back = read_json(written).unwrap().unwrap();
            assert_eq!(back.id, Some(id));
            assert_eq!(back.source, source);
            assert_eq!(back.key(), Some((source.to_owned(), key.to_owned())));
            assert_eq!(back.public, !private, "a public export says so");
        }
        assert_eq!(by_id(&by_id_key), Some(id));
        assert_eq!(by_id("fablab-kumasi"), None);
    }

    #[test]
    fn a_bad_provenance_is_refused_naming_the_field() {
        for (value, field) in [
            (json!("okw"), KEY.to_owned()),
            (
                json!({ "source": "elsewhere", "sourceId": "1" }),
                format!("{KEY}.source"),
            ),
            (json!({ "sourceId": "1" }), format!("{KEY}.source")),
            (json!({ "source": "okw" }), format!("{KEY}.sourceId")),
            (
                json!({ "source": "makermatch", "id": "not-a-uuid" }),
                format!("{KEY}.id"),
            ),
            (
                json!({ "source": "okw", "sourceId": "x".repeat(600) }),
                format!("{KEY}.sourceId"),
            ),
            (
                json!({ "source": "okw", "sourceId": "1", "public": "yes" }),
                format!("{KEY}.public"),
            ),
        ] {
            let e = read_json(json!({ KEY: value })).unwrap_err();
            assert_eq!(e.field, field, "{}", e.reason);
        }
        assert_eq!(read_json(json!({ "name": "x" })).unwrap(), None);
    }

    #[test]
    fn records_are_exported_under_their_source_id() {
        let id = Uuid::now_v7();
        assert_eq!(standard_id(id, Some("fablab-kumasi")), "fablab-kumasi");
        assert_eq!(standard_id(id, None), id.to_string());
        assert_eq!(standard_id(id, Some("derived:kumasi|GH|")), id.to_string());
        assert_eq!(
            standard_id(id, Some("email:ama@example.org")),
            id.to_string()
        );
    }
}
