//! JetStream mode's board and event log as shapes and text (tested natively): publishers →
//! streams (their seqs and subjects) → consumers (deliver group, ack floor, pending,
//! redelivered, waiting pull requests) → the listeners bound to them, push subscribers and
//! pull workers. Read from the simulator at the cursor and the last events before it only.

use super::view_model::{seconds, shown_name};
use crate::engine::jetstream::scenario::{AckMode, AckPolicy, Reply};
use crate::engine::jetstream::trace::{JsError, JsKind};
use crate::engine::jetstream::{JsEvent, JsSession, JsSim};
use crate::engine::time::SimTime;
use std::collections::{BTreeMap, BTreeSet};

/// Node width and the gaps of the board.
pub const NODE_W: f64 = 190.0;
const COL_GAP: f64 = 60.0;
const ROW_GAP: f64 = 14.0;
const LINE_H: f64 = 16.0;
const PAD: f64 = 20.0;
/// A deliver group's frame: the room for its name above the members, and its margin.
const GROUP_HEAD: f64 = 22.0;
const GROUP_PAD: f64 = 8.0;
/// The height of the new-group drop zone.
const ZONE_H: f64 = 40.0;
/// One column (a phone): its left edge (room for the edges' curves) and the gap between kinds.
const TALL_X: f64 = 46.0;
const SECTION_GAP: f64 = 18.0;

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsNodeKind {
    /// A client that publishes.
    Publisher,
    /// A stream.
    Stream,
    /// A consumer.
    Consumer,
    /// A push subscriber or a pull worker.
    Listener,
}

/// One box on the board.
#[derive(Clone, Debug, PartialEq)]
pub struct JsNode {
    /// Stable id (`stream:ORDERS`, `consumer:ORDERS/c`, `sub:s1`, `pub:p`).
    pub id: String,
    /// Kind.
    pub kind: JsNodeKind,
    /// Top-left corner and size.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Height.
    pub h: f64,
    /// First line (shown names, cut to the box).
    pub title: String,
    /// The whole untrusted name, for the tooltip.
    pub full: String,
    /// The lines under it.
    pub lines: Vec<String>,
    /// CSS modifier: `ok`, `warn`, `bad`, `dim`.
    pub state: &'static str,
    /// A push consumer, or an open push subscriber: what a drag moves or lands on.
    pub push: bool,
}

/// An edge between two nodes; `hot` when a message crossed it within the last 300 ms.
#[derive(Clone, Debug, PartialEq)]
pub struct JsEdge {
    /// From (node index).
    pub from: usize,
    /// To (node index).
    pub to: usize,
    /// Recently used.
    pub hot: bool,
}

/// A deliver group drawn around the push subscribers bound to its consumer (a drop target:
/// a subscriber dropped in it is bound to that consumer with the group as its queue).
#[derive(Clone, Debug, PartialEq)]
pub struct JsGroup {
    /// The consumer's node index.
    pub consumer: usize,
    /// The group's name.
    pub name: String,
    /// Frame.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// Where a dragged subscriber can be dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropTarget {
    /// A push consumer (its node or its deliver group's frame): its node index.
    Consumer(usize),
    /// The zone that makes a new consumer with a deliver group on the same stream.
    NewGroup,
}

/// The board at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct JsBoard {
    /// Boxes.
    pub nodes: Vec<JsNode>,
    /// Edges.
    pub edges: Vec<JsEdge>,
    /// Deliver groups with their members inside.
    pub groups: Vec<JsGroup>,
    /// The "new deliver group" drop zone under the listeners (x, y, w, h), when a push
    /// subscriber exists to drag there.
    pub zone: Option<(f64, f64, f64, f64)>,
    /// One column (a phone): edges run down the left side instead of across.
    pub tall: bool,
    /// Size of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
}

fn node(id: String, kind: JsNodeKind, name: &str, lines: Vec<String>, state: &'static str) -> JsNode {
    JsNode { id, kind, x: 0.0, y: 0.0, h: 26.0 + LINE_H * lines.len() as f64, title: shown_name(name, 24), full: name.to_string(), lines, state, push: false }
}

/// The board of `sess` at the state `sim` (the session's state at `t`), in four columns.
pub fn board(sess: &JsSession, sim: &JsSim, t: SimTime) -> JsBoard {
    board_laid(sess, sim, t, false)
}

/// The board, in four columns or (`tall`, a phone) in one: publishers, then streams, then
/// consumers, then the listeners with their deliver groups' frames, top to bottom.
pub fn board_laid(sess: &JsSession, sim: &JsSim, t: SimTime, tall: bool) -> JsBoard {
    let srv = sim.server();
    let clients = sim.clients();
    let state_of = |c: &str| clients.iter().find(|x| &*x.0 == c).map_or("running", |x| x.1);
    let mut nodes = Vec::new();
    // Publishers, one per client that has published by now.
    for (client, _, at) in sess.publishers() {
        if *at <= t && !nodes.iter().any(|n: &JsNode| n.id == format!("pub:{client}")) {
            let st = state_of(client);
            nodes.push(node(
                format!("pub:{client}"),
                JsNodeKind::Publisher,
                client,
                vec![format!("js.publish · {st}")],
                if st == "running" { "ok" } else { "dim" },
            ));
        }
    }
    for s in srv.streams.iter().filter(|s| !s.lost) {
        let c = &s.cfg;
        let range = if s.msgs.is_empty() { "no messages".to_string() } else { format!("seq {}…{} · {} msgs", s.first_seq, s.last_seq, s.msgs.len()) };
        let subjects = c.subjects.iter().map(|x| shown_name(x, 18)).collect::<Vec<_>>().join(" ");
        nodes.push(node(format!("stream:{}", c.name), JsNodeKind::Stream, &c.name, vec![subjects, range], "ok"));
    }
    for (i, co) in srv.consumers.iter().enumerate() {
        if co.deleted {
            continue;
        }
        let cfg = &co.cfg;
        let kind = match (&cfg.deliver_subject, &cfg.deliver_group) {
            (None, _) => format!("pull · {} waiting", co.waiting.len()),
            (Some(_), Some(g)) => format!("push · group {}", shown_name(g, 18)),
            (Some(_), None) => "push".to_string(),
        };
        let mut lines = vec![kind, format!("ack floor {} · pending {}", co.asflr, co.pending.len())];
        lines.push(format!("redelivered {} · unprocessed {}", co.rdc.len(), co.num_pending(&srv.streams[co.stream])));
        if cfg.ack_policy != AckPolicy::None {
            lines.push(format!("ack wait {} · max {}", seconds(cfg.ack_wait_ms.unwrap_or(30_000)), cfg.max_ack_pending.unwrap_or(0)));
        }
        let stalled = cfg.maxp() > 0 && co.pending.len() >= cfg.maxp();
        let idle = !cfg.pull() && !co.active;
        if stalled {
            lines.push("stalled at max_ack_pending".into());
        } else if idle {
            lines.push("no subscriber: nothing delivered".into());
        }
        let state = if stalled || idle { "warn" } else { "ok" };
        let mut n = node(format!("consumer:{i}"), JsNodeKind::Consumer, &co.name, lines, state);
        n.push = !cfg.pull();
        nodes.push(n);
    }
    // Listeners sit together by the consumer they are bound to (a deliver group's members
    // inside its frame), in the order they were made within it.
    let mut views = sim.handle_views();
    views.sort_by_key(|h| h.consumer);
    for h in &views {
        // An open subscription outlives its consumer (deleted, or lost with a memory stream
        // at a restart): it stays, saying so; a closed one goes with it.
        let gone = srv.consumers.get(h.consumer).is_none_or(|c| c.deleted);
        if gone && !h.open {
            continue;
        }
        let st = state_of(&h.client);
        let how = match (h.pull, &h.queue) {
            (true, _) => "fetch".to_string(),
            (false, Some(q)) => format!("queue {}", shown_name(q, 14)),
            (false, None) => "subscribe".to_string(),
        };
        let ack = match h.ack {
            AckMode::Manual => "manualAck()",
            AckMode::Auto => "auto ack",
            AckMode::None => "never acks",
        };
        let open = if h.open {
            st
        } else if st == "running" {
            "unsubscribed"
        } else {
            st
        };
        let second = if gone { "its consumer is gone: nothing comes".to_string() } else { format!("{ack} · {} unanswered", h.unanswered) };
        let lines = vec![format!("{} · {how}", shown_name(&h.client, 12)), second, open.to_string()];
        let mut n = node(format!("sub:{}", h.sub), JsNodeKind::Listener, &h.sub, lines, if gone { "warn" } else { listener_tone(open) });
        n.push = !h.pull && h.open && st != "killed" && st != "closed";
        nodes.push(n);
    }
    // Columns, top to bottom in order; a deliver group's open members get a frame with its
    // name above them.
    // (asked of open push subscribers only: their consumer is a push one)
    let group_of = |n: &JsNode| -> Option<usize> {
        let h = views.iter().find(|h| *h.sub == *n.full)?;
        srv.consumers.get(h.consumer).filter(|c| c.cfg.deliver_group.is_some()).map(|_| h.consumer)
    };
    let col_of = |k: JsNodeKind| if tall { 0 } else { k as usize };
    let x_of_col = |col: usize| if tall { TALL_X } else { PAD + col as f64 * (NODE_W + COL_GAP) };
    let mut heights = [PAD; 4];
    let mut frames: Vec<(usize, f64, f64)> = Vec::new(); // (consumer, top, bottom)
    let mut last_kind = None;
    for n in &mut nodes {
        let col = col_of(n.kind);
        if tall && last_kind.is_some_and(|k| k != n.kind) {
            heights[0] += SECTION_GAP;
        }
        last_kind = Some(n.kind);
        n.x = x_of_col(col);
        let g = if n.kind == JsNodeKind::Listener && n.push { group_of(n) } else { None };
        match (g, frames.last_mut()) {
            (Some(c), Some(f)) if f.0 == c && (f.2 - heights[col]).abs() < 1e-9 => {}
            (Some(c), _) => {
                heights[col] += GROUP_HEAD;
                frames.push((c, heights[col] - GROUP_HEAD, heights[col]));
            }
            (None, _) => {}
        }
        n.y = heights[col];
        heights[col] += n.h + ROW_GAP;
        if let (Some(_), Some(f)) = (g, frames.last_mut()) {
            f.2 = heights[col];
        }
    }
    let lcol = col_of(JsNodeKind::Listener);
    let lx = x_of_col(lcol);
    let groups: Vec<JsGroup> = frames
        .iter()
        .filter_map(|&(c, top, bottom)| {
            let node = nodes.iter().position(|n| n.id == format!("consumer:{c}"))?;
            let name = srv.consumers[c].cfg.deliver_group.as_deref().unwrap_or("").to_string();
            Some(JsGroup { consumer: node, name, x: lx - GROUP_PAD, y: top, w: NODE_W + 2.0 * GROUP_PAD, h: bottom - top - ROW_GAP + GROUP_PAD })
        })
        .collect();
    let zone = nodes.iter().any(|n| n.kind == JsNodeKind::Listener && n.push).then(|| {
        heights[lcol] += 4.0;
        let z = (lx - GROUP_PAD, heights[lcol], NODE_W + 2.0 * GROUP_PAD, ZONE_H);
        heights[lcol] += ZONE_H + ROW_GAP;
        z
    });
    let idx = |id: &str| nodes.iter().position(|n| n.id == id);
    let mut edges = Vec::new();
    for (client, stream, at) in sess.publishers() {
        if let (Some(a), Some(b), true) = (idx(&format!("pub:{client}")), idx(&format!("stream:{stream}")), *at <= t) {
            edges.push(JsEdge { from: a, to: b, hot: false });
        }
    }
    for (i, co) in srv.consumers.iter().enumerate() {
        if let (Some(a), Some(b)) = (idx(&format!("stream:{}", srv.streams[co.stream].cfg.name)), idx(&format!("consumer:{i}"))) {
            edges.push(JsEdge { from: a, to: b, hot: false });
        }
    }
    // a handle that ended keeps its edge while messages sent to it are still unanswered
    for h in views.iter().filter(|h| h.open || h.unanswered > 0) {
        if let (Some(a), Some(b)) = (idx(&format!("consumer:{}", h.consumer)), idx(&format!("sub:{}", h.sub))) {
            edges.push(JsEdge { from: a, to: b, hot: false });
        }
    }
    mark_hot(&nodes, &mut edges, &recent(sess.events_until(t), t));
    let height = heights.iter().cloned().fold(0.0, f64::max) + PAD;
    let width = if tall { TALL_X + NODE_W + GROUP_PAD + PAD / 2.0 } else { PAD * 2.0 + 4.0 * NODE_W + 3.0 * COL_GAP };
    JsBoard { nodes, edges, groups, zone, width, height: height.max(200.0), tall }
}

/// The events of the last 300 ms before `t` (at most 500, newest first): what makes an edge
/// hot.
fn recent(events: &[JsEvent], t: SimTime) -> Vec<&JsEvent> {
    events[..events.partition_point(|e| e.t <= t)].iter().rev().take_while(|e| e.t + 300 > t).take(500).collect()
}

/// Sets each edge hot when a message crossed it in `recent`: a publish from its publisher into
/// its stream, a delivery from its stream by its consumer, or by its consumer to its listener.
fn mark_hot(nodes: &[JsNode], edges: &mut [JsEdge], recent: &[&JsEvent]) {
    for e in edges {
        let (a, z) = (&nodes[e.from], &nodes[e.to]);
        e.hot = recent.iter().any(|ev| match (&ev.kind, a.kind) {
            (JsKind::Published { client, stream, .. }, JsNodeKind::Publisher) => **client == *a.full && **stream == *z.full,
            (JsKind::Delivered { at, .. }, JsNodeKind::Stream) => *at.stream == *a.full && *at.consumer == *z.full,
            (JsKind::Delivered { at, .. }, JsNodeKind::Consumer) => *at.sub == *z.full,
            _ => false,
        });
    }
}

/// A listener node's tone for its process or subscription state.
fn listener_tone(state: &str) -> &'static str {
    match state {
        "running" => "ok",
        "paused" | "busy" | "reconnecting" => "warn",
        "killed" => "bad",
        _ => "dim",
    }
}

impl JsBoard {
    /// What a subscriber dragged to (`x`, `y`) would be dropped on: a push consumer's node or
    /// its deliver group's frame, or the new-group zone.
    pub fn drop_target(&self, x: f64, y: f64) -> Option<DropTarget> {
        let inside = |bx: f64, by: f64, w: f64, h: f64| x >= bx && x <= bx + w && y >= by && y <= by + h;
        if let Some(g) = self.groups.iter().find(|g| inside(g.x, g.y, g.w, g.h)) {
            return Some(DropTarget::Consumer(g.consumer));
        }
        if let Some(i) = self.nodes.iter().position(|n| n.kind == JsNodeKind::Consumer && n.push && inside(n.x, n.y, NODE_W, n.h)) {
            return Some(DropTarget::Consumer(i));
        }
        self.zone.filter(|&(zx, zy, w, h)| inside(zx, zy, w, h)).map(|_| DropTarget::NewGroup)
    }
}

/// What a live run's real server did, as the page saw it, folded up to a moment: what the
/// board and the inspector show in live mode instead of the prediction (whose member choice,
/// for one, the server makes at random).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RealView {
    /// Per handle, the messages it holds unanswered: (stream seq, delivery count), in the order
    /// they came.
    pub held: BTreeMap<String, Vec<(u64, u64)>>,
    /// Processes that ended: client → `killed` or `closed`.
    pub gone: BTreeMap<String, &'static str>,
    /// Handles unsubscribed.
    pub unsubscribed: BTreeSet<String>,
    /// Each handle's process.
    pub client_of: BTreeMap<String, String>,
    /// Processes stopped (SIGSTOP) and not yet continued.
    pub paused: BTreeSet<String>,
    /// Per (stream, consumer): what it sent and what came back.
    pub consumers: BTreeMap<(String, String), ConsumerReal>,
    /// Per stream: (its last seq, messages stored by publishes seen).
    pub streams: BTreeMap<String, (u64, u64)>,
    /// The events of the last 300 ms (hot edges).
    pub recent: Vec<JsEvent>,
}

impl RealView {
    /// A process's state as the page saw it: `killed`, `closed`, `paused` or `running`.
    pub fn process_state(&self, client: &str) -> &'static str {
        match self.gone.get(client) {
            Some(g) => g,
            None if self.paused.contains(client) => "paused",
            None => "running",
        }
    }
}

/// A consumer's numbers from the deliveries and answers seen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConsumerReal {
    /// Seqs delivered and not acked or termed, with their delivery count.
    pub pending: BTreeMap<u64, u64>,
    /// Seqs delivered more than once and still pending.
    pub redelivered: BTreeSet<u64>,
    /// The highest seq delivered.
    pub last: u64,
    /// `num_pending` of its last delivery: what the stream still had for it.
    pub unprocessed: u64,
}

impl ConsumerReal {
    /// The ack floor as the page can tell it: the highest seq delivered below every pending one.
    pub fn ack_floor(&self) -> u64 {
        match self.pending.keys().next() {
            Some(&p) => p.saturating_sub(1).min(self.last),
            None => self.last,
        }
    }
}

/// Folds the real server's `events` (a live recording) up to `t`.
pub fn real_view(events: &[JsEvent], t: SimTime) -> RealView {
    let mut v = RealView::default();
    for e in events.iter().take_while(|e| e.t <= t) {
        match &e.kind {
            JsKind::Delivered { at, seq, num_delivered, num_pending, .. } => {
                let held = v.held.entry(at.sub.to_string()).or_default();
                held.retain(|(s, _)| s != seq);
                held.push((*seq, *num_delivered));
                let c = v.consumers.entry((at.stream.to_string(), at.consumer.to_string())).or_default();
                c.pending.insert(*seq, *num_delivered);
                if *num_delivered > 1 {
                    c.redelivered.insert(*seq);
                }
                c.last = c.last.max(*seq);
                c.unprocessed = *num_pending;
            }
            JsKind::Answered { at, reply, seq, .. } => {
                if *reply != Reply::InProgress {
                    if let Some(h) = v.held.get_mut(&*at.sub) {
                        h.retain(|(s, _)| s != seq);
                    }
                }
                if matches!(reply, Reply::Ack | Reply::Term) {
                    if let Some(c) = v.consumers.get_mut(&(at.stream.to_string(), at.consumer.to_string())) {
                        c.pending.remove(seq);
                        c.redelivered.remove(seq);
                    }
                }
            }
            JsKind::Subscribed { at, .. } => {
                v.client_of.insert(at.sub.to_string(), at.client.to_string());
            }
            JsKind::Killed { client } => {
                v.gone.insert(client.to_string(), "killed");
            }
            JsKind::Paused { client } => {
                v.paused.insert(client.to_string());
            }
            JsKind::Continued { client } => {
                v.paused.remove(&**client);
            }
            JsKind::ClientClosed { client, reason } => {
                v.gone.entry(client.to_string()).or_insert(if *reason == "killed" { "killed" } else { "closed" });
            }
            JsKind::Unsubscribed { sub, .. } => {
                v.unsubscribed.insert(sub.to_string());
            }
            JsKind::Published { stream, seq, duplicate: false, .. } => {
                let s = v.streams.entry(stream.to_string()).or_default();
                *s = (s.0.max(*seq), s.1 + 1);
            }
            _ => {}
        }
    }
    v.recent = recent(events, t).into_iter().cloned().collect();
    v
}

impl JsBoard {
    /// The board of a live run: the nodes of the prediction (the same gestures made them),
    /// with the numbers and states of what the real server did (`real`), and hot edges from
    /// its last 300 ms. `names` gives each consumer node's (stream, consumer).
    pub fn with_real(mut self, real: &RealView, names: &[(String, String)]) -> JsBoard {
        for n in &mut self.nodes {
            match n.kind {
                JsNodeKind::Stream => {
                    let (last, count) = real.streams.get(&n.full).copied().unwrap_or((0, 0));
                    let line = if count == 0 { "nothing published yet".to_string() } else { format!("last seq {last} · {count} published") };
                    if let Some(l) = n.lines.get_mut(1) {
                        *l = line;
                    }
                }
                JsNodeKind::Consumer => {
                    let key = n.id.strip_prefix("consumer:").and_then(|i| i.parse::<usize>().ok()).and_then(|i| names.get(i));
                    let c = key.and_then(|k| real.consumers.get(k)).cloned().unwrap_or_default();
                    if let Some(l) = n.lines.get_mut(1) {
                        *l = format!("ack floor {} · pending {}", c.ack_floor(), c.pending.len());
                    }
                    if let Some(l) = n.lines.get_mut(2) {
                        *l = format!("redelivered {} · unprocessed {}", c.redelivered.len(), c.unprocessed);
                    }
                    // the prediction's stall and idle notes are not what the server said
                    n.lines.truncate(4);
                    n.state = "ok";
                }
                JsNodeKind::Listener => {
                    let sub = n.id.trim_start_matches("sub:").to_string();
                    let client = real.client_of.get(&sub).cloned().unwrap_or_default();
                    let held = real.held.get(&sub).map_or(0, Vec::len);
                    if let Some(l) = n.lines.get_mut(1) {
                        let ack = l.split(" · ").next().unwrap_or("").to_string();
                        *l = format!("{ack} · {held} unanswered");
                    }
                    let state = match real.process_state(&client) {
                        "running" | "paused" if real.unsubscribed.contains(&sub) => "unsubscribed",
                        p => p,
                    };
                    if let Some(l) = n.lines.get_mut(2) {
                        *l = state.to_string();
                    }
                    n.state = listener_tone(state);
                    n.push = n.push && state == "running";
                }
                JsNodeKind::Publisher => {}
            }
        }
        let recent: Vec<&JsEvent> = real.recent.iter().collect();
        mark_hot(&self.nodes, &mut self.edges, &recent);
        self
    }
}

/// The JetStream traps the run shows (jetstream-mapping.md §2), each at the moment it first
/// shows: computed once per run, read up to the cursor.
pub fn traps(sess: &JsSession) -> Vec<(SimTime, String)> {
    use std::collections::BTreeSet;
    let mut out: Vec<(SimTime, String)> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut say = |t: SimTime, key: String, text: String| {
        if seen.insert(key) {
            out.push((t, text));
        }
    };
    // Deliveries counted per (consumer, seq), to see a message handled twice.
    let mut acked: BTreeSet<(String, String, u64)> = BTreeSet::new();
    let mut auto_failed: BTreeSet<(String, u64)> = BTreeSet::new();
    for e in sess.history() {
        match &e.kind {
            JsKind::SubscribeFailed { at, error } if error.error.starts_with("durable requires") => say(
                e.t,
                format!("group:{}", at.consumer),
                format!(
                    "{} could not join {}: {}. In JetStream the queue group is the consumer's deliver_group; a queue subscriber of a consumer without it gets nothing.",
                    shown_name(&at.sub, 24),
                    shown_name(&at.consumer, 24),
                    error.error
                ),
            ),
            JsKind::Answered { at, reply: Reply::Ack, seq, .. } => {
                acked.insert((at.stream.to_string(), at.consumer.to_string(), *seq));
            }
            JsKind::Processed { at, seq, ok: false, .. } if acked.contains(&(at.stream.to_string(), at.consumer.to_string(), *seq)) && auto_failed.insert((at.consumer.to_string(), *seq)) => say(
                e.t,
                format!("lost:{}:{seq}", at.consumer),
                format!("seq {seq} was acked before {}'s handler failed on it: the server will never send it again (auto-ack acks when the callback returns).", shown_name(&at.sub, 24)),
            ),
            JsKind::Delivered { at, seq, num_delivered, .. } if *num_delivered > 1 && acked.contains(&(at.stream.to_string(), at.consumer.to_string(), *seq)) => say(
                e.t,
                format!("twice:{}:{seq}", at.consumer),
                format!("seq {seq} came again (delivery {num_delivered}) although it was acked once: a stale ack does count, but this one came after the ack wait."),
            ),
            JsKind::MaxDeliveries { consumer, stream_seq, deliveries, .. } => say(
                e.t,
                format!("maxdel:{consumer}:{stream_seq}"),
                format!("{} gave up on seq {stream_seq} after {deliveries} deliveries. No error reaches the application; only the MAX_DELIVERIES advisory says so.", shown_name(consumer, 24)),
            ),
            JsKind::ConsumerDeleted { consumer, reason: "inactive", .. } => {
                say(e.t, format!("inactive:{consumer}"), format!("{} was deleted for inactivity (its inactive_threshold passed with no subscriber or request).", shown_name(consumer, 24)))
            }
            _ => {}
        }
    }
    out
}

fn err(e: &JsError) -> String {
    match (e.code, e.err_code) {
        (Some(c), Some(n)) => format!("{} ({c}/{n})", e.error),
        (Some(c), None) => format!("{} ({c})", e.error),
        _ => e.error.to_string(),
    }
}

/// One event as a line of the log: (time, text, CSS class).
pub fn log_line(e: &JsEvent) -> (String, String, &'static str) {
    let n = |s: &str| shown_name(s, 40);
    let (text, class) = match &e.kind {
        JsKind::Connected { client } => (format!("{} connected", n(client)), "info"),
        JsKind::ClientClosed { client, reason } => (format!("the server sees {}'s connection end ({reason})", n(client)), "warn"),
        JsKind::Killed { client } => (format!("{} was killed", n(client)), "bad"),
        JsKind::Paused { client } => (format!("{} is stopped (SIGSTOP)", n(client)), "warn"),
        JsKind::Continued { client } => (format!("{} continues", n(client)), "info"),
        JsKind::ServerRestarted => {
            ("the server restarts: memory streams are gone, file streams and their consumers are read back from disk".to_string(), "bad")
        }
        JsKind::Disconnected { client } => (format!("{}'s connection drops; nats.js reconnects in about 2 s", n(client)), "warn"),
        JsKind::Reconnected { client } => (format!("{} reconnected; its subscriptions are made again", n(client)), "ok"),
        JsKind::StreamAdded { stream } => (format!("stream {} added", n(stream)), "info"),
        JsKind::ConsumerAdded { stream, consumer, durable, pull } => (
            format!("{} {} consumer {} on {}", if *durable { "durable" } else { "ephemeral" }, if *pull { "pull" } else { "push" }, n(consumer), n(stream)),
            "info",
        ),
        JsKind::ActionFailed { index, error } => (format!("action {index} failed: {}", err(error)), "bad"),
        JsKind::Published { client, subject, stream, seq, duplicate } => (
            format!("{} published {} → {} seq {seq}{}", n(client), n(subject), n(stream), if *duplicate { " (a duplicate: nothing stored)" } else { "" }),
            "info",
        ),
        JsKind::PublishFailed { client, subject, error } => (format!("{}'s publish on {} failed: {}", n(client), n(subject), err(error)), "bad"),
        JsKind::Subscribed { at, queue, pull } => (
            format!(
                "{} bound {} to {}{}",
                n(&at.client),
                n(&at.sub),
                n(&at.consumer),
                if *pull { " (fetch)".to_string() } else { queue.as_ref().map(|q| format!(" in queue {}", n(q))).unwrap_or_default() }
            ),
            "info",
        ),
        JsKind::SubscribeFailed { at, error } => (format!("{} could not bind {}: {}", n(&at.client), n(&at.sub), err(error)), "bad"),
        JsKind::Unsubscribed { client, sub } => (format!("{} unsubscribed {}", n(client), n(sub)), "warn"),
        JsKind::Delivered { at, seq, consumer_seq, num_delivered, .. } => (
            format!("{} → {} ({}): seq {seq}, consumer seq {consumer_seq}, delivery {num_delivered}", n(&at.consumer), n(&at.sub), n(&at.client)),
            if *num_delivered > 1 { "warn" } else { "ok" },
        ),
        JsKind::Answered { at, reply, seq, num_delivered } => {
            let what = match reply {
                Reply::Ack => "+ACK".to_string(),
                Reply::Nak => "-NAK".to_string(),
                Reply::NakDelay(d) => format!("-NAK {{\"delay\":{}}} ({})", *d as u128 * 1_000_000, seconds(*d)),
                Reply::Term => "+TERM".to_string(),
                Reply::InProgress => "+WPI".to_string(),
            };
            (
                format!("{} sends {what} for seq {seq} (delivery {num_delivered})", n(&at.sub)),
                if matches!(reply, Reply::Ack | Reply::InProgress) { "ok" } else { "warn" },
            )
        }
        JsKind::Processed { at, seq, ok, .. } => {
            (format!("{}'s handler {} seq {seq}", n(&at.sub), if *ok { "finished" } else { "failed on" }), if *ok { "ok" } else { "bad" })
        }
        JsKind::PullStatus { at, code, description, pending_messages } => (
            format!(
                "{}'s pull request ends: {code} {}{}",
                n(&at.sub),
                n(description),
                pending_messages.map(|p| format!(" ({p} not delivered)")).unwrap_or_default()
            ),
            "info",
        ),
        JsKind::MaxDeliveries { stream, consumer, stream_seq, deliveries } => {
            (format!("MAX_DELIVERIES: {} on {} gives up seq {stream_seq} after {deliveries} deliveries (nobody is told)", n(consumer), n(stream)), "bad")
        }
        JsKind::MsgAdvisory { naked, consumer, stream_seq, deliveries, .. } => {
            (format!("{}: {} seq {stream_seq} (delivery {deliveries})", if *naked { "MSG_NAKED" } else { "MSG_TERMINATED" }, n(consumer)), "warn")
        }
        JsKind::ConsumerDeleted { stream, consumer, reason } => (format!("consumer {} on {} deleted ({reason})", n(consumer), n(stream)), "warn"),
        JsKind::MsgDropped { stream, seq, reason } => (format!("{} dropped seq {seq} ({reason})", n(stream), reason = reason), "warn"),
    };
    (format!("{:.3}", e.t as f64 / 1000.0), text, class)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::jetstream::JsScenario;
    use crate::engine::RunLimits;

    fn session() -> JsSession {
        JsSession::new(JsScenario::parse(include_str!("../../tests/jetstream/scenarios/group-kill.json")).unwrap(), RunLimits::default())
    }

    #[test]
    fn after_a_restart_the_memory_stream_and_its_consumer_leave_the_board_and_the_subscription_says_so() {
        let s = JsSession::new(JsScenario::parse(include_str!("../../tests/jetstream/scenarios/server-restart.json")).unwrap(), RunLimits::default());
        let ids = |t: SimTime| board(&s, &s.at(t), t).nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(5000), ["pub:abc", "stream:F", "stream:M", "consumer:0", "consumer:1", "sub:s1", "sub:s2"]);
        // At 6 s the server has restarted and the clients are reconnecting.
        let b = board(&s, &s.at(6000), 6000);
        assert_eq!(b.nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["pub:abc", "stream:F", "consumer:0", "sub:s1", "sub:s2"]);
        assert_eq!(b.nodes[0].lines[0], "js.publish · reconnecting");
        assert_eq!(b.nodes[2].lines[1], "ack floor 3 · pending 1", "the file stream's consumer kept its state");
        assert_eq!(b.nodes[2].lines[4], "no subscriber: nothing delivered");
        let s2 = &b.nodes[4];
        assert_eq!((s2.lines[1].as_str(), s2.lines[2].as_str(), s2.state), ("its consumer is gone: nothing comes", "reconnecting", "warn"));
        let b = board(&s, &s.at(8000), 8000);
        assert_eq!(b.nodes[3].lines[2], "running", "l1 reconnected at 7.535 s");
        assert_eq!(b.nodes[2].lines.len(), 4, "s1 is bound again: the consumer has a subscriber");
    }

    #[test]
    fn the_board_has_a_column_per_kind_and_shows_the_killed_member_holding_messages() {
        let s = session();
        let at = 700;
        let b = board(&s, &s.at(at), at);
        let ids: Vec<&str> = b.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, vec!["pub:l2", "stream:ticket", "consumer:0", "sub:s1", "sub:s2"]);
        let xs: Vec<f64> = b.nodes.iter().map(|n| n.x).collect();
        assert_eq!(xs, vec![20.0, 270.0, 520.0, 770.0, 770.0]);
        let l1 = &b.nodes[3];
        assert_eq!(l1.state, "bad");
        assert_eq!(l1.lines[2], "killed");
        let held: usize = l1.lines[1].split(" · ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        let consumer = &b.nodes[2];
        assert_eq!(consumer.lines[0], "push · group orders-service");
        assert_eq!(consumer.lines[1], format!("ack floor 0 · pending {held}"), "what l1 held is still pending on the consumer");
        assert_eq!(b.edges.len(), 4);
        assert!(b.edges.iter().all(|e| !e.hot), "nothing moved in the last 300 ms at 700 ms");
        // At 2101 ms its messages went to l2: the consumer → l2 edge is hot.
        let b = board(&s, &s.at(2150), 2150);
        let to_l2 = b.edges.iter().find(|e| b.nodes[e.to].id == "sub:s2").unwrap();
        assert!(to_l2.hot);
        assert!(b.nodes[2].lines[2].starts_with(&format!("redelivered {held}")), "{:?}", b.nodes[2].lines);
    }

    #[test]
    fn a_deliver_groups_members_sit_in_its_frame_and_a_drop_finds_the_consumer_or_the_new_group_zone() {
        let s = session();
        let b = board(&s, &s.at(300), 300);
        assert_eq!(b.groups.len(), 1);
        let g = &b.groups[0];
        assert_eq!((g.consumer, g.name.as_str()), (2, "orders-service"));
        let (s1, s2) = (&b.nodes[3], &b.nodes[4]);
        assert_eq!((s1.y, s2.y), (20.0 + GROUP_HEAD, 20.0 + GROUP_HEAD + s1.h + ROW_GAP));
        assert!(g.y < s1.y && g.y + g.h > s2.y + s2.h, "the frame holds both members: {g:?}");
        assert!(s1.push && s2.push && b.nodes[2].push);
        let (zx, zy, zw, zh) = b.zone.expect("a push subscriber can be dragged");
        assert!(zy > g.y + g.h);
        assert_eq!(b.drop_target(g.x + 5.0, g.y + 5.0), Some(DropTarget::Consumer(2)));
        assert_eq!(b.drop_target(b.nodes[2].x + 5.0, b.nodes[2].y + 5.0), Some(DropTarget::Consumer(2)));
        assert_eq!(b.drop_target(zx + zw / 2.0, zy + zh / 2.0), Some(DropTarget::NewGroup));
        assert_eq!(b.drop_target(b.nodes[1].x + 5.0, b.nodes[1].y + 5.0), None, "a stream is no target");
        // killed at 600 ms: l1 left the frame and can no longer be dragged
        let b = board(&s, &s.at(700), 700);
        assert!(!b.nodes[3].push);
        assert_eq!(b.groups[0].y, b.nodes[4].y - GROUP_HEAD);
    }

    #[test]
    fn in_live_mode_the_board_and_the_held_messages_are_what_the_real_server_did() {
        // The recording of the real nats-server 2.9.10: its random member choice gave l1 seqs
        // 1, 8, 10 and 11 (the prediction gave it 1, 3, 4, 5, 7, 9, 12).
        let rec: serde_json::Value = serde_json::from_str(include_str!("../../tests/jetstream/recorded/group-kill.json")).unwrap();
        let events: Vec<JsEvent> = rec["trace"].as_array().unwrap().iter().map(|e| JsEvent::from_value(e).unwrap()).collect();
        let s = session();
        let names = vec![("ticket".to_string(), "orders".to_string())];
        let r = real_view(&events, 700);
        assert_eq!(r.held["s1"], vec![(1, 1), (8, 1), (10, 1), (11, 1)]);
        assert_eq!(r.held["s2"], vec![]);
        assert_eq!(r.gone["l1"], "killed");
        let b = board(&s, &s.at(700), 700).with_real(&r, &names);
        let l1 = b.nodes.iter().find(|n| n.id == "sub:s1").unwrap();
        assert_eq!((l1.lines[1].as_str(), l1.lines[2].as_str(), l1.state, l1.push), ("never acks · 4 unanswered", "killed", "bad", false));
        let c = b.nodes.iter().find(|n| n.id == "consumer:0").unwrap();
        assert_eq!(&c.lines[1..3], ["ack floor 0 · pending 4", "redelivered 0 · unprocessed 0"]);
        assert_eq!(b.nodes.iter().find(|n| n.id == "stream:ticket").unwrap().lines[1], "last seq 12 · 12 published");
        assert!(b.edges.iter().all(|e| !e.hot));
        // 2150 ms: the four came to l2 again (delivery 2) one ack wait after they were sent.
        let r = real_view(&events, 2150);
        assert_eq!(r.held["s2"], vec![(1, 2), (8, 2), (10, 2), (11, 2)]);
        let b = board(&s, &s.at(2150), 2150).with_real(&r, &names);
        let c = b.nodes.iter().find(|n| n.id == "consumer:0").unwrap();
        assert_eq!(&c.lines[1..3], ["ack floor 0 · pending 4", "redelivered 4 · unprocessed 0"]);
        assert!(b.edges.iter().find(|e| b.nodes[e.to].id == "sub:s2").unwrap().hot);
        // 2300 ms: all acked.
        let c = &real_view(&events, 2300).consumers[&names[0]];
        assert_eq!((c.ack_floor(), c.pending.len(), c.redelivered.len()), (12, 0, 0));
    }

    #[test]
    fn on_a_phone_the_board_is_one_column_with_the_groups_frame_and_the_zone_under_it() {
        let s = session();
        let b = board_laid(&s, &s.at(300), 300, true);
        assert!(b.tall && b.width <= 300.0, "{}", b.width);
        assert!(b.nodes.iter().all(|n| n.x == TALL_X));
        let ys: Vec<f64> = b.nodes.iter().map(|n| n.y).collect();
        assert!(ys.windows(2).all(|w| w[0] < w[1]), "top to bottom in order: {ys:?}");
        // a section gap between kinds, none within one
        let (stream, consumer) = (&b.nodes[1], &b.nodes[2]);
        assert_eq!(consumer.y, stream.y + stream.h + ROW_GAP + SECTION_GAP);
        let g = &b.groups[0];
        assert_eq!((g.x, g.w), (TALL_X - GROUP_PAD, NODE_W + 2.0 * GROUP_PAD));
        assert!(g.y < b.nodes[3].y && g.y + g.h > b.nodes[4].y + b.nodes[4].h);
        let (zx, zy, _, zh) = b.zone.unwrap();
        assert_eq!(b.drop_target(zx + 10.0, zy + zh / 2.0), Some(DropTarget::NewGroup));
        assert_eq!(b.drop_target(consumer.x + 5.0, consumer.y + 5.0), Some(DropTarget::Consumer(2)));
    }

    #[test]
    fn the_traps_of_a_run_are_named_when_they_first_show() {
        let s = JsSession::new(JsScenario::parse(include_str!("../../tests/jetstream/scenarios/maxdeliver-push.json")).unwrap(), RunLimits::default());
        assert_eq!(
            traps(&s),
            vec![(3105, "c gave up on seq 1 after 3 deliveries. No error reaches the application; only the MAX_DELIVERIES advisory says so.".to_string())]
        );
        let s = JsSession::new(JsScenario::parse(include_str!("../../tests/jetstream/scenarios/lifecycle.json")).unwrap(), RunLimits::default());
        let t = traps(&s);
        assert_eq!(t[0].0, 110);
        assert!(t[0].1.starts_with("g1 could not join grp: durable requires queue group 'g'."), "{t:?}");
        let s = JsSession::new(JsScenario::parse(include_str!("../../tests/jetstream/scenarios/fail-handlers.json")).unwrap(), RunLimits::default());
        assert!(traps(&s).iter().any(|(t, w)| *t == 300 && w.starts_with("seq 3 was acked before sau's handler failed on it")), "{:?}", traps(&s));
    }

    #[test]
    fn log_lines_say_what_happened_with_the_servers_words() {
        let s = session();
        let lines: Vec<(String, String, &str)> = s.history().iter().map(log_line).collect();
        assert_eq!(lines[0], ("0.000".into(), "stream ticket added".into(), "info"));
        let moved = lines.iter().find(|l| l.1.contains("delivery 2")).unwrap();
        assert_eq!(moved.0, "2.101");
        assert_eq!(moved.2, "warn");
        assert!(lines.iter().any(|l| l.1 == "l1 was killed" && l.0 == "0.600"));
    }
}
