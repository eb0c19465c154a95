//! A JetStream run as the page plays it: the whole run computed once (within the page's
//! limits), its history kept once, and the simulator state at checkpoints without their
//! trace, so a seek is a checkpoint's clone and at most one step of simulation.

use super::scenario::JsScenario;
use super::sim::JsSim;
use super::trace::{JsEvent, JsKind};
use crate::engine::ids::Name;
use crate::engine::sim::{RunError, RunLimits};
use crate::engine::time::SimTime;

/// At most this many checkpoints (their spacing grows with the run).
const MAX_CHECKPOINTS: u64 = 200;

/// A computed JetStream run.
#[derive(Clone, Debug)]
pub struct JsSession {
    scenario: JsScenario,
    history: Vec<JsEvent>,
    checkpoints: Vec<(SimTime, JsSim)>,
    step: SimTime,
    end: SimTime,
    error: Option<RunError>,
    publishers: Vec<(Name, Name, SimTime)>,
}

impl JsSession {
    /// Runs `scenario` to its end (or to the first limit it passes, which [`JsSession::error`]
    /// then names; the run is kept up to there).
    pub fn new(scenario: JsScenario, limits: RunLimits) -> JsSession {
        let until = scenario.until_ms;
        let step = (until / MAX_CHECKPOINTS).max(1000);
        let mut sim = JsSim::new(scenario.clone());
        sim.set_limits(limits);
        let mut s = JsSession { scenario, history: Vec::new(), checkpoints: vec![(0, sim.clone())], step, end: 0, error: None, publishers: Vec::new() };
        let mut t = 0;
        loop {
            t = (t + step).min(until);
            let r = sim.run_until(t);
            for e in sim.take_trace() {
                if let JsKind::Published { client, stream, .. } = &e.kind {
                    if !s.publishers.iter().any(|(c, st, _)| c == client && st == stream) {
                        s.publishers.push((client.clone(), stream.clone(), e.t));
                    }
                }
                s.history.push(e);
            }
            if let Err(e) = r {
                s.end = e.at;
                s.error = Some(e);
                break;
            }
            s.end = t;
            if t >= until {
                break;
            }
            s.checkpoints.push((t, sim.clone()));
        }
        s
    }

    /// The scenario.
    pub fn scenario(&self) -> &JsScenario {
        &self.scenario
    }
    /// Where the run ends (its `until_ms`, or where a limit stopped it).
    pub fn end(&self) -> SimTime {
        self.end
    }
    /// Why the run stopped early.
    pub fn error(&self) -> Option<&RunError> {
        self.error.as_ref()
    }
    /// Every event of the run.
    pub fn history(&self) -> &[JsEvent] {
        &self.history
    }
    /// The events at or before `t`.
    pub fn events_until(&self, t: SimTime) -> &[JsEvent] {
        &self.history[..self.history.partition_point(|e| e.t <= t)]
    }
    /// (client, stream, first time) of every client that published into a stream.
    pub fn publishers(&self) -> &[(Name, Name, SimTime)] {
        &self.publishers
    }

    /// The simulator as it is at `t` (everything due at or before `t` done).
    pub fn at(&self, t: SimTime) -> JsSim {
        let t = t.min(self.end);
        let i = self.checkpoints.partition_point(|(c, _)| *c <= t).saturating_sub(1);
        let mut sim = self.checkpoints[i].1.clone();
        let _ = sim.run_until(t);
        sim.take_trace();
        sim
    }

    /// The spacing of checkpoints (the most a seek simulates).
    pub fn checkpoint_step(&self) -> SimTime {
        self.step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seek_gives_the_state_a_run_from_zero_gives_and_the_history_is_kept_once() {
        let sc = JsScenario::parse(include_str!("../../../tests/jetstream/scenarios/group-kill.json")).unwrap();
        let s = JsSession::new(sc.clone(), RunLimits::default());
        assert_eq!(s.end(), 3200);
        assert!(s.error().is_none());
        let mut whole = JsSim::new(sc);
        whole.run().unwrap();
        assert_eq!(s.history(), whole.trace(), "the session keeps the run's trace, once");
        for t in [0, 99, 100, 600, 2101, 2150, 3200] {
            let a = s.at(t);
            assert_eq!(a.now(), t);
            let mut b = JsSim::new(s.scenario().clone());
            b.run_until(t).unwrap();
            assert_eq!(format!("{:?}", a.server().consumers), format!("{:?}", b.server().consumers), "consumer state at {t}");
            assert_eq!(a.clients(), b.clients(), "clients at {t}");
            assert_eq!(s.events_until(t).len(), b.trace().len(), "events up to {t}");
        }
        assert_eq!(s.at(700).clients().iter().find(|c| &*c.0 == "l1").unwrap().1, "killed");
        assert_eq!(s.publishers().len(), 1);
        assert_eq!(s.at(150).handle_views().len(), 2);
    }

    #[test]
    fn a_run_past_the_page_limit_stops_there_with_the_reason() {
        let sc = JsScenario::parse(include_str!("../../../tests/jetstream/scenarios/ackwait.json")).unwrap();
        let s = JsSession::new(sc, RunLimits { max_trace: 5, max_steps: 1000 });
        assert!(s.error().unwrap().message.contains("more than 5 trace events"), "{:?}", s.error());
        assert!(s.end() < 3500);
    }
}
