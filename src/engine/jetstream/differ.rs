//! Where a NATS Streaming run and its JetStream translation (`translate.rs`) differ, in
//! the words of jetstream-mapping.md: a killed member that STAN still serves until its
//! heartbeats fail while JetStream sees it gone at once (and both wait for something before
//! its messages move), the redelivery count that is 1 in stan.js and 2 in nats.js, and a
//! server restart that the course's memory store does not survive and JetStream's file
//! storage does.
//! Each difference is dated by when the runs show it.

use super::trace::{JsEvent, JsKind};
use super::translate::js_name;
use crate::engine::time::SimTime;
use crate::engine::trace::{CloseReason, TraceEvent, TraceKind};
use std::collections::BTreeSet;

fn s(t: SimTime) -> String {
    format!("{:.1} s", t as f64 / 1000.0)
}

/// The differences, in time order: (when it shows, what differs).
pub fn differences(stan: &[TraceEvent], js: &[JsEvent]) -> Vec<(SimTime, String)> {
    let mut out = Vec::new();
    for k in stan {
        let TraceKind::Killed { client } = &k.kind else { continue };
        let t0 = k.t;
        // STAN: what it held (delivered, not acked), what it was sent after dying, and when
        // the server forgot it.
        let mut held: BTreeSet<(String, u64)> = BTreeSet::new();
        let mut after: BTreeSet<u64> = BTreeSet::new();
        let mut gone = None;
        for e in stan {
            match &e.kind {
                TraceKind::Delivered { client: c, channel, seq, .. } if c == client && gone.is_none() => {
                    held.insert((js_name(channel), *seq));
                    if e.t > t0 {
                        after.insert(*seq);
                    }
                }
                TraceKind::Acked { client: c, channel, seq, .. } if c == client && e.t <= t0 => {
                    held.remove(&(js_name(channel), *seq));
                }
                TraceKind::ClientClosed { client: c, reason: CloseReason::Heartbeat, .. } if c == client && e.t >= t0 && gone.is_none() => gone = Some(e.t),
                TraceKind::Connected { client: c, .. } if c == client && e.t > t0 => break,
                _ => {}
            }
        }
        let stan_moved = stan
            .iter()
            .filter(|e| e.t > t0)
            .find(|e| matches!(&e.kind, TraceKind::Delivered { client: c, channel, seq, .. } if c != client && held.contains(&(js_name(channel), *seq))))
            .map(|e| e.t);
        // JetStream: what the same client held, and when it moved.
        let mut js_held: BTreeSet<(String, u64)> = BTreeSet::new();
        for e in js.iter().take_while(|e| e.t <= t0) {
            match &e.kind {
                JsKind::Delivered { at, seq, .. } if at.client == *client => {
                    js_held.insert((at.stream.to_string(), *seq));
                }
                JsKind::Answered { at, seq, .. } if at.client == *client => {
                    js_held.remove(&(at.stream.to_string(), *seq));
                }
                _ => {}
            }
        }
        let js_after = js.iter().filter(|e| e.t > t0).any(|e| matches!(&e.kind, JsKind::Delivered { at, .. } if at.client == *client));
        let js_moved = js
            .iter()
            .filter(|e| e.t > t0)
            .find(|e| matches!(&e.kind, JsKind::Delivered { at, seq, num_delivered, .. } if at.client != *client && *num_delivered > 1 && js_held.contains(&(at.stream.to_string(), *seq))))
            .map(|e| e.t);
        let name: String = client.chars().take(24).collect();
        // Each part is dated when the runs show it, and says nothing that comes later (beside
        // the board, a learner reads it at the cursor).
        let unacked = |n: usize| match n {
            0 => "nothing unacked".to_string(),
            1 => "1 message unacked".to_string(),
            n => format!("{n} messages unacked"),
        };
        let stan_held = held.iter().filter(|(_, q)| !after.contains(q)).count();
        out.push((
            t0,
            format!(
                "{name} killed at {}. JetStream sees its connection end at once ({} held {}); NATS Streaming still counts it a member until its heartbeats fail ({} held {}).",
                s(t0),
                name,
                unacked(js_held.len()),
                name,
                unacked(stan_held)
            ),
        ));
        let first_after = stan.iter().filter(|e| e.t > t0).find_map(|e| match &e.kind {
            TraceKind::Delivered { client: c, seq, .. } if c == client && after.contains(seq) => Some((e.t, *seq)),
            _ => None,
        });
        if let Some((t, seq)) = first_after {
            let js_to = if js_after { "JetStream sent it a message too" } else { "JetStream sends it nothing" };
            out.push((t, format!("NATS Streaming sent the dead {name} seq {seq} at {}: nobody receives it until its ack wait runs out; {js_to}.", s(t))));
        }
        if let Some(m) = stan_moved {
            out.push((m, format!("NATS Streaming moved {name}'s unacked messages to another member at {}, when their ack wait ran out.", s(m))));
        }
        if let Some(m) = js_moved {
            out.push((m, format!("JetStream moved {name}'s unacked messages to another member at {}, when their ack wait ran out.", s(m))));
        }
        if let Some(g) = gone {
            out.push((g, format!("NATS Streaming dropped {name} at {}: its heartbeats failed; JetStream had let it go at {}.", s(g), s(t0))));
        }
    }
    // A server restart: the course's memory store forgets everything, JetStream's file
    // storage keeps the stream and its consumers; the first events after it show the numbers.
    if let Some(t0) = stan.iter().find(|e| matches!(e.kind, TraceKind::ServerRestarted)).map(|e| e.t) {
        let kept = js.iter().take_while(|e| e.t <= t0).filter_map(|e| match &e.kind {
            JsKind::Published { seq, duplicate: false, .. } => Some(*seq),
            _ => None,
        });
        let kept = kept.max().map_or("nothing stored yet".to_string(), |n| format!("seq 1–{n}"));
        out.push((
            t0,
            format!(
                "The server restarted at {}. NATS Streaming's memory store lost every channel, message and subscription; JetStream's file storage kept the stream ({kept}) and each consumer's place, and nats.js reconnects by itself about 2 s later.",
                s(t0)
            ),
        ));
        let first_stan = stan.iter().filter(|e| e.t > t0).find_map(|e| match &e.kind {
            TraceKind::Published { seq, .. } => Some((e.t, *seq)),
            _ => None,
        });
        let first_js = js.iter().filter(|e| e.t > t0).find_map(|e| match &e.kind {
            JsKind::Published { seq, duplicate: false, .. } => Some((e.t, *seq)),
            _ => None,
        });
        match (first_stan, first_js) {
            (Some((ts, sq)), Some((tj, jq))) => out.push((
                ts.max(tj),
                format!("After the restart NATS Streaming numbers from the start again (seq {sq} at {}); JetStream goes on (seq {jq} at {}).", s(ts), s(tj)),
            )),
            (None, Some((tj, jq))) => out.push((
                tj,
                format!("After the restart JetStream goes on at seq {jq} ({}); NATS Streaming has stored nothing since: its clients from before are no longer registered.", s(tj)),
            )),
            _ => {}
        }
    }
    // The redelivery count, the first time a message comes again on both sides.
    let first_js = js.iter().find_map(|e| match &e.kind {
        JsKind::Delivered { at, seq, num_delivered, .. } if *num_delivered > 1 => Some((e.t, at.stream.to_string(), *seq, *num_delivered)),
        _ => None,
    });
    let first_stan = stan.iter().find_map(|e| match &e.kind {
        TraceKind::Delivered { channel, seq, redelivered: true, redelivery_count, .. } => Some((e.t, js_name(channel), *seq, *redelivery_count)),
        _ => None,
    });
    match (first_stan, first_js) {
        (Some((ts, _, sq, rc)), Some((tj, _, jq, dc))) => out.push((
            ts.max(tj),
            format!(
                "A message again: stan.js counts redeliveries (seq {sq} at {}: msg.getRedeliveryCount() = {rc}), nats.js counts deliveries (seq {jq} at {}: m.info.deliveryCount = {dc}).",
                s(ts),
                s(tj)
            ),
        )),
        (Some((ts, _, sq, _)), None) => out.push((ts, format!("NATS Streaming sent seq {sq} again at {}; JetStream has redelivered nothing so far.", s(ts)))),
        (None, Some((tj, _, jq, _))) => out.push((tj, format!("JetStream sent seq {jq} again at {} (its ack wait ran out); NATS Streaming has redelivered nothing so far.", s(tj)))),
        (None, None) => {}
    }
    out.sort_by_key(|d| d.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::jetstream::translate::translate;
    use crate::engine::jetstream::JsSession;
    use crate::engine::{RunLimits, Scenario, Sim};

    /// The differences between a STAN example and its translation, both run to the end.
    fn of(text: &str) -> Vec<(SimTime, String)> {
        let stan = Scenario::parse(text).unwrap();
        let t = translate(&stan).unwrap();
        let js = JsSession::new(t.scenario.clone(), RunLimits::default());
        let mut sim = Sim::new(stan);
        sim.run_until(js.end()).unwrap();
        differences(sim.trace(), js.history())
    }

    #[test]
    fn a_restart_differs_by_what_is_kept_and_how_the_next_event_is_numbered() {
        let d = of(include_str!("../../../www/scenarios/server-restart.json"));
        let restart: Vec<(SimTime, &str)> = d.iter().filter(|(_, x)| x.contains("restart")).map(|(t, x)| (*t, x.as_str())).collect();
        assert_eq!(
            restart,
            vec![
                (5500, "The server restarted at 5.5 s. NATS Streaming's memory store lost every channel, message and subscription; JetStream's file storage kept the stream (seq 1–5) and each consumer's place, and nats.js reconnects by itself about 2 s later."),
                (8000, "After the restart JetStream goes on at seq 6 (8.0 s); NATS Streaming has stored nothing since: its clients from before are no longer registered."),
            ]
        );
    }

    #[test]
    fn the_course_kill_differs_by_heartbeats_against_at_once() {
        let d = of(include_str!("../../../www/scenarios/course-queue-kill-0.17.json"));
        let d: Vec<(SimTime, &str)> = d.iter().map(|(t, x)| (*t, x.as_str())).collect();
        assert_eq!(
            d,
            vec![
                (5500, "l1 killed at 5.5 s. JetStream sees its connection end at once (l1 held nothing unacked); NATS Streaming still counts it a member until its heartbeats fail (l1 held nothing unacked)."),
                (7000, "NATS Streaming sent the dead l1 seq 7 at 7.0 s: nobody receives it until its ack wait runs out; JetStream sends it nothing."),
                (12_000, "NATS Streaming moved l1's unacked messages to another member at 12.0 s, when their ack wait ran out."),
                (12_000, "NATS Streaming sent seq 7 again at 12.0 s; JetStream has redelivered nothing so far."),
                (35_000, "NATS Streaming dropped l1 at 35.0 s: its heartbeats failed; JetStream had let it go at 5.5 s."),
            ]
        );
    }
}
