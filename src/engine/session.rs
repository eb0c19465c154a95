//! An interactive run: the scenario recorded so far, the simulator at the cursor, and
//! checkpoints so that seeking anywhere in a long run only replays a little. Acting at the
//! cursor records the action there and forks: [`Session::act_all`] discards every action
//! dated later, [`Session::fork`] keeps the later ones the new actions leave meaningful
//! (see [`later_actions_after`]) and says which it dropped. Either replays
//! deterministically. Used by the page; no web types.
//!
//! The run's history (trace and log) exists once, inside the simulator at the cursor; a
//! checkpoint ([`Checkpoint`]) holds the state without it and the history's length then.
//! A seek, back or forth, restores the nearest checkpoint and replays; the history keeps
//! what lies after the cursor (the known future), and replaying steps over the known events
//! instead of appending them. Only a fork (acting at the cursor) drops the known future.
//! Checkpoints are taken on the 5 s grid ([`SNAPSHOT_EVERY_MS`]) once
//! [`SNAPSHOT_MIN_STEPS`] queue events happened since the last, and in busy stretches after
//! every [`SNAPSHOT_EVERY_EVENTS`] trace events (at an instant's end): a seek replays at
//! most about that many events, and a long quiet run keeps few checkpoints.

use super::history::Checkpoint;
use super::scenario::{Action, Scenario, Verb, MAX_UNTIL_MS};
use super::sim::{RunError, Sim};
use super::time::SimTime;
use crate::engine::ids::Name;
use crate::engine::vecmap::VecMap;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes runs: a new session or a fork gets a new number (views cache by it).
static GENERATION: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// Most virtual time between checkpoints.
pub const SNAPSHOT_EVERY_MS: u64 = 5_000;
/// Most trace events between checkpoints (in a stretch busier than this per 5 s): a seek
/// replays at most about this many (~4 ms of wasm). A checkpoint is cheap, since the
/// channels' stored messages are shared between checkpoints (`broker::channel::Msgs`).
pub const SNAPSHOT_EVERY_EVENTS: u64 = 12_500;
/// Fewest queue events between checkpoints on the 5 s grid: a quiet run (heartbeats only)
/// replays cheaply, so it keeps few checkpoints and its memory follows its trace, not its
/// duration.
pub const SNAPSHOT_MIN_STEPS: u64 = 2_000;

/// The page's run: recorded scenario + simulator at the cursor + checkpoints.
#[derive(Debug)]
pub struct Session {
    recorded: Scenario,
    sim: Sim,
    snapshots: VecMap<SimTime, Checkpoint>,
    /// The furthest time simulated since the last fork (the end of the scrub bar).
    horizon: SimTime,
    generation: u64,
}

impl Session {
    /// A session over `scenario`; its actions are the recording so far.
    pub fn new(scenario: Scenario) -> Session {
        let mut recorded = scenario;
        recorded.until_ms = MAX_UNTIL_MS;
        // In time order (stable: same-time actions keep their order), so that "everything up
        // to the cursor" is a prefix of the recording.
        // (Sorted as (time, index) pairs: the type the broker sorts its pending messages as,
        // so the page carries one sort, not two.)
        let mut order: Vec<(i64, u64)> = recorded.actions.iter().enumerate().map(|(i, a)| (a.at_ms as i64, i as u64)).collect();
        order.sort_unstable();
        let mut slots: Vec<Option<Action>> = std::mem::take(&mut recorded.actions).into_iter().map(Some).collect();
        recorded.actions = order.iter().filter_map(|&(_, i)| slots[i as usize].take()).collect();
        let mut sim = Sim::new(recorded.clone());
        let mut snapshots = VecMap::new();
        snapshots.insert(0, Checkpoint::of(&mut sim));
        Session { recorded, sim, snapshots, horizon: 0, generation: next_generation() }
    }

    /// The simulator at the cursor.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }
    /// Replaces the simulator's run limits (kept across seeks and forks).
    pub fn set_limits(&mut self, limits: super::sim::RunLimits) {
        self.sim.set_limits(limits);
        for (_, c) in self.snapshots.iter_mut() {
            c.state_mut().set_limits(limits);
        }
    }
    /// The cursor.
    pub fn now(&self) -> SimTime {
        self.sim.now()
    }
    /// Changes whenever the run's past can have changed (a fork); not when it only grows or
    /// is rewound.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The furthest time reached since the last fork.
    pub fn horizon(&self) -> SimTime {
        self.horizon.max(self.now())
    }
    /// The recording as a scenario that reproduces this run up to `until_ms`.
    pub fn export(&self, until_ms: SimTime) -> Scenario {
        let mut s = self.recorded.clone();
        s.until_ms = until_ms.max(s.actions.iter().map(|a| a.at_ms).max().unwrap_or(0));
        s
    }
    /// The recorded actions.
    pub fn actions(&self) -> &[Action] {
        &self.recorded.actions
    }

    /// Runs forward to `t`, taking checkpoints on the way.
    pub fn advance_to(&mut self, t: SimTime) -> Result<(), RunError> {
        while !self.advance_some(t, u64::MAX)? {}
        Ok(())
    }

    /// Runs forward towards `t`, stopping at the end of an instant once about `budget` trace
    /// events were produced (so that the page can simulate in slices). Returns whether `t`
    /// was reached.
    pub fn advance_some(&mut self, t: SimTime, budget: u64) -> Result<bool, RunError> {
        let start = self.sim.emitted();
        loop {
            let now = self.sim.now();
            let (&last_at, last) = self.snapshots.up_to(&now).next_back().expect("a checkpoint at 0");
            let (last_events, last_steps) = (last.mark().trace as u64, last.state().steps());
            let next_snap = (now / SNAPSHOT_EVERY_MS + 1) * SNAPSHOT_EVERY_MS;
            let stop = next_snap.min(t);
            let left = budget.saturating_sub(self.sim.emitted() - start);
            let events_to_snap = (last_events + SNAPSHOT_EVERY_EVENTS).saturating_sub(self.sim.seen().trace as u64);
            let reached = self.sim.run_until_or(stop, left.min(events_to_snap.max(1)))?;
            let here = self.sim.now();
            let events = self.sim.seen().trace as u64 - last_events;
            let steps = self.sim.steps() - last_steps;
            // A checkpoint where replaying from the last one would cost: on the 5 s grid once
            // enough happened since, or anywhere (at an instant's end) in a busy stretch.
            let due = (reached && stop == next_snap && steps >= SNAPSHOT_MIN_STEPS) || events >= SNAPSHOT_EVERY_EVENTS;
            if due && here > last_at && !self.snapshots.contains_key(&here) {
                let cp = Checkpoint::of(&mut self.sim);
                self.snapshots.insert(here, cp);
            }
            self.horizon = self.horizon.max(here);
            if reached && stop >= t {
                return Ok(true);
            }
            if self.sim.emitted() - start >= budget {
                return Ok(false);
            }
        }
    }

    /// Moves the cursor to `t`, backwards or forwards, from the nearest checkpoint.
    pub fn seek(&mut self, t: SimTime) -> Result<(), RunError> {
        self.rewind(t);
        self.advance_to(t)
    }

    /// Puts the simulator at the last checkpoint at or before `t`, when that is earlier than
    /// the cursor or between the cursor and `t` (a jump over the known future); the history
    /// is kept whole, never copied. [`Session::advance_to`] or [`Session::advance_some`] then
    /// replays to `t`.
    pub fn rewind(&mut self, t: SimTime) {
        let now = self.sim.now();
        if t == now {
            return;
        }
        let Some((&at, cp)) = self.snapshots.up_to(&t).next_back() else { return };
        // Every kept checkpoint lies within the history (a fork drops the later ones).
        if t < now || at > now {
            self.sim = cp.restore(&mut self.sim);
        }
    }

    /// Runs to the next instant with events (at most `limit`); returns the new cursor.
    pub fn step(&mut self, limit: SimTime) -> Result<SimTime, RunError> {
        match self.sim.next_event_time() {
            Some(t) if t <= limit => self.advance_to(t).map(|_| self.now()),
            _ => Ok(self.now()),
        }
    }

    /// Records `verb` at the cursor, discarding later actions (a fork), and replays.
    pub fn act(&mut self, verb: Verb) -> Result<usize, RunError> {
        self.act_all(vec![verb])
    }

    /// Records `verbs` at the cursor in order, discarding later actions (a fork), and
    /// replays once. Returns the index of the first.
    pub fn act_all(&mut self, verbs: Vec<Verb>) -> Result<usize, RunError> {
        self.record(verbs, Vec::new())
    }

    /// Records `verbs` at the cursor in order and replays once, keeping the actions dated
    /// later that the new ones leave meaningful ([`later_actions_after`]): the page's
    /// gestures, so that changing a listener's options at 2 s keeps the example's scripted
    /// `kill` at 5.5 s. Returns what happened to the later actions.
    pub fn fork(&mut self, verbs: Vec<Verb>) -> Result<Fork, RunError> {
        let now = self.now();
        let later: Vec<Action> = self.recorded.actions.iter().filter(|a| a.at_ms > now).cloned().collect();
        let past = self.recorded.actions.iter().filter(|a| a.at_ms <= now).map(|a| &a.verb);
        let (kept, dropped) = later_actions_after(past, &verbs, later);
        let first = self.record(verbs, kept.clone())?;
        Ok(Fork { first, kept, dropped })
    }

    fn record(&mut self, verbs: Vec<Verb>, later: Vec<Action>) -> Result<usize, RunError> {
        let now = self.now();
        self.recorded.actions.retain(|a| a.at_ms <= now);
        let idx = self.recorded.actions.len();
        self.recorded.actions.extend(verbs.into_iter().map(|verb| Action { at_ms: now, verb }));
        self.recorded.actions.extend(later);
        // Everything before `now` is unchanged: keep the checkpoints strictly before it and
        // replay from the last of them with the new future.
        self.snapshots.retain(|t, _| *t < now);
        let limits = self.sim.limits();
        // Every kept checkpoint gets the new future too, so that seeking back before the
        // fork and playing on past it runs the new actions, not the discarded ones.
        for (&from, cp) in self.snapshots.iter_mut() {
            cp.state_mut().replace_future_actions(&self.recorded.actions, from);
        }
        // The run forks here: the replay starts from the checkpoint with a fresh tail (the new
        // actions run at `now` before internal events of that instant the old run recorded).
        let restored = self.snapshots.iter().next_back().map(|(_, cp)| {
            let mut sim = cp.restore(&mut self.sim);
            sim.forget_future();
            sim
        });
        self.sim = match restored {
            Some(sim) => sim,
            None => {
                let mut sim = Sim::new(self.recorded.clone());
                sim.set_limits(limits);
                self.snapshots.insert(0, Checkpoint::of(&mut sim));
                sim
            }
        };
        self.horizon = 0;
        self.generation = next_generation();
        self.advance_to(now)?;
        Ok(idx)
    }
}

/// What a [`Session::fork`] did: the index of the first new action, and the actions dated
/// later that it kept and dropped (in time order).
#[derive(Clone, Debug, PartialEq)]
pub struct Fork {
    /// Index of the first new action in the recording.
    pub first: usize,
    /// Later actions still recorded.
    pub kept: Vec<Action>,
    /// Later actions discarded.
    pub dropped: Vec<Action>,
}

/// Splits the actions dated after a fork into those kept and those dropped. `past` are the
/// recorded verbs up to the fork, `new` the verbs recorded at it. A later action is dropped
/// when it names what the new verbs ended and nothing later brought back: a client they
/// killed or closed (until a later `connect` of that id), or a subscription handle they
/// closed or unsubscribed, or one of a client they ended. Everything else (publishes,
/// other clients, the server's restart) keeps its time: the run goes on as scripted, with
/// the change.
pub fn later_actions_after<'a>(past: impl IntoIterator<Item = &'a Verb>, new: &'a [Verb], later: Vec<Action>) -> (Vec<Action>, Vec<Action>) {
    // Subscription handles by client, up to the fork (a client's handles die with it).
    let mut handles: Vec<(&str, &Name)> = Vec::new();
    for v in past.into_iter().chain(new) {
        if let Verb::Subscribe(s) = v {
            handles.push((&s.client, &s.sub));
        }
    }
    let (mut ended_clients, mut ended_subs): (HashSet<Name>, HashSet<Name>) = Default::default();
    for v in new {
        match v {
            Verb::Kill { client } | Verb::Close { client } => {
                ended_clients.insert(client.clone());
                ended_subs.extend(handles.iter().filter(|(c, _)| *c == &**client).map(|(_, h)| Name::clone(h)));
            }
            Verb::Connect { client, .. } => {
                ended_clients.remove(&**client);
            }
            Verb::Unsubscribe { sub } | Verb::CloseSub { sub } => {
                ended_subs.insert(sub.clone());
            }
            _ => {}
        }
    }
    let (mut kept, mut dropped) = (Vec::new(), Vec::new());
    for a in later {
        let drop = match &a.verb {
            Verb::Connect { client, .. } => {
                ended_clients.remove(&**client);
                false
            }
            Verb::RestartServer => false,
            Verb::Publish { client, .. } | Verb::Close { client } | Verb::Kill { client } | Verb::Pause { client, .. } => ended_clients.contains(&**client),
            Verb::Subscribe(s) => {
                let gone = ended_clients.contains(&*s.client);
                if gone {
                    ended_subs.insert(s.sub.clone());
                }
                gone
            }
            Verb::Behave { sub, .. } | Verb::Unsubscribe { sub } | Verb::CloseSub { sub } => ended_subs.contains(&**sub),
        };
        if drop {
            dropped.push(a);
        } else {
            kept.push(a);
        }
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::run_to_string;

    fn course() -> Scenario {
        Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.17.json")).unwrap()
    }

    #[test]
    fn a_fork_at_2s_in_the_course_example_keeps_its_scripted_kill_of_l1_at_5_5s() {
        // Manual ack off for l1's subscription at 2 s: s1 closed, s3 subscribed.
        let mut s = Session::new(course());
        s.advance_to(2_000).unwrap();
        let Verb::Subscribe(mut spec) = s.actions()[3].verb.clone() else { panic!("s1 is the fourth action") };
        spec.sub = "s3".into();
        spec.manual_ack = false;
        let fork = s.fork(vec![Verb::CloseSub { sub: "s1".into() }, Verb::Subscribe(spec)]).unwrap();
        assert_eq!(fork.first, 6, "after the 5 actions at 0 and the publish at 1 s");
        assert!(fork.dropped.is_empty());
        assert_eq!(fork.kept, vec![Action { at_ms: 5_500, verb: Verb::Kill { client: "l1".into() } }]);
        assert_eq!(
            s.actions().iter().map(|a| (a.at_ms, a.verb.name())).collect::<Vec<_>>()[5..],
            [(1_000, "publish"), (2_000, "close_sub"), (2_000, "subscribe"), (5_500, "kill")]
        );
        s.advance_to(6_000).unwrap();
        assert!(s.sim().trace().iter().any(|e| e.t == 5_500 && e.kind.name() == "killed"), "the kill still happens at 5.5 s");
    }

    #[test]
    fn a_kept_later_subscribe_is_found_by_its_handle_after_the_fork_moves_it() {
        let sc = Scenario::parse(
            r#"{"until_ms": 9000, "actions": [
            {"at_ms": 0, "do": "connect", "client": "a"},
            {"at_ms": 5000, "do": "subscribe", "client": "a", "sub": "late", "channel": "c", "manual_ack": true}]}"#,
        )
        .unwrap();
        let mut s = Session::new(sc);
        s.advance_to(6_000).unwrap();
        assert_eq!(s.sim().subscribe_spec("late").map(|x| (&*x.client, x.manual_ack)), Some(("a", true)));
        s.rewind(2_000);
        s.advance_to(2_000).unwrap();
        assert_eq!(s.now(), 2_000);
        let fork = s.fork(vec![Verb::Connect { client: "b".into(), ping_interval_ms: 5_000, ping_max_out: 3, cluster_id: None }]).unwrap();
        assert_eq!(fork.kept.len(), 1);
        s.advance_to(6_000).unwrap();
        // The subscribe is now the third action, not the second.
        assert_eq!(s.actions().iter().position(|a| a.verb.name() == "subscribe"), Some(2));
        assert_eq!(s.sim().subscribe_spec("late").map(|x| (&*x.client, &*x.channel)), Some(("a", "c")));
        assert_eq!(s.sim().subscribe_spec("nope").map(|x| x.manual_ack), None);
    }

    #[test]
    fn a_fork_drops_the_later_actions_that_name_what_it_ended() {
        let mut s = Session::new(course());
        s.advance_to(3_000).unwrap();
        // Killing l1 at 3 s: the scripted kill of l1 at 5.5 s has nothing left to kill.
        let fork = s.fork(vec![Verb::Kill { client: "l1".into() }]).unwrap();
        assert_eq!(fork.dropped, vec![Action { at_ms: 5_500, verb: Verb::Kill { client: "l1".into() } }]);
        assert!(fork.kept.is_empty());
        // The older API still discards every later action.
        let mut s = Session::new(course());
        s.advance_to(2_000).unwrap();
        s.act_all(vec![Verb::Pause { client: "l2".into(), duration_ms: 100 }]).unwrap();
        assert_eq!(s.actions().last().map(|a| (a.at_ms, a.verb.name())), Some((2_000, "pause")));
    }

    #[test]
    fn later_actions_come_back_with_a_later_connect_of_the_same_id() {
        let sub = |c: &str, h: &str| {
            let mut spec =
                match Scenario::parse(&format!(r#"{{"until_ms":1,"actions":[{{"at_ms":0,"do":"subscribe","client":"{c}","sub":"{h}","channel":"x"}}]}}"#))
                    .unwrap()
                    .actions
                    .remove(0)
                    .verb
                {
                    Verb::Subscribe(s) => s,
                    _ => unreachable!(),
                };
            spec.client = c.into();
            Verb::Subscribe(spec)
        };
        let at = |t: u64, verb: Verb| Action { at_ms: t, verb };
        let connect = |c: &str| Verb::Connect { client: c.into(), ping_interval_ms: 5_000, ping_max_out: 3, cluster_id: None };
        let past = [connect("a"), sub("a", "s1"), connect("b"), sub("b", "s2")];
        let later = vec![
            at(4, Verb::Behave { sub: "s1".into(), patch: Default::default() }),
            at(5, Verb::Unsubscribe { sub: "s2".into() }),
            at(6, Verb::Publish { client: "a".into(), channel: "x".into(), data: "d".into(), count: 1, every_ms: 0, template: false }),
            at(7, connect("a")),
            at(8, sub("a", "s3")),
            at(9, Verb::Unsubscribe { sub: "s1".into() }),
            at(10, Verb::Close { client: "a".into() }),
        ];
        let (kept, dropped) = later_actions_after(&past, &[Verb::Kill { client: "a".into() }, Verb::CloseSub { sub: "s2".into() }], later);
        assert_eq!(kept.iter().map(|a| a.at_ms).collect::<Vec<_>>(), [7, 8, 10], "a's reconnect, its new subscription and its close");
        assert_eq!(dropped.iter().map(|a| a.at_ms).collect::<Vec<_>>(), [4, 5, 6, 9], "a's old handle s1 (twice), the closed s2, a's publish while dead");
    }

    #[test]
    fn seeking_back_and_forth_gives_the_same_state_as_running_straight() {
        let mut s = Session::new(course());
        s.advance_to(40_000).unwrap();
        let straight = serde_json::to_string(&s.sim().monitor()).unwrap();
        let trace_len = s.sim().trace().len();
        s.seek(12_345).unwrap();
        assert_eq!(s.now(), 12_345);
        assert!(s.sim().trace().len() < trace_len);
        s.seek(40_000).unwrap();
        assert_eq!(serde_json::to_string(&s.sim().monitor()).unwrap(), straight);
        assert_eq!(s.sim().trace().len(), trace_len);
        assert_eq!(s.horizon(), 40_000);
    }

    #[test]
    fn the_pages_json_writers_write_what_serde_json_writes() {
        let mut s = Session::new(course());
        s.advance_to(40_000).unwrap();
        let m = s.sim().monitor();
        let compact = crate::json::write::compact(&m.json());
        assert_eq!(compact, serde_json::to_string(&m).unwrap());
        assert_eq!(crate::json::write::pretty(&m.json()), serde_json::to_string_pretty(&m).unwrap());
        assert!(compact.starts_with("{\"serverz\":{") && compact.len() > 1000, "{compact}");
        let trace = s.sim().trace();
        assert!(trace.len() > 100, "{} events", trace.len());
        let lines: Vec<String> = trace.iter().map(crate::engine::TraceEvent::to_json).collect();
        assert_eq!(crate::engine::trace::events_json(trace), format!("[{}]", lines.join(",")));
        assert_eq!(crate::engine::trace::events_json(&trace[..0]), "[]");
        // Each line reads back and is written again unchanged (the CLI's golden traces check
        // the text itself).
        for l in &lines {
            assert_eq!(&crate::json::write::compact(&crate::json::parse(l).unwrap()), l);
        }
        assert_eq!(lines[0], r#"{"t":0,"event":"connected","client":"pub","replaced":false}"#);
    }

    #[test]
    fn acting_in_the_past_discards_the_future_and_the_export_reproduces_the_run() {
        let mut s = Session::new(course());
        s.advance_to(30_000).unwrap();
        s.seek(4_000).unwrap();
        // Close l1 gracefully instead of the kill at 5.5 s: the kill is discarded.
        s.act(Verb::Close { client: "l1".into() }).unwrap();
        assert!(s.actions().iter().all(|a| a.at_ms <= 4_000));
        s.advance_to(20_000).unwrap();
        let closed = s.sim().trace().iter().find(|e| e.kind.name() == "client_closed").unwrap();
        assert_eq!(closed.t, 4_000);
        assert!(s.sim().trace().iter().all(|e| e.kind.name() != "killed"));
        // The exported scenario, run headlessly, gives the very same trace.
        let mut replay = Sim::new(s.export(20_000));
        let out = run_to_string(&mut replay).unwrap();
        let mut again = Sim::new(s.export(20_000));
        again.run().unwrap();
        assert_eq!(again.trace(), s.sim().trace());
        assert!(out.contains("\"client_closed\""));
    }

    #[test]
    fn step_moves_to_the_next_instant_with_events() {
        let mut s = Session::new(course());
        assert_eq!(s.step(u64::MAX).unwrap(), 0);
        assert_eq!(s.step(u64::MAX).unwrap(), 1_000);
        assert_eq!(s.step(500).unwrap(), 1_000, "nothing due before the limit");
    }

    #[test]
    fn acting_at_time_zero_and_on_an_unsorted_import() {
        let mut sc = course();
        sc.actions.reverse();
        let mut s = Session::new(sc);
        s.act(Verb::Connect { client: "extra".into(), ping_interval_ms: 5000, ping_max_out: 3, cluster_id: None }).unwrap();
        s.advance_to(40_000).unwrap();
        let mut straight = Sim::new(s.export(40_000));
        straight.run().unwrap();
        assert_eq!(straight.trace(), s.sim().trace());
        assert!(s.sim().trace().iter().any(|e| e.kind.name() == "connected" && e.kind.client().is_some_and(|c| &**c == "extra")));
    }

    #[test]
    fn seeking_back_before_a_fork_and_playing_on_runs_the_new_future_not_the_discarded_one() {
        let mut s = Session::new(course());
        s.advance_to(12_000).unwrap();
        s.seek(4_000).unwrap();
        s.act(Verb::Close { client: "l1".into() }).unwrap();
        s.advance_to(20_000).unwrap();
        // Back to 2 s (a checkpoint before the fork), then on past the discarded kill at 5.5 s.
        s.seek(2_000).unwrap();
        s.advance_to(20_000).unwrap();
        let names: Vec<(u64, &str)> = s.sim().trace().iter().map(|e| (e.t, e.kind.name())).filter(|(_, n)| *n == "client_closed" || *n == "killed").collect();
        assert_eq!(names, vec![(4_000, "client_closed")]);
        let mut straight = Sim::new(s.export(20_000));
        straight.run().unwrap();
        assert_eq!(straight.trace(), s.sim().trace());
    }

    #[test]
    fn checkpoints_hold_no_history_and_slices_give_the_same_trace_as_one_run() {
        // The course alone is quiet (a few hundred steps): it keeps only the checkpoint at 0.
        let mut quiet = Session::new(course());
        quiet.advance_to(40_000).unwrap();
        assert_eq!(quiet.snapshots.keys().copied().collect::<Vec<_>>(), vec![0]);
        // With 12,500 more publishes, one every 2 ms from 100 ms (~10,000 events per 5 s,
        // fewer than SNAPSHOT_EVERY_EVENTS), every 5 s grid point is due.
        let mut sc = course();
        sc.actions.push(Action {
            at_ms: 100,
            verb: Verb::Publish { client: "pub".into(), channel: "ticket:created".into(), data: "x".into(), count: 12_500, every_ms: 2, template: false },
        });
        let mut s = Session::new(sc);
        let mut slices = 0;
        while !s.advance_some(40_000, 7).unwrap() {
            slices += 1;
        }
        assert!(slices > 1_000, "a budget of 7 events cuts the run into many slices ({slices})");
        let mut straight = Sim::new(s.export(40_000));
        straight.run().unwrap();
        assert_eq!(straight.trace(), s.sim().trace());
        assert_eq!(straight.server_log(), s.sim().server_log());
        // Checkpoints at 0, 5, 10, ... 25 s (busy), then none in the quiet end; none carries a
        // trace or a log.
        assert_eq!(s.snapshots.keys().copied().collect::<Vec<_>>(), (0..=5).map(|i| i * 5_000).collect::<Vec<_>>());
        assert!(s.snapshots.values().all(|c| c.state().history().trace.is_empty() && c.state().history().log.is_empty()));
        // Seeking back truncates the one history; forward again rebuilds the same one.
        let len = s.sim().trace().len();
        s.seek(7_500).unwrap();
        assert_eq!(s.sim().trace(), &straight.trace()[..s.sim().trace().len()]);
        assert!(s.sim().trace().iter().all(|e| e.t <= 7_500) && s.sim().trace().len() < len);
        s.seek(40_000).unwrap();
        assert_eq!(s.sim().trace(), straight.trace());
    }

    #[test]
    fn a_busy_stretch_gets_a_checkpoint_every_so_many_events() {
        let mut sc = course();
        // 200,000 publishes in 2 s: far more than SNAPSHOT_EVERY_EVENTS between grid points.
        sc.actions.push(Action {
            at_ms: 100,
            verb: Verb::Publish { client: "pub".into(), channel: "ticket:created".into(), data: "x".into(), count: 200_000, every_ms: 0, template: false },
        });
        let mut s = Session::new(sc);
        s.advance_to(5_000).unwrap();
        let marks: Vec<usize> = s.snapshots.values().map(|c| c.mark().trace).collect();
        assert!(marks.windows(2).all(|w| w[1] > w[0]));
        // Everything at 100 ms is one instant: it cannot be split, so the next checkpoint
        // follows the instant; after it, at most SNAPSHOT_EVERY_EVENTS apart again.
        assert!(s.snapshots.contains_key(&100), "{:?}", s.snapshots.keys().collect::<Vec<_>>());
    }

    #[test]
    fn acting_at_an_instant_whose_internal_events_already_ran_gives_the_straight_run() {
        let mut s = Session::new(course());
        // Step to instants with events (heartbeats, acks, timers), then act exactly there.
        for _ in 0..30 {
            s.step(u64::MAX).unwrap();
        }
        let at = s.now();
        assert!(s.sim().trace().iter().any(|e| e.t == at), "events at the cursor {at}");
        s.act(Verb::Kill { client: "l2".into() }).unwrap();
        s.advance_to(30_000).unwrap();
        let mut straight = Sim::new(s.export(30_000));
        straight.run().unwrap();
        assert_eq!(straight.trace(), s.sim().trace());
        assert_eq!(straight.server_log(), s.sim().server_log());
    }
}
