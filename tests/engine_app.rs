//! The concurrency lab: the course's account story (+$70, +$40, −$100) on a queue group whose
//! first member fails the +$70 once, with and without the fixes.

mod common;
use common::{course, json_events, Scn};
use natsim::engine::AppKind;
use serde_json::{json, Value};

fn ev(amount: i64, version: u64, id: &str) -> String {
    json!({"account": "a1", "amount": amount, "version": version, "id": id}).to_string()
}

/// Two members of `accounts-srv` (manual ack, 5 s ack wait, 200 ms of work); s1 fails seq 1
/// once. The bank publishes +70 (v1), +40 (v2), −100 (v3) at 1.0, 1.1 and 1.2 s.
fn story(extra: Value) -> Scn {
    let mut s = course("0.17").connect(0, "bank").connect(0, "l1").connect(0, "l2");
    for (c, h) in [("l1", "s1"), ("l2", "s2")] {
        let mut opts = json!({"queue": "accounts-srv", "manual_ack": true, "ack_wait_ms": 5000, "process_ms": 200, "app": "account"});
        for (k, v) in extra.as_object().unwrap() {
            opts[k] = v.clone();
        }
        if h == "s1" {
            opts["fail_seqs"] = json!([1]);
            opts["fail_times"] = json!(1);
        }
        s = s.sub(100, c, h, "account:updated", opts);
    }
    for (i, (amount, v)) in [(70, 1), (40, 2), (-100, 3)].into_iter().enumerate() {
        let id = format!("e{}", i + 1);
        s = s.act(json!({"at_ms": 1000 + 100 * i as u64, "do": "publish", "client": "bank", "channel": "account:updated", "data": ev(amount, v, &id)}));
    }
    s
}

/// (t, seq, sub, outcome, after, anomalies) of every `app` event.
fn outcomes(sim: &natsim::engine::Sim) -> Vec<(u64, u64, String, String, i64, Vec<String>)> {
    json_events(sim, "app")
        .into_iter()
        .map(|e| {
            let an = e["anomalies"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
            (
                e["t"].as_u64().unwrap(),
                e["seq"].as_u64().unwrap(),
                e["sub"].as_str().unwrap().into(),
                e["outcome"].as_str().unwrap().into(),
                e["after"].as_i64().unwrap(),
                an,
            )
        })
        .collect()
}

fn o(t: u64, seq: u64, sub: &str, outcome: &str, after: i64, an: &[&str]) -> (u64, u64, String, String, i64, Vec<String>) {
    (t, seq, sub.into(), outcome.into(), after, an.iter().map(|s| s.to_string()).collect())
}

#[test]
fn without_a_version_check_the_balance_goes_negative_and_ends_wrong_order() {
    let sim = story(json!({})).run(20_000);
    assert_eq!(
        outcomes(&sim),
        vec![
            o(1200, 1, "s1", "failed", 0, &[]),
            o(1300, 2, "s2", "applied", 40, &["out_of_order"]),
            o(1400, 3, "s1", "applied", -60, &["negative_balance"]),
            // the failed +70 comes back after the 5 s ack wait, to the other member
            o(6200, 1, "s2", "applied", 10, &["out_of_order"]),
        ]
    );
    let row = sim.apps().get(AppKind::Account, "a1").unwrap();
    assert_eq!((row.value, row.version, row.applied), (10, 1, 3));
}

#[test]
fn the_version_check_refuses_early_events_until_the_ack_wait_brings_them_back_in_order() {
    let sim = story(json!({"version_check": true})).run(20_000);
    assert_eq!(
        outcomes(&sim),
        vec![
            o(1200, 1, "s1", "failed", 0, &[]),
            o(1300, 2, "s2", "rejected", 0, &[]),
            o(1400, 3, "s1", "rejected", 0, &[]),
            o(6200, 1, "s2", "applied", 70, &[]),
            o(6300, 2, "s1", "applied", 110, &[]),
            o(6400, 3, "s2", "applied", 10, &[]),
        ]
    );
    // a refused event is not acked: seqs 2 and 3 are acked only after their redelivery
    let acks: Vec<(u64, u64)> = json_events(&sim, "acked").iter().map(|e| (e["t"].as_u64().unwrap(), e["seq"].as_u64().unwrap())).collect();
    assert_eq!(acks, vec![(6200, 1), (6300, 2), (6400, 3)]);
    let row = sim.apps().get(AppKind::Account, "a1").unwrap();
    assert_eq!((row.value, row.version), (10, 3));
}

#[test]
fn with_auto_ack_a_refused_event_is_lost() {
    let sim = story(json!({"version_check": true, "manual_ack": false})).run(20_000);
    let got = outcomes(&sim);
    // auto ack acked every event on arrival: nothing comes back, v2 and v3 are lost
    assert_eq!(got, vec![o(1200, 1, "s1", "failed", 0, &["lost"]), o(1300, 2, "s2", "rejected", 0, &["lost"]), o(1400, 3, "s1", "rejected", 0, &["lost"])]);
    assert_eq!(sim.apps().get(AppKind::Account, "a1").unwrap().value, 0);
}

#[test]
fn a_slow_member_applies_twice_unless_the_handler_is_idempotent() {
    // s1's work takes 6 s, longer than the 5 s ack wait: the server redelivers seq 1 to s2
    let base = |idempotent: bool| {
        course("0.17")
            .connect(0, "bank")
            .connect(0, "l1")
            .connect(0, "l2")
            .sub(
                100,
                "l1",
                "s1",
                "account:updated",
                json!({"queue": "q", "manual_ack": true, "ack_wait_ms": 5000, "process_ms": 6000, "app": "account", "idempotent": idempotent}),
            )
            .sub(100, "l2", "s2", "account:updated", json!({"queue": "q", "manual_ack": true, "ack_wait_ms": 5000, "app": "account", "idempotent": idempotent}))
            .act(json!({"at_ms": 1000, "do": "publish", "client": "bank", "channel": "account:updated", "data": r#"{"account":"a1","amount":70,"id":"e1"}"#}))
    };
    let plain = base(false).run(20_000);
    assert_eq!(outcomes(&plain), vec![o(6000, 1, "s2", "applied", 70, &[]), o(7000, 1, "s1", "applied", 140, &["applied_twice"])]);
    let fixed = base(true).run(20_000);
    assert_eq!(outcomes(&fixed), vec![o(6000, 1, "s2", "applied", 70, &[]), o(7000, 1, "s1", "skipped", 70, &[])]);
}

#[test]
fn per_resource_ordering_needs_no_versions_and_holds_only_the_same_account() {
    // The same story without versions, plus a deposit to another account (b2) at 1.15 s.
    let mut s = course("0.17").connect(0, "bank").connect(0, "l1").connect(0, "l2");
    for (c, h) in [("l1", "s1"), ("l2", "s2")] {
        let mut opts = json!({"queue": "accounts-srv", "manual_ack": true, "ack_wait_ms": 5000, "process_ms": 200, "app": "account", "ordered": true});
        if h == "s1" {
            opts["fail_seqs"] = json!([1]);
            opts["fail_times"] = json!(1);
        }
        s = s.sub(100, c, h, "account:updated", opts);
    }
    for (at, account, amount) in [(1000, "a1", 70), (1100, "a1", 40), (1150, "b2", 5), (1200, "a1", -100)] {
        let data = json!({"account": account, "amount": amount}).to_string();
        s = s.act(json!({"at_ms": at, "do": "publish", "client": "bank", "channel": "account:updated", "data": data}));
    }
    let sim = s.run(20_000);
    let got: Vec<(u64, u64, String, String, i64)> = json_events(&sim, "app")
        .into_iter()
        .map(|e| {
            (
                e["t"].as_u64().unwrap(),
                e["seq"].as_u64().unwrap(),
                e["resource"].as_str().unwrap().into(),
                e["outcome"].as_str().unwrap().into(),
                e["after"].as_i64().unwrap(),
            )
        })
        .collect();
    let w = |t: u64, seq: u64, r: &str, o: &str, after: i64| (t, seq, r.to_string(), o.to_string(), after);
    assert_eq!(
        got,
        vec![
            w(1200, 1, "a1", "failed", 0),
            w(1300, 2, "a1", "held", 0),
            // b2 has no earlier event in progress: written at once
            w(1350, 3, "b2", "applied", 5),
            w(1400, 4, "a1", "held", 0),
            w(6200, 1, "a1", "applied", 70),
            w(6300, 2, "a1", "applied", 110),
            w(6400, 4, "a1", "applied", 10),
        ]
    );
    assert!(json_events(&sim, "app").iter().all(|e| e["anomalies"].as_array().unwrap().is_empty()));
}
