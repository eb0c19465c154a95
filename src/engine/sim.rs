//! `Sim`: the virtual clock, the event queue ordered by `(time, class, order)`, the server
//! and the client processes, and the routing of messages between them. One seeded generator
//! per purpose; the same scenario always gives the same trace.
//!
//! Scripted actions at an instant run in array order before anything else due then. Messages
//! between server and clients take no time: they are handled, in FIFO order, right after
//! the step that sent them.
//!
//! # The two models and the router
//! - The **client model** (`client.rs`, `event_loop.rs`, `process.rs`, `app.rs`) is what
//!   node-nats-streaming does in the learner's process: processes alive, killed, paused or
//!   blocked, handlers and their processing time, acks, pings, the lab's applications. It
//!   reaches the server only through `Sim::server` (requests, answered synchronously) and
//!   hears from it only through the [`Effect`]s routed here (`Deliver`, `HbRequest`,
//!   `ConnectDone`).
//! - The **server model** (`broker/`, nats-streaming-server) never sees a process: it gets
//!   inputs stamped with `now` through an [`Fx`] and answers with effects (trace, log,
//!   timers to arm, messages to processes).
//! - **Sim** is the router: the clock, the one event queue, the run's history, and the
//!   routing of effects (a timer goes into the queue tagged with the server's epoch, a
//!   delivery to its process's socket).
//!
//! A second server model (nats-server JetStream) plugs in beside `broker/` as its own module
//! with the same shape — a state, request methods taking `&mut Fx`, its own timer type,
//! effects out. `Sim` then holds one of the two models (chosen by the scenario), `server`
//! hands the call to it, and the queue carries its timers; the STAN client rules stay as they
//! are, and nats.js's differences live in their own client module next to them.

use super::app::AppDb;
use super::broker::{Broker, Effect, Fx, ServerTimer};
use super::config::ServerConfig;
use super::history::{History, Mark};
use super::ids::{HandleId, Name, Nuid, ProcId};
use super::process::{HandleState, ProcState, ProcTimer, Process};
use super::rng::Rng;
use super::scenario::{Action, Scenario, Verb};
use super::seqmap::SeqMap;
use super::time::SimTime;
use super::trace::{TraceEvent, TraceKind};
use crate::engine::vecmap::{VecMap, VecSet};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

/// Running summaries of the trace that views need every frame, kept as events are appended
/// (so they survive [`Sim::take_trace`] and cost nothing to read).
#[derive(Clone, Debug, Default)]
pub struct TraceIndex {
    /// Messages dropped by limits (or channel deletion), per channel.
    pub dropped: VecMap<Name, usize>,
    /// The last error text each client got (cleared when it connects again).
    pub last_error: VecMap<Name, Name>,
    /// The channels each client published on.
    pub published: VecMap<Name, VecSet<Name>>,
    /// Time of each client's last heartbeat outcome.
    pub last_heartbeat: VecMap<Name, SimTime>,
}

impl TraceIndex {
    fn note(&mut self, t: SimTime, k: &TraceKind) {
        match k {
            TraceKind::MsgDropped { channel, .. } => *self.dropped.entry(channel.clone()).or_insert(0) += 1,
            TraceKind::ConnectFailed { client, error }
            | TraceKind::PublishFailed { client, error, .. }
            | TraceKind::SubscribeFailed { client, error, .. }
            | TraceKind::ConnectionLost { client, error } => {
                self.last_error.insert(client.clone(), error.clone());
            }
            TraceKind::Connected { client, .. } => {
                self.last_error.remove(client);
            }
            TraceKind::Published { client, channel, .. } => {
                // Looked up by reference: no name is cloned for a pair already known.
                match self.published.get_mut(&**client) {
                    Some(chs) if chs.contains(&**channel) => {}
                    Some(chs) => {
                        chs.insert(channel.clone());
                    }
                    None => {
                        self.published.entry(client.clone()).or_default().insert(channel.clone());
                    }
                }
            }
            TraceKind::Heartbeat { client, .. } => {
                self.last_heartbeat.insert(client.clone(), t);
            }
            _ => {}
        }
    }
}

/// Bounds that keep any run finite; a run past them stops with [`RunError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLimits {
    /// Most trace events kept.
    pub max_trace: usize,
    /// Most queue events processed.
    pub max_steps: u64,
}

impl RunLimits {
    /// The run's error once `emitted` trace events or `steps` queue events pass the limits.
    pub fn check(&self, emitted: u64, steps: u64, at: SimTime) -> Result<(), RunError> {
        if emitted > self.max_trace as u64 {
            return Err(RunError { at, message: format!("more than {} trace events", self.max_trace) });
        }
        if steps > self.max_steps {
            return Err(RunError { at, message: format!("more than {} simulation steps", self.max_steps) });
        }
        Ok(())
    }
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits { max_trace: 20_000_000, max_steps: 200_000_000 }
    }
}

/// Why a run stopped early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    /// Virtual time reached.
    pub at: SimTime,
    /// What limit was hit.
    pub message: String,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "run too large: {} (stopped at t={} ms)", self.message, self.at)
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Event {
    Action { idx: usize, k: u64 },
    Server { epoch: u32, timer: ServerTimer },
    ProcTimer { proc: ProcId, timer: ProcTimer },
    LoopFree { proc: ProcId, gen: u64 },
    Continue { proc: ProcId, gen: u64 },
}

type Entry = super::queue::Entry<Event>;

/// The whole simulated system: server, clients, clock and trace.
#[derive(Clone, Debug)]
pub struct Sim {
    pub(crate) scenario: Scenario,
    pub(crate) now: SimTime,
    queue: BinaryHeap<Reverse<Entry>>,
    counter: u64,
    pub(crate) broker: Broker,
    pub(crate) epoch: u32,
    pub(crate) fx: Fx,
    pub(crate) pending: VecDeque<Effect>,
    /// How many of `pending` are trace events (0 between events).
    queued_traces: u64,
    pub(crate) procs: Vec<Process>,
    pub(crate) current: VecMap<Name, ProcId>,
    pub(crate) handles: Vec<HandleState>,
    pub(crate) handle_ids: VecMap<Name, HandleId>,
    /// For each process, the client id's process before it (newest first, a chain).
    pub(crate) prev_of: VecMap<ProcId, ProcId>,
    history: History,
    /// How much of `history` this state has produced; the rest is the known future of the
    /// same run (after a seek back), which replaying reproduces event for event.
    seen: Mark,
    pub(crate) fail_rng: Rng,
    pub(crate) jitter_rng: Rng,
    ids_rng: Rng,
    pub(crate) next_pub_id: u64,
    steps: u64,
    emitted: u64,
    index: TraceIndex,
    limits: RunLimits,
    pub(crate) apps: AppDb,
}

impl Sim {
    /// A simulator at time 0 with the scenario's actions scheduled.
    pub fn new(scenario: Scenario) -> Sim {
        let seed = scenario.seed;
        let mut ids_rng = Rng::new(seed, 3);
        let broker = Broker::new(scenario.server.clone(), 0, Nuid::new(Rng::new(ids_rng.next_u64(), 0)), 0);
        let mut sim = Sim {
            scenario: Scenario { actions: Vec::new(), ..scenario.clone() },
            now: 0,
            queue: BinaryHeap::new(),
            counter: 0,
            broker,
            epoch: 0,
            fx: Fx::default(),
            pending: VecDeque::new(),
            queued_traces: 0,
            procs: Vec::new(),
            current: VecMap::new(),
            handles: Vec::new(),
            handle_ids: VecMap::new(),
            prev_of: VecMap::new(),
            history: History::default(),
            seen: Mark::default(),
            fail_rng: Rng::new(seed, 1),
            jitter_rng: Rng::new(seed, 2),
            ids_rng,
            next_pub_id: 1,
            steps: 0,
            emitted: 0,
            index: TraceIndex::default(),
            limits: RunLimits::default(),
            apps: AppDb::default(),
        };
        for a in scenario.actions {
            sim.schedule_action(a);
        }
        sim
    }

    /// Parses, validates and loads a scenario.
    pub fn from_json(text: &str) -> Result<Sim, super::scenario::ScenarioError> {
        Scenario::parse(text).map(Sim::new)
    }

    /// Replaces the run limits.
    pub fn set_limits(&mut self, limits: RunLimits) {
        self.limits = limits;
    }

    /// Replaces the scripted actions dated after `from` (this simulator's time) with those of
    /// `actions`, which must equal the current list up to `from`; both in time order. Used to
    /// fork a run.
    pub fn replace_future_actions(&mut self, actions: &[Action], from: SimTime) {
        debug_assert!(self.now <= from);
        let keep = self.scenario.actions.iter().take_while(|a| a.at_ms <= from).count();
        let old: Vec<Entry> = std::mem::take(&mut self.queue).into_vec().into_iter().map(|Reverse(e)| e).collect();
        for e in old {
            let future = matches!(e.ev, Event::Action { idx, k: 0 } if self.scenario.actions[idx].at_ms > from);
            if !future {
                self.queue.push(Reverse(e));
            }
        }
        self.scenario.actions.truncate(keep);
        for a in actions.iter().skip(keep) {
            self.schedule_action(a.clone());
        }
    }

    /// Adds an action (for example a gesture in the page) and schedules it; an action dated
    /// in the past runs at the current time. Returns its index.
    pub fn push_action(&mut self, mut a: Action) -> usize {
        a.at_ms = a.at_ms.max(self.now);
        self.schedule_action(a)
    }

    fn schedule_action(&mut self, a: Action) -> usize {
        let idx = self.scenario.actions.len();
        if let Verb::Subscribe(s) = &a.verb {
            self.register_handle(s, idx);
        }
        let at = a.at_ms;
        let runs = !matches!(a.verb, Verb::Publish { count: 0, .. });
        self.scenario.actions.push(a);
        if runs {
            self.push_scripted(at, idx, 0);
        }
        idx
    }

    /// Schedules repetition `k` of scripted action `idx`: before internal events of the same
    /// instant, in action order.
    pub(crate) fn push_scripted(&mut self, at: SimTime, idx: usize, k: u64) {
        self.push_at(at, 0, idx as u64, k, Event::Action { idx, k });
    }

    fn register_handle(&mut self, s: &super::scenario::SubscribeSpec, action: usize) {
        if let Some(id) = self.handle_ids.get(&s.sub) {
            // Rescheduled after a fork: its subscribe may sit at another index now.
            if let Some(h) = self.handles.get_mut(id.0 as usize) {
                h.action = action;
            }
            return;
        }
        let id = HandleId(self.handles.len() as u32);
        self.handle_ids.insert(s.sub.clone(), id);
        self.handles.push(HandleState {
            name: s.sub.clone(),
            proc: None,
            server: None,
            channel: s.channel.clone(),
            manual_ack: s.manual_ack,
            behaviour: s.behaviour.clone(),
            fail_counts: SeqMap::new(),
            open: false,
            action,
        });
    }

    /// The `subscribe` action that defines handle `name` (found through the handle's index,
    /// checked, so a render does not scan the actions).
    pub fn subscribe_spec(&self, name: &str) -> Option<&super::scenario::SubscribeSpec> {
        let h = self.handles.get(self.handle_ids.get(name)?.0 as usize)?;
        match self.scenario.actions.get(h.action).map(|a| &a.verb) {
            Some(Verb::Subscribe(s)) if *s.sub == *name => Some(s),
            // Its action was dropped by a fork: look it up the slow way (or it is gone).
            _ => self.scenario.actions.iter().find_map(|a| match &a.verb {
                Verb::Subscribe(s) if *s.sub == *name => Some(s),
                _ => None,
            }),
        }
    }

    fn push_at(&mut self, at: SimTime, class: u8, a: u64, b: u64, ev: Event) {
        self.queue.push(Reverse(Entry { key: (at, class, a, b), ev }));
    }

    /// Schedules an internal event (after all scripted actions of that instant, FIFO).
    pub(crate) fn push_event(&mut self, at: SimTime, ev: Event) {
        self.counter += 1;
        let c = self.counter;
        self.push_at(at, 1, c, 0, ev);
    }

    pub(crate) fn push_proc_timer(&mut self, at: SimTime, proc: ProcId, timer: ProcTimer) {
        self.push_event(at, Event::ProcTimer { proc, timer });
    }

    /// Current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// The scenario being run, with every action added so far.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    /// The concurrency lab's databases as they are now.
    pub fn apps(&self) -> &AppDb {
        &self.apps
    }
    /// The trace so far.
    pub fn trace(&self) -> &[TraceEvent] {
        &self.history.trace[..self.seen.trace]
    }
    /// Running summaries of the whole trace (drops, last errors, publishers, heartbeats).
    pub fn index(&self) -> &TraceIndex {
        &self.index
    }

    /// Queue events processed since the start.
    pub fn steps(&self) -> u64 {
        self.steps
    }
    /// Trace events emitted since the start (including those taken).
    pub fn emitted(&self) -> u64 {
        self.emitted
    }

    /// Takes the trace collected so far (to stream it), leaving it empty.
    pub fn take_trace(&mut self) -> Vec<TraceEvent> {
        self.forget_future();
        self.seen.trace = 0;
        std::mem::take(&mut self.history.trace)
    }
    /// The server's `-SD` log lines so far, with their times.
    pub fn server_log(&self) -> &[(SimTime, String)] {
        &self.history.log[..self.seen.log]
    }
    /// The run's history (trace and log).
    pub fn history(&self) -> &History {
        &self.history
    }
    pub(crate) fn history_mut(&mut self) -> &mut History {
        &mut self.history
    }
    /// How much of the history this state has produced.
    pub fn seen(&self) -> Mark {
        self.seen
    }
    /// Drops the known future after this state (before the run forks).
    pub fn forget_future(&mut self) {
        self.history.truncate(self.seen);
    }
    /// The current server incarnation.
    pub fn broker(&self) -> &Broker {
        &self.broker
    }
    /// Client processes, in creation order.
    pub fn processes(&self) -> &[Process] {
        &self.procs
    }
    /// The current process of a client id.
    pub fn process_of(&self, client: &str) -> Option<&Process> {
        self.current.get(client).map(|p| &self.procs[p.0 as usize])
    }
    /// The process a client id's node stands for: its newest process that is still
    /// running or connecting, or else its newest. Differs from [`Sim::process_of`] only when
    /// a second process with the id was refused while an older one runs.
    pub fn live_process_of(&self, client: &str) -> Option<&Process> {
        self.live_or_newest(client).map(|p| &self.procs[p.0 as usize])
    }
    pub(crate) fn live_or_newest(&self, client: &str) -> Option<ProcId> {
        let newest = *self.current.get(client)?;
        let mut p = newest;
        while !self.procs[p.0 as usize].alive() {
            match self.prev_of.get(&p) {
                Some(&prev) => p = prev,
                None => return Some(newest),
            }
        }
        Some(p)
    }
    /// Subscription handles.
    pub fn handles(&self) -> &[HandleState] {
        &self.handles
    }
    /// Time of the next queued event.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek().map(|Reverse(e)| e.key.0)
    }

    /// The run has settled: all that is ahead is the heartbeats of healthy clients and
    /// their pings (and timers that will find nothing to do) — no scripted action, message
    /// in flight, ack wait, handler, zombie, pause, reconnect or limit timer. Playing on
    /// would only repeat heartbeats, so the page stops its clock here.
    pub fn settled(&self) -> bool {
        if !self.pending.is_empty() {
            return false;
        }
        let healthy = |p: ProcId| {
            let pr = &self.procs[p.0 as usize];
            pr.state == ProcState::Running
                && pr.nats_up
                && !pr.loop_blocked()
                && pr.held_socket.is_empty()
                && pr.held_timers.is_empty()
                && pr.outbox.is_empty()
                && pr.stale_pubs.is_empty()
        };
        self.queue.iter().all(|Reverse(e)| match &e.ev {
            Event::Server { epoch, timer } => {
                *epoch != self.epoch
                    || match timer {
                        ServerTimer::Heartbeat { client, gen } => {
                            self.broker.clients().get(client).is_none_or(|c| c.hb_gen != *gen || (c.fhb == 0 && healthy(c.proc)))
                        }
                        ServerTimer::RequestTimeout { req } => !self.broker.request_pending(*req),
                        _ => false,
                    }
            }
            Event::ProcTimer { proc, timer } => !self.procs[proc.0 as usize].alive() || (matches!(timer, ProcTimer::Ping { .. }) && healthy(*proc)),
            _ => false,
        })
    }

    /// Runs the scenario to its `until_ms`.
    pub fn run(&mut self) -> Result<(), RunError> {
        self.run_until(self.scenario.until_ms)
    }

    /// The run limits.
    pub fn limits(&self) -> RunLimits {
        self.limits
    }

    /// Processes everything due at or before `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: SimTime) -> Result<(), RunError> {
        self.run_until_or(t, u64::MAX).map(|_| ())
    }

    /// Like [`Sim::run_until`], but stops at the end of an instant once `budget` trace
    /// events were emitted by this call: the clock then stays at that instant (everything
    /// due then is done) and `Ok(false)` says `t` was not reached. Running on later gives
    /// the very same trace as one call.
    pub fn run_until_or(&mut self, t: SimTime, budget: u64) -> Result<bool, RunError> {
        let start = self.emitted;
        while self.queue.peek().is_some_and(|Reverse(e)| e.key.0 <= t) {
            if self.emitted - start >= budget && self.queue.peek().is_some_and(|Reverse(e)| e.key.0 > self.now) {
                return Ok(false);
            }
            let Reverse(e) = self.queue.pop().expect("peeked");
            self.now = e.key.0;
            self.dispatch(e.ev);
            self.drain_effects();
            self.steps += 1;
            self.limits.check(self.emitted, self.steps, self.now)?;
        }
        self.now = self.now.max(t);
        Ok(true)
    }

    /// Processes every event of the next instant that has any; returns that instant.
    pub fn step(&mut self) -> Result<Option<SimTime>, RunError> {
        match self.next_event_time() {
            Some(t) => self.run_until(t).map(|_| Some(t)),
            None => Ok(None),
        }
    }

    fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::Action { idx, k } => self.run_action(idx, k),
            Event::Server { epoch, timer } => {
                if epoch == self.epoch {
                    self.server(|b, fx| b.timer(fx, timer));
                }
            }
            Event::ProcTimer { proc, timer } => self.proc_timer(proc, timer),
            Event::LoopFree { proc, gen } => self.loop_free(proc, gen),
            Event::Continue { proc, gen } => self.continue_proc(proc, gen),
        }
    }

    /// The one gate into the server model: every request of the client model (connect,
    /// publish, subscribe, unsubscribe, close, ack, ping, a heartbeat answer) and every server
    /// timer goes through here, stamped with the clock, and what the server produced joins
    /// the FIFO of pending effects. Returns the server's synchronous answer.
    pub(crate) fn server<R>(&mut self, call: impl FnOnce(&mut Broker, &mut Fx) -> R) -> R {
        self.fx.now = self.now;
        let r = call(&mut self.broker, &mut self.fx);
        self.flush();
        r
    }

    /// Moves what the broker produced into the FIFO of pending effects.
    pub(crate) fn flush(&mut self) {
        self.queued_traces += std::mem::take(&mut self.fx.traces);
        self.pending.extend(self.fx.out.drain(..));
    }

    /// Records a trace event (in FIFO order with the server's).
    pub(crate) fn emit(&mut self, kind: TraceKind) {
        self.queued_traces += 1;
        self.pending.push_back(Effect::Trace(kind));
    }

    /// The trace, with what is queued, is past the run's limit: one event that makes many
    /// (a burst) stops early, and the run then stops with the limit's error.
    pub(crate) fn past_trace_limit(&self) -> bool {
        self.emitted + self.queued_traces > self.limits.max_trace as u64
    }

    /// Applies pending effects until none are left (handling one may add more).
    fn drain_effects(&mut self) {
        while let Some(e) = self.pending.pop_front() {
            match e {
                Effect::Trace(kind) => {
                    self.emitted += 1;
                    self.queued_traces -= 1;
                    self.index.note(self.now, &kind);
                    self.record(TraceEvent { t: self.now, kind });
                }
                Effect::Log(line) => {
                    if self.seen.log == self.history.log.len() {
                        self.history.log.push((self.now, line));
                    }
                    self.seen.log += 1;
                }
                Effect::Timer(at, timer) => self.push_event(at, Event::Server { epoch: self.epoch, timer }),
                Effect::Deliver(p, d) => self.socket(p, super::process::SocketMsg::Deliver(d)),
                Effect::HbRequest { proc, req } => self.route_hb_request(proc, req),
                Effect::ConnectDone { proc, result } => self.connect_done(proc, result),
            }
        }
    }

    /// Appends a trace event, or, replaying the known future, steps over the same one.
    fn record(&mut self, ev: TraceEvent) {
        let i = self.seen.trace;
        if i == self.history.trace.len() {
            let t = &mut self.history.trace;
            // Grow by half, not double: the trace is the run's largest allocation, and wasm
            // memory keeps its peak (old + new buffer during the copy) for good.
            if t.len() == t.capacity() {
                t.reserve_exact((t.len() / 2).max(1024));
            }
            t.push(ev);
        } else {
            debug_assert_eq!(self.history.trace[i], ev, "a replay diverged from the history at event {i}");
        }
        self.seen.trace += 1;
    }

    /// A request to a heartbeat inbox: answered at once by a running loop, held by a
    /// stopped or blocked one, failed at once for a dead connection on ≥0.22 ("no
    /// responders"), else left to time out.
    fn route_hb_request(&mut self, proc: ProcId, req: u64) {
        let p = &self.procs[proc.0 as usize];
        let answer = match p.state {
            ProcState::Killed | ProcState::Closed => self.scenario.server.version.no_responders().then_some(false),
            _ if p.loop_blocked() => {
                self.procs[proc.0 as usize].held_socket.push_back(super::process::SocketMsg::HbRequest(req));
                None
            }
            _ => Some(true),
        };
        if let Some(ok) = answer {
            self.server(|b, fx| b.hb_result(fx, req, ok));
        }
    }

    /// The memory-store server restarts: all state is lost; clients' NATS connections drop
    /// and come back after node-nats' 2 s reconnect wait (+ up to 100 ms jitter).
    pub(crate) fn restart_server(&mut self) {
        self.epoch += 1;
        let base = self.broker.next_sub_id().0;
        let cfg: ServerConfig = self.scenario.server.clone();
        let nuid = Nuid::new(Rng::new(self.ids_rng.next_u64(), 0));
        self.broker = Broker::new(cfg, self.now, nuid, base);
        self.emit(TraceKind::ServerRestarted);
        for i in 0..self.procs.len() {
            let p = &mut self.procs[i];
            if !p.alive() || !p.nats_up {
                continue;
            }
            p.nats_up = false;
            let (id, client, connecting) = (p.id, p.client.clone(), p.state == ProcState::Connecting);
            self.emit(TraceKind::Disconnected { client });
            let at = self.now + 2000 + self.jitter_rng.below(101);
            self.push_proc_timer(at, id, ProcTimer::Reconnect);
            if connecting {
                self.push_proc_timer(self.now + 2000, id, ProcTimer::ConnectTimeout);
            }
        }
    }

    /// A new NUID generator for a process.
    pub(crate) fn new_nuid(&mut self) -> Nuid {
        Nuid::new(Rng::new(self.ids_rng.next_u64(), 0))
    }
}
