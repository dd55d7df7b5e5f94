//! The customs declaration (CN23 style) of a parcel abroad in the portal: the seller who owns
//! the part prints it beside the label once shipped; anonymous visitors go to the login page,
//! another seller finds nothing, and a parcel delivered in Morocco has none.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::http::StatusCode;
use support::{Client, demo_app};
use tijara::docs::PaymentSource;
use tijara::usecases::catalog::ProductFilter;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
use tijara_core::{Lang, OrderId, SellerOrderId};
use tijara_storefront::App;

const ARTISAN_PW: &str = "artisan-demo-2026";

/// An order of one unit of seller1's first product, to `address` by `carrier`, paid by card.
async fn paid_order(
    app: &App,
    address: tijara_core::order::Address,
    carrier: (&str, &str),
) -> (OrderId, SellerOrderId) {
    let first = app
        .engine
        .catalog()
        .list_sellers(None, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    let product = app
        .engine
        .catalog()
        .list_products(
            &ProductFilter::default().with_seller(first.id.clone()),
            None,
            1,
        )
        .await
        .unwrap()
        .items
        .remove(0);
    let req = PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines: vec![(product.variants[0].variant.id.clone(), 1)],
            coupons: vec![],
            customer: None,
            shipping: [(
                first.id.clone(),
                ShippingSelection::new(carrier.0, carrier.1),
            )]
            .into_iter()
            .collect(),
        },
        "claire@example.fr",
        address,
        "cmi",
        Lang::FR,
    );
    let o = app
        .engine
        .checkout()
        .place_order(req, None)
        .await
        .unwrap()
        .order;
    app.engine
        .payments()
        .record_payment(
            &o.id,
            PaymentNotice::new(
                PaymentSource::Admin {
                    user: "test".into(),
                },
                "PAY-CN23",
                PaymentEventKind::Captured {
                    amount: o.grand_total,
                },
                serde_json::Value::Null,
            ),
            None,
        )
        .await
        .unwrap();
    (o.id.clone(), o.seller_orders[0].id.clone())
}

fn paris() -> tijara_core::order::Address {
    tijara_core::order::Address {
        name: "Claire Martin".into(),
        line1: "12 rue de Rivoli".into(),
        line2: None,
        city: "Paris".into(),
        postal_code: Some("75004".into()),
        state: None,
        country: "FR".into(),
        phone: "+33612345678".into(),
    }
}

#[tokio::test]
async fn the_owner_prints_the_cn23_beside_the_label_and_nobody_else_sees_it() {
    let app = demo_app().await;
    let (order, part) = paid_order(&app, paris(), ("amana-international", "international")).await;
    let page = format!("/seller/orders/{order}/{part}");
    let mut s = Client::new(&app);
    s.login("seller1@tijara.example", ARTISAN_PW).await;
    // Before shipping: no parcel, no declaration.
    assert_eq!(
        s.get(&format!("{page}/customs")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = s.post(&format!("{page}/ship"), &[]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let p = s.get(&page).await;
    assert!(p.body.contains(&format!("{page}/customs")), "{}", p.body);
    let d = s.get(&format!("{page}/customs")).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    for want in [
        "CN23",
        "75004 PARIS",
        "FRANCE",
        "Sale of goods",
        "(DAP)",
        "Sender&#39;s signature",
    ] {
        assert!(
            d.body.contains(want) || d.body.contains(&want.replace("&#39;", "'")),
            "{want}: {}",
            d.body
        );
    }
    // Anonymous: the login page; another seller: nothing.
    let mut anon = Client::new(&app);
    let r = anon.get(&format!("{page}/customs")).await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    let mut other = Client::new(&app);
    other.login("seller3@tijara.example", ARTISAN_PW).await;
    assert_eq!(
        other.get(&format!("{page}/customs")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_parcel_in_morocco_has_no_customs_declaration() {
    let app = demo_app().await;
    let casa = tijara_core::order::Address {
        name: "Salma Bennani".into(),
        line1: "12 Rue Ibn Batouta".into(),
        line2: None,
        city: "Casablanca".into(),
        postal_code: Some("20000".into()),
        state: None,
        country: "MA".into(),
        phone: "+212661000042".into(),
    };
    let (order, part) = paid_order(&app, casa, ("amana", "standard")).await;
    let page = format!("/seller/orders/{order}/{part}");
    let mut s = Client::new(&app);
    s.login("seller1@tijara.example", ARTISAN_PW).await;
    s.get(&page).await;
    let r = s.post(&format!("{page}/ship"), &[]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let p = s.get(&page).await;
    assert!(!p.body.contains(&format!("{page}/customs")), "no button");
    let r = s.get(&format!("{page}/customs")).await;
    assert!(r.status.is_client_error(), "{}", r.status);
}
