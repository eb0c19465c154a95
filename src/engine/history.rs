//! The run's history — its trace and the server's `-SD` log — owned once, and the
//! checkpoints that point into it.
//!
//! A [`Checkpoint`] is the simulator's state at one instant *without* its history, plus the
//! history's length at that instant. Restoring one moves the live history into the restored
//! state, which then owns a history longer than what it has produced: the rest is the known
//! future, which replaying steps over event by event (it is the same run). Seeking never
//! copies the history, so memory grows with the trace (linearly), never with the number of
//! checkpoints times the trace. Only a fork drops the known future.
//! Owns no rule of either model; never reads a clock.

use super::sim::Sim;
use super::time::SimTime;
use super::trace::TraceEvent;

/// What the run produced so far: trace events and `-SD` log lines, in emission order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Trace events, in order.
    pub trace: Vec<TraceEvent>,
    /// The server's `-SD` log lines with their times.
    pub log: Vec<(SimTime, String)>,
}

impl History {
    /// Drops everything after `m` (keeps the allocation, so replaying forward again reuses it).
    pub fn truncate(&mut self, m: Mark) {
        self.trace.truncate(m.trace);
        self.log.truncate(m.log);
    }
}

/// A length of the history: how many trace events and log lines it held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    /// Trace events.
    pub trace: usize,
    /// Log lines.
    pub log: usize,
}

/// The simulator at one instant, without its history, and where its history ended.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    state: Sim,
    mark: Mark,
}

impl Checkpoint {
    /// Takes a checkpoint of `sim` (its history is lent out and put back, never copied).
    pub fn of(sim: &mut Sim) -> Checkpoint {
        let history = std::mem::take(sim.history_mut());
        let mark = sim.seen();
        let state = sim.clone();
        *sim.history_mut() = history;
        Checkpoint { state, mark }
    }
    /// The history's length at the checkpoint.
    pub fn mark(&self) -> Mark {
        self.mark
    }
    /// The state as of the checkpoint, taking over `live`'s whole history (what lies after
    /// the checkpoint becomes its known future). `live` must be the same run, with a history
    /// at least as long as the checkpoint's.
    pub fn restore(&self, live: &mut Sim) -> Sim {
        let history = std::mem::take(live.history_mut());
        debug_assert!(history.trace.len() >= self.mark.trace, "restore from a checkpoint past the history");
        let mut sim = self.state.clone();
        *sim.history_mut() = history;
        sim
    }
    /// The state itself (its history is empty).
    pub fn state(&self) -> &Sim {
        &self.state
    }
    /// Mutable state, for rewriting the future of a fork.
    pub fn state_mut(&mut self) -> &mut Sim {
        &mut self.state
    }
}
