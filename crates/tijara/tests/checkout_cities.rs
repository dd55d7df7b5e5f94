//! Checkout with the real sample rate cards: cities typed as shoppers type them reach a
//! carrier, unlisted towns fall to the "other cities" zone, addresses nobody serves get a
//! typed answer, and cash on delivery's fee is in the review and in the order.

mod common;

use common::*;
use std::sync::Arc;
use tijara::TijaraError;
use tijara::usecases::cart::CartChange;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::{Tijara, core::payment::PaymentMethod};
use tijara_carrier_table::TableCarrier;
use tijara_core::order::Address;
use tijara_core::*;
use tijara_testkit::stubs::*;

fn market_with_cards() -> Market {
    let clock = Arc::new(FixedClock::at(t0()));
    let sink = Arc::new(RecordingSink::default());
    let card = Arc::new(StubGateway::card());
    let engine = Tijara::builder()
        .region(Region::dakhla())
        .storage(Arc::new(tijara_store_memory::MemoryStore::new()))
        .payment(card.clone())
        .payment(Arc::new(StubGateway::cash_on_delivery()))
        .carrier(Arc::new(
            TableCarrier::from_toml(tijara_carrier_table::AMANA_SAMPLE).expect("amana"),
        ))
        .carrier(Arc::new(
            TableCarrier::from_toml(tijara_carrier_table::CTM_SAMPLE).expect("ctm"),
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

fn to(city: &str, country: &str) -> Address {
    Address {
        city: city.into(),
        country: country.into(),
        postal_code: None,
        ..address()
    }
}

/// A cart with the cushion (seller A) and the bracelet (seller B).
async fn cart(m: &Market, c: &Catalog) -> CartId {
    let e = &m.engine;
    let cart = e
        .carts()
        .create_cart(None, None)
        .await
        .expect("cart")
        .cart
        .id;
    for v in [&c.cushion, &c.bracelet] {
        e.carts()
            .change_cart(
                &cart,
                CartChange::Add {
                    variant: v.clone(),
                    quantity: 1,
                },
                None,
            )
            .await
            .expect("add");
    }
    cart
}

#[tokio::test]
async fn cities_as_shoppers_type_them_get_carriers() {
    let m = market_with_cards();
    let c = catalog(&m).await;
    let cart = cart(&m, &c).await;
    for (typed, canonical) in [
        ("الداخلة", "Dakhla"),
        ("العيون", "Laâyoune"),
        ("مراكش", "Marrakech"),
        ("Casa", "Casablanca"),
        ("Marrakesh", "Marrakech"),
        ("Tangier", "Tanger"),
        ("dar el beida", "Casablanca"),
    ] {
        let options = m
            .engine
            .checkout()
            .shipping_quotes(&cart, &to(typed, "MA"))
            .await
            .expect("quotes");
        assert_eq!(options.len(), 2, "{typed}");
        for o in &options {
            let carriers: Vec<&str> = o.options.iter().map(|q| q.carrier.as_str()).collect();
            assert!(carriers.contains(&"amana"), "{typed}: {carriers:?}");
            assert!(carriers.contains(&"ctm"), "{typed}: {carriers:?}");
            assert!(o.options.iter().all(|q| q.carrier_name.is_some()));
        }
        // The cart keeps the address as the carriers know it, postal code filled.
        let doc = m
            .engine
            .checkout()
            .choose_shipping(
                &cart,
                to(typed, "MA"),
                &c.a,
                ShippingSelection::new("amana", "standard"),
                None,
            )
            .await
            .expect("chosen");
        let stored = doc.address.expect("address");
        assert_eq!(stored.city, canonical, "{typed}");
        assert!(stored.postal_code.is_some(), "{typed}");
    }
    // The cities are there for pickers.
    assert!(m.engine.region().cities.len() >= 26);
}

#[tokio::test]
async fn an_unlisted_moroccan_town_gets_the_other_cities_zone() {
    let m = market_with_cards();
    let c = catalog(&m).await;
    let cart = cart(&m, &c).await;
    let options = m
        .engine
        .checkout()
        .shipping_quotes(&cart, &to("Tafraout", "MA"))
        .await
        .expect("quotes");
    let amana = options[0]
        .options
        .iter()
        .find(|q| q.carrier == "amana")
        .expect("amana serves other cities");
    // 800 g from Dakhla: the "other" zone's 2 kg bracket, 5-9 days plus 2 from Dakhla.
    assert_eq!(amana.price, mad("62.00"));
    assert_eq!(amana.estimated_days, (7, 11));
    assert_eq!(amana.carrier_name.as_deref(), Some("Amana"));
}

#[tokio::test]
async fn an_address_nobody_serves_gets_a_typed_answer() {
    let m = market_with_cards();
    let c = catalog(&m).await;
    let cart = cart(&m, &c).await;
    let mut paris = to("Paris", "FR");
    paris.postal_code = Some("75004".into());
    let options = m
        .engine
        .checkout()
        .shipping_quotes(&cart, &paris)
        .await
        .expect("quotes");
    assert_eq!(options.len(), 2);
    assert!(options.iter().all(|o| o.options.is_empty()));
    let r = m
        .engine
        .checkout()
        .choose_shipping(
            &cart,
            paris.clone(),
            &c.a,
            ShippingSelection::new("amana", "standard"),
            None,
        )
        .await;
    assert!(
        matches!(&r, Err(TijaraError::NoCarrier { seller, city, country })
            if seller == &c.a && city == "Paris" && country == "FR"),
        "{r:?}"
    );
    let r = m
        .engine
        .checkout()
        .review(&cart, &paris, PaymentMethod::Card)
        .await;
    assert!(matches!(r, Err(TijaraError::NoCarrier { .. })), "{r:?}");
    // A bad e-mail is refused and not kept; a good one is.
    let r = m
        .engine
        .checkout()
        .set_email(&cart, "not-an-email", None)
        .await;
    assert!(matches!(r, Err(TijaraError::BadEmail { .. })), "{r:?}");
    // Nothing was written to the cart.
    let doc = m.engine.carts().cart(&cart).await.expect("cart");
    assert!(doc.address.is_none() && doc.shipping.is_empty());
}

#[tokio::test]
async fn cash_on_delivery_fee_is_reviewed_and_charged() {
    let m = market_with_cards();
    let c = catalog(&m).await;
    let cart = cart(&m, &c).await;
    let e = &m.engine;
    let typed = to("الداخلة", "MA");
    let doc = e
        .checkout()
        .set_email(&cart, " fatima@example.ma ", None)
        .await
        .expect("email");
    assert_eq!(doc.email.as_deref(), Some("fatima@example.ma"));
    for seller in [&c.a, &c.b] {
        e.checkout()
            .choose_shipping(
                &cart,
                typed.clone(),
                seller,
                ShippingSelection::new("amana", "standard"),
                None,
            )
            .await
            .expect("chosen");
    }
    let by_card = e
        .checkout()
        .review(&cart, &typed, PaymentMethod::Card)
        .await
        .expect("review");
    assert_eq!(
        by_card.cod_fees().expect("fees"),
        Money::zero(Currency::MAD)
    );
    assert_eq!(by_card.address.city, "Dakhla");
    let cod = e
        .checkout()
        .review(&cart, &typed, PaymentMethod::CashOnDelivery)
        .await
        .expect("review");
    // Amana: 1.5 % of each seller's goods, at least 10.00: 250 → 10.00, 780 → 11.70.
    let fees: Vec<Option<Money>> = cod
        .sellers
        .iter()
        .map(|s| s.quote.as_ref().and_then(|q| q.cod_fee))
        .collect();
    assert!(fees.contains(&Some(mad("10.00"))) && fees.contains(&Some(mad("11.70"))));
    assert_eq!(cod.cod_fees().expect("fees"), mad("21.70"));
    assert_eq!(
        cod.grand_total(),
        by_card
            .grand_total()
            .checked_add(mad("21.70"))
            .expect("sum")
    );
    assert!(cod.sellers.iter().all(|s| {
        s.quote.as_ref().is_some_and(|q| {
            q.carrier_name.as_deref() == Some("Amana") && q.estimated_days == (3, 4)
        })
    }));
    // The quotes for cash on delivery carry the same fee.
    let quotes = e
        .checkout()
        .shipping_quotes_for(&cart, &typed, Some(PaymentMethod::CashOnDelivery))
        .await
        .expect("quotes");
    assert!(
        quotes
            .iter()
            .flat_map(|o| &o.options)
            .filter(|q| q.carrier == "amana")
            .all(|q| q.cod_fee.is_some())
    );
    // Placing charges exactly the reviewed total.
    let placed = e
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Stored { cart },
                "fatima@example.ma",
                typed.clone(),
                "cod",
                Lang::AR,
            ),
            None,
        )
        .await
        .expect("placed");
    assert_eq!(placed.order.grand_total, cod.grand_total());
    assert_eq!(placed.order.shipping_address.city, "Dakhla");
    assert_eq!(
        placed.order.shipping_address.postal_code.as_deref(),
        Some("73000")
    );
    assert_eq!(placed.order.shipping_address.phone, "+212612345678");
}

#[tokio::test]
async fn a_card_order_is_charged_its_review_without_fee() {
    let m = market_with_cards();
    let c = catalog(&m).await;
    let cart = cart(&m, &c).await;
    let e = &m.engine;
    let typed = to("Casa", "MA");
    for seller in [&c.a, &c.b] {
        e.checkout()
            .choose_shipping(
                &cart,
                typed.clone(),
                seller,
                ShippingSelection::new("ctm", "express"),
                None,
            )
            .await
            .expect("chosen");
    }
    let review = e
        .checkout()
        .review(&cart, &typed, PaymentMethod::Card)
        .await
        .expect("review");
    let placed = e
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Stored { cart },
                "fatima@example.ma",
                typed,
                "card",
                Lang::FR,
            ),
            None,
        )
        .await
        .expect("placed");
    assert_eq!(placed.order.grand_total, review.grand_total());
}
