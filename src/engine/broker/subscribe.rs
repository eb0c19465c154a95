//! Subscribing, resuming durables, joining queue groups, and subscriptions leaving
//! (`processSubscriptionRequest`, `processSub`, `setSubStartSequence`, `subStore.Remove`,
//! `unsubscribeSub`; stan-semantics §5, §7.4, §8).

use super::channel::Channel;
use super::delivery::{arm_ack_timer, clear_ack_timer, durable_redelivery, send_available, send_available_to_queue, Ctx};
use super::queue_group::QueueGroup;
use super::subscription::Sub;
use super::{Broker, Fx, StartPosition, SubAccepted, SubRequest};
use crate::engine::config::ServerConfig;
use crate::engine::errors as e;
use crate::engine::ids::{Name, SubId};
use crate::engine::seqmap::SeqMap;
use crate::engine::trace::{SubCloseReason, TraceKind};

/// What `setSubStartSequence` decided: `lastSent` and the `-SD` text.
fn start_sequence(ch: &Channel, start: &StartPosition, now: u64) -> (u64, String) {
    let st = &ch.store;
    match start {
        StartPosition::NewOnly => (st.last, format!("new-only, seq={}", st.last + 1)),
        StartPosition::LastReceived => {
            let ls = st.last.saturating_sub(1);
            (ls, format!("last message, seq={}", ls + 1))
        }
        StartPosition::TimeDelta(delta) => {
            let seq = st.seq_from_time(now.saturating_sub(*delta));
            let ls = seq.saturating_sub(1);
            let when = crate::engine::time::rfc3339_nano(now.saturating_sub(*delta));
            (ls, format!("from time time='{when}' seq={}", ls + 1))
        }
        StartPosition::Seq(n) => {
            let ls = if *n < st.first {
                st.first.saturating_sub(1)
            } else if *n > st.last {
                st.last
            } else if *n > 0 {
                n - 1
            } else {
                0
            };
            (ls, format!("from sequence, asked_seq={n} actual_seq={}", ls + 1))
        }
        StartPosition::All => {
            let ls = st.first.saturating_sub(1);
            (ls, format!("from beginning, seq={}", ls + 1))
        }
    }
}

/// Records stored on a channel: what `max_subs` counts and monitoring's `subs_count`.
pub fn stored_sub_count(ch: &Channel, subs: &super::SubSlab) -> usize {
    let offline_durables = ch.durables.values().filter(|id| subs.get(**id).is_some_and(|s| s.client.is_none())).count();
    ch.psubs.len() + offline_durables + ch.qsubs.values().map(|q| q.members.len() + q.shadow.is_some() as usize).sum::<usize>()
}

impl Broker {
    /// A subscription request (`processSubscriptionRequest`): validation in the real order,
    /// then a new subscription, a queue join, or a durable resume; then the backlog.
    pub fn subscribe(&mut self, fx: &mut Fx, r: &SubRequest) -> Result<SubAccepted, Name> {
        if r.ack_wait_s <= 0 {
            return Err(e::INVALID_ACK_WAIT.into());
        }
        if r.max_inflight <= 0 {
            return Err(e::INVALID_MAX_INFLIGHT.into());
        }
        if !e::channel_name_valid(&r.channel) {
            return Err(e::INVALID_SUBJECT.into());
        }
        let early_client_check = self.cfg.version.has_subs_count();
        if early_client_check && !self.clients.contains_key(&r.client) {
            return Err(e::UNKNOWN_CLIENT.into());
        }
        let ack_inbox = self.nuid.inbox();
        self.lookup_or_create_channel(fx, &r.channel)?;
        self.stop_delete_timer(&r.channel);
        match self.process_sub(fx, r, ack_inbox) {
            Ok(acc) => Ok(acc),
            Err(err) => {
                self.log_sub_error(fx, r, &err);
                self.maybe_start_delete_timer(fx, &r.channel);
                Err(err)
            }
        }
    }

    fn log_sub_error(&self, fx: &mut Fx, r: &SubRequest, err: &str) {
        if err == e::DUP_DURABLE {
            fx.log(format!("[ERR] STREAM: [Client:{}] Duplicate durable subscription registration", r.client));
        }
        fx.log(format!("[ERR] STREAM: Unable to create subscription on {}: {err}", crate::text::quote(&r.channel)));
    }

    /// `processSub`, then the response and `processSubscriptionsStart`.
    fn process_sub(&mut self, fx: &mut Fx, r: &SubRequest, ack_inbox: String) -> Result<SubAccepted, Name> {
        let ch = self.channels.get_mut(&r.channel).expect("channel just looked up");
        let mut resume: Option<SubId> = None;
        let mut set_start = true;
        let mut is_durable = false;
        let mut group_key: Option<Name> = None;
        if let Some(q) = &r.queue {
            let key: Name = match &r.durable {
                Some(d) => {
                    if d.contains(':') {
                        return Err(e::INVALID_DUR_NAME.into());
                    }
                    is_durable = true;
                    format!("{d}:{q}").into()
                }
                None => q.clone(),
            };
            if let Some(g) = ch.qsubs.get_mut(&key) {
                if let Some(shadow) = g.shadow.take() {
                    g.members.push(shadow);
                    resume = Some(shadow);
                }
                set_start = false;
            }
            group_key = Some(key);
        } else if let Some(d) = &r.durable {
            is_durable = true;
            if let Some(&id) = ch.durables.get(&durable_key(&r.client, &r.channel, d)) {
                if self.subs.get(id).is_some_and(|s| s.client.is_some()) {
                    return Err(e::DUP_DURABLE.into());
                }
                resume = Some(id);
            }
        }
        let id = match resume {
            Some(id) => self.resume_durable(fx, r, id, ack_inbox)?,
            None => self.create_sub(fx, r, ack_inbox, group_key.clone(), is_durable, set_start)?,
        };
        self.start_sub(fx, r, id, resume.is_some())
    }

    fn resume_durable(&mut self, fx: &mut Fx, r: &SubRequest, id: SubId, ack_inbox: String) -> Result<SubId, Name> {
        if !self.clients.contains_key(&r.client) {
            return Err(self.cfg.version.unknown_client_sub_error(&r.client).into());
        }
        let sub = self.subs.get_mut(id).expect("durable record");
        sub.ack_inbox = ack_inbox;
        sub.ack_gen += 1;
        sub.client = Some(r.client.clone());
        sub.proc = r.proc;
        sub.handle = r.handle;
        sub.handle_name = r.handle_name.clone();
        sub.inbox = r.inbox.clone();
        sub.is_durable = true;
        sub.max_inflight = r.max_inflight as u64;
        sub.ack_wait_s = r.ack_wait_s as u64;
        sub.stalled = false;
        if !sub.pending.is_empty() {
            sub.new_on_hold = true;
            arm_ack_timer(fx, sub, sub.ack_wait_ms());
        }
        sub.has_failed_hb = false;
        sub.initialized = false;
        let plain = sub.queue.is_none();
        self.clients.get_mut(&r.client).expect("client").subs.push(id);
        if plain {
            self.channels.get_mut(&r.channel).expect("channel").psubs.push(id);
        }
        Ok(id)
    }

    fn create_sub(
        &mut self,
        fx: &mut Fx,
        r: &SubRequest,
        ack_inbox: String,
        group_key: Option<Name>,
        is_durable: bool,
        set_start: bool,
    ) -> Result<SubId, Name> {
        let ch = self.channels.get_mut(&r.channel).expect("channel");
        let (last_sent, start_text) = if set_start { start_sequence(ch, &r.start, fx.now) } else { (0, String::new()) };
        if !self.clients.contains_key(&r.client) {
            return Err(self.cfg.version.unknown_client_sub_error(&r.client).into());
        }
        let max = self.cfg.max_subs;
        if max > 0 && stored_sub_count(ch, &self.subs) as u64 >= max {
            fx.log(format!("[ERR] STREAM: Unable to store subscription [{}:{}] on [{}]: {}", r.client, r.inbox, r.channel, e::TOO_MANY_SUBS));
            return Err(e::TOO_MANY_SUBS.into());
        }
        let id = self.subs.next_id();
        let store_id = ch.next_subid;
        ch.next_subid += 1;
        let plain_durable = group_key.is_none() && r.durable.is_some();
        let sub = Sub {
            id,
            store_id,
            channel: r.channel.clone(),
            client: Some(r.client.clone()),
            saved_client: r.client.clone(),
            proc: r.proc,
            handle: r.handle,
            handle_name: r.handle_name.clone(),
            inbox: r.inbox.clone(),
            ack_inbox,
            ack_gen: 1,
            durable: if group_key.is_none() { r.durable.clone() } else { None },
            queue: group_key.clone().map(|k| (k, r.queue.clone().expect("queue"))),
            is_durable,
            max_inflight: r.max_inflight as u64,
            ack_wait_s: r.ack_wait_s as u64,
            last_sent,
            pending: SeqMap::new(),
            rdlv: SeqMap::new(),
            stalled: false,
            has_failed_hb: false,
            new_on_hold: false,
            initialized: false,
            ack_timer: false,
            ack_timer_gen: 0,
        };
        self.subs.insert(sub);
        self.clients.get_mut(&r.client).expect("client").subs.push(id);
        match &group_key {
            Some(k) => {
                let g = ch.qsubs.entry(k.clone()).or_insert_with(|| QueueGroup { durable: is_durable, ..QueueGroup::default() });
                g.members.push(id);
                if last_sent > g.last_sent {
                    g.last_sent = last_sent;
                }
            }
            None => {
                ch.psubs.push(id);
                if plain_durable {
                    ch.durables.insert(durable_key(&r.client, &r.channel, r.durable.as_ref().expect("durable")), id);
                }
            }
        }
        let sub = self.subs.get(id).expect("sub");
        let action = match (&group_key, set_start) {
            (Some(_), false) => "Added member to",
            _ => "Started new",
        };
        let sending = if set_start { format!(", sending {start_text}") } else { String::new() };
        fx.log(sub_trace_line(&r.client, action, sub, &sending));
        Ok(id)
    }

    /// Response sent: the sub is initialized, then durables redeliver and the backlog flows.
    fn start_sub(&mut self, fx: &mut Fx, r: &SubRequest, id: SubId, resumed: bool) -> Result<SubAccepted, Name> {
        let sub = self.subs.get_mut(id).expect("sub");
        sub.initialized = true;
        let acc = SubAccepted { sub: id, ack_gen: sub.ack_gen };
        if resumed {
            let line = sub_trace_line(&r.client, "Resumed", sub, "");
            fx.log(line);
        }
        fx.trace(TraceKind::Subscribed {
            client: r.client.clone(),
            sub: r.handle_name.clone(),
            channel: r.channel.clone(),
            queue: r.queue.clone(),
            durable: r.durable.clone(),
            resumed,
        });
        let is_durable = sub.is_durable;
        let qkey = sub.queue_key().cloned();
        let ch = self.channels.get_mut(&r.channel).expect("channel");
        let mut cx = Ctx { fx, stats: &mut self.stats, subs: &mut self.subs };
        if is_durable {
            durable_redelivery(&mut cx, ch, id);
        }
        match &qkey {
            Some(k) => send_available_to_queue(&mut cx, ch, k),
            None => send_available(&mut cx, ch, id),
        }
        Ok(acc)
    }

    /// `unsubscribe()` (`close == false`) or `close()` of a subscription.
    pub fn unsubscribe(&mut self, fx: &mut Fx, client: &Name, channel: &Name, id: SubId, ack_gen: u32, close: bool) -> Result<(), Name> {
        if !self.channels.contains_key(channel) {
            return Err(e::UNKNOWN_CHANNEL.into());
        }
        let valid = self.subs.get(id).is_some_and(|s| s.client.is_some() && s.ack_gen == ack_gen && &s.channel == channel);
        if !valid {
            return Err(e::INVALID_SUB.into());
        }
        let Some(rec) = self.clients.get_mut(client) else { return Err(e::UNKNOWN_CLIENT.into()) };
        swap_delete(&mut rec.subs, id);
        let handle = self.subs.get(id).expect("sub").handle_name.clone();
        let kept = self.remove_sub(fx, id, !close);
        let reason = if close { SubCloseReason::Close } else { SubCloseReason::Unsubscribe };
        fx.trace(TraceKind::SubClosed { client: client.clone(), sub: handle, channel: channel.clone(), reason, kept });
        self.maybe_start_delete_timer(fx, channel);
        Ok(())
    }

    /// `subStore.Remove`: takes a subscription off its channel. Plain durables are suspended
    /// (unless unsubscribing), a leaving queue member's pending messages move to the others,
    /// and the last member of a durable group becomes its shadow. Returns whether the record
    /// was kept (offline durable or shadow).
    pub(super) fn remove_sub(&mut self, fx: &mut Fx, id: SubId, unsubscribe: bool) -> bool {
        let now = fx.now as i64;
        let Some(sub) = self.subs.get_mut(id) else { return false };
        let client = sub.client.take().unwrap_or_else(|| sub.saved_client.clone());
        sub.saved_client = client.clone();
        sub.initialized = false;
        clear_ack_timer(sub);
        let channel = sub.channel.clone();
        let is_durable = sub.is_durable;
        let qkey = sub.queue_key().cloned();
        let dkey = sub.durable.as_ref().map(|d| durable_key(&client, &channel, d));
        let ch = self.channels.get_mut(&channel).expect("channel of a sub");
        if unsubscribe {
            if let Some(k) = &dkey {
                ch.durables.remove(k);
            }
        }
        let mut kept = false;
        let mut group_empty = false;
        let mut receivers: Vec<SubId> = Vec::new();
        if let Some(k) = &qkey {
            let g = ch.qsubs.get_mut(k).expect("group of a member");
            swap_delete(&mut g.members, id);
            if g.members.is_empty() {
                group_empty = true;
                if !is_durable || unsubscribe {
                    ch.qsubs.remove(k);
                } else {
                    g.shadow = Some(id);
                    g.stalled_count = 0;
                    let last = g.last_sent;
                    self.subs.get_mut(id).expect("sub").last_sent = last;
                    kept = true;
                }
            } else {
                let sub = self.subs.get(id).expect("sub");
                if sub.stalled && g.stalled_count > 0 {
                    g.stalled_count -= 1;
                }
                let mut storage_update = sub.last_sent == g.last_sent;
                let mut pend: Vec<(i64, u64)> = sub.pending.iter().map(|(s, &x)| (x, s)).collect();
                pend.sort_unstable();
                let expiry = now - 1000;
                for (i, (_, seq)) in pend.into_iter().enumerate() {
                    let target = g.members[i % g.members.len()];
                    let t = self.subs.get_mut(target).expect("member");
                    if storage_update && seq == g.last_sent {
                        storage_update = false;
                    }
                    if seq > t.last_sent {
                        t.last_sent = seq;
                    }
                    t.pending.insert(seq, expiry);
                    if !receivers.contains(&target) {
                        receivers.push(target);
                    }
                }
                if storage_update {
                    let first = g.members[0];
                    let last = g.last_sent;
                    self.subs.get_mut(first).expect("member").last_sent = last;
                }
            }
        } else {
            swap_delete(&mut ch.psubs, id);
            kept = is_durable && !unsubscribe;
        }
        for r in &receivers {
            let t = self.subs.get_mut(*r).expect("member");
            arm_ack_timer(fx, t, ServerConfig::QUEUE_TRANSFER_DELAY_MS);
        }
        let sub = self.subs.get(id).expect("sub");
        let action = if (unsubscribe || !is_durable) && (qkey.is_none() || group_empty) {
            "Removed"
        } else if qkey.is_some() && !group_empty {
            "Removed member from"
        } else {
            "Suspended"
        };
        fx.log(sub_trace_line(&client, action, sub, ""));
        if !kept {
            self.subs.remove(id);
        }
        kept
    }
}

/// Plain durable identity: `clientID-channel-durableName` (`durableKey`).
fn durable_key(client: &str, channel: &str, durable: &str) -> String {
    format!("{client}-{channel}-{durable}")
}

/// `traceSubState` log line.
fn sub_trace_line(client: &str, prefix: &str, sub: &Sub, sending: &str) -> String {
    let durable = if sub.is_durable { "durable " } else { "" };
    let queue = if sub.queue.is_some() { "queue " } else { "" };
    let specific = match (&sub.queue, &sub.durable) {
        (Some((k, _)), _) => format!(" queue={k},"),
        (None, Some(d)) => format!(" durable={d},"),
        _ => String::new(),
    };
    format!(
        "[DBG] STREAM: [Client:{client}] {prefix} {durable}{queue}subscription, subject={}, inbox={},{specific} subid={}{sending}",
        sub.channel, sub.inbox, sub.store_id
    )
}

/// `(*subState).deleteFromList` (v0.23.2 L4549, v0.17.0 L4362): the **last** element moves
/// into the freed slot, so the others do not keep their order (stan-semantics.md §7.4). Used
/// for a queue group's members, a channel's plain subscriptions and a client's own list.
pub(super) fn swap_delete<T: PartialEq + Copy>(list: &mut Vec<T>, x: T) {
    if let Some(i) = list.iter().position(|y| *y == x) {
        list.swap_remove(i);
    }
}
