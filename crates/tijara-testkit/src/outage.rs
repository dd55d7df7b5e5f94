//! A storage adapter with an off switch, to test how frontends behave during a database outage,
//! and a count of the calls made through it, to test how many storage round trips a step takes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tijara::ports::storage::*;
use tijara_core::{OrderId, VariantId};

/// Wraps a storage; while [`Outage::set_down`] is on, every call fails at once with
/// [`StorageError::Unavailable`], as a store whose database is gone does after its acquisition
/// timeout. Every call is counted ([`Outage::calls`]).
pub struct Outage {
    inner: Arc<dyn Storage>,
    down: AtomicBool,
    calls: AtomicU64,
    /// The methods asked ([`Outage::asked`]).
    asked: std::sync::Mutex<Vec<&'static str>>,
    spared: std::sync::Mutex<Vec<DocKind>>,
    refusal: std::sync::Mutex<Option<StorageError>>,
    /// What each commit asked.
    commits: std::sync::Mutex<Vec<Asked>>,
    /// Forwards the catalog's version ([`Outage::with_catalog_version`]).
    catalog: bool,
    /// An incarnation played by the wrapper ([`Outage::with_incarnation`]): the one it
    /// answers and the database's, which [`Outage::restart`] moves on alone.
    incarnation: std::sync::Mutex<Option<(u64, u64)>>,
}

/// What one commit asked: the kinds of its documents, its durability and the incarnation it
/// was held to.
struct Asked {
    kinds: Vec<DocKind>,
    /// Whether each document may keep its stored keys and owners (`DocWrite::keeps_links`).
    kept: Vec<bool>,
    durability: Durability,
    held: Option<u64>,
}

impl Outage {
    /// Wraps `inner`, up.
    pub fn new(inner: Arc<dyn Storage>) -> Self {
        Outage {
            inner,
            down: AtomicBool::new(false),
            calls: AtomicU64::new(0),
            asked: std::sync::Mutex::new(Vec::new()),
            spared: std::sync::Mutex::new(Vec::new()),
            refusal: std::sync::Mutex::new(None),
            commits: std::sync::Mutex::new(Vec::new()),
            catalog: false,
            incarnation: std::sync::Mutex::new(None),
        }
    }

    /// Plays a database with incarnations over the wrapped storage (which may have none):
    /// [`Storage::incarnation`] answers `token`, and a commit held to another incarnation
    /// than the database's is refused with [`StorageError::Restarted`], applying nothing.
    pub fn with_incarnation(self, token: u64) -> Self {
        if let Ok(mut i) = self.incarnation.lock() {
            *i = Some((token, token));
        }
        self
    }

    /// The database restarts at incarnation `token` after a crash; the wrapper answers its
    /// old incarnation until a commit held to it is refused, as a store does
    /// ([`Outage::with_incarnation`] first).
    pub fn restart(&self, token: u64) {
        if let Ok(mut i) = self.incarnation.lock()
            && let Some((_, database)) = i.as_mut()
        {
            *database = token;
        }
    }

    /// What each commit asked of the wrapper so far was held to, in order
    /// ([`Changeset::incarnation`]).
    pub fn held(&self) -> Vec<Option<u64>> {
        self.commits
            .lock()
            .map(|c| c.iter().map(|a| a.held).collect())
            .unwrap_or_default()
    }

    /// Forwards the wrapped storage's catalog version ([`Storage::catalog_version`], the reads
    /// that carry it, [`Storage::commits_at_catalog_version`] and
    /// [`Storage::checks_stock_at_commit`]), so an engine on top caches
    /// the catalog as it would on the wrapped storage, and its count of owners at commit
    /// ([`Storage::counts_owners_at_commit`]). Without it the wrapper keeps no
    /// version, the engine reads the catalog on every call, and it lists an e-mail's unpaid
    /// orders before placing one (as on a storage written before these capabilities).
    pub fn with_catalog_version(mut self) -> Self {
        self.catalog = true;
        self
    }

    /// The next commit fails with `error` and applies nothing, as a database refusing it
    /// would (a stock guard, say); the commits after it go through.
    pub fn refuse_next_commit(&self, error: StorageError) {
        if let Ok(mut refusal) = self.refusal.lock() {
            *refusal = Some(error);
        }
    }

    /// Documents of these kinds stay readable by id and by key during the outage (a partial
    /// failure: sessions and accounts load, everything else fails), to test pages past their
    /// login check.
    pub fn spare(&self, kinds: &[DocKind]) {
        if let Ok(mut spared) = self.spared.lock() {
            *spared = kinds.to_vec();
        }
    }

    /// The storage calls made through the wrapper so far (each port method called, failed or
    /// not; [`Storage::pool_status`] is not a call).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The storage calls the wrapper was asked (each counted in [`Outage::calls`]), by the
    /// name of their [`Storage`] method, in order, since the last call of this method, which
    /// forgets them. A method the wrapper does not forward as such records the calls its
    /// default makes instead: `product_page` and `count_by_owner` always, and
    /// `catalog_stock`, `pricing_stock` and `get_at_catalog` without
    /// [`Outage::with_catalog_version`].
    pub fn asked(&self) -> Vec<&'static str> {
        self.asked
            .lock()
            .map(|mut a| std::mem::take(&mut *a))
            .unwrap_or_default()
    }

    /// Each commit asked of the wrapper so far (applied or not), in order: the kinds of its
    /// documents, in its order, and its [`Changeset::durability`].
    pub fn commits(&self) -> Vec<(Vec<DocKind>, Durability)> {
        self.commits
            .lock()
            .map(|c| c.iter().map(|a| (a.kinds.clone(), a.durability)).collect())
            .unwrap_or_default()
    }

    /// Each commit asked of the wrapper so far, in order: each document's kind and whether
    /// its write may keep the stored keys and owners ([`DocWrite::keeps_links`]).
    pub fn links_kept(&self) -> Vec<Vec<(DocKind, bool)>> {
        self.commits
            .lock()
            .map(|c| {
                c.iter()
                    .map(|a| {
                        a.kinds
                            .iter()
                            .copied()
                            .zip(a.kept.iter().copied())
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Counts a call of `method` ([`Outage::calls`], [`Outage::asked`]).
    fn count(&self, method: &'static str) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(method);
        }
    }

    fn check_kind(&self, method: &'static str, kind: DocKind) -> Result<(), StorageError> {
        self.count(method);
        let spared = self
            .spared
            .lock()
            .map(|s| s.contains(&kind))
            .unwrap_or(false);
        if spared { Ok(()) } else { self.refuse() }
    }

    /// Takes the database down (`true`) or brings it back.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self, method: &'static str) -> Result<(), StorageError> {
        self.count(method);
        self.refuse()
    }

    fn refuse(&self) -> Result<(), StorageError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StorageError::Unavailable(
                "database unavailable: pool timed out while waiting for an open connection".into(),
            ))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Storage for Outage {
    async fn commit(&self, changes: Changeset) -> Result<CommitOutcome, StorageError> {
        if let Ok(mut commits) = self.commits.lock() {
            commits.push(Asked {
                kinds: changes.docs.iter().map(|w| w.kind).collect(),
                kept: changes.docs.iter().map(DocWrite::keeps_links).collect(),
                durability: changes.durability,
                held: changes.incarnation,
            });
        }
        self.check("commit")?;
        if let Some(error) = self.refusal.lock().ok().and_then(|mut r| r.take()) {
            return Err(error);
        }
        if let Ok(mut i) = self.incarnation.lock()
            && let Some((known, database)) = i.as_mut()
            && let Some(expected) = changes.incarnation
            && expected != *database
        {
            *known = *database;
            return Err(StorageError::Restarted {
                expected,
                found: *database,
            });
        }
        self.inner.commit(changes).await
    }
    async fn get(&self, kind: DocKind, id: &str) -> Result<Option<StoredDoc>, StorageError> {
        self.check_kind("get", kind)?;
        self.inner.get(kind, id).await
    }
    async fn get_many(
        &self,
        kind: DocKind,
        ids: &[String],
    ) -> Result<Vec<StoredDoc>, StorageError> {
        self.check_kind("get_many", kind)?;
        self.inner.get_many(kind, ids).await
    }
    async fn find_by_key(
        &self,
        kind: DocKind,
        key: &str,
    ) -> Result<Option<StoredDoc>, StorageError> {
        self.check_kind("find_by_key", kind)?;
        self.inner.find_by_key(kind, key).await
    }
    async fn list(&self, query: &ListQuery) -> Result<Vec<StoredDoc>, StorageError> {
        self.check("list")?;
        self.inner.list(query).await
    }
    async fn list_by_owners(
        &self,
        kind: DocKind,
        owners: &[String],
        limit: u32,
    ) -> Result<Vec<Vec<StoredDoc>>, StorageError> {
        self.check("list_by_owners")?;
        self.inner.list_by_owners(kind, owners, limit).await
    }
    async fn search_products(&self, query: &ProductQuery) -> Result<Vec<StoredDoc>, StorageError> {
        self.check("search_products")?;
        self.inner.search_products(query).await
    }
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StorageError> {
        self.check("search")?;
        self.inner.search(query).await
    }
    async fn stock_levels(&self, variants: &[VariantId]) -> Result<Vec<StockRow>, StorageError> {
        self.check("stock_levels")?;
        self.inner.stock_levels(variants).await
    }
    async fn expired_reservations(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ReservationRow>, StorageError> {
        self.check("expired_reservations")?;
        self.inner.expired_reservations(now, limit).await
    }
    async fn order_reservations(
        &self,
        order: &OrderId,
    ) -> Result<Vec<ReservationRow>, StorageError> {
        self.check("order_reservations")?;
        self.inner.order_reservations(order).await
    }
    async fn idempotency(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StorageError> {
        self.check("idempotency")?;
        self.inner.idempotency(scope, key).await
    }
    async fn idempotency_many(
        &self,
        scope: &str,
        keys: &[String],
    ) -> Result<Vec<Option<IdempotencyRecord>>, StorageError> {
        self.check("idempotency_many")?;
        self.inner.idempotency_many(scope, keys).await
    }
    async fn insert_idempotency_records(
        &self,
        records: &[IdempotencyRecord],
    ) -> Result<Vec<bool>, StorageError> {
        self.check("insert_idempotency_records")?;
        self.inner.insert_idempotency_records(records).await
    }
    async fn claim_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, StorageError> {
        self.check("claim_idempotency")?;
        self.inner
            .claim_idempotency(scope, key, token, now, expires_at)
            .await
    }
    async fn delete_doc(
        &self,
        kind: DocKind,
        id: &str,
        version: u64,
    ) -> Result<bool, StorageError> {
        self.check("delete_doc")?;
        self.inner.delete_doc(kind, id, version).await
    }
    async fn release_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
    ) -> Result<(), StorageError> {
        self.check("release_idempotency")?;
        self.inner.release_idempotency(scope, key, token).await
    }
    async fn pending_events(&self, limit: u32) -> Result<Vec<OutboxEvent>, StorageError> {
        self.check("pending_events")?;
        self.inner.pending_events(limit).await
    }
    async fn ack_events(&self, seqs: &[u64]) -> Result<(), StorageError> {
        self.check("ack_events")?;
        self.inner.ack_events(seqs).await
    }
    async fn outbox_backlog(&self) -> Result<OutboxBacklog, StorageError> {
        self.check("outbox_backlog")?;
        self.inner.outbox_backlog().await
    }
    async fn schema_status(&self) -> Result<Option<SchemaStatus>, StorageError> {
        self.check("schema_status")?;
        self.inner.schema_status().await
    }
    fn pool_status(&self) -> Option<PoolStatus> {
        self.inner.pool_status()
    }
    async fn record_delivery(
        &self,
        attempt: &DeliveryAttempt,
    ) -> Result<DeliveryRow, StorageError> {
        self.check("record_delivery")?;
        self.inner.record_delivery(attempt).await
    }
    async fn delivery(&self, target: &str, seq: u64) -> Result<Option<DeliveryRow>, StorageError> {
        self.check("delivery")?;
        self.inner.delivery(target, seq).await
    }
    async fn deliveries(
        &self,
        targets: &[String],
        seq: u64,
    ) -> Result<Vec<Option<DeliveryRow>>, StorageError> {
        self.check("deliveries")?;
        self.inner.deliveries(targets, seq).await
    }
    async fn deliveries_among(
        &self,
        targets: &[String],
        seqs: &[u64],
    ) -> Result<Vec<DeliveryRow>, StorageError> {
        self.check("deliveries_among")?;
        self.inner.deliveries_among(targets, seqs).await
    }
    async fn failed_deliveries(
        &self,
        after: Option<(u64, String)>,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StorageError> {
        self.check("failed_deliveries")?;
        self.inner.failed_deliveries(after, limit).await
    }
    async fn retry_delivery(
        &self,
        target: &str,
        seq: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        self.check("retry_delivery")?;
        self.inner.retry_delivery(target, seq, now).await
    }
    async fn purge(&self, cutoffs: &PurgeCutoffs) -> Result<PurgeReport, StorageError> {
        self.check("purge")?;
        self.inner.purge(cutoffs).await
    }
    async fn checkout_snapshot(
        &self,
        variants: &[VariantId],
    ) -> Result<CheckoutRows, StorageError> {
        self.check("checkout_snapshot")?;
        self.inner.checkout_snapshot(variants).await
    }
    // The catalog's version, forwarded only when asked: otherwise the defaults (no version,
    // nothing counted for it).
    async fn catalog_version(&self) -> Result<Option<u64>, StorageError> {
        if !self.catalog {
            return Ok(None);
        }
        self.check("catalog_version")?;
        self.inner.catalog_version().await
    }
    fn incarnation(&self) -> Option<u64> {
        match self.incarnation.lock().ok().and_then(|i| *i) {
            Some((known, _)) => Some(known),
            None => self.inner.incarnation(),
        }
    }

    fn commits_at_catalog_version(&self) -> bool {
        self.catalog && self.inner.commits_at_catalog_version()
    }

    fn checks_stock_at_commit(&self) -> bool {
        self.catalog && self.inner.checks_stock_at_commit()
    }

    fn counts_owners_at_commit(&self) -> bool {
        self.catalog && self.inner.counts_owners_at_commit()
    }
    async fn catalog_stock(&self, variants: &[VariantId]) -> Result<CatalogStock, StorageError> {
        if !self.catalog {
            return Ok(CatalogStock::new(None, self.stock_levels(variants).await?));
        }
        self.check("catalog_stock")?;
        self.inner.catalog_stock(variants).await
    }
    async fn pricing_stock(&self, variants: &[VariantId]) -> Result<PricingStock, StorageError> {
        if !self.catalog {
            return compose_pricing_stock(self, variants).await;
        }
        self.check("pricing_stock")?;
        self.inner.pricing_stock(variants).await
    }
    async fn get_at_catalog(&self, kind: DocKind, id: &str) -> Result<DocAtCatalog, StorageError> {
        if !self.catalog {
            return Ok(DocAtCatalog::new(self.get(kind, id).await?, None));
        }
        self.check_kind("get_at_catalog", kind)?;
        self.inner.get_at_catalog(kind, id).await
    }
}
