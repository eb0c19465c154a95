//! A client process as the simulator models it: node-nats-streaming 0.3.2 on one
//! single-threaded event loop, plus the listener application behind each subscription
//! handle. Data only; what a process does lives in `client.rs`.

use super::broker::{Delivery, SubAccepted};
use super::ids::{HandleId, Name, Nuid, ProcId, SubId};
use super::scenario::Behaviour;
use super::seqmap::SeqMap;
use super::time::SimTime;
use std::collections::VecDeque;
use std::sync::Arc;

/// Lifecycle of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    /// The connect request waits for the server's duplicate-id check.
    Connecting,
    /// Connected and running.
    Running,
    /// The stan.js connection is closed (`close()` or `connection_lost`).
    Closed,
    /// The process was killed.
    Killed,
}

/// The handler's work for one delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Work {
    /// Handle it was delivered to.
    pub handle: HandleId,
    /// Server subscription and ack inbox it came on.
    pub sub: SubId,
    /// Ack inbox generation.
    pub ack_gen: u32,
    /// Channel.
    pub channel: Name,
    /// Sequence.
    pub seq: u64,
    /// Whether the work succeeds.
    pub ok: bool,
    /// Payload, for the listener's application.
    pub data: Arc<str>,
}

/// A message waiting in the process's socket.
#[derive(Clone, Debug, PartialEq)]
pub enum SocketMsg {
    /// A message for a subscription.
    Deliver(Delivery),
    /// A request on the heartbeat inbox.
    HbRequest(u64),
}

/// Client-side timers (Node's timer queue and I/O completions).
#[derive(Clone, Debug, PartialEq)]
pub enum ProcTimer {
    /// stan.js ping loop.
    Ping {
        /// Generation.
        gen: u64,
    },
    /// An async handler's work finished.
    WorkDone(Work),
    /// node-nats reconnects after the server went away.
    Reconnect,
    /// No publish ack within `ackTimeout`.
    PubAckTimeout {
        /// Outstanding publish id.
        id: u64,
    },
    /// No subscribe response within `connectTimeout`.
    SubTimeout {
        /// Handle.
        handle: HandleId,
    },
    /// No connect response within `connectTimeout`.
    ConnectTimeout,
    /// A scripted action for this process's application code.
    Action {
        /// Action index.
        idx: usize,
        /// Repetition (publish `count`).
        k: u64,
    },
}

/// Something stan.js queued while its NATS connection was down.
#[derive(Clone, Debug, PartialEq)]
pub enum Outgoing {
    /// A ping.
    Ping,
    /// An application request (publish, subscribe, unsubscribe, close).
    Action(usize, u64),
}

/// A publish that will never be answered (0.17 after a restart, or a subject the NATS
/// server drops); it fails at `connection_lost` or at the ack timeout.
#[derive(Clone, Debug, PartialEq)]
pub struct StalePub {
    /// Id.
    pub id: u64,
    /// Channel.
    pub channel: Name,
}

/// One client process.
#[derive(Clone, Debug)]
pub struct Process {
    /// Id.
    pub id: ProcId,
    /// Client id.
    pub client: Name,
    /// Lifecycle.
    pub state: ProcState,
    /// The server incarnation it registered with.
    pub epoch: u32,
    /// The NATS connection is up.
    pub nats_up: bool,
    /// stan.js closed itself on `connection_lost` (its NATS connection is closed too, so a
    /// later `publish` throws node-nats' own `Connection closed`, stan-semantics.md §20).
    pub lost: bool,
    /// When and why its connect was refused (by the server, or stan.js's connect timeout):
    /// stan.js then closed itself as on `connection_lost`, so `lost` is set too.
    pub refused: Option<(SimTime, Name)>,
    /// Subscriptions its application asked for that stan.js refused before anything reached
    /// the server (a refused connect, a closed connection, an empty subject, an ack wait
    /// that is not whole seconds); a restart of the process asks for them again.
    pub failed_subs: Vec<HandleId>,
    /// Its NUID generator (inboxes).
    pub nuid: Nuid,
    /// Heartbeat inbox.
    pub hb_inbox: String,
    /// Ping interval after stan.js's rounding up to whole seconds (0 = no pings).
    pub ping_interval_ms: u64,
    /// `stanMaxPingOut`.
    pub ping_max_out: i64,
    /// Unanswered pings.
    pub ping_out: i64,
    /// Ping timer generation.
    pub ping_gen: u64,
    /// Stopped (SIGSTOP) until this time.
    pub paused_until: Option<SimTime>,
    /// Pause generation.
    pub pause_gen: u64,
    /// A sync handler blocks the loop until `busy_until`.
    pub busy: Option<Work>,
    /// When the blocking handler returns.
    pub busy_until: SimTime,
    /// Busy generation.
    pub busy_gen: u64,
    /// Socket messages waiting for the loop.
    pub held_socket: VecDeque<SocketMsg>,
    /// Timers that fell due while the loop was blocked or stopped, in due order.
    pub held_timers: VecDeque<ProcTimer>,
    /// Actions waiting for the connect to finish.
    pub waiting_connect: Vec<(usize, u64)>,
    /// Requests buffered while the NATS connection is down.
    pub outbox: VecDeque<Outgoing>,
    /// Publishes that will never be answered.
    pub stale_pubs: Vec<StalePub>,
}

impl Process {
    /// The event loop cannot run now (stopped, or blocked by a sync handler).
    pub fn loop_blocked(&self) -> bool {
        self.paused_until.is_some() || self.busy.is_some()
    }
    /// Alive: connecting or running (not closed, not killed).
    pub fn alive(&self) -> bool {
        matches!(self.state, ProcState::Connecting | ProcState::Running)
    }
}

/// A scenario subscription handle and the listener application behind it.
#[derive(Clone, Debug)]
pub struct HandleState {
    /// Handle name.
    pub name: Name,
    /// Process that subscribed it.
    pub proc: Option<ProcId>,
    /// The server's answer.
    pub server: Option<SubAccepted>,
    /// Channel.
    pub channel: Name,
    /// Manual ack mode.
    pub manual_ack: bool,
    /// Application behaviour.
    pub behaviour: Behaviour,
    /// Failures so far per sequence.
    pub fail_counts: SeqMap<u32>,
    /// Subscribed and not yet unsubscribed/closed by the client.
    pub open: bool,
    /// Index of its `subscribe` action in the scenario.
    pub action: usize,
}
