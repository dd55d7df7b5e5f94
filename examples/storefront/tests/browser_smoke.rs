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

/// The admin's failed deliveries at phone width, in Arabic and French: a failed SMS listed
/// with its error and next try, retried with the button (no JavaScript).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_retries_a_failed_delivery_at_phone_width() {
    use tijara::ports::storage::{DeliveryAttempt, DeliveryOutcome, OutboxEvent};
    use tijara_core::chrono::{Duration, Utc};
    for lang in ["ar", "fr"] {
        let Some(shop) = browser::Shop::start(&format!("deliveries-{lang}"), lang).await else {
            return;
        };
        let event = OutboxEvent::new(
            41,
            "order:ord_0000000000000000000000000041",
            "shipment.updated",
            "{}",
            Utc::now(),
        );
        shop.app
            .engine
            .operations()
            .record_delivery(&DeliveryAttempt::new(
                "notification:sms",
                &event,
                Utc::now(),
                DeliveryOutcome::Failed {
                    error: "SMS gateway answered 503 Service Unavailable".into(),
                    next_try_at: Utc::now() + Duration::minutes(40),
                },
            ))
            .await
            .unwrap();
        shop.go(&format!("/account/login?lang={lang}")).await;
        shop.fill("input[name='email']", "admin@tijara.example")
            .await;
        shop.fill("input[name='password']", "admin-demo-2026").await;
        shop.click("form[action='/account/login'] button").await;
        shop.wait_path("/admin").await;
        shop.go("/admin/deliveries").await;
        let text = shop.main_text().await;
        assert!(text.contains("SMS gateway answered 503"), "{text}");
        let dir = shop.find("html").await.attr("dir").await.unwrap();
        assert_eq!(
            dir.as_deref(),
            Some(if lang == "ar" { "rtl" } else { "ltr" })
        );
        shop.shot(&format!("deliveries-{lang}")).await;
        shop.click("form[action='/admin/deliveries/retry'] button")
            .await;
        shop.wait_path("/admin/deliveries").await;
        // The retry posts back to the page it came from: wait for the new page's text, not
        // the path (which is already right before the post lands).
        let retried = if lang == "ar" {
            "أعيد الإرسال"
        } else {
            "Envoi relancé"
        };
        let text = shop.wait_main_contains(retried).await;
        assert!(text.contains(retried), "{text}");
        shop.shot(&format!("deliveries-retried-{lang}")).await;
        let row = shop
            .app
            .engine
            .operations()
            .delivery("notification:sms", 41)
            .await
            .unwrap()
            .unwrap();
        assert!(!row.waits_at(Utc::now()), "due now: {row:?}");
    }
}
