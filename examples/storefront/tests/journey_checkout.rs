//! Browser journeys of checkout at phone width: an Arabic-speaking shopper types her city in
//! Arabic, pays on delivery and sees the fee before placing; a French-speaking one switches to
//! Arabic on the review step and keeps her address and choices. Screenshots in
//! `target/screenshots/checkout-ar/` and `target/screenshots/checkout-fr/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;

const SLUG: &str = "embroidered-srama-cushion";

/// Puts the cushion in the cart and opens the address form in `lang`.
async fn to_address(shop: &browser::Shop, lang: &str) {
    shop.go(&format!("/products/{SLUG}?lang={lang}")).await;
    shop.click("form[action='/cart/add'] button").await;
    shop.find("a.button[href='/checkout']").await;
    shop.go("/checkout").await;
    shop.find("form[action='/checkout']").await;
}

async fn fill_address(shop: &browser::Shop, name: &str, city: &str) {
    shop.fill("input[name='name']", name).await;
    shop.fill("input[name='line1']", "رقم 12، شارع طرفاية، حي الوحدة")
        .await;
    shop.fill("input[name='city']", city).await;
    shop.fill("input[name='phone']", "06 61 00 00 00").await;
    shop.fill("input[name='email']", "fatima.journey@example.ma")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_arabic_shopper_types_her_city_in_arabic_and_pays_on_delivery() {
    let Some(shop) = browser::Shop::start("checkout-ar", "ar").await else {
        return;
    };
    to_address(&shop, "ar").await;
    // First an address abroad, where no carrier goes: the page says so and what to do.
    fill_address(&shop, "فاطمة الزهراء", "Tokyo").await;
    shop.click("select[name='country'] option[value='JP']")
        .await;
    shop.click("form[action='/checkout'] button").await;
    shop.find("div.error").await;
    let text = shop.main_text().await;
    assert!(text.contains("لا يمكننا التوصيل إلى هذا العنوان"), "{text}");
    assert!(text.contains("تحقق من اسم المدينة"), "{text}");
    assert!(!text.contains("لكل بائع"), "{text}");
    shop.shot("00-no-carrier-ar").await;
    // She corrects it: her city typed in Arabic, Morocco.
    shop.fill("input[name='city']", "الداخلة").await;
    shop.click("select[name='country'] option[value='MA']")
        .await;
    shop.shot("01-address-ar").await;
    shop.click("form[action='/checkout'] button").await;
    shop.find("form[action='/checkout/review']").await;
    let text = shop.main_text().await;
    assert!(text.contains("Amana"), "carriers by name: {text}");
    assert!(text.contains("الداخلة"), "{text}");
    shop.click("input[name='payment'][value='cod']").await;
    shop.shot("02-delivery-ar").await;
    shop.click("form[action='/checkout/review'] button").await;
    shop.find("form[action='/checkout/place']").await;
    let text = shop.main_text().await;
    assert!(
        text.contains("رسوم الدفع عند الاستلام"),
        "the COD fee: {text}"
    );
    assert!(text.contains("المبلغ الإجمالي"), "{text}");
    assert!(text.contains("73000"), "the postal code filled in: {text}");
    shop.shot("03-review-ar").await;
    shop.click("form[action='/checkout/place'] button").await;
    let path = shop.wait_path("/orders/").await;
    assert!(path.contains("?t="), "{path}");
    shop.shot("04-result-ar").await;
    let text = shop.main_text().await;
    assert!(text.contains("شكرا"), "the order is placed: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_to_arabic_on_the_review_keeps_the_address_and_choices() {
    let Some(shop) = browser::Shop::start("checkout-fr", "fr").await else {
        return;
    };
    to_address(&shop, "fr").await;
    fill_address(&shop, "Fatima Zahra", "dakhla").await;
    shop.shot("01-address-fr").await;
    shop.click("form[action='/checkout'] button").await;
    shop.find("form[action='/checkout/review']").await;
    shop.click("input[type='radio'][value='ctm/express']").await;
    shop.click("input[name='payment'][value='cod']").await;
    shop.shot("02-delivery-fr").await;
    shop.click("form[action='/checkout/review'] button").await;
    shop.find("form[action='/checkout/place']").await;
    let text = shop.main_text().await;
    assert!(text.contains("CTM Messagerie"), "{text}");
    assert!(text.contains("Frais de paiement à la livraison"), "{text}");
    shop.shot("03-review-fr").await;
    // The language link of the header, on the review step.
    shop.click("nav.langs button[lang='ar']").await;
    shop.find("html[lang='ar']").await;
    assert!(shop.path().await.starts_with("/checkout/review"));
    let text = shop.main_text().await;
    assert!(text.contains("Fatima Zahra"), "the address is kept: {text}");
    assert!(text.contains("الداخلة"), "the city in Arabic: {text}");
    assert!(
        text.contains("CTM Messagerie"),
        "the carrier is kept: {text}"
    );
    assert!(
        text.contains("رسوم الدفع عند الاستلام"),
        "COD is kept: {text}"
    );
    shop.shot("04-review-switched-ar").await;
    shop.click("form[action='/checkout/place'] button").await;
    shop.wait_path("/orders/").await;
    shop.shot("05-result-ar").await;
}
