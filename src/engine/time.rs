//! Virtual time: milliseconds since the start of a run, and how the real server would print
//! them. Owns the mapping from virtual time to the wall clock that monitoring shows; never
//! reads a real clock.

/// A point in virtual time, in milliseconds since the start of the run.
pub type SimTime = u64;

/// Wall-clock time (Unix milliseconds) of virtual time 0: 2026-01-01T00:00:00Z.
/// Monitoring's `now`/`start_time` and message timestamps are derived from it, so a run is
/// reproducible byte for byte.
pub const WALL_CLOCK_BASE_MS: u64 = 1_767_225_600_000;

/// Message timestamp as the server stores it (`time.Now().UnixNano()`).
pub fn timestamp_ns(t: SimTime) -> u64 {
    (WALL_CLOCK_BASE_MS + t) * 1_000_000
}

/// Formats virtual time `t` like Go's `time.Time` JSON encoding (RFC 3339 with trailing
/// zeros of the fraction removed), e.g. `2026-01-01T00:00:05.5Z`.
pub fn rfc3339_nano(t: SimTime) -> String {
    let ms = WALL_CLOCK_BASE_MS + t;
    let secs = ms / 1000;
    let frac = ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut s = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", rem / 3600, (rem / 60) % 60, rem % 60);
    if frac > 0 {
        let f = format!("{frac:03}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// The timestamp of the server's log lines: `2026/01/01 00:00:05.500000`.
pub fn log_timestamp(t: SimTime) -> String {
    let iso = rfc3339_nano(t);
    let ms = (WALL_CLOCK_BASE_MS + t) % 1000;
    format!("{} {}.{:03}000", iso[..10].replace('-', "/"), &iso[11..19], ms)
}

/// The server's `myUptime` format: `2s`, `3m49s`, `1h2m3s`, `1d2h3m4s`, `1y2d3h4m5s`.
pub fn go_uptime(elapsed_ms: u64) -> String {
    let tsecs = elapsed_ms / 1000;
    let (tmins, thrs) = (tsecs / 60, tsecs / 3600);
    let (tdays, tyrs) = (thrs / 24, thrs / 24 / 365);
    if tyrs > 0 {
        format!("{tyrs}y{}d{}h{}m{}s", tdays % 365, thrs % 24, tmins % 60, tsecs % 60)
    } else if tdays > 0 {
        format!("{tdays}d{}h{}m{}s", thrs % 24, tmins % 60, tsecs % 60)
    } else if thrs > 0 {
        format!("{thrs}h{}m{}s", tmins % 60, tsecs % 60)
    } else if tmins > 0 {
        format!("{tmins}m{}s", tsecs % 60)
    } else {
        format!("{tsecs}s")
    }
}

/// Go-style duration text for log lines (`5s`, `1.5s`, `500ms`, `2m0s`).
pub fn go_duration(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (m, s, frac) = (ms / 60_000, (ms / 1000) % 60, ms % 1000);
    let secs = if frac == 0 { format!("{s}s") } else { format!("{s}.{}s", format!("{frac:03}").trim_end_matches('0')) };
    if m > 0 {
        format!("{m}m{secs}")
    } else {
        secs
    }
}

/// Howard Hinnant's days-to-civil conversion (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        assert_eq!(rfc3339_nano(0), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339_nano(5_500), "2026-01-01T00:00:05.5Z");
        assert_eq!(rfc3339_nano(86_400_000 * 59 + 1), "2026-03-01T00:00:00.001Z");
        assert_eq!(log_timestamp(5_500), "2026/01/01 00:00:05.500000");
        assert_eq!(go_uptime(2_999), "2s");
        assert_eq!(go_uptime(229_000), "3m49s");
        assert_eq!(go_uptime(3_723_000), "1h2m3s");
        assert_eq!(go_uptime(90_061_000), "1d1h1m1s");
        assert_eq!(go_duration(5_000), "5s");
        assert_eq!(go_duration(1_500), "1.5s");
        assert_eq!(go_duration(500), "500ms");
        assert_eq!(go_duration(120_000), "2m0s");
    }
}
