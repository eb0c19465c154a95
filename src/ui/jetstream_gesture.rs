//! JetStream mode's gestures as scenario actions (tested natively): what a click on the
//! board or the inspector records at the cursor, in the contract's words, so the run a
//! learner builds is a scenario `natsim run` gives the same trace for.

use crate::engine::jetstream::edit::fresh;
use crate::engine::jetstream::scenario::{AckMode, Listener, Reply};
use crate::engine::scenario::Handler;
use serde_json::{json, Map, Value};

/// A consumer as the gestures name it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerRef {
    /// Stream name.
    pub stream: String,
    /// Consumer name.
    pub consumer: String,
}

/// What a new consumer is.
#[derive(Clone, Debug, PartialEq)]
pub struct NewConsumer {
    /// Stream and name.
    pub at: ConsumerRef,
    /// Deliver group (push only).
    pub group: Option<String>,
    /// A pull consumer.
    pub pull: bool,
    /// `explicit`, `all` or `none`.
    pub ack_policy: String,
    /// `ack_wait` in ms (the server's 30 s when `None`).
    pub ack_wait_ms: Option<u64>,
    /// `max_deliver` (unlimited when `None`).
    pub max_deliver: Option<i64>,
    /// `max_ack_pending` (the server's 1000 when `None`).
    pub max_ack_pending: Option<i64>,
}

/// One gesture.
#[derive(Clone, Debug, PartialEq)]
pub enum JsGesture {
    /// The operator adds a stream.
    AddStream {
        /// Name.
        name: String,
        /// Subjects it captures.
        subjects: Vec<String>,
    },
    /// The operator adds a consumer.
    AddConsumer(NewConsumer),
    /// The operator deletes a consumer.
    DeleteConsumer(ConsumerRef),
    /// A new process that publishes once on `subject`.
    AddPublisher {
        /// Subject.
        subject: String,
    },
    /// A publisher publishes `count` messages, 100 ms apart.
    Publish {
        /// Client id.
        client: String,
        /// Subject.
        subject: String,
        /// How many.
        count: u64,
        /// Payload ("" for none).
        data: String,
        /// `msgID` ("" for none).
        msg_id: String,
        /// `expect.lastSubjectSequence` as typed ("" for none; text that is no whole number is
        /// passed on for the scenario reader to refuse with its message).
        expect: String,
    },
    /// A new process subscribed to a push consumer (in `queue`, normally its deliver group).
    AddSubscriber {
        /// The consumer.
        at: ConsumerRef,
        /// Queue group.
        queue: Option<String>,
        /// Ack mode of the application.
        ack: AckMode,
    },
    /// A push subscriber moved to another consumer (a drag onto it or into its deliver group,
    /// or the inspector's twin): `sub.unsubscribe()`, then the same process binds to `to` with
    /// its deliver group as the queue, as its code would after the change.
    Rebind {
        /// The handle moved.
        sub: String,
        /// Its process.
        client: String,
        /// Where it goes.
        to: ConsumerRef,
        /// The consumer's deliver group (the queue nats.js must name), if any.
        queue: Option<String>,
        /// Its application, kept.
        listener: Listener,
    },
    /// A push subscriber dropped on the new-group zone: the operator adds a durable push
    /// consumer on its stream whose deliver group has a fresh name, and it binds there.
    NewGroup {
        /// The handle moved.
        sub: String,
        /// Its process.
        client: String,
        /// Its stream.
        stream: String,
        /// Its application, kept.
        listener: Listener,
    },
    /// A new process fetching from a pull consumer.
    AddWorker {
        /// The consumer.
        at: ConsumerRef,
        /// Batch.
        batch: u64,
    },
    /// Another pull request of a worker.
    Fetch {
        /// Its handle.
        sub: String,
        /// Its client.
        client: String,
        /// The consumer.
        at: ConsumerRef,
        /// Batch.
        batch: u64,
    },
    /// Change how a listener behaves (listener fields of the contract).
    Behave {
        /// Handle.
        sub: String,
        /// Fields.
        fields: Map<String, Value>,
    },
    /// The application answers a delivery it holds.
    Answer {
        /// Handle.
        sub: String,
        /// Stream seq.
        seq: u64,
        /// The answer.
        reply: Reply,
    },
    /// SIGKILL.
    Kill(String),
    /// `nc.close()`.
    Close(String),
    /// SIGSTOP for a while.
    Pause(String, u64),
    /// Core unsubscribe.
    Unsubscribe(String),
    /// A killed or closed listener started again: a new process with the same client id
    /// bound again to the same consumers, with the same application.
    Restart {
        /// Client id.
        client: String,
        /// Its handles' bindings: (consumer, queue, pull, application).
        subs: Vec<(ConsumerRef, Option<String>, bool, Listener)>,
    },
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Moving the open push subscriber `sub` to the push consumer `to` (its index on the
/// server), or to a new deliver group on its stream (`None`): the gesture, or `None` when
/// there is nothing to move (a pull worker, a closed handle, the same consumer).
pub fn move_to(sim: &crate::engine::jetstream::JsSim, sub: &str, to: Option<usize>) -> Option<JsGesture> {
    let h = sim.handle_views().into_iter().find(|h| &*h.sub == sub && h.open && !h.pull)?;
    let (client, listener) = (h.client.to_string(), h.listener.clone());
    match to {
        None => Some(JsGesture::NewGroup { sub: sub.to_string(), client, stream: h.stream.to_string(), listener }),
        Some(c) if c == h.consumer => None,
        Some(c) => {
            let srv = sim.server();
            let co = srv.consumers.get(c).filter(|co| !co.deleted && co.cfg.deliver_subject.is_some())?;
            Some(JsGesture::Rebind {
                sub: sub.to_string(),
                client,
                to: ConsumerRef { stream: srv.streams[co.stream].cfg.name.to_string(), consumer: co.name.to_string() },
                queue: co.cfg.deliver_group.as_ref().map(|g| g.to_string()),
                listener,
            })
        }
    }
}

/// `unsubscribe` of `sub`, then a new handle of the same process bound to `to` with `queue`
/// and the same application (after the actions in `first`); the new handle is selected.
fn rebind(
    doc: &Value,
    sub: &str,
    client: &str,
    to: &ConsumerRef,
    queue: Option<&str>,
    l: &Listener,
    first: Vec<Map<String, Value>>,
) -> (Vec<Map<String, Value>>, Option<String>) {
    let new = fresh(doc, "s");
    let mut out = first;
    out.push(obj(json!({"do": "unsubscribe", "sub": sub})));
    out.push(binding(client, &new, to, queue, false, l));
    (out, Some(format!("sub:{new}")))
}

/// A process's `subscribe` (or `fetch`, `pull`) action binding handle `sub` to `at`, in
/// `queue` (push only), with the application `l`.
fn binding(client: &str, sub: &str, at: &ConsumerRef, queue: Option<&str>, pull: bool, l: &Listener) -> Map<String, Value> {
    let mut m = obj(json!({"do": if pull { "fetch" } else { "subscribe" }, "client": client, "sub": sub, "stream": at.stream, "consumer": at.consumer}));
    if let (Some(q), false) = (queue, pull) {
        m.insert("queue".into(), json!(q));
    }
    m.extend(listener_fields(l));
    m
}

/// A consumer name `prefix` + N that no action of `doc` uses yet.
fn fresh_consumer(doc: &Value, prefix: &str) -> String {
    let used = |n: &str| doc.get("actions").and_then(Value::as_array).is_some_and(|a| a.iter().any(|x| x.get("consumer").and_then(Value::as_str) == Some(n)));
    (1..).map(|i| format!("{prefix}{i}")).find(|n| !used(n)).unwrap_or_default()
}

/// A reply in the contract's words.
pub fn reply_value(r: Reply) -> Value {
    match r {
        Reply::Ack => json!("ack"),
        Reply::Nak => json!("nak"),
        Reply::NakDelay(ms) => json!({ "nak_delay_ms": ms }),
        Reply::Term => json!("term"),
        Reply::InProgress => json!("in_progress"),
    }
}

/// An application's fields in the contract's words (only those that differ from the default).
pub fn listener_fields(l: &Listener) -> Map<String, Value> {
    let d = Listener::default();
    let mut m = Map::new();
    if l.handler != d.handler {
        m.insert("handler".into(), json!(if l.handler == Handler::Sync { "sync" } else { "async" }));
    }
    if l.process_ms != d.process_ms {
        m.insert("process_ms".into(), json!(l.process_ms));
    }
    if !l.fail_seqs.is_empty() {
        m.insert("fail_seqs".into(), json!(l.fail_seqs));
    }
    if l.fail_times != 0 {
        m.insert("fail_times".into(), json!(l.fail_times));
    }
    if l.fail_rate != 0.0 {
        m.insert("fail_rate".into(), json!(l.fail_rate));
    }
    if l.ack != d.ack {
        m.insert("ack".into(), json!(ack_name(l.ack)));
    }
    if let Some(r) = l.on_fail {
        m.insert("on_fail".into(), reply_value(r));
    }
    if l.progress_ms != 0 {
        m.insert("progress_ms".into(), json!(l.progress_ms));
    }
    m
}

/// `manual`, `auto`, `none`.
pub fn ack_name(a: AckMode) -> &'static str {
    match a {
        AckMode::Manual => "manual",
        AckMode::Auto => "auto",
        AckMode::None => "none",
    }
}

/// A subject a publisher can use on a stream that captures `pattern` (`orders.>` →
/// `orders.created`).
pub fn subject_for(pattern: &str) -> String {
    let parts: Vec<&str> = pattern.split('.').collect();
    let n = parts.len();
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| match *p {
            ">" => "created".to_string(),
            "*" if i + 1 == n => "created".to_string(),
            "*" => "x".to_string(),
            p => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

impl JsGesture {
    /// The actions it records (without `at_ms`) in `doc`, and the board node to select after.
    pub fn actions(&self, doc: &Value) -> (Vec<Map<String, Value>>, Option<String>) {
        match self {
            JsGesture::AddStream { name, subjects } => {
                (vec![obj(json!({"do": "add_stream", "stream": name, "subjects": subjects}))], Some(format!("stream:{name}")))
            }
            JsGesture::AddConsumer(c) => {
                let mut m = obj(json!({"do": "add_consumer", "stream": c.at.stream, "consumer": c.at.consumer, "ack_policy": c.ack_policy}));
                if c.pull {
                    m.insert("pull".into(), json!(true));
                }
                if let Some(g) = &c.group {
                    m.insert("deliver_group".into(), json!(g));
                }
                if let Some(w) = c.ack_wait_ms {
                    m.insert("ack_wait_ms".into(), json!(w));
                }
                if let Some(d) = c.max_deliver {
                    m.insert("max_deliver".into(), json!(d));
                }
                if let Some(p) = c.max_ack_pending {
                    m.insert("max_ack_pending".into(), json!(p));
                }
                (vec![m], None)
            }
            JsGesture::DeleteConsumer(c) => (vec![obj(json!({"do": "delete_consumer", "stream": c.stream, "consumer": c.consumer}))], None),
            JsGesture::AddPublisher { subject } => {
                let client = fresh(doc, "p");
                (
                    vec![obj(json!({"do": "connect", "client": client})), obj(json!({"do": "publish", "client": client, "subject": subject}))],
                    Some(format!("pub:{client}")),
                )
            }
            JsGesture::Publish { client, subject, count, data, msg_id, expect } => {
                let mut m = obj(json!({"do": "publish", "client": client, "subject": subject}));
                if !data.is_empty() {
                    m.insert("data".into(), json!(data));
                }
                if !msg_id.trim().is_empty() {
                    m.insert("msg_id".into(), json!(msg_id.trim()));
                }
                match expect.trim() {
                    "" => {}
                    e => {
                        m.insert("expected_last_subject_seq".into(), e.parse::<u64>().map_or_else(|_| json!(e), |n| json!(n)));
                    }
                }
                if *count > 1 {
                    m.insert("count".into(), json!(count));
                    m.insert("every_ms".into(), json!(100));
                }
                (vec![m], None)
            }
            JsGesture::AddSubscriber { at, queue, ack } => {
                let client = fresh(doc, "l");
                let sub = fresh(doc, "s");
                let mut m = obj(json!({"do": "subscribe", "client": client, "sub": sub, "stream": at.stream, "consumer": at.consumer}));
                if let Some(q) = queue {
                    m.insert("queue".into(), json!(q));
                }
                if *ack != AckMode::Manual {
                    m.insert("ack".into(), json!(ack_name(*ack)));
                }
                (vec![obj(json!({"do": "connect", "client": client})), m], Some(format!("sub:{sub}")))
            }
            JsGesture::Rebind { sub, client, to, queue, listener } => rebind(doc, sub, client, to, queue.as_deref(), listener, Vec::new()),
            JsGesture::NewGroup { sub, client, stream, listener } => {
                let group = fresh_consumer(doc, "group-");
                let add = obj(json!({"do": "add_consumer", "stream": stream, "consumer": group, "deliver_group": group}));
                rebind(doc, sub, client, &ConsumerRef { stream: stream.clone(), consumer: group.clone() }, Some(&group), listener, vec![add])
            }
            JsGesture::AddWorker { at, batch } => {
                let client = fresh(doc, "w");
                let sub = fresh(doc, "f");
                (
                    vec![
                        obj(json!({"do": "connect", "client": client})),
                        obj(json!({"do": "fetch", "client": client, "sub": sub, "stream": at.stream, "consumer": at.consumer, "batch": batch})),
                    ],
                    Some(format!("sub:{sub}")),
                )
            }
            JsGesture::Fetch { sub, client, at, batch } => {
                (vec![obj(json!({"do": "fetch", "client": client, "sub": sub, "stream": at.stream, "consumer": at.consumer, "batch": batch}))], None)
            }
            JsGesture::Behave { sub, fields } => {
                let mut m = obj(json!({"do": "behave", "sub": sub}));
                m.extend(fields.clone());
                (vec![m], None)
            }
            JsGesture::Answer { sub, seq, reply } => (vec![obj(json!({"do": "ack_msg", "sub": sub, "seq": seq, "reply": reply_value(*reply)}))], None),
            JsGesture::Kill(c) => (vec![obj(json!({"do": "kill", "client": c}))], None),
            JsGesture::Close(c) => (vec![obj(json!({"do": "close", "client": c}))], None),
            JsGesture::Pause(c, ms) => (vec![obj(json!({"do": "pause", "client": c, "duration_ms": ms}))], None),
            JsGesture::Unsubscribe(s) => (vec![obj(json!({"do": "unsubscribe", "sub": s}))], None),
            JsGesture::Restart { client, subs } => {
                let mut out = vec![obj(json!({"do": "connect", "client": client}))];
                let mut first = None;
                let mut doc = doc.clone();
                for (at, queue, pull, l) in subs {
                    let sub = fresh(&doc, if *pull { "f" } else { "s" });
                    let m = binding(client, &sub, at, queue.as_deref(), *pull, l);
                    first.get_or_insert_with(|| format!("sub:{sub}"));
                    if let Some(a) = doc.get_mut("actions").and_then(Value::as_array_mut) {
                        a.push(Value::Object(m.clone()));
                    }
                    out.push(m);
                }
                (out, first)
            }
        }
    }

    /// What it did, for the notice (`Killed l1.`).
    pub fn say(&self) -> String {
        let n = |s: &str| super::view_model::shown_name(s, 24);
        match self {
            JsGesture::AddStream { name, .. } => format!("Added stream {}.", n(name)),
            JsGesture::AddConsumer(c) => format!("Added consumer {} on {}.", n(&c.at.consumer), n(&c.at.stream)),
            JsGesture::DeleteConsumer(c) => format!("Deleted consumer {}.", n(&c.consumer)),
            JsGesture::AddPublisher { subject } => format!("A new publisher published on {}.", n(subject)),
            JsGesture::Publish { client, count, .. } => format!("{} publishes {count} message{}.", n(client), if *count == 1 { "" } else { "s" }),
            JsGesture::AddSubscriber { at, .. } => format!("A new listener subscribed to {}.", n(&at.consumer)),
            JsGesture::Rebind { sub, to, queue, .. } => match queue {
                Some(q) => format!("{} left its consumer and joined {}'s deliver group {}.", n(sub), n(&to.consumer), n(q)),
                None => format!("{} left its consumer and bound to {}.", n(sub), n(&to.consumer)),
            },
            JsGesture::NewGroup { sub, stream, .. } => {
                format!("{} left its consumer for a new consumer on {} with a deliver group of its own.", n(sub), n(stream))
            }
            JsGesture::AddWorker { at, batch } => format!("A new worker fetches {batch} from {}.", n(&at.consumer)),
            JsGesture::Fetch { sub, batch, .. } => format!("{} fetches {batch}.", n(sub)),
            JsGesture::Behave { sub, .. } => format!("{} behaves differently from now.", n(sub)),
            JsGesture::Answer { sub, seq, reply } => format!("{} answers seq {seq} with {}.", n(sub), reply_call(*reply)),
            JsGesture::Kill(c) => format!("Killed {}.", n(c)),
            JsGesture::Close(c) => format!("Closed {}.", n(c)),
            JsGesture::Pause(c, ms) => format!("Stopped {} for {} s.", n(c), ms / 1000),
            JsGesture::Unsubscribe(s) => format!("Unsubscribed {}.", n(s)),
            JsGesture::Restart { client, .. } => format!("Restarted {}.", n(client)),
        }
    }
}

/// The nats.js call that sends a reply (`m.nak(1000)`).
pub fn reply_call(r: Reply) -> String {
    match r {
        Reply::Ack => "m.ack()".into(),
        Reply::Nak => "m.nak()".into(),
        Reply::NakDelay(ms) => format!("m.nak({ms})"),
        Reply::Term => "m.term()".into(),
        Reply::InProgress => "m.working()".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::jetstream::edit::fork;
    use crate::engine::jetstream::JsKind;
    use crate::engine::jetstream::JsSession;
    use crate::engine::RunLimits;

    fn group_kill() -> Value {
        serde_json::from_str(include_str!("../../tests/jetstream/scenarios/group-kill.json")).unwrap()
    }

    #[test]
    fn a_subscriber_dragged_to_a_new_group_leaves_its_consumer_and_binds_to_a_new_one_with_its_application() {
        let doc = group_kill();
        let s0 = JsSession::new(crate::engine::jetstream::JsScenario::from_value(&doc).unwrap(), RunLimits::default());
        let g = move_to(&s0.at(300), "s2", None).expect("s2 is an open push subscriber");
        let (acts, select) = g.actions(&doc);
        assert_eq!(select.as_deref(), Some("sub:s3"));
        assert_eq!(
            Value::Array(acts.iter().cloned().map(Value::Object).collect()),
            json!([
                {"do": "add_consumer", "stream": "ticket", "consumer": "group-1", "deliver_group": "group-1"},
                {"do": "unsubscribe", "sub": "s2"},
                {"do": "subscribe", "client": "l2", "sub": "s3", "stream": "ticket", "consumer": "group-1", "queue": "group-1", "process_ms": 100}
            ])
        );
        let e = fork(&doc, 300, acts).unwrap();
        let s = JsSession::new(e.scenario, RunLimits::default());
        let got = |sub: &str| -> Vec<(u64, u64)> {
            s.history()
                .iter()
                .filter_map(|e| match &e.kind {
                    JsKind::Delivered { at, seq, .. } if &*at.sub == sub => Some((e.t, *seq)),
                    _ => None,
                })
                .collect()
        };
        assert!(got("s2").iter().all(|(t, _)| *t <= 300), "s2 gets nothing after it left: {:?}", got("s2"));
        // the new consumer starts at the stream's first message (deliver all, the default)
        assert_eq!(got("s3").first(), Some(&(300, 1)));
        assert_eq!(got("s3").len(), 12);
        // the same consumer, a pull worker or a closed handle: nothing to move
        assert_eq!(move_to(&s0.at(300), "s2", Some(0)), None);
        assert_eq!(move_to(&s0.at(700), "s1", None), None, "l1 was killed at 600 ms");
    }

    #[test]
    fn a_subscriber_dropped_on_another_consumer_binds_there_with_its_deliver_group_as_queue() {
        let mut doc = group_kill();
        doc["actions"]
            .as_array_mut()
            .unwrap()
            .insert(2, json!({"at_ms": 0, "do": "add_consumer", "stream": "ticket", "consumer": "audit", "ack_wait_ms": 2000}));
        let s0 = JsSession::new(crate::engine::jetstream::JsScenario::from_value(&doc).unwrap(), RunLimits::default());
        let g = move_to(&s0.at(300), "s1", Some(1)).unwrap();
        assert_eq!(
            g,
            JsGesture::Rebind {
                sub: "s1".into(),
                client: "l1".into(),
                to: ConsumerRef { stream: "ticket".into(), consumer: "audit".into() },
                queue: None,
                listener: Listener { ack: AckMode::None, ..Listener::default() },
            }
        );
        assert_eq!(g.say(), "s1 left its consumer and bound to audit.");
        let (acts, _) = g.actions(&doc);
        assert_eq!(acts[1], obj(json!({"do": "subscribe", "client": "l1", "sub": "s3", "stream": "ticket", "consumer": "audit", "ack": "none"})));
        let back = move_to(&s0.at(300), "s2", Some(0));
        assert_eq!(back, None, "s2 is already bound to orders");
    }

    #[test]
    fn subjects_for_a_publisher_fill_the_wildcards() {
        assert_eq!(subject_for("orders.>"), "orders.created");
        assert_eq!(subject_for("orders.*"), "orders.created");
        assert_eq!(subject_for("a.*.b"), "a.x.b");
        assert_eq!(subject_for("ticket"), "ticket");
    }

    #[test]
    fn a_new_subscriber_in_the_deliver_group_shares_the_messages_from_the_cursor() {
        let doc = group_kill();
        let at = ConsumerRef { stream: "ticket".into(), consumer: "orders".into() };
        let g = JsGesture::AddSubscriber { at, queue: Some("orders-service".into()), ack: AckMode::Manual };
        let (acts, select) = g.actions(&doc);
        assert_eq!(select.as_deref(), Some("sub:s3"));
        assert_eq!(acts[0]["client"], "l3");
        let e = fork(&doc, 300, acts).unwrap();
        let s = JsSession::new(e.scenario, RunLimits::default());
        let subscribed = s.history().iter().find(|e| matches!(&e.kind, JsKind::Subscribed { at, .. } if &*at.sub == "s3")).unwrap();
        assert_eq!(subscribed.t, 300);
    }

    #[test]
    fn a_nak_with_delay_on_a_held_message_is_redelivered_after_the_delay() {
        let doc = group_kill();
        // l1 never acks by itself (ack "none"): at 500 ms it answers one it holds with
        // m.nak(1000).
        let s = JsSession::new(crate::engine::jetstream::JsScenario::from_value(&doc).unwrap(), RunLimits::default());
        let sim = s.at(500);
        let l1 = sim.handle_views().into_iter().find(|h| &*h.sub == "s1").unwrap();
        let (seq, dc) = l1.held.first().copied().expect("s1 holds a delivery at 500 ms");
        assert_eq!(dc, 1);
        let g = JsGesture::Answer { sub: "s1".into(), seq, reply: Reply::NakDelay(1000) };
        let e = fork(&doc, 500, g.actions(&doc).0).unwrap();
        let s = JsSession::new(e.scenario, RunLimits::default());
        let naked = s.history().iter().find(|e| matches!(&e.kind, JsKind::Answered { seq: q, reply: Reply::NakDelay(1000), .. } if *q == seq)).unwrap();
        assert_eq!(naked.t, 500);
        let again = s.history().iter().find(|e| matches!(&e.kind, JsKind::Delivered { seq: q, num_delivered: 2, .. } if *q == seq)).unwrap();
        assert_eq!(again.t, 1501, "redelivered one nak delay later, at the ack timer's run 1 ms after it (JS §6.1)");
    }

    #[test]
    fn a_restart_binds_a_new_process_to_the_same_consumer_with_the_same_application() {
        let doc = group_kill();
        let l = Listener { process_ms: 200, ..Listener::default() };
        let g = JsGesture::Restart {
            client: "l1".into(),
            subs: vec![(ConsumerRef { stream: "ticket".into(), consumer: "orders".into() }, Some("orders-service".into()), false, l)],
        };
        let (acts, select) = g.actions(&doc);
        assert_eq!(acts.len(), 2);
        assert_eq!(acts[1]["queue"], "orders-service");
        assert_eq!(acts[1]["process_ms"], 200);
        assert_eq!(select.as_deref(), Some("sub:s3"));
        let e = fork(&doc, 1000, acts).unwrap();
        let s = JsSession::new(e.scenario, RunLimits::default());
        assert!(s.history().iter().any(|e| e.t == 1000 && matches!(&e.kind, JsKind::Connected { client } if &**client == "l1")));
    }
}
