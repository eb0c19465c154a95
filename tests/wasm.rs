//! Runs in headless Chromium (`cargo test --target wasm32-unknown-unknown --test wasm`):
//! the engine compiled to wasm gives byte-for-byte the native golden output, and the page
//! mounts and renders a run.
#![cfg(target_arch = "wasm32")]

use natsim::engine::Sim;
use natsim::output::run_to_string;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CASES: &[(&str, &str, &str)] = &[
    ("course-queue-kill-0.17", include_str!("../www/scenarios/course-queue-kill-0.17.json"), include_str!("golden/course-queue-kill-0.17.json")),
    ("course-queue-kill-0.25", include_str!("../www/scenarios/course-queue-kill-0.25.json"), include_str!("golden/course-queue-kill-0.25.json")),
    ("auto-ack-loss", include_str!("../www/scenarios/auto-ack-loss.json"), include_str!("golden/auto-ack-loss.json")),
    ("server-restart", include_str!("../www/scenarios/server-restart.json"), include_str!("golden/server-restart.json")),
];

#[wasm_bindgen_test]
fn wasm_trace_is_byte_identical_to_the_native_golden_trace() {
    for (name, scenario, golden) in CASES {
        let mut sim = Sim::from_json(scenario).expect("valid");
        let out = run_to_string(&mut sim).expect("runs");
        assert!(out == *golden, "{name}: wasm output differs from tests/golden/{name}.json");
    }
}

#[cfg(feature = "ui")]
#[wasm_bindgen_test]
async fn the_page_mounts_and_shows_the_trace_of_the_first_example() {
    use wasm_bindgen::JsCast;
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<natsim::ui::app::App>::with_root(root.clone()).render();
    gloo_timers::future::TimeoutFuture::new(50).await;
    let summary = root.query_selector("#summary").unwrap().expect("summary rendered").text_content().unwrap();
    assert!(summary.contains("published"), "{summary}");
    let rows = root.query_selector_all("#trace tbody tr").unwrap().length();
    assert!(rows > 50, "trace rows: {rows}");
    let monitor = root.query_selector("#monitor").unwrap().unwrap().text_content().unwrap();
    assert!(monitor.contains("\"cluster_id\": \"ticketing\""));
    // Untrusted text stays text: a scenario whose client id is markup.
    let ta: web_sys::HtmlTextAreaElement = root.query_selector("#scenario").unwrap().unwrap().dyn_into().unwrap();
    ta.set_value(r#"{"until_ms": 10, "actions": [{"at_ms": 0, "do": "connect", "client": "<img src=x onerror=alert(1)>"}]}"#);
    ta.dispatch_event(&web_sys::InputEvent::new("input").unwrap()).unwrap();
    gloo_timers::future::TimeoutFuture::new(20).await;
    let run: web_sys::HtmlElement = root.query_selector("#run").unwrap().unwrap().dyn_into().unwrap();
    run.click();
    gloo_timers::future::TimeoutFuture::new(50).await;
    assert!(root.query_selector("#trace img").unwrap().is_none(), "markup must not be rendered");
    assert!(root.inner_html().contains("&lt;img src=x"), "shown as text");
}
