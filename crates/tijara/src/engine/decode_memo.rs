//! The orders and carts this engine wrote last, with their JSON text and decoded value: a
//! read of one whose stored text is the same takes the decoded value instead of decoding the
//! text again.
//!
//! The outbox dispatcher's messages read every order the checkout has just placed (its
//! confirmation e-mails), and decoding an order's ~4 KiB of JSON was about 7 % of a checkout's
//! instructions, its messages included (`docs/benchmarks.md`, 2026-12-06 step 30). Each cart
//! change then decoded the cart it had written a moment before (from the cart cache, or read
//! back for the shipping quotes): 2.9 % (step 32). The order placed, and each open cart
//! written, is remembered with the text written for it; a read compares the text it has (from
//! the storage, which returns a body exactly as written, or from the cart cache) with the one
//! remembered, byte for byte, and takes the remembered value only when they are equal.
//! Decoding is a pure function of the text, so equal texts give the same value: no version,
//! incarnation or commit needs to be trusted (a document is remembered before its commit,
//! which may fail or report a failure after it committed: either way its text decodes to that
//! value), and a write by another process (another text) only costs a decode, as before.
//! Debug builds check, for every order placed and every cart remembered, that its text
//! decodes to a value that writes the same text.
//!
//! A text larger than [`MAX_BODY`] is not remembered, so a memo holds at most
//! `capacity + 1` texts of up to 32 KiB with their values decoded (an order is typically
//! ~10 KiB with its text, a cart ~5 KiB; an order of ~40 lines reaches the bound).

use super::generations::Generations;
use std::sync::{Arc, Mutex, MutexGuard};

/// The orders this engine placed last.
pub(crate) type OrderMemo = DecodeMemo<tijara_core::order_record::OrderDoc>;

/// The open carts this engine wrote last.
pub(crate) type CartMemo = DecodeMemo<crate::docs::CartDoc>;

/// The most carts a [`CartMemo`] holds (fewer when
/// [`EngineConfig::cart_cache`](crate::EngineConfig::cart_cache) is smaller): a cart stays
/// while at least 64 other carts are written (two generations of 64), and a shopper's next
/// change comes within a few dozen other carts' writes even at ~750 checkouts a second.
pub(crate) const CART_MEMO: usize = 128;

/// The longest text remembered, in bytes: larger orders and carts (many lines) are decoded at
/// each read, and the memo's memory stays bounded.
pub(crate) const MAX_BODY: usize = 32 * 1024;

/// Documents remembered with their text, by id, in two generations of at most
/// ⌈capacity / 2⌉ each.
#[derive(Debug)]
pub(crate) struct DecodeMemo<T> {
    capacity: usize,
    generations: Mutex<Generations<Entry<T>>>,
}

struct Entry<T> {
    /// The JSON text written.
    body: Arc<str>,
    /// What it decodes to.
    doc: Arc<T>,
}

impl<T> std::fmt::Debug for Entry<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the text nor the value: an order's text holds its access token, which the
        // order's own `Debug` redacts.
        f.debug_struct("Entry")
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl<T> DecodeMemo<T> {
    /// A memo of at most `capacity` documents; 0 remembers none.
    pub(crate) fn new(capacity: usize) -> Self {
        DecodeMemo {
            capacity,
            generations: Mutex::default(),
        }
    }

    /// Whether the memo remembers anything.
    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    fn generations(&self) -> MutexGuard<'_, Generations<Entry<T>>> {
        // Each entry is put in one call: a panic while the lock was held cannot leave one
        // half written.
        self.generations.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether [`DecodeMemo::remember`] would keep `body`: the memo is on and the text is
    /// at most [`MAX_BODY`] long (a caller checks before making the value to remember).
    pub(crate) fn keeps(&self, body: &str) -> bool {
        self.enabled() && body.len() <= MAX_BODY
    }

    /// Remembers that the text `body` of the document `id` decodes to `doc`, unless the
    /// memo is off or the text longer than [`MAX_BODY`].
    pub(crate) fn remember(&self, id: &str, body: &str, doc: Arc<T>) {
        if self.keeps(body) {
            let body = Arc::from(body);
            self.generations()
                .insert(id, Entry { body, doc }, self.capacity);
        }
    }

    /// The document `id` decoded, if the text remembered for it is `body`.
    pub(crate) fn decoded(&self, id: &str, body: &str) -> Option<Arc<T>> {
        if !self.enabled() {
            return None;
        }
        let g = self.generations();
        let e = g.get(id)?;
        (*e.body == *body).then(|| Arc::clone(&e.doc))
    }
}

impl OrderMemo {
    /// The order stored as `doc`: the one remembered when its text is the stored one,
    /// decoded from the text otherwise (`Corrupt` if it does not decode).
    pub(crate) fn order(
        &self,
        doc: &crate::ports::storage::StoredDoc,
    ) -> Result<Arc<tijara_core::order_record::OrderDoc>, crate::TijaraError> {
        match self.decoded(&doc.id, &doc.body) {
            Some(order) => Ok(order),
            None => Ok(Arc::new(super::decode(
                crate::ports::storage::DocKind::Order,
                &doc.id,
                &doc.body,
            )?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_only_for_the_very_text_remembered() {
        let memo: DecodeMemo<u32> = DecodeMemo::new(4);
        assert_eq!(memo.decoded("o1", "{1}"), None);
        let doc = Arc::new(1);
        memo.remember("o1", "{1}", Arc::clone(&doc));
        let hit = memo.decoded("o1", "{1}").expect("the text remembered");
        assert!(Arc::ptr_eq(&hit, &doc), "the value itself, not a copy");
        assert_eq!(memo.decoded("o1", "{1} "), None, "another text");
        assert_eq!(memo.decoded("o1", "{2}"), None);
        assert_eq!(memo.decoded("o2", "{1}"), None, "another order");
        memo.remember("o1", "{2}", Arc::new(2));
        assert_eq!(memo.decoded("o1", "{1}"), None, "written again");
        assert_eq!(memo.decoded("o1", "{2}").as_deref(), Some(&2));
    }

    #[test]
    fn keeps_the_last_orders_within_its_capacity() {
        let memo: DecodeMemo<usize> = DecodeMemo::new(4);
        for i in 0..10 {
            memo.remember(&format!("o{i}"), "{}", Arc::new(i));
        }
        assert!(memo.generations().len() <= 4);
        assert_eq!(memo.decoded("o9", "{}").as_deref(), Some(&9));
        assert_eq!(memo.decoded("o0", "{}"), None);
    }

    #[test]
    fn a_text_over_the_bound_is_not_remembered() {
        let memo: DecodeMemo<u32> = DecodeMemo::new(4);
        let long = format!("\"{}\"", "x".repeat(MAX_BODY));
        memo.remember("o1", &long, Arc::new(1));
        assert_eq!(memo.decoded("o1", &long), None);
        let fits = format!("\"{}\"", "x".repeat(MAX_BODY - 2));
        memo.remember("o2", &fits, Arc::new(2));
        assert_eq!(memo.decoded("o2", &fits).as_deref(), Some(&2));
        let shown = format!("{:?}", memo);
        assert!(!shown.contains("xxx"), "no text in Debug: {shown:.200}");
    }

    #[test]
    fn zero_remembers_nothing() {
        let off: DecodeMemo<u32> = DecodeMemo::new(0);
        off.remember("o1", "{}", Arc::new(1));
        assert_eq!(off.decoded("o1", "{}"), None);
    }
}
