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
