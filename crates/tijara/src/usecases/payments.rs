//! Payment events: gateway notifications, admin confirmations, carrier collections.
//!
//! Rules, whatever the gateway: only these calls mark an order paid; an event whose amount does
//! not match is rejected and recorded; an event whose reference was already applied changes
//! nothing; a late decline after an approval never un-pays; refunds never exceed what was
//! received; every event is kept in the order's audit trail.

use crate::docs::{OrderDoc, OrderStorage as _, PaymentOutcome, PaymentSource};
use crate::engine::{self, IdempotencyKey, Tijara, Write};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind, DocWrite, NewEvent};
use crate::usecases::order_update::Applied;
use crate::usecases::returns::Orders;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tijara_core::order::OrderStatus;
use tijara_core::order_record::ReceivedPayment;
use tijara_core::payment::PaymentLogEvent;
use tijara_core::{Money, OrderId};

mod operations;

/// What a payment event says (moved to the core; still reachable here).
pub use tijara_core::payment::PaymentEventKind;

/// A verified payment event for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentNotice {
    /// Who reports it.
    pub source: PaymentSource,
    /// The reporter's unique reference (a gateway transaction id, a bank transfer reference).
    pub reference: String,
    /// What happened.
    pub event: PaymentEventKind,
    /// The raw payload, secrets removed (kept in the audit trail).
    pub raw: serde_json::Value,
    /// The gateway's payment attempt, when the notice comes from a gateway.
    #[serde(default)]
    pub attempt: Option<String>,
}

impl PaymentNotice {
    /// A verified payment event, not tied to a gateway's attempt (see
    /// [`PaymentNotice::with_attempt`]).
    ///
    /// ```
    /// use tijara::docs::PaymentSource;
    /// use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
    /// use tijara_core::Money;
    ///
    /// let notice = PaymentNotice::new(
    ///     PaymentSource::Admin { user: "admin-1".into() },
    ///     "VIR-2026-0042",
    ///     PaymentEventKind::Captured { amount: Money::mad("890.00").unwrap() },
    ///     serde_json::json!({ "note": "transfer received" }),
    /// );
    /// assert_eq!(notice.attempt, None);
    /// ```
    pub fn new(
        source: PaymentSource,
        reference: impl Into<String>,
        event: PaymentEventKind,
        raw: serde_json::Value,
    ) -> Self {
        PaymentNotice {
            source,
            reference: reference.into(),
            event,
            raw,
            attempt: None,
        }
    }

    /// Sets the gateway's payment attempt the notice is about.
    pub fn with_attempt(mut self, attempt: impl Into<String>) -> Self {
        self.attempt = Some(attempt.into());
        self
    }
}

/// What the engine did with a payment event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentResult {
    /// Applied, duplicate or rejected.
    pub outcome: PaymentOutcome,
    /// The order's status after it.
    pub order_status: OrderStatus,
    /// The payment's status after it.
    pub payment_status: tijara_core::payment::PaymentStatus,
}

impl Tijara {
    /// A changeset that saves an order document (at `version`) with its events.
    pub(crate) fn order_change(
        &self,
        doc: &OrderDoc,
        version: u64,
        events: Vec<NewEvent>,
    ) -> Result<Changeset, TijaraError> {
        Ok(Changeset {
            docs: vec![self.order_write(doc, version)?],
            events,
            ..Changeset::default()
        })
    }

    pub(crate) fn order_write(
        &self,
        doc: &OrderDoc,
        expected: u64,
    ) -> Result<DocWrite, TijaraError> {
        Write::new(DocKind::Order, doc.order.id.as_str(), Some(expected))
            .keys(doc.keys())
            .owners(doc.owners())
            .body(doc)
    }
}

impl Orders<'_> {
    /// An order with its audit trail, shipments, returns and settlement.
    pub async fn order(self, id: &OrderId) -> Result<OrderDoc, TijaraError> {
        let e = self.engine;
        let stored = e.inner.storage.get(DocKind::Order, id.as_str()).await?;
        let stored = engine::stored(DocKind::Order, id.as_str(), stored)?;
        // The order page just after the checkout: the order placed, not decoded again.
        Ok(Arc::unwrap_or_clone(e.inner.order_memo.order(&stored)?))
    }

    /// Several orders in one storage read, in the order of `ids` (each once): an id without
    /// an order is left out. What the notifications of a batch of events read.
    pub async fn orders_by_id(self, ids: &[OrderId]) -> Result<Vec<OrderDoc>, TijaraError> {
        Ok(self
            .orders_by_id_shared(ids)
            .await?
            .into_iter()
            .map(Arc::unwrap_or_clone)
            .collect())
    }

    /// [`Orders::orders_by_id`], each order shared: an order this engine placed and nobody
    /// changed since is the one it remembers (see
    /// [`EngineConfig::order_memo`](crate::EngineConfig::order_memo)), not decoded again.
    pub async fn orders_by_id_shared(
        self,
        ids: &[OrderId],
    ) -> Result<Vec<Arc<OrderDoc>>, TijaraError> {
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        let keys: Vec<String> = ids
            .iter()
            .filter(|id| seen.insert(id.as_str()))
            .map(|id| id.as_str().to_owned())
            .collect();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let memo = &self.engine.inner.order_memo;
        let mut found: std::collections::HashMap<String, _> = self
            .engine
            .inner
            .storage
            .get_many(DocKind::Order, &keys)
            .await?
            .into_iter()
            .map(|d| (d.id.clone(), d))
            .collect();
        let mut docs = Vec::with_capacity(found.len());
        for key in &keys {
            if let Some(d) = found.remove(key) {
                docs.push(memo.order(&d)?);
            }
        }
        Ok(docs)
    }
}

/// An order's money: verified payments and gateway notifications, capture, void, refund,
/// bank transfers (`engine.payments()`).
///
/// ```
/// # async fn demo(engine: &tijara::Tijara) -> Result<(), tijara::TijaraError> {
/// for gateway in engine.payments().gateways() {
///     println!("{}", gateway.code());
/// }
/// let reminded = engine.payments().remind_pending_transfers(chrono::Duration::hours(24)).await?;
/// println!("{reminded} shoppers reminded of their bank transfer");
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Payments<'a> {
    pub(crate) engine: &'a Tijara,
}

impl std::fmt::Debug for Payments<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments").finish_non_exhaustive()
    }
}

impl Tijara {
    /// Payments' use cases: recording, capturing, voiding, refunding, bank transfers.
    pub fn payments(&self) -> Payments<'_> {
        Payments { engine: self }
    }
}

impl Payments<'_> {
    /// Applies a verified payment event to an order, at most once per reference.
    pub async fn record_payment(
        self,
        order: &OrderId,
        notice: PaymentNotice,
        key: Option<&IdempotencyKey>,
    ) -> Result<PaymentResult, TijaraError> {
        let e = self.engine;
        let notice = &notice;
        e.update_order("record_payment", key, &(order, notice), order, |doc| {
            Ok(e.payment_rule(doc, notice))
        })
        .await
    }
}

impl Tijara {
    /// Records what a gateway operation (capture, void, refund) did, under the operation's own
    /// idempotency scope and input, so a retry with the same key is answered by
    /// [`Tijara::replayed`] before the gateway is called a second time.
    async fn record_operation<I: Serialize>(
        &self,
        scope: &str,
        input: &I,
        order: &OrderId,
        notice: PaymentNotice,
        gateway_reference: Option<String>,
        key: Option<&IdempotencyKey>,
    ) -> Result<OperationOutcome, TijaraError> {
        let (notice, gateway_reference) = (&notice, &gateway_reference);
        self.update_order(scope, key, input, order, |doc| {
            let applied = self.payment_rule(doc, notice);
            Ok(Applied {
                answer: OperationOutcome {
                    result: applied.answer,
                    gateway_reference: gateway_reference.clone(),
                },
                changed: applied.changed,
                events: applied.events,
                stock: applied.stock,
            })
        })
        .await
    }

    /// The order's payment rule ([`OrderDoc::record_payment`]) applied to a notice: applied or
    /// rejected, it is written with its events; a duplicate writes nothing.
    fn payment_rule(&self, doc: &mut OrderDoc, notice: &PaymentNotice) -> Applied<PaymentResult> {
        let recorded = doc.record_payment(
            ReceivedPayment {
                source: notice.source.clone(),
                reference: notice.reference.clone(),
                event: notice.event.clone(),
                raw: notice.raw.clone(),
                attempt: notice.attempt.clone(),
            },
            self.now(),
        );
        let result = PaymentResult {
            outcome: recorded.outcome.clone(),
            order_status: doc.order.status(),
            payment_status: doc.order.payment.status(),
        };
        if recorded.is_duplicate() {
            return Applied::unchanged(result);
        }
        Applied::new(result, recorded.events).stock(recorded.stock)
    }
}

/// Why a gateway operation was refused before reaching the gateway, or what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OperationOutcome {
    /// What the engine recorded.
    pub result: PaymentResult,
    /// The gateway's reference (`None` when done by hand: the capability is off).
    pub gateway_reference: Option<String>,
}

/// The order and the attempt number of an attempt id (`{order}-{n}`), `n` in canonical digits
/// only: `ord-01` is not attempt 1 (the raw id is stored and reused for capture, so one attempt
/// must have one spelling).
fn order_of_attempt(attempt: &str) -> Option<(OrderId, u32)> {
    let (order, n) = attempt.rsplit_once('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || (n.len() > 1 && n.starts_with('0'))
    {
        return None;
    }
    Some((OrderId::new(order).ok()?, n.parse().ok()?))
}

impl Payments<'_> {
    /// Handles a gateway's server-to-server notification end to end: verifies it with the
    /// gateway, applies it to its order at most once, and returns the answer the gateway expects.
    /// Forged and unreadable notifications, notifications from another gateway than the
    /// order's, and notifications for attempts never started change nothing and are only
    /// logged (target `security`).
    ///
    /// Each notification gives one log line (target `payments`: the gateway, the verdict and
    /// the duration; never its fields) and counts in `tijara_payment_notifications_total` by
    /// gateway and verdict.
    pub async fn handle_notification(
        self,
        gateway: &str,
        request: &crate::ports::payment::NotificationRequest,
    ) -> Result<crate::ports::payment::NotificationAnswer, TijaraError> {
        let started = std::time::Instant::now();
        let g = self.engine.gateway(gateway)?.clone();
        let verdict = self.notification_verdict(gateway, &g, request).await;
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let outcome = match &verdict {
            Ok(v) => verdict_label(*v),
            Err(_) => "failed",
        };
        metrics::counter!(
            "tijara_payment_notifications_total",
            "gateway" => gateway.to_owned(),
            "verdict" => outcome
        )
        .increment(1);
        match &verdict {
            Ok(_) => {
                tracing::info!(target: "payments", gateway, verdict = outcome, duration_ms, "payment notification");
            }
            Err(err) => {
                tracing::warn!(target: "payments", gateway, verdict = outcome, duration_ms, error = %err, "payment notification failed");
            }
        }
        Ok(g.answer(verdict?))
    }

    /// The verdict on a notification (see [`Payments::handle_notification`]).
    async fn notification_verdict(
        self,
        gateway: &str,
        g: &std::sync::Arc<dyn crate::ports::payment::PaymentGateway>,
        request: &crate::ports::payment::NotificationRequest,
    ) -> Result<crate::ports::payment::NotificationVerdict, TijaraError> {
        let e = self.engine;
        use crate::ports::payment::NotificationVerdict as V;
        let verified = match g.verify_notification(request).await {
            Ok(v) => v,
            Err(err) => {
                e.record_rejected_notification(gateway, "unknown", &err.to_string());
                return Ok(if err.is_temporary() {
                    V::Error
                } else {
                    V::Invalid
                });
            }
        };
        let Some((order, n)) = order_of_attempt(&verified.attempt_id) else {
            e.record_rejected_notification(
                gateway,
                &verified.attempt_id,
                "unknown payment attempt",
            );
            return Ok(V::Refused);
        };
        // Only the gateway the order is paid through, and only for an attempt it was given:
        // a notification signed by another gateway (or for an attempt never started) moves
        // nothing, whatever its signature.
        let doc = match e.orders().order(&order).await {
            Ok(doc) => doc,
            Err(TijaraError::NotFound { .. }) => {
                e.record_rejected_notification(gateway, &verified.attempt_id, "no such order");
                return Ok(V::Refused);
            }
            Err(e) if e.is_temporary() => return Ok(V::Error),
            Err(e) => return Err(e),
        };
        if doc.gateway != gateway {
            e.record_rejected_notification(
                gateway,
                &verified.attempt_id,
                "the order is not paid through this gateway",
            );
            return Ok(V::Refused);
        }
        if n == 0 || n > doc.payment_attempts {
            e.record_rejected_notification(
                gateway,
                &verified.attempt_id,
                "payment attempt never issued",
            );
            return Ok(V::Refused);
        }
        let approval = matches!(
            verified.event,
            PaymentEventKind::Authorized { .. } | PaymentEventKind::Captured { .. }
        );
        let notice = PaymentNotice {
            source: PaymentSource::Gateway {
                code: gateway.to_owned(),
            },
            reference: verified.reference.clone(),
            event: verified.event.clone(),
            raw: verified.raw.clone(),
            attempt: Some(verified.attempt_id.clone()),
        };
        let verdict = match self.record_payment(&order, notice, None).await {
            Ok(r) => match (&r.outcome, approval) {
                (PaymentOutcome::Applied | PaymentOutcome::Duplicate, true) => V::Approved,
                (PaymentOutcome::Applied | PaymentOutcome::Duplicate, false) => V::Declined,
                (_, _) => V::Refused,
            },
            Err(TijaraError::NotFound { .. }) => {
                e.record_rejected_notification(gateway, &verified.attempt_id, "no such order");
                V::Refused
            }
            Err(e) if e.is_temporary() => V::Error,
            Err(e) => return Err(e),
        };
        Ok(verdict)
    }
}

/// The metric and log label of a notification verdict.
fn verdict_label(v: crate::ports::payment::NotificationVerdict) -> &'static str {
    use crate::ports::payment::NotificationVerdict as V;
    match v {
        V::Approved => "approved",
        V::Declined => "declined",
        V::Refused => "refused",
        V::Invalid => "invalid",
        V::Error => "error",
    }
}

impl Tijara {
    /// Logs a refused notification (target `security`: gateway, attempt id and reason; never
    /// the fields, which carry the signature). Nothing is written: anyone can post forgeries,
    /// and each must not grow the outbox or wake the event sinks.
    fn record_rejected_notification(&self, gateway: &str, attempt: &str, reason: &str) {
        // The attempt id comes from the request: keep it short in the log.
        let attempt: String = attempt.chars().take(80).collect();
        tracing::warn!(
            target: "security",
            gateway,
            attempt = ?attempt,
            reason,
            "payment notification refused"
        );
    }

    pub(crate) async fn operation_for(
        &self,
        order: &OrderId,
    ) -> Result<(OrderDoc, crate::ports::payment::PaymentOperation), TijaraError> {
        let doc = self.orders().order(order).await?;
        let attempt = doc
            .payment_log
            .iter()
            .rev()
            .filter(|e| {
                e.outcome == PaymentOutcome::Applied
                    && matches!(
                        e.event,
                        PaymentLogEvent::Authorized | PaymentLogEvent::Captured
                    )
            })
            .find_map(|e| {
                // The gateway's own transaction reference, when the gateway reported it.
                let reference =
                    matches!(e.source, PaymentSource::Gateway { .. }).then(|| e.reference.clone());
                Some((e.attempt.clone()?, reference))
            });
        let (attempt, transaction_reference) =
            attempt.unwrap_or_else(|| (format!("{order}-{}", doc.payment_attempts.max(1)), None));
        let op = crate::ports::payment::PaymentOperation {
            order_id: order.clone(),
            attempt_id: attempt,
            amount: None,
            transaction_reference,
        };
        Ok((doc, op))
    }
}
