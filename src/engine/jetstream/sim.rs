//! `JsSim`: the router of a JetStream run (clock, one event queue ordered by `(time, class,
//! order)`, the FIFO of effects) and the **nats.js 2.x client model**: processes alive,
//! closed, killed or paused, `js.publish` and its ack, `js.subscribe` bound to a push
//! consumer with nats.js's checks, `fetch`, and the listener application behind each handle
//! (async or sync handler, processing time, failures, manual/auto/no ack, `on_fail`, `+WPI`).
//!
//! The server model (`server.rs`) is reached only through `JsSim::call`, which stamps the
//! clock and queues what the server produced; the client never reads server state except
//! through the API answers nats.js would get (`CONSUMER.INFO` when binding).

use super::scenario::{AckMode, JsAction, JsScenario, JsVerb, Listener, Reply};
use super::server::{JsMsg, JsServer, JsTimer, Out};
use super::trace::{At, JsError, JsEvent, JsKind};
use crate::engine::ids::{HandleId, Name, ProcId};
use crate::engine::rng::Rng;
use crate::engine::scenario::Handler;
use crate::engine::sim::{RunError, RunLimits};
use crate::engine::time::SimTime;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

/// nats.js 2.x error for a request on a closed connection (its message is the error code).
pub const CONNECTION_CLOSED: &str = "CONNECTION_CLOSED";

/// nats.js 2.x error for a request that got no answer within its timeout.
pub const TIMEOUT: &str = "TIMEOUT";

/// nats.js's request timeout (`js.publish`, the `CONSUMER.INFO` of a bind), ms.
pub const REQUEST_TIMEOUT_MS: u64 = 5_000;

/// nats.js's `reconnectTimeWait`: a dropped connection is tried again this long after the
/// attempt made at once (which the restarting server refuses), plus up to
/// [`RECONNECT_JITTER_MS`] (`reconnectJitter`). Measured on nats-server 2.9.10 restarted
/// under nats.js 2.29: `reconnect` 2,048–2,086 ms after `disconnect`.
pub const RECONNECT_WAIT_MS: u64 = 2_000;
/// nats.js's `reconnectJitter`, ms.
pub const RECONNECT_JITTER_MS: u64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Running,
    Closed,
    Killed,
}

/// One delivery's work in a handler.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Work {
    handle: HandleId,
    seq: u64,
    dseq: u64,
    dc: u64,
    ok: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ProcEv {
    WorkDone(Work),
    Progress(Work),
    Action {
        idx: usize,
        k: u64,
    },
    /// nats.js's reconnect attempt after a server restart (the link generation it is for).
    Reconnect(u64),
}

#[derive(Clone, Debug, PartialEq)]
enum Held {
    Msg(HandleId, JsMsg),
    Ev(ProcEv),
}

#[derive(Clone, Debug)]
struct Proc {
    client: Name,
    state: State,
    paused_until: Option<SimTime>,
    pause_gen: u64,
    busy: Option<Work>,
    busy_gen: u64,
    held: VecDeque<Held>,
    /// The connection is down (a server restart) and nats.js is reconnecting: what it sends
    /// meanwhile is dropped when the new connection starts (`resetOutbound`).
    offline: bool,
    link_gen: u64,
}

impl Proc {
    fn blocked(&self) -> bool {
        self.paused_until.is_some() || self.busy.is_some()
    }
}

/// What the client knows of one delivery (a nats.js `JsMsg`).
#[derive(Clone, Copy, Debug)]
struct Delivery {
    dseq: u64,
    dc: u64,
    /// `ack()`, `nak()` or `term()` was called: later calls are dropped (JS §5.8).
    done: bool,
}

#[derive(Clone, Debug)]
struct Handle {
    name: Name,
    proc: Option<usize>,
    consumer: Option<usize>,
    stream: Name,
    consumer_name: Name,
    /// Queue group of a push sub.
    queue: Option<Name>,
    /// A fetch handle.
    pull: bool,
    listener: Listener,
    open: bool,
    bind_error: Option<JsError>,
    latest: BTreeMap<u64, Delivery>,
}

#[derive(Clone, Debug)]
enum Ev {
    Action {
        idx: usize,
        k: u64,
    },
    Server(JsTimer),
    Proc {
        p: usize,
        ev: ProcEv,
    },
    LoopFree {
        p: usize,
        gen: u64,
    },
    Continue {
        p: usize,
        gen: u64,
    },
    /// A client-side outcome that shows later (a request's timeout).
    Late(JsKind),
}

type Entry = crate::engine::queue::Entry<Ev>;

/// A bound handle as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct HandleView {
    /// Handle name.
    pub sub: Name,
    /// Client id.
    pub client: Name,
    /// Consumer index in [`JsServer::consumers`].
    pub consumer: usize,
    /// Queue group.
    pub queue: Option<Name>,
    /// A fetch handle.
    pub pull: bool,
    /// Still subscribed.
    pub open: bool,
    /// Deliveries received and not yet acked, naked or termed.
    pub unanswered: usize,
    /// How the listener acks.
    pub ack: AckMode,
    /// The first [`HELD_SHOWN`] deliveries held unanswered: (stream seq, its delivery count).
    pub held: Vec<(u64, u64)>,
    /// The application behind it, as it behaves now.
    pub listener: Listener,
    /// The stream and consumer it is bound to (names).
    pub stream: Name,
    /// Consumer name.
    pub consumer_name: Name,
}

/// How many unanswered deliveries a [`HandleView`] lists.
pub const HELD_SHOWN: usize = 20;

/// A JetStream run.
#[derive(Clone, Debug)]
pub struct JsSim {
    scenario: JsScenario,
    now: SimTime,
    queue: BinaryHeap<Reverse<Entry>>,
    counter: u64,
    server: JsServer,
    pending: VecDeque<Out>,
    procs: Vec<Proc>,
    current: BTreeMap<Name, usize>,
    handles: Vec<Handle>,
    handle_ids: BTreeMap<Name, HandleId>,
    trace: Vec<JsEvent>,
    fail_rng: Rng,
    steps: u64,
    emitted: u64,
    limits: RunLimits,
    busy_until: BTreeMap<usize, SimTime>,
    link_rng: Rng,
}

impl JsSim {
    /// A run at time 0 with the scenario's actions scheduled.
    pub fn new(scenario: JsScenario) -> JsSim {
        let mut s = JsSim {
            now: 0,
            queue: BinaryHeap::new(),
            counter: 0,
            server: JsServer::new(scenario.seed),
            pending: VecDeque::new(),
            procs: Vec::new(),
            current: BTreeMap::new(),
            handles: Vec::new(),
            handle_ids: BTreeMap::new(),
            trace: Vec::new(),
            fail_rng: Rng::new(scenario.seed, 1),
            steps: 0,
            emitted: 0,
            limits: RunLimits::default(),
            busy_until: BTreeMap::new(),
            link_rng: Rng::new(scenario.seed, 15),
            scenario,
        };
        for idx in 0..s.scenario.actions.len() {
            let a = &s.scenario.actions[idx];
            let runs = !matches!(a.verb, JsVerb::Publish { count: 0, .. });
            if runs {
                s.push_at(a.at_ms, 0, idx as u64, 0, Ev::Action { idx, k: 0 });
            }
        }
        s
    }

    /// Replaces the run limits.
    pub fn set_limits(&mut self, l: RunLimits) {
        self.limits = l;
    }
    /// The scenario.
    pub fn scenario(&self) -> &JsScenario {
        &self.scenario
    }
    /// The server as it is now.
    pub fn server(&self) -> &JsServer {
        &self.server
    }
    /// Current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// The trace so far.
    pub fn trace(&self) -> &[JsEvent] {
        &self.trace
    }
    /// Takes the trace collected so far (to stream it).
    pub fn take_trace(&mut self) -> Vec<JsEvent> {
        std::mem::take(&mut self.trace)
    }

    /// Every client id with its newest process: (client, state) with the state as the page
    /// names it (`running`, `paused`, `busy`, `closed`, `killed`).
    pub fn clients(&self) -> Vec<(Name, &'static str)> {
        self.current
            .iter()
            .map(|(c, &p)| {
                let pr = &self.procs[p];
                let st = match pr.state {
                    State::Killed => "killed",
                    State::Closed => "closed",
                    State::Running if pr.paused_until.is_some() => "paused",
                    State::Running if pr.busy.is_some() => "busy",
                    State::Running if pr.offline => "reconnecting",
                    State::Running => "running",
                };
                (c.clone(), st)
            })
            .collect()
    }

    /// Every handle that was bound: (sub, client, consumer index, queue, pull, open, the
    /// deliveries it holds unanswered).
    pub fn handle_views(&self) -> Vec<HandleView> {
        self.handles
            .iter()
            .filter_map(|h| {
                let c = h.consumer?;
                Some(HandleView {
                    sub: h.name.clone(),
                    client: h.proc.map(|p| self.procs[p].client.clone()).unwrap_or_default(),
                    consumer: c,
                    queue: h.queue.clone(),
                    pull: h.pull,
                    open: h.open,
                    unanswered: h.latest.values().filter(|d| !d.done).count(),
                    ack: h.listener.ack,
                    held: h.latest.iter().filter(|(_, d)| !d.done).take(HELD_SHOWN).map(|(s, d)| (*s, d.dc)).collect(),
                    listener: h.listener.clone(),
                    stream: h.stream.clone(),
                    consumer_name: h.consumer_name.clone(),
                })
            })
            .collect()
    }

    fn push_at(&mut self, at: SimTime, class: u8, a: u64, b: u64, ev: Ev) {
        self.queue.push(Reverse(Entry { key: (at, class, a, b), ev }));
    }

    fn push_event(&mut self, at: SimTime, ev: Ev) {
        self.counter += 1;
        let c = self.counter;
        self.push_at(at, 1, c, 0, ev);
    }

    /// Runs to the scenario's `until_ms`.
    pub fn run(&mut self) -> Result<(), RunError> {
        self.run_until(self.scenario.until_ms)
    }

    /// Processes everything due at or before `t`.
    pub fn run_until(&mut self, t: SimTime) -> Result<(), RunError> {
        while self.queue.peek().is_some_and(|Reverse(e)| e.key.0 <= t) {
            let Reverse(e) = self.queue.pop().expect("peeked");
            self.now = e.key.0;
            self.dispatch(e.ev);
            self.drain();
            self.steps += 1;
            self.limits.check(self.emitted, self.steps, self.now)?;
        }
        self.now = self.now.max(t);
        Ok(())
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Action { idx, k } => self.action(idx, k),
            Ev::Server(t) => self.call(|s| s.fire(t)),
            Ev::Proc { p, ev } => self.proc_event(p, ev),
            Ev::LoopFree { p, gen } => self.loop_free(p, gen),
            Ev::Continue { p, gen } => self.continue_proc(p, gen),
            Ev::Late(k) => self.emit(k),
        }
    }

    /// The one gate into the server model: stamps the clock, and queues what it produced.
    fn call<R>(&mut self, f: impl FnOnce(&mut JsServer) -> R) -> R {
        self.server.now = self.now;
        let r = f(&mut self.server);
        self.pending.extend(self.server.out.drain(..));
        r
    }

    fn emit(&mut self, k: JsKind) {
        self.pending.push_back(Out::Trace(k));
    }

    fn drain(&mut self) {
        while let Some(o) = self.pending.pop_front() {
            match o {
                Out::Trace(kind) => {
                    self.emitted += 1;
                    self.trace.push(JsEvent { t: self.now, kind });
                }
                Out::Timer(at, t) => self.push_event(at, Ev::Server(t)),
                Out::Deliver { proc, handle, msg } => self.socket(proc.0 as usize, Held::Msg(handle, msg)),
                Out::Status { .. } => {} // the fetch's iterator ends; nothing else happens in the app
            }
        }
    }

    /// An action of a client whose `connect` comes later in time (earlier in the array).
    fn not_connected(&mut self, idx: usize, client: &Name) {
        self.failed(idx, JsError::text(format!("client {:?} has not connected", &**client)));
    }

    fn failed(&mut self, index: usize, error: JsError) {
        self.emit(JsKind::ActionFailed { index, error });
    }

    fn at_of(&self, h: HandleId) -> At {
        let hd = &self.handles[h.0 as usize];
        let client = hd.proc.map(|p| self.procs[p].client.clone()).unwrap_or_default();
        At { client, sub: hd.name.clone(), stream: hd.stream.clone(), consumer: hd.consumer_name.clone() }
    }

    // ---- actions ----------------------------------------------------------------------

    fn action(&mut self, idx: usize, k: u64) {
        let a: JsAction = self.scenario.actions[idx].clone();
        match &a.verb {
            JsVerb::Connect { client } => {
                self.procs.push(Proc {
                    client: client.clone(),
                    state: State::Running,
                    paused_until: None,
                    pause_gen: 0,
                    busy: None,
                    busy_gen: 0,
                    held: VecDeque::new(),
                    offline: false,
                    link_gen: 0,
                });
                self.current.insert(client.clone(), self.procs.len() - 1);
                self.emit(JsKind::Connected { client: client.clone() });
            }
            JsVerb::Close { client } | JsVerb::Kill { client } | JsVerb::Pause { client, .. } => {
                let Some(&p) = self.current.get(client) else { return self.not_connected(idx, client) };
                if self.procs[p].state != State::Running {
                    let why = if self.procs[p].state == State::Killed { "killed" } else { "closed" };
                    self.failed(idx, JsError::text(format!("client {:?} is not running ({why})", &**client)));
                    return;
                }
                match a.verb {
                    JsVerb::Close { .. } => self.route_app(p, idx, k),
                    JsVerb::Kill { .. } => self.kill(p),
                    JsVerb::Pause { duration_ms, .. } => self.pause(p, duration_ms),
                    _ => {}
                }
            }
            JsVerb::AddStream(spec) => match self.call(|s| s.add_stream(spec)) {
                Ok(()) => self.emit(JsKind::StreamAdded { stream: spec.stream.clone() }),
                Err(e) => self.failed(idx, e),
            },
            JsVerb::AddConsumer(spec) => {
                if let Err(e) = self.call(|s| s.add_consumer(spec)) {
                    self.failed(idx, e);
                }
            }
            JsVerb::DeleteConsumer { stream, consumer } => {
                if let Err(e) = self.call(|s| s.delete_consumer(stream, consumer)) {
                    self.failed(idx, e);
                }
            }
            JsVerb::RestartServer => self.restart(),
            JsVerb::Publish { client, .. } | JsVerb::Subscribe { client, .. } | JsVerb::Fetch { client, .. } => {
                let Some(&p) = self.current.get(client) else { return self.not_connected(idx, client) };
                self.route_app(p, idx, k);
            }
            JsVerb::Behave { sub, patch } => {
                let h = self.handle_ids.get(sub).copied();
                match h {
                    Some(h) => patch.apply(&mut self.handles[h.0 as usize].listener),
                    None => self.failed(idx, JsError::text(format!("subscription {:?} has not subscribed", &**sub))),
                }
            }
            JsVerb::AckMsg { sub, .. } | JsVerb::Unsubscribe { sub } => match self.handle_ids.get(sub).and_then(|h| self.handles[h.0 as usize].proc) {
                Some(p) => self.route_app(p, idx, k),
                None => self.failed(idx, JsError::text(format!("subscription {:?} has not subscribed", &**sub))),
            },
        }
    }

    /// Application code of process `p`: runs now, waits for a stopped or blocked loop, or
    /// fails on a dead process.
    fn route_app(&mut self, p: usize, idx: usize, k: u64) {
        let pr = &mut self.procs[p];
        match pr.state {
            State::Killed => {
                let c = pr.client.clone();
                self.failed(idx, JsError::text(format!("client {:?} is not running (killed)", &*c)));
            }
            _ if pr.blocked() => pr.held.push_back(Held::Ev(ProcEv::Action { idx, k })),
            _ => self.app(p, idx, k),
        }
    }

    fn app(&mut self, p: usize, idx: usize, k: u64) {
        let a = self.scenario.actions[idx].clone();
        let closed = self.procs[p].state != State::Running;
        let offline = self.procs[p].offline;
        let client = self.procs[p].client.clone();
        match a.verb {
            JsVerb::Close { .. } => self.close(p),
            JsVerb::Publish { subject, data, msg_id, expected_last_subject_seq, count, every_ms, .. } => {
                let ks = if every_ms == 0 { k..count.max(k + 1) } else { k..k + 1 };
                for _ in ks {
                    if self.emitted + self.pending.len() as u64 > self.limits.max_trace as u64 {
                        break; // a burst past the run's limit: the run stops with its error
                    }
                    if closed {
                        self.emit(JsKind::PublishFailed { client: client.clone(), subject: subject.clone(), error: JsError::text(CONNECTION_CLOSED) });
                        continue;
                    }
                    if offline {
                        let k = JsKind::PublishFailed { client: client.clone(), subject: subject.clone(), error: JsError::text(TIMEOUT) };
                        self.push_event(self.now + REQUEST_TIMEOUT_MS, Ev::Late(k));
                        continue;
                    }
                    let r = self.call(|s| s.publish(&subject, &data, msg_id.as_ref(), expected_last_subject_seq));
                    match r {
                        Ok((stream, seq, duplicate)) => {
                            self.emit(JsKind::Published { client: client.clone(), subject: subject.clone(), stream, seq, duplicate })
                        }
                        Err(error) => self.emit(JsKind::PublishFailed { client: client.clone(), subject: subject.clone(), error }),
                    }
                    self.call(|s| s.kick());
                }
                if every_ms > 0 && k + 1 < count {
                    let at = a.at_ms + (k + 1) * every_ms;
                    self.push_at(at, 0, idx as u64, k + 1, Ev::Action { idx, k: k + 1 });
                }
            }
            JsVerb::Subscribe { sub, stream, consumer, queue, listener, .. } => {
                let h = self.new_handle(&sub, p, &stream, &consumer, listener);
                let at = self.at_of(h);
                if closed {
                    self.emit(JsKind::SubscribeFailed { at, error: JsError::text(CONNECTION_CLOSED) });
                    return;
                }
                if offline {
                    return self.push_event(self.now + REQUEST_TIMEOUT_MS, Ev::Late(JsKind::SubscribeFailed { at, error: JsError::text(TIMEOUT) }));
                }
                let bound = self.call(|s| s.lookup(&stream, &consumer));
                let c = match bound {
                    Ok(c) => c,
                    Err(error) => return self.emit(JsKind::SubscribeFailed { at, error }),
                };
                let cfg = self.server.consumers[c].cfg.clone();
                let push_bound = self.server.push_bound(c);
                let refuse = match (&cfg.deliver_subject, &queue, &cfg.deliver_group) {
                    (None, _, _) => Some("push consumer requires deliver_subject".to_string()),
                    (Some(_), None, _) if push_bound => Some("duplicate subscription".to_string()),
                    (Some(_), q, g) if q != g => Some(match g {
                        Some(g) => format!("durable requires queue group '{g}'"),
                        None => "durable requires no queue group".to_string(),
                    }),
                    _ => None,
                };
                if let Some(e) = refuse {
                    return self.emit(JsKind::SubscribeFailed { at, error: JsError::text(e) });
                }
                let hd = &mut self.handles[h.0 as usize];
                hd.consumer = Some(c);
                hd.open = true;
                hd.queue = queue.clone();
                self.emit(JsKind::Subscribed { at, queue: queue.clone(), pull: false });
                let ds = cfg.deliver_subject.clone().expect("push");
                self.call(|s| s.subscribe(h, ProcId(p as u32), ds, queue));
            }
            JsVerb::Fetch { sub, stream, consumer, batch, expires_ms, no_wait, listener, .. } => {
                let h = match self.handle_ids.get(&sub) {
                    Some(&h) => {
                        if let Some(e) = self.handles[h.0 as usize].bind_error.clone() {
                            return self.failed(idx, e);
                        }
                        if closed {
                            return self.failed(idx, JsError::text(CONNECTION_CLOSED));
                        }
                        if offline {
                            return; // the pull request is dropped with the connection's buffer: no status ever comes
                        }
                        self.handles[h.0 as usize].proc = Some(p);
                        h
                    }
                    None => {
                        let h = self.new_handle(&sub, p, &stream, &consumer, listener.unwrap_or_default());
                        let at = self.at_of(h);
                        if closed {
                            self.handles[h.0 as usize].bind_error = Some(JsError::text(CONNECTION_CLOSED));
                            return self.emit(JsKind::SubscribeFailed { at, error: JsError::text(CONNECTION_CLOSED) });
                        }
                        if offline {
                            self.handles[h.0 as usize].bind_error = Some(JsError::text(TIMEOUT));
                            return self.push_event(self.now + REQUEST_TIMEOUT_MS, Ev::Late(JsKind::SubscribeFailed { at, error: JsError::text(TIMEOUT) }));
                        }
                        match self.call(|s| s.lookup(&stream, &consumer)) {
                            Ok(c) => {
                                let hd = &mut self.handles[h.0 as usize];
                                hd.consumer = Some(c);
                                hd.open = true;
                                hd.pull = true;
                                self.emit(JsKind::Subscribed { at, queue: None, pull: true });
                            }
                            Err(error) => {
                                self.handles[h.0 as usize].bind_error = Some(error.clone());
                                return self.emit(JsKind::SubscribeFailed { at, error });
                            }
                        }
                        h
                    }
                };
                let c = self.handles[h.0 as usize].consumer.expect("bound");
                if self.server.consumers[c].deleted {
                    // js.consumers.get bound it earlier; the request now finds no consumer.
                    return self.failed(idx, JsError::api(404, 10014, "consumer not found"));
                }
                self.call(|s| s.pull(c, ProcId(p as u32), h, batch, expires_ms, no_wait));
            }
            JsVerb::AckMsg { sub, seq, reply } => {
                let h = self.handle_ids[&sub];
                if closed {
                    return self.failed(idx, JsError::text(CONNECTION_CLOSED));
                }
                if !self.handles[h.0 as usize].latest.contains_key(&seq) {
                    return self.failed(idx, JsError::text(format!("subscription {:?} never received seq {seq}", &*sub)));
                }
                self.answer(h, seq, reply);
            }
            JsVerb::Unsubscribe { sub } => {
                let h = self.handle_ids[&sub];
                if closed || !self.handles[h.0 as usize].open {
                    return self.failed(idx, JsError::text(format!("subscription {:?} is not open", &*sub)));
                }
                self.handles[h.0 as usize].open = false;
                self.emit(JsKind::Unsubscribed { client, sub });
                self.call(|s| s.unsubscribe(h));
            }
            _ => {}
        }
    }

    /// `restart_server`: the server model restarts, and every running client sees its
    /// connection drop at once; nats.js reconnects [`RECONNECT_WAIT_MS`] later (plus its
    /// jitter, from the seed), when its event loop is free.
    fn restart(&mut self) {
        self.emit(JsKind::ServerRestarted);
        self.call(|s| s.restart());
        for p in 0..self.procs.len() {
            let pr = &mut self.procs[p];
            if pr.state != State::Running || pr.offline {
                continue;
            }
            pr.offline = true;
            pr.link_gen += 1;
            let (gen, client) = (pr.link_gen, pr.client.clone());
            self.emit(JsKind::Disconnected { client });
            let at = self.now + RECONNECT_WAIT_MS + self.link_rng.below(RECONNECT_JITTER_MS + 1);
            self.push_event(at, Ev::Proc { p, ev: ProcEv::Reconnect(gen) });
        }
    }

    /// The new connection: nats.js subscribes again to every open push subscription's
    /// deliver subject (the server's consumers see interest again).
    fn reconnect(&mut self, p: usize, gen: u64) {
        let pr = &mut self.procs[p];
        if pr.state != State::Running || !pr.offline || pr.link_gen != gen {
            return;
        }
        pr.offline = false;
        let client = pr.client.clone();
        self.emit(JsKind::Reconnected { client });
        let subs: Vec<(HandleId, Name, Option<Name>)> = (0..self.handles.len())
            .filter_map(|i| {
                let hd = &self.handles[i];
                let ds = self.server.consumers.get(hd.consumer?)?.cfg.deliver_subject.clone()?;
                (hd.proc == Some(p) && hd.open && !hd.pull).then(|| (HandleId(i as u32), ds, hd.queue.clone()))
            })
            .collect();
        for (h, ds, q) in subs {
            self.call(|s| s.subscribe(h, ProcId(p as u32), ds, q));
        }
    }

    fn new_handle(&mut self, sub: &Name, p: usize, stream: &Name, consumer: &Name, listener: Listener) -> HandleId {
        let h = HandleId(self.handles.len() as u32);
        self.handles.push(Handle {
            name: sub.clone(),
            proc: Some(p),
            consumer: None,
            stream: stream.clone(),
            consumer_name: consumer.clone(),
            queue: None,
            pull: false,
            listener,
            open: false,
            bind_error: None,
            latest: BTreeMap::new(),
        });
        self.handle_ids.insert(sub.clone(), h);
        self.server.labels.insert(h, (self.procs[p].client.clone(), sub.clone()));
        h
    }

    // ---- process lifecycle ------------------------------------------------------------

    fn end_handles(&mut self, p: usize) {
        for h in &mut self.handles {
            if h.proc == Some(p) {
                h.open = false;
            }
        }
    }

    fn close(&mut self, p: usize) {
        let pr = &mut self.procs[p];
        pr.state = State::Closed;
        let client = pr.client.clone();
        self.end_handles(p);
        self.emit(JsKind::ClientClosed { client, reason: "close" });
        self.call(|s| s.connection_closed(ProcId(p as u32)));
    }

    fn kill(&mut self, p: usize) {
        let pr = &mut self.procs[p];
        pr.state = State::Killed;
        pr.busy = None;
        pr.held.clear();
        let client = pr.client.clone();
        self.end_handles(p);
        self.emit(JsKind::Killed { client: client.clone() });
        self.emit(JsKind::ClientClosed { client, reason: "killed" });
        self.call(|s| s.connection_closed(ProcId(p as u32)));
    }

    fn pause(&mut self, p: usize, d: u64) {
        let now = self.now;
        let pr = &mut self.procs[p];
        let until = pr.paused_until.map_or(now + d, |u| u.max(now + d));
        let extra = until - pr.paused_until.unwrap_or(now).max(now);
        pr.paused_until = Some(until);
        pr.pause_gen += 1;
        let gen = pr.pause_gen;
        let client = pr.client.clone();
        if pr.busy.is_some() {
            pr.busy_gen += 1;
            let bg = pr.busy_gen;
            // The stopped process's CPU work stops too: it resumes `extra` later.
            let at = self.busy_until(p) + extra;
            self.push_event(at, Ev::LoopFree { p, gen: bg });
            self.busy_until.insert(p, at);
        }
        self.emit(JsKind::Paused { client });
        self.push_event(until, Ev::Continue { p, gen });
    }

    fn busy_until(&self, p: usize) -> SimTime {
        self.busy_until.get(&p).copied().unwrap_or(self.now)
    }

    fn continue_proc(&mut self, p: usize, gen: u64) {
        let pr = &mut self.procs[p];
        if pr.pause_gen != gen || pr.state == State::Killed {
            return;
        }
        pr.paused_until = None;
        let client = pr.client.clone();
        self.emit(JsKind::Continued { client });
        if self.procs[p].busy.is_some() && self.busy_until(p) <= self.now {
            let gen = self.procs[p].busy_gen;
            self.loop_free(p, gen);
        }
        self.drain_proc(p);
    }

    fn loop_free(&mut self, p: usize, gen: u64) {
        let pr = &mut self.procs[p];
        if pr.busy_gen != gen || pr.state == State::Killed || pr.paused_until.is_some() {
            return;
        }
        if let Some(w) = pr.busy.take() {
            self.work_done(p, w, true);
        }
        self.drain_proc(p);
    }

    fn drain_proc(&mut self, p: usize) {
        loop {
            let pr = &mut self.procs[p];
            if pr.state == State::Killed || pr.blocked() {
                return;
            }
            match pr.held.pop_front() {
                Some(Held::Msg(h, m)) => self.on_message(p, h, m),
                Some(Held::Ev(ev)) => self.exec_proc_event(p, ev),
                None => return,
            }
        }
    }

    fn socket(&mut self, p: usize, m: Held) {
        let pr = &mut self.procs[p];
        if pr.state != State::Running {
            return; // a dead or closed connection: nothing arrives
        }
        if pr.blocked() {
            pr.held.push_back(m);
        } else if let Held::Msg(h, msg) = m {
            self.on_message(p, h, msg);
        }
    }

    fn proc_event(&mut self, p: usize, ev: ProcEv) {
        let pr = &mut self.procs[p];
        if pr.state == State::Killed {
            return;
        }
        if pr.blocked() {
            pr.held.push_back(Held::Ev(ev));
        } else {
            self.exec_proc_event(p, ev);
        }
    }

    fn exec_proc_event(&mut self, p: usize, ev: ProcEv) {
        match ev {
            ProcEv::WorkDone(w) => self.work_done(p, w, false),
            ProcEv::Progress(w) => {
                let hd = &self.handles[w.handle.0 as usize];
                let current = hd.latest.get(&w.seq).is_some_and(|d| d.dseq == w.dseq && !d.done);
                if current && hd.open && self.procs[p].state == State::Running {
                    self.answer(w.handle, w.seq, Reply::InProgress);
                }
            }
            ProcEv::Action { idx, k } => self.app(p, idx, k),
            ProcEv::Reconnect(gen) => self.reconnect(p, gen),
        }
    }

    // ---- the listener -----------------------------------------------------------------

    /// A message reaches a handle's callback.
    fn on_message(&mut self, p: usize, h: HandleId, m: JsMsg) {
        let hd = &mut self.handles[h.0 as usize];
        if !hd.open || hd.proc != Some(p) {
            return;
        }
        hd.latest.insert(m.seq, Delivery { dseq: m.dseq, dc: m.dc, done: false });
        let l = hd.listener.clone();
        let by_seq = l.fail_seqs.contains(&m.seq) && (l.fail_times == 0 || m.dc <= l.fail_times);
        let by_rate = l.fail_rate > 0.0 && self.fail_rng.unit() < l.fail_rate;
        let w = Work { handle: h, seq: m.seq, dseq: m.dseq, dc: m.dc, ok: !(by_seq || by_rate) };
        match l.handler {
            Handler::Async => {
                if l.ack == AckMode::Auto {
                    self.answer(h, m.seq, Reply::Ack);
                }
                if l.ack == AckMode::Manual && l.progress_ms > 0 {
                    let mut t = self.now + l.progress_ms;
                    while t < self.now + l.process_ms {
                        self.push_event(t, Ev::Proc { p, ev: ProcEv::Progress(w.clone()) });
                        t += l.progress_ms;
                    }
                }
                if l.process_ms == 0 {
                    self.work_done(p, w, false);
                } else {
                    self.push_event(self.now + l.process_ms, Ev::Proc { p, ev: ProcEv::WorkDone(w) });
                }
            }
            Handler::Sync => {
                if l.process_ms == 0 {
                    self.work_done(p, w, true);
                } else {
                    let until = self.now + l.process_ms;
                    let pr = &mut self.procs[p];
                    pr.busy = Some(w);
                    pr.busy_gen += 1;
                    let gen = pr.busy_gen;
                    self.busy_until.insert(p, until);
                    self.push_event(until, Ev::LoopFree { p, gen });
                }
            }
        }
    }

    /// The work ends: `processed`, then what the listener sends.
    fn work_done(&mut self, p: usize, w: Work, sync: bool) {
        let at = self.at_of(w.handle);
        self.emit(JsKind::Processed { at, seq: w.seq, num_delivered: w.dc, ok: w.ok });
        let l = self.handles[w.handle.0 as usize].listener.clone();
        let still_this = self.handles[w.handle.0 as usize].latest.get(&w.seq).is_some_and(|d| d.dseq == w.dseq);
        if !still_this || self.procs[p].state != State::Running {
            return;
        }
        match l.ack {
            AckMode::Auto if sync && w.ok => self.answer(w.handle, w.seq, Reply::Ack),
            AckMode::Manual if w.ok => self.answer(w.handle, w.seq, Reply::Ack),
            AckMode::Manual => {
                if let Some(r) = l.on_fail {
                    self.answer(w.handle, w.seq, r);
                }
            }
            _ => {}
        }
    }

    /// Sends an answer to the handle's latest delivery of `seq` (nats.js drops a second
    /// final answer on the same message without sending it).
    fn answer(&mut self, h: HandleId, seq: u64, reply: Reply) {
        let hd = &mut self.handles[h.0 as usize];
        let Some(d) = hd.latest.get_mut(&seq) else { return };
        let fin = !matches!(reply, Reply::InProgress);
        if d.done {
            return;
        }
        if fin {
            d.done = true;
        }
        let (dseq, dc) = (d.dseq, d.dc);
        let Some(c) = hd.consumer else { return };
        let at = self.at_of(h);
        self.emit(JsKind::Answered { at, reply, seq, num_delivered: dc });
        // While the connection is down the answer goes into nats.js's buffer, which the new
        // connection drops: the listener sent it, the server never gets it.
        let offline = self.handles[h.0 as usize].proc.and_then(|p| self.procs.get(p)).is_some_and(|pr| pr.offline);
        if !offline {
            self.call(|s| s.ack(c, seq, dseq, dc, reply));
        }
    }
}
