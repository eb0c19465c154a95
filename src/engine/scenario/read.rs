//! The scenario reader: JSON text or a value in, a checked [`Scenario`] out, or a
//! [`ScenarioError`] naming the place (`line:column`, or a field path like `actions[3].count`).

use super::fields::{verb_fields, I32_MAX, SERVER, TOP, VERBS};
use super::*;
use crate::engine::stanjs;
use crate::json::{self, err, Fields};
use serde_json::Value;
use std::collections::HashSet;

/// The sequence-number lists of `fail_seqs`: at most [`MAX_ACTIONS`] of them.
fn seqs(f: &Fields, k: &str) -> Result<Option<Vec<u64>>, ScenarioError> {
    f.u64s(k, MAX_ACTIONS, "sequence numbers")
}

impl Scenario {
    /// Parses and validates scenario JSON text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        Self::from_value(&json::parse(text)?)
    }

    /// Validates an already-parsed JSON document.
    pub fn from_value(v: &Value) -> Result<Scenario, ScenarioError> {
        let f = Fields::new(v, "", TOP)?;
        let Header { name, description, seed, until_ms } = header(&f)?;
        let server = match f.get("server") {
            Some(s) => parse_server(s)?,
            None => ServerConfig::default(),
        };
        let Some(actions_v) = f.get("actions") else { return err("actions", "missing required field") };
        let Value::Array(items) = actions_v else { return err("actions", format!("expected an array, found {}", json::describe(actions_v))) };
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
        let mut handles = HashSet::new();
        let mut total: u64 = 0;
        for (i, a) in self.actions.iter().enumerate() {
            match &a.verb {
                Verb::Subscribe(s) if !handles.insert(s.sub.clone()) => {
                    return err(format!("actions[{i}].sub"), format!("handle {} is already used by an earlier subscribe", crate::text::quote(&s.sub)));
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
                    return err(format!("actions[{i}].sub"), format!("unknown handle {}: no subscribe action defines it", crate::text::quote(sub)));
                }
            }
        }
        Ok(())
    }
}

/// The top-level fields every scenario has, STAN or JetStream.
pub(crate) struct Header {
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) seed: u64,
    pub(crate) until_ms: u64,
}

/// Reads `version`, `name`, `description`, `seed` and `until_ms`.
pub(crate) fn header(f: &Fields) -> Result<Header, ScenarioError> {
    if let Some(ver) = f.u64_in("version", 1, u64::MAX)? {
        if ver != 1 {
            return err("version", format!("only version 1 is supported, found {ver}"));
        }
    }
    Ok(Header {
        name: f.string("name")?.map(str::to_string),
        description: f.string("description")?.map(str::to_string),
        seed: f.u64_in("seed", 0, u64::MAX)?.unwrap_or(0),
        until_ms: f.req_u64("until_ms", 0, MAX_UNTIL_MS)?,
    })
}

fn parse_server(v: &Value) -> Result<ServerConfig, ScenarioError> {
    let f = Fields::new(v, "server", SERVER)?;
    let mut c = ServerConfig::default();
    match f.string("kind")? {
        None | Some("stan") => {}
        Some("jetstream") => {
            return err(f.at("kind"), "a JetStream scenario, not a NATS Streaming one (the page opens it in JetStream mode; natsim run runs it)")
        }
        Some(k) => return err(f.at("kind"), format!("expected \"stan\" or \"jetstream\", found {}", crate::text::quote(k))),
    }
    if let Some(s) = f.string("server_version")? {
        c.version = ServerVersion::parse(s)
            .map_or_else(|| err(f.at("server_version"), format!("expected \"0.17\" or \"0.25\", found {}", crate::text::quote(s))), Ok)?;
    }
    if let Some(id) = f.string("cluster_id")?.map(Name::from) {
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
        Some(s) => err(f.at(k), format!("expected \"async\" or \"sync\", found {}", crate::text::quote(s))),
    }
}

fn parse_patch(f: &Fields) -> Result<BehaviourPatch, ScenarioError> {
    Ok(BehaviourPatch {
        handler: parse_handler(f, "handler")?,
        process_ms: f.u64_in("process_ms", 0, MAX_UNTIL_MS)?,
        fail_seqs: seqs(f, "fail_seqs")?,
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
        Some(other) => return err(f.at("app"), format!("expected \"none\", \"account\" or \"tickets\", found {}", crate::text::quote(other))),
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
            _ => err(
                p,
                format!("expected \"new_only\", \"last_received\", \"all\", {{\"seq\": N}} or {{\"time_delta_ms\": N}}, found {}", crate::text::quote(s)),
            ),
        },
        Value::Object(m) if m.len() == 1 && m.contains_key("seq") => {
            let g = Fields::new(v, &p, &["seq"])?;
            Ok(StartPosition::Seq(g.req_u64("seq", 0, u64::MAX)?))
        }
        Value::Object(m) if m.len() == 1 && m.contains_key("time_delta_ms") => {
            let g = Fields::new(v, &p, &["time_delta_ms"])?;
            Ok(StartPosition::TimeDelta(g.req_u64("time_delta_ms", 0, MAX_UNTIL_MS * 1000)?))
        }
        _ => err(p, format!("expected \"new_only\", \"last_received\", \"all\", {{\"seq\": N}} or {{\"time_delta_ms\": N}}, found {}", json::describe(v))),
    }
}

fn parse_action(v: &Value, path: &str) -> Result<Action, ScenarioError> {
    let Value::Object(m) = v else { return err(path, format!("expected an action object, found {}", json::describe(v))) };
    let verb = match m.get("do") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return err(format!("{path}.do"), format!("expected a verb ({VERBS}), found {}", json::describe(other))),
        None => return err(format!("{path}.do"), "missing required field"),
    };
    let Some(allowed) = verb_fields(verb) else {
        return err(format!("{path}.do"), format!("unknown verb {} (expected one of: {VERBS})", crate::text::quote(verb)));
    };
    let f = Fields::new(v, path, allowed)?;
    let at_ms = f.req_u64("at_ms", 0, MAX_UNTIL_MS)?;
    let verb = match verb {
        "connect" => Verb::Connect {
            client: Name::from(f.req_string("client")?),
            ping_interval_ms: f.u64_in("ping_interval_ms", 0, MAX_UNTIL_MS)?.unwrap_or(stanjs::PING_INTERVAL_MS),
            ping_max_out: f.u64_in("ping_max_out", 0, I32_MAX)?.map_or(stanjs::PING_MAX_OUT, |n| n as i64),
            cluster_id: f.string("cluster_id")?.map(Name::from),
        },
        "publish" => Verb::Publish {
            client: Name::from(f.req_string("client")?),
            channel: Name::from(f.req_string("channel")?),
            data: f.string("data")?.unwrap_or("").into(),
            count: f.u64_in("count", 0, MAX_PUBLISHES)?.unwrap_or(1),
            every_ms: f.u64_in("every_ms", 0, MAX_UNTIL_MS)?.unwrap_or(0),
            template: f.bool("template")?.unwrap_or(false),
        },
        "subscribe" => {
            let mut behaviour = Behaviour::default();
            parse_patch(&f)?.apply(&mut behaviour);
            Verb::Subscribe(SubscribeSpec {
                client: Name::from(f.req_string("client")?),
                sub: Name::from(f.req_string("sub")?),
                channel: Name::from(f.req_string("channel")?),
                queue: f.string("queue")?.map(Name::from).filter(|q| !q.is_empty()),
                durable: f.string("durable")?.map(Name::from).filter(|d| !d.is_empty()),
                manual_ack: f.bool("manual_ack")?.unwrap_or(false),
                ack_wait_ms: f.u64_in("ack_wait_ms", 0, I32_MAX * 1000)?.unwrap_or(stanjs::ACK_WAIT_MS),
                max_inflight: f.u64_in("max_inflight", 0, I32_MAX)?.map_or(stanjs::MAX_INFLIGHT, |n| n as i64),
                start: parse_start(&f)?,
                behaviour,
            })
        }
        "behave" => Verb::Behave { sub: Name::from(f.req_string("sub")?), patch: parse_patch(&f)? },
        "unsubscribe" => Verb::Unsubscribe { sub: Name::from(f.req_string("sub")?) },
        "close_sub" => Verb::CloseSub { sub: Name::from(f.req_string("sub")?) },
        "close" => Verb::Close { client: Name::from(f.req_string("client")?) },
        "kill" => Verb::Kill { client: Name::from(f.req_string("client")?) },
        "pause" => Verb::Pause { client: Name::from(f.req_string("client")?), duration_ms: f.req_u64("duration_ms", 0, MAX_UNTIL_MS)? },
        "restart_server" => Verb::RestartServer,
        _ => unreachable!("verb_fields accepted it"),
    };
    Ok(Action { at_ms, verb })
}
