//! The scenario writer: the contract's JSON form with defaults left out, which the reader
//! reads back equal.

use super::*;
use crate::engine::stanjs;
use crate::json::write::compact;
use serde_json::{Map, Value};

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
                if *ping_interval_ms != stanjs::PING_INTERVAL_MS {
                    put("ping_interval_ms", (*ping_interval_ms).into());
                }
                if *ping_max_out != stanjs::PING_MAX_OUT {
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
                if s.ack_wait_ms != stanjs::ACK_WAIT_MS {
                    put("ack_wait_ms", s.ack_wait_ms.into());
                }
                if s.max_inflight != stanjs::MAX_INFLIGHT {
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
                    out.push_str(&format!("    {}{}\n", compact(a), if j + 1 < acts.len() { "," } else { "" }));
                }
                out.push_str(&format!("  ]{comma}\n"));
            } else {
                out.push_str("  ");
                crate::json::write::string(&mut out, k);
                out.push_str(&format!(": {}{comma}\n", compact(x)));
            }
        }
        out.push('}');
        out.push('\n');
        out
    }
}
