//! The four monitoring endpoints (`server/monitor.go`) as the real server would answer them:
//! `/streaming/serverz`, `/storez`, `/clientsz`, `/channelsz` with the same field names,
//! order, omissions and list orders (stan-semantics §13). Read-only over the broker.

use super::broker::{subscribe_count, Broker, Channel, Sub};
use super::time::{go_uptime, rfc3339_nano, SimTime};
use super::vecmap::VecMap;
use serde::Serialize;

/// `Serverz`.
#[derive(Serialize, Debug, Clone, PartialEq)]
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
#[derive(Serialize, Debug, Clone, PartialEq)]
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
#[derive(Serialize, Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Storez {
    pub cluster_id: String,
    pub server_id: String,
    pub now: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub limits: Limits,
    pub total_msgs: usize,
    pub total_bytes: u64,
}

/// `Subscriptionz`.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Subscriptionz {
    pub client_id: String,
    pub inbox: String,
    pub ack_inbox: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub durable_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
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
#[derive(Serialize, Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Clientz {
    pub id: String,
    pub hb_inbox: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subs_count: Option<usize>,
    #[serde(skip_serializing_if = "VecMap::is_empty")]
    pub subscriptions: VecMap<String, Vec<Subscriptionz>>,
}

/// The paging header that `/clientsz` and `/channelsz` lists start with.
#[derive(Serialize, Debug, Clone, PartialEq)]
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
#[derive(Serialize, Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Clientsz {
    #[serde(flatten)]
    pub header: ListHeader,
    pub clients: Vec<Clientz>,
}

/// `Channelz`.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Channelz {
    pub name: String,
    pub msgs: usize,
    pub bytes: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subs_count: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<Subscriptionz>,
}

/// `Channelsz`.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Channelsz {
    #[serde(flatten)]
    pub header: ListHeader,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channelz>,
}

/// All four endpoints at one instant, as the CLI prints them.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Monitor {
    pub serverz: Serverz,
    pub storez: Storez,
    pub clientsz: Clientsz,
    pub channelsz: Channelsz,
}

impl Monitor {
    /// Compact JSON, byte for byte what `serde_json::to_string` writes: the pretty text read
    /// back and written compact, so that the page carries one writer of the monitoring types
    /// (the panels' pretty one), not two.
    pub fn to_json_compact(&self) -> String {
        serde_json::to_string_pretty(self).ok().and_then(|t| crate::json::parse(&t).ok()).map_or_else(|| "null".into(), |v| v.to_string())
    }
}

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
