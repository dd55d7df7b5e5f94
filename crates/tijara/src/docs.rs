//! The documents the engine stores: core values plus what the engine tracks around them.

use crate::ports::storage::ProductIndex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tijara_core::cart::Cart;
use tijara_core::catalog::{Product, Seller, search_key};
use tijara_core::order::Address;
use tijara_core::pricing::ShippingChoice;
use tijara_core::promotion::Promotion;
use tijara_core::{CustomerId, OrderId, SellerId};

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
    /// A new open cart: no shipping chosen, no address or e-mail yet.
    pub(crate) fn open(cart: Cart) -> Self {
        CartDoc {
            cart,
            shipping: BTreeMap::new(),
            address: None,
            email: None,
            status: CartStatus::Open,
        }
    }

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

    /// Whether its [`keys`](Self::keys) and [`owners`](Self::owners) are those of every stored
    /// version of it, so an update may leave them as they are
    /// ([`DocWrite::links_unchanged`](crate::ports::storage::DocWrite::links_unchanged)): true
    /// for a cart without a customer. Both lists come from the customer alone, and a stored
    /// cart's customer is only ever set (when the cart is made, or given to the customer who
    /// logs in), never taken away: a cart without one now had none at any earlier version,
    /// and its lists were empty then as they are now. (The in-memory store checks this promise
    /// in every debug build.)
    pub(crate) fn links_same_as_stored(&self) -> bool {
        self.cart.customer.is_none()
    }
}

/// The order aggregate and the types it owns (moved to the core; still reachable here).
pub use tijara_core::order_record::{AccessToken, OrderDoc, PaymentLogEntry, PaymentSource};

/// What happened to a payment event (moved to the core; still reachable here).
pub use tijara_core::payment::PaymentOutcome;

/// A short, non-reversible key for a value counted by the unpaid-order limits (an e-mail, a
/// client address): the first 128 bits of the SHA-256 of `kind`, a zero byte and `value`, hex.
pub(crate) fn limit_key(kind: &str, value: &str) -> String {
    keyed(String::with_capacity(32), kind, value)
}

/// `out` with [`limit_key`]`(kind, value)` pushed onto it: an owner row's prefix and key in one
/// string, without the key's own.
fn keyed(mut out: String, kind: &str, value: &str) -> String {
    use sha2::{Digest, Sha256};
    let before = out.len();
    let digest = Sha256::new()
        .chain_update(kind)
        .chain_update([0u8])
        .chain_update(value)
        .finalize();
    let mut text = [0u8; 32];
    // 16 bytes are 32 hex digits, always ASCII: neither step can fail.
    if hex::encode_to_slice(&digest[..16], &mut text).is_ok()
        && let Ok(text) = std::str::from_utf8(&text)
    {
        out.push_str(text);
    }
    debug_assert_eq!(out.len(), before + 32, "a limit key is 32 hex digits");
    out
}

/// An owner row: `prefix`, then the [`limit_key`] of the normalized (trimmed, lower-case)
/// e-mail under `kind`.
fn email_owner(prefix: &str, kind: &str, email: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 32);
    out.push_str(prefix);
    keyed(out, kind, &email.trim().to_lowercase())
}

/// The owner row of a guest order placed with `email` (a hash of the normalized e-mail).
pub(crate) fn guest_email_owner(email: &str) -> String {
    email_owner("guest-email:", "guest-email", email)
}

/// The owner row of an unpaid order placed with `email` (a hash of the normalized e-mail), by
/// which the unpaid-order limit per e-mail counts it.
pub(crate) fn unpaid_email_owner(email: &str) -> String {
    email_owner("unpaid-email:", "email", email)
}

/// The owner row of an unpaid card or transfer order placed from the client address whose
/// key is `client` (a hash), by which the unpaid-order limit per client address counts it.
pub(crate) fn unpaid_client_owner(client: &str) -> String {
    format!("unpaid-client:{client}")
}

/// How an order is stored: its unique look-up keys and its owner rows (the aggregate itself,
/// in the core, knows nothing of storage).
pub(crate) trait OrderStorage {
    /// Unique keys: its number, each shipment's id and tracking number.
    fn keys(&self) -> Vec<String>;
    /// Owner rows: its sellers, each part's work (the portal's tab), its customer, and while
    /// unpaid its limit keys.
    fn owners(&self) -> Vec<String>;
}

/// The owner row of a seller's orders whose part stands at `work` (the portal's tab); with
/// `member`, of those with lines the member artisan made.
pub(crate) fn work_owner(
    seller: &SellerId,
    member: Option<&tijara_core::MemberId>,
    work: tijara_core::order::Work,
) -> String {
    match member {
        None => format!("seller-work:{seller}:{}", work.as_str()),
        Some(m) => format!("member-work:{seller}:{m}:{}", work.as_str()),
    }
}

/// The storage key an order's number is claimed under (unique among orders).
pub(crate) fn number_key(number: &tijara_core::order::OrderNumber) -> String {
    format!("order-number:{number}")
}

impl OrderStorage for OrderDoc {
    fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        // Its human number, unique among orders (claimed at placing, kept by every save).
        if let Some(n) = &self.order.number {
            keys.push(number_key(n));
        }
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

    fn owners(&self) -> Vec<String> {
        let mut owners: Vec<String> = self
            .order
            .seller_orders
            .iter()
            .map(|s| format!("seller:{}", s.seller_id))
            .collect();
        // The portal's tabs: each part under where it stands for its seller's work, and for
        // each member artisan with lines in it, so a tab is counted and listed by the storage
        // without reading the seller's other orders ([`crate::Orders::seller_work_counts`]).
        for part in &self.order.seller_orders {
            let work = self.work(part);
            owners.push(work_owner(&part.seller_id, None, work));
            let mut members: Vec<&tijara_core::MemberId> = part
                .lines
                .iter()
                .filter_map(|l| l.made_by.as_ref())
                .collect();
            members.sort();
            members.dedup();
            for m in members {
                owners.push(work_owner(&part.seller_id, Some(m), work));
            }
        }
        // No e-mail owner: a guest reaches an order by its id and access token, and a
        // random-key index row per order would slow every commit as the table grows.
        if let Some(c) = &self.order.customer {
            owners.push(format!("customer:{c}"));
        } else {
            // A guest order is found by its e-mail's hash when an account proves that e-mail
            // (`Accounts::verify_email` attaches it); the row goes once it is attached.
            owners.push(guest_email_owner(&self.order.email));
        }
        // While its payment is pending, the order is counted against its e-mail and, for a card
        // or transfer order, its client address (unpaid-order limits; cash on delivery is not
        // counted per address, which carrier-grade NAT shares among many shoppers); the rows go
        // once it is paid, delivered or cancelled, so the index holds only open orders.
        if self.is_unpaid() {
            owners.push(unpaid_email_owner(&self.order.email));
            let cod =
                self.order.payment.method() == tijara_core::payment::PaymentMethod::CashOnDelivery;
            if let Some(k) = self.client_key.as_ref().filter(|_| !cod) {
                owners.push(unpaid_client_owner(k));
            }
        }
        owners
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

/// The search row of a product (active only if the seller is active too): its prices, its
/// titles' text for the listing filter, and what product search indexes, by field (titles;
/// the category's names; descriptions, materials, the seller's name and city, the member
/// artisan's name and the variants' option values), with the seller's city and kind.
pub(crate) fn product_index(
    product: &Product,
    seller: &Seller,
    category: Option<&tijara_core::catalog::Category>,
) -> ProductIndex {
    use tijara_core::search::{Fields, index_text};
    let active_variants = product.variants.iter().filter(|v| v.active);
    let prices: Vec<i64> = active_variants.filter_map(|v| v.price.to_minor()).collect();
    let mut text = String::new();
    for (_, t) in product.title.iter() {
        text.push_str(&search_key(t));
        text.push(' ');
    }
    let join = |parts: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for p in parts {
            let t = index_text(p);
            if !t.is_empty() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&t);
            }
        }
        out
    };
    let title = join(&mut product.title.iter().map(|(_, t)| t));
    // As the storage indexes the category's own write (`category_search_text`).
    let category_text = tijara_core::search::category_text(
        category
            .into_iter()
            .flat_map(|c| c.name.iter().map(|(_, t)| t)),
    );
    let member = product
        .made_by
        .as_ref()
        .and_then(|m| seller.members.iter().find(|x| &x.id == m))
        .map(|m| m.name.as_str());
    let other = join(
        &mut product
            .description
            .iter()
            .map(|(_, t)| t)
            .chain(product.materials.iter().map(String::as_str))
            .chain([seller.name.as_str(), seller.home_city.as_str()])
            .chain(member)
            .chain(
                product
                    .variants
                    .iter()
                    .filter(|v| v.active)
                    .flat_map(|v| v.options.values().map(String::as_str)),
            ),
    );
    let kind = serde_json::to_value(seller.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    ProductIndex::new(
        product.seller_id.to_string(),
        product.category_id.to_string(),
    )
    .with_active(product.active && seller.active && !prices.is_empty())
    .with_prices(
        prices.iter().copied().min().unwrap_or(0),
        prices.iter().copied().max().unwrap_or(0),
    )
    .with_search_text(text.trim_end())
    .with_search_fields(Fields {
        title,
        category: category_text,
        other,
    })
    .with_seller(seller.home_city.clone(), kind)
}

pub(crate) fn product_keys(product: &Product) -> Vec<String> {
    let mut keys = vec![format!("slug:{}", product.slug)];
    keys.extend(product.variants.iter().map(|v| format!("sku:{}", v.sku)));
    keys
}

/// The stored body of `doc` (what `serde_json::to_string(doc)` writes, byte for byte) with
/// `order`, the JSON of `doc.order` written beforehand, put in place instead of written again.
/// Placing an order writes the order once for its document and its answer (a 4 KB order costs
/// ~90,000 instructions to write). The fields are named by destructuring, so a field added to
/// [`OrderDoc`] does not compile here until it is written too; `order_body_tests` compares
/// the output with serde's on a document with every field filled.
pub(crate) fn order_doc_body(
    doc: &OrderDoc,
    order: &serde_json::value::RawValue,
) -> Result<String, crate::error::TijaraError> {
    #[derive(Serialize)]
    struct Body<'a> {
        order: &'a serde_json::value::RawValue,
        gateway: &'a str,
        payment_attempts: u32,
        payment_log: &'a [tijara_core::order_record::PaymentLogEntry],
        reservations: &'a [tijara_core::ReservationId],
        shipments: &'a [tijara_core::fulfillment::Shipment],
        returns: &'a [tijara_core::returns::ReturnRequest],
        settlement: &'a tijara_core::payout::Settlement,
        ledger: &'a [tijara_core::payout::LedgerEntry],
        lang: tijara_core::Lang,
        payment_reminded: bool,
        access_token: &'a AccessToken,
        client_key: &'a Option<String>,
    }
    let OrderDoc {
        order: _,
        gateway,
        payment_attempts,
        payment_log,
        reservations,
        shipments,
        returns,
        settlement,
        ledger,
        lang,
        payment_reminded,
        access_token,
        client_key,
    } = doc;
    crate::engine::encode(&Body {
        order,
        gateway,
        payment_attempts: *payment_attempts,
        payment_log,
        reservations,
        shipments,
        returns,
        settlement,
        ledger,
        lang: *lang,
        payment_reminded: *payment_reminded,
        access_token,
        client_key,
    })
}

#[cfg(test)]
mod order_body_tests {
    use super::*;

    #[test]
    fn the_body_is_what_serde_writes_for_the_document() {
        // A paid, delivered and returned order: payment log, shipments, returns and ledger
        // filled (the pinned document of tests/order_doc_json.rs).
        let pinned = include_str!("../tests/fixtures/order_doc_transfer.json");
        let mut doc: OrderDoc = serde_json::from_str(pinned).expect("decodes");
        doc.client_key = Some("c0ffee".into());
        doc.payment_reminded = true;
        assert!(!doc.payment_log.is_empty() && !doc.shipments.is_empty());
        assert!(!doc.returns.is_empty() && !doc.ledger.is_empty());
        let order = serde_json::value::to_raw_value(&doc.order).expect("order");
        let body = order_doc_body(&doc, &order).expect("body");
        assert_eq!(body, serde_json::to_string(&doc).expect("serde"));
    }
}

#[cfg(test)]
mod owner_key_tests {
    use super::*;
    use proptest::prelude::*;

    /// The rows already stored hold these texts: they must never change.
    #[test]
    fn the_owner_rows_of_an_email_are_pinned() {
        assert_eq!(
            guest_email_owner(" Amina@Example.ma "),
            "guest-email:c4eac7d2c37fdf2e863b8554026ab5f3"
        );
        assert_eq!(
            unpaid_email_owner("amina@example.ma"),
            "unpaid-email:6c0d51dbc6555bf32e9ff448f78b92f4"
        );
    }

    proptest! {
        /// The key is the first 16 bytes of the SHA-256 of "kind\0value", hex, as it was
        /// first written.
        #[test]
        fn a_limit_key_is_the_hash_of_kind_and_value(kind in "[a-z-]{0,12}", value in "\\PC{0,40}") {
            use sha2::{Digest, Sha256};
            let reference = hex::encode(&Sha256::digest(format!("{kind}\0{value}").as_bytes())[..16]);
            prop_assert_eq!(limit_key(&kind, &value), reference.clone());
            prop_assert_eq!(keyed("p:".into(), &kind, &value), format!("p:{reference}"));
        }
    }
}
