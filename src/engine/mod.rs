//! The NATS Streaming engine: a deterministic, sans-IO simulation of a memory-store
//! `nats-streaming-server` and its node-nats-streaming clients on a virtual millisecond
//! clock. It never names a web crate, reads a real clock, or draws OS randomness.
//!
//! Module map:
//! - [`scenario`]: the scenario file format (contract v1): parsing, validation, limits.
//! - [`sim`]: [`Sim`], the clock, event queue and message routing; `client.rs` holds what
//!   client processes do (stan.js + the listener application model), [`process`] their data.
//! - [`broker`]: the server itself, rule by rule (`stan-semantics.md`).
//! - [`monitor`]: the four monitoring endpoints.
//! - [`app`]: the concurrency lab's applications (account balance, tickets) and fixes.
//! - [`session`]: an interactive run with snapshots and forks (what the page drives).
//! - [`trace`]: the trace events every consumer reads.
//! - [`stanjs`]: node-nats-streaming's defaults (reader, writer, code generator, gestures).
//! - [`config`], [`errors`], [`proto`], [`time`], [`ids`], [`rng`]: options and version
//!   differences, exact error texts, protobuf sizes, time formats, NUIDs, the seeded PRNG.
//!
//! Typical use:
//! ```
//! use natsim::engine::{Sim, Scenario};
//! let mut sim = Sim::new(Scenario::parse(r#"{"until_ms": 1000, "actions": [
//!   {"at_ms": 0, "do": "connect", "client": "pub"},
//!   {"at_ms": 10, "do": "publish", "client": "pub", "channel": "ticket:created", "data": "hi"}
//! ]}"#).unwrap());
//! sim.run().unwrap();
//! assert_eq!(sim.trace().last().unwrap().kind.name(), "published");
//! ```
#![warn(missing_docs)]

pub mod app;
pub mod broker;
mod client;
pub mod config;
pub mod errors;
mod event_loop;
pub mod history;
pub mod ids;
pub mod jetstream;
pub mod monitor;
pub mod process;
pub mod proto;
mod queue;
pub mod rng;
pub mod scenario;
pub mod seqmap;
pub mod session;
pub mod sim;
pub mod stanjs;
pub mod time;
pub mod trace;
pub mod vecmap;

pub use broker::StartPosition;
pub use config::{ServerConfig, ServerVersion};
pub use monitor::{Monitor, MonitorView};
pub use scenario::{Action, AppKind, Behaviour, Handler, Scenario, ScenarioError, Verb};
pub use session::{later_actions_after, Fork, Session};
pub use sim::{RunError, RunLimits, Sim, TraceIndex};
pub use time::SimTime;
pub use trace::{TraceEvent, TraceKind};

impl Sim {
    /// The monitoring endpoints as the server would answer them now.
    pub fn monitor(&self) -> Monitor {
        MonitorView::new(&self.broker, self.now).all()
    }

    /// A monitoring view for the other endpoint forms (single client or channel, no subs).
    pub fn monitor_view(&self) -> MonitorView<'_> {
        MonitorView::new(&self.broker, self.now)
    }
}
