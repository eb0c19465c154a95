//! `window.natsPlayground`: a small JS API for tests and embedding pages.
//!
//! ```js
//! natsPlayground.load(jsonText)   // → null, or the error text (the run is kept)
//! natsPlayground.play(); natsPlayground.pause(); natsPlayground.seek(ms)
//! natsPlayground.now()            // virtual time at the cursor (ms)
//! natsPlayground.trace()          // the trace up to the cursor (contract format)
//! natsPlayground.monitor()        // { serverz, storez, clientsz, channelsz } now
//! natsPlayground.exportScenario() // the run as scenario JSON text
//! natsPlayground.setSpeed(x)      // speed factor, 0.1 to 1000
//! natsPlayground.wasmBytes()      // wasm memory size in bytes (for measurements)
//! natsPlayground.simulate(text)   // the engine alone on a NATS Streaming scenario, to its end,
//!                                 // the page untouched: the number of trace events, or the
//!                                 // error text (the browser side of `natsim bench`)
//! natsPlayground.simulateCrash()  // a deliberate panic: shows the crash panel (for tests)
//! ```

use super::hooks::Playground;
use super::state::Msg;
use js_sys::{Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;

/// Keeps the API's closures alive; dropping it removes `window.natsPlayground`.
pub struct ApiHandle {
    _closures: Vec<Closure<dyn Fn(JsValue) -> JsValue>>,
}

impl Drop for ApiHandle {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            let _ = Reflect::delete_property(&w, &JsValue::from_str("natsPlayground"));
        }
    }
}

/// JSON text as a JavaScript value.
fn json(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or(JsValue::NULL)
}

/// Installs `window.natsPlayground` bound to the page state.
pub fn install_api(pg: Playground) -> ApiHandle {
    let obj = Object::new();
    let mut closures = Vec::new();
    let mut add = |name: &str, f: Box<dyn Fn(JsValue) -> JsValue>| {
        let c = Closure::wrap(f);
        let _ = Reflect::set(&obj, &JsValue::from_str(name), c.as_ref().unchecked_ref::<Function>());
        closures.push(c);
    };
    let p = pg.clone();
    add(
        "load",
        Box::new(move |text: JsValue| {
            let text = text.as_string().unwrap_or_default();
            match super::state::read_scenario(&text) {
                Ok(s) => {
                    p.dispatch(Msg::Load(std::rc::Rc::new(s)));
                    JsValue::NULL
                }
                Err(e) => JsValue::from_str(&e),
            }
        }),
    );
    let p = pg.clone();
    add(
        "play",
        Box::new(move |_| {
            p.dispatch(Msg::Play);
            JsValue::UNDEFINED
        }),
    );
    let p = pg.clone();
    add(
        "pause",
        Box::new(move |_| {
            p.dispatch(Msg::Pause);
            JsValue::UNDEFINED
        }),
    );
    let p = pg.clone();
    add(
        "seek",
        Box::new(move |ms: JsValue| {
            let t = ms.as_f64().unwrap_or(0.0).max(0.0) as u64;
            p.dispatch(Msg::Pause);
            p.dispatch(Msg::Seek(t));
            JsValue::UNDEFINED
        }),
    );
    let p = pg.clone();
    add(
        "setSpeed",
        Box::new(move |x: JsValue| {
            let f = x.as_f64().filter(|f| f.is_finite() && *f > 0.0).unwrap_or(1.0);
            p.dispatch(Msg::SetSpeed(f.log10()));
            JsValue::UNDEFINED
        }),
    );
    // The wasm linear memory in bytes (it never shrinks: its peak so far).
    add(
        "wasmBytes",
        Box::new(move |_| {
            let m = wasm_bindgen::memory();
            let buf = Reflect::get(&m, &JsValue::from_str("buffer")).ok();
            let len = buf.and_then(|b| Reflect::get(&b, &JsValue::from_str("byteLength")).ok()).and_then(|v| v.as_f64()).unwrap_or(0.0);
            JsValue::from_f64(len)
        }),
    );
    // The engine alone, with nothing drawn and the page's run untouched: time it from JS
    // against `natsim bench` on the same file (scripts/bench-browser.mjs).
    add(
        "simulate",
        Box::new(move |text: JsValue| match crate::output::simulate_count(&text.as_string().unwrap_or_default()) {
            Ok(n) => JsValue::from_f64(n as f64),
            Err(e) => JsValue::from_str(&e),
        }),
    );
    // Reads go through the shared session, so they always see the latest state; called
    // from inside the page's own work (a host's handler run synchronously), they answer null
    // instead of touching a session that is being changed.
    let s = pg.session.clone();
    add("now", Box::new(move |_| s.try_borrow().map_or(JsValue::NULL, |s| JsValue::from_f64(s.now() as f64))));
    let s = pg.session.clone();
    add("trace", Box::new(move |_| s.try_borrow().map_or(JsValue::NULL, |s| json(&crate::engine::trace::events_json(s.sim().trace())))));
    let s = pg.session.clone();
    add("monitor", Box::new(move |_| s.try_borrow().map_or(JsValue::NULL, |s| json(&crate::json::write::compact(&s.sim().monitor().json())))));
    let s = pg.session.clone();
    add("exportScenario", Box::new(move |_| s.try_borrow().map_or(JsValue::NULL, |b| JsValue::from_str(&b.export(b.now()).to_json_pretty()))));
    // A deliberate panic, to see the crash panel and test a host's `error` handling.
    add(
        "simulateCrash",
        Box::new(move |_| {
            std::panic::panic_any("simulateCrash() was called".to_string());
        }),
    );
    if let Some(w) = web_sys::window() {
        let _ = Reflect::set(&w, &JsValue::from_str("natsPlayground"), &obj);
    }
    ApiHandle { _closures: closures }
}
