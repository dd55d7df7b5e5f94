//! Browser journey at phone width, in Arabic and in French: a declined card, then cash on
//! delivery with Amana's collection fee — the order page's button says the new total, the
//! confirmation page shows each parcel's delivery before and after and the new total, and once
//! confirmed the order is paid on delivery at that total. Screenshots in
//! target/screenshots/journey-cod-reprice-*/.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;

use std::time::Duration;

const SLUG: &str = "embroidered-srama-cushion";

async fn journey(lang: &str, confirm_words: &str, cod_words: &str) {
    let Some(shop) = browser::Shop::start(&format!("journey-cod-reprice-{lang}"), lang).await
    else {
        return;
    };
    shop.go(&format!("/products/{SLUG}?lang={lang}")).await;
    shop.add_to_cart().await;
    shop.go("/checkout").await;
    for (name, value) in [
        ("name", "فاطمة الزهراء"),
        ("line1", "رقم 12، شارع طرفاية"),
        ("city", "الداخلة"),
        ("phone", "+212661000000"),
        ("email", "fatima.cod@example.ma"),
    ] {
        shop.fill(&format!("input[name='{name}']"), value).await;
    }
    shop.click("form[action='/checkout'] button").await;
    shop.find("form[action='/checkout/review']").await;
    shop.click("input[name='payment'][value='cmi']").await;
    shop.click("form[action='/checkout/review'] button").await;
    shop.click("form[action='/checkout/place'] button").await;
    // The simulator declines any card but its test cards.
    shop.click("form#pay button").await;
    shop.fill("#pan", "4111111111111111").await;
    shop.click("#pay").await;
    shop.wait_path("/orders/ord_").await;
    let path = shop.path().await;
    let id = tijara_core::OrderId::new(
        path.trim_start_matches("/orders/")
            .split('?')
            .next()
            .unwrap()
            .to_owned(),
    )
    .unwrap();
    let before = shop.app.engine.orders().order(&id).await.unwrap();
    let repricing = shop.app.engine.checkout().cod_repricing(&id).await.unwrap();
    assert!(repricing.changes_total());
    let new_total = repricing
        .grand_total
        .format(tijara_core::Lang::from_code(lang).unwrap());
    let text = shop.main_text().await;
    assert!(text.contains(cod_words), "{text}");
    shop.shot("01-declined-offers-cod").await;
    shop.click("form[action$='/switch'] input[value='cod'] ~ button")
        .await;
    shop.find("input[name='accept']").await;
    let text = shop.main_text().await;
    assert!(text.contains(confirm_words), "{text}");
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert!(
        squash(&text).contains(&squash(&new_total)),
        "{new_total} in {text}"
    );
    assert_eq!(
        shop.app.engine.orders().order(&id).await.unwrap(),
        before,
        "nothing changes before confirming"
    );
    shop.shot("02-confirm-new-total").await;
    shop.click("form[action$='/switch'] button").await;
    for _ in 0..100 {
        if shop
            .app
            .engine
            .orders()
            .order(&id)
            .await
            .unwrap()
            .order
            .status()
            != tijara_core::order::OrderStatus::AwaitingPayment
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shop.wait_path("/orders/ord_").await;
    shop.find(".status-line").await;
    let after = shop.app.engine.orders().order(&id).await.unwrap();
    assert_eq!(after.order.grand_total, repricing.grand_total);
    assert_eq!(after.order.payment.amount(), repricing.grand_total);
    shop.shot("03-paid-on-delivery").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cod_with_a_fee_after_a_declined_card_in_arabic() {
    journey("ar", "الدفع عند الاستلام؟", "المجموع الجديد").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cod_with_a_fee_after_a_declined_card_in_french() {
    journey("fr", "Payer à la livraison ?", "nouveau total").await;
}
