//! The timeline (SVG): lanes over virtual time, in sync with the board's cursor. Wheel to
//! zoom around the pointer, drag to pan, click empty space to move the cursor there, click a
//! message to follow its journey, click a lane's name to select its client on the board.
//! Only what is visible is drawn, and at most one mark per pixel column and kind: a zoomed-out
//! lane reads its aggregated buckets, never the events. The visible range exports as SVG or PNG.

use super::hooks::{use_playground, use_refresh_gate};
use super::state::Msg;
use super::timeline_model::{describe, visible, Lane, LaneKind, Mark, MarkKind, SpanKind, Timeline};
use super::view_model::{class, full_name, px, px_into, seconds, shown_name, when};
use crate::engine::SimTime;
use wasm_bindgen::JsCast;
use web_sys::{Element, PointerEvent, WheelEvent};
use yew::prelude::*;

const W: f64 = 1000.0;
const GUTTER: f64 = 150.0;
/// Characters of a lane name that fit the gutter (11 px monospace, ~6.6 px each); the rest is cut to `…`.
const LABEL_CHARS: usize = 20;
const LANE_H: f64 = 20.0;
const AXIS_H: f64 = 22.0;
const MIN_SPAN: u64 = 200;
const MAX_SPAN: u64 = 3_600_000;

/// The visible window: `span` ms ending at the cursor (following) or starting at `t0`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct View {
    t0: SimTime,
    span: u64,
    follow: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Pan {
    x: f64,
    t0: SimTime,
    moved: bool,
}

fn x_of(t: SimTime, v: &View) -> f64 {
    GUTTER + (t.saturating_sub(v.t0) as f64) * (W - GUTTER - 10.0) / v.span as f64
}

fn t_of(x: f64, v: &View) -> SimTime {
    let f = ((x - GUTTER) / (W - GUTTER - 10.0)).clamp(0.0, 1.0);
    v.t0 + (f * v.span as f64) as u64
}

/// A "nice" tick step for a span (1, 2, 5 × 10^k ms), about 8 ticks.
fn tick_step(span: u64) -> u64 {
    let raw = (span / 8).max(1);
    let mag = 10u64.pow(raw.ilog10());
    [1, 2, 5, 10].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10 * mag)
}

fn board_x(svg: &NodeRef, e: &MouseEvent) -> f64 {
    let Some(el) = svg.cast::<Element>() else { return 0.0 };
    let r = el.get_bounding_client_rect();
    (e.client_x() as f64 - r.left()) * W / r.width().max(1.0)
}

/// Self-contained styles, so an exported SVG looks like the page (variables fall back to the
/// light theme outside it).
const STYLE: &str = ".tl-bg{fill:var(--panel,#fff)}.tl-lane{fill:none}.tl-lane--alt{fill:var(--soft,#eef1f5);opacity:.6}\
.tl-label{font:11px ui-monospace,monospace;fill:var(--fg,#1b1f24)}.tl-label--sel{font-weight:700;fill:var(--accent,#1f6feb)}\
.tl-label--channel{fill:var(--publish,#8250df)}.tl-axis{font:10px ui-monospace,monospace;fill:var(--muted,#5b6470)}\
.tl-grid{stroke:var(--line,#d5dae1);stroke-width:.5}.tl-cursor{stroke:var(--accent,#1f6feb);stroke-width:1.5}\
.tl-restart{stroke:var(--bad,#cf222e);stroke-dasharray:4 3}.tl-wait{stroke:var(--redeliver,#d4631c);stroke-width:2;opacity:.55}\
.tl-expiry{stroke:var(--redeliver,#d4631c);stroke-width:2}.tl-span--paused{fill:var(--warn,#9a6700);opacity:.18}\
.tl-span--zombie{fill:var(--bad,#cf222e);opacity:.16}.tl-span--offline{fill:var(--muted,#5b6470);opacity:.15}\
.tl-span--disconnected{fill:var(--muted,#5b6470);opacity:.25}.tl-m{stroke:var(--panel,#fff);stroke-width:.8}\
.tl-m--pub{fill:var(--publish,#8250df)}.tl-m--drop{fill:#000}.tl-m--dlv{fill:var(--deliver,#0969da)}\
.tl-m--rdlv{fill:var(--redeliver,#d4631c)}.tl-m--ack{fill:var(--ack,#1a7f37)}.tl-m--ok{fill:var(--ack,#1a7f37);opacity:.6}\
.tl-m--fail{fill:var(--bad,#cf222e)}.tl-m--hb{fill:var(--ok,#1a7f37);opacity:.5}.tl-m--hbmiss{fill:var(--bad,#cf222e)}\
.tl-m--life{fill:var(--info,#0969da)}.tl-m--bad{fill:var(--bad,#cf222e)}.tl-m--warn{fill:var(--warn,#9a6700)}\
.tl-r{fill:none;stroke-linecap:round}.tl-r--pub{stroke:var(--publish,#8250df)}.tl-r--drop{stroke:#000}.tl-r--dlv{stroke:var(--deliver,#0969da)}\
.tl-r--rdlv{stroke:var(--redeliver,#d4631c)}.tl-r--ack{stroke:var(--ack,#1a7f37)}.tl-r--ok{stroke:var(--ack,#1a7f37);opacity:.6}\
.tl-r--fail{stroke:var(--bad,#cf222e)}.tl-r--hb{stroke:var(--ok,#1a7f37);opacity:.5}.tl-r--hbmiss{stroke:var(--bad,#cf222e)}\
.tl-r--life{stroke:var(--info,#0969da)}.tl-r--bad{stroke:var(--bad,#cf222e)}.tl-r--warn{stroke:var(--warn,#9a6700)}\
.tl-tip rect{fill:var(--fg,#1b1f24);opacity:.88}.tl-tip text{font:10.5px ui-monospace,monospace;fill:var(--bg,#fff)}.tl-dim{opacity:.18}.tl-hl{stroke:var(--fg,#000);stroke-width:1.5}.tl-seq{font:8px ui-monospace,monospace;fill:var(--fg,#1b1f24)}";

/// Props of the timeline.
#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// Selected client (its lanes are highlighted).
    pub selected: Option<String>,
}

/// The timeline component.
#[function_component]
pub fn TimelineView(TimelineProps { selected }: &TimelineProps) -> Html {
    let pg = use_playground();
    let model = use_mut_ref(Timeline::default);
    let view = use_state(|| View { t0: 0, span: 20_000, follow: true });
    let pan = use_state(|| None::<Pan>);
    let hover = use_state(|| None::<(f64, f64, String)>);
    let svg = use_node_ref();
    // While playing, the timeline redraws ten times a second (it is the costly part of a
    // frame), four times while a long simulation runs in slices; paused, scrubbing or
    // interacting, at once.
    let fresh = use_refresh_gate(pg.playing || pg.work.is_some(), if pg.work.is_some() { 250.0 } else { 100.0 });
    let kick = use_state(|| 0u32);
    let timer = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    let cached = use_mut_ref(|| (Html::default(), *view, pg.selected_msg.clone(), (*hover).clone(), 0u32));
    let drawn_at = use_mut_ref(|| None::<f64>);
    {
        let c = cached.borrow();
        // While a long simulation runs in slices, the timeline waits (the progress banner
        // shows how far it got); it catches up, in slices of its own, when the run is there.
        if pg.work.is_some() || (!fresh && c.1 == *view && c.2 == pg.selected_msg && c.3 == *hover && c.4 == *kick) {
            return c.0.clone();
        }
    }

    let (now, horizon) = {
        let s = pg.session.borrow();
        let done = model.borrow_mut().update(s.sim(), s.generation(), pg.selected_msg.as_ref());
        if !done {
            // Build on in the next macrotask, without waiting for a gesture.
            let kick = kick.clone();
            *timer.borrow_mut() = Some(gloo_timers::callback::Timeout::new(0, move || kick.set(kick.wrapping_add(1))));
            // Catching up with a long history (a heavy run just opened: ~17 slices) draws
            // what is built at most four times a second, so that seeks meanwhile cost a
            // seek, not a timeline too; what the user changed here (view, selection, hover)
            // draws at once.
            let c = cached.borrow();
            let recent = drawn_at.borrow().is_some_and(|t| js_sys::Date::now() - t < 250.0);
            if recent && c.1 == *view && c.2 == pg.selected_msg && c.3 == *hover {
                return c.0.clone();
            }
        }
        (s.now(), s.horizon())
    };
    *drawn_at.borrow_mut() = Some(js_sys::Date::now());
    let v = if view.follow { View { t0: now.saturating_sub(view.span), ..*view } } else { *view };
    let t1 = v.t0 + v.span;
    let tl = model.borrow();
    let sel = tl.key(pg.selected_msg.as_ref());
    // Lanes that exist at the cursor (the model also holds the known future of the run).
    let rows: Vec<usize> = rows_at(&tl, now);
    let height = AXIS_H + LANE_H * rows.len().max(1) as f64 + 6.0;

    let on_wheel = {
        let (view, svg) = (view.clone(), svg.clone());
        Callback::from(move |e: WheelEvent| {
            e.prevent_default();
            let x = board_x(&svg, &e);
            let at = t_of(x, &v);
            let span = if e.delta_y() < 0.0 { v.span * 4 / 5 } else { v.span * 5 / 4 }.clamp(MIN_SPAN, MAX_SPAN);
            let f = ((x - GUTTER) / (W - GUTTER - 10.0)).clamp(0.0, 1.0);
            let t0 = at.saturating_sub((f * span as f64) as u64);
            view.set(View { t0, span, follow: false });
        })
    };
    let on_down = {
        let (pan, svg) = (pan.clone(), svg.clone());
        Callback::from(move |e: PointerEvent| {
            if e.button() == 0 {
                pan.set(Some(Pan { x: board_x(&svg, &e), t0: v.t0, moved: false }));
            }
        })
    };
    let on_move = {
        let (pan, view, svg, hover, model, pg) = (pan.clone(), view.clone(), svg.clone(), hover.clone(), model.clone(), pg.clone());
        Callback::from(move |e: PointerEvent| {
            if pan.is_none() {
                // Hover: the nearest event on the lane under the pointer.
                let Some(el) = svg.cast::<Element>() else { return };
                let r = el.get_bounding_client_rect();
                let k = W / r.width().max(1.0);
                let (x, y) = ((e.client_x() as f64 - r.left()) * k, (e.client_y() as f64 - r.top()) * k);
                let tl = model.borrow();
                let lane = ((y - AXIS_H) / LANE_H).floor();
                let rows = rows_at(&tl, now);
                let found = (x > GUTTER && lane >= 0.0)
                    .then(|| rows.get(lane as usize).and_then(|&i| tl.lanes.get(i)))
                    .flatten()
                    .and_then(|l| super::timeline_model::nearest(&l.marks, t_of(x, &v), (5.0 * v.span as f64 / (W - GUTTER - 10.0)) as u64, now))
                    .and_then(|m| Some((x_of(m.t, &v), AXIS_H + lane * LANE_H, label_of(&pg, m)?)));
                if *hover != found {
                    hover.set(found);
                }
            }
            if let Some(p) = *pan {
                let dx = board_x(&svg, &e) - p.x;
                if dx.abs() > 3.0 || p.moved {
                    let dt = (dx * v.span as f64 / (W - GUTTER - 10.0)) as i64;
                    let t0 = (p.t0 as i64 - dt).max(0) as u64;
                    pan.set(Some(Pan { moved: true, ..p }));
                    view.set(View { t0, span: v.span, follow: false });
                }
            }
        })
    };
    let on_up = {
        let (pan, pg, svg) = (pan.clone(), pg.clone(), svg.clone());
        Callback::from(move |e: PointerEvent| {
            let Some(p) = *pan else { return };
            pan.set(None);
            let x = board_x(&svg, &e);
            if !p.moved && x > GUTTER {
                pg.dispatch(Msg::Pause);
                pg.dispatch(Msg::Scrub(t_of(x, &v)));
            }
        })
    };
    let set_view = |nv: View| {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| view.set(nv))
    };
    let export = |png: bool| {
        let svg = svg.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = svg.cast::<Element>() {
                export_svg(&el, png);
            }
        })
    };

    // A pointer-down on a lane picks the nearest message within a few pixels; otherwise the
    // background handles it (pan, or click to seek).
    let lane_hit = |i: usize| {
        let (pg, model, svg) = (pg.clone(), model.clone(), svg.clone());
        Callback::from(move |e: PointerEvent| {
            let x = board_x(&svg, &e);
            let t = t_of(x, &v);
            let tol = (5.0 * v.span as f64 / (W - GUTTER - 10.0)) as u64;
            let tl = model.borrow();
            let Some(lane) = tl.lanes.get(i) else { return };
            if let Some(key) = super::timeline_model::nearest(&lane.marks, t, tol, now).and_then(Mark::msg) {
                e.stop_propagation();
                let msg = tl.name(key);
                drop(tl);
                pg.dispatch(Msg::SelectMsg(Some(msg)));
            }
        })
    };
    let step = tick_step(v.span);
    let key = (*view, pg.selected_msg.clone(), (*hover).clone());
    let ticks: Vec<SimTime> = (v.t0 / step..=t1 / step).map(|k| k * step).filter(|t| *t >= v.t0).collect();
    let mut marks_drawn = 0usize;
    let out = html! {
        <section class="panel panel--timeline" aria-label="Timeline">
            <header class="panel__head">
                <h2>{ "Timeline" }</h2>
                <span class="panel__hint">{ "wheel: zoom · drag: pan · click: move the cursor · click a message: its journey" }</span>
                <span class="toolbar__spacer" />
                <button id="tl-follow" class={class(&["btn", when(v.follow, "btn--on")])} onclick={set_view(View { follow: !view.follow, ..v })} aria-pressed={v.follow.to_string()}>{ "Follow" }</button>
                <button id="tl-zoom-in" class="btn" onclick={set_view(View { span: (v.span / 2).max(MIN_SPAN), t0: v.t0 + v.span / 4, follow: view.follow })}>{ "+" }</button>
                <button id="tl-zoom-out" class="btn" onclick={set_view(View { span: (v.span * 2).min(MAX_SPAN), t0: v.t0.saturating_sub(v.span / 2), follow: view.follow })}>{ "−" }</button>
                <button id="tl-fit" class="btn" onclick={set_view(View { t0: 0, span: horizon.max(now).max(MIN_SPAN) + 500, follow: false })}>{ "Fit all" }</button>
                <button id="tl-svg" class="btn" onclick={export(false)}>{ "SVG" }</button>
                <button id="tl-png" class="btn" onclick={export(true)}>{ "PNG" }</button>
            </header>
            <div class="panel__body timeline__body" tabindex="0" aria-label="Timeline lanes">
                <svg ref={svg.clone()} class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox={format!("0 0 {} {}", px(W), px(height))}
                     onwheel={on_wheel} onpointerdown={on_down} onpointermove={on_move} onpointerup={on_up}
                     onpointerleave={{ let h = hover.clone(); Callback::from(move |_: PointerEvent| h.set(None)) }}
                     data-t0={v.t0.to_string()} data-t1={t1.to_string()}>
                    <style>{ STYLE }</style>
                    <rect class="tl-bg" x="0" y="0" width={px(W)} height={px(height)} />
                    { for ticks.iter().map(|t| {
                        let x = x_of(*t, &v);
                        html! { <g><line class="tl-grid" x1={px(x)} y1={px(AXIS_H)} x2={px(x)} y2={px(height)} />
                                   <text class="tl-axis" x={px(x)} y="14" text-anchor="middle">{ seconds(*t) }</text></g> }
                    }) }
                    { for rows.iter().enumerate().map(|(row, &i)| {
                        let lane = &tl.lanes[i];
                        let y = AXIS_H + row as f64 * LANE_H;
                        let mid = y + LANE_H / 2.0;
                        let is_sel = lane.client.is_some() && lane.client == *selected;
                        let on_label = {
                            let (pg, c) = (pg.clone(), lane.client.clone());
                            Callback::from(move |e: PointerEvent| { e.stop_propagation(); pg.dispatch(Msg::Select(c.clone())); })
                        };
                        // The keyboard twin: a client's lane name is focusable, Enter selects it.
                        let on_label_key = {
                            let (pg, c) = (pg.clone(), lane.client.clone());
                            Callback::from(move |e: KeyboardEvent| if e.key() == "Enter" || e.key() == " " { e.prevent_default(); e.stop_propagation(); pg.dispatch(Msg::Select(c.clone())); })
                        };
                        let focusable = lane.client.is_some();
                        let spans = lane_spans(lane, &v, now, y, mid, sel);
                        let drawn = lane_marks(&tl, lane, &v, now, mid, sel);
                        marks_drawn += drawn.count;
                        let dim = sel.is_some();
                        let marks: Vec<Html> = drawn.paths.into_iter().map(|(k, d)| html! {
                            <path class={class(&["tl-r", &format!("tl-r--{}", k.class()), when(dim, "tl-dim")])} stroke-width={px(2.0 * mark_r(k, false))} d={d} />
                        }).chain(drawn.labels.into_iter().map(|(x, seq)| html! {
                            <text class="tl-seq" x={px(x)} y={px(mid - 5.0)} text-anchor="middle">{ seq }</text>
                        })).chain(drawn.highlighted.into_iter().map(|(x, y, m)| html! { <>
                            <circle class={class(&["tl-m", &format!("tl-m--{}", m.kind.class()), "tl-hl"])} cx={px(x)} cy={px(y)} r={px(mark_r(m.kind, true))}>
                                <title>{ label_of(&pg, &m).unwrap_or_default() }</title></circle>
                            <text class="tl-seq" x={px(x)} y={px(mid - 6.0)} text-anchor="middle">{ m.seq }</text>
                        </> })).collect();
                        html! {
                            <g class="tl-lanes" data-lane={lane.label.clone()}>
                                <rect class={if row % 2 == 1 { "tl-lane tl-lane--alt" } else { "tl-lane" }} x="0" y={px(y)} width={px(W)} height={px(LANE_H)} />
                                { for spans }
                                { for marks }
                                <rect class="tl-hit" x={px(GUTTER)} y={px(y)} width={px(W - GUTTER)} height={px(LANE_H)}
                                      onpointerdown={lane_hit(i)} data-lane-hit={lane.label.clone()} />
                                <text class={class(&["tl-label", when(lane.kind == LaneKind::Channel, "tl-label--channel"), when(is_sel, "tl-label--sel")])}
                                      x="6" y={px(mid + 4.0)} onpointerdown={on_label} onkeydown={on_label_key}
                                      tabindex={focusable.then_some("0")} role={focusable.then_some("button")} aria-pressed={focusable.then(|| is_sel.to_string())}><title>{ full_name(&lane.label) }</title>{ shown_name(&lane.label, LABEL_CHARS) }</text>
                            </g>
                        }
                    }) }
                    { for tl.restarts.iter().filter(|t| **t >= v.t0 && **t <= t1).map(|t| html! {
                        <line class="tl-restart" x1={px(x_of(*t, &v))} y1={px(AXIS_H)} x2={px(x_of(*t, &v))} y2={px(height)}><title>{ format!("server restarted at {}", seconds(*t)) }</title></line>
                    }) }
                    if let Some((hx, hy, label)) = &*hover {
                        <g class="tl-tip" pointer-events="none">
                            <rect x={px(hx.min(W - 330.0) - 2.0)} y={px((hy - 17.0).max(0.0))} width="330" height="16" rx="3" />
                            <text x={px(hx.min(W - 330.0))} y={px((hy - 5.0).max(12.0))}>{ label.clone() }</text>
                        </g>
                    }
                    if now >= v.t0 && now <= t1 {
                        <line class="tl-cursor" x1={px(x_of(now, &v))} y1="0" x2={px(x_of(now, &v))} y2={px(height)} />
                    }
                </svg>
            </div>
            <div class="timeline__foot" data-marks={marks_drawn.to_string()}>
                { journey_view(&pg, &tl, now) }
                { warnings_view(&pg, &tl, now) }
            </div>
        </section>
    };
    *cached.borrow_mut() = (out.clone(), key.0, key.1, key.2, *kick);
    out
}

/// Acks and processing are small and below the delivery they follow, so all three show.
fn mark_r(k: super::timeline_model::MarkKind, hl: bool) -> f64 {
    use super::timeline_model::MarkKind::*;
    match (k, hl) {
        (Acked | ProcessedOk | ProcessedFailed, false) => 2.4,
        (Acked | ProcessedOk | ProcessedFailed, true) => 3.4,
        (_, true) => 5.0,
        _ => 3.6,
    }
}

fn journey_view(pg: &super::hooks::Playground, tl: &Timeline, now: SimTime) -> Html {
    let Some((channel, seq)) = pg.selected_msg.as_ref() else {
        return html! { <p class="journey journey--empty">{ "Click a message on the timeline to follow its journey." }</p> };
    };
    let (steps, data): (Vec<(SimTime, String)>, Option<String>) = {
        let s = pg.session.borrow();
        let trace = s.sim().trace();
        let data = super::view_model::stored_data(s.sim(), channel, *seq).map(str::to_string);
        (tl.journey().iter().filter_map(|&i| trace.get(i as usize)).filter(|e| e.t <= now).map(|e| (e.t, super::timeline_model::what(e))).collect(), data)
    };
    let clear = {
        let pg = pg.clone();
        Callback::from(move |_: MouseEvent| pg.dispatch(Msg::SelectMsg(None)))
    };
    html! {
        <div id="journey" class="journey">
            <h3>{ format!("Journey of {channel} #{seq}") }<button class="btn" onclick={clear}>{ "Clear" }</button></h3>
            <p class="journey__data">
                { "msg.getData(): " }
                <code>{ data.as_deref().map_or_else(|| "(not stored by the server at this moment)".to_string(), super::view_model::full_name) }</code>
            </p>
            <ol>{ for steps.iter().map(|(t, text)| {
                let (pg, t) = (pg.clone(), *t);
                html! { <li><button class="journey__time" onclick={Callback::from(move |_| { pg.dispatch(Msg::Pause); pg.dispatch(Msg::Scrub(t)); })}>{ seconds(t) }</button>{ " " }{ text.clone() }</li> }
            }) }</ol>
        </div>
    }
}

fn warnings_view(pg: &super::hooks::Playground, tl: &Timeline, now: SimTime) -> Html {
    let warnings = tl.warnings_at(now);
    if warnings.is_empty() {
        return html! {};
    }
    html! {
        <div id="warnings" class="warnings" role="status">
            <h3>{ format!("Look here ({})", warnings.len()) }</h3>
            <ul>{ for warnings.iter().rev().take(8).map(|w| {
                let (pg, msg, t) = (pg.clone(), w.msg.clone(), w.t);
                html! { <li><button class="journey__time" onclick={Callback::from(move |_| { pg.dispatch(Msg::SelectMsg(msg.clone())); pg.dispatch(Msg::Pause); pg.dispatch(Msg::Scrub(t)); })}>{ seconds(w.t) }</button>{ " " }{ w.text.clone() }</li> }
            }) }</ul>
        </div>
    }
}

/// Most ack waits drawn one by one (each with its expiry tooltip); past that, a lane draws
/// them merged into one path per pixel-separated run, and their expiry ticks deduplicated
/// per pixel column.
const SPANS_EACH: usize = 200;

/// A lane's spans in the window, clipped at the cursor: bands (pause, zombie, offline,
/// disconnected) and ack waits with their expiry ticks.
fn lane_spans(lane: &Lane, v: &View, now: SimTime, y: f64, mid: f64, sel: Option<super::timeline_model::MsgKey>) -> Vec<Html> {
    let t1 = v.t0 + v.span;
    let idx = lane.spans_in(v.t0, t1, now);
    let waits = idx.iter().filter(|&&i| lane.spans[i].kind == SpanKind::AckWait).count();
    let mut out = Vec::new();
    let mut merged: Vec<(f64, f64)> = Vec::new();
    let mut ticks: Vec<f64> = Vec::new();
    for i in idx {
        let s = &lane.spans[i];
        let end = s.t1.filter(|e| *e <= now);
        let (a, b) = (x_of(s.t0.max(v.t0), v), x_of(end.unwrap_or(now).min(t1), v));
        let expiry = s.expires.filter(|e| *e >= v.t0 && *e <= t1.min(now) && end.is_none_or(|end| *e <= end));
        match s.kind {
            SpanKind::AckWait if waits <= SPANS_EACH || (sel.is_some() && s.msg == sel) => {
                let dim = sel.is_some() && s.msg != sel;
                out.push(html! { <g class={class(&[when(dim, "tl-dim")])}>
                    <line class="tl-wait" x1={px(a)} y1={px(mid + 5.0)} x2={px(b)} y2={px(mid + 5.0)} />
                    if let Some(x) = expiry {
                        <line class="tl-expiry" x1={px(x_of(x, v))} y1={px(mid + 1.0)} x2={px(x_of(x, v))} y2={px(mid + 9.0)}>
                            <title>{ format!("ack wait of #{} expires at {}", s.msg.map_or(0, |m| m.1), seconds(x)) }</title></line>
                    }
                </g> });
            }
            SpanKind::AckWait => {
                match merged.last_mut() {
                    Some(last) if a <= last.1 + 1.0 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
                if let Some(x) = expiry.map(|x| x_of(x, v)) {
                    if ticks.last().is_none_or(|l| (x - l).abs() >= 1.0) {
                        ticks.push(x);
                    }
                }
            }
            k => {
                let class = match k {
                    SpanKind::Paused => "tl-span--paused",
                    SpanKind::Zombie => "tl-span--zombie",
                    SpanKind::Offline => "tl-span--offline",
                    _ => "tl-span--disconnected",
                };
                out.push(html! { <rect class={class} x={px(a)} y={px(y + 2.0)} width={px((b - a).max(1.0))} height={px(LANE_H - 4.0)} /> });
            }
        }
    }
    if !merged.is_empty() {
        let mut d = String::new();
        for (a, b) in &merged {
            path_to(&mut d, 'M', *a, Some(mid + 5.0));
            path_to(&mut d, 'H', b.max(a + 0.5), None);
        }
        let dim = sel.is_some();
        out.push(html! { <path class={class(&["tl-wait", when(dim, "tl-dim")])} d={d} /> });
    }
    if !ticks.is_empty() {
        let mut d = String::new();
        for x in &ticks {
            path_to(&mut d, 'M', *x, Some(mid + 1.0));
            path_to(&mut d, 'V', mid + 9.0, None);
        }
        out.push(html! { <path class={class(&["tl-expiry", when(sel.is_some(), "tl-dim")])} d={d} /> });
    }
    out
}

/// The lanes that exist at `now`, in display order.
fn rows_at(tl: &Timeline, now: SimTime) -> Vec<usize> {
    tl.lanes.iter().enumerate().filter(|(_, l)| l.since <= now).map(|(i, _)| i).collect()
}

/// A mark's tooltip, read from its trace event (at or before the cursor).
fn label_of(pg: &super::hooks::Playground, m: &Mark) -> Option<String> {
    let s = pg.session.try_borrow().ok()?;
    s.sim().trace().get(m.event as usize).map(describe)
}

/// Appends a run of marks (a dot when `a == b`) to its kind's path.
fn segment(out: &mut Drawn, kind: MarkKind, a: f64, b: f64, mid: f64) {
    let k = match out.paths.iter().position(|p| p.0 == kind) {
        Some(k) => k,
        None => {
            out.paths.push((kind, String::new()));
            out.paths.len() - 1
        }
    };
    let d = &mut out.paths[k].1;
    path_to(d, 'M', a, Some(mid + kind.dy()));
    path_to(d, 'H', b, None);
}

/// One path command: `M x y`, or `H x` / `V y` without a second number.
fn path_to(d: &mut String, cmd: char, first: f64, second: Option<f64>) {
    d.push(cmd);
    px_into(d, first);
    if let Some(second) = second {
        d.push(' ');
        px_into(d, second);
    }
}

/// What one lane draws: one path per mark kind, sequence labels when zoomed in, and the
/// selected message's marks on top.
struct Drawn {
    paths: Vec<(MarkKind, String)>,
    labels: Vec<(f64, u64)>,
    highlighted: Vec<(f64, f64, Mark)>,
    count: usize,
}

/// At most one mark per pixel column and kind, from the raw marks when few are visible and
/// from the aggregated buckets when the lane is dense; clipped at the cursor.
fn lane_marks(tl: &Timeline, lane: &Lane, v: &View, now: SimTime, mid: f64, sel: Option<super::timeline_model::MsgKey>) -> Drawn {
    let t1 = (v.t0 + v.span).min(now);
    let mut out = Drawn { paths: Vec::new(), labels: Vec::new(), highlighted: Vec::new(), count: 0 };
    if v.t0 > t1 {
        return out;
    }
    let ms_per_px = v.span as f64 / (W - GUTTER - 10.0);
    let zoomed = v.span <= 30_000 && lane.kind != LaneKind::Client;
    // Per kind, the run of touching marks being drawn: a burst becomes one stroked segment
    // with round caps (a lone mark, a dot), so a dense lane is a few segments, not thousands.
    let mut runs: [Option<(f64, f64)>; MarkKind::ALL.len()] = [None; MarkKind::ALL.len()];
    let mut put = |out: &mut Drawn, kind: MarkKind, x: f64| {
        let k = kind as usize;
        let r = mark_r(kind, false);
        match &mut runs[k] {
            Some((_, b)) if x - *b < 1.0 => return false,
            Some((_, b)) if x - *b <= 2.0 * r => *b = x,
            run => {
                if let Some((a, b)) = run.take() {
                    segment(out, kind, a, b, mid);
                }
                *run = Some((x, x));
            }
        }
        out.count += 1;
        true
    };
    let raw = |out: &mut Drawn, put: &mut dyn FnMut(&mut Drawn, MarkKind, f64) -> bool, a: SimTime, b: SimTime| {
        for m in &lane.marks[visible(&lane.marks, a, b)] {
            let x = x_of(m.t, v);
            if sel.is_some() && m.msg() == sel {
                continue; // drawn on top, below
            }
            if put(out, m.kind, x)
                && zoomed
                && matches!(m.kind, MarkKind::Delivered | MarkKind::Redelivered | MarkKind::Published)
                && super::timeline_model::label_fits(&out.labels, x, m.seq)
            {
                out.labels.push((x, m.seq));
            }
        }
    };
    let range = visible(&lane.marks, v.t0, t1);
    match Lane::level_for(ms_per_px).filter(|_| range.len() > 2 * (W - GUTTER) as usize) {
        None => raw(&mut out, &mut put, v.t0, t1),
        Some(level) => {
            // Whole buckets from the level; the part-buckets at both ends (the cursor's among
            // them), from the marks.
            let size = 1u64 << super::timeline_model::LEVEL_SHIFTS[level];
            let first = v.t0.div_ceil(size) * size;
            if first > v.t0 {
                raw(&mut out, &mut put, v.t0, (first - 1).min(t1));
            }
            let mut covered = first;
            for (b, mask) in lane.buckets(level, v.t0, t1) {
                let x = x_of(b + size / 2, v);
                for kind in MarkKind::ALL.iter().filter(|k| mask & (1 << **k as u32) != 0) {
                    put(&mut out, *kind, x);
                }
                covered = b + size;
            }
            if covered <= t1 {
                raw(&mut out, &mut put, covered, t1);
            }
        }
    }
    // The selected message on top, found through its journey (a handful of events); a lane's
    // marks are in trace order, so a trace index is found by bisection.
    if sel.is_some() {
        for &i in tl.journey() {
            let a = lane.marks.partition_point(|m| m.event < i);
            if let Some(m) = lane.marks.get(a).filter(|m| m.event == i && m.t >= v.t0 && m.t <= t1) {
                out.highlighted.push((x_of(m.t, v), mid + m.kind.dy(), *m));
            }
        }
    }
    for (k, run) in runs.iter().enumerate() {
        if let Some((a, b)) = run {
            segment(&mut out, MarkKind::ALL[k], *a, *b, mid);
        }
    }
    out
}

/// Downloads the timeline as `timeline.svg`, or rendered to `timeline.png`.
fn export_svg(el: &Element, png: bool) {
    let text = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}", el.outer_html());
    let url = format!("data:image/svg+xml;charset=utf-8,{}", js_sys::encode_uri_component(&text));
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    if !png {
        download(&doc, &url, "timeline.svg");
        return;
    }
    let Ok(img) = web_sys::HtmlImageElement::new() else { return };
    let r = el.get_bounding_client_rect();
    let (w, h) = ((r.width() * 2.0).max(1.0) as u32, (r.height() * 2.0).max(1.0) as u32);
    let img2 = img.clone();
    let doc2 = doc.clone();
    let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
        let Ok(canvas) = doc2.create_element("canvas") else { return };
        let Ok(canvas) = canvas.dyn_into::<web_sys::HtmlCanvasElement>() else { return };
        canvas.set_width(w);
        canvas.set_height(h);
        if let Ok(Some(ctx)) = canvas.get_context("2d") {
            if let Ok(ctx) = ctx.dyn_into::<web_sys::CanvasRenderingContext2d>() {
                let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(&img2, 0.0, 0.0, w as f64, h as f64);
                if let Ok(png) = canvas.to_data_url_with_type("image/png") {
                    download(&doc2, &png, "timeline.png");
                }
            }
        }
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
}

fn download(doc: &web_sys::Document, href: &str, name: &str) {
    let Ok(a) = doc.create_element("a") else { return };
    let _ = a.set_attribute("href", href);
    let _ = a.set_attribute("download", name);
    if let Some(body) = doc.body() {
        let _ = body.append_child(&a);
        if let Ok(a) = a.clone().dyn_into::<web_sys::HtmlElement>() {
            a.click();
        }
        let _ = body.remove_child(&a);
    }
}
