//! The simulated NATS Streaming server (memory store): connect, publish, subscribe, acks,
//! queue groups, durables, heartbeats and store limits, rule by rule as in
//! `nats-streaming-server` v0.25.6 / v0.17.0 (`spec/stan-semantics.md`).
//!
//! Sans-IO: every call takes an [`Fx`] stamped with the current virtual time and pushes
//! [`Effect`]s (trace events, timers to arm, messages to clients). It never reads a clock,
//! draws randomness other than its NUID generator, or calls into a client.
//!
//! Files: `channel.rs` (message store + limits), `subscription.rs` (subState),
//! `queue_group.rs` (picker), `client.rs` (registration), `delivery.rs` (send, ack,
//! redelivery), `subscribe.rs` (subscribe/unsubscribe/remove), `health.rs` (connect,
//! heartbeats, pings, close), `limits.rs` (publish, max_age, max_inactivity).

mod channel;
mod client;
mod delivery;
mod health;
mod limits;
mod queue_group;
mod subscribe;
mod subscription;

pub use channel::{Channel, MsgStore, StoredMsg};
pub use client::ClientRec;
pub use health::ConnectOutcome;
pub use queue_group::QueueGroup;
pub use subscribe::stored_sub_count as subscribe_count;
pub use subscription::{Sub, SubSlab};

use super::config::ServerConfig;
use super::ids::{HandleId, Name, Nuid, ProcId, SubId};
use super::time::SimTime;
use super::trace::TraceKind;
use crate::engine::vecmap::{VecMap, VecSet};
use std::sync::Arc;

/// A timer the server arms; it comes back through [`Broker::timer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerTimer {
    /// The client's heartbeat is due (`checkClientHealth`).
    Heartbeat {
        /// Client id.
        client: Name,
        /// Timer generation.
        gen: u64,
    },
    /// A request to a client's heartbeat inbox timed out (heartbeat or duplicate-id check).
    RequestTimeout {
        /// Request id.
        req: u64,
    },
    /// The subscription's single ack timer.
    AckWait {
        /// Subscription.
        sub: SubId,
        /// Timer generation.
        gen: u64,
    },
    /// `max_age` expiry of a channel's oldest messages.
    MaxAge {
        /// Channel.
        channel: Name,
        /// Timer generation.
        gen: u64,
    },
    /// `max_inactivity` delete check of a channel.
    ChannelDelete {
        /// Channel.
        channel: Name,
        /// Timer generation.
        gen: u64,
    },
}

/// A message as it reaches a client's subscription inbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Server subscription it was sent for.
    pub sub: SubId,
    /// The ack inbox generation it can be acked on.
    pub ack_gen: u32,
    /// Scenario handle.
    pub handle: HandleId,
    /// Channel.
    pub channel: Name,
    /// Sequence.
    pub seq: u64,
    /// Payload.
    pub data: Arc<str>,
    /// `redelivered` flag.
    pub redelivered: bool,
    /// `redeliveryCount`.
    pub count: u32,
}

/// What the server asks its driver to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Append to the trace.
    Trace(TraceKind),
    /// Arm a timer.
    Timer(SimTime, ServerTimer),
    /// Publish a message to a process's subscription inbox.
    Deliver(ProcId, Delivery),
    /// Send a request to a process's heartbeat inbox; answer with [`Broker::hb_result`].
    HbRequest {
        /// Receiving process.
        proc: ProcId,
        /// Request id.
        req: u64,
    },
    /// A connect that waited for the duplicate-id check finished.
    ConnectDone {
        /// The connecting process.
        proc: ProcId,
        /// `Err(text)` when refused.
        result: Result<(), Name>,
    },
    /// A `-SD` log line of the real server (without its timestamp prefix).
    Log(String),
}

/// Effect sink, stamped with the current virtual time.
#[derive(Clone, Debug, Default)]
pub struct Fx {
    /// Current virtual time.
    pub now: SimTime,
    /// Effects pushed so far.
    pub out: Vec<Effect>,
    /// How many of `out` are trace events.
    pub traces: u64,
}

impl Fx {
    fn trace(&mut self, k: TraceKind) {
        self.traces += 1;
        self.out.push(Effect::Trace(k));
    }
    fn timer(&mut self, after_ms: u64, t: ServerTimer) {
        self.out.push(Effect::Timer(self.now + after_ms, t));
    }
    fn log(&mut self, line: String) {
        self.out.push(Effect::Log(line));
    }
}

/// Server statistics shown by `/serverz`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Publishes received.
    pub in_msgs: u64,
    /// Bytes of the `PubMsg`s received.
    pub in_bytes: u64,
    /// Messages sent to subscriptions (redeliveries included).
    pub out_msgs: u64,
    /// Bytes of the `MsgProto`s sent.
    pub out_bytes: u64,
}

/// Start position of a new subscription (`StartPosition` enum).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartPosition {
    /// `NewOnly` (default).
    NewOnly,
    /// `setStartWithLastReceived()`.
    LastReceived,
    /// `setDeliverAllAvailable()`.
    All,
    /// `setStartAtSequence(n)`.
    Seq(u64),
    /// `setStartAtTimeDelta(ms)`.
    TimeDelta(u64),
}

/// A subscription request as stan.js sends it.
#[derive(Clone, Debug)]
pub struct SubRequest {
    /// Requesting process.
    pub proc: ProcId,
    /// Its client id.
    pub client: Name,
    /// Scenario handle and its name.
    pub handle: HandleId,
    /// Scenario handle name.
    pub handle_name: Name,
    /// Channel.
    pub channel: Name,
    /// Queue group name.
    pub queue: Option<Name>,
    /// Durable name.
    pub durable: Option<Name>,
    /// `maxInFlight` on the wire.
    pub max_inflight: i64,
    /// `ackWaitInSecs` on the wire.
    pub ack_wait_s: i64,
    /// Start position.
    pub start: StartPosition,
    /// The client's inbox for this subscription.
    pub inbox: String,
}

/// What a successful subscribe returns to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubAccepted {
    /// Server subscription.
    pub sub: SubId,
    /// Ack inbox generation to ack on.
    pub ack_gen: u32,
}

#[derive(Clone, Debug)]
enum PendingReq {
    Heartbeat { client: Name, reg: u64 },
    DupCheck { client: Name, reg: u64, proc: ProcId, hb_inbox: String },
}

/// The server: one incarnation (a restart makes a new one).
#[derive(Clone, Debug)]
pub struct Broker {
    pub(crate) cfg: ServerConfig,
    pub(crate) start: SimTime,
    pub(crate) server_id: String,
    pub(crate) nuid: Nuid,
    pub(crate) clients: VecMap<Name, ClientRec>,
    pub(crate) channels: VecMap<Name, Channel>,
    pub(crate) subs: SubSlab,
    pub(crate) stats: Stats,
    next_req: u64,
    next_reg: u64,
    reqs: VecMap<u64, PendingReq>,
    dup_checking: VecSet<Name>,
    /// While one batch of publishes is read (`ioLoop`, §7.5): the channels that got new
    /// messages, handed out once the batch is stored.
    batch: Option<Vec<Name>>,
}

impl Broker {
    /// A server started at `now` with no state; subscription ids start at `sub_base`.
    pub fn new(cfg: ServerConfig, now: SimTime, mut nuid: Nuid, sub_base: u32) -> Self {
        let server_id = nuid.next_id();
        Broker {
            cfg,
            start: now,
            server_id,
            nuid,
            clients: VecMap::new(),
            channels: VecMap::new(),
            subs: SubSlab::starting_at(sub_base),
            stats: Stats::default(),
            next_req: 1,
            next_reg: 1,
            reqs: VecMap::new(),
            batch: None,
            dup_checking: VecSet::new(),
        }
    }

    /// Configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.cfg
    }
    /// The id the next subscription record would get (for the next incarnation's base).
    pub fn next_sub_id(&self) -> SubId {
        self.subs.next_id()
    }
    /// A subscription record.
    pub fn sub(&self, id: SubId) -> Option<&Sub> {
        self.subs.get(id)
    }
    /// Registered clients by id.
    pub fn clients(&self) -> &VecMap<Name, ClientRec> {
        &self.clients
    }
    /// Channels by name.
    pub fn channels(&self) -> &VecMap<Name, Channel> {
        &self.channels
    }
    /// Statistics.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// Whether a request to a heartbeat inbox still waits for its reply.
    pub fn request_pending(&self, req: u64) -> bool {
        self.reqs.contains_key(&req)
    }
    /// Whether `client` is registered by `proc` (the connection).
    pub fn is_registered(&self, client: &str, proc: ProcId) -> bool {
        self.clients.get(client).is_some_and(|c| c.proc == proc)
    }

    /// A timer armed earlier is due.
    pub fn timer(&mut self, fx: &mut Fx, t: ServerTimer) {
        match t {
            ServerTimer::Heartbeat { client, gen } => self.on_heartbeat_timer(fx, &client, gen),
            ServerTimer::RequestTimeout { req } => self.hb_result(fx, req, false),
            ServerTimer::AckWait { sub, gen } => self.on_ack_timer(fx, sub, gen),
            ServerTimer::MaxAge { channel, gen } => self.on_max_age(fx, &channel, gen),
            ServerTimer::ChannelDelete { channel, gen } => self.on_channel_delete(fx, &channel, gen),
        }
    }

    fn new_req(&mut self, r: PendingReq) -> u64 {
        let id = self.next_req;
        self.next_req += 1;
        self.reqs.insert(id, r);
        id
    }
}
