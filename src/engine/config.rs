//! Server configuration: the real server's options and defaults (`-hbi`, `-hbt`, `-hbf`, store
//! limits, cluster id) and the behaviours that differ between server versions
//! (stan-semantics.md §0.1). Holds no state.

use super::ids::Name;

/// The server version being simulated; they differ in observable ways (§0.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerVersion {
    /// nats-streaming-server 0.17.0, the course's Docker image (embedded nats-server 2.1).
    V0_17,
    /// nats-streaming-server 0.25.6, the last release (embedded nats-server 2.9).
    V0_25,
}

impl ServerVersion {
    /// The scenario spelling: `"0.17"` or `"0.25"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerVersion::V0_17 => "0.17",
            ServerVersion::V0_25 => "0.25",
        }
    }
    /// Parses the scenario spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "0.17" => Some(ServerVersion::V0_17),
            "0.25" => Some(ServerVersion::V0_25),
            _ => None,
        }
    }
    /// `serverz.version`.
    pub fn full(self) -> &'static str {
        match self {
            ServerVersion::V0_17 => "0.17.0",
            ServerVersion::V0_25 => "0.25.6",
        }
    }
    /// `serverz.go`.
    pub fn go(self) -> &'static str {
        match self {
            ServerVersion::V0_17 => "go1.13.8",
            ServerVersion::V0_25 => "go1.21.4",
        }
    }
    /// ≥0.22: a request to a client whose TCP connection is gone fails at once
    /// ("no responders") instead of after the timeout.
    pub fn no_responders(self) -> bool {
        self == ServerVersion::V0_25
    }
    /// ≥0.21: `subs_count` in `/clientsz` and `/channelsz`.
    pub fn has_subs_count(self) -> bool {
        self == ServerVersion::V0_25
    }
    /// ≥0.25: channel names that differ only by case are rejected.
    pub fn rejects_case_clash(self) -> bool {
        self == ServerVersion::V0_25
    }
    /// ≥0.20: publishes of an unknown client are answered (`stan: invalid publish request`);
    /// 0.17's publish subject carries a per-start random id, so they are never answered.
    pub fn answers_stale_publishes(self) -> bool {
        self == ServerVersion::V0_25
    }
    /// Subscribe from a client id the server does not know.
    pub fn unknown_client_sub_error(self, client: &str) -> String {
        match self {
            ServerVersion::V0_17 => format!("can't find clientID: {client}"),
            ServerVersion::V0_25 => crate::engine::errors::UNKNOWN_CLIENT.to_string(),
        }
    }
}

/// The simulated server's options (`nats-streaming-server` flags), all in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerConfig {
    /// Which release's behaviour to simulate.
    pub version: ServerVersion,
    /// `-cid`.
    pub cluster_id: Name,
    /// `-hbi`: interval between server-to-client heartbeats.
    pub hb_interval_ms: u64,
    /// `-hbt`: how long a heartbeat request waits for the reply.
    pub hb_timeout_ms: u64,
    /// `-hbf`: failed heartbeats tolerated; the client is closed at `hbf+1`.
    pub hb_fail_count: u32,
    /// `-mc` (0 = unlimited).
    pub max_channels: u64,
    /// `-msu` per channel (0 = unlimited).
    pub max_subs: u64,
    /// `-mm` per channel (0 = unlimited).
    pub max_msgs: u64,
    /// `-mb` per channel (0 = unlimited).
    pub max_bytes: u64,
    /// `-ma` (0 = unlimited).
    pub max_age_ms: u64,
    /// `-mi` (0 = unlimited).
    pub max_inactivity_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            version: ServerVersion::V0_25,
            cluster_id: "test-cluster".into(),
            hb_interval_ms: 30_000,
            hb_timeout_ms: 10_000,
            hb_fail_count: 10,
            max_channels: 100,
            max_subs: 1000,
            max_msgs: 1_000_000,
            max_bytes: 1_024_000_000,
            max_age_ms: 0,
            max_inactivity_ms: 0,
        }
    }
}

impl ServerConfig {
    /// Delay before a new connection may replace a registered client that does not answer:
    /// the 500 ms duplicate-id ping, or at once when the old TCP connection is gone (≥0.22).
    pub const DUP_CID_TIMEOUT_MS: u64 = 500;
    /// A leaving queue member's pending messages reach the others after this delay (§7.4).
    pub const QUEUE_TRANSFER_DELAY_MS: u64 = 100;
    /// Ack-expiry grouping window (§12).
    pub const ACK_EXPIRY_WINDOW_MS: u64 = 15;
    /// `DefaultIOBatchSize`: `ioLoop` stores and hands out at most this many queued publishes
    /// at once (§7.5).
    pub const IO_BATCH_SIZE: u64 = 1024;

    /// The server's arguments for these options (after the program name), one value each.
    pub fn args(&self) -> Vec<String> {
        let d = super::time::go_duration;
        let mut a: Vec<String> = ["-p", "4222", "-m", "8222", "-cid"].iter().map(|s| s.to_string()).collect();
        a.push(self.cluster_id.to_string());
        for (flag, v) in [("-hbi", d(self.hb_interval_ms)), ("-hbt", d(self.hb_timeout_ms)), ("-hbf", self.hb_fail_count.to_string())] {
            a.push(flag.into());
            a.push(v);
        }
        let defaults = ServerConfig::default();
        let mut opt = |flag: &str, v: u64, dv: u64, text: String| {
            if v != dv {
                a.push(flag.into());
                a.push(text);
            }
        };
        opt("-mc", self.max_channels, defaults.max_channels, self.max_channels.to_string());
        opt("-msu", self.max_subs, defaults.max_subs, self.max_subs.to_string());
        opt("-mm", self.max_msgs, defaults.max_msgs, self.max_msgs.to_string());
        opt("-mb", self.max_bytes, defaults.max_bytes, self.max_bytes.to_string());
        opt("-ma", self.max_age_ms, 0, d(self.max_age_ms));
        opt("-mi", self.max_inactivity_ms, 0, d(self.max_inactivity_ms));
        a.push("-SD".into());
        a
    }

    /// The real command line for these options, as a learner would type it into a POSIX
    /// shell: a value with anything but letters, digits and `-_.:/=@%+,` is single-quoted.
    pub fn command_line(&self) -> String {
        let mut s = String::from("nats-streaming-server");
        for a in self.args() {
            s.push(' ');
            s.push_str(&shell_quote(&a));
        }
        s
    }
}

/// `v` as one POSIX shell word.
pub fn shell_quote(v: &str) -> String {
    let plain = !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/=@%+,".contains(&b));
    if plain {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "'\\''"))
    }
}

/// Why `id` cannot be a cluster id, if it cannot: the server listens on
/// `_STAN.discover.<cluster id>`, so the id must be one NATS subject token (no white space,
/// no `.`, `*` or `>`, no control character).
pub fn cluster_id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("-cid: the cluster id cannot be empty".into());
    }
    if id.chars().count() > 255 {
        return Some("-cid: the cluster id is longer than 255 characters".into());
    }
    let bad = id.chars().find(|c| c.is_whitespace() || c.is_control() || matches!(c, '.' | '*' | '>'))?;
    Some(format!(
        "-cid: the cluster id must be one NATS subject token (the server listens on _STAN.discover.<cluster id>), so it cannot contain {}",
        match bad {
            '.' | '*' | '>' => format!("'{bad}'"),
            c if c.is_whitespace() => "white space".into(),
            _ => "control characters".into(),
        }
    ))
}
