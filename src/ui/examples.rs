//! The built-in example scenarios (the Examples menu, `?scenario=` and the host page's
//! `load` command). Data only: no component, so both the root and the embed bridge use it.

/// The built-in example scenarios: (file name, title, body), also served under `scenarios/`.
pub const EXAMPLES: &[(&str, &str, &str)] = &[
    ("course-queue-kill-0.17", "Course: durable queue group, a listener killed (0.17)", include_str!("../../www/scenarios/course-queue-kill-0.17.json")),
    ("course-queue-kill-0.25", "Course: the same on the latest server (0.25)", include_str!("../../www/scenarios/course-queue-kill-0.25.json")),
    ("auto-ack-loss", "Auto ack loses an event when async work fails", include_str!("../../www/scenarios/auto-ack-loss.json")),
    ("account-lab", "Concurrency lab: +$70, +$40, −$100 on two instances", include_str!("../../www/scenarios/account-lab.json")),
    ("server-restart", "Memory store: a server restart loses everything", include_str!("../../www/scenarios/server-restart.json")),
    ("empty", "Empty board: the course's server, nothing else", include_str!("../../www/scenarios/empty.json")),
];

/// A JetStream board with nothing on it yet (the server switch's JetStream choice).
pub const JS_BLANK: &str = r#"{"name": "A new JetStream board", "seed": 1, "until_ms": 30000, "server": {"kind": "jetstream"}, "actions": []}"#;

/// JetStream examples (JetStream mode): (name, title, file). They are scenarios of the set
/// checked against the real nats-server (`tests/jetstream/scenarios/FILE.json`), served under
/// `jetstream/scenarios/` (scripts/build-jetstream.sh copies them there) and fetched when one
/// is opened, like JetStream mode's module: the first download carries neither.
pub const JS_EXAMPLES: &[(&str, &str, &str)] = &[
    ("jetstream-group-kill", "JetStream: a deliver group member killed while holding messages", "group-kill"),
    ("jetstream-live", "JetStream: a deliver group to run live (kill l1 while it holds seq 1)", "live-group"),
    ("jetstream-max-deliver", "JetStream: max_deliver gives up on a message, silently", "maxdeliver-push"),
    ("jetstream-nak", "JetStream: nak, nak with delay, in progress and term", "nak-wpi-term"),
    ("jetstream-pull", "JetStream: pull requests, their batches and statuses", "pull-statuses"),
    ("jetstream-work-queue", "JetStream: a work queue drained by two pull workers", "workqueue-pull"),
];

/// Where the page fetches a JetStream example's file from (relative to the page).
pub fn js_example_url(file: &str) -> String {
    format!("jetstream/scenarios/{file}.json")
}
