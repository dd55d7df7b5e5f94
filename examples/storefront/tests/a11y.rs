//! Accessibility: axe-core (the npm package `.ci/js` installs; `npm ci --prefix .ci/js`) run
//! in Debian's Chromium on every page of a shopper's journey (home, a category, a product, the
//! cart, the checkout, the order page of a cash-on-delivery order, the account, the legal
//! pages), in Arabic and in French. Every violation is printed (rule, impact, elements); the
//! test fails on any serious or critical one.
//!
//! Without axe-core installed the axe test prints a notice and passes, unless
//! `TIJARA_REQUIRE_BROWSER=1` (as in `.ci/run`), which makes it a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/axe.rs"]
mod axe;
#[path = "support/browser.rs"]
mod browser;

use tijara::usecases::catalog::ProductFilter;
use tijara_core::inventory::Availability;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_the_journey_passes_axe_in_arabic_and_french() {
    let Some(axe) = axe::axe_source() else { return };
    let Some(shop) = browser::Shop::start("a11y", "ar").await else {
        return;
    };
    // A product that can be bought now, and its category.
    let products = shop
        .app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 100)
        .await
        .unwrap()
        .items;
    let product = products
        .iter()
        .find(|v| matches!(v.variants[0].availability, Availability::InStock { .. }))
        .expect("a product in stock");
    let slug = product.product.slug.clone();
    let category = product.product.category_id.to_string();

    // The order: one cash-on-delivery order placed through the pages, as a guest.
    shop.go(&format!("/products/{slug}?lang=fr")).await;
    shop.add_to_cart().await;
    shop.go("/checkout").await;
    shop.fill("input[name=name]", "Fatima Zahra").await;
    shop.fill("input[name=line1]", "12 rue Tarfaya").await;
    shop.fill("input[name=city]", "Dakhla").await;
    shop.fill("input[name=phone]", "+212612345678").await;
    shop.fill("input[name=email]", "fatima@example.com").await;
    shop.click("form[action='/checkout'] button[type=submit]")
        .await;
    shop.click("input[name=payment][value=cod]").await;
    shop.click("form[action='/checkout/review'] button[type=submit]")
        .await;
    shop.click("form[action='/checkout/place'] button[type=submit]")
        .await;
    let order = shop.wait_path("/orders/").await;
    assert!(
        order.starts_with("/orders/"),
        "the order page opens: {order}"
    );

    let mut serious = Vec::new();
    for lang in ["ar", "fr"] {
        let with_lang = |p: &str| {
            let sep = if p.contains('?') { '&' } else { '?' };
            format!("{p}{sep}lang={lang}")
        };
        // A cart with something in it (the order emptied the first one).
        shop.go(&with_lang(&format!("/products/{slug}"))).await;
        shop.add_to_cart().await;
        let pages = [
            "/".to_owned(),
            format!("/?category={category}"),
            format!("/products/{slug}"),
            "/cart".to_owned(),
            "/checkout".to_owned(),
            "/checkout/review?pay=cod".to_owned(),
            order.clone(),
            "/track".to_owned(),
            "/artisans".to_owned(),
            "/legal/notice".to_owned(),
            "/legal/terms".to_owned(),
            "/legal/withdrawal".to_owned(),
            "/legal/privacy".to_owned(),
            "/account/login".to_owned(),
        ];
        for p in &pages {
            let url = with_lang(p);
            shop.go(&url).await;
            serious.extend(axe::audit(&shop.c, &axe, &url).await);
        }
    }
    // A seller's application with every field wrong: each refusal beside its field, the
    // summary above (the browser's own checks off, as an old browser would send it).
    for lang in ["ar", "fr"] {
        shop.go(&format!("/sell?lang={lang}")).await;
        shop.c
            .execute(
                "document.querySelector('form[action=\\'/sell\\']').noValidate = true",
                vec![],
            )
            .await
            .unwrap();
        shop.fill("input[name=shop]", " ").await;
        shop.fill("input[name=city]", " ").await;
        shop.fill("input[name=email]", "fatima-at-gmail").await;
        shop.fill("input[name=phone]", "12345").await;
        shop.fill("input[name=password]", "short").await;
        shop.fill("input[name=ice]", "123").await;
        shop.click("form[action='/sell'] button[type=submit]").await;
        shop.find("#err-phone").await;
        shop.shot(&format!("sell-refused-{lang}")).await;
        serious.extend(axe::audit(&shop.c, &axe, &format!("/sell (refused, {lang})")).await);
    }
    // A seller's application accepted: the new shop's portal thanks her and says what comes
    // next (a shop waiting for the marketplace's approval).
    for lang in ["ar", "fr"] {
        shop.c.delete_all_cookies().await.unwrap();
        shop.go(&format!("/sell?lang={lang}")).await;
        shop.fill("input[name=shop]", "تعاونية الرمال").await;
        shop.fill("input[name=city]", "Dakhla").await;
        shop.fill("input[name=name]", "Fatima Zahra").await;
        shop.fill("input[name=email]", &format!("fatima-{lang}@example.ma"))
            .await;
        shop.fill("input[name=phone]", "0661223344").await;
        shop.fill("input[name=password]", "a-long-password-1").await;
        shop.click("form[action='/sell'] button[type=submit]").await;
        shop.wait_path("/seller").await;
        shop.find("section.pending").await;
        shop.shot(&format!("sell-thanks-{lang}")).await;
        serious.extend(axe::audit(&shop.c, &axe, &format!("/seller (waiting, {lang})")).await);
    }
    shop.c.delete_all_cookies().await.unwrap();
    // The account, logged in as the demo shopper.
    shop.go("/account/login?lang=ar").await;
    shop.fill("input[name=email]", "shopper@tijara.example")
        .await;
    shop.fill("input[name=password]", "shopper-demo-2026").await;
    shop.click("form[action='/account/login'] button[type=submit]")
        .await;
    // Logged in once the header offers to log out.
    shop.find("form[action='/account/logout']").await;
    for lang in ["ar", "fr"] {
        let url = format!("/account?lang={lang}");
        shop.go(&url).await;
        assert_eq!(shop.path().await, url, "logged in");
        serious.extend(axe::audit(&shop.c, &axe, &url).await);
    }
    // The audit does find what it looks for: an image without a text alternative (critical).
    shop.go("/legal/terms?lang=fr").await;
    shop.c
        .execute(
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/images/x.svg\">')",
            vec![],
        )
        .await
        .unwrap();
    let planted = axe::audit(&shop.c, &axe, "/legal/terms (with a planted image)").await;
    assert!(
        planted.iter().any(|v| v.contains("image-alt (critical)")),
        "{planted:?}"
    );
    assert!(
        serious.is_empty(),
        "serious or critical accessibility violations:\n{}",
        serious.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legal_pages_read_well_at_phone_width_in_arabic_and_french() {
    let Some(shop) = browser::Shop::start("legal", "ar").await else {
        return;
    };
    for lang in ["ar", "fr"] {
        for page in ["notice", "terms", "withdrawal", "privacy"] {
            shop.go(&format!("/legal/{page}?lang={lang}")).await;
            let text = shop.main_text().await;
            assert!(!text.trim().is_empty());
            if page == "withdrawal" {
                assert!(text.contains("31-08"), "{text}");
            }
            // Nothing wider than the phone: no sideways scrolling.
            let wide = shop
                .c
                .execute(
                    "return document.documentElement.scrollWidth > window.innerWidth",
                    vec![],
                )
                .await
                .unwrap();
            if wide != serde_json::json!(false) {
                // Name the elements that stick out, for whoever fixes it.
                let culprits = shop
                    .c
                    .execute(
                        "return [...document.querySelectorAll('body *')].filter(e => { const r = e.getBoundingClientRect(); return r.right > window.innerWidth + 1 || r.left < -1; }).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))",
                        vec![],
                    )
                    .await
                    .unwrap();
                panic!("{page} {lang} scrolls sideways: {culprits}");
            }
            shop.shot(&format!("{page}-{lang}")).await;
        }
    }
}
