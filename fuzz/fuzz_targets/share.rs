//! The share-link decoder (`#s=…&t=…` from any URL): lz-string decompression with its output
//! cap, then the scenario reader. A tampered link is refused, never a panic or a blow-up.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(hash) = std::str::from_utf8(data) else { return };
    if let Some(Err(e)) = natsim::share::from_fragment(hash) {
        assert!(!e.contains('\n'), "one line: {e:?}");
    }
    // The raw decoder with a small cap: what it returns stays under it.
    if let Ok(text) = natsim::share::decompress_from_uri(hash, 4096) {
        assert!(text.chars().count() <= 4096);
    }
});
