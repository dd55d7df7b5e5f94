//! Idempotency under concurrency: duplicates of a call with one key reach a gateway once, wait
//! for the first answer or are told it is in progress, and identical concurrent checkouts all
//! get the first order (issue 11, items 3 and 14).

mod common;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use tijara::docs::PaymentSource;
use tijara::ports::payment::*;
use tijara::ports::storage::*;
use tijara::usecases::cart::CartChange;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
use tijara::{EngineConfig, Tijara, TijaraError};
use tijara_core::*;
use tijara_testkit::stubs::*;

/// The stub card gateway, slowed down (so duplicates overlap) and counting its refunds; it
/// can be told to fail them.
struct SlowCard {
    inner: Arc<StubGateway>,
    refunds: AtomicU32,
    failing: AtomicBool,
}

#[async_trait]
impl PaymentGateway for SlowCard {
    fn code(&self) -> &str {
        self.inner.code()
    }
    fn method(&self) -> tijara_core::payment::PaymentMethod {
        self.inner.method()
    }
    fn capabilities(&self) -> PaymentCapabilities {
        self.inner.capabilities()
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        self.inner.start(request).await
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        self.inner.verify_notification(request).await
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        self.inner.answer(verdict)
    }
    async fn capture(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.inner.capture(op).await
    }
    async fn void(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.inner.void(op).await
    }
    async fn refund(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.refunds.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if self.failing.load(Ordering::SeqCst) {
            return Err(GatewayError::Temporary("bank timeout".into()));
        }
        self.inner.refund(op).await
    }
}

fn card_market(config: EngineConfig) -> (Market, Arc<SlowCard>) {
    card_market_on(
        Arc::new(tijara_store_memory::MemoryStore::new()),
        config,
        true,
    )
}

/// A market whose card gateway is slowed down, on `storage`; its duplicates wait for the
/// first answer only when `waits` (the engine then has a sleeper).
fn card_market_on(
    storage: Arc<dyn Storage>,
    config: EngineConfig,
    waits: bool,
) -> (Market, Arc<SlowCard>) {
    let clock = Arc::new(FixedClock::at(t0()));
    let carrier = Arc::new(StubCarrier::new("amana", "30.00", "10.00"));
    let sink = Arc::new(RecordingSink::default());
    let card = Arc::new(StubGateway::card());
    let slow = Arc::new(SlowCard {
        inner: card.clone(),
        refunds: AtomicU32::new(0),
        failing: AtomicBool::new(false),
    });
    let mut builder = Tijara::builder()
        .region(Region::dakhla())
        .storage(storage)
        .payment(slow.clone())
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(carrier.clone())
        .clock(clock.clone())
        .ids(Arc::new(SequentialIds::default()))
        .event_sink(sink.clone())
        .config(config);
    if waits {
        builder = builder.sleeper(Arc::new(TokioSleeper));
    }
    let engine = builder.build().expect("engine");
    (
        Market {
            engine,
            clock,
            carrier,
            sink,
            card,
        },
        slow,
    )
}

fn amana() -> ShippingSelection {
    ShippingSelection::new("amana", "standard")
}

/// A paid card order (authorized and captured) of one cushion.
async fn paid_card_order(m: &Market) -> OrderId {
    let c = catalog(m).await;
    let e = &m.engine;
    let placed = e
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Inline {
                    lines: vec![(c.cushion.clone(), 1)],
                    coupons: vec![],
                    customer: None,
                    shipping: vec![(c.a.clone(), amana())].into_iter().collect(),
                },
                "youssef@example.ma",
                address(),
                "card",
                Lang::FR,
            ),
            None,
        )
        .await
        .expect("placed");
    let order = placed.order;
    e.payments()
        .record_payment(
            &order.id,
            PaymentNotice::new(
                PaymentSource::Gateway {
                    code: "card".into(),
                },
                "auth",
                PaymentEventKind::Authorized {
                    amount: order.grand_total,
                },
                serde_json::Value::Null,
            ),
            None,
        )
        .await
        .expect("authorized");
    e.payments()
        .capture_payment(&order.id, order.grand_total, None)
        .await
        .expect("captured");
    order.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_refunds_with_one_key_reach_the_gateway_once() {
    let (m, slow) = card_market(EngineConfig::default());
    let order = paid_card_order(&m).await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (e, order) = (m.engine.clone(), order.clone());
        calls.spawn(async move {
            e.payments()
                .refund_payment(&order, mad("100.00"), "admin", Some(&key("refund-1")))
                .await
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = calls.join_next().await {
        answers.push(
            done.expect("task")
                .expect("every duplicate gets the refund"),
        );
    }
    assert_eq!(
        slow.refunds.load(Ordering::SeqCst),
        1,
        "ten duplicates, one refund at the bank"
    );
    assert_eq!(answers.len(), 10);
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "every duplicate gets the first answer"
    );
    let doc = m.engine.orders().order(&order).await.expect("order");
    assert_eq!(doc.order.payment.refunded(), mad("100.00"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicates_waiting_on_a_failed_refund_do_not_call_the_bank_again() {
    let (m, slow) = card_market(EngineConfig::default());
    let order = paid_card_order(&m).await;
    slow.failing.store(true, Ordering::SeqCst);
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (e, order) = (m.engine.clone(), order.clone());
        calls.spawn(async move {
            e.payments()
                .refund_payment(&order, mad("100.00"), "admin", Some(&key("refund-4")))
                .await
        });
    }
    let (mut failed, mut in_progress) = (0, 0);
    while let Some(done) = calls.join_next().await {
        match done.expect("task") {
            Err(TijaraError::Gateway(_)) => failed += 1,
            Err(TijaraError::IdempotencyInProgress { .. }) => in_progress += 1,
            other => panic!("a duplicate got {other:?}"),
        }
    }
    assert_eq!(
        slow.refunds.load(Ordering::SeqCst),
        1,
        "the bank timed out once; the waiters do not each try again"
    );
    assert_eq!((failed, in_progress), (1, 9));
    // A new request (the client's retry) calls again.
    slow.failing.store(false, Ordering::SeqCst);
    m.engine
        .payments()
        .refund_payment(&order, mad("100.00"), "admin", Some(&key("refund-4")))
        .await
        .expect("the retry refunds");
    assert_eq!(slow.refunds.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_sleeper_a_duplicate_is_refused_at_once() {
    let config = EngineConfig::default().with_idempotency_wait(std::time::Duration::from_secs(5));
    let (m, slow) = card_market_on(
        Arc::new(tijara_store_memory::MemoryStore::new()),
        config,
        false,
    );
    let order = paid_card_order(&m).await;
    let now = m.engine.now();
    let claim = m
        .engine
        .storage()
        .claim_idempotency(
            "refund_payment",
            "refund-5",
            "claim_other",
            now,
            now + Duration::minutes(1),
        )
        .await
        .expect("claim");
    assert_eq!(claim, IdempotencyClaim::Claimed);
    let started = std::time::Instant::now();
    let err = m
        .engine
        .payments()
        .refund_payment(&order, mad("20.00"), "admin", Some(&key("refund-5")))
        .await
        .expect_err("held by another call");
    assert!(
        matches!(err, TijaraError::IdempotencyInProgress { .. }),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "no timer, no wait: refused in {:?}",
        started.elapsed()
    );
    assert_eq!(slow.refunds.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_with_sequential_ids_on_one_store_hold_different_claim_tokens() {
    let store = Arc::new(SlowCarts(
        tijara_store_memory::MemoryStore::new(),
        std::sync::Mutex::default(),
    ));
    let (m, _) = card_market_on(store.clone(), EngineConfig::default(), true);
    let order = paid_card_order(&m).await;
    // Two more processes, just started: their id generators are where each other's are.
    let (b, _) = card_market_on(store.clone(), EngineConfig::default(), true);
    let (c, _) = card_market_on(store.clone(), EngineConfig::default(), true);
    b.engine
        .payments()
        .refund_payment(&order, mad("10.00"), "admin", Some(&key("refund-b")))
        .await
        .expect("refund b");
    c.engine
        .payments()
        .refund_payment(&order, mad("10.00"), "admin", Some(&key("refund-c")))
        .await
        .expect("refund c");
    let tokens = store.1.lock().expect("tokens").clone();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_ne!(
        tokens[0], tokens[1],
        "one process could release the other's claim"
    );
}

#[test]
fn a_deserialised_key_is_validated_and_an_unbound_key_stays_a_plain_string() {
    let k: tijara::IdempotencyKey = serde_json::from_str("\"refund-1\"").expect("plain key");
    assert_eq!(k, key("refund-1"));
    assert_eq!(
        serde_json::to_string(&k).expect("encoded"),
        "\"refund-1\"",
        "the public form of an unbound key is the key"
    );
    let bound = key("refund-1").for_caller("seller:7");
    let json = serde_json::to_string(&bound).expect("encoded");
    let back: tijara::IdempotencyKey = serde_json::from_str(&json).expect("decoded");
    assert_eq!(back, bound);
    for bad in [
        "\"a\\u001fb\"".to_owned(),
        "\"\"".to_owned(),
        "\"with space\"".to_owned(),
        format!("\"{}\"", "k".repeat(256)),
        r#"{"key": "a\u001fb", "caller": "x"}"#.to_owned(),
    ] {
        assert!(
            serde_json::from_str::<tijara::IdempotencyKey>(&bad).is_err(),
            "{bad} is not a key"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_gateway_call_frees_its_key_for_a_retry() {
    let (m, slow) = card_market(EngineConfig::default());
    let order = paid_card_order(&m).await;
    slow.failing.store(true, Ordering::SeqCst);
    let k = key("refund-2");
    let err = m
        .engine
        .payments()
        .refund_payment(&order, mad("50.00"), "admin", Some(&k))
        .await
        .expect_err("the bank timed out");
    assert!(matches!(err, TijaraError::Gateway(_)), "{err}");
    slow.failing.store(false, Ordering::SeqCst);
    m.engine
        .payments()
        .refund_payment(&order, mad("50.00"), "admin", Some(&k))
        .await
        .expect("the retry is not told 'in progress'");
    assert_eq!(slow.refunds.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_left_by_a_dead_process_waits_then_lapses() {
    let config =
        EngineConfig::default().with_idempotency_wait(std::time::Duration::from_millis(150));
    let (m, slow) = card_market(config);
    let order = paid_card_order(&m).await;
    // Another process claimed the key, then died before calling the bank.
    let now: DateTime<Utc> = m.engine.now();
    let claim = m
        .engine
        .storage()
        .claim_idempotency(
            "refund_payment",
            "refund-3",
            "claim_dead",
            now,
            now + Duration::minutes(5),
        )
        .await
        .expect("claim");
    assert_eq!(claim, IdempotencyClaim::Claimed);
    let k = key("refund-3");
    let err = m
        .engine
        .payments()
        .refund_payment(&order, mad("20.00"), "admin", Some(&k))
        .await
        .expect_err("still claimed");
    assert!(
        matches!(err, TijaraError::IdempotencyInProgress { .. }),
        "{err}"
    );
    assert!(err.is_temporary());
    assert_eq!(
        slow.refunds.load(Ordering::SeqCst),
        0,
        "the bank is not called"
    );
    m.clock.advance(Duration::minutes(6));
    m.engine
        .payments()
        .refund_payment(&order, mad("20.00"), "admin", Some(&k))
        .await
        .expect("the lapsed claim is taken over");
    assert_eq!(slow.refunds.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn keys_bound_to_callers_never_share_an_answer() {
    let m = market();
    let k = key("same-key");
    let a = m
        .engine
        .carts()
        .create_cart(None, Some(&k.clone().for_caller("client-a")))
        .await
        .expect("cart a");
    let b = m
        .engine
        .carts()
        .create_cart(None, Some(&k.clone().for_caller("client-b")))
        .await
        .expect("cart b");
    assert_ne!(a.cart.id, b.cart.id, "two callers, two carts");
    let again = m
        .engine
        .carts()
        .create_cart(None, Some(&k.clone().for_caller("client-a")))
        .await
        .expect("cart a again");
    assert_eq!(
        again.cart.id, a.cart.id,
        "the same caller is answered the same"
    );
}

/// The stub carrier, slowed down and counting the parcels it is asked to create.
struct SlowCarrier {
    inner: Arc<StubCarrier>,
    creates: AtomicU32,
}

#[async_trait]
impl tijara::ports::carrier::Carrier for SlowCarrier {
    fn code(&self) -> &str {
        self.inner.code()
    }
    fn capabilities(&self) -> tijara::ports::carrier::CarrierCapabilities {
        self.inner.capabilities()
    }
    async fn quote(
        &self,
        request: &tijara::ports::carrier::QuoteRequest,
    ) -> Result<Vec<tijara::ports::carrier::Quote>, tijara::ports::carrier::CarrierError> {
        self.inner.quote(request).await
    }
    async fn create_shipment(
        &self,
        request: &tijara::ports::carrier::ShipmentRequest,
    ) -> Result<tijara::ports::carrier::CreatedShipment, tijara::ports::carrier::CarrierError> {
        self.creates.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        self.inner.create_shipment(request).await
    }
    async fn cancel(
        &self,
        tracking_number: &str,
    ) -> Result<(), tijara::ports::carrier::CarrierError> {
        self.inner.cancel(tracking_number).await
    }
    async fn track(
        &self,
        tracking_number: &str,
    ) -> Result<Vec<tijara_core::fulfillment::TrackingEvent>, tijara::ports::carrier::CarrierError>
    {
        self.inner.track(tracking_number).await
    }
    async fn parse_webhook(
        &self,
        request: &tijara::ports::carrier::WebhookRequest,
    ) -> Result<tijara::ports::carrier::WebhookUpdate, tijara::ports::carrier::CarrierError> {
        self.inner.parse_webhook(request).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_shipments_with_one_key_reach_the_carrier_once() {
    ten_concurrent_shipments(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_ready_and_ship_of_an_awaiting_part_all_get_the_shipment() {
    ten_concurrent_shipments(true).await;
}

/// Ten duplicates ship one part with one key (each marking it ready first when `awaiting`).
async fn ten_concurrent_shipments(awaiting: bool) {
    let clock = Arc::new(FixedClock::at(t0()));
    let stub = Arc::new(StubCarrier::new("amana", "30.00", "10.00"));
    let slow = Arc::new(SlowCarrier {
        inner: stub.clone(),
        creates: AtomicU32::new(0),
    });
    let engine = Tijara::builder()
        .region(Region::dakhla())
        .storage(Arc::new(tijara_store_memory::MemoryStore::new()))
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(slow.clone())
        .clock(clock.clone())
        .ids(Arc::new(SequentialIds::default()))
        .sleeper(Arc::new(TokioSleeper))
        .build()
        .expect("engine");
    let m = Market {
        engine,
        clock,
        carrier: stub,
        sink: Arc::new(RecordingSink::default()),
        card: Arc::new(StubGateway::card()),
    };
    let c = catalog(&m).await;
    let placed = m
        .engine
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Inline {
                    lines: vec![(c.cushion.clone(), 1)],
                    coupons: vec![],
                    customer: None,
                    shipping: vec![(c.a.clone(), amana())].into_iter().collect(),
                },
                "youssef@example.ma",
                address(),
                "cod",
                Lang::FR,
            ),
            None,
        )
        .await
        .expect("placed");
    let order = placed.order.id.clone();
    let part = placed.order.seller_orders[0].id.clone();
    if !awaiting {
        m.engine
            .fulfillment()
            .mark_ready(&order, &part, None)
            .await
            .expect("ready");
    }
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (e, order, part) = (m.engine.clone(), order.clone(), part.clone());
        calls.spawn(async move {
            if awaiting {
                // "Ready and ship", as the storefront does for a part still awaiting.
                e.fulfillment().mark_ready(&order, &part, None).await?;
            }
            let request = tijara::usecases::fulfillment::ShipRequest::new();
            e.fulfillment()
                .ship(&order, &part, request, Some(&key("ship-1")))
                .await
        });
    }
    let mut shipments = Vec::new();
    while let Some(done) = calls.join_next().await {
        shipments.push(
            done.expect("task")
                .expect("every duplicate gets the shipment"),
        );
    }
    assert_eq!(
        slow.creates.load(Ordering::SeqCst),
        1,
        "ten duplicates, one parcel asked of the carrier"
    );
    assert_eq!(shipments.len(), 10);
    assert!(shipments.iter().all(|s| s == &shipments[0]));
}

/// The memory store, with cart reads slowed down: a checkout's read of its key and its read
/// of the cart are then far enough apart for a concurrent duplicate to commit in between.
/// It also records the tokens of the idempotency claims it is asked for.
struct SlowCarts(
    tijara_store_memory::MemoryStore,
    std::sync::Mutex<Vec<String>>,
);

#[async_trait]
impl Storage for SlowCarts {
    async fn commit(&self, changes: Changeset) -> Result<CommitOutcome, StorageError> {
        self.0.commit(changes).await
    }
    async fn get(&self, kind: DocKind, id: &str) -> Result<Option<StoredDoc>, StorageError> {
        if kind == DocKind::Cart {
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        }
        self.0.get(kind, id).await
    }
    async fn get_many(
        &self,
        kind: DocKind,
        ids: &[String],
    ) -> Result<Vec<StoredDoc>, StorageError> {
        self.0.get_many(kind, ids).await
    }
    async fn find_by_key(
        &self,
        kind: DocKind,
        key: &str,
    ) -> Result<Option<StoredDoc>, StorageError> {
        self.0.find_by_key(kind, key).await
    }
    async fn list(&self, query: &ListQuery) -> Result<Vec<StoredDoc>, StorageError> {
        self.0.list(query).await
    }
    async fn search_products(&self, query: &ProductQuery) -> Result<Vec<StoredDoc>, StorageError> {
        self.0.search_products(query).await
    }
    async fn search(&self, query: &SearchQuery) -> Result<SearchPage, StorageError> {
        self.0.search(query).await
    }
    async fn stock_levels(&self, variants: &[VariantId]) -> Result<Vec<StockRow>, StorageError> {
        self.0.stock_levels(variants).await
    }
    async fn expired_reservations(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ReservationRow>, StorageError> {
        self.0.expired_reservations(now, limit).await
    }
    async fn order_reservations(
        &self,
        order: &OrderId,
    ) -> Result<Vec<ReservationRow>, StorageError> {
        self.0.order_reservations(order).await
    }
    async fn idempotency(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StorageError> {
        self.0.idempotency(scope, key).await
    }
    async fn claim_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<IdempotencyClaim, StorageError> {
        if let Ok(mut tokens) = self.1.lock() {
            tokens.push(token.to_owned());
        }
        self.0
            .claim_idempotency(scope, key, token, now, expires_at)
            .await
    }
    async fn delete_doc(
        &self,
        kind: DocKind,
        id: &str,
        version: u64,
    ) -> Result<bool, StorageError> {
        self.0.delete_doc(kind, id, version).await
    }
    async fn release_idempotency(
        &self,
        scope: &str,
        key: &str,
        token: &str,
    ) -> Result<(), StorageError> {
        self.0.release_idempotency(scope, key, token).await
    }
    async fn pending_events(&self, limit: u32) -> Result<Vec<OutboxEvent>, StorageError> {
        self.0.pending_events(limit).await
    }
    async fn ack_events(&self, seqs: &[u64]) -> Result<(), StorageError> {
        self.0.ack_events(seqs).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_identical_checkouts_with_one_key_all_get_the_first_order() {
    let m = market_on(Arc::new(SlowCarts(
        tijara_store_memory::MemoryStore::new(),
        std::sync::Mutex::default(),
    )));
    let c = catalog(&m).await;
    let e = &m.engine;
    let cart = e
        .carts()
        .create_cart(None, None)
        .await
        .expect("cart")
        .cart
        .id;
    e.carts()
        .change_cart(
            &cart,
            CartChange::Add {
                variant: c.cushion.clone(),
                quantity: 1,
            },
            None,
        )
        .await
        .expect("added");
    e.checkout()
        .choose_shipping(&cart, address(), &c.a, amana(), None)
        .await
        .expect("shipping");
    let request = PlaceOrderRequest::new(
        CheckoutCart::Stored { cart },
        "youssef@example.ma",
        address(),
        "cod",
        Lang::FR,
    );
    // Ten retries of one click, a few milliseconds apart: some read the key before the first
    // commits and the cart after it.
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..10u64 {
        let (e, request) = (m.engine.clone(), request.clone());
        calls.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(4 * i)).await;
            e.checkout()
                .place_order(request, Some(&key("checkout-1")))
                .await
        });
    }
    let mut orders = Vec::new();
    while let Some(done) = calls.join_next().await {
        match done.expect("task") {
            Ok(placed) => orders.push(placed.order.id),
            Err(err) => panic!("a retry got {err} instead of the first order"),
        }
    }
    assert_eq!(orders.len(), 10);
    let distinct: std::collections::BTreeSet<_> = orders.iter().collect();
    assert_eq!(distinct.len(), 1, "one order for ten identical retries");
    let row = e.catalog().stock_row(&c.cushion).await.expect("stock");
    assert_eq!(row.on_hand, 4, "one cushion sold");
}
