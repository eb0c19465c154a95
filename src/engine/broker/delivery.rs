//! Sending messages to subscriptions and queue groups, acks, and ack-wait redelivery:
//! `sendMsgToSub`, `sendAvailableMessages[ToQueue]`, `sendMsgToQueueGroup`, `processAck`,
//! `performAckExpirationRedelivery`, `performDurableRedelivery` (stan-semantics §6, §7, §12).

use super::channel::{Channel, MsgStore, StoredMsg};
use super::queue_group::find_best;
use super::subscription::{Sub, SubSlab};
use super::{Broker, Delivery, Effect, Fx, ServerTimer, Stats};
use crate::engine::config::ServerConfig;
use crate::engine::ids::{Name, SubId};
use crate::engine::proto::msg_proto_size;
use crate::engine::seqmap::SeqMap;
use crate::engine::time::timestamp_ns;
use crate::engine::trace::TraceKind;

/// The mutable server state a delivery touches besides the channel.
pub(super) struct Ctx<'a> {
    pub fx: &'a mut Fx,
    pub stats: &'a mut Stats,
    pub subs: &'a mut SubSlab,
}

/// Arms the sub's single ack timer to fire in `after_ms` (`setupAckTimer` / `Reset`).
pub(super) fn arm_ack_timer(fx: &mut Fx, sub: &mut Sub, after_ms: u64) {
    sub.ack_timer = true;
    sub.ack_timer_gen += 1;
    fx.timer(after_ms, ServerTimer::AckWait { sub: sub.id, gen: sub.ack_timer_gen });
}

/// Stops the sub's ack timer (`clearAckTimer`).
pub(super) fn clear_ack_timer(sub: &mut Sub) {
    sub.ack_timer = false;
    sub.ack_timer_gen += 1;
}

/// `adjustAckTimer`: fire at the next expiry, or a full ack wait if that is already past;
/// stop when nothing is pending.
fn adjust_ack_timer(fx: &mut Fx, sub: &mut Sub, next_expiry: Option<i64>) {
    if !sub.ack_timer {
        return;
    }
    if sub.pending.is_empty() {
        clear_ack_timer(sub);
        return;
    }
    let now = fx.now as i64;
    match next_expiry {
        Some(e) if e > now => arm_ack_timer(fx, sub, (e - now) as u64),
        _ => arm_ack_timer(fx, sub, sub.ack_wait_ms()),
    }
}

/// `sendMsgToSub`: returns (sent, send more). `rdlv` is the group's redelivery-count map for a
/// queue member (else the sub's own is used). A `redelivery` is flagged and forced (it
/// ignores max in flight); a new message honours it.
pub(super) fn send_msg_to_sub(
    fx: &mut Fx,
    stats: &mut Stats,
    sub: &mut Sub,
    rdlv: Option<&mut SeqMap<u32>>,
    m: &StoredMsg,
    channel: &Name,
    redelivery: bool,
) -> (bool, bool) {
    let (redelivered, force) = (redelivery, redelivery);
    if !sub.initialized || sub.client.is_none() || (sub.new_on_hold && !redelivered) {
        return (false, false);
    }
    let ap = sub.pending.len() as u64;
    if !force && ap >= sub.max_inflight {
        sub.stalled = true;
        return (false, false);
    }
    let mut count = 0;
    if redelivered {
        let map = match rdlv {
            Some(map) => map,
            None => &mut sub.rdlv,
        };
        let c = map.get_or_default(m.seq);
        *c = c.wrapping_add(1).max(1);
        count = *c;
    }
    let size = msg_proto_size(m.seq, channel.len() as u64, m.data.len() as u64, timestamp_ns(m.ts), redelivered, count);
    stats.out_msgs += 1;
    stats.out_bytes += size;
    let client = sub.client.clone().expect("online sub");
    fx.trace(TraceKind::Delivered { client, sub: sub.handle_name.clone(), channel: channel.clone(), seq: m.seq, redelivered, redelivery_count: count });
    fx.out.push(Effect::Deliver(
        sub.proc,
        Delivery { sub: sub.id, ack_gen: sub.ack_gen, handle: sub.handle, channel: channel.clone(), seq: m.seq, data: m.data.clone(), redelivered, count },
    ));
    if !sub.ack_timer {
        arm_ack_timer(fx, sub, sub.ack_wait_ms());
    }
    let ack_wait = sub.ack_wait_ms() as i64;
    if let Some(exp) = sub.pending.get_mut(m.seq) {
        // A redelivery of a pending message: the next expiry is one ack wait after the last.
        *exp += ack_wait;
        return (true, true);
    }
    if m.seq > sub.last_sent {
        sub.last_sent = m.seq;
    }
    sub.pending.insert(m.seq, fx.now as i64 + ack_wait);
    if !force && ap + 1 == sub.max_inflight {
        sub.stalled = true;
        return (true, false);
    }
    (true, true)
}

/// `getNextMsg`: the message at `*next`, skipping what limits removed.
fn next_msg(store: &MsgStore, next: &mut u64, last_sent: &mut u64) -> Option<StoredMsg> {
    for i in 0.. {
        if let Some(m) = store.lookup(*next) {
            return Some(m.clone());
        }
        if *next >= store.last {
            return None;
        } else if *next < store.first {
            *next = store.first;
            *last_sent = store.first - 1;
        } else if i > 0 {
            *next += 1;
            *last_sent += 1;
        }
    }
    None
}

/// `sendAvailableMessages`: a plain sub's backlog from `lastSent+1` until stalled.
pub(super) fn send_available(cx: &mut Ctx, ch: &mut Channel, id: SubId) {
    let Some(sub) = cx.subs.get_mut(id) else { return };
    let mut next = sub.last_sent + 1;
    while !sub.stalled {
        let Some(m) = next_msg(&ch.store, &mut next, &mut sub.last_sent) else { break };
        let (sent, more) = send_msg_to_sub(cx.fx, cx.stats, sub, None, &m, &ch.name, false);
        if !sent || !more {
            break;
        }
        next += 1;
    }
}

/// `sendMsgToQueueGroup`: picks the best member and sends; returns (pick, sent).
pub(super) fn send_to_queue_group(cx: &mut Ctx, ch: &mut Channel, key: &Name, m: &StoredMsg, redelivery: bool) -> (Option<SubId>, bool) {
    let Some(group) = ch.qsubs.get_mut(key) else { return (None, false) };
    let Some(pick) = find_best(&mut group.members, cx.subs) else { return (None, false) };
    let sub = cx.subs.get_mut(pick).expect("member");
    let was_stalled = sub.stalled;
    let (sent, _) = send_msg_to_sub(cx.fx, cx.stats, sub, Some(&mut group.rdlv), m, &ch.name, redelivery);
    if !redelivery && !was_stalled && sub.stalled {
        group.stalled_count += 1;
    }
    if sent && sub.last_sent > group.last_sent {
        group.last_sent = sub.last_sent;
    }
    (Some(pick), sent)
}

/// `sendAvailableMessagesToQueue`: the group's backlog from its `lastSent+1` while some member
/// is not stalled.
pub(super) fn send_available_to_queue(cx: &mut Ctx, ch: &mut Channel, key: &Name) {
    let Some(group) = ch.qsubs.get(key) else { return };
    if group.members.is_empty() {
        return;
    }
    let mut next = group.last_sent + 1;
    loop {
        let group = ch.qsubs.get_mut(key).expect("group");
        if group.stalled_count >= group.members.len() {
            break;
        }
        let mut last_sent = group.last_sent;
        let m = next_msg(&ch.store, &mut next, &mut last_sent);
        ch.qsubs.get_mut(key).expect("group").last_sent = last_sent;
        let Some(m) = m else { break };
        if !send_to_queue_group(cx, ch, key, &m, false).1 {
            break;
        }
        next += 1;
    }
}

/// `processMsg`: after a publish, every plain sub then every queue group gets what it can.
pub(super) fn process_msg(cx: &mut Ctx, ch: &mut Channel) {
    for i in 0..ch.psubs.len() {
        let id = ch.psubs[i];
        send_available(cx, ch, id);
    }
    let keys: Vec<Name> = ch.qsubs.keys().cloned().collect();
    for k in &keys {
        send_available_to_queue(cx, ch, k);
    }
}

/// `processAck`: removes `seq` from the sub's pending (or, for a queue member acking, from
/// whichever member holds it) and un-stalls.
pub(super) fn process_ack(cx: &mut Ctx, ch: &mut Channel, id: SubId, seq: u64, from_user: bool) {
    let Some(sub) = cx.subs.get_mut(id) else { return };
    let qkey = sub.queue_key().cloned();
    if sub.pending.remove(seq).is_some() {
        if from_user {
            match &qkey {
                Some(k) => {
                    if let Some(g) = ch.qsubs.get_mut(k) {
                        g.rdlv.remove(seq);
                    }
                }
                None => {
                    sub.rdlv.remove(seq);
                }
            }
        }
    } else if let (Some(k), true) = (&qkey, from_user) {
        if let Some(g) = ch.qsubs.get_mut(k) {
            for &m in g.members.iter().filter(|&&m| m != id) {
                if cx.subs.get_mut(m).is_some_and(|s| s.pending.remove(seq).is_some()) {
                    g.rdlv.remove(seq);
                    break;
                }
            }
        }
    }
    let sub = cx.subs.get_mut(id).expect("sub");
    if sub.stalled && (sub.pending.len() as u64) < sub.max_inflight {
        sub.stalled = false;
        match &qkey {
            Some(k) => {
                if let Some(g) = ch.qsubs.get_mut(k) {
                    g.stalled_count = g.stalled_count.saturating_sub(1);
                }
                send_available_to_queue(cx, ch, k);
            }
            None => send_available(cx, ch, id),
        }
    }
}

/// Lookup for a redelivery; a message that limits removed is acked silently
/// (`getMsgForRedelivery`).
fn msg_for_redelivery(cx: &mut Ctx, ch: &mut Channel, id: SubId, seq: u64) -> Option<StoredMsg> {
    match ch.store.lookup(seq) {
        Some(m) => Some(m.clone()),
        None => {
            process_ack(cx, ch, id, seq, false);
            None
        }
    }
}

/// `performAckExpirationRedelivery` for one sub whose ack timer fired.
pub(super) fn ack_expiry(cx: &mut Ctx, ch: &mut Channel, id: SubId) {
    let Some(sub) = cx.subs.get_mut(id) else { return };
    if sub.pending.is_empty() {
        clear_ack_timer(sub);
        return;
    }
    let qkey = sub.queue_key().cloned();
    if qkey.is_none() && sub.has_failed_hb {
        // Plain subs of a client with failed heartbeats: skip, try again one ack wait later.
        arm_ack_timer(cx.fx, sub, sub.ack_wait_ms());
        if let Some(c) = &sub.client {
            cx.fx.log(format!("[DBG] STREAM: [Client:{c}] Skipping redelivery to subid={} due to missed client heartbeat", sub.store_id));
        }
        return;
    }
    let mut sorted: Vec<(i64, u64)> = sub.pending.iter().map(|(s, &e)| (e, s)).collect();
    sorted.sort_unstable();
    let limit = cx.fx.now as i64 + ServerConfig::ACK_EXPIRY_WINDOW_MS as i64;
    let mut next_expiry = None;
    for (exp, seq) in sorted {
        let Some(m) = msg_for_redelivery(cx, ch, id, seq) else { continue };
        if exp > limit {
            next_expiry = Some(exp);
            break;
        }
        let still_pending = cx.subs.get(id).is_some_and(|s| s.pending.contains_key(seq));
        match &qkey {
            Some(k) => {
                if !still_pending {
                    continue;
                }
                let (pick, sent) = send_to_queue_group(cx, ch, k, &m, true);
                let Some(pick) = pick else { break };
                if pick != id && sent {
                    process_ack(cx, ch, id, seq, false);
                }
            }
            None => {
                if still_pending {
                    let sub = cx.subs.get_mut(id).expect("sub");
                    send_msg_to_sub(cx.fx, cx.stats, sub, None, &m, &ch.name, true);
                }
            }
        }
    }
    if let Some(sub) = cx.subs.get_mut(id) {
        adjust_ack_timer(cx.fx, sub, next_expiry);
    }
}

/// `performDurableRedelivery`: a resumed durable (or the member taking over a durable queue
/// group's shadow) first gets its pending messages again, in sequence order, flagged
/// redelivered.
pub(super) fn durable_redelivery(cx: &mut Ctx, ch: &mut Channel, id: SubId) {
    let Some(sub) = cx.subs.get(id) else { return };
    let seqs: Vec<u64> = sub.pending.keys().collect();
    let qkey = sub.queue_key().cloned();
    if let Some(c) = &sub.client {
        if !seqs.is_empty() {
            let name = sub.durable.clone().or_else(|| qkey.clone()).unwrap_or_default();
            cx.fx.log(format!("[DBG] STREAM: [Client:{c}] Redelivering to subid={}, durable={name}", sub.store_id));
        }
    }
    for seq in seqs {
        let Some(m) = msg_for_redelivery(cx, ch, id, seq) else { continue };
        if !cx.subs.get(id).is_some_and(|s| s.pending.contains_key(seq)) {
            continue;
        }
        let sub = cx.subs.get_mut(id).expect("sub");
        let rdlv = qkey.as_ref().and_then(|k| ch.qsubs.get_mut(k)).map(|g| &mut g.rdlv);
        send_msg_to_sub(cx.fx, cx.stats, sub, rdlv, &m, &ch.name, true);
    }
    if let Some(sub) = cx.subs.get_mut(id) {
        sub.new_on_hold = false;
    }
}

impl Broker {
    /// An ack arrives on a subscription's ack inbox (generation `ack_gen`).
    pub fn ack(&mut self, fx: &mut Fx, sub: SubId, ack_gen: u32, seq: u64) {
        let Some(s) = self.subs.get(sub) else { return };
        let Some(client) = s.client.clone() else { return };
        if s.ack_gen != ack_gen {
            return; // an old ack inbox: nobody listens there any more
        }
        let channel = s.channel.clone();
        fx.trace(TraceKind::Acked { client, sub: s.handle_name.clone(), channel: channel.clone(), seq });
        let Some(ch) = self.channels.get_mut(&channel) else { return };
        let mut cx = Ctx { fx, stats: &mut self.stats, subs: &mut self.subs };
        process_ack(&mut cx, ch, sub, seq, true);
    }

    pub(super) fn on_ack_timer(&mut self, fx: &mut Fx, id: SubId, gen: u64) {
        let Some(sub) = self.subs.get_mut(id) else { return };
        if !sub.ack_timer || sub.ack_timer_gen != gen {
            return;
        }
        let channel = sub.channel.clone();
        let Some(ch) = self.channels.get_mut(&channel) else {
            clear_ack_timer(sub);
            return;
        };
        let mut cx = Ctx { fx, stats: &mut self.stats, subs: &mut self.subs };
        ack_expiry(&mut cx, ch, id);
    }
}
