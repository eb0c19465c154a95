//! Scenario files (`spec/scenario-contract.md`, version 1): parsing with errors that name
//! the place (line:column for syntax errors, `actions[i].field` for the rest), the limits
//! that keep a run bounded, and the typed actions the simulator executes. Never runs anything.

use super::broker::StartPosition;
use super::config::{ServerConfig, ServerVersion};
use super::ids::Name;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// Largest `until_ms` (and any other duration) accepted: about 11.6 days of virtual time.
pub const MAX_UNTIL_MS: u64 = 1_000_000_000;
/// Most publishes one scenario may ask for (sum of `count`).
pub const MAX_PUBLISHES: u64 = 10_000_000;
/// Most actions in one scenario.
pub const MAX_ACTIONS: usize = 100_000;

/// How a listener's handler runs (the listener model of the contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handler {
    /// `async onMessage`: returns at once; work runs concurrently.
    Async,
    /// A synchronous handler: blocks the client's event loop for `process_ms`.
    Sync,
}

pub use super::app::AppKind;

/// A listener's application behaviour.
#[derive(Clone, Debug, PartialEq)]
pub struct Behaviour {
    /// Async or sync handler.
    pub handler: Handler,
    /// How long the handler's work takes.
    pub process_ms: u64,
    /// Sequences whose handling fails.
    pub fail_seqs: Vec<u64>,
    /// How many times each of `fail_seqs` fails (0 = always).
    pub fail_times: u32,
    /// Independent failure probability, drawn from the seeded generator.
    pub fail_rate: f64,
    /// The application the handler runs.
    pub app: AppKind,
    /// The course's version check: apply only `version == last + 1`, otherwise do not ack.
    pub version_check: bool,
    /// Idempotency by event id: an event already applied is acked and not applied again.
    pub idempotent: bool,
    /// Per-resource ordering: write an event only when no earlier event of its resource is
    /// still unwritten; otherwise do not ack.
    pub ordered: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            handler: Handler::Async,
            process_ms: 0,
            fail_seqs: Vec::new(),
            fail_times: 0,
            fail_rate: 0.0,
            app: AppKind::None,
            version_check: false,
            idempotent: false,
            ordered: false,
        }
    }
}

/// The changes a `behave` action makes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BehaviourPatch {
    /// New handler kind.
    pub handler: Option<Handler>,
    /// New processing time.
    pub process_ms: Option<u64>,
    /// New failing sequences.
    pub fail_seqs: Option<Vec<u64>>,
    /// New failure count.
    pub fail_times: Option<u32>,
    /// New failure rate.
    pub fail_rate: Option<f64>,
    /// New application.
    pub app: Option<AppKind>,
    /// Version check on or off.
    pub version_check: Option<bool>,
    /// Idempotency on or off.
    pub idempotent: Option<bool>,
    /// Per-resource ordering on or off.
    pub ordered: Option<bool>,
}

impl BehaviourPatch {
    /// Applies the patch.
    pub fn apply(&self, b: &mut Behaviour) {
        if let Some(h) = self.handler {
            b.handler = h;
        }
        if let Some(p) = self.process_ms {
            b.process_ms = p;
        }
        if let Some(f) = &self.fail_seqs {
            b.fail_seqs = f.clone();
        }
        if let Some(t) = self.fail_times {
            b.fail_times = t;
        }
        if let Some(r) = self.fail_rate {
            b.fail_rate = r;
        }
        if let Some(a) = self.app {
            b.app = a;
        }
        if let Some(v) = self.version_check {
            b.version_check = v;
        }
        if let Some(i) = self.idempotent {
            b.idempotent = i;
        }
        if let Some(o) = self.ordered {
            b.ordered = o;
        }
    }
}

/// A `subscribe` action.
#[derive(Clone, Debug, PartialEq)]
pub struct SubscribeSpec {
    /// Client id.
    pub client: Name,
    /// Handle.
    pub sub: Name,
    /// Channel.
    pub channel: Name,
    /// Queue group.
    pub queue: Option<Name>,
    /// Durable name.
    pub durable: Option<Name>,
    /// `setManualAckMode(true)`.
    pub manual_ack: bool,
    /// `setAckWait(ms)`.
    pub ack_wait_ms: u64,
    /// `setMaxInFlight(n)`.
    pub max_inflight: i64,
    /// Start position.
    pub start: StartPosition,
    /// The application behind it.
    pub behaviour: Behaviour,
}

/// What an action does (`do`).
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Verb {
    Connect { client: Name, ping_interval_ms: u64, ping_max_out: i64, cluster_id: Option<Name> },
    Publish { client: Name, channel: Name, data: Arc<str>, count: u64, every_ms: u64, template: bool },
    Subscribe(SubscribeSpec),
    Behave { sub: Name, patch: BehaviourPatch },
    Unsubscribe { sub: Name },
    CloseSub { sub: Name },
    Close { client: Name },
    Kill { client: Name },
    Pause { client: Name, duration_ms: u64 },
    RestartServer,
}

impl Verb {
    /// The contract's `do` value.
    pub fn name(&self) -> &'static str {
        match self {
            Verb::Connect { .. } => "connect",
            Verb::Publish { .. } => "publish",
            Verb::Subscribe(_) => "subscribe",
            Verb::Behave { .. } => "behave",
            Verb::Unsubscribe { .. } => "unsubscribe",
            Verb::CloseSub { .. } => "close_sub",
            Verb::Close { .. } => "close",
            Verb::Kill { .. } => "kill",
            Verb::Pause { .. } => "pause",
            Verb::RestartServer => "restart_server",
        }
    }
}

/// One scripted action.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// When it runs.
    pub at_ms: u64,
    /// What it does.
    pub verb: Verb,
}

/// A whole scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Title.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The only source of randomness.
    pub seed: u64,
    /// The run stops after everything due at or before this time.
    pub until_ms: u64,
    /// Server options.
    pub server: ServerConfig,
    /// Scripted actions.
    pub actions: Vec<Action>,
}

/// Why a scenario was refused: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// `line:column` for syntax errors, a field path (`actions[3].count`) otherwise.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.place, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

fn err<T>(place: impl Into<String>, message: impl Into<String>) -> Result<T, ScenarioError> {
    Err(ScenarioError { place: place.into(), message: message.into() })
}

/// Reads one JSON object's fields by name and reports unknown ones.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
    allowed: &'static [&'static str],
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) if s.len() > 40 => "a string".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

impl<'a> Fields<'a> {
    fn new(v: &'a Value, path: &str, allowed: &'static [&'static str]) -> Result<Self, ScenarioError> {
        let Value::Object(map) = v else { return err(path, format!("expected an object, found {}", describe(v))) };
        for k in map.keys() {
            if !allowed.contains(&k.as_str()) {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                return err(p, format!("unknown field (expected one of: {})", allowed.join(", ")));
            }
        }
        Ok(Fields { map, path: path.to_string(), allowed })
    }
    fn at(&self, k: &str) -> String {
        debug_assert!(self.allowed.contains(&k), "{k} not declared");
        if self.path.is_empty() {
            k.to_string()
        } else {
            format!("{}.{k}", self.path)
        }
    }
    fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k)
    }
    fn u64_in(&self, k: &str, min: u64, max: u64) -> Result<Option<u64>, ScenarioError> {
        let Some(v) = self.get(k) else { return Ok(None) };
        match v.as_u64() {
            Some(n) if n < min => err(self.at(k), format!("must be at least {min}, found {n}")),
            Some(n) if n > max => err(self.at(k), format!("must be at most {max}, found {n}")),
            Some(n) => Ok(Some(n)),
            None if v.as_i64().is_some() => err(self.at(k), format!("must not be negative, found {}", describe(v))),
            None if v.is_number() => err(self.at(k), format!("expected a whole number from {min} to {max}, found {}", describe(v))),
            None => err(self.at(k), format!("expected an unsigned integer, found {}", describe(v))),
        }
    }
    fn req_u64(&self, k: &str, min: u64, max: u64) -> Result<u64, ScenarioError> {
        self.u64_in(k, min, max)?.map_or_else(|| err(self.at(k), "missing required field"), Ok)
    }
    fn string(&self, k: &str) -> Result<Option<&'a str>, ScenarioError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => err(self.at(k), format!("expected a string, found {}", describe(v))),
        }
    }
    fn name(&self, k: &str) -> Result<Option<Name>, ScenarioError> {
        Ok(self.string(k)?.map(Name::from))
    }
    fn req_name(&self, k: &str) -> Result<Name, ScenarioError> {
        self.name(k)?.map_or_else(|| err(self.at(k), "missing required field"), Ok)
    }
    fn bool(&self, k: &str) -> Result<Option<bool>, ScenarioError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => err(self.at(k), format!("expected true or false, found {}", describe(v))),
        }
    }
    fn rate(&self, k: &str) -> Result<Option<f64>, ScenarioError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(r) if (0.0..=1.0).contains(&r) => Ok(Some(r)),
                _ => err(self.at(k), format!("expected a number from 0 to 1, found {}", describe(v))),
            },
        }
    }
    fn seqs(&self, k: &str) -> Result<Option<Vec<u64>>, ScenarioError> {
        let Some(v) = self.get(k) else { return Ok(None) };
        let Value::Array(items) = v else { return err(self.at(k), format!("expected an array of sequence numbers, found {}", describe(v))) };
        if items.len() > MAX_ACTIONS {
            return err(self.at(k), format!("at most {MAX_ACTIONS} sequence numbers"));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, x)| x.as_u64().map_or_else(|| err(format!("{}[{i}]", self.at(k)), format!("expected an unsigned integer, found {}", describe(x))), Ok))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

const TOP: &[&str] = &["version", "name", "description", "seed", "until_ms", "server", "actions"];
const SERVER: &[&str] = &[
    "server_version",
    "cluster_id",
    "hb_interval_ms",
    "hb_timeout_ms",
    "hb_fail_count",
    "max_channels",
    "max_subs",
    "max_msgs",
    "max_bytes",
    "max_age_ms",
    "max_inactivity_ms",
];
const I32_MAX: u64 = i32::MAX as u64;

/// The fields of a listener's behaviour, read by `subscribe` and `behave` alike (one list, so
/// the two verbs cannot drift apart; the writer's round trip is tested for every verb).
macro_rules! with_listener_fields {
    ($($head:literal),*) => {
        &[$($head,)* "handler", "process_ms", "fail_seqs", "fail_times", "fail_rate", "app", "version_check", "idempotent", "ordered"]
    };
}

/// A listener's behaviour fields (what `behave` may change).
pub const LISTENER_FIELDS: &[&str] = with_listener_fields!();

/// The fields each verb accepts: the reader's table and its "expected one of" list.
pub fn verb_fields(verb: &str) -> Option<&'static [&'static str]> {
    Some(match verb {
        "connect" => &["at_ms", "do", "client", "ping_interval_ms", "ping_max_out", "cluster_id"],
        "publish" => &["at_ms", "do", "client", "channel", "data", "count", "every_ms", "template"],
        "subscribe" => {
            with_listener_fields!("at_ms", "do", "client", "sub", "channel", "queue", "durable", "manual_ack", "ack_wait_ms", "max_inflight", "start")
        }
        "behave" => with_listener_fields!("at_ms", "do", "sub"),
        "unsubscribe" | "close_sub" => &["at_ms", "do", "sub"],
        "close" | "kill" => &["at_ms", "do", "client"],
        "pause" => &["at_ms", "do", "client", "duration_ms"],
        "restart_server" => &["at_ms", "do"],
        _ => return None,
    })
}

const VERBS: &str = "connect, publish, subscribe, behave, unsubscribe, close_sub, close, kill, pause, restart_server";

impl Scenario {
    /// Parses and validates scenario JSON text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            ScenarioError { place: format!("{}:{}", e.line(), e.column()), message: msg }
        })?;
        Self::from_value(&v)
    }

    /// Validates an already-parsed JSON document.
    pub fn from_value(v: &Value) -> Result<Scenario, ScenarioError> {
        let f = Fields::new(v, "", TOP)?;
        if let Some(ver) = f.u64_in("version", 1, u64::MAX)? {
            if ver != 1 {
                return err("version", format!("only version 1 is supported, found {ver}"));
            }
        }
        let name = f.string("name")?.map(str::to_string);
        let description = f.string("description")?.map(str::to_string);
        let seed = f.u64_in("seed", 0, u64::MAX)?.unwrap_or(0);
        let until_ms = f.req_u64("until_ms", 0, MAX_UNTIL_MS)?;
        let server = match f.get("server") {
            Some(s) => parse_server(s)?,
            None => ServerConfig::default(),
        };
        let Some(actions_v) = f.get("actions") else { return err("actions", "missing required field") };
        let Value::Array(items) = actions_v else { return err("actions", format!("expected an array, found {}", describe(actions_v))) };
        if items.len() > MAX_ACTIONS {
            return err("actions", format!("at most {MAX_ACTIONS} actions, found {}", items.len()));
        }
        let mut actions = Vec::with_capacity(items.len());
        for (i, a) in items.iter().enumerate() {
            actions.push(parse_action(a, &format!("actions[{i}]"))?);
        }
        let s = Scenario { name, description, seed, until_ms, server, actions };
        s.check_references()?;
        Ok(s)
    }

    /// Checks what spans actions: handles unique and known, publishes bounded.
    fn check_references(&self) -> Result<(), ScenarioError> {
        let mut handles = BTreeSet::new();
        let mut total: u64 = 0;
        for (i, a) in self.actions.iter().enumerate() {
            match &a.verb {
                Verb::Subscribe(s) if !handles.insert(s.sub.clone()) => {
                    return err(format!("actions[{i}].sub"), format!("handle {:?} is already used by an earlier subscribe", &*s.sub));
                }
                Verb::Publish { count, .. } => {
                    total = total.saturating_add(*count);
                    if total > MAX_PUBLISHES {
                        return err(format!("actions[{i}].count"), format!("the scenario asks for more than {MAX_PUBLISHES} publishes in all"));
                    }
                }
                _ => {}
            }
        }
        for (i, a) in self.actions.iter().enumerate() {
            if let Verb::Behave { sub, .. } | Verb::Unsubscribe { sub } | Verb::CloseSub { sub } = &a.verb {
                if !handles.contains(sub) {
                    return err(format!("actions[{i}].sub"), format!("unknown handle {:?}: no subscribe action defines it", &**sub));
                }
            }
        }
        Ok(())
    }
}

fn parse_server(v: &Value) -> Result<ServerConfig, ScenarioError> {
    let f = Fields::new(v, "server", SERVER)?;
    let mut c = ServerConfig::default();
    if let Some(s) = f.string("server_version")? {
        c.version = ServerVersion::parse(s).map_or_else(|| err(f.at("server_version"), format!("expected \"0.17\" or \"0.25\", found {s:?}")), Ok)?;
    }
    if let Some(id) = f.name("cluster_id")? {
        c.cluster_id = id;
    }
    let big = i64::MAX as u64;
    c.hb_interval_ms = f.u64_in("hb_interval_ms", 1, MAX_UNTIL_MS)?.unwrap_or(c.hb_interval_ms);
    c.hb_timeout_ms = f.u64_in("hb_timeout_ms", 1, MAX_UNTIL_MS)?.unwrap_or(c.hb_timeout_ms);
    c.hb_fail_count = f.u64_in("hb_fail_count", 0, I32_MAX)?.map_or(c.hb_fail_count, |n| n as u32);
    c.max_channels = f.u64_in("max_channels", 0, big)?.unwrap_or(c.max_channels);
    c.max_subs = f.u64_in("max_subs", 0, big)?.unwrap_or(c.max_subs);
    c.max_msgs = f.u64_in("max_msgs", 0, big)?.unwrap_or(c.max_msgs);
    c.max_bytes = f.u64_in("max_bytes", 0, big)?.unwrap_or(c.max_bytes);
    c.max_age_ms = f.u64_in("max_age_ms", 0, MAX_UNTIL_MS)?.unwrap_or(0);
    c.max_inactivity_ms = f.u64_in("max_inactivity_ms", 0, MAX_UNTIL_MS)?.unwrap_or(0);
    Ok(c)
}

fn parse_handler(f: &Fields, k: &str) -> Result<Option<Handler>, ScenarioError> {
    match f.string(k)? {
        None => Ok(None),
        Some("async") => Ok(Some(Handler::Async)),
        Some("sync") => Ok(Some(Handler::Sync)),
        Some(s) => err(f.at(k), format!("expected \"async\" or \"sync\", found {s:?}")),
    }
}

fn parse_patch(f: &Fields) -> Result<BehaviourPatch, ScenarioError> {
    Ok(BehaviourPatch {
        handler: parse_handler(f, "handler")?,
        process_ms: f.u64_in("process_ms", 0, MAX_UNTIL_MS)?,
        fail_seqs: f.seqs("fail_seqs")?,
        fail_times: f.u64_in("fail_times", 0, u32::MAX as u64)?.map(|n| n as u32),
        fail_rate: f.rate("fail_rate")?,
        app: parse_app(f)?,
        version_check: f.bool("version_check")?,
        idempotent: f.bool("idempotent")?,
        ordered: f.bool("ordered")?,
    })
}

fn parse_app(f: &Fields) -> Result<Option<AppKind>, ScenarioError> {
    Ok(match f.string("app")? {
        None => None,
        Some("none") => Some(AppKind::None),
        Some("account") => Some(AppKind::Account),
        Some("tickets") => Some(AppKind::Tickets),
        Some(other) => return err(f.at("app"), format!("expected \"none\", \"account\" or \"tickets\", found {other:?}")),
    })
}

fn parse_start(f: &Fields) -> Result<StartPosition, ScenarioError> {
    let Some(v) = f.get("start") else { return Ok(StartPosition::NewOnly) };
    let p = f.at("start");
    match v {
        Value::String(s) => match s.as_str() {
            "new_only" => Ok(StartPosition::NewOnly),
            "last_received" => Ok(StartPosition::LastReceived),
            "all" => Ok(StartPosition::All),
            _ => err(p, format!("expected \"new_only\", \"last_received\", \"all\", {{\"seq\": N}} or {{\"time_delta_ms\": N}}, found {s:?}")),
        },
        Value::Object(m) if m.len() == 1 && m.contains_key("seq") => {
            let g = Fields::new(v, &p, &["seq"])?;
            Ok(StartPosition::Seq(g.req_u64("seq", 0, u64::MAX)?))
        }
        Value::Object(m) if m.len() == 1 && m.contains_key("time_delta_ms") => {
            let g = Fields::new(v, &p, &["time_delta_ms"])?;
            Ok(StartPosition::TimeDelta(g.req_u64("time_delta_ms", 0, MAX_UNTIL_MS * 1000)?))
        }
        _ => err(p, format!("expected \"new_only\", \"last_received\", \"all\", {{\"seq\": N}} or {{\"time_delta_ms\": N}}, found {}", describe(v))),
    }
}

fn parse_action(v: &Value, path: &str) -> Result<Action, ScenarioError> {
    let Value::Object(m) = v else { return err(path, format!("expected an action object, found {}", describe(v))) };
    let verb = match m.get("do") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return err(format!("{path}.do"), format!("expected a verb ({VERBS}), found {}", describe(other))),
        None => return err(format!("{path}.do"), "missing required field"),
    };
    let Some(allowed) = verb_fields(verb) else { return err(format!("{path}.do"), format!("unknown verb {verb:?} (expected one of: {VERBS})")) };
    let f = Fields::new(v, path, allowed)?;
    let at_ms = f.req_u64("at_ms", 0, MAX_UNTIL_MS)?;
    let verb = match verb {
        "connect" => Verb::Connect {
            client: f.req_name("client")?,
            ping_interval_ms: f.u64_in("ping_interval_ms", 0, MAX_UNTIL_MS)?.unwrap_or(5000),
            ping_max_out: f.u64_in("ping_max_out", 0, I32_MAX)?.unwrap_or(3) as i64,
            cluster_id: f.name("cluster_id")?,
        },
        "publish" => Verb::Publish {
            client: f.req_name("client")?,
            channel: f.req_name("channel")?,
            data: f.string("data")?.unwrap_or("").into(),
            count: f.u64_in("count", 0, MAX_PUBLISHES)?.unwrap_or(1),
            every_ms: f.u64_in("every_ms", 0, MAX_UNTIL_MS)?.unwrap_or(0),
            template: f.bool("template")?.unwrap_or(false),
        },
        "subscribe" => {
            let mut behaviour = Behaviour::default();
            parse_patch(&f)?.apply(&mut behaviour);
            Verb::Subscribe(SubscribeSpec {
                client: f.req_name("client")?,
                sub: f.req_name("sub")?,
                channel: f.req_name("channel")?,
                queue: f.name("queue")?.filter(|q| !q.is_empty()),
                durable: f.name("durable")?.filter(|d| !d.is_empty()),
                manual_ack: f.bool("manual_ack")?.unwrap_or(false),
                ack_wait_ms: f.u64_in("ack_wait_ms", 0, I32_MAX * 1000)?.unwrap_or(30_000),
                max_inflight: f.u64_in("max_inflight", 0, I32_MAX)?.unwrap_or(16_384) as i64,
                start: parse_start(&f)?,
                behaviour,
            })
        }
        "behave" => Verb::Behave { sub: f.req_name("sub")?, patch: parse_patch(&f)? },
        "unsubscribe" => Verb::Unsubscribe { sub: f.req_name("sub")? },
        "close_sub" => Verb::CloseSub { sub: f.req_name("sub")? },
        "close" => Verb::Close { client: f.req_name("client")? },
        "kill" => Verb::Kill { client: f.req_name("client")? },
        "pause" => Verb::Pause { client: f.req_name("client")?, duration_ms: f.req_u64("duration_ms", 0, MAX_UNTIL_MS)? },
        "restart_server" => Verb::RestartServer,
        _ => unreachable!("verb_fields accepted it"),
    };
    Ok(Action { at_ms, verb })
}

fn handler_name(h: Handler) -> &'static str {
    match h {
        Handler::Async => "async",
        Handler::Sync => "sync",
    }
}

fn start_value(s: &StartPosition) -> Value {
    match s {
        StartPosition::NewOnly => "new_only".into(),
        StartPosition::LastReceived => "last_received".into(),
        StartPosition::All => "all".into(),
        StartPosition::Seq(n) => serde_json::json!({ "seq": n }),
        StartPosition::TimeDelta(d) => serde_json::json!({ "time_delta_ms": d }),
    }
}

fn patch_into(m: &mut Map<String, Value>, p: &BehaviourPatch) {
    if let Some(h) = p.handler {
        m.insert("handler".into(), handler_name(h).into());
    }
    if let Some(v) = p.process_ms {
        m.insert("process_ms".into(), v.into());
    }
    if let Some(v) = &p.fail_seqs {
        m.insert("fail_seqs".into(), v.clone().into());
    }
    if let Some(v) = p.fail_times {
        m.insert("fail_times".into(), v.into());
    }
    if let Some(v) = p.fail_rate {
        m.insert("fail_rate".into(), v.into());
    }
    if let Some(a) = p.app {
        m.insert("app".into(), a.as_str().into());
    }
    if let Some(v) = p.version_check {
        m.insert("version_check".into(), v.into());
    }
    if let Some(v) = p.idempotent {
        m.insert("idempotent".into(), v.into());
    }
    if let Some(v) = p.ordered {
        m.insert("ordered".into(), v.into());
    }
}

impl Action {
    /// The action in the contract's JSON form (defaults left out).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("at_ms".into(), self.at_ms.into());
        m.insert("do".into(), self.verb.name().into());
        let mut put = |k: &str, v: Value| {
            m.insert(k.into(), v);
        };
        match &self.verb {
            Verb::Connect { client, ping_interval_ms, ping_max_out, cluster_id } => {
                put("client", client.to_string().into());
                if *ping_interval_ms != 5000 {
                    put("ping_interval_ms", (*ping_interval_ms).into());
                }
                if *ping_max_out != 3 {
                    put("ping_max_out", (*ping_max_out).into());
                }
                if let Some(c) = cluster_id {
                    put("cluster_id", c.to_string().into());
                }
            }
            Verb::Publish { client, channel, data, count, every_ms, template } => {
                put("client", client.to_string().into());
                put("channel", channel.to_string().into());
                put("data", data.to_string().into());
                if *count != 1 {
                    put("count", (*count).into());
                }
                if *every_ms != 0 {
                    put("every_ms", (*every_ms).into());
                }
                if *template {
                    put("template", true.into());
                }
            }
            Verb::Subscribe(s) => {
                put("client", s.client.to_string().into());
                put("sub", s.sub.to_string().into());
                put("channel", s.channel.to_string().into());
                if let Some(q) = &s.queue {
                    put("queue", q.to_string().into());
                }
                if let Some(d) = &s.durable {
                    put("durable", d.to_string().into());
                }
                if s.manual_ack {
                    put("manual_ack", true.into());
                }
                if s.ack_wait_ms != 30_000 {
                    put("ack_wait_ms", s.ack_wait_ms.into());
                }
                if s.max_inflight != 16_384 {
                    put("max_inflight", s.max_inflight.into());
                }
                if s.start != StartPosition::NewOnly {
                    put("start", start_value(&s.start));
                }
                let d = Behaviour::default();
                let b = &s.behaviour;
                let patch = BehaviourPatch {
                    handler: (b.handler != d.handler).then_some(b.handler),
                    process_ms: (b.process_ms != 0).then_some(b.process_ms),
                    fail_seqs: (!b.fail_seqs.is_empty()).then(|| b.fail_seqs.clone()),
                    fail_times: (b.fail_times != 0).then_some(b.fail_times),
                    fail_rate: (b.fail_rate != 0.0).then_some(b.fail_rate),
                    app: (b.app != d.app).then_some(b.app),
                    version_check: b.version_check.then_some(true),
                    idempotent: b.idempotent.then_some(true),
                    ordered: b.ordered.then_some(true),
                };
                patch_into(&mut m, &patch);
            }
            Verb::Behave { sub, patch } => {
                put("sub", sub.to_string().into());
                patch_into(&mut m, patch);
            }
            Verb::Unsubscribe { sub } | Verb::CloseSub { sub } => put("sub", sub.to_string().into()),
            Verb::Close { client } | Verb::Kill { client } => put("client", client.to_string().into()),
            Verb::Pause { client, duration_ms } => {
                put("client", client.to_string().into());
                put("duration_ms", (*duration_ms).into());
            }
            Verb::RestartServer => {}
        }
        Value::Object(m)
    }
}

impl Scenario {
    /// The scenario in the contract's JSON form; [`Scenario::parse`] reads it back equal.
    pub fn to_value(&self) -> Value {
        let c = &self.server;
        let d = ServerConfig::default();
        let mut server = Map::new();
        server.insert("server_version".into(), c.version.as_str().into());
        server.insert("cluster_id".into(), c.cluster_id.to_string().into());
        server.insert("hb_interval_ms".into(), c.hb_interval_ms.into());
        server.insert("hb_timeout_ms".into(), c.hb_timeout_ms.into());
        server.insert("hb_fail_count".into(), c.hb_fail_count.into());
        for (k, v, dv) in [
            ("max_channels", c.max_channels, d.max_channels),
            ("max_subs", c.max_subs, d.max_subs),
            ("max_msgs", c.max_msgs, d.max_msgs),
            ("max_bytes", c.max_bytes, d.max_bytes),
            ("max_age_ms", c.max_age_ms, 0),
            ("max_inactivity_ms", c.max_inactivity_ms, 0),
        ] {
            if v != dv {
                server.insert(k.into(), v.into());
            }
        }
        let mut m = Map::new();
        m.insert("version".into(), 1.into());
        if let Some(n) = &self.name {
            m.insert("name".into(), n.clone().into());
        }
        if let Some(n) = &self.description {
            m.insert("description".into(), n.clone().into());
        }
        m.insert("seed".into(), self.seed.into());
        m.insert("until_ms".into(), self.until_ms.into());
        m.insert("server".into(), Value::Object(server));
        m.insert("actions".into(), self.actions.iter().map(Action::to_value).collect::<Vec<_>>().into());
        Value::Object(m)
    }

    /// Pretty JSON text, one action per line.
    pub fn to_json_pretty(&self) -> String {
        let v = self.to_value();
        let mut out = String::from("{\n");
        let obj = v.as_object().expect("object");
        let n = obj.len();
        for (i, (k, x)) in obj.iter().enumerate() {
            let comma = if i + 1 < n { "," } else { "" };
            if k == "actions" {
                out.push_str("  \"actions\": [\n");
                let acts = x.as_array().expect("array");
                for (j, a) in acts.iter().enumerate() {
                    out.push_str(&format!("    {}{}\n", a, if j + 1 < acts.len() { "," } else { "" }));
                }
                out.push_str(&format!("  ]{comma}\n"));
            } else {
                out.push_str(&format!("  {}: {}{comma}\n", Value::from(k.as_str()), x));
            }
        }
        out.push('}');
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_survives_a_round_trip_through_its_json() {
        for text in [
            include_str!("../../www/scenarios/course-queue-kill-0.17.json"),
            include_str!("../../www/scenarios/auto-ack-loss.json"),
            include_str!("../../www/scenarios/server-restart.json"),
        ] {
            let s = Scenario::parse(text).unwrap();
            let again = Scenario::parse(&s.to_json_pretty()).unwrap();
            assert_eq!(s, again);
        }
        let s = Scenario::parse(
            r#"{"seed": 3, "until_ms": 9, "server": {"server_version": "0.17", "max_age_ms": 5},
            "actions": [{"at_ms": 1, "do": "subscribe", "client": "c", "sub": "s", "channel": "a", "queue": "q", "durable": "d",
              "manual_ack": true, "ack_wait_ms": 2000, "max_inflight": 3, "start": {"time_delta_ms": 10}, "handler": "sync",
              "process_ms": 4, "fail_seqs": [1, 2], "fail_times": 1, "fail_rate": 0.5},
              {"at_ms": 2, "do": "behave", "sub": "s", "fail_rate": 0}, {"at_ms": 3, "do": "pause", "client": "c", "duration_ms": 7},
              {"at_ms": 4, "do": "connect", "client": "c", "ping_interval_ms": 1000, "ping_max_out": 1, "cluster_id": "x"}]}"#,
        )
        .unwrap();
        assert_eq!(Scenario::parse(&s.to_json_pretty()).unwrap(), s);
    }

    /// One action per verb with every field the writer can emit set to a non-default value.
    fn every_field_of_every_verb() -> Scenario {
        let listener = r#""handler": "sync", "process_ms": 4, "fail_seqs": [1, 2], "fail_times": 1, "fail_rate": 0.5, "app": "account", "version_check": true, "idempotent": true, "ordered": true"#;
        let behave_off = r#""handler": "async", "process_ms": 0, "fail_seqs": [], "fail_times": 0, "fail_rate": 0, "app": "none", "version_check": false, "idempotent": false, "ordered": false"#;
        Scenario::parse(&format!(
            r##"{{"seed": 3, "until_ms": 90, "name": "n", "description": "d",
            "server": {{"server_version": "0.17", "cluster_id": "x", "hb_interval_ms": 1000, "hb_timeout_ms": 900, "hb_fail_count": 2,
              "max_channels": 5, "max_subs": 6, "max_msgs": 7, "max_bytes": 8000, "max_age_ms": 5, "max_inactivity_ms": 6}},
            "actions": [
              {{"at_ms": 0, "do": "connect", "client": "c", "ping_interval_ms": 1000, "ping_max_out": 1, "cluster_id": "x"}},
              {{"at_ms": 1, "do": "publish", "client": "c", "channel": "a", "data": "#{{n}}", "count": 3, "every_ms": 2, "template": true}},
              {{"at_ms": 1, "do": "subscribe", "client": "c", "sub": "s", "channel": "a", "queue": "q", "durable": "d",
                "manual_ack": true, "ack_wait_ms": 2000, "max_inflight": 3, "start": {{"time_delta_ms": 10}}, {listener}}},
              {{"at_ms": 2, "do": "behave", "sub": "s", {listener}}},
              {{"at_ms": 3, "do": "behave", "sub": "s", {behave_off}}},
              {{"at_ms": 4, "do": "unsubscribe", "sub": "s"}}, {{"at_ms": 5, "do": "close_sub", "sub": "s"}},
              {{"at_ms": 6, "do": "pause", "client": "c", "duration_ms": 7}}, {{"at_ms": 7, "do": "kill", "client": "c"}},
              {{"at_ms": 8, "do": "close", "client": "c"}}, {{"at_ms": 9, "do": "restart_server"}}]}}"##
        ))
        .unwrap()
    }

    #[test]
    fn every_field_the_writer_emits_for_every_verb_reads_back_to_the_same_scenario() {
        let s = every_field_of_every_verb();
        let verbs: Vec<&str> = s.actions.iter().map(|a| a.verb.name()).collect();
        for v in VERBS.split(", ") {
            assert!(verbs.contains(&v), "the table covers {v}");
        }
        for a in &s.actions {
            let Value::Object(m) = a.to_value() else { panic!("an object") };
            let allowed = verb_fields(a.verb.name()).unwrap();
            for k in m.keys() {
                assert!(allowed.contains(&k.as_str()), "{} writes {k:?}, which its reader refuses", a.verb.name());
            }
            // Everything the action set was written (nothing silently dropped).
            let n = m.len();
            match a.verb.name() {
                "subscribe" => assert_eq!(n, allowed.len(), "subscribe writes every field: {m:?}"),
                "behave" => assert_eq!(n, 3 + LISTENER_FIELDS.len(), "behave writes every field it was given: {m:?}"),
                _ => {}
            }
        }
        let text = s.to_json_pretty();
        assert_eq!(Scenario::parse(&text).unwrap(), s);
        // The reported bug: an `ordered` behave survives Export (and so Share and natsim run).
        assert!(text.contains("\"ordered\":false") || text.contains("\"ordered\": false"), "{text}");
    }

    #[test]
    fn subscribe_and_behave_accept_the_same_listener_fields() {
        for verb in ["subscribe", "behave"] {
            let fields = verb_fields(verb).unwrap();
            for f in LISTENER_FIELDS {
                assert!(fields.contains(f), "{verb} accepts {f}");
            }
        }
        let e = Scenario::parse(r#"{"until_ms": 1, "actions": [{"at_ms": 0, "do": "behave", "sub": "s", "speed": 1}]}"#).unwrap_err();
        assert_eq!(e.place, "actions[0].speed");
        assert!(e.message.contains("ordered"), "{}", e.message);
    }
}
