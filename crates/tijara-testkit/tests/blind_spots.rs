//! One test adapter per blind spot the suites used to have, and the proof that the suites now
//! catch each (with the message an adapter author reads), beside a correct twin that passes:
//!
//! - a gateway whose `verify_notification` captures money itself (once per delivery of the
//!   callback): the payment suite fails it;
//! - a gateway signing a JSON body in a header (not a field named `hash`/`signature`): the
//!   payment suite, which never changed headers or bodies, failed it; it now passes the whole
//!   suite, and a twin that lets unsigned notifications through is failed;
//! - a gateway declaring itself sale-only that still captures, or that reports its approvals
//!   as authorizations: the payment suite fails it;
//! - a carrier stamping events with the poll time: the carrier suite fails it;
//! - a carrier reporting a COD fee without adding it to the price: the carrier suite fails it.
//!
//! Run with `--nocapture` to read the failure messages.

use async_trait::async_trait;
use futures::FutureExt;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tijara::ports::carrier::*;
use tijara::ports::payment::*;
use tijara::usecases::payments::PaymentEventKind;
use tijara_core::chrono::{DateTime, Utc};
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
use tijara_core::order::Address;
use tijara_core::payment::PaymentMethod;
use tijara_core::{Currency, Money, Region};
use tijara_testkit::carrier::CarrierHarness;
use tijara_testkit::payment::{PaymentHarness, SignatureLocation};
use tijara_testkit::stubs::{STUB_SECRET, StubCarrier, StubGateway};

/// Runs a conformance check that must fail, and returns its message.
async fn failure_of(check: impl Future<Output = ()>) -> String {
    let outcome = AssertUnwindSafe(check).catch_unwind().await;
    assert!(
        outcome.is_err(),
        "the suite passed an adapter with a known defect"
    );
    match outcome {
        Ok(()) => String::new(),
        Err(p) => {
            let message = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            println!("the author reads:\n{message}\n");
            message
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A gateway that captures in verify_notification.

/// Delegates to the stub gateway, but captures at the gateway on every approval it verifies:
/// three deliveries of one callback, three captures.
struct CapturingGateway(Arc<StubGateway>);

#[async_trait]
impl PaymentGateway for CapturingGateway {
    fn code(&self) -> &str {
        self.0.code()
    }
    fn method(&self) -> PaymentMethod {
        self.0.method()
    }
    fn capabilities(&self) -> PaymentCapabilities {
        self.0.capabilities()
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        self.0.start(request).await
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        let verified = self.0.verify_notification(request).await?;
        if let PaymentEventKind::Authorized { amount } = &verified.event {
            let order = verified
                .attempt_id
                .rsplit_once('-')
                .map_or(verified.attempt_id.as_str(), |(o, _)| o);
            // The defect: money moves while "verifying".
            self.0
                .capture(
                    &PaymentOperation::new(
                        tijara_core::OrderId::new(order)
                            .map_err(|e| GatewayError::Invalid(e.to_string()))?,
                        verified.attempt_id.clone(),
                    )
                    .with_amount(*amount),
                )
                .await?;
        }
        Ok(verified)
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        self.0.answer(verdict)
    }
    async fn capture(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.0.capture(op).await
    }
    async fn void(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.0.void(op).await
    }
    async fn refund(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.0.refund(op).await
    }
}

struct CapturingHarness {
    stub: Arc<StubGateway>,
    n: AtomicU32,
}

impl PaymentHarness for CapturingHarness {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        Arc::new(CapturingGateway(self.stub.clone()))
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(StubGateway::notification(
            attempt,
            "authorized",
            amount,
            &format!("{attempt}:ok"),
        ))
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        let n = self.n.fetch_add(1, Ordering::Relaxed);
        Some(StubGateway::notification(
            attempt,
            "declined",
            amount,
            &format!("{attempt}:ko:{n}"),
        ))
    }
    fn gateway_calls(&self) -> Option<u64> {
        Some(self.stub.operations().len() as u64)
    }
}

fn capturing() -> CapturingHarness {
    CapturingHarness {
        stub: Arc::new(StubGateway::card()),
        n: AtomicU32::new(0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_capturing_in_verify_notification_fails() {
    let h = capturing();
    let message = failure_of(tijara_testkit::payment::verification_has_no_side_effects(
        &h,
    ))
    .await;
    assert!(
        message.contains("verify_notification made 5 call(s) to the gateway's provider"),
        "{message}"
    );
    let h = capturing();
    let message = failure_of(tijara_testkit::payment::valid_notification_is_applied_once(
        &h,
    ))
    .await;
    assert!(
        message.contains("one approval delivered 12 times") && message.contains("made 12 call(s)"),
        "{message}"
    );
    // The engine applied the approval once: only the gateway-side count shows the defect.
    let h = capturing();
    let before = h.stub.operations().len();
    tijara_testkit::payment::starting_never_pays(&h).await;
    assert_eq!(h.stub.operations().len(), before);
}

/// A harness whose call counter never counts (always `Some(0)`) cannot vouch for a gateway
/// with an API: the suite sees the engine capture through it and the count stay still.
struct NeverCounting(tijara_testkit::payment::StubHarness);

impl PaymentHarness for NeverCounting {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.0.gateway()
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        self.0.approval(attempt, amount)
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        self.0.decline(attempt, amount)
    }
    fn gateway_calls(&self) -> Option<u64> {
        Some(0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_counter_that_never_counts_fails() {
    let h = NeverCounting(tijara_testkit::payment::StubHarness::card());
    let message = failure_of(tijara_testkit::payment::verification_has_no_side_effects(
        &h,
    ))
    .await;
    assert!(
        message.contains("yet PaymentHarness::gateway_calls did not move"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// A gateway that signs a JSON body in a header.

/// "HeaderPay": posts a JSON body, signed in the header `x-headerpay-signature` as
/// hex(SHA-256(secret, 0, timestamp, 0, body)) with the `x-headerpay-timestamp` header.
/// `accepts_unsigned: true` is its defective twin, which lets a notification without the
/// signature header through ("test mode").
struct HeaderPay {
    accepts_unsigned: bool,
}

fn header_signature(timestamp: &str, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(STUB_SECRET.as_bytes());
    h.update([0]);
    h.update(timestamp.as_bytes());
    h.update([0]);
    h.update(body.as_bytes());
    hex::encode(h.finalize())
}

fn header<'a>(request: &'a NotificationRequest, name: &str) -> Result<&'a str, GatewayError> {
    request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| GatewayError::Invalid(format!("no {name} header")))
}

#[async_trait]
impl PaymentGateway for HeaderPay {
    fn code(&self) -> &str {
        "headerpay"
    }
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Card
    }
    fn capabilities(&self) -> PaymentCapabilities {
        PaymentCapabilities::default().with_redirect(true)
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        Ok(PaymentStart::Redirect {
            url: "https://headerpay.example/pay".into(),
            fields: vec![("reference".into(), request.attempt_id.clone())],
        })
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        let timestamp = header(request, "x-headerpay-timestamp")?;
        match header(request, "x-headerpay-signature") {
            // The defect: no signature, no check.
            Err(_) if self.accepts_unsigned => {}
            signature => {
                let expected = header_signature(timestamp, &request.body);
                if !bool::from(subtle::ConstantTimeEq::ct_eq(
                    signature?.as_bytes(),
                    expected.as_bytes(),
                )) {
                    return Err(GatewayError::Invalid("bad signature".into()));
                }
            }
        }
        let body: serde_json::Value = serde_json::from_str(&request.body)
            .map_err(|e| GatewayError::Invalid(format!("unreadable body: {e}")))?;
        let text = |k: &str| {
            body[k]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| GatewayError::Invalid(format!("missing {k}")))
        };
        let currency = Currency::from_code(&text("currency")?)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let amount = Money::parse(&text("amount")?, currency)
            .map_err(|e| GatewayError::Invalid(e.to_string()))?;
        let event = match text("status")?.as_str() {
            "paid" => PaymentEventKind::Captured { amount },
            "refused" => PaymentEventKind::Declined {
                reason: "refused by HeaderPay".into(),
            },
            other => return Err(GatewayError::Invalid(format!("unknown status {other}"))),
        };
        let raw = serde_json::json!({"status": text("status")?, "amount": text("amount")?});
        Ok(
            VerifiedNotification::new(text("reference")?, event, text("transaction")?)
                .with_raw(raw),
        )
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        match verdict {
            NotificationVerdict::Invalid => NotificationAnswer::new(401, "text/plain", "invalid"),
            NotificationVerdict::Error => NotificationAnswer::new(503, "text/plain", "retry"),
            _ => NotificationAnswer::text("ok"),
        }
    }
    async fn capture(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("capture"))
    }
    async fn void(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("void"))
    }
    async fn refund(&self, _: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        Err(GatewayError::Unsupported("refund by API"))
    }
}

struct HeaderHarness {
    gateway: Arc<HeaderPay>,
    n: AtomicU32,
}

impl HeaderHarness {
    fn new(accepts_unsigned: bool) -> Self {
        HeaderHarness {
            gateway: Arc::new(HeaderPay { accepts_unsigned }),
            n: AtomicU32::new(0),
        }
    }
    fn notification(&self, attempt: &str, amount: Money, status: &str) -> NotificationRequest {
        let n = self.n.fetch_add(1, Ordering::Relaxed);
        let body = serde_json::json!({
            "reference": attempt,
            "amount": amount.amount().to_string(),
            "currency": amount.currency().code(),
            "status": status,
            "transaction": format!("HP-{n}"),
        })
        .to_string();
        let timestamp = format!("17648{n:05}");
        let signature = header_signature(&timestamp, &body);
        NotificationRequest::raw(body)
            .with_header("content-type", "application/json")
            .with_header("x-headerpay-timestamp", timestamp)
            .with_header("x-headerpay-signature", signature)
    }
}

impl PaymentHarness for HeaderHarness {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.gateway.clone()
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(self.notification(attempt, amount, "paid"))
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(self.notification(attempt, amount, "refused"))
    }
    fn signature_location(&self) -> SignatureLocation {
        SignatureLocation::Header("x-headerpay-signature".into())
    }
    fn signed_headers(&self) -> Vec<String> {
        vec!["x-headerpay-timestamp".into()]
    }
    fn gateway_calls(&self) -> Option<u64> {
        // HeaderPay has no API: its adapter holds no client, so it cannot call anything.
        Some(0)
    }
}

/// The correct header-signed gateway passes the whole payment suite.
mod header_signed {
    use super::*;
    tijara_testkit::payment_conformance!(async {
        Arc::new(HeaderHarness::new(false)) as Arc<dyn PaymentHarness>
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_signed_gateway_accepting_unsigned_notifications_fails() {
    let h = HeaderHarness::new(true);
    let message =
        failure_of(tijara_testkit::payment::forged_notifications_change_nothing(&h)).await;
    assert!(
        message
            .contains("the signature removed: the gateway must refuse the notification as invalid"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// A gateway that declares itself sale-only yet captures, or reports authorizations.

/// Declares `sale_only` over the card stub, which authorizes and captures: its capture calls
/// the provider (`reports_sales: true`), or its approvals are authorizations, not sales
/// (`reports_sales: false`).
struct FalseSale {
    stub: Arc<StubGateway>,
    reports_sales: bool,
}

impl PaymentHarness for FalseSale {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        Arc::new(SaleOnlyClaim(self.stub.clone()))
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        let event = if self.reports_sales {
            "captured"
        } else {
            "authorized"
        };
        Some(StubGateway::notification(
            attempt,
            event,
            amount,
            &format!("{attempt}:ok"),
        ))
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        Some(StubGateway::notification(
            attempt,
            "declined",
            amount,
            &format!("{attempt}:ko"),
        ))
    }
    fn gateway_calls(&self) -> Option<u64> {
        Some(self.stub.operations().len() as u64)
    }
}

/// The card stub, claiming to be sale-only.
struct SaleOnlyClaim(Arc<StubGateway>);

#[async_trait]
impl PaymentGateway for SaleOnlyClaim {
    fn code(&self) -> &str {
        self.0.code()
    }
    fn method(&self) -> PaymentMethod {
        self.0.method()
    }
    fn capabilities(&self) -> PaymentCapabilities {
        self.0.capabilities().with_sale_only(true)
    }
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, GatewayError> {
        self.0.start(request).await
    }
    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        self.0.verify_notification(request).await
    }
    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        self.0.answer(verdict)
    }
    async fn capture(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        // The defect: a sale-only gateway that still captures.
        self.0.capture(op).await
    }
    async fn void(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.0.void(op).await
    }
    async fn refund(&self, op: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        self.0.refund(op).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_only_gateway_that_captures_fails() {
    let h = FalseSale {
        stub: Arc::new(StubGateway::card()),
        reports_sales: true,
    };
    let message = failure_of(tijara_testkit::payment::sale_only_gateways_never_capture(
        &h,
    ))
    .await;
    assert!(
        message.contains("a sale-only gateway must answer Unsupported to capture"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_only_gateway_reporting_authorizations_fails() {
    // Its capture is refused like a sale-only gateway's should be, but its approvals are
    // authorizations: the order would wait for a capture the engine refuses.
    let stub = Arc::new(StubGateway::card());
    stub.set_capabilities(stub.capabilities().with_sale_only(true));
    let h = FalseSale {
        stub,
        reports_sales: false,
    };
    let message = failure_of(tijara_testkit::payment::sale_only_gateways_never_capture(
        &h,
    ))
    .await;
    assert!(
        message.contains("a sale-only gateway reports an approval as Captured"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// Carriers.

/// A polled carrier over an in-process "API": it keeps what the carrier reported (code, time)
/// and answers it on `track`. Its defective twins stamp events with the poll time, or report
/// a COD fee without adding it to the price.
struct Polled {
    stub: StubCarrier,
    reports: Mutex<Vec<(String, String, DateTime<Utc>)>>,
    stamps_poll_time: bool,
    adds_cod_fee: bool,
}

impl Polled {
    fn new(stamps_poll_time: bool, adds_cod_fee: bool) -> Self {
        Self::in_currency(stamps_poll_time, adds_cod_fee, Currency::MAD)
    }
    fn in_currency(stamps_poll_time: bool, adds_cod_fee: bool, currency: Currency) -> Self {
        Polled {
            stub: StubCarrier::in_currency("polled", "30.00", "10.00", currency),
            reports: Mutex::new(Vec::new()),
            stamps_poll_time,
            adds_cod_fee,
        }
    }
}

fn normalize(code: &str) -> TrackingStatus {
    match code {
        "PICKED" => TrackingStatus::PickedUp,
        "DELIVERED" => TrackingStatus::Delivered,
        _ => TrackingStatus::Unknown,
    }
}

#[async_trait]
impl Carrier for Polled {
    fn code(&self) -> &str {
        self.stub.code()
    }
    fn capabilities(&self) -> CarrierCapabilities {
        CarrierCapabilities::default().with_cod(true)
    }
    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError> {
        if !request.destination.country.eq_ignore_ascii_case("MA") {
            return Ok(vec![]);
        }
        let mut quotes = self.stub.quote(request).await?;
        if request.cod_amount.is_some() {
            for q in &mut quotes {
                let fee = Money::parse("15.00", q.price.currency())
                    .map_err(|e| CarrierError::Permanent(e.to_string()))?;
                q.cod_fee = Some(fee);
                if self.adds_cod_fee {
                    q.price = q
                        .price
                        .checked_add(fee)
                        .map_err(|e| CarrierError::Permanent(e.to_string()))?;
                }
            }
        }
        Ok(quotes)
    }
    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError> {
        self.stub.create_shipment(request).await
    }
    async fn cancel(&self, _: &str) -> Result<(), CarrierError> {
        Err(CarrierError::Unsupported("cancel"))
    }
    async fn track(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError> {
        let reports = self
            .reports
            .lock()
            .map_err(|_| CarrierError::Temporary("busy".into()))?;
        Ok(reports
            .iter()
            .filter(|(n, _, _)| n == tracking_number)
            .map(|(_, code, at)| TrackingEvent {
                // The defect: the time of the poll instead of the carrier's.
                at: if self.stamps_poll_time {
                    Utc::now()
                } else {
                    *at
                },
                status: normalize(code),
                carrier_code: code.clone(),
                carrier_text: code.to_lowercase(),
                location: None,
                cod_collected: None,
            })
            .collect())
    }
    async fn parse_webhook(&self, _: &WebhookRequest) -> Result<WebhookUpdate, CarrierError> {
        Err(CarrierError::Unsupported("webhooks"))
    }
}

struct PolledHarness(Arc<Polled>, Option<Region>);

#[async_trait]
impl CarrierHarness for PolledHarness {
    fn carrier(&self) -> Arc<dyn Carrier> {
        self.0.clone()
    }
    fn origin_city(&self) -> String {
        "Dakhla".into()
    }
    fn destination(&self) -> Address {
        tijara_testkit::engine::rabat()
    }
    fn codes(&self) -> (String, String) {
        ("DELIVERED".into(), "LOST_IN_THE_DUNES".into())
    }
    fn region(&self) -> Region {
        self.1.clone().unwrap_or_else(Region::dakhla)
    }
    async fn events_for(
        &self,
        tracking_number: &str,
        raw: &[(String, DateTime<Utc>)],
    ) -> Vec<TrackingEvent> {
        if let Ok(mut r) = self.0.reports.lock() {
            r.extend(
                raw.iter()
                    .map(|(c, at)| (tracking_number.to_owned(), c.clone(), *at)),
            );
        }
        self.0.track(tracking_number).await.unwrap_or_default()
    }
}

/// The correct polled carrier passes the whole carrier suite.
mod polled {
    use super::*;
    tijara_testkit::carrier_conformance!(async {
        Arc::new(PolledHarness(Arc::new(Polled::new(false, true)), None)) as Arc<dyn CarrierHarness>
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_stamping_poll_times_fails() {
    let h = PolledHarness(Arc::new(Polled::new(true, true)), None);
    let message = failure_of(tijara_testkit::carrier::polling_keeps_the_carriers_times(
        &h,
    ))
    .await;
    assert!(
        message.starts_with("tracking: the event \"LOST_IN_THE_DUNES\" is stamped")
            && message.contains("but the carrier reported it at 2026-11-28T14:00:17+00:00")
            && message.contains("never the time of the poll"),
        "{message}"
    );
}

/// The polled carrier, told that "PICKED" is a sibling carrier's code: its mapping is shared
/// with that sibling (as a global code table would be), so it normalizes a code not its own.
struct SharedTableHarness(PolledHarness);

#[async_trait]
impl CarrierHarness for SharedTableHarness {
    fn carrier(&self) -> Arc<dyn Carrier> {
        self.0.carrier()
    }
    fn origin_city(&self) -> String {
        self.0.origin_city()
    }
    fn destination(&self) -> Address {
        self.0.destination()
    }
    fn codes(&self) -> (String, String) {
        self.0.codes()
    }
    fn foreign_codes(&self) -> Vec<String> {
        vec!["PICKED".into()]
    }
    async fn events_for(
        &self,
        tracking_number: &str,
        raw: &[(String, DateTime<Utc>)],
    ) -> Vec<TrackingEvent> {
        self.0.events_for(tracking_number, raw).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_mapping_another_carriers_codes_fails() {
    let h = SharedTableHarness(PolledHarness(Arc::new(Polled::new(false, true)), None));
    let message = failure_of(tijara_testkit::carrier::other_carriers_codes_stay_unknown(
        &h,
    ))
    .await;
    assert!(
        message.contains("another carrier's code \"PICKED\" maps to Unknown, not to PickedUp"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_leaving_the_cod_fee_out_of_the_price_fails() {
    let h = PolledHarness(Arc::new(Polled::new(false, false)), None);
    let message =
        failure_of(tijara_testkit::carrier::quotes_are_positive_mad_with_estimates(&h)).await;
    assert!(
        message.contains(
            "service \"standard\": with cash on delivery the price is 50.00 MAD, without it \
             50.00 MAD, and the COD fee 15.00 MAD: the price with COD must be the plain price \
             plus the fee, exactly (65.00 MAD)"
        ),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// Another region: nothing in the suites is MAD by assumption.

/// A Tunis region charging dinars (three decimals).
fn tunis() -> Region {
    let mut r = Region::dakhla();
    r.code = "TN-TUN".into();
    r.currency = Currency::TND;
    r.display_currencies.retain(|c| *c != Currency::TND);
    r
}

struct InRegion(tijara_testkit::payment::StubHarness);

impl PaymentHarness for InRegion {
    fn gateway(&self) -> Arc<dyn PaymentGateway> {
        self.0.gateway()
    }
    fn approval(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        self.0.approval(attempt, amount)
    }
    fn decline(&self, attempt: &str, amount: Money) -> Option<NotificationRequest> {
        self.0.decline(attempt, amount)
    }
    fn gateway_calls(&self) -> Option<u64> {
        self.0.gateway_calls()
    }
    fn region(&self) -> Region {
        tunis()
    }
}

/// The payment suite in a region charging dinars.
mod payment_in_dinars {
    use super::*;
    tijara_testkit::payment_conformance!(async {
        Arc::new(InRegion(tijara_testkit::payment::StubHarness::card())) as Arc<dyn PaymentHarness>
    });
}

/// The carrier suite in a region charging dinars.
mod carrier_in_dinars {
    use super::*;
    tijara_testkit::carrier_conformance!(async {
        Arc::new(PolledHarness(
            Arc::new(Polled::in_currency(false, true, Currency::TND)),
            Some(tunis()),
        )) as Arc<dyn CarrierHarness>
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_quoting_mad_in_a_dinar_region_fails() {
    let h = PolledHarness(Arc::new(Polled::new(false, true)), Some(tunis()));
    let message =
        failure_of(tijara_testkit::carrier::quotes_are_positive_mad_with_estimates(&h)).await;
    assert!(
        message.contains("prices in the region's currency"),
        "{message}"
    );
}
