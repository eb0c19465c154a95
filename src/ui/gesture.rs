//! Gestures → verbs: what a drag, a button or an inspector edit records in the scenario,
//! with node-nats-streaming's defaults. Pure functions; the reducer (`state.rs`) calls them.

use super::state::DEFAULT_CHANNEL;
use crate::engine::scenario::{BehaviourPatch, SubscribeSpec};
use crate::engine::{stanjs, Behaviour, Handler, StartPosition, Verb};

/// Options a listener is created or re-subscribed with.
#[derive(Clone, Debug, PartialEq)]
pub struct ListenerOpts {
    /// Channel.
    pub channel: String,
    /// Queue group.
    pub queue: Option<String>,
    /// Durable name.
    pub durable: Option<String>,
    /// `setManualAckMode(true)`.
    pub manual_ack: bool,
    /// `setAckWait(ms)`.
    pub ack_wait_ms: u64,
    /// `setMaxInFlight(n)`.
    pub max_inflight: i64,
    /// Start position (`setDeliverAllAvailable()`, `setStartAtSequence(n)`, …).
    pub start: StartPosition,
}

impl Default for ListenerOpts {
    fn default() -> Self {
        ListenerOpts {
            channel: DEFAULT_CHANNEL.into(),
            queue: None,
            durable: None,
            manual_ack: false,
            ack_wait_ms: stanjs::ACK_WAIT_MS,
            max_inflight: stanjs::MAX_INFLIGHT,
            start: StartPosition::NewOnly,
        }
    }
}

/// A number typed into a field named `what`: a whole number from `min` to `max` (the bounds
/// the scenario reader accepts, so what a field takes can be exported and shared), or the
/// one-line message the page shows instead (negative, `NaN`, `1e309`, 2^53+1 past the bound,
/// empty, …). The run is left as it was.
pub fn number(v: &str, what: &str, min: u64, max: u64) -> Result<u64, String> {
    let t = v.trim();
    let shown = crate::json::clip_line(t, 40);
    match t.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ if t.is_empty() => Err(format!("{what}: enter a whole number from {min} to {max}")),
        _ => Err(format!("{what}: expected a whole number from {min} to {max}, got '{shown}'")),
    }
}

/// Seconds typed into a field named `what` (`2.5`), from `min` to `max`, as milliseconds; or
/// the message, as for [`number`].
pub fn seconds_ms(v: &str, what: &str, min: f64, max: f64) -> Result<u64, String> {
    let t = v.trim();
    match crate::json::decimal(t) {
        Some(s) if (min..=max).contains(&s) => Ok((s * 1000.0).round() as u64),
        _ => {
            Err(format!("{what}: expected seconds from {} to {}, got '{}'", crate::fixed::short(min), crate::fixed::short(max), crate::json::clip_line(t, 40)))
        }
    }
}

/// A short random-looking hex id, like the course's `randomBytes(4).toString('hex')`,
/// derived from a counter so runs stay reproducible.
pub fn hex_id(n: u64) -> String {
    let mut z = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5851_F42D_4C95_7F2D;
    z = (z ^ (z >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    format!("{:08x}", (z >> 32) as u32)
}

/// A `subscribe` action with a listener's options and behaviour.
pub fn subscribe_verb(client: &str, handle: &str, o: &ListenerOpts, behaviour: Behaviour) -> Verb {
    Verb::Subscribe(SubscribeSpec {
        client: client.into(),
        sub: handle.into(),
        channel: o.channel.as_str().into(),
        queue: o.queue.as_deref().map(Into::into),
        durable: o.durable.as_deref().map(Into::into),
        manual_ack: o.manual_ack,
        ack_wait_ms: o.ack_wait_ms,
        max_inflight: o.max_inflight,
        start: o.start.clone(),
        behaviour,
    })
}

/// Options of a recorded subscribe.
pub fn opts_of(s: &SubscribeSpec) -> ListenerOpts {
    ListenerOpts {
        channel: s.channel.to_string(),
        queue: s.queue.as_ref().map(|q| q.to_string()),
        durable: s.durable.as_ref().map(|d| d.to_string()),
        manual_ack: s.manual_ack,
        ack_wait_ms: s.ack_wait_ms,
        max_inflight: s.max_inflight,
        start: s.start.clone(),
    }
}

/// A `connect` action with stan.js's default pings.
pub fn connect_verb(client: &str) -> Verb {
    Verb::Connect { client: client.into(), ping_interval_ms: 5000, ping_max_out: 3, cluster_id: None }
}

/// A `behave` action for a handle.
pub fn behave(handle: &str, patch: BehaviourPatch) -> Verb {
    Verb::Behave { sub: handle.into(), patch }
}

/// A handler kind from its name.
pub fn handler_from(s: &str) -> Handler {
    if s == "sync" {
        Handler::Sync
    } else {
        Handler::Async
    }
}

/// The publish actions a publisher's buttons record.
pub fn publish_verb(client: &str, channel: &str, data: &str, count: u64, every_ms: u64) -> Verb {
    Verb::Publish { client: client.into(), channel: channel.into(), data: data.into(), count, every_ms, template: data.contains("{n}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_numbers_outside_their_bounds_say_so() {
        assert_eq!(number(" 250 ", "processing time (ms)", 0, 1_000_000_000), Ok(250));
        assert_eq!(number("-5", "processing time (ms)", 0, 10), Err("processing time (ms): expected a whole number from 0 to 10, got '-5'".into()));
        assert_eq!(number("", "-hbi (ms)", 1, 10), Err("-hbi (ms): enter a whole number from 1 to 10".into()));
        for bad in ["NaN", "1e309", "9007199254740993", "1.5", "0x10", "99999999999999999999999"] {
            assert!(number(bad, "x", 1, 1_000_000_000).is_err(), "{bad}");
        }
        assert_eq!(seconds_ms("2.5", "pause", 0.1, 3600.0), Ok(2500));
        assert_eq!(seconds_ms("NaN", "pause", 0.1, 3600.0), Err("pause: expected seconds from 0.1 to 3600, got 'NaN'".into()));
        assert!(seconds_ms("inf", "pause", 0.1, 3600.0).is_err() && seconds_ms("0.05", "pause", 0.1, 3600.0).is_err());
    }
}
