//! Durable subscriptions (stan-semantics §8): identity, close vs unsubscribe vs connection
//! close, resume with pending messages first, duplicates.

mod common;
use common::*;
use serde_json::json;

fn durable(extra: serde_json::Value) -> serde_json::Value {
    let mut d = json!({"durable": "accounting", "manual_ack": true, "start": "all"});
    for (k, v) in extra.as_object().unwrap() {
        d[k] = v.clone();
    }
    d
}

#[test]
fn a_closed_durable_resumes_with_its_pending_messages_redelivered_first() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "svc")
        .sub(0, "svc", "d1", "ch", durable(json!({"fail_seqs": [2], "fail_times": 1})))
        .publish(100, "pub", "ch", 3, 100)
        .act(json!({"at_ms": 1_000, "do": "close_sub", "sub": "d1"}))
        .publish(2_000, "pub", "ch", 2, 0)
        .sub(3_000, "svc", "d2", "ch", durable(json!({"start": "new_only"})))
        .run(5_000);
    assert_eq!(json_events(&sim, "sub_closed")[0]["kept"], true);
    // Start position ignored; seq 2 (never acked) comes first, flagged, count 1; then 4, 5.
    assert_eq!(deliveries_to(&sim, "d2"), vec![(3_000, 2, true, 1), (3_000, 4, false, 0), (3_000, 5, false, 0)]);
    assert_eq!(json_events(&sim, "subscribed")[1]["resumed"], true);
}

#[test]
fn a_durable_survives_its_client_closing_and_is_resumed_by_the_same_client_id() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "svc")
        .sub(0, "svc", "d1", "ch", durable(json!({})))
        .publish(100, "pub", "ch", 2, 0)
        .close(500, "svc")
        .publish(600, "pub", "ch", 1, 0)
        .connect(1_000, "svc")
        .sub(1_000, "svc", "d2", "ch", durable(json!({})))
        .run(2_000);
    let sc = first(&sim, "sub_closed", "svc").unwrap().1;
    assert_eq!((sc["reason"].as_str(), sc["kept"].as_bool()), (Some("client_closed"), Some(true)));
    assert_eq!(seqs_to(&sim, "d1"), vec![1, 2]);
    assert_eq!(deliveries_to(&sim, "d2"), vec![(1_000, 3, false, 0)]);
}

#[test]
fn a_plain_durable_with_a_random_client_id_never_resumes() {
    // The client id is part of a plain durable's identity (§8.1): the course's random ids
    // make a new durable every restart, which starts again from its start position.
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "3fa2b1c0")
        .sub(0, "3fa2b1c0", "d1", "ch", durable(json!({})))
        .publish(100, "pub", "ch", 2, 0)
        .close(500, "3fa2b1c0")
        .connect(1_000, "9e8d7c6b")
        .sub(1_000, "9e8d7c6b", "d2", "ch", durable(json!({})))
        .run(2_000);
    assert_eq!(deliveries_to(&sim, "d2"), vec![(1_000, 1, false, 0), (1_000, 2, false, 0)]);
    assert_eq!(json_events(&sim, "subscribed")[1]["resumed"], false);
    // Both durables are on record: the old one offline.
    let subs = channelz(&sim, "ch")["subscriptions"].clone();
    assert_eq!(subs.as_array().unwrap().len(), 2);
    assert_eq!(subs[1]["client_id"], "3fa2b1c0");
    assert_eq!(subs[1]["is_offline"], true);
    assert_eq!(subs[1]["durable_name"], "accounting");
}

#[test]
fn unsubscribe_deletes_a_durable_so_the_next_subscribe_starts_fresh() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "svc")
        .sub(0, "svc", "d1", "ch", durable(json!({})))
        .publish(100, "pub", "ch", 2, 0)
        .act(json!({"at_ms": 500, "do": "unsubscribe", "sub": "d1"}))
        .sub(1_000, "svc", "d2", "ch", durable(json!({})))
        .run(2_000);
    assert_eq!(json_events(&sim, "sub_closed")[0]["kept"], false);
    assert_eq!(deliveries_to(&sim, "d2"), vec![(1_000, 1, false, 0), (1_000, 2, false, 0)]);
}

#[test]
fn a_durable_that_is_online_cannot_be_registered_twice() {
    let sim = Scn::new().connect(0, "svc").sub(0, "svc", "d1", "ch", durable(json!({}))).sub(100, "svc", "d2", "ch", durable(json!({}))).run(1_000);
    let f = &json_events(&sim, "subscribe_failed")[0];
    assert_eq!(f["sub"], "d2");
    assert_eq!(f["error"], "stan: duplicate durable registration");
    assert!(sim.server_log().iter().any(|(_, l)| l == "[ERR] STREAM: [Client:svc] Duplicate durable subscription registration"));
}

#[test]
fn acked_messages_are_never_redelivered_to_a_resumed_durable() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "svc")
        .sub(0, "svc", "d1", "ch", durable(json!({})))
        .publish(100, "pub", "ch", 3, 0)
        .act(json!({"at_ms": 500, "do": "close_sub", "sub": "d1"}))
        .sub(1_000, "svc", "d2", "ch", durable(json!({})))
        .run(2_000);
    assert!(deliveries_to(&sim, "d2").is_empty());
    assert_eq!(channelz(&sim, "ch")["subscriptions"][0]["last_sent"], 3);
}

#[test]
fn a_resumed_durable_takes_the_new_max_inflight_and_ack_wait() {
    let sim = Scn::new()
        .connect(0, "svc")
        .sub(0, "svc", "d1", "ch", durable(json!({"ack_wait_ms": 30_000})))
        .act(json!({"at_ms": 500, "do": "close_sub", "sub": "d1"}))
        .sub(1_000, "svc", "d2", "ch", durable(json!({"ack_wait_ms": 5000, "max_inflight": 10})))
        .run(2_000);
    let s = &channelz(&sim, "ch")["subscriptions"][0];
    assert_eq!((s["ack_wait"].as_u64(), s["max_inflight"].as_u64(), s["is_offline"].as_bool()), (Some(5), Some(10), Some(false)));
}

#[test]
fn the_durable_queue_name_may_not_contain_a_colon() {
    let sim = Scn::new().connect(0, "svc").sub(0, "svc", "d", "ch", json!({"queue": "g", "durable": "a:b"})).run(100);
    assert_eq!(json_events(&sim, "subscribe_failed")[0]["error"], "stan: durable name of a durable queue subscriber can't contain the character ':'");
}
