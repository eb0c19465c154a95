//! A registered client on the server (`client` in `server/client.go`): its heartbeat state
//! and the list of its subscriptions in the order monitoring shows them.

use crate::engine::ids::{Name, ProcId, SubId};
use crate::engine::time::SimTime;

/// A client registration.
#[derive(Clone, Debug)]
pub struct ClientRec {
    /// Client id.
    pub id: Name,
    /// Serial of this registration (a reconnect with the same id is a new one).
    pub reg: u64,
    /// The process (connection) that registered it.
    pub proc: ProcId,
    /// `hb_inbox` as monitoring shows it.
    pub hb_inbox: String,
    /// The client's subscriptions, in the order they were added.
    pub subs: Vec<SubId>,
    /// Consecutive failed heartbeats (`fhb`).
    pub fhb: u32,
    /// Generation of the armed heartbeat timer.
    pub hb_gen: u64,
    /// A heartbeat request is waiting for its reply.
    pub hb_inflight: Option<u64>,
    /// When it registered.
    pub since: SimTime,
}
