//! Test doubles shipped in the library, so embedders can test their own code against the
//! engine without a database, a bank or a carrier.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tijara::ports::carrier::*;
use tijara::ports::payment::*;
use tijara::ports::runtime::{Clock, EventSink, IdGenerator, SinkError, Sleeper};
use tijara::ports::storage::OutboxEvent;
use tijara::usecases::payments::PaymentEventKind;
use tijara_core::fulfillment::TrackingEvent;
use tijara_core::payment::PaymentMethod;
use tijara_core::{Lang, LocalizedText, Money};

/// A clock that shows the time it is told.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn at(at: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(at))
    }
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|t| *t).unwrap_or_default()
    }
}

/// Ids `prefix_000001`, `prefix_000002`... (predictable, increasing).
#[derive(Debug, Default)]
pub struct SequentialIds(AtomicU64);

impl IdGenerator for SequentialIds {
    fn next_id(&self, prefix: &str) -> String {
        format!("{prefix}_{:08}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// Waits with tokio's timer (the test runtimes enable it): engines built with it let duplicates
/// of a gateway or carrier call wait for the first answer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(
        &self,
        duration: std::time::Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// What a [`StubGateway`] answers to `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StubBehaviour {
    /// A redirect to a fake page.
    Redirect,
    /// Instructions (offline methods).
    Instructions,
    /// Settled at once.
    Completed,
    /// A temporary failure (of `start`, and of capture, void and refund).
    Unavailable,
}

/// The shared secret a [`StubGateway`] signs its notifications with.
pub const STUB_SECRET: &str = "stub-gateway-secret";

/// A payment gateway that answers as told, records what it was asked, and signs and verifies
/// notifications with a shared secret (SHA-256 over the fields and [`STUB_SECRET`]): enough to
/// test the engine's rules, and a reference for adapter authors.
#[derive(Debug)]
pub struct StubGateway {
    code: String,
    method: PaymentMethod,
    behaviour: Mutex<StubBehaviour>,
    capabilities: Mutex<PaymentCapabilities>,
    requests: Mutex<Vec<PaymentRequest>>,
    operations: Mutex<Vec<(String, PaymentOperation)>>,
}

fn stub_signature(fields: &[(String, String)]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (k, v) in fields.iter().filter(|(k, _)| k != "signature") {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    h.update(STUB_SECRET.as_bytes());
    hex::encode(h.finalize())
}

impl StubGateway {
    /// A card gateway with a hosted page.
    pub fn card() -> Self {
        Self::new("card", PaymentMethod::Card, StubBehaviour::Redirect)
    }
    /// A sale-only card gateway with a hosted page (its approvals are sales: `captured`
    /// notifications; no capture, no void; refunds by API).
    pub fn sale() -> Self {
        let g = Self::new("sale", PaymentMethod::Card, StubBehaviour::Redirect);
        g.set_capabilities(
            PaymentCapabilities::default()
                .with_redirect(true)
                .with_sale_only(true)
                .with_partial_refund(true)
                .with_refund_by_api(true),
        );
        g
    }
    /// Cash on delivery.
    pub fn cash_on_delivery() -> Self {
        Self::new(
            "cod",
            PaymentMethod::CashOnDelivery,
            StubBehaviour::Instructions,
        )
    }
    /// Bank transfer.
    pub fn bank_transfer() -> Self {
        Self::new(
            "transfer",
            PaymentMethod::BankTransfer,
            StubBehaviour::Instructions,
        )
    }
    /// Any code, method and behaviour.
    pub fn new(code: &str, method: PaymentMethod, behaviour: StubBehaviour) -> Self {
        StubGateway {
            code: code.into(),
            method,
            behaviour: Mutex::new(behaviour),
            capabilities: Mutex::new(
                PaymentCapabilities::default()
                    .with_redirect(method == PaymentMethod::Card)
                    .with_partial_capture(method == PaymentMethod::Card)
                    .with_partial_refund(true)
                    .with_void(method == PaymentMethod::Card)
                    .with_refund_by_api(method == PaymentMethod::Card),
            ),
            requests: Mutex::new(Vec::new()),
            operations: Mutex::new(Vec::new()),
        }
    }
    /// Changes the behaviour.
    pub fn set_behaviour(&self, b: StubBehaviour) {
        if let Ok(mut x) = self.behaviour.lock() {
            *x = b;
        }
    }
    /// Changes the declared capabilities.
    pub fn set_capabilities(&self, c: PaymentCapabilities) {
        if let Ok(mut x) = self.capabilities.lock() {
            *x = c;
        }
    }
    /// The requests received.
    pub fn requests(&self) -> Vec<PaymentRequest> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
    /// The operations received (`capture`, `void`, `refund`).
    pub fn operations(&self) -> Vec<(String, PaymentOperation)> {
        self.operations
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
    /// A signed notification: `event` is `authorized`, `captured` or `declined`.
    pub fn notification(
        attempt: &str,
        event: &str,
        amount: Money,
        reference: &str,
    ) -> NotificationRequest {
        let mut fields = vec![
            ("attempt".to_owned(), attempt.to_owned()),
            ("event".to_owned(), event.to_owned()),
            ("amount".to_owned(), amount.amount().to_string()),
            ("currency".to_owned(), amount.currency().code().to_owned()),
            ("reference".to_owned(), reference.to_owned()),
        ];
        let sig = stub_signature(&fields);
        fields.push(("signature".to_owned(), sig));
        NotificationRequest::form(fields)
    }
    fn operation(
        &self,
        name: &str,
        op: &PaymentOperation,
        allowed: bool,
    ) -> Result<OperationResult, GatewayError> {
        if !allowed {
            return Err(GatewayError::Unsupported("this operation"));
        }
        if self
            .behaviour
            .lock()
            .is_ok_and(|b| *b == StubBehaviour::Unavailable)
        {
            return Err(GatewayError::Temporary("stub told to fail".into()));
        }
        if let Ok(mut o) = self.operations.lock() {
            o.push((name.to_owned(), op.clone()));
        }
        Ok(
            OperationResult::new(format!("stub-{name}-{}", op.attempt_id))
                .with_raw(serde_json::json!({"operation": name})),
        )
    }
}

#[async_trait]
impl PaymentGateway for StubGateway {
    fn code(&self) -> &str {
        &self.code
    }
    fn method(&self) -> PaymentMethod {
        self.method
    }
    fn capabilities(&self) -> PaymentCapabilities {
        self.capabilities.lock().map(|c| *c).unwrap_or_default()
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        if let Ok(mut r) = self.requests.lock() {
            r.push(request.clone());
        }
        let b = self
            .behaviour
            .lock()
            .map(|b| *b)
            .unwrap_or(StubBehaviour::Unavailable);
        match b {
            StubBehaviour::Redirect => Ok(PaymentStart::Redirect {
                url: "http://127.0.0.1:9/stub-pay".into(),
                fields: vec![
                    ("oid".into(), request.attempt_id.clone()),
                    ("amount".into(), request.amount.amount().to_string()),
                ],
            }),
            StubBehaviour::Instructions => Ok(PaymentStart::Instructions {
                text: LocalizedText::new()
                    .with(Lang::FR, "Payez à la livraison")
                    .with(Lang::AR, "الدفع عند الاستلام"),
                reference: request.attempt_id.clone(),
            }),
            StubBehaviour::Completed => Ok(PaymentStart::Completed {
                reference: format!("stub-{}", request.attempt_id),
            }),
            StubBehaviour::Unavailable => Err(GatewayError::Temporary("stub told to fail".into())),
        }
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        if self.method != PaymentMethod::Card {
            return Err(GatewayError::Unsupported("notifications"));
        }
        let get = |k: &str| {
            request
                .fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let sig = get("signature").ok_or_else(|| GatewayError::Invalid("no signature".into()))?;
        let expected = stub_signature(&request.fields);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            sig.as_bytes(),
            expected.as_bytes(),
        )) {
            return Err(GatewayError::Invalid("bad signature".into()));
        }
        let field = |k: &str| get(k).ok_or_else(|| GatewayError::Invalid(format!("missing {k}")));
        let currency = tijara_core::Currency::from_code(&field("currency")?)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let amount = Money::parse(&field("amount")?, currency)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let event = match field("event")?.as_str() {
            "authorized" => PaymentEventKind::Authorized { amount },
            "captured" => PaymentEventKind::Captured { amount },
            "declined" => PaymentEventKind::Declined {
                reason: "stub decline".into(),
            },
            other => return Err(GatewayError::Invalid(format!("unknown event {other}"))),
        };
        let raw =
            serde_json::json!({"event": field("event")?, "amount": amount.amount().to_string()});
        Ok(VerifiedNotification::new(field("attempt")?, event, field("reference")?).with_raw(raw))
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        NotificationAnswer::text(match verdict {
            NotificationVerdict::Approved => "OK",
            NotificationVerdict::Declined => "DECLINED",
            NotificationVerdict::Refused => "REFUSED",
            NotificationVerdict::Invalid => "INVALID",
            _ => "ERROR",
        })
    }
    async fn capture(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        let allowed = self.method == PaymentMethod::Card && !self.capabilities().sale_only;
        self.operation("capture", op, allowed)
    }
    async fn void(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        let allowed = self.capabilities().void;
        self.operation("void", op, allowed)
    }
    async fn refund(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        let allowed = self.capabilities().refund_by_api;
        self.operation("refund", op, allowed)
    }
}

/// A carrier with flat prices per kilo that records shipments (once per reference) and
/// returns the tracking events it is given.
#[derive(Debug)]
pub struct StubCarrier {
    code: String,
    base: Money,
    per_kg: Money,
    shipments: Mutex<HashMap<String, CreatedShipment>>,
    created: AtomicU64,
    events: Mutex<HashMap<String, Vec<TrackingEvent>>>,
    failing: AtomicBool,
    by_hand: bool,
    provisional: bool,
    tracking_page: Option<String>,
}

impl StubCarrier {
    /// A carrier named `code` charging `base` + `per_kg` per started kilo (MAD).
    pub fn new(code: &str, base: &str, per_kg: &str) -> Self {
        Self::in_currency(code, base, per_kg, tijara_core::Currency::MAD)
    }
    /// The same, charging in `currency` (the region's).
    pub fn in_currency(
        code: &str,
        base: &str,
        per_kg: &str,
        currency: tijara_core::Currency,
    ) -> Self {
        StubCarrier {
            code: code.into(),
            base: Money::parse(base, currency).unwrap_or_else(|_| Money::zero(currency)),
            per_kg: Money::parse(per_kg, currency).unwrap_or_else(|_| Money::zero(currency)),
            shipments: Mutex::new(HashMap::new()),
            created: AtomicU64::new(0),
            events: Mutex::new(HashMap::new()),
            failing: AtomicBool::new(false),
            by_hand: false,
            provisional: false,
            tracking_page: None,
        }
    }
    /// The same carrier declared without tracking of its own (like a rate card: its steps are
    /// typed by hand, capability `tracking` and `webhooks` off).
    pub fn by_hand(mut self) -> Self {
        self.by_hand = true;
        self
    }
    /// The same carrier without an API, like a rate card: declared [`StubCarrier::by_hand`],
    /// its numbers are the marketplace's provisional references
    /// ([`CreatedShipment::provisional`]) until the carrier's is typed in.
    pub fn provisional(mut self) -> Self {
        self.by_hand = true;
        self.provisional = true;
        self
    }
    /// The same carrier with a tracking page: `prefix` followed by the number.
    pub fn with_tracking_page(mut self, prefix: &str) -> Self {
        self.tracking_page = Some(prefix.to_owned());
        self
    }
    /// Makes every call fail temporarily (or stop failing).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::Relaxed);
    }
    /// How many parcels were really created.
    pub fn parcels_created(&self) -> u64 {
        self.created.load(Ordering::Relaxed)
    }
    /// Sets what `track` returns for a tracking number.
    pub fn set_events(&self, tracking_number: &str, events: Vec<TrackingEvent>) {
        if let Ok(mut e) = self.events.lock() {
            e.insert(tracking_number.into(), events);
        }
    }
    fn check(&self) -> Result<(), CarrierError> {
        if self.failing.load(Ordering::Relaxed) {
            Err(CarrierError::Temporary("stub told to fail".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Carrier for StubCarrier {
    fn code(&self) -> &str {
        &self.code
    }
    fn capabilities(&self) -> CarrierCapabilities {
        CarrierCapabilities::default()
            .with_cancel(true)
            .with_cod(true)
            .with_webhooks(!self.by_hand)
            .with_tracking(!self.by_hand)
    }
    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError> {
        self.check()?;
        let grams: u32 = request.parcels.iter().map(|p| p.weight_grams).sum();
        let kilos = grams.div_ceil(1000).max(1);
        let price = self
            .per_kg
            .times(kilos)
            .and_then(|p| p.checked_add(self.base))
            .map_err(|e| CarrierError::Permanent(e.to_string()))?;
        Ok(vec![Quote::new(
            self.code.clone(),
            "standard",
            price,
            (2, 5),
        )])
    }
    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError> {
        self.check()?;
        let mut s = self
            .shipments
            .lock()
            .map_err(|_| CarrierError::Temporary("poisoned".into()))?;
        if let Some(existing) = s.get(&request.reference) {
            return Ok(existing.clone());
        }
        let n = self.created.fetch_add(1, Ordering::Relaxed) + 1;
        let number = format!("{}{:09}MA", self.code.to_uppercase(), n);
        let created = if self.provisional {
            CreatedShipment::provisional(number)
        } else {
            CreatedShipment::new(number)
        };
        s.insert(request.reference.clone(), created.clone());
        Ok(created)
    }
    async fn cancel(&self, tracking_number: &str) -> Result<(), CarrierError> {
        self.check()?;
        let picked_up = self
            .events
            .lock()
            .map(|e| e.get(tracking_number).is_some_and(|ev| !ev.is_empty()))
            .unwrap_or(false);
        if picked_up {
            return Err(CarrierError::Permanent(
                "the parcel is already on its way".into(),
            ));
        }
        Ok(())
    }
    async fn track(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError> {
        self.check()?;
        Ok(self
            .events
            .lock()
            .map(|e| e.get(tracking_number).cloned().unwrap_or_default())
            .unwrap_or_default())
    }
    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<WebhookUpdate, CarrierError> {
        let authentic = request
            .headers
            .iter()
            .any(|(k, v)| k == "x-stub-token" && v == STUB_SECRET);
        if !authentic {
            return Err(CarrierError::Permanent("unauthenticated webhook".into()));
        }
        let parsed: Vec<(String, Vec<TrackingEvent>)> = serde_json::from_str(&request.body)
            .map_err(|e| CarrierError::Permanent(format!("unreadable webhook: {e}")))?;
        Ok(WebhookUpdate::new(parsed))
    }
    fn tracking_url(&self, tracking_number: &str) -> Option<String> {
        self.tracking_page
            .as_ref()
            .map(|prefix| format!("{prefix}{tracking_number}"))
    }
}

/// An event sink that records deliveries and can be told to fail.
#[derive(Debug, Default)]
pub struct RecordingSink {
    delivered: Mutex<Vec<OutboxEvent>>,
    failing: AtomicBool,
}

impl RecordingSink {
    /// Makes deliveries fail (or succeed again).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::Relaxed);
    }
    /// Events delivered so far, in delivery order.
    pub fn delivered(&self) -> Vec<OutboxEvent> {
        self.delivered.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl EventSink for RecordingSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError> {
        if self.failing.load(Ordering::Relaxed) {
            return Err(SinkError("sink told to fail".into()));
        }
        if let Ok(mut d) = self.delivered.lock() {
            d.push(event.clone());
        }
        Ok(())
    }
}
