//! One table of fields per verb: what the reader accepts and names in its "unknown field
//! (expected one of …)" message, and what the writer may emit (a test checks both agree).

pub(super) const TOP: &[&str] = &["version", "name", "description", "seed", "until_ms", "server", "actions"];
pub(super) const SERVER: &[&str] = &[
    "kind",
    "server_version",
    "cluster_id",
    "hb_interval_ms",
    "hb_timeout_ms",
    "hb_fail_count",
    "max_channels",
    "max_subs",
    "max_msgs",
    "max_bytes",
    "max_age_ms",
    "max_inactivity_ms",
];
pub(super) const I32_MAX: u64 = i32::MAX as u64;

/// The fields of a listener's behaviour, read by `subscribe` and `behave` alike (one list, so
/// the two verbs cannot drift apart; the writer's round trip is tested for every verb).
macro_rules! with_listener_fields {
    ($($head:literal),*) => {
        &[$($head,)* "handler", "process_ms", "fail_seqs", "fail_times", "fail_rate", "app", "version_check", "idempotent", "ordered"]
    };
}

/// A listener's behaviour fields (what `behave` may change).
pub const LISTENER_FIELDS: &[&str] = with_listener_fields!();

/// The fields each verb accepts: the reader's table and its "expected one of" list.
pub fn verb_fields(verb: &str) -> Option<&'static [&'static str]> {
    Some(match verb {
        "connect" => &["at_ms", "do", "client", "ping_interval_ms", "ping_max_out", "cluster_id"],
        "publish" => &["at_ms", "do", "client", "channel", "data", "count", "every_ms", "template"],
        "subscribe" => {
            with_listener_fields!("at_ms", "do", "client", "sub", "channel", "queue", "durable", "manual_ack", "ack_wait_ms", "max_inflight", "start")
        }
        "behave" => with_listener_fields!("at_ms", "do", "sub"),
        "unsubscribe" | "close_sub" => &["at_ms", "do", "sub"],
        "close" | "kill" => &["at_ms", "do", "client"],
        "pause" => &["at_ms", "do", "client", "duration_ms"],
        "restart_server" => &["at_ms", "do"],
        _ => return None,
    })
}

pub(super) const VERBS: &str = "connect, publish, subscribe, behave, unsubscribe, close_sub, close, kill, pause, restart_server";
