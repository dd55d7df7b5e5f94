//! Selling abroad through the engine: international rate cards quote Paris, cash on delivery
//! is refused abroad, a line without customs data is refused before anything is written, the
//! export exemption prices the lines of TVA-registered sellers without TVA (orders, invoices),
//! and the shipment keeps its customs declaration.

mod common;

use common::*;
use std::sync::Arc;
use tijara::Tijara;
use tijara::TijaraError;
use tijara::docs::PaymentSource;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::ShipRequest;
use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
use tijara_carrier_table::TableCarrier;
use tijara_core::customs::{CustomsError, CustomsInfo};
use tijara_core::order::Address;
use tijara_core::*;
use tijara_testkit::stubs::*;

fn market_abroad() -> Market {
    market_abroad_on(Arc::new(tijara_store_memory::MemoryStore::new()))
}

fn market_abroad_on(storage: Arc<dyn tijara::ports::storage::Storage>) -> Market {
    let clock = Arc::new(FixedClock::at(t0()));
    let sink = Arc::new(RecordingSink::default());
    let card = Arc::new(StubGateway::card());
    let engine = Tijara::builder()
        .region(Region::dakhla())
        .storage(storage)
        .payment(card.clone())
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(
            TableCarrier::from_toml(tijara_carrier_table::AMANA_SAMPLE).expect("amana"),
        ))
        .carrier(Arc::new(
            TableCarrier::from_toml(tijara_carrier_table::AMANA_INTERNATIONAL_SAMPLE)
                .expect("amana international"),
        ))
        .clock(clock.clone())
        .ids(Arc::new(SequentialIds::default()))
        .sleeper(Arc::new(TokioSleeper))
        .event_sink(sink.clone())
        .build()
        .expect("engine");
    Market {
        engine,
        clock,
        carrier: Arc::new(StubCarrier::new("unused", "1.00", "1.00")),
        sink,
        card,
    }
}

fn paris() -> Address {
    Address {
        name: "Claire Martin".into(),
        line1: "12 rue de Rivoli".into(),
        line2: None,
        city: "Paris".into(),
        postal_code: Some("75004".into()),
        state: None,
        country: "FR".into(),
        phone: "+33 6 12 34 56 78".into(),
    }
}

fn customs(fr: &str, en: &str, hs: &str, grams: u32) -> CustomsInfo {
    CustomsInfo {
        hs_code: hs.into(),
        description_fr: fr.into(),
        description_en: en.into(),
        origin_country: "MA".into(),
        net_weight_grams: grams,
    }
}

/// Products with their customs data: a cushion of seller A (250.00) and a bracelet of
/// seller B (780.00). The catalog's bag has none.
async fn with_customs(m: &Market, c: &Catalog) -> (VariantId, VariantId) {
    let e = &m.engine;
    let cushion = e
        .catalog()
        .create_product(
            product_input(
                &c.a,
                "srama-export",
                "Coussin en cuir",
                "وسادة جلدية",
                vec![variant("SRAMA-X", "250.00", 5)],
            )
            .with_customs(customs(
                "Coussin en cuir de chèvre",
                "Goat leather cushion",
                "9404.90",
                700,
            )),
            None,
        )
        .await
        .expect("cushion");
    let mut bracelet = product_input(
        &c.b,
        "dmlij-export",
        "Bracelet en argent",
        "دملج فضي",
        vec![variant("DMLJ-X", "780.00", 10)],
    )
    .with_customs(customs(
        "Bracelet en argent",
        "Silver bracelet",
        "7113.11",
        60,
    ));
    bracelet.category_id = CategoryId::new("jewellery").expect("id");
    let bracelet = e
        .catalog()
        .create_product(bracelet, None)
        .await
        .expect("bracelet");
    assert_eq!(
        cushion.customs.as_ref().map(|x| x.hs_code.as_str()),
        Some("940490"),
        "stored tidied"
    );
    (
        cushion.variants[0].id.clone(),
        bracelet.variants[0].id.clone(),
    )
}

fn order_to(
    lines: Vec<(VariantId, u32)>,
    sellers: &[&SellerId],
    gateway: &str,
) -> PlaceOrderRequest {
    PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines,
            coupons: vec![],
            customer: None,
            shipping: sellers
                .iter()
                .map(|s| {
                    (
                        (*s).clone(),
                        ShippingSelection::new("amana-international", "international"),
                    )
                })
                .collect(),
        },
        "claire@example.fr",
        paris(),
        gateway,
        Lang::FR,
    )
}

async fn order_count(m: &Market) -> usize {
    m.engine
        .orders()
        .all_orders(None, 100)
        .await
        .map(|p| p.items.len())
        .unwrap_or(0)
}

#[tokio::test]
async fn an_order_to_paris_is_quoted_priced_without_tva_and_declared() {
    let m = market_abroad();
    let e = &m.engine;
    let c = catalog(&m).await;
    let (cushion_v, bracelet_v) = with_customs(&m, &c).await;

    // Cash on delivery abroad: refused, nothing written.
    let cod = order_to(
        vec![(cushion_v.clone(), 1), (bracelet_v.clone(), 1)],
        &[&c.a, &c.b],
        "cod",
    );
    let r = e.checkout().place_order(cod, None).await;
    assert!(
        matches!(&r, Err(TijaraError::CodNotAbroad { country }) if country == "FR"),
        "{r:?}"
    );
    // A line without customs data: refused, naming it, nothing written.
    let bag = order_to(vec![(c.bag.clone(), 1)], &[&c.a], "card");
    let r = e.checkout().place_order(bag, None).await;
    assert!(
        matches!(&r, Err(TijaraError::Customs(CustomsError::Missing { sku, .. })) if sku.as_str() == "TASS-1"),
        "{r:?}"
    );
    assert_eq!(order_count(&m).await, 0, "nothing half-done");

    // By card: the lines and the delivery of the TVA-registered seller are priced without
    // TVA.
    let placed = e
        .checkout()
        .place_order(
            order_to(
                vec![(cushion_v.clone(), 1), (bracelet_v.clone(), 1)],
                &[&c.a, &c.b],
                "card",
            ),
            None,
        )
        .await
        .expect("placed");
    let order = placed.order;
    let lines: Vec<_> = order.seller_orders.iter().flat_map(|s| &s.lines).collect();
    let cushion = lines
        .iter()
        .find(|l| l.variant_id == cushion_v)
        .expect("cushion");
    // 250.00 TTC at 20 %: 208.33 without TVA.
    assert_eq!((cushion.unit_price, cushion.tva), (mad("208.33"), mad("0")));
    assert_eq!(cushion.export_relief, Some(mad("41.67")));
    assert!(
        cushion
            .exemption
            .as_deref()
            .is_some_and(|m| m.contains("92-I-1")),
        "{cushion:?}"
    );
    let bracelet = lines
        .iter()
        .find(|l| l.variant_id == bracelet_v)
        .expect("bracelet");
    assert_eq!(bracelet.unit_price, mad("650.00"));
    // Amana International to Paris, 800 g each, from Dakhla: 210.00 TTC each. Both sellers
    // are TVA-registered: their deliveries are exempt as export services too (210.00 less its
    // 20 % TVA, 175.00, with the mention).
    let shipping: Vec<(Money, Money, bool)> = order
        .seller_orders
        .iter()
        .filter_map(|s| {
            s.shipping
                .as_ref()
                .map(|x| (x.net, x.tva, x.exemption.is_some()))
        })
        .collect();
    assert_eq!(
        shipping,
        [
            (mad("175.00"), mad("0"), true),
            (mad("175.00"), mad("0"), true)
        ]
    );
    assert_eq!(order.grand_total, mad("1208.33"));
    assert_eq!(order.tva.total().expect("tva").tva, mad("0"));

    // Paid, each seller ships with the declaration; the invoice carries the mention.
    e.payments()
        .record_payment(
            &order.id,
            PaymentNotice::new(
                PaymentSource::Gateway {
                    code: "card".into(),
                },
                "t-paris",
                PaymentEventKind::Authorized {
                    amount: order.grand_total,
                },
                serde_json::json!({"ProcReturnCode": "00"}),
            ),
            None,
        )
        .await
        .expect("paid");
    for so in &order.seller_orders {
        e.fulfillment()
            .mark_ready(&order.id, &so.id, None)
            .await
            .expect("ready");
        let shipment = e
            .fulfillment()
            .ship(&order.id, &so.id, ShipRequest::default(), None)
            .await
            .expect("shipped");
        let declared = shipment.customs.clone().expect("declaration kept");
        assert_eq!(declared.items.len(), 1);
        assert_eq!(declared.total_value, so.subtotal);
        let doc = e
            .fulfillment()
            .customs_document(&order.id, &shipment.id)
            .await
            .expect("CN23");
        assert_eq!(doc.declaration, declared);
        assert_eq!(
            doc.recipient_lines,
            ["Claire Martin", "12 rue de Rivoli", "75004 PARIS", "FRANCE"]
        );
        assert!(doc.export_mention.is_some());
        let invoice = e
            .orders()
            .invoice(&order.id, &so.id)
            .await
            .expect("invoice");
        assert!(
            invoice
                .export_mention
                .as_deref()
                .is_some_and(|m| m.contains("92-I-1")),
            "{invoice:?}"
        );
        assert_eq!(
            invoice
                .total_ht
                .checked_add(invoice.total_tva)
                .expect("add"),
            invoice.total_ttc
        );
        assert_eq!(invoice.total_ttc, so.total);
        // The delivery line names the carrier; exempt as an export, it says so.
        let delivery = invoice.lines.last().expect("delivery line");
        assert_eq!(
            delivery.description,
            "Livraison Amana International (international)"
        );
        let exported = so.shipping.as_ref().is_some_and(|s| s.export.is_some());
        assert_eq!(
            delivery
                .exemption
                .as_deref()
                .is_some_and(|m| m.contains("92-I-1")),
            exported,
            "{delivery:?}"
        );
    }
}

#[tokio::test]
async fn quotes_abroad_come_from_international_cards_only() {
    let m = market_abroad();
    let c = catalog(&m).await;
    let (cushion_v, _) = with_customs(&m, &c).await;
    let cart = cart_with(&m.engine, &cushion_v, 1).await;
    let options = m
        .engine
        .checkout()
        .shipping_quotes(&cart, &paris())
        .await
        .expect("quotes");
    let carriers: Vec<&str> = options[0]
        .options
        .iter()
        .map(|q| q.carrier.as_str())
        .collect();
    assert_eq!(carriers, ["amana-international"]);
    assert_eq!(options[0].options[0].estimated_days, (8, 14));
    // Asked for cash on delivery abroad: refused, never quoted.
    let r = m
        .engine
        .checkout()
        .shipping_quotes_for(
            &cart,
            &paris(),
            Some(tijara_core::payment::PaymentMethod::CashOnDelivery),
        )
        .await;
    assert!(matches!(r, Err(TijaraError::CodNotAbroad { .. })), "{r:?}");
    // A French address without its postal code: the address is refused, with the country.
    let mut no_code = paris();
    no_code.postal_code = None;
    let r = m.engine.checkout().shipping_quotes(&cart, &no_code).await;
    assert!(
        matches!(
            r,
            Err(TijaraError::Order(
                tijara_core::order::OrderError::PostalCodeRequired { country: "FR", .. }
            ))
        ),
        "{r:?}"
    );
}

#[tokio::test]
async fn the_admin_sets_or_removes_a_products_customs_data_and_nothing_else() {
    let m = market_abroad();
    let e = &m.engine;
    let c = catalog(&m).await;
    let products = e
        .catalog()
        .list_products(
            &tijara::usecases::catalog::ProductFilter::default(),
            None,
            50,
        )
        .await
        .expect("products");
    let bag = products
        .items
        .iter()
        .find(|p| p.variants.iter().any(|v| v.variant.id == c.bag))
        .expect("the bag")
        .product
        .clone();
    assert_eq!(bag.customs, None);
    // A wrong field: refused, naming it, nothing written.
    let r = e
        .catalog()
        .set_product_customs(&bag.id, Some(customs("Sac", "Bag", "4202", 300)), None)
        .await;
    match r {
        Err(TijaraError::Validation(v)) => assert!(
            matches!(
                v.problems(),
                [tijara_core::catalog::Problem::Customs {
                    error: CustomsError::HsCode(_)
                }]
            ),
            "{v}"
        ),
        other => panic!("{other:?}"),
    }
    let stored = |p: tijara::usecases::catalog::ProductView| p.product;
    assert_eq!(
        stored(e.catalog().product(&bag.id).await.expect("p")),
        bag,
        "nothing written"
    );
    // Set: stored tidied, the rest as it was; the bag can now be shipped abroad.
    let set = e
        .catalog()
        .set_product_customs(
            &bag.id,
            Some(customs(" Sac en cuir ", "Leather bag", "4202.21", 300)),
            None,
        )
        .await
        .expect("set");
    let info = set.customs.clone().expect("customs");
    assert_eq!(
        (info.hs_code.as_str(), info.description_fr.as_str()),
        ("420221", "Sac en cuir")
    );
    let mut unchanged = set.clone();
    unchanged.customs = None;
    assert_eq!(unchanged, bag, "only the customs data changed");
    let placed = e
        .checkout()
        .place_order(order_to(vec![(c.bag.clone(), 1)], &[&c.a], "card"), None)
        .await;
    assert!(placed.is_ok(), "{placed:?}");
    // Removed: refused abroad again, naming the SKU.
    let removed = e
        .catalog()
        .set_product_customs(&bag.id, None, None)
        .await
        .expect("removed");
    assert_eq!(removed.customs, None);
    let r = e
        .checkout()
        .place_order(order_to(vec![(c.bag.clone(), 1)], &[&c.a], "card"), None)
        .await;
    assert!(
        matches!(&r, Err(TijaraError::Customs(CustomsError::Missing { sku, .. })) if sku.as_str() == "TASS-1"),
        "{r:?}"
    );
}

/// A shipping choice is made from the catalog its engine holds (its commit checks the
/// catalog's version); refused on it, it is judged again on the catalog in storage: customs
/// data another engine (another process) has just set is seen at once.
#[tokio::test]
async fn a_choice_refused_on_the_held_catalog_is_judged_again_from_storage() {
    let store: Arc<dyn tijara::ports::storage::Storage> =
        Arc::new(tijara_store_memory::MemoryStore::new());
    let (here, there) = (market_abroad_on(store.clone()), market_abroad_on(store));
    let c = catalog(&here).await;
    let e = &here.engine;
    // The bag added: its catalog is now held here.
    let cart = cart_with(e, &c.bag, 1).await;
    let quote = e
        .checkout()
        .shipping_quotes(&cart, &paris())
        .await
        .expect("quotes")[0]
        .options[0]
        .clone();
    let choose = || {
        e.checkout().choose_shipping(
            &cart,
            paris(),
            &c.a,
            ShippingSelection::new(quote.carrier.clone(), quote.service.clone()),
            None,
        )
    };
    let r = choose().await;
    assert!(
        matches!(&r, Err(TijaraError::Customs(CustomsError::Missing { .. }))),
        "no customs data yet: {r:?}"
    );
    let bag = e
        .catalog()
        .product_page("tassoufra")
        .await
        .expect("bag")
        .view
        .product
        .id;
    there
        .engine
        .catalog()
        .set_product_customs(&bag, Some(customs("Sac", "Bag", "4202.21", 300)), None)
        .await
        .expect("customs set elsewhere");
    let doc = choose()
        .await
        .expect("chosen with the customs data set elsewhere");
    assert_eq!(
        doc.shipping.get(&c.a).map(|s| s.carrier.as_str()),
        Some(quote.carrier.as_str())
    );
}
