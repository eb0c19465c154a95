//! Share links: a scenario in the URL fragment, compressed the way code playgrounds do it —
//! lz-string's `compressToEncodedURIComponent` / `decompressFromEncodedURIComponent`,
//! byte-compatible with the npm package (lz-string 1.5.0), so a link made by any tool that
//! uses it opens here and the other way round. No web dependency: tested natively.
//!
//! Decompression refuses what a tampered link can do: characters outside the alphabet, a
//! stream that ends early or points at a dictionary entry that does not exist, and output
//! larger than the caller's limit (a small link must not expand into a frozen tab).

use crate::engine::scenario::MAX_UNTIL_MS;
use crate::engine::vecmap::VecSet;
use crate::engine::{Scenario, SimTime};
use std::fmt;

/// How a share link's URL fragment starts.
const PREFIX: &str = "#s=";
/// Longest fragment a share link may have (characters); longer ones are refused unread.
pub const MAX_LINK_CHARS: usize = 200_000;
/// Largest scenario text a link may expand to (characters).
pub const MAX_SCENARIO_CHARS: usize = 2_000_000;

/// A share link's fragment for `scenario` with the cursor at `t`: `#s=…&t=…`.
pub fn fragment(scenario: &Scenario, t: SimTime) -> String {
    let text = crate::json::write::compact(&scenario.to_value());
    format!("{PREFIX}{}&t={t}", compress_to_uri(&text))
}

/// A share link's fragment for `scenario` at `t`, or why the page would refuse to open it
/// (said at once: a scenario text over [`MAX_SCENARIO_CHARS`] is refused before compressing).
pub fn try_fragment(scenario: &Scenario, t: SimTime) -> Result<String, String> {
    let text = crate::json::write::compact(&scenario.to_value());
    if text.len() > MAX_SCENARIO_CHARS {
        return Err(format!(
            "this run is too large to share as a link: its scenario is {} characters, and a link may hold at most {MAX_SCENARIO_CHARS} (use Export for a file instead)",
            text.len()
        ));
    }
    let Some(link) = compress_to_uri_within(&text, MAX_LINK_CHARS) else {
        return Err(format!(
            "this run is too large to share as a link: it compresses to more than {MAX_LINK_CHARS} characters, the most a link may hold (use Export for a file instead)"
        ));
    };
    Ok(format!("{PREFIX}{link}&t={t}"))
}

/// Whether a URL fragment is a share link's (`#s=…`), read or not: a share link comes before
/// what the query asks to open.
pub fn is_link(hash: &str) -> bool {
    hash.starts_with(PREFIX)
}

/// What a share link holds: its scenario text (either server) and time, or why it cannot be
/// read.
pub fn fragment_text(hash: &str) -> Option<Result<(String, SimTime), String>> {
    let body = hash.strip_prefix(PREFIX)?;
    if body.len() > MAX_LINK_CHARS {
        return Some(Err(format!("the link is too long ({} characters; at most {MAX_LINK_CHARS})", body.len())));
    }
    let (data, t) = match body.split_once("&t=") {
        Some((d, t)) => match t.parse::<SimTime>() {
            Ok(t) if t <= MAX_UNTIL_MS => (d, t),
            _ => return Some(Err(format!("the time in the link ({}) is not a number of milliseconds up to {MAX_UNTIL_MS}", crate::json::clip_line(t, 20)))),
        },
        None => (body, 0),
    };
    Some(decompress_from_uri(data, MAX_SCENARIO_CHARS).map_err(|e| e.to_string()).map(|text| (text, t)))
}

/// A share link's fragment for scenario `text` as it is (a JetStream scenario's) at `t`, or
/// why the page would refuse to open it.
pub fn try_text_fragment(text: &str, t: SimTime) -> Result<String, String> {
    if text.len() > MAX_SCENARIO_CHARS {
        return Err(format!(
            "this run is too large to share as a link: its scenario is {} characters, and a link may hold at most {MAX_SCENARIO_CHARS}",
            text.len()
        ));
    }
    compress_to_uri_within(text, MAX_LINK_CHARS)
        .map(|link| format!("{PREFIX}{link}&t={t}"))
        .ok_or_else(|| format!("this run is too large to share as a link: it compresses to more than {MAX_LINK_CHARS} characters, the most a link may hold"))
}

/// Reads a location fragment: `None` when it is not a share link, otherwise the scenario and
/// the time to open it at, or a one-line reason it cannot be opened.
pub fn from_fragment(hash: &str) -> Option<Result<(Scenario, SimTime), String>> {
    Some(fragment_text(hash)?.and_then(|(text, t)| {
        Scenario::parse(&text)
            .map_err(|e| format!("the scenario in it is invalid: {e}"))
            // a link made here never points past its scenario's end; a tampered one may not either
            .map(|s| {
                let t = t.min(s.until_ms);
                (s, t)
            })
    }))
}

const ALPHABET: &[u8; 65] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$";

/// Why a share link could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// A character that lz-string's URI alphabet does not have, at this index.
    BadCharacter(usize),
    /// The data is cut short or inconsistent (tampered or truncated).
    Corrupt,
    /// It would expand beyond the limit (in characters).
    TooLarge(usize),
    /// It decodes, but not to text.
    NotText,
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::BadCharacter(i) => write!(f, "the link has a character that cannot be in it (at position {})", i + 1),
            ShareError::Corrupt => write!(f, "the link is truncated or was changed"),
            ShareError::TooLarge(n) => write!(f, "the scenario in the link is larger than {n} characters"),
            ShareError::NotText => write!(f, "the link does not hold text"),
        }
    }
}

struct BitWriter {
    out: String,
    val: u32,
    pos: u32,
}

impl BitWriter {
    fn bit(&mut self, b: u32) {
        self.val = (self.val << 1) | b;
        if self.pos == 5 {
            self.pos = 0;
            self.out.push(ALPHABET[self.val as usize] as char);
            self.val = 0;
        } else {
            self.pos += 1;
        }
    }
    /// `n` bits of `value`, least significant first (lz-string's order).
    fn bits(&mut self, mut value: u32, n: u32) {
        for _ in 0..n {
            self.bit(value & 1);
            value >>= 1;
        }
    }
}

/// `LZString.compressToEncodedURIComponent(text)`.
pub fn compress_to_uri(text: &str) -> String {
    compress_to_uri_within(text, usize::MAX).expect("no limit")
}

/// [`compress_to_uri`], giving up (`None`) as soon as the output passes `max_out` characters:
/// a link the page would refuse costs only what it takes to see that. The dictionary is a
/// trie (node, next unit) → node, so each input unit costs one hash lookup, not a copy of the
/// current phrase.
pub fn compress_to_uri_within(text: &str, max_out: usize) -> Option<String> {
    use std::collections::HashMap;
    // Trie nodes: their dictionary code; node 0 is the empty phrase.
    let mut code: Vec<u32> = vec![0];
    let mut child: HashMap<(u32, u16), u32> = HashMap::new();
    let mut to_create: VecSet<u16> = VecSet::new();
    let (mut enlarge_in, mut dict_size, mut num_bits) = (2u32, 3u32, 2u32);
    let mut w = BitWriter { out: String::new(), val: 0, pos: 0 };
    // The current phrase: its trie node, and its unit when it is one unit long.
    let (mut cur, mut cur_len, mut cur_unit) = (0u32, 0usize, 0u16);
    let emit = |cur: u32, cur_len: usize, unit: u16, code: &[u32], w: &mut BitWriter, to_create: &mut VecSet<u16>, enlarge_in: &mut u32, num_bits: &mut u32| {
        if cur_len == 1 && to_create.remove(&unit) {
            let c = unit as u32;
            if c < 256 {
                w.bits(0, *num_bits);
                w.bits(c, 8);
            } else {
                w.bits(1, *num_bits);
                w.bits(c, 16);
            }
            *enlarge_in -= 1;
            if *enlarge_in == 0 {
                *enlarge_in = 1 << *num_bits;
                *num_bits += 1;
            }
        } else {
            w.bits(code[cur as usize], *num_bits);
        }
        *enlarge_in -= 1;
        if *enlarge_in == 0 {
            *enlarge_in = 1 << *num_bits;
            *num_bits += 1;
        }
    };
    for c in text.encode_utf16() {
        if let std::collections::hash_map::Entry::Vacant(e) = child.entry((0, c)) {
            e.insert(code.len() as u32);
            code.push(dict_size);
            dict_size += 1;
            to_create.insert(c);
        }
        if let Some(&next) = child.get(&(cur, c)) {
            cur = next;
            cur_len += 1;
            cur_unit = c;
        } else {
            emit(cur, cur_len, cur_unit, &code, &mut w, &mut to_create, &mut enlarge_in, &mut num_bits);
            if w.out.len() > max_out {
                return None;
            }
            child.insert((cur, c), code.len() as u32);
            code.push(dict_size);
            dict_size += 1;
            cur = child[&(0, c)];
            cur_len = 1;
            cur_unit = c;
        }
    }
    if cur_len > 0 {
        emit(cur, cur_len, cur_unit, &code, &mut w, &mut to_create, &mut enlarge_in, &mut num_bits);
    }
    w.bits(2, num_bits);
    loop {
        w.val <<= 1;
        if w.pos == 5 {
            w.out.push(ALPHABET[w.val as usize] as char);
            break;
        }
        w.pos += 1;
    }
    (w.out.len() <= max_out).then_some(w.out)
}

struct BitReader<'a> {
    input: &'a [u8],
    val: u32,
    position: u32,
    index: usize,
}

fn value_of(input: &[u8], i: usize) -> Result<u32, ShareError> {
    match input.get(i) {
        // lz-string reads past the end as 0; the end marker comes before that in a whole link
        None => Ok(0),
        Some(b' ') => Ok(62), // a '+' that became a space in a query string
        Some(c) => ALPHABET.iter().position(|a| a == c).map(|p| p as u32).ok_or(ShareError::BadCharacter(i)),
    }
}

impl BitReader<'_> {
    fn bits(&mut self, n: u32) -> Result<u32, ShareError> {
        let mut bits = 0;
        for k in 0..n {
            let b = self.val & self.position;
            self.position >>= 1;
            if self.position == 0 {
                self.position = 32;
                self.val = value_of(self.input, self.index)?;
                self.index += 1;
            }
            if b > 0 {
                bits |= 1 << k;
            }
        }
        Ok(bits)
    }
}

/// `LZString.decompressFromEncodedURIComponent(link)`, refusing output longer than `max_chars`
/// UTF-16 units.
pub fn decompress_from_uri(link: &str, max_chars: usize) -> Result<String, ShareError> {
    let input = link.as_bytes();
    if input.is_empty() {
        return Err(ShareError::Corrupt);
    }
    let mut r = BitReader { input, val: value_of(input, 0)?, position: 32, index: 1 };
    let mut dict: Vec<Vec<u16>> = vec![Vec::new(), Vec::new(), Vec::new()];
    let (mut enlarge_in, mut num_bits) = (4u32, 3u32);
    let first = match r.bits(2)? {
        0 => r.bits(8)? as u16,
        1 => r.bits(16)? as u16,
        2 => return Ok(String::new()),
        _ => return Err(ShareError::Corrupt),
    };
    dict.push(vec![first]);
    let mut w = vec![first];
    let mut out: Vec<u16> = vec![first];
    loop {
        if r.index > input.len() {
            return Err(ShareError::Corrupt);
        }
        let mut c = r.bits(num_bits)? as usize;
        match c {
            0 | 1 => {
                let unit = r.bits(if c == 0 { 8 } else { 16 })? as u16;
                dict.push(vec![unit]);
                c = dict.len() - 1;
                enlarge_in -= 1;
            }
            2 => return String::from_utf16(&out).map_err(|_| ShareError::NotText),
            _ => {}
        }
        if enlarge_in == 0 {
            enlarge_in = 1 << num_bits;
            num_bits += 1;
        }
        let entry = if c < dict.len() && c > 2 {
            dict[c].clone()
        } else if c == dict.len() {
            let mut e = w.clone();
            e.push(w[0]);
            e
        } else {
            return Err(ShareError::Corrupt);
        };
        out.extend_from_slice(&entry);
        if out.len() > max_chars {
            return Err(ShareError::TooLarge(max_chars));
        }
        let mut next = w;
        next.push(entry[0]);
        dict.push(next);
        enlarge_in -= 1;
        w = entry;
        if enlarge_in == 0 {
            enlarge_in = 1 << num_bits;
            num_bits += 1;
        }
        if num_bits > 24 {
            return Err(ShareError::Corrupt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Produced by the npm package lz-string 1.5.0 (`compressToEncodedURIComponent`).
    const VECTORS: &[(&str, &str)] = &[
        ("", "Q"),
        ("a", "IZA"),
        ("hello hello hello", "BYUwNmD2AEoTcpA"),
        ("{\"version\":1,\"until_ms\":5000,\"actions\":[]}", "N4IgbgpgTgzglgewHYgFwEYA0ICuSAucANgPoC2MaArAAx3YCGAxocpagNoC6AvkA"),
        ("añ€😀 mixed ünïcode", "IYR8NQSLwbgAewBAtgSwB4FMAmMA-A7A9wYwHs0Ug"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "IY18ZXTt-Q"),
    ];

    #[test]
    fn compression_matches_the_npm_package_byte_for_byte() {
        for (text, link) in VECTORS {
            assert_eq!(compress_to_uri(text), *link, "{text:?}");
            assert_eq!(decompress_from_uri(link, 1000).as_deref(), Ok(*text), "{link}");
        }
    }

    #[test]
    fn long_texts_round_trip_and_a_limit_stops_compression_early() {
        // 60,000 units of a repetitive scenario-like text with non-ASCII and astral characters.
        let text: String = (0..2000).map(|i| format!("{{\"at_ms\": {i}, \"data\": \"é€𝄞{}\"}},", i % 7)).collect();
        let link = compress_to_uri(&text);
        assert_eq!(decompress_from_uri(&link, 1 << 20).unwrap(), text);
        assert_eq!(compress_to_uri_within(&text, link.len()).as_deref(), Some(link.as_str()));
        assert_eq!(compress_to_uri_within(&text, link.len() - 1), None);
        assert_eq!(compress_to_uri_within(&text, 100), None);
    }

    #[test]
    fn a_jetstream_scenario_travels_as_its_text_and_the_stan_reader_says_what_it_is() {
        let text = include_str!("../tests/jetstream/scenarios/group-kill.json");
        let frag = try_text_fragment(text, 2150).unwrap();
        assert!(frag.ends_with("&t=2150"), "{frag}");
        assert_eq!(fragment_text(&frag).unwrap().unwrap(), (text.to_string(), 2150));
        assert_eq!(
            from_fragment(&frag).unwrap().unwrap_err(),
            "the scenario in it is invalid: server.kind: a JetStream scenario, not a NATS Streaming one (the page opens it in JetStream mode; natsim run runs it)"
        );
        assert!(try_text_fragment(&"x".repeat(MAX_SCENARIO_CHARS + 1), 0).unwrap_err().contains("too large to share"));
    }

    #[test]
    fn every_example_scenario_round_trips() {
        for text in [include_str!("../www/scenarios/account-lab.json"), include_str!("../www/scenarios/course-queue-kill-0.17.json")] {
            let link = compress_to_uri(text);
            assert!(link.len() < text.len(), "{} ≥ {}", link.len(), text.len());
            assert_eq!(decompress_from_uri(&link, 1 << 20).unwrap(), text);
        }
    }

    #[test]
    fn a_fragment_round_trips_a_scenario_and_its_time() {
        let s = Scenario::parse(include_str!("../www/scenarios/account-lab.json")).unwrap();
        let f = fragment(&s, 7000);
        assert!(f.starts_with("#s=") && f.ends_with("&t=7000"), "{f}");
        let (back, t) = from_fragment(&f).unwrap().unwrap();
        assert_eq!((back, t), (s, 7000));
        assert!(from_fragment("#intro").is_none());
        // a time past the scenario's end opens at its end
        let late = format!("#s={}&t=999999999", compress_to_uri("{\"until_ms\": 10, \"actions\": []}"));
        assert_eq!(from_fragment(&late).unwrap().unwrap().1, 10);
        assert!(from_fragment("").is_none());
    }

    #[test]
    fn bad_fragments_say_why_in_one_line() {
        let e = |h: &str| from_fragment(h).unwrap().unwrap_err();
        assert_eq!(e("#s=N4Ig!bg"), "the link has a character that cannot be in it (at position 5)");
        assert_eq!(e("#s=N4IgbgpgTgzglgewHYgFwEYA0ICuSAucANgPoC2MaArAAx3YCGAx"), "the link is truncated or was changed");
        let ok = compress_to_uri("{\"until_ms\": 10}");
        assert_eq!(e(&format!("#s={ok}&t=soon")), "the time in the link (soon) is not a number of milliseconds up to 1000000000");
        assert_eq!(e(&format!("#s={ok}&t=1\n2")), "the time in the link (1\\n2) is not a number of milliseconds up to 1000000000");
        let bad = compress_to_uri("{\"until_ms\": \"soon\"}");
        assert!(e(&format!("#s={bad}")).starts_with("the scenario in it is invalid: until_ms"), "{}", e(&format!("#s={bad}")));
        assert!(is_link("#s=N4Ig!bg") && !is_link("") && !is_link("#lesson") && !is_link("s=abc"), "a link is a link before it is read");
        let long = format!("#s={}", "A".repeat(MAX_LINK_CHARS + 1));
        assert_eq!(e(&long), "the link is too long (200001 characters; at most 200000)");
    }

    #[test]
    fn tampered_truncated_and_oversized_links_are_refused() {
        assert_eq!(decompress_from_uri("N4Ig!bgpgTgzglgewHYgFwEYA0ICuSAucANgPoC2MaArAAx3YCGAxocpagNoC6AvkA", 1000), Err(ShareError::BadCharacter(4)));
        assert_eq!(decompress_from_uri("garbage!!", 1000), Err(ShareError::Corrupt));
        // cut in the middle (lz-string itself returns "" here)
        assert_eq!(decompress_from_uri("N4IgbgpgTgzglgewHYgFwEYA0ICuSAucANgPoC2MaArAAx3YCGAx", 1000), Err(ShareError::Corrupt));
        assert_eq!(decompress_from_uri("", 1000), Err(ShareError::Corrupt));
        // 91 'a's do not fit in 50 characters
        assert_eq!(decompress_from_uri("IY18ZXTt-Q", 50), Err(ShareError::TooLarge(50)));
        // arbitrary alphabet soup never panics
        let mut x = 0x2545F4914F6CDD1Du64;
        for _ in 0..2000 {
            let len = (x % 40) as usize + 1;
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    ALPHABET[(x % 64) as usize] as char
                })
                .collect();
            let _ = decompress_from_uri(&s, 10_000);
        }
    }

    #[test]
    fn a_run_too_large_for_a_link_is_refused_at_once_with_the_reason() {
        let data = "x".repeat(MAX_SCENARIO_CHARS);
        let s =
            Scenario::parse(&format!(r#"{{"until_ms": 1, "actions": [{{"at_ms": 0, "do": "publish", "client": "p", "channel": "a", "data": "{data}"}}]}}"#))
                .unwrap();
        let e = try_fragment(&s, 0).unwrap_err();
        assert!(e.starts_with("this run is too large to share as a link: its scenario is 2000"), "{e}");
        let ok = try_fragment(&Scenario::parse(r#"{"until_ms": 10, "actions": []}"#).unwrap(), 5).unwrap();
        assert!(ok.starts_with("#s=") && ok.ends_with("&t=5"));
        assert_eq!(from_fragment(&ok).unwrap().unwrap().1, 5);
    }
}
