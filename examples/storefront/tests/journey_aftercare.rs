//! Browser journeys after the order, at phone width, in Arabic and in French:
//! (a) a guest orders with cash on delivery, loses the link (cookies cleared), finds the
//!     order again through "track my order", and cancels it (confirmation page first);
//! (b) a parcel is delivered, and the guest asks to return one item with a reason from the
//!     order page, then sees the return's status.
//!
//! Screenshots: `target/screenshots/aftercare-track/` and `target/screenshots/aftercare-return/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;

use std::time::Duration;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara::usecases::fulfillment::{HandTracking, Operator, ShipRequest};
use tijara::usecases::returns::ReturnStep;
use tijara_core::fulfillment::TrackingStatus;
use tijara_core::order::Address;
use tijara_core::{Lang, OrderId, SellerId, VariantId};

/// A product in stock: its slug, seller and variant.
async fn in_stock(app: &tijara_storefront::App) -> (String, SellerId, VariantId) {
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
    (
        p.product.slug.clone(),
        seller,
        p.variants[0].variant.id.clone(),
    )
}

/// A screenshot of the page's end (scrolled to the bottom), as `<name>.png`.
async fn shot_end(shop: &browser::Shop, name: &str) {
    let _ = shop
        .c
        .execute("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let png = shop.c.screenshot().await.unwrap();
    std::fs::write(shop.shots.join(format!("{name}.png")), png).unwrap();
}

/// The text of `main` once it holds `needle` (waits up to 10 s for the page to load).
async fn wait_text(shop: &browser::Shop, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(main) = shop.c.find(fantoccini::Locator::Css("main")).await
            && let Ok(text) = main.text().await
        {
            if text.contains(needle) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never said {needle:?}: {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_finds_a_lost_order_through_track_my_order() {
    let Some(shop) = browser::Shop::start("aftercare-track", "ar").await else {
        return;
    };
    let (slug, _, _) = in_stock(&shop.app).await;
    for (lang, email, found_words) in [
        ("ar", "fatima.track@example.ma", "طلب"),
        ("fr", "lea.track@example.fr", "Commande"),
    ] {
        // A guest orders with cash on delivery.
        shop.c.delete_all_cookies().await.unwrap();
        shop.go(&format!("/products/{slug}?lang={lang}")).await;
        shop.add_to_cart().await;
        shop.go("/checkout").await;
        for (name, value) in [
            ("name", "Fatima Zahra"),
            ("line1", "N° 12, Rue Tarfaya, Hay Al Wahda"),
            ("city", "Dakhla"),
            ("phone", "0661000123"),
            ("email", email),
        ] {
            shop.fill(&format!("input[name='{name}']"), value).await;
        }
        shop.click("form[action='/checkout'] button").await;
        shop.click("input[name='payment'][value='cod']").await;
        shop.click("form[action='/checkout/review'] button").await;
        shop.click("form[action='/checkout/place'] button").await;
        shop.wait_path("/orders/ord_").await;
        let at = shop.path().await;
        let id = at
            .trim_start_matches("/orders/")
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        // The number the order page and the e-mail show (`DAK-2026-…`), typed in lower case.
        let number = shop
            .app
            .engine
            .orders()
            .order(&OrderId::new(id.clone()).unwrap())
            .await
            .unwrap()
            .order
            .reference();
        assert!(number.starts_with("DAK-"), "{number}");

        // The link is lost: a new browser session.
        shop.c.delete_all_cookies().await.unwrap();
        shop.go(&format!("/track?lang={lang}")).await;
        shop.shot(&format!("1-track-form-{lang}")).await;
        // A wrong e-mail first: the neutral answer, the typed number kept.
        shop.fill("input[name='reference']", &number.to_lowercase())
            .await;
        shop.fill("input[name='contact']", "someone.else@example.ma")
            .await;
        shop.click("form[action='/track'] button").await;
        wait_text(
            &shop,
            match lang {
                "ar" => "لا يوجد طلب",
                _ => "Aucune commande",
            },
        )
        .await;
        shop.shot(&format!("2-track-not-found-{lang}")).await;
        // The right e-mail (typed in capitals): the order's page.
        shop.fill("input[name='contact']", &email.to_uppercase())
            .await;
        shop.click("form[action='/track'] button").await;
        shop.wait_path(&format!("/orders/{id}?t=")).await;
        let text = wait_text(&shop, &number).await;
        assert!(text.contains(found_words), "{text}");
        shop.shot(&format!("3-track-found-{lang}")).await;
        shot_end(&shop, &format!("3b-track-found-end-{lang}")).await;
        // Nothing shipped yet: the guest cancels, after a confirmation page.
        shop.click("form[action$='/cancel'] button").await;
        shop.wait_path(&format!("/orders/{id}/cancel")).await;
        shop.shot(&format!("4-cancel-confirm-{lang}")).await;
        shop.click("form[method='post'][action$='/cancel'] button")
            .await;
        shop.wait_path(&format!("/orders/{id}?t=")).await;
        wait_text(
            &shop,
            match lang {
                "ar" => "هذا الطلب ملغى",
                _ => "Cette commande est annulée",
            },
        )
        .await;
        shot_end(&shop, &format!("5-cancelled-{lang}")).await;
        let doc = shop
            .app
            .engine
            .orders()
            .order(&OrderId::new(id.clone()).unwrap())
            .await
            .unwrap();
        assert_eq!(
            doc.order.status(),
            tijara_core::order::OrderStatus::Cancelled
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_returns_one_item_with_a_reason_and_sees_its_status() {
    let Some(shop) = browser::Shop::start("aftercare-return", "ar").await else {
        return;
    };
    let (_, seller, variant) = in_stock(&shop.app).await;
    for lang in ["ar", "fr"] {
        let e = &shop.app.engine;
        let placed = e
            .checkout()
            .place_order(
                PlaceOrderRequest::new(
                    CheckoutCart::Inline {
                        lines: vec![(variant.clone(), 2)],
                        coupons: vec![],
                        customer: None,
                        shipping: [(seller.clone(), ShippingSelection::new("amana", "standard"))]
                            .into_iter()
                            .collect(),
                    },
                    "aicha.return@example.ma",
                    Address {
                        name: "Aicha".into(),
                        line1: "Hay Al Massira".into(),
                        line2: None,
                        city: "Dakhla".into(),
                        postal_code: None,
                        state: None,
                        country: "MA".into(),
                        phone: "+212661000002".into(),
                    },
                    "cod",
                    Lang::FR,
                ),
                None,
            )
            .await
            .unwrap();
        let id: OrderId = placed.order.id.clone();
        let so = placed.order.seller_orders[0].id.clone();
        // The parcel is delivered (the fulfillment facet, as the carrier's feed would).
        let f = e.fulfillment();
        f.mark_ready(&id, &so, None).await.unwrap();
        f.ship(&id, &so, ShipRequest::new(), None).await.unwrap();
        f.track_by_hand(
            &Operator::Marketplace,
            &id,
            &so,
            HandTracking::new()
                .with_tracking_number(if lang == "ar" {
                    "AM000000001MA"
                } else {
                    "AM000000002MA"
                })
                .with_status(TrackingStatus::Delivered),
            None,
        )
        .await
        .unwrap();

        shop.c.delete_all_cookies().await.unwrap();
        let link = tijara_storefront::web::order_url(&id, placed.access_token.as_str());
        shop.go(&format!("{link}&lang={lang}")).await;
        shop.shot(&format!("1-order-delivered-{lang}")).await;
        shot_end(&shop, &format!("1b-order-delivered-end-{lang}")).await;
        shop.click("form[action*='/return/'] button").await;
        shop.wait_path(&format!("/orders/{id}/return/")).await;
        shop.shot(&format!("2-return-form-{lang}")).await;
        shot_end(&shop, &format!("2b-return-form-end-{lang}")).await;
        // One of the two units, damaged, with a word.
        shop.find(&format!("select[name='q_{variant}']"))
            .await
            .select_by_value("1")
            .await
            .unwrap();
        shop.click("input[name='reason'][value='damaged']").await;
        shop.fill(
            "textarea[name='details']",
            "Le cuir est déchiré sur le côté.",
        )
        .await;
        // Paid in cash: the refund comes by transfer, to the RIB typed as printed.
        shop.fill("input[name='refund_rib']", "0117 8000 0012 3456 7890 1296")
            .await;
        let _ = shop
            .c
            .execute(
                "document.getElementById('f-refund_holder').scrollIntoView({block: 'center'})",
                vec![],
            )
            .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let png = shop.c.screenshot().await.unwrap();
        std::fs::write(
            shop.shots
                .join(format!("2c-return-refund-account-{lang}.png")),
            png,
        )
        .unwrap();
        shop.click("form[action*='/return/'] button[type='submit']")
            .await;
        shop.wait_path(&format!("/orders/{id}?t=")).await;
        assert!(shop.path().await.contains("done=withdraw"));
        let (status, reason) = match lang {
            "ar" => ("في انتظار رد البائع", "السلعة متضررة"),
            _ => ("En attente de la réponse du vendeur", "Article abîmé"),
        };
        let text = wait_text(&shop, status).await;
        assert!(text.contains(reason), "{text}");
        shop.shot(&format!("3-return-asked-{lang}")).await;
        shot_end(&shop, &format!("3b-return-asked-end-{lang}")).await;
        let doc = e.orders().order(&id).await.unwrap();
        assert_eq!(doc.returns.len(), 1);
        assert_eq!(doc.returns[0].lines[0].quantity, 1);

        // The seller refunds: the page says where the money goes (the RIB's last digits),
        // then, once the admin transferred it, when and with which reference.
        let ret = doc.returns[0].id.clone();
        for step in [
            ReturnStep::Approve,
            ReturnStep::Receive,
            ReturnStep::Refund {
                amount: doc.returns[0].value,
            },
        ] {
            e.orders()
                .advance_return(&id, &ret, step, None)
                .await
                .unwrap();
        }
        let (due, sent) = match lang {
            "ar" => ("سيحوله السوق إلى الحساب", "أرسل في"),
            _ => ("le marché va le virer au compte", "envoyé le"),
        };
        let see_refund = |name: String| {
            let shop = &shop;
            async move {
                let _ = shop
                    .c
                    .execute(
                        "document.querySelector('.refund-line').scrollIntoView({block: 'center'})",
                        vec![],
                    )
                    .await;
                tokio::time::sleep(Duration::from_millis(200)).await;
                let png = shop.c.screenshot().await.unwrap();
                std::fs::write(shop.shots.join(format!("{name}.png")), png).unwrap();
            }
        };
        shop.go(&format!("{link}&lang={lang}")).await;
        let text = wait_text(&shop, due).await;
        assert!(text.contains("•••• 1296"), "{text}");
        see_refund(format!("4-refund-due-{lang}")).await;
        e.orders()
            .send_return_refund(
                &id,
                &ret,
                "admin@tijara.example",
                Some("VIR-2026-0042"),
                None,
            )
            .await
            .unwrap();
        shop.go(&format!("{link}&lang={lang}")).await;
        let text = wait_text(&shop, sent).await;
        assert!(text.contains("VIR-2026-0042"), "{text}");
        see_refund(format!("5-refund-sent-{lang}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_sees_their_orders_and_saves_an_address() {
    let Some(shop) = browser::Shop::start("aftercare-account", "ar").await else {
        return;
    };
    shop.go("/account/login?lang=ar").await;
    shop.fill("input[name='email']", "shopper@tijara.example")
        .await;
    shop.fill("input[name='password']", "shopper-demo-2026")
        .await;
    shop.click("form[action='/account/login'] button").await;
    // Signed in: the header's sign-out form (the login page's path starts with /account too).
    shop.find("form[action='/account/logout']").await;
    for lang in ["ar", "fr"] {
        shop.go(&format!("/account?lang={lang}")).await;
        shop.shot(&format!("1-account-{lang}")).await;
    }
    // A bad phone first: refused in words, what was typed kept.
    shop.go("/account?lang=ar").await;
    shop.fill("input[name='name']", "فاطمة الزهراء").await;
    shop.fill("input[name='line1']", "رقم 12، شارع طرفاية، حي الوحدة")
        .await;
    shop.fill("input[name='city']", "الداخلة").await;
    shop.fill("input[name='phone']", "12").await;
    shop.click("form[action='/account/addresses'] button").await;
    wait_text(&shop, "هذا العنوان ناقص").await;
    shop.shot("2-address-refused-ar").await;
    shop.fill("input[name='phone']", "0661 00 01 23").await;
    shop.click("form[action='/account/addresses'] button").await;
    wait_text(&shop, "تم حفظ العنوان").await;
    shop.shot("3-address-saved-ar").await;
    shop.go("/account?lang=fr").await;
    let text = wait_text(&shop, "Mes adresses").await;
    assert!(text.contains("+212661000123"), "{text}");
    shop.shot("4-address-saved-fr").await;
}
