//! Determinism: every example scenario run twice gives byte-identical output, equal to its
//! golden file in `tests/golden/` (rewrite on purpose with `BLESS=1`, then review the diff).
//! The wasm test (`tests/wasm.rs`) compares the browser build against the same files.

use natsim::engine::Sim;
use natsim::output::run_to_string;
use std::path::Path;

fn output(text: &str) -> String {
    let mut sim = Sim::from_json(text).expect("valid example");
    run_to_string(&mut sim).expect("runs")
}

#[test]
fn every_example_runs_byte_identically_twice_and_matches_its_golden_trace() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("www/scenarios")).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        let (a, b) = (output(&text), output(&text));
        assert!(a == b, "{} is not deterministic", path.display());
        let golden = dir.join("tests/golden").join(path.file_name().unwrap());
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&golden, &a).unwrap();
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_else(|_| panic!("missing {}: run with BLESS=1", golden.display()));
        assert!(a == want, "{} differs from {} (BLESS=1 rewrites it; review the diff)", path.display(), golden.display());
        n += 1;
    }
    assert!(n >= 4, "examples found: {n}");
}

#[test]
fn the_seed_is_the_only_source_of_randomness() {
    let text = |seed: u64| {
        format!(
            r#"{{"seed": {seed}, "until_ms": 20000, "actions": [
            {{"at_ms": 0, "do": "connect", "client": "p"}}, {{"at_ms": 0, "do": "connect", "client": "c"}},
            {{"at_ms": 0, "do": "subscribe", "client": "c", "sub": "s", "channel": "a", "manual_ack": true, "ack_wait_ms": 1000, "fail_rate": 0.5}},
            {{"at_ms": 10, "do": "publish", "client": "p", "channel": "a", "count": 50, "every_ms": 10}}]}}"#
        )
    };
    assert_eq!(output(&text(1)), output(&text(1)));
    assert_ne!(output(&text(1)), output(&text(2)), "failures are drawn from the seed");
}

#[test]
fn every_event_name_in_the_golden_traces_is_one_a_host_page_may_watch() {
    let mut seen = std::collections::BTreeSet::new();
    for f in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for e in v["trace"].as_array().unwrap() {
            seen.insert(e["event"].as_str().unwrap().to_string());
        }
    }
    for name in &seen {
        assert!(natsim::engine::trace::EVENT_KINDS.contains(&name.as_str()), "{name} is missing from EVENT_KINDS");
    }
    // The goldens exercise most kinds (the others are checked by the engine tests that make them).
    assert!(seen.len() >= 15, "{seen:?}");
}
