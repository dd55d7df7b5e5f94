//! The storage port.
//!
//! Storage is document-shaped: the engine saves aggregates (sellers, products, carts, orders...)
//! as JSON documents with a version, a few unique keys and owners for look-ups, and an index row
//! for product search. Stock is not a document: it lives in counters that only the storage
//! changes, with conditional updates, so it is never read-modified-written by a process.
//!
//! Every change is one [`Changeset`], applied by [`Storage::commit`] atomically: all of it or
//! nothing. A business step (placing an order: the order document, the cart, the stock
//! reservations, the outbox events and the idempotency record) is therefore one call, and no
//! transaction object crosses the port.
//!
//! # Contract
//! An adapter MUST:
//! - apply a changeset atomically and durably before returning `Ok`;
//! - refuse a [`DocWrite`] whose `expected_version` does not match ([`StorageError::Conflict`]),
//!   bump the version by one on every write, and refuse a key held by another document of the
//!   same kind ([`StorageError::KeyTaken`]);
//! - apply [`StockOp::Reserve`] and [`StockOp::Sell`] only when enough units are available
//!   (`on_hand - reserved >= quantity`), decided by the database itself (a conditional update or
//!   a row lock), else fail the whole changeset with [`StorageError::OutOfStock`]; stock never
//!   goes negative, even with several processes on one database. On an untracked variant they
//!   always succeed and change no counter (the reservation row holds 0 units);
//! - store the idempotency record in the same transaction; when a record with the same scope and
//!   key exists, roll the changeset back and answer [`CommitOutcome::Replayed`] with the stored
//!   record if the fingerprint matches, [`StorageError::IdempotencyMismatch`] if it does not;
//! - claim an idempotency key atomically ([`Storage::claim_idempotency`]: insert if absent, or
//!   take over a claim whose expiry has passed, decided by the database itself), so of several
//!   concurrent calls with one key exactly one is told [`IdempotencyClaim::Claimed`]; and
//!   release a claim only for the token that holds it ([`Storage::release_idempotency`]);
//! - append events to the outbox in changeset order, with increasing sequence numbers, and
//!   return them from [`Storage::pending_events`] in sequence order until acknowledged;
//! - list documents ordered by id, strictly after the `after` cursor (stable pagination);
//! - keep amounts exact: documents are stored as the JSON text given, byte for byte.
//!
//! `tijara-testkit` has one check per rule; an adapter is correct when it passes them all.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tijara_core::{OrderId, ReservationId, VariantId};

mod records;
pub use records::{
    CatalogStock, Changeset, CheckoutRows, CommitOutcome, DocKind, DocWrite, IdempotencyClaim,
    IdempotencyRecord, ListQuery, NewEvent, OutboxEvent, ProductIndex, ProductPageRows,
    ProductQuery, ReservationRow, StockOp, StockRow, StoredDoc, is_catalog_kind,
};

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// A write expected another version, or created a document that exists.
    #[error("{kind} {id} was changed concurrently (or already exists)")]
    Conflict {
        /// Kind.
        kind: DocKind,
        /// Id.
        id: String,
    },
    /// A unique key is held by another document.
    #[error("{kind} key {key:?} is already taken")]
    KeyTaken {
        /// Kind.
        kind: DocKind,
        /// The key.
        key: String,
    },
    /// Not enough units available.
    #[error("variant {variant}: {requested} requested, {available} available")]
    OutOfStock {
        /// The variant.
        variant: VariantId,
        /// Units asked.
        requested: u32,
        /// Units available.
        available: u32,
    },
    /// A stock operation names a variant with no counter.
    #[error("variant {0} has no stock counter")]
    UnknownVariant(VariantId),
    /// The reservation does not exist (released, committed or never made).
    #[error("reservation {0} does not exist")]
    UnknownReservation(ReservationId),
    /// An idempotency key was reused with another input.
    #[error("idempotency key {key:?} of {scope} was used with another input")]
    IdempotencyMismatch {
        /// The use case.
        scope: String,
        /// The key.
        key: String,
    },
    /// The database is busy or unreachable, or cannot write for now (disk full, read-only
    /// database, I/O error, no connection within the acquisition timeout); retrying later may
    /// succeed. Frontends answer 503 with `Retry-After`, not a refusal.
    #[error("storage temporarily unavailable: {0}")]
    Unavailable(String),
    /// Any other failure of the backend.
    #[error("storage backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StorageError {
    /// True when retrying the same call may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            StorageError::Unavailable(_) | StorageError::Conflict { .. }
        )
    }
}

/// The storage port. See the module documentation for the contract as a whole; each method's
/// section names the `tijara-testkit` storage check that verifies it.
#[async_trait]
pub trait Storage: Send + Sync {
    /// Applies a changeset atomically.
    ///
    /// # Contract
    /// - All of it or nothing, durable before `Ok` (`tijara_testkit::storage::changesets_are_atomic`,
    ///   `tijara_testkit::storage::multi_variant_sales_are_all_or_nothing`); the engine never shares a changeset
    ///   between calls and retries a [`StorageError::Conflict`] by reloading.
    /// - Versions: [`StorageError::Conflict`] when a [`DocWrite`]'s expected version does not
    ///   match (or `None` and the document exists), else version + 1; of concurrent writes at
    ///   one version exactly one wins (`tijara_testkit::storage::documents_are_versioned_and_exact`,
    ///   `tijara_testkit::storage::concurrent_writes_conflict`, `tijara_testkit::storage::every_kind_is_stored_and_compared`).
    /// - Keys and owners replace the old ones; a key held by another document of the kind is
    ///   [`StorageError::KeyTaken`] (`tijara_testkit::storage::keys_are_unique_and_replaced`).
    /// - Stock guards decided by the database ([`StorageError::OutOfStock`],
    ///   [`StorageError::UnknownVariant`], [`StorageError::UnknownReservation`]):
    ///   `tijara_testkit::storage::stock_counters_obey_their_guards`, `tijara_testkit::storage::reservations_hold_commit_and_release`,
    ///   `tijara_testkit::storage::untracked_variants_never_run_out`, `tijara_testkit::storage::concurrent_checkouts_never_oversell`,
    ///   `tijara_testkit::storage::concurrent_reservations_never_oversell`,
    ///   `tijara_testkit::storage::concurrent_restocks_and_sales_lose_nothing`.
    /// - An idempotency record already stored under the scope and key: nothing applied,
    ///   [`CommitOutcome::Replayed`] (same fingerprint) or
    ///   [`StorageError::IdempotencyMismatch`] (`tijara_testkit::storage::idempotency_replays_and_refuses`,
    ///   `tijara_testkit::storage::concurrent_duplicate_keys_create_one_order`).
    /// - Events appended in order with increasing `seq`, stamped `changes.now` (the adapter's
    ///   clock when absent)
    ///   (`tijara_testkit::storage::outbox_keeps_order_until_acknowledged`).
    /// - Busy, unreachable or read-only database: [`StorageError::Unavailable`] (the engine
    ///   answers "try again"), never `Backend`.
    async fn commit(&self, changes: Changeset) -> Result<CommitOutcome, StorageError>;

    /// Deletes a document if it is still at `version`, with its keys and owners (and a
    /// product's search row): `true` if it was deleted, `false` if it was gone or changed
    /// meanwhile. For housekeeping of documents nothing refers to (expired login throttles).
    ///
    /// # Contract
    /// Atomic compare-and-delete: a document changed since `version` is kept (`false`); its
    /// keys are free again afterwards (`tijara_testkit::storage::documents_are_deleted_at_their_version`).
    async fn delete_doc(&self, kind: DocKind, id: &str, version: u64)
    -> Result<bool, StorageError>;

    /// A document by id.
    ///
    /// # Contract
    /// The latest committed version, body byte for byte; a commit that returned `Ok` is
    /// visible to the next read on any connection (`tijara_testkit::storage::documents_are_versioned_and_exact`,
    /// `tijara_testkit::storage::reads_see_the_latest_commit`). `Ok(None)` when absent, never an error.
    async fn get(&self, kind: DocKind, id: &str) -> Result<Option<StoredDoc>, StorageError>;

    /// Documents by ids (missing ones are skipped; order unspecified).
    ///
    /// # Contract
    /// Each found document once, as [`Storage::get`] would answer it
    /// (`tijara_testkit::storage::checkout_snapshot_matches_its_parts`).
    async fn get_many(&self, kind: DocKind, ids: &[String])
    -> Result<Vec<StoredDoc>, StorageError>;

    /// The document holding a unique key.
    ///
    /// # Contract
    /// Only a key of the document's latest write (replaced keys are free):
    /// `tijara_testkit::storage::keys_are_unique_and_replaced`.
    async fn find_by_key(
        &self,
        kind: DocKind,
        key: &str,
    ) -> Result<Option<StoredDoc>, StorageError>;

    /// Documents of a kind (of one owner if given), by id, after the cursor.
    ///
    /// # Contract
    /// Ordered by id, strictly after `query.after`, at most `query.limit` (an adapter may cap
    /// it, never below 1): pages never repeat or skip a document
    /// (`tijara_testkit::storage::listing_is_stable_and_by_owner`).
    async fn list(&self, query: &ListQuery) -> Result<Vec<StoredDoc>, StorageError>;

    /// How many documents of `kind` list each of `owners`: one count per owner, in the order
    /// given (0 for an owner no document lists). The engine counts a seller's orders per tab of
    /// the portal this way (the `seller-work:` owner rows), without reading them.
    ///
    /// The default pages through [`Storage::list`] (it reads every document it counts); an
    /// adapter SHOULD override it with a counting query over its owner index (the memory and
    /// SQL adapters do), and MUST then answer the same counts.
    ///
    /// # Contract
    /// The latest write's owners only (replaced owners no longer count, deleted documents
    /// neither); an owner given twice is counted twice in its two places
    /// (`tijara_testkit::storage::owners_are_counted`).
    async fn count_by_owner(
        &self,
        kind: DocKind,
        owners: &[String],
    ) -> Result<Vec<u64>, StorageError> {
        compose_count_by_owner(self, kind, owners).await
    }

    /// Products matching a query, by id.
    ///
    /// # Contract
    /// Every filter of [`ProductQuery`] combined with AND, over the [`ProductIndex`] row of
    /// each product's latest write and its stock counters; paged like [`Storage::list`]
    /// (`tijara_testkit::storage::product_search_filters`).
    async fn search_products(&self, query: &ProductQuery) -> Result<Vec<StoredDoc>, StorageError>;

    /// Stock counters of these variants (variants without a counter are skipped).
    ///
    /// # Contract
    /// The committed counters, `reserved` included (`tijara_testkit::storage::stock_counters_obey_their_guards`).
    async fn stock_levels(&self, variants: &[VariantId]) -> Result<Vec<StockRow>, StorageError>;

    /// Reservations lapsed at `now`, oldest first.
    ///
    /// # Contract
    /// Live reservations (neither committed nor released) with `expires_at <= now`, oldest
    /// first, at most `limit` (`tijara_testkit::storage::reservations_hold_commit_and_release`).
    async fn expired_reservations(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ReservationRow>, StorageError>;

    /// Live reservations of an order.
    ///
    /// # Contract
    /// Neither committed nor released, whatever their expiry
    /// (`tijara_testkit::storage::reservations_hold_commit_and_release`).
    async fn order_reservations(
        &self,
        order: &OrderId,
    ) -> Result<Vec<ReservationRow>, StorageError>;

    /// An idempotency record.
    ///
    /// # Contract
    /// The record a committed changeset stored, as given (`tijara_testkit::storage::idempotency_replays_and_refuses`).
    async fn idempotency(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StorageError>;

    /// Claims an idempotency key for a call that reaches an outside service (a gateway, a
    /// carrier) before it commits: atomically, inserts a claim held by `token` until
    /// `expires_at` when the key has none, or takes over a claim that expired at `now` (its
    /// holder died mid-call); else answers [`IdempotencyClaim::Held`]. Claims live apart from
    /// the records of [`Storage::idempotency`]: the caller checks for a record itself.
    ///
    /// # Contract
    /// Decided by the database in one step: of concurrent claims (or takeovers of an expired
    /// claim) exactly one is [`IdempotencyClaim::Claimed`]
    /// (`tijara_testkit::storage::idempotency_claims_hold_until_released_or_expired`,
    /// `tijara_testkit::storage::concurrent_claims_grant_one`, `tijara_testkit::storage::concurrent_takeovers_of_an_expired_claim_grant_one`).
    async fn claim_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, StorageError>;

    /// Deletes the claim on a key if `token` still holds it (a claim taken over by another
    /// token is left alone). Releasing a claim that does not exist is not an error.
    ///
    /// # Contract
    /// Idempotent (`tijara_testkit::storage::idempotency_claims_hold_until_released_or_expired`).
    async fn release_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
    ) -> Result<(), StorageError>;

    /// Unacknowledged events, by sequence.
    ///
    /// # Contract
    /// The oldest `limit` unacknowledged events in `seq` order, the same again until
    /// acknowledged (`tijara_testkit::storage::outbox_keeps_order_until_acknowledged`).
    async fn pending_events(&self, limit: u32) -> Result<Vec<OutboxEvent>, StorageError>;

    /// Marks events delivered.
    ///
    /// # Contract
    /// Idempotent; unknown or already acknowledged sequence numbers are ignored
    /// (`tijara_testkit::storage::outbox_keeps_order_until_acknowledged`).
    async fn ack_events(&self, seqs: &[u64]) -> Result<(), StorageError>;

    /// Reads what pricing a cart needs. The default composes the methods above (several round
    /// trips); an adapter MAY override it to read everything at once (the SQL adapter does, in
    /// one query), and MUST then return the same rows (the conformance suite compares them).
    ///
    /// # Contract
    /// The rows the default composes, in any order (`tijara_testkit::storage::checkout_snapshot_matches_its_parts`).
    async fn checkout_snapshot(
        &self,
        variants: &[VariantId],
    ) -> Result<CheckoutRows, StorageError> {
        compose_checkout_snapshot(self, variants).await
    }

    /// Reads what a product page needs (see [`ProductPageRows`]) for the product holding
    /// `key` (of [`DocKind::Product`]). The default composes the methods above (four round
    /// trips); an adapter MAY override it to read everything at once (the SQL adapter does, in
    /// one statement), and MUST then return the same documents and at least the same stock
    /// counters (the conformance suite compares them).
    ///
    /// # Contract
    /// The rows the default composes (`tijara_testkit::storage::product_page_matches_its_parts`).
    async fn product_page(&self, key: &str) -> Result<ProductPageRows, StorageError> {
        compose_product_page(self, key).await
    }

    /// The catalog's version: a number that grows in the same transaction as any write or
    /// delete of a catalog document (product, seller, category: [`is_catalog_kind`]),
    /// whichever process made it, and never otherwise goes back. An
    /// engine caches the decoded catalog and uses what it holds only while this number is the
    /// one it was read at. The default, `None`, says the storage keeps no version: the engine
    /// then reads the catalog on every call (a storage that wraps another should forward this
    /// method, or keep the default).
    ///
    /// # Contract
    /// Changes in the same transaction as every catalog write or delete, is the same before
    /// and after a change to anything else (`tijara_testkit::storage::catalog_version_follows_catalog_writes`).
    async fn catalog_version(&self) -> Result<Option<u64>, StorageError> {
        Ok(None)
    }

    /// The catalog's version and the stock counters of `variants`, read together (one
    /// statement on the SQL adapters): what a cached catalog needs to be used. The version is
    /// read no later than the counters. The default composes [`Storage::catalog_version`] and
    /// [`Storage::stock_levels`].
    ///
    /// # Contract
    /// The rows the default composes (`tijara_testkit::storage::catalog_version_follows_catalog_writes`).
    async fn catalog_stock(&self, variants: &[VariantId]) -> Result<CatalogStock, StorageError> {
        let version = self.catalog_version().await?;
        let stock = self.stock_levels(variants).await?;
        Ok(CatalogStock::new(version, stock))
    }
}

/// [`Storage::count_by_owner`] composed from [`Storage::list`] (its default): reads every
/// document it counts, page by page.
pub async fn compose_count_by_owner<S: Storage + ?Sized>(
    store: &S,
    kind: DocKind,
    owners: &[String],
) -> Result<Vec<u64>, StorageError> {
    const PAGE: u32 = 500;
    let mut counts = Vec::with_capacity(owners.len());
    for owner in owners {
        let mut n = 0u64;
        let mut after: Option<String> = None;
        loop {
            let page = store
                .list(
                    &ListQuery::new(kind, PAGE)
                        .owner(owner.clone())
                        .after(after.as_deref()),
                )
                .await?;
            n += page.len() as u64;
            match page.last() {
                Some(last) => after = Some(last.id.clone()),
                None => break,
            }
        }
        counts.push(n);
    }
    Ok(counts)
}

/// [`Storage::product_page`] composed from the required methods (its default).
pub async fn compose_product_page<S: Storage + ?Sized>(
    store: &S,
    key: &str,
) -> Result<ProductPageRows, StorageError> {
    let Some(product) = store.find_by_key(DocKind::Product, key).await? else {
        return Ok(ProductPageRows::default());
    };
    let body: serde_json::Value =
        serde_json::from_str(&product.body).map_err(|e| StorageError::Backend(Box::new(e)))?;
    let text = |field: &str| body.get(field).and_then(serde_json::Value::as_str);
    let variants: Vec<VariantId> = body
        .get("variants")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("id").and_then(serde_json::Value::as_str))
        .filter_map(|id| VariantId::new(id).ok())
        .collect();
    let stock = store.stock_levels(&variants).await?;
    let seller = match text("seller_id") {
        Some(id) => store.get(DocKind::Seller, id).await?,
        None => None,
    };
    let category = match text("category_id") {
        Some(id) => store.get(DocKind::Category, id).await?,
        None => None,
    };
    Ok(ProductPageRows {
        product: Some(product),
        stock,
        seller,
        category,
    })
}

/// [`Storage::checkout_snapshot`] composed from the required methods (its default).
pub async fn compose_checkout_snapshot<S: Storage + ?Sized>(
    store: &S,
    variants: &[VariantId],
) -> Result<CheckoutRows, StorageError> {
    let stock = store.stock_levels(variants).await?;
    let mut product_ids: Vec<String> = stock.iter().map(|r| r.product.to_string()).collect();
    product_ids.sort();
    product_ids.dedup();
    let products = store.get_many(DocKind::Product, &product_ids).await?;
    let mut seller_ids: Vec<String> = Vec::new();
    for p in &products {
        let body: serde_json::Value =
            serde_json::from_str(&p.body).map_err(|e| StorageError::Backend(Box::new(e)))?;
        if let Some(seller) = body.get("seller_id").and_then(serde_json::Value::as_str) {
            seller_ids.push(seller.to_owned());
        }
    }
    seller_ids.sort();
    seller_ids.dedup();
    let sellers = store.get_many(DocKind::Seller, &seller_ids).await?;
    let mut promotions = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list(&ListQuery::new(DocKind::Promotion, 500).after(after.as_deref()))
            .await?;
        let full = page.len() == 500;
        after = page.last().map(|d| d.id.clone());
        promotions.extend(page);
        if !full {
            break;
        }
    }
    Ok(CheckoutRows {
        stock,
        products,
        sellers,
        promotions,
    })
}
