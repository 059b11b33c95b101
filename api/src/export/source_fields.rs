//! The fields of an imported record that makermatch does not read, given back on export
//! where the source wrote them. What makermatch holds itself wins: a kept field never
//! overwrites one the export already writes.

use serde_json::{Map, Value};

use crate::import::notes::{AS_WRITTEN_KEY, is_own_key};
use crate::import::values::same_key;

/// Keys of contact details: a public export withholds kept fields of these names wherever
/// they sit (an Agent's `email` under `owner` or `verifiedBy` as much as the `contact`
/// block), as it withholds the contact columns.
pub const CONTACT_KEYS: &[&str] = &[
    "contact",
    "email",
    "emailAddress",
    "phone",
    "telephone",
    "landline",
    "mobile",
    "mobilePhone",
    "fax",
];

/// Adds `kept` (a sparse copy of the source record) to `record`, leaving out fields named
/// in `withheld` at any depth (those the caller may not see). Keys are compared as the
/// importers compare them (`date_founded` is `dateFounded`).
pub fn give_back(record: &mut Value, kept: Option<&Value>, withheld: &[&str]) {
    let (Value::Object(record), Some(Value::Object(kept))) = (record, kept) else {
        return;
    };
    for (key, value) in kept {
        if !is_own_key(key) {
            merge_field(record, key, value, withheld);
        }
    }
}

fn merge_field(into: &mut Map<String, Value>, key: &str, kept: &Value, withheld: &[&str]) {
    if withheld.iter().any(|w| same_key(w, key)) {
        return;
    }
    let kept = &without(kept, withheld);
    match (slot(into, key), kept) {
        (None, _) => {
            into.insert(key.to_owned(), kept.clone());
        }
        (Some(slot @ Value::Null), _) => *slot = kept.clone(),
        (Some(Value::Object(inner)), Value::Object(kept)) => {
            for (k, v) in kept {
                merge_field(inner, k, v, withheld);
            }
        }
        // Written by makermatch already: its value stands.
        (Some(_), _) => {}
    }
}

/// The value of `into` under `key`, compared as the importers compare keys.
fn slot<'m>(into: &'m mut Map<String, Value>, key: &str) -> Option<&'m mut Value> {
    let i = into.keys().position(|k| same_key(k, key))?;
    into.values_mut().nth(i)
}

/// `value` without the fields named in `withheld`, at any depth.
fn without(value: &Value, withheld: &[&str]) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(k, _)| !withheld.iter().any(|w| same_key(w, k)))
                .map(|(k, v)| (k.clone(), without(v, withheld)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| without(v, withheld)).collect()),
        other => other.clone(),
    }
}

/// What [`without`] leaves out of `value`: only the fields named in `withheld`, at any
/// depth, with the objects that hold them; `None` when there are none.
pub fn withheld_part(value: &Value, withheld: &[&str]) -> Option<Value> {
    let Value::Object(fields) = value else {
        return None;
    };
    let part: Map<String, Value> = fields
        .iter()
        .filter_map(|(k, v)| match withheld.iter().any(|w| same_key(w, k)) {
            true => Some((k.clone(), v.clone())),
            false => withheld_part(v, withheld).map(|inner| (k.clone(), inner)),
        })
        .collect();
    (!part.is_empty()).then_some(Value::Object(part))
}

/// Adds to `into` the fields of `part` it lacks, going into objects both have.
pub fn add_missing(into: &mut Map<String, Value>, part: &Map<String, Value>) {
    for (key, value) in part {
        match (slot(into, key), value) {
            (None, _) => {
                into.insert(key.clone(), value.clone());
            }
            (Some(Value::Object(inner)), Value::Object(part)) => add_missing(inner, part),
            (Some(_), _) => {}
        }
    }
}

/// The source's own form of a field makermatch holds in another (a date without its day),
/// while the stored value still reads the same; else the stored value.
pub fn as_given(
    kept: Option<&Value>,
    field: &str,
    stored: Value,
    reads_same: impl Fn(&Value) -> bool,
) -> Value {
    let written = kept
        .and_then(|k| k.get(AS_WRITTEN_KEY))
        .and_then(Value::as_object)
        .and_then(|paths| {
            paths
                .iter()
                .filter(|(path, _)| {
                    path.rsplit('.')
                        .next()
                        .is_some_and(|last| same_key(last, field))
                })
                .min_by_key(|(path, _)| path.len())
        })
        .map(|(_, v)| v);
    written
        .filter(|v| !stored.is_null() && reads_same(v))
        .cloned()
        .unwrap_or(stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_a_public_export_withholds_is_found_and_added_back_where_missing() {
        let kept = json!({
            "storage": "2 m3",
            "contact": { "fax": "+233 1" },
            "owner": { "bio": "b", "email": "o@example.org" },
            "partners": [{ "email": "p@example.org" }]
        });
        let part = withheld_part(&kept, CONTACT_KEYS).unwrap();
        assert_eq!(
            part,
            json!({ "contact": { "fax": "+233 1" }, "owner": { "email": "o@example.org" } }),
            "inside lists nothing is kept, so nothing is withheld there"
        );
        assert_eq!(
            withheld_part(&json!({ "storage": "2 m3" }), CONTACT_KEYS),
            None
        );
        let mut read_back = json!({ "storage": "3 m3", "owner": { "bio": "b" } });
        if let (Value::Object(into), Value::Object(part)) = (&mut read_back, &part) {
            add_missing(into, part);
        }
        assert_eq!(
            read_back,
            json!({
                "storage": "3 m3",
                "owner": { "bio": "b", "email": "o@example.org" },
                "contact": { "fax": "+233 1" }
            })
        );
    }

    #[test]
    fn kept_fields_fill_in_and_never_overwrite() {
        let mut record =
            json!({ "name": "Kumasi Hive", "location": { "address": { "city": "Kumasi" } } });
        let kept = json!({
            "name": "stale",
            "storage": "2 m3",
            "location": { "address": { "district": "Asokwa", "city": "old" } },
            "contact": { "fax": "+233" },
            "owner": { "name": "Kumasi Hive Trust", "email": "trust@example.org" },
        });
        give_back(&mut record, Some(&kept), CONTACT_KEYS);
        // A key written in another convention is the same field.
        give_back(&mut record, Some(&json!({ "Name": "other" })), &[]);
        assert_eq!(
            record,
            json!({
                "name": "Kumasi Hive",
                "storage": "2 m3",
                "location": { "address": { "city": "Kumasi", "district": "Asokwa" } },
                "owner": { "name": "Kumasi Hive Trust" },
            })
        );
    }

    #[test]
    fn a_form_the_model_does_not_hold_is_given_back_while_it_reads_the_same() {
        let nothing = json!({ "storage": "2 m3" });
        assert_eq!(
            as_given(Some(&nothing), "dateFounded", json!("2014-03-01"), |_| true),
            json!("2014-03-01")
        );
        let kept = json!({ "x-makermatch-as-written": { "date_founded": "2014-03" } });
        assert_eq!(
            as_given(Some(&kept), "dateFounded", json!("2014-03-01"), |_| true),
            json!("2014-03")
        );
        // Changed since: the stored value is what is true now.
        assert_eq!(
            as_given(Some(&kept), "dateFounded", json!("2015-01-01"), |_| false),
            json!("2015-01-01")
        );
        let mut record = json!({});
        give_back(&mut record, Some(&kept), &[]);
        assert_eq!(record, json!({}), "never a field of its own");
    }
}
