//! node-nats-streaming 0.3.2's defaults, in one place: the scenario reader fills omitted
//! fields with them, the writer and the code generator leave out what equals them, and the
//! page's gestures start from them (`node-nats-streaming/lib/stan.js`; stan-semantics.md §5.2, §9.4).

/// `subscriptionOptions().ackWait`: 30 s.
pub const ACK_WAIT_MS: u64 = 30_000;
/// `subscriptionOptions().maxInFlight`: 16384 (`DEFAULT_MAX_IN_FLIGHT`).
pub const MAX_INFLIGHT: i64 = 16_384;
/// `stanPingInterval`: 5 s.
pub const PING_INTERVAL_MS: u64 = 5_000;
/// `stanMaxPingOut`: 3.
pub const PING_MAX_OUT: i64 = 3;
/// `ackTimeout`, how long a publish waits for its ack: 30 s.
pub const PUB_ACK_TIMEOUT_MS: u64 = 30_000;
