//! The `postMessage` bridge of an embedded page: commands in from the embedding page (only
//! from the parent window, only from allowed origins — see [`crate::embed::View::accepts`]),
//! and events out to it (only to its origin): `ready`, `time`, `trace`, `checkpoint`,
//! `loaded`, `reply` and `error`, each tagged `source: "nats-playground"`.

use super::hooks::{DocumentListener, Playground};
use super::state::Msg;
use crate::embed::{parse_command, Command, Source, View, Watch};
use crate::engine::vecmap::VecMap;
use crate::engine::{Scenario, Session, SimTime, TraceEvent};
use crate::json::obj;
use crate::lesson::Lesson;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// At most this many trace events per `trace` message (a long run is sent in several).
const TRACE_CHUNK: usize = 5_000;

/// What the host page was last told, and what it asked for.
#[derive(Default)]
pub struct Bridge {
    /// Where our messages go (none: not embedded, or no allowed parent).
    target: Option<String>,
    watch: Watch,
    sent_t: Option<(SimTime, bool)>,
    /// Report the page's height (no fixed `height` option): the last one sent, and when it
    /// was measured (real ms; measuring forces a layout, so while playing at most 4 times a
    /// second; every render when paused, which also catches the last one).
    auto_height: bool,
    sent_height: i32,
    measured_at: f64,
    sent_len: usize,
    sent_generation: u64,
    /// The lesson and the answers already reported.
    answers: Option<(String, VecMap<usize, usize>)>,
    /// What the page state holds and the shared session does not (for `get state`): playing,
    /// speed, and the lesson with its variant and the checkpoint being asked.
    playing: bool,
    speed: f64,
    lesson: Option<(Rc<Lesson>, usize, Option<usize>)>,
}

/// Whether the page is in a frame.
pub fn framed() -> bool {
    web_sys::window().is_some_and(|w| w.parent().ok().flatten().is_some_and(|p| !js_sys::Object::is(&p, &w)))
}

/// The embedding page's origin, as the browser reports it.
pub fn parent_origin() -> Option<String> {
    if !framed() {
        return None;
    }
    let w = web_sys::window()?;
    // Chromium and WebKit tell the embedding page's origin; elsewhere the referrer does.
    let ancestors = js_sys::Reflect::get(&w.location(), &"ancestorOrigins".into()).ok().and_then(|l| l.dyn_into::<web_sys::DomStringList>().ok());
    // ("null" when the frame's referrer policy withholds it.)
    if let Some(o) = ancestors.and_then(|l| l.item(0)).filter(|o| o != "null") {
        return Some(o);
    }
    let referrer = w.document()?.referrer();
    web_sys::Url::new(&referrer).ok().map(|u| u.origin()).filter(|o| o != "null")
}

/// Posts a message (JSON text) to the embedding page, if it may have it.
fn post_text(target: &Option<String>, text: &str) {
    let (Some(target), Some(w)) = (target, web_sys::window()) else { return };
    let Some(parent) = w.parent().ok().flatten() else { return };
    if let Ok(v) = js_sys::JSON::parse(text) {
        let _ = parent.post_message(&v, target);
    }
}

/// A message as the embedding page receives it: marked as the playground's.
fn sourced(mut msg: Value) -> Value {
    if let Value::Object(m) = &mut msg {
        m.insert("source".into(), "nats-playground".into());
    }
    msg
}

fn post(target: &Option<String>, msg: Value) {
    post_text(target, &crate::json::write::compact(&sourced(msg)));
}

/// A message with a large JSON payload, written as text (no intermediate `Value`).
fn post_raw(target: &Option<String>, head: Value, key: &str, payload: &str) {
    let head = crate::json::write::compact(&sourced(head));
    post_text(target, &format!("{},\"{key}\":{payload}}}", &head[..head.len() - 1]));
}

/// Tells the embedding page JetStream mode's cursor (its player runs in its own module and
/// reports it here).
pub fn post_time(view: &View, t: SimTime, playing: bool) {
    if framed() {
        post(&view.target(parent_origin().as_deref()), obj([("type", "time".into()), ("t", t.into()), ("playing", playing.into())]));
    }
}

/// Hands a host command to JetStream mode's player (`command()` of its module): the value of
/// a `get`, "" otherwise; `None` while its module has not loaded.
fn to_jetstream(cmd: Value) -> Option<String> {
    let f = js_sys::Function::new_with_args("c", "const m = globalThis.__natsJetStream; return m && m.command ? m.command(c) : null");
    f.call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::from_str(&crate::json::write::compact(&cmd))).ok().and_then(|v| v.as_string())
}

fn events(evs: &[TraceEvent], watch: &Watch) -> String {
    crate::engine::trace::events_json(evs.iter().filter(|e| watch.wants(e.kind.name())))
}

impl Bridge {
    /// A bridge for `view`, posting to the parent when it is allowed.
    pub fn new(view: &View) -> Rc<RefCell<Bridge>> {
        Rc::new(RefCell::new(Bridge { target: view.target(parent_origin().as_deref()), auto_height: view.height.is_none(), ..Bridge::default() }))
    }

    /// Where the page's messages go, if anywhere.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// Tells the host what changed since the last call (after every state change).
    pub fn sync(&mut self, pg: &Playground) {
        if self.target.is_none() {
            return;
        }
        // In JetStream mode its player tells the time (`post_time`), and there is no NATS
        // Streaming trace to watch.
        let stan = pg.jetstream.is_none();
        let s = pg.session.borrow();
        let (t, playing) = (s.now(), pg.playing);
        (self.playing, self.speed) = (playing, pg.speed());
        self.lesson = pg.lesson.as_ref().map(|r| (r.lesson.clone(), r.variant, r.asking));
        // The content's height, so that the host can size the frame to it (no inner scroll).
        let real = js_sys::Date::now();
        if self.auto_height && (!playing || real - self.measured_at >= 250.0) {
            self.measured_at = real;
            let h = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()).map_or(0, |b| b.scroll_height());
            if h != self.sent_height {
                self.sent_height = h;
                post(&self.target, obj([("type", "resize".into()), ("height", h.into())]));
            }
        }
        if stan && self.sent_t != Some((t, playing)) {
            self.sent_t = Some((t, playing));
            post(&self.target, obj([("type", "time".into()), ("t", t.into()), ("playing", playing.into())]));
        }
        if stan && self.watch != Watch::Off {
            let trace = s.sim().trace();
            let reset = s.generation() != self.sent_generation || trace.len() < self.sent_len;
            let from = if reset { 0 } else { self.sent_len };
            let new = &trace[from..];
            if reset || !new.is_empty() {
                let chunks: Vec<&[TraceEvent]> = if new.is_empty() { vec![new] } else { new.chunks(TRACE_CHUNK).collect() };
                for (i, c) in chunks.iter().enumerate() {
                    let evs = events(c, &self.watch);
                    if (reset && i == 0) || evs != "[]" {
                        post_raw(&self.target, obj([("type", "trace".into()), ("reset", (reset && i == 0).into()), ("t", t.into())]), "events", &evs);
                    }
                }
            }
            self.sent_len = trace.len();
            self.sent_generation = s.generation();
        }
        drop(s);
        // Checkpoint answers, once each, as the learner gives them (answers saved earlier, or
        // those of a lesson just opened, are not news).
        let answers = pg.lesson.as_ref().map(|r| (&r.lesson.id, &r.answers));
        if self.answers.as_ref().map(|(id, a)| (id, a)) != answers {
            if let (Some(run), Some((id, known))) = (&pg.lesson, &self.answers) {
                if *id == run.lesson.id {
                    for (i, choice) in run.answers.iter().filter(|(i, _)| !known.contains_key(i)) {
                        let Some(c) = run.lesson.checkpoints.get(*i) else { continue };
                        post(
                            &self.target,
                            obj([
                                ("type", "checkpoint".into()),
                                ("lesson", run.lesson.id.as_str().into()),
                                ("variant", c.variant.into()),
                                ("checkpoint", (*i).into()),
                                ("at_ms", c.at_ms.into()),
                                ("question", c.question.as_str().into()),
                                ("choice", (*choice).into()),
                                ("chosen", c.choices.get(*choice).cloned().into()),
                                ("answer", c.choices.get(c.answer).cloned().into()),
                                ("correct", (*choice == c.answer).into()),
                            ]),
                        );
                    }
                }
            }
            self.answers = answers.map(|(id, a)| (id.clone(), a.clone()));
        }
    }

    /// `get state`: the cursor and the horizon from the session, the rest as last rendered.
    fn state(&self, s: &Session) -> Value {
        let lesson =
            self.lesson.as_ref().map(|(l, variant, asking)| obj([("id", l.id.as_str().into()), ("variant", (*variant).into()), ("asking", (*asking).into())]));
        obj([("t", s.now().into()), ("playing", self.playing.into()), ("speed", self.speed.into()), ("horizon", s.horizon().into()), ("lesson", lesson.into())])
    }

    fn reply(&self, id: Option<Value>, msg: Value) {
        post(&self.target, with_id(msg, id));
    }
}

/// An answer carries the `id` of the command it answers, if it had one.
fn with_id(mut msg: Value, id: Option<Value>) -> Value {
    if let Some(id) = id {
        msg["id"] = id;
    }
    msg
}

/// Listens for the host page's commands; dropping it stops listening.
pub fn listen(pg: Playground, view: Rc<View>, bridge: Rc<RefCell<Bridge>>) -> DocumentListener {
    // The `ready` message: the host may send commands from now on.
    {
        let b = bridge.borrow();
        post(&b.target, obj([("type", "ready".into()), ("version", 1.into()), ("t", pg.session.borrow().now().into())]));
    }
    DocumentListener::window("message", move |e| {
        let Ok(e) = e.dyn_into::<web_sys::MessageEvent>() else { return };
        let Some(w) = web_sys::window() else { return };
        let from_parent = matches!((e.source(), w.parent().ok().flatten()), (Some(s), Some(p)) if js_sys::Object::is(&s, &p) && !js_sys::Object::is(&p, &w));
        let origin = e.origin();
        if !from_parent || !view.accepts(&origin, parent_origin().as_deref()) {
            web_sys::console::warn_1(&format!("nats-playground: ignored a message from {origin} (not the embedding page, or not an allowed origin)").into());
            return;
        }
        let data: Value = js_sys::JSON::stringify(&e.data()).ok().and_then(|s| s.as_string()).and_then(|s| crate::json::parse(&s).ok()).unwrap_or(Value::Null);
        let (id, cmd) = match parse_command(&data) {
            Ok(x) => x,
            Err(message) => {
                let mut data = data;
                let id = data.get_mut("id").map(Value::take);
                bridge.borrow().reply(id, obj([("type", "error".into()), ("message", message.to_string().into())]));
                return;
            }
        };
        run(&pg, &bridge, id, cmd);
    })
}

fn run(pg: &Playground, bridge: &Rc<RefCell<Bridge>>, id: Option<Value>, cmd: Command) {
    // JetStream mode: its player takes the commands about the run shown.
    if pg.jetstream.is_some() {
        let forward = match &cmd {
            Command::Play => Some(obj([("type", "play".into())])),
            Command::Pause => Some(obj([("type", "pause".into())])),
            Command::Seek(t) => Some(obj([("type", "seek".into()), ("t", (*t).into())])),
            Command::Speed(f) => Some(obj([("type", "speed".into()), ("factor", (*f).into())])),
            Command::Get(what) => Some(obj([("type", "get".into()), ("what", what.as_str().into())])),
            Command::Watch(_) | Command::Load { .. } => None,
        };
        if let Some(c) = forward {
            let got = to_jetstream(c);
            if let Command::Get(what) = &cmd {
                let b = bridge.borrow();
                match got {
                    Some(value) => post_raw(
                        &b.target,
                        with_id(obj([("type", "reply".into()), ("what", what.as_str().into())]), id),
                        "value",
                        if value.is_empty() { "null" } else { &value },
                    ),
                    None => b.reply(id, obj([("type", "error".into()), ("message", "JetStream mode is still loading; ask again".into())])),
                }
            }
            return;
        }
    }
    match cmd {
        Command::Play => pg.dispatch(Msg::Play),
        Command::Pause => pg.dispatch(Msg::Pause),
        Command::Seek(t) => {
            pg.dispatch(Msg::Pause);
            pg.dispatch(Msg::Seek(t));
        }
        Command::Speed(f) => pg.dispatch(Msg::SetSpeed(f.log10())),
        Command::Watch(w) => {
            let mut b = bridge.borrow_mut();
            b.watch = w;
            // The next sync sends everything up to the cursor.
            b.sent_len = 0;
            b.sent_generation = 0;
        }
        Command::Get(what) => {
            let s = pg.session.borrow();
            let value = match what.as_str() {
                "trace" => crate::engine::trace::events_json(s.sim().trace()),
                "monitor" => crate::json::write::compact(&s.sim().monitor().json()),
                "scenario" => crate::json::write::compact(&s.export(s.now()).to_value()),
                _ => crate::json::write::compact(&bridge.borrow().state(&s)),
            };
            drop(s);
            let head = with_id(obj([("type", "reply".into()), ("what", what.as_str().into())]), id);
            post_raw(&bridge.borrow().target, head, "value", &value);
        }
        Command::Load { source, t, play } => {
            let (pg, bridge) = (pg.clone(), bridge.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = open(&pg, source, t, play).await;
                let b = bridge.borrow();
                match r {
                    Ok(()) => b.reply(id, obj([("type", "loaded".into())])),
                    Err(message) => b.reply(id, obj([("type", "error".into()), ("message", message.into())])),
                }
            });
        }
    }
}

/// Opens a scenario, a built-in example or a lesson (fetched), then moves to `t` and plays
/// if asked. An error leaves the current run as it is.
/// A built-in example's scenario text: NATS Streaming ones are in the page, JetStream ones
/// are fetched (see [`super::examples::JS_EXAMPLES`]).
pub async fn example_text(name: &str) -> Result<String, String> {
    use super::examples::{js_example_url, EXAMPLES, JS_EXAMPLES};
    if let Some(e) = EXAMPLES.iter().find(|e| e.0 == name) {
        return Ok(e.2.to_string());
    }
    let e = JS_EXAMPLES.iter().find(|e| e.0 == name).ok_or_else(|| format!("no example '{name}'"))?;
    super::lessons::fetch_text(&js_example_url(e.2)).await
}

pub async fn open(pg: &Playground, source: Source, t: Option<SimTime>, play: bool) -> Result<(), String> {
    match source {
        Source::Scenario(text) => match Msg::open_text(&text) {
            // JetStream mode reads its own scenario (its errors come back as the page's).
            Msg::OpenJetStream(text, _) => pg.dispatch(Msg::OpenJetStream(text, t.unwrap_or(0))),
            _ => {
                let s = Scenario::parse(&text).map_err(|e| format!("load: {e}"))?;
                pg.dispatch(Msg::Open(std::rc::Rc::new(s)));
            }
        },
        Source::Example(name) => pg.dispatch(Msg::open_text(&example_text(&name).await.map_err(|e| format!("load: {e}"))?)),
        Source::Lesson(name, variant) => super::lessons::start_lesson(pg, &name, variant).await?,
    }
    if let Some(t) = t.filter(|t| *t > 0) {
        pg.dispatch(Msg::Seek(t));
    }
    if play {
        pg.dispatch(Msg::Play);
    }
    Ok(())
}
