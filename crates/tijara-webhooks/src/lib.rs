//! Signed outbound webhooks for Tijara.
//!
//! [`WebhookSink`] is an [`EventSink`]: give it to the engine's builder
//! (`.event_sink(Arc::new(sink))`) and call `engine.operations().dispatch_events(100)` on a timer. Each outbox
//! event whose type an endpoint subscribed to is POSTed to it as JSON:
//!
//! ```json
//! {"id": 42, "type": "order.placed", "aggregate": "ord_…", "created_at": "2026-11-29T10:00:00Z", "data": { … }}
//! ```
//!
//! with the headers `Tijara-Event` (the type), `Tijara-Delivery` (the event's id, the same on
//! every retry: deduplicate with it) and
//!
//! ```text
//! Tijara-Signature: t=1764410400,v1=5f0c…
//! ```
//!
//! where `v1` is the hex HMAC-SHA256, keyed with the endpoint's secret, of
//! `"{t}.{body}"` (the timestamp, a dot, the raw body bytes). A receiver checks it with
//! [`verify`], which also refuses a timestamp older than its tolerance (a replay):
//!
//! ```
//! use tijara_webhooks::{sign, verify};
//! let body = br#"{"id":1,"type":"order.placed"}"#;
//! let header = sign("whsec_test", 1_764_410_400, body);
//! assert!(verify("whsec_test", &header, body, 1_764_410_430, 300).is_ok());
//! assert!(verify("whsec_test", &header, body, 1_764_411_000, 300).is_err()); // too old
//! assert!(verify("another", &header, body, 1_764_410_430, 300).is_err());
//! ```
//!
//! Delivery is at least once and in order per aggregate (an order's events never overtake
//! each other): a failed delivery (an error, a timeout, an answer other than 2xx) makes the
//! engine keep the event and the later events of the same order in the outbox, and the sink
//! waits before the next attempt: 1 s, 2 s, 4 s... up to 1 hour (configurable).
//! Every attempt is recorded in the delivery log ([`WebhookSink::log`]).
//!
//! **Durable state** ([`WebhookSink::with_storage`], what a production shop uses): each
//! endpoint's delivery of each event (attempts, next try, last error, delivered) is stored
//! through the engine's storage port, target `webhook:<endpoint id>`, so several processes share
//! it and a restart neither sends again what an endpoint already received nor forgets what
//! failed; the backoff is then per endpoint and event, and an admin lists the failures and
//! makes one due at once (`engine.operations().failed_deliveries(..)` and `retry_delivery`).
//! Without it the state lives in the process (tests, a single short-lived process).
//!
//! **Logs**: every attempt writes one line on the `tracing` target `webhooks` (`info` when
//! delivered, `warn` otherwise) with the endpoint's id, the event's id (`event`, its outbox
//! sequence number) and type (`kind`), the `outcome` (`delivered`, `refused`, `timed_out`,
//! `unreachable`), the HTTP `status` when one came, the `attempt` number (counted per endpoint
//! and event with durable state, per endpoint in memory) and `duration_ms`; failures add the
//! `error`. Never the endpoint's secret, its URL (whose query may carry a token) or the body.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tijara::ports::runtime::{EventSink, SinkError};
use tijara::ports::storage::{DeliveryAttempt, DeliveryOutcome, OutboxEvent, Storage};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Tijara-Signature";
/// The event type header.
pub const EVENT_HEADER: &str = "Tijara-Event";
/// The delivery id header (the event's outbox sequence number).
pub const DELIVERY_HEADER: &str = "Tijara-Delivery";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.finalize().into_bytes().to_vec()
}

/// The `Tijara-Signature` value for a body sent at `timestamp` (Unix seconds).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body))
    )
}

/// Why a received webhook is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The header is not `t=…,v1=…`.
    #[error("malformed Tijara-Signature header")]
    Malformed,
    /// The timestamp is further from now than the tolerance: a replay, or a wrong clock.
    #[error("timestamp outside the tolerance (replayed or delayed)")]
    Expired,
    /// No `v1` matches the body and secret.
    #[error("signature does not match")]
    Mismatch,
}

/// Checks a `Tijara-Signature` header against the raw body, at `now` (Unix seconds), refusing
/// timestamps more than `tolerance_secs` away. Several `v1=` values are accepted (while a secret
/// is being rotated); the comparison is constant-time.
pub fn verify(
    secret: &str,
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(hex::decode(v).map_err(|_| VerifyError::Malformed)?),
            _ => {}
        }
    }
    let t = timestamp.ok_or(VerifyError::Malformed)?;
    if signatures.is_empty() {
        return Err(VerifyError::Malformed);
    }
    if (now - t).abs() > tolerance_secs {
        return Err(VerifyError::Expired);
    }
    let expected = mac(secret, t, body);
    if signatures
        .iter()
        .any(|s| bool::from(s.as_slice().ct_eq(expected.as_slice())))
    {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// A registered endpoint.
#[derive(Clone)]
pub struct Endpoint {
    /// A name for the log.
    pub id: String,
    /// Where to POST.
    pub url: String,
    /// The signing secret (never logged).
    pub secret: String,
    /// Event types it wants: exact (`order.placed`), a prefix (`shipment.*`) or `*`.
    pub events: Vec<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// True if the endpoint subscribed to this event type.
    pub fn wants(&self, kind: &str) -> bool {
        self.events.iter().any(|p| {
            p == "*"
                || p == kind
                || p.strip_suffix('*')
                    .is_some_and(|prefix| kind.starts_with(prefix))
        })
    }
}

/// Retry timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Wait after the first failure (doubled after each further failure).
    pub first: Duration,
    /// Longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait after `failures` consecutive failures (1: `first`, then doubled, at most
    /// `max`).
    pub fn wait(&self, failures: u32) -> Duration {
        self.first
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(20)))
            .min(self.max)
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(3600),
        }
    }
}

/// One delivery attempt, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// The endpoint.
    pub endpoint: String,
    /// The event's id (outbox sequence).
    pub event: u64,
    /// The event type.
    pub kind: String,
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// The HTTP status, if an answer came.
    pub status: Option<u16>,
    /// `None` on success; otherwise what went wrong.
    pub error: Option<String>,
    /// How long it took, milliseconds.
    pub millis: u64,
}

#[derive(Default)]
struct State {
    /// (endpoint, event) delivered: not sent again when a retry is caused by another endpoint.
    done: HashSet<(String, u64)>,
    /// Per endpoint: consecutive failures and when the next attempt may go.
    waits: HashMap<String, (u32, Instant)>,
    log: Vec<Attempt>,
}

/// Posts outbox events to endpoints, signed; see the crate docs.
pub struct WebhookSink {
    endpoints: Vec<Endpoint>,
    client: reqwest::Client,
    backoff: Backoff,
    state: Mutex<State>,
    log_capacity: usize,
    store: Option<Arc<dyn Storage>>,
}

/// The sink could not be built.
#[derive(Debug, thiserror::Error)]
#[error("webhook client: {0}")]
pub struct BuildError(String);

impl WebhookSink {
    /// A sink for these endpoints; each request times out after `timeout`.
    pub fn new(endpoints: Vec<Endpoint>, timeout: Duration) -> Result<Self, BuildError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent("Tijara-Webhooks/1")
            .build()
            .map_err(|e| BuildError(e.to_string()))?;
        Ok(WebhookSink {
            endpoints,
            client,
            backoff: Backoff::default(),
            state: Mutex::new(State::default()),
            log_capacity: 10_000,
            store: None,
        })
    }

    /// Keeps each endpoint's delivery state (attempts, next try, last error, delivered) in
    /// `storage`, the engine's, as target `webhook:<endpoint id>`: shared by every process on
    /// that database and kept across restarts (see the crate docs).
    pub fn with_storage(mut self, storage: Arc<dyn Storage>) -> Self {
        self.store = Some(storage);
        self
    }

    /// The delivery target name of an endpoint in the stored delivery state.
    pub fn target(endpoint: &Endpoint) -> String {
        format!("webhook:{}", endpoint.id)
    }

    /// Changes the retry timing.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The latest attempts, oldest first (at most 10 000 are kept).
    pub fn log(&self) -> Vec<Attempt> {
        self.state.lock().map(|s| s.log.clone()).unwrap_or_default()
    }

    fn record(&self, attempt: Attempt) {
        if let Ok(mut s) = self.state.lock() {
            if s.log.len() >= self.log_capacity {
                s.log.remove(0);
            }
            s.log.push(attempt);
        }
    }

    /// The JSON body sent for `event`. Its `data` is the event's [`DomainEvent`](tijara::core::DomainEvent) payload, the
    /// contract documented in `docs/embedding.md` ("Events"); an event this version cannot
    /// read (a kind it does not know) is forwarded as stored.
    fn body(event: &OutboxEvent) -> Result<Vec<u8>, SinkError> {
        let data: serde_json::Value = match event.event() {
            Ok(typed) => serde_json::to_value(&typed).map_err(|e| SinkError(e.to_string()))?,
            Err(_) => serde_json::from_str(&event.payload)
                .unwrap_or_else(|_| serde_json::Value::String(event.payload.clone())),
        };
        serde_json::to_vec(&serde_json::json!({
            "id": event.seq,
            "type": event.kind,
            "aggregate": event.aggregate,
            "created_at": event.created_at,
            "data": data,
        }))
        .map_err(|e| SinkError(e.to_string()))
    }

    /// Sends `event` to `endpoint` once (its `attempt`-th attempt), records it in the log and
    /// writes its log line (see the crate docs, "Logs").
    async fn send(
        &self,
        endpoint: &Endpoint,
        event: &OutboxEvent,
        body: &[u8],
        attempt: u32,
    ) -> Result<(), String> {
        let now = Utc::now();
        let signature = sign(&endpoint.secret, now.timestamp(), body);
        let started = Instant::now();
        let result = self
            .client
            .post(&endpoint.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_HEADER, &event.kind)
            .header(DELIVERY_HEADER, event.seq.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body.to_vec())
            .send()
            .await;
        let elapsed = started.elapsed();
        let millis = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        // reqwest's errors name the URL, whose query may carry a token: never kept or logged.
        let (outcome, status, error) = match result {
            Ok(r) if r.status().is_success() => {
                (Outcome::Delivered, Some(r.status().as_u16()), None)
            }
            Ok(r) => (
                Outcome::Refused,
                Some(r.status().as_u16()),
                Some(format!("answered {}", r.status())),
            ),
            Err(e) if e.is_timeout() => (Outcome::TimedOut, None, Some("timed out".to_owned())),
            Err(e) => (
                Outcome::Unreachable,
                None,
                Some(format!("not reached: {}", e.without_url())),
            ),
        };
        log_attempt(
            endpoint,
            event,
            attempt,
            outcome,
            status,
            error.as_deref(),
            elapsed,
        );
        self.record(Attempt {
            endpoint: endpoint.id.clone(),
            event: event.seq,
            kind: event.kind.clone(),
            at: now,
            status,
            error: error.clone(),
            millis,
        });
        match error {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }
}

/// How one attempt ended, as its log line's `outcome` says it.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    /// A 2xx answer.
    Delivered,
    /// Another answer.
    Refused,
    /// No answer within the timeout.
    TimedOut,
    /// No connection (refused, DNS, TLS...).
    Unreachable,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Refused => "refused",
            Outcome::TimedOut => "timed_out",
            Outcome::Unreachable => "unreachable",
        }
    }
}

/// The log line of one delivery attempt (target `webhooks`): `info` when delivered, `warn`
/// otherwise. The endpoint by its id only: never its secret, URL or the body.
fn log_attempt(
    endpoint: &Endpoint,
    event: &OutboxEvent,
    attempt: u32,
    outcome: Outcome,
    status: Option<u16>,
    error: Option<&str>,
    elapsed: Duration,
) {
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    let outcome = outcome.as_str();
    match error {
        None => tracing::info!(
            target: "webhooks",
            endpoint = %endpoint.id,
            event = event.seq,
            kind = %event.kind,
            outcome,
            status,
            attempt,
            duration_ms,
            "webhook delivery"
        ),
        Some(error) => tracing::warn!(
            target: "webhooks",
            endpoint = %endpoint.id,
            event = event.seq,
            kind = %event.kind,
            outcome,
            status,
            attempt,
            duration_ms,
            error,
            "webhook delivery failed"
        ),
    }
}

impl WebhookSink {
    /// One endpoint, with the state kept in storage.
    async fn deliver_stored(
        &self,
        store: &dyn Storage,
        endpoint: &Endpoint,
        event: &OutboxEvent,
        body: &[u8],
    ) -> Result<(), String> {
        let target = Self::target(endpoint);
        let now = Utc::now();
        let row = store
            .delivery(&target, event.seq)
            .await
            .map_err(|e| format!("delivery state unavailable: {e}"))?;
        if row.as_ref().is_some_and(|r| r.is_delivered()) {
            return Ok(());
        }
        if let Some(next) = row
            .as_ref()
            .filter(|r| r.waits_at(now))
            .and_then(|r| r.next_try_at)
        {
            return Err(format!("backing off until {}", next.to_rfc3339()));
        }
        let attempt = row.as_ref().map_or(0, |r| r.attempts).saturating_add(1);
        let sent = self.send(endpoint, event, body, attempt).await;
        let outcome = match &sent {
            Ok(()) => DeliveryOutcome::Delivered,
            Err(error) => {
                let failures = row.as_ref().map_or(0, |r| r.attempts).saturating_add(1);
                let wait = chrono::Duration::from_std(self.backoff.wait(failures))
                    .unwrap_or(chrono::Duration::hours(1));
                DeliveryOutcome::Failed {
                    error: error.clone(),
                    next_try_at: Utc::now() + wait,
                }
            }
        };
        // Not recorded (the database is down): the event stays in the outbox and the endpoint
        // may receive it again, which `Tijara-Delivery` lets it recognise.
        store
            .record_delivery(&DeliveryAttempt::new(target, event, now, outcome))
            .await
            .map_err(|e| format!("delivery state not recorded: {e}"))?;
        sent
    }

    /// One endpoint, with the state kept in this process.
    async fn deliver_in_memory(
        &self,
        endpoint: &Endpoint,
        event: &OutboxEvent,
        body: &[u8],
    ) -> Result<(), String> {
        let key = (endpoint.id.clone(), event.seq);
        let (already, waiting, failed) = match self.state.lock() {
            Ok(s) => {
                let wait = s.waits.get(&endpoint.id);
                (
                    s.done.contains(&key),
                    wait.is_some_and(|(_, next)| Instant::now() < *next),
                    wait.map_or(0, |(n, _)| *n),
                )
            }
            Err(_) => (false, false, 0),
        };
        if already {
            return Ok(());
        }
        if waiting {
            return Err("backing off".to_owned());
        }
        // In memory the failures are counted per endpoint: they are this event's while it
        // heads the endpoint's queue.
        match self
            .send(endpoint, event, body, failed.saturating_add(1))
            .await
        {
            Ok(()) => {
                if let Ok(mut s) = self.state.lock() {
                    s.done.insert(key);
                    s.waits.remove(&endpoint.id);
                }
                Ok(())
            }
            Err(e) => {
                if let Ok(mut s) = self.state.lock() {
                    // Events of different orders are sent at once (the engine's
                    // `dispatch_concurrency`): attempts that started at the same count of
                    // failures count as one, so the backoff grows by one step per round of
                    // attempts, not per event in flight.
                    let now_failed = s.waits.get(&endpoint.id).map_or(0, |(n, _)| *n);
                    let failed = if now_failed > failed {
                        now_failed
                    } else {
                        failed + 1
                    };
                    let wait = self.backoff.wait(failed);
                    s.waits
                        .insert(endpoint.id.clone(), (failed, Instant::now() + wait));
                }
                Err(e)
            }
        }
    }
}

#[async_trait]
impl EventSink for WebhookSink {
    async fn deliver(&self, event: &OutboxEvent) -> Result<(), SinkError> {
        let body = Self::body(event)?;
        let mut failures = Vec::new();
        for endpoint in self.endpoints.iter().filter(|e| e.wants(&event.kind)) {
            let result = match &self.store {
                Some(store) => self.deliver_stored(&**store, endpoint, event, &body).await,
                None => self.deliver_in_memory(endpoint, event, &body).await,
            };
            if let Err(e) = result {
                failures.push(format!("{}: {e}", endpoint.id));
            }
        }
        if failures.is_empty() {
            // Delivered everywhere: forget the per-endpoint marks of this event.
            if let Ok(mut s) = self.state.lock() {
                s.done.retain(|(_, seq)| *seq != event.seq);
            }
            Ok(())
        } else {
            Err(SinkError(failures.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_the_documented_payload_and_forwards_unknown_kinds() {
        // A payout as the engine stores it (and as docs/embedding.md shows it).
        let payload = r#"{"id":"pay_00000009","seller_id":"slr_00000001","amount":{"amount":"812.40","currency":"MAD"},"reference":"VIR-2026-11-001","period_from":"2026-10-29T10:00:00Z","period_until":"2026-11-28T10:00:00Z","paid_at":"2026-11-28T10:00:00Z"}"#;
        let stored = OutboxEvent::new(
            42,
            "seller:slr_00000001",
            "payout.paid",
            payload,
            chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")
                .expect("instant")
                .with_timezone(&Utc),
        );
        assert!(matches!(
            stored.event(),
            Ok(tijara::core::DomainEvent::PayoutPaid(_))
        ));
        let body: serde_json::Value =
            serde_json::from_slice(&WebhookSink::body(&stored).expect("body")).expect("json");
        assert_eq!(
            body,
            serde_json::json!({
                "id": 42,
                "type": "payout.paid",
                "aggregate": "seller:slr_00000001",
                "created_at": "2026-11-28T10:00:00Z",
                "data": serde_json::from_str::<serde_json::Value>(payload).expect("json"),
            })
        );
        let mut custom = stored;
        custom.kind = "loyalty.points_earned".into();
        custom.payload = r#"{"points":12}"#.into();
        let body: serde_json::Value =
            serde_json::from_slice(&WebhookSink::body(&custom).expect("body")).expect("json");
        assert_eq!(body["data"], serde_json::json!({"points": 12}));
    }

    #[test]
    fn signatures_verify_and_refuse_tampering_and_replays() {
        let body = b"{\"id\":7}";
        let h = sign("s3cret", 1_000_000, body);
        assert!(h.starts_with("t=1000000,v1="));
        assert_eq!(verify("s3cret", &h, body, 1_000_100, 300), Ok(()));
        assert_eq!(
            verify("s3cret", &h, b"{\"id\":8}", 1_000_100, 300),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify("s3cret", &h, body, 1_000_301, 300),
            Err(VerifyError::Expired)
        );
        assert_eq!(
            verify("s3cret", &h, body, 999_600, 300),
            Err(VerifyError::Expired)
        );
        assert_eq!(
            verify("s3cret", "v1=00", body, 1_000_000, 300),
            Err(VerifyError::Malformed)
        );
        assert_eq!(
            verify("s3cret", "t=1000000", body, 1_000_000, 300),
            Err(VerifyError::Malformed)
        );
        assert_eq!(
            verify("s3cret", "t=1000000,v1=zz", body, 1_000_000, 300),
            Err(VerifyError::Malformed)
        );
        // Rotation: an old and a new signature side by side.
        let old = sign("old", 1_000_000, body);
        let both = format!("{h},{}", old.split(',').nth(1).unwrap_or_default());
        assert_eq!(verify("old", &both, body, 1_000_000, 300), Ok(()));
    }

    #[test]
    fn endpoints_pick_their_events() {
        let e = Endpoint {
            id: "erp".into(),
            url: "http://127.0.0.1:1/".into(),
            secret: "x".into(),
            events: vec!["order.placed".into(), "shipment.*".into()],
        };
        assert!(e.wants("order.placed"));
        assert!(e.wants("shipment.updated"));
        assert!(!e.wants("order.cancelled"));
        assert!(!format!("{e:?}").contains('x') || !format!("{e:?}").contains("secret"));
    }
}
