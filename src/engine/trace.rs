//! The trace: what happened, in order, as `spec/scenario-contract.md` names it. The CLI, the
//! page, golden tests and conformance checks all read this one serde type. Owns naming and
//! JSON field order; never decides behaviour.

use super::app::AppKind;
use super::app::AppResult;
use super::ids::Name;
use super::time::SimTime;
use crate::json::write::Object;

/// One event of the trace, at virtual time `t`.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEvent {
    /// Virtual time in milliseconds.
    pub t: SimTime,
    /// What happened.
    pub kind: TraceKind,
}

/// Why the server closed a client (`client_closed.reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// A `stan.close()` request.
    Close,
    /// `Timed out on heartbeats`.
    Heartbeat,
    /// A new connection with the same client id replaced it.
    Replaced,
}

/// Why a subscription ended (`sub_closed.reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubCloseReason {
    /// `subscription.unsubscribe()`.
    Unsubscribe,
    /// `subscription.close()`.
    Close,
    /// Its client was closed (close request, heartbeat expiry or replacement).
    ClientClosed,
}

/// Why a stored message left its channel (`msg_dropped.reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// `max_msgs` reached.
    MaxMsgs,
    /// `max_bytes` reached.
    MaxBytes,
    /// Older than `max_age`.
    MaxAge,
    /// The channel was deleted by `max_inactivity`.
    ChannelDeleted,
}

impl CloseReason {
    /// Contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Close => "close",
            CloseReason::Heartbeat => "heartbeat",
            CloseReason::Replaced => "replaced",
        }
    }
}
impl SubCloseReason {
    /// Contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SubCloseReason::Unsubscribe => "unsubscribe",
            SubCloseReason::Close => "close",
            SubCloseReason::ClientClosed => "client_closed",
        }
    }
}
impl DropReason {
    /// Contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::MaxMsgs => "max_msgs",
            DropReason::MaxBytes => "max_bytes",
            DropReason::MaxAge => "max_age",
            DropReason::ChannelDeleted => "channel_deleted",
        }
    }
}

/// The kinds of trace events (past tense; serialized names from the contract).
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum TraceKind {
    Connected {
        client: Name,
        replaced: bool,
    },
    ConnectFailed {
        client: Name,
        error: Name,
    },
    Published {
        client: Name,
        channel: Name,
        seq: u64,
    },
    PublishFailed {
        client: Name,
        channel: Name,
        error: Name,
    },
    Subscribed {
        client: Name,
        sub: Name,
        channel: Name,
        queue: Option<Name>,
        durable: Option<Name>,
        resumed: bool,
    },
    SubscribeFailed {
        client: Name,
        sub: Name,
        channel: Name,
        error: Name,
    },
    Delivered {
        client: Name,
        sub: Name,
        channel: Name,
        seq: u64,
        redelivered: bool,
        redelivery_count: u32,
    },
    Acked {
        client: Name,
        sub: Name,
        channel: Name,
        seq: u64,
    },
    Processed {
        client: Name,
        sub: Name,
        channel: Name,
        seq: u64,
        ok: bool,
    },
    Heartbeat {
        client: Name,
        ok: bool,
        failures: u32,
    },
    Killed {
        client: Name,
    },
    Paused {
        client: Name,
    },
    Continued {
        client: Name,
    },
    ServerRestarted,
    ConnectionLost {
        client: Name,
        error: Name,
    },
    ClientClosed {
        client: Name,
        reason: CloseReason,
    },
    SubClosed {
        client: Name,
        sub: Name,
        channel: Name,
        reason: SubCloseReason,
        kept: bool,
    },
    MsgDropped {
        channel: Name,
        seq: u64,
        reason: DropReason,
    },
    ActionFailed {
        index: usize,
        error: Name,
    },
    /// Extension: a channel was created (first publish or subscribe).
    ChannelCreated {
        channel: Name,
    },
    /// Extension: a channel was deleted by `max_inactivity`.
    ChannelDeleted {
        channel: Name,
    },
    /// Extension: the client's NATS connection dropped (node-nats `'disconnect'`).
    Disconnected {
        client: Name,
    },
    /// Extension: the client's NATS connection is back (node-nats `'reconnect'`).
    Reconnected {
        client: Name,
    },
    /// Extension (concurrency lab): what a listener's application did with an event it
    /// processed.
    App {
        client: Name,
        sub: Name,
        channel: Name,
        seq: u64,
        app: AppKind,
        result: Box<AppResult>,
    },
}

/// Every `event` name [`TraceKind::name`] gives (what a host page may `watch`).
pub const EVENT_KINDS: [&str; 24] = [
    "connected",
    "connect_failed",
    "published",
    "publish_failed",
    "subscribed",
    "subscribe_failed",
    "delivered",
    "acked",
    "processed",
    "app",
    "heartbeat",
    "killed",
    "paused",
    "continued",
    "server_restarted",
    "connection_lost",
    "client_closed",
    "sub_closed",
    "msg_dropped",
    "action_failed",
    "channel_created",
    "channel_deleted",
    "disconnected",
    "reconnected",
];

impl TraceKind {
    /// The contract's `event` name.
    pub fn name(&self) -> &'static str {
        use TraceKind::*;
        match self {
            Connected { .. } => "connected",
            ConnectFailed { .. } => "connect_failed",
            Published { .. } => "published",
            PublishFailed { .. } => "publish_failed",
            Subscribed { .. } => "subscribed",
            SubscribeFailed { .. } => "subscribe_failed",
            Delivered { .. } => "delivered",
            Acked { .. } => "acked",
            Processed { .. } => "processed",
            App { .. } => "app",
            Heartbeat { .. } => "heartbeat",
            Killed { .. } => "killed",
            Paused { .. } => "paused",
            Continued { .. } => "continued",
            ServerRestarted => "server_restarted",
            ConnectionLost { .. } => "connection_lost",
            ClientClosed { .. } => "client_closed",
            SubClosed { .. } => "sub_closed",
            MsgDropped { .. } => "msg_dropped",
            ActionFailed { .. } => "action_failed",
            ChannelCreated { .. } => "channel_created",
            ChannelDeleted { .. } => "channel_deleted",
            Disconnected { .. } => "disconnected",
            Reconnected { .. } => "reconnected",
        }
    }

    /// The client the event is about, if any.
    pub fn client(&self) -> Option<&Name> {
        use TraceKind::*;
        match self {
            Connected { client, .. }
            | ConnectFailed { client, .. }
            | Published { client, .. }
            | PublishFailed { client, .. }
            | Subscribed { client, .. }
            | SubscribeFailed { client, .. }
            | Delivered { client, .. }
            | Acked { client, .. }
            | Processed { client, .. }
            | App { client, .. }
            | Heartbeat { client, .. }
            | Killed { client }
            | Paused { client }
            | Continued { client }
            | ConnectionLost { client, .. }
            | ClientClosed { client, .. }
            | SubClosed { client, .. }
            | Disconnected { client }
            | Reconnected { client } => Some(client),
            _ => None,
        }
    }
}

impl TraceEvent {
    /// Appends the event as one line of compact JSON (what `natsim run` writes): `t` and
    /// `event` first, then the kind's fields in the contract's order. Every JSON view of
    /// events (the CLI, the host API, the event feed, lesson checks) writes through here.
    pub fn write_json(&self, out: &mut String) {
        use TraceKind::*;
        let mut m = Object::new(out);
        m.num("t", self.t).str("event", self.kind.name());
        match &self.kind {
            Connected { client, replaced } => {
                m.str("client", client).bool("replaced", *replaced);
            }
            ConnectFailed { client, error } | ConnectionLost { client, error } => {
                m.str("client", client).str("error", error);
            }
            Published { client, channel, seq } => {
                m.str("client", client).str("channel", channel).num("seq", seq);
            }
            PublishFailed { client, channel, error } => {
                m.str("client", client).str("channel", channel).str("error", error);
            }
            Subscribed { client, sub, channel, queue, durable, resumed } => {
                m.str("client", client).str("sub", sub).str("channel", channel);
                m.opt_str("queue", queue.as_deref()).opt_str("durable", durable.as_deref()).bool("resumed", *resumed);
            }
            SubscribeFailed { client, sub, channel, error } => {
                m.str("client", client).str("sub", sub).str("channel", channel).str("error", error);
            }
            Delivered { client, sub, channel, seq, redelivered, redelivery_count } => {
                m.str("client", client).str("sub", sub).str("channel", channel).num("seq", seq);
                m.bool("redelivered", *redelivered).num("redelivery_count", redelivery_count);
            }
            Acked { client, sub, channel, seq } => {
                m.str("client", client).str("sub", sub).str("channel", channel).num("seq", seq);
            }
            Processed { client, sub, channel, seq, ok } => {
                m.str("client", client).str("sub", sub).str("channel", channel).num("seq", seq).bool("ok", *ok);
            }
            App { client, sub, channel, seq, app, result } => {
                m.str("client", client).str("sub", sub).str("channel", channel).num("seq", seq);
                m.str("app", app.as_str()).str("resource", &result.resource).str("outcome", result.outcome.as_str());
                m.opt_num("version", result.version).num("before", result.before).num("after", result.after);
                m.strs("anomalies", result.anomalies.iter().map(|a| a.as_str()));
            }
            Heartbeat { client, ok, failures } => {
                m.str("client", client).bool("ok", *ok).num("failures", failures);
            }
            Killed { client } | Paused { client } | Continued { client } | Disconnected { client } | Reconnected { client } => {
                m.str("client", client);
            }
            ServerRestarted => {}
            ClientClosed { client, reason } => {
                m.str("client", client).str("reason", reason.as_str());
            }
            SubClosed { client, sub, channel, reason, kept } => {
                m.str("client", client).str("sub", sub).str("channel", channel).str("reason", reason.as_str()).bool("kept", *kept);
            }
            MsgDropped { channel, seq, reason } => {
                m.str("channel", channel).num("seq", seq).str("reason", reason.as_str());
            }
            ActionFailed { index, error } => {
                m.num("index", index).str("error", error);
            }
            ChannelCreated { channel } | ChannelDeleted { channel } => {
                m.str("channel", channel);
            }
        }
        m.end();
    }

    /// The event as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// serde sees the JSON that [`TraceEvent::write_json`] writes (tools and tests that collect
/// events as `serde_json::Value`s); the page and the CLI write the text directly.
impl serde::Serialize for TraceEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::json::parse(&self.to_json()).map_err(serde::ser::Error::custom)?.serialize(s)
    }
}

/// Events as a compact JSON array, byte for byte what `serde_json::to_string` writes for a
/// list of them.
pub fn events_json<'a>(events: impl IntoIterator<Item = &'a TraceEvent>) -> String {
    let mut out = String::from("[");
    for (i, e) in events.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        e.write_json(&mut out);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_t_and_event_first_then_contract_fields() {
        let e = TraceEvent {
            t: 1000,
            kind: TraceKind::Delivered {
                client: "l1".into(),
                sub: "s1".into(),
                channel: "ticket:created".into(),
                seq: 7,
                redelivered: true,
                redelivery_count: 1,
            },
        };
        assert_eq!(
            e.to_json(),
            r#"{"t":1000,"event":"delivered","client":"l1","sub":"s1","channel":"ticket:created","seq":7,"redelivered":true,"redelivery_count":1}"#
        );
        let q = TraceEvent {
            t: 0,
            kind: TraceKind::Subscribed { client: "c".into(), sub: "s".into(), channel: "x".into(), queue: None, durable: Some("d".into()), resumed: false },
        };
        assert_eq!(q.to_json(), r#"{"t":0,"event":"subscribed","client":"c","sub":"s","channel":"x","queue":null,"durable":"d","resumed":false}"#);
    }
}
