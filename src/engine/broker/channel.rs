//! A channel: its memory message store with the limits that drop the oldest messages
//! (`stores/memstore.go`), and its subscription store (plain subs, durables, queue groups).
//! Owns sequence numbers and message bytes; never sends anything to a client.

use super::queue_group::QueueGroup;
use crate::engine::ids::{Name, SubId};
use crate::engine::proto::msg_proto_size;
use crate::engine::time::{timestamp_ns, SimTime};
use crate::engine::trace::DropReason;
use crate::engine::vecmap::VecMap;
use std::collections::VecDeque;
use std::sync::Arc;

/// A stored message (`MsgProto` without the per-delivery fields).
#[derive(Clone, Debug)]
pub struct StoredMsg {
    /// Channel sequence.
    pub seq: u64,
    /// Store time (virtual ms); the wire timestamp is [`timestamp_ns`] of it.
    pub ts: SimTime,
    /// Stored `MsgProto` size in bytes.
    pub size: u64,
    /// Payload.
    pub data: Arc<str>,
}

/// The memory message store of one channel. Messages are contiguous: `msgs[i].seq == first+i`.
#[derive(Clone, Debug, Default)]
pub struct MsgStore {
    /// Stored messages, oldest first.
    pub msgs: VecDeque<StoredMsg>,
    /// First stored sequence (0 before anything was stored; `last+1` when all expired).
    pub first: u64,
    /// Last stored sequence (0 before anything was stored).
    pub last: u64,
    /// Total stored bytes.
    pub bytes: u64,
    /// The `Reached limits` warning was logged (once per channel).
    pub hit_limit: bool,
}

impl MsgStore {
    /// The message with `seq`, if still stored.
    pub fn lookup(&self, seq: u64) -> Option<&StoredMsg> {
        if self.msgs.is_empty() || seq < self.first || seq > self.last {
            return None;
        }
        self.msgs.get((seq - self.first) as usize)
    }

    /// Appends the next message and drops the oldest past `max_msgs`/`max_bytes`, always
    /// keeping the newest (`MemoryMsgStore.Store`). Returns the dropped sequences.
    pub fn store(&mut self, subject_len: u64, data: Arc<str>, now: SimTime, max_msgs: u64, max_bytes: u64, dropped: &mut Vec<(u64, DropReason)>) -> u64 {
        let seq = self.last + 1;
        let size = msg_proto_size(seq, subject_len, data.len() as u64, timestamp_ns(now), false, 0);
        if self.first == 0 {
            self.first = seq;
        }
        self.last = seq;
        self.msgs.push_back(StoredMsg { seq, ts: now, size, data });
        self.bytes += size;
        loop {
            let count = self.msgs.len() as u64;
            if count <= 1 {
                break;
            }
            let reason = if max_msgs > 0 && count > max_msgs {
                DropReason::MaxMsgs
            } else if max_bytes > 0 && self.bytes > max_bytes {
                DropReason::MaxBytes
            } else {
                break;
            };
            let m = self.remove_first();
            dropped.push((m.seq, reason));
        }
        seq
    }

    /// Removes the oldest message (`removeFirstMsg`).
    pub fn remove_first(&mut self) -> StoredMsg {
        let m = self.msgs.pop_front().expect("remove_first on an empty store");
        self.bytes -= m.size;
        self.first += 1;
        m
    }

    /// `GetSequenceFromTimestamp`: the first sequence stored at or after `ts`; `last+1` when
    /// every message is older; 0 when nothing was ever stored.
    pub fn seq_from_time(&self, ts: SimTime) -> u64 {
        if self.first == 0 {
            return 0;
        }
        if self.msgs.is_empty() {
            return self.last + 1;
        }
        let idx = self.msgs.partition_point(|m| m.ts < ts);
        self.first + idx as u64
    }
}

/// `max_inactivity` bookkeeping (`channelActivity`).
#[derive(Clone, Debug)]
pub struct Activity {
    /// Reference time of the last activity.
    pub last: SimTime,
    /// Generation of the armed delete timer.
    pub gen: u64,
    /// A delete timer is armed.
    pub timer_set: bool,
}

/// One channel: messages plus subscriptions.
#[derive(Clone, Debug)]
pub struct Channel {
    /// Channel name.
    pub name: Name,
    /// Message store.
    pub store: MsgStore,
    /// Plain subscriptions (including online durables), in list order.
    pub psubs: Vec<SubId>,
    /// Plain durables (online and offline) by `clientID-channel-durable`.
    pub durables: VecMap<String, SubId>,
    /// Queue groups by key (`queue`, or `durable:queue` for durable groups).
    pub qsubs: VecMap<Name, QueueGroup>,
    /// Next per-channel subscription id (`subid=` in logs).
    pub next_subid: u64,
    /// `max_age` timer generation and whether it is armed.
    pub age_gen: u64,
    /// A `max_age` timer is armed.
    pub age_armed: bool,
    /// Present when `max_inactivity` is set.
    pub activity: Option<Activity>,
}

impl Channel {
    /// A new, empty channel.
    pub fn new(name: Name, now: SimTime, max_inactivity: u64) -> Self {
        Channel {
            name,
            store: MsgStore::default(),
            psubs: Vec::new(),
            durables: VecMap::new(),
            qsubs: VecMap::new(),
            next_subid: 1,
            age_gen: 0,
            age_armed: false,
            activity: (max_inactivity > 0).then_some(Activity { last: now, gen: 0, timer_set: false }),
        }
    }

    /// Whether any subscription is online (offline durables and shadows do not count).
    pub fn has_active_subs(&self) -> bool {
        !self.psubs.is_empty() || self.qsubs.values().any(|q| !q.members.is_empty())
    }
}
