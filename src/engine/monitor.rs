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

/// Members in the real server's order; `skip` leaves out what it omits when empty.
fn members(fields: impl IntoIterator<Item = (&'static str, Value)>) -> Map<String, Value> {
    fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
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
        Value::Object(members([
            ("cluster_id", self.cluster_id.as_str().into()),
            ("server_id", self.server_id.as_str().into()),
            ("version", self.version.as_str().into()),
            ("go", self.go.as_str().into()),
            ("state", self.state.as_str().into()),
            ("now", self.now.as_str().into()),
            ("start_time", self.start_time.as_str().into()),
            ("uptime", self.uptime.as_str().into()),
            ("clients", self.clients.into()),
            ("subscriptions", self.subscriptions.into()),
            ("channels", self.channels.into()),
            ("total_msgs", self.total_msgs.into()),
            ("total_bytes", self.total_bytes.into()),
            ("in_msgs", self.in_msgs.into()),
            ("in_bytes", self.in_bytes.into()),
            ("out_msgs", self.out_msgs.into()),
            ("out_bytes", self.out_bytes.into()),
        ]))
    }
}

impl Storez {
    /// `/streaming/storez` as JSON.
    pub fn json(&self) -> Value {
        let l = &self.limits;
        let limits = members([
            ("max_channels", l.max_channels.into()),
            ("max_msgs", l.max_msgs.into()),
            ("max_bytes", l.max_bytes.into()),
            ("max_age", l.max_age.into()),
            ("max_subscriptions", l.max_subscriptions.into()),
            ("max_inactivity", l.max_inactivity.into()),
        ]);
        Value::Object(members([
            ("cluster_id", self.cluster_id.as_str().into()),
            ("server_id", self.server_id.as_str().into()),
            ("now", self.now.as_str().into()),
            ("type", self.kind.as_str().into()),
            ("limits", Value::Object(limits)),
            ("total_msgs", self.total_msgs.into()),
            ("total_bytes", self.total_bytes.into()),
        ]))
    }
}

impl Subscriptionz {
    /// One subscription of `?subs=1` lists as JSON.
    pub fn json(&self) -> Value {
        let mut m =
            members([("client_id", self.client_id.as_str().into()), ("inbox", self.inbox.as_str().into()), ("ack_inbox", self.ack_inbox.as_str().into())]);
        put(&mut m, "durable_name", self.durable_name.as_str().into(), !self.durable_name.is_empty());
        put(&mut m, "queue_name", self.queue_name.as_str().into(), !self.queue_name.is_empty());
        m.extend(members([
            ("is_durable", self.is_durable.into()),
            ("is_offline", self.is_offline.into()),
            ("max_inflight", self.max_inflight.into()),
            ("ack_wait", self.ack_wait.into()),
            ("last_sent", self.last_sent.into()),
            ("pending_count", self.pending_count.into()),
            ("is_stalled", self.is_stalled.into()),
        ]));
        Value::Object(m)
    }
}

impl Clientz {
    /// One client of `/streaming/clientsz` as JSON.
    pub fn json(&self) -> Value {
        let mut m = members([("id", self.id.as_str().into()), ("hb_inbox", self.hb_inbox.as_str().into())]);
        if let Some(n) = self.subs_count {
            m.insert("subs_count".into(), n.into());
        }
        let subs = self.subscriptions.iter().map(|(ch, subs)| (ch.clone(), list(subs, Subscriptionz::json))).collect();
        put(&mut m, "subscriptions", Value::Object(subs), !self.subscriptions.is_empty());
        Value::Object(m)
    }
}

impl ListHeader {
    fn members(&self) -> Map<String, Value> {
        members([
            ("cluster_id", self.cluster_id.as_str().into()),
            ("server_id", self.server_id.as_str().into()),
            ("now", self.now.as_str().into()),
            ("offset", self.offset.into()),
            ("limit", self.limit.into()),
            ("count", self.count.into()),
            ("total", self.total.into()),
        ])
    }
}

impl Clientsz {
    /// `/streaming/clientsz` as JSON.
    pub fn json(&self) -> Value {
        let mut m = self.header.members();
        m.insert("clients".into(), list(&self.clients, Clientz::json));
        Value::Object(m)
    }
}

impl Channelz {
    /// One channel of `/streaming/channelsz` as JSON.
    pub fn json(&self) -> Value {
        let mut m = members([
            ("name", self.name.as_str().into()),
            ("msgs", self.msgs.into()),
            ("bytes", self.bytes.into()),
            ("first_seq", self.first_seq.into()),
            ("last_seq", self.last_seq.into()),
        ]);
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
        let mut m = self.header.members();
        put(&mut m, "names", self.names.clone().into(), !self.names.is_empty());
        put(&mut m, "channels", list(&self.channels, Channelz::json), !self.channels.is_empty());
        Value::Object(m)
    }
}

impl Monitor {
    /// The four endpoints as JSON.
    pub fn json(&self) -> Value {
        Value::Object(members([
            ("serverz", self.serverz.json()),
            ("storez", self.storez.json()),
            ("clientsz", self.clientsz.json()),
            ("channelsz", self.channelsz.json()),
        ]))
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
