//! JSON text from a [`Value`] and from the engine's records, byte for byte as serde_json
//! writes it (`to_string`, and `to_string_pretty` with its two-space indent): the same
//! string escapes, numbers and layout. The page writes all its JSON here — scenarios, share
//! links, trace events, monitoring endpoints, host replies — so that it carries one small
//! writer instead of serde's serializer instantiated per type and layout (~3 KB gzipped).

use serde_json::Value;
use std::fmt::Write;

/// `v` as compact text (`serde_json::to_string`).
pub fn compact(v: &Value) -> String {
    let mut out = String::new();
    value(&mut out, v, None);
    out
}

/// `v` as indented text (`serde_json::to_string_pretty`).
pub fn pretty(v: &Value) -> String {
    let mut out = String::new();
    value(&mut out, v, Some(0));
    out
}

/// Writes `v`; `indent` is the nesting depth when pretty.
fn value(out: &mut String, v: &Value, indent: Option<usize>) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => string(out, s),
        Value::Array(items) => list(out, b'[', items.iter().map(|x| (None, x)), indent),
        Value::Object(map) => list(out, b'{', map.iter().map(|(k, x)| (Some(k.as_str()), x)), indent),
    }
}

/// An array (no keys) or an object's members between their brackets.
fn list<'a>(out: &mut String, open: u8, items: impl Iterator<Item = (Option<&'a str>, &'a Value)>, indent: Option<usize>) {
    out.push(open as char);
    let inner = indent.map(|d| d + 1);
    let mut empty = true;
    for (key, x) in items {
        if !empty {
            out.push(',');
        }
        empty = false;
        newline(out, inner);
        if let Some(k) = key {
            string(out, k);
            out.push_str(if indent.is_some() { ": " } else { ":" });
        }
        value(out, x, inner);
    }
    if !empty {
        newline(out, indent);
    }
    out.push(if open == b'[' { ']' } else { '}' });
}

fn newline(out: &mut String, indent: Option<usize>) {
    if let Some(d) = indent {
        out.push('\n');
        for _ in 0..d {
            out.push_str("  ");
        }
    }
}

/// `s` as a JSON string literal (also a valid JavaScript and YAML double-quoted string).
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    string(&mut out, s);
    out
}

/// Appends `s` as a JSON string: `"` and `\` escaped, control characters as `\n`-style escapes or
/// `\u00xx` (lower-case hex), everything else as it is.
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            8 => "\\b",
            12 => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A compact JSON object written member by member (the trace's events).
pub struct Object<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> Object<'a> {
    /// Opens an object at the end of `out`.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Object { out, empty: true }
    }

    fn key(&mut self, k: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        string(self.out, k);
        self.out.push(':');
        self.out
    }

    /// A string member.
    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        string(self.key(k), v);
        self
    }

    /// A string member, `null` when absent.
    pub fn opt_str(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.str(k, v),
            None => self.raw(k, "null"),
        }
    }

    /// A number member (integers).
    pub fn num(&mut self, k: &str, v: impl std::fmt::Display) -> &mut Self {
        let _ = write!(self.key(k), "{v}");
        self
    }

    /// A number member, `null` when absent.
    pub fn opt_num(&mut self, k: &str, v: Option<u64>) -> &mut Self {
        match v {
            Some(v) => self.num(k, v),
            None => self.raw(k, "null"),
        }
    }

    /// A `true` or `false` member.
    pub fn bool(&mut self, k: &str, v: bool) -> &mut Self {
        self.raw(k, if v { "true" } else { "false" })
    }

    /// An array of strings.
    pub fn strs<'s>(&mut self, k: &str, v: impl IntoIterator<Item = &'s str>) -> &mut Self {
        let out = self.key(k);
        out.push('[');
        for (i, s) in v.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(out, s);
        }
        out.push(']');
        self
    }

    fn raw(&mut self, k: &str, text: &str) -> &mut Self {
        self.key(k).push_str(text);
        self
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(v: &Value) {
        assert_eq!(compact(v), serde_json::to_string(v).unwrap());
        assert_eq!(pretty(v), serde_json::to_string_pretty(v).unwrap());
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let all_bytes: String = (0u8..128).map(char::from).collect();
        for text in [
            "null",
            "[]",
            "{}",
            "[[]]",
            "[{}]",
            "{\"a\":[]}",
            "{\"a\":{}}",
            "[1,-2,3.5,-0.0,1e300,1.5e-7,18446744073709551615,-9223372036854775808,0.1,100000000000000000000.0]",
            "{\"k\":\"é 😀 \\u0000 \\u001f \\u007f / \\\\ \\\" \\n\\r\\t\\b\\f\",\"n\":{\"deep\":[true,false,null,[1,[2,{\"x\":{}}]]]}}",
        ] {
            same(&crate::json::parse(text).unwrap());
        }
        assert_eq!(quoted(&all_bytes), serde_json::to_string(&all_bytes).unwrap());
        same(&Value::String(all_bytes));
        for f in [
            include_str!("../../www/scenarios/account-lab.json"),
            include_str!("../../www/scenarios/course-queue-kill-0.17.json"),
            include_str!("../../www/lessons/04-manual-ack.json"),
            include_str!("../../www/lessons/index.json"),
        ] {
            same(&crate::json::parse(f).unwrap());
        }
    }

    #[test]
    fn an_object_writer_writes_members_in_order_as_serde_json_would() {
        let mut out = String::new();
        let mut o = Object::new(&mut out);
        o.num("t", 1500u64).str("event", "a\"b").opt_str("queue", None).opt_str("durable", Some("d")).bool("ok", true).num("before", -3i64);
        o.opt_num("version", None).opt_num("v2", Some(7)).strs("anomalies", ["lost", "x\ny"]).strs("none", []);
        o.end();
        let want = serde_json::json!({"t": 1500, "event": "a\"b", "queue": null, "durable": "d", "ok": true, "before": -3, "version": null, "v2": 7, "anomalies": ["lost", "x\ny"], "none": []});
        assert_eq!(out, serde_json::to_string(&want).unwrap());
    }
}
