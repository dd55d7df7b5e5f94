//! The engine value, its builder and the helpers every use case shares.

use crate::error::TijaraError;
use crate::ports::carrier::Carrier;
use crate::ports::payment::PaymentGateway;
use crate::ports::runtime::{Clock, EventSink, IdGenerator, Sleeper, SystemClock, UuidV7Ids};
use crate::ports::storage::{
    Changeset, CommitOutcome, DocKind, DocWrite, IdempotencyClaim, IdempotencyRecord, ProductIndex,
    Storage, StorageError, StoredDoc,
};
use chrono::Duration;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use tijara_core::Region;

pub(crate) use crate::support::os_random;

mod addresses;
mod cart_cache;
mod catalog_cache;
mod config;
mod decode_memo;
mod generations;

pub use config::{EngineConfig, IdempotencyKey};

pub(crate) struct Inner {
    pub(crate) region: Region,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) gateways: BTreeMap<String, Arc<dyn PaymentGateway>>,
    pub(crate) carriers: BTreeMap<String, Arc<dyn Carrier>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdGenerator>,
    pub(crate) sink: Option<Arc<dyn EventSink>>,
    pub(crate) sleeper: Option<Arc<dyn Sleeper>>,
    pub(crate) config: EngineConfig,
    /// The decoded catalog, valid for one catalog version.
    pub(crate) catalog: catalog_cache::CatalogCache,
    /// The carts this engine committed last, with their versions.
    pub(crate) carts: cart_cache::CartCache,
    /// The orders this engine placed last, with their text and decoded value (shared with
    /// other engines: `TijaraBuilder::sharing_order_memo_with`).
    pub(crate) order_memo: Arc<decode_memo::OrderMemo>,
    /// The open carts this engine wrote last, with their text and decoded value.
    pub(crate) cart_memo: decode_memo::CartMemo,
    /// The search index's version was checked (and the index rebuilt if it was outdated) by
    /// this engine: see `Catalog::ensure_search_index`.
    pub(crate) search_index_checked: std::sync::atomic::AtomicBool,
    /// The region's search synonyms, normalized once.
    pub(crate) synonyms: tijara_core::search::Synonyms,
    /// The region's city index and recently resolved checkout addresses.
    pub(crate) addresses: addresses::Addresses,
    #[cfg(feature = "accounts")]
    pub(crate) hash_gate: Arc<crate::support::HashGate>,
}

/// The Tijara engine: every use case of the marketplace, over the ports it was built with.
/// Cheap to clone (an `Arc` inside) and safe to share between tasks.
///
/// ```no_run
/// # use std::sync::Arc;
/// # async fn demo(storage: Arc<dyn tijara::ports::storage::Storage>,
/// #               cod: Arc<dyn tijara::ports::payment::PaymentGateway>,
/// #               amana: Arc<dyn tijara::ports::carrier::Carrier>) -> Result<(), tijara::BuildError> {
/// let engine = tijara::Tijara::builder()
///     .region(tijara_core::Region::dakhla())
///     .storage(storage)
///     .payment(cod)
///     .carrier(amana)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Tijara {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Tijara {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tijara")
            .field("region", &self.inner.region.code)
            .field("gateways", &self.inner.gateways.keys().collect::<Vec<_>>())
            .field("carriers", &self.inner.carriers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Why the engine could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required part was not given.
    #[error("the engine needs {0}: call .{0}(...) on the builder")]
    Missing(&'static str),
    /// Two gateways or carriers share a code.
    #[error("two {what} are named {code:?}")]
    Duplicate {
        /// `payment gateways` or `carriers`.
        what: &'static str,
        /// The code.
        code: String,
    },
    /// The region is inconsistent.
    #[error("invalid region: {0}")]
    Region(String),
    /// The region holds transfers longer than [`EngineConfig::transfer_reservation_ttl`] allows.
    #[error(
        "the region holds bank transfers {hold_hours} h, over the configured cap of {cap_hours} h"
    )]
    TransferHoldOverCap {
        /// The region's `transfer_hold_hours`.
        hold_hours: u32,
        /// The cap, in whole hours.
        cap_hours: i64,
    },
}

/// Builds a [`Tijara`] engine. Storage, at least one payment gateway and at least one carrier
/// are required; the region defaults to [`Region::dakhla`], the clock to the system clock, ids to
/// UUID v7.
#[derive(Default)]
pub struct TijaraBuilder {
    region: Option<Region>,
    storage: Option<Arc<dyn Storage>>,
    gateways: Vec<Arc<dyn PaymentGateway>>,
    carriers: Vec<Arc<dyn Carrier>>,
    clock: Option<Arc<dyn Clock>>,
    ids: Option<Arc<dyn IdGenerator>>,
    sink: Option<Arc<dyn EventSink>>,
    sleeper: Option<Arc<dyn Sleeper>>,
    config: EngineConfig,
    order_memo: Option<Arc<decode_memo::OrderMemo>>,
}

impl TijaraBuilder {
    /// The region (default: Dakhla – Oued Ed-Dahab).
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }
    /// The storage adapter (required).
    pub fn storage(mut self, storage: Arc<dyn Storage>) -> Self {
        self.storage = Some(storage);
        self
    }
    /// Adds a payment gateway (at least one is required).
    pub fn payment(mut self, gateway: Arc<dyn PaymentGateway>) -> Self {
        self.gateways.push(gateway);
        self
    }
    /// Adds a carrier (at least one is required).
    pub fn carrier(mut self, carrier: Arc<dyn Carrier>) -> Self {
        self.carriers.push(carrier);
        self
    }
    /// The clock (default: system time).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }
    /// The id generator (default: UUID v7).
    pub fn ids(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.ids = Some(ids);
        self
    }
    /// Where outbox events are delivered by [`Operations::dispatch_events`](crate::Operations::dispatch_events).
    pub fn event_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = Some(sink);
        self
    }
    /// How the engine waits (default: it does not). The engine runs on any executor and starts
    /// no threads, so it has no timer of its own: with a [`Sleeper`], a duplicate of a gateway
    /// or carrier call waits up to [`EngineConfig::idempotency_wait`] for the first call's
    /// answer; without one, it is refused at once with
    /// [`TijaraError::IdempotencyInProgress`] (the client retries).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }
    /// Tunables.
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Shares `other`'s memo of the orders placed
    /// ([`EngineConfig::order_memo`], whose size then comes from `other`): what one of the
    /// two engines places, the other reads back without decoding it again. For two engines
    /// of one process on the same storage, such as one placing orders and one its outbox's
    /// notification sink reads through (the sink must exist before the engine that delivers
    /// to it). A memo answers only for the very text the storage returns, so sharing it is
    /// safe whatever either engine writes.
    pub fn sharing_order_memo_with(mut self, other: &Tijara) -> Self {
        self.order_memo = Some(Arc::clone(&other.inner.order_memo));
        self
    }

    /// Checks the parts and builds the engine.
    pub fn build(self) -> Result<Tijara, BuildError> {
        let storage = self.storage.ok_or(BuildError::Missing("storage"))?;
        if self.gateways.is_empty() {
            return Err(BuildError::Missing("payment"));
        }
        if self.carriers.is_empty() {
            return Err(BuildError::Missing("carrier"));
        }
        let region = self.region.unwrap_or_default();
        region
            .validate()
            .map_err(|e| BuildError::Region(e.to_string()))?;
        if region.transfer_hold() > self.config.transfer_reservation_ttl {
            return Err(BuildError::TransferHoldOverCap {
                hold_hours: region.transfer_hold_hours,
                cap_hours: self.config.transfer_reservation_ttl.num_hours(),
            });
        }
        let mut gateways = BTreeMap::new();
        for g in self.gateways {
            let code = g.code().to_owned();
            // Each call to the outside is logged and measured (`crate::observe`).
            let g: Arc<dyn PaymentGateway> = Arc::new(crate::observe::ObservedGateway(
                g,
                crate::observe::CallSeries::default(),
            ));
            if gateways.insert(code.clone(), g).is_some() {
                return Err(BuildError::Duplicate {
                    what: "payment gateways",
                    code,
                });
            }
        }
        let mut carriers = BTreeMap::new();
        for c in self.carriers {
            let code = c.code().to_owned();
            let c: Arc<dyn Carrier> = Arc::new(crate::observe::ObservedCarrier(
                c,
                crate::observe::CallSeries::default(),
            ));
            if carriers.insert(code.clone(), c).is_some() {
                return Err(BuildError::Duplicate {
                    what: "carriers",
                    code,
                });
            }
        }
        let addresses = addresses::Addresses::new(&region);
        let synonyms = region.synonyms();
        Ok(Tijara {
            inner: Arc::new(Inner {
                carts: cart_cache::CartCache::new(self.config.cart_cache),
                cart_memo: decode_memo::CartMemo::new(
                    self.config.cart_cache.min(decode_memo::CART_MEMO),
                ),
                order_memo: self.order_memo.unwrap_or_else(|| {
                    Arc::new(decode_memo::OrderMemo::new(self.config.order_memo))
                }),
                addresses,
                synonyms,
                region,
                storage,
                gateways,
                carriers,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                ids: self.ids.unwrap_or_else(|| Arc::new(UuidV7Ids)),
                sink: self.sink,
                #[cfg(feature = "accounts")]
                hash_gate: Arc::new(crate::support::HashGate::new(
                    self.config.max_concurrent_hashes,
                )),
                sleeper: self.sleeper,
                config: self.config,
                catalog: catalog_cache::CatalogCache::default(),
                search_index_checked: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }
}

/// How the runs of one [`Tijara::mutate_carts`] call open their carts and read the catalog:
/// the carts a run took as this engine remembered them, whether it took the catalog as this
/// engine holds it, and whether the runs must read every cart, or the catalog, from storage
/// (after a refusal judged on remembered carts or on the held catalog, or a commit refused
/// because the catalog changed). One per call, so concurrent changes of the same cart do not
/// mix their records.
#[derive(Debug, Default)]
pub(crate) struct CartReads {
    remembered: std::sync::Mutex<Vec<String>>,
    from_storage: std::sync::atomic::AtomicBool,
    /// This run took the catalog as the engine holds it (a commit held to its version).
    held_catalog: std::sync::atomic::AtomicBool,
    /// The runs read the catalog's version from storage (after a refusal, or a commit refused
    /// because the catalog changed).
    catalog_from_storage: std::sync::atomic::AtomicBool,
    /// The storage's incarnation this run began at (`Storage::incarnation`): the remembered
    /// carts it may take, and what its commit is held to.
    incarnation: std::sync::Mutex<Option<u64>>,
}

impl CartReads {
    fn remembered(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.remembered.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new run of the step begins, at the storage's `incarnation`.
    fn start_run(&self, incarnation: Option<u64>) {
        *self.incarnation.lock().unwrap_or_else(|p| p.into_inner()) = incarnation;
        self.remembered().clear();
        self.held_catalog
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether a run may take the catalog as the engine holds it (not after a refusal judged
    /// on it, nor after a commit refused because the catalog changed).
    pub(crate) fn may_hold_catalog(&self) -> bool {
        !self
            .catalog_from_storage
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// This run took the catalog as the engine holds it.
    pub(crate) fn took_held_catalog(&self) {
        self.held_catalog
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Has the next runs read the catalog from storage; `true` when this run took it as held
    /// (and it was not read from storage already): run the step again.
    fn catalog_again_from_storage(&self) -> bool {
        // A run that did not take the held catalog leaves the next runs free to take it.
        self.held_catalog
            .swap(false, std::sync::atomic::Ordering::SeqCst)
            && !self
                .catalog_from_storage
                .swap(true, std::sync::atomic::Ordering::SeqCst)
    }

    /// The storage's incarnation this run began at.
    pub(crate) fn incarnation(&self) -> Option<u64> {
        *self.incarnation.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a run may take the cart from the engine's memory (not after a refusal).
    pub(crate) fn may_remember(&self) -> bool {
        !self.from_storage.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// This run took the cart `id` as the engine remembered it.
    pub(crate) fn took_remembered(&self, id: &str) {
        self.remembered().push(id.to_owned());
    }

    /// After a refusal: if this run took carts as remembered (and none was read again from
    /// storage yet), forgets them and has the next run read every cart from storage: `true`
    /// (run the step again).
    fn read_again_from_storage(&self, cache: &cart_cache::CartCache) -> bool {
        let taken = std::mem::take(&mut *self.remembered());
        if taken.is_empty() || !self.may_remember() {
            return false;
        }
        for id in &taken {
            cache.forget(id);
        }
        self.from_storage
            .store(true, std::sync::atomic::Ordering::SeqCst);
        true
    }
}

/// A document loaded with its version.
#[derive(Debug, Clone)]
pub(crate) struct Loaded<T> {
    pub(crate) value: T,
    pub(crate) version: u64,
}

pub(crate) fn decode<T: DeserializeOwned>(
    kind: DocKind,
    id: &str,
    body: &str,
) -> Result<T, TijaraError> {
    serde_json::from_str(body).map_err(|e| TijaraError::Corrupt {
        kind,
        id: id.to_owned(),
        reason: e.to_string(),
    })
}

/// The outbox row of a domain event.
pub(crate) fn outbox(
    event: &tijara_core::DomainEvent,
) -> Result<crate::ports::storage::NewEvent, TijaraError> {
    crate::ports::storage::NewEvent::from_domain(event).map_err(unencodable)
}

/// The engine's error for a value serde cannot write.
fn unencodable(e: impl std::fmt::Display) -> TijaraError {
    TijaraError::Unencodable {
        reason: e.to_string(),
    }
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<String, TijaraError> {
    serde_json::to_string(value).map_err(unencodable)
}

/// `value` as JSON kept as written, to be put inside other JSON without writing it again.
pub(crate) fn encode_raw<T: Serialize>(
    value: &T,
) -> Result<Box<serde_json::value::RawValue>, TijaraError> {
    serde_json::value::to_raw_value(value).map_err(unencodable)
}

pub(crate) struct Write {
    pub(crate) kind: DocKind,
    pub(crate) id: String,
    pub(crate) expected: Option<u64>,
    pub(crate) keys: Vec<String>,
    pub(crate) owners: Vec<String>,
    pub(crate) product: Option<ProductIndex>,
    pub(crate) links_unchanged: bool,
}

impl Write {
    pub(crate) fn new(kind: DocKind, id: impl Into<String>, expected: Option<u64>) -> Write {
        Write {
            kind,
            id: id.into(),
            expected,
            keys: vec![],
            owners: vec![],
            product: None,
            links_unchanged: false,
        }
    }
    pub(crate) fn keys(mut self, keys: Vec<String>) -> Write {
        self.keys = keys;
        self
    }
    pub(crate) fn owners(mut self, owners: Vec<String>) -> Write {
        self.owners = owners;
        self
    }
    /// Promises the storage that the keys and owners are those of the version replaced
    /// ([`DocWrite::links_unchanged`]); only for an update.
    pub(crate) fn links_unchanged(mut self, unchanged: bool) -> Write {
        self.links_unchanged = unchanged && self.expected.is_some();
        self
    }
    pub(crate) fn product(mut self, index: ProductIndex) -> Write {
        self.product = Some(index);
        self
    }
    pub(crate) fn body<T: Serialize>(self, value: &T) -> Result<DocWrite, TijaraError> {
        let body = encode(value)?;
        Ok(self.body_text(body))
    }
    /// The write with a body already written as JSON.
    pub(crate) fn body_text(self, body: String) -> DocWrite {
        DocWrite {
            kind: self.kind,
            id: self.id,
            expected_version: self.expected,
            body,
            keys: self.keys,
            owners: self.owners,
            product: self.product,
            links_unchanged: self.links_unchanged,
        }
    }
}

fn fingerprint<I: Serialize>(scope: &str, input: &I) -> Result<String, TijaraError> {
    let json = encode(input)?;
    let mut h = Sha256::new();
    h.update(scope.as_bytes());
    h.update([0]);
    h.update(json.as_bytes());
    Ok(hex::encode(h.finalize()))
}

impl Tijara {
    /// Starts building an engine.
    pub fn builder() -> TijaraBuilder {
        TijaraBuilder::default()
    }

    /// The region the engine serves.
    pub fn region(&self) -> &Region {
        &self.inner.region
    }

    /// The indicative display rates configured ([`EngineConfig::display_rates`]).
    pub fn display_rates(&self) -> &[tijara_core::region::DisplayRate] {
        &self.inner.config.display_rates
    }

    /// The engine's current time (from its clock).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    /// The storage adapter.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.inner.storage
    }

    pub(crate) fn new_id(&self, prefix: &str) -> String {
        self.inner.ids.next_id(prefix)
    }

    pub(crate) async fn load<T: DeserializeOwned>(
        &self,
        kind: DocKind,
        id: &str,
    ) -> Result<Loaded<T>, TijaraError> {
        found(kind, id, self.inner.storage.get(kind, id).await?)
    }

    pub(crate) async fn load_by_key<T: DeserializeOwned>(
        &self,
        kind: DocKind,
        key: &str,
    ) -> Result<Option<(String, Loaded<T>)>, TijaraError> {
        match self.inner.storage.find_by_key(kind, key).await? {
            None => Ok(None),
            Some(doc) => Ok(Some((
                doc.id.clone(),
                Loaded {
                    value: decode(kind, &doc.id, &doc.body)?,
                    version: doc.version,
                },
            ))),
        }
    }

    /// For use cases that call a gateway or carrier before they commit: runs `call` at most
    /// once at a time per key, so concurrent duplicates never reach the outside service twice.
    ///
    /// Without a key, `call` just runs. With one: the answer recorded by an earlier call with
    /// this key and input is returned without calling (an error if the key was used with
    /// another input); else the key is claimed in storage, atomically, before `call` runs (its
    /// commit goes through [`Tijara::mutate`] with the same scope, key and input, which records
    /// the answer), and released when `call` ends, whether it succeeded or failed (so a failed
    /// call can be retried by a new request). A duplicate that finds the key claimed waits
    /// for the first answer up to [`EngineConfig::idempotency_wait`] (if the engine has a
    /// [`Sleeper`]; else it does not wait), then gets [`TijaraError::IdempotencyInProgress`].
    /// A duplicate that waited and sees the key released without an answer (the first call
    /// failed, its outcome at the outside service possibly unknown) does not call again: it
    /// gets [`TijaraError::IdempotencyInProgress`] too, so ten waiting duplicates of a refund
    /// that timed out never make ten bank calls; only a new request calls again. A claim whose
    /// holder died lapses after [`EngineConfig::idempotency_claim_ttl`]; so does one whose call
    /// was dropped mid-way (its outcome at the outside service is unknown, and waiting is then
    /// the safe side).
    pub(crate) async fn once<I, T, F, Fut>(
        &self,
        scope: &str,
        key: Option<&IdempotencyKey>,
        input: &I,
        call: F,
    ) -> Result<T, TijaraError>
    where
        I: Serialize,
        T: DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, TijaraError>>,
    {
        let Some(k) = key else { return call().await };
        let storage = &self.inner.storage;
        let print = fingerprint(scope, input)?;
        let stored = k.stored();
        // Random, not from the id generator: two engines on one store with sequential ids would
        // otherwise hold claims with the same token and release each other's.
        let token = format!("claim_{}", uuid::Uuid::new_v4().simple());
        let started = std::time::Instant::now();
        let wait = self.inner.config.idempotency_wait;
        let mut pause = std::time::Duration::from_millis(10);
        let mut waited = false;
        loop {
            if let Some(rec) = storage.idempotency(scope, &stored).await? {
                return replay(&rec, &print, k);
            }
            let now = self.now();
            let until = now + self.inner.config.idempotency_claim_ttl;
            match storage
                .claim_idempotency(scope, &stored, &token, now, until)
                .await?
            {
                IdempotencyClaim::Claimed if waited => {
                    // The call this one waited for ended without an answer (it failed, or its
                    // claim lapsed): calling again here would repeat it once per waiter.
                    let rec = storage.idempotency(scope, &stored).await;
                    self.release(scope, &stored, &token).await;
                    if let Some(rec) = rec? {
                        return replay(&rec, &print, k);
                    }
                    tracing::info!(
                        scope,
                        "a duplicate call saw the first call end without an answer; not calling again"
                    );
                    return Err(TijaraError::IdempotencyInProgress { key: k.to_string() });
                }
                IdempotencyClaim::Claimed => break,
                IdempotencyClaim::Held { .. } => {
                    waited = true;
                    let elapsed = started.elapsed();
                    let sleeper = match &self.inner.sleeper {
                        Some(s) if elapsed < wait => s,
                        _ => {
                            tracing::info!(
                                scope,
                                waited_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                                "a duplicate call found its idempotency key still in progress"
                            );
                            return Err(TijaraError::IdempotencyInProgress { key: k.to_string() });
                        }
                    };
                    sleeper.sleep(pause.min(wait - elapsed)).await;
                    pause = (pause * 2).min(std::time::Duration::from_millis(200));
                }
            }
        }
        // The first call may have answered and released between the read and the claim.
        let result = match storage.idempotency(scope, &stored).await {
            Ok(Some(rec)) => replay(&rec, &print, k),
            Ok(None) => call().await,
            Err(e) => Err(e.into()),
        };
        self.release(scope, &stored, &token).await;
        result
    }

    /// Releases a claim of [`Tijara::once`]; a failure is logged (the claim lapses).
    async fn release(&self, scope: &str, stored: &str, token: &str) {
        if let Err(e) = self
            .inner
            .storage
            .release_idempotency(scope, stored, token)
            .await
        {
            tracing::warn!(
                target: "storage",
                scope,
                error = %e,
                "an idempotency claim could not be released; it lapses at its expiry"
            );
        }
    }

    /// Runs one mutating step with optional idempotency and retries on conflicts.
    ///
    /// `step` computes the answer and the changeset from loaded state (freshly read, or a
    /// cart this engine committed: [`Tijara::mutate_carts`]); it is called again when another
    /// process changed a document in between. With a key, the first answer
    /// is stored in the same transaction as the change, and replayed for the same input.
    pub(crate) async fn mutate<I, T, F, Fut>(
        &self,
        scope: &str,
        key: Option<&IdempotencyKey>,
        input: &I,
        step: F,
    ) -> Result<T, TijaraError>
    where
        I: Serialize,
        T: Serialize + DeserializeOwned,
        // A plain closure returning a future (not an async closure) keeps the engine's futures
        // `Send`, so they can run on any executor thread (axum handlers, spawned tasks).
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(T, Changeset), TijaraError>>,
    {
        self.mutate_carts(scope, key, input, &CartReads::default(), step)
            .await
    }

    /// [`Tijara::mutate`] for a step that opens its carts with
    /// [`Tijara::open_cart_for_change`] through `reads`, which may give them as this engine
    /// last committed them: a refusal of a run that did (an engine error that is neither a
    /// storage failure nor temporary, or stock refused by the database) forgets those carts
    /// and runs the step again, reading every cart from storage (another process may have
    /// changed them); each source of a refusal is judged again once, so the refusal of the
    /// run after the last of them is the answer.
    ///
    /// Every mutation remembers the carts it committed (see `engine/cart_cache.rs`) and
    /// forgets those of a commit that conflicted, failed or was replayed. A step may also take
    /// the catalog as the engine holds it and commit at its version (`snapshot_to_commit`): a
    /// commit refused because the catalog moved past that version
    /// ([`StorageError::CatalogChanged`]) empties the catalog cache and is retried like a
    /// conflict (within the same budget), and a refusal of such a run is judged once more; in
    /// both cases the later runs read the catalog from storage. So is a commit refused for
    /// stock after a run that took the held catalog (an add whose counters the commit checked,
    /// `Changeset::stock_at_least`).
    ///
    /// Each run reads the storage's incarnation first ([`Storage::incarnation`]); a commit that
    /// writes a document at the version the run read or remembered is held to it
    /// ([`Changeset::incarnation`]), and carts are remembered with it. A commit refused because
    /// the database restarted since ([`StorageError::Restarted`]: it may have lost deferred
    /// commits and reused their versions) empties the cart cache and is retried (the first time
    /// in a call outside the conflict budget, then like a conflict), the next run reading its
    /// carts from storage at the new incarnation.
    ///
    /// [`Storage::incarnation`]: crate::ports::storage::Storage::incarnation
    pub(crate) async fn mutate_carts<I, T, F, Fut>(
        &self,
        scope: &str,
        key: Option<&IdempotencyKey>,
        input: &I,
        reads: &CartReads,
        mut step: F,
    ) -> Result<T, TijaraError>
    where
        I: Serialize,
        T: Serialize + DeserializeOwned,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(T, Changeset), TijaraError>>,
    {
        let print = match key {
            Some(k) => {
                let fp = fingerprint(scope, input)?;
                if let Some(rec) = self.inner.storage.idempotency(scope, &k.stored()).await? {
                    return replay(&rec, &fp, k);
                }
                Some(fp)
            }
            None => None,
        };
        let cache = &self.inner.carts;
        let mut conflicts = 0;
        let mut restarted = false;
        loop {
            reads.start_run(self.inner.storage.incarnation());
            let (answer, mut changes) = match step().await {
                Ok(done) => done,
                Err(e) => {
                    if !matches!(e, TijaraError::Storage(_)) && !e.is_temporary() {
                        // Refused on a cart as this engine last wrote it, or on the catalog as
                        // this engine holds it, which another process may have changed since:
                        // judged again on what storage holds (both always asked: each forgets
                        // what its run took).
                        let carts = reads.read_again_from_storage(cache);
                        let catalog = reads.catalog_again_from_storage();
                        if carts || catalog {
                            continue;
                        }
                    }
                    // A concurrent duplicate may have committed between the read above and
                    // this step (which then finds, say, the cart already closed): its answer
                    // is this call's answer.
                    if let (Some(k), Some(fp)) = (key, &print)
                        && let Ok(Some(rec)) =
                            self.inner.storage.idempotency(scope, &k.stored()).await
                    {
                        return replay(&rec, fp, k);
                    }
                    return Err(e);
                }
            };
            let now = self.now();
            changes.now = Some(now);
            let incarnation = reads.incarnation();
            if changes.docs.iter().any(|w| w.expected_version.is_some()) {
                // Written at a version read (or remembered) at this incarnation: a crash of
                // the database since may have lost that version and let another process write
                // a different body at it.
                changes.incarnation = incarnation;
            }
            if let (Some(k), Some(fp)) = (key, &print) {
                changes.idempotency = Some(IdempotencyRecord {
                    scope: scope.to_owned(),
                    key: k.stored(),
                    fingerprint: fp.clone(),
                    response: encode(&answer)?,
                    created_at: now,
                });
            }
            if changes.is_empty() {
                return Ok(answer);
            }
            let written: Vec<(String, u64, Arc<str>)> = if cache.enabled() {
                changes
                    .docs
                    .iter()
                    .filter(|w| w.kind == DocKind::Cart)
                    .map(|w| {
                        // The storage port's versions: 1 for a new document, one more per write.
                        let version = w.expected_version.map_or(1, |v| v + 1);
                        (w.id.clone(), version, Arc::from(w.body.as_str()))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let outcome = self.inner.storage.commit(changes).await;
            if let Ok(CommitOutcome::Committed) = outcome {
                for (id, version, body) in written {
                    cache.remember(&id, version, body, incarnation);
                }
            } else if !matches!(
                outcome,
                Err(StorageError::CatalogChanged { .. } | StorageError::OwnerAtLimit { .. })
            ) {
                // Not written by this commit (a duplicate's answer, a conflict, a failure
                // whose outcome may be unknown): what is remembered of them may be old. A
                // changed catalog or an owner at its limit is answered before the documents
                // are compared: the carts remembered are not why.
                for (id, ..) in &written {
                    cache.forget(id);
                }
            }
            match outcome {
                Ok(CommitOutcome::Committed) => return Ok(answer),
                Ok(CommitOutcome::Replayed(rec)) => {
                    return match (key, &print) {
                        (Some(k), Some(fp)) => replay(&rec, fp, k),
                        _ => Ok(answer),
                    };
                }
                Err(StorageError::Conflict { kind, id }) => {
                    conflicts += 1;
                    if conflicts > self.inner.config.max_conflict_retries {
                        return Err(TijaraError::Conflict { kind, id });
                    }
                }
                // The database restarted since this run's incarnation: every cart remembered
                // may name a version it lost. Forgotten, and the step runs again at the
                // storage's new incarnation (which gives no cart remembered at the old one).
                // The first such refusal of a call is retried whatever the conflict budget
                // (the store holds the new incarnation by now); a second one counts as a
                // conflict.
                Err(e @ StorageError::Restarted { .. }) => {
                    cache.clear();
                    tracing::warn!(
                        target: "storage",
                        error = %e,
                        "the database restarted: remembered carts forgotten, the step runs again"
                    );
                    if restarted {
                        conflicts += 1;
                        if conflicts > self.inner.config.max_conflict_retries {
                            return Err(e.into());
                        }
                    }
                    restarted = true;
                }
                // Made from catalog documents this engine held at a version the storage has
                // moved past: they are dropped, and the step runs again on the catalog read
                // from storage (the carts remembered stay: the refused commit wrote nothing).
                Err(e @ StorageError::CatalogChanged { found, .. }) => {
                    self.inner.catalog.moved_to(found);
                    reads.catalog_again_from_storage();
                    conflicts += 1;
                    if conflicts > self.inner.config.max_conflict_retries {
                        return Err(e.into());
                    }
                }
                // Stock refused by the database for lines of a remembered cart, which another
                // process may have changed (an adapter may check stock before versions), or
                // for an add made from the held catalog whose counters were not read
                // (`Changeset::stock_at_least`): judged again on the stored cart and the
                // counters read (both always asked: each forgets what its run took).
                Err(
                    StorageError::OutOfStock { .. }
                    | StorageError::UnknownVariant(_)
                    | StorageError::UnknownReservation(_),
                ) if {
                    let carts = reads.read_again_from_storage(cache);
                    let catalog = reads.catalog_again_from_storage();
                    carts || catalog
                } => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// A document read by id, or `NotFound` naming it when storage has none: every read by id
/// that must find its document answers through this.
pub(crate) fn stored(
    kind: DocKind,
    id: &str,
    doc: Option<StoredDoc>,
) -> Result<StoredDoc, TijaraError> {
    doc.ok_or_else(|| TijaraError::NotFound {
        kind,
        id: id.to_owned(),
    })
}

/// A document read by id, decoded (`NotFound` when absent): what [`Tijara::load`] answers, for
/// a read that also brought something else (`Storage::get_at_catalog`).
pub(crate) fn found<T: DeserializeOwned>(
    kind: DocKind,
    id: &str,
    doc: Option<StoredDoc>,
) -> Result<Loaded<T>, TijaraError> {
    let doc = stored(kind, id, doc)?;
    Ok(Loaded {
        value: decode(kind, id, &doc.body)?,
        version: doc.version,
    })
}

fn replay<T: DeserializeOwned>(
    rec: &IdempotencyRecord,
    fingerprint: &str,
    key: &IdempotencyKey,
) -> Result<T, TijaraError> {
    if rec.fingerprint != fingerprint {
        return Err(TijaraError::IdempotencyMismatch {
            key: key.to_string(),
        });
    }
    serde_json::from_str(&rec.response).map_err(|e| TijaraError::Corrupt {
        kind: DocKind::Order,
        id: format!("idempotency {}", rec.key),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::IdempotencyKey;

    #[test]
    fn a_call_reads_again_from_storage_once_and_only_after_taking_a_remembered_cart() {
        use super::{CartReads, cart_cache::CartCache};
        use std::sync::Arc;
        let cache = CartCache::new(8);
        cache.remember("a", 3, Arc::from("{}"), None);
        let reads = CartReads::default();
        reads.start_run(None);
        assert!(
            !reads.read_again_from_storage(&cache),
            "a run that took nothing remembered is refused for good"
        );
        reads.start_run(None);
        assert!(reads.may_remember());
        reads.took_remembered("a");
        assert!(reads.read_again_from_storage(&cache));
        assert!(cache.get("a", None).is_none(), "what it took is forgotten");
        assert!(!reads.may_remember(), "the next runs read storage");
        reads.start_run(None);
        assert!(!reads.read_again_from_storage(&cache), "once per call");
        let other = CartReads::default();
        assert!(
            other.may_remember(),
            "another call (of the same cart) is apart"
        );
    }

    #[test]
    fn a_call_judges_again_once_after_taking_the_held_catalog() {
        use super::CartReads;
        let reads = CartReads::default();
        reads.start_run(None);
        assert!(reads.may_hold_catalog());
        assert!(
            !reads.catalog_again_from_storage(),
            "a run that did not take the held catalog is not run again for it"
        );
        assert!(
            reads.may_hold_catalog(),
            "nor are the next runs kept from taking it"
        );
        let reads = CartReads::default();
        reads.start_run(None);
        reads.took_held_catalog();
        reads.start_run(None);
        assert!(
            !reads.catalog_again_from_storage(),
            "what an earlier run took does not count"
        );
        let reads = CartReads::default();
        reads.start_run(None);
        reads.took_held_catalog();
        assert!(reads.catalog_again_from_storage());
        assert!(!reads.may_hold_catalog(), "the next runs read the version");
        reads.start_run(None);
        assert!(!reads.catalog_again_from_storage(), "once per call");
        assert!(
            CartReads::default().may_hold_catalog(),
            "another call is apart"
        );
    }

    #[test]
    fn a_stored_key_has_a_fixed_size_caller_part_whatever_the_caller_holds() {
        let key = IdempotencyKey::new("k-1").expect("key");
        let huge = format!("cart:\0{}", "x".repeat(1 << 20));
        for caller in ["cart:abc", "cart:\0", huge.as_str(), ""] {
            let stored = key.clone().for_caller(caller).stored();
            assert_eq!(stored.len(), 64 + 1 + 3, "{caller:.20}");
            assert!(
                !stored.contains('\0'),
                "no NUL reaches storage (PostgreSQL TEXT refuses it)"
            );
            let (hash, rest) = stored.split_once('\u{1f}').expect("separator");
            assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
            assert_eq!(rest, "k-1");
        }
        assert_ne!(
            key.clone().for_caller("a").stored(),
            key.clone().for_caller("b").stored()
        );
        assert_eq!(key.stored(), "k-1", "an unbound key is stored as sent");
    }
}
