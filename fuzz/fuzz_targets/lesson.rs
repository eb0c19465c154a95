//! The lesson reader (lesson files a course author writes, and the lessons index).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match natsim::lesson::Lesson::parse(text) {
        Ok(l) => {
            // Every variant's scenario reads or is refused (the page loads them one by one).
            for v in &l.variants {
                let _ = natsim::engine::Scenario::from_value(&v.scenario);
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
});
