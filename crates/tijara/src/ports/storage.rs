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
use serde::{Deserialize, Serialize};
use std::fmt;
use tijara_core::{DomainEvent, OrderId, ProductId, ReservationId, VariantId};

/// The kinds of document the engine stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DocKind {
    /// A seller.
    Seller,
    /// A category.
    Category,
    /// A product with its variants.
    Product,
    /// A cart with its checkout details.
    Cart,
    /// An order with its payment log, shipments, returns and settlement.
    Order,
    /// A promotion.
    Promotion,
    /// A login account.
    Account,
    /// A logged-in session.
    Session,
    /// A payout paid to a seller.
    Payout,
    /// An invoice (and each seller's invoice counter).
    Invoice,
    /// A login throttle: recent failed logins of an account, an address, or both.
    Throttle,
}

impl DocKind {
    /// Every kind.
    pub const ALL: [DocKind; 11] = [
        DocKind::Seller,
        DocKind::Category,
        DocKind::Product,
        DocKind::Cart,
        DocKind::Order,
        DocKind::Promotion,
        DocKind::Account,
        DocKind::Session,
        DocKind::Payout,
        DocKind::Invoice,
        DocKind::Throttle,
    ];

    /// The kind's name, as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            DocKind::Seller => "seller",
            DocKind::Category => "category",
            DocKind::Product => "product",
            DocKind::Cart => "cart",
            DocKind::Order => "order",
            DocKind::Promotion => "promotion",
            DocKind::Account => "account",
            DocKind::Session => "session",
            DocKind::Payout => "payout",
            DocKind::Invoice => "invoice",
            DocKind::Throttle => "throttle",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredDoc {
    /// Its kind.
    pub kind: DocKind,
    /// Its id.
    pub id: String,
    /// Its version: 1 after creation, +1 per write.
    pub version: u64,
    /// The JSON text, exactly as written.
    pub body: String,
}

/// The search row of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductIndex {
    /// Seller id.
    pub seller: String,
    /// Category id.
    pub category: String,
    /// Product, variants and seller all active.
    pub active: bool,
    /// Lowest variant price in minor units.
    pub min_price_minor: i64,
    /// Highest variant price in minor units.
    pub max_price_minor: i64,
    /// Normalized text of every title (see `tijara_core::catalog::search_key`).
    pub search_text: String,
}

/// Writes one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocWrite {
    /// Kind.
    pub kind: DocKind,
    /// Id.
    pub id: String,
    /// `None`: the document must not exist yet; `Some(v)`: it must be at version `v`.
    pub expected_version: Option<u64>,
    /// The JSON text.
    pub body: String,
    /// Unique look-up keys within the kind (a slug, a tracking number); replace the old ones.
    pub keys: Vec<String>,
    /// Owners for listing (`seller:…`, `customer:…`); replace the old ones.
    pub owners: Vec<String>,
    /// Search row (products only).
    pub product: Option<ProductIndex>,
}

/// A change of stock, applied by the storage with database-side guards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockOp {
    /// Declares a variant's stock counter: creates it with `on_hand` units, or, if it exists,
    /// only updates `tracked` and `product`.
    Define {
        /// The variant.
        variant: VariantId,
        /// Its product.
        product: ProductId,
        /// False for made-to-order and unlimited variants (never out of stock).
        tracked: bool,
        /// Initial units (ignored if the counter exists).
        on_hand: u32,
    },
    /// Adds (positive) or removes (negative) units; a removal may not leave fewer units on
    /// hand than reserved ([`StorageError::OutOfStock`]).
    Adjust {
        /// The variant.
        variant: VariantId,
        /// Units added or removed.
        delta: i64,
    },
    /// Sets the units on hand after a count; not below what is reserved.
    Set {
        /// The variant.
        variant: VariantId,
        /// Units on hand.
        on_hand: u32,
    },
    /// Holds units for an order until `expires_at`, if available.
    Reserve {
        /// Reservation id (unique).
        reservation: ReservationId,
        /// The variant.
        variant: VariantId,
        /// Units.
        quantity: u32,
        /// The order holding them.
        order: OrderId,
        /// When the hold lapses (the engine's sweeper releases it).
        expires_at: DateTime<Utc>,
    },
    /// Sells units at once, if available (no reservation).
    Sell {
        /// The variant.
        variant: VariantId,
        /// Units.
        quantity: u32,
    },
    /// Turns a reservation into a sale. Fails with [`StorageError::UnknownReservation`] if it
    /// is gone.
    Commit {
        /// The reservation.
        reservation: ReservationId,
    },
    /// Cancels a reservation (its units are available again). Fails with
    /// [`StorageError::UnknownReservation`] if it is gone.
    Release {
        /// The reservation.
        reservation: ReservationId,
    },
}

/// An event to append to the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    /// The aggregate it concerns (e.g. an order id); delivery is in order per aggregate.
    pub aggregate: String,
    /// Event type (`order.placed`...).
    pub kind: String,
    /// JSON payload.
    pub payload: String,
}

impl NewEvent {
    /// The outbox row of a domain event: its aggregate, its kind and its JSON payload (the
    /// format documented in `docs/embedding.md`, the webhook contract).
    pub fn from_domain(event: &DomainEvent) -> Result<Self, serde_json::Error> {
        Ok(NewEvent {
            aggregate: event.aggregate(),
            kind: event.kind().to_owned(),
            payload: serde_json::to_string(event)?,
        })
    }
}

/// An event in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEvent {
    /// Position in the outbox (increasing).
    pub seq: u64,
    /// Aggregate.
    pub aggregate: String,
    /// Event type.
    pub kind: String,
    /// JSON payload.
    pub payload: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl OutboxEvent {
    /// The typed event, read back from its kind and payload. An error for a kind this version
    /// does not know (written by a newer version, or by the embedder) or a payload that does
    /// not fit its kind.
    pub fn event(&self) -> Result<DomainEvent, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(&self.payload);
        let event = DomainEvent::from_payload(&self.kind, &mut de)?;
        de.end()?;
        Ok(event)
    }
}

/// What a mutating call with an idempotency key answered the first time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// The use case (`place_order`...).
    pub scope: String,
    /// The caller's key.
    pub key: String,
    /// A hash of the input; the same key with another input is refused.
    pub fingerprint: String,
    /// The JSON answer to replay.
    pub response: String,
    /// When it was first answered.
    pub created_at: DateTime<Utc>,
}

/// One atomic business step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changeset {
    /// Documents written, in order.
    pub docs: Vec<DocWrite>,
    /// Stock changes, in order.
    pub stock: Vec<StockOp>,
    /// Events appended to the outbox, in order.
    pub events: Vec<NewEvent>,
    /// The idempotency record to store with the change.
    pub idempotency: Option<IdempotencyRecord>,
    /// The instant of the step (event and record timestamps).
    pub now: Option<DateTime<Utc>>,
}

impl Changeset {
    /// True when the changeset writes nothing.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
            && self.stock.is_empty()
            && self.events.is_empty()
            && self.idempotency.is_none()
    }
}

/// The result of a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// Applied.
    Committed,
    /// Not applied: the idempotency key was already used with the same input; here is the
    /// first answer.
    Replayed(IdempotencyRecord),
}

/// The answer to [`Storage::claim_idempotency`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is now held by the caller's token, until released or until its expiry.
    Claimed,
    /// Another call holds the key (its claim has not expired): that call is in progress.
    Held {
        /// When the other call's claim expires and may be taken over.
        expires_at: DateTime<Utc>,
    },
}

/// A stock counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockRow {
    /// The variant.
    pub variant: VariantId,
    /// Its product.
    pub product: ProductId,
    /// Counted (false: never runs out).
    pub tracked: bool,
    /// Units on hand (reserved included).
    pub on_hand: u32,
    /// Units held by reservations.
    pub reserved: u32,
}

impl StockRow {
    /// Units that can be reserved now.
    pub fn available(&self) -> u32 {
        self.on_hand.saturating_sub(self.reserved)
    }
}

/// A live reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationRow {
    /// Id.
    pub reservation: ReservationId,
    /// The variant.
    pub variant: VariantId,
    /// Units.
    pub quantity: u32,
    /// The order holding them.
    pub order: OrderId,
    /// When it lapses.
    pub expires_at: DateTime<Utc>,
}

/// A listing of documents of one kind, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// The kind.
    pub kind: DocKind,
    /// Only documents with this owner.
    pub owner: Option<String>,
    /// Cursor: ids strictly greater than this.
    pub after: Option<String>,
    /// Page size (the adapter may cap it; at least 1).
    pub limit: u32,
}

impl ListQuery {
    /// The first `limit` documents of a kind.
    pub fn new(kind: DocKind, limit: u32) -> Self {
        ListQuery {
            kind,
            owner: None,
            after: None,
            limit,
        }
    }
    /// Only documents of this owner.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }
    /// After this id.
    pub fn after(mut self, after: Option<&str>) -> Self {
        self.after = after.map(str::to_owned);
        self
    }
}

/// What pricing a cart needs, read together: the variants' stock counters, their products,
/// the products' sellers, and every promotion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckoutRows {
    /// Stock counters of the variants asked (those that exist).
    pub stock: Vec<StockRow>,
    /// The products of those variants.
    pub products: Vec<StoredDoc>,
    /// The sellers of those products.
    pub sellers: Vec<StoredDoc>,
    /// Every promotion.
    pub promotions: Vec<StoredDoc>,
}

/// Filters of a product search (all optional; combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQuery {
    /// Only active products (product, seller and at least one variant active).
    pub active_only: bool,
    /// Category id.
    pub category: Option<String>,
    /// Seller id.
    pub seller: Option<String>,
    /// Some variant costs at least this (minor units).
    pub min_price_minor: Option<i64>,
    /// Some variant costs at most this (minor units).
    pub max_price_minor: Option<i64>,
    /// Only products with a variant available (untracked, or tracked with units available).
    pub in_stock: bool,
    /// Normalized search text that the product's titles must contain.
    pub text: Option<String>,
    /// Cursor: product ids strictly greater than this.
    pub after: Option<String>,
    /// Page size (the adapter may cap it; at least 1).
    pub limit: u32,
}

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

/// The storage port. See the module documentation for the contract.
#[async_trait]
pub trait Storage: Send + Sync {
    /// Applies a changeset atomically.
    async fn commit(&self, changes: Changeset) -> Result<CommitOutcome, StorageError>;

    /// Deletes a document if it is still at `version`, with its keys and owners (and a
    /// product's search row): `true` if it was deleted, `false` if it was gone or changed
    /// meanwhile. For housekeeping of documents nothing refers to (expired login throttles).
    async fn delete_doc(&self, kind: DocKind, id: &str, version: u64)
    -> Result<bool, StorageError>;

    /// A document by id.
    async fn get(&self, kind: DocKind, id: &str) -> Result<Option<StoredDoc>, StorageError>;

    /// Documents by ids (missing ones are skipped; order unspecified).
    async fn get_many(&self, kind: DocKind, ids: &[String])
    -> Result<Vec<StoredDoc>, StorageError>;

    /// The document holding a unique key.
    async fn find_by_key(
        &self,
        kind: DocKind,
        key: &str,
    ) -> Result<Option<StoredDoc>, StorageError>;

    /// Documents of a kind (of one owner if given), by id, after the cursor.
    async fn list(&self, query: &ListQuery) -> Result<Vec<StoredDoc>, StorageError>;

    /// Products matching a query, by id.
    async fn search_products(&self, query: &ProductQuery) -> Result<Vec<StoredDoc>, StorageError>;

    /// Stock counters of these variants (variants without a counter are skipped).
    async fn stock_levels(&self, variants: &[VariantId]) -> Result<Vec<StockRow>, StorageError>;

    /// Reservations lapsed at `now`, oldest first.
    async fn expired_reservations(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ReservationRow>, StorageError>;

    /// Live reservations of an order.
    async fn order_reservations(
        &self,
        order: &OrderId,
    ) -> Result<Vec<ReservationRow>, StorageError>;

    /// An idempotency record.
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
    async fn release_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
    ) -> Result<(), StorageError>;

    /// Unacknowledged events, by sequence.
    async fn pending_events(&self, limit: u32) -> Result<Vec<OutboxEvent>, StorageError>;

    /// Marks events delivered.
    async fn ack_events(&self, seqs: &[u64]) -> Result<(), StorageError>;

    /// Reads what pricing a cart needs. The default composes the methods above (several round
    /// trips); an adapter MAY override it to read everything at once (the SQL adapter does, in
    /// one query), and MUST then return the same rows (the conformance suite compares them).
    async fn checkout_snapshot(
        &self,
        variants: &[VariantId],
    ) -> Result<CheckoutRows, StorageError> {
        compose_checkout_snapshot(self, variants).await
    }
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
