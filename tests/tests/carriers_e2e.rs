//! Carriers end to end on SQLite with the real adapters: a two-seller cash-on-delivery order
//! ships with two carriers (Amana from its rate card, Sendit through its API fake); Amana's
//! tracking is typed by hand out of order and twice, the parcel is delivered, its cash
//! collected and remitted (reconciled per remittance); Sendit's parcel is refused, comes back,
//! its collection is cancelled and its stock returns.

#![allow(clippy::panic)] // test helpers assert by panicking

use std::sync::Arc;
use std::time::Duration;
use tijara::Tijara;
use tijara::usecases::catalog::{CategoryInput, ProductInput, SellerInput, VariantInput};
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::{RemittanceItem, ShipRequest};
use tijara_carrier_sendit::{Sendit, SenditConfig};
use tijara_carrier_table::{AMANA_SAMPLE, TableCarrier};
use tijara_core::catalog::{SellerKind, SellerTaxStatus};
use tijara_core::chrono::{Duration as Span, TimeZone, Utc};
use tijara_core::fulfillment::TrackingStatus;
use tijara_core::order::{Address, FulfillmentStatus, OrderStatus};
use tijara_core::payment::PaymentStatus;
use tijara_core::*;
use tijara_pay_offline::CashOnDelivery;
use tijara_testkit::sendit_fake::SenditFake;

async fn seller(e: &Tijara, name: &str) -> SellerId {
    e.catalog()
        .create_seller(
            SellerInput::new(
                name,
                SellerKind::Cooperative,
                "Dakhla",
                SellerTaxStatus::VatRegistered,
            ),
            None,
        )
        .await
        .expect("seller")
        .id
}

async fn product(e: &Tijara, seller: &SellerId, slug: &str, price: &str) -> VariantId {
    e.catalog()
        .create_product(
            ProductInput::new(
                seller.clone(),
                CategoryId::new("crafts").expect("id"),
                slug,
                LocalizedText::single(Lang::FR, slug),
                vec![
                    VariantInput::new(
                        slug.to_uppercase(),
                        Money::mad(price).expect("m"),
                        TaxCategoryId::new("standard").expect("id"),
                        800,
                    )
                    .with_initial_stock(5),
                ],
            ),
            None,
        )
        .await
        .expect("product")
        .variants[0]
        .id
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_seller_cod_order_with_two_carriers() {
    let fake = SenditFake::start("pk", "sk").await.expect("fake");
    let amana = Arc::new(TableCarrier::from_toml(AMANA_SAMPLE).expect("card"));
    let sendit = Sendit::new(SenditConfig {
        base_url: fake.base_url.clone(),
        public_key: "pk".into(),
        secret_key: "sk".to_owned().into(),
        pickup_district_id: 1,
        cod_percent: "1.0".parse().expect("decimal"),
        days: (2, 4),
        timeout: Duration::from_secs(2),
    })
    .expect("sendit");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "carriers-{}.db",
        tijara_testkit::storage::unique("e2e")
    ));
    let e = Tijara::builder()
        .storage(
            tijara_store_sqlx::connect(path.to_str().expect("path"))
                .await
                .expect("sqlite"),
        )
        .payment(Arc::new(CashOnDelivery))
        .carrier(amana.clone())
        .carrier(Arc::new(sendit))
        .build()
        .expect("engine");
    e.catalog()
        .create_category(
            CategoryInput::new(
                CategoryId::new("crafts").expect("id"),
                "crafts",
                LocalizedText::single(Lang::FR, "Artisanat"),
            ),
            None,
        )
        .await
        .expect("category");
    let (a, b) = (
        seller(&e, "Coopérative Oudaya").await,
        seller(&e, "GIE Sahara").await,
    );
    let (srama, dmlij) = (
        product(&e, &a, "srama", "250.00").await,
        product(&e, &b, "dmlij", "780.00").await,
    );
    let address = Address {
        name: "Youssef El Idrissi".into(),
        line1: "N° 5, Rue des Artisans".into(),
        line2: None,
        city: "Casablanca".into(),
        postal_code: Some("20000".into()),
        state: None,
        country: "MA".into(),
        phone: "0612345678".into(),
    };
    // Each seller's options, from its city, by every carrier.
    let cart = e
        .carts()
        .create_cart(None, None)
        .await
        .expect("cart")
        .cart
        .id;
    for v in [&srama, &dmlij] {
        e.carts()
            .change_cart(
                &cart,
                tijara::usecases::cart::CartChange::Add {
                    variant: v.clone(),
                    quantity: 1,
                },
                None,
            )
            .await
            .expect("add");
    }
    let options = e
        .checkout()
        .shipping_quotes(&cart, &address)
        .await
        .expect("quotes");
    assert_eq!(options.len(), 2);
    for o in &options {
        let carriers: Vec<&str> = o.options.iter().map(|q| q.carrier.as_str()).collect();
        assert!(
            carriers.contains(&"amana") && carriers.contains(&"sendit"),
            "{carriers:?}"
        );
        assert_eq!(o.origin_city, "Dakhla");
    }
    let choose = |carrier: &str, service: &str| ShippingSelection::new(carrier, service);
    e.checkout()
        .choose_shipping(
            &cart,
            address.clone(),
            &a,
            choose("amana", "standard"),
            None,
        )
        .await
        .expect("amana");
    e.checkout()
        .choose_shipping(
            &cart,
            address.clone(),
            &b,
            choose("sendit", "standard"),
            None,
        )
        .await
        .expect("sendit");
    let order = e
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Stored { cart },
                "youssef@example.ma",
                address,
                "cod",
                Lang::FR,
            ),
            None,
        )
        .await
        .expect("placed")
        .order;
    let so_a = order
        .seller_orders
        .iter()
        .find(|s| s.seller_id == a)
        .expect("a")
        .id
        .clone();
    let so_b = order
        .seller_orders
        .iter()
        .find(|s| s.seller_id == b)
        .expect("b")
        .id
        .clone();
    for so in [&so_a, &so_b] {
        e.fulfillment()
            .mark_ready(&order.id, so, None)
            .await
            .expect("ready");
    }
    let sh_a = e
        .fulfillment()
        .ship(&order.id, &so_a, ShipRequest::new(), None)
        .await
        .expect("ship a");
    let sh_b = e
        .fulfillment()
        .ship(&order.id, &so_b, ShipRequest::new(), None)
        .await
        .expect("ship b");
    assert_eq!(
        (sh_a.carrier.as_str(), sh_b.carrier.as_str()),
        ("amana", "sendit")
    );
    assert_eq!(fake.deliveries_created(), 1);
    // The label shows sender, recipient, tracking number, parcels and cash to collect.
    let label = e
        .fulfillment()
        .label(&order.id, &sh_b.id)
        .await
        .expect("label");
    assert_eq!(
        (label.sender_name.as_str(), label.recipient.city.as_str()),
        ("GIE Sahara", "Casablanca")
    );
    assert_eq!(
        label.cod_amount,
        order
            .seller_orders
            .iter()
            .find(|s| s.id == so_b)
            .and_then(|s| s.cod_amount)
    );
    assert!(label.tracking_number.is_some() && !label.parcels.is_empty());
    let html = tijara_render::label_html(&label);
    let cod_text = label.cod_amount.expect("cod").format(Lang::FR);
    for shown in [
        "GIE Sahara",
        "Youssef El Idrissi",
        // The recipient as the post lays it out: the city in capitals.
        "CASABLANCA",
        "<svg",
        label.tracking_number.as_deref().expect("n"),
        cod_text.as_str(),
    ] {
        assert!(html.contains(shown), "the printable label shows {shown}");
    }

    // Amana: the seller types Amana's number, then its events, out of order and twice.
    let number = "LD123456789MA";
    e.fulfillment()
        .set_tracking_number(&order.id, &sh_a.id, number, None)
        .await
        .expect("number");
    let t = |h: i64| {
        Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0)
            .single()
            .expect("t")
            + Span::hours(h)
    };
    // CTM's "delivered" (REM), made by the CTM card, given for the Amana parcel: Amana's card
    // does not define REM, so the event is kept as Unknown and delivers nothing (issue 12).
    let ctm = TableCarrier::from_toml(tijara_carrier_table::CTM_SAMPLE).expect("ctm");
    let foreign = ctm.event("REM", "Remis", t(49));
    assert_eq!(
        foreign.status,
        TrackingStatus::Delivered,
        "REM is CTM's delivered"
    );
    let s = e
        .fulfillment()
        .record_tracking("amana", number, vec![foreign], None)
        .await
        .expect("kept");
    assert_ne!(
        s.status(),
        TrackingStatus::Delivered,
        "CTM's code delivers no Amana parcel"
    );
    assert_eq!(
        s.events()
            .iter()
            .map(|ev| (ev.carrier_code.as_str(), ev.status))
            .collect::<Vec<_>>(),
        vec![("REM", TrackingStatus::Unknown)]
    );
    let typed = vec![
        amana.event("LIV", "Livré", t(50)),
        amana.event("DEP", "Déposé", t(2)),
        amana.event("ACH", "Acheminement", t(20)),
    ];
    let mut reversed = typed.clone();
    reversed.reverse();
    e.fulfillment()
        .record_tracking("amana", number, typed, None)
        .await
        .expect("track");
    let s = e
        .fulfillment()
        .record_tracking("amana", number, reversed, None)
        .await
        .expect("track again");
    assert_eq!(
        (s.status(), s.events().len()),
        (TrackingStatus::Delivered, 4)
    );

    // Sendit: refused at the door, then returned to the seller.
    let code = sh_b.tracking_number.clone().expect("code");
    fake.set_status(&code, "REJECTED", "2026-11-30 10:00:00");
    assert_eq!(
        e.fulfillment()
            .poll_tracking(&order.id, &sh_b.id)
            .await
            .expect("poll")
            .status(),
        TrackingStatus::DeliveryFailed
    );
    fake.set_status(&code, "RETURNED", "2026-12-03 16:00:00");
    assert_eq!(
        e.fulfillment()
            .poll_tracking(&order.id, &sh_b.id)
            .await
            .expect("poll")
            .status(),
        TrackingStatus::ReturnedToSender
    );

    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(
        doc.order.seller_order(&so_a).expect("a").status(),
        FulfillmentStatus::Delivered
    );
    assert_eq!(
        doc.order.seller_order(&so_b).expect("b").status(),
        FulfillmentStatus::Returned
    );
    assert_eq!(doc.order.status(), OrderStatus::Completed);
    assert_eq!(
        doc.order.payment.status(),
        PaymentStatus::Collected,
        "A's cash collected, B's collection cancelled"
    );
    assert_eq!(
        e.catalog().stock_row(&dmlij).await.expect("stock").on_hand,
        5,
        "the refused parcel's stock came back"
    );
    assert_eq!(
        e.catalog().stock_row(&srama).await.expect("stock").on_hand,
        4
    );

    // Amana remits A's cash: reconciled per shipment, recorded once.
    let cod_a = doc
        .order
        .seller_order(&so_a)
        .expect("a")
        .cod_amount
        .expect("cod");
    let items = [
        RemittanceItem::new(number, cod_a),
        RemittanceItem::new("LD000000000MA", cod_a),
    ];
    let report = e
        .fulfillment()
        .record_carrier_remittance("amana", "REM-2026-12", &items, None)
        .await
        .expect("remittance");
    assert_eq!(report[0].problem, None, "{report:?}");
    assert_eq!(report[0].expected, Some(cod_a));
    assert_eq!(report[1].problem.as_deref(), Some("unknown shipment"));
    let again = e
        .fulfillment()
        .record_carrier_remittance("amana", "REM-2026-12", &items[..1], None)
        .await
        .expect("again");
    assert_eq!(
        again[0].problem, None,
        "the same remittance line twice is recorded once"
    );
    let doc = e.orders().order(&order.id).await.expect("order");
    assert_eq!(
        (doc.order.payment.status(), doc.order.payment.remitted()),
        (PaymentStatus::Remitted, cod_a)
    );
}
