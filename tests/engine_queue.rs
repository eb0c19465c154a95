//! Queue groups (stan-semantics §7): the least-pending picker with list rotation, stalled and
//! failed-heartbeat members, ack-wait redelivery to another member, the group-wide count,
//! acks from any member, members leaving, and the last member leaving.

mod common;
use common::*;
use natsim::engine::Sim;
use serde_json::json;

fn three_members(extra: serde_json::Value) -> Scn {
    let mut q = json!({"queue": "g"});
    for (k, v) in extra.as_object().unwrap() {
        q[k] = v.clone();
    }
    Scn::new()
        .connect(0, "pub")
        .connect(0, "a")
        .connect(0, "b")
        .connect(0, "c")
        .sub(0, "a", "A", "ch", q.clone())
        .sub(0, "b", "B", "ch", q.clone())
        .sub(0, "c", "C", "ch", q)
}

#[test]
fn fast_members_take_strict_turns_for_sequential_and_burst_publishes() {
    let sim = three_members(json!({})).publish(100, "pub", "ch", 6, 100).publish(1_000, "pub", "ch", 6, 0).run(2_000);
    let who: Vec<String> = deliveries(&sim).into_iter().map(|d| d.2).collect();
    assert_eq!(who, ["A", "B", "C", "A", "B", "C", "A", "B", "C", "A", "B", "C"]);
}

#[test]
fn a_member_that_does_not_ack_is_passed_over_for_members_with_fewer_pending() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "slow")
        .connect(0, "fast")
        .sub(0, "slow", "S", "ch", json!({"queue": "g", "manual_ack": true, "process_ms": 100_000}))
        .sub(0, "fast", "F", "ch", json!({"queue": "g", "manual_ack": true}))
        .publish(100, "pub", "ch", 5, 100)
        .run(1_000);
    assert_eq!(seqs_to(&sim, "S"), vec![1]);
    assert_eq!(seqs_to(&sim, "F"), vec![2, 3, 4, 5]);
}

#[test]
fn an_unacked_message_walks_round_the_group_one_ack_wait_at_a_time() {
    // §7.3 measured: A(0 s, count 0) → B(1 s, 1) → C(2 s, 2) → A(3 s, 3) → B(4 s, 4).
    let sim = three_members(json!({"manual_ack": true, "ack_wait_ms": 1000, "process_ms": 100_000})).publish(0, "pub", "ch", 1, 0).run(4_500);
    let d: Vec<(u64, String, bool, u32)> = deliveries(&sim).into_iter().map(|d| (d.0, d.2, d.4, d.5)).collect();
    assert_eq!(
        d,
        vec![(0, "A".into(), false, 0), (1_000, "B".into(), true, 1), (2_000, "C".into(), true, 2), (3_000, "A".into(), true, 3), (4_000, "B".into(), true, 4)]
    );
}

#[test]
fn redelivery_goes_to_the_member_with_fewer_pending_and_the_first_holder_never_sees_it_again() {
    // §7.3 measured: A (no ack) got 1; B (acks) got 2; after 1 s B got 1 redelivered, count 1.
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "a")
        .connect(0, "b")
        .sub(0, "a", "A", "ch", json!({"queue": "g", "manual_ack": true, "ack_wait_ms": 1000, "process_ms": 100_000}))
        .sub(0, "b", "B", "ch", json!({"queue": "g", "manual_ack": true, "ack_wait_ms": 1000}))
        .publish(0, "pub", "ch", 2, 0)
        .run(5_000);
    assert_eq!(deliveries_to(&sim, "A"), vec![(0, 1, false, 0)]);
    assert_eq!(deliveries_to(&sim, "B"), vec![(0, 2, false, 0), (1_000, 1, true, 1)]);
    let subs = channelz(&sim, "ch")["subscriptions"].clone();
    assert!(subs.as_array().unwrap().iter().all(|s| s["pending_count"] == 0), "{subs}");
}

#[test]
fn a_stalled_member_is_skipped_and_the_group_waits_only_when_all_are_stalled() {
    let sim = two_members(json!({"queue": "g", "manual_ack": true, "max_inflight": 1, "process_ms": 100_000})).publish(100, "pub", "ch", 4, 100).run(1_000);
    assert_eq!(seqs_to(&sim, "A"), vec![1]);
    assert_eq!(seqs_to(&sim, "B"), vec![2]);
    let ch = channelz(&sim, "ch");
    assert!(ch["subscriptions"].as_array().unwrap().iter().all(|s| s["is_stalled"] == true && s["pending_count"] == 1));
}

#[test]
fn an_ack_from_any_member_acks_the_message_for_the_whole_group() {
    // A is slower than the ack wait: seq 1 moves to B at 1 s; A's late ack at 1.5 s removes
    // it from B (TestQueueAckRemovesFromOwningMember), so B holds nothing though it is
    // still processing — the message is handled twice.
    let mut sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "a")
        .connect(0, "b")
        .sub(0, "a", "A", "ch", json!({"queue": "g", "manual_ack": true, "ack_wait_ms": 1000, "process_ms": 1500}))
        .sub(0, "b", "B", "ch", json!({"queue": "g", "manual_ack": true, "ack_wait_ms": 1000, "process_ms": 5000}))
        .publish(0, "pub", "ch", 1, 0)
        .build(10_000);
    sim.run_until(1_499).unwrap();
    let pending =
        |sim: &natsim::engine::Sim| channelz(sim, "ch")["subscriptions"].as_array().unwrap().iter().map(|s| s["pending_count"].as_u64().unwrap()).sum::<u64>();
    assert_eq!(pending(&sim), 1);
    sim.run_until(1_500).unwrap();
    assert_eq!(pending(&sim), 0);
    sim.run().unwrap();
    assert_eq!(deliveries_to(&sim, "B"), vec![(1_000, 1, true, 1)], "no further redelivery");
    let processed: Vec<(u64, String)> =
        json_events(&sim, "processed").iter().map(|e| (e["t"].as_u64().unwrap(), e["sub"].as_str().unwrap().to_string())).collect();
    assert_eq!(processed, vec![(1_500, "A".into()), (6_000, "B".into())]);
}

#[test]
fn a_member_whose_client_failed_a_heartbeat_is_skipped() {
    let sim = course("0.25")
        .connect(0, "pub")
        .connect(0, "a")
        .connect(0, "b")
        .sub(0, "a", "A", "ch", json!({"queue": "g"}))
        .sub(0, "b", "B", "ch", json!({"queue": "g"}))
        .kill(4_000, "a")
        .publish(6_000, "pub", "ch", 4, 100)
        .run(7_000);
    // a's heartbeat at 5 s failed at once: the picker avoids it although it has 0 pending.
    assert!(seqs_to(&sim, "A").is_empty());
    assert_eq!(seqs_to(&sim, "B"), vec![1, 2, 3, 4]);
}

#[test]
fn a_joining_member_ignores_its_start_position_and_gets_no_backlog() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "a")
        .connect(0, "b")
        .publish(0, "pub", "ch", 3, 0)
        .sub(100, "a", "A", "ch", json!({"queue": "g", "start": "all"}))
        .sub(200, "b", "B", "ch", json!({"queue": "g", "start": "all"}))
        .publish(300, "pub", "ch", 2, 0)
        .run(1_000);
    assert_eq!(seqs_to(&sim, "A"), vec![1, 2, 3, 4]);
    assert_eq!(seqs_to(&sim, "B"), vec![5]);
}

#[test]
fn the_last_member_of_a_plain_group_leaving_deletes_the_group() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "a")
        .publish(0, "pub", "ch", 2, 0)
        .sub(100, "a", "A", "ch", json!({"queue": "g", "start": "all"}))
        .act(json!({"at_ms": 200, "do": "close_sub", "sub": "A"}))
        .sub(300, "a", "A2", "ch", json!({"queue": "g", "start": "all"}))
        .run(1_000);
    // A new group with the same name: its start position applies again.
    assert_eq!(seqs_to(&sim, "A2"), vec![1, 2]);
    let sc = &json_events(&sim, "sub_closed")[0];
    assert_eq!((sc["reason"].as_str(), sc["kept"].as_bool()), (Some("close"), Some(false)));
}

fn durable_group(last: &str) -> natsim::engine::Sim {
    let q = json!({"queue": "g", "durable": "d", "manual_ack": true, "start": "all"});
    Scn::new()
        .connect(0, "pub")
        .connect(0, "a")
        .sub(0, "a", "A", "ch", json!({"queue": "g", "durable": "d", "manual_ack": true, "start": "all", "process_ms": 100_000}))
        .publish(100, "pub", "ch", 4, 0)
        .act(json!({"at_ms": 1_000, "do": last, "sub": "A"}))
        .publish(2_000, "pub", "ch", 2, 0)
        .connect(3_000, "b")
        .sub(3_000, "b", "B", "ch", q)
        .run(5_000)
}

#[test]
fn closing_the_last_member_of_a_durable_group_leaves_a_shadow_that_the_next_member_takes_over() {
    let sim = durable_group("close_sub");
    let sc = &json_events(&sim, "sub_closed")[0];
    assert_eq!(sc["kept"], true);
    // The rejoining member resumes: pending 1-4 redelivered first (count 1), then 5 and 6.
    assert_eq!(
        deliveries_to(&sim, "B"),
        vec![(3_000, 1, true, 1), (3_000, 2, true, 1), (3_000, 3, true, 1), (3_000, 4, true, 1), (3_000, 5, false, 0), (3_000, 6, false, 0)]
    );
    let subscribed = &json_events(&sim, "subscribed")[1];
    assert_eq!(subscribed["resumed"], true);
}

#[test]
fn the_shadow_is_listed_offline_by_monitoring() {
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "dqa")
        .connect(0, "dqb")
        .sub(0, "dqa", "A", "dq", json!({"queue": "g", "durable": "dq"}))
        .sub(0, "dqb", "B", "dq", json!({"queue": "g", "durable": "dq"}))
        .publish(100, "pub", "dq", 4, 0)
        .close(1_000, "dqa")
        .close(1_100, "dqb")
        .run(2_000);
    let ch = channelz(&sim, "dq");
    assert_eq!(ch["subs_count"], 1);
    let s = &ch["subscriptions"][0];
    assert_eq!(s["client_id"], "dqb");
    assert_eq!(s["queue_name"], "dq:g");
    assert_eq!((s["is_durable"].as_bool(), s["is_offline"].as_bool()), (Some(true), Some(true)));
    assert_eq!((s["last_sent"].as_u64(), s["pending_count"].as_u64()), (Some(4), Some(0)));
    assert_eq!(sim.monitor().serverz.subscriptions, 1);
}

#[test]
fn unsubscribing_the_last_member_of_a_durable_group_deletes_it() {
    let sim = durable_group("unsubscribe");
    assert_eq!(json_events(&sim, "sub_closed")[0]["kept"], false);
    // A fresh group: its start position ("all") applies, nothing is flagged redelivered.
    assert_eq!(seqs_to(&sim, "B"), vec![1, 2, 3, 4, 5, 6]);
    assert!(deliveries_to(&sim, "B").iter().all(|d| !d.2));
    assert_eq!(json_events(&sim, "subscribed")[1]["resumed"], false);
}

#[test]
fn monitoring_shows_the_rotated_member_order() {
    // §13.4: "the queue members appear bob-then-alice: the picker rotated the member list".
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "alice")
        .connect(0, "bob")
        .sub(0, "alice", "A", "ch", json!({"queue": "q"}))
        .sub(0, "bob", "B", "ch", json!({"queue": "q"}))
        .publish(100, "pub", "ch", 3, 100)
        .run(1_000);
    let ids: Vec<String> = channelz(&sim, "ch")["subscriptions"].as_array().unwrap().iter().map(|s| s["client_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, ["bob", "alice"]);
    assert_eq!(seqs_to(&sim, "A"), vec![1, 3]);
}

#[test]
fn when_the_member_that_sent_the_groups_last_seq_leaves_the_first_member_takes_that_last_sent() {
    // subStore.Remove's storage update: a then b, a got 1 and 3 (acked), b got 2; a leaves
    // with nothing pending, so b (now first) records the group's last_sent, 3.
    let sim = two_members(json!({"queue": "g"})).publish(100, "pub", "ch", 3, 100).act(json!({"at_ms": 1_000, "do": "close_sub", "sub": "A"})).run(2_000);
    assert_eq!(seqs_to(&sim, "A"), vec![1, 3]);
    assert_eq!(seqs_to(&sim, "B"), vec![2]);
    let s = &channelz(&sim, "ch")["subscriptions"][0];
    assert_eq!((s["client_id"].as_str(), s["last_sent"].as_u64()), (Some("b"), Some(3)));
}

#[test]
fn a_leaving_member_is_replaced_in_the_list_by_the_last_one_on_both_versions() {
    // §7.4 measured: members [b, c, a], b leaves → [a, c] (deleteFromList moves the last into
    // the freed slot), so the next message goes to a, then c. An order-preserving removal
    // would give c first.
    for version in ["0.17", "0.25"] {
        for leave in [
            json!({"at_ms": 50, "do": "unsubscribe", "sub": "B"}),
            json!({"at_ms": 50, "do": "close_sub", "sub": "B"}),
            json!({"at_ms": 50, "do": "close", "client": "b"}),
        ] {
            let sim = Scn::new()
                .server(json!({"server_version": version}))
                .connect(0, "pub")
                .connect(0, "a")
                .connect(0, "b")
                .connect(0, "c")
                .sub(0, "b", "B", "ch", json!({"queue": "g"}))
                .sub(0, "c", "C", "ch", json!({"queue": "g"}))
                .sub(0, "a", "A", "ch", json!({"queue": "g"}))
                .act(leave.clone())
                .publish(200, "pub", "ch", 2, 100)
                .run(1_000);
            let who: Vec<(u64, String, u64)> = deliveries(&sim).into_iter().map(|d| (d.0, d.2, d.3)).collect();
            assert_eq!(who, vec![(200, "A".into(), 1), (300, "C".into(), 2)], "{version}, {leave}");
        }
    }
}

/// a auto-acks with max in flight 1, b acks after 500 ms of work; 6 publishes `every` ms apart.
fn auto_and_slow(version: &str, every: u64) -> Sim {
    Scn::new()
        .server(json!({"server_version": version}))
        .connect(0, "pub")
        .connect(0, "a")
        .connect(0, "b")
        .sub(1, "a", "A", "ch", json!({"queue": "g", "max_inflight": 1}))
        .sub(1, "b", "B", "ch", json!({"queue": "g", "manual_ack": true, "process_ms": 500}))
        .publish(100, "pub", "ch", 6, every)
        .run(2_000)
}

#[test]
fn a_burst_is_handed_out_in_one_pass_before_any_ack_counts_on_both_versions() {
    // §7.5 measured: a burst of 6 → a gets only 1 (its immediate auto-ack counts only after the
    // pass), b gets 2–6.
    for version in ["0.17", "0.25"] {
        let sim = auto_and_slow(version, 0);
        assert_eq!(deliveries_to(&sim, "A"), vec![(100, 1, false, 0)], "{version}");
        assert_eq!(seqs_to(&sim, "B"), vec![2, 3, 4, 5, 6], "{version}");
        let acked_a = events(&sim, "acked").into_iter().find(|e| e.kind.client().is_some_and(|c| &**c == "a")).map(|e| e.t);
        assert_eq!(acked_a, Some(100), "{version}");
        // The batch is stored whole before the pass hands it out.
        let kinds: Vec<&str> = sim.trace().iter().filter(|e| e.t == 100).map(|e| e.kind.name()).filter(|k| *k == "published" || *k == "delivered").collect();
        assert_eq!(kinds, [["published"; 6], ["delivered"; 6]].concat(), "{version}");
        // The same members with the publishes spaced 1 ms apart: a's ack counts in between.
        let sim = auto_and_slow(version, 1);
        assert_eq!(seqs_to(&sim, "A"), vec![1, 3, 4, 5, 6], "{version}");
        assert_eq!(seqs_to(&sim, "B"), vec![2], "{version}");
    }
}

#[test]
fn a_burst_to_a_slow_and_a_fast_member_alternates_by_pending_counts() {
    // §7.5 measured: the course group, slow a holding seq 1 and fast b acking at once; a burst
    // of 6 → b 2, 4, 6 and a 3, 5, 7: not all to the fast one.
    for version in ["0.17", "0.25"] {
        let sim = Scn::new()
            .server(json!({"server_version": version}))
            .connect(0, "pub")
            .connect(0, "a")
            .connect(0, "b")
            .sub(1, "a", "A", "ch", json!({"queue": "g", "durable": "d", "manual_ack": true, "process_ms": 60_000}))
            .sub(2, "b", "B", "ch", json!({"queue": "g", "durable": "d", "manual_ack": true}))
            .publish(100, "pub", "ch", 1, 0)
            .publish(1_000, "pub", "ch", 6, 0)
            .run(2_000);
        assert_eq!(seqs_to(&sim, "A"), vec![1, 3, 5, 7], "{version}");
        assert_eq!(seqs_to(&sim, "B"), vec![2, 4, 6], "{version}");
    }
}

#[test]
fn a_long_burst_is_read_in_io_batches_of_1024() {
    // DefaultIOBatchSize: ioLoop stores at most 1024 queued publishes, hands them out, then
    // reads on. A burst of 2,500 to one listener: 1024 stored then sent, 1024, then 452.
    let sim = Scn::new().connect(0, "pub").connect(0, "l").sub(1, "l", "L", "ch", json!({})).publish(100, "pub", "ch", 2_500, 0).run(1_000);
    let mut runs: Vec<(&str, usize)> = Vec::new();
    for e in sim.trace().iter().filter(|e| e.t == 100 && matches!(e.kind.name(), "published" | "delivered")) {
        match runs.last_mut() {
            Some((k, n)) if *k == e.kind.name() => *n += 1,
            _ => runs.push((e.kind.name(), 1)),
        }
    }
    assert_eq!(runs, [("published", 1024), ("delivered", 1024), ("published", 1024), ("delivered", 1024), ("published", 452), ("delivered", 452)]);
    assert_eq!(events(&sim, "acked").len(), 2_500);
}

#[test]
fn a_burst_past_the_trace_limit_stops_the_run_after_one_io_batch() {
    // One action that makes 300,000 events stops at the limit like a series would, instead of
    // building the whole burst first.
    let mut sim = Scn::new().connect(0, "pub").connect(0, "l").sub(1, "l", "L", "ch", json!({})).publish(100, "pub", "ch", 100_000, 0).build(1_000);
    sim.set_limits(natsim::engine::RunLimits { max_trace: 1_000, max_steps: 1_000_000 });
    let err = sim.run().unwrap_err();
    assert_eq!((err.at, err.message.as_str()), (100, "more than 1000 trace events"));
    // One batch past the limit and no more: the 4 events of the set-up, then 1024 publishes,
    // each delivered, processed and acked (before: all 100,000 of them, 400,004 events).
    assert_eq!(sim.trace().len(), 4 + 4 * 1024);
    assert_eq!(sim.trace().iter().filter(|e| e.kind.name() == "published").count(), 1024);
}
