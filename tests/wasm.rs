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

/// JetStream mode: the same scenarios give the same bytes in wasm as natively.
const JS_CASES: &[(&str, &str, &str)] = &[
    ("group-kill", include_str!("jetstream/scenarios/group-kill.json"), include_str!("jetstream/golden/group-kill.json")),
    ("pull-statuses", include_str!("jetstream/scenarios/pull-statuses.json"), include_str!("jetstream/golden/pull-statuses.json")),
    ("nak-wpi-term", include_str!("jetstream/scenarios/nak-wpi-term.json"), include_str!("jetstream/golden/nak-wpi-term.json")),
    ("stream-limits", include_str!("jetstream/scenarios/stream-limits.json"), include_str!("jetstream/golden/stream-limits.json")),
    ("lifecycle", include_str!("jetstream/scenarios/lifecycle.json"), include_str!("jetstream/golden/lifecycle.json")),
    ("server-restart", include_str!("jetstream/scenarios/server-restart.json"), include_str!("jetstream/golden/server-restart.json")),
];

#[wasm_bindgen_test]
fn wasm_jetstream_output_is_byte_identical_to_the_native_golden_output() {
    use natsim::engine::jetstream::{JsScenario, JsSim};
    for (name, scenario, golden) in JS_CASES {
        let mut sim = JsSim::new(JsScenario::parse(scenario).expect("valid"));
        let out = natsim::output::run_js_to_string(&mut sim).expect("runs");
        assert!(out == *golden, "{name}: wasm output differs from tests/jetstream/golden/{name}.json");
    }
}

#[cfg(feature = "ui")]
#[wasm_bindgen_test]
async fn the_page_mounts_draws_the_course_board_and_exposes_its_api() {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<natsim::ui::app::App>::with_root(root.clone()).render();
    gloo_timers::future::TimeoutFuture::new(50).await;
    let clients: Vec<String> = (0..root.query_selector_all("g.node").unwrap().length())
        .filter_map(|i| root.query_selector_all("g.node").unwrap().item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok()?.get_attribute("data-client"))
        .collect();
    assert_eq!(clients, ["pub", "l1", "l2"]);
    assert_eq!(root.query_selector_all(".group").unwrap().length(), 1);
    let api = Reflect::get(&web_sys::window().unwrap(), &JsValue::from_str("natsPlayground")).unwrap();
    let call = |name: &str, arg: JsValue| Reflect::get(&api, &JsValue::from_str(name)).unwrap().dyn_into::<Function>().unwrap().call1(&api, &arg).unwrap();
    call("seek", JsValue::from_f64(12_000.0));
    gloo_timers::future::TimeoutFuture::new(30).await;
    assert_eq!(call("now", JsValue::UNDEFINED).as_f64(), Some(12_000.0));
    // The event log may be below the fold here: it catches up once the page is quiet.
    let mut log = String::new();
    for _ in 0..40 {
        log = root.query_selector("#trace").unwrap().unwrap().text_content().unwrap();
        if log.contains("s2 ticket:created #7 redelivered ×1") {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(25).await;
    }
    assert!(log.contains("s2 ticket:created #7 redelivered ×1"), "{log}");
    // A broken scenario is refused with its place; the run is kept.
    let err = call("load", JsValue::from_str(r#"{"until_ms": 1, "actions": [{"at_ms": 0, "do": "nope"}]}"#));
    assert!(err.as_string().unwrap().contains("actions[0].do"));
    assert_eq!(call("now", JsValue::UNDEFINED).as_f64(), Some(12_000.0));
}

#[cfg(feature = "ui")]
#[wasm_bindgen_test]
async fn the_timeline_has_a_lane_per_channel_client_and_subscription_and_warns_in_time() {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<natsim::ui::app::App>::with_root(root.clone()).render();
    gloo_timers::future::TimeoutFuture::new(50).await;
    let api = Reflect::get(&web_sys::window().unwrap(), &JsValue::from_str("natsPlayground")).unwrap();
    let seek = Reflect::get(&api, &JsValue::from_str("seek")).unwrap().dyn_into::<Function>().unwrap();
    seek.call1(&api, &JsValue::from_f64(21_000.0)).unwrap();
    gloo_timers::future::TimeoutFuture::new(30).await;
    let lanes: Vec<String> = {
        let list = root.query_selector_all("g.tl-lanes").unwrap();
        (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok()?.get_attribute("data-lane")).collect()
    };
    assert_eq!(lanes, ["ticket:created", "pub", "l1", "l1 · s1", "l2", "l2 · s2"]);
    let warnings = root.query_selector("#warnings").unwrap().expect("warnings shown").text_content().unwrap();
    assert!(warnings.contains("#7 on ticket:created was processed after #12 by l2 (s2): out of order"), "{warnings}");
    // The server's -SD log, at the cursor.
    let tabs = root.query_selector_all(".panel--monitor [role=tab]").unwrap();
    let log_tab: web_sys::HtmlElement = tabs.item(6).unwrap().dyn_into().unwrap();
    log_tab.click();
    gloo_timers::future::TimeoutFuture::new(30).await;
    let log = root.query_selector("#monitor").unwrap().unwrap().text_content().unwrap();
    assert!(log.contains("[1] 2026/01/01 00:00:00.000000 [DBG] STREAM: [Client:l1] Connected (Inbox=_INBOX."), "{log}");
    assert!(!log.contains("Timed out on heartbeats"), "not yet at 21 s on 0.17");
}
