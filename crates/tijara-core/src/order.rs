//! Orders: placed from a priced cart, split into one [`SellerOrder`] per seller, each with its
//! own fulfillment state machine.
//!
//! ```text
//! order:        awaiting_payment ─confirm→ confirmed ─(all seller orders settled)→ completed
//!                      ╰───────────── cancel ──────────╯→ cancelled   (nothing shipped yet)
//! fulfillment:  awaiting ─ready→ ready ─ship→ shipped ─deliver→ delivered ─return→ returned
//!                  ╰──── cancel ───╯→ cancelled            ╰─ return (refused / lost) → returned
//! ```
//! A card or transfer order cannot be made ready or shipped before its payment is authorized
//! or received; a cash-on-delivery order can.

use crate::currency::Currency;
use crate::display::DisplayAmount;
use crate::ids::{CustomerId, OrderId, SellerId, SellerOrderId, ShipmentId};
use crate::money::{Money, MoneyError};
use crate::payment::{Payment, PaymentMethod};
use crate::pricing::{PricedCart, PricedLine, PricedShipping};
use crate::promotion::AppliedPromotion;
use crate::state::{TransitionError, refuse};
use crate::tax::TvaBreakdown;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod address;
mod country;
mod number;
mod work;
pub use address::{Address, CALLING_CODES, CheckedAddress, normalize_phone};
pub use country::{
    CA_PROVINCES, COUNTRY_RULES, CountryRule, US_STATES, check_postal, country_name_fr,
    country_rule,
};
pub use number::{OrderNumber, OrderNumberError};
pub use work::{PartFacts, Work, work};
mod reprice;
pub use reprice::{RepricedParcel, Repricing};

/// Why an order could not be placed or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// The priced cart has no line.
    #[error("cannot place an order from an empty cart")]
    EmptyCart,
    /// A seller that must ship has no shipping choice.
    #[error("seller {0} has no shipping choice")]
    ShippingMissing(SellerId),
    /// The caller gave a number of seller order ids other than the number of sellers.
    #[error("{given} seller order ids given for {needed} sellers")]
    SellerOrderIds {
        /// How many were given.
        given: usize,
        /// How many sellers.
        needed: usize,
    },
    /// A required address field is empty.
    #[error("address field {0} must not be empty")]
    Address(&'static str),
    /// Cash on delivery is not available for an order of zero.
    #[error("nothing to pay: cash on delivery needs a positive total")]
    NothingToCollect,
    /// No such seller order in this order.
    #[error("order has no seller order {0}")]
    UnknownSellerOrder(SellerOrderId),
    /// The payment does not allow shipping yet.
    #[error("seller order {0} cannot be prepared or shipped before the payment is secured")]
    PaymentNotSecured(SellerOrderId),
    /// A state machine refused.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Money arithmetic failed.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// An address field is longer than its bound ([`Address::normalized`]).
    #[error("address field {field} is longer than {max} characters")]
    AddressTooLong {
        /// The field.
        field: &'static str,
        /// Its bound, in characters.
        max: usize,
    },
    /// An address field holds a control character (a line break, a NUL...).
    #[error("address field {0} holds a control character")]
    AddressControl(&'static str),
    /// A phone number that is not one (see [`normalize_phone`]).
    #[error("the phone number is not valid: 8 to 15 digits, with spaces, +, - or parentheses")]
    BadPhone,
    /// A country that is not a two-letter ISO 3166 code.
    #[error("the country must be a two-letter code such as MA")]
    BadCountry,
    /// The destination country uses postal codes and none was given.
    #[error("a postal code is needed for {country}, e.g. {example}")]
    PostalCodeRequired {
        /// The country.
        country: &'static str,
        /// A postal code of that country.
        example: &'static str,
    },
    /// The postal code does not have the destination country's shape.
    #[error("this is not a postal code of {country}: it looks like {example}")]
    BadPostalCode {
        /// The country.
        country: &'static str,
        /// A postal code of that country.
        example: &'static str,
    },
    /// The destination country's addresses need a state or province and none was given.
    #[error("a state or province is needed for {country}")]
    StateRequired {
        /// The country.
        country: &'static str,
    },
    /// The state or province is not one of the destination country's.
    #[error("this is not a state or province of {country}: use its two-letter abbreviation")]
    BadState {
        /// The country.
        country: &'static str,
    },
    /// A seller order given a delivery price has nothing to deliver.
    #[error("seller order {0} has no delivery to price")]
    NoDelivery(SellerOrderId),
    /// A delivery price below zero.
    #[error("the delivery price of seller order {0} is negative")]
    NegativePrice(SellerOrderId),
}

/// Where an order stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OrderStatus {
    /// Placed, waiting for a card or transfer payment.
    AwaitingPayment,
    /// Payment secured (or cash on delivery): sellers prepare and ship.
    Confirmed,
    /// Every seller order is delivered, returned or cancelled.
    Completed,
    /// Cancelled before anything shipped.
    Cancelled,
}

impl OrderStatus {
    /// The state's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

/// Where a seller order's fulfillment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FulfillmentStatus {
    /// The seller has to prepare it.
    Awaiting,
    /// Packed, ready for the carrier.
    Ready,
    /// Handed to the carrier.
    Shipped,
    /// Delivered to the shopper.
    Delivered,
    /// Cancelled before shipping.
    Cancelled,
    /// Came back (refused, undeliverable, or withdrawn by the shopper).
    Returned,
}

impl FulfillmentStatus {
    /// The state's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            FulfillmentStatus::Awaiting => "awaiting",
            FulfillmentStatus::Ready => "ready",
            FulfillmentStatus::Shipped => "shipped",
            FulfillmentStatus::Delivered => "delivered",
            FulfillmentStatus::Cancelled => "cancelled",
            FulfillmentStatus::Returned => "returned",
        }
    }

    /// True for states that no longer change (but `delivered`, which a return may follow).
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            FulfillmentStatus::Delivered
                | FulfillmentStatus::Cancelled
                | FulfillmentStatus::Returned
        )
    }
}

/// The part of an order that one seller prepares and ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerOrder {
    /// Identifier.
    pub id: SellerOrderId,
    /// The seller.
    pub seller_id: SellerId,
    /// Its lines.
    pub lines: Vec<PricedLine>,
    /// Its shipping charge.
    pub shipping: Option<PricedShipping>,
    /// Lines net.
    pub subtotal: Money,
    /// Subtotal + shipping.
    pub total: Money,
    /// TVA per rate.
    pub tva: TvaBreakdown,
    /// Cash the carrier must collect for this parcel (COD orders).
    pub cod_amount: Option<Money>,
    status: FulfillmentStatus,
    shipment: Option<ShipmentId>,
    delivered_at: Option<DateTime<Utc>>,
}

impl SellerOrder {
    /// The fulfillment state.
    pub fn status(&self) -> FulfillmentStatus {
        self.status
    }
    /// Its shipment, once shipped.
    pub fn shipment(&self) -> Option<&ShipmentId> {
        self.shipment.as_ref()
    }
    /// When it was delivered.
    pub fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.delivered_at
    }

    fn err<T>(&self, action: &'static str) -> Result<T, OrderError> {
        Ok(refuse("fulfillment", self.status.as_str(), action)?)
    }
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Identifier.
    pub id: OrderId,
    /// The customer (`None` for a guest).
    pub customer: Option<CustomerId>,
    /// Contact e-mail.
    pub email: String,
    /// Where to deliver.
    pub shipping_address: Address,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// The currency charged.
    pub currency: Currency,
    /// One per seller, by seller id.
    pub seller_orders: Vec<SellerOrder>,
    /// Items net of discounts.
    pub items_net: Money,
    /// Shipping charged.
    pub shipping_total: Money,
    /// What the shopper pays.
    pub grand_total: Money,
    /// TVA per rate.
    pub tva: TvaBreakdown,
    /// Promotions applied.
    pub applied_promotions: Vec<AppliedPromotion>,
    /// The grand total in display currencies, at the rates seen at checkout.
    pub display_totals: Vec<DisplayAmount>,
    /// The payment.
    pub payment: Payment,
    status: OrderStatus,
    /// The number people read and quote (`DAK-2026-483920`), given by the engine at placing;
    /// `None` for orders placed before numbers existed (see [`Order::reference`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<OrderNumber>,
}

/// What placing an order needs besides the priced cart.
#[derive(Debug, Clone)]
pub struct PlaceOrder {
    /// The new order's id.
    pub id: OrderId,
    /// One id per seller, in the order of [`PricedCart::sellers`].
    pub seller_order_ids: Vec<SellerOrderId>,
    /// The customer, if logged in.
    pub customer: Option<CustomerId>,
    /// Contact e-mail.
    pub email: String,
    /// Delivery address, checked ([`Address::checked`]).
    pub shipping_address: CheckedAddress,
    /// How the shopper pays.
    pub payment_method: PaymentMethod,
    /// The instant of placing.
    pub now: DateTime<Utc>,
}

impl Order {
    /// Places an order from a priced cart, split per seller. A COD order is confirmed at once;
    /// a card or transfer order awaits its payment. The address comes checked
    /// ([`Address::checked`]): it is not checked again here.
    pub fn place(priced: &PricedCart, req: PlaceOrder) -> Result<Order, OrderError> {
        if priced.lines.is_empty() {
            return Err(OrderError::EmptyCart);
        }
        if let Some(s) = priced
            .sellers
            .iter()
            .find(|s| s.needs_shipping && s.shipping.is_none())
        {
            return Err(OrderError::ShippingMissing(s.seller_id.clone()));
        }
        if req.seller_order_ids.len() != priced.sellers.len() {
            return Err(OrderError::SellerOrderIds {
                given: req.seller_order_ids.len(),
                needed: priced.sellers.len(),
            });
        }
        let cod = req.payment_method == PaymentMethod::CashOnDelivery;
        if cod && !priced.grand_total.is_positive() {
            return Err(OrderError::NothingToCollect);
        }
        let seller_orders = priced
            .sellers
            .iter()
            .zip(req.seller_order_ids)
            .map(|(s, id)| SellerOrder {
                id,
                seller_id: s.seller_id.clone(),
                lines: s.lines.iter().map(|&i| priced.lines[i].clone()).collect(),
                shipping: s.shipping.clone(),
                subtotal: s.subtotal,
                total: s.total,
                tva: s.tva.clone(),
                cod_amount: cod.then_some(s.total),
                status: FulfillmentStatus::Awaiting,
                shipment: None,
                delivered_at: None,
            })
            .collect();
        let mut payment = Payment::new(req.payment_method, priced.grand_total);
        let status = if cod {
            OrderStatus::Confirmed
        } else if priced.grand_total.is_zero() {
            // Fully discounted: nothing to pay, the order is confirmed at once.
            payment = Payment::new(PaymentMethod::BankTransfer, priced.grand_total);
            payment
                .capture(priced.grand_total)
                .map_err(|_| OrderError::NothingToCollect)?;
            OrderStatus::Confirmed
        } else {
            OrderStatus::AwaitingPayment
        };
        Ok(Order {
            id: req.id,
            customer: req.customer,
            email: req.email,
            shipping_address: req.shipping_address.into_address(),
            placed_at: req.now,
            currency: priced.currency,
            seller_orders,
            items_net: priced.items_net,
            shipping_total: priced.shipping_total,
            grand_total: priced.grand_total,
            tva: priced.tva.clone(),
            applied_promotions: priced.applied_promotions.clone(),
            display_totals: priced.display_totals.clone(),
            payment,
            status,
            number: None,
        })
    }

    /// What a person reads for this order: its number, or for an order placed before numbers
    /// existed a short form of its id (its last 8 characters, upper case).
    ///
    /// ```
    /// # fn demo(order: &tijara_core::order::Order) {
    /// println!("Order {}", order.reference());
    /// # }
    /// ```
    pub fn reference(&self) -> String {
        match &self.number {
            Some(n) => n.to_string(),
            None => {
                let id = self.id.as_str();
                let start = id.char_indices().rev().nth(7).map(|(i, _)| i).unwrap_or(0);
                id[start..].to_uppercase()
            }
        }
    }

    /// The order's state.
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    /// Marks the order confirmed once its payment is secured (call after a payment event).
    /// Returns true if the status changed.
    pub fn confirm_if_paid(&mut self) -> bool {
        if self.status == OrderStatus::AwaitingPayment && self.payment.is_secured() {
            self.status = OrderStatus::Confirmed;
            true
        } else {
            false
        }
    }

    /// Replaces the payment of an order still awaiting it, with nothing received, by a new one
    /// of `method` for the same amount: cash on delivery confirms the order at once and gives
    /// each seller order its amount to collect; another method keeps it awaiting payment.
    /// Only [`OrderDoc::switch_payment`](crate::order_record::OrderDoc::switch_payment)
    /// calls it, after its checks.
    pub(crate) fn replace_payment(&mut self, method: PaymentMethod) {
        self.payment = Payment::new(method, self.grand_total);
        let cod = method == PaymentMethod::CashOnDelivery;
        for so in &mut self.seller_orders {
            so.cod_amount = cod.then_some(so.total);
        }
        if cod {
            self.status = OrderStatus::Confirmed;
        }
    }

    /// Cancels the order and every seller order; refused once anything shipped.
    pub fn cancel(&mut self) -> Result<(), OrderError> {
        if !matches!(
            self.status,
            OrderStatus::AwaitingPayment | OrderStatus::Confirmed
        ) || self.seller_orders.iter().any(|s| {
            !matches!(
                s.status,
                FulfillmentStatus::Awaiting | FulfillmentStatus::Ready
            )
        }) {
            return Ok(refuse("order", self.status.as_str(), "cancel")?);
        }
        for s in &mut self.seller_orders {
            s.status = FulfillmentStatus::Cancelled;
        }
        self.status = OrderStatus::Cancelled;
        Ok(())
    }

    /// A seller order by id.
    pub fn seller_order(&self, id: &SellerOrderId) -> Result<&SellerOrder, OrderError> {
        self.seller_orders
            .iter()
            .find(|s| &s.id == id)
            .ok_or_else(|| OrderError::UnknownSellerOrder(id.clone()))
    }

    fn seller_order_mut(&mut self, id: &SellerOrderId) -> Result<&mut SellerOrder, OrderError> {
        self.seller_orders
            .iter_mut()
            .find(|s| &s.id == id)
            .ok_or_else(|| OrderError::UnknownSellerOrder(id.clone()))
    }

    fn require_confirmed(&self, so: &SellerOrderId) -> Result<(), OrderError> {
        if self.status != OrderStatus::Confirmed || !self.payment.allows_shipping() {
            return Err(OrderError::PaymentNotSecured(so.clone()));
        }
        Ok(())
    }

    fn settle(&mut self) {
        if self.status == OrderStatus::Confirmed
            && self.seller_orders.iter().all(|s| s.status.is_settled())
        {
            self.status = OrderStatus::Completed;
        }
    }

    /// The seller has packed the parcel.
    pub fn mark_ready(&mut self, so: &SellerOrderId) -> Result<(), OrderError> {
        self.require_confirmed(so)?;
        let s = self.seller_order_mut(so)?;
        if s.status != FulfillmentStatus::Awaiting {
            return s.err("mark ready");
        }
        s.status = FulfillmentStatus::Ready;
        Ok(())
    }

    /// The parcel was handed to the carrier as `shipment`.
    pub fn mark_shipped(
        &mut self,
        so: &SellerOrderId,
        shipment: ShipmentId,
    ) -> Result<(), OrderError> {
        self.require_confirmed(so)?;
        let s = self.seller_order_mut(so)?;
        if s.status != FulfillmentStatus::Ready {
            return s.err("ship");
        }
        s.status = FulfillmentStatus::Shipped;
        s.shipment = Some(shipment);
        Ok(())
    }

    /// The carrier's shipment was cancelled before pickup: the parcel is ready again, without
    /// a shipment.
    pub fn unship(&mut self, so: &SellerOrderId) -> Result<(), OrderError> {
        let s = self.seller_order_mut(so)?;
        if s.status != FulfillmentStatus::Shipped {
            return s.err("unship");
        }
        s.status = FulfillmentStatus::Ready;
        s.shipment = None;
        Ok(())
    }

    /// The parcel was delivered at `at`.
    pub fn mark_delivered(
        &mut self,
        so: &SellerOrderId,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        let s = self.seller_order_mut(so)?;
        if s.status != FulfillmentStatus::Shipped {
            return s.err("deliver");
        }
        s.status = FulfillmentStatus::Delivered;
        s.delivered_at = Some(at);
        self.settle();
        Ok(())
    }

    /// The parcel came back: refused or undeliverable (from shipped), or returned by the shopper
    /// after a withdrawal (from delivered).
    pub fn mark_returned(&mut self, so: &SellerOrderId) -> Result<(), OrderError> {
        let s = self.seller_order_mut(so)?;
        if !matches!(
            s.status,
            FulfillmentStatus::Shipped | FulfillmentStatus::Delivered
        ) {
            return s.err("return");
        }
        s.status = FulfillmentStatus::Returned;
        self.settle();
        Ok(())
    }

    /// Cancels one seller's part before it ships (e.g. the artisan cannot make it).
    pub fn cancel_seller_order(&mut self, so: &SellerOrderId) -> Result<(), OrderError> {
        let s = self.seller_order_mut(so)?;
        if !matches!(
            s.status,
            FulfillmentStatus::Awaiting | FulfillmentStatus::Ready
        ) {
            return s.err("cancel");
        }
        s.status = FulfillmentStatus::Cancelled;
        if self
            .seller_orders
            .iter()
            .all(|s| s.status == FulfillmentStatus::Cancelled)
        {
            self.status = OrderStatus::Cancelled;
        } else {
            self.settle();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
