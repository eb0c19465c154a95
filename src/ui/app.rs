//! Root component of the first page: a scenario picker/editor, a Run button, the trace
//! table and the monitoring JSON. Untrusted text (scenario files, client ids, payloads) is
//! only ever rendered as text.

use super::view_model::{row, summary, Summary, TraceRow};
use crate::engine::Sim;
use wasm_bindgen::JsCast;
use web_sys::{HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The built-in example scenarios (also served as files under `scenarios/`).
pub const EXAMPLES: &[(&str, &str)] = &[
    ("Course: durable queue group, a listener killed (0.17)", include_str!("../../www/scenarios/course-queue-kill-0.17.json")),
    ("Course: the same on the latest server (0.25)", include_str!("../../www/scenarios/course-queue-kill-0.25.json")),
    ("Auto ack loses an event when async work fails", include_str!("../../www/scenarios/auto-ack-loss.json")),
    ("Memory store: a server restart loses everything", include_str!("../../www/scenarios/server-restart.json")),
];

/// Rows shown at most (the rest is counted).
const MAX_ROWS: usize = 2000;

#[derive(Clone, PartialEq)]
enum Outcome {
    Done { title: String, description: String, rows: Vec<TraceRow>, total: usize, summary: Summary, monitor: String },
    Failed(String),
}

fn run(text: &str) -> Outcome {
    let mut sim = match Sim::from_json(text) {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(format!("This scenario is not valid: {e}")),
    };
    if let Err(e) = sim.run() {
        return Outcome::Failed(e.to_string());
    }
    let monitor = serde_json::to_string_pretty(&sim.monitor()).unwrap_or_default();
    let rows = sim.trace().iter().take(MAX_ROWS).map(row).collect();
    let title = sim.scenario().name.clone().unwrap_or_else(|| "Untitled scenario".into());
    let description = sim.scenario().description.clone().unwrap_or_default();
    Outcome::Done { title, description, rows, total: sim.trace().len(), summary: summary(&sim), monitor }
}

/// Root component.
#[function_component]
pub fn App() -> Html {
    let text = use_state(|| EXAMPLES[0].1.to_string());
    let picked = use_state(|| 0usize);
    let outcome = use_state(|| run(EXAMPLES[0].1));

    let on_pick = {
        let (text, outcome, picked) = (text.clone(), outcome.clone(), picked.clone());
        Callback::from(move |e: Event| {
            let Some(sel) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) else { return };
            let Some(i) = sel.value().parse::<usize>().ok().filter(|i| *i < EXAMPLES.len()) else { return };
            picked.set(i);
            text.set(EXAMPLES[i].1.to_string());
            outcome.set(run(EXAMPLES[i].1));
        })
    };
    let on_edit = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target().and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok()) {
                text.set(t.value());
            }
        })
    };
    let on_run = {
        let (text, outcome) = (text.clone(), outcome.clone());
        Callback::from(move |_| outcome.set(run(&text)))
    };

    html! {
        <main class="page">
            <header class="page__header">
                <h1>{ "NATS Streaming Playground" }</h1>
                <p class="page__lead">{ "A simulated nats-streaming-server running in your browser. Pick or edit a scenario, run it, and read what the server did." }</p>
            </header>
            <section class="editor" aria-label="Scenario">
                <label class="editor__label" for="example">{ "Example" }</label>
                <select id="example" class="editor__select" onchange={on_pick}>
                    { for EXAMPLES.iter().enumerate().map(|(i, (name, _))| html! { <option value={i.to_string()} selected={i == *picked}>{ *name }</option> }) }
                </select>
                <textarea id="scenario" class="editor__text" spellcheck="false" aria-label="Scenario JSON" value={(*text).clone()} oninput={on_edit} />
                <button id="run" class="editor__run" onclick={on_run}>{ "Run scenario" }</button>
            </section>
            { view_outcome(&outcome) }
        </main>
    }
}

fn view_outcome(o: &Outcome) -> Html {
    match o {
        Outcome::Failed(msg) => html! { <p id="error" class="result__error" role="alert">{ msg.clone() }</p> },
        Outcome::Done { title, description, rows, total, summary, monitor } => html! {
            <section class="result" aria-label="Result">
                <h2 id="title" class="result__title">{ title.clone() }</h2>
                if !description.is_empty() { <p class="result__description">{ description.clone() }</p> }
                <p id="summary" class="result__summary">
                    { format!("{} events until {}: {} published, {} delivered ({} redelivered).", summary.events, summary.until, summary.published, summary.delivered, summary.redelivered) }
                </p>
                <div class="result__panes">
                    <div class="result__trace">
                        <table id="trace" class="trace">
                            <thead><tr><th>{ "time" }</th><th>{ "event" }</th><th>{ "client" }</th><th>{ "detail" }</th></tr></thead>
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
                        if *total > rows.len() { <p class="result__more">{ format!("… and {} more events (use natsim for the whole trace)", total - rows.len()) }</p> }
                    </div>
                    <div class="result__monitor">
                        <h2>{ "Monitoring at the end" }</h2>
                        <pre id="monitor" class="monitor">{ monitor.clone() }</pre>
                    </div>
                </div>
            </section>
        },
    }
}
