//! Payment events: gateway notifications, admin confirmations, carrier collections.
//!
//! Rules, whatever the gateway: only these calls mark an order paid; an event whose amount does
//! not match is rejected and recorded; an event whose reference was already applied changes
//! nothing; a late decline after an approval never un-pays; refunds never exceed what was
//! received; every event is kept in the order's audit trail.

use crate::docs::{OrderDoc, PaymentLogEntry, PaymentOutcome, PaymentSource};
use crate::engine::{IdempotencyKey, Loaded, Tijara, Write};
use crate::error::TijaraError;
use crate::ports::storage::{Changeset, DocKind, DocWrite, NewEvent, StockOp};
use serde::{Deserialize, Serialize};
use tijara_core::order::OrderStatus;
use tijara_core::payout::LedgerEntry;
use tijara_core::{Money, OrderId};

/// What a payment event says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentEventKind {
    /// Funds held.
    Authorized {
        /// Amount authorized.
        amount: Money,
    },
    /// Money taken (a capture, a direct sale, a confirmed transfer).
    Captured {
        /// Amount.
        amount: Money,
    },
    /// The attempt was declined.
    Declined {
        /// The gateway's reason.
        reason: String,
    },
    /// The authorization was cancelled.
    Voided,
    /// Money returned to the shopper.
    Refunded {
        /// Amount.
        amount: Money,
    },
}

impl PaymentEventKind {
    fn name(&self) -> &'static str {
        match self {
            PaymentEventKind::Authorized { .. } => "authorized",
            PaymentEventKind::Captured { .. } => "captured",
            PaymentEventKind::Declined { .. } => "declined",
            PaymentEventKind::Voided => "voided",
            PaymentEventKind::Refunded { .. } => "refunded",
        }
    }
    fn amount(&self) -> Option<Money> {
        match self {
            PaymentEventKind::Authorized { amount }
            | PaymentEventKind::Captured { amount }
            | PaymentEventKind::Refunded { amount } => Some(*amount),
            _ => None,
        }
    }
}

/// A verified payment event for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentNotice {
    /// Who reports it.
    pub source: PaymentSource,
    /// The reporter's unique reference (a gateway transaction id, a bank transfer reference).
    pub reference: String,
    /// What happened.
    pub event: PaymentEventKind,
    /// The raw payload, secrets removed (kept in the audit trail).
    pub raw: serde_json::Value,
}

/// What the engine did with a payment event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentResult {
    /// Applied, duplicate or rejected.
    pub outcome: PaymentOutcome,
    /// The order's status after it.
    pub order_status: OrderStatus,
    /// The payment's status after it.
    pub payment_status: tijara_core::payment::PaymentStatus,
}

impl Tijara {
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

    /// An order with its audit trail, shipments, returns and settlement.
    pub async fn order(&self, id: &OrderId) -> Result<OrderDoc, TijaraError> {
        Ok(self
            .load::<OrderDoc>(DocKind::Order, id.as_str())
            .await?
            .value)
    }

    /// Applies a verified payment event to an order, at most once per reference.
    pub async fn record_payment(
        &self,
        order: &OrderId,
        notice: PaymentNotice,
        key: Option<&IdempotencyKey>,
    ) -> Result<PaymentResult, TijaraError> {
        let (notice,) = (&notice,);
        self.mutate("record_payment", key, &(order, &notice), || async move {
            let d: Loaded<OrderDoc> = self.load(DocKind::Order, order.as_str()).await?;
            self.payment_step(d, notice)
        })
        .await
    }

    fn payment_step(
        &self,
        d: Loaded<OrderDoc>,
        notice: &PaymentNotice,
    ) -> Result<(PaymentResult, Changeset), TijaraError> {
        let now = self.now();
        let Loaded {
            value: mut doc,
            version,
        } = d;
        let duplicate = doc.payment_log.iter().any(|e| {
            e.reference == notice.reference
                && e.event == notice.event.name()
                && e.outcome == PaymentOutcome::Applied
        });
        let mut changes = Changeset::default();
        let outcome = if duplicate {
            PaymentOutcome::Duplicate
        } else {
            match self.apply_payment(&mut doc, &notice.event, now, &mut changes) {
                Ok(()) => PaymentOutcome::Applied,
                Err(reason) => PaymentOutcome::Rejected { reason },
            }
        };
        let result = PaymentResult {
            outcome: outcome.clone(),
            order_status: doc.order.status(),
            payment_status: doc.order.payment.status(),
        };
        if outcome == PaymentOutcome::Duplicate {
            return Ok((result, Changeset::default()));
        }
        doc.payment_log.push(PaymentLogEntry {
            at: now,
            source: notice.source.clone(),
            reference: notice.reference.clone(),
            event: notice.event.name().to_owned(),
            amount: notice.event.amount(),
            outcome: outcome.clone(),
            raw: notice.raw.clone(),
        });
        changes.events.insert(
            0,
            NewEvent {
                aggregate: doc.order.id.to_string(),
                kind: match outcome {
                    PaymentOutcome::Applied => "payment.updated".into(),
                    _ => "payment.rejected".into(),
                },
                payload: crate::engine::encode(&serde_json::json!({
                    "order_id": doc.order.id,
                    "event": notice.event.name(),
                    "reference": notice.reference,
                    "outcome": outcome,
                    "payment": doc.order.payment.status(),
                }))?,
            },
        );
        changes.docs.insert(0, self.order_write(&doc, version)?);
        Ok((result, changes))
    }

    /// Moves the payment; on success adds stock commits, ledger entries and events to `changes`.
    fn apply_payment(
        &self,
        doc: &mut OrderDoc,
        event: &PaymentEventKind,
        now: chrono::DateTime<chrono::Utc>,
        changes: &mut Changeset,
    ) -> Result<(), String> {
        let before = doc.clone();
        let was_cancelled = doc.order.status() == OrderStatus::Cancelled;
        let r = match event {
            PaymentEventKind::Authorized { amount } => doc.order.payment.authorize(*amount),
            PaymentEventKind::Captured { amount } => doc.order.payment.capture(*amount),
            PaymentEventKind::Declined { .. } => doc.order.payment.fail(),
            PaymentEventKind::Voided => doc.order.payment.void(),
            PaymentEventKind::Refunded { amount } => doc.order.payment.refund(*amount),
        };
        if let Err(e) = r {
            *doc = before;
            return Err(e.to_string());
        }
        let mut ledger = |moves: Vec<tijara_core::payout::ShareMovement>| {
            doc.ledger.extend(moves.into_iter().map(|m| LedgerEntry {
                at: now,
                order_id: doc.order.id.clone(),
                movement: m,
            }));
        };
        match event {
            PaymentEventKind::Captured { amount } => match doc.settlement.receive(*amount) {
                Ok(m) => ledger(m),
                Err(e) => {
                    *doc = before;
                    return Err(e.to_string());
                }
            },
            PaymentEventKind::Refunded { amount } => match doc.settlement.refund(*amount) {
                Ok(m) => ledger(m),
                Err(e) => {
                    *doc = before;
                    return Err(e.to_string());
                }
            },
            _ => {}
        }
        if doc.order.confirm_if_paid() {
            // Paid in time: the held stock is sold.
            changes.stock.extend(
                doc.reservations
                    .drain(..)
                    .map(|reservation| StockOp::Commit { reservation }),
            );
            if let Ok(e) = self.order_event(&doc.order, "order.confirmed") {
                changes.events.push(e);
            }
        } else if was_cancelled && doc.order.payment.is_secured() {
            // Paid after the order expired: the stock went back to sale, the money must go back.
            if let Ok(mut e) = self.order_event(&doc.order, "payment.needs_refund") {
                e.kind = "payment.needs_refund".into();
                changes.events.push(e);
            }
        }
        Ok(())
    }
}
