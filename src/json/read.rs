//! JSON text to a [`Value`], exactly as `serde_json::from_str::<Value>` reads it — the same
//! values (numbers as `u64`, `i64` or `f64` by the same rules, the same float rounding,
//! duplicate keys keeping their first place and their last value), the same error messages
//! at the same line and column, the same 128-level nesting limit — without serde's
//! deserializer machinery, which is ~4 KB of the page's gzipped download. serde_json still
//! writes JSON, and a test reads thousands of documents, broken and whole, through both.

use serde_json::{Map, Number, Value};

/// A syntax error: serde_json's message and its (1-based) line and (byte) column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Syntax {
    pub line: usize,
    pub column: usize,
    pub message: &'static str,
}

const EOF_LIST: &str = "EOF while parsing a list";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_STRING: &str = "EOF while parsing a string";
const EOF_VALUE: &str = "EOF while parsing a value";
const COLON: &str = "expected `:`";
const LIST_COMMA: &str = "expected `,` or `]`";
const OBJECT_COMMA: &str = "expected `,` or `}`";
const IDENT: &str = "expected ident";
const VALUE: &str = "expected value";
const ESCAPE: &str = "invalid escape";
const NUMBER: &str = "invalid number";
const RANGE: &str = "number out of range";
const CONTROL: &str = "control character (\\u0000-\\u001F) found while parsing a string";
const KEY: &str = "key must be a string";
const SURROGATE: &str = "lone leading surrogate in hex escape";
const TRAILING_COMMA: &str = "trailing comma";
const TRAILING: &str = "trailing characters";
const HEX_END: &str = "unexpected end of hex escape";
const DEPTH: &str = "recursion limit exceeded";

/// Reads one JSON document (whitespace around it allowed).
pub fn parse(text: &str) -> Result<Value, Syntax> {
    let mut r = Reader { s: text, b: text.as_bytes(), i: 0, depth: 128 };
    let v = r.value()?;
    match r.ws() {
        Some(_) => Err(r.peek_err(TRAILING)),
        None => Ok(v),
    }
}

type R<T> = Result<T, Syntax>;

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: u8,
}

impl Reader<'_> {
    fn at(&self, i: usize, message: &'static str) -> Syntax {
        let before = &self.b[..i.min(self.b.len())];
        let start = before.iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
        Syntax { line: 1 + before[..start].iter().filter(|&&c| c == b'\n').count(), column: before.len() - start, message }
    }

    /// An error about the byte just read.
    fn err(&self, message: &'static str) -> Syntax {
        self.at(self.i, message)
    }

    /// An error about the byte not yet read.
    fn peek_err(&self, message: &'static str) -> Syntax {
        self.at(self.i + 1, message)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn peek_or_null(&self) -> u8 {
        self.peek().unwrap_or(0)
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    /// Skips whitespace; the next byte.
    fn ws(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
        self.peek()
    }

    fn value(&mut self) -> R<Value> {
        let Some(c) = self.ws() else { return Err(self.peek_err(EOF_VALUE)) };
        Ok(match c {
            b'n' => self.ident(b"null", Value::Null)?,
            b't' => self.ident(b"true", Value::Bool(true))?,
            b'f' => self.ident(b"false", Value::Bool(false))?,
            b'-' => {
                self.i += 1;
                self.number(false)?
            }
            b'0'..=b'9' => self.number(true)?,
            b'"' => {
                self.i += 1;
                Value::String(self.string()?)
            }
            b'[' | b'{' => {
                self.depth -= 1;
                if self.depth == 0 {
                    return Err(self.peek_err(DEPTH));
                }
                self.i += 1;
                let v = if c == b'[' { self.list()? } else { self.object()? };
                self.depth += 1;
                // The closing bracket (list and object stop only at theirs).
                self.i += 1;
                v
            }
            _ => return Err(self.peek_err(VALUE)),
        })
    }

    fn ident(&mut self, word: &[u8], v: Value) -> R<Value> {
        self.i += 1;
        for &want in &word[1..] {
            match self.next() {
                None => return Err(self.err(EOF_VALUE)),
                Some(c) if c != want => return Err(self.err(IDENT)),
                Some(_) => {}
            }
        }
        Ok(v)
    }

    fn list(&mut self) -> R<Value> {
        let mut items = Vec::new();
        loop {
            let Some(c) = self.ws() else { return Err(self.peek_err(EOF_LIST)) };
            if c == b']' {
                return Ok(Value::Array(items));
            }
            if !items.is_empty() {
                if c != b',' {
                    return Err(self.peek_err(LIST_COMMA));
                }
                self.i += 1;
                match self.ws() {
                    Some(b']') => return Err(self.peek_err(TRAILING_COMMA)),
                    Some(_) => {}
                    None => return Err(self.peek_err(EOF_VALUE)),
                }
            }
            items.push(self.value()?);
        }
    }

    fn object(&mut self) -> R<Value> {
        let mut map = Map::new();
        let mut first = true;
        loop {
            let Some(c) = self.ws() else { return Err(self.peek_err(EOF_OBJECT)) };
            if c == b'}' {
                return Ok(Value::Object(map));
            }
            if !first {
                if c != b',' {
                    return Err(self.peek_err(OBJECT_COMMA));
                }
                self.i += 1;
                match self.ws() {
                    Some(b'"') => {}
                    Some(b'}') => return Err(self.peek_err(TRAILING_COMMA)),
                    Some(_) => return Err(self.peek_err(KEY)),
                    None => return Err(self.peek_err(EOF_VALUE)),
                }
            } else if c != b'"' {
                return Err(self.peek_err(KEY));
            }
            first = false;
            self.i += 1;
            let key = self.string()?;
            match self.ws() {
                Some(b':') => self.i += 1,
                Some(_) => return Err(self.peek_err(COLON)),
                None => return Err(self.peek_err(EOF_OBJECT)),
            }
            let v = self.value()?;
            // A repeated key keeps its first place and takes the last value (IndexMap).
            map.insert(key, v);
        }
    }

    /// A string's contents, after its opening quote.
    fn string(&mut self) -> R<String> {
        let mut out = String::new();
        let mut start = self.i;
        loop {
            while self.peek().is_some_and(|c| c != b'"' && c != b'\\' && c >= 0x20) {
                self.i += 1;
            }
            let Some(c) = self.peek() else { return Err(self.err(EOF_STRING)) };
            // Stops are ASCII bytes, so this is a whole run of characters.
            out.push_str(&self.s[start..self.i]);
            self.i += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => self.escape(&mut out)?,
                _ => return Err(self.err(CONTROL)),
            }
            start = self.i;
        }
    }

    fn escape(&mut self, out: &mut String) -> R<()> {
        let Some(c) = self.next() else { return Err(self.err(EOF_STRING)) };
        let ch = match c {
            b'"' | b'\\' | b'/' => char::from(c),
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let n = self.hex4()?;
                let c = match n {
                    0xDC00..=0xDFFF => return Err(self.err(SURROGATE)),
                    0xD800..=0xDBFF => {
                        for want in [b'\\', b'u'] {
                            let Some(c) = self.peek() else { return Err(self.err(EOF_STRING)) };
                            self.i += 1;
                            if c != want {
                                return Err(self.err(HEX_END));
                            }
                        }
                        let n2 = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&n2) {
                            return Err(self.err(SURROGATE));
                        }
                        0x1_0000 + ((n - 0xD800) << 10 | (n2 - 0xDC00))
                    }
                    n => n,
                };
                // Surrogates were paired above: every code point here is a char.
                char::from_u32(c).unwrap_or('\u{fffd}')
            }
            _ => return Err(self.err(ESCAPE)),
        };
        out.push(ch);
        Ok(())
    }

    fn hex4(&mut self) -> R<u32> {
        let Some(digits) = self.b.get(self.i..self.i + 4) else {
            self.i = self.b.len();
            return Err(self.err(EOF_STRING));
        };
        self.i += 4;
        digits.iter().try_fold(0, |n, &d| (d as char).to_digit(16).map(|d| n << 4 | d)).ok_or_else(|| self.err(ESCAPE))
    }

    /// A number, after its minus sign if any.
    fn number(&mut self, positive: bool) -> R<Value> {
        let mut sig = match self.next() {
            None => return Err(self.err(EOF_VALUE)),
            Some(b'0') if self.peek_or_null().is_ascii_digit() => return Err(self.peek_err(NUMBER)),
            Some(c @ b'0'..=b'9') => u64::from(c - b'0'),
            Some(_) => return Err(self.err(NUMBER)),
        };
        // Whole digits while they fit in a u64; past that, only their count matters.
        let mut exp = 0i32;
        while let c @ b'0'..=b'9' = self.peek_or_null() {
            self.i += 1;
            let d = u64::from(c - b'0');
            if exp > 0 || overflows(sig, d) {
                exp += 1;
            } else {
                sig = sig * 10 + d;
            }
        }
        let f = match self.peek_or_null() {
            b'.' => self.fraction(positive, sig, exp)?,
            b'e' | b'E' => self.exponent(positive, sig, exp)?,
            _ if exp > 0 => self.float(positive, sig, exp)?,
            _ if positive => return Ok(Value::Number(sig.into())),
            _ => {
                let neg = (sig as i64).wrapping_neg();
                // `-0` and integers below i64::MIN are floats.
                if neg < 0 {
                    return Ok(Value::Number(neg.into()));
                }
                -(sig as f64)
            }
        };
        Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
    }

    fn fraction(&mut self, positive: bool, mut sig: u64, mut exp: i32) -> R<f64> {
        self.i += 1;
        let mut any = false;
        let mut full = false;
        while let c @ b'0'..=b'9' = self.peek_or_null() {
            let d = u64::from(c - b'0');
            if full || overflows(sig, d) {
                // Digits past a u64's reach are dropped.
                full = true;
            } else {
                sig = sig * 10 + d;
                exp -= 1;
                any = true;
            }
            self.i += 1;
        }
        if !any && !full {
            return Err(match self.peek() {
                Some(_) => self.peek_err(NUMBER),
                None => self.peek_err(EOF_VALUE),
            });
        }
        match self.peek_or_null() {
            b'e' | b'E' => self.exponent(positive, sig, exp),
            _ => self.float(positive, sig, exp),
        }
    }

    fn exponent(&mut self, positive: bool, sig: u64, start: i32) -> R<f64> {
        self.i += 1;
        let up = match self.peek_or_null() {
            b'+' => {
                self.i += 1;
                true
            }
            b'-' => {
                self.i += 1;
                false
            }
            _ => true,
        };
        let mut e = match self.next() {
            None => return Err(self.err(EOF_VALUE)),
            Some(c @ b'0'..=b'9') => i32::from(c - b'0'),
            Some(_) => return Err(self.err(NUMBER)),
        };
        while let c @ b'0'..=b'9' = self.peek_or_null() {
            self.i += 1;
            let d = i32::from(c - b'0');
            if e >= i32::MAX / 10 && (e > i32::MAX / 10 || d > i32::MAX % 10) {
                if sig != 0 && up {
                    return Err(self.err(RANGE));
                }
                while self.peek_or_null().is_ascii_digit() {
                    self.i += 1;
                }
                return Ok(if positive { 0.0 } else { -0.0 });
            }
            e = e * 10 + d;
        }
        self.float(positive, sig, if up { start.saturating_add(e) } else { start.saturating_sub(e) })
    }

    /// `sig × 10^exp`, by serde_json's arithmetic: one product or quotient with a
    /// correctly rounded power of ten, quotients past 1e308 in steps of 1e308.
    fn float(&self, positive: bool, sig: u64, mut exp: i32) -> R<f64> {
        let mut f = sig as f64;
        loop {
            let e = exp.unsigned_abs();
            if e <= 308 {
                if exp >= 0 {
                    f *= pow10(e);
                    if f.is_infinite() {
                        return Err(self.err(RANGE));
                    }
                } else {
                    f /= pow10(e);
                }
                break;
            }
            if f == 0.0 {
                break;
            }
            if exp >= 0 {
                return Err(self.err(RANGE));
            }
            f /= 1e308;
            exp += 308;
        }
        Ok(if positive { f } else { -f })
    }
}

/// Whether `sig * 10 + d` passes `u64::MAX`.
fn overflows(sig: u64, d: u64) -> bool {
    sig >= u64::MAX / 10 && (sig > u64::MAX / 10 || d > u64::MAX % 10)
}

/// 10^e (e ≤ 308) as the nearest double, as the literal `1eE` is: exact up to 1e22, and
/// past that 5^e in big integers, rounded to 53 bits (ties to even), times 2^e. No table.
pub fn pow10(e: u32) -> f64 {
    if e <= 22 {
        return (0..e).fold(1.0, |p, _| p * 10.0);
    }
    // 5^e in 32-bit limbs, least significant first, 5^13 (the largest power in a limb) at a
    // time: a document full of large exponents stays quick to read.
    let mut limbs: Vec<u32> = vec![1];
    let mut left = e;
    while left > 0 {
        let k = left.min(13);
        left -= k;
        let f = 5u64.pow(k);
        let mut carry = 0u64;
        for l in limbs.iter_mut() {
            let v = u64::from(*l) * f + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
    }
    let top = limbs.len() - 1;
    let bits = 32 * top as u32 + (32 - limbs[top].leading_zeros());
    let bit = |k: u32| limbs[(k / 32) as usize] >> (k % 32) & 1 == 1;
    let shift = bits - 53;
    let mut m = (shift..bits).rev().fold(0u64, |m, k| m << 1 | u64::from(bit(k)));
    let half = bit(shift - 1);
    let sticky = (0..shift - 1).any(bit);
    if half && (sticky || m & 1 == 1) {
        m += 1;
    }
    // m < 2^54 is exact; 2^(shift + e) is a normal double for e ≤ 308.
    m as f64 * f64::from_bits(u64::from(shift + e + 1023) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json's answer, in the same shape.
    fn theirs(s: &str) -> Result<Value, Syntax> {
        serde_json::from_str::<Value>(s).map_err(|e| {
            let text = e.to_string();
            let message = text.split(" at line ").next().unwrap_or_default().to_string();
            Syntax { line: e.line(), column: e.column(), message: Box::leak(message.into_boxed_str()) }
        })
    }

    fn same(s: &str) {
        let (ours, theirs) = (parse(s), theirs(s));
        match (&ours, &theirs) {
            // Floats by their bits (so -0.0 and NaN-free rounding are compared exactly).
            (Ok(a), Ok(b)) => assert_eq!(crate::json::exact(a), crate::json::exact(b), "{s:?}"),
            _ => assert_eq!(ours, theirs, "{s:?}"),
        }
    }

    #[test]
    fn powers_of_ten_are_the_nearest_doubles() {
        for e in 0..=308u32 {
            assert_eq!(pow10(e), format!("1e{e}").parse::<f64>().unwrap(), "1e{e}");
        }
    }

    #[test]
    fn reads_what_serde_json_reads_and_fails_where_it_fails() {
        let cases = [
            "",
            " ",
            "null",
            "nul",
            "nulx",
            "true",
            "tru",
            "false",
            "fals ",
            "[",
            "]",
            "{",
            "}",
            "[1,]",
            "[1 2]",
            "[,1]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{\"a\":}",
            "{1:2}",
            "{\"a\":1 \"b\":2}",
            "{\"a\":1,\"a\":2,\"b\":3}",
            "{\"b\":1,\"a\":2,\"b\":[3]}",
            "[1] x",
            "1 2",
            "0",
            "-0",
            "-",
            "01",
            "-01",
            "1.",
            "1.e3",
            "1e",
            "1e+",
            "1e-",
            "1ex",
            ".5",
            "+1",
            "1.5",
            "-1.5",
            "1e3",
            "1E-3",
            "2.5e+10",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "1.23456789012345678901234567890",
            "0.1",
            "0.3",
            "0.30000000000000004",
            "1e308",
            "1e309",
            "-1e309",
            "1e-400",
            "0e999999999999",
            "1e999999999999",
            "1e-999999999999",
            "4.9e-324",
            "2.2250738585072014e-308",
            "1.7976931348623157e308",
            "123.456e-7",
            "99999999999999999999e-5",
            "5e-324",
            "0.000000000000000000000000000001",
            "1234567890123456789012e-30",
            "\"abc\"",
            "\"a\\nb\"",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"",
            "\"\\ud83d\\n\"",
            "\"\\ud83dx\"",
            "\"\\ude00\"",
            "\"\\ud83d\\u0041\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"\\x\"",
            "\"\\",
            "\"abc",
            "\"a\u{1}b\"",
            "\"tab\there\"",
            "\"é ünïcödé 😀\"",
            "\"\\/\\\\\\\"\\b\\f\\r\\t\"",
            "[\"a\",{\"b\":[null,true,false,-1,2.5]}]",
            "\n\n  [1,\n  2,\n  x]",
            "{\n\"a\": [\n1,\n}",
            "{\"a\":1}\n\n  }",
            "[[[[]]]]",
            "\"\\uD834\\uDD1E\"",
            "\"\\uDBFF\\uDFFF\"",
            "\"\\uD800\\uDBFF\"",
            "[1,\n",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1",
            "{\"a\":1,",
            "[true",
            "[true,",
            "\r\n\t 7 \r\n",
        ];
        for s in cases {
            same(s);
        }
        for depth in [126, 127, 128, 129, 1000] {
            same(&"[".repeat(depth));
            same(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
            same(&format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)));
        }
    }

    #[test]
    fn every_cut_and_every_byte_change_of_real_files_reads_as_serde_json_reads_it() {
        let files = [
            include_str!("../../www/scenarios/account-lab.json"),
            include_str!("../../www/scenarios/course-queue-kill-0.17.json"),
            include_str!("../../www/lessons/04-manual-ack.json"),
            r#"{"n": -12.5e-3, "u": 18446744073709551615, "i": -42, "s": "a\"\\\/\u00e9\ud83d\ude00", "z": [0, -0, 0.0, 1E2]}"#,
        ];
        let swaps = [b'"', b'\\', b',', b':', b']', b'}', b'[', b'{', b'0', b'-', b'.', b'e', b' ', b'\n', 1, b'u', b'x'];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for f in files {
            for cut in (0..=f.len()).step_by(3) {
                if f.is_char_boundary(cut) {
                    same(&f[..cut]);
                }
            }
            let b = f.as_bytes();
            for _ in 0..3000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = (x % b.len() as u64) as usize;
                let mut m = b.to_vec();
                m[at] = swaps[(x >> 40) as usize % swaps.len()];
                if let Ok(s) = std::str::from_utf8(&m) {
                    same(s);
                }
            }
        }
    }
}
