//! JetStream mode, first step: a player of a JetStream run (nats-server 2.9.10 and nats.js
//! clients, simulated). Play, pause, speed and a scrub bar over the run; the board of
//! streams, consumers and the listeners bound to them at the cursor
//! (`jetstream_model::board`); the event log up to the cursor; `/jsz` at the cursor.
//! The run is computed once when opened ([`crate::engine::jetstream::JsSession`]). It is
//! its own wasm module (`src/bin/jetstream.rs`), loaded only when JetStream mode opens, so
//! the NATS Streaming page's download does not grow with it.

use super::jetstream_gesture::JsGesture;
use super::jetstream_inspector::{JsInspector, SimAt};
use super::jetstream_model::{board_laid, log_line, real_view, traps, DropTarget, JsNodeKind, RealView, NODE_W};
use crate::engine::jetstream::edit::fork;
use crate::engine::jetstream::JsSession;
use crate::engine::time::SimTime;
use crate::engine::RunLimits;
use gloo_timers::callback::Interval;
use serde_json::Value;
use std::rc::Rc;
use yew::prelude::*;

/// What the page computes of a JetStream run (it is computed whole when opened or changed).
pub const LIMITS: RunLimits = RunLimits { max_trace: 300_000, max_steps: 3_000_000 };

/// The warning for a run that stopped at a limit ("" when it did not).
pub fn limit_warning(s: &JsSession) -> String {
    s.error().map_or(String::new(), |e| {
        format!(
            "The JetStream run stopped at {} s: {} (the page computes at most {} events of a JetStream run; natsim run takes more).",
            e.at / 1000,
            e.message,
            LIMITS.max_trace
        )
    })
}

/// The run being shown and changed: its scenario document, as text, and computed.
#[derive(Clone, Debug, PartialEq)]
struct Current {
    doc: Rc<Value>,
    text: Rc<str>,
    run: JsRun,
}

/// Records `g` at `at` in `cur`: the new run, the node to select and what to say; or the
/// reader's error (the run is unchanged then).
fn record(cur: &Current, g: &JsGesture, at: SimTime) -> Result<(Current, Option<String>, String), String> {
    let (acts, select) = g.actions(&cur.doc);
    let e = fork(&cur.doc, at, acts).map_err(|e| format!("{}: {e}", g.say().trim_end_matches('.')))?;
    let session = JsSession::new(e.scenario, LIMITS);
    let mut say = format!("At {:.3} s: {}", at as f64 / 1000.0, g.say());
    if !e.dropped.is_empty() {
        say.push_str(&format!(" Dropped, as they name what this ended: {}.", e.dropped.join(", ")));
    }
    if let Some(u) = e.until_ms {
        say.push_str(&format!(" The run now goes on to {:.1} s.", u as f64 / 1000.0));
    }
    let w = limit_warning(&session);
    if !w.is_empty() {
        say.push(' ');
        say.push_str(&w);
    }
    let text: Rc<str> = Rc::from(serde_json::to_string(&e.doc).unwrap_or_default());
    Ok((Current { doc: Rc::new(e.doc), text, run: JsRun(Rc::new(session)) }, select, say))
}

/// How many changes Undo remembers.
const UNDO: usize = 50;

/// A computed JetStream run, shared; two are equal when they are the same run.
#[derive(Clone, Debug)]
pub struct JsRun(pub Rc<JsSession>);

impl PartialEq for JsRun {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

/// Props: the run, and what *Back to NATS Streaming* does.
#[derive(Properties, PartialEq, Clone)]
pub struct JsProps {
    /// The computed run.
    pub run: JsRun,
    /// Its scenario as opened (what Share and Export give).
    pub text: Rc<str>,
    /// Where the cursor starts (a share link's time); the cursor itself when following.
    pub start: u64,
    /// Leaves JetStream mode (with the cursor's time); beside the NATS Streaming board, opens
    /// this run in JetStream mode.
    pub on_back: Callback<u64>,
    /// Beside the NATS Streaming board: the cursor is the page's clock (`start`), nothing is
    /// changed here, and this callback stops showing it.
    pub follow: Option<Callback<()>>,
    /// What the translation left out or changed (beside the NATS Streaming board).
    pub notes: Rc<Vec<String>>,
    /// Where the NATS Streaming run and this one differ, dated (beside the board).
    pub differences: Rc<Vec<(SimTime, String)>>,
    /// A lesson's JetStream variant being followed: its checkpoints pause the run.
    #[prop_or_default]
    pub lesson: Option<Rc<super::jetstream_lesson::JsLesson>>,
    /// Tells the lesson's page an answer ("answer", checkpoint, choice) or a tab ("variant", i, 0).
    #[prop_or_default]
    pub on_lesson: Option<Callback<(&'static str, usize, usize)>>,
    /// Tells the page the cursor and whether it plays, when they change (for a host page).
    #[prop_or_default]
    pub on_time: Option<Callback<(u64, bool)>>,
}

/// How the NATS Streaming page hands a host page's command to the player shown (JetStream
/// mode's module is its own wasm instance: `command()` there calls [`host_command`]).
type HostFn = Rc<dyn Fn(&Value) -> String>;

thread_local! {
    static HOST: std::cell::RefCell<Option<HostFn>> = const { std::cell::RefCell::new(None) };
}

/// Runs a host page's command on the player shown: `{"type": "play" | "pause"}`,
/// `{"type": "seek", "t": ms}`, `{"type": "speed", "factor": x}`, or `{"type": "get", "what":
/// "state" | "trace" | "monitor" | "scenario"}` (its value, JSON text; "" for the others).
/// `None` when no player is shown.
pub fn host_command(text: &str) -> Option<String> {
    let cmd = crate::json::parse(text).ok()?;
    let f = HOST.with(|h| h.borrow().clone())?;
    Some(f(&cmd))
}

/// How many log lines are drawn (the newest before the cursor).
const LOG_LINES: usize = 300;

/// The JetStream player.
#[function_component]
pub fn JetStreamPlayer(
    JsProps { run: opened, text: opened_text, start, on_back, follow, notes: translation_notes, differences, lesson, on_lesson, on_time }: &JsProps,
) -> Html {
    let cur = {
        let (run, text) = (opened.clone(), opened_text.clone());
        use_state(move || {
            let doc = crate::json::parse(&text).unwrap_or(Value::Null);
            Current { doc: Rc::new(doc), text, run }
        })
    };
    let undo = use_mut_ref(Vec::<Current>::new);
    let selected = use_state(|| None::<String>);
    let notice = use_state(|| None::<Result<String, String>>);
    // Another run opened: show it afresh.
    {
        let (cur, undo, selected, notice) = (cur.clone(), undo.clone(), selected.clone(), notice.clone());
        use_effect_with((opened.clone(), opened_text.clone()), move |(run, text)| {
            if cur.run != *run {
                let doc = crate::json::parse(text).unwrap_or(Value::Null);
                cur.set(Current { doc: Rc::new(doc), text: text.clone(), run: run.clone() });
                undo.borrow_mut().clear();
                selected.set(None);
                notice.set(None);
            }
        });
    }
    let run = &cur.run;
    let text = &cur.text;
    let sess = run.0.clone();
    let end = sess.end();
    let t = use_state(|| (*start).min(end));
    let shared = use_state(|| None::<Result<String, String>>);
    let playing = use_state(|| false);
    let speed = use_state(|| 1.0f64);
    let show_jsz = use_state(|| false);
    // A lesson: the answers given (this variant's), the checkpoint asked, a wrong answer's reveal.
    let answers = use_state(|| lesson.as_ref().map(|l| l.answers.clone()).unwrap_or_default());
    let asking = use_state(|| None::<usize>);
    let revealed = use_state(|| false);
    // A newly opened run starts at its start (a changed one stays where the change was).
    {
        let (t, playing, start) = (t.clone(), playing.clone(), *start);
        use_effect_with(opened.clone(), move |_| {
            t.set(start.min(end));
            playing.set(false);
        });
    }
    {
        let (t, playing, speed, asking) = (t.clone(), playing.clone(), *speed, asking.clone());
        let lesson = lesson.clone();
        use_effect_with((*playing, speed, end, (*answers).clone()), move |(on, speed, end, answers)| {
            let (speed, end, answers) = (*speed, *end, answers.clone());
            let ticker = on.then(|| {
                let mut last = js_sys::Date::now();
                let mut at = *t as f64;
                Interval::new(33, move || {
                    let now = js_sys::Date::now();
                    let from = at as u64;
                    at = (at + (now - last).clamp(1.0, 250.0) * speed).min(end as f64);
                    last = now;
                    // A lesson's checkpoint not yet answered right: pause there and ask.
                    if let Some(c) = lesson.as_ref().and_then(|l| l.stop_between(&answers, from, at as u64)) {
                        at = c.at_ms as f64;
                        playing.set(false);
                        asking.set(Some(c.index));
                    }
                    t.set(at as u64);
                    if at as u64 >= end {
                        playing.set(false);
                    }
                })
            });
            move || drop(ticker)
        });
    }
    let live = super::jetstream_live::use_live(follow.is_none());
    let live_now = live.running_now().filter(|_| follow.is_none());
    let now = match live_now {
        Some(n) => n.min(end),
        None if follow.is_some() => (*start).min(end),
        None => (*t).min(end),
    };
    let sim = use_memo((run.clone(), now), |(r, now)| r.0.at(*now));
    // A host page (through the NATS Streaming page) drives the player shown and hears its time.
    {
        let on_time = on_time.clone();
        use_effect_with((now, *playing), move |(now, playing)| {
            if let Some(cb) = on_time {
                cb.emit((*now, *playing));
            }
        });
    }
    {
        let (t, playing, speed, sess, sim, text, on) =
            (t.clone(), playing.clone(), speed.clone(), run.0.clone(), sim.clone(), cur.text.clone(), follow.is_none());
        use_effect(move || {
            if on {
                let f: HostFn = Rc::new(move |cmd: &Value| {
                    match cmd["type"].as_str().unwrap_or("") {
                        "play" => {
                            if *t >= end {
                                t.set(0);
                            }
                            playing.set(true);
                        }
                        "pause" => playing.set(false),
                        "seek" => {
                            playing.set(false);
                            t.set(cmd["t"].as_u64().unwrap_or(0).min(end));
                        }
                        "speed" => speed.set(cmd["factor"].as_f64().filter(|f| f.is_finite() && *f > 0.0).unwrap_or(1.0).clamp(0.1, 1000.0)),
                        "get" => {
                            return match cmd["what"].as_str().unwrap_or("state") {
                                "trace" => serde_json::to_string(sess.events_until(now)).unwrap_or_default(),
                                "monitor" => serde_json::to_string(&sim.monitor()).unwrap_or_default(),
                                "scenario" => text.to_string(),
                                _ => serde_json::json!({"t": now, "playing": *playing, "speed": *speed, "horizon": end, "lesson": null, "server": "jetstream"})
                                    .to_string(),
                            };
                        }
                        _ => {}
                    }
                    String::new()
                });
                HOST.with(|h| *h.borrow_mut() = Some(f));
            }
            move || {
                if on {
                    HOST.with(|h| *h.borrow_mut() = None);
                }
            }
        });
    }
    // In live mode the board is what the real server did (as this page saw it), on the
    // prediction's nodes (the same gestures made them).
    let real: Option<Rc<RealView>> = {
        let s = live.state();
        s.rec.as_ref().filter(|_| follow.is_none()).map(|r| Rc::new(real_view(&r.events, now)))
    };
    let b = {
        // a phone gets one column (the page's own narrow width, as the NATS Streaming board)
        let tall = web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|w| w.as_f64()).is_some_and(|w| w < 720.0);
        let b = board_laid(&sess, &sim, now, tall);
        match &real {
            Some(r) => {
                let srv = sim.server();
                let names: Vec<(String, String)> = srv.consumers.iter().map(|c| (srv.streams[c.stream].cfg.name.to_string(), c.name.to_string())).collect();
                b.with_real(r, &names)
            }
            None => b,
        }
    };
    let on_gesture = {
        let (cur, undo, selected, notice, shared) = (cur.clone(), undo.clone(), selected.clone(), notice.clone(), shared.clone());
        let live = live.clone();
        Callback::from(move |g: JsGesture| {
            // During a live run a change is recorded when it is made (the clock drawn may be
            // a frame old) and reaches the server at once.
            let at = if live_now.is_some() { live.running_now().unwrap_or(now) } else { now };
            match record(&cur, &g, at) {
                Ok((next, select, say)) => {
                    if live_now.is_some() {
                        live.changed(&next.doc, super::jetstream_live::kept_before(&cur.doc, at), next.run.0.end());
                    }
                    let mut u = undo.borrow_mut();
                    u.push((*cur).clone());
                    if u.len() > UNDO {
                        u.remove(0);
                    }
                    cur.set(next);
                    if select.is_some() {
                        selected.set(select);
                    }
                    notice.set(Some(Ok(say)));
                    shared.set(None);
                }
                Err(e) => notice.set(Some(Err(e))),
            }
        })
    };
    let on_undo = {
        let (cur, undo, notice) = (cur.clone(), undo.clone(), notice.clone());
        Callback::from(move |_| {
            if let Some(prev) = undo.borrow_mut().pop() {
                cur.set(prev);
                notice.set(Some(Ok("Undone: the run is as it was before the last change.".into())));
            }
        })
    };
    let can_undo = !undo.borrow().is_empty();
    // When the last drag was dropped: the click that may follow it is not a selection.
    let dropped_at = use_mut_ref(|| f64::NEG_INFINITY);
    let select = |id: String| {
        let (selected, dropped_at) = (selected.clone(), dropped_at.clone());
        Callback::from(move |_: MouseEvent| {
            if js_sys::Date::now() - *dropped_at.borrow() > 300.0 {
                selected.set(Some(id.clone()))
            }
        })
    };
    let select_key = |id: String| {
        let selected = selected.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                selected.set(Some(id.clone()));
            }
        })
    };
    // Chrome does not apply `touch-action` to SVG shapes: a touch that starts on a draggable
    // subscriber is kept from scrolling the page here, so that a finger drags it.
    let board_ref = use_node_ref();
    {
        let board_ref = board_ref.clone();
        use_effect_with((), move |_| {
            use wasm_bindgen::JsCast;
            let l = board_ref.cast::<web_sys::Element>().map(|t| {
                super::hooks::DocumentListener::active(t.into(), "touchstart", |e: web_sys::Event| {
                    let on_node =
                        e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|el| el.closest("g.js__node--drag").ok().flatten()).is_some();
                    if on_node {
                        e.prevent_default();
                    }
                })
            });
            move || drop(l)
        });
    }
    // Dragging a push subscriber onto a consumer, into a deliver group, or onto the zone for
    // a new group (in board coordinates): (its handle, x, y, moved past the click slop).
    let drag_cell = use_mut_ref(|| None::<(String, f64, f64, bool)>);
    let redraw = use_force_update();
    let drag = drag_cell.borrow().clone();
    let at_board = |svg: &NodeRef, e: &PointerEvent, width: f64| -> Option<(f64, f64)> {
        let r = svg.cast::<web_sys::Element>()?.get_bounding_client_rect();
        let k = if r.width() > 0.0 { width / r.width() } else { 1.0 };
        Some(((e.client_x() as f64 - r.left()) * k, (e.client_y() as f64 - r.top()) * k))
    };
    let drag_start = |id: String| {
        let (drag, width, svg) = (drag_cell.clone(), b.width, board_ref.clone());
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 {
                return;
            }
            let Some((x, y)) = at_board(&svg, &e, width) else { return };
            e.prevent_default(); // no text selection while dragging
            if let Some(el) = svg.cast::<web_sys::Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
            }
            *drag.borrow_mut() = Some((id.trim_start_matches("sub:").to_string(), x, y, false));
        })
    };
    let drag_move = {
        let (drag, width, redraw, svg) = (drag_cell.clone(), b.width, redraw.clone(), board_ref.clone());
        Callback::from(move |e: PointerEvent| {
            let cur = drag.borrow().clone();
            if let (Some((sub, x0, y0, moved)), Some((x, y))) = (cur, at_board(&svg, &e, width)) {
                if moved || (x - x0).hypot(y - y0) > 6.0 {
                    e.prevent_default();
                    *drag.borrow_mut() = Some((sub, x, y, true));
                    redraw.force_update();
                }
            }
        })
    };
    let drag_end = {
        let (drag, dropped_at, on_gesture, sim, b, selected, redraw) =
            (drag_cell.clone(), dropped_at.clone(), on_gesture.clone(), sim.clone(), b.clone(), selected.clone(), redraw.clone());
        Callback::from(move |_: PointerEvent| {
            let cur = drag.borrow_mut().take();
            match cur {
                // a press without a move: the pointer was captured, so select here
                Some((sub, _, _, false)) => selected.set(Some(format!("sub:{sub}"))),
                Some((sub, x, y, true)) => {
                    *dropped_at.borrow_mut() = js_sys::Date::now();
                    let to = match b.drop_target(x, y) {
                        Some(DropTarget::Consumer(i)) => b.nodes[i].id.strip_prefix("consumer:").and_then(|c| c.parse::<usize>().ok()).map(Some),
                        Some(DropTarget::NewGroup) => Some(None),
                        None => None,
                    };
                    if let Some(g) = to.and_then(|to| super::jetstream_gesture::move_to(&sim, &sub, to)) {
                        on_gesture.emit(g);
                    }
                }
                None => {}
            }
            redraw.force_update();
        })
    };
    let drag_cancel = {
        let (drag, redraw) = (drag_cell.clone(), redraw.clone());
        Callback::from(move |_: PointerEvent| {
            drag.borrow_mut().take();
            redraw.force_update();
        })
    };
    let hot = drag.as_ref().filter(|d| d.3).and_then(|d| b.drop_target(d.1, d.2));
    let traps = use_memo(run.clone(), |r| traps(&r.0));
    let seen: Vec<&(u64, String)> = traps.iter().filter(|(at, _)| *at <= now).collect();
    // The event log: the simulated run's, or in live mode what the real server did.
    let (log_rows, log_head) = {
        let lst = live.state();
        let real = lst.rec.as_ref().filter(|_| follow.is_none());
        let (events, total, whose) = match real {
            Some(r) => (&r.events[..r.events.partition_point(|e| e.t <= now)], r.events.len(), "from the real server, "),
            None => (sess.events_until(now), sess.history().len(), ""),
        };
        let rows: Vec<(String, String, &'static str)> = events[events.len().saturating_sub(LOG_LINES)..].iter().rev().map(log_line).collect();
        (rows, format!("{} of {} events, {whose}newest first", events.len(), total))
    };
    // A click on a timeline or a difference: the cursor goes there, paused.
    let seek = {
        let (t, playing) = (t.clone(), playing.clone());
        Callback::from(move |ms: SimTime| {
            playing.set(false);
            t.set(ms.min(end));
        })
    };
    let on_scrub = {
        let (t, playing) = (t.clone(), playing.clone());
        Callback::from(move |e: InputEvent| {
            let v = super::hooks::value_of(&e);
            if let Ok(ms) = v.parse::<u64>() {
                playing.set(false);
                t.set(ms.min(end));
            }
        })
    };
    let toggle = {
        let (t, playing, asking) = (t.clone(), playing.clone(), asking.clone());
        Callback::from(move |_| {
            asking.set(None);
            if !*playing && *t >= end {
                t.set(0);
            }
            playing.set(!*playing);
        })
    };
    let on_speed = {
        let speed = speed.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            if let Some(f) = crate::json::decimal(&v) {
                speed.set(f);
            }
        })
    };
    let back = {
        let on_back = on_back.clone();
        Callback::from(move |_| on_back.emit(now))
    };
    // Share: the link of this run at the cursor, in the address bar and in a field to copy.
    let on_share = {
        let (shared, text) = (shared.clone(), text.clone());
        Callback::from(move |_| {
            let r = crate::share::try_text_fragment(&text, now).map(|frag| {
                let w = web_sys::window();
                if let Some(h) = w.as_ref().and_then(|w| w.history().ok()) {
                    let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&frag));
                }
                w.and_then(|w| w.location().href().ok()).unwrap_or(frag)
            });
            shared.set(Some(r));
        })
    };
    // Export: the scenario as a file.
    let export_href = use_memo(text.clone(), |text| {
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("application/json");
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
            .ok()
            .and_then(|b| web_sys::Url::create_object_url_with_blob(&b).ok())
            .unwrap_or_default()
    });
    let tl = use_memo(run.clone(), |r| super::jetstream_timeline::timeline(&r.0));
    // Live mode: what the real server did, its timeline, and where it parted from the prediction.
    let (rec_len, rec_end, rec_notes) = live.state().rec.as_ref().map_or((None, None, 0), |r| (Some(r.events.len()), r.ended, r.notes.len()));
    let real_tl = use_memo((run.clone(), rec_len, rec_end, rec_notes), {
        let live = live.clone();
        move |(r, _, end, _)| {
            let s = live.state();
            s.rec.as_ref().map(|rec| {
                let upto = end.unwrap_or_else(|| rec.events.last().map_or(0, |e| e.t));
                super::jetstream_timeline::timeline_of(r.0.scenario(), &rec.events, upto)
            })
        }
    });
    // A live run that ended leaves the cursor at its end (the replay starts from there).
    {
        let (t, playing) = (t.clone(), playing.clone());
        use_effect_with(rec_end, move |e| {
            if let Some(e) = *e {
                playing.set(false);
                t.set(e.min(end));
            }
        });
    }
    let live_diffs: Vec<(Option<SimTime>, String)> = live.state().rec.as_ref().map(|r| super::jetstream_live::differences(&sess, r, now)).unwrap_or_default();
    let live_flags: Vec<(SimTime, String)> = {
        let s = live.state();
        let notes = s.rec.as_ref().map(|r| r.notes.clone()).unwrap_or_default();
        live_diffs.iter().filter_map(|(t, d)| t.map(|t| (t, d.clone()))).chain(notes).collect()
    };
    let code_files = use_memo(run.clone(), |r| {
        let s = r.0.scenario();
        let mut f = crate::codegen_js::files(s);
        f.extend(crate::codegen_js::server_files(s));
        f
    });
    let title = sess.scenario().name.clone().unwrap_or_else(|| "JetStream run".to_string());
    let jsz = if *show_jsz { serde_json::to_string_pretty(&sim.monitor()).unwrap_or_default() } else { String::new() };
    let bar = if let Some(close) = follow {
        let close = close.clone();
        html! {
            <div class="toolbar js__bar">
                <strong class="js__beside-title">{ "The same run on JetStream" }</strong>
                <span id="js-clock" class="toolbar__clock">{ format!("{:.3} s / {:.1} s", now as f64 / 1000.0, end as f64 / 1000.0) }</span>
                <span class="panel__hint">{ if *start > end { format!("its run ends at {:.1} s (35 s after the last action)", end as f64 / 1000.0) } else { "follows the clock above".to_string() } }</span>
                <span class="toolbar__spacer"></span>
                <button id="js-open" class="btn" onclick={back.clone()}>{ "Open in JetStream mode" }</button>
                <button id="js-beside-close" class="btn" onclick={Callback::from(move |_| close.emit(()))}>{ "Close" }</button>
            </div>
        }
    } else {
        html! {
            <div class="toolbar js__bar">
                <button id="js-play" class="btn btn--primary" onclick={toggle} aria-pressed={(*playing).to_string()} disabled={live_now.is_some()}>{ if *playing { "Pause" } else { "Play" } }</button>
                <span id="js-clock" class="toolbar__clock">{ format!("{}{:.3} s / {:.1} s", if live_now.is_some() { "live " } else { "" }, now as f64 / 1000.0, end as f64 / 1000.0) }</span>
                <input id="js-scrub" class="toolbar__scrub" type="range" min="0" max={end.to_string()} value={now.to_string()} aria-label="Time" oninput={on_scrub} disabled={live_now.is_some()} />
                <label class="toolbar__speed">{ "Speed " }
                    <select id="js-speed" onchange={on_speed} aria-label="Speed">
                        { for [0.25, 0.5, 1.0, 2.0, 5.0, 10.0].iter().map(|f| html! { <option value={f.to_string()} selected={(*speed - f).abs() < 1e-9}>{ format!("{f}×") }</option> }) }
                    </select>
                </label>
                <span class="toolbar__spacer"></span>
                <button id="js-live-toggle" class={classes!("btn", live_now.is_some().then_some("btn--primary"))} aria-pressed={live.state().shown.to_string()}
                    onclick={let l = live.clone(); Callback::from(move |_| l.toggle())} title="Run this scenario on a real nats-server over WebSocket">{ if live_now.is_some() { "Live ●" } else { "Live" } }</button>
                <button id="js-undo" class="btn" onclick={on_undo} disabled={!can_undo || live_now.is_some()}>{ "Undo" }</button>
                <button id="js-share" class="btn" onclick={on_share}>{ "Share" }</button>
                <a id="js-export" class="btn" href={(*export_href).clone()} download="jetstream-scenario.json">{ "Export" }</a>
                <button id="js-back" class="btn" onclick={back}>{ "Back to NATS Streaming" }</button>
            </div>
        }
    };
    let following = follow.is_some();
    html! {
        <section id={if following { "jetstream-beside" } else { "jetstream" }} class={classes!("js", following.then_some("js--beside"))} aria-label={if following { "The same run on JetStream" } else { "JetStream run" }}>
            { bar }
            if let (Some(l), false) = (lesson.as_deref(), following) {
                { lesson_bar(l, &answers, &asking, &revealed, &playing, on_lesson.clone()) }
            }
            if following && differences.first().is_some_and(|(at, _)| *at <= now) {
                <ul id="js-diffs" class="warnings js__diffs" aria-label="Where NATS Streaming and JetStream differ">
                    { for differences.iter().filter(|(at, _)| *at <= now).map(|(at, d)| html! { <li>{ format!("{:.3} s — ", *at as f64 / 1000.0) }{ d.clone() }</li> }) }
                </ul>
            }
            if following && !translation_notes.is_empty() {
                <ul id="js-notes" class="js__notes" aria-label="What the translation changed">
                    { for translation_notes.iter().map(|n| html! { <li>{ n.clone() }</li> }) }
                </ul>
            }
            { match &*shared {
                Some(Ok(link)) => html! { <p class="banner banner--info js__share">{ "A link to this run at " }{ format!("{:.3} s: ", now as f64 / 1000.0) }<input id="js-share-link" readonly=true value={link.clone()} aria-label="Share link" /></p> },
                Some(Err(e)) => html! { <p id="js-share-error" class="banner banner--error">{ format!("Share: {e} (use Export for a file instead).") }</p> },
                None => html! {},
            } }
            { match &*notice {
                Some(Ok(n)) => html! { <p id="js-notice" class="banner banner--info" role="status">{ n.clone() }</p> },
                Some(Err(e)) => html! { <p id="js-error" class="banner banner--error" role="alert">{ e.clone() }</p> },
                None => html! {},
            } }
            if !following && live.state().shown {
                { super::jetstream_live::panel(&live, &cur.doc, &sess, &live_diffs, seek.clone()) }
            }
            <p class="js__lead"><strong>{ "JetStream" }</strong>{ " · nats-server 2.9.10 with nats.js 2.x clients, simulated · " }{ title }</p>
            if !seen.is_empty() {
                <ul id="js-traps" class="warnings" aria-label="JetStream traps this run shows">
                    { for seen.iter().map(|(at, w)| html! { <li>{ format!("{:.3} s — ", *at as f64 / 1000.0) }{ w.clone() }</li> }) }
                </ul>
            }
            <div class="js__main">
            <div class="app__board board-scroll">
                <svg id="js-board" ref={board_ref.clone()} class={classes!("board", "js__board", drag.as_ref().is_some_and(|d| d.3).then_some("js__board--dragging"))} width={b.width.to_string()} height={b.height.to_string()} viewBox={format!("0 0 {} {}", b.width, b.height)} role="img" aria-label="Streams, consumers and listeners"
                    onpointermove={drag_move} onpointerup={drag_end} onpointercancel={drag_cancel}>
                    { for b.groups.iter().map(|g| {
                        let on = hot == Some(DropTarget::Consumer(g.consumer));
                        html! {
                            <g class={classes!("js__group", on.then_some("js__drop--hot"))}>
                                <rect class="js__group-box" x={g.x.to_string()} y={g.y.to_string()} width={g.w.to_string()} height={g.h.to_string()} rx="10" />
                                <text class="js__group-name" x={(g.x + 10.0).to_string()} y={(g.y + 15.0).to_string()}>{ format!("deliver group {}", super::view_model::shown_name(&g.name, 22)) }</text>
                            </g>
                        }
                    }) }
                    if let (Some((x, y, w, h)), false) = (b.zone, following) {
                        <g id="js-new-group" class={classes!("js__zone", (hot == Some(DropTarget::NewGroup)).then_some("js__drop--hot"))}>
                            <rect class="js__zone-box" x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="10" />
                            <text class="js__zone-text" x={(x + w / 2.0).to_string()} y={(y + h / 2.0 + 4.0).to_string()} text-anchor="middle">{ "drop here: a new deliver group" }</text>
                        </g>
                    }
                    { for b.edges.iter().map(|e| {
                        let (a, z) = (&b.nodes[e.from], &b.nodes[e.to]);
                        let d = if b.tall {
                            // one column: down the left side, bulging more the farther it goes
                            let (x1, y1, x2, y2) = (a.x, a.y + a.h / 2.0, z.x, z.y + z.h / 2.0);
                            let bulge = (14.0 + (y2 - y1).abs() * 0.04).min(x1 - 6.0);
                            format!("M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}", x1 - bulge, x2 - bulge)
                        } else {
                            let (x1, y1, x2, y2) = (a.x + NODE_W, a.y + a.h / 2.0, z.x, z.y + z.h / 2.0);
                            format!("M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}", x1 + 30.0, x2 - 30.0)
                        };
                        html! { <path class={classes!("board__edge", e.hot.then_some("js__edge--hot"))} {d} fill="none" /> }
                    }) }
                    { for b.nodes.iter().map(|n| {
                        let kind = match n.kind { JsNodeKind::Publisher => "publisher", JsNodeKind::Stream => "stream", JsNodeKind::Consumer => "consumer", JsNodeKind::Listener => "listener" };
                        let on = selected.as_deref() == Some(n.id.as_str());
                        let draggable = n.push && n.kind == JsNodeKind::Listener && !following;
                        let target = matches!(hot, Some(DropTarget::Consumer(i)) if b.nodes.get(i).is_some_and(|t| t.id == n.id));
                        html! {
                            <g class={classes!("js__node", format!("js__node--{kind}"), format!("js__node--{}", n.state), on.then_some("js__node--selected"), draggable.then_some("js__node--drag"), target.then_some("js__drop--hot"))} data-id={n.id.clone()} transform={format!("translate({},{})", n.x, n.y)}
                                tabindex="0" role="button" aria-pressed={on.to_string()} onclick={select(n.id.clone())} onkeydown={select_key(n.id.clone())}
                                onpointerdown={draggable.then(|| drag_start(n.id.clone()))}>
                                <title>{ n.full.clone() }</title>
                                <rect class="js__box" width={NODE_W.to_string()} height={n.h.to_string()} rx="8" />
                                <text class="js__title" x="10" y="18">{ n.title.clone() }</text>
                                { for n.lines.iter().enumerate().map(|(i, l)| html! { <text class="js__line" x="10" y={(36.0 + 16.0 * i as f64).to_string()}>{ l.clone() }</text> }) }
                            </g>
                        }
                    }) }
                    if let Some((sub, x, y, true)) = drag.clone() {
                        <g class="js__ghost" transform={format!("translate({},{})", x - NODE_W / 2.0, y - 14.0)} pointer-events="none">
                            <rect class="js__box" width={NODE_W.to_string()} height="28" rx="8" />
                            <text class="js__title" x="10" y="18">{ super::view_model::shown_name(&sub, 24) }</text>
                        </g>
                    }
                </svg>
            </div>
            if !following {
                <JsInspector sim={SimAt(sim.clone())} real={real.clone()} selected={(*selected).clone()} on={on_gesture} on_close={let s = selected.clone(); Callback::from(move |_| s.set(None))} />
            }
            </div>
            if let (Some(rtl), false) = (&*real_tl, following) {
                <section class="panel js__tl js__tl--live" aria-label="Timeline of the real server">
                    <div class="panel__head"><strong>{ "What nats-server did (live)" }</strong><span class="panel__hint">{ "as this page saw it, real times · red dashed lines: where it differs from the prediction below, or the connection dropped" }</span></div>
                    <div class="js__tl-scroll">{ super::jetstream_timeline::view(rtl, now, end, live_now.is_none().then(|| seek.clone()), "js-live-timeline", &live_flags, now) }</div>
                </section>
            }
            <section class="panel js__tl" aria-label="Timeline">
                <div class="panel__head"><strong>{ if real_tl.is_some() && !following { "Predicted by the simulation" } else { "Timeline" } }</strong><span class="panel__hint">{ "● delivery (orange: again) and its ack wait (red: it ran out) · ✓ +ACK · ✗ -NAK (bar: its delay) · ↻ +WPI · ■ +TERM · MAX advisory · 408/404/409 pull status" }</span></div>
                <div class="js__tl-scroll">{ super::jetstream_timeline::view(&tl, now, end, (!following).then(|| seek.clone()), "js-timeline", &[], if live_now.is_some() { end } else { now }) }</div>
            </section>
            <div class="js__panels">
                <section class="panel js__log" aria-label="Event log">
                    <div class="panel__head"><strong>{ "Event log" }</strong><span class="panel__count">{ log_head }</span></div>
                    <ol id="js-log" class="trace">
                        { for log_rows.into_iter().map(|(time, text, class)| {
                            html! { <li class={classes!("js__row", format!("trace__row--{class}"))}><span class="trace__time">{ time }</span>{ " " }<span class="trace__event">{ text }</span></li> }
                        }) }
                    </ol>
                </section>
                if !following {
                    <section class="panel js__files" aria-label="nats.js code">
                        <div class="panel__head"><strong>{ "nats.js code" }</strong><span class="panel__count">{ "TypeScript of each process, type-checked in CI" }</span></div>
                        <div id="js-files" class="js__files-body">
                            { for code_files.iter().map(|f| html! {
                                <details class="js__file"><summary>{ f.file.clone() }</summary><pre class="inspector__code js__code">{ f.source.clone() }</pre></details>
                            }) }
                        </div>
                    </section>
                }
                <section class="panel js__jsz" aria-label="Monitoring">
                    <div class="panel__head">
                        <strong>{ "GET /jsz" }</strong>
                        <button id="js-jsz" class="btn btn--small" onclick={let s = show_jsz.clone(); Callback::from(move |_| s.set(!*s))}>{ if *show_jsz { "Hide" } else { "Show at the cursor" } }</button>
                    </div>
                    if *show_jsz { <pre id="js-jsz-body" class="monitor">{ jsz }</pre> }
                </section>
            </div>
        </section>
    }
}

/// The lesson bar of a lesson's JetStream variant, and the checkpoint asked.
fn lesson_bar(
    l: &super::jetstream_lesson::JsLesson,
    answers: &UseStateHandle<Vec<(usize, usize)>>,
    asking: &UseStateHandle<Option<usize>>,
    revealed: &UseStateHandle<bool>,
    playing: &UseStateHandle<bool>,
    on_lesson: Option<Callback<(&'static str, usize, usize)>>,
) -> Html {
    use super::jetstream_lesson::JsLesson;
    let tell = move |what: &'static str, a: usize, b: usize| {
        if let Some(cb) = &on_lesson {
            cb.emit((what, a, b));
        }
    };
    let seconds = |ms: SimTime| format!("{:.1} s", ms as f64 / 1000.0);
    let box_html = asking.and_then(|i| l.checkpoints.iter().find(|c| c.index == i)).map(|c| {
        let given = JsLesson::answer_of(answers, c.index);
        let go_on = {
            let (asking, revealed, playing) = (asking.clone(), revealed.clone(), playing.clone());
            Callback::from(move |_: MouseEvent| {
                asking.set(None);
                revealed.set(false);
                playing.set(true);
            })
        };
        match given {
            Some(a) if a == c.answer || **revealed => html! {
                <div id="js-checkpoint" class="checkpoint checkpoint--right" role="status">
                    <h3>{ if a == c.answer { "Right." } else { "The answer:" } }{ " " }{ c.choices[c.answer].clone() }</h3>
                    <p>{ c.explain.clone() }</p>
                    <button id="js-checkpoint-continue" class="btn btn--primary" onclick={go_on}>{ "Continue ▶" }</button>
                </div>
            },
            Some(a) => {
                let (answers2, revealed2) = (answers.clone(), revealed.clone());
                let idx = c.index;
                html! {
                    <div id="js-checkpoint" class="checkpoint checkpoint--wrong" role="status">
                        <h3>{ "Not quite." }</h3>
                        <p>{ format!("You answered: {}. Think about what the server does, then try again.", c.choices.get(a).cloned().unwrap_or_default()) }</p>
                        <button id="js-checkpoint-retry" class="btn" onclick={Callback::from(move |_| { let mut v = (*answers2).clone(); v.retain(|(k, _)| *k != idx); answers2.set(v); })}>{ "Try again" }</button>
                        <button id="js-checkpoint-reveal" class="btn" onclick={Callback::from(move |_| revealed2.set(true))}>{ "Show the answer" }</button>
                    </div>
                }
            }
            None => html! {
                <div id="js-checkpoint" class="checkpoint" role="dialog" aria-label="Predict">
                    <h3>{ format!("Paused at {}: what do you predict?", seconds(c.at_ms)) }</h3>
                    <p>{ c.question.clone() }</p>
                    <div class="checkpoint__choices">
                        { for c.choices.iter().enumerate().map(|(k, ch)| {
                            let (answers, tell, idx) = (answers.clone(), tell.clone(), c.index);
                            html! { <button class="btn checkpoint__choice" onclick={Callback::from(move |_| {
                                let mut v = (*answers).clone();
                                v.push((idx, k));
                                answers.set(v);
                                tell("answer", idx, k);
                            })}>{ ch.clone() }</button> }
                        }) }
                    </div>
                </div>
            },
        }
    });
    html! {
        <section id="js-lesson" class="lesson js__lesson" aria-label="Lesson">
            <header class="lesson__head">
                <span class="lesson__section">{ l.section.clone() }</span>
                <h2>{ l.title.clone() }</h2>
            </header>
            if l.finished(answers) {
                <p id="js-lesson-done" class="lesson__done" role="status">{ "✓ This variant's checkpoints are answered right." }</p>
            }
            <div class="lesson__variants" role="tablist">
                { for l.variants.iter().enumerate().map(|(i, (name, _))| {
                    let (tell, current) = (tell.clone(), l.variant);
                    html! { <button role="tab" aria-selected={(i == current).to_string()} class={classes!("btn", (i == current).then_some("btn--on"))}
                        onclick={Callback::from(move |_| if i != current { tell("variant", i, 0) })}>{ name.clone() }</button> }
                }) }
            </div>
            <p class="lesson__variant">{ l.text.clone() }{ " Press Play." }</p>
            <ol class="lesson__checkpoints">
                { for l.checkpoints.iter().map(|c| {
                    let state = match JsLesson::answer_of(answers, c.index) { Some(a) if a == c.answer => "✓", Some(_) => "✗", None => "○" };
                    html! { <li>{ format!("{state} at {}: {}", seconds(c.at_ms), c.question) }</li> }
                }) }
            </ol>
            { box_html.unwrap_or_default() }
        </section>
    }
}
