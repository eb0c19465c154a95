//! Trace → timeline: one lane per channel (publishes, drops), per client (heartbeats, kills,
//! pauses, closes, the server giving up) and per subscription (deliveries, redeliveries with
//! their count, acks, processing, ack-wait intervals, offline periods), the journey of one
//! sequence number across lanes, and live warnings (processed twice, lost by auto ack, out of
//! order, stalled group). No Yew types.
//!
//! Built incrementally over the run's whole history (not only up to the cursor): a seek
//! back or forth changes nothing here, a view just clips at the cursor. Marks are small
//! (time, kind, message key, the trace index for their tooltip) and each lane keeps, per
//! zoom level, which kinds occur in each time bucket, so that drawing a lane costs what fits
//! on screen (one entry per pixel column and kind) however many events the run has.

use crate::engine::app::Anomaly;
use crate::engine::ids::Name;
use crate::engine::seqmap::SeqMap;
use crate::engine::trace::CloseReason;
use crate::engine::vecmap::VecMap;
use crate::engine::{Sim, SimTime, TraceEvent, TraceKind, Verb};
use std::collections::HashSet;

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

/// A message on the timeline: (channel index in [`Timeline::channels`], sequence).
pub type MsgKey = (u16, u64);
const NO_CHANNEL: u16 = u16::MAX;

/// One event on a lane (no text: its tooltip is read from the trace event it points to).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    /// When.
    pub t: SimTime,
    /// Sequence, when the event is about a message.
    pub seq: u64,
    /// Index of its event in the run's trace.
    pub event: u32,
    /// Channel index, or none.
    chan: u16,
    /// What.
    pub kind: MarkKind,
}

impl Mark {
    /// The message it is about.
    pub fn msg(&self) -> Option<MsgKey> {
        (self.chan != NO_CHANNEL).then_some((self.chan, self.seq))
    }
}

/// Most trace events the builder reads per [`Timeline::update`] (a render stays short; the
/// view asks again until it caught up).
pub const UPDATE_SLICE: usize = 40_000;

/// Bucket sizes of the aggregated levels: 16 ms, 64 ms, … 262 s (powers of four).
pub const LEVEL_SHIFTS: [u32; 8] = [4, 6, 8, 10, 12, 14, 16, 18];

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
    pub msg: Option<MsgKey>,
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
    /// When it first appeared (a view hides it before).
    pub since: SimTime,
    /// Marks, in time order.
    pub marks: Vec<Mark>,
    /// Spans, by start time.
    pub spans: Vec<Span>,
    /// Spans never closed so far (indices into `spans`).
    open: Vec<usize>,
    /// The longest closed span: a window's spans start at most this long before it.
    longest: u64,
    /// Per [`LEVEL_SHIFTS`] level: (bucket, bit set of the mark kinds in it), in time order.
    levels: Vec<Vec<(u64, u32)>>,
}

impl Lane {
    fn new(kind: LaneKind, label: &str, client: Option<&str>, since: SimTime) -> Lane {
        Lane {
            kind,
            label: label.to_string(),
            client: client.map(str::to_string),
            since,
            marks: Vec::new(),
            spans: Vec::new(),
            open: Vec::new(),
            longest: 0,
            levels: vec![Vec::new(); LEVEL_SHIFTS.len()],
        }
    }

    fn push_mark(&mut self, m: Mark) {
        let bit = 1u32 << (m.kind as u32);
        for (level, shift) in self.levels.iter_mut().zip(LEVEL_SHIFTS) {
            let b = m.t >> shift;
            match level.last_mut() {
                Some((lb, mask)) if *lb == b => *mask |= bit,
                _ => level.push((b, bit)),
            }
        }
        self.marks.push(m);
    }

    fn push_span(&mut self, sp: Span) -> usize {
        self.spans.push(sp);
        let i = self.spans.len() - 1;
        self.open.push(i);
        i
    }

    fn end_span(&mut self, i: usize, t: SimTime) {
        if let Some(sp) = self.spans.get_mut(i) {
            if sp.t1.is_none() {
                sp.t1 = Some(t);
                self.longest = self.longest.max(t - sp.t0);
                self.open.retain(|o| *o != i);
            }
        }
    }

    /// Indices of the spans that overlap `[t0, t1]` (clipped at `now`), by start time.
    pub fn spans_in(&self, t0: SimTime, t1: SimTime, now: SimTime) -> Vec<usize> {
        let end = t1.min(now);
        let a = self.spans.partition_point(|s| s.t0 < t0.saturating_sub(self.longest));
        let b = self.spans.partition_point(|s| s.t0 <= end);
        // Spans still open from before `a` (`open` is in index order), then those from `a`:
        // in index order without a sort.
        let mut out: Vec<usize> = self.open.iter().copied().filter(|&o| o < a && self.spans[o].t0 <= end).collect();
        out.extend((a..b).filter(|i| self.spans[*i].t1.is_none_or(|x| x >= t0)));
        out
    }

    /// The aggregated level to draw at `ms_per_px`: the coarsest whose bucket fits in a pixel.
    pub fn level_for(ms_per_px: f64) -> Option<usize> {
        LEVEL_SHIFTS.iter().rposition(|s| ((1u64 << s) as f64) <= ms_per_px)
    }

    /// Buckets of `level` that lie wholly in `[t0, t1]`: (bucket start, kinds bit set).
    pub fn buckets(&self, level: usize, t0: SimTime, t1: SimTime) -> impl Iterator<Item = (SimTime, u32)> + '_ {
        let shift = LEVEL_SHIFTS[level];
        let l = &self.levels[level];
        let first = t0.div_ceil(1 << shift);
        let end = (t1 + 1) >> shift; // buckets < end end at or before t1
        let a = l.partition_point(|(b, _)| *b < first);
        let z = l.partition_point(|(b, _)| *b < end);
        l[a..z.max(a)].iter().map(move |(b, m)| (b << shift, *m))
    }
}

impl MarkKind {
    /// Every kind, in bit order.
    pub const ALL: [MarkKind; 20] = [
        MarkKind::Published,
        MarkKind::Dropped,
        MarkKind::Delivered,
        MarkKind::Redelivered,
        MarkKind::Acked,
        MarkKind::ProcessedOk,
        MarkKind::ProcessedFailed,
        MarkKind::HeartbeatOk,
        MarkKind::HeartbeatMissed,
        MarkKind::Connected,
        MarkKind::Killed,
        MarkKind::Paused,
        MarkKind::Continued,
        MarkKind::Closed,
        MarkKind::GaveUp,
        MarkKind::ConnectionLost,
        MarkKind::Subscribed,
        MarkKind::SubClosed,
        MarkKind::Failed,
        MarkKind::Restarted,
    ];
}

/// Something the learner should look at.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    /// When it became true.
    pub t: SimTime,
    /// The message concerned (channel name, sequence).
    pub msg: Option<(String, u64)>,
    /// What happened, readable.
    pub text: String,
}

/// How a subscription handle was set up (from its subscribe action).
#[derive(Clone, Debug, Default)]
struct HandleInfo {
    ack_wait_ms: u64,
    manual_ack: bool,
    /// Handle number (its index in the scenario's subscribe order).
    id: u32,
    /// The scope acks and redeliveries share (the queue group, or the handle itself), by number.
    scope: u32,
    /// Durable identity, if durable.
    durable: Option<String>,
}

/// An open ack wait: (handle number, lane, span index).
type OpenWait = (u32, usize, usize);

/// Maps by scope (a handle's or a queue group's number), then seq.
type BySeq<V> = VecMap<u32, SeqMap<V>>;

/// What the builder needs of a handle for each event (copied, no allocation).
#[derive(Clone, Copy)]
struct Handle {
    ack_wait_ms: u64,
    manual_ack: bool,
    id: u32,
    scope: u32,
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
    /// Channel names, indexed by [`MsgKey`]'s first half.
    pub channels: Vec<String>,
    chan_of: VecMap<String, u16>,
    built: usize,
    generation: u64,
    handles: VecMap<String, HandleInfo>,
    /// Lane index by kind (channel, client, sub) and key.
    lane_of: [VecMap<String, usize>; 3],
    /// Ack-wait spans still open, by scope and seq → (handle, lane, span index).
    open_waits: BySeq<Vec<OpenWait>>,
    /// Processed-ok count per scope and seq, and the highest processed seq per scope.
    processed_ok: BySeq<u32>,
    max_processed: VecMap<u32, u64>,
    /// Seqs acked by an auto-ack handle, by handle (to spot "acked, then failed").
    auto_acked: BySeq<()>,
    /// The selected message's events (trace indices) and how far the trace was searched.
    journey: Option<(MsgKey, Vec<u32>, usize)>,
    /// Open offline spans by durable identity.
    offline: VecMap<String, (usize, usize)>,
    warned_stalled: HashSet<Name>,
}

/// Width of a sequence label in the timeline's 8 px monospace (0.6 em a digit).
pub fn label_width(seq: u64) -> f64 {
    4.8 * super::view_model::digits(seq) as f64
}

/// Whether a label centred at `x` clears the lane's last one by a pixel: a dense lane labels
/// every few messages instead of piling numbers on each other (and a seek redraws a few
/// dozen texts, not hundreds).
pub fn label_fits(labels: &[(f64, u64)], x: f64, seq: u64) -> bool {
    labels.last().is_none_or(|&(lx, ls)| x - lx >= (label_width(ls) + label_width(seq)) / 2.0 + 1.0)
}

/// The message (channel, seq) an event is about, if any.
pub fn msg_of(k: &TraceKind) -> Option<(String, u64)> {
    msg_ref(k).map(|(c, s)| (c.to_string(), s))
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
    /// Brings the timeline up to date with `sim`'s history (whose run has `generation`: it
    /// changes when the run is forked or replaced), and the journey of `selected`. Rebuilds
    /// only after a fork or a new run; a seek costs nothing here. Reads at most
    /// [`UPDATE_SLICE`] new events per call; returns whether it caught up with the history.
    pub fn update(&mut self, sim: &Sim, generation: u64, selected: Option<&(String, u64)>) -> bool {
        let trace = &sim.history().trace;
        if generation != self.generation || trace.len() < self.built {
            *self = Timeline { generation, ..Timeline::default() };
        }
        if self.handles.is_empty() || self.built == 0 {
            self.handles = handle_infos(sim);
        }
        let end = trace.len().min(self.built + UPDATE_SLICE);
        for (i, e) in trace.iter().enumerate().take(end).skip(self.built) {
            self.add(i as u32, e);
        }
        self.built = end;
        self.check_stalled(sim);
        self.follow(trace, selected);
        end == trace.len()
    }

    /// The key of a message named by channel and sequence, if the timeline has seen it.
    pub fn key(&self, msg: Option<&(String, u64)>) -> Option<MsgKey> {
        let (c, seq) = msg?;
        self.chan_of.get(c.as_str()).map(|&i| (i, *seq))
    }

    /// A message key back as (channel name, sequence).
    pub fn name(&self, key: MsgKey) -> (String, u64) {
        (self.channels.get(key.0 as usize).cloned().unwrap_or_default(), key.1)
    }

    /// The selected message's events (trace indices, in order); empty when none.
    pub fn journey(&self) -> &[u32] {
        self.journey.as_ref().map_or(&[], |j| &j.1)
    }

    /// Warnings true at `now`, oldest first.
    pub fn warnings_at(&self, now: SimTime) -> &[Warning] {
        &self.warnings[..self.warnings.partition_point(|w| w.t <= now)]
    }

    fn follow(&mut self, trace: &[TraceEvent], selected: Option<&(String, u64)>) {
        let Some(key) = self.key(selected) else {
            self.journey = None;
            return;
        };
        if self.journey.as_ref().is_none_or(|j| j.0 != key) {
            self.journey = Some((key, Vec::new(), 0));
        }
        let Some((_, events, searched)) = self.journey.as_mut() else { return };
        let channel = self.channels.get(key.0 as usize).map(String::as_str).unwrap_or_default();
        for (i, e) in trace.iter().enumerate().skip(*searched) {
            if msg_ref(&e.kind).is_some_and(|(c, s)| c == channel && s == key.1) {
                events.push(i as u32);
            }
        }
        *searched = trace.len();
    }

    fn chan(&mut self, name: &str) -> u16 {
        if let Some(&i) = self.chan_of.get(name) {
            return i;
        }
        let i = self.channels.len().min(NO_CHANNEL as usize - 1) as u16;
        if self.channels.len() < NO_CHANNEL as usize - 1 {
            self.channels.push(name.to_string());
            self.chan_of.insert(name.to_string(), i);
        }
        i
    }

    fn lane(&mut self, kind: LaneKind, key: &str, label: &str, client: Option<&str>, t: SimTime) -> usize {
        if let Some(&i) = self.lane_of[kind as usize].get(key) {
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
        self.lanes.insert(pos, Lane::new(kind, label, client, t));
        for v in self.lane_of.iter_mut().flat_map(|m| m.values_mut()) {
            if *v >= pos {
                *v += 1;
            }
        }
        for w in self.open_waits.values_mut().flat_map(SeqMap::values_mut).flatten() {
            if w.1 >= pos {
                w.1 += 1;
            }
        }
        for v in self.offline.values_mut() {
            if v.0 >= pos {
                v.0 += 1;
            }
        }
        self.lane_of[kind as usize].insert(key.to_string(), pos);
        pos
    }

    fn mark(&mut self, lane: usize, i: u32, e: &TraceEvent, kind: MarkKind) {
        let (chan, seq) = match msg_ref(&e.kind) {
            Some((c, s)) => (self.chan(c), s),
            None => (NO_CHANNEL, 0),
        };
        self.lanes[lane].push_mark(Mark { t: e.t, seq, event: i, chan, kind });
    }

    fn client_lane(&mut self, client: &str, t: SimTime) -> usize {
        self.lane(LaneKind::Client, client, client, Some(client), t)
    }

    fn sub_lane(&mut self, client: &str, handle: &str, t: SimTime) -> usize {
        self.client_lane(client, t);
        self.lane(LaneKind::Sub, handle, &format!("{client} · {handle}"), Some(client), t)
    }

    fn close_span(&mut self, lane: usize, kind: SpanKind, t: SimTime) {
        let l = &mut self.lanes[lane];
        if let Some(&i) = l.open.iter().rev().find(|&&i| l.spans[i].kind == kind) {
            l.end_span(i, t);
        }
    }

    fn open_span(&mut self, lane: usize, t: SimTime, kind: SpanKind) -> usize {
        self.lanes[lane].push_span(Span { t0: t, t1: None, kind, msg: None, expires: None })
    }

    /// Ends the ack wait of `seq` wherever it is open in `scope`.
    fn end_wait(&mut self, scope: u32, seq: u64, t: SimTime) {
        for (_, l, i) in self.open_waits.get_mut(&scope).and_then(|m| m.remove(seq)).unwrap_or_default() {
            self.lanes[l].end_span(i, t);
        }
    }

    fn warn(&mut self, t: SimTime, msg: Option<(String, u64)>, text: String) {
        // In time order (a stalled group is noticed at the cursor, which may be in the past).
        let at = self.warnings.partition_point(|w| w.t <= t);
        self.warnings.insert(at, Warning { t, msg, text });
    }

    fn info(&self, sub: &str) -> Handle {
        self.handles.get(sub).map_or(Handle { ack_wait_ms: 0, manual_ack: false, id: u32::MAX, scope: u32::MAX }, |h| Handle {
            ack_wait_ms: h.ack_wait_ms,
            manual_ack: h.manual_ack,
            id: h.id,
            scope: h.scope,
        })
    }

    fn add(&mut self, i: u32, e: &TraceEvent) {
        use TraceKind::*;
        let t = e.t;
        match &e.kind {
            Published { channel, .. } => {
                let l = self.lane(LaneKind::Channel, channel, channel, None, t);
                self.mark(l, i, e, MarkKind::Published);
            }
            MsgDropped { channel, .. } => {
                let l = self.lane(LaneKind::Channel, channel, channel, None, t);
                self.mark(l, i, e, MarkKind::Dropped);
            }
            Connected { client, .. } => {
                let l = self.client_lane(client, t);
                self.mark(l, i, e, MarkKind::Connected);
            }
            ConnectFailed { client, .. } | PublishFailed { client, .. } => {
                let l = self.client_lane(client, t);
                self.mark(l, i, e, MarkKind::Failed);
            }
            Heartbeat { client, ok, .. } => {
                let l = self.client_lane(client, t);
                self.mark(l, i, e, if *ok { MarkKind::HeartbeatOk } else { MarkKind::HeartbeatMissed });
            }
            Killed { client } => {
                let l = self.client_lane(client, t);
                self.mark(l, i, e, MarkKind::Killed);
                // Until the server notices (client_closed) the dead client is still held.
                self.open_span(l, t, SpanKind::Zombie);
            }
            Paused { client } => {
                let l = self.client_lane(client, t);
                self.mark(l, i, e, MarkKind::Paused);
                self.open_span(l, t, SpanKind::Paused);
            }
            Continued { client } => {
                let l = self.client_lane(client, t);
                self.mark(l, i, e, MarkKind::Continued);
                self.close_span(l, SpanKind::Paused, t);
            }
            Disconnected { client } => {
                let l = self.client_lane(client, t);
                self.open_span(l, t, SpanKind::Disconnected);
            }
            Reconnected { client } => {
                let l = self.client_lane(client, t);
                self.close_span(l, SpanKind::Disconnected, t);
            }
            ConnectionLost { client, .. } => {
                let l = self.client_lane(client, t);
                self.mark(l, i, e, MarkKind::ConnectionLost);
                self.close_span(l, SpanKind::Disconnected, t);
                self.close_span(l, SpanKind::Paused, t);
            }
            ClientClosed { client, reason } => {
                let l = self.client_lane(client, t);
                self.mark(l, i, e, if *reason == CloseReason::Heartbeat { MarkKind::GaveUp } else { MarkKind::Closed });
                self.close_span(l, SpanKind::Zombie, t);
            }
            ServerRestarted => self.restarts.push(t),
            Subscribed { client, sub, resumed, .. } => {
                let l = self.sub_lane(client, sub, t);
                self.mark(l, i, e, MarkKind::Subscribed);
                if *resumed {
                    if let Some(key) = self.handles.get(&**sub).and_then(|h| h.durable.clone()) {
                        if let Some((ol, oi)) = self.offline.remove(&key) {
                            self.lanes[ol].end_span(oi, t);
                        }
                    }
                }
            }
            SubscribeFailed { client, sub, .. } => {
                let l = self.sub_lane(client, sub, t);
                self.mark(l, i, e, MarkKind::Failed);
            }
            SubClosed { client, sub, kept, .. } => {
                let l = self.sub_lane(client, sub, t);
                self.mark(l, i, e, MarkKind::SubClosed);
                let id = self.info(sub).id;
                let mut ended = Vec::new();
                for m in self.open_waits.values_mut() {
                    m.retain(|_, ws| {
                        ws.retain(|w| {
                            if w.0 == id {
                                ended.push((w.1, w.2));
                                false
                            } else {
                                true
                            }
                        });
                        !ws.is_empty()
                    });
                }
                for (wl, wi) in ended {
                    self.lanes[wl].end_span(wi, t);
                }
                if *kept {
                    let i = self.open_span(l, t, SpanKind::Offline);
                    if let Some(key) = self.handles.get(&**sub).and_then(|h| h.durable.clone()) {
                        self.offline.insert(key, (l, i));
                    }
                }
            }
            Delivered { client, sub, seq, redelivered, channel, .. } => {
                let l = self.sub_lane(client, sub, t);
                self.mark(l, i, e, if *redelivered { MarkKind::Redelivered } else { MarkKind::Delivered });
                let info = self.info(sub);
                // A redelivery ends the previous ack wait of this seq in the same scope.
                self.end_wait(info.scope, *seq, t);
                let chan = self.chan(channel);
                let expires = (info.ack_wait_ms > 0).then_some(t + info.ack_wait_ms);
                let span = self.lanes[l].push_span(Span { t0: t, t1: None, kind: SpanKind::AckWait, msg: Some((chan, *seq)), expires });
                self.open_waits.entry(info.scope).or_default().get_or_default(*seq).push((info.id, l, span));
            }
            Acked { client, sub, seq, .. } => {
                let l = self.sub_lane(client, sub, t);
                self.mark(l, i, e, MarkKind::Acked);
                let info = self.info(sub);
                self.end_wait(info.scope, *seq, t);
                if !info.manual_ack {
                    self.auto_acked.entry(info.id).or_default().insert(*seq, ());
                }
            }
            Processed { client, sub, seq, ok, channel } => {
                let l = self.sub_lane(client, sub, t);
                self.mark(l, i, e, if *ok { MarkKind::ProcessedOk } else { MarkKind::ProcessedFailed });
                self.check_processed(e, client, sub, channel, *seq, *ok);
            }
            App { client, sub, channel, seq, app, result } => {
                let msg = Some((channel.to_string(), *seq));
                let what = format!("{} {}", app.as_str(), result.resource);
                // Warnings name the listener the learner named, with the subscription handle.
                let sub = format!("{client} ({sub})");
                for a in &result.anomalies {
                    let text = match a {
                        Anomaly::AppliedTwice => format!("{what}: #{seq} on {channel} applied twice by {sub} ({} → {})", result.before, result.after),
                        Anomaly::OutOfOrder => format!("{what}: #{seq} on {channel} applied out of order by {sub} ({} → {})", result.before, result.after),
                        Anomaly::VersionWentBack => format!("{what}: version went back to {} (#{seq} on {channel}, {sub})", result.version.unwrap_or_default()),
                        Anomaly::NegativeBalance => format!("{what}: balance went negative, {} (#{seq} on {channel}, {sub})", result.after),
                        Anomaly::Lost => format!("{what}: #{seq} on {channel} lost — acked by {sub} and never applied"),
                    };
                    self.warn(t, msg.clone(), text);
                }
            }
            ActionFailed { .. } => {}
            ChannelCreated { channel } => {
                self.lane(LaneKind::Channel, channel, channel, None, t);
            }
            ChannelDeleted { .. } => {}
        }
    }

    fn check_processed(&mut self, e: &TraceEvent, client: &str, handle: &str, channel: &str, seq: u64, ok: bool) {
        let info = self.info(handle);
        let sub = format!("{client} ({handle})");
        let msg = Some((channel.to_string(), seq));
        if !ok {
            if self.auto_acked.get(&info.id).is_some_and(|m| m.contains_key(seq)) {
                self.warn(e.t, msg, format!("#{seq} on {channel} is lost: {sub} auto-acked it when the handler returned, then its work failed"));
            }
            return;
        }
        let n = self.processed_ok.entry(info.scope).or_default().get_or_default(seq);
        *n += 1;
        if *n == 2 {
            self.warn(e.t, msg.clone(), format!("#{seq} on {channel} was processed twice (the second time by {sub})"));
        }
        let max = self.max_processed.entry(info.scope).or_insert(0);
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
                if stalled && self.warned_stalled.insert(Name::from(&*id)) {
                    self.warn(sim.now(), None, format!("queue {key} on {name} is stalled: every member is at its max in flight"));
                } else if !stalled {
                    self.warned_stalled.remove(&*id);
                }
            }
        }
    }
}

/// The message (channel, seq) an event is about, borrowed.
fn msg_ref(k: &TraceKind) -> Option<(&str, u64)> {
    match k {
        TraceKind::Published { channel, seq, .. }
        | TraceKind::MsgDropped { channel, seq, .. }
        | TraceKind::Delivered { channel, seq, .. }
        | TraceKind::Acked { channel, seq, .. }
        | TraceKind::Processed { channel, seq, .. }
        | TraceKind::App { channel, seq, .. } => Some((&**channel, *seq)),
        _ => None,
    }
}

fn handle_infos(sim: &Sim) -> VecMap<String, HandleInfo> {
    let mut out = VecMap::new();
    let mut scopes: VecMap<String, u32> = VecMap::new();
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
            let n = scopes.len() as u32;
            let scope = *scopes.entry(scope).or_insert(n);
            // A handle subscribed again keeps its number; its latest options apply.
            let id = out.get(&*s.sub).map_or(out.len() as u32, |h: &HandleInfo| h.id);
            out.insert(s.sub.to_string(), HandleInfo { ack_wait_ms: s.ack_wait_ms, manual_ack: s.manual_ack, id, scope, durable });
        }
    }
    out
}

/// Every trace event about one message up to the cursor, in order, described — its journey
/// (a scan of the trace: for tests and one-off reads; the view uses [`Timeline::journey`]).
pub fn journey(sim: &Sim, channel: &str, seq: u64) -> Vec<(SimTime, String)> {
    sim.trace().iter().filter(|e| msg_ref(&e.kind).is_some_and(|(c, s)| c == channel && s == seq)).map(|e| (e.t, what(e))).collect()
}

/// The mark nearest to time `t` (within `tolerance` ms, and not after `now`) on a lane,
/// preferring messages.
pub fn nearest(marks: &[Mark], t: SimTime, tolerance: u64, now: SimTime) -> Option<&Mark> {
    let r = visible(marks, t.saturating_sub(tolerance), (t + tolerance).min(now));
    marks[r].iter().min_by_key(|m| (m.msg().is_none(), m.t.abs_diff(t)))
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
        tl.update(s.sim(), 0, None);
        (s, tl)
    }

    #[test]
    fn a_sequence_label_waits_until_it_clears_the_last_one() {
        assert_eq!((label_width(7), label_width(10), label_width(1234)), (4.8, 9.6, 19.2));
        // Publishes 5.5 px apart (one every 100 ms at 18 ms a pixel): #1000 at x 100 keeps
        // #1001 (5.5 px on) and #1003 (16.5 px) off; #1004 at 22 px clears 19.2 + 1.
        let labels = [(100.0, 1000)];
        assert!(!label_fits(&labels, 105.5, 1001));
        assert!(!label_fits(&labels, 116.5, 1003));
        assert!(label_fits(&labels, 122.0, 1004));
        // Single digits need 5.8 px; the first label of a lane always fits.
        assert!(!label_fits(&[(10.0, 8)], 15.5, 9));
        assert!(label_fits(&[(10.0, 8)], 15.8, 9));
        assert!(label_fits(&[], 0.0, 1));
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
        let key = tl.key(Some(&("ticket:created".into(), 7)));
        assert_eq!(key, Some((0, 7)));
        let wait = s1.spans.iter().find(|sp| sp.msg == key).unwrap();
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
            tl.update(s.sim(), 0, None);
        }
        let (_, full) = {
            let mut f = Timeline::default();
            f.update(s.sim(), 0, None);
            ((), f)
        };
        assert_eq!(tl.lanes, full.lanes);
        // A seek back changes nothing here (the history is kept; views clip at the cursor).
        s.seek(10_000).unwrap();
        tl.update(s.sim(), 0, None);
        assert_eq!(tl.lanes, full.lanes);
        assert_eq!(tl.warnings_at(10_000).len(), full.warnings.iter().filter(|w| w.t <= 10_000).count());
    }

    #[test]
    fn warnings_name_lost_duplicate_and_out_of_order_events() {
        let s = Scenario::parse(include_str!("../../www/scenarios/auto-ack-loss.json")).unwrap();
        let mut sess = Session::new(s);
        sess.advance_to(15_000).unwrap();
        let mut tl = Timeline::default();
        tl.update(sess.sim(), 0, None);
        let texts: Vec<&str> = tl.warnings.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "#2 on ticket:created is lost: audit (auto) auto-acked it when the handler returned, then its work failed",
                "#2 on ticket:created was processed after #3 by billing (manual): out of order"
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
        tl.update(sess.sim(), 0, None);
        assert_eq!(tl.warnings.iter().map(|w| (w.t, w.text.as_str())).collect::<Vec<_>>(), [(2_500, "#1 on a was processed twice (the second time by c (s))")]);
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
            tl.update(sess.sim(), sess.generation(), None);
        }
        let stalled: Vec<(u64, &str)> = tl.warnings.iter().map(|w| (w.t, w.text.as_str())).collect();
        assert_eq!(stalled, [(250, "queue g on c is stalled: every member is at its max in flight")]);
    }

    #[test]
    fn visible_finds_the_marks_in_a_window() {
        let (_, tl) = course(20_000);
        let ch = &tl.lanes[0];
        let r = visible(&ch.marks, 3_000, 5_000);
        assert_eq!(ch.marks[r].iter().map(|m| m.seq).collect::<Vec<_>>(), [3, 4, 5]);
    }

    #[test]
    fn levels_say_which_kinds_occur_in_each_bucket_and_spans_are_found_by_window() {
        let (s, mut tl) = course(40_000);
        tl.update(s.sim(), 0, Some(&("ticket:created".into(), 7)));
        let ch = &tl.lanes[0];
        // One publish a second from 1 s: at 16 ms buckets, one bucket per publish, all "pub".
        let b: Vec<(u64, u32)> = ch.buckets(0, 0, 5_000).collect();
        assert_eq!(b.iter().map(|x| x.0).collect::<Vec<_>>(), [992, 2_000, 2_992, 4_000]);
        assert!(b.iter().all(|x| x.1 == 1 << MarkKind::Published as u32));
        // 262 s buckets: none lies wholly in a 40 s window.
        assert_eq!(ch.buckets(7, 0, 40_000).count(), 0);
        assert_eq!(Lane::level_for(10.0), None);
        assert_eq!(Lane::level_for(100.0), Some(1));
        // l1 · s1: the ack wait of #7 (7 s → 12 s) is in a window 11-13 s; #13's too (13 s →).
        let s1 = &tl.lanes[3];
        let seqs: Vec<u64> = s1.spans_in(11_000, 13_000, 40_000).iter().filter_map(|&i| s1.spans[i].msg.map(|m| m.1)).collect();
        assert_eq!(seqs, [7, 13]);
        // The journey of #7, by trace index: published, delivered to l1, redelivered to l2, …
        let times: Vec<u64> = tl.journey().iter().map(|&i| s.sim().trace()[i as usize].t).collect();
        assert_eq!(times, [7_000, 7_000, 12_000, 12_000, 12_000]);
    }
}
