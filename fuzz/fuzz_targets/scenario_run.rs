//! What reads as a scenario runs (the engine behind every import and link): a small run
//! ends, or stops at a run limit with its message, and never panics. Slower per input than
//! the readers; CI runs it briefly.
#![no_main]
use libfuzzer_sys::fuzz_target;
use natsim::engine::{RunLimits, Scenario, Sim};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(s) = Scenario::parse(text) else { return };
    if s.until_ms > 120_000 || s.actions.len() > 64 {
        return;
    }
    let mut sim = Sim::new(s);
    sim.set_limits(RunLimits { max_trace: 20_000, max_steps: 200_000 });
    let _ = sim.run();
    let _ = sim.monitor();
});
