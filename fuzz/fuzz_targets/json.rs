//! The JSON reader (`natsim::json::parse`, under every other reader): any text reads to the
//! same value as `serde_json::from_str` gives (floats to the bit), or fails with the same
//! message at the same line and column.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = natsim::json::parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => assert_eq!(natsim::json::exact(&a), natsim::json::exact(&b)),
        (Err(a), Err(b)) => {
            let text = b.to_string();
            let message = text.split(" at line ").next().unwrap_or_default();
            assert_eq!((a.place, a.message.as_str()), (format!("{}:{}", b.line(), b.column()), message));
        }
        (a, b) => panic!("ours {a:?}, serde_json {b:?}"),
    }
});
