//! The shared browser support opens the shop at phone width (see `support/browser.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code fails by panicking

#[path = "support/browser.rs"]
mod browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_opens_right_to_left_in_arabic_at_phone_width() {
    let Some(shop) = browser::Shop::start("smoke", "ar").await else {
        return;
    };
    shop.go("/?lang=ar").await;
    let dir = shop.find("html").await.attr("dir").await.unwrap();
    assert_eq!(dir.as_deref(), Some("rtl"));
    shop.shot("home-ar").await;
    assert!(shop.shots.join("home-ar.png").exists());
}
