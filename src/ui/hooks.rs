//! Access to the page state from any component.

use super::state::PlaygroundState;
use yew::prelude::*;

/// The state handle shared through the root's context provider.
pub type Playground = UseReducerHandle<PlaygroundState>;

/// The page state and its dispatcher.
#[hook]
pub fn use_playground() -> Playground {
    use_context::<Playground>().expect("inside the playground's ContextProvider")
}

/// While the clock runs, a panel that is costly to lay out refreshes at most every `ms` of
/// real time: returns true when it should render afresh, false to reuse what it showed.
#[hook]
pub fn use_refresh_gate(playing: bool, ms: f64) -> bool {
    let last = use_mut_ref(|| f64::NEG_INFINITY);
    let now = js_sys::Date::now();
    if !playing || now - *last.borrow() >= ms {
        *last.borrow_mut() = now;
        true
    } else {
        false
    }
}

/// A listener on `document`, removed when dropped (hold it in an effect's cleanup).
pub struct DocumentListener {
    doc: Option<web_sys::EventTarget>,
    event: &'static str,
    cb: wasm_bindgen::closure::Closure<dyn Fn(web_sys::Event)>,
}

impl DocumentListener {
    /// Listens for `event` on the document.
    pub fn new(event: &'static str, f: impl Fn(web_sys::Event) + 'static) -> Self {
        Self::on(web_sys::window().and_then(|w| w.document()).map(Into::into), event, f)
    }

    /// Listens for `event` on the window (`hashchange`).
    pub fn window(event: &'static str, f: impl Fn(web_sys::Event) + 'static) -> Self {
        Self::on(web_sys::window().map(Into::into), event, f)
    }

    /// Listens for `event` on `target`, not passive (the handler may prevent the default,
    /// as a `touchstart` must to keep a drag from scrolling the page).
    pub fn active(target: web_sys::EventTarget, event: &'static str, f: impl Fn(web_sys::Event) + 'static) -> Self {
        use wasm_bindgen::JsCast;
        let cb = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(f);
        let opts = web_sys::AddEventListenerOptions::new();
        opts.set_passive(false);
        let _ = target.add_event_listener_with_callback_and_add_event_listener_options(event, cb.as_ref().unchecked_ref(), &opts);
        DocumentListener { doc: Some(target), event, cb }
    }

    fn on(doc: Option<web_sys::EventTarget>, event: &'static str, f: impl Fn(web_sys::Event) + 'static) -> Self {
        use wasm_bindgen::JsCast;
        let cb = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(f);
        if let Some(d) = &doc {
            let _ = d.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
        }
        DocumentListener { doc, event, cb }
    }
}

impl Drop for DocumentListener {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        if let Some(d) = &self.doc {
            let _ = d.remove_event_listener_with_callback(self.event, self.cb.as_ref().unchecked_ref());
        }
    }
}

/// The value of the input or select an event came from (a checkbox gives `"true"` or
/// `"false"`); empty for anything else.
pub fn value_of(e: &web_sys::Event) -> String {
    use wasm_bindgen::JsCast;
    let t = e.target();
    if let Some(i) = t.clone().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
        return if i.type_() == "checkbox" { i.checked().to_string() } else { i.value() };
    }
    t.and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value()).unwrap_or_default()
}

/// The value of the input an `input` event came from.
pub fn input_value(e: &web_sys::InputEvent) -> String {
    use wasm_bindgen::JsCast;
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default()
}

/// Marks the field an event came from: with `problem`, invalid (`aria-invalid`, outlined,
/// its validity message set; the page's error line says it in full); without, valid again.
pub fn mark_field(e: &web_sys::Event, problem: Option<&str>) {
    use wasm_bindgen::JsCast;
    let Some(t) = e.target() else { return };
    let el: Option<web_sys::HtmlElement> = t.dyn_into().ok();
    let Some(el) = el else { return };
    let _ = match problem {
        Some(_) => el.set_attribute("aria-invalid", "true"),
        None => el.remove_attribute("aria-invalid"),
    };
    // Not `reportValidity()`: it would take the focus (and Escape) from where the learner is.
    if let Some(i) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        i.set_custom_validity(problem.unwrap_or(""));
    }
}

/// Writes `text` to the system clipboard (the copy buttons); silently does nothing where the
/// browser refuses.
pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Below this window width (CSS px) the board is drawn in one column.
pub const NARROW_PX: f64 = 720.0;

/// Whether the window is narrow (a phone), kept current on resize.
#[hook]
pub fn use_narrow() -> bool {
    let width = || web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).unwrap_or(1280.0);
    let narrow = use_state(|| width() < NARROW_PX);
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let l = DocumentListener::window("resize", move |_| {
                let n = width() < NARROW_PX;
                if *narrow != n {
                    narrow.set(n);
                }
            });
            move || drop(l)
        });
    }
    *narrow
}

/// How long a panel below the fold waits, after its last change, before it catches up.
pub const OFFSCREEN_CATCH_UP_MS: u32 = 150;

/// Cost follows the screen: whether a panel should render afresh now. On screen (as an
/// `IntersectionObserver` on `node` reports; assumed until it does), always. Off screen (the
/// event log and the monitoring panel below the board on a laptop), its changes wait until
/// `ms` after the last one, so a seek or a drag draws what is in view first and the panel
/// catches up once the page is quiet; scrolled into view, it renders at once. The caller
/// reuses what it showed when this says no.
#[hook]
pub fn use_offscreen_defer(node: &NodeRef, ms: u32) -> bool {
    let visible = use_mut_ref(|| true);
    let due = use_mut_ref(|| false);
    let timer = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    let update = use_force_update();
    {
        let (node, visible, update) = (node.clone(), visible.clone(), update.clone());
        use_effect_with((), move |_| {
            use wasm_bindgen::JsCast;
            let cb = wasm_bindgen::closure::Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
                let Ok(e) = entries.get(entries.length().saturating_sub(1)).dyn_into::<web_sys::IntersectionObserverEntry>() else { return };
                let now = e.is_intersecting();
                let was = std::mem::replace(&mut *visible.borrow_mut(), now);
                if now && !was {
                    update.force_update();
                }
            });
            let observer = web_sys::IntersectionObserver::new(cb.as_ref().unchecked_ref()).ok();
            if let (Some(o), Some(el)) = (&observer, node.cast::<web_sys::Element>()) {
                o.observe(&el);
            }
            move || {
                if let Some(o) = observer {
                    o.disconnect();
                }
                drop(cb);
            }
        });
    }
    if *visible.borrow() || std::mem::take(&mut *due.borrow_mut()) {
        timer.borrow_mut().take();
        return true;
    }
    let (due, update) = (due.clone(), update.clone());
    *timer.borrow_mut() = Some(gloo_timers::callback::Timeout::new(ms, move || {
        *due.borrow_mut() = true;
        update.force_update();
    }));
    false
}
