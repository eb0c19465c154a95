//! A NATS Streaming scenario translated into JetStream, the way nats-io/stan2js migrates
//! (jetstream-mapping.md): each channel becomes a stream capturing the channel's name as its
//! one subject, created at 0 s because streams must exist first; each subscription becomes
//! a push consumer with `ack_policy: explicit` (a durable → a durable consumer of that name;
//! a queue group → a consumer with `deliver_group` = the queue, named by the durable or the
//! queue; a plain subscription → an ephemeral consumer) bound by `js.subscribe` in the same
//! queue; the start position becomes the deliver policy; auto ack stays nats.js's auto-ack
//! and manual ack `manualAck()`. Clients, publishes, kills, closes and pauses stay what they
//! were. Unlike stan2js, `setAckWait` is kept as `ack_wait` so the two runs compare the same
//! wait; what has no JetStream equivalent is left out and said in [`Translation::notes`].

use super::scenario::JsScenario;
use crate::engine::broker::StartPosition;
use crate::engine::scenario::{AppKind, Behaviour, BehaviourPatch, Handler, Scenario, ScenarioError, Verb, MAX_UNTIL_MS};
use crate::engine::stanjs;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// How long the JetStream run goes on after the STAN scenario's last action, at least (its
/// default ack wait and a margin), so what the last action starts is seen.
pub const AFTER_LAST_MS: u64 = 35_000;

/// A translated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Translation {
    /// The JetStream scenario document.
    pub doc: Value,
    /// It, read.
    pub scenario: JsScenario,
    /// What was left out or behaves differently, one sentence each, once each.
    pub notes: Vec<String>,
}

/// A stream or consumer name for a STAN channel, durable or queue name: JetStream names may
/// not hold whitespace, `.`, `*`, `>`, `/` or `\` (JS §1).
pub(crate) fn js_name(s: &str) -> String {
    s.chars().map(|c| if c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\') { '_' } else { c }).collect()
}

fn listener(m: &mut Map<String, Value>, handler: Option<Handler>, process_ms: Option<u64>, fail: (Option<&Vec<u64>>, Option<u32>, Option<f64>)) {
    if let Some(h) = handler {
        m.insert("handler".into(), json!(if h == Handler::Sync { "sync" } else { "async" }));
    }
    if let Some(p) = process_ms {
        m.insert("process_ms".into(), json!(p));
    }
    if let Some(s) = fail.0 {
        m.insert("fail_seqs".into(), json!(s));
    }
    if let Some(t) = fail.1 {
        m.insert("fail_times".into(), json!(t));
    }
    if let Some(r) = fail.2 {
        m.insert("fail_rate".into(), json!(r));
    }
}

struct Notes(Vec<String>);

impl Notes {
    fn say(&mut self, s: &str) {
        if !self.0.iter().any(|x| x == s) {
            self.0.push(s.to_string());
        }
    }
}

fn apps(n: &mut Notes, app: Option<AppKind>, checks: bool) {
    if app.is_some_and(|a| a != AppKind::None) || checks {
        n.say("The lab's applications (tickets, versions, idempotency, ordering) are not in JetStream mode yet: those listeners only do their work and ack.");
    }
}

/// Translates `stan` (its actions, seed, name and end) into a JetStream scenario.
pub fn translate(stan: &Scenario) -> Result<Translation, ScenarioError> {
    let mut notes = Notes(Vec::new());
    let mut streams: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut stream_of = |channel: &str, streams: &mut BTreeMap<String, String>| -> String {
        if let Some(s) = streams.get(channel) {
            return s.clone();
        }
        let base = js_name(channel);
        let mut name = base.clone();
        let mut k = 2;
        while streams.values().any(|v| *v == name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        streams.insert(channel.to_string(), name.clone());
        order.push(channel.to_string());
        name
    };
    let mut consumers: BTreeMap<(String, String), ()> = BTreeMap::new();
    let mut actions: Vec<Value> = Vec::new();
    for a in &stan.actions {
        let at = a.at_ms;
        match &a.verb {
            Verb::Connect { client, .. } => actions.push(json!({"at_ms": at, "do": "connect", "client": client.to_string()})),
            Verb::Publish { client, channel, data, count, every_ms, template } => {
                stream_of(channel, &mut streams);
                let mut m = json!({"at_ms": at, "do": "publish", "client": client.to_string(), "subject": channel.to_string()});
                if !data.is_empty() {
                    m["data"] = json!(data.to_string());
                }
                if *count != 1 {
                    m["count"] = json!(count);
                }
                if *every_ms != 0 {
                    m["every_ms"] = json!(every_ms);
                }
                if *template {
                    notes.say("Publish templates are not in JetStream mode: each publish sends the template's text as it is.");
                }
                actions.push(m);
            }
            Verb::Subscribe(s) => {
                let stream = stream_of(&s.channel, &mut streams);
                let (consumer, durable) = match (&s.durable, &s.queue) {
                    (Some(d), _) => (js_name(d), true),
                    (None, Some(q)) => (js_name(q), false),
                    (None, None) => (js_name(&s.sub), false),
                };
                if consumers.insert((stream.clone(), consumer.clone()), ()).is_none() {
                    let mut c = json!({"at_ms": at, "do": "add_consumer", "stream": stream, "consumer": consumer, "ack_policy": "explicit"});
                    if !durable {
                        c["durable"] = json!(false);
                    }
                    if let Some(q) = &s.queue {
                        c["deliver_group"] = json!(q.to_string());
                    }
                    match s.start {
                        StartPosition::NewOnly => c["deliver_policy"] = json!("new"),
                        StartPosition::All => c["deliver_policy"] = json!("all"),
                        StartPosition::LastReceived => c["deliver_policy"] = json!("last"),
                        StartPosition::Seq(n) => {
                            c["deliver_policy"] = json!("by_start_sequence");
                            c["opt_start_seq"] = json!(n);
                        }
                        StartPosition::TimeDelta(d) => {
                            c["deliver_policy"] = json!("by_start_time");
                            c["opt_start_time_delta_ms"] = json!(d);
                        }
                    }
                    if s.ack_wait_ms != 30_000 {
                        c["ack_wait_ms"] = json!(s.ack_wait_ms);
                    }
                    if s.max_inflight != stanjs::MAX_INFLIGHT {
                        notes.say("setMaxInFlight is per subscription in STAN; its JetStream cousin max_ack_pending is per consumer, shared by a whole deliver group: the translation keeps the server's 1000.");
                    }
                    actions.push(c);
                } else if s.durable.is_some() && s.queue.is_none() {
                    notes.say("A durable resubscribed: JetStream binds the same consumer again (a second subscriber while one is bound is refused: duplicate subscription).");
                }
                let mut m =
                    json!({"at_ms": at, "do": "subscribe", "client": s.client.to_string(), "sub": s.sub.to_string(), "stream": stream, "consumer": consumer});
                if let Some(q) = &s.queue {
                    m["queue"] = json!(q.to_string());
                }
                let b: &Behaviour = &s.behaviour;
                let mo = m.as_object_mut().expect("object");
                if !s.manual_ack {
                    mo.insert("ack".into(), json!("auto"));
                }
                listener(
                    mo,
                    (b.handler != Handler::Async).then_some(b.handler),
                    (b.process_ms != 0).then_some(b.process_ms),
                    (
                        (!b.fail_seqs.is_empty()).then_some(&b.fail_seqs),
                        (b.fail_times != 0).then_some(b.fail_times),
                        (b.fail_rate != 0.0).then_some(b.fail_rate),
                    ),
                );
                apps(&mut notes, Some(b.app), b.version_check || b.idempotent || b.ordered);
                actions.push(m);
            }
            Verb::Behave { sub, patch } => {
                let BehaviourPatch { handler, process_ms, fail_seqs, fail_times, fail_rate, app, version_check, idempotent, ordered } = patch;
                let mut m = Map::new();
                listener(&mut m, *handler, *process_ms, (fail_seqs.as_ref(), *fail_times, *fail_rate));
                apps(&mut notes, *app, version_check.is_some() || idempotent.is_some() || ordered.is_some());
                if m.is_empty() {
                    continue;
                }
                m.insert("at_ms".into(), json!(at));
                m.insert("do".into(), json!("behave"));
                m.insert("sub".into(), json!(sub.to_string()));
                actions.push(Value::Object(m));
            }
            Verb::Unsubscribe { sub } | Verb::CloseSub { sub } => {
                if matches!(a.verb, Verb::Unsubscribe { .. }) {
                    notes.say("STAN's unsubscribe() deletes a durable; in JetStream unsubscribing never deletes a consumer (only jsm.consumers.delete or its inactive_threshold does).");
                }
                actions.push(json!({"at_ms": at, "do": "unsubscribe", "sub": sub.to_string()}));
            }
            Verb::Close { client } => actions.push(json!({"at_ms": at, "do": "close", "client": client.to_string()})),
            Verb::Kill { client } => actions.push(json!({"at_ms": at, "do": "kill", "client": client.to_string()})),
            Verb::Pause { client, duration_ms } => actions.push(json!({"at_ms": at, "do": "pause", "client": client.to_string(), "duration_ms": duration_ms})),
            Verb::RestartServer => {
                notes.say("A server restart: JetStream's file storage (its default) keeps every stream and consumer through it, unlike the course's memory store; nats.js reconnects by itself about 2 s later.");
                actions.push(json!({"at_ms": at, "do": "restart_server"}));
            }
        }
    }
    let mut all = Vec::with_capacity(order.len() + actions.len());
    for ch in &order {
        all.push(json!({"at_ms": 0, "do": "add_stream", "stream": streams[ch], "subjects": [ch]}));
    }
    all.extend(actions);
    let last = stan.actions.iter().map(|a| a.at_ms).max().unwrap_or(0);
    let until = stan.until_ms.max(last.saturating_add(AFTER_LAST_MS)).min(MAX_UNTIL_MS);
    let name = format!("{} — in JetStream", stan.name.clone().unwrap_or_else(|| "The run".into()));
    let doc = json!({
        "name": name,
        "description": "Translated from the NATS Streaming run the way nats-io/stan2js migrates: a stream per channel, a consumer per durable or queue group.",
        "seed": stan.seed,
        "until_ms": until,
        "server": {"kind": "jetstream"},
        "actions": all,
    });
    let scenario = JsScenario::from_value(&doc)?;
    Ok(Translation { doc, scenario, notes: notes.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::jetstream::{JsKind, JsSession};
    use crate::engine::RunLimits;

    fn stan(actions: &str) -> Scenario {
        Scenario::parse(&format!(r#"{{"version": 1, "seed": 7, "until_ms": 5000, "actions": [{actions}]}}"#)).unwrap()
    }

    #[test]
    fn a_queue_group_becomes_a_consumer_with_its_deliver_group_and_the_streams_come_first() {
        let t = translate(&stan(
            r#"{"at_ms": 0, "do": "connect", "client": "l1"},
               {"at_ms": 0, "do": "connect", "client": "l2"},
               {"at_ms": 0, "do": "subscribe", "client": "l1", "sub": "s1", "channel": "ticket:created", "queue": "orders-service-queue-group", "durable": "orders-service", "manual_ack": true, "ack_wait_ms": 5000, "start": "all", "process_ms": 100},
               {"at_ms": 0, "do": "subscribe", "client": "l2", "sub": "s2", "channel": "ticket:created", "queue": "orders-service-queue-group", "durable": "orders-service", "manual_ack": true, "ack_wait_ms": 5000, "start": "all"},
               {"at_ms": 100, "do": "publish", "client": "l2", "channel": "ticket:created", "data": "{\"id\":1}", "count": 3},
               {"at_ms": 600, "do": "kill", "client": "l1"}"#,
        ))
        .unwrap();
        let acts = t.doc["actions"].as_array().unwrap();
        assert_eq!(acts[0], json!({"at_ms": 0, "do": "add_stream", "stream": "ticket:created", "subjects": ["ticket:created"]}));
        assert_eq!(
            acts[3],
            json!({"at_ms": 0, "do": "add_consumer", "stream": "ticket:created", "consumer": "orders-service", "ack_policy": "explicit", "deliver_group": "orders-service-queue-group", "deliver_policy": "all", "ack_wait_ms": 5000})
        );
        assert_eq!(acts[4]["queue"], "orders-service-queue-group");
        assert_eq!(acts[4]["process_ms"], 100);
        assert!(acts[4].get("ack").is_none(), "manual ack stays manual");
        assert_eq!(acts.iter().filter(|a| a["do"] == "add_consumer").count(), 1, "the second member joins the same consumer");
        assert_eq!(t.doc["until_ms"], 35_600);
        assert!(t.notes.is_empty(), "{:?}", t.notes);
        // The run: three deliveries to the group, and whatever l1 held comes back one ack
        // wait after its first delivery.
        let s = JsSession::new(t.scenario, RunLimits::default());
        let firsts = s.history().iter().filter(|e| matches!(&e.kind, JsKind::Delivered { num_delivered: 1, .. })).count();
        assert_eq!(firsts, 3);
        for e in s.history() {
            if let JsKind::Delivered { num_delivered: 2, .. } = &e.kind {
                assert_eq!(e.t, 5101, "redelivered at 100 + 5000 (+1 ms timer)");
            }
        }
    }

    #[test]
    fn defaults_translate_to_new_only_auto_ack_and_an_ephemeral_consumer_and_what_is_left_out_is_said() {
        let t = translate(&stan(
            r#"{"at_ms": 0, "do": "connect", "client": "a"},
               {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "x", "channel": "foo.bar", "max_inflight": 1},
               {"at_ms": 10, "do": "publish", "client": "a", "channel": "foo.bar"},
               {"at_ms": 20, "do": "unsubscribe", "sub": "x"},
               {"at_ms": 30, "do": "restart_server"}"#,
        ))
        .unwrap();
        let acts = t.doc["actions"].as_array().unwrap();
        assert_eq!(acts[0], json!({"at_ms": 0, "do": "add_stream", "stream": "foo_bar", "subjects": ["foo.bar"]}));
        assert_eq!(
            acts[2],
            json!({"at_ms": 0, "do": "add_consumer", "stream": "foo_bar", "consumer": "x", "ack_policy": "explicit", "durable": false, "deliver_policy": "new"})
        );
        assert_eq!(acts[3]["ack"], "auto");
        assert_eq!(acts[5], json!({"at_ms": 20, "do": "unsubscribe", "sub": "x"}));
        assert_eq!(acts[6], json!({"at_ms": 30, "do": "restart_server"}));
        assert_eq!(acts.len(), 7);
        assert_eq!(t.notes.len(), 3, "{:?}", t.notes);
        assert!(t.notes[0].starts_with("setMaxInFlight is per subscription"));
        assert!(t.notes[1].starts_with("STAN's unsubscribe() deletes a durable"));
        assert!(t.notes[2].starts_with("A server restart: JetStream's file storage (its default) keeps every stream"));
    }
}
