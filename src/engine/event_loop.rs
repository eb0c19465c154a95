//! The client's single-threaded event loop and the listener application behind each
//! subscription: socket messages and timers, what waits while a sync handler blocks the loop
//! or the process is stopped (then runs in order, socket first), kills and pauses, handlers
//! (async or sync, auto or manual ack, processing time, failures), stan.js's ping loop,
//! `connection_lost`, and node-nats' reconnect after a server restart.

use super::app::Fixes;
use super::broker::Delivery;
use super::errors as e;
use super::ids::{HandleId, Name, ProcId};
use super::process::{Outgoing, ProcState, ProcTimer, SocketMsg, Work};
use super::scenario::{AppKind, Handler};
use super::sim::{Event, Sim};
use super::trace::TraceKind;

impl Sim {
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

    pub(crate) fn exec_socket(&mut self, p: ProcId, m: SocketMsg) {
        match m {
            SocketMsg::Deliver(d) => self.deliver(p, d),
            SocketMsg::HbRequest(req) => {
                self.server(|b, fx| b.hb_result(fx, req, true));
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

    pub(crate) fn exec_timer(&mut self, p: ProcId, t: ProcTimer) {
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
    pub(crate) fn drain_proc(&mut self, p: ProcId) {
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

    pub(crate) fn kill(&mut self, p: ProcId) {
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

    pub(crate) fn pause(&mut self, p: ProcId, d: u64) {
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
    pub(crate) fn deliver(&mut self, p: ProcId, d: Delivery) {
        let h = &self.handles[d.handle.0 as usize];
        if !h.open || h.proc != Some(p) || h.server.is_none_or(|a| a.sub != d.sub) {
            return; // stan.js drops messages for subscriptions it no longer has
        }
        let (manual, handler, process_ms) = (h.manual_ack, h.behaviour.handler, h.behaviour.process_ms);
        if h.behaviour.app != AppKind::None && h.behaviour.ordered {
            // the instance notes in the shared database that it started on this event
            self.apps.received(h.behaviour.app, &d.channel, d.seq, &d.data);
        }
        let ok = !self.decide_failure(d.handle, d.seq);
        let w = Work { handle: d.handle, sub: d.sub, ack_gen: d.ack_gen, channel: d.channel, seq: d.seq, ok, data: d.data };
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
    pub(crate) fn decide_failure(&mut self, handle: HandleId, seq: u64) -> bool {
        let h = &self.handles[handle.0 as usize];
        let b = &h.behaviour;
        let failed_before = h.fail_counts.get(seq).copied().unwrap_or(0);
        let by_seq = b.fail_seqs.contains(&seq) && (b.fail_times == 0 || failed_before < b.fail_times);
        let by_rate = b.fail_rate > 0.0 && self.fail_rng.unit() < b.fail_rate;
        let fail = by_seq || by_rate;
        if fail {
            *self.handles[handle.0 as usize].fail_counts.get_or_default(seq) += 1;
        }
        fail
    }

    /// The handler's work ends: `processed`, then the ack it sends (manual ack or a sync
    /// handler's auto ack), unless it failed.
    /// With an application (the concurrency lab), the event then goes to it, and a refused
    /// event is not acked.
    pub(crate) fn work_done(&mut self, p: ProcId, w: Work, sync: bool) {
        let h = &self.handles[w.handle.0 as usize];
        let (sub, manual, b) = (h.name.clone(), h.manual_ack, &h.behaviour);
        let (app, fixes) = (b.app, Fixes { version_check: b.version_check, idempotent: b.idempotent, ordered: b.ordered });
        let client = self.procs[p.0 as usize].client.clone();
        let mut ok = w.ok;
        if app == AppKind::None {
            self.emit(TraceKind::Processed { client, sub, channel: w.channel.clone(), seq: w.seq, ok });
        } else {
            self.emit(TraceKind::Processed { client: client.clone(), sub: sub.clone(), channel: w.channel.clone(), seq: w.seq, ok });
            let auto_acked = !manual && !sync;
            if let Some(result) = self.apps.handle(app, fixes, &w.channel, w.seq, &w.data, w.ok, auto_acked) {
                ok = result.outcome.acks();
                let (channel, seq) = (w.channel.clone(), w.seq);
                self.emit(TraceKind::App { client, sub, channel, seq, app, result: Box::new(result) });
            }
        }
        if ok && (manual || sync) {
            self.client_ack(p, &w);
        }
    }

    pub(crate) fn client_ack(&mut self, p: ProcId, w: &Work) {
        let h = &self.handles[w.handle.0 as usize];
        let pr = &self.procs[p.0 as usize];
        if !h.open || pr.state != ProcState::Running || !pr.nats_up {
            return; // msg.ack() is a no-op once the subscription is closed
        }
        self.server(|b, fx| b.ack(fx, w.sub, w.ack_gen, w.seq));
    }

    pub(crate) fn ping_tick(&mut self, p: ProcId, gen: u64) {
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

    pub(crate) fn send_ping(&mut self, p: ProcId) {
        let client = self.procs[p.0 as usize].client.clone();
        let r = self.server(|b, fx| b.ping(fx, p, &client));
        match r {
            Ok(()) => self.proc(p).ping_out = 0,
            Err(err) => self.connection_lost(p, err),
        }
    }

    /// stan.js `closeWithError('connection_lost', err)`: the connection is closed and the
    /// outstanding publishes fail with the same error.
    pub(crate) fn connection_lost(&mut self, p: ProcId, err: Name) {
        let pr = self.proc(p);
        if pr.state != ProcState::Running {
            return;
        }
        pr.state = ProcState::Closed;
        pr.lost = true;
        pr.ping_gen += 1;
        pr.outbox.clear();
        let stale = std::mem::take(&mut pr.stale_pubs);
        let client = pr.client.clone();
        self.emit(TraceKind::ConnectionLost { client: client.clone(), error: err.clone() });
        for s in stale {
            self.emit(TraceKind::PublishFailed { client: client.clone(), channel: s.channel, error: err.clone() });
        }
    }

    pub(crate) fn reconnect(&mut self, p: ProcId) {
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
}
