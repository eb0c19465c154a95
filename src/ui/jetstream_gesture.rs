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
                    let mut m = obj(
                        json!({"do": if *pull { "fetch" } else { "subscribe" }, "client": client, "sub": sub, "stream": at.stream, "consumer": at.consumer}),
                    );
                    if let (Some(q), false) = (queue, pull) {
                        m.insert("queue".into(), json!(q));
                    }
                    m.extend(listener_fields(l));
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
