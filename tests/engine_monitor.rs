//! Monitoring (stan-semantics §13): the measured 0.23.2 example reproduced, compared as text
//! (field names, order, omissions, list orders), with only random ids and clocks masked.

mod common;
use common::*;
use serde_json::{json, Value};

const DATA40: &str = r#"{"id":"123","title":"concert","price":2}"#;

fn measured_scenario(version: &str) -> natsim::engine::Sim {
    assert_eq!(DATA40.len(), 40);
    let q = json!({"queue": "orders-service", "durable": "orders-service", "ack_wait_ms": 5000});
    Scn::new()
        .server(json!({"cluster_id": "ticketing", "server_version": version}))
        .connect(0, "pub")
        .connect(0, "alice")
        .connect(0, "bob")
        .sub(0, "alice", "plain", "ticket:created", json!({"manual_ack": true, "max_inflight": 1, "process_ms": 1_000_000}))
        .sub(0, "alice", "aq", "ticket:created", q.clone())
        .sub(0, "bob", "bq", "ticket:created", q)
        .sub(0, "bob", "audit", "ticket:updated", json!({"durable": "audit"}))
        .act(json!({"at_ms": 100, "do": "publish", "client": "pub", "channel": "ticket:created", "data": DATA40, "count": 3, "every_ms": 10}))
        .act(json!({"at_ms": 200, "do": "publish", "client": "pub", "channel": "ticket:updated", "data": "u1"}))
        .act(json!({"at_ms": 300, "do": "close_sub", "sub": "audit"}))
        .close(400, "pub")
        .run(2_000)
}

/// Masks what the real server makes at random or reads from its clock.
fn mask(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if ["server_id", "now", "start_time", "uptime", "inbox", "ack_inbox", "hb_inbox", "version", "go"].contains(&k.as_str()) {
                    *x = json!("*");
                } else {
                    mask(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask),
        _ => {}
    }
}

fn masked<T: serde::Serialize>(x: &T) -> String {
    let mut v = serde_json::to_value(x).unwrap();
    mask(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

fn spec(text: &str) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    mask(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn serverz_matches_the_measured_numbers() {
    let sim = measured_scenario("0.25");
    let expected = r#"{"cluster_id":"ticketing","server_id":"x","version":"x","go":"x","state":"STANDALONE","now":"x","start_time":"x","uptime":"x",
      "clients":2,"subscriptions":4,"channels":2,"total_msgs":4,"total_bytes":242,"in_msgs":4,"in_bytes":406,"out_msgs":5,"out_bytes":312}"#;
    assert_eq!(masked(&sim.monitor().serverz), spec(expected));
    assert_eq!(sim.monitor().serverz.version, "0.25.6");
    assert_eq!(sim.monitor().serverz.uptime, "2s");
}

#[test]
fn storez_shows_default_limits_with_durations_in_nanoseconds() {
    let sim = Scn::new().server(json!({"max_age_ms": 2000, "cluster_id": "ticketing"})).run(10);
    let expected = r#"{"cluster_id":"ticketing","server_id":"x","now":"x","type":"MEMORY",
      "limits":{"max_channels":100,"max_msgs":1000000,"max_bytes":1024000000,"max_age":2000000000,"max_subscriptions":1000,"max_inactivity":0},
      "total_msgs":0,"total_bytes":0}"#;
    assert_eq!(masked(&sim.monitor().storez), spec(expected));
}

const CHANNELSZ: &str = r#"{
  "cluster_id": "ticketing", "server_id": "x", "now": "x", "offset": 0, "limit": 1024, "count": 2, "total": 2,
  "channels": [
    { "name": "ticket:created", "msgs": 3, "bytes": 210, "first_seq": 1, "last_seq": 3, "subs_count": 3,
      "subscriptions": [
        { "client_id": "alice", "inbox": "x", "ack_inbox": "x", "is_durable": false, "is_offline": false, "max_inflight": 1, "ack_wait": 30, "last_sent": 1, "pending_count": 1, "is_stalled": true },
        { "client_id": "bob", "inbox": "x", "ack_inbox": "x", "queue_name": "orders-service:orders-service", "is_durable": true, "is_offline": false, "max_inflight": 16384, "ack_wait": 5, "last_sent": 2, "pending_count": 0, "is_stalled": false },
        { "client_id": "alice", "inbox": "x", "ack_inbox": "x", "queue_name": "orders-service:orders-service", "is_durable": true, "is_offline": false, "max_inflight": 16384, "ack_wait": 5, "last_sent": 3, "pending_count": 0, "is_stalled": false }
      ] },
    { "name": "ticket:updated", "msgs": 1, "bytes": 32, "first_seq": 1, "last_seq": 1, "subs_count": 1,
      "subscriptions": [
        { "client_id": "bob", "inbox": "x", "ack_inbox": "x", "durable_name": "audit", "is_durable": true, "is_offline": true, "max_inflight": 16384, "ack_wait": 30, "last_sent": 1, "pending_count": 0, "is_stalled": false }
      ] }
  ]
}"#;

#[test]
fn channelsz_with_subs_lists_plain_then_offline_durables_then_rotated_queue_members() {
    let sim = measured_scenario("0.25");
    assert_eq!(masked(&sim.monitor().channelsz), spec(CHANNELSZ));
}

#[test]
fn clientsz_with_subs_lists_each_clients_online_subs_by_channel() {
    let sim = measured_scenario("0.25");
    let expected = r#"{"cluster_id":"ticketing","server_id":"x","now":"x","offset":0,"limit":1024,"count":2,"total":2,"clients":[
      {"id":"alice","hb_inbox":"x","subs_count":2,"subscriptions":{"ticket:created":[
        {"client_id":"alice","inbox":"x","ack_inbox":"x","is_durable":false,"is_offline":false,"max_inflight":1,"ack_wait":30,"last_sent":1,"pending_count":1,"is_stalled":true},
        {"client_id":"alice","inbox":"x","ack_inbox":"x","queue_name":"orders-service:orders-service","is_durable":true,"is_offline":false,"max_inflight":16384,"ack_wait":5,"last_sent":3,"pending_count":0,"is_stalled":false}]}},
      {"id":"bob","hb_inbox":"x","subs_count":1,"subscriptions":{"ticket:created":[
        {"client_id":"bob","inbox":"x","ack_inbox":"x","queue_name":"orders-service:orders-service","is_durable":true,"is_offline":false,"max_inflight":16384,"ack_wait":5,"last_sent":2,"pending_count":0,"is_stalled":false}]}}]}"#;
    assert_eq!(masked(&sim.monitor().clientsz), spec(expected));
}

#[test]
fn the_plain_and_single_forms() {
    let sim = measured_scenario("0.25");
    let v = sim.monitor_view();
    let names =
        r#"{"cluster_id":"ticketing","server_id":"x","now":"x","offset":0,"limit":1024,"count":2,"total":2,"names":["ticket:created","ticket:updated"]}"#;
    assert_eq!(masked(&v.channelsz(false)), spec(names));
    let single = r#"{"name":"ticket:created","msgs":3,"bytes":210,"first_seq":1,"last_seq":3,"subs_count":3}"#;
    assert_eq!(masked(&v.channel("ticket:created", false).unwrap()), spec(single));
    assert!(v.channel("nope", false).is_none());
    let bob = r#"{"id":"bob","hb_inbox":"x","subs_count":1}"#;
    assert_eq!(masked(&v.client("bob", false).unwrap()), spec(bob));
    assert!(v.client("pub", false).is_none(), "closed clients are gone");
}

#[test]
fn on_0_17_subs_count_is_absent_everywhere() {
    let sim = measured_scenario("0.17");
    let text = serde_json::to_string(&sim.monitor()).unwrap();
    assert!(!text.contains("subs_count"));
    assert_eq!(sim.monitor().serverz.version, "0.17.0");
}

#[test]
fn ids_look_like_the_real_ones_and_ack_inboxes_share_the_server_id_prefix() {
    let sim = measured_scenario("0.25");
    let m = sim.monitor();
    assert_eq!(m.serverz.server_id.len(), 22);
    let sub = &m.channelsz.channels[0].subscriptions[0];
    assert!(sub.ack_inbox.starts_with(&format!("_INBOX.{}", &m.serverz.server_id[..12])), "{} vs {}", sub.ack_inbox, m.serverz.server_id);
    assert_eq!(sub.inbox.len(), "_INBOX.".len() + 22);
    assert_eq!(m.serverz.now, "2026-01-01T00:00:02Z");
}
