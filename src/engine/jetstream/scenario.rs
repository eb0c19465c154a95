//! JetStream scenarios (`"server": {"kind": "jetstream"}`, scenario-contract.md "JetStream
//! scenarios"): the types and their strict reader. What the server judges (names, deliver
//! policies without their start option, `backoff_ms` with an unlimited `max_deliver`) is not
//! checked here: the simulated server answers it with its own error.

use crate::engine::ids::Name;
use crate::engine::scenario::{Handler, ScenarioError, MAX_ACTIONS, MAX_PUBLISHES, MAX_UNTIL_MS};
use crate::json::{self, err, Fields};
use serde_json::Value;
use std::collections::BTreeMap;

/// A stream's retention policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retention {
    /// `limits` (the default).
    Limits,
    /// `interest`.
    Interest,
    /// `workqueue`.
    WorkQueue,
}

/// What a full stream does with a new message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discard {
    /// Drop the oldest (the default).
    Old,
    /// Refuse the new one.
    New,
}

/// Where a stream keeps its messages (it changes the byte accounting, JS §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// `file` (the default).
    File,
    /// `memory`.
    Memory,
}

/// A consumer's deliver policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliverPolicy {
    /// `all`.
    All,
    /// `last`.
    Last,
    /// `new`.
    New,
    /// `by_start_sequence`.
    ByStartSequence,
    /// `by_start_time`.
    ByStartTime,
    /// `last_per_subject`.
    LastPerSubject,
}

/// A consumer's ack policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckPolicy {
    /// `explicit`.
    Explicit,
    /// `all`.
    All,
    /// `none`.
    None,
}

/// An answer to a delivery (`ack_msg.reply`, a listener's `on_fail`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+ACK`.
    Ack,
    /// `-NAK`.
    Nak,
    /// `-NAK {"delay": ns}`.
    NakDelay(u64),
    /// `+TERM`.
    Term,
    /// `+WPI`.
    InProgress,
}

/// How a listener acks (`ack`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckMode {
    /// Sends `+ACK` (or `on_fail`) when its work finishes.
    Manual,
    /// nats.js auto-ack: `+ACK` as soon as the handler returns.
    Auto,
    /// Never answers.
    None,
}

/// The application behind a push sub or a fetch handle.
#[derive(Clone, Debug, PartialEq)]
pub struct Listener {
    /// Async or sync handler.
    pub handler: Handler,
    /// Work per message.
    pub process_ms: u64,
    /// Stream seqs that fail.
    pub fail_seqs: Vec<u64>,
    /// Deliveries (by the server's count) that fail; 0 = every one.
    pub fail_times: u64,
    /// Independent failure probability.
    pub fail_rate: f64,
    /// Ack mode.
    pub ack: AckMode,
    /// What a manual listener sends when the work fails (`None` = nothing).
    pub on_fail: Option<Reply>,
    /// `+WPI` every this many ms while work is in progress (0 = never).
    pub progress_ms: u64,
}

impl Default for Listener {
    fn default() -> Self {
        Listener {
            handler: Handler::Async,
            process_ms: 0,
            fail_seqs: Vec::new(),
            fail_times: 0,
            fail_rate: 0.0,
            ack: AckMode::Manual,
            on_fail: None,
            progress_ms: 0,
        }
    }
}

/// `add_stream`: exactly the fields given (the server fills the rest).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamSpec {
    /// Name.
    pub stream: Name,
    /// Subjects (server default: the name).
    pub subjects: Option<Vec<Name>>,
    /// Retention.
    pub retention: Option<Retention>,
    /// Discard policy.
    pub discard: Option<Discard>,
    /// `max_msgs` (-1 = unlimited).
    pub max_msgs: Option<i64>,
    /// `max_bytes`.
    pub max_bytes: Option<i64>,
    /// `max_age` in ms (0 = unlimited).
    pub max_age_ms: Option<u64>,
    /// `max_msgs_per_subject`.
    pub max_msgs_per_subject: Option<i64>,
    /// Dedupe window in ms.
    pub duplicate_window_ms: Option<u64>,
    /// Storage.
    pub storage: Option<Storage>,
}

/// `add_consumer`: the config sent (ack and deliver policy always, the rest as given).
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerSpec {
    /// Stream.
    pub stream: Name,
    /// Consumer name.
    pub consumer: Name,
    /// Durable (true) or a named ephemeral.
    pub durable: bool,
    /// Pull (no deliver subject).
    pub pull: bool,
    /// Deliver subject (push).
    pub deliver_subject: Option<Name>,
    /// Deliver group.
    pub deliver_group: Option<Name>,
    /// Deliver policy.
    pub deliver_policy: DeliverPolicy,
    /// `opt_start_seq`.
    pub opt_start_seq: Option<u64>,
    /// `opt_start_time` = the instant `at_ms − delta`.
    pub opt_start_time_delta_ms: Option<u64>,
    /// Ack policy.
    pub ack_policy: AckPolicy,
    /// `ack_wait` in ms.
    pub ack_wait_ms: Option<u64>,
    /// `max_deliver`.
    pub max_deliver: Option<i64>,
    /// `backoff` in ms.
    pub backoff_ms: Option<Vec<u64>>,
    /// `max_ack_pending`.
    pub max_ack_pending: Option<i64>,
    /// `filter_subject`.
    pub filter_subject: Option<Name>,
    /// `inactive_threshold` in ms.
    pub inactive_threshold_ms: Option<u64>,
}

/// A change to a running listener (`behave`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListenerPatch {
    /// Handler.
    pub handler: Option<Handler>,
    /// Work per message.
    pub process_ms: Option<u64>,
    /// Failing seqs.
    pub fail_seqs: Option<Vec<u64>>,
    /// Failing deliveries.
    pub fail_times: Option<u64>,
    /// Failure probability.
    pub fail_rate: Option<f64>,
    /// Ack mode.
    pub ack: Option<AckMode>,
    /// Answer on failure.
    pub on_fail: Option<Option<Reply>>,
    /// Progress interval.
    pub progress_ms: Option<u64>,
}

impl ListenerPatch {
    /// Applies the fields that are set.
    pub fn apply(&self, l: &mut Listener) {
        if let Some(h) = self.handler {
            l.handler = h;
        }
        if let Some(p) = self.process_ms {
            l.process_ms = p;
        }
        if let Some(s) = &self.fail_seqs {
            l.fail_seqs = s.clone();
        }
        if let Some(t) = self.fail_times {
            l.fail_times = t;
        }
        if let Some(r) = self.fail_rate {
            l.fail_rate = r;
        }
        if let Some(a) = self.ack {
            l.ack = a;
        }
        if let Some(f) = self.on_fail {
            l.on_fail = f;
        }
        if let Some(p) = self.progress_ms {
            l.progress_ms = p;
        }
    }
}

/// What an action does.
#[derive(Clone, Debug, PartialEq)]
pub enum JsVerb {
    /// A process connects.
    Connect {
        /// Client id.
        client: Name,
    },
    /// `nc.close()`.
    Close {
        /// Client id.
        client: Name,
    },
    /// SIGKILL.
    Kill {
        /// Client id.
        client: Name,
    },
    /// SIGSTOP for a while.
    Pause {
        /// Client id.
        client: Name,
        /// How long.
        duration_ms: u64,
    },
    /// The operator creates a stream.
    AddStream(StreamSpec),
    /// The operator creates (or updates) a consumer.
    AddConsumer(Box<ConsumerSpec>),
    /// The server restarts (SIGTERM, then started again at once on the same store): file
    /// streams and every consumer on them survive with their state, memory streams are
    /// lost, and every client's connection drops and comes back ~2 s later (nats.js).
    RestartServer,
    /// The operator deletes a consumer.
    DeleteConsumer {
        /// Stream.
        stream: Name,
        /// Consumer.
        consumer: Name,
    },
    /// `js.publish`, `count` times.
    Publish {
        /// Client id.
        client: Name,
        /// Subject.
        subject: Name,
        /// Payload.
        data: Name,
        /// `Nats-Msg-Id`.
        msg_id: Option<Name>,
        /// `Nats-Expected-Last-Subject-Sequence` (nats.js `expect.lastSubjectSequence`): the
        /// publish is stored only if the last stored message on its subject has this seq (0: none).
        expected_last_subject_seq: Option<u64>,
        /// How many.
        count: u64,
        /// Spacing.
        every_ms: u64,
    },
    /// `js.subscribe` bound to a push consumer.
    Subscribe {
        /// Client id.
        client: Name,
        /// Handle.
        sub: Name,
        /// Stream.
        stream: Name,
        /// Consumer.
        consumer: Name,
        /// Queue group.
        queue: Option<Name>,
        /// The application.
        listener: Listener,
    },
    /// One pull request.
    Fetch {
        /// Client id.
        client: Name,
        /// Handle.
        sub: Name,
        /// Stream.
        stream: Name,
        /// Consumer.
        consumer: Name,
        /// Batch.
        batch: u64,
        /// Expiry (0 = none).
        expires_ms: u64,
        /// No wait.
        no_wait: bool,
        /// The application (first fetch of a handle only).
        listener: Option<Listener>,
    },
    /// Change a listener.
    Behave {
        /// Handle.
        sub: Name,
        /// Changes.
        patch: ListenerPatch,
    },
    /// The application answers its latest delivery of `seq`.
    AckMsg {
        /// Handle.
        sub: Name,
        /// Stream seq.
        seq: u64,
        /// Answer.
        reply: Reply,
    },
    /// Core unsubscribe of a push sub.
    Unsubscribe {
        /// Handle.
        sub: Name,
    },
}

/// A scripted action.
#[derive(Clone, Debug, PartialEq)]
pub struct JsAction {
    /// When.
    pub at_ms: u64,
    /// What.
    pub verb: JsVerb,
}

/// A JetStream scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct JsScenario {
    /// Title.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Seed of every random choice.
    pub seed: u64,
    /// End of the run.
    pub until_ms: u64,
    /// Actions in time order as given.
    pub actions: Vec<JsAction>,
}

/// Whether a parsed scenario document asks for the JetStream server.
pub fn is_jetstream(v: &Value) -> bool {
    v.get("server").and_then(|s| s.get("kind")).and_then(Value::as_str) == Some("jetstream")
}

/// The largest sequence nats.js can send in `expect.lastSubjectSequence` (a JS number):
/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

const TOP: &[&str] = &["version", "name", "description", "seed", "until_ms", "server", "actions"];
const SERVER: &[&str] = &["kind", "server_version"];
const LISTENER: [&str; 8] = ["handler", "process_ms", "fail_seqs", "fail_times", "fail_rate", "ack", "on_fail", "progress_ms"];
const VERBS: &str =
    "connect, close, kill, pause, add_stream, add_consumer, delete_consumer, publish, subscribe, fetch, behave, ack_msg, unsubscribe, restart_server";

macro_rules! with_listener {
    ($($head:literal),*) => {
        &[$($head,)* "handler", "process_ms", "fail_seqs", "fail_times", "fail_rate", "ack", "on_fail", "progress_ms"]
    };
}

fn verb_fields(verb: &str) -> Option<&'static [&'static str]> {
    Some(match verb {
        "connect" | "close" | "kill" => &["at_ms", "do", "client"],
        "pause" => &["at_ms", "do", "client", "duration_ms"],
        "add_stream" => &[
            "at_ms",
            "do",
            "stream",
            "subjects",
            "retention",
            "discard",
            "max_msgs",
            "max_bytes",
            "max_age_ms",
            "max_msgs_per_subject",
            "duplicate_window_ms",
            "storage",
        ],
        "add_consumer" => &[
            "at_ms",
            "do",
            "stream",
            "consumer",
            "durable",
            "pull",
            "deliver_subject",
            "deliver_group",
            "deliver_policy",
            "opt_start_seq",
            "opt_start_time_delta_ms",
            "ack_policy",
            "ack_wait_ms",
            "max_deliver",
            "backoff_ms",
            "max_ack_pending",
            "filter_subject",
            "inactive_threshold_ms",
        ],
        "delete_consumer" => &["at_ms", "do", "stream", "consumer"],
        "restart_server" => &["at_ms", "do"],
        "publish" => &["at_ms", "do", "client", "subject", "data", "msg_id", "expected_last_subject_seq", "count", "every_ms"],
        "subscribe" => with_listener!("at_ms", "do", "client", "sub", "stream", "consumer", "queue"),
        "fetch" => with_listener!("at_ms", "do", "client", "sub", "stream", "consumer", "batch", "expires_ms", "no_wait"),
        "behave" => with_listener!("at_ms", "do", "sub"),
        "ack_msg" => &["at_ms", "do", "sub", "seq", "reply"],
        "unsubscribe" => &["at_ms", "do", "sub"],
        _ => return None,
    })
}

/// A signed limit: an integer ≥ -1.
fn limit(f: &Fields, k: &str) -> Result<Option<i64>, ScenarioError> {
    let Some(v) = f.get(k) else { return Ok(None) };
    match v.as_i64() {
        Some(n) if n >= -1 => Ok(Some(n)),
        _ => err(f.at(k), format!("expected an integer from -1 up (-1 = unlimited), found {}", json::describe(v))),
    }
}

fn choice<T: Copy>(f: &Fields, k: &str, options: &[(&str, T)]) -> Result<Option<T>, ScenarioError> {
    let Some(s) = f.string(k)? else { return Ok(None) };
    match options.iter().find(|(n, _)| *n == s) {
        Some((_, t)) => Ok(Some(*t)),
        None => {
            let names: Vec<String> = options.iter().map(|(n, _)| format!("{n:?}")).collect();
            err(f.at(k), format!("expected one of {}, found {s:?}", names.join(", ")))
        }
    }
}

fn reply(f: &Fields, k: &str) -> Result<Option<Reply>, ScenarioError> {
    let Some(v) = f.get(k) else { return Ok(None) };
    let expected = "expected \"ack\", \"nak\", {\"nak_delay_ms\": N}, \"term\" or \"in_progress\"";
    match v {
        Value::String(s) => match s.as_str() {
            "ack" => Ok(Some(Reply::Ack)),
            "nak" => Ok(Some(Reply::Nak)),
            "term" => Ok(Some(Reply::Term)),
            "in_progress" => Ok(Some(Reply::InProgress)),
            _ => err(f.at(k), format!("{expected}, found {s:?}")),
        },
        Value::Object(m) if m.len() == 1 && m.contains_key("nak_delay_ms") => {
            let path = f.at(k);
            let g = Fields::new(v, &path, &["nak_delay_ms"])?;
            Ok(Some(Reply::NakDelay(g.req_u64("nak_delay_ms", 0, MAX_UNTIL_MS)?)))
        }
        _ => err(f.at(k), format!("{expected}, found {}", json::describe(v))),
    }
}

fn on_fail(f: &Fields) -> Result<Option<Option<Reply>>, ScenarioError> {
    if f.get("on_fail") == Some(&Value::String("none".into())) {
        return Ok(Some(None));
    }
    match reply(f, "on_fail")? {
        Some(Reply::Ack | Reply::InProgress) => err(f.at("on_fail"), "expected \"none\", \"nak\", {\"nak_delay_ms\": N} or \"term\""),
        r => Ok(r.map(Some)),
    }
}

fn patch(f: &Fields) -> Result<ListenerPatch, ScenarioError> {
    Ok(ListenerPatch {
        handler: choice(f, "handler", &[("async", Handler::Async), ("sync", Handler::Sync)])?,
        process_ms: f.u64_in("process_ms", 0, MAX_UNTIL_MS)?,
        fail_seqs: f.u64s("fail_seqs", MAX_ACTIONS, "sequence numbers")?,
        fail_times: f.u64_in("fail_times", 0, u32::MAX as u64)?,
        fail_rate: f.rate("fail_rate")?,
        ack: choice(f, "ack", &[("manual", AckMode::Manual), ("auto", AckMode::Auto), ("none", AckMode::None)])?,
        on_fail: on_fail(f)?,
        progress_ms: f.u64_in("progress_ms", 0, MAX_UNTIL_MS)?,
    })
}

fn has_listener_fields(f: &Fields) -> Option<&'static str> {
    LISTENER.into_iter().find(|k| f.get(k).is_some())
}

fn name(f: &Fields, k: &str) -> Result<Name, ScenarioError> {
    f.req_string(k).map(Name::from)
}

fn opt_name(f: &Fields, k: &str) -> Result<Option<Name>, ScenarioError> {
    Ok(f.string(k)?.map(Name::from))
}

fn parse_action(v: &Value, path: &str) -> Result<JsAction, ScenarioError> {
    let Value::Object(m) = v else { return err(path, format!("expected an action object, found {}", json::describe(v))) };
    let verb = match m.get("do") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return err(format!("{path}.do"), format!("expected a verb ({VERBS}), found {}", json::describe(other))),
        None => return err(format!("{path}.do"), "missing required field"),
    };
    let Some(allowed) = verb_fields(verb) else {
        return err(format!("{path}.do"), format!("unknown verb {verb:?} in a JetStream scenario (expected one of: {VERBS})"));
    };
    let f = Fields::new(v, path, allowed)?;
    let at_ms = f.req_u64("at_ms", 0, MAX_UNTIL_MS)?;
    let verb = match verb {
        "connect" => JsVerb::Connect { client: name(&f, "client")? },
        "close" => JsVerb::Close { client: name(&f, "client")? },
        "kill" => JsVerb::Kill { client: name(&f, "client")? },
        "pause" => JsVerb::Pause { client: name(&f, "client")?, duration_ms: f.req_u64("duration_ms", 0, MAX_UNTIL_MS)? },
        "add_stream" => JsVerb::AddStream(StreamSpec {
            stream: name(&f, "stream")?,
            subjects: match f.array("subjects")? {
                None => None,
                Some(_) => Some(f.strings("subjects")?.into_iter().map(Name::from).collect()),
            },
            retention: choice(&f, "retention", &[("limits", Retention::Limits), ("interest", Retention::Interest), ("workqueue", Retention::WorkQueue)])?,
            discard: choice(&f, "discard", &[("old", Discard::Old), ("new", Discard::New)])?,
            max_msgs: limit(&f, "max_msgs")?,
            max_bytes: limit(&f, "max_bytes")?,
            max_age_ms: f.u64_in("max_age_ms", 0, MAX_UNTIL_MS)?,
            max_msgs_per_subject: limit(&f, "max_msgs_per_subject")?,
            duplicate_window_ms: f.u64_in("duplicate_window_ms", 0, MAX_UNTIL_MS)?,
            storage: choice(&f, "storage", &[("file", Storage::File), ("memory", Storage::Memory)])?,
        }),
        "add_consumer" => {
            let pull = f.bool("pull")?.unwrap_or(false);
            if pull && f.get("deliver_subject").is_some() {
                return err(f.at("deliver_subject"), "a pull consumer has no deliver subject (remove it, or set pull to false)");
            }
            JsVerb::AddConsumer(Box::new(ConsumerSpec {
                stream: name(&f, "stream")?,
                consumer: name(&f, "consumer")?,
                durable: f.bool("durable")?.unwrap_or(true),
                pull,
                deliver_subject: opt_name(&f, "deliver_subject")?,
                deliver_group: opt_name(&f, "deliver_group")?,
                deliver_policy: choice(
                    &f,
                    "deliver_policy",
                    &[
                        ("all", DeliverPolicy::All),
                        ("last", DeliverPolicy::Last),
                        ("new", DeliverPolicy::New),
                        ("by_start_sequence", DeliverPolicy::ByStartSequence),
                        ("by_start_time", DeliverPolicy::ByStartTime),
                        ("last_per_subject", DeliverPolicy::LastPerSubject),
                    ],
                )?
                .unwrap_or(DeliverPolicy::All),
                opt_start_seq: f.u64_in("opt_start_seq", 0, u64::MAX)?,
                opt_start_time_delta_ms: f.u64_in("opt_start_time_delta_ms", 0, u64::MAX)?,
                ack_policy: choice(&f, "ack_policy", &[("explicit", AckPolicy::Explicit), ("all", AckPolicy::All), ("none", AckPolicy::None)])?
                    .unwrap_or(AckPolicy::Explicit),
                ack_wait_ms: f.u64_in("ack_wait_ms", 0, MAX_UNTIL_MS)?,
                max_deliver: limit(&f, "max_deliver")?,
                backoff_ms: f.u64s("backoff_ms", 1000, "durations in ms")?,
                max_ack_pending: limit(&f, "max_ack_pending")?,
                filter_subject: opt_name(&f, "filter_subject")?,
                inactive_threshold_ms: f.u64_in("inactive_threshold_ms", 0, MAX_UNTIL_MS)?,
            }))
        }
        "delete_consumer" => JsVerb::DeleteConsumer { stream: name(&f, "stream")?, consumer: name(&f, "consumer")? },
        "restart_server" => JsVerb::RestartServer,
        "publish" => JsVerb::Publish {
            client: name(&f, "client")?,
            subject: name(&f, "subject")?,
            data: Name::from(f.string("data")?.unwrap_or("")),
            msg_id: opt_name(&f, "msg_id")?,
            expected_last_subject_seq: f.u64_in("expected_last_subject_seq", 0, MAX_SAFE_INTEGER)?,
            count: f.u64_in("count", 0, MAX_PUBLISHES)?.unwrap_or(1),
            every_ms: f.u64_in("every_ms", 0, MAX_UNTIL_MS)?.unwrap_or(0),
        },
        "subscribe" => {
            let mut listener = Listener::default();
            patch(&f)?.apply(&mut listener);
            JsVerb::Subscribe {
                client: name(&f, "client")?,
                sub: name(&f, "sub")?,
                stream: name(&f, "stream")?,
                consumer: name(&f, "consumer")?,
                queue: opt_name(&f, "queue")?,
                listener,
            }
        }
        "fetch" => {
            let listener = if has_listener_fields(&f).is_some() {
                let mut l = Listener::default();
                patch(&f)?.apply(&mut l);
                Some(l)
            } else {
                None
            };
            JsVerb::Fetch {
                client: name(&f, "client")?,
                sub: name(&f, "sub")?,
                stream: name(&f, "stream")?,
                consumer: name(&f, "consumer")?,
                batch: f.u64_in("batch", 1, i32::MAX as u64)?.unwrap_or(1),
                expires_ms: f.u64_in("expires_ms", 0, MAX_UNTIL_MS)?.unwrap_or(30_000),
                no_wait: f.bool("no_wait")?.unwrap_or(false),
                listener,
            }
        }
        "behave" => JsVerb::Behave { sub: name(&f, "sub")?, patch: patch(&f)? },
        "ack_msg" => JsVerb::AckMsg { sub: name(&f, "sub")?, seq: f.req_u64("seq", 0, u64::MAX)?, reply: reply(&f, "reply")?.unwrap_or(Reply::Ack) },
        "unsubscribe" => JsVerb::Unsubscribe { sub: name(&f, "sub")? },
        _ => unreachable!("verb_fields accepted it"),
    };
    Ok(JsAction { at_ms, verb })
}

/// What a handle was defined as (for the checks across actions).
struct HandleDef {
    client: Name,
    stream: Name,
    consumer: Name,
    fetch: bool,
}

impl JsScenario {
    /// When the server first restarts (`restart_server`), if it does.
    pub fn restart_at(&self) -> Option<crate::engine::time::SimTime> {
        self.actions.iter().find(|a| matches!(a.verb, JsVerb::RestartServer)).map(|a| a.at_ms)
    }

    /// Parses and validates JetStream scenario JSON text.
    pub fn parse(text: &str) -> Result<JsScenario, ScenarioError> {
        Self::from_value(&json::parse(text)?)
    }

    /// Validates an already-parsed document.
    pub fn from_value(v: &Value) -> Result<JsScenario, ScenarioError> {
        let f = Fields::new(v, "", TOP)?;
        let crate::engine::scenario::read::Header { name, description, seed, until_ms } = crate::engine::scenario::read::header(&f)?;
        let Some(server) = f.get("server") else { return err("server", "missing required field") };
        let g = Fields::new(server, "server", SERVER)?;
        match g.string("kind")? {
            Some("jetstream") => {}
            other => return err(g.at("kind"), format!("expected \"jetstream\", found {}", other.map_or("nothing".to_string(), |s| format!("{s:?}")))),
        }
        if let Some(s) = g.string("server_version")? {
            if s != "2.9" {
                return err(g.at("server_version"), format!("expected \"2.9\" (nats-server 2.9.10), found {s:?}"));
            }
        }
        let items = f.req_array("actions")?;
        if items.len() > MAX_ACTIONS {
            return err("actions", format!("at most {MAX_ACTIONS} actions, found {}", items.len()));
        }
        let mut actions = Vec::with_capacity(items.len());
        for (i, a) in items.iter().enumerate() {
            actions.push(parse_action(a, &format!("actions[{i}]"))?);
        }
        let s = JsScenario { name, description, seed, until_ms, actions };
        s.check_references()?;
        Ok(s)
    }

    fn check_references(&self) -> Result<(), ScenarioError> {
        let mut clients = std::collections::BTreeSet::new();
        let mut handles: BTreeMap<Name, HandleDef> = BTreeMap::new();
        let mut total: u64 = 0;
        for (i, a) in self.actions.iter().enumerate() {
            let at = |k: &str| format!("actions[{i}].{k}");
            let client_of = match &a.verb {
                JsVerb::Connect { client } => {
                    clients.insert(client.clone());
                    None
                }
                JsVerb::Close { client } | JsVerb::Kill { client } | JsVerb::Pause { client, .. } | JsVerb::Publish { client, .. } => Some(client),
                JsVerb::Subscribe { client, .. } | JsVerb::Fetch { client, .. } => Some(client),
                _ => None,
            };
            if let Some(c) = client_of {
                if !clients.contains(c) {
                    return err(at("client"), format!("unknown client {:?}: no earlier connect", &**c));
                }
            }
            match &a.verb {
                JsVerb::Publish { count, .. } => {
                    total = total.saturating_add(*count);
                    if total > MAX_PUBLISHES {
                        return err(at("count"), format!("the scenario asks for more than {MAX_PUBLISHES} publishes in all"));
                    }
                }
                JsVerb::Subscribe { client, sub, stream, consumer, .. } => {
                    if handles.contains_key(sub) {
                        return err(at("sub"), format!("handle {:?} is already used by an earlier action", &**sub));
                    }
                    handles.insert(sub.clone(), HandleDef { client: client.clone(), stream: stream.clone(), consumer: consumer.clone(), fetch: false });
                }
                JsVerb::Fetch { client, sub, stream, consumer, listener, .. } => match handles.get(sub) {
                    None => {
                        handles.insert(sub.clone(), HandleDef { client: client.clone(), stream: stream.clone(), consumer: consumer.clone(), fetch: true });
                    }
                    Some(h) if !h.fetch => return err(at("sub"), format!("handle {:?} is a subscribe's, not a fetch's", &**sub)),
                    Some(h) if h.client != *client || h.stream != *stream || h.consumer != *consumer => {
                        return err(at("sub"), format!("a later fetch of handle {:?} must name the same client, stream and consumer as its first", &**sub));
                    }
                    Some(_) if listener.is_some() => {
                        return err(at("sub"), format!("listener fields belong to the first fetch of handle {:?}, not a later one", &**sub));
                    }
                    Some(_) => {}
                },
                JsVerb::Behave { sub, .. } | JsVerb::AckMsg { sub, .. } | JsVerb::Unsubscribe { sub } => {
                    if !handles.contains_key(sub) {
                        return err(at("sub"), format!("unknown handle {:?}: no earlier subscribe or fetch defines it", &**sub));
                    }
                    if matches!(a.verb, JsVerb::Unsubscribe { .. }) && handles.get(sub).is_some_and(|h| h.fetch) {
                        return err(at("sub"), format!("handle {:?} is a fetch handle: only a push subscription can be unsubscribed", &**sub));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
