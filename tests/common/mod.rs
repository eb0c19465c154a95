//! Test helpers: build scenarios in the contract's JSON, run them, and query the trace.
#![allow(dead_code)]

use natsim::engine::{Scenario, Sim, TraceEvent, TraceKind};
use serde_json::{json, Map, Value};

/// A scenario under construction (serialized to the contract's JSON, then parsed, so the
/// parser is exercised by every test).
pub struct Scn {
    server: Map<String, Value>,
    actions: Vec<Value>,
    until: u64,
    seed: u64,
}

/// The course's server: `-cid ticketing -hbi 5s -hbt 5s -hbf 2` on `version`.
pub fn course(version: &str) -> Scn {
    Scn::new().server(json!({"server_version": version, "cluster_id": "ticketing", "hb_interval_ms": 5000, "hb_timeout_ms": 5000, "hb_fail_count": 2}))
}

impl Scn {
    pub fn new() -> Self {
        Scn { server: Map::new(), actions: Vec::new(), until: 60_000, seed: 7 }
    }
    pub fn server(mut self, v: Value) -> Self {
        for (k, x) in v.as_object().expect("object") {
            self.server.insert(k.clone(), x.clone());
        }
        self
    }
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Any action, as JSON (`at_ms` and `do` included).
    pub fn act(mut self, v: Value) -> Self {
        self.actions.push(v);
        self
    }
    pub fn connect(self, at: u64, client: &str) -> Self {
        self.act(json!({"at_ms": at, "do": "connect", "client": client}))
    }
    pub fn publish(self, at: u64, client: &str, channel: &str, count: u64, every: u64) -> Self {
        self.act(json!({"at_ms": at, "do": "publish", "client": client, "channel": channel, "data": "x", "count": count, "every_ms": every}))
    }
    /// A subscribe with extra contract fields (`{"manual_ack": true, ...}`).
    pub fn sub(self, at: u64, client: &str, handle: &str, channel: &str, extra: Value) -> Self {
        let mut a = json!({"at_ms": at, "do": "subscribe", "client": client, "sub": handle, "channel": channel});
        for (k, x) in extra.as_object().expect("object") {
            a[k] = x.clone();
        }
        self.act(a)
    }
    pub fn kill(self, at: u64, client: &str) -> Self {
        self.act(json!({"at_ms": at, "do": "kill", "client": client}))
    }
    pub fn close(self, at: u64, client: &str) -> Self {
        self.act(json!({"at_ms": at, "do": "close", "client": client}))
    }
    pub fn pause(self, at: u64, client: &str, ms: u64) -> Self {
        self.act(json!({"at_ms": at, "do": "pause", "client": client, "duration_ms": ms}))
    }
    pub fn json(&self, until: u64) -> Value {
        json!({"version": 1, "seed": self.seed, "until_ms": until, "server": self.server, "actions": self.actions})
    }
    /// Parses the scenario and returns a simulator at time 0.
    pub fn build(&self, until: u64) -> Sim {
        let text = self.json(until).to_string();
        Sim::new(Scenario::parse(&text).unwrap_or_else(|e| panic!("test scenario invalid: {e}")))
    }
    /// Runs to `until` and returns the simulator.
    pub fn run(&self, until: u64) -> Sim {
        let mut s = self.build(until);
        s.run().expect("run");
        s
    }
    pub fn until(mut self, u: u64) -> Self {
        self.until = u;
        self
    }
}

/// A publisher `pub` and clients `a` and `b` whose subscriptions `A` and `B` on channel
/// `ch` both use the subscribe fields `q` (a queue group, usually).
pub fn two_members(q: Value) -> Scn {
    Scn::new().connect(0, "pub").connect(0, "a").connect(0, "b").sub(0, "a", "A", "ch", q.clone()).sub(0, "b", "B", "ch", q)
}

/// A delivery as (t, client, handle, seq, redelivered, count).
pub type Dlv = (u64, String, String, u64, bool, u32);

pub fn deliveries(sim: &Sim) -> Vec<Dlv> {
    sim.trace()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Delivered { client, sub, seq, redelivered, redelivery_count, .. } => {
                Some((e.t, client.to_string(), sub.to_string(), *seq, *redelivered, *redelivery_count))
            }
            _ => None,
        })
        .collect()
}

/// (t, seq, redelivered, count) delivered to one handle.
pub fn deliveries_to(sim: &Sim, handle: &str) -> Vec<(u64, u64, bool, u32)> {
    deliveries(sim).into_iter().filter(|d| d.2 == handle).map(|d| (d.0, d.3, d.4, d.5)).collect()
}

/// Sequences delivered to one handle, in order.
pub fn seqs_to(sim: &Sim, handle: &str) -> Vec<u64> {
    deliveries_to(sim, handle).into_iter().map(|d| d.1).collect()
}

/// Events of one kind name.
pub fn events<'a>(sim: &'a Sim, name: &str) -> Vec<&'a TraceEvent> {
    sim.trace().iter().filter(|e| e.kind.name() == name).collect()
}

/// The trace as JSON values (to assert on exact fields).
pub fn json_events(sim: &Sim, name: &str) -> Vec<Value> {
    events(sim, name).into_iter().map(|e| serde_json::to_value(e).expect("json")).collect()
}

/// First event of a kind for a client, as (t, json).
pub fn first(sim: &Sim, name: &str, client: &str) -> Option<(u64, Value)> {
    events(sim, name).into_iter().find(|e| e.kind.client().is_some_and(|c| &**c == client)).map(|e| (e.t, serde_json::to_value(e).expect("json")))
}

/// Time a client was closed by the server, and why.
pub fn closed_at(sim: &Sim, client: &str) -> Option<(u64, String)> {
    first(sim, "client_closed", client).map(|(t, v)| (t, v["reason"].as_str().unwrap().to_string()))
}

/// Heartbeats of a client as (t, ok, failures).
pub fn heartbeats(sim: &Sim, client: &str) -> Vec<(u64, bool, u32)> {
    sim.trace()
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Heartbeat { client: c, ok, failures } if &**c == client => Some((e.t, *ok, *failures)),
            _ => None,
        })
        .collect()
}

/// Monitoring's `/streaming/channelsz?channel=NAME&subs=1` as JSON.
pub fn channelz(sim: &Sim, name: &str) -> Value {
    serde_json::to_value(sim.monitor_view().channel(name, true).expect("channel exists")).expect("json")
}
