//! What an import could not keep as given. While a parser reads one record, every value it
//! takes through [`Obj`](super::values::Obj) is noted; afterwards each field it never took
//! is reported as not kept, at any depth (`location.address.district`), and parsers add
//! what they changed on the way (a country name written as its code, one text split into
//! a list, free text narrowed to yes/no). Nothing is dropped or changed without a word.
//! Fields not taken that sit in objects all the way up (not inside a list) are handed back
//! as a sparse copy of the record, which the record keeps and exports write back.

use std::cell::RefCell;

use rustc_hash::FxHashSet;
use serde_json::Value;

/// What became of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NoteKind {
    /// Taken, in another form than written.
    Changed,
    /// Not read, kept as the source wrote it.
    KeptAsWritten,
    /// Not read, and not kept.
    NotKept,
}

/// A field of one record and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub field: String,
    pub kind: NoteKind,
    pub message: String,
}

/// Said of a field no parser read and the record could not keep as written (one inside a
/// list, whose items the model reorders).
pub const NOT_KEPT: &str = "not kept: makermatch has no place for this field yet";
/// Said of a field no parser read, kept as the source wrote it.
pub const KEPT_AS_WRITTEN: &str =
    "kept as written: makermatch does not read it, exports give it back";

/// Where a record's kept fields hold the values taken in another form than written, by
/// field path: never exported as a field itself.
pub const AS_WRITTEN_KEY: &str = "x-makermatch-as-written";

/// Where a record's kept fields hold the terms the taxonomy did not know, by the field
/// they sat in (`manufacturingProcesses`, `typicalMaterials`): exports give them back
/// there. Never exported as a field itself.
pub const UNRESOLVED_KEY: &str = "x-makermatch-unresolved";

/// Keys of a record's kept fields that are makermatch's own notes, not the source's
/// fields (see [`AS_WRITTEN_KEY`], [`UNRESOLVED_KEY`]).
pub fn is_own_key(key: &str) -> bool {
    key == AS_WRITTEN_KEY || key == UNRESOLVED_KEY
}

/// What reading one record did not keep as given.
#[derive(Debug, Default)]
pub struct Untaken {
    pub notes: Vec<Note>,
    /// The fields kept as written: a sparse copy of the record (an empty object when none).
    pub kept: serde_json::Map<String, Value>,
    /// Values taken in another form than written, by field path (`personal.dateOfBirth`).
    pub as_written: serde_json::Map<String, Value>,
}

#[derive(Default)]
struct Reading {
    /// Addresses of the values taken, valid while the record is borrowed.
    taken: FxHashSet<usize>,
    /// Values taken whose form the model does not hold (a date without its day): kept as
    /// written too, so an export can give that form back.
    as_written: FxHashSet<usize>,
    /// Values taken and also kept whole as written, under their own field (a list of
    /// Helpful Engineering atoms read into equipment): an export gives the list back.
    kept_whole: FxHashSet<usize>,
    notes: Vec<Note>,
}

thread_local! {
    static READING: RefCell<Option<Reading>> = const { RefCell::new(None) };
}

fn address(v: &Value) -> usize {
    std::ptr::from_ref(v) as usize
}

/// Notes that the parser read `value` into the model and that the record keeps it whole as
/// written too (where it sits in objects all the way up), so exports give it back as the
/// source had it.
pub fn read_and_kept_whole(value: &Value) {
    READING.with(|r| {
        if let Some(reading) = r.borrow_mut().as_mut() {
            reading.taken.insert(address(value));
            reading.kept_whole.insert(address(value));
        }
    });
}

/// Notes that the parser took `value` (called by `Obj` for every value it hands out).
pub fn taken(value: &Value) {
    READING.with(|r| {
        if let Some(reading) = r.borrow_mut().as_mut() {
            reading.taken.insert(address(value));
        }
    });
}

/// Notes that `value`, taken, is also to be kept as written: the model holds it in another
/// form (`2014-03` as the date 2014-03-01), and exports give the source's form back while
/// the stored value still reads the same.
pub fn keep_as_written(value: &Value) {
    READING.with(|r| {
        if let Some(reading) = r.borrow_mut().as_mut() {
            reading.as_written.insert(address(value));
        }
    });
}

/// Notes that a value was changed on the way in (outside [`reading`], nothing happens).
pub fn changed(field: impl Into<String>, message: impl Into<String>) {
    READING.with(|r| {
        if let Some(reading) = r.borrow_mut().as_mut() {
            reading.notes.push(Note {
                field: field.into(),
                kind: NoteKind::Changed,
                message: message.into(),
            });
        }
    });
}

/// Puts the reading before back however the parse ends.
struct Restore(Option<Reading>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        READING.with(|r| *r.borrow_mut() = previous);
    }
}

/// Runs `parse` over `record`, returning its result and what it did not keep as given:
/// the changes it noted, then every field it never took.
pub fn reading<T>(record: &Value, keep: bool, parse: impl FnOnce() -> T) -> (T, Untaken) {
    let previous = READING.with(|r| r.borrow_mut().replace(Reading::default()));
    let restore = Restore(previous);
    let out = parse();
    let reading = READING.with(|r| r.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    let mut found = Untaken {
        notes: reading.notes,
        ..Untaken::default()
    };
    let mut walk = Walk {
        taken: &reading.taken,
        as_written: &reading.as_written,
        kept_whole: &reading.kept_whole,
        path: String::new(),
        found: &mut found,
    };
    let mut kept = serde_json::Map::new();
    walk.object_fields(record, keep.then_some(&mut kept));
    found.kept = kept;
    (out, found)
}

struct Walk<'a> {
    taken: &'a FxHashSet<usize>,
    as_written: &'a FxHashSet<usize>,
    kept_whole: &'a FxHashSet<usize>,
    path: String,
    found: &'a mut Untaken,
}

impl Walk<'_> {
    /// Fields under `value` that were never taken. A field taken whole is searched further
    /// only where the parser went into it: an object it read field by field, a list whose
    /// items are objects. `kept` is where untaken fields are copied while the path runs
    /// through objects only (`None` inside a list).
    fn object_fields(&mut self, value: &Value, kept: Option<&mut serde_json::Map<String, Value>>) {
        let mut here = kept;
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if is_blank(child) {
                        continue;
                    }
                    let len = self.path.len();
                    if !self.path.is_empty() {
                        self.path.push('.');
                    }
                    self.path.push_str(key);
                    if self.taken.contains(&address(child)) {
                        if self.as_written.contains(&address(child)) && here.is_some() {
                            self.found
                                .as_written
                                .insert(self.path.clone(), child.clone());
                        }
                        match here.as_deref_mut() {
                            Some(copy) if self.kept_whole.contains(&address(child)) => {
                                copy.insert(key.clone(), child.clone());
                            }
                            Some(copy) if child.is_object() => {
                                let mut inner = serde_json::Map::new();
                                self.object_fields(child, Some(&mut inner));
                                if !inner.is_empty() {
                                    copy.insert(key.clone(), Value::Object(inner));
                                }
                            }
                            _ => self.object_fields(child, None),
                        }
                    } else {
                        let (kind, message) = match here.as_deref_mut() {
                            Some(copy) => {
                                copy.insert(key.clone(), child.clone());
                                (NoteKind::KeptAsWritten, KEPT_AS_WRITTEN)
                            }
                            None => (NoteKind::NotKept, NOT_KEPT),
                        };
                        self.found.notes.push(Note {
                            field: self.path.clone(),
                            kind,
                            message: message.to_owned(),
                        });
                    }
                    self.path.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if item.is_object() {
                        let len = self.path.len();
                        self.path.push_str(&format!("[{i}]"));
                        self.object_fields(item, None);
                        self.path.truncate(len);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Nulls, empty text, and lists and objects of nothing else hold nothing to lose.
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.iter().all(is_blank),
        Value::Object(map) => map.values().all(is_blank),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::values::Obj;
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_never_taken_are_named_at_any_depth() {
        let record = json!({
            "name": "Kumasi Hive",
            "storage": "2 m3",
            "empty": "",
            "location": { "address": { "locality": "Kumasi", "district": "Asokwa" } },
            "affiliations": [{ "name": "IoPA", "url": "https://example.org" }],
        });
        let ((), found) = reading(&record, true, || {
            let o = Obj::from(&record).expect("object");
            o.text(&["name"]);
            let address = o.obj(&["location"]).and_then(|l| l.obj(&["address"]));
            address.and_then(|a| a.text(&["locality"]));
            o.texts(&["affiliations"], &["name"]);
            changed("name", "kept as given");
        });
        let notes = &found.notes;
        assert_eq!(notes[0].field, "name", "changes come first");
        let mut untaken: Vec<(&str, &str)> = notes[1..]
            .iter()
            .map(|n| (n.field.as_str(), n.message.as_str()))
            .collect();
        untaken.sort_unstable();
        assert_eq!(
            untaken,
            [
                ("affiliations[0].url", NOT_KEPT),
                ("location.address.district", KEPT_AS_WRITTEN),
                ("storage", KEPT_AS_WRITTEN)
            ]
        );
        // What sits in objects all the way up is kept, as written, where it was.
        assert_eq!(
            Value::Object(found.kept),
            json!({ "storage": "2 m3", "location": { "address": { "district": "Asokwa" } } })
        );
    }

    #[test]
    fn outside_a_reading_nothing_is_noted_and_a_panic_ends_the_reading() {
        changed("x", "y");
        let record = json!({ "a": 1 });
        let caught = std::panic::catch_unwind(|| reading(&record, true, || panic!("parser bug")));
        assert!(caught.is_err());
        READING.with(|r| assert!(r.borrow().is_none()));
    }
}
