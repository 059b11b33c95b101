//! Lenient reading of structured records. Real files mix camelCase, snake_case and
//! kebab-case keys, numbers written as strings, lists written as one comma-separated
//! string, and coordinates in three shapes; these helpers accept all of them and say
//! precisely what was wrong when a value cannot be used.

use serde_json::{Map, Value};

use crate::services::values::Country;

/// An object whose keys are matched ignoring case and punctuation
/// (`manufacturingProcesses` = `manufacturing_processes` = `Manufacturing-Processes`).
#[derive(Clone, Copy)]
pub struct Obj<'a>(pub &'a Map<String, Value>);

/// Whether two keys are equal ignoring case and punctuation, without allocating: this
/// runs for every field of every record.
pub fn same_key(a: &str, b: &str) -> bool {
    fn letters(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes()
            .filter(|c| c.is_ascii_alphanumeric() || !c.is_ascii())
            .map(|c| c.to_ascii_lowercase())
    }
    letters(a).eq(letters(b))
}

pub fn norm_key(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl<'a> Obj<'a> {
    pub fn from(value: &'a Value) -> Option<Obj<'a>> {
        value.as_object().map(Obj)
    }

    /// The first present, non-null value among `names`, noted as taken (see `notes`).
    pub fn get(&self, names: &[&str]) -> Option<&'a Value> {
        let found = self.find(names);
        if let Some(v) = found {
            super::notes::taken(v);
        }
        found
    }

    fn find(&self, names: &[&str]) -> Option<&'a Value> {
        for name in names {
            // Exact key first: the common case costs one hash lookup.
            if let Some(v) = self.0.get(*name).filter(|v| !v.is_null()) {
                return Some(v);
            }
            for (k, v) in self.0 {
                if same_key(k, name) && !v.is_null() {
                    return Some(v);
                }
            }
        }
        None
    }

    /// The first present, non-null value among `names`, without taking it.
    pub fn peek(&self, names: &[&str]) -> Option<&'a Value> {
        self.find(names)
    }

    /// Whether one of `names` is present; asking takes nothing.
    pub fn has(&self, names: &[&str]) -> bool {
        self.find(names).is_some()
    }

    /// An object value; taken only when it is one.
    pub fn obj(&self, names: &[&str]) -> Option<Obj<'a>> {
        let found = self.find(names)?;
        let o = found.as_object().map(Obj)?;
        super::notes::taken(found);
        Some(o)
    }

    /// A text value; numbers and booleans are written out, blank strings are absent. A
    /// value that is not text (an Agent object where a name was looked for) is not taken.
    pub fn text(&self, names: &[&str]) -> Option<String> {
        let found = self.find(names)?;
        let t = text(found)?;
        super::notes::taken(found);
        Some(t)
    }

    pub fn list(&self, names: &[&str]) -> Vec<&'a Value> {
        match self.get(names) {
            Some(Value::Array(items)) => items.iter().filter(|v| !v.is_null()).collect(),
            Some(v) => vec![v],
            None => Vec::new(),
        }
    }

    /// A list of texts: an array of strings (or of objects with one of `inner` keys), or
    /// one string separated by commas or semicolons.
    pub fn texts(&self, names: &[&str], inner: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for v in self.list(names) {
            match v {
                Value::String(s) => {
                    let items = split_list(s);
                    if items.len() > 1 {
                        let field = names.first().copied().unwrap_or("list");
                        super::notes::changed(
                            field,
                            format!("one text \"{s}\" read as a list of {}", items.len()),
                        );
                    }
                    out.extend(items)
                }
                Value::Object(_) => {
                    if let Some(t) = Obj::from(v).and_then(|o| o.text(inner)) {
                        out.push(t);
                    }
                }
                other => {
                    if let Some(t) = text(other) {
                        out.push(t);
                    }
                }
            }
        }
        out
    }

    pub fn keys(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.0.iter()
    }
}

pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Splits "PLA, ABS; Nylon" into its items.
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A field that is present but unusable: its name and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A number, from a JSON number or a numeric string ("12.5", "12,5").
pub fn number(field: &str, v: &Value) -> Result<f64, FieldError> {
    let parsed = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok(),
        _ => None,
    };
    parsed
        .filter(|n| n.is_finite())
        .ok_or_else(|| FieldError::new(field, format!("expected a number, got {}", describe(v))))
}

pub fn optional_number(o: &Obj, field: &str, names: &[&str]) -> Result<Option<f64>, FieldError> {
    o.get(names).map(|v| number(field, v)).transpose()
}

/// A yes/no value: booleans, "yes"/"no", "true"/"false", "available", "accessible"…
pub fn flag(field: &str, v: &Value) -> Result<Option<bool>, FieldError> {
    match v {
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) => Ok(Some(n.as_f64().is_some_and(|x| x != 0.0))),
        Value::String(s) => {
            let t = s.trim().to_lowercase();
            if t.is_empty() || t == "unknown" {
                return Ok(None);
            }
            if t.starts_with("not ") || t.starts_with("no") || t == "false" || t == "n" || t == "0"
            {
                return Ok(Some(false));
            }
            if [
                "yes",
                "true",
                "y",
                "1",
                "available",
                "accessible",
                "fully accessible",
                "partially accessible",
            ]
            .contains(&t.as_str())
                || t.starts_with("yes")
            {
                return Ok(Some(true));
            }
            Err(FieldError::new(
                field,
                format!("expected yes or no, got \"{s}\""),
            ))
        }
        _ => Err(FieldError::new(
            field,
            format!("expected yes or no, got {}", describe(v)),
        )),
    }
}

/// A position from `{lat, lon}` / `{latitude, longitude}` / `{lat, lng}`, or a
/// `"lat, lon"` string; checked for range, with a hint when the pair looks swapped.
pub fn position(field: &str, v: &Value) -> Result<Option<(f64, f64)>, FieldError> {
    let (lat, lon) = match v {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => {
            let parts: Vec<&str> = s.split([',', ' ', ';']).filter(|p| !p.is_empty()).collect();
            if parts.len() != 2 {
                return Err(FieldError::new(
                    field,
                    format!("expected \"lat, lon\" in decimal degrees, got \"{s}\""),
                ));
            }
            let lat = number(field, &Value::String(parts[0].to_owned()))?;
            let lon = number(field, &Value::String(parts[1].to_owned()))?;
            (lat, lon)
        }
        Value::Object(map) => {
            let o = Obj(map);
            let lat = o.get(&["lat", "latitude"]);
            let lon = o.get(&["lon", "lng", "long", "longitude"]);
            match (lat, lon) {
                (None, None) => return Ok(None),
                (Some(lat), Some(lon)) => (
                    number(&format!("{field}.lat"), lat)?,
                    number(&format!("{field}.lon"), lon)?,
                ),
                _ => {
                    return Err(FieldError::new(
                        field,
                        "give both latitude and longitude, or neither",
                    ));
                }
            }
        }
        other => {
            return Err(FieldError::new(
                field,
                format!("expected coordinates, got {}", describe(other)),
            ));
        }
    };
    check_position(field, lat, lon).map(Some)
}

/// `(lat, lon)` by the one rule for positions (`services::values::position`).
pub fn check_position(field: &str, lat: f64, lon: f64) -> Result<(f64, f64), FieldError> {
    // Named as the source names it: a document's position may be one `"lat, lon"` string.
    match crate::services::values::position(field, lat, lon) {
        Ok(p) => Ok((p.lat(), p.lon())),
        Err(crate::services::ServiceError::InvalidInput { message, .. }) => {
            Err(FieldError::new(field, message))
        }
        Err(other) => Err(FieldError::new(field, other.to_string())),
    }
}

/// A date: `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or an RFC 3339 timestamp.
pub fn date(field: &str, v: &Value) -> Result<Option<chrono::NaiveDate>, FieldError> {
    let Some(s) = text(v) else { return Ok(None) };
    let s = s.as_str();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Some(d));
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.date_naive()));
    }
    if let Some(d) = s
        .get(..10)
        .and_then(|p| chrono::NaiveDate::parse_from_str(p, "%Y-%m-%d").ok())
    {
        return Ok(Some(d));
    }
    let coarse = chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .ok()
        .or_else(|| {
            s.parse::<i32>()
                .ok()
                .filter(|_| s.len() == 4)
                .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, 1, 1))
        });
    if let Some(d) = coarse {
        // A month or a year: the model holds a day, exports give the source's form back.
        super::notes::changed(
            field,
            format!("\"{s}\" has no day: held as {d}, exported as written"),
        );
        super::notes::keep_as_written(v);
        return Ok(Some(d));
    }
    Err(FieldError::new(
        field,
        format!("expected a date such as 2024-05-31, got \"{s}\""),
    ))
}

pub fn timestamp(
    field: &str,
    v: &Value,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, FieldError> {
    let Some(s) = text(v) else { return Ok(None) };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&s) {
        return Ok(Some(t.with_timezone(&chrono::Utc)));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        // A day: the model holds a moment, exports give the source's form back.
        super::notes::changed(
            field,
            format!("\"{s}\" has no time: held as {d}T00:00:00Z, exported as written"),
        );
        super::notes::keep_as_written(v);
    }
    date(field, v).map(|d| d.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()))
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing".to_owned(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) => format!("\"{}\"", s.chars().take(40).collect::<String>()),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A measurement: "300 x 300 x 400 mm" → [300, 300, 400] in "mm"; "60 W" → [60] in "W".
pub fn measurement(s: &str) -> Option<(Vec<f64>, Option<String>)> {
    // "×", "X" and the Cyrillic "х" all appear as the multiplication sign in real files.
    let lower = s
        .trim()
        .trim_end_matches('.')
        .replace(['×', 'X', 'х', 'Х'], "x");
    let mut numbers = Vec::new();
    let mut unit: Option<String> = None;
    for part in lower.split('x') {
        let part = part.trim();
        let digits_end = part
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
            .map(|(i, _)| i)
            .unwrap_or(part.len());
        let (num, rest) = part.split_at(digits_end);
        let n: f64 = num.replace(',', ".").parse().ok()?;
        numbers.push(n);
        let rest = rest.trim();
        if !rest.is_empty() {
            // A unit is one short word ("mm", "W", "rpm", "mm3"); "0.4 mm brass" is a text.
            if rest.contains(char::is_whitespace)
                || rest.len() > 8
                || rest.starts_with(|c: char| c.is_ascii_digit())
            {
                return None;
            }
            unit = Some(rest.to_owned());
        }
    }
    (!numbers.is_empty()).then_some((numbers, unit))
}

/// snake_case or kebab-case to camelCase, for property keys.
pub fn camel(key: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for (i, c) in key.chars().enumerate() {
        if c == '_' || c == '-' || c == ' ' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else if i == 0 {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A country as documents write it ("Kenya", "KEN", "ke") as its alpha-2 code, or the text
/// unchanged when it names no country: the service then refuses it, naming the field. A
/// name or alpha-3 code written as the alpha-2 code is noted (see `notes`).
pub fn country(field: &str, text: String) -> String {
    match Country::recognise(&text) {
        Some(country) => {
            let code = country.code();
            if !text.trim().eq_ignore_ascii_case(code) {
                super::notes::changed(field, format!("\"{text}\" stored as its code {code}"));
            }
            code.to_owned()
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_match_across_conventions() {
        let v = json!({"manufacturing_processes": ["a"], "facilityStatus": "Active", "x": null});
        let o = Obj::from(&v).unwrap();
        assert!(o.has(&["manufacturingProcesses"]));
        assert_eq!(o.text(&["facility-status"]).as_deref(), Some("Active"));
        assert!(!o.has(&["x"]), "null is absent");
    }

    #[test]
    fn positions_in_every_shape() {
        assert_eq!(
            position("p", &json!("5.6, -0.19")).unwrap(),
            Some((5.6, -0.19))
        );
        assert_eq!(
            position("p", &json!({"latitude": "5.6", "longitude": -0.19})).unwrap(),
            Some((5.6, -0.19))
        );
        assert_eq!(
            position("p", &json!({"lat": 1, "lng": 2})).unwrap(),
            Some((1.0, 2.0))
        );
        assert_eq!(position("p", &json!(null)).unwrap(), None);
        let swapped = position("p", &json!("-71.05, 192.35")).unwrap_err();
        assert!(swapped.reason.contains("longitude 192.35"), "{swapped:?}");
        let swapped = position("p", &json!("120.5, 42.3")).unwrap_err();
        assert!(swapped.reason.contains("swapped"), "{swapped:?}");
        assert!(position("p", &json!("north")).is_err());
        assert!(position("p", &json!({"lat": 1})).is_err());
    }

    #[test]
    fn measurements_and_keys() {
        assert_eq!(
            measurement("300 x 300 x 400 mm"),
            Some((vec![300.0, 300.0, 400.0], Some("mm".into())))
        );
        assert_eq!(
            measurement("1330 mm x 1230 mm"),
            Some((vec![1330.0, 1230.0], Some("mm".into())))
        );
        assert_eq!(measurement("60 W"), Some((vec![60.0], Some("W".into()))));
        assert_eq!(measurement("Ø 4 mm"), None);
        assert_eq!(
            measurement("230 х 230 х 250 mm"),
            Some((vec![230.0, 230.0, 250.0], Some("mm".into())))
        );
        assert_eq!(
            measurement("200 x 200 x 180mm."),
            Some((vec![200.0, 200.0, 180.0], Some("mm".into())))
        );
        assert_eq!(measurement("340 × 340 ×  ∞ mm"), None);
        assert_eq!(measurement("0.4 mm brass"), None);
        assert_eq!(
            measurement("50 x 50 x 80 mm3"),
            Some((vec![50.0, 50.0, 80.0], Some("mm3".into())))
        );
        assert_eq!(camel("laser_power"), "laserPower");
        assert_eq!(camel("Build Volume"), "buildVolume");
    }

    #[test]
    fn flags_and_dates() {
        assert_eq!(flag("f", &json!("Not accessible")).unwrap(), Some(false));
        assert_eq!(flag("f", &json!("yes")).unwrap(), Some(true));
        assert!(flag("f", &json!("perhaps")).is_err());
        assert_eq!(
            date("d", &json!("2019")).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2019, 1, 1)
        );
        assert_eq!(
            date("d", &json!("2019-05")).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2019, 5, 1)
        );
        assert_eq!(
            date("d", &json!("2019-05-07T10:00:00Z")).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2019, 5, 7)
        );
        assert!(date("d", &json!("last year")).is_err());
    }
}
