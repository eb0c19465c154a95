//! The inspector: the selected listener or publisher with every control named after the
//! real option (`setManualAckMode(true)`, `setAckWait(5000)`…) and its actions (close,
//! kill, pause, restart), or, with nothing selected, the server panel (version, `-hbi/-hbt/
//! -hbf`, store limits, the command line, restart).

use super::board_model::NodeVm;
use super::gesture::{number, seconds_ms};
use super::hooks::{mark_field, use_playground, value_of};
use super::state::{behave, handler_from, opts_of, publish_verb, ListenerOpts, Msg, DEFAULT_CHANNEL};
use super::view_model::{class, when};
use crate::embed::Control;
use crate::engine::scenario::{BehaviourPatch, MAX_ACTIONS, MAX_UNTIL_MS};
use crate::engine::AppKind;
use crate::engine::{stanjs, ServerConfig, ServerVersion, StartPosition, Verb};
use yew::prelude::*;

/// Props of the inspector.
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The selected node, if any.
    pub node: Option<NodeVm>,
}

fn app_from(v: &str) -> AppKind {
    match v {
        "account" => AppKind::Account,
        "tickets" => AppKind::Tickets,
        _ => AppKind::None,
    }
}

/// The inspector.
#[function_component]
pub fn Inspector(InspectorProps { node }: &InspectorProps) -> Html {
    match node {
        Some(n) if n.listener => html! { <ListenerPanel key={n.id.clone()} node={n.clone()} /> },
        Some(n) => html! { <PublisherPanel node={n.clone()} /> },
        None => html! { <ServerPanel /> },
    }
}

/// Props of the client actions.
#[derive(Properties, PartialEq)]
struct ActionsProps {
    node: NodeVm,
}

/// Close, kill, pause (for a chosen time), restart.
#[function_component]
fn ClientActions(ActionsProps { node }: &ActionsProps) -> Html {
    let pg = use_playground();
    let pause_s = use_state(|| "10".to_string());
    client_actions(&pg, node, &pause_s)
}

fn client_actions(pg: &super::hooks::Playground, n: &NodeVm, pause_s: &UseStateHandle<String>) -> Html {
    let id = n.id.clone();
    let alive = n.health.alive();
    let act = |v: Verb| {
        let pg = pg.clone();
        Callback::from(move |_: MouseEvent| pg.dispatch(Msg::Act(v.clone())))
    };
    let restart = |new_id: bool| {
        let (pg, id) = (pg.clone(), id.clone());
        Callback::from(move |_: MouseEvent| pg.dispatch(Msg::Restart { client: id.clone(), new_id }))
    };
    html! {
        <div class="inspector__actions">
            <button class="btn" disabled={!alive} onclick={act(Verb::Close { client: id.as_str().into() })} title="process.on('SIGINT', () => stan.close())">{ "Close gracefully (stan.close())" }</button>
            <button class="btn btn--danger" disabled={!alive} onclick={act(Verb::Kill { client: id.as_str().into() })} title="The process dies: no close request">{ "Kill (crash)" }</button>
            <span class="inspector__pause">
                <button id="pause" class="btn" disabled={!alive} onclick={{
                    let (pg, id, pause_s) = (pg.clone(), id.clone(), pause_s.clone());
                    Callback::from(move |_: MouseEvent| {
                        match seconds_ms(&pause_s, "pause", 0.1, 3600.0) {
                            Ok(ms) => pg.dispatch(Msg::Act(Verb::Pause { client: id.as_str().into(), duration_ms: ms })),
                            Err(m) => pg.dispatch(Msg::Error(m)),
                        }
                    })
                }} title="SIGSTOP, then SIGCONT">{ "Pause" }</button>
                <input id="pause-s" type="number" min="0.1" step="1" value={(**pause_s).clone()} aria-label="Pause for seconds"
                       onchange={{ let p = pause_s.clone(); Callback::from(move |e: Event| p.set(value_of(&e))) }} />{ " s" }
            </span>
            <button class="btn" onclick={restart(false)}>{ "Restart, same client id" }</button>
            <button class="btn" onclick={restart(true)} title="randomBytes(4).toString('hex')">{ "Restart, new random id" }</button>
        </div>
    }
}

/// A listener's panel.
#[function_component]
fn ListenerPanel(InspectorProps { node }: &InspectorProps) -> Html {
    let pg = use_playground();
    let draft = use_state(|| None::<(String, ListenerOpts)>);
    let picked = use_state(|| None::<String>);
    let Some(n) = node.clone() else { return html! {} };
    // A client with several subscriptions (the course's listeners subscribe to a channel
    // each): one tab per subscription, remembered by channel (a change of options makes a
    // new handle).
    let Some(s) = picked.as_ref().and_then(|c| n.subs.iter().find(|s| &s.channel == c)).or(n.subs.first()).cloned() else { return html! {} };
    let spec = pg.spec_of(&s.handle);
    let opts = spec.as_ref().map(opts_of).unwrap_or_default();
    let behaviour = {
        let sess = pg.session.borrow();
        sess.sim().handles().iter().find(|h| *h.name == *s.handle).map(|h| h.behaviour.clone()).unwrap_or_default()
    };
    // The subscription's options are edited as a draft and applied at once (one
    // re-subscribe, as restarting the listener's code would); an edit that cannot be read
    // says why at the field and leaves the draft as it was.
    let edited = draft.as_ref().filter(|(h, _)| *h == s.handle).map(|(_, o)| o.clone());
    let shown = edited.clone().unwrap_or_else(|| opts.clone());
    let resub = |f: fn(&mut ListenerOpts, String) -> Result<(), String>| {
        let (pg, draft, handle, shown) = (pg.clone(), draft.clone(), s.handle.clone(), shown.clone());
        Callback::from(move |e: Event| {
            let mut o = shown.clone();
            if let Err(m) = f(&mut o, value_of(&e)) {
                mark_field(&e, Some(&m));
                return pg.dispatch(Msg::Error(m));
            }
            mark_field(&e, None);
            draft.set(Some((handle.clone(), o)));
        })
    };
    let apply = {
        let (pg, draft, client, handle, opts, edited) = (pg.clone(), draft.clone(), n.id.clone(), s.handle.clone(), opts.clone(), edited.clone());
        Callback::from(move |_: MouseEvent| {
            draft.set(None);
            match edited.clone() {
                Some(o) if o.queue != opts.queue && ListenerOpts { queue: opts.queue.clone(), ..o.clone() } == opts => {
                    // Only the group changed: the drag's twin (it says "with queue group …").
                    let group = o.queue.clone().map(|q| (q, o.durable.clone()));
                    pg.dispatch(Msg::Regroup { client: client.clone(), handle: handle.clone(), group });
                }
                Some(o) if o != opts => pg.dispatch(Msg::Resubscribe { client: client.clone(), handle: handle.clone(), opts: o }),
                _ => {}
            }
        })
    };
    let discard = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| draft.set(None))
    };
    let dirty = edited.as_ref().is_some_and(|o| *o != opts);
    let beh = |f: fn(String) -> Result<BehaviourPatch, String>| {
        let (pg, handle) = (pg.clone(), s.handle.clone());
        Callback::from(move |e: Event| match f(value_of(&e)) {
            Ok(patch) => {
                mark_field(&e, None);
                pg.dispatch(Msg::Act(behave(&handle, patch)))
            }
            Err(m) => {
                mark_field(&e, Some(&m));
                pg.dispatch(Msg::Error(m))
            }
        })
    };
    let fail_next = {
        let (pg, handle, channel) = (pg.clone(), s.handle.clone(), s.channel.clone());
        Callback::from(move |_: MouseEvent| {
            let last = pg.session.borrow().sim().broker().channels().get(channel.as_str()).map_or(0, |c| c.store.last);
            let patch = BehaviourPatch { fail_seqs: Some((last + 1..=last + 3).collect()), fail_times: Some(1), ..BehaviourPatch::default() };
            pg.dispatch(Msg::Act(behave(&handle, patch)));
        })
    };
    let heal = {
        let (pg, handle) = (pg.clone(), s.handle.clone());
        Callback::from(move |_: MouseEvent| {
            pg.dispatch(Msg::Act(behave(&handle, BehaviourPatch { fail_seqs: Some(vec![]), fail_rate: Some(0.0), ..BehaviourPatch::default() })))
        })
    };
    let sub_act = |v: Verb| {
        let pg = pg.clone();
        Callback::from(move |_: MouseEvent| pg.dispatch(Msg::Act(v.clone())))
    };
    let code = crate::codegen::subscribe_line(
        &shown.channel,
        shown.queue.as_deref(),
        &crate::codegen::SubOptions {
            manual_ack: shown.manual_ack,
            ack_wait_ms: shown.ack_wait_ms,
            max_inflight: shown.max_inflight,
            start: &shown.start,
            durable: shown.durable.as_deref(),
        },
    );
    html! {
        <section class="inspector" aria-label="Listener">
            <h2>{ "Listener " }<span class="inspector__id">{ n.id.clone() }</span></h2>
            if let Some(err) = &n.error { <p class="inspector__error" role="alert">{ err.clone() }</p> }
            <code class="inspector__code">{ code }</code>
            <RealCode client={n.id.clone()} />
            <ListenerConsole client={n.id.clone()} />
            if n.subs.len() > 1 {
                <div class="inspector__subs" role="tablist" aria-label="Subscriptions">
                    { for n.subs.iter().map(|x| {
                        let on = x.handle == s.handle;
                        let (picked, channel) = (picked.clone(), x.channel.clone());
                        html! { <button role="tab" aria-selected={on.to_string()} class={class(&["btn", when(on, "btn--on")])}
                                        onclick={Callback::from(move |_: MouseEvent| picked.set(Some(channel.clone())))}>{ x.channel.clone() }</button> }
                    }) }
                </div>
            }
            <fieldset class="inspector__edit" disabled={pg.view.locks(Control::Board)}>
            <fieldset>
                <legend>{ format!("subscription {} on {}", s.handle, s.channel) }</legend>
                <label>{ "queue group " }<input id="opt-queue" type="text" value={shown.queue.clone().unwrap_or_default()} onchange={resub(|o, v| { o.queue = Some(v.trim().to_string()).filter(|q| !q.is_empty()); Ok(()) })} placeholder="none" /></label>
                <label><input id="opt-manual" type="checkbox" checked={shown.manual_ack} onchange={resub(|o, v| { o.manual_ack = v == "true"; Ok(()) })} />{ " setManualAckMode(true)" }</label>
                <label>{ "setAckWait(" }
                    <select id="opt-ackwait" onchange={resub(|o, v| { o.ack_wait_ms = v.parse().unwrap_or(stanjs::ACK_WAIT_MS); Ok(()) })}>
                        { for [1000u64, 2000, 5000, 10_000, 30_000].iter().map(|w| html! { <option value={w.to_string()} selected={*w == shown.ack_wait_ms}>{ w }</option> }) }
                    </select>{ ")" }</label>
                <label>{ "setMaxInFlight(" }
                    <select id="opt-inflight" onchange={resub(|o, v| { o.max_inflight = v.parse().unwrap_or(stanjs::MAX_INFLIGHT); Ok(()) })}>
                        { for [1i64, 2, 5, 10, 16_384].iter().map(|w| html! { <option value={w.to_string()} selected={*w == shown.max_inflight}>{ w }</option> }) }
                    </select>{ ")" }</label>
                <label>{ "start " }
                    <select id="opt-start" onchange={resub(|o, v| {
                        o.start = match v.as_str() {
                            "last" => StartPosition::LastReceived,
                            "all" => StartPosition::All,
                            "seq" => StartPosition::Seq(1),
                            "delta" => StartPosition::TimeDelta(60_000),
                            _ => StartPosition::NewOnly,
                        };
                        Ok(())
                    })}>
                        <option value="new" selected={shown.start == StartPosition::NewOnly}>{ "new only (default)" }</option>
                        <option value="last" selected={shown.start == StartPosition::LastReceived}>{ "setStartWithLastReceived()" }</option>
                        <option value="all" selected={shown.start == StartPosition::All}>{ "setDeliverAllAvailable()" }</option>
                        <option value="seq" selected={matches!(shown.start, StartPosition::Seq(_))}>{ "setStartAtSequence(n)" }</option>
                        <option value="delta" selected={matches!(shown.start, StartPosition::TimeDelta(_))}>{ "setStartAtTimeDelta(ms)" }</option>
                    </select></label>
                if let StartPosition::Seq(n) = shown.start {
                    <label>{ "setStartAtSequence(" }<input id="opt-start-seq" type="number" min="0" value={n.to_string()} onchange={resub(|o, v| { o.start = StartPosition::Seq(number(&v, "setStartAtSequence", 0, u64::MAX)?); Ok(()) })} />{ ")" }</label>
                }
                if let StartPosition::TimeDelta(d) = shown.start {
                    <label>{ "setStartAtTimeDelta(" }<input id="opt-start-delta" type="number" min="0" value={d.to_string()} onchange={resub(|o, v| { o.start = StartPosition::TimeDelta(number(&v, "setStartAtTimeDelta (ms)", 0, MAX_UNTIL_MS)?); Ok(()) })} />{ ")" }</label>
                }
                <label>{ "channel " }<input id="opt-channel" type="text" value={shown.channel.clone()} onchange={resub(|o, v| match v.trim() { "" => Err("channel: a listener needs a channel name".into()), c => { o.channel = c.to_string(); Ok(()) } })} /></label>
                <label>{ "setDurableName(" }<input id="opt-durable" type="text" value={shown.durable.clone().unwrap_or_default()} placeholder="none" onchange={resub(|o, v| { o.durable = Some(v.trim().to_string()).filter(|d| !d.is_empty()); Ok(()) })} />{ ")" }</label>
                <div class="inspector__row inspector__apply">
                    <button id="opt-apply" class="btn btn--primary" disabled={!dirty} onclick={apply}
                            title="Closes the subscription and subscribes again with these options, as restarting the listener does">{ "Apply (re-subscribe)" }</button>
                    if dirty { <button id="opt-discard" class="btn" onclick={discard}>{ "Discard" }</button> }
                    if dirty { <span class="field-note">{ "not applied yet" }</span> }
                </div>
            </fieldset>
            <fieldset>
                <legend>{ "the application" }</legend>
                <label>{ "handler " }
                    <select id="opt-handler" onchange={beh(|v| Ok(BehaviourPatch { handler: Some(handler_from(&v)), ..BehaviourPatch::default() }))}>
                        <option value="async" selected={behaviour.handler == crate::engine::Handler::Async}>{ "async (returns at once)" }</option>
                        <option value="sync" selected={behaviour.handler == crate::engine::Handler::Sync}>{ "sync (blocks the event loop)" }</option>
                    </select></label>
                <label>{ "processing time (ms) " }<input id="opt-process" type="number" min="0" step="100" value={behaviour.process_ms.to_string()} onchange={beh(|v| Ok(BehaviourPatch { process_ms: Some(number(&v, "processing time (ms)", 0, MAX_UNTIL_MS)?), ..BehaviourPatch::default() }))} /></label>
                <label>{ "failure rate " }
                    <select id="opt-failrate" onchange={beh(|v| Ok(BehaviourPatch { fail_rate: Some(crate::json::decimal(&v).unwrap_or(0.0)), ..BehaviourPatch::default() }))}>
                        { for [0.0f64, 0.1, 0.5, 1.0].iter().map(|r| html! { <option value={crate::fixed::short(*r)} selected={(*r - behaviour.fail_rate).abs() < 1e-9}>{ format!("{} %", crate::fixed::fixed(r * 100.0, 0)) }</option> }) }
                    </select></label>
                <label>{ "fail seqs " }<input id="opt-fail-seqs" type="text" placeholder="e.g. 3, 5" value={behaviour.fail_seqs.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")}
                    onchange={beh(|v| {
                        let seqs = v.split(|c: char| c == ',' || c.is_whitespace()).filter(|x| !x.is_empty()).map(|x| number(x, "fail seqs", 1, u64::MAX)).collect::<Result<Vec<_>, _>>()?;
                        if seqs.len() > MAX_ACTIONS {
                            return Err(format!("fail seqs: at most {MAX_ACTIONS} sequence numbers"));
                        }
                        Ok(BehaviourPatch { fail_seqs: Some(seqs), ..BehaviourPatch::default() })
                    })} /></label>
                <label>{ "…each failing " }<input id="opt-fail-times" type="number" min="0" value={behaviour.fail_times.to_string()} title="0 = always"
                    onchange={beh(|v| Ok(BehaviourPatch { fail_times: Some(number(&v, "failing times", 0, u32::MAX as u64)? as u32), ..BehaviourPatch::default() }))} />{ " times (0 = always)" }</label>
                <label>{ "runs " }
                    <select id="opt-app" onchange={beh(|v| Ok(BehaviourPatch { app: Some(app_from(&v)), ..BehaviourPatch::default() }))}>
                        <option value="none" selected={behaviour.app == AppKind::None}>{ "no application" }</option>
                        <option value="account" selected={behaviour.app == AppKind::Account}>{ "account balances (lab)" }</option>
                        <option value="tickets" selected={behaviour.app == AppKind::Tickets}>{ "tickets with versions (lab)" }</option>
                    </select></label>
                if behaviour.app != AppKind::None {
                    <label><input id="opt-version-check" type="checkbox" checked={behaviour.version_check}
                        onchange={beh(|v| Ok(BehaviourPatch { version_check: Some(v == "true"), ..BehaviourPatch::default() }))} />{ " version check (no ack unless version = last + 1)" }</label>
                    <label><input id="opt-idempotent" type="checkbox" checked={behaviour.idempotent}
                        onchange={beh(|v| Ok(BehaviourPatch { idempotent: Some(v == "true"), ..BehaviourPatch::default() }))} />{ " idempotent by event id" }</label>
                    <label><input id="opt-ordered" type="checkbox" checked={behaviour.ordered}
                        onchange={beh(|v| Ok(BehaviourPatch { ordered: Some(v == "true"), ..BehaviourPatch::default() }))} />{ " per-resource ordering" }</label>
                }
                <div class="inspector__row">
                    <button id="fail-next" class="btn" onclick={fail_next}>{ "Fail the next 3 events" }</button>
                    <button class="btn" onclick={heal}>{ "Heal" }</button>
                </div>
            </fieldset>
            <div class="inspector__row">
                <button class="btn" onclick={sub_act(Verb::Unsubscribe { sub: s.handle.as_str().into() })}>{ "subscription.unsubscribe()" }</button>
                <button class="btn" onclick={sub_act(Verb::CloseSub { sub: s.handle.as_str().into() })}>{ "subscription.close()" }</button>
            </div>
            <ClientActions node={n.clone()} />
            </fieldset>
        </section>
    }
}

/// A publisher's panel.
#[function_component]
fn PublisherPanel(InspectorProps { node }: &InspectorProps) -> Html {
    let pg = use_playground();
    let channel = use_state(|| DEFAULT_CHANNEL.to_string());
    let data = use_state(|| r#"{"id":"{n}","title":"concert","price":20}"#.to_string());
    let every = use_state(|| "1000".to_string());
    let count = use_state(|| "60".to_string());
    let Some(n) = node.clone() else { return html! {} };
    let set = |h: UseStateHandle<String>| Callback::from(move |e: Event| h.set(value_of(&e)));
    let publish = |fixed: Option<(u64, u64)>| {
        let (pg, id, channel, data, every, count) = (pg.clone(), n.id.clone(), channel.clone(), data.clone(), every.clone(), count.clone());
        Callback::from(move |_: MouseEvent| {
            // A series is at most 100,000 publishes (a bigger one is a scenario file's job, and
            // the page refuses what it cannot hold), one every hour at most.
            let typed = || Ok::<_, String>((number(&count, "publish count (×)", 1, 100_000)?, number(&every, "every (ms)", 0, 3_600_000)?));
            match fixed.map_or_else(typed, Ok) {
                Ok((c, e)) => pg.dispatch(Msg::Act(publish_verb(&id, &channel, &data, c, e))),
                Err(m) => pg.dispatch(Msg::Error(m)),
            }
        })
    };
    html! {
        <section class="inspector" aria-label="Publisher">
            <h2>{ "Publisher " }<span class="inspector__id">{ n.id.clone() }</span></h2>
            if let Some(err) = &n.error { <p class="inspector__error" role="alert">{ err.clone() }</p> }
            <code class="inspector__code">{ format!("stan.publish('{}', data, cb)", *channel) }</code>
            <RealCode client={n.id.clone()} />
            <fieldset class="inspector__edit" disabled={pg.view.locks(Control::Board)}>
            <label>{ "channel " }<input id="pub-channel" type="text" value={(*channel).clone()} onchange={set(channel.clone())} /></label>
            <label>{ "data " }<input id="pub-data" type="text" value={(*data).clone()} onchange={set(data.clone())} title="{n} is replaced by the message's number in its series" /></label>
            <div class="inspector__row">
                <button id="publish-once" class="btn btn--primary" onclick={publish(Some((1, 0)))}>{ "Publish once" }</button>
                <button id="publish-burst" class="btn" onclick={publish(Some((10, 0)))}>{ "Burst ×10" }</button>
            </div>
            <div class="inspector__row">
                <label>{ "every (ms) " }<input id="pub-every-ms" type="number" min="0" value={(*every).clone()} onchange={set(every.clone())} /></label>
                <label>{ "× " }<input id="pub-count" type="number" min="1" value={(*count).clone()} onchange={set(count.clone())} /></label>
                <button id="publish-every" class="btn" onclick={publish(None)}>{ "Publish every…" }</button>
            </div>
            <ClientActions node={n.clone()} />
            </fieldset>
        </section>
    }
}

/// The server panel.
#[function_component]
fn ServerPanel() -> Html {
    let pg = use_playground();
    let cfg = pg.session.borrow().sim().broker().config().clone();
    let set = |f: fn(&mut ServerConfig, String) -> Result<(), String>| {
        let (pg, cfg) = (pg.clone(), cfg.clone());
        Callback::from(move |e: Event| {
            let mut c = cfg.clone();
            if let Err(m) = f(&mut c, value_of(&e)) {
                mark_field(&e, Some(&m));
                return pg.dispatch(Msg::Error(m));
            }
            mark_field(&e, None);
            if c != cfg {
                pg.dispatch(Msg::SetServer(c));
            }
        })
    };
    let d = |m: Msg| {
        let pg = pg.clone();
        Callback::from(move |_: MouseEvent| pg.dispatch(m.clone()))
    };
    let typed = use_state(String::new);
    let channel = use_state(|| DEFAULT_CHANNEL.to_string());
    let add = |listener: bool| {
        let (pg, typed, channel) = (pg.clone(), typed.clone(), channel.clone());
        Callback::from(move |_: MouseEvent| {
            let id = Some(typed.trim().to_string()).filter(|t| !t.is_empty());
            typed.set(String::new());
            let ch = Some(channel.trim().to_string()).filter(|c| !c.is_empty()).unwrap_or_else(|| DEFAULT_CHANNEL.into());
            pg.dispatch(if listener { Msg::AddListener(ListenerOpts { channel: ch, ..ListenerOpts::default() }, id) } else { Msg::AddPublisher(id) });
        })
    };
    let set_state = |h: UseStateHandle<String>| Callback::from(move |e: InputEvent| h.set(super::hooks::input_value(&e)));
    let locked = pg.view.locks(Control::Board);
    // What the server will say to the typed values, before they are tried (they are still
    // tried: the refusal is part of the lesson).
    let id_note = (!typed.trim().is_empty() && !crate::engine::errors::client_id_valid(typed.trim()))
        .then(|| format!("The server will refuse this client id: {}", crate::engine::errors::INVALID_CLIENT_ID));
    let channel_note = (!channel.trim().is_empty() && !crate::engine::errors::channel_name_valid(channel.trim()))
        .then(|| format!("The server will refuse this channel: {} (no '*', '>', '/', or empty '.' parts)", crate::engine::errors::INVALID_SUBJECT));
    html! {
        <section class="inspector" aria-label="Server">
            <h2>{ "Server" }</h2>
            // A locked board shows what the server runs (its command line says every option),
            // not forms nobody may use.
            if !locked {
            <div class="inspector__row">
                <button id="add-publisher" class="btn btn--primary" onclick={add(false)}>{ "+ Publisher" }</button>
                <button id="add-listener" class="btn btn--primary" onclick={add(true)}>{ "+ Listener" }</button>
            </div>
            <label>{ "client id " }<input id="new-client-id" type="text" placeholder="random" title="Empty: a random id, like the course's randomBytes(4).toString('hex')" value={(*typed).clone()} oninput={set_state(typed.clone())}
                aria-invalid={id_note.is_some().then_some("true")} aria-describedby="new-client-id-note" /></label>
            if let Some(n) = id_note { <p id="new-client-id-note" class="field-note" role="status">{ n }</p> }
            <label>{ "listener channel " }<input id="new-channel" type="text" value={(*channel).clone()} oninput={set_state(channel.clone())}
                aria-invalid={channel_note.is_some().then_some("true")} aria-describedby="new-channel-note" /></label>
            if let Some(n) = channel_note { <p id="new-channel-note" class="field-note" role="status">{ n }</p> }
            }
            <code id="command-line" class="inspector__code">{ cfg.command_line() }</code>
            <CodeBlock id="k8s" title="Kubernetes: nats-depl.yaml (Deployment + Service)" source={crate::codegen::k8s_yaml(&cfg)} warnings={Vec::<String>::new()} />
            if !locked {
            <fieldset>
                <legend>{ "options (changing one replays the run)" }</legend>
                <label>{ "version " }
                    <select id="srv-version" onchange={{
                        let (pg, version) = (pg.clone(), set(|c, v| { c.version = ServerVersion::parse(&v).unwrap_or(c.version); Ok(()) }));
                        Callback::from(move |e: Event| if value_of(&e) == "jetstream" {
                            pg.dispatch(Msg::OpenJetStream(std::rc::Rc::from(super::examples::JS_BLANK), 0));
                        } else {
                            version.emit(e)
                        })
                    }}>
                        <option value="0.17" selected={cfg.version == ServerVersion::V0_17}>{ "0.17.0 (the course's image)" }</option>
                        <option value="0.25" selected={cfg.version == ServerVersion::V0_25}>{ "0.25.6 (the last release)" }</option>
                        <option value="jetstream">{ "JetStream: nats-server 2.9.10, a new board" }</option>
                    </select></label>
                <label>{ "-cid " }<input id="srv-cid" type="text" value={cfg.cluster_id.to_string()} onchange={set(|c, v| match crate::engine::config::cluster_id_problem(v.trim()) { Some(m) => Err(m), None => { c.cluster_id = v.trim().into(); Ok(()) } })} /></label>
                <label>{ "-hbi (ms) " }<input id="srv-hbi" type="number" min="1" value={cfg.hb_interval_ms.to_string()} onchange={set(|c, v| { c.hb_interval_ms = number(&v, "-hbi (ms)", 1, MAX_UNTIL_MS)?; Ok(()) })} /></label>
                <label>{ "-hbt (ms) " }<input id="srv-hbt" type="number" min="1" value={cfg.hb_timeout_ms.to_string()} onchange={set(|c, v| { c.hb_timeout_ms = number(&v, "-hbt (ms)", 1, MAX_UNTIL_MS)?; Ok(()) })} /></label>
                <label>{ "-hbf " }<input id="srv-hbf" type="number" min="0" value={cfg.hb_fail_count.to_string()} onchange={set(|c, v| { c.hb_fail_count = number(&v, "-hbf", 0, i32::MAX as u64)? as u32; Ok(()) })} /></label>
                <label>{ "-mc max channels " }<input type="number" min="0" value={cfg.max_channels.to_string()} onchange={set(|c, v| { c.max_channels = number(&v, "-mc", 0, i64::MAX as u64)?; Ok(()) })} /></label>
                <label>{ "-msu max subs " }<input type="number" min="0" value={cfg.max_subs.to_string()} onchange={set(|c, v| { c.max_subs = number(&v, "-msu", 0, i64::MAX as u64)?; Ok(()) })} /></label>
                <label>{ "-mm max msgs " }<input id="srv-mm" type="number" min="0" value={cfg.max_msgs.to_string()} onchange={set(|c, v| { c.max_msgs = number(&v, "-mm", 0, i64::MAX as u64)?; Ok(()) })} /></label>
                <label>{ "-mb max bytes " }<input type="number" min="0" value={cfg.max_bytes.to_string()} onchange={set(|c, v| { c.max_bytes = number(&v, "-mb", 0, i64::MAX as u64)?; Ok(()) })} /></label>
                <label>{ "-ma max age (ms) " }<input type="number" min="0" value={cfg.max_age_ms.to_string()} onchange={set(|c, v| { c.max_age_ms = number(&v, "-ma (ms)", 0, MAX_UNTIL_MS)?; Ok(()) })} /></label>
                <label>{ "-mi max inactivity (ms) " }<input type="number" min="0" value={cfg.max_inactivity_ms.to_string()} onchange={set(|c, v| { c.max_inactivity_ms = number(&v, "-mi (ms)", 0, MAX_UNTIL_MS)?; Ok(()) })} /></label>
            </fieldset>
            <button id="restart-server" class="btn btn--danger" onclick={d(Msg::Act(Verb::RestartServer))}>{ "Restart the server (memory store: everything is lost)" }</button>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ConsoleProps {
    client: String,
}

/// Lines the listener's console shows, and trace events it reads back for them.
const CONSOLE_LINES: usize = 8;
const CONSOLE_WINDOW: usize = 50_000;

/// What the listener's handler would print, up to the cursor (the course's "Received event
/// #1, with data: …"), newest last.
#[function_component]
fn ListenerConsole(ConsoleProps { client }: &ConsoleProps) -> Html {
    let pg = use_playground();
    let (lines, older) = {
        let s = pg.session.borrow();
        crate::ui::view_model::console(s.sim(), client, s.now(), CONSOLE_LINES, CONSOLE_WINDOW)
    };
    html! {
        <details class="console" open=true>
            <summary>{ "console (what its handler logs)" }</summary>
            <ol id="listener-console" class="console__lines" tabindex="0" aria-label="Console lines, newest first">
                if lines.is_empty() { <li class="console__empty">{ "nothing received yet" }</li> }
                { for lines.iter().rev().map(|(t, l, tone)| html! {
                    <li class={class(&["console__line", &format!("console__line--{tone}")])}><span class="console__t">{ format!("{}s", crate::fixed::fixed(*t as f64 / 1000.0, 1)) }</span>{ " " }{ l.clone() }</li>
                }) }
            </ol>
            if older && lines.len() < CONSOLE_LINES { <p class="console__empty">{ "older lines are further back than the console reads" }</p> }
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct RealCodeProps {
    client: String,
}

/// The node-nats-streaming TypeScript of a client, generated on demand.
#[function_component]
fn RealCode(RealCodeProps { client }: &RealCodeProps) -> Html {
    let pg = super::hooks::use_playground();
    let open = use_state(|| false);
    if !*open {
        let open = open.clone();
        return html! {
            <button id="show-code" class="btn realcode__show" onclick={Callback::from(move |_| open.set(true))}>{ "Show the real code (TypeScript)" }</button>
        };
    }
    let code = {
        let s = pg.session.borrow();
        crate::codegen::client_ts(&s.export(s.now()), client)
    };
    match code {
        Some(c) => html! { <CodeBlock id="code" title={c.file} source={c.source} warnings={c.warnings} /> },
        None => html! { <p class="realcode__none">{ "This client has not connected yet." }</p> },
    }
}

#[derive(Properties, PartialEq)]
struct CodeBlockProps {
    id: &'static str,
    title: String,
    source: String,
    warnings: Vec<String>,
}

/// Generated source with a copy button.
#[function_component]
fn CodeBlock(CodeBlockProps { id, title, source, warnings }: &CodeBlockProps) -> Html {
    let copy = {
        let source = source.clone();
        Callback::from(move |_: MouseEvent| super::hooks::copy_to_clipboard(&source))
    };
    html! {
        <details id={*id} class="realcode" open={*id == "code"}>
            <summary>{ title.clone() }</summary>
            { for warnings.iter().map(|w| html! { <p class="inspector__error" role="note">{ w.clone() }</p> }) }
            <pre id={format!("{id}-source")} class="realcode__src">{ source.clone() }</pre>
            <button id={format!("{id}-copy")} class="btn" onclick={copy}>{ "Copy" }</button>
        </details>
    }
}
