//! The board (SVG): publishers, the server with its channels, listeners in queue-group
//! containers, and the messages travelling between them. Listeners are dragged with the
//! pointer: onto a group to join it, onto the "new queue group" zone to start one, anywhere
//! else to leave their group. Geometry comes from `board_model`.

use super::board_model::{subs_top, BoardVm, DotKind, GroupVm, NodeVm, SubVm, NODE_W};
use super::hooks::use_playground;
use super::state::Msg;
use super::view_model::{class, digits, full_name, px, px_into, shown_name, when};
use crate::embed::Control;
use crate::fixed::fixed;
use web_sys::{Element, PointerEvent};
use yew::prelude::*;

/// A drag in progress: which listener subscription, where it was grabbed, where it is now.
#[derive(Clone, Debug, PartialEq)]
struct Drag {
    client: String,
    handle: String,
    grab: (f64, f64),
    at: (f64, f64),
    moved: bool,
}

/// Props of the board.
#[derive(Properties, PartialEq)]
pub struct BoardProps {
    /// What to draw.
    pub vm: BoardVm,
    /// Selected client id.
    pub selected: Option<String>,
    /// How big.
    #[prop_or_default]
    pub zoom: Zoom,
}

/// How big the board is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Zoom {
    /// As wide as its box.
    #[default]
    Width,
    /// Wholly in view: as wide as its box but no taller than the window.
    Fit,
    /// A multiple of its box's width (the box scrolls).
    Times(f64),
}

/// Client (CSS pixel) coordinates → board coordinates: the SVG keeps the viewBox's aspect
/// ratio at 100 % width, so one scale factor serves both axes.
fn to_board(svg: &NodeRef, e: &PointerEvent, width: f64) -> (f64, f64) {
    let Some(el) = svg.cast::<Element>() else { return (0.0, 0.0) };
    let r = el.get_bounding_client_rect();
    let k = if r.width() > 0.0 { width / r.width() } else { 1.0 };
    ((e.client_x() as f64 - r.left()) * k, (e.client_y() as f64 - r.top()) * k)
}

/// The drop zone for a new queue group, below the listeners.
fn new_group_zone(vm: &BoardVm) -> (f64, f64, f64, f64) {
    let bottom = vm.nodes.iter().filter(|n| n.listener).map(|n| n.y + n.h).chain(vm.groups.iter().map(|g| g.y + g.h)).fold(60.0, f64::max);
    (vm.geo.lis_x - 12.0, bottom + 18.0, NODE_W + 24.0, 44.0)
}

fn inside(p: (f64, f64), r: (f64, f64, f64, f64)) -> bool {
    p.0 >= r.0 && p.0 <= r.0 + r.2 && p.1 >= r.1 && p.1 <= r.1 + r.3
}

/// The board component.
#[function_component]
pub fn Board(BoardProps { vm, selected, zoom }: &BoardProps) -> Html {
    let pg = use_playground();
    let svg = use_node_ref();
    let drag = use_state(|| None::<Drag>);
    // Chrome does not apply `touch-action` to SVG shapes: a touch that starts on a listener
    // (on a board that is not locked) is kept from scrolling the page here, so that it drags.
    {
        let svg = svg.clone();
        use_effect_with((), move |_| {
            let l = svg.cast::<Element>().map(|t| {
                super::hooks::DocumentListener::active(t.into(), "touchstart", |e: web_sys::Event| {
                    let on_listener =
                        e.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|el| el.closest("g.node--listener").ok().flatten()).is_some();
                    let locked = e.current_target().and_then(|t| t.dyn_into::<Element>().ok()).is_some_and(|el| el.class_list().contains("board--locked"));
                    if on_listener && !locked {
                        e.prevent_default();
                    }
                })
            });
            move || drop(l)
        });
    }

    let width = vm.geo.width;
    let on_move = {
        let (drag, svg) = (drag.clone(), svg.clone());
        Callback::from(move |e: PointerEvent| {
            if let Some(d) = (*drag).clone() {
                let at = to_board(&svg, &e, width);
                let moved = d.moved || (at.0 - d.grab.0).abs() + (at.1 - d.grab.1).abs() > 6.0;
                drag.set(Some(Drag { at, moved, ..d }));
            }
        })
    };
    let on_up = {
        let (drag, pg, groups, zone) = (drag.clone(), pg.clone(), vm.groups.clone(), new_group_zone(vm));
        Callback::from(move |_e: PointerEvent| {
            let Some(d) = (*drag).clone() else { return };
            drag.set(None);
            if !d.moved {
                pg.dispatch(Msg::Select(Some(d.client.clone())));
                return;
            }
            let target: Option<&GroupVm> = groups.iter().filter(|g| !g.plain).find(|g| inside(d.at, (g.x, g.y, g.w, g.h)));
            let group = if let Some(g) = target {
                Some((g.queue.clone(), g.durable.clone()))
            } else if inside(d.at, zone) {
                Some((new_group_name(&groups), None))
            } else {
                None
            };
            // Dropping where it already is changes nothing: the reducer ignores it.
            pg.dispatch(Msg::Regroup { client: d.client, handle: d.handle, group });
        })
    };
    let on_cancel = {
        let drag = drag.clone();
        Callback::from(move |_e: PointerEvent| drag.set(None))
    };
    let on_background = {
        let pg = pg.clone();
        Callback::from(move |e: MouseEvent| {
            if e.target().and_then(|t| t.dyn_into::<Element>().ok()).is_some_and(|el| el.class_list().contains("board__bg")) {
                pg.dispatch(Msg::Select(None));
            }
        })
    };
    let start_drag = |n: &NodeVm| {
        let (drag, svg) = (drag.clone(), svg.clone());
        let client = n.id.clone();
        let handle = n.subs.first().map(|s| s.handle.clone());
        let pg = pg.clone();
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 {
                return;
            }
            // A locked board only selects (to read the inspector).
            let Some(handle) = handle.clone().filter(|_| !pg.view.locks(Control::Board)) else {
                pg.dispatch(Msg::Select(Some(client.clone())));
                return;
            };
            if let Some(t) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                let _ = t.set_pointer_capture(e.pointer_id());
            }
            let at = to_board(&svg, &e, width);
            drag.set(Some(Drag { client: client.clone(), handle, grab: at, at, moved: false }));
        })
    };

    // The keyboard twin of a click and of the node's actions: Enter or space opens the
    // inspector; k kills, c closes, r restarts with the same id (not on a locked board).
    let on_key = |n: &NodeVm| {
        let (pg, client, alive) = (pg.clone(), n.id.clone(), n.health.alive());
        Callback::from(move |e: KeyboardEvent| {
            let locked = pg.view.locks(Control::Board);
            let msg = match e.key().as_str() {
                k @ ("ArrowDown" | "ArrowUp" | "ArrowRight" | "ArrowLeft") => {
                    e.prevent_default();
                    e.stop_propagation();
                    focus_next_node(&e, matches!(k, "ArrowDown" | "ArrowRight"));
                    return;
                }
                "Enter" | " " => Msg::Select(Some(client.clone())),
                "k" if !locked && alive => Msg::Act(crate::engine::Verb::Kill { client: client.as_str().into() }),
                "c" if !locked && alive => Msg::Act(crate::engine::Verb::Close { client: client.as_str().into() }),
                "r" if !locked => Msg::Restart { client: client.clone(), new_id: false },
                _ => return,
            };
            e.prevent_default();
            e.stop_propagation();
            pg.dispatch(msg);
        })
    };

    // A big group's "N more" line opens it (and closes it again).
    let toggle = |g: &GroupVm| {
        let (pg, id) = (pg.clone(), g.id.clone());
        Callback::from(move |()| pg.dispatch(Msg::ToggleGroup(id.clone())))
    };
    let zone = new_group_zone(vm);
    let dragging = (*drag).clone().filter(|d| d.moved);
    // Zoom: 1 fits the board's width to its box; more makes it wider than the box (the box
    // scrolls); "fit" also fits its height to the window.
    let height = vm.height.max(zone.1 + zone.3 + 20.0);
    let zoom_style = match zoom {
        Zoom::Width => String::new(),
        Zoom::Fit => format!("width: min(100%, calc((100vh - 150px) * {})); min-width: 0; margin: 0 auto;", fixed(width / height.max(1.0), 4)),
        Zoom::Times(k) => format!("width: {}%;", fixed(k * 100.0, 0)),
    };
    html! {
        <svg ref={svg.clone()} class={class(&["board", when(pg.view.locks(Control::Board), "board--locked"), when(vm.geo.layout == super::board_model::Layout::Tall, "board--tall")])} viewBox={format!("0 0 {} {}", px(width), px(height))} style={zoom_style} role="group"
             aria-label="Publishers, the NATS Streaming server and listeners"
             onpointermove={on_move} onpointerup={on_up} onpointercancel={on_cancel} onclick={on_background}>
            <rect class="board__bg" x="0" y="0" width={px(width)} height={px(height)} />
            { for vm.edges.iter().map(|e| html! { <line class="board__edge" x1={px(e.x1)} y1={px(e.y1)} x2={px(e.x2)} y2={px(e.y2)} /> }) }
            { server(vm) }
            { for vm.groups.iter().map(|g| group(g, !g.plain && dragging.as_ref().is_some_and(|d| inside(d.at, (g.x, g.y, g.w, g.h))), toggle(g))) }
            if !pg.view.locks(Control::Board) && (dragging.is_some() || vm.nodes.iter().any(|n| n.listener)) {
                <g class={class(&["board__zone", when(dragging.as_ref().is_some_and(|d| inside(d.at, zone)), "board__zone--hot")])}>
                    <rect x={px(zone.0)} y={px(zone.1)} width={px(zone.2)} height={px(zone.3)} rx="8" />
                    <text x={px(zone.0 + zone.2 / 2.0)} y={px(zone.1 + 26.0)} text-anchor="middle">{ "drop here: new queue group" }</text>
                </g>
            }
            { for vm.nodes.iter().map(|n| {
                let offset = dragging.as_ref().filter(|d| d.client == n.id).map(|d| (d.at.0 - d.grab.0, d.at.1 - d.grab.1));
                node(n, selected.as_deref() == Some(n.id.as_str()), offset, start_drag(n), on_key(n))
            }) }
            { for vm.pulses.iter().map(|p| html! {
                <circle class={class(&["pulse", if p.ok { "pulse--ok" } else { "pulse--missed" }])} cx={px(p.x)} cy={px(p.y)}
                        r={px(6.0 + 22.0 * p.progress)} style={format!("opacity:{}", fixed((1.0 - p.progress).max(0.0), 2))} />
            }) }
            { for dot_layers(&vm.dots) }
        </svg>
    }
}

/// The dots, one shape per kind (in the model's drawing order), each circle a subpath: a busy
/// run's hundreds of dots are a handful of elements, not a `<g>`, `<circle>` and `<text>` each.
fn dot_layers(dots: &[super::board_model::DotVm]) -> impl Iterator<Item = Html> + '_ {
    dots.chunk_by(|a, b| a.kind == b.kind).map(|run| {
        let class = match run[0].kind {
            DotKind::Publish => "dot dot--publish",
            DotKind::Deliver => "dot dot--deliver",
            DotKind::Redeliver => "dot dot--redeliver",
            DotKind::Ack => "dot dot--ack",
        };
        let mut d = String::new();
        for dot in run {
            d.push('M');
            px_into(&mut d, dot.x - 7.0);
            d.push(' ');
            px_into(&mut d, dot.y);
            d.push_str("a7 7 0 1 0 14 0a7 7 0 1 0-14 0");
        }
        html! {
            <g {class}><path {d} />
                { for run.iter().filter(|d| d.label).map(|d| html! { <text x={px(d.x)} y={px(d.y + 3.5)} text-anchor="middle">{ d.seq }</text> }) }
            </g>
        }
    })
}

fn server(vm: &BoardVm) -> Html {
    let (sx, sy, sw) = (vm.geo.server_x, vm.geo.server_y, vm.geo.server_w);
    html! {
        <g class="server">
            <rect class="server__box" x={px(sx)} y={px(sy)} width={px(sw)} height={px(vm.server_h)} rx="10" />
            <text class="server__title" x={px(sx + 14.0)} y={px(sy + 22.0)}>{ vm.server_label.clone() }</text>
            if vm.channels.is_empty() { <text class="server__empty" x={px(sx + 14.0)} y={px(sy + 60.0)}>{ "no channels yet" }</text> }
            { for vm.channels.iter().map(|c| {
                let stored = if c.msgs == 0 && c.last == 0 { "empty".to_string() } else { format!("seq {}…{} · {} msgs{}", c.first, c.last, c.msgs, if c.dropped > 0 { format!(" · {} dropped", c.dropped) } else { String::new() }) };
                let info = format!("{stored} · {} sub{}", c.subs, if c.subs == 1 { "" } else { "s" });
                html! {
                    <g class="channel">
                        <text class="channel__name" x={px(sx + 14.0)} y={px(c.y + 14.0)}><title>{ full_name(&c.name) }</title>{ shown_name(&c.name, 30) }</text>
                        <text class="channel__info" x={px(sx + 14.0)} y={px(c.y + 30.0)}>{ info }</text>
                        { for c.offline.iter().enumerate().map(|(i, o)| html! {
                            <text class="channel__offline" x={px(sx + 14.0)} y={px(c.y + 72.0 + 14.0 * i as f64)}>
                                <title>{ full_name(o) }</title>{ shown_name(o, ((sw - 28.0) / 6.2) as usize) }</text>
                        }) }
                        { for c.recent.iter().enumerate().map(|(i, seq)| {
                            // A box is 28 px wide: five digits in a smaller font, more squeezed
                            // into 26 px (a run of a million messages), never past the box.
                            let n = digits(*seq);
                            let class = match n { 0..=4 => "channel__msg", 5 => "channel__msg channel__msg--long", _ => "channel__msg channel__msg--longer" };
                            html! {
                                <g {class}>
                                    <rect x={px(sx + 14.0 + i as f64 * 31.0)} y={px(c.y + 38.0)} width="28" height="20" rx="3" />
                                    <text x={px(sx + 28.0 + i as f64 * 31.0)} y={px(c.y + 52.0)} text-anchor="middle"
                                          textLength={(n > 5).then_some("26")} lengthAdjust={(n > 5).then_some("spacingAndGlyphs")}>{ seq }</text>
                                </g>
                            }
                        }) }
                    </g>
                }
            }) }
        </g>
    }
}

fn group(g: &GroupVm, hot: bool, toggle: Callback<()>) -> Html {
    let on_click = {
        let t = toggle.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            t.emit(());
        })
    };
    let on_key = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            toggle.emit(());
        }
    });
    html! {
        <g class={class(&["group", when(hot, "group--hot"), when(g.plain, "group--plain")])}>
            <rect class="group__box" x={px(g.x)} y={px(g.y)} width={px(g.w)} height={px(g.h)} rx="10" />
            <text x={px(g.x + 10.0)} y={px(g.y + 17.0)}><title>{ g.title.clone() }</title>{ g.label.clone() }</text>
            if let Some(d) = &g.durable {
                <text class="group__durable" x={px(g.x + 10.0)} y={px(g.y + 30.0)}><title>{ full_name(d) }</title>{ format!("durable {}{}", shown_name(d, 28), if g.shadow { " · offline shadow" } else { "" }) }</text>
            }
            if g.collapsible {
                <g class="group__more" role="button" tabindex="0" aria-expanded={(g.hidden == 0).to_string()} onclick={on_click} onkeydown={on_key}>
                    <rect x={px(g.x + 12.0)} y={px(g.y + g.h - 34.0)} width={px(g.w - 24.0)} height="24" rx="6" />
                    <text x={px(g.x + g.w / 2.0)} y={px(g.y + g.h - 18.0)} text-anchor="middle">
                        { match (g.plain, g.hidden > 0) {
                            (false, true) => format!("+ {} more · {} members (show)", g.hidden, g.members),
                            (false, false) => format!("{} members (collapse)", g.members),
                            (true, true) => format!("+ {} more · {} listeners (show)", g.hidden, g.members),
                            (true, false) => format!("{} listeners (collapse)", g.members),
                        } }
                    </text>
                </g>
            }
        </g>
    }
}

/// What fits of an error line in a node (the whole error is in the node's tooltip and in the
/// inspector).
const ERROR_CHARS: usize = 38;

/// A name for a queue group made by a drop on the new-group zone, after the course's
/// pattern (`<service>-service-queue-group`): the first of the course's services not yet
/// naming a group on the board, then `group-N`.
pub fn new_group_name(groups: &[GroupVm]) -> String {
    const SERVICES: [&str; 5] = ["orders", "payments", "expiration", "tickets", "auth"];
    let free = |q: &str| !groups.iter().any(|g| g.queue == q);
    SERVICES.iter().map(|s| format!("{s}-service-queue-group")).chain((1..).map(|n| format!("group-{n}"))).find(|q| free(q)).unwrap_or_default()
}

fn sub_line(s: &SubVm) -> String {
    let mut t = shown_name(&s.handle, 16);
    if let Some(why) = s.wanted {
        t.push_str(" · ");
        t.push_str(why);
        return t;
    }
    if s.manual_ack {
        t.push_str(" · manual");
    }
    t.push_str(&format!(" · {} pending", s.pending));
    if s.process_ms > 0 {
        t.push_str(&format!(" · {} ms", s.process_ms));
    }
    if s.stalled {
        t.push_str(" · STALLED");
    }
    t
}

/// What a screen reader says for a node: kind, id and state (`listener l1, killed · 1/3
/// heartbeats missed, server drops it at 35.0 s (in 29.5 s)`), and its error.
pub fn node_label(n: &NodeVm) -> String {
    let mut s = format!("{} {}, {}", if n.listener { "listener" } else { "publisher" }, full_name(&n.id), n.status);
    if let Some(s2) = &n.status2 {
        s.push_str(", ");
        s.push_str(s2);
    }
    if let Some(e) = &n.error {
        s.push_str(", error: ");
        s.push_str(&full_name(e));
    }
    s
}

fn node(n: &NodeVm, selected: bool, offset: Option<(f64, f64)>, on_down: Callback<PointerEvent>, on_key: Callback<KeyboardEvent>) -> Html {
    let (status, tone) = (n.status.clone(), n.tone);
    let top = subs_top(n);
    let (dx, dy) = offset.unwrap_or((0.0, 0.0));
    let node_class = class(&[
        "node",
        if n.listener { "node--listener" } else { "node--publisher" },
        &format!("node--{tone}"),
        when(selected, "node--selected"),
        when(offset.is_some(), "node--dragging"),
    ]);
    html! {
        <g class={node_class} transform={format!("translate({},{})", px(n.x + dx), px(n.y + dy))} onpointerdown={on_down} onkeydown={on_key} data-client={n.id.clone()}
           tabindex="0" role="button" aria-pressed={selected.to_string()}>
            // The title is the node's name for assistive technology and its tooltip: kind,
            // id, state and error (an aria-label would not contain all the text drawn).
            <title>{ node_label(n) }</title>
            <rect class="node__box" width={px(NODE_W)} height={px(n.h)} rx="8" />
            <text class="node__id" x="10" y="18">{ if n.listener { "listener " } else { "publisher " } }{ shown_name(&n.id, 22) }</text>
            <text class="node__status" x="10" y="34">{ status }</text>
            if let Some(s2) = &n.status2 { <text class="node__status node__status--2" x="10" y="48">{ s2.clone() }</text> }
            if n.listener {
                { for n.subs.iter().enumerate().map(|(k, s)| {
                    let y = top + 18.0 * k as f64;
                    html! {
                        <g class={class(&["node__sub", when(s.stalled, "node__sub--stalled"), when(s.failing, "node__sub--failing")])}>
                            <text x="24" y={px(y)}>{ sub_line(s) }</text>
                            if let Some(p) = s.ack_progress {
                                <circle class="node__ring-bg" cx="12" cy={px(y - 4.0)} r="6" />
                                <circle class="node__ring" cx="12" cy={px(y - 4.0)} r="6" pathLength="100" stroke-dasharray={format!("{} 100", fixed(p * 100.0, 1))} transform={format!("rotate(-90 12 {})", px(y - 4.0))} />
                            }
                        </g>
                    }
                }) }
            } else if let Some(err) = &n.error {
                <text class="node__error" x="10" y="50">{ shown_name(err, ERROR_CHARS) }</text>
            }
            if n.listener { if let Some(err) = &n.error { <text class="node__error" x="10" y={px(n.h - 6.0)}>{ shown_name(err, ERROR_CHARS) }</text> } }
        </g>
    }
}

/// Arrow keys on a node move the focus to the next (or previous) node in drawing order:
/// publishers, then listeners group by group.
fn focus_next_node(e: &KeyboardEvent, forward: bool) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(list) = doc.query_selector_all("svg.board g.node") else { return };
    let here = e.current_target().and_then(|t| t.dyn_into::<Element>().ok());
    let n = list.length();
    let at = (0..n).find(|&i| list.item(i).and_then(|x| x.dyn_into::<Element>().ok()) == here);
    let next = match (at, forward) {
        (Some(i), true) => (i + 1).min(n.saturating_sub(1)),
        (Some(i), false) => i.saturating_sub(1),
        (None, _) => 0,
    };
    if let Some(el) = list.item(next) {
        if let Ok(f) = js_sys::Reflect::get(&el, &"focus".into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
            let _ = f.call0(&el);
        }
    }
}

use wasm_bindgen::JsCast;
