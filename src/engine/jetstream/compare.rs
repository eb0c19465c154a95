//! Holds a simulated JetStream run against a recording of the real server
//! (`scripts/jetstream/record.cjs`): the same events with the same fields, at times within a
//! tolerance, and the same `/jsz` counters at the end. What the real server does at random
//! (which deliver-group member gets a message) is compared only where it does not matter:
//! for a grouped consumer, the first deliveries by seq and the gaps between a message's
//! deliveries, not who got what. `msg_dropped` is not announced by the real server.

use super::scenario::{JsScenario, JsVerb};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// How far apart a simulated and a real time may be: `base_ms` plus `per_s_ms` per second
/// of run. Calibrated from the spread of recordings on this 2-core machine: the real ack
/// timer lands 1–3 ms late per round, the recorder's API calls take 2–8 ms each, and with a
/// build running beside it the recorder's own timers fired up to 64 ms late.
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    /// Fixed part.
    pub base_ms: f64,
    /// Growth per second of virtual time.
    pub per_s_ms: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { base_ms: 100.0, per_s_ms: 10.0 }
    }
}

impl Tolerance {
    /// How far apart two times near `at` ms may be.
    pub fn margin(&self, at: u64) -> u64 {
        (self.base_ms + self.per_s_ms * at as f64 / 1000.0).ceil() as u64
    }
    fn ok(&self, sim: u64, real: u64) -> bool {
        (sim as f64 - real as f64).abs() <= self.base_ms + self.per_s_ms * real as f64 / 1000.0
    }
}

/// Extra room for the events of a message that was unacked at a server restart: the real
/// server stored its delivery time in whole seconds of the wall clock, so it comes back up to
/// a second early by a phase the simulation draws from the seed (`JsServer::restart`).
pub const RESTORED_SLACK_MS: f64 = 1000.0;

const ACK_EVENTS: [&str; 5] = ["acked", "naked", "termed", "in_progress", "processed"];

fn grouped(s: &JsScenario) -> BTreeSet<(String, String)> {
    s.actions
        .iter()
        .filter_map(|a| match &a.verb {
            JsVerb::AddConsumer(c) if c.deliver_group.is_some() => Some((c.stream.to_string(), c.consumer.to_string())),
            _ => None,
        })
        .collect()
}

fn key(e: &Value, drop: &[&str]) -> String {
    let mut m: Map<String, Value> = e.as_object().cloned().unwrap_or_default();
    m.remove("t");
    for d in drop {
        m.remove(*d);
    }
    Value::Object(m).to_string()
}

fn t(e: &Value) -> u64 {
    e["t"].as_u64().unwrap_or(0)
}

/// Events by identity (everything but `t`), with their times in order.
fn by_key(trace: &[Value], keep: impl Fn(&Value) -> bool, drop: &[&str]) -> BTreeMap<String, Vec<u64>> {
    let mut m: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for e in trace.iter().filter(|e| keep(e)) {
        m.entry(key(e, drop)).or_default().push(t(e));
    }
    m
}

/// The largest time difference between a simulated event and the real one it was matched
/// with, of a run that agrees: how close the simulation came, and how much room it had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worst {
    /// |simulated − real|, ms.
    pub diff_ms: u64,
    /// When the real server did it, ms.
    pub real_ms: u64,
    /// The tolerance there, ms.
    pub allowed_ms: u64,
    /// The event (its fields but `t`).
    pub event: String,
}

/// What a comparison found: its differences, and the worst matched pair.
#[derive(Default)]
struct Found {
    out: Vec<Difference>,
    worst: Option<Worst>,
}

fn compare_keys(what: &str, sim: BTreeMap<String, Vec<u64>>, real: BTreeMap<String, Vec<u64>>, tol: Tolerance, found: &mut Found) {
    let keys: BTreeSet<&String> = sim.keys().chain(real.keys()).collect();
    for k in keys {
        let (s, r) = (sim.get(k).map_or(&[][..], |v| v), real.get(k).map_or(&[][..], |v| v));
        if s.len() != r.len() {
            // dated where the lists part: the first time only one of them has
            let n = s.len().min(r.len());
            let first = s.iter().zip(r).position(|(a, b)| !tol.ok(*a, *b)).unwrap_or(n);
            let at = [s.get(first), r.get(first)].into_iter().flatten().min().copied();
            found.out.push(Difference { at_ms: at, text: format!("{what} {k}: simulated {} time(s) at {s:?} ms, real {} at {r:?} ms", s.len(), r.len()) });
            continue;
        }
        for (a, b) in s.iter().zip(r) {
            if !tol.ok(*a, *b) {
                found.out.push(Difference { at_ms: Some(*a.min(b)), text: format!("{what} {k}: simulated at {a} ms, real at {b} ms") });
            } else if found.worst.as_ref().is_none_or(|w| a.abs_diff(*b) > w.diff_ms) {
                found.worst = Some(Worst { diff_ms: a.abs_diff(*b), real_ms: *b, allowed_ms: tol.margin(*b), event: format!("{what} {k}") });
            }
        }
    }
}

/// Gaps between successive deliveries of each seq of one consumer.
fn gaps(trace: &[Value], stream: &str, consumer: &str) -> Vec<u64> {
    let mut last: BTreeMap<u64, u64> = BTreeMap::new();
    let mut g = Vec::new();
    for e in trace.iter().filter(|e| e["event"] == "delivered" && e["stream"] == stream && e["consumer"] == consumer) {
        let seq = e["seq"].as_u64().unwrap_or(0);
        if let Some(prev) = last.insert(seq, t(e)) {
            g.push(t(e) - prev);
        }
    }
    g
}

fn is_grouped(e: &Value, g: &BTreeSet<(String, String)>) -> bool {
    match (e["stream"].as_str(), e["consumer"].as_str()) {
        (Some(s), Some(c)) => g.contains(&(s.to_string(), c.to_string())),
        _ => false,
    }
}

/// One way a simulated and a recorded run differ: what, and from when (`None`: it is
/// about the whole run, a redelivery gap or an end counter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The first virtual ms it concerns.
    pub at_ms: Option<u64>,
    /// What differs, with both sides' values.
    pub text: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The differences between a simulated and a recorded run (empty: they agree).
pub fn compare(scenario: &JsScenario, sim: &Value, real: &Value, tol: Tolerance) -> Vec<String> {
    compare_dated(scenario, sim, real, tol).into_iter().map(|d| d.text).collect()
}

/// [`compare`], each difference with the time it starts at.
pub fn compare_dated(scenario: &JsScenario, sim: &Value, real: &Value, tol: Tolerance) -> Vec<Difference> {
    compare_found(scenario, sim, real, tol).out
}

/// [`compare`], and for a run that agrees, its worst matched time difference (`Ok`).
pub fn compare_worst(scenario: &JsScenario, sim: &Value, real: &Value, tol: Tolerance) -> Result<Option<Worst>, Vec<String>> {
    let found = compare_found(scenario, sim, real, tol);
    if found.out.is_empty() {
        Ok(found.worst)
    } else {
        Err(found.out.into_iter().map(|d| d.text).collect())
    }
}

fn compare_found(scenario: &JsScenario, sim: &Value, real: &Value, tol: Tolerance) -> Found {
    let mut found = Found::default();
    let (Some(st), Some(rt)) = (sim["trace"].as_array(), real["trace"].as_array()) else {
        found.out.push(Difference { at_ms: None, text: "no trace array in one of the documents".into() });
        return found;
    };
    let g = grouped(scenario);
    let plain = |e: &Value| e["event"] != "msg_dropped" && !is_grouped(e, &g);
    // The messages delivered before a restart, and what happens to them after it.
    let restart = scenario.restart_at();
    let msg = |e: &Value| (e["stream"].as_str().unwrap_or("").to_string(), e["consumer"].as_str().unwrap_or("").to_string(), e["seq"].as_u64().unwrap_or(0));
    let held_over: BTreeSet<(String, String, u64)> = match restart {
        Some(r) => st.iter().filter(|e| e["event"] == "delivered" && t(e) < r).map(msg).collect(),
        None => BTreeSet::new(),
    };
    let restored = |e: &Value| restart.is_some_and(|r| t(e) >= r && e.get("seq").is_some() && e.get("consumer").is_some() && held_over.contains(&msg(e)));
    let (plain_now, plain_restored) = (|e: &Value| plain(e) && !restored(e), |e: &Value| plain(e) && restored(e));
    compare_keys("event", by_key(st, plain_now, &["num_pending"]), by_key(rt, plain_now, &["num_pending"]), tol, &mut found);
    let wide = Tolerance { base_ms: tol.base_ms + RESTORED_SLACK_MS, ..tol };
    compare_keys("event", by_key(st, plain_restored, &["num_pending"]), by_key(rt, plain_restored, &["num_pending"]), wide, &mut found);
    compare_pending(st, rt, &plain, tol, &mut found.out);
    // Grouped consumers: first deliveries by seq (whoever got them), and the redelivery gaps.
    let first = |e: &Value| is_grouped(e, &g) && e["event"] == "delivered" && e["num_delivered"] == 1;
    compare_keys(
        "first delivery",
        by_key(st, first, &["client", "sub", "consumer_seq", "num_pending"]),
        by_key(rt, first, &["client", "sub", "consumer_seq", "num_pending"]),
        tol,
        &mut found,
    );
    let others = |e: &Value| is_grouped(e, &g) && !ACK_EVENTS.contains(&e["event"].as_str().unwrap_or("")) && e["event"] != "delivered";
    compare_keys("event", by_key(st, others, &["client", "sub"]), by_key(rt, others, &["client", "sub"]), tol, &mut found);
    for (s, c) in &g {
        let (gs, gr) = (gaps(st, s, c), gaps(rt, s, c));
        for x in &gs {
            if !gr.iter().any(|y| tol.ok(*x, *y)) {
                found.out.push(Difference { at_ms: None, text: format!("redelivery gap on {s} > {c}: simulated {x} ms, real gaps {gr:?}") });
            }
        }
        for y in &gr {
            if !gs.iter().any(|x| tol.ok(*x, *y)) {
                found.out.push(Difference { at_ms: None, text: format!("redelivery gap on {s} > {c}: real {y} ms, simulated gaps {gs:?}") });
            }
        }
    }
    // What each stream stored, by seq: its subject (from the recording's pub acks).
    let mut stored: BTreeMap<(String, u64), String> = BTreeMap::new();
    for e in rt.iter().filter(|e| e["event"] == "published" && e["duplicate"] == false) {
        if let (Some(st), Some(seq), Some(subj)) = (e["stream"].as_str(), e["seq"].as_u64(), e["subject"].as_str()) {
            stored.insert((st.to_string(), seq), subj.to_string());
        }
    }
    compare_monitor(&sim["monitor"]["jsz"], &real["monitor"]["jsz"], &g, &stored, &mut found.out);
    found
}

/// A delivery's `num_pending` counts the stream's later messages stored when the server
/// sent it; in the real server the delivery races the storing of messages published in the
/// same burst, so a value may differ by the messages of that stream with a later seq that
/// were published within the tolerance of the delivery — and by no more.
fn compare_pending(st: &[Value], rt: &[Value], keep: &impl Fn(&Value) -> bool, tol: Tolerance, out: &mut Vec<Difference>) {
    let deliveries = |trace: &[Value]| {
        let mut m: BTreeMap<String, Vec<(u64, u64, u64, String)>> = BTreeMap::new();
        for e in trace.iter().filter(|e| keep(e) && e["event"] == "delivered" && e.get("num_pending").is_some()) {
            let stream = e["stream"].as_str().unwrap_or("").to_string();
            m.entry(key(e, &["num_pending"])).or_default().push((t(e), e["num_pending"].as_u64().unwrap_or(0), e["seq"].as_u64().unwrap_or(0), stream));
        }
        m
    };
    let racing = |trace: &[Value], stream: &str, seq: u64, at: u64| {
        trace.iter().filter(|p| p["event"] == "published" && p["stream"] == stream && p["seq"].as_u64().is_some_and(|s| s > seq) && tol.ok(t(p), at)).count()
            as u64
    };
    let (sd, rd) = (deliveries(st), deliveries(rt));
    for (k, s) in &sd {
        let Some(r) = rd.get(k) else { continue };
        for (a, b) in s.iter().zip(r) {
            let slack = racing(st, &a.3, a.2, a.0).max(racing(rt, &b.3, b.2, b.0));
            if a.1.abs_diff(b.1) > slack {
                out.push(Difference {
                    at_ms: Some(a.0.min(b.0)),
                    text: format!(
                        "event {k}: num_pending simulated {} at {} ms, real {} at {} ms ({slack} message(s) published in the race window)",
                        a.1, a.0, b.1, b.0
                    ),
                });
            }
        }
    }
}

fn compare_monitor(sim: &Value, real: &Value, g: &BTreeSet<(String, String)>, stored: &BTreeMap<(String, u64), String>, out: &mut Vec<Difference>) {
    // A recording without monitoring data (live mode's: browsers cannot read /jsz) is
    // compared on its trace only.
    if real.is_null() {
        return;
    }
    for k in ["streams", "consumers", "messages", "bytes"] {
        if sim[k] != real[k] {
            out.push(Difference { at_ms: None, text: format!("jsz.{k}: simulated {}, real {}", sim[k], real[k]) });
        }
    }
    let list = |v: &Value| v["account_details"][0]["stream_detail"].as_array().cloned().unwrap_or_default();
    let (ss, rs) = (list(sim), list(real));
    let name = |v: &Value| v["name"].as_str().unwrap_or("").to_string();
    for r in &rs {
        let Some(s) = ss.iter().find(|s| name(s) == name(r)) else {
            out.push(Difference { at_ms: None, text: format!("jsz: stream {} is not simulated", name(r)) });
            continue;
        };
        let n = name(r);
        if s["config"] != r["config"] {
            out.push(Difference { at_ms: None, text: format!("jsz stream {n} config: simulated {}, real {}", s["config"], r["config"]) });
        }
        for k in ["messages", "bytes", "first_seq", "last_seq", "num_deleted", "num_subjects", "consumer_count"] {
            if s["state"][k] != r["state"][k] {
                out.push(Difference { at_ms: None, text: format!("jsz stream {n} state.{k}: simulated {}, real {}", s["state"][k], r["state"][k]) });
            }
        }
        let cs = s["consumer_detail"].as_array().cloned().unwrap_or_default();
        for rc in r["consumer_detail"].as_array().cloned().unwrap_or_default() {
            let cn = name(&rc);
            let Some(sc) = cs.iter().find(|c| name(c) == cn) else {
                out.push(Difference { at_ms: None, text: format!("jsz: consumer {n} > {cn} is not simulated") });
                continue;
            };
            // opt_start_time is an instant: the real one is the wall clock's.
            let cfg = |v: &Value| {
                let mut c = v["config"].clone();
                if let Some(m) = c.as_object_mut() {
                    m.remove("opt_start_time");
                }
                c
            };
            if cfg(sc) != cfg(&rc) {
                out.push(Difference { at_ms: None, text: format!("jsz consumer {n} > {cn} config: simulated {}, real {}", sc["config"], rc["config"]) });
            }
            for k in ["num_ack_pending", "num_redelivered", "num_waiting", "num_pending", "push_bound"] {
                if sc[k] != rc[k] {
                    out.push(Difference { at_ms: None, text: format!("jsz consumer {n} > {cn} {k}: simulated {}, real {}", sc[k], rc[k]) });
                }
            }
            // A grouped consumer's consumer seqs count its redeliveries, which depend on the
            // random member choice (a dead member's messages are redelivered).
            let fields: &[&str] = if g.contains(&(n.clone(), cn.clone())) { &["stream_seq"] } else { &["consumer_seq", "stream_seq"] };
            // A filtered consumer moves its stream seq past messages outside its filter when
            // it next looks for one, which in the real server races the storing of them: a
            // real stream seq ahead by only such messages is the same position.
            let filter = rc["config"]["filter_subject"].as_str().filter(|f| !f.is_empty());
            let skipped = |a: &Value, b: &Value| match (filter, a.as_u64(), b.as_u64()) {
                (Some(f), Some(a), Some(b)) if a < b => (a + 1..=b).all(|q| stored.get(&(n.clone(), q)).is_some_and(|subj| !super::subject::matches(f, subj))),
                _ => false,
            };
            for k in ["delivered", "ack_floor"] {
                for f in fields {
                    if sc[k][*f] != rc[k][*f] && !(*f == "stream_seq" && skipped(&sc[k][*f], &rc[k][*f])) {
                        out.push(Difference { at_ms: None, text: format!("jsz consumer {n} > {cn} {k}.{f}: simulated {}, real {}", sc[k][*f], rc[k][*f]) });
                    }
                }
            }
        }
    }
}
