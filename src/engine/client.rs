//! What client processes do when a scripted action reaches them: routing (now, after the
//! connect, or when the event loop is free), and stan.js's requests — connect (with the
//! duplicate-id check and wrong cluster ids), publish (including the ones no server will
//! answer), subscribe, unsubscribe/close of a subscription, and close. The event loop itself
//! is in `event_loop.rs`.

use super::broker::{ConnectOutcome, SubRequest};
use super::config::ServerConfig;
use super::errors as e;
use super::ids::{HandleId, Name, ProcId};
use super::process::{Outgoing, ProcState, ProcTimer, Process, StalePub};
use super::scenario::Verb;
use super::sim::Sim;
use super::trace::TraceKind;
use std::collections::VecDeque;
use std::sync::Arc;

impl Sim {
    pub(crate) fn action_failed(&mut self, index: usize, error: impl Into<Name>) {
        self.emit(TraceKind::ActionFailed { index, error: error.into() });
    }

    pub(crate) fn proc(&mut self, p: ProcId) -> &mut Process {
        &mut self.procs[p.0 as usize]
    }

    /// A scripted action is due.
    pub(crate) fn run_action(&mut self, idx: usize, k: u64) {
        let verb = self.scenario.actions[idx].verb.clone();
        // A burst (`every_ms` 0) runs whole in `exec_app`; a series is one action per publish.
        if let Verb::Publish { count, every_ms, .. } = &verb {
            if k + 1 < *count && *every_ms > 0 {
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
            Verb::Close { client } => match self.live_or_newest(&client) {
                Some(p) => self.route_app(p, idx, k),
                None => self.action_failed(idx, format!("client {} has not connected", crate::text::quote(&client))),
            },
            Verb::Publish { client, .. } | Verb::Subscribe(super::scenario::SubscribeSpec { client, .. }) => match self.current.get(&client) {
                Some(&p) => self.route_app(p, idx, k),
                None => self.action_failed(idx, format!("client {} has not connected", crate::text::quote(&client))),
            },
            Verb::Unsubscribe { sub } | Verb::CloseSub { sub } => {
                let h = self.handle_ids[&sub];
                match self.handles[h.0 as usize].proc {
                    Some(p) => self.route_app(p, idx, k),
                    None => self.action_failed(idx, format!("subscription {} has not subscribed", crate::text::quote(&sub))),
                }
            }
        }
    }

    /// The process a signal (kill, pause) goes to, if it is alive.
    pub(crate) fn signal_target(&mut self, idx: usize, client: &Name) -> Option<ProcId> {
        match self.live_or_newest(client) {
            None => {
                self.action_failed(idx, format!("client {} has not connected", crate::text::quote(client)));
                None
            }
            Some(p) if !self.procs[p.0 as usize].alive() => {
                let why = if self.procs[p.0 as usize].state == ProcState::Killed { "killed" } else { "closed" };
                self.action_failed(idx, format!("client {} is not running ({why})", crate::text::quote(client)));
                None
            }
            Some(p) => Some(p),
        }
    }

    /// Application code of process `p`: runs now, or waits for the connect, or for the
    /// event loop.
    pub(crate) fn route_app(&mut self, p: ProcId, idx: usize, k: u64) {
        let pr = &mut self.procs[p.0 as usize];
        match pr.state {
            ProcState::Connecting => pr.waiting_connect.push((idx, k)),
            ProcState::Killed => {
                let c = pr.client.clone();
                self.action_failed(idx, format!("client {} is not running (killed)", crate::text::quote(&c)));
            }
            _ if pr.loop_blocked() => pr.held_timers.push_back(ProcTimer::Action { idx, k }),
            _ => self.exec_app(p, idx, k),
        }
    }

    /// Runs application code on a free event loop.
    pub(crate) fn exec_app(&mut self, p: ProcId, idx: usize, k: u64) {
        let verb = self.scenario.actions[idx].verb.clone();
        let pr = &mut self.procs[p.0 as usize];
        if pr.state == ProcState::Running && !pr.nats_up {
            pr.outbox.push_back(Outgoing::Action(idx, k));
            return;
        }
        let closed = pr.state != ProcState::Running;
        let closed_error = if pr.lost { e::NATS_CONN_CLOSED } else { e::CONN_CLOSED };
        let client = pr.client.clone();
        match verb {
            Verb::Publish { channel, data, template, count, every_ms, .. } => {
                // `count` publishes with no delay are one synchronous loop in stan.js: the whole
                // burst is written before anything comes back, and the server reads it as one
                // batch, handed out before any ack counts (stan-semantics.md §7.5).
                let ks = if every_ms == 0 { k..count.max(k + 1) } else { k..k + 1 };
                if closed {
                    for _ in ks {
                        self.emit(TraceKind::PublishFailed { client: client.clone(), channel: channel.clone(), error: closed_error.into() });
                    }
                } else {
                    self.publish_burst(p, &channel, &data, template, ks);
                }
            }
            Verb::Subscribe(spec) => {
                let h = self.handle_ids[&spec.sub];
                // What stan.js refuses itself, before anything reaches the server.
                let refused = if spec.channel.is_empty() {
                    Some(e::SUBJECT_MISSING)
                } else if closed {
                    // After `closeWithError` stan.js still holds its closed NATS connection,
                    // whose `subscribe` calls back with an error that stan.js's message
                    // handler cannot take: a TypeError, thrown to the caller.
                    Some(if self.procs[p.0 as usize].lost { e::SUBSCRIBE_AFTER_LOST } else { e::CONN_CLOSED })
                } else if spec.ack_wait_ms % 1000 != 0 {
                    // google-protobuf rejects a non-integer ackWaitInSecs, synchronously.
                    Some(e::ASSERTION_FAILED)
                } else {
                    None
                };
                match refused {
                    Some(error) => {
                        self.proc(p).failed_subs.push(h);
                        self.emit(TraceKind::SubscribeFailed { client, sub: spec.sub, channel: spec.channel, error: error.into() });
                    }
                    None => self.client_subscribe(p, h, &spec),
                }
            }
            Verb::Unsubscribe { sub } | Verb::CloseSub { sub } => {
                let close = matches!(self.scenario.actions[idx].verb, Verb::CloseSub { .. });
                if closed {
                    // Still holding a closed NATS connection, stan.js sends the request and its
                    // callback gets node-nats' error, reported as a request timeout.
                    let error = match (self.procs[p.0 as usize].lost, close) {
                        (false, _) => e::CONN_CLOSED,
                        (true, false) => e::UNSUB_TIMEOUT,
                        (true, true) => e::CLOSE_TIMEOUT,
                    };
                    self.action_failed(idx, error);
                } else {
                    self.client_unsubscribe(p, idx, &sub, close);
                }
            }
            Verb::Close { .. } => {
                if !closed {
                    self.client_close(p, idx);
                } else {
                    // `close()` after `closeWithError` drops the closed NATS connection: from
                    // now on stan.js itself answers `stan: Connection closed`.
                    self.proc(p).lost = false;
                }
            }
            _ => unreachable!("not application code"),
        }
    }

    pub(crate) fn connect(&mut self, idx: usize) {
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
            lost: false,
            refused: None,
            failed_subs: Vec::new(),
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
        let outcome = self.server(|b, fx| b.connect(fx, id, &client, hb_inbox));
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

    pub(crate) fn connected(&mut self, p: ProcId) {
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

    pub(crate) fn connect_failed(&mut self, p: ProcId, err: Name) {
        let now = self.now;
        let pr = self.proc(p);
        if pr.state != ProcState::Connecting {
            return;
        }
        // stan.js `closeWithError('error', …)`: it keeps its closed NATS connection, so later
        // calls fail as after `connection_lost`. The process stays the client id's newest:
        // its application's later calls are its own (an older process with the id keeps
        // running, and signals reach it: [`Sim::live_process_of`]).
        pr.state = ProcState::Closed;
        pr.lost = true;
        pr.refused = Some((now, err.clone()));
        let client = pr.client.clone();
        let waiting = std::mem::take(&mut pr.waiting_connect);
        self.emit(TraceKind::ConnectFailed { client, error: err });
        for (idx, k) in waiting {
            self.exec_app(p, idx, k);
        }
    }

    pub(crate) fn stale_publish(&mut self, p: ProcId, channel: Name) {
        let id = self.next_pub_id;
        self.next_pub_id += 1;
        self.proc(p).stale_pubs.push(StalePub { id, channel });
        self.push_proc_timer(self.now + super::stanjs::PUB_ACK_TIMEOUT_MS, p, ProcTimer::PubAckTimeout { id });
    }

    /// Publishes number `ks` of a series (one, or the rest of a burst). The server reads a
    /// burst in `ioLoop` batches of [`ServerConfig::IO_BATCH_SIZE`], each stored whole and
    /// then handed out; a burst that takes the trace past the run's limit stops after the
    /// batch that did (the run then stops with the limit's error), so memory stays bounded.
    fn publish_burst(&mut self, p: ProcId, channel: &Name, data: &Arc<str>, template: bool, ks: std::ops::Range<u64>) {
        let batched = ks.end - ks.start > 1;
        let mut j = ks.start;
        loop {
            let stop = ks.end.min(j + ServerConfig::IO_BATCH_SIZE);
            if batched {
                self.server(|b, _| b.begin_batch());
            }
            for n in j..stop {
                // Extension: with `template`, `{n}` is the publish's number in its series.
                let data = if template && data.contains("{n}") { data.replace("{n}", &(n + 1).to_string()).into() } else { data.clone() };
                self.client_publish(p, channel.clone(), data);
            }
            if batched {
                self.server(|b, fx| b.end_batch(fx));
            }
            j = stop;
            if j >= ks.end || self.past_trace_limit() {
                break;
            }
        }
    }

    pub(crate) fn client_publish(&mut self, p: ProcId, channel: Name, data: Arc<str>) {
        let stale_server = self.procs[p.0 as usize].epoch != self.epoch && !self.scenario.server.version.answers_stale_publishes();
        if !e::channel_reaches_server(&channel) || stale_server {
            self.stale_publish(p, channel);
            return;
        }
        let client = self.procs[p.0 as usize].client.clone();
        let r = self.server(|b, fx| b.publish(fx, p, &client, &channel, &data));
        if let Err(error) = r {
            self.emit(TraceKind::PublishFailed { client, channel, error });
        }
    }

    pub(crate) fn client_subscribe(&mut self, p: ProcId, h: HandleId, spec: &super::scenario::SubscribeSpec) {
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
        let r = self.server(|b, fx| b.subscribe(fx, &req));
        match r {
            Ok(acc) => self.handles[h.0 as usize].server = Some(acc),
            Err(error) => {
                self.handles[h.0 as usize].open = false;
                self.emit(TraceKind::SubscribeFailed { client, sub: spec.sub.clone(), channel: spec.channel.clone(), error });
            }
        }
    }

    pub(crate) fn client_unsubscribe(&mut self, p: ProcId, idx: usize, sub: &Name, close: bool) {
        let h = self.handle_ids[sub];
        let hs = &self.handles[h.0 as usize];
        let Some(acc) = hs.server.filter(|_| hs.open) else {
            self.action_failed(idx, e::INVALID_SUB);
            return;
        };
        let channel = hs.channel.clone();
        self.handles[h.0 as usize].open = false;
        let client = self.procs[p.0 as usize].client.clone();
        let r = self.server(|b, fx| b.unsubscribe(fx, &client, &channel, acc.sub, acc.ack_gen, close));
        if let Err(err) = r {
            self.action_failed(idx, err);
        }
    }

    pub(crate) fn client_close(&mut self, p: ProcId, idx: usize) {
        let client = self.procs[p.0 as usize].client.clone();
        let pr = self.proc(p);
        pr.state = ProcState::Closed;
        pr.ping_gen += 1;
        let stale = std::mem::take(&mut pr.stale_pubs);
        for s in stale {
            self.emit(TraceKind::PublishFailed { client: client.clone(), channel: s.channel, error: e::CONN_CLOSED.into() });
        }
        let r = self.server(|b, fx| b.close_request(fx, &client));
        if let Err(err) = r {
            self.action_failed(idx, err);
        }
    }
}
