//! The one reader of untrusted JSON: scenario files, share links and lesson files are read
//! through it, and a host page's `postMessage` commands fail with its error, so they all fail
//! the same way — one [`JsonError`] naming the place (`line:column` for syntax, a field path such as
//! `actions[3].count` or `variants[0].claims[2].say` otherwise) and what was wrong, with the
//! value found described, never echoed at length.

use serde_json::{Map, Value};
use std::fmt;

mod read;
pub mod write;

/// Why a JSON document was refused, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// `line:column` for syntax errors, a field path (`actions[3].count`) otherwise; empty for
    /// the document as a whole.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.place, self.message)
        }
    }
}

impl std::error::Error for JsonError {}

/// An error at `place`.
pub fn err<T>(place: impl Into<String>, message: impl Into<String>) -> Result<T, JsonError> {
    Err(JsonError { place: place.into(), message: message.into() })
}

/// Parses JSON text; a syntax error (or nesting past serde_json's 128 levels) names its
/// `line:column`.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    read::parse(text).map_err(|e| JsonError { place: format!("{}:{}", e.line, e.column), message: e.message.to_string() })
}

/// A JSON object from (key, value) pairs, in their order: what `json!({…})` builds, without
/// passing each value through serde's `to_value` (and its `unwrap`).
pub fn obj<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A value with its floats written as their bits, so that two readers' values compare exactly
/// (-0.0, every rounding): for the reader's differential test and its fuzz target.
#[doc(hidden)]
pub fn exact(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_f64() => format!("f{:x}", n.as_f64().unwrap_or_default().to_bits()),
        Value::Number(n) if n.is_u64() => format!("u{n}"),
        Value::Number(n) => format!("i{n}"),
        Value::Array(a) => format!("[{}]", a.iter().map(exact).collect::<Vec<_>>().join(",")),
        Value::Object(m) => format!("{{{}}}", m.iter().map(|(k, v)| format!("{k:?}:{}", exact(v))).collect::<Vec<_>>().join(",")),
        v => v.to_string(),
    }
}

/// A deep copy of `v`, written and read back: exact (numbers keep their kind and bits), and
/// the page then carries no `Value::clone` (~1.3 KB of wasm) for its two copies of lesson
/// parts.
pub fn copy(v: &Value) -> Value {
    parse(&write::compact(v)).unwrap_or(Value::Null)
}

/// A value as an error message shows it: short strings and numbers as they are, the rest
/// by kind.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) if s.len() > 40 => "a string".into(),
        Value::String(s) => crate::text::quote(s),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `path.k`, or `k` at the top.
pub fn join(path: &str, k: &str) -> String {
    if path.is_empty() {
        k.to_string()
    } else {
        format!("{path}.{k}")
    }
}

/// One JSON object's fields, read by name; fields it does not declare are refused.
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
    allowed: &'static [&'static str],
}

impl<'a> Fields<'a> {
    /// `v` as an object at `path` whose fields are all in `allowed`.
    pub fn new(v: &'a Value, path: &str, allowed: &'static [&'static str]) -> Result<Self, JsonError> {
        let Value::Object(map) = v else { return err(path, format!("expected an object, found {}", describe(v))) };
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            // The unknown name is untrusted: escaped and cut, so the message stays one line.
            return err(join(path, &clip_line(k, 60)), format!("unknown field (expected one of: {})", allowed.join(", ")));
        }
        Ok(Fields { map, path: path.to_string(), allowed })
    }

    /// The place of field `k`.
    pub fn at(&self, k: &str) -> String {
        debug_assert!(self.allowed.contains(&k), "{k} not declared");
        join(&self.path, k)
    }

    /// Field `k`, if present (`null` counts as present).
    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k)
    }

    /// Field `k`, `null` read as absent.
    pub fn given(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k).filter(|v| !v.is_null())
    }

    /// A required field's absence.
    pub fn missing<T>(&self, k: &str) -> Result<T, JsonError> {
        err(self.at(k), "missing required field")
    }

    /// A whole number from `min` to `max`.
    pub fn u64_in(&self, k: &str, min: u64, max: u64) -> Result<Option<u64>, JsonError> {
        let Some(v) = self.get(k) else { return Ok(None) };
        match v.as_u64() {
            Some(n) if n < min => err(self.at(k), format!("must be at least {min}, found {n}")),
            Some(n) if n > max => err(self.at(k), format!("must be at most {max}, found {n}")),
            Some(n) => Ok(Some(n)),
            None if v.as_i64().is_some() => err(self.at(k), format!("must not be negative, found {}", describe(v))),
            None if v.is_number() => err(self.at(k), format!("expected a whole number from {min} to {max}, found {}", describe(v))),
            None => err(self.at(k), format!("expected an unsigned integer, found {}", describe(v))),
        }
    }

    /// A required whole number from `min` to `max`.
    pub fn req_u64(&self, k: &str, min: u64, max: u64) -> Result<u64, JsonError> {
        self.u64_in(k, min, max)?.map_or_else(|| self.missing(k), Ok)
    }

    /// A string.
    pub fn string(&self, k: &str) -> Result<Option<&'a str>, JsonError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => err(self.at(k), format!("expected a string, found {}", describe(v))),
        }
    }

    /// A required string.
    pub fn req_string(&self, k: &str) -> Result<&'a str, JsonError> {
        self.string(k)?.map_or_else(|| self.missing(k), Ok)
    }

    /// `true` or `false`.
    pub fn bool(&self, k: &str) -> Result<Option<bool>, JsonError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => err(self.at(k), format!("expected true or false, found {}", describe(v))),
        }
    }

    /// A number from 0 to 1.
    pub fn rate(&self, k: &str) -> Result<Option<f64>, JsonError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(r) if (0.0..=1.0).contains(&r) => Ok(Some(r)),
                _ => err(self.at(k), format!("expected a number from 0 to 1, found {}", describe(v))),
            },
        }
    }

    /// An array (`None` when absent).
    pub fn array(&self, k: &str) -> Result<Option<&'a [Value]>, JsonError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => err(self.at(k), format!("expected an array, found {}", describe(v))),
        }
    }

    /// A required array.
    pub fn req_array(&self, k: &str) -> Result<&'a [Value], JsonError> {
        self.array(k)?.map_or_else(|| self.missing(k), Ok)
    }

    /// A required array of strings.
    pub fn strings(&self, k: &str) -> Result<Vec<String>, JsonError> {
        self.req_array(k)?
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str().map(str::to_string).map_or_else(|| err(format!("{}[{i}]", self.at(k)), format!("expected a string, found {}", describe(x))), Ok)
            })
            .collect()
    }

    /// An array of at most `max` whole numbers (`what` names them in the error).
    pub fn u64s(&self, k: &str, max: usize, what: &str) -> Result<Option<Vec<u64>>, JsonError> {
        let Some(v) = self.get(k) else { return Ok(None) };
        let Value::Array(items) = v else { return err(self.at(k), format!("expected an array of {what}, found {}", describe(v))) };
        if items.len() > max {
            return err(self.at(k), format!("at most {max} {what}"));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, x)| x.as_u64().map_or_else(|| err(format!("{}[{i}]", self.at(k)), format!("expected an unsigned integer, found {}", describe(x))), Ok))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// Up to `max` characters of untrusted `s` for a one-line message: control characters
/// (newlines, escapes) are written as Rust-style escapes (`\n`, `\u{1b}`).
pub fn clip_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars().take(max) {
        crate::text::push_escaped(&mut out, c);
    }
    out
}

/// A decimal number as people type it into a field or a URL (`2.4`, `-3`, `.5`, `1e3`): its
/// value, or `None` (no `inf`, `nan` or hex). Correctly rounded up to 15 significant digits
/// with exponents within ±22 (one exact division or product, Clinger's fast path), within
/// about an ulp beyond. The page reads its numbers with this, not `str::parse::<f64>`, whose
/// slow path for every possible input carries ~11 KB of tables into the first download.
pub fn decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let (neg, mut i) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let (mut m, mut sig, mut exp, mut any) = (0u64, 0u32, 0i32, false);
    let mut frac = false;
    while i < b.len() {
        match b[i] {
            d @ b'0'..=b'9' => {
                any = true;
                let d = u64::from(d - b'0');
                if sig < 19 {
                    if m > 0 || d > 0 {
                        sig += 1;
                    }
                    m = m * 10 + d;
                    exp -= i32::from(frac);
                } else if !frac {
                    exp += 1; // digits past the 19th only scale
                }
            }
            b'.' if !frac => frac = true,
            _ => break,
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let eneg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut e: i32 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            e = (e * 10 + i32::from(b[i] - b'0')).min(100_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp += if eneg { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    let v = match exp {
        _ if m == 0 => 0.0,
        e if e > 308 => f64::INFINITY,
        e if e < -343 => 0.0,
        e if e >= 0 => m as f64 * 10f64.powi(e),
        e if e >= -308 => m as f64 / 10f64.powi(-e),
        e => m as f64 / 10f64.powi(-e - 308) / 1e308,
    };
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decimal_reads_what_people_type_exactly_as_parse_does() {
        for t in ["2.4", "0", "-3", "+5", ".5", "5.", "1e3", "2.5E-2", "0.05", "1000", "0.1", "0.3", "123456789.123456", "1e22", "1e-22", "7e-310"] {
            assert_eq!(decimal(t), t.parse::<f64>().ok(), "{t}");
        }
        assert_eq!(decimal("12345678901234567890123"), Some(1.2345678901234568e22));
        for bad in ["", "-", ".", "e3", "1e", "1e+", "2.4s", "inf", "NaN", "0x10", "1..2", " 1", "1,5"] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_refusal_names_its_place_and_what_was_found() {
        let v = json!({"n": -3, "s": 7, "a": [1, "x"], "f": 1.5, "long": "y".repeat(41), "b": "yes"});
        let f = Fields::new(&v, "top", &["n", "s", "a", "f", "long", "b", "m"]).unwrap();
        assert_eq!(f.u64_in("n", 0, 9).unwrap_err().to_string(), "top.n: must not be negative, found -3");
        assert_eq!(f.u64_in("f", 0, 9).unwrap_err().to_string(), "top.f: expected a whole number from 0 to 9, found 1.5");
        assert_eq!(f.string("s").unwrap_err().to_string(), "top.s: expected a string, found 7");
        assert_eq!(f.strings("a").unwrap_err().to_string(), "top.a[0]: expected a string, found 1");
        assert_eq!(f.u64s("a", 5, "sequence numbers").unwrap_err().to_string(), "top.a[1]: expected an unsigned integer, found \"x\"");
        assert_eq!(f.u64s("a", 1, "sequence numbers").unwrap_err().to_string(), "top.a: at most 1 sequence numbers");
        assert_eq!(f.bool("long").unwrap_err().to_string(), "top.long: expected true or false, found a string");
        assert_eq!(f.req_string("m").unwrap_err().to_string(), "top.m: missing required field");
        assert_eq!(Fields::new(&v, "", &["n"]).err().unwrap().to_string(), "s: unknown field (expected one of: n)");
        let v = serde_json::json!({"a\nb": 1});
        assert_eq!(Fields::new(&v, "x", &["n"]).err().unwrap().to_string(), "x.a\\nb: unknown field (expected one of: n)");
        assert_eq!(Fields::new(&json!([1]), "variants[2]", &[]).err().unwrap().to_string(), "variants[2]: expected an object, found an array");
    }

    #[test]
    fn a_copy_is_exact() {
        let v = parse(r#"{"a": [-0.0, 1e300, 0.1, 18446744073709551615, -5, "x\ny", null, true, {"b": {}}], "z": []}"#).unwrap();
        assert_eq!(exact(&copy(&v)), exact(&v));
        assert_eq!(copy(&v), v);
    }

    #[test]
    fn syntax_errors_and_deep_nesting_name_line_and_column() {
        assert_eq!(parse("{\n  \"a\": }").unwrap_err().to_string(), "2:8: expected value");
        let deep = "[".repeat(10_000);
        let e = parse(&deep).unwrap_err();
        assert_eq!((e.place.as_str(), e.message.as_str()), ("1:128", "recursion limit exceeded"));
    }
}
