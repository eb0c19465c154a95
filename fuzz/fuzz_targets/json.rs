//! The JSON reader (`natsim::json::parse`, under every other reader): any text reads to the
//! same value as `serde_json::from_str` gives (floats to the bit), or fails with the same
//! message at the same line and column.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// A value with its floats as bits, so that -0.0 and every rounding are compared exactly.
fn exact(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_f64() => format!("f{:x}", n.as_f64().unwrap_or_default().to_bits()),
        Value::Number(n) if n.is_u64() => format!("u{n}"),
        Value::Number(n) => format!("i{n}"),
        Value::Array(a) => format!("[{}]", a.iter().map(exact).collect::<Vec<_>>().join(",")),
        Value::Object(m) => format!("{{{}}}", m.iter().map(|(k, v)| format!("{k:?}:{}", exact(v))).collect::<Vec<_>>().join(",")),
        v => v.to_string(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = natsim::json::parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => assert_eq!(exact(&a), exact(&b)),
        (Err(a), Err(b)) => {
            let text = b.to_string();
            let message = text.split(" at line ").next().unwrap_or_default();
            assert_eq!((a.place, a.message.as_str()), (format!("{}:{}", b.line(), b.column()), message));
        }
        (a, b) => panic!("ours {a:?}, serde_json {b:?}"),
    }
});
