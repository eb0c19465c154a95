//! Side panels: the event log (a readable, filterable transcript of the trace up to the
//! cursor, newest first; a row selects its message's journey) and the server's view: the
//! monitoring endpoints exactly as the server would answer them now (every form the course
//! uses, copyable) and the server's `-SD` log lines.

use super::hooks::{use_playground, use_refresh_gate};
use super::state::Msg;
use super::timeline_model::msg_of;
use super::view_model::row;
use super::view_model::{class, when};
use crate::engine::time::log_timestamp;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Rows the event log renders around its scroll position (the rest are spacers).
const LOG_ROWS: usize = 150;
/// A log row's fixed height in px (one line; the full text is in its tooltip).
const ROW_H: f64 = 20.0;
/// Trace events the filter searches per render (the rest on the next, shown as progress).
const FILTER_SLICE: usize = 200_000;
const SERVER_LOG_LINES: usize = 300;

/// Real milliseconds between refreshes of the panels while playing.
const REFRESH_MS: f64 = 250.0;

/// The rows matching the filter, over the run's whole history (so a seek needs no search),
/// searched in slices.
#[derive(Default)]
struct LogIndex {
    filter: String,
    generation: u64,
    searched: usize,
    matches: Vec<u32>,
}

impl LogIndex {
    /// Brings the index up to `history` (at most [`FILTER_SLICE`] more events); true when done.
    fn update(&mut self, history: &[crate::engine::TraceEvent], filter: &str, generation: u64) -> bool {
        if self.filter != filter || self.generation != generation || history.len() < self.searched {
            *self = LogIndex { filter: filter.to_string(), generation, ..LogIndex::default() };
        }
        if filter.is_empty() {
            self.searched = history.len();
            return true;
        }
        let end = history.len().min(self.searched + FILTER_SLICE);
        for (i, e) in history.iter().enumerate().take(end).skip(self.searched) {
            let r = row(e);
            if crate::text::lower(&format!("{} {} {}", r.event, r.client, r.detail)).contains(filter) {
                self.matches.push(i as u32);
            }
        }
        self.searched = end;
        end == history.len()
    }
}

/// The event log: every event up to the cursor, newest first, virtualized (only the rows
/// around the scroll position exist in the page).
#[function_component]
pub fn EventLog() -> Html {
    let pg = use_playground();
    let filter = use_state(String::new);
    let top = use_state(|| 0usize);
    let kick = use_state(|| 0u32);
    let timer = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    let index = use_mut_ref(LogIndex::default);
    let fresh = use_refresh_gate(pg.playing || pg.work.is_some(), REFRESH_MS);
    let node = use_node_ref();
    let on_screen = super::hooks::use_offscreen_defer(&node, super::hooks::OFFSCREEN_CATCH_UP_MS);
    let cached = use_mut_ref(|| (Html::default(), 0usize, String::new(), 0u32));
    {
        let c = cached.borrow();
        if pg.work.is_some() || (!on_screen && c.2 == *filter) || (!fresh && c.1 == *top && c.2 == *filter && c.3 == *kick) {
            return c.0.clone();
        }
    }
    let on_filter = {
        let (filter, top) = (filter.clone(), top.clone());
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                filter.set(i.value());
                top.set(0);
            }
        })
    };
    let on_scroll = {
        let top = top.clone();
        Callback::from(move |e: Event| {
            if let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                let first = (el.scroll_top() as f64 / ROW_H) as usize;
                // Re-render only when the window must move (a third of it before its edge).
                let want = first.saturating_sub(LOG_ROWS / 3);
                if want.abs_diff(*top) > LOG_ROWS / 3 {
                    top.set(want);
                }
            }
        })
    };
    let s = pg.session.borrow();
    let f = crate::text::lower(&filter);
    let sel = pg.selected_msg.clone();
    let history = &s.sim().history().trace;
    let at_cursor = s.sim().trace().len();
    let mut idx = index.borrow_mut();
    let done = idx.update(history, &f, s.generation());
    if !done {
        // Search on in the next slice, without waiting for a gesture.
        let kick = kick.clone();
        *timer.borrow_mut() = Some(gloo_timers::callback::Timeout::new(0, move || kick.set(kick.wrapping_add(1))));
    }
    let count = if f.is_empty() { at_cursor } else { idx.matches.partition_point(|&i| (i as usize) < at_cursor) };
    let nth = |r: usize| -> Option<usize> {
        let k = count.checked_sub(r + 1)?;
        if f.is_empty() {
            Some(k)
        } else {
            idx.matches.get(k).map(|&i| i as usize)
        }
    };
    let first = (*top).min(count.saturating_sub(1));
    let last = (first + LOG_ROWS).min(count);
    let rows: Vec<Html> = (first..last)
        .filter_map(|r| nth(r).and_then(|i| history.get(i)))
        .map(|e| (row(e), msg_of(&e.kind)))
        .map(|(r, msg)| {
            let hl = msg.is_some() && msg == sel;
            let onclick = {
                let (pg, msg) = (pg.clone(), msg.clone());
                Callback::from(move |_| {
                    if msg.is_some() {
                        pg.dispatch(Msg::SelectMsg(msg.clone()));
                    }
                })
            };
            let title = format!("{} {} {} {}", r.time, r.event, r.client, r.detail);
            html! {
                <tr class={class(&["trace__row", &format!("trace__row--{}", r.tone), when(hl, "trace__row--hl"), when(msg.is_some(), "trace__row--msg")])} {onclick} {title}>
                    <td class="trace__time">{ r.time }</td>
                    <td class="trace__event">{ r.event }</td>
                    <td>{ r.client }</td>
                    <td>{ r.detail }</td>
                </tr>
            }
        })
        .collect();
    let pad_top = first as f64 * ROW_H;
    let pad_bottom = (count - last) as f64 * ROW_H;
    let status = if done { format!("{count} events") } else { format!("searching… {}%", idx.searched * 100 / history.len().max(1)) };
    drop(idx);
    let out = html! {
        <section ref={node} class="panel panel--log" aria-label="Event log">
            <header class="panel__head"><h2>{ "Event log" }</h2>
                <input id="log-filter" class="panel__filter" type="search" placeholder="filter: l1, redelivered, heartbeat…" oninput={on_filter} aria-label="Filter the event log" />
                <span class="panel__count" id="log-count">{ status }</span>
            </header>
            <div class="panel__body" tabindex="0" aria-label="Event log rows" onscroll={on_scroll}>
                <table id="trace" class="trace trace--virtual" aria-label="Trace up to the cursor, newest first" aria-rowcount={count.to_string()}>
                    <colgroup><col class="trace__c-time" /><col class="trace__c-event" /><col class="trace__c-client" /><col /></colgroup>
                    <tbody>
                        if pad_top > 0.0 { <tr class="trace__pad" style={format!("height:{}px", super::view_model::px(pad_top))} aria-hidden="true"></tr> }
                        { for rows }
                        if pad_bottom > 0.0 { <tr class="trace__pad" style={format!("height:{}px", super::view_model::px(pad_bottom))} aria-hidden="true"></tr> }
                    </tbody>
                </table>
            </div>
        </section>
    };
    *cached.borrow_mut() = (out.clone(), *top, (*filter).clone(), *kick);
    out
}

const TABS: [&str; 7] = ["channelsz?subs=1", "channelsz?channel=", "clientsz?subs=1", "clientsz?client=", "serverz", "storez", "log (-SD)"];

/// The server's view at the cursor.
#[function_component]
pub fn MonitorPanel() -> Html {
    let pg = use_playground();
    let tab = use_state(|| 0usize);
    let pick = use_state(String::new);
    let fresh = use_refresh_gate(pg.playing || pg.work.is_some(), REFRESH_MS);
    let node = use_node_ref();
    let on_screen = super::hooks::use_offscreen_defer(&node, super::hooks::OFFSCREEN_CATCH_UP_MS);
    let cached = use_mut_ref(|| (Html::default(), 0usize, String::new()));
    if pg.work.is_some() || (!on_screen && cached.borrow().1 == *tab) || (!fresh && cached.borrow().1 == *tab && cached.borrow().2 == *pick) {
        return cached.borrow().0.clone();
    }
    let s = pg.session.borrow();
    let sim = s.sim();
    let v = sim.monitor_view();
    let names: Vec<String> = match *tab {
        1 => sim.broker().channels().keys().map(|k| k.to_string()).collect(),
        3 => sim.broker().clients().keys().map(|k| k.to_string()).collect(),
        _ => Vec::new(),
    };
    let name = if names.contains(&pick) { (*pick).clone() } else { names.first().cloned().unwrap_or_default() };
    let not_found = |what: &str| format!("404 {what} {name} not found");
    let (request, body) = match *tab {
        0 => ("/streaming/channelsz?subs=1".to_string(), crate::json::write::pretty(&v.channelsz(true).json())),
        1 => (
            format!("/streaming/channelsz?channel={name}&subs=1"),
            v.channel(&name, true).map_or_else(|| not_found("Channel"), |c| crate::json::write::pretty(&c.json())),
        ),
        2 => ("/streaming/clientsz?subs=1".to_string(), crate::json::write::pretty(&v.clientsz(true).json())),
        3 => (
            format!("/streaming/clientsz?client={name}&subs=1"),
            v.client(&name, true).map_or_else(|| not_found("Client"), |c| crate::json::write::pretty(&c.json())),
        ),
        4 => ("/streaming/serverz".to_string(), crate::json::write::pretty(&v.serverz().json())),
        5 => ("/streaming/storez".to_string(), crate::json::write::pretty(&v.storez().json())),
        _ => {
            let log = sim.server_log();
            let from = log.len().saturating_sub(SERVER_LOG_LINES);
            ("nats-streaming-server -SD".to_string(), log[from..].iter().map(|(t, l)| format!("[1] {} {l}", log_timestamp(*t))).collect::<Vec<_>>().join("\n"))
        }
    };
    let text = if *tab == 6 { body.clone() } else { format!("GET {request}\n{body}") };
    let copy = {
        let body = body.clone();
        Callback::from(move |_| super::hooks::copy_to_clipboard(&body))
    };
    let on_pick = {
        let pick = pick.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) {
                pick.set(s.value());
            }
        })
    };
    let out = html! {
        <section ref={node} class="panel panel--monitor" aria-label="The server's view">
            <header class="panel__head"><h2>{ "Server" }</h2>
                <div class="tabs" role="tablist">
                    { for TABS.iter().enumerate().map(|(i, t)| {
                        let tab = tab.clone();
                        html! { <button role="tab" aria-selected={(i == *tab).to_string()} class={class(&["tabs__tab", when(i == *tab, "tabs__tab--on")])} onclick={Callback::from(move |_| tab.set(i))}>{ *t }</button> }
                    }) }
                </div>
                if !names.is_empty() {
                    <select id="monitor-pick" aria-label="Which one" onchange={on_pick}>
                        { for names.iter().map(|n| html! { <option value={n.clone()} selected={*n == name}>{ n.clone() }</option> }) }
                    </select>
                }
                <button id="monitor-copy" class="btn" onclick={copy} title="Copy the response">{ "Copy" }</button>
            </header>
            <pre id="monitor" tabindex="0" class={class(&["panel__body", "monitor", when(*tab == 6, "monitor--log")])}>{ text }</pre>
        </section>
    };
    *cached.borrow_mut() = (out.clone(), *tab, (*pick).clone());
    out
}

/// Rows the docked server view shows per channel (the rest are counted).
const DOCK_ROWS: usize = 12;

/// The server's view docked beside the board: per channel, what `channelsz?subs=1` says
/// now — the subscription count and, per subscription, its client, group, pending,
/// `last_sent`, stalled and offline — so that the health-check section is one screen.
#[function_component]
pub fn ServerDock() -> Html {
    let pg = use_playground();
    let fresh = use_refresh_gate(pg.playing || pg.work.is_some(), REFRESH_MS);
    let cached = use_mut_ref(Html::default);
    if pg.work.is_some() || !fresh {
        return cached.borrow().clone();
    }
    let s = pg.session.borrow();
    let sim = s.sim();
    let cz = sim.monitor_view().channelsz(true);
    let out = html! {
        <section id="server-dock" class="dock" aria-label="The server's view: channelsz?subs=1">
            <h2 class="dock__title">{ "The server's view " }<code>{ "channelsz?subs=1" }</code>{ format!(" at {} s", crate::fixed::fixed(s.now() as f64 / 1000.0, 1)) }</h2>
            if cz.channels.is_empty() { <p class="dock__empty">{ "No channels yet: the server makes one at the first publish or subscribe." }</p> }
            { for cz.channels.iter().map(|c| {
                let n = c.subscriptions.len();
                html! {
                    <div class="dock__channel" data-channel={c.name.clone()}>
                        <div class="dock__head">
                            <span class="dock__name" title={super::view_model::full_name(&c.name)}>{ super::view_model::shown_name(&c.name, 28) }</span>
                            <span class="dock__count">{ format!("{n} subscription{}", if n == 1 { "" } else { "s" }) }</span>
                            <span class="dock__msgs">{ format!("{} msgs, last seq {}", c.msgs, c.last_seq) }</span>
                        </div>
                        if n > 0 {
                            <table class="dock__subs">
                                <thead><tr><th scope="col">{ "client_id" }</th><th scope="col">{ "queue / durable" }</th><th scope="col">{ "pending" }</th><th scope="col">{ "last_sent" }</th><th scope="col">{ "state" }</th></tr></thead>
                                <tbody>
                                { for c.subscriptions.iter().take(DOCK_ROWS).map(|z| {
                                    let group = if !z.queue_name.is_empty() { z.queue_name.clone() } else { z.durable_name.clone() };
                                    let state = match (z.is_offline, z.is_stalled) {
                                        (true, _) => "offline",
                                        (false, true) => "stalled",
                                        _ => "",
                                    };
                                    html! {
                                        <tr class={(!state.is_empty()).then(|| format!("dock__sub--{state}"))}>
                                            <td title={super::view_model::full_name(&z.client_id)}>{ super::view_model::shown_name(&z.client_id, 14) }</td>
                                            <td title={super::view_model::full_name(&group)}>{ if group.is_empty() { "—".to_string() } else { super::view_model::shown_name(&group, 44) } }</td>
                                            <td>{ z.pending_count }</td>
                                            <td>{ z.last_sent }</td>
                                            <td>{ state }</td>
                                        </tr>
                                    }
                                }) }
                                </tbody>
                            </table>
                            if n > DOCK_ROWS { <p class="dock__more">{ format!("and {} more (the monitoring panel lists them all)", n - DOCK_ROWS) }</p> }
                        }
                    </div>
                }
            }) }
        </section>
    };
    *cached.borrow_mut() = out.clone();
    out
}
