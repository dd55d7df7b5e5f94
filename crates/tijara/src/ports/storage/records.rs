//! The records that cross the storage port: documents, stock operations and rows, outbox
//! events, idempotency records and queries. Re-exported by [`crate::ports::storage`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use tijara_core::search::{Facets, Fields, SearchFilters, SearchPlan, SearchSort, WordMatch};
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
#[non_exhaustive]
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

impl StoredDoc {
    /// A document of `kind` with this id, version and JSON text (as an adapter reads it back).
    pub fn new(
        kind: DocKind,
        id: impl Into<String>,
        version: u64,
        body: impl Into<String>,
    ) -> Self {
        StoredDoc {
            kind,
            id: id.into(),
            version,
            body: body.into(),
        }
    }
}

/// The search row of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
    /// Indexed terms of the titles in every language (`tijara_core::search::index_text`).
    #[serde(default)]
    pub title_text: String,
    /// Indexed terms of the category's names.
    #[serde(default)]
    pub category_text: String,
    /// Indexed terms of the descriptions, materials, seller's name and city, member artisan's
    /// name and variant option values.
    #[serde(default)]
    pub other_text: String,
    /// The seller's city, as written (a search facet).
    #[serde(default)]
    pub seller_city: String,
    /// The seller's kind: `artisan`, `cooperative` or `gie` (a search facet).
    #[serde(default)]
    pub seller_kind: String,
    /// The index version the search texts were written at
    /// ([`tijara_core::search::INDEX_VERSION`] since [`ProductIndex::with_search_fields`]; 0
    /// for a row without them): a row of another version is rebuilt at start.
    #[serde(default)]
    pub index_version: u32,
}

impl ProductIndex {
    /// The row of an inactive product of `seller` in `category`, priced 0, with no search text
    /// (see the `with_*` methods).
    pub fn new(seller: impl Into<String>, category: impl Into<String>) -> Self {
        ProductIndex {
            seller: seller.into(),
            category: category.into(),
            active: false,
            min_price_minor: 0,
            max_price_minor: 0,
            search_text: String::new(),
            title_text: String::new(),
            category_text: String::new(),
            other_text: String::new(),
            seller_city: String::new(),
            seller_kind: String::new(),
            index_version: 0,
        }
    }

    /// With the indexed texts of a product search ([`tijara_core::search::index_text`] of
    /// each field), at the current [`tijara_core::search::INDEX_VERSION`].
    #[must_use]
    pub fn with_search_fields(mut self, fields: Fields) -> Self {
        self.title_text = fields.title;
        self.category_text = fields.category;
        self.other_text = fields.other;
        self.index_version = tijara_core::search::INDEX_VERSION;
        self
    }

    /// With this index version (what [`ProductIndex::with_search_fields`] sets): a row
    /// written by an older version, in tests of the rebuild at start.
    #[must_use]
    pub fn with_index_version(mut self, version: u32) -> Self {
        self.index_version = version;
        self
    }

    /// With the seller's city and kind (`artisan`, `cooperative`, `gie`).
    #[must_use]
    pub fn with_seller(mut self, city: impl Into<String>, kind: impl Into<String>) -> Self {
        self.seller_city = city.into();
        self.seller_kind = kind.into();
        self
    }

    /// The indexed texts, as [`tijara_core::search::score`] reads them.
    pub fn fields(&self) -> Fields {
        Fields {
            title: self.title_text.clone(),
            category: self.category_text.clone(),
            other: self.other_text.clone(),
        }
    }

    /// Every distinct term of the indexed texts (what a backend adds to its vocabulary).
    pub fn terms(&self) -> Vec<&str> {
        let mut t: Vec<&str> = [&self.title_text, &self.category_text, &self.other_text]
            .into_iter()
            .flat_map(|f| f.split(' '))
            .filter(|w| !w.is_empty())
            .collect();
        t.sort_unstable();
        t.dedup();
        t
    }

    /// Sets [`ProductIndex::active`].
    #[must_use]
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }

    /// With the lowest and the highest variant price, in minor units.
    #[must_use]
    pub fn with_prices(mut self, min_price_minor: i64, max_price_minor: i64) -> Self {
        self.min_price_minor = min_price_minor;
        self.max_price_minor = max_price_minor;
        self
    }

    /// With the normalized text of every title.
    #[must_use]
    pub fn with_search_text(mut self, search_text: impl Into<String>) -> Self {
        self.search_text = search_text.into();
        self
    }
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
    /// The writer's promise that [`keys`](Self::keys) and [`owners`](Self::owners) are those
    /// the version [`expected_version`](Self::expected_version) holds: an adapter may then
    /// leave the stored keys and owners as they are instead of replacing them (a guest's cart,
    /// updated three or four times in a checkout, has none before and after). Never set for a new
    /// document; `false` whenever the writer does not know. An adapter may ignore it: replacing
    /// the lists with the same lists is the same outcome.
    pub links_unchanged: bool,
}

impl DocWrite {
    /// Whether an adapter may leave the stored keys and owners as they are: an update
    /// promised [`links_unchanged`](Self::links_unchanged) (the promise means nothing for a
    /// new document, whose lists are always written).
    pub fn keeps_links(&self) -> bool {
        self.links_unchanged && self.expected_version.is_some()
    }
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
    /// hand than reserved ([`StorageError::OutOfStock`](super::StorageError::OutOfStock)).
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
    /// Turns a reservation into a sale. Fails with [`StorageError::UnknownReservation`](super::StorageError::UnknownReservation) if it
    /// is gone.
    Commit {
        /// The reservation.
        reservation: ReservationId,
    },
    /// Cancels a reservation (its units are available again). Fails with
    /// [`StorageError::UnknownReservation`](super::StorageError::UnknownReservation) if it is gone.
    Release {
        /// The reservation.
        reservation: ReservationId,
    },
}

/// An event to append to the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewEvent {
    /// The aggregate it concerns (e.g. an order id); delivery is in order per aggregate.
    pub aggregate: String,
    /// Event type (`order.placed`...).
    pub kind: String,
    /// JSON payload.
    pub payload: String,
}

impl NewEvent {
    /// An event of type `kind` about `aggregate`, with its JSON payload.
    pub fn new(
        aggregate: impl Into<String>,
        kind: impl Into<String>,
        payload: impl Into<String>,
    ) -> Self {
        NewEvent {
            aggregate: aggregate.into(),
            kind: kind.into(),
            payload: payload.into(),
        }
    }

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
#[non_exhaustive]
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
    /// The event at position `seq` of the outbox (as an adapter reads it back).
    pub fn new(
        seq: u64,
        aggregate: impl Into<String>,
        kind: impl Into<String>,
        payload: impl Into<String>,
        created_at: DateTime<Utc>,
    ) -> Self {
        OutboxEvent {
            seq,
            aggregate: aggregate.into(),
            kind: kind.into(),
            payload: payload.into(),
            created_at,
        }
    }

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
#[non_exhaustive]
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

impl IdempotencyRecord {
    /// The answer `response` (JSON) of the use case `scope` to the caller's `key`, for the
    /// input hashed as `fingerprint`, first given at `created_at`.
    pub fn new(
        scope: impl Into<String>,
        key: impl Into<String>,
        fingerprint: impl Into<String>,
        response: impl Into<String>,
        created_at: DateTime<Utc>,
    ) -> Self {
        IdempotencyRecord {
            scope: scope.into(),
            key: key.into(),
            fingerprint: fingerprint.into(),
            response: response.into(),
            created_at,
        }
    }
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
    /// Applied only while the catalog's version
    /// ([`Storage::catalog_version`](super::Storage::catalog_version)) is this one, checked in
    /// the commit's transaction: otherwise nothing is written and the commit fails with
    /// [`StorageError::CatalogChanged`](super::StorageError::CatalogChanged). Set by an engine
    /// that made the step from catalog documents it holds at that version, in place of
    /// reading the version again; only for a storage whose
    /// [`Storage::commits_at_catalog_version`](super::Storage::commits_at_catalog_version) is
    /// true. An idempotency record already stored answers first (its replay). `None`: no
    /// condition.
    pub catalog_at: Option<u64>,
    /// Applied only while each of these variants has a stock counter with at least this many
    /// units available, or an untracked one, checked in the commit's transaction: otherwise
    /// nothing is written and the commit fails with
    /// [`StorageError::OutOfStock`](super::StorageError::OutOfStock) naming the first variant
    /// short and its units available, or
    /// [`StorageError::UnknownVariant`](super::StorageError::UnknownVariant) for a variant
    /// with no counter ([`StockAtLeast::refusal`], in the order named). Checked after
    /// [`Changeset::catalog_at`] and before any write; reserves nothing. Set by an engine that
    /// added to a cart without reading the counters first, only for a storage whose
    /// [`Storage::checks_stock_at_commit`](super::Storage::checks_stock_at_commit) is true.
    /// Empty: no condition.
    pub stock_at_least: Vec<StockAtLeast>,
    /// Applied only while each of these owners lists fewer documents of its kind than its
    /// limit, counted in the commit's transaction before any write (the changeset's own rows
    /// not counted): otherwise nothing is written and the commit fails with
    /// [`StorageError::OwnerAtLimit`](super::StorageError::OwnerAtLimit) naming the first
    /// owner at its limit, in the order named ([`OwnedFewerThan::refusal`]). Checked after an
    /// idempotency record's replay, [`Changeset::catalog_at`] and
    /// [`Changeset::stock_at_least`]. Set by an engine that places an order without listing
    /// the unpaid orders of its e-mail (and, for a card or transfer order, of its client
    /// address) first (it lists them only when the commit is refused, to count those inside
    /// the window), only for a storage whose
    /// [`Storage::counts_owners_at_commit`](super::Storage::counts_owners_at_commit) is true.
    /// As with a listing read before the commit, two commits at once for one owner may both
    /// pass. Empty: no condition.
    pub owned_fewer_than: Vec<OwnedFewerThan>,
    /// Whether the commit may answer before its change is on the database's disk
    /// ([`Durability::Deferred`]: a cart's change) or not ([`Durability::Flushed`], the
    /// default: everything else).
    pub durability: Durability,
    /// Applied only while the storage is still at this incarnation
    /// ([`Storage::incarnation`](super::Storage::incarnation)), checked in the commit's
    /// transaction: otherwise nothing is written and the commit fails with
    /// [`StorageError::Restarted`](super::StorageError::Restarted). Set by an engine that made
    /// the step from documents read or remembered at that incarnation and writes one of them at
    /// the version it read: a crash of the database since then may have lost deferred commits
    /// ([`Durability::Deferred`]) and let another process reuse their version numbers, so the
    /// version alone no longer names the body the step was made from. Only for a storage whose
    /// `incarnation` is `Some`; `None`: no condition.
    pub incarnation: Option<u64>,
}

/// How soon a commit's change is on the database's disk ([`Changeset::durability`]).
///
/// Whatever it says, a change is atomic, seen by every later read in any process once its commit
/// has answered, and never lost to a crash of the application: the database holds it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Durability {
    /// Before the commit answers: no crash of the application, the database server or its
    /// machine loses it. The default, and what an order, a payment or a stock change needs.
    #[default]
    Flushed,
    /// Possibly after the commit answers: a crash of the database server or of its machine
    /// (not of the application) before the database flushes it may undo it, with the commits
    /// made after it that were not flushed either; a flushed commit makes everything committed
    /// before it durable too, and the database flushes on its own within a bound of its own
    /// (PostgreSQL: three times `wal_writer_delay`, 600 ms by default; SQLite: a checkpoint or
    /// the kernel's write-back, about 30 s on Linux's defaults). For changes that are cheap
    /// to make again (a cart: placing its order flushes it with the order). After such a
    /// crash, what a process read or remembers of its own writes (the engine's cart cache)
    /// may name a version the database lost and then reused: a storage whose database can
    /// lose deferred commits while such processes live on (a database server's crash)
    /// therefore has an incarnation, which such a crash changes
    /// ([`Storage::incarnation`](super::Storage::incarnation)), and the engine holds its
    /// versioned writes to the incarnation it read them at ([`Changeset::incarnation`]).
    /// A storage may flush such a commit anyway, as the memory store and the sqlx SQLite store
    /// do. PostgreSQL's (`tijara-store-sqlx`) commits a cart's lone write with
    /// `synchronous_commit = off`, and the rusqlite SQLite store (`tijara-store-sqlite`, at its
    /// default `synchronous=FULL`) commits a batch of deferred changes without syncing its
    /// write-ahead log, unless told otherwise (`deferred_commits=off`). SQLite loses such a
    /// commit only to a crash of its machine, which ends every process that read it: it needs
    /// no incarnation.
    Deferred,
}

/// A condition of a commit ([`Changeset::owned_fewer_than`]): `owner` lists fewer than
/// `limit` documents of `kind` (the rows a listing by owner reads,
/// [`ListQuery::owner`](super::ListQuery::owner)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OwnedFewerThan {
    /// The kind of the documents counted.
    pub kind: DocKind,
    /// The owner.
    pub owner: String,
    /// The count the owner must stay below (0: never holds).
    pub limit: u32,
}

impl OwnedFewerThan {
    /// `owner` with fewer than `limit` documents of `kind`.
    pub fn new(kind: DocKind, owner: impl Into<String>, limit: u32) -> Self {
        OwnedFewerThan {
            kind,
            owner: owner.into(),
            limit,
        }
    }

    /// What the commit answers when the owner lists `count` documents of the kind, as the
    /// transaction counts them (an adapter may stop counting at `limit`): `OwnerAtLimit` when
    /// `count` is `limit` or more, `None` when the condition holds. The one rule every adapter
    /// applies.
    pub fn refusal(&self, count: u64) -> Option<super::StorageError> {
        (count >= u64::from(self.limit)).then(|| super::StorageError::OwnerAtLimit {
            kind: self.kind,
            owner: self.owner.clone(),
            limit: self.limit,
        })
    }
}

/// A condition of a commit ([`Changeset::stock_at_least`]): a variant with at least `units`
/// available (on hand, less what reservations hold), or untracked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StockAtLeast {
    /// The variant.
    pub variant: VariantId,
    /// The units it must have available.
    pub units: u32,
}

impl StockAtLeast {
    /// `variant` with at least `units` available.
    pub fn new(variant: VariantId, units: u32) -> Self {
        StockAtLeast { variant, units }
    }

    /// What the commit answers when `row`, the variant's counter as the transaction reads it,
    /// holds fewer units available: `OutOfStock` with the units asked and available; with no
    /// counter (`None`), `UnknownVariant`, as a stock operation on it would (the engine's
    /// catalog read from storage knows only variants with a counter). `None` when the
    /// condition holds. The one rule every adapter applies.
    pub fn refusal(&self, row: Option<&StockRow>) -> Option<super::StorageError> {
        match row {
            None => Some(super::StorageError::UnknownVariant(self.variant.clone())),
            Some(r) if r.tracked && r.available() < self.units => {
                Some(super::StorageError::OutOfStock {
                    variant: self.variant.clone(),
                    requested: self.units,
                    available: r.available(),
                })
            }
            _ => None,
        }
    }
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

/// The answer to [`Storage::claim_idempotency`](super::Storage::claim_idempotency).
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
#[non_exhaustive]
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
    /// The counter of a tracked variant of `product`, with no unit on hand or reserved (see
    /// the `with_*` methods).
    pub fn new(variant: VariantId, product: ProductId) -> Self {
        StockRow {
            variant,
            product,
            tracked: true,
            on_hand: 0,
            reserved: 0,
        }
    }

    /// Sets [`StockRow::tracked`] (false: never runs out).
    #[must_use]
    pub fn with_tracked(mut self, tracked: bool) -> Self {
        self.tracked = tracked;
        self
    }

    /// With these units on hand (reserved ones included).
    #[must_use]
    pub fn with_on_hand(mut self, on_hand: u32) -> Self {
        self.on_hand = on_hand;
        self
    }

    /// With these units held by reservations.
    #[must_use]
    pub fn with_reserved(mut self, reserved: u32) -> Self {
        self.reserved = reserved;
        self
    }

    /// Units that can be reserved now.
    pub fn available(&self) -> u32 {
        self.on_hand.saturating_sub(self.reserved)
    }
}

/// A live reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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

impl ReservationRow {
    /// Reservation `reservation` of `quantity` units of `variant` for `order`, until
    /// `expires_at`.
    pub fn new(
        reservation: ReservationId,
        variant: VariantId,
        quantity: u32,
        order: OrderId,
        expires_at: DateTime<Utc>,
    ) -> Self {
        ReservationRow {
            reservation,
            variant,
            quantity,
            order,
            expires_at,
        }
    }
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

/// What a product page needs, read together by [`super::Storage::product_page`]: the product
/// holding a key (its slug key, `slug:<slug>`), the stock counters of its variants, its
/// seller and its category. All empty when no product holds the key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProductPageRows {
    /// The product, if a product holds the key.
    pub product: Option<StoredDoc>,
    /// The stock counters of the product's variants (those that exist), in any order. An
    /// adapter MAY add counters of variants the product no longer lists.
    pub stock: Vec<StockRow>,
    /// The product's seller (`seller_id`), if stored.
    pub seller: Option<StoredDoc>,
    /// The product's category (`category_id`), if stored.
    pub category: Option<StoredDoc>,
}

/// The catalog's version and some variants' stock counters, read together by
/// [`super::Storage::catalog_stock`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CatalogStock {
    /// The catalog's version ([`super::Storage::catalog_version`]), `None` when the storage
    /// does not keep one.
    pub version: Option<u64>,
    /// Stock counters of the variants asked (those that exist), in any order.
    pub stock: Vec<StockRow>,
}

impl CatalogStock {
    /// The version and the counters.
    pub fn new(version: Option<u64>, stock: Vec<StockRow>) -> Self {
        Self { version, stock }
    }
}

/// A document and the catalog's version, read together by
/// [`super::Storage::get_at_catalog`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocAtCatalog {
    /// The document, as [`super::Storage::get`] answers it (`None` when absent).
    pub doc: Option<StoredDoc>,
    /// The catalog's version ([`super::Storage::catalog_version`]), `None` when the storage
    /// does not keep one.
    pub catalog_version: Option<u64>,
}

impl DocAtCatalog {
    /// The document and the version.
    pub fn new(doc: Option<StoredDoc>, catalog_version: Option<u64>) -> Self {
        Self {
            doc,
            catalog_version,
        }
    }
}

/// The catalog's version, some variants' stock counters and every promotion, read together
/// by [`super::Storage::pricing_stock`]: what pricing a cart needs besides the catalog
/// documents an engine caches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PricingStock {
    /// The catalog's version ([`super::Storage::catalog_version`]), `None` when the storage
    /// does not keep one.
    pub version: Option<u64>,
    /// Stock counters of the variants asked (those that exist), in any order.
    pub stock: Vec<StockRow>,
    /// Every promotion, by id.
    pub promotions: Vec<StoredDoc>,
}

impl PricingStock {
    /// The version, the counters and the promotions.
    pub fn new(version: Option<u64>, stock: Vec<StockRow>, promotions: Vec<StoredDoc>) -> Self {
        Self {
            version,
            stock,
            promotions,
        }
    }
}

/// Whether documents of `kind` are part of the catalog an engine may cache: the kinds whose
/// writes and deletes change [`super::Storage::catalog_version`] (products, sellers,
/// categories). Promotions are not: every order that uses one writes its usage counters.
pub fn is_catalog_kind(kind: DocKind) -> bool {
    matches!(kind, DocKind::Product | DocKind::Seller | DocKind::Category)
}

/// What pricing a cart needs, read together: the variants' stock counters, their products,
/// the products' sellers, and every promotion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
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

/// A product search ([`super::Storage::search`]): the query's words, filters, sort and page.
/// Only active products are searched (product, seller and a variant active).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// The words with their synonyms (`tijara_core::search::plan`); the backend adds typos
    /// from its vocabulary. No word: every active product (a listing with facets).
    pub plan: SearchPlan,
    /// Every word must match (else any word).
    pub match_all: bool,
    /// Filters.
    pub filters: SearchFilters,
    /// Order.
    pub sort: SearchSort,
    /// Results skipped (the page's start).
    pub offset: u64,
    /// Page size (at least 1; the adapter may cap it at 100).
    pub limit: u32,
    /// The catalog version at which the caller holds decoded products (the engine's catalog
    /// cache): a storage whose read is at this same version may leave the page's documents
    /// unread and answer their ids only ([`SearchPage::ids`]); the caller reads those it does
    /// not hold. `None`: the documents are wanted.
    pub held_at: Option<u64>,
}

/// What a search found: one page of products, the number of results, the facets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchPage {
    /// The page's products, in order: empty when the storage answered their ids only
    /// ([`SearchPage::ids`], [`SearchQuery::held_at`]).
    pub docs: Vec<StoredDoc>,
    /// The page's product ids, in order, when the storage left their documents unread
    /// ([`SearchQuery::held_at`]); empty when it read them (then `docs` says the page).
    pub ids: Vec<String>,
    /// How many products match, all pages.
    pub total: u64,
    /// Counts per filter value.
    pub facets: Facets,
    /// How the results match each word of the plan
    /// ([`tijara_core::search::Selection::words`]): what "did you mean" starts from.
    pub words: Vec<WordMatch>,
    /// The catalog version ([`Storage::catalog_version`](super::Storage::catalog_version))
    /// read with the page — in its read transaction, or before its documents (never after:
    /// the documents are never older than it says) — when the storage keeps one:
    /// the engine then takes the products, sellers and categories it holds decoded at that
    /// version instead of decoding the documents again. `None`: not known.
    pub catalog_version: Option<u64>,
    /// The stock counters of every variant of the page's products, read in the same read
    /// transaction as the documents, when the storage reads them with the page (spares the
    /// engine another storage call for the availability it shows). `None`: not read.
    pub stock: Option<Vec<StockRow>>,
}

impl SearchPage {
    /// A page of these documents (in order), of `total` results with these facets.
    pub fn new(docs: Vec<StoredDoc>, total: u64, facets: Facets) -> Self {
        SearchPage {
            docs,
            ids: Vec::new(),
            total,
            facets,
            words: Vec::new(),
            catalog_version: None,
            stock: None,
        }
    }

    /// The page as ids only, in order, its documents left unread ([`SearchPage::ids`]).
    #[must_use]
    pub fn of_ids(ids: Vec<String>, total: u64, facets: Facets) -> Self {
        SearchPage {
            ids,
            ..SearchPage::new(Vec::new(), total, facets)
        }
    }

    /// Read at this catalog version ([`SearchPage::catalog_version`]).
    #[must_use]
    pub fn with_catalog_version(mut self, version: u64) -> Self {
        self.catalog_version = Some(version);
        self
    }

    /// With the stock counters of the page's products' variants ([`SearchPage::stock`]).
    #[must_use]
    pub fn with_stock(mut self, stock: Vec<StockRow>) -> Self {
        self.stock = Some(stock);
        self
    }

    /// With how the results match each word ([`tijara_core::search::Selection::words`]).
    #[must_use]
    pub fn with_words(mut self, words: Vec<WordMatch>) -> Self {
        self.words = words;
        self
    }
}
