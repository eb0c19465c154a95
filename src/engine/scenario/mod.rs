//! Scenario files (`spec/scenario-contract.md`, version 1): parsing with errors that name
//! the place (line:column for syntax errors, `actions[i].field` for the rest), the limits
//! that keep a run bounded, and the typed actions the simulator executes. Never runs anything.
//!
//! Files: this one holds the types; `fields.rs` the one table of fields per verb (the
//! reader's table and its "expected one of" list); `read.rs` the reader; `write.rs` the
//! writer ([`Scenario::to_value`], which the reader reads back equal: tested for every field
//! of every verb).

mod fields;
pub(crate) mod read;
mod write;

pub use fields::{verb_fields, LISTENER_FIELDS};

use super::broker::StartPosition;
use super::config::{ServerConfig, ServerVersion};
use super::ids::Name;
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

/// Why a scenario was refused: the place (`line:column`, or a field path like
/// `actions[3].count`) and what is wrong — the error of the one JSON reader ([`crate::json`]).
pub type ScenarioError = crate::json::JsonError;

#[cfg(test)]
mod tests {
    use super::fields::VERBS;
    use super::*;
    use serde_json::Value;

    #[test]
    fn every_example_survives_a_round_trip_through_its_json() {
        for text in [
            include_str!("../../../www/scenarios/course-queue-kill-0.17.json"),
            include_str!("../../../www/scenarios/auto-ack-loss.json"),
            include_str!("../../../www/scenarios/server-restart.json"),
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
