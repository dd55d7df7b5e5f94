//! The carts this engine wrote last, with the version each write gave them: a cart change
//! starts from here instead of reading its cart from storage again.
//!
//! A checkout changes its cart four to six times (each item, each shipping choice, the
//! order), and each change used to begin with a storage read of the cart the same process had
//! just written. The engine now remembers the body and version of every cart it commits
//! (`Tijara::mutate_carts` records them after the commit succeeds: a new document
//! is at version 1, a write at version `v` leaves it at `v + 1`, the storage port's contract)
//! and a cart change (`Tijara::open_cart_for_change`) starts from the remembered body: the
//! cart remembered decoded with that text (`engine/decode_memo.rs`), else the body decoded.
//!
//! Nothing here is trusted for an answer on its own: every cart change writes its cart back
//! with the version it started from, so a cart changed meanwhile by another process (or a
//! write this one does not know about: another engine on the same storage, a deletion) fails
//! the commit with a conflict. The engine then forgets the cart and tries again from storage,
//! as it did for any concurrent write. A change refused after it took its cart from here (an
//! item out of stock, a line not found, a closed cart, stock refused by the database) may
//! have judged a cart another process changed: it is run once more, reading its carts from
//! storage, before the refusal is returned (`CartReads`, one per call, records what each run
//! took from here). Reads that answer without a write (the cart page, shipping quotes) and
//! merges at login read storage.
//!
//! Versions are taken to name one body only within one incarnation of the storage
//! (`Storage::incarnation`): each cart is remembered with the incarnation its run read
//! (`CartReads`), is given only to a run at the same one, and a commit made from it is held
//! to it (`Changeset::incarnation`). A crash of the database that lost deferred cart commits
//! changes the incarnation, so a version it lost and another process reused is never taken
//! for the body remembered: the commit is refused (`StorageError::Restarted`), the cache
//! emptied, and the step runs again from storage. After a restore or a fail-over to a standby
//! that may have lost flushed commits, restart the processes (`docs/operations.md`).

use super::generations::Generations;
use std::sync::{Arc, Mutex, MutexGuard};

/// The carts remembered, by id, in two generations of at most ⌈capacity / 2⌉ each
/// ([`Generations`]): the carts changed recently stay.
#[derive(Debug)]
pub(crate) struct CartCache {
    capacity: usize,
    generations: Mutex<Generations<Entry>>,
}

#[derive(Debug, Clone)]
struct Entry {
    version: u64,
    body: Arc<str>,
    /// The storage's incarnation the run that wrote it had read.
    incarnation: Option<u64>,
}

impl CartCache {
    /// A cache of at most `capacity` carts; 0 remembers none.
    pub(crate) fn new(capacity: usize) -> Self {
        CartCache {
            capacity,
            generations: Mutex::default(),
        }
    }

    /// Whether the cache remembers anything.
    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    fn generations(&self) -> MutexGuard<'_, Generations<Entry>> {
        // A panic while the lock was held leaves at worst an entry half updated; versions
        // keep any such entry from being committed over, so the maps stay usable.
        self.generations.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The version and body remembered for the cart `id`, if it was written at the storage's
    /// `incarnation` (one remembered from another may name a version the storage lost).
    pub(crate) fn get(&self, id: &str, incarnation: Option<u64>) -> Option<(u64, Arc<str>)> {
        if !self.enabled() {
            return None;
        }
        let g = self.generations();
        let e = g.get(id)?;
        (e.incarnation == incarnation).then(|| (e.version, e.body.clone()))
    }

    /// Remembers that the cart `id` is at `version` with `body` (a commit of this engine
    /// wrote it, in a run that read the storage's `incarnation`), unless a later version of it
    /// is remembered already at that incarnation (two changes of one cart committed in turn
    /// may report back in the other order).
    pub(crate) fn remember(
        &self,
        id: &str,
        version: u64,
        body: Arc<str>,
        incarnation: Option<u64>,
    ) {
        if !self.enabled() {
            return;
        }
        let mut g = self.generations();
        if g.get(id)
            .is_some_and(|e| e.incarnation == incarnation && e.version > version)
        {
            return;
        }
        g.insert(
            id,
            Entry {
                version,
                body,
                incarnation,
            },
            self.capacity,
        );
    }

    /// Forgets the cart `id`.
    pub(crate) fn forget(&self, id: &str) {
        if self.enabled() {
            self.generations().remove(id);
        }
    }

    /// Forgets every cart (the storage restarted: any of them may name a lost version).
    pub(crate) fn clear(&self) {
        if self.enabled() {
            self.generations().clear();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.generations().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_last_write_and_forgets_on_demand() {
        let c = CartCache::new(4);
        assert_eq!(c.get("a", None), None);
        c.remember("a", 1, Arc::from("{1}"), None);
        c.remember("a", 2, Arc::from("{2}"), None);
        assert_eq!(c.get("a", None), Some((2, Arc::from("{2}"))));
        c.forget("a");
        assert_eq!(c.get("a", None), None);
    }

    #[test]
    fn a_late_report_of_an_older_version_is_ignored() {
        let c = CartCache::new(4);
        c.remember("a", 5, Arc::from("{5}"), None);
        c.remember("a", 4, Arc::from("{4}"), None);
        assert_eq!(c.get("a", None), Some((5, Arc::from("{5}"))));
    }

    #[test]
    fn stays_within_its_capacity_keeping_the_recent_carts() {
        let c = CartCache::new(4);
        for i in 0..10 {
            c.remember(&format!("c{i}"), 1, Arc::from("{}"), None);
            assert!(c.len() <= 4, "{}", c.len());
        }
        for recent in ["c8", "c9"] {
            assert!(c.get(recent, None).is_some(), "{recent}");
        }
        assert!(c.get("c0", None).is_none());
        // Now newer = {c8, c9}, older = {c6, c7}. A cart of the older generation written
        // again moves to the newer one, and outlives its old generation.
        c.remember("c6", 2, Arc::from("{}"), None);
        assert_eq!(c.get("c6", None).map(|(v, _)| v), Some(2));
        assert!(c.get("c7", None).is_none(), "the older generation dropped");
        assert!(c.get("c8", None).is_some() && c.get("c9", None).is_some());
        assert!(c.len() <= 4);
    }

    #[test]
    fn small_and_odd_capacities_hold_their_last_writes() {
        for capacity in [1, 2, 3, 5] {
            let c = CartCache::new(capacity);
            for i in 0..20 {
                c.remember(&format!("c{i}"), 1, Arc::from("{}"), None);
                assert!(c.len() <= capacity + 1, "{capacity}: {}", c.len());
                assert!(
                    c.get(&format!("c{i}"), None).is_some(),
                    "{capacity}: the last write"
                );
            }
        }
    }

    #[test]
    fn a_cart_is_given_only_at_the_incarnation_it_was_written_at() {
        let c = CartCache::new(4);
        c.remember("a", 2, Arc::from("{2}"), Some(7));
        assert_eq!(c.get("a", Some(7)), Some((2, Arc::from("{2}"))));
        assert_eq!(c.get("a", Some(8)), None, "the storage restarted since");
        assert_eq!(c.get("a", None), None);
        // A write at the new incarnation replaces it, whatever its version.
        c.remember("a", 1, Arc::from("{1}"), Some(8));
        assert_eq!(c.get("a", Some(8)), Some((1, Arc::from("{1}"))));
        assert_eq!(c.get("a", Some(7)), None);
        c.remember("b", 1, Arc::from("{}"), Some(8));
        c.clear();
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn zero_remembers_nothing() {
        let off = CartCache::new(0);
        off.remember("a", 1, Arc::from("{}"), None);
        assert_eq!(off.get("a", None), None);
    }
}
