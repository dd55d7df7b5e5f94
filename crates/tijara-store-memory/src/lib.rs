//! In-memory storage for the Tijara engine: tests, demos, and the reference for adapter
//! authors. Same semantics as the SQL adapters (it passes the same conformance suite); nothing
//! survives the process.
//!
//! ```
//! use std::sync::Arc;
//! let storage: Arc<dyn tijara::ports::storage::Storage> = Arc::new(tijara_store_memory::MemoryStore::new());
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};
use tijara::ports::storage::*;
use tijara_core::{OrderId, ReservationId, VariantId};

#[derive(Debug, Clone)]
struct Doc {
    version: u64,
    body: String,
    keys: Vec<String>,
    owners: Vec<String>,
    product: Option<ProductIndex>,
}

#[derive(Debug, Default)]
struct State {
    docs: BTreeMap<(DocKind, String), Doc>,
    /// Ids of the documents of a kind that list an owner, by id: a listing by owner reads these,
    /// never every document of the kind (the SQL stores' owners table, in memory).
    owned: HashMap<(DocKind, String), BTreeSet<String>>,
    keys: HashMap<(DocKind, String), String>,
    stock: HashMap<VariantId, StockRow>,
    reservations: BTreeMap<ReservationId, ReservationRow>,
    idempotency: HashMap<(String, String), IdempotencyRecord>,
    /// Claims on keys by calls in progress: (token, expiry).
    claims: HashMap<(String, String), (String, DateTime<Utc>)>,
    outbox: BTreeMap<u64, OutboxEvent>,
    next_seq: u64,
    /// Delivery state per (event, target).
    deliveries: BTreeMap<(u64, String), DeliveryRow>,
    /// Bumped by every write or delete of a catalog document ([`is_catalog_kind`]).
    catalog_version: u64,
    /// The indexed text of each stored category's names ([`category_search_text`]), copied
    /// into its products' search rows.
    category_texts: HashMap<String, String>,
}

impl State {
    /// Sets the category text of every product of `category` (a scan: the store is for tests
    /// and small catalogs).
    fn set_category_text(&mut self, category: &str, text: &str) {
        for (_, d) in self
            .docs
            .range_mut((DocKind::Product, String::new())..)
            .take_while(|((k, _), _)| *k == DocKind::Product)
        {
            if let Some(p) = d.product.as_mut().filter(|p| p.category == category) {
                p.category_text = text.to_owned();
            }
        }
    }
}

/// A delivery row updated by one attempt (or created by the first).
fn attempted(row: Option<DeliveryRow>, a: &DeliveryAttempt) -> DeliveryRow {
    let mut row = row.unwrap_or_else(|| DeliveryRow {
        target: a.target.clone(),
        seq: a.seq,
        kind: a.kind.clone(),
        aggregate: a.aggregate.clone(),
        attempts: 0,
        last_attempt_at: a.at,
        last_error: None,
        next_try_at: None,
        delivered_at: None,
    });
    row.attempts = row.attempts.saturating_add(1);
    row.last_attempt_at = a.at;
    match &a.outcome {
        DeliveryOutcome::Delivered => {
            row.delivered_at.get_or_insert(a.at);
            row.last_error = None;
            row.next_try_at = None;
        }
        DeliveryOutcome::Failed { error, next_try_at } if row.delivered_at.is_none() => {
            row.last_error = Some(error.clone());
            row.next_try_at = Some(*next_try_at);
        }
        DeliveryOutcome::Failed { .. } => {}
    }
    row
}

/// Storage in a mutex-guarded map.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, StorageError> {
        self.state.lock().map_err(|_| {
            StorageError::Unavailable("the store's lock was poisoned by a panic".into())
        })
    }
}

fn stored(kind: DocKind, id: &str, d: &Doc) -> StoredDoc {
    StoredDoc::new(kind, id, d.version, d.body.clone())
}

/// How many documents of `kind` list `owner` (the owner index's size).
fn owned_len(
    owned: &HashMap<(DocKind, String), BTreeSet<String>>,
    kind: DocKind,
    owner: &str,
) -> u64 {
    owned
        .get(&(kind, owner.to_owned()))
        .map_or(0, |ids| ids.len() as u64)
}

/// Takes `id` out of the owner index for each of `owners`.
fn unown(
    owned: &mut HashMap<(DocKind, String), BTreeSet<String>>,
    kind: DocKind,
    id: &str,
    owners: &[String],
) {
    for o in owners {
        let slot = (kind, o.clone());
        if let Some(ids) = owned.get_mut(&slot) {
            ids.remove(id);
            if ids.is_empty() {
                owned.remove(&slot);
            }
        }
    }
}

/// Applies a changeset to scratch copies of what it touches, then writes them back: all or
/// nothing.
fn apply(state: &mut State, cs: Changeset) -> Result<CommitOutcome, StorageError> {
    if let Some(rec) = &cs.idempotency
        && let Some(existing) = state.idempotency.get(&(rec.scope.clone(), rec.key.clone()))
    {
        if existing.fingerprint == rec.fingerprint {
            return Ok(CommitOutcome::Replayed(existing.clone()));
        }
        return Err(StorageError::IdempotencyMismatch {
            scope: rec.scope.clone(),
            key: rec.key.clone(),
        });
    }
    if let Some(expected) = cs.catalog_at
        && expected != state.catalog_version
    {
        return Err(StorageError::CatalogChanged {
            expected,
            found: state.catalog_version,
        });
    }
    if let Some(refused) = cs
        .stock_at_least
        .iter()
        .find_map(|c| c.refusal(state.stock.get(&c.variant)))
    {
        return Err(refused);
    }
    if let Some(refused) = cs
        .owned_fewer_than
        .iter()
        .find_map(|c| c.refusal(owned_len(&state.owned, c.kind, &c.owner)))
    {
        return Err(refused);
    }
    let now = cs.now.unwrap_or_else(Utc::now);
    // Documents and keys.
    let mut docs: BTreeMap<(DocKind, String), Doc> = BTreeMap::new();
    let mut keys_added: HashMap<(DocKind, String), String> = HashMap::new();
    let mut keys_removed: Vec<(DocKind, String)> = Vec::new();
    for w in cs.docs {
        let at = (w.kind, w.id.clone());
        let current = docs.get(&at).or_else(|| state.docs.get(&at));
        let version = match (current, w.expected_version) {
            (None, None) => 1,
            (Some(c), Some(v)) if c.version == v => v + 1,
            _ => {
                return Err(StorageError::Conflict {
                    kind: w.kind,
                    id: w.id,
                });
            }
        };
        if let Some(c) = current {
            // The writer's promise that the lists are the stored ones, which this store does
            // not need (it replaces them alike): checked here, where the engine's tests run.
            debug_assert!(
                !w.keeps_links()
                    || (sorted_unique(&c.keys) == sorted_unique(&w.keys)
                        && sorted_unique(&c.owners) == sorted_unique(&w.owners)),
                "{} {}: written as links_unchanged with keys {:?} and owners {:?}, stored {:?} and {:?}",
                w.kind.as_str(),
                w.id,
                w.keys,
                w.owners,
                c.keys,
                c.owners
            );
            keys_removed.extend(c.keys.iter().map(|k| (w.kind, k.clone())));
        }
        for k in &w.keys {
            let slot = (w.kind, k.clone());
            let holder = keys_added.get(&slot).or_else(|| state.keys.get(&slot));
            if holder.is_some_and(|h| h != &w.id) {
                return Err(StorageError::KeyTaken {
                    kind: w.kind,
                    key: k.clone(),
                });
            }
            keys_added.insert(slot, w.id.clone());
        }
        docs.insert(
            at,
            Doc {
                version,
                body: w.body,
                keys: w.keys,
                owners: w.owners,
                product: w.product,
            },
        );
    }
    // Stock.
    let mut stock: HashMap<VariantId, StockRow> = HashMap::new();
    let mut reservations: BTreeMap<ReservationId, Option<ReservationRow>> = BTreeMap::new();
    fn row<'a>(
        stock: &'a mut HashMap<VariantId, StockRow>,
        state: &State,
        v: &VariantId,
    ) -> Result<&'a mut StockRow, StorageError> {
        if !stock.contains_key(v) {
            let r = state
                .stock
                .get(v)
                .cloned()
                .ok_or_else(|| StorageError::UnknownVariant(v.clone()))?;
            stock.insert(v.clone(), r);
        }
        stock
            .get_mut(v)
            .ok_or_else(|| StorageError::UnknownVariant(v.clone()))
    }
    for op in cs.stock {
        match op {
            StockOp::Define {
                variant,
                product,
                tracked,
                on_hand,
            } => match row(&mut stock, state, &variant) {
                Ok(r) => {
                    r.tracked = tracked;
                    r.product = product;
                }
                Err(_) => {
                    stock.insert(
                        variant.clone(),
                        StockRow::new(variant, product)
                            .with_tracked(tracked)
                            .with_on_hand(on_hand),
                    );
                }
            },
            StockOp::Adjust { variant, delta } => {
                let r = row(&mut stock, state, &variant)?;
                let next = i64::from(r.on_hand) + delta;
                if next < i64::from(r.reserved) || next > i64::from(u32::MAX) {
                    return Err(StorageError::OutOfStock {
                        variant,
                        requested: u32::try_from(delta.unsigned_abs()).unwrap_or(u32::MAX),
                        available: r.available(),
                    });
                }
                r.on_hand = u32::try_from(next).unwrap_or(u32::MAX);
            }
            StockOp::Set { variant, on_hand } => {
                let r = row(&mut stock, state, &variant)?;
                if on_hand < r.reserved {
                    return Err(StorageError::OutOfStock {
                        variant,
                        requested: r.on_hand.saturating_sub(on_hand),
                        available: r.available(),
                    });
                }
                r.on_hand = on_hand;
            }
            StockOp::Reserve {
                reservation,
                variant,
                quantity,
                order,
                expires_at,
            } => {
                let exists = match reservations.get(&reservation) {
                    Some(r) => r.is_some(),
                    None => state.reservations.contains_key(&reservation),
                };
                if exists {
                    return Err(StorageError::Backend(
                        format!("reservation {reservation} already exists").into(),
                    ));
                }
                let r = row(&mut stock, state, &variant)?;
                if r.tracked {
                    if r.available() < quantity {
                        return Err(StorageError::OutOfStock {
                            variant,
                            requested: quantity,
                            available: r.available(),
                        });
                    }
                    r.reserved += quantity;
                }
                reservations.insert(
                    reservation.clone(),
                    Some(ReservationRow::new(
                        reservation,
                        variant,
                        if r.tracked { quantity } else { 0 },
                        order,
                        expires_at,
                    )),
                );
            }
            StockOp::Sell { variant, quantity } => {
                let r = row(&mut stock, state, &variant)?;
                if r.tracked {
                    if r.available() < quantity {
                        return Err(StorageError::OutOfStock {
                            variant,
                            requested: quantity,
                            available: r.available(),
                        });
                    }
                    r.on_hand -= quantity;
                }
            }
            StockOp::Commit { reservation } => {
                let res = take(&mut reservations, state, &reservation)?;
                let r = row(&mut stock, state, &res.variant)?;
                r.reserved -= res.quantity;
                r.on_hand -= res.quantity;
            }
            StockOp::Release { reservation } => {
                let res = take(&mut reservations, state, &reservation)?;
                let r = row(&mut stock, state, &res.variant)?;
                r.reserved -= res.quantity;
            }
        }
    }
    fn take(
        reservations: &mut BTreeMap<ReservationId, Option<ReservationRow>>,
        state: &State,
        id: &ReservationId,
    ) -> Result<ReservationRow, StorageError> {
        let current = match reservations.get(id) {
            Some(r) => r.clone(),
            None => state.reservations.get(id).cloned(),
        };
        let r = current.ok_or_else(|| StorageError::UnknownReservation(id.clone()))?;
        reservations.insert(id.clone(), None);
        Ok(r)
    }
    // Everything checked: write back.
    for k in keys_removed {
        if !keys_added.contains_key(&k) {
            state.keys.remove(&k);
        }
    }
    state.keys.extend(keys_added);
    for ((kind, id), doc) in &docs {
        if let Some(old) = state.docs.get(&(*kind, id.clone())) {
            let old_owners = old.owners.clone();
            unown(&mut state.owned, *kind, id, &old_owners);
        }
        for o in &doc.owners {
            state
                .owned
                .entry((*kind, o.clone()))
                .or_default()
                .insert(id.clone());
        }
    }
    if docs.keys().any(|(kind, _)| is_catalog_kind(*kind)) {
        state.catalog_version += 1;
    }
    // Categories index their names and pass them to their products; products take their
    // category's indexed names (see `Storage::search`).
    let categories: Vec<(String, String)> = docs
        .iter()
        .filter(|((kind, _), _)| *kind == DocKind::Category)
        .map(|((_, id), d)| (id.clone(), category_search_text(&d.body)))
        .collect();
    let products: Vec<(DocKind, String)> = docs
        .keys()
        .filter(|(kind, _)| *kind == DocKind::Product)
        .cloned()
        .collect();
    state.docs.extend(docs);
    for (id, text) in categories {
        state.set_category_text(&id, &text);
        state.category_texts.insert(id, text);
    }
    for slot in products {
        let texts = &state.category_texts;
        if let Some(p) = state.docs.get_mut(&slot).and_then(|d| d.product.as_mut())
            && let Some(t) = texts.get(&p.category)
        {
            p.category_text = t.clone();
        }
    }
    state.stock.extend(stock);
    for (id, r) in reservations {
        match r {
            Some(r) => {
                state.reservations.insert(id, r);
            }
            None => {
                state.reservations.remove(&id);
            }
        }
    }
    for e in cs.events {
        state.next_seq += 1;
        let seq = state.next_seq;
        state.outbox.insert(
            seq,
            OutboxEvent::new(seq, e.aggregate, e.kind, e.payload, now),
        );
    }
    if let Some(rec) = cs.idempotency {
        state
            .idempotency
            .insert((rec.scope.clone(), rec.key.clone()), rec);
    }
    Ok(CommitOutcome::Committed)
}

#[async_trait]
impl Storage for MemoryStore {
    async fn commit(&self, changes: Changeset) -> Result<CommitOutcome, StorageError> {
        apply(&mut *self.lock()?, changes)
    }

    async fn get(&self, kind: DocKind, id: &str) -> Result<Option<StoredDoc>, StorageError> {
        Ok(self
            .lock()?
            .docs
            .get(&(kind, id.to_owned()))
            .map(|d| stored(kind, id, d)))
    }

    async fn get_many(
        &self,
        kind: DocKind,
        ids: &[String],
    ) -> Result<Vec<StoredDoc>, StorageError> {
        let s = self.lock()?;
        Ok(ids
            .iter()
            .filter_map(|id| s.docs.get(&(kind, id.clone())).map(|d| stored(kind, id, d)))
            .collect())
    }

    async fn find_by_key(
        &self,
        kind: DocKind,
        key: &str,
    ) -> Result<Option<StoredDoc>, StorageError> {
        let s = self.lock()?;
        Ok(s.keys
            .get(&(kind, key.to_owned()))
            .and_then(|id| s.docs.get(&(kind, id.clone())).map(|d| stored(kind, id, d))))
    }

    async fn list_by_owners(
        &self,
        kind: DocKind,
        owners: &[String],
        limit: u32,
    ) -> Result<Vec<Vec<StoredDoc>>, StorageError> {
        let s = self.lock()?;
        Ok(owners
            .iter()
            .map(|owner| match s.owned.get(&(kind, owner.clone())) {
                Some(ids) => ids
                    .iter()
                    .filter_map(|id| s.docs.get(&(kind, id.clone())).map(|d| stored(kind, id, d)))
                    .take(limit.max(1) as usize)
                    .collect(),
                None => Vec::new(),
            })
            .collect())
    }

    async fn list(&self, q: &ListQuery) -> Result<Vec<StoredDoc>, StorageError> {
        let s = self.lock()?;
        let kind = q.kind;
        let after = q.after.as_deref();
        if let Some(owner) = &q.owner {
            // Through the owner index: as fast with a million documents of the kind as with ten.
            let Some(ids) = s.owned.get(&(kind, owner.clone())) else {
                return Ok(Vec::new());
            };
            let from = match after {
                Some(a) => std::ops::Bound::Excluded(a.to_owned()),
                None => std::ops::Bound::Unbounded,
            };
            return Ok(ids
                .range((from, std::ops::Bound::Unbounded))
                .filter_map(|id| s.docs.get(&(kind, id.clone())).map(|d| stored(kind, id, d)))
                .take(q.limit.max(1) as usize)
                .collect());
        }
        let start = (kind, after.unwrap_or_default().to_owned());
        Ok(s.docs
            .range(start..)
            .take_while(|((k, _), _)| *k == kind)
            .filter(|((_, id), _)| after.is_none_or(|a| id.as_str() > a))
            .filter(|(_, d)| {
                q.owner
                    .as_ref()
                    .is_none_or(|o| d.owners.iter().any(|x| x == o))
            })
            .take(q.limit.max(1) as usize)
            .map(|((_, id), d)| stored(kind, id, d))
            .collect())
    }

    async fn count_by_owner(
        &self,
        kind: DocKind,
        owners: &[String],
    ) -> Result<Vec<u64>, StorageError> {
        let s = self.lock()?;
        // The owner index's sizes: nothing is read.
        Ok(owners
            .iter()
            .map(|o| owned_len(&s.owned, kind, o))
            .collect())
    }

    async fn search_products(&self, q: &ProductQuery) -> Result<Vec<StoredDoc>, StorageError> {
        let s = self.lock()?;
        let start = (DocKind::Product, q.after.clone().unwrap_or_default());
        let in_stock = |id: &str| {
            s.stock
                .values()
                .any(|r| r.product.as_str() == id && (!r.tracked || r.available() > 0))
        };
        Ok(s.docs
            .range(start..)
            .take_while(|((k, _), _)| *k == DocKind::Product)
            .filter(|((_, id), _)| q.after.as_deref().is_none_or(|a| id.as_str() > a))
            .filter(|((_, id), d)| {
                let Some(p) = &d.product else { return false };
                (!q.active_only || p.active)
                    && q.category.as_ref().is_none_or(|c| &p.category == c)
                    && q.seller.as_ref().is_none_or(|c| &p.seller == c)
                    && q.min_price_minor.is_none_or(|m| p.max_price_minor >= m)
                    && q.max_price_minor.is_none_or(|m| p.min_price_minor <= m)
                    && q.text
                        .as_ref()
                        .is_none_or(|t| p.search_text.contains(t.as_str()))
                    && (!q.in_stock || in_stock(id))
            })
            .take(q.limit.max(1) as usize)
            .map(|((_, id), d)| stored(DocKind::Product, id, d))
            .collect())
    }

    async fn search(&self, q: &SearchQuery) -> Result<SearchPage, StorageError> {
        // Every active product is a candidate (a scan: the store is for tests and small
        // catalogs); the shared selection decides, as on the SQL backends.
        let s = self.lock()?;
        let mut in_stock: BTreeSet<&str> = BTreeSet::new();
        for r in s.stock.values() {
            if !r.tracked || r.available() > 0 {
                in_stock.insert(r.product.as_str());
            }
        }
        let candidates = s
            .docs
            .range((DocKind::Product, String::new())..)
            .take_while(|((k, _), _)| *k == DocKind::Product)
            .filter_map(|((_, id), d)| {
                let p = d.product.as_ref().filter(|p| p.active)?;
                Some(tijara_core::search::Candidate {
                    id: id.clone(),
                    fields: p.fields(),
                    category: p.category.clone(),
                    seller_city: p.seller_city.clone(),
                    seller_kind: p.seller_kind.clone(),
                    min_price_minor: p.min_price_minor,
                    in_stock: in_stock.contains(id.as_str()),
                })
            });
        let sel = tijara_core::search::select(
            &q.plan,
            q.match_all,
            &q.filters,
            q.sort,
            q.offset,
            q.limit.clamp(1, 100),
            candidates,
        );
        let docs = sel
            .ids
            .iter()
            .filter_map(|id| {
                s.docs
                    .get(&(DocKind::Product, id.clone()))
                    .map(|d| stored(DocKind::Product, id, d))
            })
            .collect::<Vec<StoredDoc>>();
        // The page's counters, read under the same lock as the documents.
        let stock = s
            .stock
            .values()
            .filter(|r| docs.iter().any(|d| d.id == r.product.as_str()))
            .cloned()
            .collect();
        Ok(SearchPage::new(docs, sel.total, sel.facets)
            .with_words(sel.words)
            .with_catalog_version(s.catalog_version)
            .with_stock(stock))
    }

    async fn search_index_outdated(&self, version: u32) -> Result<u64, StorageError> {
        let s = self.lock()?;
        // Every stored category's names are indexed by this store's own version.
        let categories = if version == tijara_core::search::INDEX_VERSION {
            0
        } else {
            s.docs
                .keys()
                .filter(|(kind, _)| *kind == DocKind::Category)
                .count() as u64
        };
        let products = s
            .docs
            .range((DocKind::Product, String::new())..)
            .take_while(|((k, _), _)| *k == DocKind::Product)
            .filter(|(_, d)| {
                d.product
                    .as_ref()
                    .is_none_or(|p| p.index_version != version)
            })
            .count() as u64;
        Ok(products + categories)
    }

    async fn catalog_version(&self) -> Result<Option<u64>, StorageError> {
        Ok(Some(self.lock()?.catalog_version))
    }

    fn commits_at_catalog_version(&self) -> bool {
        true
    }

    fn checks_stock_at_commit(&self) -> bool {
        true
    }

    fn counts_owners_at_commit(&self) -> bool {
        true
    }

    async fn catalog_stock(&self, variants: &[VariantId]) -> Result<CatalogStock, StorageError> {
        let s = self.lock()?;
        Ok(CatalogStock::new(
            Some(s.catalog_version),
            variants
                .iter()
                .filter_map(|v| s.stock.get(v).cloned())
                .collect(),
        ))
    }

    async fn get_at_catalog(&self, kind: DocKind, id: &str) -> Result<DocAtCatalog, StorageError> {
        let s = self.lock()?;
        Ok(DocAtCatalog::new(
            s.docs
                .get(&(kind, id.to_owned()))
                .map(|d| stored(kind, id, d)),
            Some(s.catalog_version),
        ))
    }

    async fn stock_levels(&self, variants: &[VariantId]) -> Result<Vec<StockRow>, StorageError> {
        let s = self.lock()?;
        Ok(variants
            .iter()
            .filter_map(|v| s.stock.get(v).cloned())
            .collect())
    }

    async fn expired_reservations(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ReservationRow>, StorageError> {
        let s = self.lock()?;
        let mut rows: Vec<ReservationRow> = s
            .reservations
            .values()
            .filter(|r| r.expires_at <= now)
            .cloned()
            .collect();
        rows.sort_by(|a, b| {
            a.expires_at
                .cmp(&b.expires_at)
                .then(a.reservation.cmp(&b.reservation))
        });
        rows.truncate(limit.max(1) as usize);
        Ok(rows)
    }

    async fn order_reservations(
        &self,
        order: &OrderId,
    ) -> Result<Vec<ReservationRow>, StorageError> {
        let s = self.lock()?;
        Ok(s.reservations
            .values()
            .filter(|r| &r.order == order)
            .cloned()
            .collect())
    }

    async fn idempotency(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StorageError> {
        Ok(self
            .lock()?
            .idempotency
            .get(&(scope.to_owned(), key.to_owned()))
            .cloned())
    }

    async fn claim_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, StorageError> {
        let mut s = self.lock()?;
        let slot = (scope.to_owned(), key.to_owned());
        if let Some((_, until)) = s.claims.get(&slot)
            && *until > now
        {
            return Ok(IdempotencyClaim::Held { expires_at: *until });
        }
        s.claims.insert(slot, (token.to_owned(), expires_at));
        Ok(IdempotencyClaim::Claimed)
    }

    async fn delete_doc(
        &self,
        kind: DocKind,
        id: &str,
        version: u64,
    ) -> Result<bool, StorageError> {
        let mut s = self.lock()?;
        let slot = (kind, id.to_owned());
        if s.docs.get(&slot).is_none_or(|d| d.version != version) {
            return Ok(false);
        }
        if let Some(doc) = s.docs.remove(&slot) {
            if is_catalog_kind(kind) {
                s.catalog_version += 1;
            }
            unown(&mut s.owned, kind, id, &doc.owners);
            for k in doc.keys {
                if s.keys
                    .get(&(kind, k.clone()))
                    .is_some_and(|holder| holder == id)
                {
                    s.keys.remove(&(kind, k));
                }
            }
            if kind == DocKind::Category {
                // Its products no longer carry its names.
                s.category_texts.remove(id);
                s.set_category_text(id, "");
            }
        }
        Ok(true)
    }

    async fn release_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
    ) -> Result<(), StorageError> {
        let mut s = self.lock()?;
        let slot = (scope.to_owned(), key.to_owned());
        if s.claims.get(&slot).is_some_and(|(t, _)| t == token) {
            s.claims.remove(&slot);
        }
        Ok(())
    }

    async fn pending_events(&self, limit: u32) -> Result<Vec<OutboxEvent>, StorageError> {
        Ok(self
            .lock()?
            .outbox
            .values()
            .take(limit.max(1) as usize)
            .cloned()
            .collect())
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, StorageError> {
        let s = self.lock()?;
        Ok(OutboxBacklog::new(
            u64::try_from(s.outbox.len()).unwrap_or(u64::MAX),
            false,
            s.outbox.values().next().map(|e| e.created_at),
        ))
    }

    async fn ack_events(&self, seqs: &[u64]) -> Result<(), StorageError> {
        let mut s = self.lock()?;
        for seq in seqs {
            s.outbox.remove(seq);
        }
        Ok(())
    }

    async fn record_delivery(
        &self,
        attempt: &DeliveryAttempt,
    ) -> Result<DeliveryRow, StorageError> {
        let mut s = self.lock()?;
        let slot = (attempt.seq, attempt.target.clone());
        let row = attempted(s.deliveries.remove(&slot), attempt);
        s.deliveries.insert(slot, row.clone());
        Ok(row)
    }

    async fn delivery(&self, target: &str, seq: u64) -> Result<Option<DeliveryRow>, StorageError> {
        Ok(self
            .lock()?
            .deliveries
            .get(&(seq, target.to_owned()))
            .cloned())
    }

    async fn failed_deliveries(
        &self,
        after: Option<(u64, String)>,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StorageError> {
        let s = self.lock()?;
        Ok(s.deliveries
            .iter()
            .filter(|(k, _)| after.as_ref().is_none_or(|a| *k > a))
            .filter(|(_, r)| r.delivered_at.is_none())
            .take(limit.max(1) as usize)
            .map(|(_, r)| r.clone())
            .collect())
    }

    async fn retry_delivery(
        &self,
        target: &str,
        seq: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let mut s = self.lock()?;
        match s.deliveries.get_mut(&(seq, target.to_owned())) {
            Some(row) if row.delivered_at.is_none() => {
                row.next_try_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn purge(&self, c: &PurgeCutoffs) -> Result<PurgeReport, StorageError> {
        let mut s = self.lock()?;
        let limit = c.limit.max(1) as usize;
        let mut report = PurgeReport::default();
        let (mut records, mut done) = (Vec::new(), Vec::new());
        for (slot, r) in &s.idempotency {
            if r.scope.starts_with("done:") {
                if r.created_at < c.done_before && done.len() < limit {
                    done.push(slot.clone());
                }
            } else if r.created_at < c.idempotency_before && records.len() < limit {
                records.push(slot.clone());
            }
        }
        let claims: Vec<_> = s
            .claims
            .iter()
            .filter(|(_, (_, until))| *until < c.idempotency_before)
            .map(|(slot, _)| slot.clone())
            .take(limit)
            .collect();
        report.done = done.len() as u64;
        report.idempotency = (records.len() + claims.len()) as u64;
        for slot in done.iter().chain(&records) {
            s.idempotency.remove(slot);
        }
        for slot in &claims {
            s.claims.remove(slot);
        }
        // Acknowledged events are dropped at once here: none is left to purge.
        let delivered: Vec<_> = s
            .deliveries
            .iter()
            .filter(|(_, r)| r.delivered_at.is_some_and(|t| t < c.events_before))
            .map(|(k, _)| k.clone())
            .take(limit)
            .collect();
        report.deliveries = delivered.len() as u64;
        for k in &delivered {
            s.deliveries.remove(k);
        }
        Ok(report)
    }
}
