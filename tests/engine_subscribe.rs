//! Subscribe (stan-semantics §5): validation in the server's order, every start position and
//! its edge cases, and the options' defaults.

mod common;
use common::*;
use serde_json::json;

fn err_of(extra: serde_json::Value, channel: &str) -> String {
    let sim = Scn::new().connect(0, "c").sub(0, "c", "s", channel, extra).run(3_000);
    json_events(&sim, "subscribe_failed")[0]["error"].as_str().unwrap().to_string()
}

#[test]
fn invalid_requests_are_refused_with_the_real_texts_first_rule_first() {
    assert_eq!(err_of(json!({"ack_wait_ms": 0}), "ch"), "stan: invalid ack wait time, should be >= 1s");
    assert_eq!(err_of(json!({"max_inflight": 0}), "ch"), "stan: invalid MaxInflight, should be >= 1");
    assert_eq!(err_of(json!({}), "foo.*"), "stan: invalid subject");
    assert_eq!(err_of(json!({}), "a..b"), "stan: invalid subject");
    // Both wrong: the ack wait is checked first.
    assert_eq!(err_of(json!({"ack_wait_ms": 0, "max_inflight": 0}), "foo.>"), "stan: invalid ack wait time, should be >= 1s");
    // stan.js itself: a non-whole second ack wait, and an empty subject.
    assert_eq!(err_of(json!({"ack_wait_ms": 1500}), "ch"), "Assertion failed");
    assert_eq!(err_of(json!({}), ""), "stan: subject must be supplied");
}

#[test]
fn max_subs_counts_every_stored_subscription() {
    let sim = Scn::new()
        .server(json!({"max_subs": 2}))
        .connect(0, "c")
        .sub(0, "c", "s1", "ch", json!({"durable": "d"}))
        .act(json!({"at_ms": 10, "do": "close_sub", "sub": "s1"}))
        .sub(20, "c", "s2", "ch", json!({}))
        .sub(30, "c", "s3", "ch", json!({}))
        .run(100);
    // The offline durable still counts: the third record is refused.
    let f = json_events(&sim, "subscribe_failed");
    assert_eq!((f[0]["sub"].as_str(), f[0]["error"].as_str()), (Some("s3"), Some("too many subscriptions per channel")));
}

fn with_five(start: serde_json::Value) -> Vec<u64> {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .publish(0, "pub", "ch", 5, 10)
        .sub(1_000, "c", "s", "ch", json!({"start": start}))
        .publish(2_000, "pub", "ch", 1, 0)
        .run(3_000);
    seqs_to(&sim, "s")
}

#[test]
fn start_positions_with_five_stored_messages() {
    // §5.3 measured with 5 messages (then a 6th is published).
    assert_eq!(with_five(json!("new_only")), vec![6]);
    assert_eq!(with_five(json!("last_received")), vec![5, 6]);
    assert_eq!(with_five(json!({"seq": 3})), vec![3, 4, 5, 6]);
    assert_eq!(with_five(json!({"seq": 0})), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(with_five(json!({"seq": 99})), vec![6]);
    assert_eq!(with_five(json!("all")), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(with_five(json!({"time_delta_ms": 60_000})), vec![1, 2, 3, 4, 5, 6]);
    // Published at 0, 10, 20, 30, 40 ms; subscribed at 1000: a 975 ms delta reaches back to 25.
    assert_eq!(with_five(json!({"time_delta_ms": 975})), vec![4, 5, 6]);
    assert_eq!(with_five(json!({"time_delta_ms": 100})), vec![6]);
}

#[test]
fn every_start_position_on_an_empty_channel_gets_seq_1() {
    for start in [json!("new_only"), json!("last_received"), json!("all"), json!({"seq": 7}), json!({"time_delta_ms": 1000})] {
        let sim = Scn::new().connect(0, "pub").connect(0, "c").sub(0, "c", "s", "ch", json!({"start": start})).publish(100, "pub", "ch", 1, 0).run(200);
        assert_eq!(seqs_to(&sim, "s"), vec![1], "{start}");
    }
}

#[test]
fn deliver_all_after_drops_starts_at_the_first_available() {
    let sim = Scn::new()
        .server(json!({"max_msgs": 3}))
        .connect(0, "pub")
        .connect(0, "c")
        .publish(0, "pub", "ch", 5, 0)
        .sub(100, "c", "s", "ch", json!({"start": "all"}))
        .sub(100, "c", "t", "ch", json!({"start": {"seq": 1}}))
        .run(200);
    assert_eq!(seqs_to(&sim, "s"), vec![3, 4, 5]);
    assert_eq!(seqs_to(&sim, "t"), vec![3, 4, 5]);
}

#[test]
fn after_max_age_expired_everything_a_new_subscription_gets_nothing_until_the_next_publish() {
    // §21: msgs 0, first_seq 6, last_seq 5; last_sent 4 for last-received, 5 for all and for
    // start-at-sequence 2.
    let mut sim = Scn::new()
        .server(json!({"max_age_ms": 2000}))
        .connect(0, "pub")
        .connect(0, "c")
        .publish(0, "pub", "ch", 5, 0)
        .sub(3_000, "c", "last", "ch", json!({"start": "last_received"}))
        .sub(3_000, "c", "all", "ch", json!({"start": "all"}))
        .sub(3_000, "c", "at2", "ch", json!({"start": {"seq": 2}}))
        .publish(4_000, "pub", "ch", 1, 0)
        .build(5_000);
    sim.run_until(3_500).unwrap();
    let ch = channelz(&sim, "ch");
    assert_eq!((ch["msgs"].as_u64(), ch["bytes"].as_u64(), ch["first_seq"].as_u64(), ch["last_seq"].as_u64()), (Some(0), Some(0), Some(6), Some(5)));
    let last_sent: Vec<u64> = ch["subscriptions"].as_array().unwrap().iter().map(|s| s["last_sent"].as_u64().unwrap()).collect();
    assert_eq!(last_sent, vec![4, 5, 5]);
    assert_eq!(json_events(&sim, "msg_dropped").iter().filter(|e| e["reason"] == "max_age" && e["t"] == 2000).count(), 5);
    sim.run().unwrap();
    for h in ["last", "all", "at2"] {
        assert_eq!(deliveries_to(&sim, h), vec![(4_000, 6, false, 0)], "{h}");
    }
}

#[test]
fn stan_js_defaults_are_16384_in_flight_and_30s_ack_wait() {
    let sim = Scn::new().connect(0, "c").sub(0, "c", "s", "ch", json!({})).run(10);
    let s = &channelz(&sim, "ch")["subscriptions"][0];
    assert_eq!((s["max_inflight"].as_u64(), s["ack_wait"].as_u64()), (Some(16_384), Some(30)));
}
