//! The last resort, for a bug that panics anyway: the panic hook covers the frozen page with
//! a panel that says what broke, offers the run as a scenario file and a reload, and posts an
//! `error` message to an embedding host. It is plain DOM built here (the Yew app cannot be
//! trusted once it panicked), with every text set as text, never as HTML.
//!
//! The run is read from the session when it can still be borrowed; a panic inside the reducer
//! leaves it borrowed (wasm aborts without unwinding), so the reducer also hands over a copy of
//! the recording whenever it changes (once per fork, not per frame).

use crate::engine::{Scenario, Session};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

#[derive(Default)]
struct Watched {
    session: Option<Weak<RefCell<Session>>>,
    saved: Option<(u64, Rc<Scenario>)>,
    host: Option<String>,
}

thread_local! {
    static WATCHED: RefCell<Watched> = RefCell::new(Watched::default());
    static CRASHED: Cell<bool> = const { Cell::new(false) };
}

/// Installs the hook (once, before the app mounts; through Yew, which otherwise puts its own
/// in place when the app renders).
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // A page that already shows the panel stays as it is (later calls panic on the
        // borrows the first panic left behind).
        if CRASHED.with(|c| c.replace(true)) {
            return;
        }
        let what = match (info.payload().downcast_ref::<&str>(), info.payload().downcast_ref::<String>()) {
            (Some(s), _) => s.to_string(),
            (_, Some(s)) => s.clone(),
            _ => "a panic".to_string(),
        };
        let place = info.location().map(|l| format!(" ({}:{})", l.file(), l.line())).unwrap_or_default();
        show(&format!("{what}{place}"));
    }));
}

/// The session to offer as a file, and the host to tell (`postMessage`'s target origin).
pub fn watch(session: &Rc<RefCell<Session>>, host: Option<String>) {
    WATCHED.with(|w| {
        if let Ok(mut w) = w.try_borrow_mut() {
            w.session = Some(Rc::downgrade(session));
            w.host = host;
        }
    });
}

/// Keeps a copy of the recording when it changed since the last call (the reducer calls it
/// after every message; the copy is made once per fork).
pub fn remember(session: &Session) {
    WATCHED.with(|w| {
        let Ok(mut w) = w.try_borrow_mut() else { return };
        if w.saved.as_ref().map(|s| s.0) != Some(session.generation()) {
            w.saved = Some((session.generation(), Rc::new(session.export(session.horizon()))));
        }
    });
}

/// The run as scenario text: the live session's if it can be read, else the last copy.
fn run_text() -> Option<String> {
    WATCHED.with(|w| {
        let w = w.try_borrow().ok()?;
        let live = w.session.as_ref().and_then(Weak::upgrade).and_then(|s| s.try_borrow().ok().map(|s| s.export(s.horizon()).to_json_pretty()));
        live.or_else(|| w.saved.as_ref().map(|s| s.1.to_json_pretty()))
    })
}

fn host() -> Option<String> {
    WATCHED.with(|w| w.try_borrow().ok().and_then(|w| w.host.clone()))
}

/// Covers the page with the panel and tells the host.
fn show(what: &str) {
    use wasm_bindgen::JsCast;
    let Some(w) = web_sys::window() else { return };
    let Some(doc) = w.document() else { return };
    let Some(body) = doc.body() else { return };
    // The frozen page stays in place, out of reach.
    let kids = body.children();
    for i in 0..kids.length() {
        if let Some(k) = kids.item(i) {
            let _ = k.set_attribute("inert", "");
            let _ = k.set_attribute("aria-hidden", "true");
        }
    }
    let el = |tag: &str, text: &str| {
        let e = doc.create_element(tag).ok()?;
        e.set_text_content(Some(text));
        Some(e)
    };
    let Some(panel) = el("div", "") else { return };
    panel.set_id("crash");
    let _ = panel.set_attribute("class", "crash");
    let _ = panel.set_attribute("role", "alertdialog");
    let _ = panel.set_attribute("aria-labelledby", "crash-title");
    let mut parts = Vec::new();
    if let Some(h) = el("h2", "The playground stopped") {
        h.set_id("crash-title");
        parts.push(h);
    }
    parts.extend(el("p", "A bug inside the playground broke it; nothing you did caused this. What broke:"));
    if let Some(c) = el("code", what) {
        c.set_id("crash-what");
        parts.push(c);
    }
    let text = run_text();
    parts.extend(el(
        "p",
        if text.is_some() {
            "Your run is not lost: save it as a scenario file, reload the page, and open the file with Import."
        } else {
            "The run could not be read back; reload the page to start again."
        },
    ));
    let actions = el("p", "");
    if let (Some(text), Some(actions)) = (&text, &actions) {
        let parts_js = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("application/json");
        let url = web_sys::Blob::new_with_str_sequence_and_options(&parts_js, &opts).ok().and_then(|b| web_sys::Url::create_object_url_with_blob(&b).ok());
        if let (Some(url), Some(a)) = (url, el("a", "Save the run (scenario JSON)")) {
            a.set_id("crash-export");
            let _ = a.set_attribute("href", &url);
            let _ = a.set_attribute("download", "nats-playground-run.json");
            let _ = actions.append_child(&a);
            let _ = actions.append_with_str_1(" ");
        }
    }
    if let (Some(actions), Some(a)) = (&actions, el("a", "Reload the page")) {
        a.set_id("crash-reload");
        let _ = a.set_attribute("href", &w.location().href().unwrap_or_default());
        // A link to the same address only scrolls when it has a fragment (a share link):
        // reload explicitly, and let the link navigate if even that fails.
        let reload = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(|e: web_sys::Event| {
            if web_sys::window().is_some_and(|w| w.location().reload().is_ok()) {
                e.prevent_default();
            }
        });
        let _ = a.add_event_listener_with_callback("click", reload.as_ref().unchecked_ref());
        reload.forget();
        let _ = actions.append_child(&a);
    }
    parts.extend(actions);
    for p in &parts {
        let _ = panel.append_child(p);
    }
    let _ = body.append_child(&panel);
    if let Some(a) = doc.get_element_by_id("crash-reload").and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = a.focus();
    }
    if let (Some(target), Ok(Some(parent))) = (host(), w.parent()) {
        let msg = crate::json::obj([
            ("type", "error".into()),
            ("source", "nats-playground".into()),
            ("fatal", true.into()),
            ("message", format!("the playground stopped: {what}").into()),
        ]);
        if let Ok(v) = js_sys::JSON::parse(&crate::json::write::compact(&msg)) {
            let _ = parent.post_message(&v, &target);
        }
    }
}
