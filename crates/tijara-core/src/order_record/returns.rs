//! Return and cancellation rules of the order aggregate: a withdrawal requested, approved,
//! received (stock back) and refunded (payment, settlement and ledger); an order cancelled
//! before anything shipped, or expired unpaid.

use super::{OrderDoc, PaymentLogEntry, PaymentSource, StockMove};
use crate::catalog::Seller;
use crate::events::PaymentReport;
use crate::order::{FulfillmentStatus, OrderError, OrderStatus};
use crate::payment::{PaymentError, PaymentStatus};
use crate::payment::{PaymentLogEvent, PaymentOutcome};
use crate::payout::PayoutError;
use crate::region::Region;
use crate::returns::{RefundAccount, ReturnError, ReturnLine, ReturnReason, ReturnRequest};
use crate::{DomainEvent, Money, ReturnId, SellerOrderId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a return rule refused (the document is left as it was).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReturnRefusal {
    /// An order rule refused (an unknown part...).
    #[error(transparent)]
    Order(#[from] OrderError),
    /// The return's own rules refused (out of the period, a step out of order...).
    #[error(transparent)]
    Return(#[from] ReturnError),
    /// The payment refused the refund.
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// The settlement refused the refund.
    #[error(transparent)]
    Settlement(#[from] PayoutError),
    /// The order has no return with this id.
    #[error("no return {0}")]
    NoReturn(ReturnId),
}

/// Why an order could not be cancelled (the document is left as it was).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CancelError {
    /// The order may not be cancelled any more (a part shipped...).
    #[error(transparent)]
    Order(#[from] OrderError),
    /// Its payment could not be voided.
    #[error(transparent)]
    Payment(#[from] PaymentError),
}

/// Why an order cannot be cancelled now (see [`OrderDoc::cancel_refusal`]): what a shop tells
/// the shopper instead of offering the button.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CannotCancel {
    /// A parcel already left (shipped, delivered or returned): the shopper may refuse it at
    /// the door or ask for a return once it is delivered.
    Shipped {
        /// The part that left.
        seller_order: SellerOrderId,
    },
    /// The order is already cancelled.
    AlreadyCancelled,
    /// The order is closed otherwise (every part delivered or returned).
    Closed,
}

/// What a shopper asks back and why: the input of [`OrderDoc::open_return_asked`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReturnAsk {
    /// The units asked back.
    pub lines: Vec<ReturnLine>,
    /// The reason chosen from the list.
    pub reason: ReturnReason,
    /// The shopper's own words (optional, at most [`crate::returns::MAX_REASON_CHARS`]).
    pub details: Option<String>,
    /// Photos of the items (the shop's media paths, at most
    /// [`crate::returns::MAX_RETURN_PHOTOS`]).
    pub photos: Vec<String>,
    /// Where to transfer the refund (an order paid in cash or by transfer).
    pub refund_to: Option<RefundAccount>,
}

impl ReturnAsk {
    /// Units asked back for a reason; no words, photos or account yet.
    pub fn new(lines: Vec<ReturnLine>, reason: ReturnReason) -> ReturnAsk {
        ReturnAsk {
            lines,
            reason,
            details: None,
            photos: Vec::new(),
            refund_to: None,
        }
    }

    /// With the shopper's own words.
    pub fn with_details(mut self, details: Option<String>) -> ReturnAsk {
        self.details = details;
        self
    }

    /// With photos of the items.
    pub fn with_photos(mut self, photos: Vec<String>) -> ReturnAsk {
        self.photos = photos;
        self
    }

    /// With where to transfer the refund.
    pub fn with_refund_to(mut self, account: Option<RefundAccount>) -> ReturnAsk {
        self.refund_to = account;
        self
    }
}

/// What a return rule did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReturnMove {
    /// The return as it is now.
    pub request: ReturnRequest,
    /// Events to emit.
    pub events: Vec<DomainEvent>,
    /// Stock moves (units received back).
    pub stock: Vec<StockMove>,
}

/// What a cancellation did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cancelled {
    /// Events to emit (`order.cancelled`, and `order.payment_expired` for an expiry).
    pub events: Vec<DomainEvent>,
    /// Stock moves: reservations released, or units sold at placing back on the shelf.
    pub stock: Vec<StockMove>,
}

impl OrderDoc {
    /// Opens a withdrawal request on a delivered part, within the region's period
    /// (`return.requested`).
    pub fn open_return(
        &mut self,
        id: ReturnId,
        seller_order: &SellerOrderId,
        lines: Vec<ReturnLine>,
        reason: Option<String>,
        now: DateTime<Utc>,
        region: &Region,
    ) -> Result<ReturnMove, ReturnRefusal> {
        let so = self.order.seller_order(seller_order)?;
        let earlier: Vec<ReturnRequest> = self
            .returns
            .iter()
            .filter(|r| &r.seller_order_id == seller_order)
            .cloned()
            .collect();
        let r = ReturnRequest::open(id, so, lines, reason, now, region, &earlier)?;
        self.returns.push(r.clone());
        Ok(ReturnMove {
            request: r,
            events: vec![self.return_event(self.returns.len() - 1, DomainEvent::ReturnRequested)],
            stock: Vec::new(),
        })
    }

    /// Opens a withdrawal request as [`OrderDoc::open_return`] does, with the reason chosen
    /// from the list and the shopper's own words (`details`, optional, at most
    /// [`crate::returns::MAX_REASON_CHARS`]).
    #[allow(clippy::too_many_arguments)]
    pub fn open_return_for_reason(
        &mut self,
        id: ReturnId,
        seller_order: &SellerOrderId,
        lines: Vec<ReturnLine>,
        reason: ReturnReason,
        details: Option<String>,
        now: DateTime<Utc>,
        region: &Region,
    ) -> Result<ReturnMove, ReturnRefusal> {
        if reason == ReturnReason::CameBack {
            return Err(ReturnError::NotAShoppersReason.into());
        }
        let mut m = self.open_return(id, seller_order, lines, details, now, region)?;
        m.request.reason_code = Some(reason);
        if let Some(last) = self.returns.last_mut() {
            last.reason_code = Some(reason);
        }
        Ok(m)
    }

    /// [`OrderDoc::open_return_for_reason`] with the shopper's photos of the items (checked
    /// first by [`crate::returns::check_return_photos`]: nothing changes when they are refused).
    #[allow(clippy::too_many_arguments)]
    pub fn open_return_with_photos(
        &mut self,
        id: ReturnId,
        seller_order: &SellerOrderId,
        lines: Vec<ReturnLine>,
        reason: ReturnReason,
        details: Option<String>,
        photos: Vec<String>,
        now: DateTime<Utc>,
        region: &Region,
    ) -> Result<ReturnMove, ReturnRefusal> {
        crate::returns::check_return_photos(&photos)?;
        let mut m =
            self.open_return_for_reason(id, seller_order, lines, reason, details, now, region)?;
        if let Some(last) = self.returns.last_mut() {
            last.set_photos(photos.clone())?;
        }
        m.request.set_photos(photos)?;
        Ok(m)
    }

    /// Opens a withdrawal request as [`OrderDoc::open_return_with_photos`] does, with where the
    /// refund is to be transferred when the shopper gave an account (`ask.refund_to`).
    pub fn open_return_asked(
        &mut self,
        id: ReturnId,
        seller_order: &SellerOrderId,
        ask: ReturnAsk,
        now: DateTime<Utc>,
        region: &Region,
    ) -> Result<ReturnMove, ReturnRefusal> {
        let mut m = self.open_return_with_photos(
            id,
            seller_order,
            ask.lines,
            ask.reason,
            ask.details,
            ask.photos,
            now,
            region,
        )?;
        if let Some(account) = ask.refund_to {
            if let Some(last) = self.returns.last_mut() {
                last.set_refund_account(account.clone())?;
            }
            m.request.set_refund_account(account)?;
        }
        Ok(m)
    }

    /// Notes that the card gateway is being asked to refund return `id` (see
    /// [`ReturnRequest::begin_refund_attempt`]); no event. Returns the amount to ask.
    pub fn begin_return_refund(
        &mut self,
        id: &ReturnId,
        now: DateTime<Utc>,
    ) -> Result<(ReturnMove, Money), ReturnRefusal> {
        let i = self.return_index(id)?;
        let amount = self.returns[i].begin_refund_attempt(now)?;
        let mut m = self.return_moved(i, Vec::new());
        m.events.clear();
        Ok((m, amount))
    }

    /// Clears that note: the gateway refused for sure; no event.
    pub fn end_return_refund_attempt(
        &mut self,
        id: &ReturnId,
    ) -> Result<ReturnMove, ReturnRefusal> {
        let i = self.return_index(id)?;
        self.returns[i].end_refund_attempt();
        let mut m = self.return_moved(i, Vec::new());
        m.events.clear();
        Ok(m)
    }

    /// Records that a return's refund left the marketplace (see
    /// [`ReturnRequest::mark_refund_sent`]): by the card gateway's API (`source` the gateway,
    /// `reference` its refund's, `attempt` the payment attempt refunded) or by a transfer an
    /// admin made (`source` the admin, `reference` the bank's); `by` is who. The refund itself was recorded on the payment when the seller
    /// decided it ([`OrderDoc::refund_return`]); this joins the payment's audit trail and says
    /// the money went (`return.updated`, `payment.updated`).
    #[allow(clippy::too_many_arguments)]
    pub fn send_return_refund(
        &mut self,
        id: &ReturnId,
        source: PaymentSource,
        reference: &str,
        by: &str,
        raw: serde_json::Value,
        attempt: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<ReturnMove, ReturnRefusal> {
        let i = self.return_index(id)?;
        let through_gateway = matches!(source, PaymentSource::Gateway { .. });
        let amount = self.returns[i].mark_refund_sent(reference, now, through_gateway, by)?;
        // The trail's reference names the return: a gateway's reference may repeat across
        // refunds of one order, and a later refund must not be taken for this one.
        let reference = format!("return:{id}:{}", reference.trim());
        self.payment_log.push(PaymentLogEntry {
            at: now,
            source,
            reference: reference.clone(),
            event: PaymentLogEvent::Refunded,
            amount: Some(amount),
            outcome: PaymentOutcome::Applied,
            raw,
            attempt,
        });
        let mut m = self.return_moved(i, Vec::new());
        m.events
            .push(DomainEvent::PaymentUpdated(PaymentReport::new(
                self.order.id.clone(),
                PaymentLogEvent::Refunded,
                reference,
                PaymentOutcome::Applied,
                self.order.payment.status(),
            )));
        Ok(m)
    }

    /// The returns asked on one part, oldest first.
    pub fn returns_of(&self, seller_order: &SellerOrderId) -> Vec<&ReturnRequest> {
        self.returns
            .iter()
            .filter(|r| &r.seller_order_id == seller_order)
            .collect()
    }

    /// Why [`OrderDoc::cancel`] would refuse now, or `None` when the order can be cancelled
    /// (awaiting its payment or confirmed, and no parcel has left).
    pub fn cancel_refusal(&self) -> Option<CannotCancel> {
        if let Some(so) = self.order.seller_orders.iter().find(|s| {
            matches!(
                s.status(),
                FulfillmentStatus::Shipped
                    | FulfillmentStatus::Delivered
                    | FulfillmentStatus::Returned
            )
        }) {
            return Some(CannotCancel::Shipped {
                seller_order: so.id.clone(),
            });
        }
        match self.order.status() {
            OrderStatus::AwaitingPayment | OrderStatus::Confirmed => None,
            OrderStatus::Cancelled => Some(CannotCancel::AlreadyCancelled),
            _ => Some(CannotCancel::Closed),
        }
    }

    fn return_index(&self, id: &ReturnId) -> Result<usize, ReturnRefusal> {
        self.returns
            .iter()
            .position(|r| &r.id == id)
            .ok_or_else(|| ReturnRefusal::NoReturn(id.clone()))
    }

    fn return_moved(&self, i: usize, stock: Vec<StockMove>) -> ReturnMove {
        ReturnMove {
            request: self.returns[i].clone(),
            events: vec![self.return_event(i, DomainEvent::ReturnUpdated)],
            stock,
        }
    }

    /// The event `event` about the order's return `i` (its snapshot names the return).
    pub(super) fn return_event(
        &self,
        i: usize,
        event: fn(crate::events::OrderSnapshot) -> DomainEvent,
    ) -> DomainEvent {
        let mut snapshot = crate::events::OrderSnapshot::of(&self.order);
        snapshot.return_id = Some(self.returns[i].id.clone());
        event(snapshot)
    }

    /// The seller or the marketplace accepts a return (`return.updated`).
    pub fn approve_return(&mut self, id: &ReturnId) -> Result<ReturnMove, ReturnRefusal> {
        let i = self.return_index(id)?;
        self.returns[i].approve()?;
        Ok(self.return_moved(i, Vec::new()))
    }

    /// The seller or the marketplace refuses a return (`return.updated`).
    pub fn reject_return(&mut self, id: &ReturnId) -> Result<ReturnMove, ReturnRefusal> {
        let i = self.return_index(id)?;
        self.returns[i].reject()?;
        Ok(self.return_moved(i, Vec::new()))
    }

    /// The seller or the marketplace refuses a return and tells the shopper why
    /// (`return.updated`; see [`ReturnRequest::reject_because`]).
    pub fn reject_return_because(
        &mut self,
        id: &ReturnId,
        reason: &str,
    ) -> Result<ReturnMove, ReturnRefusal> {
        let i = self.return_index(id)?;
        self.returns[i].reject_because(reason)?;
        Ok(self.return_moved(i, Vec::new()))
    }

    /// What refunding the paid parcel that came back undelivered `id` gives now
    /// ([`crate::returns::ReturnRequest::came_back`]): its value, at most what its part still
    /// holds of the payment and what the payment can still give back (a refund of the order
    /// made otherwise lowers it, to nothing when it was all refunded). `None` for another
    /// return, or one not found.
    pub fn came_back_owed(&self, id: &ReturnId) -> Option<Money> {
        let r = self
            .returns
            .iter()
            .find(|r| &r.id == id && r.is_came_back())?;
        let so = self.order.seller_order(&r.seller_order_id).ok()?;
        let part = self
            .settlement
            .parts()
            .iter()
            .find(|p| p.seller_id == so.seller_id)?;
        let p = &self.order.payment;
        let paid_left = p
            .captured()
            .checked_add(p.collected())
            .and_then(|m| m.checked_sub(p.refunded()))
            .ok()?;
        let owed = r
            .value
            .min(part.net_gross().ok()?)
            .and_then(|m| m.min(paid_left))
            .ok()?;
        Some(if owed.is_negative() {
            Money::zero(owed.currency())
        } else {
            owed
        })
    }

    /// The shopper says where to transfer a return's refund, or corrects it, any time before the
    /// refund is sent ([`ReturnRequest::set_refund_account`]: a buyer who gave none when asking,
    /// or a paid parcel that came back undelivered, opened without one); `return.updated`.
    pub fn set_return_refund_account(
        &mut self,
        id: &ReturnId,
        account: RefundAccount,
    ) -> Result<ReturnMove, ReturnRefusal> {
        let i = self.return_index(id)?;
        self.returns[i].set_refund_account(account)?;
        Ok(self.return_moved(i, Vec::new()))
    }

    /// The goods came back: their units go back on sale, and a delivered part is returned.
    pub fn receive_return(&mut self, id: &ReturnId) -> Result<ReturnMove, ReturnRefusal> {
        self.receive_return_as(id, true)
    }

    /// The goods came back unfit to sell again (damaged, worn): received as by
    /// [`OrderDoc::receive_return`] (a delivered part is returned), but no unit goes back on
    /// sale ([`ReturnRequest::receive_kept_off_sale`]): a broken piece is not offered to the
    /// next buyer.
    pub fn receive_return_kept_off_sale(
        &mut self,
        id: &ReturnId,
    ) -> Result<ReturnMove, ReturnRefusal> {
        self.receive_return_as(id, false)
    }

    fn receive_return_as(
        &mut self,
        id: &ReturnId,
        back_on_sale: bool,
    ) -> Result<ReturnMove, ReturnRefusal> {
        let i = self.return_index(id)?;
        self.atomically(|doc| {
            let stock = if back_on_sale {
                doc.returns[i].receive()?;
                doc.returns[i]
                    .lines
                    .iter()
                    .map(|l| StockMove::Restock {
                        variant: l.variant_id.clone(),
                        quantity: l.quantity,
                    })
                    .collect()
            } else {
                doc.returns[i].receive_kept_off_sale()?;
                Vec::new()
            };
            let so = doc.returns[i].seller_order_id.clone();
            if doc.order.seller_order(&so)?.status() == FulfillmentStatus::Delivered {
                doc.order.mark_returned(&so)?;
            }
            Ok(doc.return_moved(i, stock))
        })
    }

    /// The shopper is refunded `amount` for a return (at most its lines' value): recorded on
    /// the payment and reversed from the seller's share and the commission (ledger). The
    /// commission given back is the returned lines' own, at `seller`'s rate for each line's
    /// category ([`Seller::commission_for`], as the statement counts it), not the part's
    /// average: a member artisan's refund takes back exactly her lines' share.
    pub fn refund_return(
        &mut self,
        id: &ReturnId,
        amount: Money,
        seller: &Seller,
        now: DateTime<Utc>,
    ) -> Result<ReturnMove, ReturnRefusal> {
        let i = self.return_index(id)?;
        // A parcel that came back: refunded in whole, what is owed now (a refund of the order
        // made otherwise meanwhile lowers it; to nothing, the step closes the return).
        let owed = self.came_back_owed(id);
        self.atomically(|doc| {
            // (Once refunded, the step's own rule refuses it again: a 409, not this.)
            if let Some(owed) =
                owed.filter(|_| doc.returns[i].status() == crate::returns::ReturnStatus::Received)
            {
                if amount != owed {
                    return Err(ReturnError::CameBackRefundedInWhole {
                        amount,
                        value: owed,
                    }
                    .into());
                }
                doc.returns[i].value = owed;
            }
            doc.returns[i].refund(amount)?;
            if amount.is_positive() {
                doc.order.payment.refund(amount)?;
                let so_id = doc.returns[i].seller_order_id.clone();
                let so = doc.order.seller_order(&so_id)?;
                // The rates are the part's seller's own, never another seller's.
                if so.seller_id != seller.id {
                    return Err(PayoutError::UnknownSeller(seller.id.clone()).into());
                }
                let due = doc
                    .settlement
                    .parts()
                    .iter()
                    .find(|p| p.seller_id == seller.id)
                    .map(|p| p.commission_due)
                    .ok_or_else(|| PayoutError::UnknownSeller(seller.id.clone()))?;
                let (value, commission) =
                    crate::statement::returned_share(seller, so, due, &doc.returns[i])
                        .map_err(PayoutError::from)?;
                let m = doc
                    .settlement
                    .refund_lines_for_seller(&seller.id, amount, value, commission)?;
                doc.ledger(now, [m]);
            }
            Ok(doc.return_moved(i, Vec::new()))
        })
    }

    /// Cancels the order before anything shipped: an unpaid payment is voided, its
    /// reservations are released or, without any (cash on delivery, paid orders), the units
    /// sold at placing go back on the shelf (`order.cancelled`).
    pub fn cancel(&mut self) -> Result<Cancelled, CancelError> {
        self.atomically(|doc| {
            let had_reservations = !doc.reservations.is_empty();
            doc.order.cancel()?;
            if matches!(
                doc.order.payment.status(),
                PaymentStatus::Pending
                    | PaymentStatus::Failed
                    | PaymentStatus::Authorized
                    | PaymentStatus::AwaitingDelivery
            ) {
                doc.order.payment.void()?;
            }
            let mut stock: Vec<StockMove> =
                doc.reservations.drain(..).map(StockMove::Release).collect();
            if !had_reservations {
                stock.extend(doc.restock_all());
            }
            Ok(Cancelled {
                events: vec![doc.order_event(DomainEvent::OrderCancelled)],
                stock,
            })
        })
    }

    /// Cancels an order whose payment did not come in time (`order.cancelled`, then
    /// `order.payment_expired` so the shopper is told). `None` when it is not awaiting its
    /// payment any more (paid or cancelled meanwhile): nothing changed.
    pub fn expire(&mut self) -> Result<Option<Cancelled>, CancelError> {
        if self.order.status() != OrderStatus::AwaitingPayment {
            return Ok(None);
        }
        let mut done = self.cancel()?;
        done.events.push(DomainEvent::OrderPaymentExpired(
            crate::events::PaymentExpiry::new(
                self.order.id.clone(),
                self.lang,
                self.order.payment.method(),
            ),
        ));
        Ok(Some(done))
    }
}
