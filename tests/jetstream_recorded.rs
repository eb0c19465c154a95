//! The JetStream engine held against recordings of the real nats-server 2.9.10
//! (`tests/jetstream/recorded/`, made by `scripts/jetstream/check.sh --bless`): runs without
//! the server. CI also records afresh and compares (`scripts/jetstream/check.sh`).

use natsim::engine::jetstream::compare::{compare, compare_worst, Tolerance};
use natsim::engine::jetstream::{JsScenario, JsSim};
use natsim::output::run_js_to_string;
use std::path::Path;

#[test]
fn every_scenario_agrees_with_its_recording_of_the_real_server() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jetstream");
    let mut names: Vec<_> = std::fs::read_dir(dir.join("scenarios")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    assert!(names.len() >= 12, "the recorded set: {names:?}");
    let mut failures = Vec::new();
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let scenario = JsScenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let recorded: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("recorded").join(&name)).unwrap_or_else(|_| panic!("{name}: no recording"))).unwrap();
        assert!(recorded["trace"].as_array().is_some_and(|t| !t.is_empty()), "{name}: an empty recording");
        let simulated: serde_json::Value = serde_json::from_str(&run_js_to_string(&mut JsSim::new(scenario.clone())).unwrap()).unwrap();
        for d in compare(&scenario, &simulated, &recorded, Tolerance::default()) {
            failures.push(format!("{name}: {d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_agreeing_run_names_its_worst_time_difference_and_the_room_it_had() {
    // The restart: the client's reconnect is the furthest from the real server's (simulated
    // at 7,535 ms, real at 7,620), within 100 ms + 10 ms/s.
    let (scenario, sim, real) = fixture("server-restart");
    let w = compare_worst(&scenario, &sim, &real, Tolerance::default()).expect("agrees").expect("events were matched");
    assert_eq!((w.diff_ms, w.allowed_ms, w.real_ms), (85, 177, 7_620));
    assert_eq!(w.event, r#"event {"client":"abc","event":"reconnected"}"#);
    // A run that does not agree gives its differences instead.
    let mut late = real.clone();
    late["trace"].as_array_mut().unwrap().retain(|e| e["event"] != "reconnected");
    let diffs = compare_worst(&scenario, &sim, &late, Tolerance::default()).expect_err("the reconnect is missing");
    assert!(diffs.iter().any(|d| d.contains(r#"{"client":"abc","event":"reconnected"}: simulated 1 time(s) at [7535] ms, real 0 at [] ms"#)), "{diffs:?}");
}

/// A scenario of the recorded set, its simulated run and its recording of the real server.
fn fixture(name: &str) -> (JsScenario, serde_json::Value, serde_json::Value) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jetstream");
    let scenario = JsScenario::parse(&std::fs::read_to_string(dir.join(format!("scenarios/{name}.json"))).unwrap()).unwrap();
    let real: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(format!("recorded/{name}.json"))).unwrap()).unwrap();
    let sim: serde_json::Value = serde_json::from_str(&run_js_to_string(&mut JsSim::new(scenario.clone())).unwrap()).unwrap();
    (scenario, sim, real)
}

#[test]
fn the_comparer_sees_a_wrong_time_a_missing_event_and_a_wrong_counter() {
    let (scenario, sim, real) = fixture("ackwait");
    assert!(compare(&scenario, &sim, &real, Tolerance::default()).is_empty());
    // The first redelivery a whole ack wait late.
    let mut late = sim.clone();
    let trace = late["trace"].as_array_mut().unwrap();
    let i = trace.iter().position(|e| e["event"] == "delivered" && e["num_delivered"] == 2).unwrap();
    trace[i]["t"] = serde_json::json!(trace[i]["t"].as_u64().unwrap() + 1000);
    let d = compare(&scenario, &late, &real, Tolerance::default());
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].contains("\"num_delivered\":2") && d[0].contains("simulated at 2101 ms"), "{}", d[0]);
    // A delivery the simulation never made, and a counter off by one.
    let mut short = sim.clone();
    short["trace"].as_array_mut().unwrap().remove(i);
    short["monitor"]["jsz"]["account_details"][0]["stream_detail"][0]["consumer_detail"][0]["num_redelivered"] = serde_json::json!(2);
    let d = compare(&scenario, &short, &real, Tolerance::default());
    assert!(d.iter().any(|x| x.contains("simulated 0 time(s)")), "{d:?}");
    assert!(d.iter().any(|x| x.contains("num_redelivered: simulated 2, real 3")), "{d:?}");
}

#[test]
fn a_deliverys_num_pending_may_differ_only_by_the_messages_published_in_its_race_window() {
    let (scenario, sim, real) = fixture("retention");
    let delivery = |v: &serde_json::Value, seq: u64| {
        v["trace"].as_array().unwrap().iter().position(|e| e["event"] == "delivered" && e["consumer"] == "w1" && e["seq"] == seq).unwrap()
    };
    // WQ seq 1 is delivered at 150 ms while seqs 2 and 3, published at 150 ms too, are being
    // stored: the real server has reported num_pending 0 and 1 for it (a CI recording).
    let mut racy = real.clone();
    let i = delivery(&racy, 1);
    racy["trace"][i]["num_pending"] = serde_json::json!(1);
    assert!(compare(&scenario, &sim, &racy, Tolerance::default()).is_empty());
    racy["trace"][i]["num_pending"] = serde_json::json!(2);
    assert!(compare(&scenario, &sim, &racy, Tolerance::default()).is_empty());
    // Three is more than the two later messages in the window.
    racy["trace"][i]["num_pending"] = serde_json::json!(3);
    let d = compare(&scenario, &sim, &racy, Tolerance::default());
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].contains("num_pending simulated 0 at 150 ms, real 3") && d[0].contains("2 message(s) published in the race window"), "{}", d[0]);
    // Seq 3 is the last: no later message races it.
    let mut last = real.clone();
    let j = delivery(&last, 3);
    last["trace"][j]["num_pending"] = serde_json::json!(1);
    let d = compare(&scenario, &sim, &last, Tolerance::default());
    assert!(d.len() == 1 && d[0].contains("(0 message(s) published in the race window)"), "{d:?}");
}

#[test]
fn every_jetstream_scenario_runs_byte_identically_twice_and_matches_its_golden_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jetstream");
    std::fs::create_dir_all(dir.join("golden")).unwrap();
    for e in std::fs::read_dir(dir.join("scenarios")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let run = || run_js_to_string(&mut JsSim::new(JsScenario::parse(&text).unwrap())).unwrap();
        let (a, b) = (run(), run());
        assert!(a == b, "{}: two runs differ", path.display());
        let golden = dir.join("golden").join(&name);
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&golden, &a).unwrap();
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_else(|_| panic!("missing {}: run with BLESS=1", golden.display()));
        assert!(a == want, "{} differs from {} (BLESS=1 rewrites it; review the diff)", path.display(), golden.display());
    }
}

#[test]
fn every_event_reads_back_from_its_json_both_simulated_and_recorded_from_the_real_server() {
    use natsim::engine::jetstream::JsEvent;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jetstream");
    let mut names: Vec<_> = std::fs::read_dir(dir.join("scenarios")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let (mut simulated, mut recorded) = (0, 0);
    let mut kinds = std::collections::BTreeSet::new();
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut sim = JsSim::new(JsScenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap());
        let _ = sim.run_until(sim.scenario().until_ms);
        for e in sim.trace() {
            let v = serde_json::to_value(e).unwrap();
            assert_eq!(JsEvent::from_value(&v).as_ref(), Some(e), "{name}: {v}");
            kinds.insert(e.kind.name());
            simulated += 1;
        }
        let real: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("recorded").join(&name)).unwrap()).unwrap();
        for v in real["trace"].as_array().unwrap() {
            let e = JsEvent::from_value(v).unwrap_or_else(|| panic!("{name}: the recorded {v} does not read"));
            // and writes back to the same JSON
            assert_eq!(&serde_json::to_value(&e).unwrap(), v, "{name}");
            recorded += 1;
        }
    }
    assert!(simulated > 400 && recorded > 400, "{simulated} simulated, {recorded} recorded");
    for k in
        ["delivered", "acked", "naked", "termed", "in_progress", "pull_status", "max_deliveries", "msg_naked", "msg_terminated", "consumer_deleted", "killed"]
    {
        assert!(kinds.contains(k), "no {k} in the set: {kinds:?}");
    }
    // What is not an event.
    for bad in [
        r#"{"t":1,"event":"nope"}"#,
        r#"{"event":"connected","client":"a"}"#,
        r#"{"t":1,"event":"delivered","client":"a"}"#,
        r#"{"t":1,"event":"client_closed","client":"a","reason":"zzz"}"#,
    ] {
        assert_eq!(JsEvent::from_value(&serde_json::from_str(bad).unwrap()), None, "{bad}");
    }
}

#[test]
fn a_filtered_consumers_stream_seq_ahead_only_by_messages_outside_its_filter_is_the_same_position() {
    let (scenario, sim, real) = fixture("ephemeral-update");
    let with = |seq: u64| {
        let mut r = real.clone();
        for c in r["monitor"]["jsz"]["account_details"][0]["stream_detail"][0]["consumer_detail"].as_array_mut().unwrap() {
            if c["name"] == "eph" {
                c["delivered"]["stream_seq"] = seq.into();
                c["ack_floor"]["stream_seq"] = seq.into();
            }
        }
        compare(&scenario, &sim, &r, Tolerance::default())
    };
    // eph (filter eu.e) got seq 1; seq 2 is eu.u: the real server may have moved past it.
    assert!(with(1).is_empty(), "{:?}", with(1));
    assert!(with(2).is_empty(), "{:?}", with(2));
    // Past what the stream stored: a difference.
    assert_eq!(with(3).len(), 2, "{:?}", with(3));
}

#[test]
fn a_message_unacked_at_a_restart_may_come_back_up_to_a_second_off_but_nothing_else_may() {
    let (scenario, sim, real) = fixture("server-restart");
    assert!(compare(&scenario, &sim, &real, Tolerance::default()).is_empty());
    let shifted = |pick: &dyn Fn(&serde_json::Value) -> bool, by: i64| {
        let mut v = sim.clone();
        for e in v["trace"].as_array_mut().unwrap().iter_mut().filter(|e| pick(e)) {
            e["t"] = serde_json::json!((e["t"].as_i64().unwrap() + by) as u64);
        }
        compare(&scenario, &v, &real, Tolerance::default())
    };
    // #4's redeliveries after the restart (its stored delivery time is whole seconds of the
    // wall clock, a phase the simulation draws): 900 ms off is within reach, 1.5 s is not.
    let seq4 = |e: &serde_json::Value| e["seq"] == 4 && e["stream"] == "F" && e["t"].as_u64().unwrap() > 5500;
    assert!(shifted(&seq4, 900).is_empty());
    let d = shifted(&seq4, 1500);
    assert!(!d.is_empty() && d.iter().all(|x| x.contains("\"seq\":4")), "{d:?}");
    // #5, delivered after the restart, keeps the usual tolerance.
    let seq5 = |e: &serde_json::Value| e["seq"] == 5 && e["event"] == "delivered";
    let d = shifted(&seq5, 900);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].contains("\"seq\":5") && d[0].contains("simulated at 11900 ms"), "{}", d[0]);
}
