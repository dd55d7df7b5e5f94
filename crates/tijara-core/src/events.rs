//! Domain events: what the engine appends to its outbox, and what webhooks and notifications
//! read back.
//!
//! Each [`DomainEvent`] has a kind ([`DomainEvent::kind`], e.g. `order.placed`) and a JSON
//! payload: serializing the event gives the payload alone (the kind travels beside it, in the
//! outbox row and the webhook envelope), and [`DomainEvent::from_payload`] reads a payload back
//! given its kind. The payloads are a public contract (webhook receivers parse them): fields
//! are only ever added. The payload structs declare their fields in alphabetical order, the
//! order in which the payloads have always been written.

use crate::fulfillment::{Shipment, TrackingStatus};
use crate::order::{FulfillmentStatus, Order, OrderStatus};
use crate::payment::{PaymentLogEvent, PaymentMethod, PaymentOutcome, PaymentStatus};
use crate::{Lang, Money, OrderId, SellerId, SellerOrderId, ShipmentId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An order as events describe it: its status, its payment and each seller's part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderSnapshot {
    /// What the shopper pays in all.
    pub grand_total: Money,
    /// The order.
    pub order_id: OrderId,
    /// Where its payment stands.
    pub payment: PaymentStatus,
    /// Each seller's part.
    pub sellers: Vec<SellerOrderSnapshot>,
    /// Where the order stands.
    pub status: OrderStatus,
    /// The return a `return.requested` or `return.updated` event is about (absent from other
    /// events, and from return events written before it was carried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_id: Option<crate::ReturnId>,
}

impl OrderSnapshot {
    /// The snapshot of `order` as it is now.
    pub fn of(order: &Order) -> Self {
        OrderSnapshot {
            grand_total: order.grand_total,
            order_id: order.id.clone(),
            payment: order.payment.status(),
            sellers: order
                .seller_orders
                .iter()
                .map(|s| SellerOrderSnapshot {
                    seller_id: s.seller_id.clone(),
                    seller_order_id: s.id.clone(),
                    status: s.status(),
                    total: s.total,
                })
                .collect(),
            status: order.status(),
            return_id: None,
        }
    }
}

/// One seller's part of an order, in an [`OrderSnapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SellerOrderSnapshot {
    /// The seller.
    pub seller_id: SellerId,
    /// The seller's part.
    pub seller_order_id: SellerOrderId,
    /// Where its fulfillment stands.
    pub status: FulfillmentStatus,
    /// What the part costs the shopper.
    pub total: Money,
}

/// A shipment as events describe it. It carries no contact (webhooks forward it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShipmentSnapshot {
    /// The carrier's code.
    pub carrier: String,
    /// The shopper's language.
    pub lang: Lang,
    /// The order.
    pub order_id: OrderId,
    /// The seller's part shipped.
    pub seller_order_id: SellerOrderId,
    /// The shipment.
    pub shipment_id: ShipmentId,
    /// Its tracking status.
    pub status: TrackingStatus,
    /// Its tracking number, once known (`null` before).
    pub tracking_number: Option<String>,
    /// True while `tracking_number` is the marketplace's provisional reference, not yet the
    /// carrier's number ([`Shipment::provisional_number`]): no carrier page follows it. The
    /// field is left out when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provisional_number: bool,
}

impl ShipmentSnapshot {
    /// The snapshot of `shipment`, part of `order`, whose shopper speaks `lang`.
    pub fn of(order: &OrderId, shipment: &Shipment, lang: Lang) -> Self {
        ShipmentSnapshot {
            carrier: shipment.carrier.clone(),
            lang,
            order_id: order.clone(),
            seller_order_id: shipment.seller_order_id.clone(),
            shipment_id: shipment.id.clone(),
            status: shipment.status(),
            tracking_number: shipment.tracking_number.clone(),
            provisional_number: shipment.provisional_number,
        }
    }
}

/// A payment event the engine received, and what it did with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentReport {
    /// What the payment event said (`authorized`...).
    pub event: PaymentLogEvent,
    /// The order.
    pub order_id: OrderId,
    /// What the engine did: `{"outcome": "applied"}` or
    /// `{"outcome": "rejected", "reason": "..."}`.
    pub outcome: PaymentOutcome,
    /// Where the order's payment stands after it.
    pub payment: PaymentStatus,
    /// The reporter's reference (a gateway transaction id...).
    pub reference: String,
}

impl PaymentReport {
    /// A report.
    pub fn new(
        order_id: OrderId,
        event: PaymentLogEvent,
        reference: String,
        outcome: PaymentOutcome,
        payment: PaymentStatus,
    ) -> Self {
        PaymentReport {
            event,
            order_id,
            outcome,
            payment,
            reference,
        }
    }
}

/// An order whose payment did not come in time. It carries no contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentExpiry {
    /// The shopper's language.
    pub lang: Lang,
    /// The order, now cancelled.
    pub order_id: OrderId,
    /// How it was to be paid.
    pub payment_method: PaymentMethod,
}

impl PaymentExpiry {
    /// An expiry.
    pub fn new(order_id: OrderId, lang: Lang, payment_method: PaymentMethod) -> Self {
        PaymentExpiry {
            lang,
            order_id,
            payment_method,
        }
    }
}

/// A payout made to a seller. Its fields keep the order the payout record has always had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutSnapshot {
    /// The payout's id.
    pub id: String,
    /// The seller paid.
    pub seller_id: SellerId,
    /// Amount paid.
    pub amount: Money,
    /// The bank transfer's reference.
    pub reference: String,
    /// The statement period it settles.
    pub period_from: DateTime<Utc>,
    /// End of the period (excluded).
    pub period_until: DateTime<Utc>,
    /// When it was marked paid.
    pub paid_at: DateTime<Utc>,
}

impl PayoutSnapshot {
    /// A payout.
    pub fn new(
        id: String,
        seller_id: SellerId,
        amount: Money,
        reference: String,
        period: (DateTime<Utc>, DateTime<Utc>),
        paid_at: DateTime<Utc>,
    ) -> Self {
        PayoutSnapshot {
            id,
            seller_id,
            amount,
            reference,
            period_from: period.0,
            period_until: period.1,
            paid_at,
        }
    }
}

/// A seller approved by the marketplace: its shop is open and its products can be bought.
/// The payload names the seller only (webhooks forward it): the message to the applicant
/// reads the contacts from the seller's accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SellerApproval {
    /// When it was approved.
    pub approved_at: DateTime<Utc>,
    /// The shop's name.
    pub name: String,
    /// The seller.
    pub seller_id: SellerId,
}

impl SellerApproval {
    /// An approval.
    pub fn new(seller_id: SellerId, name: String, approved_at: DateTime<Utc>) -> Self {
        SellerApproval {
            approved_at,
            name,
            seller_id,
        }
    }
}

/// A seller's application received: its shop is stored, waiting for the marketplace's
/// approval. The payload names the seller only (webhooks forward it): the acknowledgement to
/// the applicant reads the contacts from the seller's accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SellerApplicationSnapshot {
    /// When the application was received.
    pub applied_at: DateTime<Utc>,
    /// The shop's name.
    pub name: String,
    /// The seller (inactive until approved).
    pub seller_id: SellerId,
}

impl SellerApplicationSnapshot {
    /// An application received.
    pub fn new(seller_id: SellerId, name: String, applied_at: DateTime<Utc>) -> Self {
        SellerApplicationSnapshot {
            applied_at,
            name,
            seller_id,
        }
    }
}

macro_rules! domain_events {
    ($( $(#[$doc:meta])* $variant:ident($payload:ty) = $kind:literal, )*) => {
        /// Something that happened in the marketplace, as appended to the outbox.
        ///
        /// Serializes to its payload alone; see the [module docs](self).
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum DomainEvent {
            $( $(#[$doc])* $variant($payload), )*
        }

        impl DomainEvent {
            /// Every kind, in declaration order.
            pub const KINDS: &'static [&'static str] = &[$($kind),*];

            /// The event's kind, as stored and sent (`order.placed`...).
            pub fn kind(&self) -> &'static str {
                match self {
                    $( DomainEvent::$variant(_) => $kind, )*
                }
            }

            /// Reads back the payload of an event of kind `kind`. An unknown kind (an event
            /// written by a newer version, or by the embedder) is an error.
            pub fn from_payload<'de, D: Deserializer<'de>>(
                kind: &str,
                payload: D,
            ) -> Result<Self, D::Error> {
                match kind {
                    $( $kind => <$payload>::deserialize(payload).map(DomainEvent::$variant), )*
                    other => Err(serde::de::Error::unknown_variant(other, Self::KINDS)),
                }
            }
        }

        impl Serialize for DomainEvent {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( DomainEvent::$variant(p) => p.serialize(s), )*
                }
            }
        }
    };
}

domain_events! {
    /// An order was placed (any payment method).
    OrderPlaced(OrderSnapshot) = "order.placed",
    /// An order's payment is secured (or it needs none, cash on delivery): sellers may ship.
    OrderConfirmed(OrderSnapshot) = "order.confirmed",
    /// Every part of an order was delivered.
    OrderCompleted(OrderSnapshot) = "order.completed",
    /// An order was cancelled.
    OrderCancelled(OrderSnapshot) = "order.cancelled",
    /// An order awaiting its payment expired: cancelled, its stock back on sale.
    OrderPaymentExpired(PaymentExpiry) = "order.payment_expired",
    /// A seller packed its part.
    SellerOrderReady(OrderSnapshot) = "seller_order.ready",
    /// The shopper asked to return items.
    ReturnRequested(OrderSnapshot) = "return.requested",
    /// A return moved (accepted, received, refunded...).
    ReturnUpdated(OrderSnapshot) = "return.updated",
    /// A payment event was applied.
    PaymentUpdated(PaymentReport) = "payment.updated",
    /// A payment event was refused (and recorded).
    PaymentRejected(PaymentReport) = "payment.rejected",
    /// Money came in for an order already cancelled: it must go back to the shopper.
    PaymentNeedsRefund(OrderSnapshot) = "payment.needs_refund",
    /// The shopper is reminded to make the bank transfer.
    PaymentTransferReminder(OrderSnapshot) = "payment.transfer_reminder",
    /// A carrier remitted the cash it collected for the order.
    PaymentRemitted(OrderSnapshot) = "payment.remitted",
    /// A shipment was created (a label bought or a tracking number typed).
    ShipmentCreated(ShipmentSnapshot) = "shipment.created",
    /// A shipment moved (a tracking step, a new number).
    ShipmentUpdated(ShipmentSnapshot) = "shipment.updated",
    /// A shipment was cancelled.
    ShipmentCancelled(ShipmentSnapshot) = "shipment.cancelled",
    /// A seller was paid.
    PayoutPaid(PayoutSnapshot) = "payout.paid",
    /// An unpaid order is to be paid another way (cash on delivery or a transfer after a
    /// declined card, for instance).
    PaymentMethodChanged(OrderSnapshot) = "payment.method_changed",
    /// A seller was approved (made active for the first time, or again after a suspension):
    /// the applicant is told.
    SellerApproved(SellerApproval) = "seller.approved",
    /// A seller applied (its shop stored inactive, to be approved): the applicant is thanked
    /// and told what comes next.
    SellerApplied(SellerApplicationSnapshot) = "seller.applied",
}

impl DomainEvent {
    /// The aggregate the event concerns, the outbox's unit of ordering: the order's id, or
    /// `seller:{id}` for a payout or a seller's approval or application.
    pub fn aggregate(&self) -> String {
        match self {
            DomainEvent::OrderPlaced(o)
            | DomainEvent::OrderConfirmed(o)
            | DomainEvent::OrderCompleted(o)
            | DomainEvent::OrderCancelled(o)
            | DomainEvent::SellerOrderReady(o)
            | DomainEvent::ReturnRequested(o)
            | DomainEvent::ReturnUpdated(o)
            | DomainEvent::PaymentNeedsRefund(o)
            | DomainEvent::PaymentTransferReminder(o)
            | DomainEvent::PaymentRemitted(o)
            | DomainEvent::PaymentMethodChanged(o) => o.order_id.to_string(),
            DomainEvent::OrderPaymentExpired(e) => e.order_id.to_string(),
            DomainEvent::PaymentUpdated(p) | DomainEvent::PaymentRejected(p) => {
                p.order_id.to_string()
            }
            DomainEvent::ShipmentCreated(s)
            | DomainEvent::ShipmentUpdated(s)
            | DomainEvent::ShipmentCancelled(s) => s.order_id.to_string(),
            DomainEvent::PayoutPaid(p) => format!("seller:{}", p.seller_id),
            DomainEvent::SellerApproved(a) => format!("seller:{}", a.seller_id),
            DomainEvent::SellerApplied(a) => format!("seller:{}", a.seller_id),
        }
    }

    /// The order it concerns, if any (all but payouts and a seller's approval or application).
    pub fn order_id(&self) -> Option<&OrderId> {
        match self {
            DomainEvent::OrderPlaced(o)
            | DomainEvent::OrderConfirmed(o)
            | DomainEvent::OrderCompleted(o)
            | DomainEvent::OrderCancelled(o)
            | DomainEvent::SellerOrderReady(o)
            | DomainEvent::ReturnRequested(o)
            | DomainEvent::ReturnUpdated(o)
            | DomainEvent::PaymentNeedsRefund(o)
            | DomainEvent::PaymentTransferReminder(o)
            | DomainEvent::PaymentRemitted(o)
            | DomainEvent::PaymentMethodChanged(o) => Some(&o.order_id),
            DomainEvent::OrderPaymentExpired(e) => Some(&e.order_id),
            DomainEvent::PaymentUpdated(p) | DomainEvent::PaymentRejected(p) => Some(&p.order_id),
            DomainEvent::ShipmentCreated(s)
            | DomainEvent::ShipmentUpdated(s)
            | DomainEvent::ShipmentCancelled(s) => Some(&s.order_id),
            DomainEvent::PayoutPaid(_)
            | DomainEvent::SellerApproved(_)
            | DomainEvent::SellerApplied(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;
