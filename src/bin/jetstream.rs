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
        static BESIDE: RefCell<Option<(yew::AppHandle<JetStreamPlayer>, JsProps)>> = const { RefCell::new(None) };
    }

    fn element(id: &str) -> Result<web_sys::Element, JsValue> {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .ok_or_else(|| JsValue::from_str("no element to mount JetStream mode in"))
    }

    /// Translates the NATS Streaming scenario `stan_text` into JetStream (as nats-io/stan2js
    /// migrates), computes it and renders it into `#element_id` as a board that follows the
    /// page's clock ([`follow`]). `on_open` opens the translation in JetStream mode with the
    /// cursor's time; `on_close` stops showing it. Returns a warning when the run stopped at
    /// a limit, else "".
    #[wasm_bindgen]
    pub fn mount_beside(element_id: &str, stan_text: &str, at: f64, on_open: js_sys::Function, on_close: js_sys::Function) -> Result<String, JsValue> {
        let stan = natsim::engine::Scenario::parse(stan_text).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let t = natsim::engine::jetstream::translate::translate(&stan).map_err(|e| JsValue::from_str(&format!("the translation was refused: {e}")))?;
        let session = JsSession::new(t.scenario, LIMITS);
        let warning = limit_warning(&session);
        // The NATS Streaming run over the same time, to say where the two differ.
        let mut sim = natsim::engine::Sim::new(stan);
        sim.set_limits(LIMITS);
        let _ = sim.run_until(session.end());
        let differences = natsim::engine::jetstream::differ::differences(sim.trace(), session.history());
        drop(sim);
        let text: std::rc::Rc<str> = Rc::from(serde_json::to_string(&t.doc).unwrap_or_default());
        let el = element(element_id)?;
        let open_text = text.clone();
        let props = JsProps {
            run: JsRun(Rc::new(session)),
            text,
            start: if at.is_finite() && at > 0.0 { at as u64 } else { 0 },
            on_back: Callback::from(move |t: u64| {
                let _ = on_open.call2(&JsValue::NULL, &JsValue::from_str(&open_text), &JsValue::from_f64(t as f64));
            }),
            follow: Some(Callback::from(move |_| {
                let _ = on_close.call0(&JsValue::NULL);
            })),
            notes: Rc::new(t.notes),
            differences: Rc::new(differences),
            lesson: None,
            on_lesson: None,
            on_time: None,
        };
        unmount_beside();
        let handle = yew::Renderer::<JetStreamPlayer>::with_root_and_props(el, props.clone()).render();
        BESIDE.with(|a| *a.borrow_mut() = Some((handle, props)));
        Ok(warning)
    }

    /// Moves the translated board's cursor to `at` (the page's clock).
    #[wasm_bindgen]
    pub fn follow(at: f64) {
        BESIDE.with(|a| {
            if let Some((h, props)) = a.borrow_mut().as_mut() {
                let t = if at.is_finite() && at > 0.0 { at as u64 } else { 0 };
                if props.start != t {
                    props.start = t;
                    h.update(props.clone());
                }
            }
        });
    }

    /// Removes the translated board.
    #[wasm_bindgen]
    pub fn unmount_beside() {
        BESIDE.with(|a| {
            if let Some((h, _)) = a.borrow_mut().take() {
                h.destroy();
            }
        });
    }

    /// Reads `text`, computes the run and renders the player into `#element_id` (replacing a
    /// run shown before). Returns a warning when the run stopped at a limit, else "".
    #[wasm_bindgen]
    ///
    /// From a lesson's JetStream variant, `lesson` is its brief (`Lesson::brief`, JSON) and
    /// `on_lesson(what, a, b)` hears each answer (`"answer"`, checkpoint, choice) and tab
    /// (`"variant"`, index, 0); both are null otherwise. `on_time(t, playing)` hears the
    /// cursor (for a host page); [`command`] runs a host page's command on the player.
    pub fn mount(
        element_id: &str,
        text: &str,
        on_back: js_sys::Function,
        at: f64,
        lesson: Option<String>,
        on_lesson: Option<js_sys::Function>,
        on_time: Option<js_sys::Function>,
    ) -> Result<String, JsValue> {
        let scenario = JsScenario::parse(text).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let session = JsSession::new(scenario, LIMITS);
        let warning = limit_warning(&session);
        let el = element(element_id)?;
        let props = JsProps {
            run: JsRun(Rc::new(session)),
            text: Rc::from(text),
            start: if at.is_finite() && at > 0.0 { at as u64 } else { 0 },
            on_back: Callback::from(move |_| {
                let _ = on_back.call0(&JsValue::NULL);
            }),
            follow: None,
            notes: Rc::new(Vec::new()),
            differences: Rc::new(Vec::new()),
            lesson: lesson.as_deref().and_then(natsim::ui::jetstream_lesson::JsLesson::parse).map(Rc::new),
            on_lesson: on_lesson.map(|f| {
                Callback::from(move |(what, a, b): (&'static str, usize, usize)| {
                    let _ = f.call3(&JsValue::NULL, &JsValue::from_str(what), &JsValue::from_f64(a as f64), &JsValue::from_f64(b as f64));
                })
            }),
            on_time: on_time.map(|f| {
                Callback::from(move |(t, playing): (u64, bool)| {
                    let _ = f.call2(&JsValue::NULL, &JsValue::from_f64(t as f64), &JsValue::from_bool(playing));
                })
            }),
        };
        unmount();
        let handle = yew::Renderer::<JetStreamPlayer>::with_root_and_props(el, props).render();
        APP.with(|a| *a.borrow_mut() = Some(handle));
        Ok(warning)
    }

    /// A host page's command for the player shown (JSON, see
    /// `natsim::ui::jetstream::host_command`): the value of a `get`, "" otherwise, or null
    /// when no player is shown.
    #[wasm_bindgen]
    pub fn command(text: &str) -> Option<String> {
        natsim::ui::jetstream::host_command(text)
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
