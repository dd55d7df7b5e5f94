//! What an engine is configured with, and the idempotency key callers give.

use super::*;

/// Tunable behaviour of the engine.
///
/// Start from [`EngineConfig::default`] and change what you need with the `with_` methods:
///
/// ```
/// use tijara::EngineConfig;
///
/// let config = EngineConfig::default()
///     .with_card_reservation_ttl(chrono::Duration::minutes(20))
///     .with_max_unpaid_per_email(5);
/// assert_eq!(config.max_conflict_retries, 8);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineConfig {
    /// How long a card payment may take before the order's stock returns to sale (default 30 min).
    pub card_reservation_ttl: Duration,
    /// The longest bank transfer hold this deployment accepts (default 5 days). It is only a
    /// cap: a transfer holds its stock for exactly the region's
    /// [`transfer_hold_hours`](tijara_core::Region::transfer_hold_hours), the deadline the
    /// shopper is shown, and [`TijaraBuilder::build`] refuses a region whose hold is longer
    /// ([`BuildError::TransferHoldOverCap`]).
    pub transfer_reservation_ttl: Duration,
    /// How often a step is retried when another process changed the same document (default 8).
    pub max_conflict_retries: u32,
    /// Indicative exchange rates for shoppers abroad (default none): priced carts and orders
    /// carry their totals converted at these rates, snapshotted with the rate's date. The
    /// shopper is always charged in the region's currency.
    pub display_rates: Vec<tijara_core::region::DisplayRate>,
    /// How long a call with an idempotency key that reaches a gateway or carrier holds its key
    /// (default 60 s): a duplicate meanwhile waits for the answer instead of calling out
    /// again. If the process dies mid-call (or the call is dropped), a retry after this time
    /// may take the key over. Keep it above the slowest gateway or carrier call, retries
    /// included: the CMI adapter times out after 20 s, the Aramex and Sendit adapters try
    /// three times with their configured timeout (10 s in the examples). A shorter claim could
    /// lapse while its call is still running and let a duplicate call out again.
    pub idempotency_claim_ttl: Duration,
    /// How long such a duplicate waits for the first call's answer before it is refused with
    /// [`TijaraError::IdempotencyInProgress`] (default 5 s). Waiting needs a
    /// [`Sleeper`] ([`TijaraBuilder::sleeper`]); without one a duplicate is refused at once.
    pub idempotency_wait: std::time::Duration,
    /// How many passwords may be hashed or checked at once in this process (default 4): each
    /// Argon2 check holds 19 MiB, so this bounds the memory logins can take; an attempt over
    /// the bound is refused with [`TijaraError::Busy`] (see
    /// [`crate::usecases::accounts::HashGate`]). With the `accounts` feature only.
    #[cfg(feature = "accounts")]
    pub max_concurrent_hashes: usize,
    /// At most this many unpaid orders (card or transfer not paid, cash on delivery not
    /// collected) placed within [`EngineConfig::unpaid_window`] per e-mail (default 3; 0: no
    /// limit). A new order beyond it is refused with `TijaraError::TooManyUnpaidOrders`.
    pub max_unpaid_per_email: u32,
    /// At most this many unpaid card and transfer orders per client address, when the frontend
    /// gives one to [`Checkout::place_order_from`](crate::Checkout::place_order_from) (default 5; 0: no limit). Cash-on-delivery
    /// orders are not counted per address (mobile carriers' NAT puts many shoppers behind one),
    /// only per e-mail; loopback, private and link-local addresses are not counted at all
    /// ([`countable_client`](crate::usecases::checkout::countable_client)).
    pub max_unpaid_per_client: u32,
    /// How far back unpaid orders count against those limits (default 24 h).
    pub unpaid_window: Duration,
    /// How many aggregates' events [`Operations::dispatch_events`](crate::Operations::dispatch_events)
    /// delivers at once (default 8; at least 1). The events of one aggregate (one order, say)
    /// are always delivered one after the other, in order; those of different aggregates
    /// concurrently, so a sink's waits (a durable write, an SMTP or HTTP call) overlap. They
    /// go in batches of one event per aggregate
    /// ([`EventSink::deliver_batch`](crate::ports::runtime::EventSink::deliver_batch)): an
    /// aggregate's next event waits for the whole batch before it, so one slow delivery holds
    /// back the next events of the others in that round. 1 delivers every event one after the
    /// other in `seq` order with [`EventSink::deliver`](crate::ports::runtime::EventSink::deliver),
    /// as before this setting, for a sink that must not be called concurrently or relies on the
    /// global order.
    pub dispatch_concurrency: usize,
    /// How many carts the engine remembers as it last wrote them (default 1024; 0: none), so
    /// that a cart change starts from there instead of reading the cart from storage again.
    /// Safe with several processes on one database: each change writes its cart back only if
    /// nobody changed it since (the storage's version check), else it reads it again; and a
    /// change refused on what was remembered (say, an item over the cart's limit) is tried
    /// once more from storage before the refusal is returned. Pages and quotes that only read
    /// a cart always read storage. Usually under 1 KiB per cart (up to ~20 KiB for a cart of
    /// 100 lines). Up to the last 128 open carts written (at least the last 64; fewer if this
    /// is smaller) are also kept decoded with their text, ~5 KiB each: a change, or a quote
    /// whose read returns that very text, takes the cart without decoding it again. A crash of
    /// the database that lost deferred cart changes is noticed by itself
    /// (`Storage::incarnation`); after a restore, or a fail-over to a standby that may
    /// have lost flushed commits, restart the process (versions then name other contents).
    pub cart_cache: usize,
    /// How many orders the engine remembers decoded as it placed them (default 128; 0:
    /// none), so that reading one back (the confirmation messages the outbox dispatcher
    /// sends, the order page) takes the decoded order instead of decoding its JSON again.
    /// Taken only when the storage returns the very text written, byte for byte: safe with
    /// several processes on one database and after any crash (another text is decoded as
    /// before). About 10 KiB per order with its text; an order whose text is over 32 KiB
    /// (~40 lines) is not remembered, so at most ~8 MiB for 128.
    pub order_memo: usize,
    /// The secret of the e-mail tags in security log lines (HMAC-SHA256; default random at
    /// each start): give a key kept by the installation so tags stay comparable across
    /// restarts, and a leaked log cannot be matched against a list of e-mails.
    pub log_key: crate::support::LogKey,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            card_reservation_ttl: Duration::minutes(30),
            transfer_reservation_ttl: Duration::days(5),
            max_conflict_retries: 8,
            display_rates: Vec::new(),
            idempotency_claim_ttl: Duration::seconds(60),
            idempotency_wait: std::time::Duration::from_secs(5),
            #[cfg(feature = "accounts")]
            max_concurrent_hashes: 4,
            max_unpaid_per_email: 3,
            max_unpaid_per_client: 5,
            unpaid_window: Duration::hours(24),
            dispatch_concurrency: 8,
            cart_cache: 1024,
            order_memo: 128,
            log_key: crate::support::LogKey::random(),
        }
    }
}

impl EngineConfig {
    /// Sets how long a card payment may take before the stock returns to sale (see
    /// [`EngineConfig::card_reservation_ttl`]).
    pub fn with_card_reservation_ttl(mut self, card_reservation_ttl: Duration) -> Self {
        self.card_reservation_ttl = card_reservation_ttl;
        self
    }

    /// Sets the longest bank transfer hold accepted (see
    /// [`EngineConfig::transfer_reservation_ttl`]).
    pub fn with_transfer_reservation_ttl(mut self, transfer_reservation_ttl: Duration) -> Self {
        self.transfer_reservation_ttl = transfer_reservation_ttl;
        self
    }

    /// Sets how often a step is retried on a conflicting change (see
    /// [`EngineConfig::max_conflict_retries`]).
    pub fn with_max_conflict_retries(mut self, max_conflict_retries: u32) -> Self {
        self.max_conflict_retries = max_conflict_retries;
        self
    }

    /// Sets how many aggregates' events a dispatch delivers at once (see
    /// [`EngineConfig::dispatch_concurrency`]; 0 is taken as 1).
    pub fn with_dispatch_concurrency(mut self, dispatch_concurrency: usize) -> Self {
        self.dispatch_concurrency = dispatch_concurrency.max(1);
        self
    }

    /// Sets how many carts the engine remembers (see [`EngineConfig::cart_cache`]; 0: none).
    pub fn with_cart_cache(mut self, carts: usize) -> Self {
        self.cart_cache = carts;
        self
    }

    /// Sets how many orders the engine remembers decoded (see [`EngineConfig::order_memo`];
    /// 0: none).
    pub fn with_order_memo(mut self, orders: usize) -> Self {
        self.order_memo = orders;
        self
    }

    /// Sets the indicative exchange rates for shoppers abroad (see
    /// [`EngineConfig::display_rates`]).
    pub fn with_display_rates(
        mut self,
        display_rates: Vec<tijara_core::region::DisplayRate>,
    ) -> Self {
        self.display_rates = display_rates;
        self
    }

    /// Sets how long a call that reaches a gateway or carrier holds its idempotency key (see
    /// [`EngineConfig::idempotency_claim_ttl`]).
    pub fn with_idempotency_claim_ttl(mut self, idempotency_claim_ttl: Duration) -> Self {
        self.idempotency_claim_ttl = idempotency_claim_ttl;
        self
    }

    /// Sets how long a duplicate waits for the first answer (see
    /// [`EngineConfig::idempotency_wait`]).
    pub fn with_idempotency_wait(mut self, idempotency_wait: std::time::Duration) -> Self {
        self.idempotency_wait = idempotency_wait;
        self
    }

    /// Sets how many passwords may be hashed or checked at once (see
    /// [`EngineConfig::max_concurrent_hashes`]).
    #[cfg(feature = "accounts")]
    pub fn with_max_concurrent_hashes(mut self, max_concurrent_hashes: usize) -> Self {
        self.max_concurrent_hashes = max_concurrent_hashes;
        self
    }

    /// Sets the unpaid orders allowed per e-mail (0: no limit) (see
    /// [`EngineConfig::max_unpaid_per_email`]).
    pub fn with_max_unpaid_per_email(mut self, max_unpaid_per_email: u32) -> Self {
        self.max_unpaid_per_email = max_unpaid_per_email;
        self
    }

    /// Sets the unpaid card and transfer orders allowed per client address (0: no limit) (see
    /// [`EngineConfig::max_unpaid_per_client`]).
    pub fn with_max_unpaid_per_client(mut self, max_unpaid_per_client: u32) -> Self {
        self.max_unpaid_per_client = max_unpaid_per_client;
        self
    }

    /// Sets how far back unpaid orders count against the limits (see
    /// [`EngineConfig::unpaid_window`]).
    pub fn with_unpaid_window(mut self, unpaid_window: Duration) -> Self {
        self.unpaid_window = unpaid_window;
        self
    }

    /// Sets the secret of the e-mail tags in security log lines (see [`EngineConfig::log_key`]).
    pub fn with_log_key(mut self, log_key: crate::support::LogKey) -> Self {
        self.log_key = log_key;
        self
    }
}

/// An idempotency key sent by a client (1 to 255 visible ASCII characters), optionally bound
/// to the caller that sent it ([`IdempotencyKey::for_caller`]): a key answers only calls of the
/// same use case, with the same input, from the same caller.
///
/// Serialised as the plain key string when unbound, as `{"key": ..., "caller": ...}` when
/// bound; deserialising validates the key like [`IdempotencyKey::new`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(try_from = "KeyForm", into = "KeyForm")]
pub struct IdempotencyKey {
    key: String,
    caller: Option<String>,
}

/// The serialised form of an [`IdempotencyKey`].
#[derive(Serialize, serde::Deserialize)]
#[serde(untagged)]
enum KeyForm {
    Plain(String),
    Bound { key: String, caller: String },
}

impl TryFrom<KeyForm> for IdempotencyKey {
    type Error = TijaraError;
    fn try_from(form: KeyForm) -> Result<Self, TijaraError> {
        match form {
            KeyForm::Plain(key) => IdempotencyKey::new(key),
            KeyForm::Bound { key, caller } => Ok(IdempotencyKey::new(key)?.for_caller(caller)),
        }
    }
}

impl From<IdempotencyKey> for KeyForm {
    fn from(k: IdempotencyKey) -> KeyForm {
        match k.caller {
            None => KeyForm::Plain(k.key),
            Some(caller) => KeyForm::Bound { key: k.key, caller },
        }
    }
}

impl IdempotencyKey {
    /// Validates a key.
    pub fn new(key: impl Into<String>) -> Result<Self, TijaraError> {
        let key = key.into();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TijaraError::BadIdempotencyKey);
        }
        Ok(IdempotencyKey { key, caller: None })
    }

    /// The same key bound to a caller (an account id, a cart id...): two callers sending the
    /// same key never share an answer, as payment APIs scope keys by API account. Frontends
    /// that serve several clients should always bind keys to who sent them. The caller may be
    /// any string (it can come from a URL): only its SHA-256 is stored.
    pub fn for_caller(mut self, caller: impl Into<String>) -> Self {
        self.caller = Some(caller.into());
        self
    }

    /// The key as the client sent it.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The caller the key is bound to, if any.
    pub fn caller(&self) -> Option<&str> {
        self.caller.as_deref()
    }

    /// The key as stored: the hex SHA-256 of the caller, a unit separator (which a key cannot
    /// hold) and the key, so no two (caller, key) pairs, nor a bound and an unbound key, store
    /// alike; at most 321 visible ASCII characters and the separator, whatever the caller holds
    /// (a NUL, megabytes of path).
    pub(crate) fn stored(&self) -> String {
        match &self.caller {
            None => self.key.clone(),
            Some(c) => format!(
                "{}\u{1f}{}",
                hex::encode(Sha256::digest(c.as_bytes())),
                self.key
            ),
        }
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}
