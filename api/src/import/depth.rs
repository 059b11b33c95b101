//! How deep an imported document may nest. Records are kept verbatim (an OKH manifest as
//! a job's `designManifest`) and decoded again on every read, by serde_json, which refuses
//! more than 128 levels: a deeper document would be stored and then never read back. The
//! bound sits well below that, leaving room for whatever wraps a record when it is read.

use serde_json::Value;

/// Most levels of arrays and objects one record may nest.
pub const MAX_RECORD_DEPTH: usize = 64;

/// The nesting of `value` (a scalar is 0, `{"a": 1}` is 1) and the path to its deepest
/// point, `part[0].material`.
pub fn depth(value: &Value) -> (usize, String) {
    // Iterative: a hostile document must not cost the stack.
    let mut deepest = (0usize, String::new());
    let mut stack: Vec<(&Value, usize, String)> = vec![(value, 0, String::new())];
    while let Some((v, level, path)) = stack.pop() {
        let children: Vec<(&Value, String)> = match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, c)| (c, format!("{path}[{i}]")))
                .collect(),
            Value::Object(map) => map
                .iter()
                .map(|(k, c)| {
                    let key = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    (c, key)
                })
                .collect(),
            _ => continue,
        };
        let level = level + 1;
        if level > deepest.0 {
            deepest = (level, path.clone());
        }
        for (child, child_path) in children {
            if matches!(child, Value::Array(_) | Value::Object(_)) {
                stack.push((child, level, child_path));
            }
        }
    }
    deepest
}

/// Refuses a record nested deeper than [`MAX_RECORD_DEPTH`], naming where.
pub fn check(index: usize, value: &Value) -> Result<(), String> {
    let (levels, path) = depth(value);
    if levels <= MAX_RECORD_DEPTH {
        return Ok(());
    }
    let at = if path.is_empty() {
        String::new()
    } else {
        format!(" (down to `{}`)", shorten(&path))
    };
    Err(format!(
        "record {index} nests {levels} levels of lists and mappings{at}; documents are kept \
         verbatim and may nest at most {MAX_RECORD_DEPTH} levels: flatten it"
    ))
}

/// Refuses a JSON array of records any of which nests deeper than [`MAX_RECORD_DEPTH`]
/// before anything is parsed (a streamed import hands records over as it reads them).
/// Counts brackets outside strings; the array itself is one level.
pub fn check_json_array(text: &str) -> Result<(), String> {
    let (mut level, mut record, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    let mut line = 1usize;
    let mut record_line = 1usize;
    for c in text.bytes() {
        if c == b'\n' {
            line += 1;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                level += 1;
                if level == 2 {
                    record_line = line;
                }
                if level > MAX_RECORD_DEPTH + 1 {
                    return Err(format!(
                        "record {record} (line {record_line}) nests more than \
                         {MAX_RECORD_DEPTH} levels of lists and mappings; documents are kept \
                         verbatim and may nest at most {MAX_RECORD_DEPTH} levels: flatten it"
                    ));
                }
            }
            b']' | b'}' => level = level.saturating_sub(1),
            b',' if level == 1 => record += 1,
            _ => {}
        }
    }
    Ok(())
}

fn shorten(path: &str) -> String {
    const MAX: usize = 80;
    if path.len() <= MAX {
        return path.to_owned();
    }
    let mut cut = MAX;
    while !path.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &path[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> Value {
        let mut v = Value::from("x");
        for _ in 0..levels {
            v = serde_json::json!({ "a": v });
        }
        v
    }

    #[test]
    fn counts_levels_and_names_the_path() {
        assert_eq!(depth(&Value::from(1)).0, 0);
        assert_eq!(depth(&nested(3)), (3, "a.a".to_owned()));
        let v = serde_json::json!({ "part": [{ "material": ["PLA"] }] });
        assert_eq!(depth(&v), (4, "part[0].material".to_owned()));
    }

    #[test]
    fn the_bound_is_inclusive_and_the_scan_agrees() {
        assert!(check(0, &nested(MAX_RECORD_DEPTH)).is_ok());
        let refused = check(3, &nested(MAX_RECORD_DEPTH + 1)).unwrap_err();
        assert!(
            refused.contains("record 3") && refused.contains("`a.a"),
            "{refused}"
        );
        let ok = format!("[1, {}]", nested(MAX_RECORD_DEPTH));
        assert!(check_json_array(&ok).is_ok());
        let deep = format!("[1, \"[[[\", {}]", nested(MAX_RECORD_DEPTH + 1));
        let refused = check_json_array(&deep).unwrap_err();
        assert!(refused.starts_with("record 2 "), "{refused}");
    }
}
