//! The JetStream trace (scenario-contract.md "Trace events (JetStream)"): names and JSON
//! field order. `seq` is always the stream sequence.

use crate::engine::ids::Name;
use crate::engine::time::SimTime;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Where an API error or a client error came from: the server's `description`, `code` and
/// `err_code`, or a client text with null codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsError {
    /// Text.
    pub error: Name,
    /// HTTP-like code.
    pub code: Option<u16>,
    /// JetStream error code.
    pub err_code: Option<u32>,
}

impl JsError {
    /// A server API error.
    pub fn api(code: u16, err_code: u32, error: impl Into<Name>) -> JsError {
        JsError { error: error.into(), code: Some(code), err_code: Some(err_code) }
    }
    /// A client (or runner) text without codes.
    pub fn text(error: impl Into<Name>) -> JsError {
        JsError { error: error.into(), code: None, err_code: None }
    }
}

/// The consumer a delivery-level event is about, and who got it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At {
    /// Client id.
    pub client: Name,
    /// Handle.
    pub sub: Name,
    /// Stream.
    pub stream: Name,
    /// Consumer.
    pub consumer: Name,
}

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub enum JsKind {
    /// A process connected.
    Connected {
        /// Client id.
        client: Name,
    },
    /// The server saw the connection end.
    ClientClosed {
        /// Client id.
        client: Name,
        /// `close` or `killed`.
        reason: &'static str,
    },
    /// SIGKILL.
    Killed {
        /// Client id.
        client: Name,
    },
    /// SIGSTOP.
    Paused {
        /// Client id.
        client: Name,
    },
    /// SIGCONT.
    Continued {
        /// Client id.
        client: Name,
    },
    /// The server restarted (`restart_server`).
    ServerRestarted,
    /// A client's connection dropped (nats.js's `disconnect` status): the server went away.
    Disconnected {
        /// Client id.
        client: Name,
    },
    /// It came back (nats.js's `reconnect` status): its subscriptions are made again.
    Reconnected {
        /// Client id.
        client: Name,
    },
    /// A stream was created.
    StreamAdded {
        /// Stream.
        stream: Name,
    },
    /// A consumer was created.
    ConsumerAdded {
        /// Stream.
        stream: Name,
        /// Consumer.
        consumer: Name,
        /// Durable.
        durable: bool,
        /// Pull.
        pull: bool,
    },
    /// An action could not run.
    ActionFailed {
        /// Action index.
        index: usize,
        /// Why.
        error: JsError,
    },
    /// A pub ack.
    Published {
        /// Client id.
        client: Name,
        /// Subject.
        subject: Name,
        /// Stream.
        stream: Name,
        /// Stream seq.
        seq: u64,
        /// A duplicate (the original's seq).
        duplicate: bool,
    },
    /// A publish failed.
    PublishFailed {
        /// Client id.
        client: Name,
        /// Subject.
        subject: Name,
        /// Why.
        error: JsError,
    },
    /// A push sub or fetch handle was bound.
    Subscribed {
        /// Who and where.
        at: At,
        /// Queue group.
        queue: Option<Name>,
        /// A fetch handle.
        pull: bool,
    },
    /// Binding failed.
    SubscribeFailed {
        /// Who and where.
        at: At,
        /// Why.
        error: JsError,
    },
    /// A push sub was unsubscribed.
    Unsubscribed {
        /// Client id.
        client: Name,
        /// Handle.
        sub: Name,
    },
    /// The server sent a message to a subscriber.
    Delivered {
        /// Who and where.
        at: At,
        /// Subject.
        subject: Name,
        /// Stream seq.
        seq: u64,
        /// Consumer seq.
        consumer_seq: u64,
        /// Delivery count.
        num_delivered: u64,
        /// Pending after this one.
        num_pending: u64,
    },
    /// The listener sent an answer.
    Answered {
        /// Who and where.
        at: At,
        /// Which answer.
        reply: super::scenario::Reply,
        /// Stream seq.
        seq: u64,
        /// Delivery count of the delivery answered.
        num_delivered: u64,
    },
    /// A handler's work ended.
    Processed {
        /// Who and where.
        at: At,
        /// Stream seq.
        seq: u64,
        /// Delivery count.
        num_delivered: u64,
        /// Succeeded.
        ok: bool,
    },
    /// A pull request ended with a status.
    PullStatus {
        /// Who and where.
        at: At,
        /// Status code.
        code: u16,
        /// Description.
        description: Name,
        /// `Nats-Pending-Messages`.
        pending_messages: Option<u64>,
    },
    /// MAX_DELIVERIES advisory.
    MaxDeliveries {
        /// Stream.
        stream: Name,
        /// Consumer.
        consumer: Name,
        /// Stream seq.
        stream_seq: u64,
        /// Deliveries.
        deliveries: u64,
    },
    /// MSG_NAKED (`naked: true`) or MSG_TERMINATED advisory.
    MsgAdvisory {
        /// Nak (else term).
        naked: bool,
        /// Stream.
        stream: Name,
        /// Consumer.
        consumer: Name,
        /// Consumer seq.
        consumer_seq: u64,
        /// Stream seq.
        stream_seq: u64,
        /// Deliveries.
        deliveries: u64,
    },
    /// A consumer was deleted.
    ConsumerDeleted {
        /// Stream.
        stream: Name,
        /// Consumer.
        consumer: Name,
        /// `delete` or `inactive`.
        reason: &'static str,
    },
    /// A stored message was removed by a limit.
    MsgDropped {
        /// Stream.
        stream: Name,
        /// Seq.
        seq: u64,
        /// Which limit.
        reason: &'static str,
    },
}

/// One event at virtual time `t`.
#[derive(Clone, Debug, PartialEq)]
pub struct JsEvent {
    /// Virtual ms.
    pub t: SimTime,
    /// What.
    pub kind: JsKind,
}

impl JsKind {
    /// The contract's `event` name.
    pub fn name(&self) -> &'static str {
        use super::scenario::Reply;
        match self {
            JsKind::Connected { .. } => "connected",
            JsKind::ClientClosed { .. } => "client_closed",
            JsKind::Killed { .. } => "killed",
            JsKind::Paused { .. } => "paused",
            JsKind::Continued { .. } => "continued",
            JsKind::ServerRestarted => "server_restarted",
            JsKind::Disconnected { .. } => "disconnected",
            JsKind::Reconnected { .. } => "reconnected",
            JsKind::StreamAdded { .. } => "stream_added",
            JsKind::ConsumerAdded { .. } => "consumer_added",
            JsKind::ActionFailed { .. } => "action_failed",
            JsKind::Published { .. } => "published",
            JsKind::PublishFailed { .. } => "publish_failed",
            JsKind::Subscribed { .. } => "subscribed",
            JsKind::SubscribeFailed { .. } => "subscribe_failed",
            JsKind::Unsubscribed { .. } => "unsubscribed",
            JsKind::Delivered { .. } => "delivered",
            JsKind::Answered { reply, .. } => match reply {
                Reply::Ack => "acked",
                Reply::Nak | Reply::NakDelay(_) => "naked",
                Reply::Term => "termed",
                Reply::InProgress => "in_progress",
            },
            JsKind::Processed { .. } => "processed",
            JsKind::PullStatus { .. } => "pull_status",
            JsKind::MaxDeliveries { .. } => "max_deliveries",
            JsKind::MsgAdvisory { naked: true, .. } => "msg_naked",
            JsKind::MsgAdvisory { naked: false, .. } => "msg_terminated",
            JsKind::ConsumerDeleted { .. } => "consumer_deleted",
            JsKind::MsgDropped { .. } => "msg_dropped",
        }
    }
}

fn at<M: SerializeMap>(m: &mut M, a: &At) -> Result<(), M::Error> {
    m.serialize_entry("client", &*a.client)?;
    m.serialize_entry("sub", &*a.sub)?;
    m.serialize_entry("stream", &*a.stream)?;
    m.serialize_entry("consumer", &*a.consumer)
}

fn error<M: SerializeMap>(m: &mut M, e: &JsError) -> Result<(), M::Error> {
    m.serialize_entry("error", &*e.error)?;
    m.serialize_entry("code", &e.code)?;
    m.serialize_entry("err_code", &e.err_code)
}

impl Serialize for JsEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use JsKind::*;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("t", &self.t)?;
        m.serialize_entry("event", self.kind.name())?;
        match &self.kind {
            Connected { client } | Killed { client } | Paused { client } | Continued { client } | Disconnected { client } | Reconnected { client } => {
                m.serialize_entry("client", &**client)?
            }
            ServerRestarted => {}
            ClientClosed { client, reason } => {
                m.serialize_entry("client", &**client)?;
                m.serialize_entry("reason", reason)?;
            }
            StreamAdded { stream } => m.serialize_entry("stream", &**stream)?,
            ConsumerAdded { stream, consumer, durable, pull } => {
                m.serialize_entry("stream", &**stream)?;
                m.serialize_entry("consumer", &**consumer)?;
                m.serialize_entry("durable", durable)?;
                m.serialize_entry("pull", pull)?;
            }
            ActionFailed { index, error: e } => {
                m.serialize_entry("index", index)?;
                error(&mut m, e)?;
            }
            Published { client, subject, stream, seq, duplicate } => {
                m.serialize_entry("client", &**client)?;
                m.serialize_entry("subject", &**subject)?;
                m.serialize_entry("stream", &**stream)?;
                m.serialize_entry("seq", seq)?;
                m.serialize_entry("duplicate", duplicate)?;
            }
            PublishFailed { client, subject, error: e } => {
                m.serialize_entry("client", &**client)?;
                m.serialize_entry("subject", &**subject)?;
                error(&mut m, e)?;
            }
            Subscribed { at: a, queue, pull } => {
                at(&mut m, a)?;
                m.serialize_entry("queue", &queue.as_deref())?;
                m.serialize_entry("pull", pull)?;
            }
            SubscribeFailed { at: a, error: e } => {
                at(&mut m, a)?;
                error(&mut m, e)?;
            }
            Unsubscribed { client, sub } => {
                m.serialize_entry("client", &**client)?;
                m.serialize_entry("sub", &**sub)?;
            }
            Delivered { at: a, subject, seq, consumer_seq, num_delivered, num_pending } => {
                at(&mut m, a)?;
                m.serialize_entry("subject", &**subject)?;
                m.serialize_entry("seq", seq)?;
                m.serialize_entry("consumer_seq", consumer_seq)?;
                m.serialize_entry("num_delivered", num_delivered)?;
                m.serialize_entry("redelivered", &(*num_delivered > 1))?;
                m.serialize_entry("num_pending", num_pending)?;
            }
            Answered { at: a, reply, seq, num_delivered } => {
                at(&mut m, a)?;
                m.serialize_entry("seq", seq)?;
                m.serialize_entry("num_delivered", num_delivered)?;
                match reply {
                    super::scenario::Reply::Nak => m.serialize_entry("delay_ms", &None::<u64>)?,
                    super::scenario::Reply::NakDelay(d) => m.serialize_entry("delay_ms", d)?,
                    _ => {}
                }
            }
            Processed { at: a, seq, num_delivered, ok } => {
                at(&mut m, a)?;
                m.serialize_entry("seq", seq)?;
                m.serialize_entry("num_delivered", num_delivered)?;
                m.serialize_entry("ok", ok)?;
            }
            PullStatus { at: a, code, description, pending_messages } => {
                at(&mut m, a)?;
                m.serialize_entry("code", code)?;
                m.serialize_entry("description", &**description)?;
                m.serialize_entry("pending_messages", pending_messages)?;
            }
            MaxDeliveries { stream, consumer, stream_seq, deliveries } => {
                m.serialize_entry("stream", &**stream)?;
                m.serialize_entry("consumer", &**consumer)?;
                m.serialize_entry("stream_seq", stream_seq)?;
                m.serialize_entry("deliveries", deliveries)?;
            }
            MsgAdvisory { stream, consumer, consumer_seq, stream_seq, deliveries, .. } => {
                m.serialize_entry("stream", &**stream)?;
                m.serialize_entry("consumer", &**consumer)?;
                m.serialize_entry("consumer_seq", consumer_seq)?;
                m.serialize_entry("stream_seq", stream_seq)?;
                m.serialize_entry("deliveries", deliveries)?;
            }
            ConsumerDeleted { stream, consumer, reason } => {
                m.serialize_entry("stream", &**stream)?;
                m.serialize_entry("consumer", &**consumer)?;
                m.serialize_entry("reason", reason)?;
            }
            MsgDropped { stream, seq, reason } => {
                m.serialize_entry("stream", &**stream)?;
                m.serialize_entry("seq", seq)?;
                m.serialize_entry("reason", reason)?;
            }
        }
        m.end()
    }
}

/// A `&'static str` the engine uses for `v`, or `None` for any other text.
fn known(v: &serde_json::Value, names: &[&'static str]) -> Option<&'static str> {
    let s = v.as_str()?;
    names.iter().copied().find(|n| *n == s)
}

impl JsEvent {
    /// Reads one event of the contract's JSON shape (as [`JsEvent`] serializes it, and as a
    /// recording of the real server gives it); `None` when it is not one (an unknown
    /// `event`, a missing or mistyped field). Text fields are taken as they are: the caller
    /// renders them inert.
    pub fn from_value(v: &serde_json::Value) -> Option<JsEvent> {
        use super::scenario::Reply;
        use serde_json::Value;
        let s = |k: &str| -> Option<Name> { v.get(k)?.as_str().map(Name::from) };
        let n = |k: &str| v.get(k).and_then(Value::as_u64);
        let b = |k: &str| v.get(k).and_then(Value::as_bool);
        let at = || Some(At { client: s("client")?, sub: s("sub")?, stream: s("stream")?, consumer: s("consumer")? });
        let err = || {
            Some(JsError {
                error: s("error")?,
                code: n("code").and_then(|c| u16::try_from(c).ok()),
                err_code: n("err_code").and_then(|c| u32::try_from(c).ok()),
            })
        };
        let t = n("t")?;
        let kind = match v.get("event")?.as_str()? {
            "connected" => JsKind::Connected { client: s("client")? },
            "client_closed" => JsKind::ClientClosed { client: s("client")?, reason: known(v.get("reason")?, &["close", "killed"])? },
            "killed" => JsKind::Killed { client: s("client")? },
            "paused" => JsKind::Paused { client: s("client")? },
            "continued" => JsKind::Continued { client: s("client")? },
            "server_restarted" => JsKind::ServerRestarted,
            "disconnected" => JsKind::Disconnected { client: s("client")? },
            "reconnected" => JsKind::Reconnected { client: s("client")? },
            "stream_added" => JsKind::StreamAdded { stream: s("stream")? },
            "consumer_added" => JsKind::ConsumerAdded { stream: s("stream")?, consumer: s("consumer")?, durable: b("durable")?, pull: b("pull")? },
            "action_failed" => JsKind::ActionFailed { index: usize::try_from(n("index")?).ok()?, error: err()? },
            "published" => JsKind::Published { client: s("client")?, subject: s("subject")?, stream: s("stream")?, seq: n("seq")?, duplicate: b("duplicate")? },
            "publish_failed" => JsKind::PublishFailed { client: s("client")?, subject: s("subject")?, error: err()? },
            "subscribed" => JsKind::Subscribed { at: at()?, queue: s("queue"), pull: b("pull")? },
            "subscribe_failed" => JsKind::SubscribeFailed { at: at()?, error: err()? },
            "unsubscribed" => JsKind::Unsubscribed { client: s("client")?, sub: s("sub")? },
            "delivered" => JsKind::Delivered {
                at: at()?,
                subject: s("subject")?,
                seq: n("seq")?,
                consumer_seq: n("consumer_seq")?,
                num_delivered: n("num_delivered")?,
                num_pending: n("num_pending")?,
            },
            e @ ("acked" | "naked" | "termed" | "in_progress") => {
                let reply = match e {
                    "acked" => Reply::Ack,
                    "termed" => Reply::Term,
                    "in_progress" => Reply::InProgress,
                    _ => n("delay_ms").map_or(Reply::Nak, Reply::NakDelay),
                };
                JsKind::Answered { at: at()?, reply, seq: n("seq")?, num_delivered: n("num_delivered")? }
            }
            "processed" => JsKind::Processed { at: at()?, seq: n("seq")?, num_delivered: n("num_delivered")?, ok: b("ok")? },
            "pull_status" => JsKind::PullStatus {
                at: at()?,
                code: u16::try_from(n("code").or_else(|| v.get("code")?.as_str()?.parse().ok())?).ok()?,
                description: s("description").unwrap_or_else(|| Name::from("")),
                pending_messages: n("pending_messages"),
            },
            "max_deliveries" => {
                JsKind::MaxDeliveries { stream: s("stream")?, consumer: s("consumer")?, stream_seq: n("stream_seq")?, deliveries: n("deliveries")? }
            }
            e @ ("msg_naked" | "msg_terminated") => JsKind::MsgAdvisory {
                naked: e == "msg_naked",
                stream: s("stream")?,
                consumer: s("consumer")?,
                consumer_seq: n("consumer_seq")?,
                stream_seq: n("stream_seq")?,
                deliveries: n("deliveries")?,
            },
            "consumer_deleted" => {
                JsKind::ConsumerDeleted { stream: s("stream")?, consumer: s("consumer")?, reason: known(v.get("reason")?, &["delete", "inactive"])? }
            }
            "msg_dropped" => JsKind::MsgDropped {
                stream: s("stream")?,
                seq: n("seq")?,
                reason: known(v.get("reason")?, &["max_age", "max_msgs", "max_bytes", "max_msgs_per_subject"])?,
            },
            _ => return None,
        };
        Some(JsEvent { t, kind })
    }
}
