//! The scenario reader (imports, `natsim run`, the host's `load`): any text either reads or
//! is refused with one line naming the place; what reads is written back and reads again as
//! the same scenario (the field tables of reader and writer cannot drift apart). Running what
//! reads is `scenario_run`'s job.
#![no_main]
use libfuzzer_sys::fuzz_target;
use natsim::engine::Scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let s = match Scenario::parse(text) {
        Ok(s) => s,
        Err(e) => {
            let line = e.to_string();
            assert!(!line.contains('\n') && !line.is_empty(), "one line: {line:?}");
            return;
        }
    };
    let written = s.to_value();
    let again = Scenario::from_value(&written).unwrap_or_else(|e| panic!("the writer's output does not read: {e}\n{written}"));
    assert_eq!(again.to_value(), written, "the round trip changed the scenario");
});
