//! Client health (stan-semantics §9, §10, §19, §20, §21): heartbeats, kills, pauses, blocked
//! event loops, pings, and what monitoring shows meanwhile.

mod common;
use common::*;
use serde_json::json;

fn course_scenario(version: &str) -> Scn {
    let q = json!({"queue": "orders-service-queue-group", "durable": "orders-service", "manual_ack": true, "ack_wait_ms": 5000, "start": "all"});
    course(version)
        .connect(0, "pub")
        .connect(0, "l1")
        .connect(0, "l2")
        .sub(0, "l1", "s1", "ticket:created", q.clone())
        .sub(0, "l2", "s2", "ticket:created", q)
        .publish(1000, "pub", "ticket:created", 20, 1000)
        .kill(5500, "l1")
}

#[test]
fn course_scenario_on_0_17_routes_seq_7_to_the_dead_member_and_redelivers_it_5s_later() {
    let sim = course_scenario("0.17").run(40_000);
    // Round robin while both are alive: odd seqs to l1, even to l2.
    assert_eq!(seqs_to(&sim, "s1"), vec![1, 3, 5, 7, 13]);
    // l1 was killed at 5.5 s but still "holds" seq 7 (sent into the void at 7 s) and, after
    // that redelivery moved away and before its first failed heartbeat counted (15 s), seq 13.
    let s2 = deliveries_to(&sim, "s2");
    assert!(s2.contains(&(12_000, 7, true, 1)), "seq 7 redelivered to l2 one ack wait later: {s2:?}");
    assert!(s2.contains(&(18_000, 13, true, 1)));
    assert_eq!(s2.iter().filter(|d| !d.2).map(|d| d.1).collect::<Vec<_>>(), vec![2, 4, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20]);
    // Each heartbeat to the dead client waits the full -hbt (5 s) before it counts as failed.
    assert_eq!(heartbeats(&sim, "l1"), vec![(5_000, true, 0), (15_000, false, 1), (25_000, false, 2), (35_000, false, 3)]);
    // Removed at H1 + (hbf+1)·hbt + hbf·hbi = 10 + 15 + 10 = 35 s: 29.5 s after the kill.
    assert_eq!(closed_at(&sim, "l1"), Some((35_000, "heartbeat".into())));
}

#[test]
fn course_scenario_on_0_25_fails_heartbeats_at_once_and_removes_the_dead_member_in_14_5s() {
    let sim = course_scenario("0.25").run(40_000);
    assert_eq!(seqs_to(&sim, "s1"), vec![1, 3, 5, 7]);
    let s2 = deliveries_to(&sim, "s2");
    assert!(s2.contains(&(12_000, 7, true, 1)));
    // No responders: each heartbeat to the dead client fails immediately.
    assert_eq!(heartbeats(&sim, "l1"), vec![(5_000, true, 0), (10_000, false, 1), (15_000, false, 2), (20_000, false, 3)]);
    // H1 + hbf·hbi = 10 + 10 = 20 s.
    assert_eq!(closed_at(&sim, "l1"), Some((20_000, "heartbeat".into())));
    // The durable queue member of the dead client is removed; the group lives on in l2.
    let sc = first(&sim, "sub_closed", "l1").unwrap().1;
    assert_eq!(sc["reason"], "client_closed");
    assert_eq!(sc["kept"], false);
}

/// The course's observation: restart one of two queue listeners with a new random client
/// id, and `/streaming/channelsz?subs=1` lists three subscriptions until the server gives up
/// on the dead one.
fn restart_with_new_id(version: &str) -> natsim::engine::Sim {
    let q = json!({"queue": "orders-service-queue-group", "manual_ack": true});
    course(version)
        .connect(0, "a1b2c3d4")
        .connect(0, "e5f6a7b8")
        .sub(0, "a1b2c3d4", "s1", "ticket:created", q.clone())
        .sub(0, "e5f6a7b8", "s2", "ticket:created", q.clone())
        .kill(7_000, "a1b2c3d4")
        .connect(8_000, "0c9d8e7f")
        .sub(8_000, "0c9d8e7f", "s3", "ticket:created", q)
        .build(60_000)
}

fn subs_listed(sim: &mut natsim::engine::Sim, at: u64) -> usize {
    sim.run_until(at).unwrap();
    channelz(sim, "ticket:created")["subscriptions"].as_array().map_or(0, |a| a.len())
}

#[test]
fn three_subscriptions_for_about_30s_after_a_restart_with_a_new_random_client_id_on_0_17() {
    let mut sim = restart_with_new_id("0.17");
    assert_eq!(subs_listed(&mut sim, 7_500), 2);
    assert_eq!(subs_listed(&mut sim, 8_000), 3);
    assert_eq!(subs_listed(&mut sim, 34_999), 3);
    // Killed at 7 s; first heartbeat after the kill at 10 s; removed at 10 + 25 = 35 s.
    assert_eq!(subs_listed(&mut sim, 35_000), 2);
    // 0.17 has no subs_count field.
    assert!(channelz(&sim, "ticket:created").get("subs_count").is_none());
}

#[test]
fn three_subscriptions_for_about_13s_on_0_25() {
    let mut sim = restart_with_new_id("0.25");
    assert_eq!(subs_listed(&mut sim, 19_999), 3);
    assert_eq!(channelz(&sim, "ticket:created")["subs_count"], 3);
    assert_eq!(subs_listed(&mut sim, 20_000), 2);
}

#[test]
fn heartbeat_expiry_follows_the_connect_time_phase_not_the_kill_time() {
    // §21: course settings, kill at 2 s → removed at 15.0 s on 0.25 and 30.0 s on 0.17.
    for (v, at) in [("0.25", 15_000), ("0.17", 30_000)] {
        let sim = course(v).connect(0, "l").kill(2_000, "l").run(40_000);
        assert_eq!(closed_at(&sim, "l"), Some((at, "heartbeat".into())), "{v}");
    }
}

#[test]
fn a_paused_client_fails_heartbeats_after_hbt_on_both_versions() {
    // §19: hbi/hbt 500 ms, hbf 2, stopped at 2.3 s → removed at H1 + 3·hbt + 2·hbi = 5.0 s.
    for v in ["0.17", "0.25"] {
        let sim = Scn::new()
            .server(json!({"server_version": v, "hb_interval_ms": 500, "hb_timeout_ms": 500, "hb_fail_count": 2}))
            .connect(0, "c")
            .pause(2_300, "c", 10_000)
            .run(20_000);
        assert_eq!(closed_at(&sim, "c"), Some((5_000, "heartbeat".into())), "{v}");
        // When it continues, its overdue ping is answered "no longer registered".
        let (t, lost) = first(&sim, "connection_lost", "c").unwrap();
        assert_eq!(t, 12_300);
        assert_eq!(lost["error"], "client has been replaced or is no longer registered");
    }
}

#[test]
fn a_short_pause_inside_hbt_fails_no_heartbeat() {
    // §19: a 3 s pause with -hbi 5s -hbt 5s -hbf 2 failed no heartbeat at all.
    let sim = course("0.25").connect(0, "c").pause(4_000, "c", 3_000).run(20_000);
    let hb = heartbeats(&sim, "c");
    assert!(hb.iter().all(|h| h.1), "{hb:?}");
    // The heartbeat sent at 5 s is answered late, at the continue (7 s); the next is 5 s later.
    assert_eq!(hb[0], (7_000, true, 0));
    assert_eq!(hb[1], (12_000, true, 0));
}

#[test]
fn a_paused_manual_ack_listener_gets_each_message_three_times_and_handles_them_on_continue() {
    // §19: ack wait 1 s, stopped for 3 s: each of 3 messages sent 3 times (count 0, 1, 2).
    let sim = Scn::new()
        .connect(0, "pub")
        .connect(0, "l")
        .sub(0, "l", "s", "c", json!({"manual_ack": true, "ack_wait_ms": 1000}))
        .pause(100, "l", 3_000)
        .publish(200, "pub", "c", 3, 100)
        .run(10_000);
    let d = deliveries_to(&sim, "s");
    assert_eq!(
        d,
        vec![
            (200, 1, false, 0),
            (300, 2, false, 0),
            (400, 3, false, 0),
            (1_200, 1, true, 1),
            (1_300, 2, true, 1),
            (1_400, 3, true, 1),
            (2_200, 1, true, 2),
            (2_300, 2, true, 2),
            (2_400, 3, true, 2),
        ]
    );
    // Everything is handled right after the continue at 3.1 s; the first ack of each ends
    // its redeliveries.
    let processed: Vec<(u64, u64)> = json_events(&sim, "processed").iter().map(|e| (e["t"].as_u64().unwrap(), e["seq"].as_u64().unwrap())).collect();
    assert_eq!(processed.len(), 9);
    assert!(processed.iter().all(|p| p.0 == 3_100));
    assert_eq!(json_events(&sim, "acked").iter().filter(|e| e["t"] == 3_100).count(), 9);
}

#[test]
fn a_sync_handler_that_blocks_longer_than_hbt_fails_heartbeats_while_alive() {
    let sim = Scn::new()
        .server(json!({"hb_interval_ms": 1000, "hb_timeout_ms": 500, "hb_fail_count": 2}))
        .connect(0, "pub")
        .connect(0, "l")
        .sub(0, "l", "s", "c", json!({"handler": "sync", "process_ms": 2500}))
        .publish(900, "pub", "c", 1, 0)
        .run(6_000);
    // Blocked from 0.9 s to 3.4 s: the heartbeat sent at 1 s times out at 1.5 s; the next at
    // 2.5 s times out at 3 s; the one at 4 s is answered at once.
    assert_eq!(heartbeats(&sim, "l"), vec![(1_500, false, 1), (3_000, false, 2), (4_000, true, 0), (5_000, true, 0), (6_000, true, 0)]);
    assert_eq!(first(&sim, "processed", "l").unwrap().0, 3_400);
    assert!(closed_at(&sim, "l").is_none());
}

#[test]
fn graceful_close_moves_a_queue_members_pending_messages_to_the_others_after_100ms() {
    let sim = two_members(json!({"queue": "g", "manual_ack": true, "process_ms": 60_000})).publish(100, "pub", "ch", 4, 0).close(1_000, "a").run(5_000);
    // Both slow: they alternate (fewest pending, ties to the first in the rotated list).
    assert_eq!(seqs_to(&sim, "A"), vec![1, 3]);
    // On close, a's pending 1 and 3 reach b 100 ms later, flagged redelivered, count 1.
    assert_eq!(deliveries_to(&sim, "B"), vec![(100, 2, false, 0), (100, 4, false, 0), (1_100, 1, true, 1), (1_100, 3, true, 1)]);
    assert_eq!(closed_at(&sim, "a"), Some((1_000, "close".into())));
}

#[test]
fn without_a_close_handler_the_pending_messages_wait_for_the_heartbeat_expiry() {
    let q = json!({"queue": "g", "manual_ack": true, "process_ms": 60_000, "ack_wait_ms": 30_000});
    let sim = course("0.25")
        .connect(0, "pub")
        .connect(0, "a")
        .connect(0, "b")
        .sub(0, "a", "sa", "c", q.clone())
        .sub(0, "b", "sb", "c", json!({"queue": "g", "manual_ack": true}))
        .publish(100, "pub", "c", 2, 0)
        .kill(1_000, "a")
        .run(30_000);
    // Killed at 1 s: heartbeats fail at 5, 10, 15 s → removed at 15 s; seq 1 moves 100 ms later.
    assert_eq!(closed_at(&sim, "a"), Some((15_000, "heartbeat".into())));
    assert_eq!(deliveries_to(&sim, "sb"), vec![(100, 2, false, 0), (15_100, 1, true, 1)]);
}

#[test]
fn plain_subs_of_a_client_with_failed_heartbeats_skip_redelivery() {
    // §9.3: the ack timer fires but redelivery is skipped and re-armed for a full ack wait.
    let sim = course("0.25")
        .connect(0, "pub")
        .connect(0, "l")
        .sub(0, "l", "s", "c", json!({"manual_ack": true, "ack_wait_ms": 2000, "process_ms": 600_000}))
        .publish(1_000, "pub", "c", 1, 0)
        .kill(1_500, "l")
        .run(16_000);
    // Redelivered at 3 s (before the first failed heartbeat at 5 s); skipped at 5 s, 7 s, …
    assert_eq!(deliveries_to(&sim, "s"), vec![(1_000, 1, false, 0), (3_000, 1, true, 1)]);
    assert_eq!(closed_at(&sim, "l"), Some((15_000, "heartbeat".into())));
}

#[test]
fn stan_js_declares_the_connection_lost_when_its_ping_budget_runs_out() {
    // A 1 s ping with a budget of 1: two pings fall in the 2 s reconnect wait.
    let sim = Scn::new()
        .act(json!({"at_ms": 0, "do": "connect", "client": "c", "ping_interval_ms": 1000, "ping_max_out": 1}))
        .act(json!({"at_ms": 5_500, "do": "restart_server"}))
        .run(10_000);
    let (t, v) = first(&sim, "connection_lost", "c").unwrap();
    assert_eq!(t, 7_000);
    assert_eq!(v["error"], "stan: connection lost due to PING failure");
}

#[test]
fn after_a_restart_the_next_ping_brings_connection_lost() {
    // §20: default 5 s pings, restart at 5.5 s → lost at 10 s; with 1 s pings a ping falls
    // in the outage and the loss comes at the reconnect.
    let sim = Scn::new().connect(0, "c").act(json!({"at_ms": 5_500, "do": "restart_server"})).run(15_000);
    assert_eq!(first(&sim, "connection_lost", "c").unwrap().0, 10_000);
    let sim = Scn::new()
        .act(json!({"at_ms": 0, "do": "connect", "client": "c", "ping_interval_ms": 1000}))
        .act(json!({"at_ms": 5_500, "do": "restart_server"}))
        .run(15_000);
    let reconnect = first(&sim, "reconnected", "c").unwrap().0;
    assert!((7_500..=7_600).contains(&reconnect), "{reconnect}");
    assert_eq!(first(&sim, "connection_lost", "c").unwrap().0, reconnect);
}

#[test]
fn after_connection_lost_a_publish_fails_with_node_nats_own_error_and_after_close_with_stans() {
    // §20: stan.js closed itself (and its NATS connection) on connection_lost, so publish
    // throws node-nats' `Connection closed`; after stan.close() it is stan.js's own error.
    for version in ["0.17", "0.25"] {
        let sim = Scn::new()
            .server(json!({"server_version": version}))
            .connect(0, "c")
            .connect(0, "d")
            .act(json!({"at_ms": 5_500, "do": "restart_server"}))
            .close(6_000, "d")
            .publish(12_000, "c", "ch", 1, 0)
            .publish(12_000, "d", "ch", 1, 0)
            .run(15_000);
        assert_eq!(first(&sim, "connection_lost", "c").unwrap().0, 10_000, "{version}");
        let (t, v) = first(&sim, "publish_failed", "c").unwrap();
        assert_eq!((t, v["error"].as_str()), (12_000, Some("Connection closed")), "{version}");
        let (t, v) = first(&sim, "publish_failed", "d").unwrap();
        assert_eq!((t, v["error"].as_str()), (12_000, Some("stan: Connection closed")), "{version}");
    }
}

#[test]
fn a_run_settles_when_only_healthy_heartbeats_are_ahead() {
    // The course on 0.17: publishes to 20 s, l1 killed at 5.5 s (the seqs it was sent were
    // redelivered to l2 one ack wait later, and acked) and dropped at 35 s; after that only
    // heartbeats.
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/scenarios/course-queue-kill-0.17.json")).unwrap();
    let mut sim = natsim::engine::Sim::new(natsim::engine::Scenario::parse(&text).unwrap());
    let mut settled_at = None;
    while let Some(t) = sim.next_event_time() {
        if t > 60_000 {
            break;
        }
        sim.run_until(t).unwrap();
        match (sim.settled(), settled_at) {
            (true, None) => settled_at = Some(sim.now()),
            (false, Some(_)) => settled_at = None,
            _ => {}
        }
    }
    assert_eq!(settled_at, Some(35_000));
    // A zombie keeps a run unsettled: killed at 5.5 s, nothing else after 20 s.
    let mut sim = course("0.17").connect(0, "a").kill(1_000, "a").build(60_000);
    sim.run_until(2_000).unwrap();
    assert!(!sim.settled(), "a's registration is still held");
    sim.run_until(40_000).unwrap();
    assert!(sim.settled(), "a was dropped (three heartbeats failed) and nothing else runs");
}
