//! The exact error texts of the real server (`server/server.go` L148–L170, `stores/store.go`)
//! and of stan.js (`lib/stan.js` L46–L64), in one place so every path uses the same words.

/// Server: client id does not match `^[a-zA-Z0-9_-]+$`.
pub const INVALID_CLIENT_ID: &str = "stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed";
/// Server: the client id is registered and its owner answered.
pub const CLIENT_ID_REGISTERED: &str = "stan: clientID already registered";
/// Server: bad publish (unknown client, invalid channel).
pub const INVALID_PUBLISH: &str = "stan: invalid publish request";
/// Server: ack wait below one second.
pub const INVALID_ACK_WAIT: &str = "stan: invalid ack wait time, should be >= 1s";
/// Server: max in flight below one.
pub const INVALID_MAX_INFLIGHT: &str = "stan: invalid MaxInflight, should be >= 1";
/// Server: subscription on an invalid channel name.
pub const INVALID_SUBJECT: &str = "stan: invalid subject";
/// Server (≥0.21): subscription from an unknown client id; also close of an unknown client.
pub const UNKNOWN_CLIENT: &str = "stan: unknown clientID";
/// Server: `max_channels` reached.
pub const TOO_MANY_CHANNELS: &str = "too many channels";
/// Server: `max_subs` reached on the channel.
pub const TOO_MANY_SUBS: &str = "too many subscriptions per channel";
/// Server: a queue durable name containing `:`.
pub const INVALID_DUR_NAME: &str = "stan: durable name of a durable queue subscriber can't contain the character ':'";
/// Server: a plain durable that is already online.
pub const DUP_DURABLE: &str = "stan: duplicate durable registration";
/// Server: unsubscribe/close of a subscription on an unknown channel.
pub const UNKNOWN_CHANNEL: &str = "stan: unknown channel";
/// Server: unsubscribe/close of an unknown subscription; stan.js: second close/unsubscribe.
pub const INVALID_SUB: &str = "stan: invalid subscription";
/// Server: reply to a ping from a connection it does not know.
pub const PING_UNKNOWN: &str = "client has been replaced or is no longer registered";
/// stan.js: empty client id.
pub const CLIENT_ID_MISSING: &str = "stan: client ID must be supplied";
/// stan.js: empty channel on subscribe.
pub const SUBJECT_MISSING: &str = "stan: subject must be supplied";
/// stan.js: the connection is closed.
pub const CONN_CLOSED: &str = "stan: Connection closed";
/// node-nats: `publish` on a NATS connection that is closed (stan.js after `connection_lost`).
pub const NATS_CONN_CLOSED: &str = "Connection closed";
/// Node: stan.js `subscribe` after `closeWithError` (a refused connect or `connection_lost`):
/// node-nats hands its `Connection closed` to stan.js's message handler, which throws this
/// (measured with node-nats-streaming 0.3.2, nats 1.4.12, Node 20).
pub const SUBSCRIBE_AFTER_LOST: &str = "Cannot read properties of undefined (reading 'emit')";
/// stan.js: `unsubscribe()` whose request could not be sent or was not answered.
pub const UNSUB_TIMEOUT: &str = "stan: unsubscribe request timeout";
/// stan.js: `close()` of a subscription whose request could not be sent or was not answered.
pub const CLOSE_TIMEOUT: &str = "stan: close request timeout";
/// stan.js: no publish ack within `ackTimeout`.
pub const PUB_ACK_TIMEOUT: &str = "stan: publish ack timeout";
/// stan.js: no connect response within `connectTimeout`.
pub const CONNECT_TIMEOUT: &str = "stan: connect request timeout";
/// stan.js: no subscribe response within `connectTimeout`.
pub const SUB_TIMEOUT: &str = "stan: subscribe request timeout";
/// stan.js: ping budget exhausted.
pub const PING_FAILURE: &str = "stan: connection lost due to PING failure";
/// google-protobuf: `setAckWait` with a value that is not whole seconds.
pub const ASSERTION_FAILED: &str = "Assertion failed";

/// ≥0.25: a channel name equal, ignoring case, to an existing one (the typo is the server's).
pub fn case_clash(name: &str, existing: &str) -> String {
    format!("rejecting channel {} because channel {} alreay exists (different cases not allowed)", crate::text::quote(name), crate::text::quote(existing))
}

/// The server's client id rule: `^[a-zA-Z0-9_-]+$`.
pub fn client_id_valid(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `util.IsChannelNameValid(name, false)`: non-empty, no leading/trailing/double `.`, no `/`,
/// no `*` or `>`.
pub fn channel_name_valid(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || b[0] == b'.' {
        return false;
    }
    for (i, &c) in b.iter().enumerate() {
        if c == b'/' || c == b'*' || c == b'>' {
            return false;
        }
        if c == b'.' && (i == b.len() - 1 || b[i + 1] == b'.') {
            return false;
        }
    }
    true
}

/// Whether `_STAN.pub.<cid>.<channel>` is a subject the NATS server routes to the streaming
/// server at all: an empty token or white space never arrives (stan.js then times out).
pub fn channel_reaches_server(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.ends_with('.') && !name.contains("..") && !name.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_and_channel_names_follow_the_server_rules() {
        assert!(client_id_valid("orders-service_1"));
        for bad in ["", "id.with.dots", "id:colon", "a b", "a,b"] {
            assert!(!client_id_valid(bad), "{bad}");
        }
        assert!(channel_name_valid("ticket:created"));
        assert!(channel_name_valid("a.b-c_d"));
        for bad in ["", ".a", "a.", "a..b", "a/b", "foo.*", "foo.>", "a*b"] {
            assert!(!channel_name_valid(bad), "{bad}");
        }
        assert!(!channel_reaches_server("bad..subject"));
        assert!(channel_reaches_server("foo.*"));
    }
}
