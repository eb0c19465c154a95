//! JetStream scenarios (`server.kind: "jetstream"`): any text either reads or is refused with
//! one line naming the place, and what reads runs (a small run ends, or stops at a run limit
//! with its message) and answers `/jsz`, never panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use natsim::engine::jetstream::{JsScenario, JsSim};
use natsim::engine::RunLimits;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let s = match JsScenario::parse(text) {
        Ok(s) => s,
        Err(e) => {
            let line = e.to_string();
            assert!(!line.contains('\n') && !line.is_empty(), "one line: {line:?}");
            return;
        }
    };
    if s.until_ms > 120_000 || s.actions.len() > 64 {
        return;
    }
    let mut sim = JsSim::new(s);
    sim.set_limits(RunLimits { max_trace: 20_000, max_steps: 200_000 });
    let _ = sim.run();
    let _ = sim.monitor();
});
