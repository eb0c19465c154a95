//! Engine output → what the event log shows: trace rows with a tone and a readable detail.
//! No Yew types here, so it is tested natively.

use crate::engine::app::Outcome;
use crate::engine::{TraceEvent, TraceKind};

/// One row of the trace table.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRow {
    /// Virtual time, `12.345 s`.
    pub time: String,
    /// Event name (`delivered`).
    pub event: &'static str,
    /// Client id, if any.
    pub client: String,
    /// Everything else, readable (`s1 ticket:created #7 redelivered ×1`).
    pub detail: String,
    /// CSS modifier for the row (`ok`, `warn`, `bad`, `info`).
    pub tone: &'static str,
}

/// Formats virtual milliseconds as seconds with three decimals.
pub fn seconds(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// A board or timeline coordinate as an SVG attribute: to a tenth of a unit (far below a
/// screen pixel), formatted with integers. `f64`'s `Display` finds the shortest exact digits
/// (`123.45678901234`), which costs a seek with hundreds of moving shapes more than drawing them.
/// Not finite (never expected) is `0`, so a bad number cannot make a broken attribute.
pub fn px(v: f64) -> String {
    let mut s = String::new();
    px_into(&mut s, v);
    s
}

/// Class names joined by spaces, the empty ones left out, or `None` when all are (then no
/// `class` attribute): what Yew's `classes!` gives, built as one string rather than by a
/// push per name at every call site. (Yew still reads a dynamic `class` into `Classes`.)
pub fn class(names: &[&str]) -> Option<String> {
    let mut out = String::new();
    for n in names.iter().filter(|n| !n.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(n);
    }
    (!out.is_empty()).then_some(out)
}

/// `name` when `on`, else nothing (for [`class`]).
pub fn when(on: bool, name: &str) -> &str {
    if on {
        name
    } else {
        ""
    }
}

/// How many decimal digits `n` has (a seq label's width).
pub fn digits(n: u64) -> u32 {
    n.checked_ilog10().unwrap_or(0) + 1
}

/// [`px`] appended to `out` (path data, transforms).
pub fn px_into(out: &mut String, v: f64) {
    use std::fmt::Write;
    let t = if v.is_finite() { (v * 10.0).round() as i64 } else { 0 };
    let a = t.unsigned_abs();
    let sign = if t < 0 { "-" } else { "" };
    let _ = match a % 10 {
        0 => write!(out, "{sign}{}", a / 10),
        f => write!(out, "{sign}{}.{f}", a / 10),
    };
}

/// A character that changes how text around it is shown without being seen itself: bidi
/// embeddings, overrides and isolates, zero-width characters, the BOM and C0/C1 controls.
fn invisible(c: char) -> bool {
    matches!(c as u32, 0..=0x1F | 0x7F..=0x9F | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF)
}

/// An untrusted name (client id, channel, queue, durable) as the board and timeline show it:
/// invisible and direction-changing characters made visible as `⟨U+202E⟩` (so `a\u{202E}evil`
/// cannot pass for `alive`), and at most `max` characters, the rest cut to `…`. The full name,
/// made visible the same way, goes in a tooltip ([`full_name`]).
pub fn shown_name(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in s.chars() {
        let shown = if invisible(c) { format!("⟨U+{:04X}⟩", c as u32) } else { c.to_string() };
        // What is drawn counts, so a name full of markers is cut like any other.
        let len = shown.chars().count();
        if n + len > max {
            out.push('…');
            break;
        }
        out.push_str(&shown);
        n += len;
    }
    out
}

/// The whole name for a tooltip, invisible characters made visible, bounded at 2,000
/// characters.
pub fn full_name(s: &str) -> String {
    shown_name(s, 2000)
}

fn tone(k: &TraceKind) -> &'static str {
    use TraceKind::*;
    match k {
        App { result, .. } if !result.anomalies.is_empty() => "bad",
        App { result, .. } if result.outcome == Outcome::Applied || result.outcome == Outcome::Skipped => "ok",
        App { .. } => "warn",
        ConnectFailed { .. } | PublishFailed { .. } | SubscribeFailed { .. } | ActionFailed { .. } | ConnectionLost { .. } | Killed { .. } => "bad",
        Heartbeat { ok: false, .. } | Processed { ok: false, .. } | MsgDropped { .. } | ClientClosed { .. } | SubClosed { .. } => "warn",
        Delivered { redelivered: true, .. } | Paused { .. } | ServerRestarted | Disconnected { .. } => "warn",
        Acked { .. } | Processed { ok: true, .. } | Connected { .. } | Subscribed { .. } => "ok",
        _ => "info",
    }
}

fn detail(k: &TraceKind) -> String {
    use TraceKind::*;
    match k {
        Connected { replaced, .. } => {
            if *replaced {
                "replaced an earlier registration".into()
            } else {
                String::new()
            }
        }
        ConnectFailed { error, .. } | ConnectionLost { error, .. } => error.to_string(),
        Published { channel, seq, .. } => format!("{channel} #{seq}"),
        PublishFailed { channel, error, .. } => format!("{channel}: {error}"),
        Subscribed { sub, channel, queue, durable, resumed, .. } => {
            let mut s = format!("{sub} on {channel}");
            if let Some(q) = queue {
                s.push_str(&format!(" queue={q}"));
            }
            if let Some(d) = durable {
                s.push_str(&format!(" durable={d}"));
            }
            if *resumed {
                s.push_str(" (resumed)");
            }
            s
        }
        SubscribeFailed { sub, channel, error, .. } => format!("{sub} on {channel}: {error}"),
        Delivered { sub, channel, seq, redelivered, redelivery_count, .. } => {
            if *redelivered {
                format!("{sub} {channel} #{seq} redelivered ×{redelivery_count}")
            } else {
                format!("{sub} {channel} #{seq}")
            }
        }
        Acked { sub, channel, seq, .. } => format!("{sub} {channel} #{seq}"),
        Processed { sub, channel, seq, ok, .. } => format!("{sub} {channel} #{seq} {}", if *ok { "ok" } else { "FAILED" }),
        Heartbeat { ok, failures, .. } => {
            if *ok {
                "answered".into()
            } else {
                format!("missed ({failures} in a row)")
            }
        }
        ClientClosed { reason, .. } => reason.as_str().to_string(),
        SubClosed { sub, channel, reason, kept, .. } => format!("{sub} on {channel}: {}{}", reason.as_str(), if *kept { ", durable state kept" } else { "" }),
        MsgDropped { channel, seq, reason } => format!("{channel} #{seq} ({})", reason.as_str()),
        ActionFailed { index, error } => format!("action {index}: {error}"),
        ChannelCreated { channel } | ChannelDeleted { channel } => channel.to_string(),
        App { sub, channel, seq, app, result, .. } => {
            let mut s = format!("{sub} {channel} #{seq} → {} {}: {}", app.as_str(), result.resource, result.outcome.as_str());
            if let Some(v) = result.version {
                s.push_str(&format!(" v{v}"));
            }
            if result.before != result.after || result.outcome == Outcome::Applied {
                s.push_str(&format!(" ({} → {})", result.before, result.after));
            }
            for a in &result.anomalies {
                s.push_str(&format!(" · {}", a.label()));
            }
            s
        }
        Killed { .. } | Paused { .. } | Continued { .. } | ServerRestarted | Disconnected { .. } | Reconnected { .. } => String::new(),
    }
}

/// A trace event as a table row.
pub fn row(e: &TraceEvent) -> TraceRow {
    TraceRow {
        time: seconds(e.t),
        event: e.kind.name(),
        client: e.kind.client().map(|c| c.to_string()).unwrap_or_default(),
        detail: detail(&e.kind),
        tone: tone(&e.kind),
    }
}

/// What a screen reader hears about the run at the cursor: the latest event among the last
/// `window` ones that a learner would otherwise only see on the board (a redelivery, a
/// client the server dropped, a refusal, a lost connection), as one sentence.
pub fn announcement(trace: &[TraceEvent], now: u64, window: usize) -> Option<String> {
    use TraceKind::*;
    let end = trace.partition_point(|e| e.t <= now);
    trace[end.saturating_sub(window)..end].iter().rev().find_map(|e| {
        let who = e.kind.client().map(|c| full_name(c)).unwrap_or_default();
        let what = match &e.kind {
            Delivered { redelivered: true, .. } => format!("redelivered to {who}: {}", detail(&e.kind)),
            ClientClosed { reason, .. } if reason.as_str() == "heartbeat" => format!("the server dropped {who}: timed out on heartbeats"),
            ConnectFailed { .. } | SubscribeFailed { .. } | PublishFailed { .. } | ConnectionLost { .. } => {
                format!("{} {who}: {}", e.kind.name().replace('_', " "), detail(&e.kind))
            }
            _ => return None,
        };
        Some(format!("At {}, {what}", seconds(e.t)))
    })
}

/// The payload of `channel` #`seq` as the server stores it now (`None` once limits or a
/// restart removed it).
pub fn stored_data<'a>(sim: &'a crate::engine::Sim, channel: &str, seq: u64) -> Option<&'a str> {
    sim.broker().channels().get(channel).and_then(|c| c.store.lookup(seq)).map(|m| &*m.data)
}

/// What a listener's handler would print (the course's `console.log` in `on('message')`),
/// newest last: the last `lines` lines for `client` up to `now`, read over at most `window`
/// trace events before it (the cost is the console's, not the run's). `Received event #3,
/// with data: {…}` with the data as the server stores it now (or a note when it no longer
/// does), a redelivery marked, a failed handler, `msg.ack()`. A killed process logs nothing:
/// what the server still sends it is one dimmed line each; a paused one logs what it got
/// when it continues. The second value says whether older lines exist past the window.
pub fn console(sim: &crate::engine::Sim, client: &str, now: u64, lines: usize, window: usize) -> (Vec<(u64, String, &'static str)>, bool) {
    use TraceKind::*;
    let trace = sim.trace();
    let end = trace.partition_point(|e| e.t <= now);
    let start = end.saturating_sub(window);
    let data = |channel: &str, seq: u64| stored_data(sim, channel, seq).map_or_else(|| "(no longer stored by the server)".into(), full_name);
    let mut out: std::collections::VecDeque<(u64, String, &'static str)> = std::collections::VecDeque::new();
    let (mut dead, mut paused) = (false, false);
    let mut held: Vec<(String, &'static str)> = Vec::new();
    let push = |out: &mut std::collections::VecDeque<_>, line| {
        out.push_back(line);
        if out.len() > lines {
            out.pop_front();
        }
    };
    for e in &trace[start..end] {
        if e.kind.client().map(|c| &**c) != Some(client) {
            continue;
        }
        let line = match &e.kind {
            Killed { .. } => {
                dead = true;
                held.clear();
                ("(the process was killed: from here nothing is logged)".to_string(), "bad")
            }
            Connected { .. } => {
                (dead, paused) = (false, false);
                continue;
            }
            Paused { .. } => {
                paused = true;
                continue;
            }
            Continued { .. } => {
                paused = false;
                for (l, tone) in held.drain(..) {
                    push(&mut out, (e.t, l, tone));
                }
                continue;
            }
            Delivered { seq, .. } if dead => (format!("(#{seq} sent to the dead process: nobody receives it)"), "dim"),
            Delivered { channel, seq, redelivered, redelivery_count, .. } => {
                let mut l = format!("Received event #{seq}, with data: {}", data(channel, *seq));
                if *redelivered {
                    l.push_str(&format!("  (msg.isRedelivered(): redelivery {redelivery_count})"));
                }
                (l, if *redelivered { "warn" } else { "info" })
            }
            _ if dead => continue,
            Processed { seq, ok: false, .. } => (format!("Error: the handler failed on #{seq}: no ack, the server redelivers it after the ack wait"), "bad"),
            Acked { seq, .. } => (format!("msg.ack() #{seq}"), "ok"),
            App { seq, result, .. } => (format!("#{seq}: {}", detail(&e.kind)), if result.anomalies.is_empty() { "ok" } else { "bad" }),
            _ => continue,
        };
        if paused && !dead {
            held.push(line);
        } else {
            push(&mut out, (e.t, line.0, line.1));
        }
    }
    (out.into_iter().collect(), start > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::TraceEvent;

    #[test]
    fn px_writes_a_tenth_of_a_unit_at_most() {
        let got: Vec<String> = [0.0, 12.0, 12.04, 12.05, 123.456_789_012_34, -3.25, -0.04, 1e12, f64::NAN, f64::INFINITY].map(px).into();
        assert_eq!(got, ["0", "12", "12", "12.1", "123.5", "-3.3", "0", "1000000000000", "0", "0"]);
        assert_eq!([0, 9, 10, 10_967, u64::MAX].map(digits), [1, 1, 2, 5, 20]);
    }

    #[test]
    fn the_live_region_names_the_latest_redelivery_or_drop() {
        let s = crate::engine::Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.17.json")).unwrap();
        let mut sim = crate::engine::Sim::new(s);
        sim.run_until(36_000).unwrap();
        assert_eq!(announcement(sim.trace(), 12_500, 200).as_deref(), Some("At 12.000 s, redelivered to l2: s2 ticket:created #7 redelivered ×1"));
        assert_eq!(announcement(sim.trace(), 36_000, 200).as_deref(), Some("At 35.000 s, the server dropped l1: timed out on heartbeats"));
        assert_eq!(announcement(sim.trace(), 500, 200), None);
    }

    #[test]
    fn a_listeners_console_prints_what_its_handler_received_with_the_data() {
        let s = crate::engine::Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.17.json")).unwrap();
        let mut sim = crate::engine::Sim::new(s);
        sim.run_until(12_500).unwrap();
        let (lines, older) = console(&sim, "l2", 12_500, 4, 10_000);
        assert!(!older);
        let data = r#"{"id":"123","title":"concert","price":20}"#;
        assert_eq!(
            lines.iter().map(|(t, l, tone)| (*t, l.as_str(), *tone)).collect::<Vec<_>>(),
            [
                // #12 is published at 12 s and l2 acks it at once (manual ack, no work) …
                (12_000, format!("Received event #12, with data: {data}").as_str(), "info"),
                (12_000, "msg.ack() #12", "ok"),
                // … then gets #7, which killed l1 held since 7 s, after its 5 s ack wait.
                (12_000, format!("Received event #7, with data: {data}  (msg.isRedelivered(): redelivery 1)").as_str(), "warn"),
                (12_000, "msg.ack() #7", "ok"),
            ]
        );
        // l1, killed at 5.5 s, logs nothing more; the server's delivery of #7 at 7 s is one
        // dimmed line.
        let (lines, _) = console(&sim, "l1", 12_500, 3, 10_000);
        assert_eq!(
            lines.iter().map(|(t, l, tone)| (*t, l.as_str(), *tone)).collect::<Vec<_>>(),
            [
                (5_000, "msg.ack() #5", "ok"),
                (5_500, "(the process was killed: from here nothing is logged)", "bad"),
                (7_000, "(#7 sent to the dead process: nobody receives it)", "dim")
            ]
        );
    }

    #[test]
    fn rows_read_like_a_transcript() {
        let e = TraceEvent {
            t: 12_000,
            kind: TraceKind::Delivered {
                client: "l2".into(),
                sub: "s2".into(),
                channel: "ticket:created".into(),
                seq: 7,
                redelivered: true,
                redelivery_count: 1,
            },
        };
        let r = row(&e);
        assert_eq!(r.time, "12.000 s");
        assert_eq!(r.event, "delivered");
        assert_eq!(r.client, "l2");
        assert_eq!(r.detail, "s2 ticket:created #7 redelivered ×1");
        assert_eq!(r.tone, "warn");
    }

    #[test]
    fn names_show_their_hidden_characters_and_are_cut_to_length() {
        assert_eq!(shown_name("a\u{202E}evil\u{200B}", 40), "a⟨U+202E⟩evil⟨U+200B⟩");
        assert_eq!(shown_name("ticket:created", 40), "ticket:created");
        assert_eq!(shown_name(&"x".repeat(10_000), 5), "xxxxx…");
        assert_eq!(shown_name("<img src=x>", 4), "<img…");
        assert_eq!(shown_name("ab\u{202E}cd", 6), "ab…");
        assert_eq!(shown_name("tab\there", 40), "tab⟨U+0009⟩here");
        assert_eq!(full_name(&"é".repeat(3000)).chars().count(), 2001);
    }
}
