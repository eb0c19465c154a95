//! The concurrency lab's applications (an extension of the contract): the account balance
//! and the tickets service from the course's "concurrency issues" chapter, running on top of
//! the events a listener's handler receives, with the course's fixes as switches.
//!
//! Every listener that runs the same [`AppKind`] writes to one shared database, the way the
//! course's listener instances share one database. An event is a JSON object:
//! `{"account": "a1", "amount": 70, "version": 1, "id": "e1"}` for the account,
//! `{"ticket": "t1", "price": 20, "version": 1, "id": "e1"}` for the tickets. `version` and
//! `id` are optional; an event without `id` is identified by its channel and sequence, and
//! an event that is not such an object is ignored by the application (`outcome: "ignored"`).
//!
//! What the application does with an event its handler processed successfully:
//! - version check on and `version != last + 1`: not applied and not acked (`rejected`), so
//!   the server redelivers it after the ack wait — unless the handler auto-acked already,
//!   in which case the event is lost;
//! - per-resource ordering on and an earlier event of the same resource (on the same channel)
//!   started and not yet written by any instance: not applied and not acked (`held`);
//! - idempotency on and the event id applied before: acked, not applied (`skipped`);
//! - otherwise applied (`applied`), flagged with what went wrong: `applied_twice`,
//!   `out_of_order` (an older event applied after a newer one, or a version skipped),
//!   `version_went_back`, `negative_balance`.
//!
//! A handler that fails (`processed ok: false`) applies nothing; with auto ack the event is
//! `lost`.

use super::ids::Name;
use crate::engine::vecmap::{VecMap, VecSet};
use serde_json::Value;
use std::collections::HashSet;

/// The small application a listener runs on top of the events (the concurrency lab, an
/// extension of the contract): it writes to one database shared by every listener that runs
/// the same application.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AppKind {
    /// No application: the handler's work only takes time and may fail.
    #[default]
    None,
    /// Account balances: `{"account": "a1", "amount": 70, "version": 1, "id": "e1"}` adds
    /// `amount` to the balance.
    Account,
    /// The tickets service: `{"ticket": "t1", "price": 20, "version": 1, "id": "e1"}` sets the
    /// ticket's price and version.
    Tickets,
}

impl AppKind {
    /// The scenario's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::None => "none",
            AppKind::Account => "account",
            AppKind::Tickets => "tickets",
        }
    }
}

/// What the application did with one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Written to the database.
    Applied,
    /// The version check refused it; not acked.
    Rejected,
    /// Idempotency found it applied already; acked, not written.
    Skipped,
    /// Per-resource ordering holds it: an earlier event of the same resource is still being
    /// worked on (or failed); not acked, so it comes back after the ack wait.
    Held,
    /// The handler failed; nothing written.
    Failed,
    /// Not an event this application understands.
    Ignored,
}

impl Outcome {
    /// The trace's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Rejected => "rejected",
            Outcome::Skipped => "skipped",
            Outcome::Held => "held",
            Outcome::Failed => "failed",
            Outcome::Ignored => "ignored",
        }
    }

    /// Whether the handler acks the event after this outcome (manual ack or sync handler).
    pub fn acks(self) -> bool {
        matches!(self, Outcome::Applied | Outcome::Skipped | Outcome::Ignored)
    }
}

/// A wrong result the lab flags as it happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anomaly {
    /// The same event id was applied a second time.
    AppliedTwice,
    /// Applied after a newer event of the same resource, or skipping a version.
    OutOfOrder,
    /// A ticket's version went down.
    VersionWentBack,
    /// An account's balance went below zero.
    NegativeBalance,
    /// The event was acked and never applied: it will not come back.
    Lost,
}

impl Anomaly {
    /// The trace's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Anomaly::AppliedTwice => "applied_twice",
            Anomaly::OutOfOrder => "out_of_order",
            Anomaly::VersionWentBack => "version_went_back",
            Anomaly::NegativeBalance => "negative_balance",
            Anomaly::Lost => "lost",
        }
    }

    /// The page's words for it (`negative balance`).
    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }
}

/// One resource's row in the shared database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// Balance (account) or price (tickets).
    pub value: i64,
    /// Last version written (0 before the first).
    pub version: u64,
    /// Events written.
    pub applied: u64,
    /// Highest channel sequence written.
    pub last_seq: u64,
    /// Event ids written (only looked up, never listed).
    pub ids: HashSet<Name>,
    /// With per-resource ordering: (channel, seq) of the events an instance has started on
    /// and not yet written.
    pub in_progress: VecSet<(Name, u64)>,
}

/// The result of handing one event to the application.
#[derive(Clone, Debug, PartialEq)]
pub struct AppResult {
    /// Resource the event is about (empty when ignored).
    pub resource: Name,
    /// What happened.
    pub outcome: Outcome,
    /// The event's version, if it has one.
    pub version: Option<u64>,
    /// The resource's value before and after.
    pub before: i64,
    /// See `before`.
    pub after: i64,
    /// What went wrong.
    pub anomalies: Vec<Anomaly>,
}

/// The switches one listener's code has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fixes {
    /// Apply only `version == last + 1`; otherwise do not ack.
    pub version_check: bool,
    /// Do not apply an event id twice.
    pub idempotent: bool,
    /// Per-resource ordering: every instance notes in the shared database the events it
    /// starts on, and writes one only when no earlier event of the same resource is still
    /// unwritten; otherwise it does not ack.
    pub ordered: bool,
}

/// The databases of every application in a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppDb {
    rows: VecMap<(AppKind, Name), Record>,
}

struct Parsed {
    resource: Name,
    number: i64,
    version: Option<u64>,
    id: Option<String>,
}

fn parse(kind: AppKind, data: &str) -> Option<Parsed> {
    let v = crate::json::parse(data).ok()?;
    let o = v.as_object()?;
    let (key, num) = match kind {
        AppKind::Account => ("account", "amount"),
        AppKind::Tickets => ("ticket", "price"),
        AppKind::None => return None,
    };
    let resource = match o.get(key).or_else(|| o.get("resource")) {
        Some(Value::String(s)) => Name::from(s.as_str()),
        Some(Value::Number(n)) => Name::from(n.to_string().as_str()),
        _ => return None,
    };
    let number = o.get(num)?.as_i64()?;
    let version = match o.get("version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64()?),
    };
    let id = match o.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Some(Parsed { resource, number, version, id })
}

impl AppDb {
    /// Every row, by application and resource.
    pub fn rows(&self) -> impl Iterator<Item = (AppKind, &Name, &Record)> {
        self.rows.iter().map(|((k, n), r)| (*k, n, r))
    }

    /// One row.
    pub fn get(&self, kind: AppKind, resource: &str) -> Option<&Record> {
        self.rows.get(&(kind, Name::from(resource)))
    }

    /// Whether nothing was written or read yet.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// An instance with per-resource ordering starts on an event: it notes it in the shared
    /// database.
    pub fn received(&mut self, kind: AppKind, channel: &str, seq: u64, data: &str) {
        if let Some(ev) = parse(kind, data) {
            self.rows.entry((kind, ev.resource)).or_default().in_progress.insert((Name::from(channel), seq));
        }
    }

    /// Hands one processed event to the application. `ok` is the handler's result and
    /// `auto_acked` whether the client acked it before the work ran (async + auto ack).
    #[allow(clippy::too_many_arguments)]
    pub fn handle(&mut self, kind: AppKind, fixes: Fixes, channel: &str, seq: u64, data: &str, ok: bool, auto_acked: bool) -> Option<AppResult> {
        if kind == AppKind::None {
            return None;
        }
        let Some(ev) = parse(kind, data) else {
            return Some(AppResult {
                resource: Name::from(""),
                outcome: if ok { Outcome::Ignored } else { Outcome::Failed },
                version: None,
                before: 0,
                after: 0,
                anomalies: Vec::new(),
            });
        };
        let row = self.rows.entry((kind, ev.resource.clone())).or_default();
        let before = row.value;
        let mut res = AppResult { resource: ev.resource, outcome: Outcome::Applied, version: ev.version, before, after: before, anomalies: Vec::new() };
        if !ok {
            res.outcome = Outcome::Failed;
            if auto_acked {
                res.anomalies.push(Anomaly::Lost);
            }
            return Some(res);
        }
        let id = ev.id.unwrap_or_else(|| format!("{channel}#{seq}"));
        if fixes.ordered && row.in_progress.iter().any(|(c, s)| **c == *channel && *s < seq) {
            res.outcome = Outcome::Held;
            if auto_acked {
                res.anomalies.push(Anomaly::Lost);
            }
            return Some(res);
        }
        if fixes.version_check && ev.version.is_some_and(|v| v != row.version.saturating_add(1)) {
            res.outcome = Outcome::Rejected;
            if auto_acked {
                res.anomalies.push(Anomaly::Lost);
            }
            return Some(res);
        }
        let twice = row.ids.contains(&*id);
        if fixes.idempotent && twice {
            res.outcome = Outcome::Skipped;
            row.in_progress.remove(&(Name::from(channel), seq));
            return Some(res);
        }
        if twice {
            res.anomalies.push(Anomaly::AppliedTwice);
        }
        let out_of_order = match ev.version {
            Some(v) => v != row.version.saturating_add(1) && !twice,
            None => seq < row.last_seq && !twice,
        };
        if out_of_order {
            res.anomalies.push(Anomaly::OutOfOrder);
        }
        match kind {
            AppKind::Account => row.value = row.value.saturating_add(ev.number),
            AppKind::Tickets => row.value = ev.number,
            AppKind::None => {}
        }
        if let Some(v) = ev.version {
            if kind == AppKind::Tickets && v < row.version {
                res.anomalies.push(Anomaly::VersionWentBack);
            }
            row.version = v;
        } else {
            row.version = row.version.saturating_add(1);
        }
        if kind == AppKind::Account && row.value < 0 {
            res.anomalies.push(Anomaly::NegativeBalance);
        }
        row.applied += 1;
        row.last_seq = row.last_seq.max(seq);
        row.ids.insert(Name::from(id));
        row.in_progress.remove(&(Name::from(channel), seq));
        res.after = row.value;
        Some(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Fixes = Fixes { version_check: false, idempotent: false, ordered: false };
    const VERSIONED: Fixes = Fixes { version_check: true, idempotent: false, ordered: false };

    fn ev(amount: i64, version: u64, id: &str) -> String {
        format!(r#"{{"account":"a1","amount":{amount},"version":{version},"id":"{id}"}}"#)
    }

    #[test]
    fn the_course_story_out_of_order_goes_negative_without_a_version_check() {
        let mut db = AppDb::default();
        let r = db.handle(AppKind::Account, NONE, "c", 1, &ev(70, 1, "e1"), true, false).unwrap();
        assert_eq!((r.outcome, r.before, r.after, r.anomalies.clone()), (Outcome::Applied, 0, 70, vec![]));
        // -100 (version 3) overtakes +40 (version 2)
        let r = db.handle(AppKind::Account, NONE, "c", 3, &ev(-100, 3, "e3"), true, false).unwrap();
        assert_eq!((r.after, r.anomalies.clone()), (-30, vec![Anomaly::OutOfOrder, Anomaly::NegativeBalance]));
        let r = db.handle(AppKind::Account, NONE, "c", 2, &ev(40, 2, "e2"), true, false).unwrap();
        assert_eq!((r.after, r.anomalies.clone()), (10, vec![Anomaly::OutOfOrder]));
    }

    #[test]
    fn the_version_check_rejects_until_the_predecessor_is_applied() {
        let mut db = AppDb::default();
        db.handle(AppKind::Account, VERSIONED, "c", 1, &ev(70, 1, "e1"), true, false);
        let r = db.handle(AppKind::Account, VERSIONED, "c", 3, &ev(-100, 3, "e3"), true, false).unwrap();
        assert_eq!((r.outcome, r.after, r.outcome.acks()), (Outcome::Rejected, 70, false));
        db.handle(AppKind::Account, VERSIONED, "c", 2, &ev(40, 2, "e2"), true, false);
        let r = db.handle(AppKind::Account, VERSIONED, "c", 3, &ev(-100, 3, "e3"), true, false).unwrap();
        assert_eq!((r.outcome, r.before, r.after, r.anomalies.len()), (Outcome::Applied, 110, 10, 0));
        // a redelivery of version 3 is now stale: rejected, and acked by nobody
        let r = db.handle(AppKind::Account, VERSIONED, "c", 3, &ev(-100, 3, "e3"), true, false).unwrap();
        assert_eq!(r.outcome, Outcome::Rejected);
        assert_eq!(db.get(AppKind::Account, "a1").unwrap().version, 3);
    }

    #[test]
    fn a_duplicate_is_flagged_or_skipped_by_idempotency() {
        let mut db = AppDb::default();
        let body = r#"{"account":"a1","amount":70,"id":"e1"}"#;
        db.handle(AppKind::Account, NONE, "c", 1, body, true, false);
        let r = db.handle(AppKind::Account, NONE, "c", 1, body, true, false).unwrap();
        assert_eq!((r.after, r.anomalies.clone()), (140, vec![Anomaly::AppliedTwice]));
        let fixes = Fixes { version_check: false, idempotent: true, ordered: false };
        let r = db.handle(AppKind::Account, fixes, "c", 1, body, true, false).unwrap();
        assert_eq!((r.outcome, r.after), (Outcome::Skipped, 140));
    }

    #[test]
    fn a_failed_auto_acked_event_is_lost_and_a_ticket_version_can_go_back() {
        let mut db = AppDb::default();
        let r = db.handle(AppKind::Account, NONE, "c", 1, &ev(70, 1, "e1"), false, true).unwrap();
        assert_eq!((r.outcome, r.anomalies.clone()), (Outcome::Failed, vec![Anomaly::Lost]));
        let t = |p: i64, v: u64| format!(r#"{{"ticket":"t1","price":{p},"version":{v}}}"#);
        db.handle(AppKind::Tickets, NONE, "t", 1, &t(10, 1), true, false);
        db.handle(AppKind::Tickets, NONE, "t", 3, &t(30, 2), true, false);
        let r = db.handle(AppKind::Tickets, NONE, "t", 2, &t(20, 1), true, false).unwrap();
        assert_eq!((r.after, r.anomalies.clone()), (20, vec![Anomaly::OutOfOrder, Anomaly::VersionWentBack]));
        let r = db.handle(AppKind::Tickets, NONE, "t", 4, "not json", true, false).unwrap();
        assert_eq!(r.outcome, Outcome::Ignored);
        // a float amount, a negative version, a string amount: not events of this application
        for body in [r#"{"account":"a1","amount":1.5}"#, r#"{"account":"a1","amount":1,"version":-1}"#, r#"{"account":"a1","amount":"70"}"#] {
            assert_eq!(db.handle(AppKind::Account, NONE, "c", 5, body, true, false).unwrap().outcome, Outcome::Ignored);
        }
    }

    #[test]
    fn extreme_amounts_and_versions_saturate_instead_of_overflowing() {
        let mut db = AppDb::default();
        let max = format!(r#"{{"account":"a1","amount":{},"version":{}}}"#, i64::MAX, u64::MAX);
        db.handle(AppKind::Account, VERSIONED, "c", 1, &max, true, false);
        let r = db.handle(AppKind::Account, NONE, "c", 2, &max, true, false).unwrap();
        assert_eq!((r.after, r.anomalies.contains(&Anomaly::AppliedTwice)), (i64::MAX, false));
        let min = format!(r#"{{"account":"b","amount":{}}}"#, i64::MIN);
        db.handle(AppKind::Account, NONE, "c", 3, &min, true, false);
        let r = db.handle(AppKind::Account, NONE, "c", 4, &min, true, false).unwrap();
        assert_eq!(r.after, i64::MIN);
    }
}

#[cfg(test)]
mod ordering_tests {
    use super::*;

    #[test]
    fn per_resource_ordering_holds_a_later_event_while_an_earlier_one_is_unwritten() {
        let ordered = Fixes { version_check: false, idempotent: false, ordered: true };
        let a = |amount: i64| format!(r#"{{"account":"a1","amount":{amount}}}"#);
        let b = r#"{"account":"b2","amount":5}"#;
        let mut db = AppDb::default();
        for (seq, body) in [(1, a(70)), (2, a(40)), (3, b.to_string())] {
            db.received(AppKind::Account, "c", seq, &body);
        }
        // #1 fails: a1's #2 is held, b2's #3 is not
        assert_eq!(db.handle(AppKind::Account, ordered, "c", 1, &a(70), false, false).unwrap().outcome, Outcome::Failed);
        let held = db.handle(AppKind::Account, ordered, "c", 2, &a(40), true, false).unwrap();
        assert_eq!((held.outcome, held.outcome.acks(), held.after), (Outcome::Held, false, 0));
        assert_eq!(db.handle(AppKind::Account, ordered, "c", 3, b, true, false).unwrap().after, 5);
        // #1 comes back and is written; then #2 goes through
        db.received(AppKind::Account, "c", 1, &a(70));
        assert_eq!(db.handle(AppKind::Account, ordered, "c", 1, &a(70), true, false).unwrap().after, 70);
        let r = db.handle(AppKind::Account, ordered, "c", 2, &a(40), true, false).unwrap();
        assert_eq!((r.outcome, r.after, r.anomalies.len()), (Outcome::Applied, 110, 0));
        assert!(db.get(AppKind::Account, "a1").unwrap().in_progress.is_empty());
    }
}
