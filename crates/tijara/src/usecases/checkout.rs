//! Checkout: shipping quotes, shipping choice, placing the order, starting its payment.

use crate::docs::{AccessToken, CartDoc, CartStatus, OrderDoc, OrderStorage as _, limit_key};
use crate::engine::{IdempotencyKey, Tijara, Write};
use crate::error::{Part, TijaraError};
use crate::ports::carrier::{Quote, QuoteRequest};
use crate::ports::payment::{PaymentGateway, PaymentRequest, PaymentStart};
use crate::ports::storage::{
    Changeset, DocKind, Durability, ListQuery, NewEvent, OwnedFewerThan, StockOp,
};
use crate::usecases::payments::Payments;
use crate::usecases::returns::Orders;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use tijara_core::DomainEvent;
use tijara_core::cart::Cart;
use tijara_core::catalog::CatalogSnapshot;
use tijara_core::events::OrderSnapshot;
use tijara_core::fulfillment::Parcel;
use tijara_core::order::{Address, Order, OrderStatus, PlaceOrder};
use tijara_core::payment::PaymentMethod;
use tijara_core::payout::Settlement;
use tijara_core::pricing::ShippingChoice;
use tijara_core::{
    CartId, CustomerId, Lang, Money, OrderId, ReservationId, SellerId, SellerOrderId, VariantId,
};

mod payment;
mod placing;
mod review;
mod shipping;
pub use review::{CheckoutReview, SellerReview};

/// The shipping options of one seller's parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SellerShippingOptions {
    /// The seller.
    pub seller_id: SellerId,
    /// Where the parcel leaves from.
    pub origin_city: String,
    /// Its weight.
    pub weight_grams: u32,
    /// Services offered by every configured carrier, cheapest first.
    pub options: Vec<Quote>,
}

/// A carrier service chosen for a seller's parcel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShippingSelection {
    /// Carrier code.
    pub carrier: String,
    /// Service code.
    pub service: String,
}

impl ShippingSelection {
    /// A carrier's service.
    ///
    /// ```
    /// use tijara::usecases::checkout::ShippingSelection;
    ///
    /// let choice = ShippingSelection::new("amana", "standard");
    /// assert_eq!(choice.carrier, "amana");
    /// ```
    pub fn new(carrier: impl Into<String>, service: impl Into<String>) -> Self {
        ShippingSelection {
            carrier: carrier.into(),
            service: service.into(),
        }
    }
}

/// The cart to check out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CheckoutCart {
    /// A stored cart, with its shipping choices.
    Stored {
        /// The cart.
        cart: CartId,
    },
    /// Lines sent with the order (a mobile app, a one-click buy): priced and quoted on the
    /// server like a stored cart.
    Inline {
        /// Variants and units.
        lines: Vec<(VariantId, u32)>,
        /// Coupon codes.
        #[serde(default)]
        coupons: Vec<String>,
        /// The customer, if logged in.
        customer: Option<CustomerId>,
        /// The service chosen per seller.
        shipping: BTreeMap<SellerId, ShippingSelection>,
    },
}

/// A request to place an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlaceOrderRequest {
    /// What to buy.
    pub cart: CheckoutCart,
    /// Contact e-mail.
    pub email: String,
    /// Delivery address.
    pub address: Address,
    /// The payment gateway's code (`cmi`, `cod`, `transfer`).
    pub gateway: String,
    /// The shopper's language.
    pub lang: Lang,
}

impl PlaceOrderRequest {
    /// A request to place an order (every field is required).
    ///
    /// ```
    /// use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest};
    /// use tijara_core::order::Address;
    /// use tijara_core::{CartId, Lang};
    ///
    /// # fn demo(address: Address) {
    /// let request = PlaceOrderRequest::new(
    ///     CheckoutCart::Stored { cart: CartId::new("cart-1").unwrap() },
    ///     "youssef@example.ma",
    ///     address,
    ///     "cod",
    ///     Lang::FR,
    /// );
    /// assert_eq!(request.gateway, "cod");
    /// # }
    /// ```
    pub fn new(
        cart: CheckoutCart,
        email: impl Into<String>,
        address: Address,
        gateway: impl Into<String>,
        lang: Lang,
    ) -> Self {
        PlaceOrderRequest {
            cart,
            email: email.into(),
            address,
            gateway: gateway.into(),
            lang,
        }
    }
}

/// A placed order and how the shopper continues to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlacedOrder {
    /// The order.
    pub order: Order,
    /// Redirect, instructions or completed.
    pub payment: PaymentStart,
    /// The order's access token: the guest's key to the order (links carry it as `?t=`; see
    /// [`Orders::order_with_token`](crate::Orders::order_with_token)). Given only here; keep it out of logs (its `Debug` is
    /// redacted).
    #[serde(default)]
    pub access_token: AccessToken,
    /// The order's JSON as placing wrote it into the order's document (see
    /// [`PlacedOrder::to_json`]).
    #[serde(skip)]
    written: WrittenOrder,
}

/// An order and its JSON, written once (see [`PlacedOrder::to_json`]). Not part of the value:
/// two `PlacedOrder`s compare as their fields, whatever they hold here.
#[derive(Clone, Default)]
struct WrittenOrder(Option<Arc<(Order, Arc<RawValue>)>>);

impl PartialEq for WrittenOrder {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for WrittenOrder {}

impl std::fmt::Debug for WrittenOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "WrittenOrder(..)"
        } else {
            "WrittenOrder(none)"
        })
    }
}

impl PlacedOrder {
    /// This value as compact JSON, exactly what `serde_json::to_string` writes
    /// (`{"order": …, "payment": …, "access_token": …}`), without writing the order again when
    /// it is still the order placing wrote into its document: a 4 KB order costs ~90,000
    /// instructions to write. An API answering a placed order should send this.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        #[derive(Serialize)]
        struct Answer<'a> {
            order: &'a RawValue,
            payment: &'a PaymentStart,
            access_token: &'a AccessToken,
        }
        match self.written_order() {
            Some(order) => serde_json::to_string(&Answer {
                order,
                payment: &self.payment,
                access_token: &self.access_token,
            }),
            None => serde_json::to_string(self),
        }
    }

    /// The order's JSON written at placing, if this value holds it and `order` is unchanged
    /// since (compared field by field: far cheaper than writing the order again). Equal orders
    /// write equal JSON: an order's amounts are kept at their scale, and its writers depend
    /// on nothing but its fields.
    fn written_order(&self) -> Option<&RawValue> {
        match &self.written.0 {
            Some(w) if w.0 == self.order => Some(&w.1),
            _ => None,
        }
    }
}

/// What placing stores as its idempotent answer: the order and its access token.
#[derive(Serialize, Deserialize)]
struct Placed {
    #[serde(flatten)]
    order: Order,
    #[serde(default)]
    access_token: AccessToken,
    /// The order's JSON, as written into its document (none when replayed from a record).
    #[serde(skip)]
    order_json: Option<Arc<RawValue>>,
}

/// 32 random bytes from the operating system, hex: an order's access token.
fn new_access_token() -> String {
    hex::encode(crate::engine::os_random())
}

/// The client address the per-address unpaid-order limit counts, if any: the address in
/// canonical form (`::ffff:196.200.1.1` is `196.200.1.1`), and none for an address that is no
/// shopper's own: loopback, unspecified, private (10/8, 172.16/12, 192.168/16), shared
/// (100.64/10), link-local (169.254/16, fe80::/10) or unique local (fc00::/7). Such a peer is a
/// proxy or a machine of the operator's network: counting it would make every shopper behind
/// it one client, so the frontend must pass the client address its trusted proxy reports.
pub fn countable_client(ip: IpAddr) -> Option<IpAddr> {
    let ip = ip.to_canonical();
    let internal = match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_unspecified()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || (a == 100 && (b & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
        }
    };
    (!internal).then_some(ip)
}

/// The key a client address counts under: the whole IPv4 address (an IPv4-mapped IPv6 address
/// is its IPv4 address), or the /64 network of an IPv6 one (one subscriber line), hashed.
pub(crate) fn client_key(ip: IpAddr) -> String {
    let text = match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    };
    limit_key("client", &text)
}

fn check_email(email: &str) -> Result<(), TijaraError> {
    let ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !email.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(TijaraError::BadEmail {
            email: email.to_owned(),
        })
    }
}

impl Tijara {
    pub(crate) fn gateway(&self, code: &str) -> Result<&Arc<dyn PaymentGateway>, TijaraError> {
        self.inner
            .gateways
            .get(code)
            .ok_or_else(|| TijaraError::NotConfigured {
                what: "payment gateway",
                code: code.to_owned(),
            })
    }
}

impl<'a> Payments<'a> {
    /// The payment gateways configured, by code.
    pub fn gateways(self) -> impl Iterator<Item = &'a Arc<dyn PaymentGateway>> {
        self.engine.inner.gateways.values()
    }
}

/// From cart to order: shipping quotes and choices, placing orders, starting their payments
/// (`engine.checkout()`).
///
/// ```
/// # async fn demo(
/// #     engine: &tijara::Tijara,
/// #     cart: &tijara_core::CartId,
/// #     address: &tijara_core::order::Address,
/// # ) -> Result<(), tijara::TijaraError> {
/// for seller in engine.checkout().shipping_quotes(cart, address).await? {
///     println!("{seller:?}");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy)]
pub struct Checkout<'a> {
    engine: &'a Tijara,
}

impl std::fmt::Debug for Checkout<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkout").finish_non_exhaustive()
    }
}

impl Tijara {
    /// Checkout's use cases: shipping quotes and choices, placing orders, starting payments.
    pub fn checkout(&self) -> Checkout<'_> {
        Checkout { engine: self }
    }
}

impl Checkout<'_> {
    /// Places an order: prices the cart on the server, reserves its stock atomically (cash on
    /// delivery sells it at once), splits it per seller and opens the payment. Fails with
    /// [`TijaraError::OutOfStock`] and changes nothing when any line lacks stock.
    ///
    /// With an idempotency key, a retry returns the same order (and starts its payment again,
    /// which for a hosted page gives a fresh form).
    pub async fn place_order(
        self,
        request: PlaceOrderRequest,
        key: Option<&IdempotencyKey>,
    ) -> Result<PlacedOrder, TijaraError> {
        self.place_order_from(request, None, key).await
    }

    /// [`Checkout::place_order`](crate::Checkout::place_order) for a shopper at a known client address (the frontend's peer
    /// address, or the one its trusted proxy reports): besides the e-mail's, the address's
    /// unpaid card and transfer orders are limited
    /// ([`EngineConfig::max_unpaid_per_client`](crate::EngineConfig::max_unpaid_per_client));
    /// cash-on-delivery orders are not counted per address (many shoppers share one behind a
    /// mobile carrier's NAT), only per e-mail. An address that [`countable_client`] does not
    /// count (loopback, private...) is as if none were given. Only a hash of the address is
    /// stored with the order.
    ///
    /// Each call counts in `tijara_checkouts_total` by outcome (`placed`, `out_of_stock`,
    /// `refused`, `error`); a refusal for lack of stock also in `tijara_stock_refusals_total`.
    pub async fn place_order_from(
        self,
        request: PlaceOrderRequest,
        client: Option<IpAddr>,
        key: Option<&IdempotencyKey>,
    ) -> Result<PlacedOrder, TijaraError> {
        let placed = self.place(request, client, key).await;
        let outcome = match &placed {
            Ok(_) => "placed",
            Err(TijaraError::OutOfStock { .. }) => {
                metrics::counter!("tijara_stock_refusals_total").increment(1);
                "out_of_stock"
            }
            Err(e) if e.is_temporary() => "error",
            Err(_) => "refused",
        };
        metrics::counter!("tijara_checkouts_total", "outcome" => outcome).increment(1);
        placed
    }

    /// [`Checkout::place_order_from`] without its metrics.
    async fn place(
        self,
        mut request: PlaceOrderRequest,
        client: Option<IpAddr>,
        key: Option<&IdempotencyKey>,
    ) -> Result<PlacedOrder, TijaraError> {
        let e = self.engine;
        check_email(&request.email)?;
        let address = e.checkout_address(&request.address)?;
        request.address = address.as_address().clone();
        let gateway = e.gateway(&request.gateway)?.clone();
        let method = gateway.method();
        let order_id = OrderId::new(e.new_id("ord"))?;
        let token = new_access_token();
        let client = client.and_then(countable_client).map(client_key);
        let (request, order_id, token, client) = (&request, &order_id, &token, &client);
        let placed: Placed = e
            .place_numbered(
                key,
                (request, &address),
                order_id,
                method,
                token,
                client.as_deref(),
            )
            .await?;
        let order = placed.order;
        let payment = e
            .start_payment_with(&order, gateway.as_ref(), request.lang, 1)
            .await?;
        let written = WrittenOrder(placed.order_json.map(|j| Arc::new((order.clone(), j))));
        Ok(PlacedOrder {
            order,
            payment,
            access_token: placed.access_token,
            written,
        })
    }
}

impl Orders<'_> {
    /// An order for a guest holding its access token ([`PlacedOrder::access_token`]), compared
    /// in constant time. A wrong or missing token answers [`TijaraError::NotFound`], like an
    /// unknown order, so a guess learns nothing.
    pub async fn order_with_token(
        self,
        id: &OrderId,
        token: &str,
    ) -> Result<OrderDoc, TijaraError> {
        use subtle::ConstantTimeEq;
        let not_found = || TijaraError::NotFound {
            kind: DocKind::Order,
            id: id.to_string(),
        };
        let doc = self.order(id).await?;
        let ok = !doc.access_token.is_empty()
            && bool::from(doc.access_token.as_str().as_bytes().ct_eq(token.as_bytes()));
        if !ok {
            tracing::warn!(target: "security", order = %id, "order asked with a wrong access token");
            return Err(not_found());
        }
        Ok(doc)
    }
}
