//! Case folding as the real server does it (Go's `strings.ToLower`), shared by the engine
//! (NATS Streaming refuses a channel whose name differs from an existing one only in case)
//! and the page (the event log's filter).
//!
//! Go maps each letter on its own (`unicode.ToLower`, simple case mapping): `Σ` is always `σ`
//! and `İ` is `i`, where Rust's `str::to_lowercase` uses full mappings (`ς` at a word's end,
//! `i̇`) — and carries a 1,400-entry table into the page. This covers what channel names and
//! log lines are written in: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic. Letters of
//! other scripts are kept as they are (Go would fold Armenian, Georgian, Glagolitic, … too).

/// `unicode.ToLower` for one letter (see the module: Latin, Greek, Cyrillic).
pub fn lower_char(c: char) -> char {
    let u = c as u32;
    let even_up = |lo: u32, hi: u32| (lo..=hi).contains(&u) && (u - lo) % 2 == 0;
    let l = match u {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => u + 32,
        0x130 => 0x69,
        0x178 => 0xFF,
        _ if even_up(0x100, 0x12F) || even_up(0x132, 0x137) || even_up(0x14A, 0x177) => u + 1,
        _ if even_up(0x139, 0x148) || even_up(0x179, 0x17E) => u + 1,
        0x386 => 0x3AC,
        0x388..=0x38A => u + 37,
        0x38C => 0x3CC,
        0x38E..=0x38F => u + 63,
        0x391..=0x3A1 | 0x3A3..=0x3AB => u + 32,
        0x400..=0x40F => u + 80,
        0x410..=0x42F => u + 32,
        0x4C0 => 0x4CF,
        _ if even_up(0x460, 0x481) || even_up(0x48A, 0x4BF) || even_up(0x4D0, 0x52F) => u + 1,
        _ if even_up(0x4C1, 0x4CE) => u + 1,
        _ => u,
    };
    char::from_u32(l).unwrap_or(c)
}

/// Go's `strings.ToLower` (see the module for its reach).
pub fn lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().map(lower_char).collect()
}

/// A control character as Rust writes it in `{:?}` (`\n`, `\t`, `\u{1b}`), other characters
/// as they are.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        c if c.is_control() => {
            out.push_str("\\u{");
            let v = c as u32;
            let digits = (32 - v.leading_zeros()).div_ceil(4).max(1);
            for i in (0..digits).rev() {
                out.push(char::from_digit((v >> (4 * i)) & 0xf, 16).unwrap_or('0'));
            }
            out.push('}');
        }
        c => out.push(c),
    }
}

/// `s` in double quotes, as `{:?}` writes it for the names and values messages and the
/// server's log quote (`"orders"`, `"a\"b"`, `"line\n"`), without `{:?}`'s Unicode tables:
/// characters that are not control characters stay as they are. (The tables stay in the
/// page for core's own panic messages; this keeps each message's formatting code small.)
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => push_escaped(&mut out, c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_writes_what_debug_writes_for_names_and_control_characters() {
        for s in [
            "orders",
            "ticket:created",
            "a\"b",
            "back\\slash",
            "line\nbreak",
            "tab\there",
            "nul\0",
            "esc\u{1b}[0m",
            "del\u{7f}",
            "c1\u{85}",
            "émoji 🎫 Σ",
            "",
            "it's",
        ] {
            assert_eq!(quote(s), format!("{s:?}"), "{s}");
        }
    }

    #[test]
    fn lower_folds_like_go_for_latin_greek_and_cyrillic() {
        assert_eq!(lower("Orders.Created"), "orders.created");
        assert_eq!(lower("ÄRGER Œuvre ŁÓDŹ Ÿ"), "ärger œuvre łódź ÿ");
        assert_eq!(lower("ΣΟΦΊΑ ΌΣ"), "σοφία όσ", "Go folds Σ to σ everywhere, unlike Rust's final ς");
        assert_eq!(lower("İSTANBUL"), "istanbul", "Go: İ is i (Rust would give i̇)");
        assert_eq!(lower("ЗАКАЗ Ёж Ѣ"), "заказ ёж ѣ");
        assert_eq!(lower("×÷ 123 ß"), "×÷ 123 ß");
        // Where both agree, it is Rust's lowercase too.
        for s in ["Bestellung", "ÀÉÎÕÜ", "ĀĂĄĆĈĊČĎĐĒ", "ΑΒΓΔ", "АБВГДЕЖЗИЙ", "ЀЁЂЃ"] {
            assert_eq!(lower(s), s.to_lowercase(), "{s}");
        }
    }
}
