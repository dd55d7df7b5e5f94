//! A map of bounded size that keeps what was put in it last: two generations of at most
//! ⌈capacity / 2⌉ entries each. When the newer is full it becomes the older and the older is
//! dropped, so an entry lives for at least ⌈capacity / 2⌉ insertions after its last one, with
//! no bookkeeping per read (the engine's cart cache and order memo).

use std::collections::HashMap;

/// A generation: entries by document id, hashed with foldhash (a random seed per map) rather
/// than SipHash, as the catalog cache's maps are (step 31): the ids are the store's own (a
/// cart or an order is remembered once written or read), never a caller's choice, and each
/// checkout hashes them a dozen times (issue 15, step 42).
type Generation<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// The two generations, keyed by document id.
#[derive(Debug)]
pub(crate) struct Generations<V> {
    newer: Generation<V>,
    older: Generation<V>,
}

impl<V> Default for Generations<V> {
    fn default() -> Self {
        Generations {
            newer: Generation::default(),
            older: Generation::default(),
        }
    }
}

impl<V> Generations<V> {
    /// The entry of `id`, in either generation.
    pub(crate) fn get(&self, id: &str) -> Option<&V> {
        self.newer.get(id).or_else(|| self.older.get(id))
    }

    /// Puts `value` under `id` in the newer generation (dropping any older entry of it),
    /// turning the newer generation into the older one first when it holds
    /// ⌈`capacity` / 2⌉ entries already.
    pub(crate) fn insert(&mut self, id: &str, value: V, capacity: usize) {
        self.older.remove(id);
        if self.newer.len() >= capacity.div_ceil(2) && !self.newer.contains_key(id) {
            self.older = std::mem::take(&mut self.newer);
        }
        self.newer.insert(id.to_owned(), value);
    }

    /// Drops the entry of `id`.
    pub(crate) fn remove(&mut self, id: &str) {
        self.newer.remove(id);
        self.older.remove(id);
    }

    /// Drops every entry.
    pub(crate) fn clear(&mut self) {
        self.newer.clear();
        self.older.clear();
    }

    /// How many entries it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.newer.len() + self.older.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_insertions_within_its_capacity() {
        let mut g = Generations::default();
        for i in 0..10 {
            g.insert(&format!("k{i}"), i, 4);
            assert!(g.len() <= 4, "{}", g.len());
            assert_eq!(g.get(&format!("k{i}")), Some(&i), "the last one");
        }
        assert_eq!(g.get("k8"), Some(&8));
        assert_eq!(g.get("k0"), None);
        // newer = {k8, k9}, older = {k6, k7}: k6 put again moves to the newer generation and
        // outlives the older one.
        g.insert("k6", 60, 4);
        assert_eq!(g.get("k6"), Some(&60));
        assert_eq!(g.get("k7"), None, "the older generation dropped");
        assert!(g.len() <= 4);
        g.remove("k6");
        assert_eq!(g.get("k6"), None);
        g.clear();
        assert_eq!(g.len(), 0);
    }
}
