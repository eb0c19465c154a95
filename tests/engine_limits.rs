//! Store limits (stan-semantics §11): max_msgs, max_bytes with the real encoded sizes,
//! max_age, max_channels, max_subs, max_inactivity, with drops visible in the trace.

mod common;
use common::*;
use serde_json::json;

fn dropped(sim: &natsim::engine::Sim) -> Vec<(u64, u64, String)> {
    json_events(sim, "msg_dropped").iter().map(|e| (e["t"].as_u64().unwrap(), e["seq"].as_u64().unwrap(), e["reason"].as_str().unwrap().to_string())).collect()
}

#[test]
fn max_msgs_drops_the_oldest_and_warns_once() {
    let sim = Scn::new().server(json!({"max_msgs": 3})).connect(0, "pub").publish(0, "pub", "a", 5, 100).run(1_000);
    assert_eq!(dropped(&sim), vec![(300, 1, "max_msgs".into()), (400, 2, "max_msgs".into())]);
    let ch = channelz(&sim, "a");
    assert_eq!((ch["msgs"].as_u64(), ch["first_seq"].as_u64(), ch["last_seq"].as_u64()), (Some(3), Some(3), Some(5)));
    // Bytes: seq 3..5 on channel "a" with data "x": 2 + 3 + 3 + 10 = 18 each.
    assert_eq!(ch["bytes"], 54);
    let warns: Vec<&String> = sim.server_log().iter().map(|(_, l)| l).filter(|l| l.contains("Reached limits")).collect();
    assert_eq!(
        warns,
        [&"[WRN] STREAM: Reached limits for store \"a\" (msgs=3/3 bytes=54 B/976.56 MB), dropping old messages to make room for new ones".to_string()]
    );
}

#[test]
fn max_bytes_counts_the_encoded_message_and_always_keeps_the_newest() {
    // `ticket:updated`, seq 1, data `u1` is 32 bytes (§11.1).
    let sim = Scn::new()
        .server(json!({"max_bytes": 64}))
        .connect(0, "pub")
        .act(json!({"at_ms": 0, "do": "publish", "client": "pub", "channel": "ticket:updated", "data": "u1", "count": 3, "every_ms": 10}))
        .act(json!({"at_ms": 100, "do": "publish", "client": "pub", "channel": "ticket:updated", "data": "x".repeat(200)}))
        .run(1_000);
    assert_eq!(dropped(&sim), vec![(20, 1, "max_bytes".into()), (100, 2, "max_bytes".into()), (100, 3, "max_bytes".into())]);
    let ch = channelz(&sim, "ticket:updated");
    // The single 231-byte message (2 + 16 + 203 + 10) is larger than the limit and is kept.
    assert_eq!((ch["msgs"].as_u64(), ch["first_seq"].as_u64(), ch["bytes"].as_u64()), (Some(1), Some(4), Some(231)));
}

#[test]
fn max_age_expires_from_the_head_and_sequences_continue() {
    let sim = Scn::new().server(json!({"max_age_ms": 1000})).connect(0, "pub").publish(0, "pub", "a", 2, 500).publish(3_000, "pub", "a", 1, 0).run(3_500);
    assert_eq!(dropped(&sim), vec![(1_000, 1, "max_age".into()), (1_500, 2, "max_age".into())]);
    let ch = channelz(&sim, "a");
    assert_eq!((ch["msgs"].as_u64(), ch["first_seq"].as_u64(), ch["last_seq"].as_u64()), (Some(1), Some(3), Some(3)));
}

#[test]
fn max_channels_refuses_new_channels_only() {
    let sim = Scn::new()
        .server(json!({"max_channels": 1}))
        .connect(0, "pub")
        .publish(0, "pub", "a", 1, 0)
        .publish(10, "pub", "b", 1, 0)
        .publish(20, "pub", "a", 1, 0)
        .run(100);
    let f = &json_events(&sim, "publish_failed")[0];
    assert_eq!((f["channel"].as_str(), f["error"].as_str()), (Some("b"), Some("too many channels")));
    assert_eq!(json_events(&sim, "published").len(), 2);
    let sim = Scn::new().server(json!({"max_channels": 1})).connect(0, "c").publish(0, "c", "a", 1, 0).sub(10, "c", "s", "b", json!({})).run(100);
    assert_eq!(json_events(&sim, "subscribe_failed")[0]["error"], "too many channels");
}

#[test]
fn max_inactivity_deletes_a_channel_after_its_last_subscription_left_and_a_publish_recreates_it() {
    let sim = Scn::new()
        .server(json!({"max_inactivity_ms": 1000}))
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "a", json!({}))
        .publish(100, "pub", "a", 2, 0)
        .act(json!({"at_ms": 2_000, "do": "unsubscribe", "sub": "s"}))
        .publish(3_500, "pub", "a", 1, 0)
        .run(4_000);
    assert_eq!(dropped(&sim), vec![(3_000, 1, "channel_deleted".into()), (3_000, 2, "channel_deleted".into())]);
    assert_eq!(json_events(&sim, "channel_deleted")[0]["t"], 3_000);
    let p = json_events(&sim, "published");
    assert_eq!((p[2]["t"].as_u64(), p[2]["seq"].as_u64()), (Some(3_500), Some(1)));
}

#[test]
fn max_inactivity_without_subscriptions_counts_from_the_last_publish() {
    let sim = Scn::new().server(json!({"max_inactivity_ms": 1000})).connect(0, "pub").publish(0, "pub", "a", 1, 0).publish(800, "pub", "a", 1, 0).run(3_000);
    // Timer from creation fires at 1 s, sees the publish at 0.8 s, re-arms for 1.8 s.
    assert_eq!(json_events(&sim, "channel_deleted")[0]["t"], 1_800);
}

#[test]
fn a_stalled_subscriber_loses_what_max_msgs_drops_before_it_can_ack() {
    // Found by the property test: a paused publisher's overdue publishes all go out at the
    // continue (Node runs expired timers before reading its socket); a max-in-flight-2
    // subscriber stalls after two, and max_msgs 3 drops 3 and 4 before its acks arrive.
    let sim = Scn::new()
        .server(json!({"max_msgs": 3}))
        .connect(0, "p")
        .connect(0, "c")
        .sub(0, "c", "s", "b", json!({"max_inflight": 2}))
        .pause(100, "p", 1_000)
        .publish(200, "p", "b", 7, 10)
        .run(2_000);
    assert_eq!(deliveries_to(&sim, "s"), vec![(1_100, 1, false, 0), (1_100, 2, false, 0), (1_100, 5, false, 0), (1_100, 6, false, 0), (1_100, 7, false, 0)]);
    let d: Vec<u64> = json_events(&sim, "msg_dropped").iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(d, vec![1, 2, 3, 4]);
}
