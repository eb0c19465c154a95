//! Side panels: the event log (a readable transcript of the trace up to the cursor, newest
//! first, filterable) and the monitoring endpoints as the server answers them now.

use super::hooks::use_playground;
use super::view_model::row;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

const LOG_ROWS: usize = 300;

/// The event log.
#[function_component]
pub fn EventLog() -> Html {
    let pg = use_playground();
    let filter = use_state(String::new);
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                filter.set(i.value());
            }
        })
    };
    let s = pg.session.borrow();
    let f = filter.to_lowercase();
    let rows: Vec<_> = s
        .sim()
        .trace()
        .iter()
        .rev()
        .map(row)
        .filter(|r| f.is_empty() || format!("{} {} {}", r.event, r.client, r.detail).to_lowercase().contains(&f))
        .take(LOG_ROWS)
        .collect();
    html! {
        <section class="panel panel--log" aria-label="Event log">
            <header class="panel__head"><h2>{ "Event log" }</h2>
                <input id="log-filter" class="panel__filter" type="search" placeholder="filter: l1, redelivered, heartbeat…" oninput={on_filter} aria-label="Filter the event log" />
            </header>
            <div class="panel__body" aria-live="polite">
                <table id="trace" class="trace">
                    <tbody>
                        { for rows.iter().map(|r| html! {
                            <tr class={classes!("trace__row", format!("trace__row--{}", r.tone))}>
                                <td class="trace__time">{ r.time.clone() }</td>
                                <td class="trace__event">{ r.event }</td>
                                <td>{ r.client.clone() }</td>
                                <td>{ r.detail.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// The monitoring endpoints at the cursor.
#[function_component]
pub fn MonitorPanel() -> Html {
    let pg = use_playground();
    let tab = use_state(|| 0usize);
    let s = pg.session.borrow();
    let v = s.sim().monitor_view();
    let tabs = ["channelsz?subs=1", "clientsz?subs=1", "serverz", "storez"];
    let body = match *tab {
        0 => serde_json::to_string_pretty(&v.channelsz(true)),
        1 => serde_json::to_string_pretty(&v.clientsz(true)),
        2 => serde_json::to_string_pretty(&v.serverz()),
        _ => serde_json::to_string_pretty(&v.storez()),
    }
    .unwrap_or_default();
    html! {
        <section class="panel panel--monitor" aria-label="Monitoring">
            <header class="panel__head"><h2>{ "Monitoring" }</h2>
                <div class="tabs" role="tablist">
                    { for tabs.iter().enumerate().map(|(i, t)| {
                        let tab = tab.clone();
                        html! { <button role="tab" aria-selected={(i == *tab).to_string()} class={classes!("tabs__tab", (i == *tab).then_some("tabs__tab--on"))} onclick={Callback::from(move |_| tab.set(i))}>{ *t }</button> }
                    }) }
                </div>
            </header>
            <pre id="monitor" class="panel__body monitor">{ format!("GET /streaming/{}\n{}", tabs[*tab], body) }</pre>
        </section>
    }
}
