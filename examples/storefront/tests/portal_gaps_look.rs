//! Screenshots at phone width, in Arabic and French, of the pages issue 14's last gaps changed:
//! the admin's payouts page (every word in the page's language), the shopper's order page with
//! a refused return (the seller's reason and what to do next), and the A6 label of an order in
//! two parcels. Saved in `target/screenshots/portal-gaps-<lang>/`; nothing wider than the
//! screen.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

#[path = "support/browser.rs"]
mod browser;

use tijara::usecases::catalog::ProductFilter;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::{HandTracking, Operator, ShipRequest};
use tijara::usecases::returns::ReturnStep;
use tijara_core::fulfillment::TrackingStatus;
use tijara_core::returns::{ReturnLine, ReturnReason};
use tijara_core::{Lang, OrderId};
use tijara_storefront::App;

/// A cash-on-delivery guest order of one product of each of the first and third demo sellers;
/// answers its id and access token.
async fn two_parcel_order(app: &App, lang: Lang) -> (OrderId, String) {
    let sellers = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items;
    let mut lines = Vec::new();
    let mut shipping = Vec::new();
    for s in [&sellers[0], &sellers[2]] {
        let filter = ProductFilter::default().with_seller(s.id.clone());
        let mut items = app
            .engine
            .catalog()
            .list_products(&filter, None, 50)
            .await
            .unwrap()
            .items;
        items.sort_by(|a, b| a.product.id.cmp(&b.product.id));
        lines.push((items[0].variants[0].variant.id.clone(), 1));
        shipping.push((s.id.clone(), ShippingSelection::new("amana", "standard")));
    }
    let placed = app
        .engine
        .checkout()
        .place_order(
            PlaceOrderRequest::new(
                CheckoutCart::Inline {
                    lines,
                    coupons: vec![],
                    customer: None,
                    shipping: shipping.into_iter().collect(),
                },
                "aicha@example.ma",
                tijara_core::order::Address {
                    name: "Aicha Lamrani".into(),
                    line1: "5 Avenue Al Walaa".into(),
                    line2: None,
                    city: "Dakhla".into(),
                    postal_code: None,
                    state: None,
                    country: "MA".into(),
                    phone: "+212661000077".into(),
                },
                "cod",
                lang,
            ),
            None,
        )
        .await
        .unwrap();
    (placed.order.id, placed.access_token.as_str().to_owned())
}

/// Ships and delivers every part of the order, then the shopper asks to return the first
/// part's first line and its seller refuses, saying why.
async fn refused_return(app: &App, id: &OrderId) {
    let doc = app.engine.orders().order(id).await.unwrap();
    let f = app.engine.fulfillment();
    for (i, part) in doc.order.seller_orders.iter().enumerate() {
        f.mark_ready(id, &part.id, None).await.unwrap();
        f.ship(id, &part.id, ShipRequest::new(), None)
            .await
            .unwrap();
        f.track_by_hand(
            &Operator::Marketplace,
            id,
            &part.id,
            HandTracking::new()
                .with_tracking_number(format!("AM12345678{i}MA"))
                .with_status(TrackingStatus::Delivered),
            None,
        )
        .await
        .unwrap();
    }
    let part = &doc.order.seller_orders[0];
    let ret = app
        .engine
        .orders()
        .request_return_for_reason(
            id,
            &part.id,
            vec![ReturnLine {
                variant_id: part.lines[0].variant_id.clone(),
                quantity: 1,
            }],
            ReturnReason::ChangedMind,
            None,
            None,
        )
        .await
        .unwrap();
    app.engine
        .orders()
        .advance_return(
            id,
            &ret.id,
            ReturnStep::RejectWithReason {
                reason: "Pièce gravée au nom de l'acheteuse".into(),
            },
            None,
        )
        .await
        .unwrap();
}

async fn page_width(shop: &browser::Shop) -> u64 {
    shop.c
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn the_changed_pages_read_on_a_phone_in_arabic_and_french() {
    for (lang, code) in [(Lang::AR, "ar"), (Lang::FR, "fr")] {
        let Some(shop) = browser::Shop::start(&format!("portal-gaps-{code}"), code).await else {
            return;
        };
        let (id, token) = two_parcel_order(&shop.app, lang).await;
        let doc = shop.app.engine.orders().order(&id).await.unwrap();

        // The label of the second parcel, by its seller (the third demo seller).
        let part = doc.order.seller_orders[1].id.clone();
        let f = shop.app.engine.fulfillment();
        f.mark_ready(&id, &part, None).await.unwrap();
        let shipment = f.ship(&id, &part, ShipRequest::new(), None).await.unwrap();
        let _ = shipment;
        shop.go("/account/login").await;
        shop.fill("input[name='email']", "seller3@tijara.example")
            .await;
        shop.fill("input[name='password']", "artisan-demo-2026")
            .await;
        shop.click("form[action='/account/login'] button").await;
        shop.wait_path("/seller").await;
        shop.go(&format!("/seller/orders/{id}/{part}/label")).await;
        shop.find(".ref").await;
        shop.shot(&format!("label-{code}")).await;
        let text = shop.find("body").await.text().await.unwrap();
        assert!(text.contains("2/2") && text.contains("Amana"), "{text}");
        assert!(!text.contains(part.as_str()), "no internal id: {text}");

        // The admin's payouts.
        shop.c.delete_all_cookies().await.unwrap();
        shop.go("/account/login").await;
        shop.fill("input[name='email']", "admin@tijara.example")
            .await;
        shop.fill("input[name='password']", "admin-demo-2026").await;
        shop.click("form[action='/account/login'] button").await;
        shop.wait_path("/admin").await;
        shop.go(&format!("/admin/payouts?lang={code}")).await;
        shop.find("table").await;
        shop.shot(&format!("payouts-{code}")).await;
        let text = shop.main_text().await;
        let seller_word = if lang == Lang::AR {
            "البائع"
        } else {
            "Vendeur"
        };
        assert!(text.contains(seller_word), "{text}");
        let wide = page_width(&shop).await;
        assert!(wide <= 390, "payouts {code}: the page is {wide} px wide");

        // The shopper's order page with the refused return.
        let (other, other_token) = two_parcel_order(&shop.app, lang).await;
        refused_return(&shop.app, &other).await;
        shop.c.delete_all_cookies().await.unwrap();
        shop.go(&format!("/orders/{other}?t={other_token}&lang={code}"))
            .await;
        shop.find(".refused").await;
        shop.shot(&format!("order-refused-return-{code}")).await;
        let text = shop.main_text().await;
        assert!(
            text.contains("Pièce gravée au nom de l'acheteuse"),
            "{text}"
        );
        let wide = page_width(&shop).await;
        assert!(wide <= 390, "order {code}: the page is {wide} px wide");
        let _ = token;
    }
}
