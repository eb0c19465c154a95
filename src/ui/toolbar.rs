//! The time bar: play/pause, step, speed on a log scale (0.1×–1000×), the scrub bar (seek
//! anywhere, act there to fork), and the scenario menu (examples, import, export, help).

use super::hooks::{use_playground, value_of};
use super::lessons::LessonPicker;
use super::state::{Msg, SPEED_MAX_LOG, SPEED_MIN_LOG};
use super::view_model::seconds;
use crate::embed::Control;
use crate::fixed::short;
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Props of the toolbar.
#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    /// Example names.
    pub examples: Vec<String>,
    /// Load example `i`.
    pub on_example: Callback<usize>,
    /// Open the import dialog.
    pub on_import: Callback<()>,
    /// Open the export dialog.
    pub on_export: Callback<()>,
    /// Make a share link.
    pub on_share: Callback<()>,
}

/// Speed label: `0.1×`, `1×`, `25×`, `1000×`.
pub fn speed_label(log: f64) -> String {
    let s = 10f64.powf(log);
    if s < 1.0 {
        format!("{}×", crate::fixed::fixed(s, 1))
    } else {
        format!("{}×", crate::fixed::fixed(s, 0))
    }
}

/// The toolbar.
#[function_component]
pub fn Toolbar(ToolbarProps { examples, on_example, on_import, on_export, on_share }: &ToolbarProps) -> Html {
    let pg = use_playground();
    let (now, horizon) = {
        let s = pg.session.borrow();
        (s.now(), s.horizon())
    };
    let end = horizon.max(now).max(10_000);
    let d = |m: Msg| {
        let pg = pg.clone();
        Callback::from(move |_: MouseEvent| pg.dispatch(m.clone()))
    };
    let on_speed = {
        let pg = pg.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(v) = crate::json::decimal(&value_of(&e)) {
                pg.dispatch(Msg::SetSpeed(v));
            }
        })
    };
    let on_scrub = {
        let pg = pg.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(v) = value_of(&e).parse::<u64>() {
                pg.dispatch(Msg::Pause);
                pg.dispatch(Msg::Scrub(v));
            }
        })
    };
    let on_pick = {
        let on_example = on_example.clone();
        Callback::from(move |e: Event| {
            if let Some(i) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()).and_then(|s| s.value().parse::<usize>().ok()) {
                on_example.emit(i);
            }
        })
    };
    let (imp, exp, share) = (on_import.clone(), on_export.clone(), on_share.clone());
    // The URL's options: what is shown, what is shown but locked.
    let v = pg.view.clone();
    let (show, lock) = (|c: Control| v.shows(c), |c: Control| v.locks(c));
    html! {
        <div class="toolbar" role="toolbar" aria-label="Time controls">
            if show(Control::Play) { <button id="play" class="toolbar__play" disabled={lock(Control::Play)} onclick={d(Msg::TogglePlay)} title="Play / pause (space)">{ if pg.playing { "❚❚ Pause" } else { "▶ Play" } }</button> }
            if show(Control::Step) {
                <button id="step-back" disabled={lock(Control::Step)} onclick={d(Msg::StepBack)} title="One second back (←)">{ "← 1 s" }</button>
                <button id="step" disabled={lock(Control::Step)} onclick={d(Msg::Step)} title="Next event (→)">{ "Step →" }</button>
            }
            if show(Control::Reset) { <button id="reset" disabled={lock(Control::Reset)} onclick={d(Msg::Seek(0))} title="Back to the start (the recording is kept)">{ "⟲ Reset" }</button> }
            if show(Control::Speed) {
                <label class="toolbar__speed">{ "Speed " }
                    <input id="speed" type="range" disabled={lock(Control::Speed)} min={short(SPEED_MIN_LOG)} max={short(SPEED_MAX_LOG)} step="0.1" value={short(pg.speed_log)} oninput={on_speed} aria-label="Speed, log scale" />
                    <output>{ speed_label(pg.speed_log) }</output>
                </label>
            }
            if show(Control::Scrub) { <input id="scrub" class="toolbar__scrub" type="range" disabled={lock(Control::Scrub)} min="0" max={end.to_string()} step="1" value={now.to_string()} oninput={on_scrub} aria-label="Virtual time" /> }
            <output id="clock" class="toolbar__clock">{ seconds(now) }</output>
            <span class="toolbar__spacer" />
            if show(Control::Examples) {
                <select id="example" disabled={lock(Control::Examples)} aria-label="Example scenario" onchange={on_pick}>
                    <option value="" selected=true disabled=true>{ "Examples…" }</option>
                    { for examples.iter().enumerate().map(|(i, n)| html! { <option value={i.to_string()}>{ n.clone() }</option> }) }
                </select>
            }
            if show(Control::Lessons) { <LessonPicker disabled={lock(Control::Lessons)} /> }
            if show(Control::Import) { <button id="import" disabled={lock(Control::Import)} onclick={Callback::from(move |_| imp.emit(()))}>{ "Import" }</button> }
            if show(Control::Export) { <button id="export" disabled={lock(Control::Export)} onclick={Callback::from(move |_| exp.emit(()))}>{ "Export" }</button> }
            if show(Control::Share) { <button id="share" disabled={lock(Control::Share)} onclick={Callback::from(move |_| share.emit(()))} title="A link that opens this run, and the code to embed it">{ "Share" }</button> }
            if show(Control::Help) { <button id="help" disabled={lock(Control::Help)} onclick={d(Msg::ToggleHelp)} title="Keyboard help (?)">{ "?" }</button> }
        </div>
    }
}
