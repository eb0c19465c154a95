//! The JetStream engine held against recordings of the real nats-server 2.9.10
//! (`tests/jetstream/recorded/`, made by `scripts/jetstream/check.sh --bless`): runs without
//! the server. CI also records afresh and compares (`scripts/jetstream/check.sh`).

use natsim::engine::jetstream::compare::{compare, Tolerance};
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
fn the_comparer_sees_a_wrong_time_a_missing_event_and_a_wrong_counter() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jetstream");
    let scenario = JsScenario::parse(&std::fs::read_to_string(dir.join("scenarios/ackwait.json")).unwrap()).unwrap();
    let real: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("recorded/ackwait.json")).unwrap()).unwrap();
    let sim: serde_json::Value = serde_json::from_str(&run_js_to_string(&mut JsSim::new(scenario.clone())).unwrap()).unwrap();
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
