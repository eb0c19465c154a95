//! JetStream mode's module (`jetstream/jetstream.js` + `.wasm` in dist): the page imports it
//! only when a JetStream scenario opens and calls `mount(element_id, scenario_text, on_back, t)`.
//! It reads the scenario, computes the run within the page's limits and renders the player
//! into the element; an unreadable scenario is refused with one line naming the place.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

#[cfg(target_arch = "wasm32")]
mod wasm {
    use natsim::engine::jetstream::{JsScenario, JsSession};
    use natsim::ui::jetstream::{limit_warning, JetStreamPlayer, JsProps, JsRun, LIMITS};
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;
    use yew::prelude::*;

    thread_local! {
        static APP: RefCell<Option<yew::AppHandle<JetStreamPlayer>>> = const { RefCell::new(None) };
    }

    /// Reads `text`, computes the run and renders the player into `#element_id` (replacing a
    /// run shown before). Returns a warning when the run stopped at a limit, else "".
    #[wasm_bindgen]
    pub fn mount(element_id: &str, text: &str, on_back: js_sys::Function, at: f64) -> Result<String, JsValue> {
        let scenario = JsScenario::parse(text).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let session = JsSession::new(scenario, LIMITS);
        let warning = limit_warning(&session);
        let el = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(element_id))
            .ok_or_else(|| JsValue::from_str("no element to mount JetStream mode in"))?;
        let props = JsProps {
            run: JsRun(Rc::new(session)),
            text: Rc::from(text),
            start: if at.is_finite() && at > 0.0 { at as u64 } else { 0 },
            on_back: Callback::from(move |_| {
                let _ = on_back.call0(&JsValue::NULL);
            }),
        };
        unmount();
        let handle = yew::Renderer::<JetStreamPlayer>::with_root_and_props(el, props).render();
        APP.with(|a| *a.borrow_mut() = Some(handle));
        Ok(warning)
    }

    /// Removes the player.
    #[wasm_bindgen]
    pub fn unmount() {
        APP.with(|a| {
            if let Some(h) = a.borrow_mut().take() {
                h.destroy();
            }
        });
    }
}

fn main() {}
