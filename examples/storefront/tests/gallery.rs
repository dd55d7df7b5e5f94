//! The product page's gallery without JavaScript: each thumbnail is a link to its photo
//! (`#photo-N`), and the style sheet shows the photo the address names in place of the first.
//! Screenshots go to `target/screenshots/gallery-<lang>/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;

use tijara::usecases::catalog::ProductFilter;
use tijara_core::LocalizedText;
use tijara_core::catalog::Photo;

/// Whether the element with this id is shown (laid out with a size).
async fn shown(shop: &browser::Shop, id: &str) -> bool {
    shop.c
        .execute(
            "const e = document.getElementById(arguments[0]); return !!e && e.getClientRects().length > 0 && getComputedStyle(e).display !== 'none'",
            vec![serde_json::json!(id)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

async fn journey(lang: &str) {
    let Some(shop) = browser::Shop::start(&format!("gallery-{lang}"), lang).await else {
        return;
    };
    let catalog = shop
        .app
        .engine
        .catalog()
        .list_products(&ProductFilter::default(), None, 100)
        .await
        .unwrap();
    let product = &catalog.items[0];
    // Two more photos (the drawn illustrations of two other products).
    for other in &catalog.items[1..3] {
        shop.app
            .engine
            .catalog()
            .add_product_photo(
                &product.product.id,
                Photo {
                    url: format!("/images/{}.svg", other.product.slug),
                    alt: LocalizedText::single(tijara_core::Lang::FR, "photo"),
                },
            )
            .await
            .unwrap();
    }
    shop.go(&format!("/products/{}?lang={lang}", product.product.slug))
        .await;
    let thumbs = shop
        .c
        .find_all(fantoccini::Locator::Css(
            ".gallery nav.more a[href^='#photo-']",
        ))
        .await
        .unwrap();
    assert_eq!(thumbs.len(), 3, "one link per photo");
    let scripts = shop
        .c
        .find_all(fantoccini::Locator::Css(
            "script:not([type='application/ld+json'])",
        ))
        .await
        .unwrap();
    assert!(scripts.is_empty(), "no JavaScript on the page");
    assert!(shown(&shop, "photo-1").await, "the first photo at first");
    assert!(!shown(&shop, "photo-2").await && !shown(&shop, "photo-3").await);
    shop.shot("01-first-photo").await;

    // A thumbnail's link shows its photo, instead of the first.
    shop.click(".gallery nav.more a[href='#photo-3']").await;
    assert!(shop.wait_path("/products/").await.starts_with("/products/"));
    let url = shop.c.current_url().await.unwrap();
    assert_eq!(
        url.fragment(),
        Some("photo-3"),
        "the address names the photo"
    );
    assert!(shown(&shop, "photo-3").await, "the third photo is shown");
    assert!(
        !shown(&shop, "photo-1").await,
        "the first is hidden meanwhile"
    );
    assert!(!shown(&shop, "photo-2").await);
    shop.shot("02-third-photo").await;

    shop.click(".gallery nav.more a[href='#photo-1']").await;
    assert!(shown(&shop, "photo-1").await, "back to the first");
    assert!(!shown(&shop, "photo-3").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnails_show_their_photo_without_javascript_in_arabic() {
    journey("ar").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnails_show_their_photo_without_javascript_in_french() {
    journey("fr").await;
}
