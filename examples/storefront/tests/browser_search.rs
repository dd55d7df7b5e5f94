//! The search page in a phone-width browser (issue 16): a misspelt query finds the product,
//! the query stays in the box, the count, the facets open and narrow, the sort submits
//! without JavaScript, and the empty state suggests; in Arabic (right to left) and French,
//! with screenshots (`target/screenshots/search/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_page_at_phone_width_in_arabic_and_french() {
    let Some(shop) = browser::Shop::start("search", "fr").await else {
        return;
    };
    // French: a typo, the count, the facets, the sort.
    shop.go("/?lang=fr").await;
    shop.fill("form.search input[name=q]", "tappis chameau")
        .await;
    shop.click("form.search button[type=submit]").await;
    // The results' count (the home page lists the rug too).
    let text = shop.wait_main_contains("résultat").await;
    assert!(text.contains("Tapis en laine de chameau"), "{text}");
    let kept = shop
        .find("form.search input[name=q]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("tappis chameau"));
    shop.shot("search-fr").await;
    shop.go("/?lang=fr&q=bijoux").await;
    shop.click("details.facets summary").await;
    shop.shot("search-facets-fr").await;
    let before = shop.path().await;
    shop.click("details.facets .facet a.chip").await;
    shop.wait_path_change(&before).await;
    let chosen = shop.find("details.facets a.chip[aria-current]").await;
    assert!(chosen.text().await.unwrap().contains('('));
    let before = shop.path().await;
    shop.click("form.sort button[type=submit]").await;
    shop.wait_path_change(&before).await;
    // Nothing found: the suggestion and the categories.
    shop.go("/?lang=fr&q=pxttxry").await;
    let text = shop.wait_main_contains("Vouliez-vous dire").await;
    assert!(text.contains("pottery"), "{text}");
    shop.shot("search-empty-fr").await;
    // Arabic, right to left.
    shop.go("/?lang=ar&q=خيمة").await;
    let text = shop.wait_main_contains("خيمة عائلية").await;
    assert!(text.contains("نتيجة"), "{text}");
    let dir = shop.find("html").await.attr("dir").await.unwrap();
    assert_eq!(dir.as_deref(), Some("rtl"));
    shop.click("details.facets summary").await;
    shop.shot("search-ar").await;
    shop.go("/?lang=ar&q=pxttxry").await;
    shop.wait_main_contains("هل تقصد").await;
    shop.shot("search-empty-ar").await;
}
