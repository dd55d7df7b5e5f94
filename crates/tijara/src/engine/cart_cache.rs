//! The carts this engine wrote last, with the version each write gave them: a cart change
//! starts from here instead of reading its cart from storage again.
//!
//! A checkout changes its cart four to six times (each item, each shipping choice, the
//! order), and each change used to begin with a storage read of the cart the same process had
//! just written. The engine now remembers the body and version of every cart it commits
//! ([`Tijara::mutate`](crate::Tijara) records them after the commit succeeds: a new document
//! is at version 1, a write at version `v` leaves it at `v + 1`, the storage port's contract)
//! and a cart change ([`Tijara::open_cart_for_change`]) decodes the remembered body.
//!
//! Nothing here is trusted for an answer on its own: every cart change writes its cart back
//! with the version it started from, so a cart changed meanwhile by another process (or a
//! write this one does not know about: a purge, another engine on the same storage) fails
//! the commit with a conflict. The engine then forgets the cart and tries again from storage,
//! as it did for any concurrent write. A change that fails before it commits (an item out of
//! stock, a closed cart) may have judged a cart another process changed: it is tried once more
//! from storage before its error is returned (`forget_if_served`). Reads that answer without
//! a write (the cart page, shipping quotes) always read storage.
//!
//! [`Tijara::open_cart_for_change`]: crate::Tijara

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The carts remembered, by id; past [`CartCache::capacity`], the memory starts again empty.
#[derive(Debug, Default)]
pub(crate) struct CartCache {
    capacity: usize,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
struct Entry {
    version: u64,
    body: Arc<str>,
    /// A cart change started from this entry since it was remembered.
    served: bool,
}

impl CartCache {
    /// A cache of at most `capacity` carts; 0 remembers none.
    pub(crate) fn new(capacity: usize) -> Self {
        CartCache {
            capacity,
            entries: Mutex::default(),
        }
    }

    /// Whether the cache remembers anything.
    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while the lock was held leaves at worst an entry half updated; versions
        // keep any such entry from being committed over, so the map stays usable.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The version and body remembered for the cart `id`, marked as served.
    pub(crate) fn get(&self, id: &str) -> Option<(u64, Arc<str>)> {
        if !self.enabled() {
            return None;
        }
        let mut entries = self.entries();
        let entry = entries.get_mut(id)?;
        entry.served = true;
        Some((entry.version, entry.body.clone()))
    }

    /// Remembers that the cart `id` is at `version` with `body` (a commit of this engine
    /// wrote it).
    pub(crate) fn remember(&self, id: &str, version: u64, body: Arc<str>) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= self.capacity && !entries.contains_key(id) {
            entries.clear();
        }
        entries.insert(
            id.to_owned(),
            Entry {
                version,
                body,
                served: false,
            },
        );
    }

    /// Forgets the cart `id`.
    pub(crate) fn forget(&self, id: &str) {
        if self.enabled() {
            self.entries().remove(id);
        }
    }

    /// Forgets the cart `id` if a change started from what was remembered of it: true when
    /// it did (the change is then tried again from storage).
    pub(crate) fn forget_if_served(&self, id: &str) -> bool {
        if !self.enabled() {
            return false;
        }
        let mut entries = self.entries();
        match entries.get(id) {
            Some(e) if e.served => {
                entries.remove(id);
                true
            }
            _ => false,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_last_write_and_forgets_on_demand() {
        let c = CartCache::new(4);
        assert_eq!(c.get("a"), None);
        c.remember("a", 1, Arc::from("{1}"));
        c.remember("a", 2, Arc::from("{2}"));
        assert_eq!(c.get("a"), Some((2, Arc::from("{2}"))));
        c.forget("a");
        assert_eq!(c.get("a"), None);
    }

    #[test]
    fn only_a_served_entry_is_forgotten_for_a_retry() {
        let c = CartCache::new(4);
        c.remember("a", 1, Arc::from("{}"));
        assert!(!c.forget_if_served("a"), "no change started from it");
        assert!(c.get("a").is_some());
        assert!(c.forget_if_served("a"));
        assert!(c.get("a").is_none());
        assert!(!c.forget_if_served("a"), "gone already");
        c.remember("a", 2, Arc::from("{}"));
        assert!(!c.forget_if_served("a"), "a new write is not served yet");
    }

    #[test]
    fn stays_within_its_capacity_and_zero_remembers_nothing() {
        let c = CartCache::new(3);
        for i in 0..10 {
            c.remember(&format!("c{i}"), 1, Arc::from("{}"));
            assert!(c.len() <= 3);
        }
        assert!(c.get("c9").is_some(), "the last write is always kept");
        c.remember("c9", 2, Arc::from("{}"));
        assert_eq!(c.get("c9").map(|(v, _)| v), Some(2));
        let off = CartCache::new(0);
        off.remember("a", 1, Arc::from("{}"));
        assert_eq!(off.get("a"), None);
        assert!(!off.forget_if_served("a"));
    }
}
