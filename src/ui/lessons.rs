//! Lessons on the page: a picker (lessons are fetched from `lessons/` when chosen, so they
//! cost nothing up front), and the lesson panel — text, the broken and fixed variants, and
//! predict-then-reveal checkpoints: the run pauses, asks, takes an answer, then shows what
//! the server does. Answers are kept in the browser (`localStorage`).

use super::hooks::use_playground;
use super::state::Msg;
use super::view_model::seconds;
use super::view_model::{class, when};
use crate::embed::Control;
use crate::engine::vecmap::VecMap;
use crate::lesson::Lesson;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

const PROGRESS_KEY: &str = "nats-playground.progress";
/// Lessons finished: every checkpoint answered right (a JSON array of lesson ids).
const DONE_KEY: &str = "nats-playground.done";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The ids of the lessons finished in this browser.
pub fn load_done() -> Vec<String> {
    let text = storage().and_then(|s| s.get_item(DONE_KEY).ok().flatten()).unwrap_or_default();
    let v = crate::json::parse(&text).unwrap_or_default();
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn save_done(id: &str, done: bool) {
    let mut all = load_done();
    all.retain(|x| x != id);
    if done {
        all.push(id.to_string());
    }
    if let Some(s) = storage() {
        let _ = s.set_item(DONE_KEY, &crate::json::write::compact(&all.into()));
    }
}

/// A lesson is finished when every checkpoint of its NATS Streaming variants was answered
/// right (its JetStream variants are the next step, ticked in JetStream mode on their own).
pub fn finished(l: &Lesson, answers: &VecMap<usize, usize>) -> bool {
    let mut course = l.checkpoints.iter().enumerate().filter(|(_, c)| !l.is_jetstream(c.variant)).peekable();
    course.peek().is_some() && course.all(|(i, c)| answers.get(&i) == Some(&c.answer))
}

/// One entry of `lessons/index.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonEntry {
    /// File name.
    pub file: String,
    /// Lesson id.
    pub id: String,
    /// Course section.
    pub section: String,
    /// Title.
    pub title: String,
    /// Variant names.
    pub variants: Vec<String>,
}

/// Reads `lessons/index.json` (entries that are not complete are left out).
fn parse_index(text: &str) -> Vec<LessonEntry> {
    let v = crate::json::parse(text).unwrap_or_default();
    let s = |e: &serde_json::Value, k: &str| e.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let entry = |e: &serde_json::Value| {
        let variants = e.get("variants")?.as_array()?.iter().map(|n| n.as_str().map(str::to_string)).collect::<Option<Vec<_>>>()?;
        Some(LessonEntry { file: s(e, "file")?, id: s(e, "id")?, section: s(e, "section")?, title: s(e, "title")?, variants })
    };
    v.as_array().map(|a| a.iter().filter_map(entry).collect()).unwrap_or_default()
}

pub(crate) async fn fetch_text(url: &str) -> Result<String, String> {
    let w = web_sys::window().ok_or("no window")?;
    let resp = JsFuture::from(w.fetch_with_str(url)).await.map_err(|_| format!("{url}: network error"))?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| "not a response".to_string())?;
    if !resp.ok() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    let text = JsFuture::from(resp.text().map_err(|_| "no body")?).await.map_err(|_| "unreadable body")?;
    text.as_string().ok_or_else(|| "not text".into())
}

/// Starts the lesson `name` (its id, `manual-ack`, or its file name, `04-manual-ack`) at
/// `variant`, with the answers saved in this browser. Only files the index lists are fetched.
pub async fn start_lesson(pg: &super::hooks::Playground, name: &str, variant: usize) -> Result<(), String> {
    let index = parse_index(&fetch_text("lessons/index.json").await?);
    let entry = index.iter().find(|e| e.id == name || e.file.strip_suffix(".json") == Some(name)).ok_or_else(|| format!("no lesson '{name}'"))?;
    if variant >= entry.variants.len() {
        return Err(format!("lesson '{name}' has {} variant(s); variant {variant} does not exist", entry.variants.len()));
    }
    let l = Lesson::parse(&fetch_text(&format!("lessons/{}", entry.file)).await?).map_err(|e| format!("lessons/{}: {e}", entry.file))?;
    let saved = load_progress().remove(&l.id).unwrap_or_default();
    pg.dispatch(Msg::StartLesson(Rc::new(l), saved));
    if variant > 0 {
        pg.dispatch(Msg::LessonVariant(variant));
    }
    Ok(())
}

/// All saved answers: lesson id → checkpoint index → choice.
/// What is stored: `{"manual-ack": {"0": 1}}`; anything else stored there reads as nothing.
pub fn load_progress() -> VecMap<String, VecMap<usize, usize>> {
    let text = web_sys::window().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item(PROGRESS_KEY).ok().flatten()).unwrap_or_default();
    let v = crate::json::parse(&text).unwrap_or_default();
    let answers = |a: &serde_json::Value| {
        a.as_object().map(|a| a.iter().filter_map(|(k, c)| Some((k.parse().ok()?, c.as_u64()? as usize))).collect()).unwrap_or_default()
    };
    v.as_object().map(|o| o.iter().map(|(id, a)| (id.clone(), answers(a))).collect()).unwrap_or_default()
}

/// Keeps a lesson's answers in the browser, and whether it is finished (all answered right):
/// from the lesson panel, and from JetStream mode following one of its variants.
pub(crate) fn remember(id: &str, answers: &VecMap<usize, usize>, done: bool) {
    save_progress(id, answers);
    save_done(id, done);
}

fn save_progress(id: &str, answers: &VecMap<usize, usize>) {
    let mut all = load_progress();
    all.insert(id.to_string(), answers.clone());
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        // {"lesson": {"question": answer}}, as serde writes the maps (number keys as strings).
        let v = serde_json::Value::Object(
            all.iter().map(|(id, a)| (id.clone(), serde_json::Value::Object(a.iter().map(|(q, x)| (q.to_string(), (*x).into())).collect()))).collect(),
        );
        let _ = s.set_item(PROGRESS_KEY, &crate::json::write::compact(&v));
    }
}

/// Props of the lesson picker.
#[derive(Properties, PartialEq)]
pub struct PickerProps {
    /// Locked by the page's options.
    #[prop_or_default]
    pub disabled: bool,
}

/// The lesson picker.
#[function_component]
pub fn LessonPicker(PickerProps { disabled }: &PickerProps) -> Html {
    let pg = use_playground();
    let index = use_state(Vec::<LessonEntry>::new);
    {
        let index = index.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(t) = fetch_text("lessons/index.json").await {
                    index.set(parse_index(&t));
                }
            });
        });
    }
    let done = load_done();
    let on_pick = {
        let (pg, index) = (pg.clone(), index.clone());
        Callback::from(move |e: Event| {
            let Some(sel) = e.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok()) else { return };
            let Some(entry) = sel.value().parse::<usize>().ok().and_then(|i| index.get(i).cloned()) else { return };
            sel.set_selected_index(0);
            let pg = pg.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = start_lesson(&pg, &entry.id, 0).await {
                    pg.dispatch(Msg::Error(format!("This lesson could not be loaded: {e}")));
                }
            });
        })
    };
    html! {
        <select id="lesson-pick" aria-label="Lessons" disabled={*disabled} onchange={on_pick}>
            <option value="" selected=true disabled=true>{ "Lessons…" }</option>
            { for index.iter().enumerate().map(|(i, e)| {
                let done = done.contains(&e.id);
                html! { <option value={i.to_string()}>{ format!("{}{} — {}", if done { "✓ " } else { "" }, e.section, e.title) }</option> }
            }) }
        </select>
    }
}

/// The lesson panel, when a lesson is being followed.
#[function_component]
pub fn LessonPanel() -> Html {
    let pg = use_playground();
    let run = pg.lesson.clone();
    let narrow = super::hooks::use_narrow();
    // Keep answers in the browser, and whether the lesson is finished (all answered right).
    {
        let key = run.as_ref().map(|r| (r.lesson.id.clone(), r.answers.clone(), finished(&r.lesson, &r.answers)));
        use_effect_with(key, |key| {
            if let Some((id, answers, done)) = key {
                remember(id, answers, *done);
            }
        });
    }
    let Some(run) = run else { return html! {} };
    let l = &run.lesson;
    let d = |m: Msg| {
        let pg = pg.clone();
        Callback::from(move |_: MouseEvent| pg.dispatch(m.clone()))
    };
    let variant = &l.variants[run.variant];
    let locked = pg.view.locks(Control::Lesson);
    let cps: Vec<(usize, &crate::lesson::Checkpoint)> = l.checkpoints.iter().enumerate().filter(|(_, c)| c.variant == run.variant).collect();
    html! {
        <section id="lesson" class="lesson" aria-label="Lesson">
            <header class="lesson__head">
                <span class="lesson__section">{ l.section.clone() }</span>
                <h2>{ l.title.clone() }</h2>
                if !run.answers.is_empty() {
                    <button id="lesson-reset" class="btn" disabled={locked} onclick={d(Msg::ResetLesson)} title="Forget the answers and start again">{ "Start over" }</button>
                }
                <button class="btn" disabled={locked} onclick={d(Msg::CloseLesson)} aria-label="Close the lesson">{ "✕" }</button>
            </header>
            if finished(l, &run.answers) {
                <p id="lesson-done" class="lesson__done" role="status">{ "✓ Lesson finished: every checkpoint answered right." }</p>
            }
            // In a course page the text is usually next to the frame (compact), on a phone it
            // would push the board a screen down, and while a checkpoint asks the question is
            // what matters: then the text is folded (one tap opens it).
            <details class="lesson__text" open={!(pg.view.compact || narrow || run.asking.is_some())}>
                <summary>{ "The lesson's text" }</summary>
                { for l.text.iter().map(|p| html! { <p>{ p.clone() }</p> }) }
            </details>
            if l.variants.len() > 1 {
                <div class="lesson__variants" role="tablist">
                    { for l.variants.iter().enumerate().map(|(i, v)| html! {
                        <button role="tab" disabled={locked} aria-selected={(i == run.variant).to_string()} class={class(&["btn", when(i == run.variant, "btn--on")])} onclick={d(Msg::LessonVariant(i))}>{ v.name.clone() }</button>
                    }) }
                </div>
            }
            <p class="lesson__variant">{ variant.text.clone() }{ " Press ▶ Play (or space)." }</p>
            if !cps.is_empty() {
                <ol class="lesson__checkpoints">
                    { for cps.iter().map(|(i, c)| {
                        let state = match run.answers.get(i) { Some(a) if *a == c.answer => "✓", Some(_) => "✗", None => "○" };
                        html! { <li>{ format!("{state} at {}: {}", seconds(c.at_ms), c.question) }</li> }
                    }) }
                </ol>
            }
            if let Some(i) = run.asking {
                { checkpoint_box(&pg, &run, i) }
            }
        </section>
    }
}

fn checkpoint_box(pg: &super::hooks::Playground, run: &super::state::LessonRun, i: usize) -> Html {
    let c = &run.lesson.checkpoints[i];
    let d = |m: Msg| {
        let pg = pg.clone();
        Callback::from(move |_: MouseEvent| pg.dispatch(m.clone()))
    };
    match run.answers.get(&i) {
        None => html! {
            <div id="checkpoint" class="checkpoint" role="dialog" aria-label="Predict">
                <h3>{ format!("Paused at {}: what do you predict?", seconds(c.at_ms)) }</h3>
                <p>{ c.question.clone() }</p>
                <div class="checkpoint__choices">
                    { for c.choices.iter().enumerate().map(|(k, ch)| html! { <button class="btn checkpoint__choice" onclick={d(Msg::Answer(k))}>{ ch.clone() }</button> }) }
                </div>
            </div>
        },
        // A wrong answer: try again, or see the answer (the lesson is finished only when
        // every checkpoint was answered right; *Start over* clears the answers).
        Some(a) if *a != c.answer && !run.revealed => html! {
            <div id="checkpoint" class="checkpoint checkpoint--wrong" role="status">
                <h3>{ "Not quite." }</h3>
                <p>{ format!("You answered: {}. Think about what the server does, then try again.", c.choices.get(*a).cloned().unwrap_or_default()) }</p>
                <div class="checkpoint__choices">
                    <button id="checkpoint-retry" class="btn btn--primary" onclick={d(Msg::RetryCheckpoint)}>{ "Try again" }</button>
                    <button id="checkpoint-reveal" class="btn" onclick={d(Msg::RevealAnswer)}>{ "Show the answer" }</button>
                </div>
            </div>
        },
        Some(a) => html! {
            <div id="checkpoint" class={class(&["checkpoint", if *a == c.answer { "checkpoint--right" } else { "checkpoint--wrong" }])} role="status">
                <h3>{ if *a == c.answer { "Right." } else { "Not quite." } }{ format!(" The answer: {}", c.choices[c.answer]) }</h3>
                <p>{ c.explain.clone() }</p>
                <button id="checkpoint-continue" class="btn btn--primary" onclick={d(Msg::ContinueLesson)}>{ "Continue ▶ and see it happen" }</button>
            </div>
        },
    }
}
