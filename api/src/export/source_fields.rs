//! The fields of an imported record that makermatch does not read, given back on export
//! where the source wrote them. What makermatch holds itself wins: a kept field never
//! overwrites one the export already writes.

use serde_json::Value;

/// Adds `kept` (a sparse copy of the source record) to `record`, leaving out the top-level
/// fields in `withheld` (those the caller may not see).
pub fn give_back(record: &mut Value, kept: Option<&Value>, withheld: &[&str]) {
    let (Some(Value::Object(record)), Some(Value::Object(kept))) = (Some(record), kept) else {
        return;
    };
    for (key, value) in kept {
        if withheld.contains(&key.as_str()) {
            continue;
        }
        merge(record.entry(key.clone()).or_insert(Value::Null), value);
    }
}

fn merge(into: &mut Value, kept: &Value) {
    match (into, kept) {
        (slot @ Value::Null, _) => *slot = kept.clone(),
        (Value::Object(into), Value::Object(kept)) => {
            for (key, value) in kept {
                merge(into.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        // Written by makermatch already: its value stands.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kept_fields_fill_in_and_never_overwrite() {
        let mut record =
            json!({ "name": "Kumasi Hive", "location": { "address": { "city": "Kumasi" } } });
        let kept = json!({
            "name": "stale",
            "storage": "2 m3",
            "location": { "address": { "district": "Asokwa", "city": "old" } },
            "contact": { "fax": "+233" },
        });
        give_back(&mut record, Some(&kept), &["contact"]);
        assert_eq!(
            record,
            json!({
                "name": "Kumasi Hive",
                "storage": "2 m3",
                "location": { "address": { "city": "Kumasi", "district": "Asokwa" } },
            })
        );
    }
}
