//! Returns (withdrawal within the legal period), and order cancellation.

use crate::docs::OrderDoc;
use crate::engine::{IdempotencyKey, Tijara};
use crate::error::TijaraError;
use crate::usecases::order_update::Applied;
use serde::{Deserialize, Serialize};
use tijara_core::order_record::ReturnMove;
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
        let region = &self.inner.region;
        self.update_order(
            "request_return",
            key,
            &(order, seller_order, &lines, &reason),
            order,
            |doc| {
                let m = doc.open_return(
                    id.clone(),
                    seller_order,
                    lines.clone(),
                    reason.clone(),
                    self.now(),
                    region,
                )?;
                Ok(returned(m))
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
        self.update_order(
            "advance_return",
            key,
            &(order, return_id, &step),
            order,
            |doc| {
                let m = match step {
                    ReturnStep::Approve => doc.approve_return(return_id)?,
                    ReturnStep::Reject => doc.reject_return(return_id)?,
                    ReturnStep::Receive => doc.receive_return(return_id)?,
                    ReturnStep::Refund { amount } => {
                        doc.refund_return(return_id, *amount, self.now())?
                    }
                };
                Ok(returned(m))
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
        self.update_order("cancel_order", key, &order, order, |doc| {
            let done = doc.cancel()?;
            Ok(Applied::new(doc.clone(), done.events).stock(done.stock))
        })
        .await
    }
}

/// What a return rule commits.
fn returned(m: ReturnMove) -> Applied<ReturnRequest> {
    Applied::new(m.request, m.events).stock(m.stock)
}
