//! The event queue's entry, shared by both routers (`sim.rs`, `jetstream/sim.rs`): events
//! ordered by `(time, class, order, repetition)` — class 0 scripted actions in array order,
//! class 1 internal events FIFO.

use super::time::SimTime;
use std::cmp::Ordering;

/// One queued event with its ordering key.
#[derive(Clone, Debug)]
pub(crate) struct Entry<E> {
    pub(crate) key: (SimTime, u8, u64, u64),
    pub(crate) ev: E,
}
impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, o: &Self) -> Ordering {
        self.key.cmp(&o.key)
    }
}
