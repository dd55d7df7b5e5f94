//! Each refusal a caller can act on is its own `TijaraError` variant, naming what to act on:
//! callers match on variants, never on messages.

mod common;

use common::*;
use std::collections::BTreeMap;
use tijara::usecases::cart::CartChange;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::{HandTracking, Operator, ShipRequest};
use tijara::{IdempotencyKey, Part, TijaraError};
use tijara_core::fulfillment::{TrackingEvent, TrackingStatus};
use tijara_core::*;

fn amana() -> ShippingSelection {
    ShippingSelection::new("amana", "standard")
}

fn stored(cart: &CartId, gateway: &str) -> PlaceOrderRequest {
    PlaceOrderRequest::new(
        CheckoutCart::Stored { cart: cart.clone() },
        "salma@example.ma",
        address(),
        gateway,
        Lang::FR,
    )
}

async fn cart_with(m: &Market, lines: &[&VariantId]) -> CartId {
    let cart = m
        .engine
        .carts()
        .create_cart(None, None)
        .await
        .expect("cart")
        .cart
        .id;
    for v in lines {
        m.engine
            .carts()
            .change_cart(
                &cart,
                CartChange::Add {
                    variant: (*v).clone(),
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
async fn an_empty_cart_is_told_it_is_empty_not_to_choose_a_delivery() {
    let m = market();
    catalog(&m).await;
    let cart = cart_with(&m, &[]).await;
    let err = m
        .engine
        .checkout()
        .place_order(stored(&cart, "cod"), None)
        .await
        .expect_err("empty");
    assert!(matches!(err, TijaraError::EmptyCart), "{err}");
    assert!(!err.to_string().contains("shipping"), "{err}");
    // An inline cart without lines too.
    let mut inline = stored(&cart, "cod");
    inline.cart = CheckoutCart::Inline {
        lines: vec![],
        coupons: vec![],
        customer: None,
        shipping: BTreeMap::new(),
    };
    assert!(matches!(
        m.engine.checkout().place_order(inline, None).await,
        Err(TijaraError::EmptyCart)
    ));
}

#[tokio::test]
async fn checkout_without_a_sellers_shipping_names_that_seller() {
    let m = market();
    let c = catalog(&m).await;
    let cart = cart_with(&m, &[&c.cushion, &c.bracelet]).await;
    m.engine
        .checkout()
        .choose_shipping(&cart, address(), &c.a, amana(), None)
        .await
        .expect("shipping for a");
    let err = m
        .engine
        .checkout()
        .place_order(stored(&cart, "cod"), None)
        .await
        .expect_err("b has no shipping");
    assert!(
        matches!(&err, TijaraError::ShippingNotChosen { seller } if seller == &c.b),
        "{err}"
    );
    assert!(err.to_string().contains(c.b.as_str()), "{err}");
}

#[tokio::test]
async fn cart_and_shipping_refusals_have_their_own_variants() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let cart = cart_with(&m, &[&c.cushion]).await;
    // Shipping for a seller with nothing in the cart.
    assert!(matches!(
        e.checkout().choose_shipping(&cart, address(), &c.b, amana(), None).await,
        Err(TijaraError::NothingToShip { seller }) if seller == c.b
    ));
    // A service no quote offers.
    let nowhere = ShippingSelection::new("amana", "teleport");
    assert!(matches!(
        e.checkout().choose_shipping(&cart, address(), &c.a, nowhere, None).await,
        Err(TijaraError::ServiceUnavailable { seller, service, .. })
            if seller == c.a && service == "teleport"
    ));
    // The address changed since shipping was chosen.
    e.checkout()
        .choose_shipping(&cart, address(), &c.a, amana(), None)
        .await
        .expect("shipping");
    let mut moved = stored(&cart, "cod");
    moved.address.city = "Rabat".into();
    assert!(matches!(
        e.checkout().place_order(moved, None).await,
        Err(TijaraError::ShippingOutdated)
    ));
    // A malformed e-mail names the address given.
    let mut bad = stored(&cart, "cod");
    bad.email = "salma.example.ma".into();
    assert!(matches!(
        e.checkout().place_order(bad, None).await,
        Err(TijaraError::BadEmail { email }) if email == "salma.example.ma"
    ));
    // Once ordered, the cart is closed.
    e.checkout()
        .place_order(stored(&cart, "cod"), None)
        .await
        .expect("placed");
    assert!(matches!(
        e.carts().change_cart(&cart, CartChange::Remove { variant: c.cushion.clone() }, None)
            .await,
        Err(TijaraError::CartClosed { cart: closed }) if closed == cart
    ));
}

#[tokio::test]
async fn order_state_refusals_name_the_order_and_its_part() {
    let m = market();
    let c = catalog(&m).await;
    let e = &m.engine;
    let cart = cart_with(&m, &[&c.cushion]).await;
    e.checkout()
        .choose_shipping(&cart, address(), &c.a, amana(), None)
        .await
        .expect("shipping");
    let order = e
        .checkout()
        .place_order(stored(&cart, "cod"), None)
        .await
        .expect("placed")
        .order;
    let part = order.seller_orders[0].id.clone();
    // Cash on delivery is confirmed at once: nothing to pay now, no transfer to record.
    assert!(matches!(
        e.checkout().start_payment(&order.id, None).await,
        Err(TijaraError::NotAwaitingPayment { order: o }) if o == order.id
    ));
    assert!(matches!(
        e.payments().confirm_bank_transfer(&order.id, mad("250.00"), "VIR-1", "admin", None)
            .await,
        Err(TijaraError::NotBankTransfer { order: o }) if o == order.id
    ));
    let parcel = || ShipRequest::new();
    assert!(matches!(
        e.fulfillment().ship(&order.id, &part, parcel(), None).await,
        Err(TijaraError::NotReadyToShip { order: o, part: p }) if o == order.id && p == part
    ));
    let hand = HandTracking::new().with_tracking_number("RR123");
    assert!(matches!(
        e.fulfillment().track_by_hand(&Operator::Marketplace, &order.id, &part, hand, None)
            .await,
        Err(TijaraError::NotShipped { part: p }) if p == part
    ));
    e.fulfillment()
        .mark_ready(&order.id, &part, None)
        .await
        .expect("ready");
    let shipment = e
        .fulfillment()
        .ship(&order.id, &part, parcel(), None)
        .await
        .expect("ship");
    // Parts of the order are not found by the id the caller gave, not the order's.
    let ghost = ShipmentId::new("no-such-shipment").expect("id");
    assert!(matches!(
        e.fulfillment().poll_tracking(&order.id, &ghost).await,
        Err(TijaraError::PartNotFound { part: Part::Shipment, id }) if id == "no-such-shipment"
    ));
    assert!(matches!(
        e.fulfillment().record_tracking("amana", "NOPE-1", vec![], None).await,
        Err(TijaraError::PartNotFound { part: Part::TrackingNumber, id }) if id == "NOPE-1"
    ));
    // Once the parcel moves, its label can no longer be cancelled.
    let number = shipment.tracking_number.clone().expect("number");
    e.fulfillment()
        .record_tracking(
            "amana",
            &number,
            vec![TrackingEvent {
                at: t0(),
                status: TrackingStatus::PickedUp,
                carrier_code: "PU".into(),
                carrier_text: "PU".into(),
                location: None,
                cod_collected: None,
            }],
            None,
        )
        .await
        .expect("picked up");
    assert!(matches!(
        e.fulfillment().cancel_shipment(&order.id, &shipment.id, None).await,
        Err(TijaraError::LabelInUse { shipment: s, status: TrackingStatus::PickedUp })
            if s == shipment.id
    ));
}

#[tokio::test]
async fn input_refusals_name_the_field() {
    let m = market();
    let c = catalog(&m).await;
    assert!(matches!(
        IdempotencyKey::new("with space"),
        Err(TijaraError::BadIdempotencyKey)
    ));
    let id: TijaraError = OrderId::new("").expect_err("empty").into();
    assert!(matches!(id, TijaraError::Id(IdError::Empty { .. })), "{id}");
    let money: TijaraError = Money::mad("1.234").expect_err("precision").into();
    assert!(matches!(money, TijaraError::Money(_)), "{money}");
    assert!(matches!(
        m.engine.operations().record_done("notification", "").await,
        Err(TijaraError::InvalidField { field: "key", .. })
    ));
    let e = &m.engine;
    let hand = HandTracking::new().with_tracking_number("has space");
    let order = OrderId::new("ord-x").expect("id");
    let part = SellerOrderId::new("ord-x-1").expect("id");
    assert!(matches!(
        e.fulfillment()
            .track_by_hand(&Operator::Marketplace, &order, &part, hand, None)
            .await,
        Err(TijaraError::InvalidField {
            field: "tracking_number",
            ..
        })
    ));
    // A variant priced in another currency than the region's.
    let mut euros = product_input(
        &c.a,
        "lamp",
        "Lampe",
        "مصباح",
        vec![variant("LAMP-1", "10.00", 1)],
    );
    euros.variants[0].price = Money::parse("10.00", Currency::EUR).expect("eur");
    assert!(matches!(
        e.catalog().create_product(euros, None).await,
        Err(TijaraError::WrongCurrency {
            expected: Currency::MAD,
            got: Currency::EUR
        })
    ));
}
