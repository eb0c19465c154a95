//! A queue group's shared state and the member picker (`findBestQueueSub`), including the
//! list rotation that makes fast members take turns. Never sends anything itself.

use super::subscription::SubSlab;
use crate::engine::ids::SubId;
use crate::engine::seqmap::SeqMap;

/// `queueState`: members in their current (rotated) order, the group's `lastSent`, the
/// group-wide redelivery counts, the stalled-member count and, for durable groups whose
/// members all left, the offline shadow.
#[derive(Clone, Debug, Default)]
pub struct QueueGroup {
    /// Online members, in the picker's current order.
    pub members: Vec<SubId>,
    /// Highest sequence sent to any member.
    pub last_sent: u64,
    /// Redelivery count per sequence, shared by the group.
    pub rdlv: SeqMap<u32>,
    /// Members at max in flight.
    pub stalled_count: usize,
    /// The offline durable group's stand-in.
    pub shadow: Option<SubId>,
    /// Durable group (`durable:queue`).
    pub durable: bool,
}

/// `findBestQueueSub`: the first member, in list order, that is neither stalled nor has a
/// client with failed heartbeats and has the fewest pending; else the first member. When the
/// pick is the first of several, it moves to the end of the list.
pub fn find_best(members: &mut [SubId], subs: &SubSlab) -> Option<SubId> {
    let mut best: Option<(usize, usize)> = None;
    for (i, id) in members.iter().enumerate() {
        let s = subs.get(*id).expect("queue member without a record");
        if !s.stalled && !s.has_failed_hb {
            let out = s.pending.len();
            if best.is_none_or(|(_, b)| out < b) {
                best = Some((i, out));
            }
        }
    }
    let idx = best.map(|(i, _)| i).unwrap_or(0);
    let pick = *members.get(idx)?;
    if members.len() > 1 && idx == 0 {
        members.rotate_left(1);
    }
    Some(pick)
}
