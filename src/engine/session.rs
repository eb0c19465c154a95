//! An interactive run: the scenario recorded so far, the simulator at the cursor, and
//! snapshots every [`SNAPSHOT_EVERY_MS`] so that seeking anywhere in a long run only replays
//! a few seconds. Acting at the cursor records the action there and discards every action
//! dated later (a fork), then replays deterministically. Used by the page; no web types.

use super::scenario::{Action, Scenario, Verb, MAX_UNTIL_MS};
use super::sim::{RunError, Sim};
use super::time::SimTime;
use crate::engine::vecmap::VecMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes runs: a new session or a fork gets a new number (views cache by it).
static GENERATION: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// Distance between snapshots.
pub const SNAPSHOT_EVERY_MS: u64 = 5_000;

/// The page's run: recorded scenario + simulator at the cursor + snapshots.
#[derive(Clone, Debug)]
pub struct Session {
    recorded: Scenario,
    sim: Sim,
    snapshots: VecMap<SimTime, Sim>,
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
        recorded.actions.sort_by_key(|a| a.at_ms);
        let sim = Sim::new(recorded.clone());
        let mut snapshots = VecMap::new();
        snapshots.insert(0, sim.clone());
        Session { recorded, sim, snapshots, horizon: 0, generation: next_generation() }
    }

    /// The simulator at the cursor.
    pub fn sim(&self) -> &Sim {
        &self.sim
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

    /// Runs forward to `t`, taking snapshots on the way.
    pub fn advance_to(&mut self, t: SimTime) -> Result<(), RunError> {
        loop {
            let now = self.sim.now();
            let next_snap = (now / SNAPSHOT_EVERY_MS + 1) * SNAPSHOT_EVERY_MS;
            let stop = next_snap.min(t).max(now);
            self.sim.run_until(stop)?;
            if stop == next_snap && !self.snapshots.contains_key(&stop) {
                self.snapshots.insert(stop, self.sim.clone());
            }
            if stop >= t {
                break;
            }
        }
        self.horizon = self.horizon.max(self.sim.now());
        Ok(())
    }

    /// Moves the cursor to `t`, backwards (from the nearest snapshot) or forwards.
    pub fn seek(&mut self, t: SimTime) -> Result<(), RunError> {
        if t < self.sim.now() {
            let (_, snap) = self.snapshots.up_to(&t).next_back().expect("a snapshot at 0");
            self.sim = snap.clone();
        }
        self.advance_to(t)
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
        let now = self.now();
        self.recorded.actions.retain(|a| a.at_ms <= now);
        self.recorded.actions.push(Action { at_ms: now, verb });
        let idx = self.recorded.actions.len() - 1;
        // Everything before `now` is unchanged: keep the snapshots strictly before it and replay
        // from the last of them with the new future.
        self.snapshots.retain(|t, _| *t < now);
        self.sim = match self.snapshots.iter().next_back() {
            Some((&from, base)) => {
                let mut sim = base.clone();
                sim.replace_future_actions(&self.recorded.actions, from);
                sim
            }
            None => Sim::new(self.recorded.clone()),
        };
        self.snapshots.entry(0).or_insert_with(|| self.sim.clone());
        self.horizon = 0;
        self.generation = next_generation();
        self.advance_to(now)?;
        Ok(idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::run_to_string;

    fn course() -> Scenario {
        Scenario::parse(include_str!("../../www/scenarios/course-queue-kill-0.17.json")).unwrap()
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
}
