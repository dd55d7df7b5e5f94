//! The customs declaration (CN23 style) of a parcel abroad in the portal: the seller who owns
//! the part prints it beside the label once shipped; anonymous visitors go to the login page,
//! another seller finds nothing, and a parcel delivered in Morocco has none. The admin's order
//! page links each shipped part's declaration, served under an admin route that only admins
//! reach (the seller's route stays the seller's).

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

#[tokio::test]
async fn the_admin_opens_each_parts_cn23_from_the_order_page_and_only_the_admin() {
    let app = demo_app().await;
    let (order, part) = paid_order(&app, paris(), ("amana-international", "international")).await;
    let admin_order = format!("/admin/orders/{order}");
    let admin_cn23 = format!("/admin/orders/{order}/{part}/customs");
    let mut admin = Client::new(&app);
    admin.get("/?lang=en").await;
    admin.login("admin@tijara.example", "admin-demo-2026").await;
    // Not shipped yet: no link, the page says when it comes; the route finds nothing.
    let page = admin.get(&admin_order).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(&admin_cn23), "{}", page.body);
    assert!(
        page.body
            .contains("will be here once the seller has shipped it"),
        "{}",
        page.body
    );
    assert_eq!(admin.get(&admin_cn23).await.status, StatusCode::NOT_FOUND);
    // The seller ships.
    let seller_page = format!("/seller/orders/{order}/{part}");
    let mut s = Client::new(&app);
    s.login("seller1@tijara.example", ARTISAN_PW).await;
    s.get(&seller_page).await;
    let r = s.post(&format!("{seller_page}/ship"), &[]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    // The admin's order page links the declaration, which the admin reads.
    let page = admin.get(&admin_order).await;
    assert!(
        page.body.contains(&format!(r#"href="{admin_cn23}""#)),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Customs declaration (CN23)"),
        "{}",
        page.body
    );
    let d = admin.get(&admin_cn23).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    for want in [
        "CN23",
        "75004 PARIS",
        "FRANCE",
        "(DAP)",
        "92-I-1",
        &admin_order,
    ] {
        assert!(d.body.contains(want), "{want}: {}", d.body);
    }
    // Anonymous: the login page; the seller, another seller and a customer: refused.
    let mut anon = Client::new(&app);
    let r = anon.get(&admin_cn23).await;
    assert_eq!(r.location.as_deref(), Some("/account/login"));
    for (email, pw) in [
        ("seller1@tijara.example", ARTISAN_PW),
        ("seller3@tijara.example", ARTISAN_PW),
        ("shopper@tijara.example", "shopper-demo-2026"),
    ] {
        let mut c = Client::new(&app);
        c.login(email, pw).await;
        assert_eq!(
            c.get(&admin_cn23).await.status,
            StatusCode::FORBIDDEN,
            "{email}"
        );
    }
    // The seller's route stays the seller's: the admin is no seller there.
    let r = admin.get(&format!("{seller_page}/customs")).await;
    assert_ne!(r.status, StatusCode::OK);
    assert!(!r.body.contains("CN23"), "{}", r.body);
    // An order in Morocco: no link on the admin's page, the route refuses.
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
    let (home, home_part) = paid_order(&app, casa, ("amana", "standard")).await;
    let home_page = format!("/seller/orders/{home}/{home_part}");
    // A login ends the account's other sessions: the one in the loop above ended hers.
    let mut s = Client::new(&app);
    s.login("seller1@tijara.example", ARTISAN_PW).await;
    s.get(&home_page).await;
    let r = s.post(&format!("{home_page}/ship"), &[]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let page = admin.get(&format!("/admin/orders/{home}")).await;
    assert!(!page.body.contains("/customs"), "{}", page.body);
    let r = admin
        .get(&format!("/admin/orders/{home}/{home_part}/customs"))
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
}
