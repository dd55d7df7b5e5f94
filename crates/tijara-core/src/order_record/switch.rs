//! Changing how an unpaid order is paid: after a declined or abandoned card payment, the
//! shopper may pay cash on delivery or by bank transfer instead (or try a card after choosing
//! a transfer), while nothing was authorized or captured.

use super::{OrderDoc, StockMove};
use crate::DomainEvent;
use crate::ids::SellerOrderId;
use crate::money::Money;
use crate::order::{OrderError, OrderStatus, Repricing};
use crate::payment::{PaymentMethod, PaymentStatus};
use crate::payout::{PayoutError, Settlement};
use std::collections::BTreeMap;

/// Why an order's payment method cannot be changed. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SwitchRefusal {
    /// The order is not awaiting its payment (paid, confirmed, cancelled...).
    #[error("the order is {status:?}, not awaiting its payment")]
    NotAwaitingPayment {
        /// Where the order stands.
        status: OrderStatus,
    },
    /// Money is already held or taken (or the payment is otherwise past pending or declined).
    #[error("the payment is {status:?}: it can no longer change method")]
    PaymentUnderway {
        /// Where the payment stands.
        status: PaymentStatus,
    },
    /// The order is already to be paid this way.
    #[error("the order is already to be paid by {method:?}")]
    SameMethod {
        /// The method.
        method: PaymentMethod,
    },
    /// Cash on delivery needs something to collect.
    #[error("nothing to collect: cash on delivery needs a positive total")]
    NothingToCollect,
    /// The new delivery prices could not be applied (see [`Order::repriced_delivery`](crate::order::Order::repriced_delivery)).
    #[error(transparent)]
    Reprice(#[from] OrderError),
    /// The settlement could not follow the new totals.
    #[error(transparent)]
    Settlement(#[from] PayoutError),
}

/// What [`OrderDoc::switch_payment`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaymentSwitched {
    /// The method before.
    pub from: PaymentMethod,
    /// The events to emit: `payment.method_changed`, then `order.confirmed` for cash on
    /// delivery.
    pub events: Vec<DomainEvent>,
    /// Stock moves: cash on delivery sells the reserved units at once (as placing a cash order
    /// does); another method keeps them reserved (the engine may hold them longer).
    pub stock: Vec<StockMove>,
}

impl OrderDoc {
    /// Whether the order may be paid by `to` instead: only while it awaits its payment and
    /// nothing was authorized or captured (its payment pending or declined), to another method,
    /// and for cash on delivery with something to collect.
    pub fn can_switch_payment(&self, to: PaymentMethod) -> Result<(), SwitchRefusal> {
        let status = self.order.status();
        if status != OrderStatus::AwaitingPayment {
            return Err(SwitchRefusal::NotAwaitingPayment { status });
        }
        let p = &self.order.payment;
        let nothing_received = p.authorized().is_zero()
            && p.captured().is_zero()
            && p.collected().is_zero()
            && p.refunded().is_zero();
        if !matches!(p.status(), PaymentStatus::Pending | PaymentStatus::Failed)
            || !nothing_received
        {
            return Err(SwitchRefusal::PaymentUnderway { status: p.status() });
        }
        if p.method() == to {
            return Err(SwitchRefusal::SameMethod { method: to });
        }
        if to == PaymentMethod::CashOnDelivery && !self.order.grand_total.is_positive() {
            return Err(SwitchRefusal::NothingToCollect);
        }
        Ok(())
    }

    /// Pays the order by `to`, through the gateway `gateway`, instead (see
    /// [`OrderDoc::can_switch_payment`]): a new payment for the same amount; cash on
    /// delivery confirms the order and sells its reserved units. A refusal changes nothing.
    pub fn switch_payment(
        &mut self,
        to: PaymentMethod,
        gateway: &str,
    ) -> Result<PaymentSwitched, SwitchRefusal> {
        self.can_switch_payment(to)?;
        let from = self.order.payment.method();
        self.order.replace_payment(to);
        self.gateway = gateway.to_owned();
        self.payment_reminded = false;
        let mut events = vec![self.order_event(DomainEvent::PaymentMethodChanged)];
        let mut stock = Vec::new();
        if to == PaymentMethod::CashOnDelivery {
            stock.extend(self.reservations.drain(..).map(StockMove::Commit));
            events.push(self.order_event(DomainEvent::OrderConfirmed));
        }
        Ok(PaymentSwitched {
            from,
            events,
            stock,
        })
    }

    /// [`OrderDoc::switch_payment`] after pricing the parcels' deliveries again at `prices`
    /// (a seller order's new delivery price, the carrier's with its cash-collection fee; see
    /// [`Order::repriced_delivery`](crate::order::Order::repriced_delivery)): the order's
    /// totals, TVA, settlement and new payment follow the new prices; its items, their prices
    /// and its stock moves are those of a switch without re-pricing. Answers what the
    /// re-pricing changed. A refusal changes nothing.
    pub fn switch_payment_repriced(
        &mut self,
        to: PaymentMethod,
        gateway: &str,
        prices: &BTreeMap<SellerOrderId, Money>,
    ) -> Result<(PaymentSwitched, Repricing), SwitchRefusal> {
        self.can_switch_payment(to)?;
        let (order, repricing) = self.order.repriced_delivery(prices)?;
        if to == PaymentMethod::CashOnDelivery && !order.grand_total.is_positive() {
            return Err(SwitchRefusal::NothingToCollect);
        }
        // Nothing was received (checked above): each seller is due its new total, with the
        // commission it owed (on its items, which did not change).
        let parts = order
            .seller_orders
            .iter()
            .map(|so| {
                let commission = self
                    .settlement
                    .parts()
                    .iter()
                    .find(|p| p.seller_id == so.seller_id)
                    .map_or(Money::zero(order.currency), |p| p.commission_due);
                (so.seller_id.clone(), so.total, commission)
            })
            .collect();
        let settlement = Settlement::new(order.currency, parts)?;
        let before = (self.order.clone(), self.settlement.clone());
        self.order = order;
        self.settlement = settlement;
        match self.switch_payment(to, gateway) {
            Ok(done) => Ok((done, repricing)),
            Err(e) => {
                (self.order, self.settlement) = before;
                Err(e)
            }
        }
    }
}
