//! JetStream mode's inspector: what the selected node is, in nats.js words
//! (`jetstream_code`), and the gestures on it, recorded at the cursor
//! (`jetstream_gesture`): add streams, consumers, publishers, subscribers and pull
//! workers; change how a listener acks, works and fails; answer a message it holds with
//! `m.ack()`, `m.nak()`, `m.nak(1000)`, `m.working()` or `m.term()`; kill, close, stop,
//! unsubscribe, restart.

use super::jetstream_code::{consumer_code, listener_code, stream_code};
use super::jetstream_gesture::{ack_name, reply_call, subject_for, ConsumerRef, JsGesture, NewConsumer};
use super::view_model::{seconds, shown_name};
use crate::engine::jetstream::scenario::{AckMode, Reply};
use crate::engine::jetstream::JsSim;
use crate::engine::scenario::Handler;
use serde_json::{json, Map};
use std::rc::Rc;
use yew::prelude::*;

/// The simulator at the cursor, shared; equal when it is the same state.
#[derive(Clone, Debug)]
pub struct SimAt(pub Rc<JsSim>);

impl PartialEq for SimAt {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

/// Props.
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The state at the cursor.
    pub sim: SimAt,
    /// The selected board node (`stream:S`, `consumer:3`, `pub:p1`, `sub:s1`).
    pub selected: Option<String>,
    /// Records a gesture at the cursor.
    pub on: Callback<JsGesture>,
    /// Clears the selection.
    pub on_close: Callback<()>,
    /// In live mode, what the real server did: a listener's held messages and state are
    /// read there (the buttons answer what the real listener holds).
    #[prop_or_default]
    pub real: Option<Rc<super::jetstream_model::RealView>>,
}

/// The value of a form field by id (a checkbox gives `true`/`false`).
fn field(id: &str) -> String {
    use wasm_bindgen::JsCast;
    let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) else { return String::new() };
    if let Some(i) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        return if i.type_() == "checkbox" { i.checked().to_string() } else { i.value() };
    }
    el.dyn_ref::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default()
}

fn num(id: &str) -> Option<u64> {
    crate::json::decimal(field(id).trim()).filter(|f| f.is_finite() && *f >= 0.0).map(|f| f.round() as u64)
}

fn code(text: String) -> Html {
    html! { <pre class="inspector__code js__code">{ text }</pre> }
}

fn button(id: &str, label: &str, on: &Callback<JsGesture>, make: impl Fn() -> Option<JsGesture> + 'static) -> Html {
    let on = on.clone();
    html! { <button id={id.to_string()} class="btn btn--small" onclick={Callback::from(move |_| if let Some(g) = make() { on.emit(g) })}>{ label }</button> }
}

fn titled(id: &str, label: &str, title: &str, aria: &str, on: &Callback<JsGesture>, make: impl Fn() -> Option<JsGesture> + 'static) -> Html {
    let on = on.clone();
    html! { <button id={id.to_string()} class="btn btn--small" title={title.to_string()} aria-label={aria.to_string()} onclick={Callback::from(move |_| if let Some(g) = make() { on.emit(g) })}>{ label }</button> }
}

/// Nothing selected: a new stream, and how to go on.
fn start(sim: &JsSim, on: &Callback<JsGesture>) -> Html {
    let n = sim.server().streams.len() + 1;
    let name = if n == 1 { "ORDERS".to_string() } else { format!("S{n}") };
    let subj = if n == 1 { "orders.>".to_string() } else { format!("s{n}.>") };
    html! {
        <>
            <h2>{ "JetStream board" }</h2>
            <p class="panel__hint">{ "Select a stream, consumer, publisher or listener on the board to change it at the cursor. Every change is a scenario action (Export shows them)." }</p>
            <fieldset>
                <legend>{ "New stream" }</legend>
                <label>{ "name " }<input id="js-new-stream" type="text" value={name} /></label>
                <label>{ "subjects " }<input id="js-new-subjects" type="text" value={subj} /></label>
                { button("js-add-stream", "jsm.streams.add", on, || {
                    let name = field("js-new-stream").trim().to_string();
                    let subjects: Vec<String> = field("js-new-subjects").split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_string).collect();
                    Some(JsGesture::AddStream { name, subjects })
                }) }
            </fieldset>
        </>
    }
}

fn stream_view(sim: &JsSim, i: usize, on: &Callback<JsGesture>) -> Html {
    let s = &sim.server().streams[i];
    let name = s.cfg.name.to_string();
    let subject = s.cfg.subjects.first().map(|p| subject_for(p)).unwrap_or_else(|| name.clone());
    let taken: Vec<&str> = sim.server().consumers.iter().filter(|c| c.stream == i && !c.deleted).map(|c| &*c.name).collect();
    let cname = (1..).map(|k| format!("c{k}")).find(|c| !taken.contains(&c.as_str())).unwrap_or_default();
    let n2 = name.clone();
    html! {
        <>
            <h2>{ "Stream " }<span class="inspector__id">{ shown_name(&name, 40) }</span></h2>
            <p class="panel__hint">{ format!("{} messages stored, seq {} to {}.", s.msgs.len(), s.first_seq, s.last_seq) }</p>
            { code(stream_code(&s.cfg)) }
            <fieldset>
                <legend>{ "A new publisher" }</legend>
                <label>{ "subject " }<input id="js-pub-subject" type="text" value={subject} /></label>
                { button("js-add-publisher", "js.publish", on, || Some(JsGesture::AddPublisher { subject: field("js-pub-subject").trim().to_string() })) }
            </fieldset>
            <fieldset>
                <legend>{ "A new consumer" }</legend>
                <label>{ "name " }<input id="js-c-name" type="text" value={cname} /></label>
                <label>{ "deliver_group " }<input id="js-c-group" type="text" value="" placeholder="none" /></label>
                <label><input id="js-c-pull" type="checkbox" />{ " pull (no deliver subject)" }</label>
                <label>{ "ack_policy " }<select id="js-c-ack"><option value="explicit" selected=true>{ "explicit" }</option><option value="all">{ "all" }</option><option value="none">{ "none" }</option></select></label>
                <label>{ "ack_wait (ms) " }<input id="js-c-wait" type="number" min="1" value="30000" /></label>
                <label>{ "max_deliver " }<input id="js-c-maxdel" type="number" min="-1" value="-1" /></label>
                <label>{ "max_ack_pending " }<input id="js-c-map" type="number" min="-1" value="1000" /></label>
                { button("js-add-consumer", "jsm.consumers.add", on, move || {
                    let group = Some(field("js-c-group").trim().to_string()).filter(|g| !g.is_empty());
                    let int = |id: &str| field(id).trim().parse::<i64>().ok();
                    Some(JsGesture::AddConsumer(NewConsumer {
                        at: ConsumerRef { stream: n2.clone(), consumer: field("js-c-name").trim().to_string() },
                        group,
                        pull: field("js-c-pull") == "true",
                        ack_policy: field("js-c-ack"),
                        ack_wait_ms: num("js-c-wait").filter(|w| *w != 30_000),
                        max_deliver: int("js-c-maxdel").filter(|d| *d != -1),
                        max_ack_pending: int("js-c-map").filter(|m| *m != 1000),
                    }))
                }) }
            </fieldset>
        </>
    }
}

fn consumer_view(sim: &JsSim, i: usize, on: &Callback<JsGesture>) -> Html {
    let srv = sim.server();
    let c = &srv.consumers[i];
    let stream = srv.streams[c.stream].cfg.name.to_string();
    let at = ConsumerRef { stream: stream.clone(), consumer: c.name.to_string() };
    let pull = c.cfg.pull();
    let group = c.cfg.deliver_group.as_ref().map(|g| g.to_string());
    let summary = format!(
        "delivered {} (consumer seq {}) · ack floor {} · {} pending · {} redelivered · {} waiting pull requests",
        c.sseq.saturating_sub(1),
        c.dseq.saturating_sub(1),
        c.asflr,
        c.pending.len(),
        c.rdc.len(),
        c.waiting.len()
    );
    let add = if pull {
        let at = at.clone();
        html! {
            <fieldset>
                <legend>{ "A new pull worker" }</legend>
                <label>{ "batch " }<input id="js-w-batch" type="number" min="1" value="1" /></label>
                { button("js-add-worker", "consumer.fetch", on, move || Some(JsGesture::AddWorker { at: at.clone(), batch: num("js-w-batch").unwrap_or(1).max(1) })) }
            </fieldset>
        }
    } else {
        let at = at.clone();
        html! {
            <fieldset>
                <legend>{ "A new subscriber" }</legend>
                <label>{ "queue " }<input id="js-l-queue" type="text" value={group.clone().unwrap_or_default()} placeholder="none" /></label>
                <label>{ "ack " }<select id="js-l-ack"><option value="manual" selected=true>{ "manualAck()" }</option><option value="auto">{ "auto (after the callback)" }</option><option value="none">{ "never" }</option></select></label>
                { button("js-add-listener", "js.subscribe", on, move || {
                    let queue = Some(field("js-l-queue").trim().to_string()).filter(|q| !q.is_empty());
                    let ack = match field("js-l-ack").as_str() { "auto" => AckMode::Auto, "none" => AckMode::None, _ => AckMode::Manual };
                    Some(JsGesture::AddSubscriber { at: at.clone(), queue, ack })
                }) }
                if group.is_none() { <p class="panel__hint">{ "This consumer has no deliver_group: a subscriber with a queue is refused (durable requires no queue group), and two plain subscribers are refused too (duplicate subscription)." }</p> }
            </fieldset>
        }
    };
    let del = at.clone();
    html! {
        <>
            <h2>{ "Consumer " }<span class="inspector__id">{ shown_name(&c.name, 40) }</span>{ " on " }{ shown_name(&stream, 24) }</h2>
            <p class="panel__hint">{ summary }</p>
            { code(consumer_code(&stream, &c.cfg)) }
            { add }
            <div class="inspector__actions">{ button("js-delete-consumer", "jsm.consumers.delete", on, move || Some(JsGesture::DeleteConsumer(del.clone()))) }</div>
        </>
    }
}

/// The publisher form's `js.publish` gesture.
fn publish(client: &str, count: u64) -> JsGesture {
    JsGesture::Publish {
        client: client.to_string(),
        subject: field("js-p-subject").trim().to_string(),
        count,
        data: field("js-p-data"),
        msg_id: field("js-p-msgid"),
        expect: field("js-p-expect"),
    }
}

fn publisher_view(sim: &JsSim, client: &str, on: &Callback<JsGesture>) -> Html {
    let state = sim.clients().into_iter().find(|(c, _)| &**c == client).map_or("closed", |c| c.1);
    let subject = sim.server().streams.first().and_then(|s| s.cfg.subjects.first()).map(|p| subject_for(p)).unwrap_or_default();
    let (c1, c10, ck, cc) = (client.to_string(), client.to_string(), client.to_string(), client.to_string());
    let running = matches!(state, "running" | "busy" | "paused" | "reconnecting");
    html! {
        <>
            <h2>{ "Publisher " }<span class="inspector__id">{ shown_name(client, 40) }</span></h2>
            <p class="panel__hint">{ format!("Process {state}.") }</p>
            { code(format!("const nc = await connect({{ servers: \"nats://127.0.0.1:4222\", name: {} }});\nconst js = nc.jetstream();\nconst ack = await js.publish({}, sc.encode(data), {{ msgID, expect: {{ lastSubjectSequence }} }});\n// ack.stream, ack.seq, ack.duplicate; a wrong lastSubjectSequence throws 'wrong last sequence: n'", crate::json::write::quoted(client), crate::json::write::quoted(&subject))) }
            if running {
                <fieldset>
                    <legend>{ "Publish" }</legend>
                    <label>{ "subject " }<input id="js-p-subject" type="text" value={subject} /></label>
                    <label>{ "data " }<input id="js-p-data" type="text" value="" placeholder="empty" /></label>
                    <label title="Nats-Msg-Id: the stream stores one message per id within its duplicate window">{ "msgID " }<input id="js-p-msgid" type="text" value="" placeholder="none" /></label>
                    <label title="Nats-Expected-Last-Subject-Sequence: stored only if the subject's last stored message has this seq (0: none yet)">{ "expect.lastSubjectSequence " }<input id="js-p-expect" type="text" inputmode="numeric" value="" placeholder="none" /></label>
                    <div class="inspector__row">
                        { button("js-publish-1", "js.publish ×1", on, move || Some(publish(&c1, 1))) }
                        { button("js-publish-10", "×10", on, move || Some(publish(&c10, 10))) }
                    </div>
                </fieldset>
                <div class="inspector__actions">
                    { button("js-kill", "Kill", on, move || Some(JsGesture::Kill(ck.clone()))) }
                    { button("js-close", "nc.close()", on, move || Some(JsGesture::Close(cc.clone()))) }
                </div>
            }
        </>
    }
}

fn listener_view(sim: &JsSim, sub: &str, on: &Callback<JsGesture>, real: Option<&super::jetstream_model::RealView>) -> Html {
    let views = sim.handle_views();
    let Some(mut h) = views.into_iter().find(|h| &*h.sub == sub) else { return html! { <p>{ "This subscription is gone." }</p> } };
    let mut state = sim.clients().into_iter().find(|(c, _)| *c == h.client).map_or("closed", |c| c.1);
    if let Some(r) = real {
        // live mode: what the real listener holds, and whether its process still runs
        let held = r.held.get(sub).cloned().unwrap_or_default();
        h.unanswered = held.len();
        h.held = held.into_iter().take(crate::engine::jetstream::sim::HELD_SHOWN).collect();
        state = r.process_state(&h.client);
        h.open = !r.unsubscribed.contains(sub);
    }
    let alive = matches!(state, "running" | "busy" | "paused" | "reconnecting");
    let l = &h.listener;
    let client = h.client.to_string();
    let at = ConsumerRef { stream: h.stream.to_string(), consumer: h.consumer_name.to_string() };
    let s = sub.to_string();
    let held = if h.held.is_empty() {
        html! { <p class="panel__hint">{ "It holds no unanswered message." }</p> }
    } else {
        html! {
            <ul class="js__held" aria-label="Messages it holds">
                { for h.held.iter().map(|&(seq, dc)| {
                    let answers: Vec<Html> = [Reply::Ack, Reply::Nak, Reply::NakDelay(1000), Reply::InProgress, Reply::Term].into_iter().map(|r| {
                        let s = s.clone();
                        let id = format!("js-answer-{seq}-{}", match r { Reply::Ack => "ack", Reply::Nak => "nak", Reply::NakDelay(_) => "nak1000", Reply::InProgress => "working", Reply::Term => "term" });
                        let label = match r { Reply::Ack => "ack", Reply::Nak => "nak", Reply::NakDelay(_) => "nak 1 s", Reply::InProgress => "working", Reply::Term => "term" };
                        if alive { titled(&id, label, &reply_call(r), &format!("{} for seq {seq}", reply_call(r)), on, move || Some(JsGesture::Answer { sub: s.clone(), seq, reply: r })) } else { html! {} }
                    }).collect();
                    html! { <li><span class="js__held-seq">{ format!("seq {seq} · delivery {dc}") }</span>{ for answers }</li> }
                }) }
                if h.unanswered > h.held.len() { <li class="panel__hint">{ format!("and {} more", h.unanswered - h.held.len()) }</li> }
            </ul>
        }
    };
    let on_fail = match l.on_fail {
        None => "none",
        Some(Reply::Nak) => "nak",
        Some(Reply::NakDelay(_)) => "nak1000",
        Some(Reply::Term) => "term",
        Some(_) => "none",
    };
    let behave = {
        let s = s.clone();
        move || {
            let mut m = Map::new();
            m.insert("ack".into(), json!(field("js-b-ack")));
            m.insert("handler".into(), json!(field("js-b-handler")));
            m.insert("process_ms".into(), json!(num("js-b-process").unwrap_or(0)));
            m.insert("fail_rate".into(), json!(if field("js-b-fail") == "true" { 1.0 } else { 0.0 }));
            m.insert("fail_seqs".into(), json!([]));
            m.insert(
                "on_fail".into(),
                match field("js-b-onfail").as_str() {
                    "nak" => json!("nak"),
                    "nak1000" => json!({"nak_delay_ms": 1000}),
                    "term" => json!("term"),
                    _ => json!("none"),
                },
            );
            m.insert("progress_ms".into(), json!(num("js-b-progress").unwrap_or(0)));
            Some(JsGesture::Behave { sub: s.clone(), fields: m })
        }
    };
    let fails = l.fail_rate >= 1.0;
    let (ck, cc, cp, su) = (client.clone(), client.clone(), client.clone(), s.clone());
    let restart = {
        let (client, at, queue, pull, l) = (client.clone(), at.clone(), h.queue.as_ref().map(|q| q.to_string()), h.pull, l.clone());
        move || Some(JsGesture::Restart { client: client.clone(), subs: vec![(at.clone(), queue.clone(), pull, l.clone())] })
    };
    let fetch = {
        let (client, at, s) = (client.clone(), at.clone(), s.clone());
        move || Some(JsGesture::Fetch { sub: s.clone(), client: client.clone(), at: at.clone(), batch: num("js-f-batch").unwrap_or(1).max(1) })
    };
    html! {
        <>
            <h2>{ if h.pull { "Pull worker " } else { "Subscriber " } }<span class="inspector__id">{ shown_name(sub, 32) }</span>{ " of " }{ shown_name(&client, 24) }</h2>
            <p class="panel__hint">{ format!("Process {state}; bound to {} on {}{}.", shown_name(&at.consumer, 24), shown_name(&at.stream, 24), if h.open { "" } else { "; unsubscribed" }) }</p>
            { code(listener_code(&at.stream, &at.consumer, h.queue.as_deref(), h.pull, l)) }
            <fieldset>
                <legend>{ if alive { "Messages it holds: answer one now" } else { "What it held when it stopped (the server sends them again after the ack wait)" } }</legend>
                { held }
            </fieldset>
            if alive {
                <fieldset>
                    <legend>{ "Its application" }</legend>
                    <label>{ "ack " }<select id="js-b-ack">
                        { for [AckMode::Manual, AckMode::Auto, AckMode::None].iter().map(|a| html! { <option value={ack_name(*a)} selected={*a == l.ack}>{ match a { AckMode::Manual => "manualAck(): m.ack() when done", AckMode::Auto => "auto: acked when the callback returns", AckMode::None => "never answers" } }</option> }) }
                    </select></label>
                    <label>{ "handler " }<select id="js-b-handler">
                        <option value="async" selected={l.handler == Handler::Async}>{ "async" }</option>
                        <option value="sync" selected={l.handler == Handler::Sync}>{ "sync" }</option>
                    </select></label>
                    <label>{ "work (ms) " }<input id="js-b-process" type="number" min="0" value={l.process_ms.to_string()} /></label>
                    <label><input id="js-b-fail" type="checkbox" checked={fails} />{ " its work fails" }</label>
                    <label>{ "on failure " }<select id="js-b-onfail">
                        { for [("none", "no answer (waits for ack wait)"), ("nak", "m.nak()"), ("nak1000", "m.nak(1000)"), ("term", "m.term()")].iter().map(|(v, t)| html! { <option value={*v} selected={*v == on_fail}>{ *t }</option> }) }
                    </select></label>
                    <label>{ "m.working() every (ms) " }<input id="js-b-progress" type="number" min="0" value={l.progress_ms.to_string()} /></label>
                    { button("js-behave", "Apply from the cursor", on, behave) }
                </fieldset>
                if h.pull {
                    <fieldset>
                        <legend>{ "Another pull request" }</legend>
                        <label>{ "batch " }<input id="js-f-batch" type="number" min="1" value="1" /></label>
                        { button("js-fetch", "consumer.fetch", on, fetch) }
                    </fieldset>
                }
                if h.open && !h.pull {
                    { move_form(sim, s.clone(), h.consumer, on) }
                }
                <div class="inspector__actions">
                    { button("js-kill", "Kill", on, move || Some(JsGesture::Kill(ck.clone()))) }
                    { button("js-close", "nc.close()", on, move || Some(JsGesture::Close(cc.clone()))) }
                    { button("js-pause", "Stop 5 s", on, move || Some(JsGesture::Pause(cp.clone(), 5000))) }
                    if h.open && !h.pull { { button("js-unsubscribe", "sub.unsubscribe()", on, move || Some(JsGesture::Unsubscribe(su.clone()))) } }
                </div>
            } else {
                <div class="inspector__actions">{ button("js-restart", "Restart", on, restart) }</div>
            }
            <p class="panel__hint">{ format!("ack wait of its consumer: {}", seconds(sim.server().consumers[h.consumer].cfg.ack_wait_ms.unwrap_or(30_000))) }</p>
        </>
    }
}

/// The twin of dragging a push subscriber: bind it to another push consumer (in its deliver
/// group) or to a new deliver group on its stream.
fn move_form(sim: &JsSim, sub: String, current: usize, on: &Callback<JsGesture>) -> Html {
    let srv = sim.server();
    let targets: Vec<(String, String)> = srv
        .consumers
        .iter()
        .enumerate()
        .filter(|(i, c)| *i != current && !c.deleted && c.cfg.deliver_subject.is_some())
        .map(|(i, c)| {
            let group = c.cfg.deliver_group.as_ref().map_or(" (no deliver group)".to_string(), |g| format!(", deliver group {}", shown_name(g, 24)));
            (i.to_string(), format!("{} on {}{group}", shown_name(&c.name, 24), shown_name(&srv.streams[c.stream].cfg.name, 24)))
        })
        .collect();
    // each choice's gesture, made now (the simulator is not kept for the click)
    let moves: Rc<Vec<(String, Option<JsGesture>)>> = Rc::new(
        targets
            .iter()
            .map(|(v, _)| (v.clone(), super::jetstream_gesture::move_to(sim, &sub, v.parse::<usize>().ok())))
            .chain(std::iter::once(("new".to_string(), super::jetstream_gesture::move_to(sim, &sub, None))))
            .collect(),
    );
    html! {
        <fieldset>
            <legend>{ "Move it (the twin of a drag on the board)" }</legend>
            <label>{ "to " }<select id="js-move-to">
                { for targets.iter().map(|(v, t)| html! { <option value={v.clone()}>{ t.clone() }</option> }) }
                <option value="new">{ "a new consumer with its own deliver group" }</option>
            </select></label>
            { button("js-move", "sub.unsubscribe(), then js.subscribe there", on, move || {
                let to = field("js-move-to");
                moves.iter().find(|(v, _)| *v == to).and_then(|(_, g)| g.clone())
            }) }
        </fieldset>
    }
}

/// The inspector.
#[function_component]
pub fn JsInspector(InspectorProps { sim, selected, on, on_close, real }: &InspectorProps) -> Html {
    let sim = &sim.0;
    let srv = sim.server();
    let body = match selected.as_deref().and_then(|s| s.split_once(':')) {
        Some(("stream", name)) => match srv.streams.iter().position(|s| &*s.cfg.name == name) {
            Some(i) => stream_view(sim, i, on),
            None => start(sim, on),
        },
        Some(("consumer", i)) => match i.parse::<usize>().ok().filter(|i| srv.consumers.get(*i).is_some_and(|c| !c.deleted)) {
            Some(i) => consumer_view(sim, i, on),
            None => start(sim, on),
        },
        Some(("pub", client)) => publisher_view(sim, client, on),
        Some(("sub", sub)) => listener_view(sim, sub, on, real.as_deref()),
        _ => start(sim, on),
    };
    // A new selection starts its forms afresh.
    let close = on_close.clone();
    html! {
        <aside id="js-inspector" class="inspector js__inspector" key={selected.clone().unwrap_or_default()} aria-label="Inspector">
            if selected.is_some() { <button id="js-inspector-close" class="btn btn--small js__close" aria-label="Close the inspector" onclick={Callback::from(move |_| close.emit(()))}>{ "×" }</button> }
            { body }
        </aside>
    }
}
