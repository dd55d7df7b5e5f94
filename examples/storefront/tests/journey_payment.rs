//! Browser journeys of payment outcomes at phone width: (a) a declined card, then "try the
//! card again", then paid, in Arabic; (b) a bank-transfer order showing where and how to pay,
//! in French and in Arabic. Screenshots in target/screenshots/journey-payment-*/.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;

const SLUG: &str = "embroidered-srama-cushion";

/// The cushion in the cart, the address typed, `method` chosen, the order placed.
async fn order(shop: &browser::Shop, lang: &str, method: &str) {
    shop.go(&format!("/products/{SLUG}?lang={lang}")).await;
    shop.add_to_cart().await;
    shop.go("/checkout").await;
    for (name, value) in [
        ("name", "فاطمة الزهراء"),
        ("line1", "رقم 12، شارع طرفاية"),
        ("city", "Dakhla"),
        ("phone", "+212661000000"),
        ("email", "fatima.journey@example.ma"),
    ] {
        shop.fill(&format!("input[name='{name}']"), value).await;
    }
    shop.click("form[action='/checkout'] button").await;
    shop.find("form[action='/checkout/review']").await;
    shop.click(&format!("input[name='payment'][value='{method}']"))
        .await;
    shop.click("form[action='/checkout/review'] button").await;
    shop.click("form[action='/checkout/place'] button").await;
}

/// On the form to CMI: go to the simulator, type `pan`, pay.
async fn pay_with(shop: &browser::Shop, pan: &str) {
    shop.click("form#pay button").await;
    shop.fill("#pan", pan).await;
    shop.click("#pay").await;
    shop.wait_path("/orders/ord_").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_then_try_again_then_paid_in_arabic() {
    let Some(shop) = browser::Shop::start("journey-payment-card", "ar").await else {
        return;
    };
    order(&shop, "ar", "cmi").await;
    // The step before CMI's page: the order is saved, what CMI's page is, how to pay later.
    shop.find("form#pay").await;
    let text = shop.main_text().await;
    assert!(text.contains("تم تسجيل طلبك"), "{text}");
    assert!(text.contains("3-D Secure"), "{text}");
    shop.shot("00-pay-step-ar").await;
    // The simulator declines any card but its test cards.
    pay_with(&shop, "4111111111111111").await;
    let text = shop.main_text().await;
    assert!(text.contains("تم رفض الأداء"), "declined, in words: {text}");
    assert!(text.contains("لم يُقتطع أي مبلغ"), "nothing charged: {text}");
    assert!(!text.contains("شكرا"), "no thanks before paying: {text}");
    assert!(text.contains("أعد المحاولة بالبطاقة"), "{text}");
    shop.shot("01-declined-ar").await;
    // Try the card again, with the approved test card.
    shop.click("form[action$='/pay'] button").await;
    shop.find("form#pay").await;
    shop.shot("02-try-again-ar").await;
    pay_with(&shop, "4000000000000010").await;
    let text = shop.main_text().await;
    assert!(text.contains("مدفوع — قيد التحضير"), "paid: {text}");
    assert!(text.contains("شكرا"), "{text}");
    assert!(!text.contains("أعد المحاولة بالبطاقة"), "{text}");
    shop.shot("03-paid-ar").await;
    // Paid once.
    let order = shop.path().await;
    let id = order
        .trim_start_matches("/orders/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let doc = shop
        .app
        .engine
        .orders()
        .order(&tijara_core::OrderId::new(id).unwrap())
        .await
        .unwrap();
    assert_eq!(doc.order.payment.captured(), doc.order.grand_total);
}

async fn transfer_journey(lang: &str) {
    let Some(shop) = browser::Shop::start(&format!("journey-payment-transfer-{lang}"), lang).await
    else {
        return;
    };
    order(&shop, lang, "transfer").await;
    shop.wait_path("/orders/ord_").await;
    let text = shop.main_text().await;
    let box_text = shop.find(".transfer-box").await.text().await.unwrap();
    let path = shop.path().await;
    let id = path
        .trim_start_matches("/orders/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let doc = shop
        .app
        .engine
        .orders()
        .order(&tijara_core::OrderId::new(id).unwrap())
        .await
        .unwrap();
    let number = doc.order.number.clone().unwrap();
    assert!(
        box_text.contains(number.as_str()),
        "the reference: {box_text}"
    );
    assert!(
        box_text.contains("0117 8000 0012 3456 7890 1296"),
        "{box_text}"
    );
    assert!(box_text.contains("MA64"), "{box_text}");
    let (waiting, demo) = match lang {
        "fr" => ("En attente de votre virement", "Compte de démonstration"),
        _ => ("في انتظار تحويلك البنكي", "حساب تجريبي"),
    };
    assert!(text.contains(waiting), "{text}");
    assert!(box_text.contains(demo), "{box_text}");
    shop.shot(&format!("01-transfer-{lang}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_transfer_order_shows_how_to_pay_in_french() {
    transfer_journey("fr").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_transfer_order_shows_how_to_pay_in_arabic() {
    transfer_journey("ar").await;
}
