//! `GET /jsz?accounts=1&streams=1&consumers=1&config=1` at the end of a run (JS §10.1, §8),
//! with the real field names and order. Durations are ns; the machine's memory/storage limits
//! and the server id are free (scenario-contract.md "Monitor (JetStream)").

use super::consumer::Consumer;
use super::scenario::{AckPolicy, DeliverPolicy, Discard, Retention, Storage};
use super::server::JsServer;
use super::stream::Stream;
use crate::engine::time::{rfc3339_nano, SimTime};
use serde_json::{json, Map, Value};

const NS: u64 = 1_000_000;

fn retention(r: Retention) -> &'static str {
    match r {
        Retention::Limits => "limits",
        Retention::Interest => "interest",
        Retention::WorkQueue => "workqueue",
    }
}

fn deliver_policy(p: DeliverPolicy) -> &'static str {
    match p {
        DeliverPolicy::All => "all",
        DeliverPolicy::Last => "last",
        DeliverPolicy::New => "new",
        DeliverPolicy::ByStartSequence => "by_start_sequence",
        DeliverPolicy::ByStartTime => "by_start_time",
        DeliverPolicy::LastPerSubject => "last_per_subject",
    }
}

fn ack_policy(p: AckPolicy) -> &'static str {
    match p {
        AckPolicy::Explicit => "explicit",
        AckPolicy::All => "all",
        AckPolicy::None => "none",
    }
}

/// A stream's `config` as the server filled it in (JS §2.1, the measured order).
pub fn stream_config(s: &Stream) -> Value {
    let c = &s.cfg;
    json!({
        "name": &*c.name,
        "subjects": c.subjects.iter().map(|x| &**x).collect::<Vec<_>>(),
        "retention": retention(c.retention),
        "max_consumers": -1,
        "max_msgs": c.max_msgs,
        "max_bytes": c.max_bytes,
        "max_age": c.max_age_ms * NS,
        "max_msgs_per_subject": c.max_msgs_per_subject,
        "max_msg_size": -1,
        "discard": if c.discard == Discard::Old { "old" } else { "new" },
        "storage": if c.storage == Storage::File { "file" } else { "memory" },
        "num_replicas": 1,
        "duplicate_window": c.duplicate_window_ms * NS,
        "allow_direct": false,
        "mirror_direct": false,
        "sealed": false,
        "deny_delete": false,
        "deny_purge": false,
        "allow_rollup_hdrs": false,
    })
}

/// A stream's `state` (`StreamState`, JS §2.7).
pub fn stream_state(srv: &JsServer, si: usize) -> Value {
    let s = &srv.streams[si];
    let ts = |t: Option<SimTime>| t.map_or("0001-01-01T00:00:00Z".to_string(), rfc3339_nano);
    let mut m = Map::new();
    m.insert("messages".into(), json!(s.msgs.len()));
    m.insert("bytes".into(), json!(s.bytes));
    m.insert("first_seq".into(), json!(s.first_seq));
    // Emptied by limits or acks, the store reports the Unix epoch; never used, Go's zero time.
    let first_ts = match s.msgs.values().next() {
        Some(x) => rfc3339_nano(x.ts),
        None if s.last_seq > 0 => "1970-01-01T00:00:00Z".to_string(),
        None => ts(None),
    };
    m.insert("first_ts".into(), json!(first_ts));
    m.insert("last_seq".into(), json!(s.last_seq));
    m.insert("last_ts".into(), json!(ts((s.last_seq > 0).then_some(s.last_ts))));
    if !s.per_subject.is_empty() {
        m.insert("num_subjects".into(), json!(s.per_subject.len()));
    }
    if s.num_deleted() > 0 {
        m.insert("num_deleted".into(), json!(s.num_deleted()));
    }
    m.insert("consumer_count".into(), json!(srv.consumers.iter().filter(|c| !c.deleted && c.stream == si).count()));
    Value::Object(m)
}

/// A consumer's `config` as the server keeps it (`ConsumerConfig`'s order and omitempty).
pub fn consumer_config(c: &Consumer) -> Value {
    let k = &c.cfg;
    let mut m = Map::new();
    if let Some(d) = &k.durable_name {
        m.insert("durable_name".into(), json!(&**d));
    }
    if let Some(n) = &k.name {
        m.insert("name".into(), json!(&**n));
    }
    m.insert("deliver_policy".into(), json!(deliver_policy(k.deliver_policy)));
    if let Some(s) = k.opt_start_seq {
        m.insert("opt_start_seq".into(), json!(s));
    }
    if let Some(t) = k.opt_start_time {
        m.insert("opt_start_time".into(), json!(rfc3339_nano(t)));
    }
    m.insert("ack_policy".into(), json!(ack_policy(k.ack_policy)));
    if let Some(w) = k.ack_wait_ms {
        m.insert("ack_wait".into(), json!(w * NS));
    }
    m.insert("max_deliver".into(), json!(k.max_deliver));
    if !k.backoff_ms.is_empty() {
        m.insert("backoff".into(), json!(k.backoff_ms.iter().map(|b| b * NS).collect::<Vec<_>>()));
    }
    if let Some(f) = &k.filter_subject {
        m.insert("filter_subject".into(), json!(&**f));
    }
    m.insert("replay_policy".into(), json!("instant"));
    if let Some(w) = k.max_waiting {
        m.insert("max_waiting".into(), json!(w));
    }
    if let Some(p) = k.max_ack_pending {
        m.insert("max_ack_pending".into(), json!(p));
    }
    if let Some(d) = &k.deliver_subject {
        m.insert("deliver_subject".into(), json!(&**d));
    }
    if let Some(g) = &k.deliver_group {
        m.insert("deliver_group".into(), json!(&**g));
    }
    if let Some(t) = k.inactive_threshold_ms {
        m.insert("inactive_threshold".into(), json!(t * NS));
    }
    m.insert("num_replicas".into(), json!(0));
    Value::Object(m)
}

fn seq_info(c: u64, s: u64, last: Option<SimTime>) -> Value {
    let mut m = Map::new();
    m.insert("consumer_seq".into(), json!(c));
    m.insert("stream_seq".into(), json!(s));
    if let Some(t) = last {
        m.insert("last_active".into(), json!(rfc3339_nano(t)));
    }
    Value::Object(m)
}

/// Consumer info (JS §8) without `type`.
pub fn consumer_info(srv: &JsServer, ci: usize, now: SimTime) -> Value {
    let c = &srv.consumers[ci];
    let st = &srv.streams[c.stream];
    let mut m = Map::new();
    m.insert("stream_name".into(), json!(&*st.cfg.name));
    m.insert("name".into(), json!(&*c.name));
    m.insert("created".into(), json!(rfc3339_nano(c.created)));
    m.insert("config".into(), consumer_config(c));
    m.insert("delivered".into(), seq_info(c.dseq - 1, c.sseq.saturating_sub(1), c.last_delivered));
    m.insert("ack_floor".into(), seq_info(c.adflr, c.asflr, c.last_acked));
    m.insert("num_ack_pending".into(), json!(c.pending.len()));
    m.insert("num_redelivered".into(), json!(c.rdc.len()));
    let waiting = c.waiting.iter().filter(|w| w.expires.is_none_or(|e| e > now)).count();
    m.insert("num_waiting".into(), json!(waiting));
    m.insert("num_pending".into(), json!(c.num_pending(st)));
    if c.active && !c.cfg.pull() {
        m.insert("push_bound".into(), json!(true));
    }
    Value::Object(m)
}

/// The `/jsz` document at `now`.
pub fn jsz(srv: &JsServer, now: SimTime, server_id: &str) -> Value {
    let live: Vec<&Consumer> = srv.consumers.iter().filter(|c| !c.deleted).collect();
    // The streams that exist (a memory stream a restart lost does not).
    let streams: Vec<usize> = (0..srv.streams.len()).filter(|&si| !srv.streams[si].lost).collect();
    let (memory, storage): (u64, u64) =
        streams.iter().map(|&si| &srv.streams[si]).fold((0, 0), |(m, f), s| if s.cfg.storage == Storage::Memory { (m + s.bytes, f) } else { (m, f + s.bytes) });
    let messages: usize = streams.iter().map(|&si| srv.streams[si].msgs.len()).sum();
    let api = json!({"total": srv.api_total, "errors": srv.api_errors});
    let details: Vec<Value> = streams
        .iter()
        .map(|&si| {
            let s = &srv.streams[si];
            let consumers: Vec<Value> =
                (0..srv.consumers.len()).filter(|&c| !srv.consumers[c].deleted && srv.consumers[c].stream == si).map(|c| consumer_info(srv, c, now)).collect();
            json!({
                "name": &*s.cfg.name,
                "created": rfc3339_nano(s.created),
                "cluster": {"leader": server_id},
                "config": stream_config(s),
                "state": stream_state(srv, si),
                "consumer_detail": consumers,
            })
        })
        .collect();
    json!({
        "server_id": server_id,
        "now": rfc3339_nano(now),
        "config": {"max_memory": 0, "max_storage": 0, "store_dir": "/tmp/natsim/jetstream"},
        "memory": memory,
        "storage": storage,
        "reserved_memory": 0,
        "reserved_storage": 0,
        "accounts": 1,
        "ha_assets": 0,
        "api": api,
        "streams": streams.len(),
        "consumers": live.len(),
        "messages": messages,
        "bytes": memory + storage,
        "account_details": [{
            "name": "$G",
            "id": "$G",
            "memory": memory,
            "storage": storage,
            "reserved_memory": u64::MAX,
            "reserved_storage": u64::MAX,
            "accounts": 0,
            "ha_assets": 0,
            "api": api,
            "stream_detail": details,
        }],
    })
}
