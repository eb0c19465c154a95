//! Trace → timeline: one lane per channel (publishes, drops), per client (heartbeats, kills,
//! pauses, closes, the server giving up) and per subscription (deliveries, redeliveries with
//! their count, acks, processing, ack-wait intervals, offline periods), the journey of one
//! sequence number across lanes, and live warnings (processed twice, lost by auto ack, out of
//! order, stalled group). Built incrementally as the trace grows; no Yew types.

use crate::engine::app::Anomaly;
use crate::engine::trace::CloseReason;
use crate::engine::vecmap::VecMap;
use crate::engine::{Sim, SimTime, TraceEvent, TraceKind, Verb};
use std::collections::{BTreeMap, BTreeSet};

/// What a lane shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LaneKind {
    /// A channel: publishes and drops.
    Channel,
    /// A client: heartbeats, lifecycle.
    Client,
    /// A subscription handle: deliveries, acks, processing.
    Sub,
}

/// What a mark is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum MarkKind {
    Published,
    Dropped,
    Delivered,
    Redelivered,
    Acked,
    ProcessedOk,
    ProcessedFailed,
    HeartbeatOk,
    HeartbeatMissed,
    Connected,
    Killed,
    Paused,
    Continued,
    Closed,
    GaveUp,
    ConnectionLost,
    Subscribed,
    SubClosed,
    Failed,
    Restarted,
}

impl MarkKind {
    /// Vertical offset in its lane: acks and processing sit under the delivery.
    pub fn dy(self) -> f64 {
        match self {
            MarkKind::Acked => 4.5,
            MarkKind::ProcessedOk | MarkKind::ProcessedFailed => -4.5,
            _ => 0.0,
        }
    }

    /// CSS modifier.
    pub fn class(self) -> &'static str {
        use MarkKind::*;
        match self {
            Published => "pub",
            Dropped => "drop",
            Delivered => "dlv",
            Redelivered => "rdlv",
            Acked => "ack",
            ProcessedOk => "ok",
            ProcessedFailed => "fail",
            HeartbeatOk => "hb",
            HeartbeatMissed => "hbmiss",
            Connected | Subscribed | Continued => "life",
            Killed | GaveUp | ConnectionLost | Failed => "bad",
            Paused | Closed | SubClosed => "warn",
            Restarted => "bad",
        }
    }
}

/// One event on a lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    /// When.
    pub t: SimTime,
    /// What.
    pub kind: MarkKind,
    /// Channel and sequence, when the event is about a message.
    pub msg: Option<(String, u64)>,
    /// Tooltip (readable; untrusted text stays text).
    pub label: String,
}

/// What a span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// From a delivery to its ack, its redelivery, or the end of the subscription.
    AckWait,
    /// The process was stopped.
    Paused,
    /// Killed, but the server still held the client.
    Zombie,
    /// A durable (or durable group) kept offline by the server.
    Offline,
    /// The NATS connection was down (server restart).
    Disconnected,
}

/// An interval on a lane; `t1 == None` is still open (draw it to the cursor).
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// Start.
    pub t0: SimTime,
    /// End, if over.
    pub t1: Option<SimTime>,
    /// What.
    pub kind: SpanKind,
    /// For ack waits: the message and when its ack wait expires.
    pub msg: Option<(String, u64)>,
    /// Ack-wait expiry.
    pub expires: Option<SimTime>,
}

/// A lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    /// Kind.
    pub kind: LaneKind,
    /// Label (client id, channel, `client/handle`).
    pub label: String,
    /// The client it belongs to (to select on the board).
    pub client: Option<String>,
    /// Marks, in time order.
    pub marks: Vec<Mark>,
    /// Spans, by start time.
    pub spans: Vec<Span>,
}

/// Something the learner should look at.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    /// When it became true.
    pub t: SimTime,
    /// The message concerned.
    pub msg: Option<(String, u64)>,
    /// What happened, readable.
    pub text: String,
}

/// How a subscription handle was set up (from its subscribe action).
#[derive(Clone, Debug, Default)]
struct HandleInfo {
    ack_wait_ms: u64,
    manual_ack: bool,
    /// The scope acks and redeliveries share: the queue group, or the handle itself.
    scope: String,
    /// Durable identity, if durable.
    durable: Option<String>,
}

/// The timeline, kept up to date with a run.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Lanes in display order.
    pub lanes: Vec<Lane>,
    /// Warnings so far.
    pub warnings: Vec<Warning>,
    /// Server restarts (drawn across all lanes).
    pub restarts: Vec<SimTime>,
    built: usize,
    generation: u64,
    handles: VecMap<String, HandleInfo>,
    lane_of: VecMap<(LaneKind, String), usize>,
    /// Ack-wait spans still open, by (handle, seq) → (lane, span index).
    open_waits: BTreeMap<(String, u64), (usize, usize)>,
    /// Processed-ok count per (scope, seq), and the highest processed seq per scope.
    processed_ok: BTreeMap<(String, u64), u32>,
    max_processed: VecMap<String, u64>,
    /// Seqs acked by an auto-ack handle (to spot "acked, then failed").
    auto_acked: BTreeSet<(String, u64)>,
    /// Open offline spans by durable identity.
    offline: VecMap<String, (usize, usize)>,
    warned_stalled: BTreeSet<String>,
}

/// The message (channel, seq) an event is about, if any.
pub fn msg_of(k: &TraceKind) -> Option<(String, u64)> {
    match k {
        TraceKind::Published { channel, seq, .. }
        | TraceKind::MsgDropped { channel, seq, .. }
        | TraceKind::Delivered { channel, seq, .. }
        | TraceKind::Acked { channel, seq, .. }
        | TraceKind::Processed { channel, seq, .. }
        | TraceKind::App { channel, seq, .. } => Some((channel.to_string(), *seq)),
        _ => None,
    }
}

/// A readable description of an event without its time (the journey).
pub fn what(e: &TraceEvent) -> String {
    let r = super::view_model::row(e);
    format!("{} {} {}", r.event, r.client, r.detail).trim_end().to_string()
}

/// A readable description of an event with its time (tooltips).
pub fn describe(e: &TraceEvent) -> String {
    format!("{} {}", super::view_model::seconds(e.t), what(e))
}

impl Timeline {
    /// Brings the timeline up to date with `sim` (whose run has `generation`: it changes
    /// when the run is forked or replaced). Rebuilds after a rewind or a fork.
    pub fn update(&mut self, sim: &Sim, generation: u64) {
        let trace = sim.trace();
        if generation != self.generation || trace.len() < self.built {
            *self = Timeline { generation, ..Timeline::default() };
        }
        if self.handles.is_empty() || self.built == 0 {
            self.handles = handle_infos(sim);
        }
        for e in &trace[self.built..] {
            self.add(e);
        }
        self.built = trace.len();
        self.check_stalled(sim);
    }

    fn lane(&mut self, kind: LaneKind, key: &str, label: &str, client: Option<&str>) -> usize {
        if let Some(&i) = self.lane_of.get(&(kind, key.to_string())) {
            return i;
        }
        // Channels first; then each client followed by its subscriptions.
        let pos = match kind {
            LaneKind::Channel => self.lanes.iter().take_while(|l| l.kind == LaneKind::Channel).count(),
            LaneKind::Client => self.lanes.len(),
            LaneKind::Sub => {
                let owner = client.unwrap_or_default();
                match self.lanes.iter().rposition(|l| l.client.as_deref() == Some(owner)) {
                    Some(p) => p + 1,
                    None => self.lanes.len(),
                }
            }
        };
        self.lanes.insert(pos, Lane { kind, label: label.to_string(), client: client.map(str::to_string), marks: Vec::new(), spans: Vec::new() });
        for v in self.lane_of.values_mut() {
            if *v >= pos {
                *v += 1;
            }
        }
        for v in self.open_waits.values_mut().chain(self.offline.values_mut()) {
            if v.0 >= pos {
                v.0 += 1;
            }
        }
        self.lane_of.insert((kind, key.to_string()), pos);
        pos
    }

    fn mark(&mut self, lane: usize, e: &TraceEvent, kind: MarkKind) {
        self.lanes[lane].marks.push(Mark { t: e.t, kind, msg: msg_of(&e.kind), label: describe(e) });
    }

    fn client_lane(&mut self, client: &str) -> usize {
        self.lane(LaneKind::Client, client, client, Some(client))
    }

    fn sub_lane(&mut self, client: &str, handle: &str) -> usize {
        self.client_lane(client);
        self.lane(LaneKind::Sub, handle, &format!("{client} · {handle}"), Some(client))
    }

    fn close_span(&mut self, lane: usize, kind: SpanKind, t: SimTime) {
        if let Some(s) = self.lanes[lane].spans.iter_mut().rev().find(|s| s.kind == kind && s.t1.is_none()) {
            s.t1 = Some(t);
        }
    }

    /// Ends the ack wait of `seq` wherever it is open in `scope`.
    fn end_wait(&mut self, scope: &str, seq: u64, t: SimTime) {
        let keys: Vec<(String, u64)> =
            self.open_waits.keys().filter(|(h, s)| *s == seq && self.handles.get(h).is_some_and(|i| i.scope == scope)).cloned().collect();
        for k in keys {
            if let Some((l, i)) = self.open_waits.remove(&k) {
                self.lanes[l].spans[i].t1 = Some(t);
            }
        }
    }

    fn warn(&mut self, t: SimTime, msg: Option<(String, u64)>, text: String) {
        self.warnings.push(Warning { t, msg, text });
    }

    fn add(&mut self, e: &TraceEvent) {
        use TraceKind::*;
        match &e.kind {
            Published { channel, .. } => {
                let l = self.lane(LaneKind::Channel, channel, channel, None);
                self.mark(l, e, MarkKind::Published);
            }
            MsgDropped { channel, .. } => {
                let l = self.lane(LaneKind::Channel, channel, channel, None);
                self.mark(l, e, MarkKind::Dropped);
            }
            Connected { client, .. } => {
                let l = self.client_lane(client);
                self.mark(l, e, MarkKind::Connected);
            }
            ConnectFailed { client, .. } => {
                let l = self.client_lane(client);
                self.mark(l, e, MarkKind::Failed);
            }
            PublishFailed { client, .. } => {
                let l = self.client_lane(client);
                self.mark(l, e, MarkKind::Failed);
            }
            Heartbeat { client, ok, .. } => {
                let l = self.client_lane(client);
                self.mark(l, e, if *ok { MarkKind::HeartbeatOk } else { MarkKind::HeartbeatMissed });
            }
            Killed { client } => {
                let l = self.client_lane(client);
                self.mark(l, e, MarkKind::Killed);
                // Until the server notices (client_closed) the dead client is still held.
                self.lanes[l].spans.push(Span { t0: e.t, t1: None, kind: SpanKind::Zombie, msg: None, expires: None });
            }
            Paused { client } => {
                let l = self.client_lane(client);
                self.mark(l, e, MarkKind::Paused);
                self.lanes[l].spans.push(Span { t0: e.t, t1: None, kind: SpanKind::Paused, msg: None, expires: None });
            }
            Continued { client } => {
                let l = self.client_lane(client);
                self.mark(l, e, MarkKind::Continued);
                self.close_span(l, SpanKind::Paused, e.t);
            }
            Disconnected { client } => {
                let l = self.client_lane(client);
                self.lanes[l].spans.push(Span { t0: e.t, t1: None, kind: SpanKind::Disconnected, msg: None, expires: None });
            }
            Reconnected { client } => {
                let l = self.client_lane(client);
                self.close_span(l, SpanKind::Disconnected, e.t);
            }
            ConnectionLost { client, .. } => {
                let l = self.client_lane(client);
                self.mark(l, e, MarkKind::ConnectionLost);
                self.close_span(l, SpanKind::Disconnected, e.t);
                self.close_span(l, SpanKind::Paused, e.t);
            }
            ClientClosed { client, reason } => {
                let l = self.client_lane(client);
                self.mark(l, e, if *reason == CloseReason::Heartbeat { MarkKind::GaveUp } else { MarkKind::Closed });
                self.close_span(l, SpanKind::Zombie, e.t);
            }
            ServerRestarted => self.restarts.push(e.t),
            Subscribed { client, sub, resumed, .. } => {
                let l = self.sub_lane(client, sub);
                self.mark(l, e, MarkKind::Subscribed);
                if *resumed {
                    if let Some(key) = self.handles.get(&**sub).and_then(|h| h.durable.clone()) {
                        if let Some((ol, oi)) = self.offline.remove(&key) {
                            self.lanes[ol].spans[oi].t1 = Some(e.t);
                        }
                    }
                }
            }
            SubscribeFailed { client, sub, .. } => {
                let l = self.sub_lane(client, sub);
                self.mark(l, e, MarkKind::Failed);
            }
            SubClosed { client, sub, kept, .. } => {
                let l = self.sub_lane(client, sub);
                self.mark(l, e, MarkKind::SubClosed);
                let waits: Vec<(String, u64)> = self.open_waits.keys().filter(|(h, _)| **h == **sub).cloned().collect();
                for k in waits {
                    let (wl, wi) = self.open_waits.remove(&k).expect("open");
                    self.lanes[wl].spans[wi].t1 = Some(e.t);
                }
                if *kept {
                    self.lanes[l].spans.push(Span { t0: e.t, t1: None, kind: SpanKind::Offline, msg: None, expires: None });
                    let i = self.lanes[l].spans.len() - 1;
                    if let Some(key) = self.handles.get(&**sub).and_then(|h| h.durable.clone()) {
                        self.offline.insert(key, (l, i));
                    }
                }
            }
            Delivered { client, sub, seq, redelivered, .. } => {
                let l = self.sub_lane(client, sub);
                self.mark(l, e, if *redelivered { MarkKind::Redelivered } else { MarkKind::Delivered });
                let info = self.handles.get(&**sub).cloned().unwrap_or_default();
                // A redelivery ends the previous ack wait of this seq in the same scope.
                self.end_wait(&info.scope, *seq, e.t);
                let channel = msg_of(&e.kind).map(|m| m.0).unwrap_or_default();
                self.lanes[l].spans.push(Span {
                    t0: e.t,
                    t1: None,
                    kind: SpanKind::AckWait,
                    msg: Some((channel, *seq)),
                    expires: (info.ack_wait_ms > 0).then_some(e.t + info.ack_wait_ms),
                });
                let i = self.lanes[l].spans.len() - 1;
                self.open_waits.insert((sub.to_string(), *seq), (l, i));
            }
            Acked { client, sub, seq, .. } => {
                let l = self.sub_lane(client, sub);
                self.mark(l, e, MarkKind::Acked);
                let info = self.handles.get(&**sub).cloned().unwrap_or_default();
                self.end_wait(&info.scope, *seq, e.t);
                if !info.manual_ack {
                    self.auto_acked.insert((sub.to_string(), *seq));
                }
            }
            Processed { client, sub, seq, ok, channel } => {
                let l = self.sub_lane(client, sub);
                self.mark(l, e, if *ok { MarkKind::ProcessedOk } else { MarkKind::ProcessedFailed });
                self.check_processed(e, sub, channel, *seq, *ok);
            }
            App { sub, channel, seq, app, result, .. } => {
                let msg = Some((channel.to_string(), *seq));
                let what = format!("{} {}", app.as_str(), result.resource);
                for a in &result.anomalies {
                    let text = match a {
                        Anomaly::AppliedTwice => format!("{what}: #{seq} on {channel} applied twice by {sub} ({} → {})", result.before, result.after),
                        Anomaly::OutOfOrder => format!("{what}: #{seq} on {channel} applied out of order by {sub} ({} → {})", result.before, result.after),
                        Anomaly::VersionWentBack => format!("{what}: version went back to {} (#{seq} on {channel}, {sub})", result.version.unwrap_or_default()),
                        Anomaly::NegativeBalance => format!("{what}: balance went negative, {} (#{seq} on {channel}, {sub})", result.after),
                        Anomaly::Lost => format!("{what}: #{seq} on {channel} lost — acked by {sub} and never applied"),
                    };
                    self.warn(e.t, msg.clone(), text);
                }
            }
            ActionFailed { .. } => {}
            ChannelCreated { channel } => {
                self.lane(LaneKind::Channel, channel, channel, None);
            }
            ChannelDeleted { .. } => {}
        }
    }

    fn check_processed(&mut self, e: &TraceEvent, sub: &str, channel: &str, seq: u64, ok: bool) {
        let info = self.handles.get(sub).cloned().unwrap_or_default();
        let msg = Some((channel.to_string(), seq));
        if !ok {
            if self.auto_acked.contains(&(sub.to_string(), seq)) {
                self.warn(e.t, msg, format!("#{seq} on {channel} is lost: {sub} auto-acked it when the handler returned, then its work failed"));
            }
            return;
        }
        let n = self.processed_ok.entry((info.scope.clone(), seq)).or_insert(0);
        *n += 1;
        if *n == 2 {
            self.warn(e.t, msg.clone(), format!("#{seq} on {channel} was processed twice (the second time by {sub})"));
        }
        let max = self.max_processed.entry(info.scope.clone()).or_insert(0);
        if seq < *max {
            let m = *max;
            self.warn(e.t, msg, format!("#{seq} on {channel} was processed after #{m} by {sub}: out of order"));
        } else {
            *max = seq;
        }
    }

    fn check_stalled(&mut self, sim: &Sim) {
        for (name, ch) in sim.broker().channels() {
            for (key, g) in &ch.qsubs {
                let id = format!("{name}/{key}");
                let stalled = !g.members.is_empty() && g.stalled_count >= g.members.len();
                if stalled && self.warned_stalled.insert(id.clone()) {
                    self.warn(sim.now(), None, format!("queue {key} on {name} is stalled: every member is at its max in flight"));
                } else if !stalled {
                    self.warned_stalled.remove(&id);
                }
            }
        }
    }
}

fn handle_infos(sim: &Sim) -> VecMap<String, HandleInfo> {
    let mut out = VecMap::new();
    for a in &sim.scenario().actions {
        if let Verb::Subscribe(s) = &a.verb {
            let scope = match (&s.queue, &s.durable) {
                (Some(q), Some(d)) => format!("{}/{d}:{q}", s.channel),
                (Some(q), None) => format!("{}/{q}", s.channel),
                _ => format!("handle/{}", s.sub),
            };
            let durable = match (&s.queue, &s.durable) {
                (Some(q), Some(d)) => Some(format!("{}/{d}:{q}", s.channel)),
                (None, Some(d)) => Some(format!("{}-{}-{d}", s.client, s.channel)),
                _ => None,
            };
            out.insert(s.sub.to_string(), HandleInfo { ack_wait_ms: s.ack_wait_ms, manual_ack: s.manual_ack, scope, durable });
        }
    }
    out
}

/// Every trace event about one message, in order, described — its journey.
pub fn journey(sim: &Sim, channel: &str, seq: u64) -> Vec<(SimTime, String)> {
    sim.trace().iter().filter(|e| msg_of(&e.kind).is_some_and(|(c, s)| c == channel && s == seq)).map(|e| (e.t, what(e))).collect()
}

/// The mark nearest to time `t` (within `tolerance` ms) on a lane, preferring messages.
pub fn nearest(marks: &[Mark], t: SimTime, tolerance: u64) -> Option<&Mark> {
    let r = visible(marks, t.saturating_sub(tolerance), t + tolerance);
    marks[r].iter().min_by_key(|m| (m.msg.is_none(), m.t.abs_diff(t)))
}

/// Index range of `marks` whose times fall in `[t0, t1]`.
pub fn visible(marks: &[Mark], t0: SimTime, t1: SimTime) -> std::ops::Range<usize> {
    let a = marks.partition_point(|m| m.t < t0);
    let b = marks.partition_point(|m| m.t <= t1);
    a..b.max(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Scenario, Session};

    fn course(t: u64) -> (Session, Timeline) {
        let mut s = Session::new(Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.17.json")).unwrap());
        s.advance_to(t).unwrap();
        let mut tl = Timeline::default();
        tl.update(s.sim(), 0);
        (s, tl)
    }

    #[test]
    fn lanes_are_channels_then_each_client_with_its_subscriptions() {
        let (_, tl) = course(20_000);
        let labels: Vec<&str> = tl.lanes.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["ticket:created", "pub", "l1", "l1 · s1", "l2", "l2 · s2"]);
    }

    #[test]
    fn seq_7_went_to_the_dead_member_its_ack_wait_expired_at_12s_and_it_went_to_l2() {
        let (s, tl) = course(20_000);
        let s1 = &tl.lanes[3];
        let wait = s1.spans.iter().find(|sp| sp.msg == Some(("ticket:created".into(), 7))).unwrap();
        assert_eq!((wait.t0, wait.t1, wait.expires), (7_000, Some(12_000), Some(12_000)));
        let j = journey(s.sim(), "ticket:created", 7);
        let times: Vec<u64> = j.iter().map(|(t, _)| *t).collect();
        assert_eq!(times, [7_000, 7_000, 12_000, 12_000, 12_000]);
        assert_eq!(j[0].1, "published pub ticket:created #7");
        assert!(j[1].1.contains("delivered l1 s1 ticket:created #7"), "{j:?}");
        assert!(j[2].1.contains("delivered l2 s2 ticket:created #7 redelivered ×1"), "{j:?}");
        assert!(j[4].1.contains("acked l2"), "{j:?}");
    }

    #[test]
    fn the_killed_client_is_a_zombie_until_the_server_gives_up() {
        let (_, tl) = course(40_000);
        let l1 = &tl.lanes[2];
        let z = l1.spans.iter().find(|s| s.kind == SpanKind::Zombie).unwrap();
        assert_eq!((z.t0, z.t1), (5_500, Some(35_000)));
        let gave_up: Vec<u64> = l1.marks.iter().filter(|m| m.kind == MarkKind::GaveUp).map(|m| m.t).collect();
        assert_eq!(gave_up, [35_000]);
        let missed: Vec<u64> = l1.marks.iter().filter(|m| m.kind == MarkKind::HeartbeatMissed).map(|m| m.t).collect();
        assert_eq!(missed, [15_000, 25_000, 35_000]);
    }

    #[test]
    fn builds_incrementally_and_rebuilds_after_a_rewind_to_the_same_result() {
        let mut s = Session::new(Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.25.json")).unwrap());
        let mut tl = Timeline::default();
        for t in (0..=30_000).step_by(700) {
            s.advance_to(t).unwrap();
            tl.update(s.sim(), 0);
        }
        let (_, full) = {
            let mut f = Timeline::default();
            f.update(s.sim(), 0);
            ((), f)
        };
        assert_eq!(tl.lanes, full.lanes);
        s.seek(10_000).unwrap();
        tl.update(s.sim(), 0);
        assert!(tl.lanes.iter().all(|l| l.marks.iter().all(|m| m.t <= 10_000)));
    }

    #[test]
    fn warnings_name_lost_duplicate_and_out_of_order_events() {
        let s = Scenario::parse(include_str!("../../www/scenarios/auto-ack-loss.json")).unwrap();
        let mut sess = Session::new(s);
        sess.advance_to(15_000).unwrap();
        let mut tl = Timeline::default();
        tl.update(sess.sim(), 0);
        let texts: Vec<&str> = tl.warnings.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "#2 on ticket:created is lost: auto auto-acked it when the handler returned, then its work failed",
                "#2 on ticket:created was processed after #3 by manual: out of order"
            ]
        );
        assert_eq!(tl.warnings[0].t, 2_300);
        // The course scenario: a slow member gets a message twice.
        let twice = Scenario::parse(
            r#"{"until_ms": 5000, "actions": [{"at_ms": 0, "do": "connect", "client": "p"}, {"at_ms": 0, "do": "connect", "client": "c"},
            {"at_ms": 0, "do": "subscribe", "client": "c", "sub": "s", "channel": "a", "manual_ack": true, "ack_wait_ms": 1000, "process_ms": 1500},
            {"at_ms": 0, "do": "publish", "client": "p", "channel": "a"}]}"#,
        )
        .unwrap();
        let mut sess = Session::new(twice);
        sess.advance_to(5_000).unwrap();
        let mut tl = Timeline::default();
        tl.update(sess.sim(), 0);
        assert_eq!(tl.warnings.iter().map(|w| (w.t, w.text.as_str())).collect::<Vec<_>>(), [(2_500, "#1 on a was processed twice (the second time by s)")]);
    }

    #[test]
    fn a_group_whose_members_are_all_at_max_in_flight_is_flagged_stalled_once() {
        let sc = Scenario::parse(
            r#"{"until_ms": 5000, "actions": [{"at_ms": 0, "do": "connect", "client": "p"}, {"at_ms": 0, "do": "connect", "client": "a"}, {"at_ms": 0, "do": "connect", "client": "b"},
            {"at_ms": 0, "do": "subscribe", "client": "a", "sub": "A", "channel": "c", "queue": "g", "manual_ack": true, "max_inflight": 1, "process_ms": 100000},
            {"at_ms": 0, "do": "subscribe", "client": "b", "sub": "B", "channel": "c", "queue": "g", "manual_ack": true, "max_inflight": 1, "process_ms": 100000},
            {"at_ms": 100, "do": "publish", "client": "p", "channel": "c", "count": 3, "every_ms": 100}]}"#,
        )
        .unwrap();
        let mut sess = Session::new(sc);
        let mut tl = Timeline::default();
        for t in [50, 150, 250, 350, 2_000] {
            sess.advance_to(t).unwrap();
            tl.update(sess.sim(), sess.generation());
        }
        let stalled: Vec<(u64, &str)> = tl.warnings.iter().map(|w| (w.t, w.text.as_str())).collect();
        assert_eq!(stalled, [(250, "queue g on c is stalled: every member is at its max in flight")]);
    }

    #[test]
    fn visible_finds_the_marks_in_a_window() {
        let (_, tl) = course(20_000);
        let ch = &tl.lanes[0];
        let r = visible(&ch.marks, 3_000, 5_000);
        assert_eq!(ch.marks[r].iter().map(|m| m.msg.clone().unwrap().1).collect::<Vec<_>>(), [3, 4, 5]);
    }
}
