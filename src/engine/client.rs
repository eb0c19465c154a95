//! What client processes do: scripted actions routed to them, stan.js's connect, publish,
//! subscribe, close and ping loop, and the listener application (async or sync handler,
//! auto or manual ack, processing time, failures). The event loop is single-threaded: while
//! a sync handler runs or the process is stopped, socket messages and timers wait, then run
//! in order (socket first).

use super::broker::{ConnectOutcome, Delivery, SubRequest};
use super::errors as e;
use super::ids::{HandleId, Name, ProcId};
use super::process::{Outgoing, ProcState, ProcTimer, Process, SocketMsg, StalePub, Work};
use super::scenario::{Handler, Verb};
use super::sim::{Event, Sim};
use super::trace::TraceKind;
use std::collections::VecDeque;
use std::sync::Arc;

impl Sim {
    fn action_failed(&mut self, index: usize, error: impl Into<Name>) {
        self.emit(TraceKind::ActionFailed { index, error: error.into() });
    }

    fn proc(&mut self, p: ProcId) -> &mut Process {
        &mut self.procs[p.0 as usize]
    }

    /// A scripted action is due.
    pub(crate) fn run_action(&mut self, idx: usize, k: u64) {
        let verb = self.scenario.actions[idx].verb.clone();
        if let Verb::Publish { count, every_ms, .. } = &verb {
            if k + 1 < *count {
                let at = self.scenario.actions[idx].at_ms + (k + 1) * every_ms;
                self.push_scripted(at, idx, k + 1);
            }
        }
        match verb {
            Verb::Connect { .. } => self.connect(idx),
            Verb::RestartServer => self.restart_server(),
            Verb::Behave { sub, patch } => {
                if let Some(&h) = self.handle_ids.get(&sub) {
                    patch.apply(&mut self.handles[h.0 as usize].behaviour);
                }
            }
            Verb::Kill { client } => {
                if let Some(p) = self.signal_target(idx, &client) {
                    self.kill(p);
                }
            }
            Verb::Pause { client, duration_ms } => {
                if let Some(p) = self.signal_target(idx, &client) {
                    self.pause(p, duration_ms);
                }
            }
            Verb::Publish { client, .. } | Verb::Close { client } | Verb::Subscribe(super::scenario::SubscribeSpec { client, .. }) => {
                match self.current.get(&client) {
                    Some(&p) => self.route_app(p, idx, k),
                    None => self.action_failed(idx, format!("client {client:?} has not connected")),
                }
            }
            Verb::Unsubscribe { sub } | Verb::CloseSub { sub } => {
                let h = self.handle_ids[&sub];
                match self.handles[h.0 as usize].proc {
                    Some(p) => self.route_app(p, idx, k),
                    None => self.action_failed(idx, format!("subscription {sub:?} has not subscribed")),
                }
            }
        }
    }

    /// The process a signal (kill, pause) goes to, if it is alive.
    fn signal_target(&mut self, idx: usize, client: &Name) -> Option<ProcId> {
        match self.current.get(client).copied() {
            None => {
                self.action_failed(idx, format!("client {client:?} has not connected"));
                None
            }
            Some(p) if !self.procs[p.0 as usize].alive() => {
                let why = if self.procs[p.0 as usize].state == ProcState::Killed { "killed" } else { "closed" };
                self.action_failed(idx, format!("client {client:?} is not running ({why})"));
                None
            }
            Some(p) => Some(p),
        }
    }

    /// Application code of process `p`: runs now, or waits for the connect, or for the
    /// event loop.
    fn route_app(&mut self, p: ProcId, idx: usize, k: u64) {
        let pr = &mut self.procs[p.0 as usize];
        match pr.state {
            ProcState::Connecting => pr.waiting_connect.push((idx, k)),
            ProcState::Killed => {
                let c = pr.client.clone();
                self.action_failed(idx, format!("client {c:?} is not running (killed)"));
            }
            _ if pr.loop_blocked() => pr.held_timers.push_back(ProcTimer::Action { idx, k }),
            _ => self.exec_app(p, idx, k),
        }
    }

    /// Runs application code on a free event loop.
    fn exec_app(&mut self, p: ProcId, idx: usize, k: u64) {
        let verb = self.scenario.actions[idx].verb.clone();
        let pr = &mut self.procs[p.0 as usize];
        if pr.state == ProcState::Running && !pr.nats_up {
            pr.outbox.push_back(Outgoing::Action(idx, k));
            return;
        }
        let closed = pr.state != ProcState::Running;
        let client = pr.client.clone();
        match verb {
            Verb::Publish { channel, data, .. } => {
                if closed {
                    self.emit(TraceKind::PublishFailed { client, channel, error: e::CONN_CLOSED.into() });
                } else {
                    self.client_publish(p, channel, data);
                }
            }
            Verb::Subscribe(spec) => {
                let h = self.handle_ids[&spec.sub];
                if spec.channel.is_empty() {
                    self.emit(TraceKind::SubscribeFailed { client, sub: spec.sub, channel: spec.channel, error: e::SUBJECT_MISSING.into() });
                } else if closed {
                    self.emit(TraceKind::SubscribeFailed { client, sub: spec.sub, channel: spec.channel, error: e::CONN_CLOSED.into() });
                } else if spec.ack_wait_ms % 1000 != 0 {
                    // google-protobuf rejects a non-integer ackWaitInSecs, synchronously.
                    self.emit(TraceKind::SubscribeFailed { client, sub: spec.sub, channel: spec.channel, error: e::ASSERTION_FAILED.into() });
                } else {
                    self.client_subscribe(p, h, &spec);
                }
            }
            Verb::Unsubscribe { sub } | Verb::CloseSub { sub } => {
                let close = matches!(self.scenario.actions[idx].verb, Verb::CloseSub { .. });
                if closed {
                    self.action_failed(idx, e::CONN_CLOSED);
                } else {
                    self.client_unsubscribe(p, idx, &sub, close);
                }
            }
            Verb::Close { .. } => {
                if !closed {
                    self.client_close(p, idx);
                }
            }
            _ => unreachable!("not application code"),
        }
    }

    fn connect(&mut self, idx: usize) {
        let Verb::Connect { client, ping_interval_ms, ping_max_out, cluster_id } = self.scenario.actions[idx].verb.clone() else { unreachable!() };
        if client.is_empty() {
            self.emit(TraceKind::ConnectFailed { client, error: e::CLIENT_ID_MISSING.into() });
            return;
        }
        let id = ProcId(self.procs.len() as u32);
        let mut nuid = self.new_nuid();
        let hb_inbox = nuid.inbox();
        self.procs.push(Process {
            id,
            client: client.clone(),
            state: ProcState::Connecting,
            epoch: self.epoch,
            nats_up: true,
            nuid,
            hb_inbox: hb_inbox.clone(),
            ping_interval_ms: ping_interval_ms.div_ceil(1000) * 1000,
            ping_max_out,
            ping_out: 0,
            ping_gen: 0,
            paused_until: None,
            pause_gen: 0,
            busy: None,
            busy_until: 0,
            busy_gen: 0,
            held_socket: VecDeque::new(),
            held_timers: VecDeque::new(),
            waiting_connect: Vec::new(),
            outbox: VecDeque::new(),
            stale_pubs: Vec::new(),
        });
        let prev = self.current.insert(client.clone(), id);
        if let Some(prev) = prev {
            self.prev_of.insert(id, prev);
        }
        if cluster_id.is_some_and(|c| c != self.scenario.server.cluster_id) {
            // Nobody serves `_STAN.discover.<wrong id>`: stan.js times out after 2 s.
            self.push_proc_timer(self.now + 2000, id, ProcTimer::ConnectTimeout);
            return;
        }
        self.fx.now = self.now;
        let outcome = self.broker.connect(&mut self.fx, id, &client, hb_inbox);
        self.flush();
        match outcome {
            ConnectOutcome::Connected => self.connected(id),
            ConnectOutcome::Refused(err) => self.connect_failed(id, err),
            ConnectOutcome::Checking => {}
        }
    }

    pub(crate) fn connect_done(&mut self, p: ProcId, result: Result<(), Name>) {
        match result {
            Ok(()) => self.connected(p),
            Err(err) => self.connect_failed(p, err),
        }
    }

    fn connected(&mut self, p: ProcId) {
        let epoch = self.epoch;
        let now = self.now;
        let pr = self.proc(p);
        if pr.state != ProcState::Connecting {
            return; // killed while connecting: the server registered a dead client
        }
        pr.state = ProcState::Running;
        pr.epoch = epoch;
        let waiting = std::mem::take(&mut pr.waiting_connect);
        if pr.ping_interval_ms > 0 {
            let (at, gen) = (now + pr.ping_interval_ms, pr.ping_gen);
            self.push_proc_timer(at, p, ProcTimer::Ping { gen });
        }
        for (idx, k) in waiting {
            self.route_app(p, idx, k);
        }
    }

    fn connect_failed(&mut self, p: ProcId, err: Name) {
        let pr = self.proc(p);
        if pr.state != ProcState::Connecting {
            return;
        }
        pr.state = ProcState::Closed;
        let client = pr.client.clone();
        let waiting = std::mem::take(&mut pr.waiting_connect);
        self.emit(TraceKind::ConnectFailed { client: client.clone(), error: err });
        if let Some(prev) = self.prev_of.get(&p).copied() {
            if self.procs[prev.0 as usize].alive() && self.current.get(&client) == Some(&p) {
                self.current.insert(client, prev);
            }
        }
        for (idx, k) in waiting {
            self.exec_app(p, idx, k);
        }
    }

    /// A message reaches process `p`'s socket.
    pub(crate) fn socket(&mut self, p: ProcId, m: SocketMsg) {
        let pr = self.proc(p);
        if !pr.alive() {
            return; // a dead process: the message is lost
        }
        if pr.loop_blocked() {
            pr.held_socket.push_back(m);
        } else {
            self.exec_socket(p, m);
        }
    }

    fn exec_socket(&mut self, p: ProcId, m: SocketMsg) {
        match m {
            SocketMsg::Deliver(d) => self.deliver(p, d),
            SocketMsg::HbRequest(req) => {
                self.fx.now = self.now;
                self.broker.hb_result(&mut self.fx, req, true);
                self.flush();
            }
        }
    }

    /// A client timer is due.
    pub(crate) fn proc_timer(&mut self, p: ProcId, t: ProcTimer) {
        let pr = self.proc(p);
        let connecting_timeout = matches!(t, ProcTimer::ConnectTimeout) && pr.state == ProcState::Connecting;
        if !pr.alive() {
            return;
        }
        if pr.loop_blocked() && !connecting_timeout {
            pr.held_timers.push_back(t);
        } else {
            self.exec_timer(p, t);
        }
    }

    fn exec_timer(&mut self, p: ProcId, t: ProcTimer) {
        match t {
            ProcTimer::Ping { gen } => self.ping_tick(p, gen),
            ProcTimer::WorkDone(w) => self.work_done(p, w, false),
            ProcTimer::Reconnect => self.reconnect(p),
            ProcTimer::PubAckTimeout { id } => {
                let pr = self.proc(p);
                if let Some(i) = pr.stale_pubs.iter().position(|s| s.id == id) {
                    let s = pr.stale_pubs.remove(i);
                    let client = pr.client.clone();
                    self.emit(TraceKind::PublishFailed { client, channel: s.channel, error: e::PUB_ACK_TIMEOUT.into() });
                }
            }
            ProcTimer::SubTimeout { handle } => {
                let h = &self.handles[handle.0 as usize];
                if h.proc == Some(p) && h.server.is_none() && h.open {
                    let (sub, channel) = (h.name.clone(), h.channel.clone());
                    self.handles[handle.0 as usize].open = false;
                    let client = self.procs[p.0 as usize].client.clone();
                    self.emit(TraceKind::SubscribeFailed { client, sub, channel, error: e::SUB_TIMEOUT.into() });
                }
            }
            ProcTimer::ConnectTimeout => {
                if self.procs[p.0 as usize].state == ProcState::Connecting {
                    self.connect_failed(p, e::CONNECT_TIMEOUT.into());
                }
            }
            ProcTimer::Action { idx, k } => self.exec_app(p, idx, k),
        }
    }

    /// Runs what waited while the loop was blocked: socket messages first, then overdue
    /// timers, until the loop blocks again.
    fn drain_proc(&mut self, p: ProcId) {
        loop {
            let pr = self.proc(p);
            if !pr.alive() || pr.loop_blocked() {
                return;
            }
            if let Some(m) = pr.held_socket.pop_front() {
                self.exec_socket(p, m);
            } else if let Some(t) = pr.held_timers.pop_front() {
                self.exec_timer(p, t);
            } else {
                return;
            }
        }
    }

    pub(crate) fn loop_free(&mut self, p: ProcId, gen: u64) {
        let pr = self.proc(p);
        if pr.busy_gen != gen || !pr.alive() || pr.paused_until.is_some() {
            return;
        }
        if let Some(w) = pr.busy.take() {
            self.work_done(p, w, true);
        }
        self.drain_proc(p);
    }

    pub(crate) fn continue_proc(&mut self, p: ProcId, gen: u64) {
        let pr = self.proc(p);
        if pr.pause_gen != gen || !pr.alive() {
            return;
        }
        pr.paused_until = None;
        let client = pr.client.clone();
        self.emit(TraceKind::Continued { client });
        let now = self.now;
        let pr = self.proc(p);
        if pr.busy.is_some() && pr.busy_until <= now {
            let gen = pr.busy_gen;
            self.loop_free(p, gen);
        }
        self.drain_proc(p);
    }

    fn kill(&mut self, p: ProcId) {
        let pr = self.proc(p);
        pr.state = ProcState::Killed;
        pr.busy = None;
        pr.held_socket.clear();
        pr.held_timers.clear();
        pr.outbox.clear();
        pr.stale_pubs.clear();
        let client = pr.client.clone();
        self.emit(TraceKind::Killed { client });
    }

    fn pause(&mut self, p: ProcId, d: u64) {
        let now = self.now;
        let pr = self.proc(p);
        let until = pr.paused_until.map_or(now + d, |u| u.max(now + d));
        let extra = until - pr.paused_until.unwrap_or(now).max(now);
        pr.paused_until = Some(until);
        pr.pause_gen += 1;
        let gen = pr.pause_gen;
        let client = pr.client.clone();
        if pr.busy.is_some() {
            // The stopped process's CPU work stops too.
            pr.busy_until += extra;
            pr.busy_gen += 1;
            let (at, bg) = (pr.busy_until, pr.busy_gen);
            self.push_event(at, Event::LoopFree { proc: p, gen: bg });
        }
        self.emit(TraceKind::Paused { client });
        self.push_event(until, Event::Continue { proc: p, gen });
    }

    /// A message reaches a subscription's handler.
    fn deliver(&mut self, p: ProcId, d: Delivery) {
        let h = &self.handles[d.handle.0 as usize];
        if !h.open || h.proc != Some(p) || h.server.is_none_or(|a| a.sub != d.sub) {
            return; // stan.js drops messages for subscriptions it no longer has
        }
        let (manual, handler, process_ms) = (h.manual_ack, h.behaviour.handler, h.behaviour.process_ms);
        let ok = !self.decide_failure(d.handle, d.seq);
        let w = Work { handle: d.handle, sub: d.sub, ack_gen: d.ack_gen, channel: d.channel, seq: d.seq, ok };
        match handler {
            Handler::Async => {
                if !manual {
                    // stan.js acks as soon as the 'message' listeners return.
                    self.client_ack(p, &w);
                }
                if process_ms == 0 {
                    self.work_done(p, w, false);
                } else {
                    self.push_proc_timer(self.now + process_ms, p, ProcTimer::WorkDone(w));
                }
            }
            Handler::Sync => {
                if process_ms == 0 {
                    self.work_done(p, w, true);
                } else {
                    let until = self.now + process_ms;
                    let pr = self.proc(p);
                    pr.busy = Some(w);
                    pr.busy_until = until;
                    pr.busy_gen += 1;
                    let gen = pr.busy_gen;
                    self.push_event(until, Event::LoopFree { proc: p, gen });
                }
            }
        }
    }

    /// Fails if the seq is in `fail_seqs` and has failed fewer than `fail_times` times, or
    /// with probability `fail_rate`.
    fn decide_failure(&mut self, handle: HandleId, seq: u64) -> bool {
        let h = &self.handles[handle.0 as usize];
        let b = &h.behaviour;
        let failed_before = h.fail_counts.get(&seq).copied().unwrap_or(0);
        let by_seq = b.fail_seqs.contains(&seq) && (b.fail_times == 0 || failed_before < b.fail_times);
        let by_rate = b.fail_rate > 0.0 && self.fail_rng.unit() < b.fail_rate;
        let fail = by_seq || by_rate;
        if fail {
            *self.handles[handle.0 as usize].fail_counts.entry(seq).or_insert(0) += 1;
        }
        fail
    }

    /// The handler's work ends: `processed`, then the ack it sends (manual ack or a sync
    /// handler's auto ack), unless it failed.
    fn work_done(&mut self, p: ProcId, w: Work, sync: bool) {
        let h = &self.handles[w.handle.0 as usize];
        let (sub, manual) = (h.name.clone(), h.manual_ack);
        let client = self.procs[p.0 as usize].client.clone();
        self.emit(TraceKind::Processed { client, sub, channel: w.channel.clone(), seq: w.seq, ok: w.ok });
        if w.ok && (manual || sync) {
            self.client_ack(p, &w);
        }
    }

    fn client_ack(&mut self, p: ProcId, w: &Work) {
        let h = &self.handles[w.handle.0 as usize];
        let pr = &self.procs[p.0 as usize];
        if !h.open || pr.state != ProcState::Running || !pr.nats_up {
            return; // msg.ack() is a no-op once the subscription is closed
        }
        self.fx.now = self.now;
        self.broker.ack(&mut self.fx, w.sub, w.ack_gen, w.seq);
        self.flush();
    }

    fn ping_tick(&mut self, p: ProcId, gen: u64) {
        let now = self.now;
        let pr = self.proc(p);
        if pr.ping_gen != gen || pr.state != ProcState::Running {
            return;
        }
        pr.ping_out += 1;
        if pr.ping_out > pr.ping_max_out {
            self.connection_lost(p, e::PING_FAILURE.into());
            return;
        }
        let next = now + pr.ping_interval_ms;
        if pr.nats_up {
            self.send_ping(p);
        } else {
            pr.outbox.push_back(Outgoing::Ping);
        }
        if self.procs[p.0 as usize].state == ProcState::Running {
            self.push_proc_timer(next, p, ProcTimer::Ping { gen });
        }
    }

    fn send_ping(&mut self, p: ProcId) {
        let client = self.procs[p.0 as usize].client.clone();
        self.fx.now = self.now;
        let r = self.broker.ping(&mut self.fx, p, &client);
        self.flush();
        match r {
            Ok(()) => self.proc(p).ping_out = 0,
            Err(err) => self.connection_lost(p, err),
        }
    }

    /// stan.js `closeWithError('connection_lost', err)`: the connection is closed and the
    /// outstanding publishes fail with the same error.
    fn connection_lost(&mut self, p: ProcId, err: Name) {
        let pr = self.proc(p);
        if pr.state != ProcState::Running {
            return;
        }
        pr.state = ProcState::Closed;
        pr.ping_gen += 1;
        pr.outbox.clear();
        let stale = std::mem::take(&mut pr.stale_pubs);
        let client = pr.client.clone();
        self.emit(TraceKind::ConnectionLost { client: client.clone(), error: err.clone() });
        for s in stale {
            self.emit(TraceKind::PublishFailed { client: client.clone(), channel: s.channel, error: err.clone() });
        }
    }

    fn reconnect(&mut self, p: ProcId) {
        let pr = self.proc(p);
        if pr.nats_up || pr.state != ProcState::Running {
            return;
        }
        pr.nats_up = true;
        let client = pr.client.clone();
        self.emit(TraceKind::Reconnected { client });
        while let Some(o) = self.proc(p).outbox.pop_front() {
            if self.procs[p.0 as usize].state != ProcState::Running {
                break;
            }
            match o {
                Outgoing::Ping => self.send_ping(p),
                Outgoing::Action(idx, k) => self.exec_app(p, idx, k),
            }
        }
    }

    fn stale_publish(&mut self, p: ProcId, channel: Name) {
        let id = self.next_pub_id;
        self.next_pub_id += 1;
        self.proc(p).stale_pubs.push(StalePub { id, channel });
        self.push_proc_timer(self.now + 30_000, p, ProcTimer::PubAckTimeout { id });
    }

    fn client_publish(&mut self, p: ProcId, channel: Name, data: Arc<str>) {
        let stale_server = self.procs[p.0 as usize].epoch != self.epoch && !self.scenario.server.version.answers_stale_publishes();
        if !e::channel_reaches_server(&channel) || stale_server {
            self.stale_publish(p, channel);
            return;
        }
        let client = self.procs[p.0 as usize].client.clone();
        self.fx.now = self.now;
        let r = self.broker.publish(&mut self.fx, p, &client, &channel, &data);
        self.flush();
        if let Err(error) = r {
            self.emit(TraceKind::PublishFailed { client, channel, error });
        }
    }

    fn client_subscribe(&mut self, p: ProcId, h: HandleId, spec: &super::scenario::SubscribeSpec) {
        let pr = &mut self.procs[p.0 as usize];
        let inbox = pr.nuid.inbox();
        let (client, stale) = (pr.client.clone(), pr.epoch != self.epoch);
        let hs = &mut self.handles[h.0 as usize];
        hs.proc = Some(p);
        hs.server = None;
        hs.open = true;
        hs.channel = spec.channel.clone();
        hs.manual_ack = spec.manual_ack;
        if stale && !self.scenario.server.version.answers_stale_publishes() {
            // 0.17's subscribe subject carries the old server's random id: no answer.
            self.push_proc_timer(self.now + 2000, p, ProcTimer::SubTimeout { handle: h });
            return;
        }
        let req = SubRequest {
            proc: p,
            client: client.clone(),
            handle: h,
            handle_name: spec.sub.clone(),
            channel: spec.channel.clone(),
            queue: spec.queue.clone(),
            durable: spec.durable.clone(),
            max_inflight: spec.max_inflight,
            ack_wait_s: (spec.ack_wait_ms / 1000) as i64,
            start: spec.start.clone(),
            inbox,
        };
        self.fx.now = self.now;
        let r = self.broker.subscribe(&mut self.fx, &req);
        self.flush();
        match r {
            Ok(acc) => self.handles[h.0 as usize].server = Some(acc),
            Err(error) => {
                self.handles[h.0 as usize].open = false;
                self.emit(TraceKind::SubscribeFailed { client, sub: spec.sub.clone(), channel: spec.channel.clone(), error });
            }
        }
    }

    fn client_unsubscribe(&mut self, p: ProcId, idx: usize, sub: &Name, close: bool) {
        let h = self.handle_ids[sub];
        let hs = &self.handles[h.0 as usize];
        let Some(acc) = hs.server.filter(|_| hs.open) else {
            self.action_failed(idx, e::INVALID_SUB);
            return;
        };
        let channel = hs.channel.clone();
        self.handles[h.0 as usize].open = false;
        let client = self.procs[p.0 as usize].client.clone();
        self.fx.now = self.now;
        let r = self.broker.unsubscribe(&mut self.fx, &client, &channel, acc.sub, acc.ack_gen, close);
        self.flush();
        if let Err(err) = r {
            self.action_failed(idx, err);
        }
    }

    fn client_close(&mut self, p: ProcId, idx: usize) {
        let client = self.procs[p.0 as usize].client.clone();
        let pr = self.proc(p);
        pr.state = ProcState::Closed;
        pr.ping_gen += 1;
        let stale = std::mem::take(&mut pr.stale_pubs);
        for s in stale {
            self.emit(TraceKind::PublishFailed { client: client.clone(), channel: s.channel, error: e::CONN_CLOSED.into() });
        }
        self.fx.now = self.now;
        let r = self.broker.close_request(&mut self.fx, &client);
        self.flush();
        if let Err(err) = r {
            self.action_failed(idx, err);
        }
    }
}
