//! Engine state → the board's shapes: publishers on the left, the server with its channels
//! in the middle, listeners on the right grouped into queue-group containers, and the dots
//! that travel along the edges (deliveries, redeliveries, acks). No Yew types: tested natively.

use crate::engine::process::{HandleState, ProcState, Process};
use crate::engine::scenario::SubscribeSpec;
use crate::engine::{Sim, SimTime, TraceKind};

/// The board's coordinate space (SVG viewBox).
pub const WIDTH: f64 = 1000.0;
/// Node size.
pub const NODE_W: f64 = 215.0;
/// Server column.
pub const SERVER_X: f64 = 345.0;
/// Server width.
pub const SERVER_W: f64 = 280.0;
const PUB_X: f64 = 30.0;
/// Listener column.
pub const LIS_X: f64 = 760.0;
const TOP: f64 = 60.0;
const CHANNEL_H: f64 = 74.0;

/// The board's arrangement: columns side by side (publishers, server, listeners), or for a
/// narrow screen one column top to bottom (publishers, then the server, then listeners).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Layout {
    /// Three columns, [`WIDTH`] wide.
    #[default]
    Wide,
    /// One column, [`TALL_WIDTH`] wide.
    Tall,
}

/// Width of the one-column board (a phone shows it at about its own size).
pub const TALL_WIDTH: f64 = 420.0;
/// Members a queue group shows before the rest collapse into one line (expandable).
pub const COLLAPSE_AT: usize = 8;
/// Members a collapsed group still shows.
pub const COLLAPSED_SHOWN: usize = 3;
/// Listeners with no queue group shown before the rest collapse into one line.
pub const PLAIN_COLLAPSE_AT: usize = 12;
/// Listeners with no queue group a collapsed list still shows.
pub const PLAIN_SHOWN: usize = 8;
/// [`BoardOpts::expanded`]'s name for the listeners with no queue group.
pub const PLAIN_ID: &str = "(no queue group)";

/// What the board is asked to draw besides the run: its layout and the collapsed groups the
/// learner opened (by [`GroupVm::id`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BoardOpts {
    /// Arrangement.
    pub layout: Layout,
    /// Groups shown whole although they have more than [`COLLAPSE_AT`] members.
    pub expanded: Vec<String>,
}

/// Where the server box and the columns are, for one layout.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Geo {
    /// Arrangement.
    pub layout: Layout,
    /// viewBox width.
    pub width: f64,
    /// Publisher column.
    pub pub_x: f64,
    /// Server box.
    pub server_x: f64,
    /// Server box top.
    pub server_y: f64,
    /// Server box width.
    pub server_w: f64,
    /// Listener column.
    pub lis_x: f64,
}

impl Geo {
    fn new(layout: Layout) -> Geo {
        match layout {
            Layout::Wide => Geo { layout, width: WIDTH, pub_x: PUB_X, server_x: SERVER_X, server_y: 40.0, server_w: SERVER_W, lis_x: LIS_X },
            Layout::Tall => Geo { layout, width: TALL_WIDTH, pub_x: 16.0, server_x: 16.0, server_y: 40.0, server_w: TALL_WIDTH - 32.0, lis_x: 28.0 },
        }
    }
}

/// Where edges and dots meet the server and the nodes.
struct Anchors<'a> {
    geo: Geo,
    server_h: f64,
    channels: &'a [ChannelVm],
}

impl Anchors<'_> {
    fn channel(&self, name: &str) -> (usize, f64) {
        self.channels.iter().position(|c| c.name == name).map_or((0, self.geo.server_y + 40.0), |i| (i, self.channels[i].y + 24.0))
    }
    /// A tall board's edges meet the server's top (publishes) or bottom (deliveries) at a
    /// point per channel, from the right.
    fn tall_x(&self, i: usize) -> f64 {
        self.geo.server_x + self.geo.server_w - 24.0 - 26.0 * (i % 8) as f64
    }
    /// Publisher → server.
    fn publish(&self, n: &NodeVm, channel: &str) -> ((f64, f64), (f64, f64)) {
        let (i, y) = self.channel(channel);
        match self.geo.layout {
            Layout::Wide => ((n.x + NODE_W, n.y + 22.0), (self.geo.server_x, y)),
            Layout::Tall => ((n.x + NODE_W, n.y + 22.0), (self.tall_x(i), self.geo.server_y)),
        }
    }
    /// Server → a listener's `k`-th subscription line.
    fn deliver(&self, n: &NodeVm, k: usize, channel: &str) -> ((f64, f64), (f64, f64)) {
        let (i, y) = self.channel(channel);
        let line = n.y + subs_top(n) - 10.0 + 18.0 * k as f64;
        match self.geo.layout {
            Layout::Wide => ((self.geo.server_x + self.geo.server_w, y), (n.x, line)),
            Layout::Tall => ((self.tall_x(i), self.geo.server_y + self.server_h), (n.x + NODE_W, line)),
        }
    }
}

/// Where a client is in its life, as the board shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Health {
    /// Connecting (waiting for the duplicate-id check).
    Connecting,
    /// Running normally.
    Running,
    /// Running but the server has counted missed heartbeats (blocked loop).
    Missed(u32, u32),
    /// Stopped until the given time; the server drops it at the second time if it is still
    /// stopped then.
    Paused(SimTime, Option<SimTime>),
    /// Killed, but the server still holds it: heartbeats missed so far, the limit, and when
    /// the server will drop it.
    Zombie(u32, u32, SimTime),
    /// The server just gave up on it (timed out on heartbeats) at this time.
    Gone(SimTime),
    /// Killed, and the server has dropped it.
    Dropped,
    /// Its connect was refused at this time (its error is the node's error line).
    Refused(SimTime),
    /// Closed: gracefully, or by stan.js after `connection_lost` (`true`).
    Closed(bool),
}

impl Health {
    /// The process runs (connecting, running, paused or blocked): it can be closed, killed
    /// or paused.
    pub fn alive(&self) -> bool {
        matches!(self, Health::Connecting | Health::Running | Health::Missed(..) | Health::Paused(..))
    }
}

/// When the server will close `client` if it never answers another heartbeat:
/// `dead` is a killed process on ≥0.22, whose heartbeats fail at once (no responders);
/// otherwise each failure waits `-hbt` (stan-semantics §9.2).
pub fn removal_estimate(sim: &Sim, client: &str, dead: bool) -> Option<SimTime> {
    let rec = sim.broker().clients().get(client)?;
    let cfg = sim.broker().config();
    let (hbi, hbt) = (cfg.hb_interval_ms, cfg.hb_timeout_ms);
    // The trace index keeps each client's last heartbeat outcome (no scan of the trace).
    let last_hb = sim.index().last_heartbeat.get(client).copied().filter(|t| *t >= rec.since);
    let next_request = last_hb.unwrap_or(rec.since) + hbi;
    let remaining = (cfg.hb_fail_count + 1).saturating_sub(rec.fhb).max(1) as u64;
    Some(if dead && cfg.version.no_responders() { next_request + (remaining - 1) * hbi } else { next_request + hbt + (remaining - 1) * (hbt + hbi) })
}

/// One subscription shown on a listener.
#[derive(Clone, Debug, PartialEq)]
pub struct SubVm {
    /// Scenario handle.
    pub handle: String,
    /// Channel.
    pub channel: String,
    /// Queue group.
    pub queue: Option<String>,
    /// Durable name.
    pub durable: Option<String>,
    /// Manual ack mode.
    pub manual_ack: bool,
    /// Pending (unacked) at the server.
    pub pending: usize,
    /// Max in flight.
    pub max_inflight: u64,
    /// Stalled at max in flight.
    pub stalled: bool,
    /// Fraction of the ack wait elapsed for the oldest pending message (0..1).
    pub ack_progress: Option<f64>,
    /// Failure settings are active.
    pub failing: bool,
    /// Processing time.
    pub process_ms: u64,
    /// Not held at the server: why (`subscribing…` while the connect is checked, or
    /// `✕ not subscribed` after the subscribe failed; the node's error line says why).
    pub wanted: Option<&'static str>,
}

/// A publisher or listener node.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeVm {
    /// Client id (untrusted text: render as text).
    pub id: String,
    /// Listener (has subscriptions) or publisher.
    pub listener: bool,
    /// Top-left corner.
    pub x: f64,
    /// Top-left corner.
    pub y: f64,
    /// Height.
    pub h: f64,
    /// Health.
    pub health: Health,
    /// Subscriptions.
    pub subs: Vec<SubVm>,
    /// Last error the server or stan.js gave this client, word for word.
    pub error: Option<String>,
    /// Status line.
    pub status: String,
    /// A second status line (countdowns).
    pub status2: Option<String>,
    /// Tone for the status (`ok`, `warn`, `bad`, `gone`, `wait`).
    pub tone: &'static str,
}

fn secs(ms: SimTime) -> String {
    format!("{} s", crate::fixed::fixed(ms as f64 / 1000.0, 1))
}

/// Labels for a client's health at `now`.
pub fn status_lines(h: &Health, now: SimTime) -> (String, Option<String>, &'static str) {
    match h {
        Health::Connecting => ("connecting…".into(), None, "wait"),
        Health::Running => ("running".into(), None, "ok"),
        Health::Missed(n, of) => (format!("blocked · {n}/{of} heartbeats missed"), None, "warn"),
        Health::Paused(until, gone) => {
            (format!("paused until {}", secs(*until)), gone.map(|g| format!("server drops it at {} (in {})", secs(g), secs(g.saturating_sub(now)))), "warn")
        }
        Health::Zombie(n, of, at) => {
            (format!("killed · {n}/{of} heartbeats missed"), Some(format!("server drops it at {} (in {})", secs(*at), secs(at.saturating_sub(now)))), "bad")
        }
        Health::Gone(at) => (format!("✕ server gave up at {}", secs(*at)), Some("Timed out on heartbeats".into()), "gone"),
        Health::Dropped => ("killed · the server dropped it".into(), None, "gone"),
        Health::Refused(at) => (format!("✕ connect refused at {}", secs(*at)), None, "bad"),
        Health::Closed(false) => ("closed".into(), None, "gone"),
        Health::Closed(true) => ("closed · connection lost".into(), None, "gone"),
    }
}

/// A queue group container.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupVm {
    /// Not a queue group: the listeners with no group, collapsed (no container, no drop
    /// target; only the "N more" line).
    pub plain: bool,
    /// Members not drawn (a collapsed group); 0 when all are.
    pub hidden: usize,
    /// Members in all.
    pub members: usize,
    /// Big enough to collapse ([`COLLAPSE_AT`]): draws a "N more" / "collapse" line.
    pub collapsible: bool,
    /// `channel/key`.
    pub id: String,
    /// Label (`queue orders-service-queue-group`), the name cut to fit the box and its hidden
    /// characters shown ([`super::view_model::shown_name`]).
    pub label: String,
    /// Tooltip: the whole label.
    pub title: String,
    /// Channel.
    pub channel: String,
    /// Queue name as the client gave it.
    pub queue: String,
    /// Durable name, if a durable group.
    pub durable: Option<String>,
    /// Box.
    pub x: f64,
    /// Box.
    pub y: f64,
    /// Box.
    pub w: f64,
    /// Box.
    pub h: f64,
    /// The durable group has an offline shadow.
    pub shadow: bool,
}

/// A channel inside the server box.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelVm {
    /// Name.
    pub name: String,
    /// Row top.
    pub y: f64,
    /// First and last stored sequence.
    pub first: u64,
    /// Last stored sequence.
    pub last: u64,
    /// Stored messages.
    pub msgs: usize,
    /// The last few stored sequences.
    pub recent: Vec<u64>,
    /// Messages dropped by limits so far.
    pub dropped: usize,
    /// Offline durables and durable-queue shadows the server keeps for this channel.
    pub offline: Vec<String>,
    /// Subscriptions the server holds on it (what `channelsz`'s `subs_count` says).
    pub subs: usize,
    /// Row height.
    pub h: f64,
}

/// A heartbeat, drawn as a pulse around its client.
#[derive(Clone, Debug, PartialEq)]
pub struct PulseVm {
    /// Centre.
    pub x: f64,
    /// Centre.
    pub y: f64,
    /// Answered or missed.
    pub ok: bool,
    /// 0 at the heartbeat, 1 at the end of the animation.
    pub progress: f64,
}

/// What a travelling dot is; the board draws the kinds in this order (acks on top).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DotKind {
    /// A publish going to the server.
    Publish,
    /// A first delivery.
    Deliver,
    /// A redelivery.
    Redeliver,
    /// An ack going back.
    Ack,
}

/// A message in flight on the board.
#[derive(Clone, Debug, PartialEq)]
pub struct DotVm {
    /// Kind.
    pub kind: DotKind,
    /// Position.
    pub x: f64,
    /// Position.
    pub y: f64,
    /// Sequence number.
    pub seq: u64,
    /// Whether its sequence number is drawn: only when no dot drawn over it would cover the
    /// label (see [`cull_dots`]).
    pub label: bool,
}

/// An edge between a node and a channel.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeVm {
    /// From (node side).
    pub x1: f64,
    /// From.
    pub y1: f64,
    /// To (channel side).
    pub x2: f64,
    /// To.
    pub y2: f64,
}

/// The whole board.
#[derive(Clone, Debug, PartialEq)]
pub struct BoardVm {
    /// Publishers and listeners.
    pub nodes: Vec<NodeVm>,
    /// Queue group containers.
    pub groups: Vec<GroupVm>,
    /// Channels.
    pub channels: Vec<ChannelVm>,
    /// Edges.
    pub edges: Vec<EdgeVm>,
    /// Dots in flight.
    pub dots: Vec<DotVm>,
    /// Heartbeat pulses.
    pub pulses: Vec<PulseVm>,
    /// Server box height.
    pub server_h: f64,
    /// Board height (viewBox).
    pub height: f64,
    /// Server label (`nats-streaming-server 0.17.0`).
    pub server_label: String,
    /// The server's command line.
    pub command_line: String,
    /// Where things are.
    pub geo: Geo,
}

/// A queue group as (channel, queue, durable name).
type GroupKey = (String, String, Option<String>);

fn node_height(subs: usize, error: bool, status2: bool) -> f64 {
    44.0 + 18.0 * subs.max(1) as f64 + if error { 14.0 } else { 0.0 } + if status2 { 14.0 } else { 0.0 }
}

/// Where a node's subscription lines start (below one or two status lines).
pub fn subs_top(n: &NodeVm) -> f64 {
    if n.status2.is_some() {
        64.0
    } else {
        50.0
    }
}

fn health(sim: &Sim, p: &Process) -> Health {
    let client = &*p.client;
    let rec = sim.broker().clients().get(client).filter(|c| c.proc == p.id);
    let limit = sim.broker().config().hb_fail_count + 1;
    match p.state {
        ProcState::Connecting => Health::Connecting,
        ProcState::Closed => match &p.refused {
            Some((t, _)) => Health::Refused(*t),
            None => Health::Closed(p.lost),
        },
        ProcState::Killed => match rec {
            Some(r) => Health::Zombie(r.fhb, limit, removal_estimate(sim, client, true).unwrap_or(0)),
            None => Health::Dropped,
        },
        ProcState::Running => match (p.paused_until, rec) {
            (Some(u), r) => Health::Paused(u, r.and_then(|_| removal_estimate(sim, client, false)).filter(|t| *t < u)),
            (None, Some(r)) if r.fhb > 0 => Health::Missed(r.fhb, limit),
            _ => Health::Running,
        },
    }
}

/// A subscription the process asked for but does not hold: one waiting for its connect, or
/// one that failed because the connect was refused.
fn wanted_sub_vm(spec: &SubscribeSpec, why: &'static str) -> SubVm {
    SubVm {
        handle: spec.sub.to_string(),
        channel: spec.channel.to_string(),
        queue: spec.queue.as_ref().map(|q| q.to_string()),
        durable: spec.durable.as_ref().map(|d| d.to_string()),
        manual_ack: spec.manual_ack,
        pending: 0,
        max_inflight: spec.max_inflight.max(0) as u64,
        stalled: false,
        ack_progress: None,
        failing: !spec.behaviour.fail_seqs.is_empty() || spec.behaviour.fail_rate > 0.0,
        process_ms: spec.behaviour.process_ms,
        wanted: Some(why),
    }
}

/// The subscriptions a process's node shows: the ones it holds, the ones the server or
/// stan.js refused, and the ones waiting for its connect. A process that asked for any is a
/// listener.
pub fn node_subs(sim: &Sim, p: &Process) -> Vec<SubVm> {
    const FAILED: &str = "✕ not subscribed";
    let mine = sim.handles().iter().filter(|h| h.proc == Some(p.id));
    let held = mine.clone().filter(|h| h.open).map(|h| sub_vm(sim, h));
    let failed = mine.filter(|h| !h.open && h.server.is_none()).map(|h| SubVm { wanted: Some(FAILED), ..sub_vm(sim, h) });
    let spec = |idx: usize| match &sim.scenario().actions.get(idx)?.verb {
        crate::engine::Verb::Subscribe(s) => Some(s),
        _ => None,
    };
    let waiting = p.waiting_connect.iter().filter_map(|&(idx, _)| spec(idx)).map(|s| wanted_sub_vm(s, "subscribing…"));
    let refused_by_stan_js = p.failed_subs.iter().filter_map(|h| sim.subscribe_spec(&sim.handles().get(h.0 as usize)?.name)).map(|s| wanted_sub_vm(s, FAILED));
    held.chain(failed).chain(waiting).chain(refused_by_stan_js).collect()
}

fn sub_vm(sim: &Sim, h: &HandleState) -> SubVm {
    let sub = h.server.and_then(|a| sim.broker().sub(a.sub));
    let now = sim.now() as i64;
    let ack_progress = sub.and_then(|s| {
        let oldest = s.pending.values().min()?;
        let wait = s.ack_wait_ms() as f64;
        Some((1.0 - (*oldest - now) as f64 / wait).clamp(0.0, 1.0))
    });
    let spec = sim.subscribe_spec(&h.name);
    SubVm {
        handle: h.name.to_string(),
        channel: h.channel.to_string(),
        queue: spec.and_then(|s| s.queue.as_ref().map(|q| q.to_string())),
        durable: spec.and_then(|s| s.durable.as_ref().map(|d| d.to_string())),
        manual_ack: h.manual_ack,
        pending: sub.map_or(0, |s| s.pending.len()),
        max_inflight: sub.map_or(0, |s| s.max_inflight),
        stalled: sub.is_some_and(|s| s.stalled),
        ack_progress,
        failing: !h.behaviour.fail_seqs.is_empty() || h.behaviour.fail_rate > 0.0,
        process_ms: h.behaviour.process_ms,
        wanted: None,
    }
}

/// Builds the board for the simulator's current time. `anim_ms` is how long (in virtual
/// time) a dot takes to cross an edge.
pub fn board(sim: &Sim, anim_ms: u64) -> BoardVm {
    board_with(sim, anim_ms, &BoardOpts::default())
}

/// [`board`] in a given layout, with the groups the learner expanded.
pub fn board_with(sim: &Sim, anim_ms: u64, opts: &BoardOpts) -> BoardVm {
    let mut geo = Geo::new(opts.layout);
    let broker = sim.broker();
    let cfg = broker.config();
    let errors = &sim.index().last_error;
    // Channels: every channel the server has, plus ones only named by subscriptions.
    let mut channels: Vec<ChannelVm> = Vec::new();
    let dropped = |name: &str| sim.index().dropped.get(name).copied().unwrap_or(0);
    // Channel rows, relative to the server's top (a tall board places the server below
    // the publishers, so they move once that is known).
    let mut y = 50.0;
    for c in broker.channels().values() {
        let recent = c.store.msgs.iter().rev().take(8).map(|m| m.seq).collect::<Vec<_>>().into_iter().rev().collect();
        let mut offline: Vec<String> = c
            .durables
            .values()
            .filter_map(|id| broker.sub(*id))
            .filter(|s| s.client.is_none())
            .map(|s| format!("durable {} ({}) · last {} · {} pending", s.durable.as_deref().unwrap_or(""), s.saved_client, s.last_sent, s.pending.len()))
            .collect();
        offline.extend(c.qsubs.iter().filter_map(|(k, g)| {
            g.shadow.and_then(|id| broker.sub(id)).map(|s| format!("queue {k} offline · last {} · {} pending", s.last_sent, s.pending.len()))
        }));
        let h = CHANNEL_H + 14.0 * offline.len() as f64;
        channels.push(ChannelVm {
            name: c.name.to_string(),
            y,
            first: c.store.first,
            last: c.store.last,
            msgs: c.store.msgs.len(),
            recent,
            dropped: dropped(&c.name),
            offline,
            subs: crate::engine::broker::subscribe_count(c, &broker.subs),
            h,
        });
        y += h;
    }
    let server_h = 60.0 + channels.iter().map(|c| c.h).sum::<f64>().max(CHANNEL_H);

    // Clients: one node per client id, for the process that runs (a refused second process
    // with the id is a note on it), or else its newest; a closed or dropped one stays, so
    // that it can be restarted.
    let mut publishers: Vec<NodeVm> = Vec::new();
    let mut listeners: Vec<(Option<GroupKey>, NodeVm)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for newest in sim.processes().iter().rev() {
        if !seen.insert(newest.client.clone()) {
            continue;
        }
        let Some(p) = sim.live_process_of(&newest.client) else { continue };
        let mut hl = health(sim, p);
        if matches!(hl, Health::Closed(_) | Health::Dropped) {
            if let Some(t) = gave_up_at(sim, &p.client, anim_ms.max(3_000)) {
                hl = Health::Gone(t);
            }
        }
        let subs = node_subs(sim, p);
        let (status, mut status2, tone) = status_lines(&hl, sim.now());
        let mut error = errors.get(&*p.client).map(|e| e.to_string());
        if let Some((_, why)) = &p.refused {
            error = Some(why.to_string());
        } else if let Some((t, why)) = newest.refused.as_ref().filter(|_| newest.id != p.id) {
            status2 = status2.or(Some(format!("a second process was refused at {}", secs(*t))));
            error = Some(why.to_string());
        }
        let node = NodeVm {
            id: p.client.to_string(),
            listener: !subs.is_empty(),
            x: 0.0,
            y: 0.0,
            h: node_height(subs.len(), error.is_some(), status2.is_some()),
            health: hl,
            error,
            status,
            status2,
            tone,
            subs,
        };
        if node.listener {
            let group = node.subs[0].queue.clone().map(|q| (node.subs[0].channel.clone(), q, node.subs[0].durable.clone()));
            listeners.push((group, node));
        } else {
            publishers.push(node);
        }
    }
    insertion_sort(&mut publishers, |a, b| a.id < b.id);
    // Queue groups first, then plain subscribers (by id within each).
    insertion_sort(&mut listeners, |a, b| (a.0.is_none(), &a.0, &a.1.id) < (b.0.is_none(), &b.0, &b.1.id));
    let mut y = if geo.layout == Layout::Tall { 16.0 } else { TOP };
    for n in publishers.iter_mut() {
        n.x = geo.pub_x;
        n.y = y;
        y += n.h + 16.0;
    }
    if geo.layout == Layout::Tall {
        geo.server_y = if publishers.is_empty() { 40.0 } else { y + 30.0 };
    }
    for c in &mut channels {
        c.y += geo.server_y;
    }
    // Listeners: queue groups first (one container each), then plain subscribers.
    let mut groups: Vec<GroupVm> = Vec::new();
    let mut y = match geo.layout {
        Layout::Wide => TOP,
        Layout::Tall => geo.server_y + server_h + 50.0,
    };
    let mut nodes: Vec<NodeVm> = publishers;
    let mut i = 0;
    while i < listeners.len() {
        let key = listeners[i].0.clone();
        let j = (i..listeners.len()).find(|&j| listeners[j].0 != key).unwrap_or(listeners.len());
        let top = y;
        if let Some((_, _, durable)) = &key {
            y += if durable.is_some() { 38.0 } else { 26.0 };
        }
        // A big group shows its first members and a line for the rest, unless expanded.
        // The server's key for the group (`durable:queue` for a durable one) and the board's id.
        let gkey = key.as_ref().map(|(_, queue, durable)| durable.as_ref().map_or(queue.clone(), |d| format!("{d}:{queue}")));
        let gid = key.as_ref().zip(gkey.as_ref()).map(|((channel, ..), k)| format!("{channel}/{k}"));
        let members = j - i;
        let big = members > if key.is_some() { COLLAPSE_AT } else { PLAIN_COLLAPSE_AT };
        let open = opts.expanded.iter().any(|e| e == gid.as_deref().unwrap_or(PLAIN_ID));
        let shown = match () {
            _ if !big || open => members,
            _ if key.is_some() => COLLAPSED_SHOWN,
            _ => PLAIN_SHOWN,
        };
        for (_, n) in listeners[i..i + shown].iter_mut() {
            n.x = geo.lis_x;
            n.y = y;
            y += n.h + 12.0;
        }
        let hidden = members - shown;
        if big {
            y += 30.0; // the "N more members" line (or "collapse")
        }
        if let (Some((channel, queue, durable)), Some(gkey), Some(gid)) = (key, gkey, gid) {
            let shadow = broker.channels().get(channel.as_str()).and_then(|c| c.qsubs.get(gkey.as_str())).is_some_and(|g| g.shadow.is_some());
            groups.push(GroupVm {
                plain: false,
                hidden,
                members,
                collapsible: big,
                id: gid,
                label: format!("queue {}", super::view_model::shown_name(&queue, 26)),
                title: format!("queue {} on {}", super::view_model::full_name(&queue), super::view_model::full_name(&channel)),
                channel,
                queue,
                durable,
                x: geo.lis_x - 12.0,
                y: top,
                w: NODE_W + 24.0,
                h: y - top,
                shadow,
            });
            y += 14.0;
        } else if big {
            // Plain subscribers: no container, only the "N more" line.
            groups.push(GroupVm {
                plain: true,
                hidden,
                members,
                collapsible: true,
                id: PLAIN_ID.into(),
                label: String::new(),
                title: String::new(),
                channel: String::new(),
                queue: String::new(),
                durable: None,
                x: geo.lis_x - 12.0,
                y: top,
                w: NODE_W + 24.0,
                h: y - top,
                shadow: false,
            });
        }
        nodes.extend(listeners[i..i + shown].iter().map(|(_, n)| n.clone()));
        i = j;
    }
    let at = Anchors { geo, server_h, channels: &channels };
    let mut edges = Vec::new();
    for n in nodes.iter().filter(|n| !n.listener) {
        for ch in sim.index().published.get(n.id.as_str()).into_iter().flat_map(|chs| chs.iter()) {
            let ((x1, y1), (x2, y2)) = at.publish(n, ch);
            edges.push(EdgeVm { x1, y1, x2, y2 });
        }
    }
    // A listener the server no longer knows (closed, dropped, refused) has no edge.
    for n in &nodes {
        if n.listener && (n.health.alive() || matches!(n.health, Health::Zombie(..))) {
            for (k, s) in n.subs.iter().enumerate().filter(|(_, s)| s.wanted.is_none()) {
                let ((x1, y1), (x2, y2)) = at.deliver(n, k, &s.channel);
                edges.push(EdgeVm { x1, y1, x2, y2 });
            }
        }
    }
    let bottom = nodes.iter().map(|n| n.y + n.h).chain(groups.iter().map(|g| g.y + g.h)).fold(geo.server_y + server_h, f64::max);
    let height = bottom + 40.0;
    let dots = dots(sim, &nodes, &at, anim_ms);
    let pulses = pulses(sim, &nodes, anim_ms);
    BoardVm {
        nodes,
        groups,
        channels,
        edges,
        dots,
        pulses,
        server_h,
        height,
        server_label: format!("nats-streaming-server {}", cfg.version.full()),
        command_line: cfg.command_line(),
        geo,
    }
}

/// Hides what a lesson's checkpoint asks about: when the server will drop a killed or
/// paused client (its countdown line, and the removal time in its status).
pub fn hide_countdowns(b: &mut BoardVm) {
    for n in &mut b.nodes {
        if matches!(n.health, Health::Zombie(..) | Health::Paused(..)) && n.status2.is_some() {
            n.status2 = Some("dropped when? predict first".into());
        }
    }
}

/// When the server timed `client` out on heartbeats, if within the last `window` ms.
fn gave_up_at(sim: &Sim, client: &str, window: u64) -> Option<SimTime> {
    let from = sim.now().saturating_sub(window);
    let trace = sim.trace();
    let start = trace.partition_point(|e| e.t < from);
    trace[start..].iter().rev().find_map(|e| match &e.kind {
        TraceKind::ClientClosed { client: c, reason: crate::engine::trace::CloseReason::Heartbeat } if &**c == client => Some(e.t),
        _ => None,
    })
}

/// Heartbeats in the last `anim_ms`, as pulses around their clients.
fn pulses(sim: &Sim, nodes: &[NodeVm], anim_ms: u64) -> Vec<PulseVm> {
    let now = sim.now();
    let from = now.saturating_sub(anim_ms.max(1));
    let trace = sim.trace();
    let start = trace.partition_point(|e| e.t < from);
    trace[start..]
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Heartbeat { client, ok, .. } => {
                let n = nodes.iter().find(|n| n.id == **client)?;
                Some(PulseVm { x: n.x + 12.0, y: n.y + 14.0, ok: *ok, progress: (now - e.t) as f64 / anim_ms.max(1) as f64 })
            }
            _ => None,
        })
        .collect()
}

fn lerp(a: (f64, f64), b: (f64, f64), f: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f)
}

/// Most dots drawn at once (the most recent).
pub const MAX_DOTS: usize = 300;

/// Dots for trace events in the last `anim_ms` of virtual time (at most [`MAX_DOTS`]).
fn dots(sim: &Sim, nodes: &[NodeVm], at: &Anchors, anim_ms: u64) -> Vec<DotVm> {
    let now = sim.now();
    let anim = anim_ms.max(1);
    let from = now.saturating_sub(anim);
    let trace = sim.trace();
    let start = trace.partition_point(|e| e.t < from).max(trace.len().saturating_sub(MAX_DOTS * 3));
    let sub_edge = |client: &str, handle: &str, channel: &str| -> Option<((f64, f64), (f64, f64))> {
        let n = nodes.iter().find(|n| n.id == client)?;
        let k = n.subs.iter().position(|s| s.handle == handle).unwrap_or(0);
        Some(at.deliver(n, k, channel))
    };
    let mut out = Vec::new();
    for e in &trace[start..] {
        let f = (now - e.t) as f64 / anim as f64;
        let (kind, a, b, seq) = match &e.kind {
            TraceKind::Published { client, channel, seq } => {
                let Some(n) = nodes.iter().find(|n| n.id == **client) else { continue };
                let (a, b) = at.publish(n, channel);
                (DotKind::Publish, a, b, *seq)
            }
            TraceKind::Delivered { client, sub, channel, seq, redelivered, .. } => {
                let Some((a, b)) = sub_edge(client, sub, channel) else { continue };
                let kind = if *redelivered { DotKind::Redeliver } else { DotKind::Deliver };
                (kind, a, b, *seq)
            }
            TraceKind::Acked { client, sub, channel, seq } => {
                let Some((a, b)) = sub_edge(client, sub, channel) else { continue };
                (DotKind::Ack, b, a, *seq)
            }
            _ => continue,
        };
        // Deliveries of one instant all leave the same point of the server: drawn a little
        // along their own edges, their seq badges fan out instead of piling up there.
        let f = if matches!(kind, DotKind::Deliver | DotKind::Redeliver) { f.max(0.15) } else { f };
        let (x, y) = lerp(a, b, f.clamp(0.0, 1.0));
        out.push(DotVm { kind, x, y, seq, label: true });
    }
    cull_dots(&mut out);
    out
}

/// A dot whose centre is under a later one (within its 7 px radius) is more than half hidden
/// by it: not drawn at all.
pub const DOT_HIDDEN: f64 = 7.0;

/// Leaves out what nobody could see, keeps the [`MAX_DOTS`] most recent of the rest, and puts
/// them in drawing order. A later dot covers an earlier one: a dot within [`DOT_HIDDEN`] px of
/// a later one is dropped. The rest are ordered by kind ([`DotKind`]'s order, the order the
/// board draws them in), and a dot whose seq label (5.2 px a digit, centred) a dot drawn over
/// it would overlap keeps its circle but not its label. A busy run (the heavy benchmark's
/// thousands of messages a second) draws trails of dots a radius apart and labels where they
/// can be read, instead of hundreds of piled-up dots; a course run, whose dots do not touch,
/// loses nothing.
pub fn cull_dots(dots: &mut Vec<DotVm>) {
    // Top down in time: each dot is compared with those kept above it (at most MAX_DOTS).
    let mut kept: Vec<(f64, f64)> = Vec::new();
    let mut keep = vec![false; dots.len()];
    for (k, d) in dots.iter().enumerate().rev() {
        if kept.len() == MAX_DOTS {
            break;
        }
        // Squared distances: no square root per pair.
        if !kept.iter().any(|&(x, y)| (x - d.x) * (x - d.x) + (y - d.y) * (y - d.y) < DOT_HIDDEN * DOT_HIDDEN) {
            keep[k] = true;
            kept.push((d.x, d.y));
        }
    }
    let mut k = 0;
    dots.retain(|_| {
        k += 1;
        keep[k - 1]
    });
    // The board draws each kind as one shape, in DotKind's order: labels are decided in that
    // order, against the dots drawn over them.
    let mut placed = 0;
    for kind in [DotKind::Publish, DotKind::Deliver, DotKind::Redeliver, DotKind::Ack] {
        // A stable partition, kind by kind (no sort's code in the page for four kinds).
        let from = placed;
        for j in from..dots.len() {
            if dots[j].kind == kind {
                dots[placed..=j].rotate_right(1);
                placed += 1;
            }
        }
    }
    for k in (0..dots.len()).rev() {
        let (d, above) = (&dots[k], &dots[k + 1..]);
        let half = (super::view_model::digits(d.seq) as f64 * 5.2 / 2.0).max(DOT_HIDDEN) + DOT_HIDDEN;
        let label = !above.iter().any(|a| (a.x - d.x).abs() < half && (a.y - d.y).abs() < 2.0 * DOT_HIDDEN);
        dots[k].label = label;
    }
}

/// Sorts a board's nodes (stable). They come from the server's client list, mostly in order
/// already, and are a few hundred at most; the standard library's sort would add ~5 KB of
/// wasm for each element type.
fn insertion_sort<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Scenario, Session};

    fn course_at(t: u64) -> Sim {
        let mut s = Session::new(Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.17.json")).unwrap());
        s.advance_to(t).unwrap();
        s.sim().clone()
    }

    #[test]
    fn the_course_board_has_a_publisher_a_queue_group_with_two_members_and_one_channel() {
        let b = board(&course_at(4_000), 400);
        let ids: Vec<(&str, bool)> = b.nodes.iter().map(|n| (n.id.as_str(), n.listener)).collect();
        assert_eq!(ids, [("pub", false), ("l1", true), ("l2", true)]);
        assert_eq!(b.groups.len(), 1);
        assert_eq!(b.groups[0].label, "queue orders-service-queue-group");
        assert_eq!(b.groups[0].durable.as_deref(), Some("orders-service"));
        let g = &b.groups[0];
        assert!(b.nodes[1..].iter().all(|n| n.y >= g.y && n.y + n.h <= g.y + g.h), "members inside their container");
        assert_eq!((b.channels[0].name.as_str(), b.channels[0].last, b.channels[0].recent.clone()), ("ticket:created", 4, vec![1, 2, 3, 4]));
        assert!(b.command_line.contains("-hbi 5s -hbt 5s -hbf 2"));
        assert_eq!(b.server_label, "nats-streaming-server 0.17.0");
    }

    #[test]
    fn a_tall_board_stacks_publishers_the_server_and_listeners_in_one_column() {
        let b = board_with(&course_at(4_000), 400, &BoardOpts { layout: Layout::Tall, ..BoardOpts::default() });
        assert_eq!(b.geo.width, TALL_WIDTH);
        let (p, l1, l2) = (&b.nodes[0], &b.nodes[1], &b.nodes[2]);
        assert_eq!((p.id.as_str(), p.x, p.y), ("pub", 16.0, 16.0));
        // The server below the publisher, the group below the server.
        assert_eq!(b.geo.server_y, p.y + p.h + 16.0 + 30.0);
        assert!(b.groups[0].y >= b.geo.server_y + b.server_h + 50.0);
        assert!(l1.y > b.groups[0].y && l2.y > l1.y + l1.h);
        assert!(b.nodes.iter().all(|n| n.x + NODE_W <= TALL_WIDTH), "everything within 420");
        assert!(b.groups.iter().all(|g| g.x + g.w <= TALL_WIDTH));
        // Publishes enter the server at its top, deliveries leave at its bottom.
        assert!(b.edges.iter().any(|e| e.y2 == b.geo.server_y));
        assert!(b.edges.iter().filter(|e| e.y1 == b.geo.server_y + b.server_h).count() == 2);
        assert!(b.channels[0].y > b.geo.server_y && b.channels[0].y < b.geo.server_y + b.server_h);
    }

    #[test]
    fn a_group_of_twelve_shows_three_members_and_counts_the_rest_until_expanded() {
        let mut actions = vec![];
        for i in 0..12 {
            actions.push(format!(
                r#"{{"at_ms":0,"do":"connect","client":"m{i:02}"}},{{"at_ms":0,"do":"subscribe","client":"m{i:02}","sub":"s{i}","channel":"c","queue":"q"}}"#
            ));
        }
        let sc = Scenario::parse(&format!(r#"{{"until_ms":1000,"actions":[{}]}}"#, actions.join(","))).unwrap();
        let mut sim = Sim::new(sc);
        sim.run_until(1_000).unwrap();
        let b = board(&sim, 400);
        assert_eq!((b.groups.len(), b.groups[0].hidden), (1, 9));
        assert_eq!(b.nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["m00", "m01", "m02"]);
        assert_eq!(b.channels[0].subs, 12, "the server still holds twelve");
        let open = board_with(&sim, 400, &BoardOpts { expanded: vec![b.groups[0].id.clone()], ..BoardOpts::default() });
        assert_eq!((open.nodes.len(), open.groups[0].hidden), (12, 0));
        assert!(open.height > b.height + 9.0 * 60.0);
    }

    #[test]
    fn fourteen_listeners_with_no_group_show_eight_below_the_groups_and_count_the_rest() {
        let mut actions =
            vec![r#"{"at_ms":0,"do":"connect","client":"a"},{"at_ms":0,"do":"subscribe","client":"a","sub":"g","channel":"c","queue":"q"}"#.to_string()];
        for i in 0..14 {
            actions.push(format!(
                r#"{{"at_ms":0,"do":"connect","client":"0{i:02}"}},{{"at_ms":0,"do":"subscribe","client":"0{i:02}","sub":"s{i}","channel":"c"}}"#
            ));
        }
        let mut sim = Sim::new(Scenario::parse(&format!(r#"{{"until_ms":1000,"actions":[{}]}}"#, actions.join(","))).unwrap());
        sim.run_until(1_000).unwrap();
        let b = board(&sim, 400);
        // The queue group's member comes first although "000" sorts before "a".
        assert_eq!(b.nodes.iter().map(|n| n.id.as_str()).take(3).collect::<Vec<_>>(), ["a", "000", "001"]);
        assert_eq!(b.nodes.len(), 1 + PLAIN_SHOWN);
        let plain = b.groups.iter().find(|g| g.plain).unwrap();
        assert_eq!((plain.id.as_str(), plain.hidden, plain.members), (PLAIN_ID, 6, 14));
        let open = board_with(&sim, 400, &BoardOpts { expanded: vec![PLAIN_ID.into()], ..BoardOpts::default() });
        assert_eq!(open.nodes.len(), 15);
    }

    #[test]
    fn a_killed_listener_is_a_zombie_with_its_missed_heartbeats_until_the_server_drops_it() {
        let at = |t| board(&course_at(t), 400).nodes.into_iter().find(|n| n.id == "l1").map(|n| (n.health, n.subs.first().map(|s| s.pending)));
        // 0.17: the next heartbeat (10 s) times out at 15 s, then 25 s, then 35 s: removed at 35 s.
        assert_eq!(at(6_000), Some((Health::Zombie(0, 3, 35_000), Some(0))));
        // seq 7 was sent into the void at 7 s: the dead member holds it.
        assert_eq!(at(7_500), Some((Health::Zombie(0, 3, 35_000), Some(1))));
        assert_eq!(at(15_000), Some((Health::Zombie(1, 3, 35_000), Some(1))));
        // The server gave up: a mark for a few seconds, then the node stays, dropped, so
        // that it can be restarted; it holds nothing and has no edge to the channel.
        assert_eq!(at(35_000), Some((Health::Gone(35_000), Some(0))));
        assert_eq!(at(38_001), Some((Health::Dropped, Some(0))));
        let b = board(&course_at(38_001), 400);
        let l1 = b.nodes.iter().find(|n| n.id == "l1").unwrap();
        assert_eq!((l1.status.as_str(), l1.tone), ("killed · the server dropped it", "gone"));
        assert_eq!(b.edges.len(), 2, "pub → channel and l2 → channel");
    }

    #[test]
    fn a_lesson_that_asks_does_not_show_the_removal_time() {
        let mut b = board(&course_at(6_000), 400);
        hide_countdowns(&mut b);
        let l1 = b.nodes.iter().find(|n| n.id == "l1").unwrap();
        assert_eq!(l1.status2.as_deref(), Some("dropped when? predict first"));
        assert!(!format!("{b:?}").contains("35.0 s"));
    }

    #[test]
    fn on_0_25_the_zombie_countdown_is_shorter_and_heartbeats_pulse() {
        let mut s = Session::new(Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.25.json")).unwrap());
        s.advance_to(6_000).unwrap();
        let b = board(s.sim(), 400);
        let l1 = b.nodes.iter().find(|n| n.id == "l1").unwrap();
        assert_eq!(l1.health, Health::Zombie(0, 3, 20_000));
        assert_eq!((l1.status.as_str(), l1.status2.as_deref()), ("killed · 0/3 heartbeats missed", Some("server drops it at 20.0 s (in 14.0 s)")));
        assert!(l1.listener, "stays a listener in its group");
        s.advance_to(10_100).unwrap();
        let p = board(s.sim(), 400).pulses;
        assert_eq!(p.iter().map(|p| p.ok).collect::<Vec<_>>(), [true, false, true], "pub ok, l1 missed, l2 ok");
    }

    #[test]
    fn offline_durables_and_shadows_are_shown_in_their_channel() {
        let mut s = Session::new(Scenario::parse(include_str!("../../www/scenarios/server-restart.json")).unwrap());
        s.advance_to(3_000).unwrap();
        s.act(crate::engine::Verb::CloseSub { sub: "s1".into() }).unwrap();
        let b = board(s.sim(), 400);
        assert_eq!(b.channels[0].offline, ["durable accounting (listener) · last 3 · 0 pending"]);
    }

    #[test]
    fn dots_travel_from_the_channel_to_the_listener_during_the_animation_window() {
        let b = board(&course_at(1_200), 400);
        let d: Vec<(DotKind, u64)> = b.dots.iter().map(|d| (d.kind, d.seq)).collect();
        // l1 acks seq 1 the instant it gets it: half way (200 of 400 ms) between the server's
        // edge and l1, the ack going back sits exactly over the delivery, which is not drawn.
        assert_eq!(d, [(DotKind::Publish, 1), (DotKind::Ack, 1)]);
        let ack = &b.dots[1];
        assert!(ack.x > SERVER_X + SERVER_W && ack.x < LIS_X);
        assert!(board(&course_at(1_500), 400).dots.is_empty());
        // At the instant of the delivery its badge sits 15 % along its edge, not on the
        // server's edge where every delivery of that instant starts.
        let at = board(&course_at(1_000), 400);
        let d = at.dots.iter().find(|d| d.kind == DotKind::Deliver).unwrap();
        let l1 = at.nodes.iter().find(|n| n.id == "l1").unwrap();
        let x0 = SERVER_X + SERVER_W;
        assert!((d.x - (x0 + 0.15 * (l1.x - x0))).abs() < 1e-9, "{} {}", d.x, l1.x);
        // The course's dots do not touch: every one is drawn with its label.
        assert!(b.dots.iter().chain(&at.dots).all(|d| d.label));
    }

    #[test]
    fn a_dot_under_a_later_one_is_dropped_within_7_px_and_loses_its_label_where_the_later_one_covers_it() {
        let dot = |seq: u64, x: f64, y: f64| DotVm { kind: DotKind::Deliver, x, y, seq, label: true };
        // Drawn in this order: the last on top.
        let mut d = vec![
            dot(7, 100.0, 100.0),
            dot(10961, 104.0, 103.0),
            dot(3, 300.0, 50.0),
            dot(10962, 110.0, 100.0),
            dot(5, 200.0, 200.0),
            dot(6, 112.0, 125.0),
            dot(10963, 400.0, 400.0),
            dot(1, 418.0, 404.0),
            dot(9, 500.0, 400.0),
            dot(2, 518.0, 404.0),
        ];
        cull_dots(&mut d);
        let got: Vec<(u64, bool)> = d.iter().map(|d| (d.seq, d.label)).collect();
        // All deliveries: drawn in time order. 10961 is 6.7 px under 10962: dropped. 7 is 10 px left of 10962: drawn, unlabelled.
        // 10962 keeps its label: 6 is 25 px below it. 10963's five digits reach 13 px each
        // side, so 1's circle 18 px to the right covers them; 9's one digit is clear of 2.
        assert_eq!(got, [(7, false), (3, true), (10962, true), (5, true), (6, true), (10963, false), (1, true), (9, true), (2, true)]);

        // Kinds are drawn publishes, deliveries, redeliveries, acks: ack 3 goes over the
        // delivery of 4 (12 px away: 4's label is covered), and publish 8 under everything.
        let mut d = vec![
            dot(4, 100.0, 100.0),
            DotVm { kind: DotKind::Ack, ..dot(3, 112.0, 100.0) },
            dot(5, 300.0, 100.0),
            DotVm { kind: DotKind::Publish, ..dot(8, 300.0, 300.0) },
        ];
        cull_dots(&mut d);
        let got: Vec<(DotKind, u64, bool)> = d.iter().map(|d| (d.kind, d.seq, d.label)).collect();
        assert_eq!(got, [(DotKind::Publish, 8, true), (DotKind::Deliver, 4, false), (DotKind::Deliver, 5, true), (DotKind::Ack, 3, true)]);
    }
}
