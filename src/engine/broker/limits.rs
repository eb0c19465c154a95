//! Publishing and the channel-level limits: channel creation (`max_channels`, case clash),
//! storing with `max_msgs`/`max_bytes`, `max_age` expiry and `max_inactivity` deletion
//! (`processClientPublish`, `lookupOrCreateChannel`, `memstore.go`, `handleChannelDelete`;
//! stan-semantics §4, §11).

use super::channel::Channel;
use super::delivery::{process_msg, Ctx};
use super::{Broker, Fx, ServerTimer};
use crate::engine::errors as e;
use crate::engine::ids::{Name, ProcId};
use crate::engine::proto::pub_msg_size;
use crate::engine::trace::{DropReason, TraceKind};
use std::sync::Arc;

/// "976.56 MB"-style sizes of `util.FriendlyBytes`.
fn friendly_bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    format!("{} {}", crate::fixed::fixed(v, 2), UNITS[i - 1])
}

impl Broker {
    /// A publish (`processClientPublish` → store → `processMsg` → PubAck). Returns the
    /// sequence, or the error text of the PubAck.
    pub fn publish(&mut self, fx: &mut Fx, proc: ProcId, client: &Name, channel: &Name, data: &Arc<str>) -> Result<u64, Name> {
        self.stats.in_msgs += 1;
        self.stats.in_bytes += pub_msg_size(client.len() as u64, channel.len() as u64, data.len() as u64);
        if !e::channel_name_valid(channel) || !self.is_registered(client, proc) {
            return Err(e::INVALID_PUBLISH.into());
        }
        if let Err(err) = self.lookup_or_create_channel(fx, channel) {
            fx.log(format!("[ERR] STREAM: [Client:{client}] Error processing message for subject \"_STAN.pub.{}.{channel}\": {err}", self.cfg.cluster_id));
            return Err(err);
        }
        let (max_msgs, max_bytes, max_age) = (self.cfg.max_msgs, self.cfg.max_bytes, self.cfg.max_age_ms);
        let ch = self.channels.get_mut(channel).expect("channel");
        let mut dropped = Vec::new();
        let seq = ch.store.store(channel.len() as u64, data.clone(), fx.now, max_msgs, max_bytes, &mut dropped);
        fx.trace(TraceKind::Published { client: client.clone(), channel: channel.clone(), seq });
        if !dropped.is_empty() && !ch.store.hit_limit {
            ch.store.hit_limit = true;
            fx.log(format!(
                "[WRN] STREAM: Reached limits for store {} (msgs={}/{} bytes={}/{}), dropping old messages to make room for new ones",
                crate::text::quote(channel),
                ch.store.msgs.len(),
                max_msgs,
                friendly_bytes(ch.store.bytes),
                friendly_bytes(max_bytes)
            ));
        }
        for (s, reason) in dropped {
            fx.trace(TraceKind::MsgDropped { channel: channel.clone(), seq: s, reason });
        }
        if max_age > 0 && !ch.age_armed {
            ch.age_armed = true;
            ch.age_gen += 1;
            fx.timer(max_age, ServerTimer::MaxAge { channel: channel.clone(), gen: ch.age_gen });
        }
        if let Some(a) = ch.activity.as_mut() {
            a.last = fx.now;
        }
        match self.batch.as_mut() {
            Some(batch) => {
                if !batch.contains(channel) {
                    batch.push(channel.clone());
                }
            }
            None => process_msg(&mut Ctx { fx, stats: &mut self.stats, subs: &mut self.subs }, ch),
        }
        Ok(seq)
    }

    /// `ioLoop` starts a batch: the publishes already queued are stored one by one, and only
    /// then handed out ([`Broker::end_batch`]), so no ack counts before the whole batch is
    /// out (stan-semantics.md §7.5).
    pub fn begin_batch(&mut self) {
        self.batch.get_or_insert_with(Vec::new);
    }

    /// The batch is stored: `processMsg` once per channel that got messages, in the order of
    /// their first message, each handing out all of them in one pass.
    pub fn end_batch(&mut self, fx: &mut Fx) {
        for name in self.batch.take().unwrap_or_default() {
            if let Some(ch) = self.channels.get_mut(&name) {
                process_msg(&mut Ctx { fx, stats: &mut self.stats, subs: &mut self.subs }, ch);
            }
        }
    }

    /// `lookupOrCreateChannel`.
    pub(super) fn lookup_or_create_channel(&mut self, fx: &mut Fx, name: &Name) -> Result<(), Name> {
        if self.channels.contains_key(name) {
            return Ok(());
        }
        if self.cfg.version.rejects_case_clash() {
            // strings.ToLower, as the server compares them
            let lower = crate::text::lower(name);
            if let Some(existing) = self.channels.keys().find(|k| crate::text::lower(k) == lower) {
                return Err(e::case_clash(name, existing).into());
            }
        }
        let max = self.cfg.max_channels;
        if max > 0 && self.channels.len() as u64 >= max {
            return Err(e::TOO_MANY_CHANNELS.into());
        }
        self.channels.insert(name.clone(), Channel::new(name.clone(), fx.now, self.cfg.max_inactivity_ms));
        fx.log(format!("[INF] STREAM: Channel {} has been created", crate::text::quote(name)));
        fx.trace(TraceKind::ChannelCreated { channel: name.clone() });
        self.start_delete_timer(fx, name);
        Ok(())
    }

    fn start_delete_timer(&mut self, fx: &mut Fx, name: &Name) {
        let mi = self.cfg.max_inactivity_ms;
        let Some(a) = self.channels.get_mut(name).and_then(|c| c.activity.as_mut()) else { return };
        a.last = fx.now;
        a.gen += 1;
        a.timer_set = true;
        fx.timer(mi, ServerTimer::ChannelDelete { channel: name.clone(), gen: a.gen });
    }

    pub(super) fn stop_delete_timer(&mut self, name: &Name) {
        if let Some(a) = self.channels.get_mut(name).and_then(|c| c.activity.as_mut()) {
            a.gen += 1;
            a.timer_set = false;
        }
    }

    /// `maybeStartChannelDeleteTimer`: when the last active subscription has gone.
    pub(super) fn maybe_start_delete_timer(&mut self, fx: &mut Fx, name: &Name) {
        let Some(ch) = self.channels.get(name) else { return };
        if ch.activity.is_some() && !ch.has_active_subs() {
            self.start_delete_timer(fx, name);
        }
    }

    pub(super) fn on_channel_delete(&mut self, fx: &mut Fx, name: &Name, gen: u64) {
        let mi = self.cfg.max_inactivity_ms;
        let Some(ch) = self.channels.get_mut(name) else { return };
        let active = ch.has_active_subs();
        let Some(a) = ch.activity.as_mut() else { return };
        if a.gen != gen || !a.timer_set {
            return;
        }
        if active {
            a.gen += 1;
            a.timer_set = false;
            return;
        }
        let elapsed = fx.now.saturating_sub(a.last);
        if elapsed < mi {
            a.gen += 1;
            fx.timer(mi - elapsed, ServerTimer::ChannelDelete { channel: name.clone(), gen: a.gen });
            return;
        }
        let ch = self.channels.remove(name).expect("channel");
        for m in ch.store.msgs.iter() {
            fx.trace(TraceKind::MsgDropped { channel: name.clone(), seq: m.seq, reason: DropReason::ChannelDeleted });
        }
        for id in ch.durables.values().copied().chain(ch.qsubs.values().filter_map(|q| q.shadow)) {
            self.subs.remove(id);
        }
        fx.log(format!("[INF] STREAM: Channel {} has been deleted", crate::text::quote(name)));
        fx.trace(TraceKind::ChannelDeleted { channel: name.clone() });
    }

    pub(super) fn on_max_age(&mut self, fx: &mut Fx, name: &Name, gen: u64) {
        let max_age = self.cfg.max_age_ms;
        let Some(ch) = self.channels.get_mut(name) else { return };
        if !ch.age_armed || ch.age_gen != gen {
            return;
        }
        while let Some(m) = ch.store.msgs.front() {
            let elapsed = fx.now.saturating_sub(m.ts);
            if elapsed >= max_age {
                let m = ch.store.remove_first();
                fx.trace(TraceKind::MsgDropped { channel: name.clone(), seq: m.seq, reason: DropReason::MaxAge });
            } else {
                ch.age_gen += 1;
                fx.timer(max_age - elapsed, ServerTimer::MaxAge { channel: name.clone(), gen: ch.age_gen });
                return;
            }
        }
        ch.age_armed = false;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn friendly_bytes_matches_go() {
        assert_eq!(super::friendly_bytes(57), "57 B");
        assert_eq!(super::friendly_bytes(1_024_000_000), "976.56 MB");
    }
}
