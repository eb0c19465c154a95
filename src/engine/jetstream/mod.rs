//! JetStream mode: nats-server 2.9.10 with JetStream, driven by nats.js 2.x clients
//! (scenario-contract.md "JetStream scenarios", jetstream-semantics.md). A second server
//! model beside the STAN broker, with its own router and client model:
//!
//! - [`scenario`]: the JetStream scenario types and their strict reader.
//! - [`server`]: the server model: streams ([`stream`]), consumers ([`consumer`]), the
//!   delivery loop, acks, the ack timer, pull requests, inactivity. Sans process: calls in,
//!   [`server::Out`] effects out.
//! - [`sim`]: [`JsSim`], the clock and event queue, and the nats.js client model
//!   (processes, publish, bind, fetch, the listener application).
//! - [`trace`]: the JetStream trace events; [`monitor`]: `/jsz`.
//! - [`subject`]: subject matching; [`compare`]: a simulated run held against a recording
//!   of the real server (`natsim compare`).
//!
//! The STAN engine is untouched by this module: a scenario picks its server with
//! `server.kind`, and `natsim run` hands a JetStream one to [`JsSim`].

pub mod compare;
pub mod consumer;
pub mod differ;
pub mod edit;
pub mod monitor;
pub mod scenario;
pub mod server;
pub mod session;
pub mod sim;
pub mod stream;
pub mod subject;
pub mod trace;
pub mod translate;

pub use scenario::{is_jetstream, JsScenario};
pub use session::JsSession;
pub use sim::{HandleView, JsSim};
pub use trace::{JsEvent, JsKind};

impl JsSim {
    /// The monitor document (`{"jsz": …}`) as the server would answer it now.
    pub fn monitor(&self) -> serde_json::Value {
        let mut ids = crate::engine::ids::Nuid::new(crate::engine::rng::Rng::new(self.scenario().seed, 13));
        let id = format!("N{}", ids.next_id().to_ascii_uppercase());
        serde_json::json!({ "jsz": monitor::jsz(self.server(), self.now(), &id) })
    }
}
