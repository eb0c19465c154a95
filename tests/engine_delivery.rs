//! Delivery and acks (stan-semantics §6, §12): max in flight and stalled subs, the single
//! ack timer with its 15 ms grouping, redelivery order and counts, ignored acks, auto vs
//! manual ack with async and sync handlers.

mod common;
use common::*;
use serde_json::json;

#[test]
fn max_in_flight_stalls_the_sub_until_an_ack() {
    let mut sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "ch", json!({"manual_ack": true, "max_inflight": 1, "process_ms": 1000}))
        .publish(0, "pub", "ch", 3, 0)
        .build(5_000);
    sim.run_until(500).unwrap();
    let s = channelz(&sim, "ch")["subscriptions"][0].clone();
    assert_eq!((s["last_sent"].as_u64(), s["pending_count"].as_u64(), s["is_stalled"].as_bool()), (Some(1), Some(1), Some(true)));
    sim.run().unwrap();
    // Each ack (after 1 s of work) releases the next message at once.
    assert_eq!(deliveries_to(&sim, "s"), vec![(0, 1, false, 0), (1_000, 2, false, 0), (2_000, 3, false, 0)]);
}

#[test]
fn redeliveries_keep_the_original_order_one_ack_wait_apart_with_growing_counts() {
    // §12 measured: plain sub, ack wait 1 s, publishes at 0/200/400 ms.
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "ch", json!({"manual_ack": true, "ack_wait_ms": 1000, "process_ms": 100_000}))
        .publish(0, "pub", "ch", 3, 200)
        .run(3_500);
    assert_eq!(
        deliveries_to(&sim, "s"),
        vec![
            (0, 1, false, 0),
            (200, 2, false, 0),
            (400, 3, false, 0),
            (1_000, 1, true, 1),
            (1_200, 2, true, 1),
            (1_400, 3, true, 1),
            (2_000, 1, true, 2),
            (2_200, 2, true, 2),
            (2_400, 3, true, 2),
            (3_000, 1, true, 3),
            (3_200, 2, true, 3),
            (3_400, 3, true, 3)
        ]
    );
}

#[test]
fn messages_expiring_within_15ms_are_redelivered_together() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "ch", json!({"manual_ack": true, "ack_wait_ms": 1000, "process_ms": 100_000}))
        .publish(0, "pub", "ch", 1, 0)
        .publish(15, "pub", "ch", 1, 0)
        .publish(16, "pub", "ch", 1, 0)
        .run(1_500);
    // 1 and 2 (expiring at 1000 and 1015) go at 1000; 3 (1016) waits for its own expiry.
    assert_eq!(deliveries_to(&sim, "s")[3..], [(1_000, 1, true, 1), (1_000, 2, true, 1), (1_016, 3, true, 1)]);
}

#[test]
fn redelivery_ignores_max_in_flight() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "ch", json!({"manual_ack": true, "max_inflight": 1, "ack_wait_ms": 1000, "process_ms": 100_000}))
        .publish(0, "pub", "ch", 2, 0)
        .run(2_500);
    assert_eq!(deliveries_to(&sim, "s"), vec![(0, 1, false, 0), (1_000, 1, true, 1), (2_000, 1, true, 2)]);
}

#[test]
fn auto_ack_with_an_async_handler_acks_before_the_work_fails_so_the_event_is_lost() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "ch", json!({"ack_wait_ms": 1000, "process_ms": 300, "fail_seqs": [1]}))
        .publish(0, "pub", "ch", 1, 0)
        .run(5_000);
    assert_eq!(deliveries_to(&sim, "s"), vec![(0, 1, false, 0)]);
    assert_eq!(first(&sim, "acked", "c").unwrap().0, 0);
    let p = first(&sim, "processed", "c").unwrap();
    assert_eq!((p.0, p.1["ok"].as_bool()), (300, Some(false)));
}

#[test]
fn auto_ack_with_a_sync_handler_that_throws_sends_no_ack() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "ch", json!({"handler": "sync", "ack_wait_ms": 1000, "process_ms": 100, "fail_seqs": [1], "fail_times": 1}))
        .publish(0, "pub", "ch", 1, 0)
        .run(5_000);
    // Thrown at 0.1 s: no ack; redelivered at 1 s and handled (acked) at 1.1 s.
    assert_eq!(deliveries_to(&sim, "s"), vec![(0, 1, false, 0), (1_000, 1, true, 1)]);
    assert_eq!(json_events(&sim, "acked").iter().map(|e| e["t"].as_u64().unwrap()).collect::<Vec<_>>(), vec![1_100]);
}

#[test]
fn manual_ack_sends_the_ack_when_the_work_succeeds() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "ch", json!({"manual_ack": true, "ack_wait_ms": 1000, "process_ms": 400, "fail_seqs": [1], "fail_times": 2}))
        .publish(0, "pub", "ch", 1, 0)
        .run(5_000);
    // Fails twice (0.4 s, 1.4 s), succeeds the third time and acks at 2.4 s.
    assert_eq!(deliveries_to(&sim, "s"), vec![(0, 1, false, 0), (1_000, 1, true, 1), (2_000, 1, true, 2)]);
    let oks: Vec<(u64, bool)> = json_events(&sim, "processed").iter().map(|e| (e["t"].as_u64().unwrap(), e["ok"].as_bool().unwrap())).collect();
    assert_eq!(oks, vec![(400, false), (1_400, false), (2_400, true)]);
}

#[test]
fn a_handler_slower_than_the_ack_wait_gets_its_message_twice() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "ch", json!({"manual_ack": true, "ack_wait_ms": 1000, "process_ms": 1500}))
        .publish(0, "pub", "ch", 1, 0)
        .run(5_000);
    assert_eq!(deliveries_to(&sim, "s"), vec![(0, 1, false, 0), (1_000, 1, true, 1)]);
    assert_eq!(json_events(&sim, "processed").len(), 2);
}

#[test]
fn a_sync_handler_blocks_every_subscription_of_its_client() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "slow", "a", json!({"handler": "sync", "process_ms": 1000}))
        .sub(0, "c", "other", "b", json!({}))
        .publish(0, "pub", "a", 1, 0)
        .publish(100, "pub", "b", 1, 0)
        .run(2_000);
    // Sent at 0.1 s, but handled when the loop is free at 1 s.
    assert_eq!(deliveries_to(&sim, "other"), vec![(100, 1, false, 0)]);
    assert_eq!(first(&sim, "processed", "c").unwrap().0, 1_000);
    let p: Vec<(u64, String)> = json_events(&sim, "processed").iter().map(|e| (e["t"].as_u64().unwrap(), e["sub"].as_str().unwrap().into())).collect();
    assert_eq!(p, vec![(1_000, "slow".into()), (1_000, "other".into())]);
}

#[test]
fn a_message_dropped_by_limits_while_pending_is_acked_silently_at_redelivery() {
    // TestDroppedMessagesOnRedelivery: max_msgs 3, pending 1,2,3, publish 4 → redeliveries
    // are 2, 3, 4 only.
    let sim = Scn::new()
        .server(json!({"max_msgs": 3}))
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "s", "ch", json!({"manual_ack": true, "ack_wait_ms": 1000, "process_ms": 100_000}))
        .publish(0, "pub", "ch", 3, 0)
        .publish(500, "pub", "ch", 1, 0)
        .run(1_600);
    assert_eq!(deliveries_to(&sim, "s")[4..], [(1_000, 2, true, 1), (1_000, 3, true, 1), (1_500, 4, true, 1)]);
    let s = &channelz(&sim, "ch")["subscriptions"][0];
    assert_eq!(s["pending_count"], 3);
}

#[test]
fn out_msgs_counts_every_redelivery() {
    // TestMonitorInOutMsgs: 5 publishes, 2 subs → 10; after one ack wait on the manual sub → 15.
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "c")
        .sub(0, "c", "auto", "ch", json!({}))
        .sub(0, "c", "manual", "ch", json!({"manual_ack": true, "ack_wait_ms": 1000, "process_ms": 100_000}))
        .publish(0, "pub", "ch", 5, 0)
        .build(2_000);
    let mut sim = sim;
    sim.run_until(999).unwrap();
    assert_eq!((sim.monitor().serverz.in_msgs, sim.monitor().serverz.out_msgs), (5, 10));
    sim.run_until(1_000).unwrap();
    assert_eq!(sim.monitor().serverz.out_msgs, 15);
}
