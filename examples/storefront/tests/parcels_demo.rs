//! Issue 11 over HTTP: a seller cannot move another seller's parcel through the seller API;
//! demo mode signs with a key of its data folder only, and refuses to start on a public
//! address unless told.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

mod support;

use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use support::{call, demo_app};
use tijara::ports::payment::PaymentStart;
use tijara::usecases::checkout::{CheckoutCart, PlaceOrderRequest, ShippingSelection};
use tijara_core::order::{Address, FulfillmentStatus, OrderStatus};
use tijara_core::{Lang, SellerId, VariantId};
use tower::ServiceExt;

async fn token(router: &axum::Router, email: &str) -> String {
    support::token(router, email, "artisan-demo-2026").await
}

fn address() -> Address {
    Address {
        name: "Aicha".into(),
        line1: "Hay Al Massira".into(),
        line2: None,
        city: "Dakhla".into(),
        postal_code: None,
        state: None,
        country: "MA".into(),
        phone: "+212661000002".into(),
    }
}

/// A product variant of the demo's seller `n` (0-based), with stock.
async fn variant_of(app: &tijara_storefront::App, n: usize) -> (SellerId, VariantId) {
    let seller = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items[n]
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
    let variant = products
        .items
        .iter()
        .flat_map(|p| p.variants.iter())
        .find(|v| {
            !matches!(
                v.availability,
                tijara_core::inventory::Availability::OutOfStock
            )
        })
        .unwrap()
        .variant
        .id
        .clone();
    (seller, variant)
}

fn order_request(parts: &[(SellerId, VariantId)], gateway: &str) -> PlaceOrderRequest {
    PlaceOrderRequest::new(
        CheckoutCart::Inline {
            lines: parts.iter().map(|(_, v)| (v.clone(), 1)).collect(),
            coupons: vec![],
            customer: None,
            shipping: parts
                .iter()
                .map(|(s, _)| (s.clone(), ShippingSelection::new("amana", "standard")))
                .collect(),
        },
        "aicha@example.ma",
        address(),
        gateway,
        Lang::FR,
    )
}

#[tokio::test]
async fn a_seller_cannot_deliver_another_sellers_parcel_through_the_api() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    let one = variant_of(&app, 0).await;
    let three = variant_of(&app, 2).await;
    let order = app
        .engine
        .checkout()
        .place_order(order_request(&[one.clone(), three.clone()], "cod"), None)
        .await
        .unwrap()
        .order;
    let part = |seller: &SellerId| {
        order
            .seller_orders
            .iter()
            .find(|so| &so.seller_id == seller)
            .unwrap()
            .id
            .clone()
    };
    let (part1, part3) = (part(&one.0), part(&three.0));
    let id = &order.id;
    let t1 = token(&router, "seller1@tijara.example").await;
    let t3 = token(&router, "seller3@tijara.example").await;

    // Seller 1 may not choose another carrier than the shopper's.
    let (status, v) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/orders/{id}/{part1}/ship"),
        Some(&t1),
        Some(json!({"carrier": "ctm"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["code"], "not_allowed");
    let (status, s1) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/orders/{id}/{part1}/ship"),
        Some(&t1),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{s1}");
    let (status, s3) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/orders/{id}/{part3}/ship"),
        Some(&t3),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{s3}");
    let number3 = s3["tracking_number"].as_str().unwrap().to_owned();
    assert!(
        !number3.contains(part3.as_str()) && !number3.to_ascii_lowercase().contains("ord"),
        "not derived from the part id: {number3}"
    );

    // The attack: seller 1 posts seller 3's number with "delivered" on its own part.
    let (status, v) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/orders/{id}/{part1}/tracking"),
        Some(&t1),
        Some(json!({"tracking_number": number3, "status": "delivered"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "tracking_number_taken");
    // On seller 3's part directly: not found for seller 1.
    let (status, _) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/orders/{id}/{part3}/tracking"),
        Some(&t1),
        Some(json!({"status": "delivered"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A return to sender is the carrier's or the marketplace's to record.
    let (status, v) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/orders/{id}/{part1}/tracking"),
        Some(&t1),
        Some(json!({"status": "returned_to_sender"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");

    let doc = app.engine.orders().order(id).await.unwrap();
    let status_of = |p| doc.order.seller_order(p).unwrap().status();
    assert_eq!(status_of(&part3), FulfillmentStatus::Shipped, "untouched");
    assert_eq!(status_of(&part1), FulfillmentStatus::Shipped);
    assert!(
        doc.payment_log
            .iter()
            .all(|l| l.event.as_str() != "collected"),
        "no cash recorded as collected"
    );
    let sh3 = doc
        .shipments
        .iter()
        .find(|s| s.seller_order_id == part3)
        .unwrap();
    assert_eq!(sh3.tracking_number.as_deref(), Some(number3.as_str()));
    assert!(sh3.events().is_empty());

    // Its own parcel, its own steps: fine.
    let (status, v) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/orders/{id}/{part1}/tracking"),
        Some(&t1),
        Some(json!({"tracking_number": "RR100200300MA", "status": "delivered"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["id"], s1["id"]);
    let doc = app.engine.orders().order(id).await.unwrap();
    assert_eq!(
        doc.order.seller_order(&part1).unwrap().status(),
        FulfillmentStatus::Delivered
    );
    assert_eq!(
        doc.order.seller_order(&part3).unwrap().status(),
        FulfillmentStatus::Shipped
    );
}

static DIRS: AtomicU32 = AtomicU32::new(0);

fn fresh_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tijara-demo-key-{}-{}",
        std::process::id(),
        DIRS.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn settings(data_dir: std::path::PathBuf) -> tijara_storefront::Settings {
    tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir,
        database_url: Some("sqlite::memory:".into()),
        public_url: Some("http://127.0.0.1:9".into()),
        cmi: None,
        display_rates: vec![],
        region: None,
        carriers: vec![],
    }
}

#[tokio::test]
async fn each_data_folder_has_its_own_random_demo_key() {
    let (dir_a, dir_b) = (fresh_dir(), fresh_dir());
    let a = tijara_storefront::build(&settings(dir_a.clone()))
        .await
        .unwrap();
    let b = tijara_storefront::build(&settings(dir_b.clone()))
        .await
        .unwrap();
    let fields = vec![
        ("oid".to_owned(), "ord_x-1".to_owned()),
        ("amount".to_owned(), "10.00".to_owned()),
    ];
    let (sim_a, sim_b) = (a.simulator.clone().unwrap(), b.simulator.clone().unwrap());
    assert_ne!(sim_a.sign(&fields), sim_b.sign(&fields), "different keys");
    let literal = tijara_pay_cmi::hash::ver3(&fields, "DEMO-STORE-KEY");
    assert_ne!(sim_a.sign(&fields), literal, "not the key in the source");
    // Kept in the data folder, owner-only, and reused by the next start.
    let path = dir_a.join(tijara_storefront::DEMO_KEY_FILE);
    let key = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        sim_a.sign(&fields),
        tijara_pay_cmi::hash::ver3(&fields, &key)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = tijara_storefront::build(&settings(dir_a.clone()))
        .await
        .unwrap();
    assert_eq!(
        again.simulator.as_ref().unwrap().sign(&fields),
        sim_a.sign(&fields),
        "the same folder keeps its key"
    );
    let _ = std::fs::remove_dir_all(dir_a);
    let _ = std::fs::remove_dir_all(dir_b);
}

#[tokio::test]
async fn a_callback_signed_with_the_old_literal_key_pays_nothing() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    let one = variant_of(&app, 0).await;
    let placed = app
        .engine
        .checkout()
        .place_order(order_request(&[one], "cmi"), None)
        .await
        .unwrap();
    let PaymentStart::Redirect { fields, .. } = placed.payment else {
        panic!("CMI redirects");
    };
    let sim = app.simulator.clone().unwrap();
    let mut forged = sim.callback_fields(&fields, true);
    let hash = tijara_pay_cmi::hash::ver3(&forged, "DEMO-STORE-KEY");
    for (k, v) in forged.iter_mut() {
        if k.eq_ignore_ascii_case("hash") {
            *v = hash.clone();
        }
    }
    let before = app.engine.storage().pending_events(10_000).await.unwrap();
    let body = serde_urlencoded::to_string(&forged).unwrap();
    let res = router
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::POST)
                .uri("/cmi/callback")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let text = to_bytes(res.into_body(), 1 << 16).await.unwrap();
    assert!(
        !String::from_utf8_lossy(&text).contains("APPROVED"),
        "{text:?}"
    );
    let doc = app.engine.orders().order(&placed.order.id).await.unwrap();
    assert_eq!(doc.order.status(), OrderStatus::AwaitingPayment);
    assert!(doc.payment_log.is_empty());
    let after = app.engine.storage().pending_events(10_000).await.unwrap();
    assert_eq!(after.len(), before.len(), "no outbox row for a forgery");
}

#[test]
fn demo_mode_starts_on_a_public_address_only_when_told() {
    use tijara_storefront::check_demo_start as check;
    // Loopback: fine without --demo.
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost:8080/",
        "http://[::1]:8080",
        "https://127.9.9.9",
    ] {
        assert!(
            check(Some(url), "127.0.0.1:8080", false, false).is_ok(),
            "{url}"
        );
    }
    assert!(check(None, "127.0.0.1:8080", false, false).is_ok());
    // A public address: refused with a message naming the way out.
    for url in [
        "https://shop.example.ma",
        "http://0.0.0.0:8080",
        "http://192.168.1.10:8080",
        "http://localhost.evil.example",
        "http://127.0.0.1@shop.example.ma",
    ] {
        let why = check(Some(url), "127.0.0.1:8080", false, false).unwrap_err();
        assert!(
            why.contains("--demo") && why.contains("--cmi-client-id"),
            "{why}"
        );
    }
    let why = check(None, "0.0.0.0:8080", false, false).unwrap_err();
    assert!(why.contains("http://0.0.0.0:8080"), "{why}");
    // A loopback public URL does not make a server listening on every interface private.
    for bind in ["0.0.0.0:8080", "[::]:8080", "192.168.1.10:8080"] {
        let why = check(Some("http://localhost:8080"), bind, false, false).unwrap_err();
        assert!(
            why.contains(bind) && why.contains("--demo"),
            "{bind}: {why}"
        );
    }
    for bind in ["127.0.0.1:8080", "[::1]:8080", "localhost:8080"] {
        assert!(
            check(Some("http://localhost:8080"), bind, false, false).is_ok(),
            "{bind}"
        );
    }
    // Said explicitly, or with real CMI credentials: starts.
    assert!(check(Some("https://shop.example.ma"), "0.0.0.0:8080", false, true).is_ok());
    assert!(check(Some("https://shop.example.ma"), "0.0.0.0:8080", true, false).is_ok());
}

#[test]
fn concurrent_first_starts_share_the_key_on_disk() {
    for _ in 0..20 {
        let dir = fresh_dir();
        let barrier = std::sync::Barrier::new(8);
        let keys: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        tijara_storefront::demo_store_key(&dir).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let on_disk = std::fs::read_to_string(dir.join(tijara_storefront::DEMO_KEY_FILE)).unwrap();
        for k in &keys {
            assert_eq!(k, &on_disk, "every process runs with the key on disk");
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn an_unreadable_key_file_is_an_error_not_replaced() {
    let dir = fresh_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(tijara_storefront::DEMO_KEY_FILE);
    // Not UTF-8.
    std::fs::write(&path, [0xff_u8; 64]).unwrap();
    let err = tijara_storefront::demo_store_key(&dir).unwrap_err();
    assert!(
        err.to_string().contains(tijara_storefront::DEMO_KEY_FILE),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        vec![0xff_u8; 64],
        "left as it was"
    );
    // Too short to be a key.
    std::fs::write(&path, "short").unwrap();
    assert!(tijara_storefront::demo_store_key(&dir).is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "short");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Unreadable (when not running as root, which reads anything).
        let key = "a".repeat(64);
        std::fs::write(&path, &key).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&path).is_err() {
            assert!(tijara_storefront::demo_store_key(&dir).is_err());
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), key);
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
