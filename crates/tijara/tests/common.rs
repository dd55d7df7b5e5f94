//! A marketplace on the memory store with stub gateways and carrier, and a fixed clock.

#![allow(dead_code, missing_docs)]

use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::{IdempotencyKey, Tijara};
use tijara_core::catalog::{Member, SellerKind, SellerTaxStatus};
use tijara_core::order::Address;
use tijara_core::*;
use tijara_testkit::stubs::*;

pub struct Market {
    pub engine: Tijara,
    pub clock: Arc<FixedClock>,
    pub carrier: Arc<StubCarrier>,
    pub sink: Arc<RecordingSink>,
    pub card: Arc<StubGateway>,
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
        .single()
        .expect("time")
}

pub fn mad(s: &str) -> Money {
    Money::mad(s).expect("amount")
}

/// An admin's note that the shopper paid `amount` (a transfer seen on the account, cash counted).
pub fn admin_capture(
    reference: impl Into<String>,
    amount: Money,
) -> tijara::usecases::payments::PaymentNotice {
    tijara::usecases::payments::PaymentNotice::new(
        tijara::docs::PaymentSource::Admin {
            user: "admin".into(),
        },
        reference,
        tijara::usecases::payments::PaymentEventKind::Captured { amount },
        serde_json::Value::Null,
    )
}

pub fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::new(k).expect("key")
}

pub fn market_on(storage: Arc<dyn tijara::ports::storage::Storage>) -> Market {
    market_with(storage, tijara::EngineConfig::default())
}

pub fn market_with(
    storage: Arc<dyn tijara::ports::storage::Storage>,
    config: tijara::EngineConfig,
) -> Market {
    let sink = Arc::new(RecordingSink::default());
    built(storage, config, sink.clone(), sink)
}

/// A market whose outbox events go to `events` (its `sink` then records none).
pub fn market_delivering_to(
    storage: Arc<dyn tijara::ports::storage::Storage>,
    config: tijara::EngineConfig,
    events: Arc<dyn tijara::ports::runtime::EventSink>,
) -> Market {
    built(storage, config, Arc::new(RecordingSink::default()), events)
}

/// A market whose engine shares `other`'s memo of the orders placed.
pub fn market_sharing_order_memo(
    storage: Arc<dyn tijara::ports::storage::Storage>,
    other: &Tijara,
) -> Market {
    let sink = Arc::new(RecordingSink::default());
    built_with(
        storage,
        tijara::EngineConfig::default(),
        sink.clone(),
        sink,
        |b| b.sharing_order_memo_with(other),
    )
}

fn built(
    storage: Arc<dyn tijara::ports::storage::Storage>,
    config: tijara::EngineConfig,
    sink: Arc<RecordingSink>,
    events: Arc<dyn tijara::ports::runtime::EventSink>,
) -> Market {
    built_with(storage, config, sink, events, |b| b)
}

fn built_with(
    storage: Arc<dyn tijara::ports::storage::Storage>,
    config: tijara::EngineConfig,
    sink: Arc<RecordingSink>,
    events: Arc<dyn tijara::ports::runtime::EventSink>,
    more: impl FnOnce(tijara::TijaraBuilder) -> tijara::TijaraBuilder,
) -> Market {
    let clock = Arc::new(FixedClock::at(t0()));
    let carrier = Arc::new(StubCarrier::new("amana", "30.00", "10.00"));
    // `ctm`: a carrier without tracking of its own (numbers and steps typed by hand).
    let hand = Arc::new(StubCarrier::new("ctm", "35.00", "10.00").by_hand());
    let card = Arc::new(StubGateway::card());
    let engine = Tijara::builder()
        .region(Region::dakhla())
        .storage(storage)
        .payment(card.clone())
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .payment(Arc::new(StubGateway::bank_transfer()))
        .carrier(carrier.clone())
        .carrier(hand.clone())
        .clock(clock.clone())
        .ids(Arc::new(SequentialIds::default()))
        .sleeper(Arc::new(TokioSleeper))
        .event_sink(events)
        .config(config);
    let engine = more(engine).build().expect("engine");
    Market {
        engine,
        clock,
        carrier,
        sink,
        card,
    }
}

pub fn market() -> Market {
    market_on(Arc::new(tijara_store_memory::MemoryStore::new()))
}

pub fn seller_input(name: &str, kind: SellerKind) -> SellerInput {
    SellerInput::new(name, kind, "Dakhla", SellerTaxStatus::VatRegistered)
        .with_commission_rate(Rate::percent(10).expect("rate"))
        .with_members(if kind == SellerKind::Artisan {
            vec![]
        } else {
            vec![Member {
                id: MemberId::new("salka").expect("id"),
                name: "Salka".into(),
                active: true,
            }]
        })
}

pub fn variant(sku: &str, price: &str, stock: u32) -> VariantInput {
    VariantInput::new(
        sku,
        mad(price),
        TaxCategoryId::new("standard").expect("id"),
        800,
    )
    .with_initial_stock(stock)
}

pub fn product_input(
    seller: &SellerId,
    slug: &str,
    fr: &str,
    ar: &str,
    variants: Vec<VariantInput>,
) -> ProductInput {
    ProductInput::new(
        seller.clone(),
        CategoryId::new("leather").expect("id"),
        slug,
        LocalizedText::new().with(Lang::FR, fr).with(Lang::AR, ar),
        variants,
    )
    .with_materials(vec!["cuir".into()])
}

/// A new guest cart holding `quantity` of `variant`.
pub async fn cart_with(engine: &Tijara, variant: &VariantId, quantity: u32) -> CartId {
    let cart = new_cart(engine).await;
    engine
        .carts()
        .change_cart(
            &cart,
            tijara::usecases::cart::CartChange::Add {
                variant: variant.clone(),
                quantity,
            },
            None,
        )
        .await
        .expect("add to the cart");
    cart
}

pub fn address() -> Address {
    Address {
        name: "Youssef El Idrissi".into(),
        line1: "N° 5, Rue des Artisans".into(),
        line2: None,
        city: "Casablanca".into(),
        postal_code: Some("20000".into()),
        state: None,
        country: "MA".into(),
        phone: "0612345678".into(),
    }
}

/// Two sellers; A sells a cushion (5 in stock, 250 MAD) and a bag (2 in stock, 890 MAD), B a
/// bracelet (10 in stock, 780 MAD).
pub struct Catalog {
    pub a: SellerId,
    pub b: SellerId,
    pub cushion: VariantId,
    pub bag: VariantId,
    pub bracelet: VariantId,
}

pub async fn catalog(m: &Market) -> Catalog {
    let e = &m.engine;
    for (id, fr) in [("leather", "Cuir"), ("jewellery", "Bijoux")] {
        e.catalog()
            .create_category(
                CategoryInput::new(
                    CategoryId::new(id).expect("id"),
                    id,
                    LocalizedText::single(Lang::FR, fr),
                ),
                None,
            )
            .await
            .expect("category");
    }
    let a = e
        .catalog()
        .create_seller(
            seller_input("Coopérative Oudaya", SellerKind::Cooperative),
            None,
        )
        .await
        .expect("seller a")
        .id;
    let b = e
        .catalog()
        .create_seller(seller_input("Brahim bijoutier", SellerKind::Artisan), None)
        .await
        .expect("seller b")
        .id;
    let cushion = e
        .catalog()
        .create_product(
            product_input(
                &a,
                "srama",
                "Coussin srama en cuir",
                "وسادة جلدية",
                vec![variant("SRAMA-1", "250.00", 5)],
            ),
            None,
        )
        .await
        .expect("cushion");
    let bag = e
        .catalog()
        .create_product(
            product_input(
                &a,
                "tassoufra",
                "Sac tassoufra",
                "حقيبة",
                vec![variant("TASS-1", "890.00", 2)],
            ),
            None,
        )
        .await
        .expect("bag");
    let mut bracelet = product_input(
        &b,
        "dmlij",
        "Bracelet en argent",
        "دملج فضي",
        vec![variant("DMLJ-1", "780.00", 10)],
    );
    bracelet.category_id = CategoryId::new("jewellery").expect("id");
    let bracelet = e
        .catalog()
        .create_product(bracelet, None)
        .await
        .expect("bracelet");
    Catalog {
        a,
        b,
        cushion: cushion.variants[0].id.clone(),
        bag: bag.variants[0].id.clone(),
        bracelet: bracelet.variants[0].id.clone(),
    }
}

/// An order for `lines` bought by Youssef, shipped by Amana from each of `sellers`, paid with
/// `gateway`, in French.
pub fn request(
    lines: Vec<(VariantId, u32)>,
    sellers: &[&SellerId],
    gateway: &str,
) -> tijara::usecases::checkout::PlaceOrderRequest {
    tijara::usecases::checkout::PlaceOrderRequest::new(
        tijara::usecases::checkout::CheckoutCart::Inline {
            lines,
            coupons: vec![],
            customer: None,
            shipping: sellers
                .iter()
                .map(|s| {
                    (
                        (*s).clone(),
                        tijara::usecases::checkout::ShippingSelection::new("amana", "standard"),
                    )
                })
                .collect(),
        },
        "youssef@example.ma",
        address(),
        gateway,
        Lang::FR,
    )
}

/// Two stores on one new PostgreSQL schema (named `t_` then `tag`: `.ci/run` drops such schemas
/// of earlier runs), as two processes would open it; `None` (the test is skipped, and says so)
/// without `TIJARA_TEST_POSTGRES_URL`.
pub async fn two_postgres_stores(
    tag: &str,
) -> Option<(
    Arc<dyn tijara::ports::storage::Storage>,
    Arc<dyn tijara::ports::storage::Storage>,
)> {
    let Ok(url) = std::env::var("TIJARA_TEST_POSTGRES_URL") else {
        eprintln!("TIJARA_TEST_POSTGRES_URL not set: skipped");
        return None;
    };
    let schema = tijara_testkit::storage::unique(&format!("t_{tag}")).replace('-', "_");
    let open = || tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema));
    let a = open().await.expect("first store");
    let b = open().await.expect("second store");
    Some((Arc::new(a), Arc::new(b)))
}

/// A new empty guest cart of `e`.
pub async fn new_cart(e: &Tijara) -> CartId {
    e.carts()
        .create_cart(None, None)
        .await
        .expect("cart")
        .cart
        .id
}

/// Ships the order's first part and has Amana deliver it `days` later (in Casablanca);
/// returns the part.
pub async fn deliver_first_part(
    m: &Market,
    order: &tijara_core::order::Order,
    days: i64,
) -> SellerOrderId {
    track_first_part(
        m,
        order,
        days,
        tijara_core::fulfillment::TrackingStatus::Delivered,
    )
    .await
}

/// Ships the order's first part and has Amana report `status` for it `days` later (in
/// Casablanca); returns the part.
pub async fn track_first_part(
    m: &Market,
    order: &tijara_core::order::Order,
    days: i64,
    status: tijara_core::fulfillment::TrackingStatus,
) -> SellerOrderId {
    use tijara::usecases::fulfillment::ShipRequest;
    use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
    let e = &m.engine;
    let so = order.seller_orders[0].id.clone();
    e.fulfillment()
        .mark_ready(&order.id, &so, None)
        .await
        .expect("ready");
    let sh = e
        .fulfillment()
        .ship(&order.id, &so, ShipRequest::new(), None)
        .await
        .expect("ship");
    m.clock.advance(chrono::Duration::days(days));
    e.fulfillment()
        .record_tracking(
            "amana",
            sh.tracking_number.as_deref().expect("number"),
            vec![TrackingEvent {
                at: e.now(),
                status,
                // Amana's words for a delivery (pinned in the stored-JSON fixtures).
                carrier_code: match status {
                    TrackingStatus::Delivered => "LIV".into(),
                    _ => status.as_str().into(),
                },
                carrier_text: match status {
                    TrackingStatus::Delivered => "Livré".into(),
                    _ => status.as_str().into(),
                },
                location: Some("Casablanca".into()),
                cod_collected: None,
            }],
            None,
        )
        .await
        .expect("tracked");
    so
}

/// Amana reports `status` again, an hour later, for the first shipment of `doc`.
pub async fn retrack_first_part(
    m: &Market,
    doc: &tijara::docs::OrderDoc,
    status: tijara_core::fulfillment::TrackingStatus,
) {
    use tijara_core::fulfillment::TrackingEvent;
    let e = &m.engine;
    m.clock.advance(chrono::Duration::hours(1));
    e.fulfillment()
        .record_tracking(
            "amana",
            doc.shipments[0].tracking_number.as_deref().expect("number"),
            vec![TrackingEvent {
                at: e.now(),
                status,
                carrier_code: status.as_str().into(),
                carrier_text: status.as_str().into(),
                location: Some("Casablanca".into()),
                cod_collected: None,
            }],
            None,
        )
        .await
        .expect("tracked again");
}
