//! The shop's pages over HTTP (in process): numbered pages, breadcrumbs, the artisans' shops
//! with their opt-in WhatsApp contact, the cart's quantity stepper, the header's cart count and
//! search, the designed 404s.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

use axum::http::StatusCode;
use tijara::usecases::catalog::ProductFilter;

mod support;

/// The demo's sellers, in listing order.
async fn sellers(app: &tijara_storefront::App) -> Vec<tijara_core::catalog::Seller> {
    app.engine
        .catalog()
        .list_sellers(None, 100)
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn the_home_page_has_numbered_pages_and_categories_have_breadcrumbs() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let one = c.get("/?lang=fr").await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(
        one.body.contains("aria-current=\"page\">1<"),
        "{}",
        one.body
    );
    assert!(one.body.contains("href=\"/?page=2\""));
    let two = c.get("/?lang=fr&page=2").await;
    assert_eq!(two.status, StatusCode::OK);
    assert!(two.body.contains("aria-current=\"page\">2<"));
    // Page 2 shows other products than page 1.
    let first_card = |b: &str| {
        b.split("href=\"/products/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_ne!(first_card(&one.body), first_card(&two.body));
    // Past the end: the empty state and a way back, not an error.
    let past = c.get("/?lang=fr&page=99").await;
    assert_eq!(past.status, StatusCode::OK);
    assert!(
        past.body.contains("Voir tous les produits"),
        "{}",
        past.body
    );
    // Not a number: page 1.
    let bad = c.get("/?lang=fr&page=abc").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(
        bad.body.contains("aria-current=\"page\">1<") || !bad.body.contains("nav class=\"pages\"")
    );
    // A category: breadcrumbs, its chip marked, pages keep the category.
    let cat = c.get("/?lang=fr&category=jewellery").await;
    assert!(cat.body.contains("class=\"crumbs\""));
    assert!(cat.body.contains("Bijoux en argent"));
    // A search keeps its words in the box.
    let search = c.get("/?lang=fr&q=melhfa").await;
    assert!(search.body.contains("value=\"melhfa\""), "{}", search.body);
    assert!(search.body.contains("Résultats pour"));
}

#[tokio::test]
async fn product_pages_show_the_price_with_tax_the_artisan_and_breadcrumbs() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let page = c.get("/products/tassoufra-bag?lang=fr").await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains("class=\"crumbs\"") && b.contains("Cuir"), "{b}");
    assert!(b.contains("<bdi class=\"money\">890,00"), "{b}");
    assert!(b.contains("TVA incluse"));
    assert!(b.contains("class=\"artisan\"") && b.contains("href=\"/artisans/"));
    // The withdrawal period of the region (law 31-08: 7 days), not a promise of free returns.
    assert!(b.contains("Retour possible sous 7 jours"), "{b}");
    // No SKU, no initials in place of a picture.
    // (What a person sees: the SKU stays in the search engines' structured data only.)
    let seen = b
        .split_once("<main>")
        .and_then(|(_, rest)| rest.split_once("</main>"))
        .map_or(b.as_str(), |(main, _)| main);
    assert!(!seen.contains("DAK-"), "{b}");
    assert!(b.contains("/images/tassoufra-bag.svg"));
    // The drawing is of a bag, not initials.
    let svg = c.get("/images/tassoufra-bag.svg").await;
    assert!(svg.body.starts_with("<svg") && !svg.body.contains("<text"));
    // An exempt artisan's price says there is no TVA.
    let exempt = app
        .engine
        .catalog()
        .list_sellers(None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|s| {
            matches!(
                s.tax_status,
                tijara_core::catalog::SellerTaxStatus::Exempt { .. }
            )
        })
        .unwrap();
    let mut their = ProductFilter::default();
    their.seller = Some(exempt.id.clone());
    let theirs = app
        .engine
        .catalog()
        .list_products(&their, None, 1)
        .await
        .unwrap()
        .items;
    let page = c
        .get(&format!("/products/{}?lang=fr", theirs[0].product.slug))
        .await;
    assert!(page.body.contains("TVA non applicable"), "{}", page.body);
    assert!(!page.body.contains("TVA incluse"));
    // A made-to-order product says how long it takes.
    let tent = c.get("/products/family-khaima?lang=fr").await;
    assert!(
        tent.body.contains("Fait sur commande en 21 jours"),
        "{}",
        tent.body
    );
}

#[tokio::test]
async fn artisans_have_their_shop_with_story_members_products_and_opt_in_whatsapp() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    let index = c.get("/artisans?lang=fr").await;
    assert_eq!(index.status, StatusCode::OK);
    let all = sellers(&app).await;
    for s in &all {
        assert!(
            index.body.contains(&format!("/artisans/{}", s.id)),
            "{}",
            s.name
        );
    }
    let opted = all.iter().find(|s| s.whatsapp.is_some()).unwrap();
    let shop = c.get(&format!("/artisans/{}?lang=fr", opted.id)).await;
    assert_eq!(shop.status, StatusCode::OK);
    let digits = opted.whatsapp.as_deref().unwrap().trim_start_matches('+');
    assert!(
        shop.body.contains(&format!("https://wa.me/{digits}")),
        "{}",
        shop.body
    );
    assert!(shop.body.contains("class=\"card\""), "its products");
    assert!(shop.body.contains("Salka Mint Brahim"), "its members");
    // A seller who did not opt in shows no WhatsApp link.
    let quiet = all.iter().find(|s| s.whatsapp.is_none()).unwrap();
    let page = c.get(&format!("/artisans/{}?lang=fr", quiet.id)).await;
    assert!(!page.body.contains("wa.me"));
    // A deactivated seller's shop is gone (and gone from the index).
    app.engine
        .catalog()
        .set_seller_active(&quiet.id, false, None)
        .await
        .unwrap();
    let closed = c.get(&format!("/artisans/{}?lang=fr", quiet.id)).await;
    assert_eq!(closed.status, StatusCode::NOT_FOUND);
    let index = c.get("/artisans?lang=fr").await;
    assert!(!index.body.contains(&format!("/artisans/{}\"", quiet.id)));
    // Unknown or malformed: the designed 404 with the way to the others.
    for bad in ["/artisans/slr-nobody", "/artisans/%20bad%20id"] {
        let gone = c.get(&format!("{bad}?lang=fr")).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(gone.body.contains("href=\"/artisans\""), "{}", gone.body);
    }
}

#[tokio::test]
async fn the_cart_stepper_sets_quantities_and_refuses_bad_input_without_changing_the_cart() {
    let app = support::demo_app().await;
    let products = app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 100)
        .await
        .unwrap()
        .items;
    let variant = products[0].variants[0].variant.id.to_string();
    let mut c = support::Client::new(&app);
    // No cart yet: nothing to set; back to the (empty) cart, which suggests the next step.
    // (A product page gives the form token.)
    c.get("/products/tassoufra-bag?lang=fr").await;
    let none = c
        .post("/cart/set", &[("variant", &variant), ("quantity", "2")])
        .await;
    assert_eq!(none.location.as_deref(), Some("/cart"));
    let empty = c.get("/cart?lang=fr").await;
    assert!(
        empty.body.contains("Parcourir la boutique"),
        "{}",
        empty.body
    );
    assert!(!c.jar.contains_key("cart"), "no cart was made");

    c.post("/cart/add", &[("variant", &variant), ("quantity", "1")])
        .await;
    let set = c
        .post("/cart/set", &[("variant", &variant), ("quantity", "3")])
        .await;
    assert_eq!(set.location.as_deref(), Some("/cart"));
    let cart = c.get("/cart?lang=fr").await;
    assert!(cart.body.contains("<output"), "{}", cart.body);
    assert!(
        cart.body.contains("class=\"count\">3<"),
        "the header counts 3: {}",
        cart.body
    );
    assert!(cart.body.contains("class=\"seller-group\""));

    // Bad input: a 4xx, and the cart keeps its 3.
    for (q, v) in [
        ("abc", variant.as_str()),
        ("100000", variant.as_str()),
        ("2", ""),
    ] {
        let bad = c
            .post("/cart/set", &[("variant", v), ("quantity", q)])
            .await;
        assert!(bad.status.is_client_error(), "{q} {v}: {}", bad.status);
    }
    let cart = c.get("/cart?lang=fr").await;
    assert!(cart.body.contains("class=\"count\">3<"), "{}", cart.body);

    // Another visitor cannot change this cart: they have none of their own.
    let mut other = support::Client::new(&app);
    other.get("/products/tassoufra-bag?lang=fr").await;
    other
        .post("/cart/set", &[("variant", &variant), ("quantity", "1")])
        .await;
    let cart = c.get("/cart?lang=fr").await;
    assert!(cart.body.contains("class=\"count\">3<"));

    // 0 removes the line.
    c.post("/cart/set", &[("variant", &variant), ("quantity", "0")])
        .await;
    let cart = c.get("/cart?lang=fr").await;
    assert!(cart.body.contains("Parcourir la boutique"), "{}", cart.body);
    assert!(!cart.body.contains("class=\"count\""));
}

#[tokio::test]
async fn unknown_pages_and_products_are_designed_404s_with_a_way_home() {
    let app = support::demo_app().await;
    let mut c = support::Client::new(&app);
    for path in ["/products/no-such-thing?lang=fr", "/nowhere/at/all?lang=fr"] {
        let page = c.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("class=\"err-page\""), "{path}");
        assert!(page.body.contains("Retour à l'accueil"), "{path}");
    }
    // The JSON API's unknown addresses stay bare 404s.
    let api = c.get("/api/v1/nothing-here").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(!api.body.contains("<html"));
}
