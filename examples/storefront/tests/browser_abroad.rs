//! Browser journeys abroad at phone width (390 px): (a) a French-speaking shopper in Paris buys
//! from two sellers, pays by card through the CMI simulator, and each seller logs in, ships and
//! opens the label and the CN23 customs declaration; (b) an English-speaking shopper in New
//! York sees the duties (DAP) notice and the export-exempt total before paying; (c) an
//! Arabic-speaking shopper in Dubai is never offered cash on delivery (not even after choosing
//! it for a Moroccan address first). Screenshots of the delivery step, the review step and the
//! CN23 in French, English and Arabic: `target/screenshots/abroad-{paris-fr,new-york-en,dubai-ar}/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;

use tijara::usecases::catalog::ProductFilter;
use tijara_core::{OrderId, SellerId};

const ARTISAN_PW: &str = "artisan-demo-2026";

/// The slug of a product of `seller` that can be bought now and has customs data.
async fn product_of(shop: &browser::Shop, seller: &SellerId) -> String {
    shop.app
        .engine
        .catalog()
        .list_products(
            &ProductFilter::default()
                .with_seller(seller.clone())
                .with_in_stock(true),
            None,
            50,
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|p| p.product.customs.is_some())
        .map(|p| p.product.slug.to_string())
        .expect("a product to sell abroad")
}

/// The demo sellers in creation order (their logins are `seller{n}@tijara.example`).
async fn sellers(shop: &browser::Shop) -> Vec<SellerId> {
    shop.app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.id)
        .collect()
}

async fn add_to_cart(shop: &browser::Shop, slug: &str, lang: &str) {
    shop.go(&format!("/products/{slug}?lang={lang}")).await;
    shop.add_to_cart().await;
}

/// Types the address (`country` chosen from the list) and goes on to the delivery step.
async fn address(shop: &browser::Shop, fields: &[(&str, &str)], country: &str) {
    shop.go("/checkout").await;
    shop.find("form[action='/checkout']").await;
    for (name, value) in fields {
        shop.fill(&format!("input[name='{name}']"), value).await;
    }
    shop.click(&format!("select[name='country'] option[value='{country}']"))
        .await;
    shop.click("form[action='/checkout'] button").await;
    shop.find("form[action='/checkout/review']").await;
}

/// From the delivery step (card chosen) to the review.
async fn review(shop: &browser::Shop) {
    shop.click("form[action='/checkout/review'] button").await;
    shop.find("form[action='/checkout/place']").await;
}

/// Places the order and pays on the CMI simulator with its approved test card; answers the
/// order's id once the shopper is back on its page.
async fn place_and_pay(shop: &browser::Shop) -> OrderId {
    shop.click("form[action='/checkout/place'] button").await;
    shop.click("form#pay button").await;
    shop.fill("#pan", "4000000000000010").await;
    shop.click("#pay").await;
    let path = shop.wait_path("/orders/ord_").await;
    let id = path
        .trim_start_matches("/orders/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    OrderId::new(id).unwrap()
}

/// The radio buttons of the payment step, by value.
async fn payment_choices(shop: &browser::Shop) -> Vec<String> {
    let mut out = Vec::new();
    for e in shop
        .c
        .find_all(fantoccini::Locator::Css("input[name='payment']"))
        .await
        .unwrap()
    {
        out.push(e.attr("value").await.unwrap().unwrap_or_default());
    }
    out
}

/// Whether the page is wider than the phone's screen (something overflows sideways).
async fn overflows(shop: &browser::Shop) -> bool {
    shop.c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(true)
}

/// Seller `n` (1-based) logs in, marks her part of `order` ready, and opens its label and its
/// customs declaration in `lang`; answers the declaration's visible text.
async fn seller_ships(
    shop: &browser::Shop,
    order: &OrderId,
    (seller, n): (&SellerId, usize),
    lang: &str,
    recipient: &str,
    shot: Option<&str>,
) -> String {
    shop.c.delete_all_cookies().await.unwrap();
    shop.go(&format!("/account/login?lang={lang}")).await;
    shop.fill("input[name='email']", &format!("seller{n}@tijara.example"))
        .await;
    shop.fill("input[name='password']", ARTISAN_PW).await;
    shop.click("form[action='/account/login'] button").await;
    shop.wait_path("/seller").await;
    let doc = shop.app.engine.orders().order(order).await.unwrap();
    let part = doc
        .order
        .seller_orders
        .iter()
        .find(|so| &so.seller_id == seller)
        .unwrap()
        .id
        .clone();
    let page = format!("/seller/orders/{order}/{part}");
    shop.go(&format!("{page}?lang={lang}")).await;
    shop.click(&format!("form[action='{page}/ship'] button"))
        .await;
    shop.find("a[href$='/customs']").await;
    // The label, with the recipient.
    shop.go(&format!("{page}/label")).await;
    shop.find("p.number").await;
    let label = shop.find("body").await.text().await.unwrap();
    assert!(label.contains(recipient), "{recipient} in {label}");
    // The declaration, beside it.
    shop.go(&format!("{page}/customs")).await;
    shop.find("h1").await;
    let text = shop.find("body").await.text().await.unwrap();
    assert!(text.contains("CN23"), "{text}");
    if let Some(name) = shot {
        shop.shot(name).await;
    }
    assert!(!overflows(shop).await, "the declaration fits the phone");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_shopper_in_paris_buys_from_two_sellers_and_each_seller_prints_label_and_cn23() {
    let Some(shop) = browser::Shop::start("abroad-paris-fr", "fr").await else {
        return;
    };
    let all = sellers(&shop).await;
    let (a, b) = (all[0].clone(), all[1].clone());
    for s in [&a, &b] {
        let slug = product_of(&shop, s).await;
        add_to_cart(&shop, &slug, "fr").await;
    }
    address(
        &shop,
        &[
            ("name", "Claire Martin"),
            ("line1", "12 rue de Rivoli"),
            ("city", "Paris"),
            ("postal_code", "75004"),
            ("phone", "06 12 34 56 78"),
            ("email", "claire.martin@example.fr"),
        ],
        "FR",
    )
    .await;
    let text = shop.main_text().await;
    assert_eq!(
        shop.c
            .find_all(fantoccini::Locator::Css("fieldset.seller-box"))
            .await
            .unwrap()
            .len(),
        2,
        "one carrier choice per seller: {text}"
    );
    assert!(text.contains("Amana International"), "{text}");
    assert!(text.contains("Délai estimé (France)"), "{text}");
    assert!(text.contains("à la charge du destinataire (DAP)"), "{text}");
    assert_eq!(
        payment_choices(&shop).await,
        ["cmi", "transfer"],
        "no cash on delivery"
    );
    assert!(!overflows(&shop).await, "the delivery step fits the phone");
    shop.shot("01-delivery-fr").await;
    review(&shop).await;
    let text = shop.main_text().await;
    assert!(text.contains("TVA marocaine déduite (export)"), "{text}");
    assert!(text.contains("75004"), "{text}");
    assert!(text.contains("France"), "{text}");
    assert!(!overflows(&shop).await, "the review fits the phone");
    shop.shot("02-review-fr").await;
    let order = place_and_pay(&shop).await;
    let text = shop.main_text().await;
    assert!(text.contains("Payée — en préparation"), "paid: {text}");
    let doc = shop.app.engine.orders().order(&order).await.unwrap();
    assert_eq!(doc.order.payment.captured(), doc.order.grand_total);
    assert_eq!(doc.order.seller_orders.len(), 2);
    // Each seller prints the label and the declaration of her own parcel.
    for (n, s) in [(1, &a), (2, &b)] {
        let shot = (n == 1).then_some("03-cn23-fr");
        let cn23 = seller_ships(&shop, &order, (s, n), "fr", "Claire Martin", shot).await;
        for want in [
            "75004 PARIS",
            "FRANCE",
            "Claire Martin",
            "(DAP)",
            "92-I-1",
            "Imprimez cette déclaration",
        ] {
            assert!(cn23.contains(want), "seller {n}: {want} in {cn23}");
        }
    }
    let doc = shop.app.engine.orders().order(&order).await.unwrap();
    assert!(
        doc.shipments.iter().all(|s| s.customs.is_some()),
        "each parcel keeps its declaration (the export proof)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_shopper_in_new_york_sees_the_duties_notice_and_the_export_total_before_paying()
{
    let Some(shop) = browser::Shop::start("abroad-new-york-en", "en").await else {
        return;
    };
    let all = sellers(&shop).await;
    let slug = product_of(&shop, &all[0]).await;
    add_to_cart(&shop, &slug, "en").await;
    address(
        &shop,
        &[
            ("name", "Jane Doe"),
            ("line1", "350 Fifth Avenue"),
            ("city", "New York"),
            ("postal_code", "10118"),
            ("state", "NY"),
            ("phone", "+1 212 555 0123"),
            ("email", "jane.doe@example.com"),
        ],
        "US",
    )
    .await;
    let text = shop.main_text().await;
    assert!(
        text.contains("customs duties and taxes are paid by the recipient (DAP)"),
        "{text}"
    );
    assert!(
        text.contains("Estimated delivery (United States)"),
        "{text}"
    );
    assert!(
        text.contains("Cash on delivery is not offered abroad"),
        "{text}"
    );
    assert_eq!(payment_choices(&shop).await, ["cmi", "transfer"]);
    assert!(!overflows(&shop).await);
    shop.shot("01-delivery-en").await;
    review(&shop).await;
    let text = shop.main_text().await;
    assert!(text.contains("Moroccan VAT taken off (export)"), "{text}");
    assert!(text.contains("paid by the recipient (DAP)"), "{text}");
    assert!(
        text.contains("NY 10118") || (text.contains("NY") && text.contains("10118")),
        "{text}"
    );
    // The total the shopper pays is the export total: the cart priced without TVA.
    let place = shop
        .find("form[action='/checkout/place'] button")
        .await
        .text()
        .await
        .unwrap();
    assert!(!overflows(&shop).await);
    shop.shot("02-review-en").await;
    let order = place_and_pay(&shop).await;
    let doc = shop.app.engine.orders().order(&order).await.unwrap();
    assert!(
        place.replace('\u{a0}', " ").contains(
            &doc.order
                .grand_total
                .format(tijara_core::Lang::EN)
                .replace('\u{a0}', " ")
        ),
        "{place} vs {}",
        doc.order.grand_total.format(tijara_core::Lang::EN)
    );
    assert!(
        doc.order.tva.total().unwrap().tva.is_zero(),
        "no TVA charged"
    );
    let cn23 = seller_ships(
        &shop,
        &order,
        (&all[0], 1),
        "en",
        "Jane Doe",
        Some("03-cn23-en"),
    )
    .await;
    assert!(cn23.contains("NEW YORK NY 10118"), "{cn23}");
    assert!(cn23.contains("Print two copies"), "{cn23}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_abroad_is_never_offered_cash_on_delivery() {
    let Some(shop) = browser::Shop::start("abroad-dubai-ar", "ar").await else {
        return;
    };
    let all = sellers(&shop).await;
    let slug = product_of(&shop, &all[0]).await;
    add_to_cart(&shop, &slug, "ar").await;
    // First a Moroccan address, paid on delivery.
    address(
        &shop,
        &[
            ("name", "مريم الحسني"),
            ("line1", "رقم 12، شارع طرفاية"),
            ("city", "Dakhla"),
            ("phone", "0661000000"),
            ("email", "mariam@example.ae"),
        ],
        "MA",
    )
    .await;
    assert!(payment_choices(&shop).await.contains(&"cod".to_owned()));
    shop.click("input[name='payment'][value='cod']").await;
    review(&shop).await;
    assert!(shop.path().await.contains("pay=cod"));
    // She changes the address to Dubai: cash on delivery is gone, the card is chosen.
    address(
        &shop,
        &[
            ("postal_code", ""),
            ("name", "مريم الحسني"),
            ("line1", "برج خليفة، شارع الشيخ محمد بن راشد"),
            ("city", "Dubai"),
            ("phone", "+971 50 123 4567"),
            ("email", "mariam@example.ae"),
        ],
        "AE",
    )
    .await;
    let text = shop.main_text().await;
    assert_eq!(payment_choices(&shop).await, ["cmi", "transfer"], "{text}");
    let checked = shop
        .find("input[name='payment']:checked")
        .await
        .attr("value")
        .await
        .unwrap();
    assert_eq!(checked.as_deref(), Some("cmi"));
    assert!(
        text.contains("الدفع عند الاستلام غير متاح خارج المغرب"),
        "{text}"
    );
    assert!(text.contains("(DAP)"), "{text}");
    assert!(text.contains("مدة التوصيل المتوقعة (الإمارات"), "{text}");
    let dir = shop.find("html").await.attr("dir").await.unwrap();
    assert_eq!(dir.as_deref(), Some("rtl"));
    assert!(!overflows(&shop).await);
    shop.shot("01-delivery-ar").await;
    // Even the review asked for with cash on delivery does not offer it.
    shop.go("/checkout/review?pay=cod").await;
    let text = shop.main_text().await;
    let cod_field = shop
        .c
        .find_all(fantoccini::Locator::Css(
            "form[action='/checkout/place'] input[name='payment'][value='cod']",
        ))
        .await
        .unwrap();
    assert!(cod_field.is_empty(), "no order placed on delivery: {text}");
    shop.go("/checkout/delivery").await;
    shop.find("form[action='/checkout/review']").await;
    assert_eq!(payment_choices(&shop).await, ["cmi", "transfer"]);
    review(&shop).await;
    let text = shop.main_text().await;
    assert!(text.contains("الضريبة المغربية المخصومة (تصدير)"), "{text}");
    assert!(!overflows(&shop).await);
    shop.shot("02-review-ar").await;
    let order = place_and_pay(&shop).await;
    let cn23 = seller_ships(
        &shop,
        &order,
        (&all[0], 1),
        "ar",
        "مريم الحسني",
        Some("03-cn23-ar"),
    )
    .await;
    assert!(cn23.contains("اطبع هذا التصريح"), "{cn23}");
    assert!(cn23.contains("DUBAI"), "{cn23}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_fills_in_a_products_customs_data_from_her_phone_in_arabic() {
    let Some(shop) = browser::Shop::start("abroad-admin-ar", "ar").await else {
        return;
    };
    let all = sellers(&shop).await;
    let slug = product_of(&shop, &all[0]).await;
    let product = shop
        .app
        .engine
        .catalog()
        .product_by_slug(&slug)
        .await
        .unwrap()
        .product
        .id
        .clone();
    shop.app
        .engine
        .catalog()
        .set_product_customs(&product, None, None)
        .await
        .unwrap();
    shop.go("/account/login?lang=ar").await;
    shop.fill("input[name='email']", "admin@tijara.example")
        .await;
    shop.fill("input[name='password']", "admin-demo-2026").await;
    shop.click("form[action='/account/login'] button").await;
    shop.wait_path("/admin").await;
    shop.click("nav.portal a[href='/admin/products']").await;
    shop.wait_path("/admin/products").await;
    shop.click("a.chip[href^='/admin/products?missing=1']")
        .await;
    shop.wait_path("/admin/products?missing=1").await;
    let text = shop.wait_main_contains("ناقصة").await;
    assert!(text.contains("ناقصة: لا إرسال إلى الخارج"), "{text}");
    assert!(!overflows(&shop).await, "the list fits the phone");
    shop.shot("01-products-missing-ar").await;
    shop.click(&format!("a[href='/admin/products/{product}/customs']"))
        .await;
    shop.find("input[name='hs_code']").await;
    shop.fill("input[name='hs_code']", "4202").await;
    shop.fill(
        "input[name='description_fr']",
        "Coussin en cuir brodé fait main",
    )
    .await;
    shop.fill(
        "input[name='description_en']",
        "Handmade embroidered leather cushion",
    )
    .await;
    shop.click("button[value='save']").await;
    let text = shop.wait_main_contains("لم يحفظ شيء").await;
    assert!(text.contains("من 6 إلى 10 أرقام"), "{text}");
    assert!(!overflows(&shop).await, "the form fits the phone");
    shop.shot("02-customs-refused-ar").await;
    assert_eq!(
        shop.app
            .engine
            .catalog()
            .product(&product)
            .await
            .unwrap()
            .product
            .customs,
        None,
        "nothing stored"
    );
    shop.fill("input[name='hs_code']", "4205.00").await;
    shop.click("button[value='save']").await;
    shop.wait_main_contains("تم حفظ البيانات الجمركية").await;
    shop.shot("03-customs-saved-ar").await;
    let saved = shop
        .app
        .engine
        .catalog()
        .product(&product)
        .await
        .unwrap()
        .product
        .customs
        .unwrap();
    assert_eq!(saved.hs_code, "420500");
}
