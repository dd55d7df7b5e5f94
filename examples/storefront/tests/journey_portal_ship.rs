//! The artisan ships from her phone, in Arabic and in French: an unpaid card order shows no
//! ship button and says "do not ship yet"; once paid it is in "to prepare"; then ready → label
//! → tracking, all on the order's own page (the label page links back to it, and saving the
//! tracking comes back to the tracking form, not to the top of a list).
//!
//! Screenshots: `target/screenshots/portal-ship-ar/` and `target/screenshots/portal-ship-fr/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;

use tijara::docs::PaymentSource;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::payments::{PaymentEventKind, PaymentNotice};
use tijara_core::Lang;
use tijara_core::order::{Address, Work};

/// A card order (not paid) of one product of the first demo seller (a cooperative whose
/// products no member made): its id, part and number.
async fn order_paid_with(app: &tijara_storefront::App, gateway: &str) -> (String, String, String) {
    let seller = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    let products = app
        .engine
        .catalog()
        .list_products(
            &tijara::usecases::catalog::ProductFilter::default().with_seller(seller.clone()),
            None,
            50,
        )
        .await
        .unwrap();
    let p = products
        .items
        .iter()
        .find(|p| {
            p.variants.iter().any(|v| {
                !matches!(
                    v.availability,
                    tijara_core::inventory::Availability::OutOfStock
                )
            })
        })
        .unwrap();
    let req = PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines: vec![(p.variants[0].variant.id.clone(), 1)],
            coupons: vec![],
            customer: None,
            shipping: [(seller, ShippingSelection::new("amana", "standard"))]
                .into_iter()
                .collect(),
        },
        "salma@example.ma",
        Address {
            name: "Salma Bennani".into(),
            line1: "12 Rue Ibn Batouta".into(),
            line2: None,
            city: "Casablanca".into(),
            postal_code: Some("20000".into()),
            state: None,
            country: "MA".into(),
            phone: "+212661000042".into(),
        },
        gateway,
        Lang::FR,
    );
    let o = app
        .engine
        .checkout()
        .place_order(req, None)
        .await
        .unwrap()
        .order;
    (
        o.id.to_string(),
        o.seller_orders[0].id.to_string(),
        o.reference(),
    )
}

async fn journey(lang: &str) {
    let Some(shop) = browser::Shop::start(&format!("portal-ship-{lang}"), lang).await else {
        return;
    };
    let (order, part, reference) = order_paid_with(&shop.app, "cmi").await;
    let page = format!("/seller/orders/{order}/{part}");

    shop.go(&format!("/account/login?lang={lang}")).await;
    shop.fill("input[name='email']", "seller1@tijara.example")
        .await;
    shop.fill("input[name='password']", "artisan-demo-2026")
        .await;
    shop.click("form[action='/account/login'] button").await;
    shop.wait_path("/seller").await;

    // Unpaid: its own tab, the warning in words, no ship button.
    shop.go(&format!("/seller?tab=awaiting_payment&lang={lang}"))
        .await;
    let text = shop.main_text().await;
    assert!(text.contains(&reference), "{text}");
    let warning = if lang == "ar" {
        "لم يدفع المشتري بعد"
    } else {
        "n'a pas encore payé"
    };
    assert!(text.contains(warning), "{text}");
    let ship_buttons = shop
        .c
        .find_all(fantoccini::Locator::Css(&format!(
            "form[action='{page}/ship']"
        )))
        .await
        .unwrap();
    assert!(ship_buttons.is_empty(), "no ship button before payment");
    shop.shot("1-waiting-for-payment").await;
    shop.go(&format!("{page}?lang={lang}")).await;
    assert!(shop.main_text().await.contains(warning));
    shop.shot("2-unpaid-order").await;

    // The payment arrives: the order is in "to prepare", with its button.
    let id = tijara_core::OrderId::new(order.clone()).unwrap();
    let doc = shop.app.engine.orders().order(&id).await.unwrap();
    shop.app
        .engine
        .payments()
        .record_payment(
            &id,
            PaymentNotice::new(
                PaymentSource::Admin {
                    user: "test".into(),
                },
                "PAY-1",
                PaymentEventKind::Captured {
                    amount: doc.order.grand_total,
                },
                serde_json::Value::Null,
            ),
            None,
        )
        .await
        .unwrap();
    shop.go(&format!("/seller?tab=prepare&lang={lang}")).await;
    assert!(shop.main_text().await.contains(&reference));
    shop.shot("3-to-prepare").await;

    // Ready → label → tracking, on the order's page.
    shop.click(&format!("a[href='{page}']")).await;
    shop.wait_path(&page).await;
    shop.click(&format!("form[action='{page}/ship'] button"))
        .await;
    let at = shop.wait_path(&format!("{page}?shipped=1")).await;
    assert!(at.starts_with(&page), "{at}");
    // (The language is the browser's until the shop keeps the choice: shown as chosen.)
    shop.go(&format!("{at}&lang={lang}#label")).await;
    shop.shot("4-label-ready").await;
    shop.click(&format!("a[href='{page}/label']")).await;
    shop.wait_path(&format!("{page}/label")).await;
    let label = shop.find("body").await.text().await.unwrap();
    assert!(label.contains(&reference), "{label}");
    shop.shot("5-label").await;
    // Back to the order, at its label.
    shop.click(&format!("a[href='{page}#label']")).await;
    shop.wait_path(&page).await;
    shop.fill("#tracking input[name='number']", "AM123456789MA")
        .await;
    shop.find("#tracking select[name='status'] option[value='picked_up']")
        .await
        .click()
        .await
        .unwrap();
    shop.click("#tracking button[type='submit']").await;
    let at = shop.wait_path(&format!("{page}?saved=1")).await;
    assert!(at.starts_with(&page), "still on the order: {at}");
    let frag = shop
        .c
        .execute("return location.hash", vec![])
        .await
        .unwrap();
    assert_eq!(frag.as_str(), Some("#tracking"), "not at the top");
    assert!(shop.main_text().await.contains("AM123456789MA"));
    shop.go(&format!("{at}&lang={lang}#tracking")).await;
    shop.shot("6-tracking-saved").await;
    let doc = shop.app.engine.orders().order(&id).await.unwrap();
    assert_eq!(doc.work(&doc.order.seller_orders[0]), Work::Shipped);

    // A cash-on-delivery order: the amount to collect, large, in both languages.
    let (cod, cod_part, _) = order_paid_with(&shop.app, "cod").await;
    let cod_page = format!("/seller/orders/{cod}/{cod_part}");
    shop.go(&format!("{cod_page}?lang={lang}")).await;
    shop.shot("7-cod-order").await;
    shop.click(&format!("form[action='{cod_page}/ship'] button"))
        .await;
    shop.wait_path(&format!("{cod_page}?shipped=1")).await;
    shop.go(&format!("{cod_page}/label")).await;
    let label = shop.find("body").await.text().await.unwrap();
    assert!(label.contains("À ENCAISSER") && label.contains("المبلغ عند التسليم"));
    shop.shot("8-cod-label").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_artisan_ships_a_paid_order_from_its_page_in_arabic() {
    journey("ar").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_artisan_ships_a_paid_order_from_its_page_in_french() {
    journey("fr").await;
}
