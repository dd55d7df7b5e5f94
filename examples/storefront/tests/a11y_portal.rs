//! The admin's and the artisan's pages in a real browser: axe-core finds no serious or
//! critical violation on the portal and admin pages in Arabic and French; the admin's
//! dashboard at desktop width (screenshot `target/screenshots/admin/`), the categories at
//! phone width (`target/screenshots/a11y-portal/`); and the language
//! chosen in the shop survives page changes across shop → login → portal, and login → admin.
//!
//! Without Chromium/chromedriver or axe-core (`npm ci --prefix .ci/js`) the tests print a
//! notice and pass, unless `TIJARA_REQUIRE_BROWSER=1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/axe.rs"]
mod axe;
#[path = "support/browser.rs"]
mod browser;

async fn login(shop: &browser::Shop, email: &str, password: &str) {
    shop.go("/account/login").await;
    let before = shop.path().await;
    shop.fill("input[name=email]", email).await;
    shop.fill("input[name=password]", password).await;
    shop.click("form[action='/account/login'] button[type=submit]")
        .await;
    // The page signed in people land on, not the login page (whose header could still show
    // an earlier session's sign-out form).
    shop.wait_path_change(&before).await;
}

async fn lang_of_page(shop: &browser::Shop) -> String {
    shop.c
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_and_admin_pages_pass_axe_in_arabic_and_french() {
    let Some(axe) = axe::axe_source() else { return };
    let Some(shop) = browser::Shop::start("a11y-portal", "ar").await else {
        return;
    };
    let mut serious = Vec::new();
    login(&shop, "seller1@tijara.example", "artisan-demo-2026").await;
    for lang in ["ar", "fr"] {
        for p in [
            "/seller",
            "/seller/products",
            "/seller/statement",
            "/seller/guide",
        ] {
            let url = format!("{p}?lang={lang}");
            shop.go(&url).await;
            serious.extend(axe::audit(&shop.c, &axe, &url).await);
        }
    }
    shop.click("form[action='/account/logout'] button[type=submit]")
        .await;
    // Signed out: the header offers to sign in (every path starts with "/").
    shop.find("nav.head-links a[href='/account/login']").await;
    login(&shop, "admin@tijara.example", "admin-demo-2026").await;
    let product = shop
        .app
        .engine
        .catalog()
        .list_products(
            &tijara::usecases::catalog::ProductFilter::default(),
            None,
            1,
        )
        .await
        .unwrap()
        .items[0]
        .product
        .id
        .clone();
    let customs = format!("/admin/products/{product}/customs");
    for lang in ["ar", "fr"] {
        for p in [
            "/admin",
            "/admin/sellers",
            "/admin/products",
            customs.as_str(),
            "/admin/categories",
            "/admin/categories/leather",
            "/admin/orders",
            "/admin/payouts",
            "/admin/events",
        ] {
            let url = format!("{p}?lang={lang}");
            shop.go(&url).await;
            serious.extend(axe::audit(&shop.c, &axe, &url).await);
            // The categories at phone width, to look at (`target/screenshots/a11y-portal/`).
            if p == "/admin/categories" {
                shop.shot(&format!("admin-categories-{lang}")).await;
            }
        }
    }
    assert!(
        serious.is_empty(),
        "serious or critical violations:\n{}",
        serious.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_at_desktop_width_and_the_language_across_pages() {
    let Some(shop) = browser::Shop::start("admin", "ar").await else {
        return;
    };
    // The language chosen in the shop: five page changes, a login, the admin.
    shop.go("/?lang=fr").await;
    // An order placed today as a guest (cash on delivery), so the chart and today's figures
    // have something to show; every page of it stays in French.
    let products = shop
        .app
        .engine
        .catalog()
        .list_products(
            &tijara::usecases::catalog::ProductFilter::default(),
            None,
            100,
        )
        .await
        .unwrap()
        .items;
    let product = products
        .iter()
        .find(|v| {
            matches!(
                v.variants[0].availability,
                tijara_core::inventory::Availability::InStock { .. }
            )
        })
        .expect("a product in stock");
    shop.go(&format!("/products/{}", product.product.slug))
        .await;
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
    shop.wait_path("/orders/").await;
    assert_eq!(lang_of_page(&shop).await, "fr", "the order page");
    for p in ["/artisans", "/cart"] {
        shop.go(p).await;
        assert_eq!(lang_of_page(&shop).await, "fr", "{p}");
    }
    login(&shop, "admin@tijara.example", "admin-demo-2026").await;
    assert_eq!(shop.wait_path("/admin").await, "/admin");
    assert_eq!(lang_of_page(&shop).await, "fr", "after the login");
    for href in ["/admin/sellers", "/admin/orders"] {
        shop.click(&format!("nav.portal a[href='{href}']")).await;
        shop.wait_path(href).await;
        assert_eq!(lang_of_page(&shop).await, "fr", "{href}");
    }
    // The dashboard at desktop width, in both languages.
    shop.c.set_window_size(1280, 900).await.unwrap();
    for lang in ["fr", "ar"] {
        shop.go(&format!("/admin?lang={lang}")).await;
        shop.find("svg.chart rect").await;
        let text = shop.main_text().await;
        assert!(
            !text.contains("Pas encore de ventes"),
            "today's order is in the chart"
        );
        let height: u64 = shop
            .c
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(900)
            .clamp(900, 4000);
        shop.c.set_window_size(1280, height as u32).await.unwrap();
        let png = shop.c.screenshot().await.unwrap();
        std::fs::write(shop.shots.join(format!("dashboard-{lang}.png")), png).unwrap();
        shop.c.set_window_size(1280, 900).await.unwrap();
    }
    // A `?lang=` address shows a page without saving anything; the header's switch saves the
    // choice (Arabic, made while logged in) as the account's.
    let admin = shop
        .app
        .engine
        .accounts()
        .account_by_email("admin@tijara.example")
        .await
        .unwrap()
        .unwrap();
    assert!(admin.lang_chosen_at.is_none(), "a GET saves nothing");
    shop.go("/admin").await;
    // French, then Arabic: each switch's page is waited for (its `lang` changed).
    for lang in ["fr", "ar"] {
        shop.click(&format!("nav.langs button[lang='{lang}']"))
            .await;
        shop.find(&format!("html[lang='{lang}']")).await;
    }
    assert_eq!(shop.wait_path("/admin").await, "/admin");
    let admin = shop
        .app
        .engine
        .accounts()
        .account_by_email("admin@tijara.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.lang, tijara_core::Lang::AR);
    assert!(admin.lang_chosen_at.is_some());
}
