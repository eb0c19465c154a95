//! A subscription record on the server (`subState`) and the slab that holds them. Owns the
//! per-subscription ack timer bookkeeping; the delivery rules live in `delivery.rs`.

use crate::engine::ids::{HandleId, Name, ProcId, SubId};
use crate::engine::seqmap::SeqMap;

/// `subState`: one plain subscription, durable, queue member, or offline durable/shadow.
#[derive(Clone, Debug)]
pub struct Sub {
    /// Simulator id (stable across durable resumes).
    pub id: SubId,
    /// Per-channel store id (`subid=` in logs).
    pub store_id: u64,
    /// Channel name.
    pub channel: Name,
    /// Owning client while online; `None` when offline (`ClientID == ""`).
    pub client: Option<Name>,
    /// Last owner, shown by monitoring for offline subs (`savedClientID`).
    pub saved_client: Name,
    /// Process that receives its messages.
    pub proc: ProcId,
    /// Scenario handle of the current owner.
    pub handle: HandleId,
    /// Scenario handle name (the trace's `sub`).
    pub handle_name: Name,
    /// Client-made inbox the messages go to.
    pub inbox: String,
    /// Server-made inbox the acks come to (new on every resume).
    pub ack_inbox: String,
    /// Bumped with every new ack inbox, so acks to an old one are not accepted.
    pub ack_gen: u32,
    /// Plain durable name.
    pub durable: Option<Name>,
    /// Queue group key (`queue` or `durable:queue`) and the name the client gave.
    pub queue: Option<(Name, Name)>,
    /// Durable (plain durable or durable queue member).
    pub is_durable: bool,
    /// Max in flight.
    pub max_inflight: u64,
    /// Ack wait in seconds.
    pub ack_wait_s: u64,
    /// Highest sequence sent.
    pub last_sent: u64,
    /// Pending (unacked) sequences and their expiry (virtual ms; may be negative).
    pub pending: SeqMap<i64>,
    /// Redelivery counts (plain subs; queue members use the group's).
    pub rdlv: SeqMap<u32>,
    /// At max in flight.
    pub stalled: bool,
    /// Its client has failed heartbeats.
    pub has_failed_hb: bool,
    /// A resumed durable redelivers its pending messages before new ones.
    pub new_on_hold: bool,
    /// The subscribe response was sent; messages may flow.
    pub initialized: bool,
    /// The ack timer is armed.
    pub ack_timer: bool,
    /// Generation of the armed ack timer.
    pub ack_timer_gen: u64,
}

impl Sub {
    /// Ack wait in milliseconds.
    pub fn ack_wait_ms(&self) -> u64 {
        self.ack_wait_s * 1000
    }
    /// The client id monitoring shows (`savedClientID` when offline).
    pub fn shown_client(&self) -> &Name {
        self.client.as_ref().unwrap_or(&self.saved_client)
    }
    /// Queue group key, if a queue member.
    pub fn queue_key(&self) -> Option<&Name> {
        self.queue.as_ref().map(|(k, _)| k)
    }
}

/// All subscription records of one server incarnation, indexed by [`SubId`]. Ids are never
/// reused, and continue across server restarts (`base`), so a stale id finds nothing.
#[derive(Clone, Debug, Default)]
pub struct SubSlab {
    base: u32,
    slots: Vec<Option<Sub>>,
}

impl SubSlab {
    /// An empty slab whose first id is `base`.
    pub fn starting_at(base: u32) -> Self {
        SubSlab { base, slots: Vec::new() }
    }
    /// The id the next inserted record gets.
    pub fn next_id(&self) -> SubId {
        SubId(self.base + self.slots.len() as u32)
    }
    /// Stores a record under [`Self::next_id`].
    pub fn insert(&mut self, sub: Sub) {
        debug_assert_eq!(sub.id, self.next_id());
        self.slots.push(Some(sub));
    }
    /// The record, if it exists.
    pub fn get(&self, id: SubId) -> Option<&Sub> {
        let i = id.0.checked_sub(self.base)? as usize;
        self.slots.get(i)?.as_ref()
    }
    /// The record, mutably.
    pub fn get_mut(&mut self, id: SubId) -> Option<&mut Sub> {
        let i = id.0.checked_sub(self.base)? as usize;
        self.slots.get_mut(i)?.as_mut()
    }
    /// Deletes the record.
    pub fn remove(&mut self, id: SubId) -> Option<Sub> {
        let i = id.0.checked_sub(self.base)? as usize;
        self.slots.get_mut(i)?.take()
    }
    /// Every live record, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Sub> {
        self.slots.iter().flatten()
    }
}
