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

mod delivery;
mod records;
pub mod search_snapshot;
mod status;
pub use delivery::{DeliveryAttempt, DeliveryOutcome, DeliveryRow, PurgeCutoffs, PurgeReport};
pub use records::{
    CatalogStock, Changeset, CheckoutRows, CommitOutcome, DocAtCatalog, DocKind, DocWrite,
    Durability, IdempotencyClaim, IdempotencyRecord, ListQuery, NewEvent, OutboxEvent,
    OwnedFewerThan, PricingStock, ProductIndex, ProductPageRows, ProductQuery, ReservationRow,
    SearchPage, SearchQuery, StockAtLeast, StockOp, StockRow, StoredDoc, is_catalog_kind,
};
pub use search_snapshot::{SearchCache, SearchSnapshot, SearchVersions};
pub use status::{OutboxBacklog, PoolStatus, SchemaStatus};

/// Reads one `key=value` pair of a database URL's query for Tijara's own `deferred_commits`
/// parameter ([`Durability::Deferred`]), as the adapters that honour it spell it:
/// `deferred_commits=on` or `off` (key and value in any case) is `Some(true)` or `Some(false)`;
/// any other parameter is `None`, for the adapter (or its driver) to read. A bad value, or a
/// misspelt key (any other key naming "deferred"), is refused: a typo must not leave the
/// deferred commits on unseen.
///
/// ```
/// use tijara::ports::storage::deferred_commits_param;
/// assert_eq!(deferred_commits_param("Deferred_Commits=OFF").unwrap(), Some(false));
/// assert_eq!(deferred_commits_param("mode=ro").unwrap(), None);
/// assert!(deferred_commits_param("deferred_commits=maybe").is_err());
/// assert!(deferred_commits_param("deferred=off").is_err());
/// ```
pub fn deferred_commits_param(pair: &str) -> Result<Option<bool>, StorageError> {
    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
    if key.eq_ignore_ascii_case("deferred_commits") {
        match value.to_ascii_lowercase().as_str() {
            "on" => Ok(Some(true)),
            "off" => Ok(Some(false)),
            _ => Err(StorageError::Unavailable(format!(
                "deferred_commits={value:?} in the database URL: give on (the default) or off"
            ))),
        }
    } else if key.to_ascii_lowercase().contains("deferred") {
        Err(StorageError::Unavailable(format!(
            "{key:?} in the database URL is no parameter: write deferred_commits=on or \
             deferred_commits=off"
        )))
    } else {
        Ok(None)
    }
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
    /// The adapter does not implement this optional method (an adapter written for an older
    /// port). The adapters of this workspace implement every method.
    #[error("this storage adapter does not support {0}")]
    Unsupported(&'static str),
    /// A changeset made at one catalog version ([`Changeset::catalog_at`]) met another: the
    /// catalog changed since the documents it was made from were read. Nothing was written;
    /// the engine reads the catalog again and retries.
    #[error("the catalog changed (version {expected} expected, {found} found)")]
    CatalogChanged {
        /// The version the changeset was made at.
        expected: u64,
        /// The version the storage holds.
        found: u64,
    },
    /// A changeset held to an owner's count ([`Changeset::owned_fewer_than`]) met an owner
    /// that already lists `limit` documents of the kind or more. Nothing was written.
    #[error("{kind} owner {owner:?} already lists {limit} documents or more")]
    OwnerAtLimit {
        /// The kind of the documents counted.
        kind: DocKind,
        /// The owner.
        owner: String,
        /// The limit the owner reached.
        limit: u32,
    },
    /// A changeset held to an incarnation of the storage ([`Changeset::incarnation`]) met
    /// another: the database crashed since the documents it was made from were read, and may
    /// have lost commits it had acknowledged as deferred ([`Durability::Deferred`]). Nothing
    /// was written; [`Storage::incarnation`] now gives the one found, and the engine forgets
    /// the carts it remembers and retries from storage.
    #[error(
        "the database restarted after a crash (incarnation {expected} expected, {found} found)"
    )]
    Restarted {
        /// The incarnation the changeset was made at.
        expected: u64,
        /// The incarnation the storage is at.
        found: u64,
    },
    /// Any other failure of the backend.
    #[error("storage backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StorageError {
    /// True when retrying the same call may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            StorageError::Unavailable(_)
                | StorageError::Conflict { .. }
                | StorageError::CatalogChanged { .. }
                | StorageError::Restarted { .. }
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
    ///   match (or `None` and the document exists, or `Some` and it does not), else version
    ///   1 for a new document and version + 1 for a write (the engine counts on these numbers:
    ///   it remembers the carts it wrote at them,
    ///   [`EngineConfig::cart_cache`](crate::EngineConfig::cart_cache)); of concurrent
    ///   writes at one version exactly one wins (`tijara_testkit::storage::documents_are_versioned_and_exact`,
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

    /// The first `limit` documents of `kind` listing each of `owners`, by id: one list per
    /// owner, in the order given (an owner given twice is answered twice), each what
    /// [`Storage::list`] answers for that owner's first page. One call where a list per owner
    /// took one each: the order messages read the logins of a batch's sellers this way. The
    /// default lists each owner ([`compose_list_by_owners`]); the sqlx adapters answer in one
    /// statement per 300 owners, rusqlite in one read on one connection.
    ///
    /// # Contract
    /// Each list equals [`Storage::list`]'s first page of `limit` for its owner
    /// (`tijara_testkit::storage::owners_are_listed_together`).
    async fn list_by_owners(
        &self,
        kind: DocKind,
        owners: &[String],
        limit: u32,
    ) -> Result<Vec<Vec<StoredDoc>>, StorageError> {
        compose_list_by_owners(self, kind, owners, limit).await
    }

    /// Products matching a query, by id.
    ///
    /// # Contract
    /// Every filter of [`ProductQuery`] combined with AND, over the [`ProductIndex`] row of
    /// each product's latest write and its stock counters; paged like [`Storage::list`]
    /// (`tijara_testkit::storage::product_search_filters`).
    async fn search_products(&self, query: &ProductQuery) -> Result<Vec<StoredDoc>, StorageError>;

    /// Full-text product search: the active products matching the query's words (with their
    /// synonyms, prefixes and typos), filtered, counted per facet, ordered and paged.
    ///
    /// The decision, the facets and the order are [`tijara_core::search::select`]'s (or
    /// [`tijara_core::search::Index::select`], its equal over an index), so every backend
    /// gives the same answer. The SQL adapters keep every active product's search data in
    /// memory between searches ([`SearchSnapshot`], valid for one catalog version and
    /// availability count, from any process; SQLite FTS5 still decides the candidates when a
    /// term is one FTS5 tokenizes otherwise); the memory store scans.
    ///
    /// A page tells the catalog version it was read at ([`SearchPage::catalog_version`]), may
    /// carry its variants' stock counters ([`SearchPage::stock`]), and may be ids only when
    /// the caller holds that version's products ([`SearchQuery::held_at`],
    /// `tijara_testkit::storage::search_pages_as_ids_when_held`).
    ///
    /// # Contract
    /// - Candidates: every active product having, for every word of the plan (any word unless
    ///   `match_all`), an indexed term starting with the word or one of its synonyms (exactly
    ///   equal when one character long), or within `tijara_core::search::max_edits` of the
    ///   word; with no word, every active product. Extra candidates are harmless (`select`
    ///   drops them); a missing one is a bug (`tijara_testkit::storage::search_finds_what_shoppers_mean`).
    /// - The index follows each product write in the same transaction: no stale result
    ///   (`tijara_testkit::storage::search_follows_product_changes`).
    /// - A category's names are indexed from its latest write, by the storage itself: writing
    ///   a [`DocKind::Category`] document sets, in the same transaction, the category text of
    ///   every product of that category to [`category_search_text`] of its body (and adds its
    ///   terms to the typo vocabulary); a product written afterwards takes its category's
    ///   indexed text, whatever its [`ProductIndex::category_text`] says (that one counts only
    ///   for a category whose document the storage has not indexed: written before the
    ///   storage indexed categories, or never stored); deleting the category
    ///   ([`Storage::delete_doc`]) empties its products' category text. So a renamed category
    ///   is found by its new name and no longer by the old one as soon as the rename commits,
    ///   even when a product of it is written concurrently (PostgreSQL: the product's write
    ///   reads the category's text under a share lock)
    ///   (`tijara_testkit::storage::search_follows_category_changes`,
    ///   `tijara_testkit::storage::concurrent_renames_leave_no_stale_category_text`).
    /// - Any query text is accepted: FTS operators, quotes, NUL, 10 KB, emoji never reach the
    ///   engine as syntax (`tijara_testkit::storage::hostile_searches_never_fail`).
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StorageError>;

    /// How many search rows were not written at index `version`
    /// ([`tijara_core::search::INDEX_VERSION`]): product documents with no search row or a row
    /// of another [`ProductIndex::index_version`] (written by an older version, or by a write
    /// without search fields), plus category documents whose names the storage has not
    /// indexed at `version` ([`category_search_text`]). An engine rebuilds the search index
    /// when this is not 0 (`Catalog::ensure_search_index`), so a database upgraded from an
    /// older version becomes fully searchable by itself.
    ///
    /// The default answers [`StorageError::Unsupported`] (the engine then leaves the index as
    /// it is); every adapter of this workspace implements it.
    ///
    /// # Contract
    /// Counts what the latest writes and deletes left: a product row written at another
    /// version counts until rewritten at `version`, a deleted document no longer counts
    /// (`tijara_testkit::storage::search_index_versions_are_counted`).
    async fn search_index_outdated(&self, version: u32) -> Result<u64, StorageError> {
        let _ = version;
        Err(StorageError::Unsupported("search_index_outdated"))
    }

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

    /// The idempotency records of `keys` in one scope, in the order of `keys` (`None` where
    /// there is none). The default reads each with [`Storage::idempotency`],
    /// [`DEFAULT_CALLS_AT_ONCE`] at a time; an adapter SHOULD read them in one statement or
    /// one call (the sqlx adapters of this workspace read them in one statement, the rusqlite
    /// one in one call on one connection).
    ///
    /// # Contract
    /// What [`Storage::idempotency`] answers for each key
    /// (`tijara_testkit::storage::idempotency_records_are_stored_once_each`).
    async fn idempotency_many(
        &self,
        scope: &str,
        keys: &[String],
    ) -> Result<Vec<Option<IdempotencyRecord>>, StorageError> {
        in_order(
            keys.iter()
                .map(|key| self.idempotency(scope, key))
                .collect(),
        )
        .await
    }

    /// Stores each of `records` whose scope and key hold no record yet, and answers, in the
    /// same order, whether each was stored now: `false` where a record was there already (it
    /// is left as it was, whatever its fingerprint) or where the same scope and key came
    /// earlier in `records`. Each record is durable once this answers; they need not be
    /// stored in one transaction. For marks of things done (a message sent) that a caller
    /// records several at a time.
    ///
    /// The default commits one [`Changeset`] per record, [`DEFAULT_CALLS_AT_ONCE`] at a time;
    /// an adapter SHOULD store them in one statement or transaction where that saves round
    /// trips or commits (PostgreSQL's does: one statement).
    ///
    /// # Contract
    /// `tijara_testkit::storage::idempotency_records_are_stored_once_each`.
    async fn insert_idempotency_records(
        &self,
        records: &[IdempotencyRecord],
    ) -> Result<Vec<bool>, StorageError> {
        insert_idempotency_records_each(self, records).await
    }

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

    /// How many events wait in the outbox and when the oldest was written: what `/readyz` and
    /// the `tijara_outbox_backlog` gauge read.
    ///
    /// The default reads up to [`OutboxBacklog::DEFAULT_CAP`] events with
    /// [`Storage::pending_events`] and says `saturated` when there are more; an adapter
    /// SHOULD count in the database instead (the SQL adapters of this workspace count up to
    /// [`OutboxBacklog::SQL_CAP`], the memory store all).
    ///
    /// # Contract
    /// `pending` counts every unacknowledged event, exactly up to at least 10,000 (at least
    /// that many when `saturated`), and
    /// `oldest_at` is the `created_at` of the first event [`Storage::pending_events`] returns
    /// (`tijara_testkit::storage::outbox_backlog_counts_every_pending_event`).
    async fn outbox_backlog(&self) -> Result<OutboxBacklog, StorageError> {
        let cap = OutboxBacklog::DEFAULT_CAP;
        let events = self.pending_events(cap.saturating_add(1)).await?;
        Ok(OutboxBacklog::capped(
            u64::try_from(events.len()).unwrap_or(u64::MAX),
            cap,
            events.first().map(|e| e.created_at),
        ))
    }

    /// Marks events delivered.
    ///
    /// # Contract
    /// Idempotent; unknown or already acknowledged sequence numbers are ignored
    /// (`tijara_testkit::storage::outbox_keeps_order_until_acknowledged`).
    async fn ack_events(&self, seqs: &[u64]) -> Result<(), StorageError>;

    /// Records one attempt to deliver an outbox event to one target (a webhook endpoint, a
    /// notification channel, a message bus) and answers the target's row after it: attempts
    /// counted, the latest error and next try kept, or delivered.
    ///
    /// The default answers [`StorageError::Unsupported`]; every adapter of this workspace
    /// implements it.
    ///
    /// # Contract
    /// One atomic upsert keyed by (target, seq): the first attempt inserts the row, each
    /// further one adds 1 to `attempts` (concurrent attempts from several processes are all
    /// counted); a `Delivered` outcome sets `delivered_at` and clears the error and next try,
    /// and a later `Failed` never undoes it
    /// (`tijara_testkit::storage::deliveries_are_recorded_and_retried`).
    async fn record_delivery(
        &self,
        attempt: &DeliveryAttempt,
    ) -> Result<DeliveryRow, StorageError> {
        let _ = attempt;
        Err(StorageError::Unsupported("record_delivery"))
    }

    /// The delivery state of event `seq` to `target`, if any attempt was recorded.
    ///
    /// # Contract
    /// The row [`Storage::record_delivery`] answered last
    /// (`tijara_testkit::storage::deliveries_are_recorded_and_retried`).
    async fn delivery(&self, target: &str, seq: u64) -> Result<Option<DeliveryRow>, StorageError> {
        let _ = (target, seq);
        Err(StorageError::Unsupported("delivery"))
    }

    /// The delivery state of event `seq` to each of `targets`, in the order of `targets`
    /// (`None` where no attempt was recorded): what a sink that fans out to several targets
    /// reads before delivering one event. The default reads each with [`Storage::delivery`],
    /// [`DEFAULT_CALLS_AT_ONCE`] at a time; an adapter SHOULD read them in one statement or
    /// one call (the sqlx adapters of this workspace read them in one statement, the rusqlite
    /// one in one call on one connection).
    ///
    /// # Contract
    /// What [`Storage::delivery`] answers for each target
    /// (`tijara_testkit::storage::deliveries_are_recorded_and_retried`).
    async fn deliveries(
        &self,
        targets: &[String],
        seq: u64,
    ) -> Result<Vec<Option<DeliveryRow>>, StorageError> {
        in_order(
            targets
                .iter()
                .map(|target| self.delivery(target, seq))
                .collect(),
        )
        .await
    }

    /// The delivery rows recorded for any of the events `seqs` to any of `targets`: only the
    /// rows that exist, ordered by (seq, target). What a sink reads before delivering a batch
    /// of events (the outbox dispatcher hands them over together,
    /// [`EventSink::deliver_batch`](crate::ports::runtime::EventSink::deliver_batch)). The
    /// default reads each event with [`Storage::deliveries`], [`DEFAULT_CALLS_AT_ONCE`] at a
    /// time; an adapter SHOULD read them in one statement or one call (the SQL adapters of
    /// this workspace do; the in-memory one keeps the default).
    ///
    /// # Contract
    /// The rows [`Storage::delivery`] answers for each pair, once each, none other, in
    /// (seq, target) order; duplicates in `seqs` or `targets` change nothing
    /// (`tijara_testkit::storage::deliveries_are_recorded_and_retried`).
    async fn deliveries_among(
        &self,
        targets: &[String],
        seqs: &[u64],
    ) -> Result<Vec<DeliveryRow>, StorageError> {
        let (targets, seqs) = (sorted_unique(targets), sorted_unique(seqs));
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let per_event = in_order(
            seqs.iter()
                .map(|seq| self.deliveries(&targets, *seq))
                .collect(),
        )
        .await?;
        Ok(per_event.into_iter().flatten().flatten().collect())
    }

    /// Deliveries not delivered yet (at least one failed attempt), by sequence then target,
    /// strictly after the cursor `after` (a `(seq, target)` pair), at most `limit`.
    ///
    /// # Contract
    /// Only rows without `delivered_at`, ordered by (seq, target), paged without repeats
    /// (`tijara_testkit::storage::deliveries_are_recorded_and_retried`).
    async fn failed_deliveries(
        &self,
        after: Option<(u64, String)>,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StorageError> {
        let _ = (after, limit);
        Err(StorageError::Unsupported("failed_deliveries"))
    }

    /// Makes a failed delivery due at once (its next try becomes `now`): an admin's "retry".
    /// Answers `false` when there is no such failed delivery (unknown, or delivered).
    ///
    /// # Contract
    /// Changes only an undelivered row (`tijara_testkit::storage::deliveries_are_recorded_and_retried`).
    async fn retry_delivery(
        &self,
        target: &str,
        seq: u64,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let _ = (target, seq, now);
        Err(StorageError::Unsupported("retry_delivery"))
    }

    /// Deletes what housekeeping no longer needs, older than the cut-offs (see
    /// [`PurgeCutoffs`]), at most `limit` rows of each sort; answers how many of each.
    ///
    /// # Contract
    /// Never an undelivered outbox event, a record or mark younger than its cut-off, nor a
    /// claim that has not expired; done marks only by their own cut-off
    /// (`tijara_testkit::storage::purge_keeps_what_is_young_or_pending`).
    async fn purge(&self, cutoffs: &PurgeCutoffs) -> Result<PurgeReport, StorageError> {
        let _ = cutoffs;
        Err(StorageError::Unsupported("purge"))
    }

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

    /// The schema's migrations compared with the ones this build embeds ([`SchemaStatus`]):
    /// `/readyz` refuses to call a process ready whose database is behind or ahead of it. The
    /// default, `None`, says the storage has no versioned schema (memory).
    ///
    /// # Contract
    /// Read from the database on every call (another process may have migrated it since this
    /// one opened it); current right after the adapter opened and migrated a database
    /// (`tijara_testkit::storage::schema_is_current_once_opened`).
    async fn schema_status(&self) -> Result<Option<SchemaStatus>, StorageError> {
        Ok(None)
    }

    /// The connections this storage holds now, and the writes queued for its writer: what the
    /// `tijara_db_pool_connections` and `tijara_db_write_queue` gauges show. Cheap (no database
    /// call). The default, `None`, says the storage keeps no pool.
    ///
    /// # Contract
    /// Once every call made to the storage has returned, `busy` and `write_queue` go back to
    /// 0 (`tijara_testkit::storage::pool_status_settles_when_idle`).
    fn pool_status(&self) -> Option<PoolStatus> {
        None
    }

    /// The incarnation of the database this storage last saw: a token that changes whenever
    /// the database may have lost commits it acknowledged ([`Durability::Deferred`] ones, to a
    /// crash of the database server). Cheap (no database call); it may lag behind a crash
    /// until a commit held to it ([`Changeset::incarnation`]) is refused with
    /// [`StorageError::Restarted`], after which it gives the new one. The default, `None`,
    /// says the storage never loses a commit it acknowledged while a process that saw it lives
    /// on, and ignores the field: the SQLite adapter's deferred commits can be lost only to a
    /// crash of the machine, which ends every process that read them. A storage
    /// that wraps another must forward this method (answering `None` over a storage with
    /// incarnations turns the engine's protection off).
    ///
    /// # Contract
    /// When `Some`: a changeset held to it commits; one held to another incarnation writes
    /// nothing and answers [`StorageError::Restarted`] with the incarnation found, whether it
    /// is one document's update, a new document, an order placed or a larger changeset
    /// (`tijara_testkit::storage::commits_hold_to_their_incarnation`).
    fn incarnation(&self) -> Option<u64> {
        None
    }

    /// Whether [`Storage::commit`] honours [`Changeset::catalog_at`]: applies the changeset only
    /// while the catalog's version is the one it names, and otherwise writes nothing and fails
    /// with [`StorageError::CatalogChanged`], checked in the commit's own transaction. An
    /// engine that holds the catalog's documents then makes a cart's shipping choice from them
    /// without reading the version first. The default, `false`, says the storage ignores the
    /// field: the engine never sets it and reads the version as before (a storage that wraps
    /// another should forward this method, or keep the default).
    ///
    /// # Contract
    /// When true: a changeset at the current version commits, one at an older version writes
    /// nothing and answers [`StorageError::CatalogChanged`] with the version found, and an
    /// idempotency record already stored answers its replay first
    /// (`tijara_testkit::storage::commits_hold_to_their_catalog_version`).
    fn commits_at_catalog_version(&self) -> bool {
        false
    }

    /// Whether [`Storage::commit`] honours [`Changeset::stock_at_least`]: applies the changeset
    /// only while each variant named has the units asked available (or is untracked), and
    /// otherwise writes nothing and fails with [`StorageError::OutOfStock`] (or
    /// [`StorageError::UnknownVariant`] for a variant with no counter), checked in the
    /// commit's own transaction. An engine that holds the catalog's documents then adds to a
    /// cart without reading the stock counters first (it reads them only when the commit is
    /// refused, to tell the shopper how many are left). The default, `false`, says the storage
    /// ignores the field: the engine never sets it (a storage that wraps another should
    /// forward this method, or keep the default).
    ///
    /// # Contract
    /// When true: the condition holds or nothing is written, and the refusal names the first
    /// variant short, in the order named, with its units asked and available
    /// ([`StockAtLeast::refusal`]), whether
    /// the changeset is one cart's update or a larger one, and after a changed catalog
    /// ([`Changeset::catalog_at`]) is answered (`tijara_testkit::storage::commits_hold_to_their_stock_checks`).
    fn checks_stock_at_commit(&self) -> bool {
        false
    }

    /// Whether [`Storage::commit`] honours [`Changeset::owned_fewer_than`]: applies the
    /// changeset only while each owner named lists fewer documents of its kind than its limit,
    /// and otherwise writes nothing and fails with [`StorageError::OwnerAtLimit`], counted in
    /// the commit's own transaction. An engine then places an order without listing the
    /// unpaid orders of its e-mail (and client address) first (a read less per order for each
    /// limit; it lists them only when the commit is refused). The default, `false`, says the
    /// storage ignores the field: the engine never sets it (a storage that wraps another
    /// should forward this method, or keep the default).
    ///
    /// # Contract
    /// When true: the condition holds or nothing is written, the refusal names the first owner
    /// at its limit in the order named ([`OwnedFewerThan::refusal`]), the changeset's own
    /// owners are not counted, and an idempotency record already stored answers its replay
    /// first (`tijara_testkit::storage::commits_hold_to_their_owner_counts`).
    fn counts_owners_at_commit(&self) -> bool {
        false
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

    /// A document and the catalog's version, read together (one statement on the SQL
    /// adapters): what a shipping quote needs, a cart and the version at which the catalog
    /// documents an engine holds may be used for its lines. The default composes
    /// [`Storage::catalog_version`] and [`Storage::get`] (a storage that wraps another should
    /// forward this together with [`Storage::catalog_version`], or keep both defaults).
    ///
    /// # Contract
    /// The document as [`Storage::get`] answers it (`None` when absent) and the version as
    /// [`Storage::catalog_version`] answers it, read from storage during the call, never
    /// remembered (`tijara_testkit::storage::get_at_catalog_matches_its_parts`).
    async fn get_at_catalog(&self, kind: DocKind, id: &str) -> Result<DocAtCatalog, StorageError> {
        let catalog_version = self.catalog_version().await?;
        let doc = self.get(kind, id).await?;
        Ok(DocAtCatalog::new(doc, catalog_version))
    }

    /// [`Storage::catalog_stock`] and every promotion, read together (one statement on the
    /// SQL adapters): what placing an order needs when its engine caches the catalog's
    /// documents (promotions are never cached: every order that uses one writes its usage
    /// counters). The default composes [`Storage::catalog_stock`] and [`Storage::list`].
    ///
    /// # Contract
    /// The rows the default composes, the promotions by id
    /// (`tijara_testkit::storage::pricing_stock_matches_its_parts`).
    async fn pricing_stock(&self, variants: &[VariantId]) -> Result<PricingStock, StorageError> {
        compose_pricing_stock(self, variants).await
    }
}

/// How many calls the defaults of the batched methods ([`Storage::idempotency_many`],
/// [`Storage::deliveries`], [`Storage::insert_idempotency_records`]) make at a time: enough to
/// overlap their waits (the SQLite writer commits them in one group commit), few enough not to
/// exhaust an adapter's pool of connections with a long list.
pub const DEFAULT_CALLS_AT_ONCE: usize = 16;

/// Runs `calls` [`DEFAULT_CALLS_AT_ONCE`] at a time and answers their results in their order
/// (the first error if any failed): the defaults of the batched methods.
async fn in_order<T, F>(calls: Vec<F>) -> Result<Vec<T>, StorageError>
where
    F: std::future::Future<Output = Result<T, StorageError>>,
{
    use futures_util::StreamExt;
    // A `Vec`, not the iterator: a stream holding the caller's closure would not be `Send`
    // inside the trait's boxed futures.
    futures_util::stream::iter(calls)
        .buffered(DEFAULT_CALLS_AT_ONCE)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// `items` sorted, each once: the arguments of a batched read, whatever order and repeats
/// the caller gave.
pub fn sorted_unique<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let mut out = items.to_vec();
    out.sort_unstable();
    out.dedup();
    out
}

/// [`Storage::insert_idempotency_records`] as one [`Changeset`] per record, up to
/// [`DEFAULT_CALLS_AT_ONCE`] committed at a time (its default; an adapter that stores them
/// together in some cases can fall back to it in the others).
pub async fn insert_idempotency_records_each<S: Storage + ?Sized>(
    store: &S,
    records: &[IdempotencyRecord],
) -> Result<Vec<bool>, StorageError> {
    let mut seen = std::collections::HashSet::new();
    let firsts: Vec<bool> = records
        .iter()
        .map(|r| seen.insert((r.scope.as_str(), r.key.as_str())))
        .collect();
    let commits = records
        .iter()
        .zip(&firsts)
        .filter(|(_, first)| **first)
        .map(|(r, _)| async move {
            let changes = Changeset {
                now: Some(r.created_at),
                idempotency: Some(r.clone()),
                ..Changeset::default()
            };
            // A record already stored with another fingerprint is kept, not refused.
            match store.commit(changes).await {
                Ok(CommitOutcome::Committed) => Ok(true),
                Ok(CommitOutcome::Replayed(_)) | Err(StorageError::IdempotencyMismatch { .. }) => {
                    Ok(false)
                }
                Err(e) => Err(e),
            }
        });
    let mut stored = in_order(commits.collect()).await?.into_iter();
    Ok(firsts
        .into_iter()
        .map(|first| first && stored.next().unwrap_or(false))
        .collect())
}

/// [`Storage::pricing_stock`] composed from [`Storage::catalog_stock`] and [`Storage::list`]
/// (its default).
pub async fn compose_pricing_stock<S: Storage + ?Sized>(
    store: &S,
    variants: &[VariantId],
) -> Result<PricingStock, StorageError> {
    let rows = store.catalog_stock(variants).await?;
    let promotions = all_promotions(store).await?;
    Ok(PricingStock::new(rows.version, rows.stock, promotions))
}

/// Every promotion, by id, a page of 500 at a time.
async fn all_promotions<S: Storage + ?Sized>(store: &S) -> Result<Vec<StoredDoc>, StorageError> {
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
    Ok(promotions)
}

/// [`Storage::list_by_owners`] composed from [`Storage::list`] (its default): one call per
/// owner, in the order given.
pub async fn compose_list_by_owners<S: Storage + ?Sized>(
    store: &S,
    kind: DocKind,
    owners: &[String],
    limit: u32,
) -> Result<Vec<Vec<StoredDoc>>, StorageError> {
    let mut lists = Vec::with_capacity(owners.len());
    for owner in owners {
        lists.push(
            store
                .list(&ListQuery::new(kind, limit).owner(owner.clone()))
                .await?,
        );
    }
    Ok(lists)
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

/// The indexed text of a category document's names: `tijara_core::search::category_text` of
/// its `name` in every language (empty for a body without readable names). What a storage
/// keeps for each category it stores and copies into its products' search rows (see
/// [`Storage::search`]).
///
/// ```
/// let body = r#"{"id":"tents","slug":"tents","name":{"fr":"Tentes et tapis","en":"Tents"},"parent":null}"#;
/// assert_eq!(tijara::ports::storage::category_search_text(body), "tente et tapis tent");
/// assert_eq!(tijara::ports::storage::category_search_text("{}"), "");
/// ```
pub fn category_search_text(body: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Named {
        #[serde(default)]
        name: tijara_core::LocalizedText,
    }
    match serde_json::from_str::<Named>(body) {
        Ok(n) => tijara_core::search::category_text(n.name.iter().map(|(_, t)| t)),
        Err(_) => String::new(),
    }
}

/// A full-text query of the plan's retrieval terms (`tijara_core::search::SearchPlan::retrieval_terms`)
/// in the syntax of an engine: each word's alternatives joined by `or`, the words by `and`
/// (or `or` when not `match_all`), each term written by `term` (prefix or exact). `None`
/// for a plan without words. The terms hold only letters and digits, so quoting them is
/// enough: nothing a shopper types becomes an operator.
fn full_text_query(
    plan: &tijara_core::search::SearchPlan,
    match_all: bool,
    or: &str,
    and: &str,
    term: impl Fn(&tijara_core::search::RetrievalTerm) -> String,
) -> Option<String> {
    let words: Vec<String> = plan
        .retrieval_terms()
        .iter()
        .filter(|alts| !alts.is_empty())
        .map(|alts| {
            let alts: Vec<String> = alts.iter().map(&term).collect();
            format!("({})", alts.join(or))
        })
        .collect();
    (!words.is_empty()).then(|| words.join(if match_all { and } else { or }))
}

/// The SQLite FTS5 `MATCH` expression of a plan (see [`Storage::search`]): `("tapis"* OR
/// "tapi") AND ("chameau"*)`.
pub fn fts5_match(plan: &tijara_core::search::SearchPlan, match_all: bool) -> Option<String> {
    use tijara_core::search::RetrievalTerm;
    full_text_query(plan, match_all, " OR ", " AND ", |t| match t {
        RetrievalTerm::Prefix(t) => format!("\"{}\"*", t.replace('"', "")),
        RetrievalTerm::Exact(t) => format!("\"{}\"", t.replace('"', "")),
    })
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
    let promotions = all_promotions(store).await?;
    Ok(CheckoutRows {
        stock,
        products,
        sellers,
        promotions,
    })
}
