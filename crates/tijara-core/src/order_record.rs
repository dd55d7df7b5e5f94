//! The order aggregate: an [`Order`] with everything tracked around it (its payment audit
//! trail, the stock reservations held until payment, shipments, returns, the settlement between
//! sellers and the marketplace and its ledger), and the rules that move it.
//!
//! The rules are methods of [`OrderDoc`]: pure (no input or output; the time is passed in),
//! they change the document and return the [`DomainEvent`](crate::DomainEvent)s it emits, with
//! the stock moves the caller must make ([`StockMove`]). The engine loads the document, calls
//! a rule, and commits the document with what the rule returned, in one changeset.
//!
//! - payments: [`OrderDoc::record_payment`], [`OrderDoc::apply_payment`],
//!   [`OrderDoc::record_remittance`], [`OrderDoc::remind_transfer`];
//! - shipments and tracking: [`OrderDoc::mark_ready`], [`OrderDoc::record_shipment`],
//!   [`OrderDoc::cancel_shipment`], [`OrderDoc::apply_tracking`],
//!   [`OrderDoc::track_by_hand`], [`OrderDoc::set_tracking_number`],
//!   [`OrderDoc::follow_shipment`];
//! - returns and cancellation: [`OrderDoc::open_return`], [`OrderDoc::approve_return`],
//!   [`OrderDoc::reject_return`], [`OrderDoc::receive_return`], [`OrderDoc::refund_return`],
//!   [`OrderDoc::cancel`], [`OrderDoc::expire`];
//! - changing how an unpaid order is paid: [`OrderDoc::switch_payment`].
//!
//! Its JSON is what the engine stores: fields are only ever added (with a default).

use crate::fulfillment::Shipment;
use crate::order::Order;
use crate::payment::{PaymentLogEvent, PaymentOutcome};
use crate::payout::{LedgerEntry, Settlement};
use crate::returns::ReturnRequest;
use crate::{ReservationId, VariantId};
use serde::{Deserialize, Serialize};

mod payments;
mod returns;
mod shipping;
mod switch;
#[cfg(test)]
mod tests;

pub use payments::{PaymentApplied, PaymentRecorded, PaymentRefusal, ReceivedPayment};
pub use returns::CannotCancel;
pub use returns::{CancelError, Cancelled, ReturnAsk, ReturnMove, ReturnRefusal};
pub use shipping::{NewShipment, ShipmentMove, ShippingError};
pub use switch::{PaymentSwitched, SwitchRefusal};

/// Who or what reported a payment event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentSource {
    /// A gateway's verified server-to-server notification.
    Gateway {
        /// Gateway code.
        code: String,
    },
    /// An administrator.
    Admin {
        /// Who.
        user: String,
    },
    /// A carrier (cash on delivery).
    Carrier {
        /// Carrier code.
        code: String,
    },
    /// The engine itself (expiry).
    Engine,
}

/// One entry of an order's payment audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLogEntry {
    /// When it was received.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who reported it.
    pub source: PaymentSource,
    /// The reporter's reference (deduplication key).
    pub reference: String,
    /// What it said; stored as its name (`authorized`, `captured`...).
    pub event: PaymentLogEvent,
    /// The amount it carried.
    pub amount: Option<crate::Money>,
    /// What the engine did.
    pub outcome: PaymentOutcome,
    /// The raw payload, without secrets.
    pub raw: serde_json::Value,
    /// The gateway's payment attempt it concerns.
    #[serde(default)]
    pub attempt: Option<String>,
}

/// An order with everything the engine tracks around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDoc {
    /// The order.
    pub order: Order,
    /// The gateway code used.
    pub gateway: String,
    /// Payment attempts started.
    pub payment_attempts: u32,
    /// Every payment event received (audit trail).
    pub payment_log: Vec<PaymentLogEntry>,
    /// Stock reservations held until payment.
    pub reservations: Vec<ReservationId>,
    /// Shipments, one per shipped seller order.
    pub shipments: Vec<Shipment>,
    /// Withdrawal requests.
    pub returns: Vec<ReturnRequest>,
    /// The split of money between sellers and the marketplace.
    pub settlement: Settlement,
    /// Dated movements of the sellers' accounts.
    pub ledger: Vec<LedgerEntry>,
    /// The shopper's language.
    pub lang: crate::Lang,
    /// A reminder to pay (bank transfer) was sent.
    #[serde(default)]
    pub payment_reminded: bool,
    /// The guest's key to the order (32 random bytes, hex), given once at placing: links to the
    /// order carry it (`?t=`) instead of the e-mail. Empty for orders placed before it existed
    /// (only their customer or an admin reach them).
    #[serde(default)]
    pub access_token: AccessToken,
    /// Who placed it, for the unpaid-order limits: a hash of the client address (never the
    /// address itself), if the frontend gave one.
    #[serde(default)]
    pub client_key: Option<String>,
}

/// An order's access token (32 random bytes, hex): the guest's key to the order. Serialized as
/// the plain string; its `Debug` never shows it (`AccessToken(<redacted>)`), so an order logged
/// with `{:?}` does not leak the key. Read it with [`AccessToken::as_str`] to build a link.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(token.into())
    }

    /// The token, for a link (`?t=`) or a comparison.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for orders placed before tokens existed (no token: no guest link opens them).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("AccessToken(<none>)")
        } else {
            f.write_str("AccessToken(<redacted>)")
        }
    }
}

/// A stock move a rule asks for; the engine makes it in the same changeset as the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockMove {
    /// A reservation becomes a sale (the order is paid in time).
    Commit(ReservationId),
    /// A reservation is dropped (the order is cancelled): its units are on sale again.
    Release(ReservationId),
    /// Units come back to the shelf (a parcel returned, a return received, a sold order
    /// cancelled).
    Restock {
        /// The variant.
        variant: VariantId,
        /// How many units.
        quantity: u32,
    },
}

impl OrderDoc {
    /// True while the shopper has not paid: a card or transfer order awaiting its payment, or
    /// a cash-on-delivery order not yet collected.
    pub fn is_unpaid(&self) -> bool {
        use crate::order::OrderStatus;
        use crate::payment::PaymentStatus;
        matches!(
            self.order.status(),
            OrderStatus::AwaitingPayment | OrderStatus::Confirmed
        ) && matches!(
            self.order.payment.status(),
            PaymentStatus::Pending | PaymentStatus::Failed | PaymentStatus::AwaitingDelivery
        )
    }

    /// Where the seller's part `part` stands for the seller's work (the portal's tab): the
    /// pure [`crate::order::work`] with the part's shipment and returns read from this record.
    pub fn work(&self, part: &crate::order::SellerOrder) -> crate::order::Work {
        use crate::fulfillment::TrackingStatus;
        use crate::returns::ReturnStatus;
        let facts = crate::order::PartFacts {
            handed_over: self.shipments.iter().any(|s| {
                s.seller_order_id == part.id
                    && !matches!(
                        s.status(),
                        TrackingStatus::LabelCreated | TrackingStatus::Unknown
                    )
            }),
            open_return: self.returns.iter().any(|r| {
                r.seller_order_id == part.id
                    && matches!(
                        r.status(),
                        ReturnStatus::Requested | ReturnStatus::Approved | ReturnStatus::Received
                    )
            }),
        };
        crate::order::work(&self.order, part, facts)
    }

    /// The order's event `event` (a variant of [`crate::DomainEvent`] carrying an
    /// [`OrderSnapshot`](crate::events::OrderSnapshot)) as the order is now.
    pub fn order_event(
        &self,
        event: fn(crate::events::OrderSnapshot) -> crate::DomainEvent,
    ) -> crate::DomainEvent {
        event(crate::events::OrderSnapshot::of(&self.order))
    }

    /// The event `event` describing `shipment` of this order as it is now.
    pub fn shipment_event(
        &self,
        shipment: &Shipment,
        event: fn(crate::events::ShipmentSnapshot) -> crate::DomainEvent,
    ) -> crate::DomainEvent {
        event(crate::events::ShipmentSnapshot::of(
            &self.order.id,
            shipment,
            self.lang,
        ))
    }

    fn ledger(
        &mut self,
        now: chrono::DateTime<chrono::Utc>,
        moves: impl IntoIterator<Item = crate::payout::ShareMovement>,
    ) {
        let order_id = self.order.id.clone();
        self.ledger.extend(moves.into_iter().map(|m| LedgerEntry {
            at: now,
            order_id: order_id.clone(),
            movement: m,
        }));
    }

    /// Units of every line of the order, back to the shelf.
    fn restock_all(&self) -> Vec<StockMove> {
        self.order
            .seller_orders
            .iter()
            .flat_map(|so| so.lines.iter())
            .map(|l| StockMove::Restock {
                variant: l.variant_id.clone(),
                quantity: l.quantity,
            })
            .collect()
    }
}
