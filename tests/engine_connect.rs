//! Connect and publish (stan-semantics §3, §4, §10): client id rules, duplicate ids alive or
//! dead on each version, cluster ids, sequences, channel names, publishes after close.

mod common;
use common::*;
use natsim::engine::process::ProcState;
use serde_json::json;

fn connect_error(client: &str) -> String {
    let sim = Scn::new().connect(0, client).run(10);
    json_events(&sim, "connect_failed")[0]["error"].as_str().unwrap().to_string()
}

#[test]
fn client_ids_must_be_alphanumeric_dash_or_underscore() {
    for bad in ["id.with.dots", "id:colon", "a b", "a,b"] {
        assert_eq!(connect_error(bad), "stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed", "{bad}");
    }
    assert_eq!(connect_error(""), "stan: client ID must be supplied");
    let sim = Scn::new().connect(0, "orders-service_1").run(10);
    assert_eq!(json_events(&sim, "connected")[0]["replaced"], false);
}

#[test]
fn a_second_live_process_with_the_same_id_is_refused_and_the_first_keeps_working() {
    for v in ["0.25", "0.17"] {
        let sim = course(v)
            .connect(0, "abc")
            .sub(0, "abc", "s1", "ch", json!({}))
            .connect(100, "abc")
            .sub(100, "abc", "s2", "ch", json!({}))
            .publish(200, "abc", "ch", 1, 0)
            .connect(300, "pub")
            .publish(400, "pub", "ch", 1, 0)
            .kill(500, "abc")
            .run(1_000);
        let f = first(&sim, "connect_failed", "abc").unwrap();
        assert_eq!((f.0, f.1["error"].as_str()), (100, Some("stan: clientID already registered")), "{v}");
        assert!(sim.server_log().iter().any(|(t, l)| *t == 100 && l == "[DBG] STREAM: [Client:abc] Connect failed; already connected"), "{v}");
        // The refused process keeps its closed NATS connection (stan.js closeWithError):
        // its own later calls fail as stan.js fails them, never through the first process.
        let s = first(&sim, "subscribe_failed", "abc").unwrap();
        assert_eq!((s.0, s.1["sub"].as_str(), s.1["error"].as_str()), (100, Some("s2"), Some("Cannot read properties of undefined (reading 'emit')")), "{v}");
        let p = first(&sim, "publish_failed", "abc").unwrap();
        assert_eq!((p.0, p.1["error"].as_str()), (200, Some("Connection closed")), "{v}");
        // One subscription for abc; seq 1 comes from pub, once, to s1.
        assert_eq!(deliveries_to(&sim, "s1"), vec![(400, 1, false, 0)], "{v}");
        assert!(deliveries_to(&sim, "s2").is_empty(), "{v}");
        // The kill reaches the process that runs: the first one.
        assert_eq!(json_events(&sim, "killed").len(), 1, "{v}");
        let states: Vec<ProcState> = sim.processes().iter().filter(|p| &*p.client == "abc").map(|p| p.state).collect();
        assert_eq!(states, [ProcState::Killed, ProcState::Closed], "{v}");
    }
}

#[test]
fn calls_after_connection_lost_fail_with_node_nats_words() {
    // abc is paused past its heartbeats; when it continues its ping comes back refused
    // (connection_lost), and its application calls on.
    let sim = course("0.25")
        .server(json!({"hb_interval_ms": 1_000, "hb_timeout_ms": 1_000, "hb_fail_count": 2}))
        .connect(0, "abc")
        .sub(0, "abc", "s1", "ch", json!({}))
        .pause(1_000, "abc", 9_000)
        .sub(11_000, "abc", "s2", "ch", json!({}))
        .act(json!({"at_ms": 11_000, "do": "unsubscribe", "sub": "s1"}))
        .publish(11_000, "abc", "ch", 1, 0)
        .close(12_000, "abc")
        .publish(12_000, "abc", "ch", 1, 0)
        .sub(12_000, "abc", "s3", "ch", json!({}))
        .run(13_000);
    let lost = first(&sim, "connection_lost", "abc").unwrap();
    assert_eq!((lost.0, lost.1["error"].as_str()), (10_000, Some("client has been replaced or is no longer registered")));
    let errs: Vec<(u64, String)> = ["subscribe_failed", "action_failed", "publish_failed"]
        .iter()
        .flat_map(|k| json_events(&sim, k))
        .map(|e| (e["t"].as_u64().unwrap(), e["error"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        errs,
        [
            (11_000, "Cannot read properties of undefined (reading 'emit')".to_string()),
            (12_000, "stan: Connection closed".to_string()),
            (11_000, "stan: unsubscribe request timeout".to_string()),
            (11_000, "Connection closed".to_string()),
            (12_000, "stan: Connection closed".to_string()),
        ]
    );
}

#[test]
fn a_dead_clients_id_is_taken_over_at_once_on_0_25_and_after_500ms_on_0_17() {
    for (v, at) in [("0.25", 2_000), ("0.17", 2_500)] {
        let sim = course(v)
            .connect(0, "abc")
            .sub(0, "abc", "s1", "ch", json!({"durable": "d"}))
            .kill(1_000, "abc")
            .connect(2_000, "abc")
            .sub(2_000, "abc", "s2", "ch", json!({"durable": "d"}))
            .run(3_000);
        assert_eq!(closed_at(&sim, "abc"), Some((at, "replaced".into())), "{v}");
        let c = json_events(&sim, "connected");
        assert_eq!((c[1]["t"].as_u64(), c[1]["replaced"].as_bool()), (Some(at), Some(true)), "{v}");
        // The durable was suspended by the replacement and is resumed by the new process.
        let s = json_events(&sim, "subscribed");
        assert_eq!((s[1]["t"].as_u64(), s[1]["resumed"].as_bool()), (Some(at), Some(true)), "{v}");
    }
}

#[test]
fn a_paused_client_is_replaced_after_the_500ms_check_on_every_version() {
    let sim = course("0.25").connect(0, "abc").pause(1_000, "abc", 5_000).connect(2_000, "abc").run(7_000);
    assert_eq!(closed_at(&sim, "abc"), Some((2_500, "replaced".into())));
    // When the old process continues, its ping is refused: it was replaced.
    let lost = first(&sim, "connection_lost", "abc").unwrap();
    assert_eq!((lost.0, lost.1["error"].as_str()), (6_000, Some("client has been replaced or is no longer registered")));
}

#[test]
fn a_wrong_cluster_id_times_out_after_2s() {
    let sim =
        Scn::new().server(json!({"cluster_id": "ticketing"})).act(json!({"at_ms": 0, "do": "connect", "client": "c", "cluster_id": "test-cluster"})).run(3_000);
    let f = first(&sim, "connect_failed", "c").unwrap();
    assert_eq!((f.0, f.1["error"].as_str()), (2_000, Some("stan: connect request timeout")));
}

#[test]
fn sequences_are_per_channel_and_channels_are_created_by_the_first_publish() {
    let sim = Scn::new().connect(0, "p").publish(0, "p", "a", 2, 10).publish(5, "p", "b", 2, 10).run(100);
    let p: Vec<(String, u64)> = json_events(&sim, "published").iter().map(|e| (e["channel"].as_str().unwrap().into(), e["seq"].as_u64().unwrap())).collect();
    assert_eq!(p, vec![("a".into(), 1), ("b".into(), 1), ("a".into(), 2), ("b".into(), 2)]);
    assert_eq!(json_events(&sim, "channel_created").len(), 2);
}

#[test]
fn invalid_channel_names_fail_the_way_stan_js_sees_it() {
    let sim = Scn::new().connect(0, "p").publish(0, "p", "foo.*", 1, 0).publish(0, "p", "a/b", 1, 0).publish(0, "p", "bad..subject", 1, 0).run(40_000);
    let f: Vec<(u64, String, String)> = json_events(&sim, "publish_failed")
        .iter()
        .map(|e| (e["t"].as_u64().unwrap(), e["channel"].as_str().unwrap().into(), e["error"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        f,
        vec![
            (0, "foo.*".into(), "stan: invalid publish request".into()),
            (0, "a/b".into(), "stan: invalid publish request".into()),
            // Never reaches the server: stan.js's 30 s ack timeout.
            (30_000, "bad..subject".into(), "stan: publish ack timeout".into()),
        ]
    );
    assert_eq!(sim.monitor().serverz.in_msgs, 2);
}

#[test]
fn channel_names_differing_only_by_case_are_rejected_on_0_25_only() {
    let run = |v: &str| Scn::new().server(json!({"server_version": v})).connect(0, "p").publish(0, "p", "Foo", 1, 0).publish(10, "p", "foo", 1, 0).run(100);
    let f = json_events(&run("0.25"), "publish_failed");
    assert_eq!(f[0]["error"], "rejecting channel \"foo\" because channel \"Foo\" alreay exists (different cases not allowed)");
    assert!(json_events(&run("0.17"), "publish_failed").is_empty());
}

#[test]
fn after_close_a_publish_fails_with_connection_closed_and_after_kill_the_action_fails() {
    let sim = Scn::new()
        .connect(0, "p")
        .connect(0, "k")
        .close(10, "p")
        .kill(10, "k")
        .publish(20, "p", "a", 1, 0)
        .publish(20, "k", "a", 1, 0)
        .publish(20, "nobody", "a", 1, 0)
        .run(100);
    assert_eq!(json_events(&sim, "publish_failed")[0]["error"], "stan: Connection closed");
    let a: Vec<String> = json_events(&sim, "action_failed").iter().map(|e| e["error"].as_str().unwrap().to_string()).collect();
    assert_eq!(a, vec!["client \"k\" is not running (killed)", "client \"nobody\" has not connected"]);
    assert_eq!(json_events(&sim, "action_failed")[0]["index"], 5);
}

#[test]
fn the_publisher_sees_its_message_delivered_before_its_own_ack() {
    // §4.5: store → deliver → PubAck. In the trace: published, then delivered.
    let sim = Scn::new().connect(0, "p").connect(0, "c").sub(0, "c", "s", "a", json!({})).publish(10, "p", "a", 1, 0).run(100);
    let names: Vec<&str> = sim.trace().iter().filter(|e| e.t == 10).map(|e| e.kind.name()).collect();
    assert_eq!(names, ["published", "delivered", "acked", "processed"]);
}

#[test]
fn a_client_the_server_dropped_gets_the_versions_unknown_client_error_when_it_subscribes() {
    // Stopped at 1 s (before the heartbeat due then), removed at 1 + 3·0.5 + 2·0.5 = 3.5 s;
    // pings are off, so the process
    // does not notice, and its deferred subscribe and publish run when it continues.
    for (v, err) in [("0.25", "stan: unknown clientID"), ("0.17", "can't find clientID: c")] {
        let sim = Scn::new()
            .server(json!({"server_version": v, "hb_interval_ms": 500, "hb_timeout_ms": 500, "hb_fail_count": 2}))
            .act(json!({"at_ms": 0, "do": "connect", "client": "c", "ping_interval_ms": 0}))
            .pause(1_000, "c", 10_000)
            .sub(2_000, "c", "s", "ch", json!({}))
            .publish(2_000, "c", "ch", 1, 0)
            .run(12_000);
        assert_eq!(closed_at(&sim, "c"), Some((3_500, "heartbeat".into())), "{v}");
        let f = first(&sim, "subscribe_failed", "c").unwrap();
        assert_eq!((f.0, f.1["error"].as_str()), (11_000, Some(err)), "{v}");
        let p = first(&sim, "publish_failed", "c").unwrap();
        assert_eq!((p.0, p.1["error"].as_str()), (11_000, Some("stan: invalid publish request")), "{v}");
    }
}

#[test]
fn a_publish_template_numbers_each_message_of_its_series() {
    // Extension of the contract: `"template": true` replaces `{n}` with 1, 2, 3, …
    let sim = Scn::new()
        .connect(0, "p")
        .act(json!({"at_ms": 0, "do": "publish", "client": "p", "channel": "a", "data": "{\"id\":\"{n}\"}", "count": 3, "every_ms": 10, "template": true}))
        .act(json!({"at_ms": 50, "do": "publish", "client": "p", "channel": "a", "data": "{n}"}))
        .run(100);
    let data: Vec<String> = sim.broker().channels()["a"].store.msgs.iter().map(|m| m.data.to_string()).collect();
    assert_eq!(data, [r#"{"id":"1"}"#, r#"{"id":"2"}"#, r#"{"id":"3"}"#, "{n}"]);
}
