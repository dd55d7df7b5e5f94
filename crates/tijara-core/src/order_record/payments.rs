//! Payment rules of the order aggregate: applying a payment event, at most once per reference,
//! with its settlement, ledger and stock consequences.

use super::{OrderDoc, PaymentLogEntry, PaymentSource, StockMove};
use crate::events::PaymentReport;
use crate::order::OrderStatus;
use crate::payment::{PaymentError, PaymentEventKind, PaymentLogEvent, PaymentOutcome};
use crate::payout::PayoutError;
use crate::{DomainEvent, Money};
use chrono::{DateTime, Utc};

/// A verified payment event, as the order records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPayment {
    /// Who reports it.
    pub source: PaymentSource,
    /// The reporter's unique reference (the deduplication key, with the event's kind).
    pub reference: String,
    /// What happened.
    pub event: PaymentEventKind,
    /// The raw payload, secrets removed.
    pub raw: serde_json::Value,
    /// The gateway's payment attempt, when it comes from a gateway.
    pub attempt: Option<String>,
}

/// Why a payment event was refused (the order is left as it was). Its text is what the audit
/// trail keeps as the rejection's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaymentRefusal {
    /// The payment's state machine refused it (an amount that does not match, a refund larger
    /// than what was received...).
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// The settlement refused it (more refunded than received).
    #[error(transparent)]
    Settlement(#[from] PayoutError),
}

/// What an applied payment event did beyond the payment itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PaymentApplied {
    /// Events to emit after the payment's own report (`order.confirmed`,
    /// `payment.needs_refund`).
    pub events: Vec<DomainEvent>,
    /// Stock moves: the reservations committed when the order is paid in time.
    pub stock: Vec<StockMove>,
}

/// What [`OrderDoc::record_payment`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaymentRecorded {
    /// Applied, duplicate (nothing changed: no event, no write needed) or rejected (logged).
    pub outcome: PaymentOutcome,
    /// The events to emit, the payment's report first.
    pub events: Vec<DomainEvent>,
    /// Stock moves to make.
    pub stock: Vec<StockMove>,
}

impl PaymentRecorded {
    /// True when the document did not change (a duplicate).
    pub fn is_duplicate(&self) -> bool {
        self.outcome == PaymentOutcome::Duplicate
    }
}

impl OrderDoc {
    /// True when an event with this reference and kind was already applied.
    pub fn payment_seen(&self, reference: &str, event: PaymentLogEvent) -> bool {
        self.payment_log.iter().any(|e| {
            e.reference == reference && e.event == event && e.outcome == PaymentOutcome::Applied
        })
    }

    /// Records a payment event at most once per reference and kind: applied (see
    /// [`OrderDoc::apply_payment`]) or rejected, it joins the audit trail with a
    /// `payment.updated` or `payment.rejected` report; a duplicate changes nothing.
    pub fn record_payment(
        &mut self,
        notice: ReceivedPayment,
        now: DateTime<Utc>,
    ) -> PaymentRecorded {
        let kind = notice.event.log_event();
        if self.payment_seen(&notice.reference, kind) {
            return PaymentRecorded {
                outcome: PaymentOutcome::Duplicate,
                events: Vec::new(),
                stock: Vec::new(),
            };
        }
        let (outcome, applied) = match self.apply_payment(&notice.event, now) {
            Ok(applied) => (PaymentOutcome::Applied, applied),
            Err(refusal) => (
                PaymentOutcome::Rejected {
                    reason: refusal.to_string(),
                },
                PaymentApplied::default(),
            ),
        };
        self.payment_log.push(PaymentLogEntry {
            at: now,
            source: notice.source,
            reference: notice.reference.clone(),
            event: kind,
            amount: notice.event.amount(),
            outcome: outcome.clone(),
            raw: notice.raw,
            attempt: notice.attempt,
        });
        let report = PaymentReport::new(
            self.order.id.clone(),
            kind,
            notice.reference,
            outcome.clone(),
            self.order.payment.status(),
        );
        let mut events = vec![match outcome {
            PaymentOutcome::Applied => DomainEvent::PaymentUpdated(report),
            _ => DomainEvent::PaymentRejected(report),
        }];
        events.extend(applied.events);
        PaymentRecorded {
            outcome,
            events,
            stock: applied.stock,
        }
    }

    /// Moves the payment by `event`: the settlement receives a capture and gives back a refund
    /// (with their ledger entries); paid in time, the order is confirmed and its reservations
    /// become sales; paid after it expired, the money must go back (`payment.needs_refund`).
    /// A refusal leaves the document as it was.
    pub fn apply_payment(
        &mut self,
        event: &PaymentEventKind,
        now: DateTime<Utc>,
    ) -> Result<PaymentApplied, PaymentRefusal> {
        let before = self.clone();
        let r = self.apply_payment_moves(event, now);
        if r.is_err() {
            *self = before;
        }
        r
    }

    fn apply_payment_moves(
        &mut self,
        event: &PaymentEventKind,
        now: DateTime<Utc>,
    ) -> Result<PaymentApplied, PaymentRefusal> {
        let was_cancelled = self.order.status() == OrderStatus::Cancelled;
        match event {
            PaymentEventKind::Authorized { amount } => self.order.payment.authorize(*amount)?,
            PaymentEventKind::Captured { amount } => self.order.payment.capture(*amount)?,
            PaymentEventKind::Declined { .. } => self.order.payment.fail()?,
            PaymentEventKind::Voided => self.order.payment.void()?,
            PaymentEventKind::Refunded { amount } => self.order.payment.refund(*amount)?,
        }
        match event {
            PaymentEventKind::Captured { amount } => {
                let moves = self.settlement.receive(*amount)?;
                self.ledger(now, moves);
            }
            PaymentEventKind::Refunded { amount } => {
                let moves = self.settlement.refund(*amount)?;
                self.ledger(now, moves);
            }
            _ => {}
        }
        let mut applied = PaymentApplied::default();
        if self.order.confirm_if_paid() {
            // Paid in time: the held stock is sold.
            applied
                .stock
                .extend(self.reservations.drain(..).map(StockMove::Commit));
            applied
                .events
                .push(self.order_event(DomainEvent::OrderConfirmed));
        } else if was_cancelled && self.order.payment.is_secured() {
            // Paid after the order expired: the stock went back to sale, the money must go back.
            applied
                .events
                .push(self.order_event(DomainEvent::PaymentNeedsRefund));
        }
        Ok(applied)
    }

    /// Records that a carrier paid the marketplace the cash it collected, once per `reference`
    /// (a second time answers `Ok(None)`: nothing changed). Returns the `payment.remitted`
    /// event.
    pub fn record_remittance(
        &mut self,
        amount: Money,
        reference: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DomainEvent>, PaymentError> {
        if self
            .payment_log
            .iter()
            .any(|e| e.reference == reference && e.event == PaymentLogEvent::Remitted)
        {
            return Ok(None);
        }
        self.order.payment.remit(amount)?;
        self.payment_log.push(PaymentLogEntry {
            at: now,
            source: PaymentSource::Engine,
            reference: reference.to_owned(),
            event: PaymentLogEvent::Remitted,
            amount: Some(amount),
            outcome: PaymentOutcome::Applied,
            raw: serde_json::Value::Null,
            attempt: None,
        });
        Ok(Some(self.order_event(DomainEvent::PaymentRemitted)))
    }

    /// Marks a bank transfer order still awaiting its payment as reminded, once. Returns the
    /// reminder's event, or `None` when no reminder is due.
    pub fn remind_transfer(&mut self) -> Option<DomainEvent> {
        let due = self.order.payment.method() == crate::payment::PaymentMethod::BankTransfer
            && self.order.status() == OrderStatus::AwaitingPayment
            && !self.payment_reminded;
        if !due {
            return None;
        }
        self.payment_reminded = true;
        Some(self.order_event(DomainEvent::PaymentTransferReminder))
    }
}
