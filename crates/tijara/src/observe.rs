//! Logs and metrics of the engine's calls to the outside: every payment gateway and carrier
//! registered with the builder is wrapped so that each call gives one log line (target
//! `gateway` or `carrier`: the adapter's code, the call, the outcome and the duration; never
//! the request or answer, which carry card fields, signatures and addresses) and feeds the
//! metrics `tijara_gateway_calls_total` / `tijara_gateway_call_seconds` and
//! `tijara_carrier_calls_total` / `tijara_carrier_call_seconds` through the `metrics` facade
//! (nothing is recorded until the application installs a recorder).
//!
//! A carrier's `quote` is logged at `debug` (every shipping quote asks it, and rate-card
//! carriers answer locally); every other call at `info`, failures at `warn`.

use crate::ports::carrier::{
    Carrier, CarrierCapabilities, CarrierError, CreatedShipment, Quote, QuoteRequest,
    ShipmentRequest, WebhookRequest, WebhookUpdate,
};
use crate::ports::payment::{
    GatewayError, NotificationAnswer, NotificationRequest, NotificationVerdict, OperationResult,
    PaymentCapabilities, PaymentGateway, PaymentOperation, PaymentRequest, PaymentStart,
    VerifiedNotification,
};
use async_trait::async_trait;
use std::sync::{Arc, RwLock};
use std::time::Instant;
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
use tijara_core::payment::PaymentMethod;

/// The metric handles of one adapter's calls, one entry per call and outcome, registered
/// with the recorder on the first such call: later calls find their handles without building
/// a key, allocating its labels or looking the series up in the recorder (which cost more
/// than the rest of the call's metrics). Each entry remembers the recorder it came from, so
/// a recorder installed after the engine was built (or a test's local one) gets its own.
#[derive(Default)]
pub(crate) struct CallSeries(RwLock<Vec<Series>>);

/// The handles of one call and outcome (see [`CallSeries`]).
struct Series {
    recorder: usize,
    call: &'static str,
    outcome: &'static str,
    calls: metrics::Counter,
    latency: metrics::Histogram,
}

impl CallSeries {
    /// Counts one call of `code` and records its latency.
    fn record(
        &self,
        kind: &'static str,
        code: &str,
        call: &'static str,
        outcome: &'static str,
        seconds: f64,
    ) {
        // The recorder in effect (the global one, a thread's local one, or none): its address.
        let recorder = metrics::with_recorder(|r| std::ptr::from_ref(r).cast::<()>().addr());
        if let Ok(cached) = self.0.read()
            && let Some(s) = cached
                .iter()
                .find(|s| s.call == call && s.outcome == outcome && s.recorder == recorder)
        {
            s.calls.increment(1);
            s.latency.record(seconds);
            return;
        }
        let (calls, latency) = if kind == "gateway" {
            ("tijara_gateway_calls_total", "tijara_gateway_call_seconds")
        } else {
            ("tijara_carrier_calls_total", "tijara_carrier_call_seconds")
        };
        let s = Series {
            recorder,
            call,
            outcome,
            calls: metrics::counter!(calls, kind => code.to_owned(), "call" => call, "outcome" => outcome),
            latency: metrics::histogram!(latency, kind => code.to_owned(), "call" => call),
        };
        s.calls.increment(1);
        s.latency.record(seconds);
        if let Ok(mut cached) = self.0.write() {
            // Handles of a recorder no longer in effect are dropped; a few calls and outcomes
            // per adapter, so the list stays short.
            cached.retain(|c| c.recorder == recorder && !(c.call == call && c.outcome == outcome));
            cached.push(s);
        }
    }
}

/// Records one outside call: its log line and its two metrics (through `series`, the
/// adapter's handles).
fn record(
    series: &CallSeries,
    kind: &'static str,
    code: &str,
    call: &'static str,
    started: Instant,
    error: Option<(bool, String)>,
) {
    let seconds = started.elapsed().as_secs_f64();
    let duration_ms = seconds * 1000.0;
    let outcome = match &error {
        None => "ok",
        Some((true, _)) => "temporary_error",
        Some((false, _)) => "error",
    };
    series.record(kind, code, call, outcome, seconds);
    match (&error, kind) {
        (Some((_, e)), "gateway") => {
            tracing::warn!(target: "gateway", gateway = code, call, outcome, duration_ms, error = %e, "gateway call failed");
        }
        (Some((_, e)), _) => {
            tracing::warn!(target: "carrier", carrier = code, call, outcome, duration_ms, error = %e, "carrier call failed");
        }
        (None, "gateway") => {
            tracing::info!(target: "gateway", gateway = code, call, outcome, duration_ms, "gateway call");
        }
        (None, _) if call == "quote" => {
            tracing::debug!(target: "carrier", carrier = code, call, outcome, duration_ms, "carrier call");
        }
        (None, _) => {
            tracing::info!(target: "carrier", carrier = code, call, outcome, duration_ms, "carrier call");
        }
    }
}

fn gateway_error<T>(r: &Result<T, GatewayError>) -> Option<(bool, String)> {
    r.as_ref().err().map(|e| (e.is_temporary(), e.to_string()))
}

fn carrier_error<T>(r: &Result<T, CarrierError>) -> Option<(bool, String)> {
    r.as_ref().err().map(|e| (e.is_temporary(), e.to_string()))
}

/// A payment gateway whose calls are logged and measured (see the module).
pub(crate) struct ObservedGateway(pub(crate) Arc<dyn PaymentGateway>, pub(crate) CallSeries);

#[async_trait]
impl PaymentGateway for ObservedGateway {
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
        let t = Instant::now();
        let r = self.0.start(request).await;
        record(
            &self.1,
            "gateway",
            self.0.code(),
            "start",
            t,
            gateway_error(&r),
        );
        r
    }

    async fn verify_notification(
        &self,
        request: &NotificationRequest,
    ) -> Result<VerifiedNotification, GatewayError> {
        let t = Instant::now();
        let r = self.0.verify_notification(request).await;
        record(
            &self.1,
            "gateway",
            self.0.code(),
            "verify_notification",
            t,
            gateway_error(&r),
        );
        r
    }

    fn answer(&self, verdict: NotificationVerdict) -> NotificationAnswer {
        self.0.answer(verdict)
    }

    async fn capture(&self, operation: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        let t = Instant::now();
        let r = self.0.capture(operation).await;
        record(
            &self.1,
            "gateway",
            self.0.code(),
            "capture",
            t,
            gateway_error(&r),
        );
        r
    }

    async fn void(&self, operation: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        let t = Instant::now();
        let r = self.0.void(operation).await;
        record(
            &self.1,
            "gateway",
            self.0.code(),
            "void",
            t,
            gateway_error(&r),
        );
        r
    }

    async fn refund(&self, operation: &PaymentOperation) -> Result<OperationResult, GatewayError> {
        let t = Instant::now();
        let r = self.0.refund(operation).await;
        record(
            &self.1,
            "gateway",
            self.0.code(),
            "refund",
            t,
            gateway_error(&r),
        );
        r
    }
}

/// A carrier whose calls are logged and measured (see the module).
pub(crate) struct ObservedCarrier(pub(crate) Arc<dyn Carrier>, pub(crate) CallSeries);

#[async_trait]
impl Carrier for ObservedCarrier {
    fn code(&self) -> &str {
        self.0.code()
    }

    fn capabilities(&self) -> CarrierCapabilities {
        self.0.capabilities()
    }

    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError> {
        let t = Instant::now();
        let r = self.0.quote(request).await;
        record(
            &self.1,
            "carrier",
            self.0.code(),
            "quote",
            t,
            carrier_error(&r),
        );
        r
    }

    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError> {
        let t = Instant::now();
        let r = self.0.create_shipment(request).await;
        record(
            &self.1,
            "carrier",
            self.0.code(),
            "create_shipment",
            t,
            carrier_error(&r),
        );
        r
    }

    async fn cancel(&self, tracking_number: &str) -> Result<(), CarrierError> {
        let t = Instant::now();
        let r = self.0.cancel(tracking_number).await;
        record(
            &self.1,
            "carrier",
            self.0.code(),
            "cancel",
            t,
            carrier_error(&r),
        );
        r
    }

    async fn track(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CarrierError> {
        let t = Instant::now();
        let r = self.0.track(tracking_number).await;
        record(
            &self.1,
            "carrier",
            self.0.code(),
            "track",
            t,
            carrier_error(&r),
        );
        r
    }

    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<WebhookUpdate, CarrierError> {
        let t = Instant::now();
        let r = self.0.parse_webhook(request).await;
        record(
            &self.1,
            "carrier",
            self.0.code(),
            "parse_webhook",
            t,
            carrier_error(&r),
        );
        r
    }

    fn status_of(&self, code: &str) -> Option<TrackingStatus> {
        self.0.status_of(code)
    }

    fn tracking_url(&self, tracking_number: &str) -> Option<String> {
        self.0.tracking_url(tracking_number)
    }
}
