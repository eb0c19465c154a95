//! `{:.N}` for `f64`, written without the standard library's float formatter.
//!
//! `format!("{:.1}", x)` links core's float formatting (Grisu with a Dragon4 fallback, a
//! bignum and their tables: ~12 KB of the page's wasm) for what is here a few lines of
//! integer arithmetic: the page and the engine only ever print seconds, percentages, speeds
//! and sizes to a fixed number of places. [`fixed`] gives exactly the same text as
//! `format!("{:.N}", x)` — the double's exact binary value, rounded half to even, a sign on
//! negative values and negative zero, `NaN` and `inf` as they are — for the values the
//! page meets (below 2^97 in magnitude, up to 9 places).
use std::fmt;

/// `x` to `places` decimal places, as `format!("{:.places$}", x)` writes it.
pub fn fixed(x: f64, places: u8) -> Fixed {
    Fixed(x, places.min(9))
}

/// `x` as `format!("{x}")` writes it (the fewest decimals that read back as `x`), for the
/// numbers the page writes this way: those that need at most 9 places and 15 significant
/// digits (`0.1`, `3600`, `-1`, `0.25`). Others get their first 9 places, trailing zeros
/// dropped.
pub fn short(x: f64) -> String {
    let mut out = String::new();
    for places in 0..=9 {
        out = fixed(x, places).to_string();
        if crate::json::decimal(&out) == Some(x) {
            break;
        }
    }
    if out.contains('.') {
        let keep = out.trim_end_matches('0').trim_end_matches('.').len();
        out.truncate(keep);
    }
    out
}

/// A number shown to a fixed number of places (see [`fixed`]).
#[derive(Clone, Copy, Debug)]
pub struct Fixed(f64, u8);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Fixed(x, places) = *self;
        if x.is_nan() {
            return f.write_str("NaN");
        }
        if x.is_sign_negative() {
            f.write_str("-")?;
        }
        if x.is_infinite() {
            return f.write_str("inf");
        }
        let bits = x.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        // |x| = m · 2^e exactly.
        let (m, e) = if exp == 0 { (frac, -1074) } else { (frac | (1 << 52), exp - 1075) };
        let scale = 10u128.pow(u32::from(places));
        let t = u128::from(m) * scale;
        let q = if e >= 0 {
            t << e.min(44) // exact below 2^97
        } else {
            let k = (-e) as u32;
            if k >= 127 {
                0 // t < 2^83 <= half: |x| rounds to zero
            } else {
                let (q, r, half) = (t >> k, t & ((1u128 << k) - 1), 1u128 << (k - 1));
                q + u128::from(r > half || (r == half && q % 2 == 1))
            }
        };
        // The digits of q, with the point `places` from the right.
        let mut buf = [0u8; 48];
        let mut i = buf.len();
        let mut n = q;
        let mut written = 0u32;
        while n > 0 || written <= u32::from(places) {
            if written == u32::from(places) && places > 0 {
                i -= 1;
                buf[i] = b'.';
            }
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            written += 1;
        }
        f.write_str(std::str::from_utf8(&buf[i..]).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::{fixed, short};

    #[test]
    fn short_reads_as_display_for_the_numbers_the_page_writes() {
        for x in [0.0, 0.1, 0.5, 1.0, 2.5, -1.0, 3.0, 3600.0, 0.25, 86_400.0, 1e-3, 0.3, 1.7, 12.34, -0.5] {
            assert_eq!(short(x), x.to_string(), "{x:e}");
        }
        for ms in 0..20_000u64 {
            let x = ms as f64 / 1000.0;
            assert_eq!(short(x), x.to_string(), "{ms} ms");
        }
        assert_eq!(short(0.477_121_254_719_662_4), "0.477121255"); // log10(3): past 9 places
    }

    #[test]
    fn seconds_and_percentages_read_as_with_format() {
        assert_eq!(fixed(1.25, 1).to_string(), "1.2"); // a tie: half to even
        assert_eq!(fixed(1.35, 1).to_string(), "1.4"); // 1.350000000000000088…
        assert_eq!(fixed(1.15, 1).to_string(), "1.1"); // 1.149999999999999911…
        assert_eq!(fixed(0.5, 0).to_string(), "0");
        assert_eq!(fixed(2.5, 0).to_string(), "2");
        assert_eq!(fixed(3.5, 0).to_string(), "4");
        assert_eq!(fixed(35.0, 1).to_string(), "35.0");
        assert_eq!(fixed(0.0, 2).to_string(), "0.00");
        assert_eq!(fixed(-0.0, 1).to_string(), "-0.0");
        assert_eq!(fixed(-1.26, 1).to_string(), "-1.3");
        assert_eq!(fixed(1000.0, 0).to_string(), "1000");
        assert_eq!(fixed(0.001, 4).to_string(), "0.0010");
        assert_eq!(fixed(f64::NAN, 1).to_string(), "NaN");
        assert_eq!(fixed(f64::NEG_INFINITY, 1).to_string(), "-inf");
        assert_eq!(format!("[{}]", fixed(99.95, 1)), "[100.0]"); // 99.9500000000000028…
    }

    #[test]
    fn every_millisecond_time_and_many_doubles_match_the_standard_formatter() {
        for ms in 0..200_000u64 {
            let x = ms as f64 / 1000.0;
            for p in 0..=3u8 {
                assert_eq!(fixed(x, p).to_string(), format!("{:.*}", p as usize, x), "{ms} ms at {p} places");
            }
        }
        // Bit patterns from a fixed-seed generator, across the exponents the page can meet.
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let exp = 1023 - 40 + (s >> 56) % 100; // 2^-40 .. 2^59
            let x = f64::from_bits((s & ((1 << 52) - 1)) | (exp << 52) | (s & (1 << 63)));
            for p in [0u8, 1, 2, 4, 9] {
                assert_eq!(fixed(x, p).to_string(), format!("{:.*}", p as usize, x), "{x:e} at {p} places");
            }
        }
        for x in [f64::MIN_POSITIVE, 5e-324, 1e-30, 0.05, 0.005, 123_456_789.987_654_3, 9_007_199_254_740_992.0] {
            for p in 0..=9u8 {
                assert_eq!(fixed(x, p).to_string(), format!("{:.*}", p as usize, x), "{x:e} at {p} places");
            }
        }
    }
}
