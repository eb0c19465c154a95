//! The JetStream server model (nats-server 2.9.10, one server, R1 streams): the API requests
//! the operator and the clients make, publishes and their pub acks, the delivery loop of each
//! consumer, acks, the ack timer, pull requests and inactivity. It never sees a process: it
//! gets calls stamped with `now` and answers with [`Out`] effects (trace events, messages to
//! a process's socket, timers to arm). Rule sources are cited as JS §n of
//! `jetstream-semantics.md`, with the function of `consumer.go` / `stream.go` they follow.

use super::consumer::{Consumer, ConsumerConfig, Pending, WaitReq};
use super::scenario::{AckPolicy, ConsumerSpec, Reply, Retention, StreamSpec};
use super::stream::{header_len, StoreResult, Stream, StreamConfig};
use super::trace::{At, JsError, JsKind};
use crate::engine::ids::{HandleId, Name, ProcId};
use crate::engine::rng::Rng;
use crate::engine::time::SimTime;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A message from the server to a process.
#[derive(Clone, Debug, PartialEq)]
pub struct JsMsg {
    /// Consumer index.
    pub consumer: usize,
    /// Subject.
    pub subject: Name,
    /// Payload.
    pub data: Arc<str>,
    /// Stream seq.
    pub seq: u64,
    /// Consumer seq.
    pub dseq: u64,
    /// Delivery count.
    pub dc: u64,
}

/// A server timer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsTimer {
    /// The consumer's ack timer (`checkPending`).
    Ack {
        /// Consumer.
        c: usize,
        /// Generation.
        gen: u64,
    },
    /// A pull request's expiry.
    PullExpire {
        /// Consumer.
        c: usize,
        /// Request id.
        req: u64,
    },
    /// The inactivity delete timer (`deleteNotActive`).
    Delete {
        /// Consumer.
        c: usize,
        /// Generation.
        gen: u64,
    },
    /// The delivery loop wakes after the acks already in flight at this instant (an ack or a
    /// nak signals the consumer's goroutine; it runs once the batch of acks is processed).
    Kick {
        /// Consumer.
        c: usize,
    },
    /// A stream's max-age expiry.
    MaxAge {
        /// Stream.
        s: usize,
        /// Generation.
        gen: u64,
    },
}

/// What the server produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    /// A trace event.
    Trace(JsKind),
    /// A message into a process's socket, for one of its handles.
    Deliver {
        /// Process.
        proc: ProcId,
        /// Handle.
        handle: HandleId,
        /// Message.
        msg: JsMsg,
    },
    /// A pull status message for a fetch handle.
    Status {
        /// Process.
        proc: ProcId,
        /// Handle.
        handle: HandleId,
    },
    /// Arm a timer.
    Timer(SimTime, JsTimer),
}

/// A core subscription on a deliver subject (a push sub).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreSub {
    /// Process.
    pub proc: ProcId,
    /// Subject.
    pub subject: Name,
    /// Queue group.
    pub queue: Option<Name>,
}

/// Why the delivery loop stopped (`getNextMsg`'s errors).
#[derive(PartialEq, Eq)]
enum Stop {
    Empty,
    MaxAckPending,
}

/// The server.
#[derive(Clone, Debug)]
pub struct JsServer {
    /// Streams in creation order.
    pub streams: Vec<Stream>,
    /// Consumers in creation order (deleted ones stay, flagged).
    pub consumers: Vec<Consumer>,
    /// Push subscriptions by handle.
    pub subs: BTreeMap<HandleId, CoreSub>,
    /// (client id, handle name) of every handle, for the trace.
    pub labels: BTreeMap<HandleId, (Name, Name)>,
    /// The clock, set by the router before each call.
    pub now: SimTime,
    /// Effects produced since the router last took them.
    pub out: Vec<Out>,
    member_rng: Rng,
    jitter_rng: Rng,
    restart_rng: Rng,
    /// Where the wall clock's second starts, in ms past a virtual whole second (drawn at
    /// the first restart): what stored delivery times are cut to.
    wall_phase: Option<u64>,
    reqs: u64,
    /// Streams stored into since the last [`JsServer::kick`], with the subject.
    signal: Vec<(usize, Name)>,
    /// API requests served.
    pub api_total: u64,
    /// API requests that failed.
    pub api_errors: u64,
}

fn err_stream_not_found() -> JsError {
    JsError::api(404, 10059, "stream not found")
}

impl JsServer {
    /// An empty server; its random choices come from `seed`.
    pub fn new(seed: u64) -> JsServer {
        JsServer {
            streams: Vec::new(),
            consumers: Vec::new(),
            subs: BTreeMap::new(),
            labels: BTreeMap::new(),
            now: 0,
            out: Vec::new(),
            member_rng: Rng::new(seed, 11),
            jitter_rng: Rng::new(seed, 12),
            restart_rng: Rng::new(seed, 14),
            wall_phase: None,
            reqs: 0,
            signal: Vec::new(),
            api_total: 0,
            api_errors: 0,
        }
    }

    fn trace(&mut self, k: JsKind) {
        self.out.push(Out::Trace(k));
    }

    fn timer(&mut self, at: SimTime, t: JsTimer) {
        self.out.push(Out::Timer(at, t));
    }

    fn api<T>(&mut self, r: Result<T, JsError>) -> Result<T, JsError> {
        self.api_total += 1;
        if r.is_err() {
            self.api_errors += 1;
        }
        r
    }

    /// The stream index by name.
    pub fn stream_idx(&self, name: &str) -> Option<usize> {
        self.streams.iter().position(|s| !s.lost && &*s.cfg.name == name)
    }

    /// The live consumer index by stream and name.
    pub fn consumer_idx(&self, stream: usize, name: &str) -> Option<usize> {
        self.consumers.iter().position(|c| !c.deleted && c.stream == stream && &*c.name == name)
    }

    /// `CONSUMER.INFO`: the consumer, or the server's error.
    pub fn lookup(&mut self, stream: &str, consumer: &str) -> Result<usize, JsError> {
        let r = match self.stream_idx(stream) {
            None => Err(err_stream_not_found()),
            Some(s) => self.consumer_idx(s, consumer).ok_or_else(|| JsError::api(404, 10014, "consumer not found")),
        };
        self.api(r)
    }

    // ---- streams ----------------------------------------------------------------------

    /// `STREAM.CREATE` (JS §2.1): idempotent with the same config.
    pub fn add_stream(&mut self, spec: &StreamSpec) -> Result<(), JsError> {
        let r = self.try_add_stream(spec);
        self.api(r)
    }

    fn try_add_stream(&mut self, spec: &StreamSpec) -> Result<(), JsError> {
        let cfg = StreamConfig::fill(spec)?;
        if let Some(i) = self.stream_idx(&cfg.name) {
            return if self.streams[i].cfg == cfg {
                Ok(())
            } else {
                Err(JsError::api(400, 10058, "stream name already in use with a different configuration"))
            };
        }
        let overlap = self.streams.iter().any(|s| !s.lost && s.cfg.subjects.iter().any(|a| cfg.subjects.iter().any(|b| super::subject::collide(a, b))));
        if overlap {
            return Err(JsError::api(400, 10065, "subjects overlap with an existing stream"));
        }
        self.streams.push(Stream::new(cfg, self.now));
        Ok(())
    }

    /// A `js.publish`: the stream and seq of the pub ack (and whether it was a duplicate), or
    /// the error the publisher gets (JS §2.2). Consumers are signalled by [`JsServer::kick`].
    /// With `expected_last_subject_seq` (`Nats-Expected-Last-Subject-Sequence`), the message is
    /// stored only if the last message stored on its subject has that seq (0: none is stored),
    /// else 400/10071 `wrong last sequence: <actual>` (`processJetStreamMsg`, checked after
    /// the dedupe map).
    pub fn publish(
        &mut self,
        subject: &Name,
        data: &Arc<str>,
        msg_id: Option<&Name>,
        expected_last_subject_seq: Option<u64>,
    ) -> Result<(Name, u64, bool), JsError> {
        let Some(si) = self.streams.iter().position(|s| !s.lost && s.cfg.captures(subject)) else {
            return Err(JsError { error: "no responders".into(), code: Some(503), err_code: None });
        };
        let now = self.now;
        let name = self.streams[si].cfg.name.clone();
        if let Some(id) = msg_id.filter(|id| !id.is_empty()) {
            if let Some(seq) = self.streams[si].duplicate_of(id, now) {
                return Ok((name, seq, true));
            }
        }
        if let Some(expected) = expected_last_subject_seq {
            let last = self.streams[si].last_seq_of(subject);
            if last != expected {
                return Err(JsError::api(400, 10071, format!("wrong last sequence: {last}")));
            }
        }
        let msg_id = msg_id.filter(|id| !id.is_empty());
        if self.streams[si].cfg.retention == Retention::Interest && !self.consumers.iter().any(|c| !c.deleted && c.stream == si && c.cfg.wants(subject)) {
            let seq = self.streams[si].skip(now, msg_id);
            return Ok((name, seq, false));
        }
        match self.streams[si].store(subject, data, msg_id, header_len(msg_id, expected_last_subject_seq), now) {
            StoreResult::Refused(e) => Err(e),
            StoreResult::Duplicate(seq) => Ok((name, seq, true)),
            StoreResult::Stored(seq, removed) => {
                for (old, reason) in removed {
                    self.removed(si, old, Some(reason));
                }
                let st = &mut self.streams[si];
                if st.cfg.max_age_ms > 0 && st.age_gen == 0 {
                    st.age_gen = now.wrapping_add(1).max(1);
                    let (at, gen) = (now + st.cfg.max_age_ms, st.age_gen);
                    self.timer(at, JsTimer::MaxAge { s: si, gen });
                }
                self.signal.push((si, subject.clone()));
                Ok((name, seq, false))
            }
        }
    }

    /// Runs the delivery loops of the consumers signalled by the last publishes.
    pub fn kick(&mut self) {
        for (si, subj) in std::mem::take(&mut self.signal) {
            for c in 0..self.consumers.len() {
                let co = &self.consumers[c];
                if !co.deleted && co.stream == si && co.cfg.wants(&subj) {
                    self.run(c);
                }
            }
        }
    }

    /// A stored message left the stream: `msg_dropped` for a limit, and every consumer that
    /// holds it unacked treats it as a TERM (`decStreamPending`, JS §2.4).
    fn removed(&mut self, si: usize, seq: u64, reason: Option<&'static str>) {
        if let Some(reason) = reason {
            let stream = self.streams[si].cfg.name.clone();
            self.trace(JsKind::MsgDropped { stream, seq, reason });
        }
        for c in 0..self.consumers.len() {
            let co = &self.consumers[c];
            if co.deleted || co.stream != si {
                continue;
            }
            if let Some(p) = co.pending.get(&seq).copied() {
                let dc = if co.rdc_made { co.rdc.get(&seq).copied().unwrap_or(0) } else { 1 };
                self.term(c, seq, p.dseq, dc);
            }
        }
    }

    fn max_age(&mut self, si: usize, gen: u64) {
        let now = self.now;
        let st = &mut self.streams[si];
        if st.age_gen != gen {
            return;
        }
        let age = st.cfg.max_age_ms;
        let old: Vec<u64> = st.msgs.iter().take_while(|(_, m)| now.saturating_sub(m.ts) >= age).map(|(s, _)| *s).collect();
        for seq in &old {
            self.streams[si].remove(*seq);
        }
        for seq in old {
            self.removed(si, seq, Some("max_age"));
        }
        let st = &mut self.streams[si];
        match st.msgs.values().next() {
            Some(m) => {
                let at = m.ts + age;
                self.timer(at.max(now + 1), JsTimer::MaxAge { s: si, gen });
            }
            None => st.age_gen = 0,
        }
    }

    // ---- consumers --------------------------------------------------------------------

    /// `CONSUMER.DURABLE.CREATE` / `CONSUMER.CREATE.<s>.<c>`: creates, or updates what may
    /// change (JS §3.3).
    pub fn add_consumer(&mut self, spec: &ConsumerSpec) -> Result<(), JsError> {
        let r = self.try_add_consumer(spec);
        self.api(r)
    }

    fn try_add_consumer(&mut self, spec: &ConsumerSpec) -> Result<(), JsError> {
        if spec.consumer.contains(['/', '\\']) {
            return Err(JsError::api(400, 10127, "Consumer name can not contain path separators"));
        }
        let si = self.stream_idx(&spec.stream).ok_or_else(err_stream_not_found)?;
        if spec.consumer.len() > 255 {
            return Err(JsError::api(400, 10102, "consumer name is too long, maximum allowed is 255"));
        }
        let now = self.now;
        if let Some(c) = self.consumer_idx(si, &spec.consumer) {
            let cfg = ConsumerConfig::fill(spec, now, &self.streams[si], &[])?;
            let bound = self.has_interest(c);
            if let Some(e) = self.consumers[c].cfg.update_error(&cfg, bound) {
                return Err(e);
            }
            let old = std::mem::replace(&mut self.consumers[c].cfg, cfg);
            let co = &mut self.consumers[c];
            if old.deliver_subject != co.cfg.deliver_subject {
                // All pending messages go out again at once to the new subject (forceExpirePending).
                let seqs: Vec<u64> = co.pending.keys().copied().filter(|s| !co.rdq.contains(s)).collect();
                co.rdq.extend(seqs);
            }
            if old.ack_wait_ms != co.cfg.ack_wait_ms && co.ack_timer != 0 {
                // The ack timer re-checks within 100 ms.
                let gen = co.gen();
                co.ack_timer = gen;
                self.timer(now + 100, JsTimer::Ack { c, gen });
            }
            let co = &mut self.consumers[c];
            if old.inactive_threshold_ms != co.cfg.inactive_threshold_ms {
                let pull = co.cfg.pull();
                co.dthresh_ms = match co.cfg.inactive_threshold_ms {
                    Some(t) if pull => t + 100 + self.jitter_rng.below(900),
                    Some(t) => t,
                    None => 0,
                };
                co.delete_timer = 0;
                if co.dthresh_ms > 0 {
                    let d = co.dthresh_ms;
                    self.arm_delete(c, d);
                }
            }
            if old.deliver_subject != self.consumers[c].cfg.deliver_subject || old.deliver_group != self.consumers[c].cfg.deliver_group {
                self.update_interest(c);
            }
            self.emit_added(c);
            self.run(c);
            return Ok(());
        }
        let others: Vec<&Consumer> = self.consumers.iter().filter(|c| !c.deleted && c.stream == si).collect();
        let cfg = ConsumerConfig::fill(spec, now, &self.streams[si], &others)?;
        let pull = cfg.pull();
        let dthresh = match spec.inactive_threshold_ms.filter(|&t| t > 0) {
            None if !spec.durable => 5000 + 100 + self.jitter_rng.below(900),
            None => 0,
            Some(t) if pull => t + 100 + self.jitter_rng.below(900),
            Some(t) => t,
        };
        let co = Consumer::new(si, &self.streams[si], cfg, now, dthresh);
        self.consumers.push(co);
        let c = self.consumers.len() - 1;
        self.consumers[c].active = self.has_interest(c);
        let co = &self.consumers[c];
        if co.dthresh_ms > 0 && (pull || !co.active) {
            self.arm_delete(c, dthresh);
        }
        self.emit_added(c);
        self.run(c);
        Ok(())
    }

    fn emit_added(&mut self, c: usize) {
        let co = &self.consumers[c];
        let k = JsKind::ConsumerAdded {
            stream: self.streams[co.stream].cfg.name.clone(),
            consumer: co.name.clone(),
            durable: co.cfg.durable_name.is_some(),
            pull: co.cfg.pull(),
        };
        self.trace(k);
    }

    fn arm_delete(&mut self, c: usize, after: u64) {
        let gen = self.consumers[c].gen();
        self.consumers[c].delete_timer = gen;
        self.timer(self.now + after, JsTimer::Delete { c, gen });
    }

    /// `CONSUMER.DELETE`.
    pub fn delete_consumer(&mut self, stream: &str, consumer: &str) -> Result<(), JsError> {
        let r = match self.stream_idx(stream) {
            None => Err(err_stream_not_found()),
            Some(si) => self.consumer_idx(si, consumer).ok_or_else(|| JsError::api(404, 10014, "consumer not found")),
        };
        let c = self.api(r)?;
        self.delete(c, "delete");
        Ok(())
    }

    fn delete(&mut self, c: usize, reason: &'static str) {
        let waiting = std::mem::take(&mut self.consumers[c].waiting);
        for w in waiting {
            self.status(c, w.proc, w.handle, 409, "Consumer Deleted", None);
        }
        let co = &mut self.consumers[c];
        co.deleted = true;
        co.ack_timer = 0;
        co.delete_timer = 0;
        let si = co.stream;
        let (stream, consumer) = (self.streams[si].cfg.name.clone(), co.name.clone());
        self.trace(JsKind::ConsumerDeleted { stream, consumer, reason });
        if self.streams[si].cfg.retention != Retention::Limits {
            // The messages only this consumer still needed go (interest retention).
            let seqs: Vec<(u64, Name)> = self.streams[si].msgs.iter().map(|(s, m)| (*s, m.subject.clone())).collect();
            for (seq, subj) in seqs {
                let needed = self.consumers.iter().any(|o| !o.deleted && o.stream == si && o.needs(seq, &subj));
                if !needed && self.streams[si].cfg.retention == Retention::Interest {
                    self.streams[si].remove(seq);
                }
            }
        }
    }

    fn status(&mut self, c: usize, proc: ProcId, handle: HandleId, code: u16, description: &str, pending_messages: Option<u64>) {
        let at = self.at(c, handle);
        self.trace(JsKind::PullStatus { at, code, description: description.into(), pending_messages });
        self.out.push(Out::Status { proc, handle });
    }

    fn at(&self, c: usize, handle: HandleId) -> At {
        let co = &self.consumers[c];
        let (client, sub) = self.labels.get(&handle).cloned().unwrap_or_default();
        At { client, sub, stream: self.streams[co.stream].cfg.name.clone(), consumer: co.name.clone() }
    }

    // ---- interest ---------------------------------------------------------------------

    fn has_interest(&self, c: usize) -> bool {
        let co = &self.consumers[c];
        let Some(ds) = &co.cfg.deliver_subject else { return false };
        let g = &co.cfg.deliver_group;
        self.subs.values().any(|s| s.subject == *ds && s.queue == *g)
    }

    /// Whether a push consumer has interest now (`push_bound`).
    pub fn push_bound(&self, c: usize) -> bool {
        self.consumers[c].active
    }

    fn update_interest(&mut self, c: usize) {
        let interest = self.has_interest(c);
        let co = &mut self.consumers[c];
        if co.deleted || co.cfg.pull() {
            return;
        }
        let was = co.active;
        co.active = interest;
        if interest {
            co.delete_timer = 0;
            if !was {
                self.run(c);
            }
        } else if co.dthresh_ms > 0 && co.delete_timer == 0 {
            let d = co.dthresh_ms;
            self.arm_delete(c, d);
        }
    }

    fn interest_changed(&mut self, subject: &Name) {
        for c in 0..self.consumers.len() {
            if self.consumers[c].cfg.deliver_subject.as_ref() == Some(subject) {
                self.update_interest(c);
            }
        }
    }

    /// A core subscription on `subject` (a bound push sub).
    pub fn subscribe(&mut self, handle: HandleId, proc: ProcId, subject: Name, queue: Option<Name>) {
        self.subs.insert(handle, CoreSub { proc, subject: subject.clone(), queue });
        self.interest_changed(&subject);
    }

    /// A core unsubscribe.
    pub fn unsubscribe(&mut self, handle: HandleId) {
        if let Some(s) = self.subs.remove(&handle) {
            self.interest_changed(&s.subject);
        }
    }

    /// The server sees a connection end: its subscriptions and pull requests go at once.
    pub fn connection_closed(&mut self, proc: ProcId) {
        let gone: Vec<HandleId> = self.subs.iter().filter(|(_, s)| s.proc == proc).map(|(h, _)| *h).collect();
        for h in gone {
            self.unsubscribe(h);
        }
        for co in &mut self.consumers {
            co.waiting.retain(|w| w.proc != proc);
        }
    }

    // ---- the delivery loop ------------------------------------------------------------

    /// `loopAndGatherMsgs` until it would wait (JS §4.1).
    fn run(&mut self, c: usize) {
        loop {
            let co = &self.consumers[c];
            if co.deleted {
                return;
            }
            let pull = co.cfg.pull();
            if pull {
                self.expire_waiting(c);
                if self.consumers[c].waiting.is_empty() {
                    return;
                }
            } else if !co.active {
                return;
            }
            match self.next_msg(c) {
                Err(stop) => {
                    if pull {
                        self.process_waiting(c, stop != Stop::MaxAckPending);
                    }
                    return;
                }
                Ok((seq, dc)) => self.deliver(c, seq, dc),
            }
        }
    }

    /// `getNextMsg`: a redelivery first (dropping those past `max_deliver`), then the next
    /// stored message the filter wants, unless `max_ack_pending` stalls new messages.
    fn next_msg(&mut self, c: usize) -> Result<(u64, u64), Stop> {
        let now_stream = self.consumers[c].stream;
        while let Some(seq) = self.consumers[c].rdq.pop_front() {
            let co = &mut self.consumers[c];
            co.rdc_made = true;
            let r = co.rdc.entry(seq).or_insert(0);
            *r += 1;
            let dc = *r + 1;
            let maxdc = co.cfg.max_deliver;
            if maxdc > 0 && dc > maxdc as u64 {
                co.pending.remove(&seq);
                if dc == maxdc as u64 + 1 {
                    let (stream, consumer) = (self.streams[now_stream].cfg.name.clone(), co.name.clone());
                    self.trace(JsKind::MaxDeliveries { stream, consumer, stream_seq: seq, deliveries: dc - 1 });
                }
                continue;
            }
            return if self.streams[now_stream].msgs.contains_key(&seq) { Ok((seq, dc)) } else { Err(Stop::Empty) };
        }
        let st = &self.streams[now_stream];
        let co = &mut self.consumers[c];
        let mut seq = co.sseq;
        if let Some((seqs, resume)) = &mut co.lss {
            if let Some(s) = seqs.pop_front() {
                seq = s;
            }
            if seqs.is_empty() {
                co.sseq = *resume;
                co.lss = None;
            }
        }
        let maxp = co.cfg.maxp();
        if maxp > 0 && co.pending.len() >= maxp {
            return Err(Stop::MaxAckPending);
        }
        match st.msgs.range(seq..).find(|(_, m)| co.cfg.wants(&m.subject)) {
            Some((&found, _)) => {
                if found >= co.sseq {
                    co.sseq = found + 1;
                }
                Ok((found, 1))
            }
            None => {
                if st.last_seq >= co.sseq {
                    co.sseq = st.last_seq + 1;
                }
                Err(Stop::Empty)
            }
        }
    }

    /// `deliverMsg`: one delivery to the deliver subject (core NATS fan-out: every plain
    /// subscriber, and one member of each queue group chosen at random) or to the next pull
    /// request.
    fn deliver(&mut self, c: usize, seq: u64, dc: u64) {
        let now = self.now;
        let si = self.consumers[c].stream;
        let pending = self.consumers[c].num_pending(&self.streams[si]);
        let co = &mut self.consumers[c];
        let dseq = co.dseq;
        co.dseq += 1;
        let targets: Vec<(ProcId, HandleId)> = match co.cfg.deliver_subject.clone() {
            Some(ds) => {
                let subs: Vec<(HandleId, &CoreSub)> = self.subs.iter().filter(|(_, s)| s.subject == ds).map(|(h, s)| (*h, s)).collect();
                let mut t: Vec<(ProcId, HandleId)> = subs.iter().filter(|(_, s)| s.queue.is_none()).map(|(h, s)| (s.proc, *h)).collect();
                let mut groups: Vec<&Name> = subs.iter().filter_map(|(_, s)| s.queue.as_ref()).collect();
                groups.sort();
                groups.dedup();
                let groups: Vec<Name> = groups.into_iter().cloned().collect();
                for g in groups {
                    let members: Vec<(ProcId, HandleId)> = subs.iter().filter(|(_, s)| s.queue.as_ref() == Some(&g)).map(|(h, s)| (s.proc, *h)).collect();
                    let i = self.member_rng.below(members.len() as u64) as usize;
                    t.push(members[i]);
                }
                t
            }
            None => {
                let co = &mut self.consumers[c];
                let Some(w) = co.waiting.front_mut() else { return };
                w.n = w.n.saturating_sub(1);
                w.d += 1;
                let target = (w.proc, w.handle);
                if w.n == 0 {
                    co.waiting.pop_front();
                } else if co.waiting.len() > 1 {
                    let w = co.waiting.pop_front().expect("front");
                    co.waiting.push_back(w);
                }
                vec![target]
            }
        };
        let st = &self.streams[si];
        let m = &st.msgs[&seq];
        let (subject, data) = (m.subject.clone(), m.data.clone());
        for (proc, handle) in targets {
            let at = self.at(c, handle);
            self.trace(JsKind::Delivered { at, subject: subject.clone(), seq, consumer_seq: dseq, num_delivered: dc, num_pending: pending });
            self.out.push(Out::Deliver { proc, handle, msg: JsMsg { consumer: c, subject: subject.clone(), data: data.clone(), seq, dseq, dc } });
        }
        let co = &mut self.consumers[c];
        co.last_delivered = Some(now);
        if co.cfg.pull() && co.dthresh_ms > 0 {
            co.last_activity = now;
        }
        match co.cfg.ack_policy {
            AckPolicy::Explicit | AckPolicy::All => {
                if co.ack_timer == 0 {
                    let wait = co.cfg.ack_wait_ms.unwrap_or(30_000);
                    let gen = co.gen();
                    co.ack_timer = gen;
                    self.timer(now + wait + 1, JsTimer::Ack { c, gen });
                }
                let co = &mut self.consumers[c];
                co.pending.entry(seq).and_modify(|p| p.ts = now as i64).or_insert(Pending { dseq, ts: now as i64 });
            }
            AckPolicy::None => {
                co.adflr = dseq;
                co.asflr = seq;
                if self.streams[si].cfg.retention != Retention::Limits {
                    self.ack_msg(c, seq);
                }
            }
        }
    }

    /// Interest and work-queue streams drop a message nobody needs any more (`ackMsg`).
    fn ack_msg(&mut self, c: usize, seq: u64) {
        let si = self.consumers[c].stream;
        let st = &self.streams[si];
        if st.cfg.retention == Retention::Limits || seq < st.first_seq {
            return;
        }
        let Some(subj) = st.msgs.get(&seq).map(|m| m.subject.clone()) else { return };
        let remove = match st.cfg.retention {
            Retention::WorkQueue => true,
            _ => !self.consumers.iter().enumerate().any(|(i, o)| i != c && !o.deleted && o.stream == si && o.needs(seq, &subj)),
        };
        if remove {
            self.streams[si].remove(seq);
            self.removed(si, seq, None);
        }
    }

    // ---- acks -------------------------------------------------------------------------

    /// An answer to a delivery's reply subject (`processAck`, JS §5.1). `+TERM <reason>` is
    /// not a payload the client model sends (2.9.10 would ignore it).
    pub fn ack(&mut self, c: usize, seq: u64, dseq: u64, dc: u64, reply: Reply) {
        if self.consumers.get(c).is_none_or(|co| co.deleted) {
            return;
        }
        match reply {
            Reply::Ack => self.process_ack(c, seq, dseq),
            Reply::Nak => self.nak(c, seq, dseq, dc, None),
            Reply::NakDelay(d) => self.nak(c, seq, dseq, dc, Some(d)),
            Reply::InProgress => {
                let now = self.now as i64;
                if let Some(p) = self.consumers[c].pending.get_mut(&seq) {
                    p.ts = now;
                }
            }
            Reply::Term => self.term(c, seq, dseq, dc),
        }
        // Ack activity keeps an inactive-threshold consumer alive (suppressDeletion).
        let now = self.now;
        let co = &mut self.consumers[c];
        if co.cfg.inactive_threshold_ms.is_some() && !co.deleted {
            if co.cfg.pull() {
                co.last_activity = now;
            } else if co.delete_timer != 0 {
                let d = co.dthresh_ms;
                self.arm_delete(c, d);
            }
        }
    }

    /// `processAckMsg` (JS §5.2–5.4).
    fn process_ack(&mut self, c: usize, seq: u64, dseq: u64) {
        let now = self.now;
        let co = &mut self.consumers[c];
        let maxp = co.cfg.maxp();
        let mut signal = false;
        let mut acked: Vec<u64> = Vec::new();
        match co.cfg.ack_policy {
            AckPolicy::Explicit => {
                let mut dseq = dseq;
                if let Some(p) = co.pending.get(&seq).copied() {
                    signal = maxp > 0 && co.pending.len() >= maxp;
                    co.pending.remove(&seq);
                    dseq = p.dseq;
                    acked.push(seq);
                }
                if co.pending.is_empty() {
                    co.adflr = co.dseq - 1;
                    co.asflr = co.sseq - 1;
                } else if dseq == co.adflr + 1 {
                    co.adflr = dseq;
                    co.asflr = seq;
                    if let Some((ss, p)) = co.pending.range(seq + 1..co.sseq).next() {
                        if p.dseq > 0 {
                            co.adflr = p.dseq - 1;
                            co.asflr = ss - 1;
                        }
                    }
                }
                co.rdc.remove(&seq);
                co.rdq.retain(|&s| s != seq);
            }
            AckPolicy::All => {
                if dseq <= co.adflr || seq <= co.asflr {
                    return;
                }
                signal = maxp > 0 && co.pending.len() >= maxp;
                let from = co.asflr;
                co.adflr = dseq;
                co.asflr = seq;
                for s in from + 1..=seq {
                    if co.pending.remove(&s).is_some() {
                        acked.push(s);
                    }
                    co.rdc.remove(&s);
                }
                co.rdq.retain(|&s| s > seq);
                if acked.is_empty() {
                    acked.push(seq);
                }
            }
            AckPolicy::None => return,
        }
        co.last_acked = Some(now);
        for s in acked {
            self.ack_msg(c, s);
        }
        if signal {
            self.timer(now, JsTimer::Kick { c });
        }
    }

    /// `processNak` (JS §5.5).
    fn nak(&mut self, c: usize, seq: u64, dseq: u64, dc: u64, delay: Option<u64>) {
        let now = self.now;
        let co = &mut self.consumers[c];
        if dseq <= co.adflr || dseq > co.dseq {
            return;
        }
        if !co.pending.is_empty() && !co.pending.contains_key(&seq) {
            return;
        }
        let (stream, consumer) = (self.streams[co.stream].cfg.name.clone(), co.name.clone());
        self.trace(JsKind::MsgAdvisory { naked: true, stream, consumer, consumer_seq: dseq, stream_seq: seq, deliveries: dc });
        let co = &mut self.consumers[c];
        if let Some(d) = delay {
            co.rdq.retain(|&s| s != seq);
            let wait = co.cfg.ack_wait_ms.unwrap_or(30_000) as i64;
            if let Some(p) = co.pending.get_mut(&seq) {
                p.ts = now as i64 - wait + d as i64;
                if co.ack_timer != 0 {
                    let gen = co.gen();
                    co.ack_timer = gen;
                    self.timer(now + 10, JsTimer::Ack { c, gen });
                }
            }
            return;
        }
        if !co.rdq.contains(&seq) {
            co.rdq.push_back(seq);
        }
        self.timer(now, JsTimer::Kick { c });
    }

    /// `processTerm` (JS §5.7): like an ack, then the MSG_TERMINATED advisory.
    fn term(&mut self, c: usize, seq: u64, dseq: u64, dc: u64) {
        self.process_ack(c, seq, dseq);
        let co = &self.consumers[c];
        let (stream, consumer) = (self.streams[co.stream].cfg.name.clone(), co.name.clone());
        self.trace(JsKind::MsgAdvisory { naked: false, stream, consumer, consumer_seq: dseq, stream_seq: seq, deliveries: dc });
    }

    /// `checkPending` (JS §6.1): expired messages, in stream-seq order, join the redelivery
    /// queue; the timer re-arms for the next deadline + 1 ms.
    fn check_pending(&mut self, c: usize, gen: u64) {
        let now = self.now as i64;
        let si = self.consumers[c].stream;
        let fseq = self.streams[si].first_seq;
        let co = &mut self.consumers[c];
        if co.deleted || co.ack_timer != gen {
            return;
        }
        let ttl = co.cfg.ack_wait_ms.unwrap_or(30_000) as i64;
        let bo = &co.cfg.backoff_ms;
        let mut next = match bo.last() {
            Some(&l) => l as i64,
            None => ttl + 1,
        };
        let mut expired = Vec::new();
        let mut gone = Vec::new();
        for (&seq, p) in &co.pending {
            if seq < fseq {
                gone.push(seq);
                continue;
            }
            let elapsed = now - p.ts;
            let mut deadline = ttl;
            if !bo.is_empty() {
                let mut dcx = co.rdc.get(&seq).copied().unwrap_or(0) as usize;
                let mut nbi = dcx + 1;
                if dcx + 1 >= bo.len() {
                    dcx = bo.len() - 1;
                    nbi = dcx;
                }
                deadline = bo[dcx] as i64;
                next = next.min(bo[nbi] as i64);
            }
            if elapsed >= deadline {
                if !co.rdq.contains(&seq) {
                    expired.push(seq);
                }
            } else if deadline - elapsed < next {
                next = deadline - elapsed;
            }
        }
        for seq in gone {
            co.pending.remove(&seq);
            co.rdc.remove(&seq);
            co.rdq.retain(|&s| s != seq);
        }
        let any = !expired.is_empty();
        if any {
            let off = now - co.pending[&expired[0]].ts;
            for seq in &expired {
                if let Some(p) = co.pending.get_mut(seq) {
                    p.ts += off;
                }
            }
            co.rdq.extend(expired);
        }
        if co.pending.is_empty() {
            co.ack_timer = 0;
        } else {
            let gen = co.gen();
            co.ack_timer = gen;
            let at = (now + next.max(0) + 1) as SimTime;
            self.timer(at, JsTimer::Ack { c, gen });
        }
        if any {
            self.run(c);
        }
    }

    // ---- pull requests ----------------------------------------------------------------

    /// `CONSUMER.MSG.NEXT` (`processNextMsgRequest`, JS §7): queues a request or answers with
    /// a status at once.
    pub fn pull(&mut self, c: usize, proc: ProcId, handle: HandleId, batch: u64, expires_ms: u64, no_wait: bool) {
        let now = self.now;
        if self.consumers[c].deleted {
            return;
        }
        if !self.consumers[c].cfg.pull() {
            self.status(c, proc, handle, 409, "Consumer is push based", None);
            return;
        }
        self.expire_waiting(c);
        let co = &self.consumers[c];
        if co.waiting.len() >= co.cfg.max_waiting.unwrap_or(512).max(1) as usize {
            self.status(c, proc, handle, 409, "Exceeded MaxWaiting", None);
            return;
        }
        if no_wait {
            let pending = co.num_pending(&self.streams[co.stream]) + co.rdq.len() as u64;
            if pending == 0 && expires_ms == 0 {
                self.consumers[c].last_activity = now;
                self.status(c, proc, handle, 404, "No Messages", None);
                return;
            }
            if pending > 0 {
                let claimed: u64 = co.waiting.iter().map(|w| w.n).sum();
                if pending < claimed {
                    self.consumers[c].last_activity = now;
                    self.status(c, proc, handle, 408, "Requests Pending", None);
                    return;
                }
            }
        }
        self.reqs += 1;
        let id = self.reqs;
        let expires = (expires_ms > 0).then(|| now + expires_ms);
        let co = &mut self.consumers[c];
        co.waiting.push_back(WaitReq { id, proc, handle, n: batch, d: 0, no_wait, expires });
        co.last_activity = now;
        if let Some(at) = expires {
            self.timer(at, JsTimer::PullExpire { c, req: id });
        }
        self.run(c);
    }

    /// Requests past their expiry end with `408 Request Timeout`.
    fn expire_waiting(&mut self, c: usize) {
        let now = self.now;
        let co = &mut self.consumers[c];
        if co.waiting.iter().all(|w| w.expires.is_none_or(|e| e > now)) {
            return;
        }
        let (gone, kept): (Vec<WaitReq>, Vec<WaitReq>) = co.waiting.drain(..).partition(|w| w.expires.is_some_and(|e| e <= now));
        co.waiting = kept.into();
        for w in gone {
            self.status(c, w.proc, w.handle, 408, "Request Timeout", Some(w.n));
        }
    }

    /// `processWaiting(eos)`: expired requests, and with `eos` the no-wait ones that got
    /// something, end with `408 Request Timeout`.
    fn process_waiting(&mut self, c: usize, eos: bool) {
        self.expire_waiting(c);
        if !eos {
            return;
        }
        let co = &mut self.consumers[c];
        if !co.waiting.iter().any(|w| w.no_wait && w.d > 0) {
            return;
        }
        let (gone, kept): (Vec<WaitReq>, Vec<WaitReq>) = co.waiting.drain(..).partition(|w| w.no_wait && w.d > 0);
        co.waiting = kept.into();
        for w in gone {
            self.status(c, w.proc, w.handle, 408, "Request Timeout", Some(w.n));
        }
    }

    // ---- restart ----------------------------------------------------------------------

    /// `restart_server`: the process stops (SIGTERM) and starts again at once on the same
    /// store. A memory stream is gone, and its consumers with it (no advisory: the new
    /// process never had them). A file stream keeps its messages, and each of its consumers
    /// the state it wrote on the way down (`readStoredState`, `applyState`): delivered
    /// sequences, ack floor, redelivery counts and the unacked messages, whose delivery times
    /// were stored in whole seconds of the wall clock (`encodeConsumerState`), so each comes
    /// back up to a second earlier. Connections are all gone: push interest and waiting pull
    /// requests (a waiting fetch gets no status). A consumer with unacked messages checks them
    /// 500–1500 ms after the start, or after its ack wait if that is shorter, then as before;
    /// an ephemeral one starts its inactivity clock. `/jsz`'s API counters start again at 0.
    pub fn restart(&mut self) {
        let now = self.now;
        let phase = *self.wall_phase.get_or_insert_with(|| self.restart_rng.below(1000));
        self.subs.clear();
        self.signal.clear();
        for st in &mut self.streams {
            if st.cfg.storage == super::scenario::Storage::Memory {
                st.lost = true;
            }
        }
        for c in 0..self.consumers.len() {
            let lost = self.streams[self.consumers[c].stream].lost;
            let co = &mut self.consumers[c];
            if co.deleted {
                continue;
            }
            co.waiting.clear();
            co.active = false;
            co.delete_timer = 0;
            co.ack_timer = 0;
            if lost {
                co.deleted = true;
                continue;
            }
            co.rdq.clear();
            for p in co.pending.values_mut() {
                p.ts -= ((p.ts.max(0) as u64 + phase) % 1000) as i64;
            }
            if !co.pending.is_empty() {
                let delay = (500 + self.restart_rng.below(1000)).min(co.cfg.ack_wait_ms.unwrap_or(30_000));
                let gen = co.gen();
                co.ack_timer = gen;
                self.timer(now + delay, JsTimer::Ack { c, gen });
            }
            let d = self.consumers[c].dthresh_ms;
            if d > 0 {
                self.arm_delete(c, d);
            }
        }
        self.api_total = 0;
        self.api_errors = 0;
    }

    // ---- timers -----------------------------------------------------------------------

    /// A timer is due.
    pub fn fire(&mut self, t: JsTimer) {
        match t {
            JsTimer::Ack { c, gen } => self.check_pending(c, gen),
            JsTimer::PullExpire { c, req } => {
                if self.consumers[c].waiting.iter().any(|w| w.id == req) {
                    self.expire_waiting(c);
                    self.run(c);
                }
            }
            JsTimer::Delete { c, gen } => self.delete_not_active(c, gen),
            JsTimer::MaxAge { s, gen } => self.max_age(s, gen),
            JsTimer::Kick { c } => self.run(c),
        }
    }

    /// `deleteNotActive` (JS §3.7).
    fn delete_not_active(&mut self, c: usize, gen: u64) {
        let now = self.now;
        let co = &mut self.consumers[c];
        if co.deleted || co.delete_timer != gen {
            return;
        }
        co.delete_timer = 0;
        if !co.cfg.pull() {
            if co.active {
                return;
            }
        } else {
            let elapsed = now - co.last_activity;
            if elapsed <= co.cfg.inactive_threshold_ms.unwrap_or(0) {
                let d = co.dthresh_ms.saturating_sub(elapsed).max(1);
                self.arm_delete(c, d);
                return;
            }
            if !co.waiting.is_empty() {
                let d = co.dthresh_ms;
                self.arm_delete(c, d);
                return;
            }
        }
        self.delete(c, "inactive");
    }
}
