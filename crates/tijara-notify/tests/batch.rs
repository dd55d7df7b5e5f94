//! A dispatch round's events are delivered in batches: what their messages need from the
//! storage is read once per part of 16 events, so a round of ten orders costs the storage as
//! many calls as a round of one; a message that fails in a batch fails only its event, and what the others
//! sent is not sent again.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

use async_trait::async_trait;
use std::sync::{Arc, Mutex};
use tijara::Tijara;
use tijara::ports::storage::Storage;
use tijara::usecases::accounts::{NewAccount, Role};
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara_core::catalog::{SellerKind, SellerTaxStatus};
use tijara_core::*;
use tijara_notify::{Notification, NotificationSink, Notifier, NotifyError};
use tijara_testkit::outage::Outage;
use tijara_testkit::stubs::{StubCarrier, StubGateway};

/// Keeps what it sends; refuses messages to one address while told to.
#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<String>>,
    refused: Mutex<Option<String>>,
}

#[async_trait]
impl Notifier for Outbox {
    async fn send(&self, n: &Notification) -> Result<(), NotifyError> {
        let to = n.email.clone().unwrap_or_default();
        if self.refused.lock().unwrap().as_deref() == Some(to.as_str()) {
            return Err(NotifyError(format!("{to}: mailbox unavailable")));
        }
        self.sent.lock().unwrap().push(to);
        Ok(())
    }
}

impl Outbox {
    fn to(&self, address: &str) -> usize {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|a| *a == address)
            .count()
    }
}

struct Shop {
    engine: Tijara,
    storage: Arc<Outage>,
    outbox: Arc<Outbox>,
    seller: SellerId,
    variant: VariantId,
}

/// A seller with one login and a product; every storage call counted.
async fn shop() -> Shop {
    shop_on(Outage::new(Arc::new(
        tijara_store_memory::MemoryStore::new(),
    )))
    .await
}

/// [`shop`] on `storage`.
async fn shop_on(storage: Outage) -> Shop {
    let storage = Arc::new(storage);
    let build = |sink: Option<Arc<dyn tijara::ports::runtime::EventSink>>| {
        let mut b = Tijara::builder()
            .storage(storage.clone() as Arc<dyn Storage>)
            .payment(Arc::new(StubGateway::cash_on_delivery()))
            .carrier(Arc::new(StubCarrier::new("amana", "30.00", "10.00")))
            // One shopper places several orders here.
            .config(tijara::EngineConfig::default().with_max_unpaid_per_email(0));
        if let Some(s) = sink {
            b = b.event_sink(s);
        }
        b.build().unwrap()
    };
    let outbox = Arc::new(Outbox::default());
    let engine = build(Some(Arc::new(NotificationSink::new(
        build(None),
        vec![outbox.clone() as Arc<dyn Notifier>],
    ))));
    engine
        .catalog()
        .create_category(
            CategoryInput::new(
                CategoryId::new("leather").unwrap(),
                "leather",
                LocalizedText::single(Lang::FR, "Cuir"),
            ),
            None,
        )
        .await
        .unwrap();
    let (seller, variant) = seller_with_product(&engine, "Lahcen", "sac").await;
    Shop {
        engine,
        storage,
        outbox,
        seller,
        variant,
    }
}

/// A seller named after `who`, with one owner login (`who`'s lower case @example.ma) and one
/// product (slug `slug`, 100 in stock); its id and the product's variant.
async fn seller_with_product(engine: &Tijara, who: &str, slug: &str) -> (SellerId, VariantId) {
    let seller = engine
        .catalog()
        .create_seller(
            SellerInput::new(
                format!("Atelier {who}"),
                SellerKind::Artisan,
                "Dakhla",
                SellerTaxStatus::VatRegistered,
            ),
            None,
        )
        .await
        .unwrap();
    engine
        .accounts()
        .create_account(
            NewAccount::new(
                format!("{}@example.ma", who.to_lowercase()),
                who,
                tijara::usecases::accounts::hash_password("password-2026").unwrap(),
                Role::Seller {
                    seller_id: seller.id.clone(),
                    member: None,
                },
                Lang::AR,
            ),
            None,
        )
        .await
        .unwrap();
    let product = engine
        .catalog()
        .create_product(
            ProductInput::new(
                seller.id.clone(),
                CategoryId::new("leather").unwrap(),
                slug,
                LocalizedText::single(Lang::FR, "Sac"),
                vec![
                    VariantInput::new(
                        slug.to_uppercase(),
                        Money::mad("300.00").unwrap(),
                        TaxCategoryId::new("standard").unwrap(),
                        500,
                    )
                    .with_initial_stock(100),
                ],
            ),
            None,
        )
        .await
        .unwrap();
    (seller.id, product.variants[0].id.clone())
}

impl Shop {
    /// An order paid on delivery by `email`.
    async fn order(&self, email: &str) {
        self.order_of(email, &[(&self.seller, &self.variant)]).await;
    }

    /// An order paid on delivery by `email` of one unit of each variant, each shipped by its
    /// seller.
    async fn order_of(&self, email: &str, items: &[(&SellerId, &VariantId)]) {
        self.engine
            .checkout()
            .place_order(
                PlaceOrderRequest::new(
                    CheckoutCart::Inline {
                        lines: items.iter().map(|(_, v)| ((*v).clone(), 1)).collect(),
                        coupons: vec![],
                        customer: None,
                        shipping: items
                            .iter()
                            .map(|(s, _)| {
                                ((*s).clone(), ShippingSelection::new("amana", "standard"))
                            })
                            .collect(),
                    },
                    email,
                    order::Address {
                        name: "Fatima".into(),
                        line1: "Rue 1".into(),
                        line2: None,
                        city: "Casablanca".into(),
                        postal_code: None,
                        state: None,
                        country: "MA".into(),
                        phone: "+212661000009".into(),
                    },
                    "cod",
                    Lang::FR,
                ),
                None,
            )
            .await
            .unwrap();
    }

    /// One dispatch round; the storage calls it made.
    async fn round(&self) -> (tijara::usecases::maintenance::DispatchReport, u64) {
        let before = self.storage.calls();
        let report = self.engine.operations().dispatch_events(100).await.unwrap();
        (report, self.storage.calls() - before)
    }
}

#[tokio::test]
async fn a_round_of_ten_orders_reads_the_storage_as_often_as_a_round_of_one() {
    let shop = shop().await;
    // The catalog's events, then a first order (the caches warm).
    shop.round().await;
    shop.order("first@example.ma").await;
    shop.round().await;

    shop.order("one@example.ma").await;
    let (report, one) = shop.round().await;
    assert_eq!((report.delivered, report.failed), (2, 0), "{report:?}");
    for i in 0..10 {
        shop.order(&format!("shopper{i}@example.ma")).await;
    }
    let (report, ten) = shop.round().await;
    assert_eq!((report.delivered, report.failed), (20, 0), "{report:?}");
    assert_eq!(
        ten, one,
        "storage calls for a round of ten orders against a round of one"
    );
    // Each shopper told once, the seller once per order.
    for i in 0..10 {
        assert_eq!(shop.outbox.to(&format!("shopper{i}@example.ma")), 1);
    }
    assert_eq!(shop.outbox.to("lahcen@example.ma"), 12);
    // Forty orders: read 16 at a time (three parts), each part as a round of one.
    for i in 0..40 {
        shop.order(&format!("many{i}@example.ma")).await;
    }
    let (report, forty) = shop.round().await;
    assert_eq!((report.delivered, report.failed), (80, 0), "{report:?}");
    assert!(
        forty > one && forty <= 3 * one,
        "{forty} storage calls for forty orders, {one} for one"
    );
    for i in 0..40 {
        assert_eq!(shop.outbox.to(&format!("many{i}@example.ma")), 1);
    }
    assert_eq!(shop.outbox.to("lahcen@example.ma"), 52);
}

#[tokio::test]
async fn a_message_refused_in_a_batch_fails_only_its_event_and_nothing_is_sent_twice() {
    let shop = shop().await;
    shop.round().await;
    for who in ["a", "b", "c"] {
        shop.order(&format!("{who}@example.ma")).await;
    }
    *shop.outbox.refused.lock().unwrap() = Some("b@example.ma".into());
    let (report, _) = shop.round().await;
    // Three orders' placed events, two confirmations delivered; b's confirmation fails.
    assert_eq!((report.delivered, report.failed), (5, 1), "{report:?}");
    assert_eq!(shop.outbox.to("a@example.ma"), 1);
    assert_eq!(shop.outbox.to("c@example.ma"), 1);
    assert_eq!(shop.outbox.to("b@example.ma"), 0);
    assert_eq!(
        shop.outbox.to("lahcen@example.ma"),
        3,
        "the seller hears of b's order too"
    );
    let failed = shop
        .engine
        .operations()
        .failed_deliveries(None, 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("b@example.ma")),
        "{failed:?}"
    );
    // The mailbox back: only b's confirmation goes, once; the seller's notice is not repeated.
    *shop.outbox.refused.lock().unwrap() = None;
    let (report, _) = shop.round().await;
    assert_eq!((report.delivered, report.failed), (1, 0), "{report:?}");
    assert_eq!(shop.outbox.to("b@example.ma"), 1);
    assert_eq!(shop.outbox.to("lahcen@example.ma"), 3);
    assert_eq!(shop.round().await.0.delivered, 0);
}

#[tokio::test]
async fn a_round_reads_the_sellers_with_the_products_it_names() {
    // The catalog held by the engine, as on every storage that keeps a catalog version.
    let shop = shop_on(
        Outage::new(Arc::new(tijara_store_memory::MemoryStore::new())).with_catalog_version(),
    )
    .await;
    shop.round().await;
    shop.order("first@example.ma").await;
    shop.round().await;

    shop.order("one@example.ma").await;
    shop.storage.asked();
    let (report, calls) = shop.round().await;
    assert_eq!((report.delivered, report.failed), (2, 0), "{report:?}");
    // The pending events; the orders they name; their products and sellers (the catalog's
    // version alone, the documents held: no stock counters); the seller's logins; the
    // channels' delivery states; the done marks; the marks written; the events acknowledged.
    // The seller itself is no call of its own: it was read with the products.
    assert_eq!(calls, 8, "storage calls of a round of one confirmed order");
    let asked = shop.storage.asked();
    assert!(
        asked.contains(&"catalog_version")
            && !asked
                .iter()
                .any(|m| matches!(*m, "catalog_stock" | "stock_levels" | "pricing_stock")),
        "the messages name products without their stock: {asked:?}"
    );
    assert_eq!(shop.outbox.to("lahcen@example.ma"), 2);
    assert_eq!(shop.outbox.to("one@example.ma"), 1);
}

#[tokio::test]
async fn a_round_reads_the_logins_of_its_sellers_together() {
    let shop = shop_on(
        Outage::new(Arc::new(tijara_store_memory::MemoryStore::new())).with_catalog_version(),
    )
    .await;
    let (other, bowl) = seller_with_product(&shop.engine, "Mbarka", "bol").await;
    let both = [(&shop.seller, &shop.variant), (&other, &bowl)];
    // The catalog's events, then a first order of both (the caches warm).
    shop.round().await;
    shop.order_of("first@example.ma", &both).await;
    shop.round().await;

    shop.order("one@example.ma").await;
    let (report, one) = shop.round().await;
    assert_eq!((report.delivered, report.failed), (2, 0), "{report:?}");
    // An order with a second seller's item too: its logins come in the same read (one
    // storage call more without it).
    shop.order_of("two@example.ma", &both).await;
    let (report, two) = shop.round().await;
    assert_eq!((report.delivered, report.failed), (2, 0), "{report:?}");
    assert_eq!(
        two, one,
        "storage calls of an order of two sellers against one"
    );
    assert_eq!(
        shop.outbox.to("mbarka@example.ma"),
        2,
        "the second seller told of both orders"
    );
    assert_eq!(shop.outbox.to("lahcen@example.ma"), 3);
}
