//! An ordered map keyed by sequence numbers, as two sorted ring buffers (keys apart from
//! values, so that a search reads only keys).
//!
//! The maps that grow with the traffic are keyed by seq: a subscription's pending messages and
//! redelivery counts, a handler's failures, the timeline's open ack waits and processed
//! messages. Their keys arrive nearly in order and leave mostly from the front (acks come in
//! delivery order), so a sorted `VecDeque` inserts at the back and removes at the front in
//! O(1), and shifts the shorter side otherwise. It iterates in key order like the
//! `BTreeMap`s it replaces, so traces do not change, and costs a fraction of their code in
//! the page's WebAssembly (each `BTreeMap<K, V>` brought ~4 KB of B-tree code per type).

use std::collections::VecDeque;

/// An ordered map from `u64` to `V` on sorted ring buffers.
#[derive(Clone, PartialEq, Eq)]
pub struct SeqMap<V> {
    keys: VecDeque<u64>,
    vals: VecDeque<V>,
}

impl<V> Default for SeqMap<V> {
    fn default() -> Self {
        SeqMap::new()
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for SeqMap<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V> SeqMap<V> {
    /// An empty map.
    pub const fn new() -> Self {
        SeqMap { keys: VecDeque::new(), vals: VecDeque::new() }
    }

    /// Where `k` is (`Ok`) or would go (`Err`). The ends first: most keys are new (the back)
    /// or the oldest (the front).
    fn find(&self, k: u64) -> Result<usize, usize> {
        let n = self.keys.len();
        match (self.keys.front(), self.keys.back()) {
            (Some(&first), Some(&last)) => {
                if k > last {
                    Err(n)
                } else if k == last {
                    Ok(n - 1)
                } else if k <= first {
                    if k == first {
                        Ok(0)
                    } else {
                        Err(0)
                    }
                } else {
                    self.keys.binary_search(&k)
                }
            }
            _ => Err(0),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The value of `k`.
    pub fn get(&self, k: u64) -> Option<&V> {
        self.find(k).ok().map(|i| &self.vals[i])
    }

    /// The value of `k`, to change.
    pub fn get_mut(&mut self, k: u64) -> Option<&mut V> {
        self.find(k).ok().map(|i| &mut self.vals[i])
    }

    /// Whether `k` is in the map.
    pub fn contains_key(&self, k: u64) -> bool {
        self.find(k).is_ok()
    }

    /// Sets `k` to `v`; the old value, if any.
    pub fn insert(&mut self, k: u64, v: V) -> Option<V> {
        match self.find(k) {
            Ok(i) => Some(std::mem::replace(&mut self.vals[i], v)),
            Err(i) => {
                self.keys.insert(i, k);
                self.vals.insert(i, v);
                None
            }
        }
    }

    /// Removes `k`; its value, if it was there.
    pub fn remove(&mut self, k: u64) -> Option<V> {
        let i = self.find(k).ok()?;
        self.keys.remove(i);
        self.vals.remove(i)
    }

    /// The value of `k`, set to `f()` first if `k` was not there.
    pub fn get_or_insert_with(&mut self, k: u64, f: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(k) {
            Ok(i) => i,
            Err(i) => {
                self.keys.insert(i, k);
                self.vals.insert(i, f());
                i
            }
        };
        &mut self.vals[i]
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u64, &V)> + ExactSizeIterator {
        self.keys.iter().copied().zip(self.vals.iter())
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = u64> + ExactSizeIterator + '_ {
        self.keys.iter().copied()
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.vals.iter()
    }

    /// The values in key order, to change.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.vals.iter_mut()
    }

    /// Keeps the entries for which `f` is true, in order.
    pub fn retain(&mut self, mut f: impl FnMut(u64, &mut V) -> bool) {
        let mut keep = Vec::with_capacity(self.keys.len());
        for (k, v) in self.keys.iter().zip(self.vals.iter_mut()) {
            keep.push(f(*k, v));
        }
        let mut flags = keep.iter();
        self.keys.retain(|_| *flags.next().unwrap_or(&true));
        let mut flags = keep.iter();
        self.vals.retain(|_| *flags.next().unwrap_or(&true));
    }
}

impl<V: Default> SeqMap<V> {
    /// The value of `k`, set to the default first if `k` was not there.
    pub fn get_or_default(&mut self, k: u64) -> &mut V {
        self.get_or_insert_with(k, V::default)
    }
}

#[cfg(test)]
mod tests {
    use super::SeqMap;
    use std::collections::BTreeMap;

    /// A tiny deterministic generator (xorshift), so the test needs no crate.
    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    #[test]
    fn a_seq_map_does_what_a_btree_map_does_in_the_same_order() {
        let mut x = 0x9e37_79b9_7f4a_7c15;
        let (mut m, mut b) = (SeqMap::new(), BTreeMap::new());
        let mut head = 0u64;
        for step in 0..20_000u64 {
            // Mostly new keys at the back and removals from the front (the broker's pattern),
            // with keys anywhere now and then.
            let r = next(&mut x) % 10;
            let k = match r {
                0..=3 => {
                    head += 1 + next(&mut x) % 3;
                    head
                }
                4..=6 => b.keys().next().copied().unwrap_or(0),
                _ => next(&mut x) % (head + 2),
            };
            match (r, step % 3) {
                (4..=6, _) | (_, 0) => assert_eq!(m.remove(k), b.remove(&k), "remove {k} at step {step}"),
                _ => assert_eq!(m.insert(k, step), b.insert(k, step), "insert {k} at step {step}"),
            }
            assert_eq!(m.get(k), b.get(&k));
            assert_eq!(m.contains_key(k + 1), b.contains_key(&(k + 1)));
            assert_eq!(m.len(), b.len());
        }
        assert!(m.len() > 100, "the walk keeps a few hundred entries: {}", m.len());
        assert!(m.iter().map(|(k, v)| (k, *v)).eq(b.iter().map(|(k, v)| (*k, *v))));
        assert!(m.keys().eq(b.keys().copied()));
    }

    #[test]
    fn get_or_insert_with_retain_and_values_mut_keep_the_key_order() {
        let mut m = SeqMap::new();
        for k in [5u64, 1, 9, 3, 7] {
            *m.get_or_insert_with(k, || 0u32) += k as u32;
        }
        *m.get_or_default(3) += 100;
        for v in m.values_mut() {
            *v += 1;
        }
        assert_eq!(m.iter().map(|(k, v)| (k, *v)).collect::<Vec<_>>(), vec![(1, 2), (3, 104), (5, 6), (7, 8), (9, 10)]);
        m.retain(|k, v| {
            *v *= 2;
            k != 3 && k != 9
        });
        assert_eq!(m.iter().map(|(k, v)| (k, *v)).collect::<Vec<_>>(), vec![(1, 4), (5, 12), (7, 16)]);
        assert_eq!(format!("{m:?}"), "{1: 4, 5: 12, 7: 16}");
        assert_eq!(m.remove(6), None);
        assert_eq!(m.remove(1), Some(4));
        assert_eq!(m.get(5), Some(&12));
        assert!(SeqMap::<u8>::new().is_empty());
    }
}
