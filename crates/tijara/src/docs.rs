//! The documents the engine stores: core values plus what the engine tracks around them.

use crate::ports::storage::ProductIndex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tijara_core::cart::Cart;
use tijara_core::catalog::{Product, Seller, search_key};
use tijara_core::fulfillment::Shipment;
use tijara_core::order::{Address, Order};
use tijara_core::payout::{LedgerEntry, Settlement};
use tijara_core::pricing::ShippingChoice;
use tijara_core::promotion::Promotion;
use tijara_core::returns::ReturnRequest;
use tijara_core::{CustomerId, OrderId, ReservationId, SellerId};

/// Where a cart stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CartStatus {
    /// Being filled.
    Open,
    /// Turned into an order.
    Ordered {
        /// The order.
        order: OrderId,
    },
    /// Merged into a customer's cart at login.
    Merged {
        /// The cart it went into.
        into: tijara_core::CartId,
    },
}

/// A cart with its checkout details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartDoc {
    /// The cart.
    pub cart: Cart,
    /// Shipping chosen per seller (prices quoted by the carriers, never sent by the client).
    #[serde(default)]
    pub shipping: BTreeMap<SellerId, ShippingChoice>,
    /// Delivery address.
    pub address: Option<Address>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Status.
    pub status: CartStatus,
}

impl CartDoc {
    /// Unique keys: an open customer cart is found by its customer.
    pub(crate) fn keys(&self) -> Vec<String> {
        match (&self.status, &self.cart.customer) {
            (CartStatus::Open, Some(c)) => vec![format!("customer:{c}")],
            _ => vec![],
        }
    }

    pub(crate) fn owners(&self) -> Vec<String> {
        self.cart
            .customer
            .iter()
            .map(|c| format!("customer:{c}"))
            .collect()
    }
}

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

/// What happened to a payment event (moved to the core; still reachable here).
pub use tijara_core::payment::PaymentOutcome;

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
    pub event: tijara_core::payment::PaymentLogEvent,
    /// The amount it carried.
    pub amount: Option<tijara_core::Money>,
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
    pub lang: tijara_core::Lang,
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

/// A short, non-reversible key for a value counted by the unpaid-order limits (an e-mail, a
/// client address): the first 128 bits of its SHA-256, hex.
pub(crate) fn limit_key(kind: &str, value: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{kind}\0{value}").as_bytes());
    hex::encode(&digest[..16])
}

impl OrderDoc {
    pub(crate) fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for s in &self.shipments {
            keys.push(format!("shipment:{}", s.id));
            if let Some(n) = &s.tracking_number {
                keys.push(format!("tracking:{}:{n}", s.carrier));
                // One number, one shipment in the whole store, whatever the carrier.
                keys.push(format!("tracking-number:{}", n.to_ascii_uppercase()));
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    pub(crate) fn owners(&self) -> Vec<String> {
        let mut owners: Vec<String> = self
            .order
            .seller_orders
            .iter()
            .map(|s| format!("seller:{}", s.seller_id))
            .collect();
        // No e-mail owner: a guest reaches an order by its id and access token, and a
        // random-key index row per order would slow every commit as the table grows.
        if let Some(c) = &self.order.customer {
            owners.push(format!("customer:{c}"));
        }
        // While its payment is pending, the order is counted against its e-mail and, for a card
        // or transfer order, its client address (unpaid-order limits; cash on delivery is not
        // counted per address, which carrier-grade NAT shares among many shoppers); the rows go
        // once it is paid, delivered or cancelled, so the index holds only open orders.
        if self.is_unpaid() {
            owners.push(format!(
                "unpaid-email:{}",
                limit_key("email", &self.order.email.trim().to_lowercase())
            ));
            let cod =
                self.order.payment.method() == tijara_core::payment::PaymentMethod::CashOnDelivery;
            if let Some(k) = self.client_key.as_ref().filter(|_| !cod) {
                owners.push(format!("unpaid-client:{k}"));
            }
        }
        owners
    }

    /// True while the shopper has not paid: a card or transfer order awaiting its payment, or
    /// a cash-on-delivery order not yet collected.
    pub fn is_unpaid(&self) -> bool {
        use tijara_core::order::OrderStatus;
        use tijara_core::payment::PaymentStatus;
        matches!(
            self.order.status(),
            OrderStatus::AwaitingPayment | OrderStatus::Confirmed
        ) && matches!(
            self.order.payment.status(),
            PaymentStatus::Pending | PaymentStatus::Failed | PaymentStatus::AwaitingDelivery
        )
    }
}

/// A promotion with its usage counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionDoc {
    /// The promotion.
    pub promotion: Promotion,
    /// Orders that used it.
    pub uses: u32,
    /// Orders per customer.
    #[serde(default)]
    pub uses_by_customer: BTreeMap<CustomerId, u32>,
}

impl PromotionDoc {
    /// True when usage must be counted (it has a limit).
    pub(crate) fn counts_usage(&self) -> bool {
        let c = &self.promotion.conditions;
        c.global_limit.is_some() || c.per_customer_limit.is_some()
    }
}

/// The search row of a product (active only if the seller is active too).
pub(crate) fn product_index(product: &Product, seller: &Seller) -> ProductIndex {
    let active_variants = product.variants.iter().filter(|v| v.active);
    let prices: Vec<i64> = active_variants.filter_map(|v| v.price.to_minor()).collect();
    let mut text = String::new();
    for (_, t) in product.title.iter() {
        text.push_str(&search_key(t));
        text.push(' ');
    }
    ProductIndex {
        seller: product.seller_id.to_string(),
        category: product.category_id.to_string(),
        active: product.active && seller.active && !prices.is_empty(),
        min_price_minor: prices.iter().copied().min().unwrap_or(0),
        max_price_minor: prices.iter().copied().max().unwrap_or(0),
        search_text: text.trim_end().to_owned(),
    }
}

pub(crate) fn product_keys(product: &Product) -> Vec<String> {
    let mut keys = vec![format!("slug:{}", product.slug)];
    keys.extend(product.variants.iter().map(|v| format!("sku:{}", v.sku)));
    keys
}
