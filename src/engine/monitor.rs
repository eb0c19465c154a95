//! The four monitoring endpoints (`server/monitor.go`) as the real server would answer them:
//! `/streaming/serverz`, `/storez`, `/clientsz`, `/channelsz` with the same field names,
//! order, omissions and list orders (stan-semantics §13). Read-only over the broker.

use super::broker::{subscribe_count, Broker, Channel, Sub};
use super::time::{go_uptime, rfc3339_nano, SimTime};
use super::vecmap::VecMap;
use serde_json::{Map, Value};

/// `Serverz`.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Serverz {
    pub cluster_id: String,
    pub server_id: String,
    pub version: String,
    pub go: String,
    pub state: String,
    pub now: String,
    pub start_time: String,
    pub uptime: String,
    pub clients: usize,
    pub subscriptions: usize,
    pub channels: usize,
    pub total_msgs: usize,
    pub total_bytes: u64,
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
}

/// `stores.StoreLimits` (durations in nanoseconds).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Limits {
    pub max_channels: u64,
    pub max_msgs: u64,
    pub max_bytes: u64,
    pub max_age: u64,
    pub max_subscriptions: u64,
    pub max_inactivity: u64,
}

/// `Storez`.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Storez {
    pub cluster_id: String,
    pub server_id: String,
    pub now: String,
    pub kind: String,
    pub limits: Limits,
    pub total_msgs: usize,
    pub total_bytes: u64,
}

/// `Subscriptionz`.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Subscriptionz {
    pub client_id: String,
    pub inbox: String,
    pub ack_inbox: String,
    pub durable_name: String,
    pub queue_name: String,
    pub is_durable: bool,
    pub is_offline: bool,
    pub max_inflight: u64,
    pub ack_wait: u64,
    pub last_sent: u64,
    pub pending_count: usize,
    pub is_stalled: bool,
}

/// `Clientz` (`subs_count` only on ≥0.21).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Clientz {
    pub id: String,
    pub hb_inbox: String,
    pub subs_count: Option<usize>,
    pub subscriptions: VecMap<String, Vec<Subscriptionz>>,
}

/// The paging header that `/clientsz` and `/channelsz` lists start with.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct ListHeader {
    pub cluster_id: String,
    pub server_id: String,
    pub now: String,
    pub offset: usize,
    pub limit: usize,
    pub count: usize,
    pub total: usize,
}

/// `Clientsz`.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Clientsz {
    pub header: ListHeader,
    pub clients: Vec<Clientz>,
}

/// `Channelz`.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Channelz {
    pub name: String,
    pub msgs: usize,
    pub bytes: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub subs_count: Option<usize>,
    pub subscriptions: Vec<Subscriptionz>,
}

/// `Channelsz`.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Channelsz {
    pub header: ListHeader,
    pub names: Vec<String>,
    pub channels: Vec<Channelz>,
}

/// All four endpoints at one instant, as the CLI prints them.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Monitor {
    pub serverz: Serverz,
    pub storez: Storez,
    pub clientsz: Clientsz,
    pub channelsz: Channelsz,
}

/// Members named after `s`'s fields, in the order given (strings copied).
macro_rules! fields {
    ($s:expr; $($f:ident),*) => {{
        let s = $s;
        let mut m = Map::new();
        $(m.insert(stringify!($f).to_string(), Value::from(s.$f.clone()));)*
        m
    }};
}

fn put(m: &mut Map<String, Value>, k: &str, v: Value, keep: bool) {
    if keep {
        m.insert(k.to_string(), v);
    }
}

fn list<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(f).collect())
}

/// The monitoring endpoints as JSON values, with the real server's member order and
/// omissions (`json::write::pretty` indents them as the server does). serde sees the same
/// values, so `natsim run` and the page write the same text.
impl Serverz {
    /// `/streaming/serverz` as JSON.
    pub fn json(&self) -> Value {
        Value::Object(fields!(self; cluster_id, server_id, version, go, state, now, start_time, uptime, clients, subscriptions, channels,
            total_msgs, total_bytes, in_msgs, in_bytes, out_msgs, out_bytes))
    }
}

impl Storez {
    /// `/streaming/storez` as JSON.
    pub fn json(&self) -> Value {
        let mut m = fields!(self; cluster_id, server_id, now);
        m.insert("type".into(), self.kind.as_str().into());
        let limits = fields!(&self.limits; max_channels, max_msgs, max_bytes, max_age, max_subscriptions, max_inactivity);
        m.insert("limits".into(), Value::Object(limits));
        m.extend(fields!(self; total_msgs, total_bytes));
        Value::Object(m)
    }
}

impl Subscriptionz {
    /// One subscription of `?subs=1` lists as JSON.
    pub fn json(&self) -> Value {
        let mut m = fields!(self; client_id, inbox, ack_inbox);
        put(&mut m, "durable_name", self.durable_name.as_str().into(), !self.durable_name.is_empty());
        put(&mut m, "queue_name", self.queue_name.as_str().into(), !self.queue_name.is_empty());
        m.extend(fields!(self; is_durable, is_offline, max_inflight, ack_wait, last_sent, pending_count, is_stalled));
        Value::Object(m)
    }
}

impl Clientz {
    /// One client of `/streaming/clientsz` as JSON.
    pub fn json(&self) -> Value {
        let mut m = fields!(self; id, hb_inbox);
        if let Some(n) = self.subs_count {
            m.insert("subs_count".into(), n.into());
        }
        let subs = self.subscriptions.iter().map(|(ch, subs)| (ch.clone(), list(subs, Subscriptionz::json))).collect();
        put(&mut m, "subscriptions", Value::Object(subs), !self.subscriptions.is_empty());
        Value::Object(m)
    }
}

impl Clientsz {
    /// `/streaming/clientsz` as JSON.
    pub fn json(&self) -> Value {
        let mut m = fields!(&self.header; cluster_id, server_id, now, offset, limit, count, total);
        m.insert("clients".into(), list(&self.clients, Clientz::json));
        Value::Object(m)
    }
}

impl Channelz {
    /// One channel of `/streaming/channelsz` as JSON.
    pub fn json(&self) -> Value {
        let mut m = fields!(self; name, msgs, bytes, first_seq, last_seq);
        if let Some(n) = self.subs_count {
            m.insert("subs_count".into(), n.into());
        }
        put(&mut m, "subscriptions", list(&self.subscriptions, Subscriptionz::json), !self.subscriptions.is_empty());
        Value::Object(m)
    }
}

impl Channelsz {
    /// `/streaming/channelsz` as JSON.
    pub fn json(&self) -> Value {
        let mut m = fields!(&self.header; cluster_id, server_id, now, offset, limit, count, total);
        put(&mut m, "names", self.names.clone().into(), !self.names.is_empty());
        put(&mut m, "channels", list(&self.channels, Channelz::json), !self.channels.is_empty());
        Value::Object(m)
    }
}

impl Monitor {
    /// The four endpoints as JSON.
    pub fn json(&self) -> Value {
        let parts =
            [("serverz", self.serverz.json()), ("storez", self.storez.json()), ("clientsz", self.clientsz.json()), ("channelsz", self.channelsz.json())];
        Value::Object(parts.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }
}

macro_rules! serialize_as_json {
    ($($t:ty),*) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.json().serialize(s)
            }
        }
    )*};
}
serialize_as_json!(Serverz, Storez, Subscriptionz, Clientz, Clientsz, Channelz, Channelsz, Monitor);

const LIMIT: usize = 1024;

/// Monitoring views of one broker at time `now`.
pub struct MonitorView<'a> {
    b: &'a Broker,
    now: SimTime,
}

impl<'a> MonitorView<'a> {
    /// A view at `now`.
    pub fn new(b: &'a Broker, now: SimTime) -> Self {
        MonitorView { b, now }
    }

    fn totals(&self) -> (usize, u64) {
        self.b.channels().values().fold((0, 0), |(n, by), c| (n + c.store.msgs.len(), by + c.store.bytes))
    }

    /// Defaults of the real handlers: offset 0, limit 1024.
    fn list_header(&self, count: usize, total: usize) -> ListHeader {
        ListHeader {
            cluster_id: self.b.config().cluster_id.to_string(),
            server_id: self.b.server_id.clone(),
            now: rfc3339_nano(self.now),
            offset: 0,
            limit: LIMIT,
            count,
            total,
        }
    }

    /// `/streaming/serverz`.
    pub fn serverz(&self) -> Serverz {
        let (total_msgs, total_bytes) = self.totals();
        let cfg = self.b.config();
        let st = self.b.stats();
        Serverz {
            cluster_id: cfg.cluster_id.to_string(),
            server_id: self.b.server_id.clone(),
            version: cfg.version.full().into(),
            go: cfg.version.go().into(),
            state: "STANDALONE".into(),
            now: rfc3339_nano(self.now),
            start_time: rfc3339_nano(self.b.start),
            uptime: go_uptime(self.now.saturating_sub(self.b.start)),
            clients: self.b.clients().len(),
            subscriptions: self.b.channels().values().map(|c| subscribe_count(c, &self.b.subs)).sum(),
            channels: self.b.channels().len(),
            total_msgs,
            total_bytes,
            in_msgs: st.in_msgs,
            in_bytes: st.in_bytes,
            out_msgs: st.out_msgs,
            out_bytes: st.out_bytes,
        }
    }

    /// `/streaming/storez`.
    pub fn storez(&self) -> Storez {
        let (total_msgs, total_bytes) = self.totals();
        let c = self.b.config();
        Storez {
            cluster_id: c.cluster_id.to_string(),
            server_id: self.b.server_id.clone(),
            now: rfc3339_nano(self.now),
            kind: "MEMORY".into(),
            limits: Limits {
                max_channels: c.max_channels,
                max_msgs: c.max_msgs,
                max_bytes: c.max_bytes,
                max_age: c.max_age_ms * 1_000_000,
                max_subscriptions: c.max_subs,
                max_inactivity: c.max_inactivity_ms * 1_000_000,
            },
            total_msgs,
            total_bytes,
        }
    }

    fn subz(s: &Sub) -> Subscriptionz {
        Subscriptionz {
            client_id: s.shown_client().to_string(),
            inbox: s.inbox.clone(),
            ack_inbox: s.ack_inbox.clone(),
            durable_name: s.durable.as_deref().unwrap_or("").to_string(),
            queue_name: s.queue_key().map(|k| k.to_string()).unwrap_or_default(),
            is_durable: s.is_durable,
            is_offline: s.client.is_none(),
            max_inflight: s.max_inflight,
            ack_wait: s.ack_wait_s,
            last_sent: s.last_sent,
            pending_count: s.pending.len(),
            is_stalled: s.stalled,
        }
    }

    /// `/streaming/clientsz?client=ID[&subs=1]`: `None` is the 404 `Client ID not found`.
    pub fn client(&self, id: &str, subs: bool) -> Option<Clientz> {
        let c = self.b.clients().get(id)?;
        let mut map: VecMap<String, Vec<Subscriptionz>> = VecMap::new();
        if subs {
            for s in c.subs.iter().filter_map(|id| self.b.sub(*id)) {
                map.entry(s.channel.to_string()).or_default().push(Self::subz(s));
            }
        }
        Some(Clientz {
            id: c.id.to_string(),
            hb_inbox: c.hb_inbox.clone(),
            subs_count: self.b.config().version.has_subs_count().then_some(c.subs.len()),
            subscriptions: map,
        })
    }

    /// `/streaming/clientsz[?subs=1]`.
    pub fn clientsz(&self, subs: bool) -> Clientsz {
        let clients: Vec<Clientz> = self.b.clients().keys().take(LIMIT).filter_map(|id| self.client(id, subs)).collect();
        Clientsz { header: self.list_header(clients.len(), self.b.clients().len()), clients }
    }

    fn channel_subs(&self, c: &Channel) -> Vec<Subscriptionz> {
        let subs = &self.b.subs;
        let mut out: Vec<Subscriptionz> = c.psubs.iter().filter_map(|id| subs.get(*id)).map(Self::subz).collect();
        out.extend(c.durables.values().filter_map(|id| subs.get(*id)).filter(|s| s.client.is_none()).map(Self::subz));
        for g in c.qsubs.values() {
            out.extend(g.members.iter().chain(g.shadow.iter()).filter_map(|id| subs.get(*id)).map(Self::subz));
        }
        out
    }

    /// `/streaming/channelsz?channel=NAME[&subs=1]`: `None` is the 404.
    pub fn channel(&self, name: &str, subs: bool) -> Option<Channelz> {
        let c = self.b.channels().get(name)?;
        Some(Channelz {
            name: c.name.to_string(),
            msgs: c.store.msgs.len(),
            bytes: c.store.bytes,
            first_seq: c.store.first,
            last_seq: c.store.last,
            subs_count: self.b.config().version.has_subs_count().then(|| subscribe_count(c, &self.b.subs)),
            subscriptions: if subs { self.channel_subs(c) } else { Vec::new() },
        })
    }

    /// `/streaming/channelsz[?subs=1]`.
    pub fn channelsz(&self, subs: bool) -> Channelsz {
        let names: Vec<String> = self.b.channels().keys().take(LIMIT).map(|n| n.to_string()).collect();
        let channels = if subs { names.iter().filter_map(|n| self.channel(n, true)).collect() } else { Vec::new() };
        Channelsz { header: self.list_header(names.len(), self.b.channels().len()), names: if subs { Vec::new() } else { names }, channels }
    }

    /// The four endpoints as the contract's `monitor` object (`?subs=1` forms).
    pub fn all(&self) -> Monitor {
        Monitor { serverz: self.serverz(), storez: self.storez(), clientsz: self.clientsz(true), channelsz: self.channelsz(true) }
    }
}
