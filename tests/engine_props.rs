//! Properties over random action scripts (proptest), each invariant named:
//! - `never_panics`: any valid script runs to its end;
//! - `always_inflight_le_max`: a plain subscription never holds more pending messages than
//!   its max in flight (only redeliveries are forced, and they re-send pending ones);
//! - `always_queue_delivery_exclusive`: no sequence is pending at two members of a group;
//! - `always_sequences_contiguous`: each channel's published sequences are 1, 2, 3, … (per
//!   server start and channel lifetime);
//! - `never_redelivered_after_ack`: once acked, a sequence is not delivered again to that
//!   plain subscription or to any member of that queue group;
//! - `healthy_subscriptions_get_everything`: a plain auto-ack subscription whose client stays
//!   healthy gets every message published on its channel after it subscribed.
#![cfg(not(target_arch = "wasm32"))]

use natsim::engine::{Scenario, Sim, TraceKind};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const CLIENTS: [&str; 4] = ["c0", "c1", "c2", "c3"];
const CHANNELS: [&str; 2] = ["a", "b"];

#[derive(Debug, Clone)]
struct Script {
    version: &'static str,
    max_msgs: u64,
    actions: Vec<Value>,
}

fn sub_strategy(i: usize) -> impl Strategy<Value = Value> {
    (
        0..CLIENTS.len(),
        0..CHANNELS.len(),
        prop::option::of(prop_oneof![Just("g"), Just("h")]),
        prop::option::of(prop_oneof![Just("d1"), Just("d2")]),
        any::<bool>(),
        1u64..4,
        prop_oneof![Just(json!("new_only")), Just(json!("all")), Just(json!("last_received")), (0u64..5).prop_map(|s| json!({"seq": s}))],
        prop_oneof![Just("async"), Just("sync")],
        prop_oneof![Just(0u64), 1u64..1500],
        prop_oneof![Just(0.0f64), Just(0.3)],
    )
        .prop_map(move |(c, ch, queue, durable, manual, ack_s, start, handler, process, rate)| {
            let mut v = json!({"do": "subscribe", "client": CLIENTS[c], "sub": format!("s{i}"), "channel": CHANNELS[ch],
                "manual_ack": manual, "ack_wait_ms": ack_s * 1000, "start": start, "handler": handler, "process_ms": process, "fail_rate": rate});
            if let Some(q) = queue {
                v["queue"] = json!(q);
            }
            if let Some(d) = durable {
                v["durable"] = json!(d);
                // Keep a durable's max in flight stable across resumes.
                v["max_inflight"] = json!(if d == "d1" { 2 } else { 3 });
            } else {
                v["max_inflight"] = json!(1 + (i % 3));
            }
            v
        })
}

fn action_strategy(i: usize) -> impl Strategy<Value = Value> {
    let client = (0..CLIENTS.len()).prop_map(|c| CLIENTS[c]);
    prop_oneof![
        3 => client.clone().prop_map(|c| json!({"do": "connect", "client": c, "ping_interval_ms": 1000})),
        5 => (client.clone(), 0..CHANNELS.len(), 1u64..12, 0u64..400).prop_map(|(c, ch, n, e)| json!({"do": "publish", "client": c, "channel": CHANNELS[ch], "data": "x", "count": n, "every_ms": e})),
        4 => sub_strategy(i),
        1 => (0..i.max(1)).prop_map(|h| json!({"do": "unsubscribe", "sub": format!("s{h}")})),
        1 => (0..i.max(1)).prop_map(|h| json!({"do": "close_sub", "sub": format!("s{h}")})),
        1 => client.clone().prop_map(|c| json!({"do": "close", "client": c})),
        1 => client.clone().prop_map(|c| json!({"do": "kill", "client": c})),
        1 => (client, 100u64..4000).prop_map(|(c, d)| json!({"do": "pause", "client": c, "duration_ms": d})),
        1 => Just(json!({"do": "restart_server"})),
    ]
}

fn script() -> impl Strategy<Value = Script> {
    let actions = prop::collection::vec((0u64..12_000, 0usize..1000), 1..40).prop_flat_map(|times| {
        let n = times.len();
        let strategies: Vec<_> = (0..n).map(action_strategy).collect();
        (Just(times), strategies)
    });
    (prop_oneof![Just("0.17"), Just("0.25")], prop_oneof![Just(0u64), Just(3)], actions).prop_map(|(version, max_msgs, (times, acts))| {
        // Every client connects first; the random actions (reconnects included) follow.
        let mut actions: Vec<Value> = CLIENTS.iter().map(|c| json!({"at_ms": 0, "do": "connect", "client": c, "ping_interval_ms": 1000})).collect();
        let mut handles = BTreeSet::new();
        for ((t, _), mut a) in times.into_iter().zip(acts) {
            // Subscriptions mostly early, so that publishes find them.
            let t = if a["do"] == "subscribe" { t / 4 } else { t };
            a["at_ms"] = json!(t);
            match a["do"].as_str().unwrap() {
                "subscribe" => {
                    handles.insert(a["sub"].as_str().unwrap().to_string());
                }
                "unsubscribe" | "close_sub" if !handles.contains(a["sub"].as_str().unwrap()) => continue,
                _ => {}
            }
            actions.push(a);
        }
        Script { version, max_msgs, actions }
    })
}

/// The script as a scenario file (printed when a property fails, to replay it with natsim).
fn scenario_json(s: &Script) -> String {
    json!({"seed": 11, "until_ms": 30_000, "actions": s.actions,
        "server": {"server_version": s.version, "hb_interval_ms": 1000, "hb_timeout_ms": 500, "hb_fail_count": 2, "max_msgs": s.max_msgs}})
    .to_string()
}

fn run(s: &Script) -> Sim {
    let mut sim = Sim::new(Scenario::parse(&scenario_json(s)).expect("generated scenarios are valid"));
    let mut t = 0;
    while t < 30_000 {
        t += 250;
        sim.run_until(t).expect("never_panics: run completes");
        check_state(&sim);
    }
    sim
}

/// Invariants over the server's state at a point in time.
fn check_state(sim: &Sim) {
    let b = sim.broker();
    for ch in b.channels().values() {
        for id in &ch.psubs {
            let s = b.sub(*id).unwrap();
            assert!(
                s.pending.len() as u64 <= s.max_inflight,
                "always_inflight_le_max: sub {} has {} pending, max {}",
                s.handle_name,
                s.pending.len(),
                s.max_inflight
            );
        }
        for (key, g) in &ch.qsubs {
            let mut seen = BTreeSet::new();
            for id in &g.members {
                for seq in b.sub(*id).unwrap().pending.keys() {
                    assert!(seen.insert(seq), "always_queue_delivery_exclusive: {key} seq {seq} pending twice");
                }
            }
        }
    }
}

/// Invariants over the whole trace.
fn check_trace(sim: &Sim, s: &Script) {
    let mut last_seq: BTreeMap<String, u64> = BTreeMap::new();
    // Which queue group (channel + key) or plain handle a handle belongs to.
    let mut group_of: BTreeMap<String, String> = BTreeMap::new();
    for a in &s.actions {
        if a["do"] == "subscribe" {
            let key = match (a["queue"].as_str(), a["durable"].as_str()) {
                (Some(q), Some(d)) => format!("{}/{d}:{q}", a["channel"]),
                (Some(q), None) => format!("{}/{q}", a["channel"]),
                _ => format!("handle/{}", a["sub"]),
            };
            group_of.insert(a["sub"].as_str().unwrap().to_string(), key);
        }
    }
    let mut acked: BTreeSet<(String, u64)> = BTreeSet::new();
    for e in sim.trace() {
        match &e.kind {
            TraceKind::ServerRestarted => {
                last_seq.clear();
                acked.clear();
            }
            TraceKind::ChannelDeleted { channel } => {
                last_seq.remove(&**channel);
                acked.retain(|(g, _)| !g.starts_with(&format!("\"{channel}\"/")));
            }
            TraceKind::Published { channel, seq, .. } => {
                let prev = last_seq.insert(channel.to_string(), *seq).unwrap_or(0);
                assert_eq!(*seq, prev + 1, "always_sequences_contiguous on {channel} at t={}", e.t);
            }
            TraceKind::SubClosed { sub, kept: false, .. } => {
                // A deleted group or subscription starts afresh if created again.
                let g = &group_of[&**sub];
                acked.retain(|(k, _)| k != g);
            }
            TraceKind::Acked { sub, seq, .. } => {
                acked.insert((group_of[&**sub].clone(), *seq));
            }
            TraceKind::Delivered { sub, seq, .. } => {
                let g = &group_of[&**sub];
                assert!(!acked.contains(&(g.clone(), *seq)), "never_redelivered_after_ack: {sub} seq {seq} at t={}", e.t);
            }
            _ => {}
        }
    }
}

/// Plain auto-ack async subscriptions with no failures, on clients that are never paused,
/// killed or closed, with no server restart and never unsubscribed: every later publish on
/// their channel reaches them.
fn check_healthy(sim: &Sim, s: &Script) {
    if s.actions.iter().any(|a| a["do"] == "restart_server") {
        return;
    }
    let disturbed: BTreeSet<&str> =
        s.actions.iter().filter(|a| ["pause", "kill", "close"].contains(&a["do"].as_str().unwrap())).filter_map(|a| a["client"].as_str()).collect();
    let closed_subs: BTreeSet<&str> =
        s.actions.iter().filter(|a| a["do"] == "unsubscribe" || a["do"] == "close_sub").filter_map(|a| a["sub"].as_str()).collect();
    let blocked: BTreeSet<&str> =
        s.actions.iter().filter(|a| a["do"] == "subscribe" && a["handler"] == "sync" && a["process_ms"] != 0).filter_map(|a| a["client"].as_str()).collect();
    for e in sim.trace() {
        let TraceKind::Subscribed { client, sub, channel, queue: None, durable: None, .. } = &e.kind else { continue };
        let spec = s.actions.iter().find(|a| a["sub"] == **sub && a["do"] == "subscribe").unwrap();
        let healthy = spec["manual_ack"] == false && spec["fail_rate"] == 0.0 && spec["handler"] == "async";
        if !healthy || disturbed.contains(&**client) || closed_subs.contains(&**sub) || blocked.contains(&**client) {
            continue;
        }
        // A client id may have several processes; only its first connection counts here.
        let reconnects = s.actions.iter().filter(|a| a["do"] == "connect" && a["client"] == **client).count();
        if reconnects > 1 {
            continue;
        }
        let published: Vec<u64> = sim
            .trace()
            .iter()
            .filter(|p| p.t > e.t)
            .filter_map(|p| match &p.kind {
                TraceKind::Published { channel: c, seq, .. } if c == channel => Some(*seq),
                _ => None,
            })
            .collect();
        let got: BTreeSet<u64> = sim
            .trace()
            .iter()
            .filter_map(|d| match &d.kind {
                TraceKind::Delivered { sub: h, seq, .. } if h == sub => Some(*seq),
                _ => None,
            })
            .collect();
        // "…unless dropped by a limit": a stalled subscriber can lose messages to max_msgs.
        let dropped: BTreeSet<u64> = sim
            .trace()
            .iter()
            .filter_map(|d| match &d.kind {
                TraceKind::MsgDropped { channel: c, seq, .. } if c == channel => Some(*seq),
                _ => None,
            })
            .collect();
        for seq in published.into_iter().filter(|s| !dropped.contains(s)) {
            assert!(got.contains(&seq), "healthy_subscriptions_get_everything: {sub} missed {channel} #{seq}\nscenario: {}", scenario_json(s));
        }
    }
}

proptest! {
    // A fixed seed keeps CI reproducible; explore with PROPTEST_RNG_SEED=n PROPTEST_CASES=n.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200),
        rng_seed: RngSeed::Fixed(std::env::var("PROPTEST_RNG_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(2026)),
        .. ProptestConfig::default()
    })]
    #[test]
    fn random_scripts_keep_the_invariants(s in script()) {
        let sim = run(&s);
        if std::env::var_os("PROBE").is_some() {
            let count = |n: &str| sim.trace().iter().filter(|e| e.kind.name() == n).count();
            eprintln!("actions={} delivered={} redelivered={} acked={} failed_hb={} closed={}", s.actions.len(), count("delivered"),
                sim.trace().iter().filter(|e| matches!(e.kind, TraceKind::Delivered { redelivered: true, .. })).count(), count("acked"),
                sim.trace().iter().filter(|e| matches!(e.kind, TraceKind::Heartbeat { ok: false, .. })).count(), count("client_closed"));
        }
        check_trace(&sim, &s);
        check_healthy(&sim, &s);
    }
}

#[test]
fn sometimes_redelivered_the_generator_reaches_interesting_states() {
    // Guard against a generator that never exercises redelivery or queue groups.
    let s = Script {
        version: "0.25",
        max_msgs: 0,
        actions: vec![
            json!({"at_ms": 0, "do": "connect", "client": "c0"}),
            json!({"at_ms": 0, "do": "connect", "client": "c1"}),
            json!({"at_ms": 0, "do": "subscribe", "client": "c1", "sub": "s0", "channel": "a", "queue": "g", "manual_ack": true, "ack_wait_ms": 1000, "process_ms": 1400, "max_inflight": 1}),
            json!({"at_ms": 0, "do": "subscribe", "client": "c0", "sub": "s1", "channel": "a", "queue": "g", "manual_ack": true, "ack_wait_ms": 1000, "max_inflight": 1}),
            json!({"at_ms": 100, "do": "publish", "client": "c0", "channel": "a", "count": 5, "every_ms": 10}),
        ],
    };
    let sim = run(&s);
    check_trace(&sim, &s);
    assert!(sim.trace().iter().any(|e| matches!(e.kind, TraceKind::Delivered { redelivered: true, .. })));
}
