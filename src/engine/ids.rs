//! Identifiers: the simulator's own handles (`ProcId`, `SubId`, `HandleId`) and NUIDs, the
//! 22-character unique ids that nats.go / node-nats make for inboxes, server ids, connection
//! ids and publish GUIDs. NUIDs here are drawn from the scenario's seed, never from the OS.

use super::rng::Rng;
use std::fmt;
use std::sync::Arc;

/// Shared, cheaply cloned name (client id, channel, handle, queue group).
pub type Name = Arc<str>;

/// A client process (one `connect`): a new process each time a client id connects again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProcId(pub u32);

/// A subscription record on the server (stable across durable resumes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubId(pub u32);

/// A scenario subscription handle (the `sub` field), as an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HandleId(pub u32);

impl fmt::Display for ProcId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}
impl fmt::Display for SubId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PRE_LEN: usize = 12;
const SEQ_LEN: usize = 10;
const MAX_SEQ: u64 = 839_299_365_868_340_224; // 62^10
const MIN_INC: u64 = 33;
const MAX_INC: u64 = 333;

/// The NUID algorithm of nats-io/nuid: a random 12-character prefix and a 10-character
/// sequence advanced by a random increment.
#[derive(Clone, Debug)]
pub struct Nuid {
    pre: [u8; PRE_LEN],
    seq: u64,
    inc: u64,
    rng: Rng,
}

impl Nuid {
    /// A generator whose randomness comes from `rng`.
    pub fn new(mut rng: Rng) -> Self {
        let mut n = Nuid { pre: [b'0'; PRE_LEN], seq: 0, inc: 0, rng: rng.clone() };
        n.randomize_prefix();
        n.seq = rng.below(MAX_SEQ);
        n.inc = MIN_INC + rng.below(MAX_INC - MIN_INC);
        n
    }

    fn randomize_prefix(&mut self) {
        for b in self.pre.iter_mut() {
            *b = DIGITS[self.rng.below(62) as usize];
        }
    }

    /// The next NUID.
    pub fn next_id(&mut self) -> String {
        self.seq += self.inc;
        if self.seq >= MAX_SEQ {
            self.randomize_prefix();
            self.seq = self.rng.below(MAX_SEQ);
            self.inc = MIN_INC + self.rng.below(MAX_INC - MIN_INC);
        }
        let mut out = [0u8; PRE_LEN + SEQ_LEN];
        out[..PRE_LEN].copy_from_slice(&self.pre);
        let mut l = self.seq;
        for i in (PRE_LEN..PRE_LEN + SEQ_LEN).rev() {
            out[i] = DIGITS[(l % 62) as usize];
            l /= 62;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// `_INBOX.<nuid>`, as `nats.NewInbox()` / `nats.createInbox()` make it.
    pub fn inbox(&mut self) -> String {
        format!("_INBOX.{}", self.next_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nuids_are_22_chars_share_a_prefix_and_differ() {
        let mut n = Nuid::new(Rng::new(1, 9));
        let (a, b) = (n.next_id(), n.next_id());
        assert_eq!(a.len(), 22);
        assert_eq!(a[..12], b[..12]);
        assert_ne!(a, b);
        assert!(n.inbox().starts_with("_INBOX."));
    }
}
