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

/// Messages in a store, oldest first, in chunks of [`Msgs::CHUNK`] shared between clones: a
/// full chunk never changes again (messages only leave from the front, as a whole chunk once
/// the last of it left), so a clone of the store (a checkpoint of the page's run) copies a
/// pointer per chunk and at most one partly filled chunk, not every message.
#[derive(Clone, Debug, Default)]
pub struct Msgs {
    /// Every chunk but the last holds exactly `CHUNK` messages.
    chunks: VecDeque<Arc<Vec<StoredMsg>>>,
    /// Messages of the first chunk already removed.
    skip: usize,
    len: usize,
}

impl Msgs {
    /// Messages per chunk.
    pub const CHUNK: usize = 1024;

    /// How many.
    pub fn len(&self) -> usize {
        self.len
    }

    /// None stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th oldest.
    pub fn get(&self, i: usize) -> Option<&StoredMsg> {
        if i >= self.len {
            return None;
        }
        let at = self.skip + i;
        self.chunks.get(at / Self::CHUNK)?.get(at % Self::CHUNK)
    }

    /// The oldest.
    pub fn front(&self) -> Option<&StoredMsg> {
        self.get(0)
    }

    /// Appends a message (copies the last chunk first if a clone shares it).
    pub fn push_back(&mut self, m: StoredMsg) {
        match self.chunks.back_mut() {
            Some(c) if c.len() < Self::CHUNK => Arc::make_mut(c).push(m),
            _ => self.chunks.push_back(Arc::new(vec![m])),
        }
        self.len += 1;
    }

    /// Removes the oldest.
    pub fn pop_front(&mut self) -> Option<StoredMsg> {
        let m = self.front()?.clone();
        self.skip += 1;
        self.len -= 1;
        if self.skip == self.chunks[0].len() {
            self.chunks.pop_front();
            self.skip = 0;
        }
        Some(m)
    }

    /// Oldest first (reversible).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &StoredMsg> {
        self.chunks.iter().enumerate().flat_map(move |(k, c)| &c[if k == 0 { self.skip } else { 0 }..])
    }

    /// The number of messages, from the oldest, for which `pred` holds (`pred` must hold
    /// for a prefix).
    pub fn partition_point(&self, pred: impl Fn(&StoredMsg) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid).is_some_and(&pred) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

/// The memory message store of one channel. Messages are contiguous: `msgs[i].seq == first+i`.
#[derive(Clone, Debug, Default)]
pub struct MsgStore {
    /// Stored messages, oldest first.
    pub msgs: Msgs,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: u64) -> StoredMsg {
        StoredMsg { seq, ts: seq * 10, size: 1, data: Arc::from("x") }
    }

    #[test]
    fn msgs_keep_order_across_chunks_and_a_clone_keeps_what_it_had() {
        let c = Msgs::CHUNK as u64;
        let mut m = Msgs::default();
        for seq in 1..=2 * c + 500 {
            m.push_back(msg(seq));
        }
        // Drop the first chunk and 6 more.
        for seq in 1..=c + 6 {
            assert_eq!(m.pop_front().map(|x| x.seq), Some(seq));
        }
        assert_eq!(m.len() as u64, c + 494);
        assert_eq!((m.front().map(|x| x.seq), m.get(m.len() - 1).map(|x| x.seq)), (Some(c + 7), Some(2 * c + 500)));
        assert_eq!(m.get(100).map(|x| x.seq), Some(c + 107));
        assert!(m.get(m.len()).is_none());
        let last: Vec<u64> = m.iter().rev().take(3).map(|x| x.seq).collect();
        assert_eq!(last, [2 * c + 500, 2 * c + 499, 2 * c + 498]);
        assert_eq!(m.iter().count(), m.len());
        assert!(m.iter().zip(m.iter().skip(1)).all(|(a, b)| b.seq == a.seq + 1));
        // ts = 10 × seq: the first message at or after ts 10 × (c + 20) is the 13th.
        assert_eq!(m.partition_point(|x| x.ts < 10 * (c + 20)), 13);
        // A clone (a checkpoint) is not changed by what the original does next.
        let snapshot = m.clone();
        m.push_back(msg(2 * c + 501));
        while m.len() > 1 {
            m.pop_front();
        }
        assert_eq!((snapshot.len() as u64, snapshot.front().map(|x| x.seq)), (c + 494, Some(c + 7)));
        assert_eq!(snapshot.iter().last().map(|x| x.seq), Some(2 * c + 500));
        // Emptied, then filled again.
        m.pop_front();
        assert!(m.is_empty() && m.front().is_none() && m.pop_front().is_none());
        m.push_back(msg(9));
        assert_eq!(m.iter().map(|x| x.seq).collect::<Vec<_>>(), [9]);
    }
}
