//! Small ordered maps and sets as sorted vectors. The engine's maps keyed by names (clients,
//! channels, queue groups, processes) hold tens of entries, and snapshots are added in time
//! order: a sorted `Vec` iterates in the same (key) order as a B-tree — so traces do not
//! change — and costs far less code per key/value type, which matters in the page's
//! WebAssembly (a few per cent slower to search than a B-tree in the engine bench). Maps keyed
//! by seq that grow with the traffic (pending messages, redeliveries) are
//! [`SeqMap`](super::seqmap::SeqMap)s.

use std::borrow::Borrow;

/// An ordered map on sorted vectors: the keys apart from the values, so that a search reads
/// only keys (like a B-tree node does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecMap<K, V> {
    keys: Vec<K>,
    vals: Vec<V>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap { keys: Vec::new(), vals: Vec::new() }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// An empty map.
    pub const fn new() -> Self {
        VecMap { keys: Vec::new(), vals: Vec::new() }
    }

    fn find<Q: Ord + ?Sized>(&self, k: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        // A classic search that stops at the key (std's always runs to the end): the engine
        // mostly looks up keys that are there.
        let (mut lo, mut hi) = (0, self.keys.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.keys[mid].borrow().cmp(k) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// The value of `k`.
    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| &self.vals[i])
    }

    /// The value of `k`, to change.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| &mut self.vals[i])
    }

    /// Whether `k` is in the map.
    pub fn contains_key<Q: Ord + ?Sized>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(k).is_ok()
    }

    /// Sets `k` to `v`; the old value, if any.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.find(&k) {
            Ok(i) => Some(std::mem::replace(&mut self.vals[i], v)),
            Err(i) => {
                self.keys.insert(i, k);
                self.vals.insert(i, v);
                None
            }
        }
    }

    /// Removes `k`; its value, if any.
    pub fn remove<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(k).ok()?;
        self.keys.remove(i);
        Some(self.vals.remove(i))
    }

    /// The value of `k`, inserted with `f` first if missing.
    fn or_insert_with(&mut self, k: K, f: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&k) {
            Ok(i) => i,
            Err(i) => {
                self.keys.insert(i, k);
                self.vals.insert(i, f());
                i
            }
        };
        &mut self.vals[i]
    }

    /// The place of `k`, like `BTreeMap::entry` (`or_default`, `or_insert_with`, `or_insert`).
    pub fn entry(&mut self, k: K) -> Entry<'_, K, V> {
        Entry { map: self, key: k }
    }

    /// Entries with keys up to `end` (included), in order.
    pub fn up_to<Q: Ord + ?Sized>(&self, end: &Q) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator
    where
        K: Borrow<Q>,
    {
        let n = match self.find(end) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        self.keys[..n].iter().zip(&self.vals[..n])
    }

    /// Keeps the entries for which `f` is true.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        let mut keep = 0;
        for i in 0..self.keys.len() {
            if f(&self.keys[i], &mut self.vals[i]) {
                self.keys.swap(keep, i);
                self.vals.swap(keep, i);
                keep += 1;
            }
        }
        self.keys.truncate(keep);
        self.vals.truncate(keep);
    }
}

/// A key's place in a [`VecMap`].
pub struct Entry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    key: K,
}

impl<'a, K: Ord, V> Entry<'a, K, V> {
    /// Its value, made with `f` if missing.
    pub fn or_insert_with(self, f: impl FnOnce() -> V) -> &'a mut V {
        self.map.or_insert_with(self.key, f)
    }

    /// Its value, `v` if missing.
    pub fn or_insert(self, v: V) -> &'a mut V {
        self.map.or_insert_with(self.key, || v)
    }

    /// Its value, the default if missing.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.map.or_insert_with(self.key, V::default)
    }
}

impl<K, V> VecMap<K, V> {
    /// Entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.keys.iter().zip(&self.vals)
    }

    /// Entries in key order, values changeable.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&K, &mut V)> + ExactSizeIterator {
        self.keys.iter().zip(&mut self.vals)
    }

    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.keys.iter()
    }

    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.vals.iter()
    }

    /// Values in key order, changeable.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.vals.iter_mut()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for VecMap<K, V> {
    type Output = V;
    /// The value of a key that must be there (like `BTreeMap`'s index: panics otherwise).
    fn index(&self, k: &Q) -> &V {
        self.get(k).expect("key in the map")
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Zip<std::slice::Iter<'a, K>, std::slice::Iter<'a, V>>;
    fn into_iter(self) -> Self::IntoIter {
        self.keys.iter().zip(&self.vals)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = VecMap::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

/// An ordered set on a sorted vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecSet<T> {
    map: VecMap<T, ()>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet { map: VecMap::default() }
    }
}

impl<T: Ord> VecSet<T> {
    /// An empty set.
    pub const fn new() -> Self {
        VecSet { map: VecMap::new() }
    }

    /// Adds `t`; whether it was new.
    pub fn insert(&mut self, t: T) -> bool {
        self.map.insert(t, ()).is_none()
    }

    /// Removes `t`; whether it was there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, t: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.map.remove(t).is_some()
    }

    /// Whether `t` is in the set.
    pub fn contains<Q: Ord + ?Sized>(&self, t: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.map.contains_key(t)
    }

    /// Keeps the members for which `f` is true.
    pub fn retain(&mut self, mut f: impl FnMut(&T) -> bool) {
        self.map.retain(|t, _| f(t));
    }
}

impl<T> VecSet<T> {
    /// Members in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.map.keys()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// No members.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vec_map_keeps_key_order_like_a_btree_map() {
        let mut m = VecMap::new();
        let mut b = std::collections::BTreeMap::new();
        for (i, k) in ["orders", "payments", "expiration", "tickets", "orders", "auth", "payments"].iter().enumerate() {
            assert_eq!(m.insert(k.to_string(), i), b.insert(k.to_string(), i), "{k}");
        }
        assert_eq!(m.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>(), b.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>());
        assert_eq!(m.keys().next_back().map(String::as_str), Some("tickets"));
        assert_eq!(m.get("orders"), Some(&4));
        assert_eq!(m.remove("orders"), Some(4));
        assert_eq!(m.remove("orders"), None);
        assert!(!m.contains_key("orders") && m.contains_key("auth"));
        *m.entry("zz".into()).or_insert_with(|| 9) += 1;
        *m.entry("zz".into()).or_insert(0) += 1;
        assert_eq!(m.up_to("p").map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["auth", "expiration"]);
        assert_eq!(m.up_to("payments").count(), 3);
        assert_eq!(m.get("zz"), Some(&11));
        m.retain(|k, _| k.starts_with('p') || k == "zz");
        assert_eq!(m.keys().cloned().collect::<Vec<_>>(), ["payments", "zz"]);
        assert_eq!((m.len(), m.is_empty()), (2, false));
    }

    #[test]
    fn a_vec_set_counts_each_member_once() {
        let mut s = VecSet::new();
        assert!(s.insert(("l1", 3)) && s.insert(("l1", 1)) && !s.insert(("l1", 3)));
        assert_eq!(s.iter().collect::<Vec<_>>(), [&("l1", 1), &("l1", 3)]);
        assert!(s.contains(&("l1", 1)) && s.remove(&("l1", 1)) && !s.remove(&("l1", 1)));
        s.retain(|(_, n)| *n > 5);
        assert!(s.is_empty());
        assert_eq!(s.len(), 0);
    }
}
