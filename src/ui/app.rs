//! Root component: owns the page state (one reducer shared by context), the play ticker,
//! keyboard shortcuts, the import/export/help dialogs, the error banner, and the
//! `window.natsPlayground` API for tests and embedding.

use super::api::install_api;
use super::board::{Board, Zoom};
use super::embed::{listen, Bridge};
use super::hooks::{value_of, DocumentListener, Playground};
use super::inspector::Inspector;
use super::lab::LabPanel;
use super::lessons::LessonPanel;
use super::panels::{EventLog, MonitorPanel, ServerDock};
use super::state::{Msg, PlaygroundState};
use super::timeline::TimelineView;
use super::toolbar::Toolbar;
use super::view_model::{class, when};
use crate::embed::{Control, Panel};
use crate::embed::{EmbedCode, Source, View};
use crate::engine::Scenario;
use gloo_timers::callback::Interval;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

pub use super::examples::{EXAMPLES, JS_EXAMPLES};

/// Real milliseconds between ticks while playing (each advances by the real time elapsed).
const FRAME_MS: u32 = 16;

#[derive(Clone, PartialEq)]
enum Dialog {
    None,
    Import,
    Export(String),
    Share(String),
}

/// The first run: the scenario of a share link in the URL fragment (at its time), or the
/// example the URL names, or the first example — with the reason when the link or an option
/// cannot be used. The URL's embed options set what is shown and locked.
fn initial() -> PlaygroundState {
    let loc = web_sys::window().map(|w| w.location());
    let (view, mut problems) = View::from_query(&loc.as_ref().and_then(|l| l.search().ok()).unwrap_or_default());
    let hash = loc.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    let example = |name: &str| EXAMPLES.iter().find(|e| e.0 == name).map(|e| e.2);
    let parse = |body: &str| Scenario::parse(body).unwrap_or_else(|e| panic!("a built-in example is invalid: {e}"));
    let js_link = match crate::share::fragment_text(&hash) {
        Some(Ok((text, t))) if crate::json::parse(&text).is_ok_and(|v| crate::engine::jetstream::is_jetstream(&v)) => Some((text, t)),
        _ => None,
    };
    let mut s = match crate::share::from_fragment(&hash) {
        _ if js_link.is_some() => {
            let (text, t) = js_link.expect("checked");
            let mut s = PlaygroundState::new(parse(EXAMPLES[0].2));
            s.apply(Msg::OpenJetStream(Rc::from(text.as_str()), t));
            s
        }
        Some(Ok((scenario, t))) => PlaygroundState::opened_at(scenario, t),
        Some(Err(e)) => {
            problems.push(format!("This share link could not be opened: {e}. Showing the default scenario instead."));
            PlaygroundState::new(parse(EXAMPLES[0].2))
        }
        // A JetStream example is fetched once the page is up (with JetStream mode's module).
        None if view.start.example.as_deref().is_some_and(|n| JS_EXAMPLES.iter().any(|e| e.0 == n)) => PlaygroundState::new(parse(EXAMPLES[0].2)),
        None => {
            let named = view.start.example.as_deref().map(|n| example(n).ok_or(n));
            if let Some(Err(n)) = named {
                problems
                    .push(format!("scenario: no example '{n}' (known: {})", EXAMPLES.iter().chain(JS_EXAMPLES).map(|e| e.0).collect::<Vec<_>>().join(", ")));
            }
            let scenario = parse(named.and_then(Result::ok).unwrap_or(EXAMPLES[0].2));
            // A lesson's time and play are applied once it has been fetched.
            let lesson = view.start.lesson.is_some();
            let mut s = PlaygroundState::opened_at(scenario, if lesson { 0 } else { view.start.t.unwrap_or(0) });
            s.playing = view.start.play && !lesson;
            s
        }
    };
    // Fresh random ids for this page (the run's own ids are in its actions).
    s.name_base = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    if let Some(f) = view.start.speed {
        s.speed_log = f.log10();
    }
    // The theme option, before the first paint (no flash of the other theme).
    if let (Some(theme), Some(root)) = (view.theme, web_sys::window().and_then(|w| w.document()?.document_element())) {
        let _ = root.set_attribute("data-theme", theme);
    }
    if !problems.is_empty() {
        s.error = Some(problems.join(" · "));
    }
    s.view = Rc::new(view);
    s
}

/// Opens a built-in example that has to be fetched (a JetStream one); a failure is the page's
/// error and the current run stays.
fn open_example(pg: &Playground, name: String) {
    let pg = pg.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = super::embed::open(&pg, Source::Example(name), None, false).await {
            pg.dispatch(Msg::Error(e));
        }
    });
}

/// This run up to the cursor as a share fragment (`#s=…&t=…`).
fn run_fragment(pg: &Playground) -> Result<String, String> {
    let s = pg.session.borrow();
    crate::share::try_fragment(&s.export(s.now()), s.now())
}

/// Root component.
#[function_component]
pub fn App() -> Html {
    let pg: Playground = use_reducer(initial);
    let dialog = use_state(|| Dialog::None);

    // The ticker lives while playing; dropping it (cleanup) stops it. Each tick advances by
    // the real time since the previous one (at most 250 ms), so slow frames keep the speed.
    {
        let pg = pg.clone();
        use_effect_with(pg.playing, move |playing| {
            let ticker = playing.then(|| {
                let mut last = js_sys::Date::now();
                Interval::new(FRAME_MS, move || {
                    let now = js_sys::Date::now();
                    pg.dispatch(Msg::Tick((now - last).clamp(1.0, 250.0)));
                    last = now;
                })
            });
            move || drop(ticker)
        });
    }
    // Long work (a far seek, a long run opened) goes on a slice per macrotask, so that input,
    // paint and the Cancel button get their turn in between.
    {
        let pg = pg.clone();
        use_effect_with((pg.work, pg.rev), move |(work, _)| {
            let next = work.map(|_| gloo_timers::callback::Timeout::new(0, move || pg.dispatch(Msg::Continue)));
            move || drop(next)
        });
    }
    // What lives as long as the page, installed on mount and removed on unmount (one effect:
    // each `use_effect_with` costs ~1 KB of the first download).
    let bridge = use_state(|| Bridge::new(&pg.view));
    {
        let (pg, dialog, bridge) = (pg.clone(), dialog.clone(), (*bridge).clone());
        use_effect_with((), move |_| {
            // Keyboard: space play/pause, arrows step, ? help (not while typing in a field);
            // Esc closes whatever dialog is open (even from a field in it) and deselects.
            let keys = {
                let pg = pg.clone();
                DocumentListener::new("keydown", move |e| {
                    let Ok(e) = e.dyn_into::<KeyboardEvent>() else { return };
                    if e.key() == "Escape" {
                        dialog.set(Dialog::None);
                        pg.dispatch(Msg::CloseHelp);
                        pg.dispatch(Msg::Select(None));
                        return;
                    }
                    let typing = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| match el.tag_name().as_str() {
                        "TEXTAREA" | "SELECT" => true,
                        // The speed slider's arrows change the speed; on the scrub bar they
                        // step through events (a native step would be 1 ms).
                        "INPUT" => {
                            (el.id() == "speed" && e.key().starts_with("Arrow"))
                                || !matches!(el.get_attribute("type").as_deref(), Some("range" | "checkbox" | "button"))
                        }
                        _ => false,
                    });
                    if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    let v = &pg.view;
                    let msg = match e.key().as_str() {
                        " " if !v.locks(Control::Play) => Msg::TogglePlay,
                        "ArrowRight" if !v.locks(Control::Step) => Msg::Step,
                        "ArrowLeft" if !v.locks(Control::Step) => Msg::StepBack,
                        "?" => Msg::ToggleHelp,
                        _ => return,
                    };
                    e.prevent_default();
                    pg.dispatch(msg);
                })
            };
            // A hidden tab pauses the clock (it would otherwise jump ahead when it is shown
            // again).
            let hidden = {
                let pg = pg.clone();
                DocumentListener::new("visibilitychange", move |_| {
                    if web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden()) {
                        pg.dispatch(Msg::Pause);
                    }
                })
            };
            // A share link pasted into this tab changes only the fragment: open it.
            let hash = {
                let pg = pg.clone();
                DocumentListener::window("hashchange", move |_| {
                    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
                    if let Some(Ok((text, t))) = crate::share::fragment_text(&hash) {
                        if crate::json::parse(&text).is_ok_and(|v| crate::engine::jetstream::is_jetstream(&v)) {
                            return pg.dispatch(Msg::OpenJetStream(Rc::from(text.as_str()), t));
                        }
                    }
                    match crate::share::from_fragment(&hash) {
                        None => {}
                        Some(Ok((scenario, t))) => {
                            pg.dispatch(Msg::Open(std::rc::Rc::new(scenario)));
                            pg.dispatch(Msg::Seek(t));
                        }
                        Some(Err(e)) => pg.dispatch(Msg::Error(format!("This share link could not be opened: {e}. The current run is kept."))),
                    }
                })
            };
            // window.natsPlayground.
            let api = install_api(pg.clone());
            // The URL's lesson is fetched after the first render, then moved to its time; so
            // is a JetStream example.
            let start = pg.view.start.clone();
            if let Some(name) = start.lesson {
                let pg = pg.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Err(e) = super::embed::open(&pg, Source::Lesson(name, start.variant), start.t, start.play).await {
                        pg.dispatch(Msg::Error(format!("lesson: {e}")));
                    }
                });
            } else if let Some(name) = start.example.filter(|n| JS_EXAMPLES.iter().any(|e| e.0 == n)) {
                // (A share link in the fragment comes first, as in `initial`.)
                let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
                if !crate::share::is_link(&hash) {
                    open_example(&pg, name);
                }
            }
            // Embedded: the host page's commands in (events go out after every change, below).
            super::crash::watch(&pg.session, bridge.borrow().target().map(str::to_string));
            // In a frame (the embedding page's origin may be unknown when its referrer is
            // withheld: then only `origin=` lets a page drive it).
            let host = super::embed::framed().then(|| listen(pg.clone(), pg.view.clone(), bridge));
            move || drop((keys, hidden, hash, api, host))
        });
    }
    {
        let (pg, bridge) = (pg.clone(), (*bridge).clone());
        use_effect(move || bridge.borrow_mut().sync(&pg));
    }

    // Dots cross an edge in 400 ms of real time, up to 2 s of virtual time (beyond that they
    // are a blur, and only cost frames).
    let anim_ms = ((400.0 * pg.speed()).round() as u64).clamp(50, 2_000);
    let narrow = super::hooks::use_narrow();
    let zoom = use_state(|| Zoom::Width);
    let on_wheel = {
        let zoom = zoom.clone();
        Callback::from(move |e: WheelEvent| {
            if e.ctrl_key() {
                e.prevent_default();
                zoom.set(zoomed(*zoom, if e.delta_y() < 0.0 { 1 } else { -1 }));
            }
        })
    };
    let board_opts = super::board_model::BoardOpts {
        layout: if narrow { super::board_model::Layout::Tall } else { super::board_model::Layout::Wide },
        expanded: pg.expanded.clone(),
    };
    let mut vm = super::board_model::board_with(pg.session.borrow().sim(), anim_ms, &board_opts);
    // A live region says what only the board shows (the last 200 events at most are read).
    let announce = {
        let sess = pg.session.borrow();
        super::view_model::announcement(sess.sim().trace(), sess.now(), 200).unwrap_or_default()
    };
    // While a lesson asks, the board does not give the answer away.
    if pg.lesson.as_ref().is_some_and(|r| r.asking.is_some()) {
        super::board_model::hide_countdowns(&mut vm);
    }
    let selected_node = pg.selected.as_ref().and_then(|id| vm.nodes.iter().find(|n| &n.id == id).cloned());
    let on_example = {
        let pg = pg.clone();
        Callback::from(move |i: usize| match EXAMPLES.get(i) {
            Some((_, _, body)) => pg.dispatch(Msg::open_text(body)),
            None => {
                if let Some(e) = JS_EXAMPLES.get(i - EXAMPLES.len()) {
                    open_example(&pg, e.0.to_string());
                }
            }
        })
    };
    let on_import = {
        let dialog = dialog.clone();
        Callback::from(move |_| dialog.set(Dialog::Import))
    };
    let on_export = {
        let (dialog, pg) = (dialog.clone(), pg.clone());
        Callback::from(move |_| {
            let s = pg.session.borrow();
            dialog.set(Dialog::Export(s.export(s.now()).to_json_pretty()));
        })
    };
    let on_share = {
        let (dialog, pg) = (dialog.clone(), pg.clone());
        Callback::from(move |_| {
            let frag = match run_fragment(&pg) {
                Ok(f) => f,
                Err(e) => return pg.dispatch(Msg::Error(format!("Share: {e}."))),
            };
            let Some(w) = web_sys::window() else { return };
            // The address bar shows the link too; no reload, no history entry.
            if let Ok(h) = w.history() {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&frag));
            }
            let href = w.location().href().unwrap_or_default();
            dialog.set(Dialog::Share(href));
        })
    };
    // "Open in the playground": the full page with this run, in a new tab.
    let open_full = {
        let pg = pg.clone();
        Callback::from(move |e: MouseEvent| {
            let Ok(frag) = run_fragment(&pg) else { return };
            if let Some(a) = e.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlAnchorElement>().ok()) {
                a.set_href(&format!("./{frag}"));
            }
        })
    };
    let v = pg.view.clone();
    let side = v.has_panel(Panel::Lab) || v.has_panel(Panel::Inspector);
    html! {
        <ContextProvider<Playground> context={pg.clone()}>
            <main class={class(&["app", when(v.embed, "app--embed"), when(v.compact, "app--compact"), when(v.height.is_some(), "app--fixed")])}
                  style={v.height.map(|h| format!("--h:{h}px"))}>
                if v.embed {
                    <header class="app__embedbar">
                        <a id="open-full" href="./" target="_blank" rel="noopener" onclick={open_full}>{ "NATS Streaming Playground ↗" }</a>
                    </header>
                } else {
                    <header class="app__header">
                        <h1>{ "NATS Streaming Playground" }</h1>
                        <p class="app__lead">{ "A simulated nats-streaming-server in your browser. Drag listeners into queue groups, kill them, slow them down, and watch what the server does." }</p>
                    </header>
                }
                if let Some((run, at)) = pg.jetstream.clone() {
                    if let Some(e) = &pg.error {
                        <div id="error" class="banner banner--error" role="alert">{ e.clone() }</div>
                    }
                    <JetStreamHost text={run} {at} lesson={pg.lesson.as_ref().filter(|r| r.lesson.is_jetstream(r.variant)).map(|r| {
                        let answers: Vec<(usize, usize)> = r.answers.iter().map(|(k, v)| (*k, *v)).collect();
                        Rc::from(crate::json::write::compact(&r.lesson.brief(r.variant, &answers)))
                    })} />
                } else {
                <Toolbar examples={EXAMPLES.iter().chain(JS_EXAMPLES).map(|e| e.1.to_string()).collect::<Vec<_>>()} {on_example} {on_import} {on_export} {on_share} />
                <LessonPanel />
                if let Some((w, done)) = pg.work.map(|w| (w, w.progress(pg.session.borrow().now()))) {
                    <div id="progress" class="banner banner--progress" role="status" aria-live="polite">
                        <span>{ format!("Simulating to {} s…", w.target / 1000) }</span>
                        <progress max="1000" value={((done * 1000.0) as u32).to_string()} aria-label="Simulation progress"></progress>
                        <span>{ format!("{}%", crate::fixed::fixed(done * 100.0, 0)) }</span>
                        <button id="progress-cancel" class="btn" onclick={let pg = pg.clone(); Callback::from(move |_| pg.dispatch(Msg::Cancel))}>{ "Cancel" }</button>
                    </div>
                }
                if let Some(at) = pg.settled_at.filter(|_| !pg.playing) {
                    <div id="settled" class="banner banner--info" role="status">
                        <span>{ format!("The run settled at {} s: after it nothing is scheduled but heartbeats, so the clock stopped there. Play goes on from here.", crate::fixed::fixed(at as f64 / 1000.0, 1)) }</span>
                        if let Some(others) = pg.lesson.as_ref().filter(|r| r.lesson.variants.len() > 1).map(|r| r.lesson.variants.iter().enumerate().filter(|(i, _)| *i != r.variant).map(|(_, v)| v.name.clone()).collect::<Vec<_>>().join(", ")) {
                            <span>{ format!(" This variant is over: compare it with {others} (the tabs above).") }</span>
                        }
                    </div>
                }
                if let Some(n) = &pg.notice {
                    <div id="notice" class="banner banner--info" role="status">
                        <span>{ n.clone() }</span>
                        <button class="btn" onclick={let pg = pg.clone(); Callback::from(move |_| pg.dispatch(Msg::DismissNotice))}>{ "OK" }</button>
                    </div>
                }
                <div id="announce" class="visually-hidden" aria-live="polite" aria-atomic="true">{ announce }</div>
                if let Some(err) = &pg.error {
                    <div id="error" class="banner banner--error" role="alert">
                        <span>{ err.clone() }</span>
                        <button class="btn" onclick={let pg = pg.clone(); Callback::from(move |_| pg.dispatch(Msg::DismissError))}>{ "Dismiss" }</button>
                    </div>
                }
                <div class={class(&["app__main", when(!side, "app__main--wide")])}>
                    <div class="app__left">
                    if v.has_panel(Panel::Board) {
                        <div class="app__board">
                            <div class="board-tools" role="toolbar" aria-label="Board size">
                                { for [("Fit", Zoom::Fit, "The whole board in view", "board-fit"), ("Width", Zoom::Width, "As wide as this box", "board-width")].into_iter().map(|(label, z, title, id)| {
                                    let zoom = zoom.clone();
                                    html! { <button {id} class={class(&["btn", "btn--small", when(*zoom == z, "btn--on")])} aria-pressed={(*zoom == z).to_string()} {title}
                                                    onclick={Callback::from(move |_| zoom.set(z))}>{ label }</button> }
                                }) }
                                <button class="btn btn--small" id="zoom-out" aria-label="Zoom out" onclick={let zoom = zoom.clone(); Callback::from(move |_| zoom.set(zoomed(*zoom, -1)))}>{ "−" }</button>
                                <button class="btn btn--small" id="zoom-in" aria-label="Zoom in" onclick={let zoom = zoom.clone(); Callback::from(move |_| zoom.set(zoomed(*zoom, 1)))}>{ "+" }</button>
                                <button id="beside-toggle" class={class(&["btn", "btn--small", when(pg.beside.is_some(), "btn--on")])} aria-pressed={pg.beside.is_some().to_string()}
                                        title="The same run translated into JetStream (as nats-io/stan2js migrates), under this board on the same clock"
                                        onclick={let pg = pg.clone(); Callback::from(move |_| pg.dispatch(Msg::ToggleBeside))}>{ "JetStream beside" }</button>
                                <span class="board-tools__hint">{ if narrow { "swipe to scroll · drag a listener onto a group" } else { "drag a listener onto a group · ctrl+wheel zooms" } }</span>
                            </div>
                            <div class="board-scroll" onwheel={on_wheel}>
                                <Board vm={vm.clone()} selected={pg.selected.clone()} zoom={*zoom} />
                            </div>
                            { markup(LEGEND) }
                        </div>
                    }
                    if let Some(text) = pg.beside.clone() {
                        <JetStreamBeside {text} at={pg.session.borrow().now()} />
                    }
                    if v.has_panel(Panel::Monitor) { <ServerDock /> }
                    </div>
                    if side {
                        <aside class="app__side">
                            if v.has_panel(Panel::Lab) { <LabPanel /> }
                            if v.has_panel(Panel::Inspector) { <Inspector node={selected_node} /> }
                        </aside>
                    }
                </div>
                if v.has_panel(Panel::Timeline) { <TimelineView selected={pg.selected.clone()} /> }
                if v.has_panel(Panel::Log) || v.has_panel(Panel::Monitor) {
                    <div class="app__panels">
                        if v.has_panel(Panel::Log) { <EventLog /> }
                        if v.has_panel(Panel::Monitor) { <MonitorPanel /> }
                    </div>
                }
                }
                { dialog_view(&dialog, &pg) }
                if pg.help { { help(&pg) } }
            </main>
        </ContextProvider<Playground>>
    }
}

#[derive(Properties, PartialEq)]
struct HostProps {
    text: Rc<str>,
    at: u64,
    /// A lesson's JetStream variant: what JetStream mode needs to follow it (`Lesson::brief`).
    #[prop_or_default]
    lesson: Option<Rc<str>>,
}

/// Loads JetStream mode's module once it is needed (`dist/jetstream/`: its wasm, and its
/// styles, `jetstream.css`, which are not in the first download either) and calls `call` on
/// it (`m` is the module; `params` name the three arguments).
fn with_jetstream_module(params: &str, call: &str, args: &[&wasm_bindgen::JsValue]) -> Option<js_sys::Promise> {
    let load = js_sys::Function::new_with_args(
        params,
        &format!(
            "const base = new URL('./jetstream/', document.baseURI); \
             const css = document.getElementById('js-css') ? null : new Promise((done) => {{ \
               const l = document.createElement('link'); l.id = 'js-css'; l.rel = 'stylesheet'; \
               l.href = new URL('jetstream.css', base).href; l.onload = l.onerror = done; document.head.appendChild(l); }}); \
             return Promise.all([import(new URL('jetstream.js', base).href), css]).then(async ([m]) => {{ \
               await m.default({{ module_or_path: new URL('jetstream_bg.wasm', base).href }}); \
               globalThis.__natsJetStream = m; return {call}; }})"
        ),
    );
    let list = js_sys::Array::new();
    for a in args {
        list.push(a);
    }
    load.apply(&wasm_bindgen::JsValue::NULL, &list).ok().and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
}

/// Waits for a mount: its warning becomes the page's error; a failure sends `undo` and
/// says `what` failed and why.
fn mounted(promise: Option<js_sys::Promise>, pg: Playground, undo: Msg, what: &'static str) {
    let Some(p) = promise else { return };
    wasm_bindgen_futures::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(p).await {
            Ok(w) => {
                if let Some(w) = w.as_string().filter(|w| !w.is_empty()) {
                    pg.dispatch(Msg::Error(w));
                }
            }
            Err(e) => {
                let why = e
                    .as_string()
                    .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
                    .unwrap_or_else(|| "it could not be loaded".into());
                pg.dispatch(undo);
                pg.dispatch(Msg::Error(format!("{what}: {why}")));
            }
        }
    });
}

/// Loads JetStream mode's module (`jetstream/jetstream.js`, only now: it is not part of the
/// page's first download) and mounts it into an element this app never renders into.
#[function_component]
fn JetStreamHost(HostProps { text, at, lesson }: &HostProps) -> Html {
    let pg = use_context::<Playground>().expect("playground context");
    // Answers given in JetStream mode are kept like the lesson panel keeps them.
    {
        let key = pg.lesson.as_ref().map(|r| (r.lesson.id.clone(), r.answers.clone(), super::lessons::finished(&r.lesson, &r.answers)));
        use_effect_with(key, |key| {
            if let Some((id, answers, done)) = key {
                super::lessons::remember(id, answers, *done);
            }
        });
    }
    // The lesson as it was when this run opened: answers given in JetStream mode come back
    // through `on_lesson` and do not reopen the run.
    let lesson = lesson.clone();
    use_effect_with((text.clone(), *at), move |(text, at)| {
        let back = {
            let pg = pg.clone();
            wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || pg.dispatch(Msg::CloseJetStream))
        };
        // From a lesson's JetStream variant: "answer" (checkpoint, choice), "variant" (tab).
        let on_lesson = {
            let pg = pg.clone();
            wasm_bindgen::closure::Closure::<dyn Fn(String, f64, f64)>::new(move |what: String, a: f64, b: f64| {
                let (a, b) = (a.max(0.0) as usize, b.max(0.0) as usize);
                match what.as_str() {
                    "answer" => pg.dispatch(Msg::AnswerAt(a, b)),
                    "variant" => pg.dispatch(Msg::LessonVariant(a)),
                    _ => {}
                }
            })
        };
        // The player's cursor, for a host page.
        let on_time = {
            let view = pg.view.clone();
            wasm_bindgen::closure::Closure::<dyn Fn(f64, bool)>::new(move |t: f64, playing: bool| super::embed::post_time(&view, t.max(0.0) as u64, playing))
        };
        let lesson = lesson.as_deref().map_or(wasm_bindgen::JsValue::NULL, wasm_bindgen::JsValue::from_str);
        let promise = with_jetstream_module(
            "text, back, at, lesson, onLesson, onTime",
            "m.mount('js-host', text, back, at, lesson, onLesson, onTime)",
            &[
                &wasm_bindgen::JsValue::from_str(text),
                back.as_ref(),
                &wasm_bindgen::JsValue::from_f64(*at as f64),
                &lesson,
                on_lesson.as_ref(),
                on_time.as_ref(),
            ],
        );
        mounted(promise, pg, Msg::CloseJetStream, "This JetStream scenario was not opened (the current run is kept)");
        move || {
            let _ = js_sys::Function::new_no_args("globalThis.__natsJetStream && globalThis.__natsJetStream.unmount()").call0(&wasm_bindgen::JsValue::NULL);
            drop((back, on_lesson, on_time));
        }
    });
    // No children: the JetStream module renders inside.
    html! { <div id="js-host" class="js-host" aria-live="polite"></div> }
}

/// The run translated into JetStream under the board, on the page's clock: JetStream
/// mode's module (loaded now, if it was not yet) renders it into an element this app never
/// renders into, and follows the cursor.
#[function_component]
fn JetStreamBeside(HostProps { text, at, .. }: &HostProps) -> Html {
    let pg = use_context::<Playground>().expect("playground context");
    // The latest cursor, for the module when it has loaded.
    let _ = js_sys::Reflect::set(&js_sys::global(), &"__natsBesideAt".into(), &wasm_bindgen::JsValue::from_f64(*at as f64));
    use_effect_with(*at, |at| {
        let _ =
            js_sys::Function::new_with_args("at", "globalThis.__natsJetStream && globalThis.__natsJetStream.follow && globalThis.__natsJetStream.follow(at)")
                .call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::from_f64(*at as f64));
    });
    use_effect_with(text.clone(), move |text| {
        let open = {
            let pg = pg.clone();
            wasm_bindgen::closure::Closure::<dyn Fn(String, f64)>::new(move |text: String, t: f64| {
                pg.dispatch(Msg::OpenJetStream(Rc::from(text.as_str()), t.max(0.0) as u64))
            })
        };
        let close = {
            let pg = pg.clone();
            wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || pg.dispatch(Msg::ToggleBeside))
        };
        let promise = with_jetstream_module(
            "text, open, close",
            "m.mount_beside('js-beside', text, globalThis.__natsBesideAt || 0, open, close)",
            &[&wasm_bindgen::JsValue::from_str(text), open.as_ref(), close.as_ref()],
        );
        mounted(promise, pg, Msg::ToggleBeside, "The run could not be shown on JetStream");
        move || {
            let _ =
                js_sys::Function::new_no_args("globalThis.__natsJetStream && globalThis.__natsJetStream.unmount_beside()").call0(&wasm_bindgen::JsValue::NULL);
            drop((open, close));
        }
    });
    html! { <div id="js-beside" class="js-host js-host--beside" aria-live="polite"></div> }
}

/// One step of zoom in (`+1`) or out (`-1`): 50 % to 300 % of the box's width.
fn zoomed(z: Zoom, dir: i32) -> Zoom {
    let k = match z {
        Zoom::Times(k) => k,
        _ => 1.0,
    };
    let k = (k * if dir > 0 { 1.25 } else { 0.8 }).clamp(0.5, 3.0);
    if (k - 1.0).abs() < 0.01 {
        Zoom::Width
    } else {
        Zoom::Times(k)
    }
}

/// What every colour and mark on the board means: static markup, so one string rather than a
/// component (the page's code is what its first download pays for, text compresses).
const LEGEND: &str = concat!(
    r#"<details class="legend" open><summary>Legend</summary><ul>"#,
    r#"<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><g class="dot dot--publish"><circle cx="8" cy="8" r="6"/></g></svg>publish</li>"#,
    r#"<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><g class="dot dot--deliver"><circle cx="8" cy="8" r="6"/></g></svg>delivery</li>"#,
    r#"<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><g class="dot dot--redeliver"><circle cx="8" cy="8" r="6"/></g></svg>redelivery (ack wait ran out)</li>"#,
    r#"<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><g class="dot dot--ack"><circle cx="8" cy="8" r="6"/></g></svg>ack</li>"#,
    r#"<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><circle class="pulse pulse--ok" cx="8" cy="8" r="6"/></svg>heartbeat answered</li>"#,
    r#"<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><circle class="pulse pulse--missed" cx="8" cy="8" r="6"/></svg>heartbeat missed</li>"#,
    r#"<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><circle class="node__ring-bg" cx="8" cy="8" r="5"/><circle class="node__ring" cx="8" cy="8" r="5" pathLength="100" stroke-dasharray="60 100" transform="rotate(-90 8 8)"/></svg>ack wait used by the oldest unacked message</li>"#,
    r#"<li><span class="legend__swatch legend__swatch--ok" aria-hidden="true"></span>running</li>"#,
    r#"<li><span class="legend__swatch legend__swatch--warn" aria-hidden="true"></span>blocked or paused: heartbeats missed</li>"#,
    r#"<li><span class="legend__swatch legend__swatch--bad" aria-hidden="true"></span>killed: the server still holds it (zombie)</li>"#,
    r#"<li><span class="legend__swatch legend__swatch--gone" aria-hidden="true"></span>dropped or closed: the server forgot it</li>"#,
    r#"<li><span class="legend__swatch legend__swatch--group" aria-hidden="true"></span>queue group</li>"#,
    r#"<li><span class="legend__text legend__text--failing">s1 · 1 pending</span> handler set to fail</li>"#,
    r#"<li><span class="legend__text legend__text--stalled">STALLED</span> at max in flight</li>"#,
    r#"<li><span class="legend__text legend__text--offline">durable … offline</span> kept by the server, no client</li>"#,
    "</ul></details>"
);

/// The keys and gestures (static markup, like [`LEGEND`]).
const HELP: &str = concat!(
    r#"<h2>Keys and gestures</h2><ul class="help">"#,
    r#"<li><kbd>space</kbd> play / pause · <kbd>→</kbd> next event · <kbd>←</kbd> one second back · <kbd>?</kbd> this help · <kbd>Esc</kbd> deselect or close</li>"#,
    r#"<li>On a focused board node: <kbd>Enter</kbd> opens its inspector · arrow keys move to the next node · <kbd>k</kbd> kill · <kbd>c</kbd> close · <kbd>r</kbd> restart. Tab reaches the timeline's lane names too.</li>"#,
    r#"<li>Drag a listener onto a queue group to join it, onto the dashed zone to start a new group, anywhere else to leave its group (its subscription is closed and a new one made, as a real restart would). By touch too; or type the group into the inspector's queue group field and Apply.</li>"#,
    r#"<li>Scrub back in time and act there: the run forks from that moment; later scripted actions stay unless they name a client or subscription the change ended (a notice lists both).</li>"#,
    r#"<li>Click a node for its options (named like the stan.js calls; a subscription's are applied together as one re-subscribe), its handler's console and its actions: close gracefully, kill, pause, restart.</li>"#,
    r#"<li>Fit shows the whole board, Width fits its width, − / + and ctrl+wheel zoom. A big queue group shows three members and a count: click it to open the group.</li>"#,
    "</ul>"
);

/// Our own static markup (never text from a run, a file or a URL) as nodes.
fn markup(html: &'static str) -> Html {
    Html::from_html_unchecked(AttrValue::Static(html))
}

fn dialog_view(dialog: &UseStateHandle<Dialog>, pg: &Playground) -> Html {
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |_| dialog.set(Dialog::None))
    };
    match &**dialog {
        Dialog::None => html! {},
        Dialog::Share(link) => {
            let copy = {
                let link = link.clone();
                Callback::from(move |_| super::hooks::copy_to_clipboard(&link))
            };
            html! {
                <div class="modal" role="dialog" aria-label="Share this run">
                    <div class="modal__box">
                        <h2>{ "Share: a link that opens this run" }</h2>
                        <p>{ format!("The scenario, its seed and every action so far are in the link ({} characters, compressed with lz-string). It opens at the same moment, with the same trace.", link.len()) }</p>
                        <input id="share-link" class="modal__link" type="text" readonly=true value={link.clone()} />
                        <div class="inspector__row">
                            <button id="share-copy" class="btn btn--primary" onclick={copy}>{ "Copy link" }</button>
                        </div>
                        <EmbedCodeBox link={link.clone()} />
                        <div class="inspector__row"><button class="btn" onclick={close}>{ "Close" }</button></div>
                    </div>
                </div>
            }
        }
        Dialog::Export(text) => {
            let href = format!("data:application/json;charset=utf-8,{}", js_sys::encode_uri_component(text));
            html! {
                <div class="modal" role="dialog" aria-label="Export scenario">
                    <div class="modal__box">
                        <h2>{ "Export: this run as a scenario" }</h2>
                        <p>{ "Run it headlessly with natsim run FILE, or import it here: the same seed and actions give the same trace." }</p>
                        <textarea id="export-text" class="modal__text" readonly=true value={text.clone()} />
                        <div class="inspector__row">
                            <a id="export-download" class="btn btn--primary" href={href} download="scenario.json">{ "Download scenario.json" }</a>
                            <button class="btn" onclick={close}>{ "Close" }</button>
                        </div>
                    </div>
                </div>
            }
        }
        Dialog::Import => {
            let text = NodeRef::default();
            let load = {
                let (pg, dialog, text) = (pg.clone(), dialog.clone(), text.clone());
                Callback::from(move |_| {
                    if let Some(t) = text.cast::<HtmlTextAreaElement>() {
                        pg.dispatch(Msg::DismissError);
                        pg.dispatch(Msg::open_text(&t.value()));
                        dialog.set(Dialog::None);
                    }
                })
            };
            let on_file = {
                let text = text.clone();
                Callback::from(move |e: Event| {
                    let Some(file) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).and_then(|i| i.files()).and_then(|f| f.get(0))
                    else {
                        return;
                    };
                    let text = text.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let body = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string()).unwrap_or_default();
                        if let Some(t) = text.cast::<HtmlTextAreaElement>() {
                            t.set_value(&body);
                        }
                    });
                })
            };
            html! {
                <div class="modal" role="dialog" aria-label="Import scenario">
                    <div class="modal__box">
                        <h2>{ "Import a scenario" }</h2>
                        <p>{ "Choose or paste a scenario file (the natsim JSON format). A broken file is refused and the current run is kept." }</p>
                        <input id="import-file" type="file" accept=".json,application/json" onchange={on_file} />
                        <textarea id="import-text" ref={text} class="modal__text" spellcheck="false" />
                        <div class="inspector__row">
                            <button id="import-load" class="btn btn--primary" onclick={load}>{ "Load" }</button>
                            <button class="btn" onclick={close}>{ "Cancel" }</button>
                        </div>
                    </div>
                </div>
            }
        }
    }
}

/// Props of the embed code box.
#[derive(Properties, PartialEq)]
struct EmbedCodeProps {
    /// The share link of this run.
    link: String,
}

/// "Embed in a course page": a few options and the `<iframe>` to paste, with a Copy button.
/// In a lesson the frame opens the lesson (and its variant, at this moment); otherwise it
/// carries this run like the share link.
#[function_component]
fn EmbedCodeBox(EmbedCodeProps { link }: &EmbedCodeProps) -> Html {
    let pg = super::hooks::use_playground();
    let code = use_state(EmbedCode::default);
    let split = link.find(['?', '#']).unwrap_or(link.len());
    let (page, fragment) = (&link[..split], link.find('#').map_or("", |i| &link[i..]));
    // In a lesson the frame can open the lesson itself (a teacher's usual wish) or this run.
    let in_lesson = pg.lesson.as_ref().map(|r| (r.lesson.id.as_str(), r.variant));
    let as_lesson = use_state(|| true);
    let lesson = in_lesson.filter(|_| *as_lesson);
    let snippet = code.snippet(&code.url(page, lesson, pg.session.borrow().now(), fragment));
    let toggle = |f: fn(&mut EmbedCode, bool)| {
        let code = code.clone();
        Callback::from(move |e: Event| {
            let mut c = (*code).clone();
            f(&mut c, value_of(&e) == "true");
            code.set(c);
        })
    };
    let on_height = {
        let code = code.clone();
        Callback::from(move |e: Event| {
            if let Ok(h) = value_of(&e).parse::<u32>() {
                code.set(EmbedCode { height: h.clamp(200, 4000), ..(*code).clone() });
            }
        })
    };
    let copy = {
        let snippet = snippet.clone();
        Callback::from(move |_| super::hooks::copy_to_clipboard(&snippet))
    };
    html! {
        <section class="embedcode" aria-label="Embed in a course page">
            <h3>{ "Embed in a course page" }</h3>
            if in_lesson.is_some() {
                <label><input id="embed-as-lesson" type="checkbox" checked={*as_lesson}
                    onchange={{ let a = as_lesson.clone(); Callback::from(move |_: Event| a.set(!*a)) }} />
                    { " open the lesson (its text, variants and checkpoints) rather than this exact run" }</label>
            }
            <div class="inspector__row">
                <label><input id="embed-play" type="checkbox" checked={code.play} onchange={toggle(|c, on| c.play = on)} />{ " start playing" }</label>
                <label><input id="embed-lock" type="checkbox" checked={code.lock_board} onchange={toggle(|c, on| c.lock_board = on)} />{ " lock the board" }</label>
                <label><input id="embed-lock-time" type="checkbox" checked={code.lock_time} onchange={toggle(|c, on| c.lock_time = on)} />{ " lock the time controls" }</label>
                <label><input id="embed-compact" type="checkbox" checked={code.compact} onchange={toggle(|c, on| c.compact = on)} />{ " compact" }</label>
                <label>{ "theme " }
                    <select id="embed-theme" onchange={{
                        let code = code.clone();
                        Callback::from(move |e: Event| {
                            let v = value_of(&e);
                            code.set(EmbedCode { theme: ["light", "dark"].into_iter().find(|t| *t == v), ..(*code).clone() });
                        })
                    }}>
                        <option value="auto" selected={code.theme.is_none()}>{ "the reader's" }</option>
                        <option value="light" selected={code.theme == Some("light")}>{ "light" }</option>
                        <option value="dark" selected={code.theme == Some("dark")}>{ "dark" }</option>
                    </select></label>
                <label>{ "height " }<input id="embed-height" type="number" min="200" max="4000" step="20" value={code.height.to_string()} onchange={on_height} />{ " px" }</label>
            </div>
            <textarea id="embed-code" class="modal__text modal__text--short" readonly=true value={snippet} />
            <div class="inspector__row">
                <button id="embed-copy" class="btn btn--primary" onclick={copy}>{ "Copy embed code" }</button>
                <a class="btn" href="embed-example.html" target="_blank" rel="noopener">{ "Example host page and its postMessage API" }</a>
            </div>
        </section>
    }
}

fn help(pg: &Playground) -> Html {
    let close = {
        let pg = pg.clone();
        Callback::from(move |_| pg.dispatch(Msg::ToggleHelp))
    };
    html! {
        <div class="modal" role="dialog" aria-label="Help">
            <div class="modal__box">
                { markup(HELP) }
                <button class="btn" onclick={close}>{ "Close" }</button>
            </div>
        </div>
    }
}
