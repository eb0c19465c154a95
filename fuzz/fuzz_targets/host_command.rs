//! What an embedding host can hand the page: a `postMessage` command (any JSON) and the URL's
//! query string (`?embed=1&lock=…`). Both are read or refused with a message, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        if let Err(e) = natsim::embed::parse_command(&v) {
            assert!(!e.to_string().contains('\n'));
        }
    }
    let (view, problems) = natsim::embed::View::from_query(text);
    assert!(problems.iter().all(|p| !p.contains('\n')));
    let _ = (view.shows(natsim::embed::Control::Play), view.accepts("https://example.com", None));
});
