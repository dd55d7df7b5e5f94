//! Background work the embedder schedules: expiring reservations, delivering events.

use crate::docs::OrderDoc;
use crate::engine::{Loaded, Tijara};
use crate::error::TijaraError;
use crate::ports::storage::{
    Changeset, CommitOutcome, DocKind, IdempotencyRecord, NewEvent, StockOp,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use tijara_core::OrderId;
use tijara_core::order::OrderStatus;

/// What a dispatch round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchReport {
    /// Events delivered and acknowledged.
    pub delivered: usize,
    /// Events whose delivery failed (they stay pending, with every later event of the same
    /// aggregate, so order per aggregate is kept).
    pub failed: usize,
}

impl Tijara {
    /// Whether an outside effect was recorded as done under `scope` and `key` by
    /// [`Tijara::record_done`].
    pub async fn is_done(&self, scope: &str, key: &str) -> Result<bool, TijaraError> {
        Ok(self
            .inner
            .storage
            .idempotency(&format!("done:{scope}"), key)
            .await?
            .is_some())
    }

    /// Records durably, in the engine's storage, that an outside effect was done once (a
    /// message sent on one channel, for instance); answers `false` when it was recorded
    /// already. Event sinks fed by the at-least-once outbox check [`Tijara::is_done`] before
    /// the effect and record it after, so a redelivered event, even after a restart, does not
    /// repeat what already happened.
    pub async fn record_done(&self, scope: &str, key: &str) -> Result<bool, TijaraError> {
        if scope.is_empty() || key.is_empty() {
            return Err(TijaraError::Invalid(
                "a done mark needs a scope and a key".into(),
            ));
        }
        let now = self.now();
        let changes = Changeset {
            idempotency: Some(IdempotencyRecord {
                scope: format!("done:{scope}"),
                key: key.to_owned(),
                fingerprint: "done".into(),
                response: "true".into(),
                created_at: now,
            }),
            now: Some(now),
            ..Changeset::default()
        };
        match self.inner.storage.commit(changes).await? {
            CommitOutcome::Committed => Ok(true),
            CommitOutcome::Replayed(_) => Ok(false),
        }
    }

    /// Returns the stock of checkouts abandoned past their reservation time (a card payment not
    /// made within [`EngineConfig::card_reservation_ttl`](crate::EngineConfig), a bank transfer
    /// not confirmed within the region's transfer hold): the order is cancelled and its payment
    /// voided, in one step per order, with an `order.payment_expired` event (order id,
    /// language, payment method; no contact, which a notifier reads from the order) so the
    /// shopper is told. Returns how many orders were
    /// cancelled. Safe to run from several processes at once.
    pub async fn expire_reservations(&self, limit: u32) -> Result<usize, TijaraError> {
        let now = self.now();
        let rows = self
            .inner
            .storage
            .expired_reservations(now, limit.max(1))
            .await?;
        let orders: BTreeSet<OrderId> = rows.into_iter().map(|r| r.order).collect();
        let mut cancelled = 0;
        for order in orders {
            let (order,) = (&order,);
            let done: bool = self
                .mutate("expire_reservations", None, &(), || async move {
                    let Loaded {
                        value: mut doc,
                        version,
                    } = self
                        .load::<OrderDoc>(DocKind::Order, order.as_str())
                        .await?;
                    let mut changes = Changeset::default();
                    if doc.order.status() == OrderStatus::AwaitingPayment {
                        self.cancel_into(&mut doc, &mut changes)?;
                        // The shopper is told (a transfer not received in time, a card
                        // checkout abandoned): the order is off and its items back on sale.
                        changes.events.push(NewEvent {
                            aggregate: order.to_string(),
                            kind: "order.payment_expired".into(),
                            payload: crate::engine::encode(&serde_json::json!({
                                "order_id": order,
                                "lang": doc.lang,
                                "payment_method": doc.order.payment.method(),
                            }))?,
                        });
                    } else {
                        // Paid or cancelled meanwhile: only drop what is still held.
                        let live = self.inner.storage.order_reservations(order).await?;
                        changes
                            .stock
                            .extend(live.into_iter().map(|r| StockOp::Release {
                                reservation: r.reservation,
                            }));
                        doc.reservations.clear();
                        if changes.stock.is_empty() {
                            return Ok((false, changes));
                        }
                    }
                    changes.docs.insert(0, self.order_write(&doc, version)?);
                    Ok((doc.order.status() == OrderStatus::Cancelled, changes))
                })
                .await?;
            cancelled += usize::from(done);
        }
        Ok(cancelled)
    }

    /// Delivers pending outbox events to the event sink, in order; at least once.
    pub async fn dispatch_events(&self, limit: u32) -> Result<DispatchReport, TijaraError> {
        let sink = self.inner.sink.clone().ok_or(TijaraError::NoEventSink)?;
        let events = self.inner.storage.pending_events(limit.max(1)).await?;
        let mut blocked: BTreeSet<String> = BTreeSet::new();
        let mut report = DispatchReport::default();
        let mut acked = Vec::new();
        for e in events {
            if blocked.contains(&e.aggregate) {
                report.failed += 1;
                continue;
            }
            match sink.deliver(&e).await {
                Ok(()) => {
                    acked.push(e.seq);
                    report.delivered += 1;
                }
                Err(_) => {
                    blocked.insert(e.aggregate.clone());
                    report.failed += 1;
                }
            }
        }
        if !acked.is_empty() {
            self.inner.storage.ack_events(&acked).await?;
        }
        Ok(report)
    }
}
