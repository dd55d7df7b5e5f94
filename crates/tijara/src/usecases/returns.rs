//! Returns (withdrawal within the legal period), and order cancellation.

use crate::docs::OrderDoc;
use crate::engine::{IdempotencyKey, Loaded, Tijara};
use crate::error::{Part, TijaraError};
use crate::ports::storage::{Changeset, DocKind, StockOp};
use serde::{Deserialize, Serialize};
use tijara_core::DomainEvent;
use tijara_core::payout::LedgerEntry;
use tijara_core::returns::{ReturnLine, ReturnRequest};
use tijara_core::{Money, OrderId, ReturnId, SellerOrderId};

/// A step of a return's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReturnStep {
    /// The seller or admin accepts.
    Approve,
    /// The seller or admin refuses.
    Reject,
    /// The goods came back: the stock is put back on sale.
    Receive,
    /// The shopper is refunded this amount (at most the lines' value).
    Refund {
        /// Amount refunded.
        amount: Money,
    },
}

impl Tijara {
    /// Opens a withdrawal request on a delivered seller order, within the region's period.
    pub async fn request_return(
        &self,
        order: &OrderId,
        seller_order: &SellerOrderId,
        lines: Vec<ReturnLine>,
        reason: Option<String>,
        key: Option<&IdempotencyKey>,
    ) -> Result<ReturnRequest, TijaraError> {
        let id = ReturnId::new(self.new_id("ret"))?;
        let (id, lines, reason) = (&id, &lines, &reason);
        self.mutate(
            "request_return",
            key,
            &(order, seller_order, &lines, &reason),
            || async move {
                let Loaded {
                    value: mut doc,
                    version,
                } = self
                    .load::<OrderDoc>(DocKind::Order, order.as_str())
                    .await?;
                let so = doc.order.seller_order(seller_order)?;
                let earlier: Vec<ReturnRequest> = doc
                    .returns
                    .iter()
                    .filter(|r| &r.seller_order_id == seller_order)
                    .cloned()
                    .collect();
                let r = ReturnRequest::open(
                    id.clone(),
                    so,
                    lines.clone(),
                    reason.clone(),
                    self.now(),
                    &self.inner.region,
                    &earlier,
                )?;
                doc.returns.push(r.clone());
                let e = self.order_event(&doc.order, DomainEvent::ReturnRequested)?;
                Ok((r, self.order_change(&doc, version, vec![e])?))
            },
        )
        .await
    }

    /// Moves a return. Receiving puts the units back in stock; refunding returns the money
    /// (recorded on the payment and reversed from the seller's share and the commission).
    pub async fn advance_return(
        &self,
        order: &OrderId,
        return_id: &ReturnId,
        step: ReturnStep,
        key: Option<&IdempotencyKey>,
    ) -> Result<ReturnRequest, TijaraError> {
        let step = &step;
        self.mutate(
            "advance_return",
            key,
            &(order, return_id, &step),
            || async move {
                let Loaded {
                    value: mut doc,
                    version,
                } = self
                    .load::<OrderDoc>(DocKind::Order, order.as_str())
                    .await?;
                let i = doc
                    .returns
                    .iter()
                    .position(|r| &r.id == return_id)
                    .ok_or_else(|| TijaraError::PartNotFound {
                        part: Part::Return,
                        id: return_id.to_string(),
                    })?;
                let mut changes = Changeset::default();
                match &step {
                    ReturnStep::Approve => doc.returns[i].approve()?,
                    ReturnStep::Reject => doc.returns[i].reject()?,
                    ReturnStep::Receive => {
                        doc.returns[i].receive()?;
                        for l in &doc.returns[i].lines {
                            changes.stock.push(StockOp::Adjust {
                                variant: l.variant_id.clone(),
                                delta: i64::from(l.quantity),
                            });
                        }
                        let so = doc.returns[i].seller_order_id.clone();
                        if doc.order.seller_order(&so)?.status()
                            == tijara_core::order::FulfillmentStatus::Delivered
                        {
                            doc.order.mark_returned(&so)?;
                        }
                    }
                    ReturnStep::Refund { amount } => {
                        doc.returns[i].refund(*amount)?;
                        if amount.is_positive() {
                            doc.order.payment.refund(*amount)?;
                            let so = doc.returns[i].seller_order_id.clone();
                            let seller = doc.order.seller_order(&so)?.seller_id.clone();
                            let m = doc.settlement.refund_for_seller(&seller, *amount)?;
                            doc.ledger.push(LedgerEntry {
                                at: self.now(),
                                order_id: doc.order.id.clone(),
                                movement: m,
                            });
                        }
                    }
                }
                changes
                    .events
                    .push(self.order_event(&doc.order, DomainEvent::ReturnUpdated)?);
                let r = doc.returns[i].clone();
                changes.docs.push(self.order_write(&doc, version)?);
                Ok((r, changes))
            },
        )
        .await
    }

    /// Cancels an order before anything shipped: its reservations are released (or the units
    /// sold to a cash-on-delivery order put back) and an unpaid payment is voided.
    pub async fn cancel_order(
        &self,
        order: &OrderId,
        key: Option<&IdempotencyKey>,
    ) -> Result<OrderDoc, TijaraError> {
        self.mutate("cancel_order", key, &order, || async move {
            let Loaded {
                value: mut doc,
                version,
            } = self
                .load::<OrderDoc>(DocKind::Order, order.as_str())
                .await?;
            let mut changes = Changeset::default();
            self.cancel_into(&mut doc, &mut changes)?;
            changes.docs.insert(0, self.order_write(&doc, version)?);
            Ok((doc, changes))
        })
        .await
    }

    pub(crate) fn cancel_into(
        &self,
        doc: &mut OrderDoc,
        changes: &mut Changeset,
    ) -> Result<(), TijaraError> {
        let had_reservations = !doc.reservations.is_empty();
        doc.order.cancel()?;
        if matches!(
            doc.order.payment.status(),
            tijara_core::payment::PaymentStatus::Pending
                | tijara_core::payment::PaymentStatus::Failed
                | tijara_core::payment::PaymentStatus::Authorized
                | tijara_core::payment::PaymentStatus::AwaitingDelivery
        ) {
            doc.order.payment.void()?;
        }
        changes.stock.extend(
            doc.reservations
                .drain(..)
                .map(|reservation| StockOp::Release { reservation }),
        );
        if !had_reservations {
            // Units sold at placing (cash on delivery, or paid orders) return to the shelf.
            for so in &doc.order.seller_orders {
                for l in &so.lines {
                    changes.stock.push(StockOp::Adjust {
                        variant: l.variant_id.clone(),
                        delta: i64::from(l.quantity),
                    });
                }
            }
        }
        changes
            .events
            .push(self.order_event(&doc.order, DomainEvent::OrderCancelled)?);
        Ok(())
    }
}
