//! The storefront during a database outage: every page and API call answers 503 at once, with
//! `Retry-After` and a readable page in the visitor's language, never a 404 (which caches keep)
//! or a 200 shop window with an error in it; once the database is back, the shop works again.

#![allow(clippy::unwrap_used)] // a failed unwrap fails the test

mod support;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tijara_storefront::App;
use tijara_testkit::outage::Outage;
use tower::ServiceExt;

/// The demo marketplace on a storage that can be taken down.
async fn app_with_outage() -> (App, Arc<Outage>) {
    let app = support::demo_app().await;
    let outage = Arc::new(Outage::new(app.engine.storage().clone()));
    let engine = tijara::Tijara::builder()
        .region(tijara_core::Region::dakhla())
        .storage(outage.clone())
        .payment(Arc::new(tijara_pay_offline::CashOnDelivery))
        .carrier(Arc::new(
            tijara_carrier_table::TableCarrier::from_toml(tijara_carrier_table::AMANA_SAMPLE)
                .unwrap(),
        ))
        .build()
        .unwrap();
    (
        App::from(tijara_storefront::AppParts {
            engine,
            ..app.into_parts()
        }),
        outage,
    )
}

struct Reply {
    status: StatusCode,
    retry_after: Option<String>,
    body: String,
    took: Duration,
}

async fn get(app: &App, uri: &str) -> Reply {
    get_with_cookie(app, uri, "").await
}

async fn get_with_cookie(app: &App, uri: &str, cookie: &str) -> Reply {
    let started = Instant::now();
    let res = tijara_storefront::router(app.clone())
        .oneshot(
            Request::get(uri)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let retry_after = res
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = String::from_utf8(
        to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    Reply {
        status,
        retry_after,
        body,
        took: started.elapsed(),
    }
}

#[tokio::test]
async fn pages_and_api_answer_503_quickly_during_an_outage() {
    let (app, outage) = app_with_outage().await;
    let product = "/products/embroidered-srama-cushion";
    for uri in [
        "/?lang=fr",
        &format!("{product}?lang=fr"),
        "/?category=leather&lang=fr",
    ] {
        assert_eq!(get(&app, uri).await.status, StatusCode::OK, "{uri} before");
    }

    let cart = app
        .engine
        .carts()
        .create_cart(None, None)
        .await
        .unwrap()
        .cart
        .id;
    let cart_cookie = format!("cart={cart}");
    assert_eq!(
        get_with_cookie(&app, "/cart", &cart_cookie).await.status,
        StatusCode::OK
    );

    outage.set_down(true);
    for uri in [
        "/?lang=fr",
        &format!("{product}?lang=fr"),
        "/?category=leather&lang=fr",
        "/?q=tapis&lang=fr",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{uri}: {}",
            r.body
        );
        assert_eq!(r.retry_after.as_deref(), Some("5"), "{uri}");
        assert!(
            r.body.contains("momentanément indisponible"),
            "{uri}: a readable page in the visitor's language: {}",
            r.body
        );
        assert!(
            !r.body.contains("pool timed out"),
            "no internals shown: {}",
            r.body
        );
        assert!(r.took < Duration::from_secs(3), "{uri} took {:?}", r.took);
    }
    for uri in ["/cart?lang=fr", "/orders/ord_some_order?lang=fr"] {
        // Not an empty cart, not a 404 for the shopper's order.
        let r = get_with_cookie(&app, uri, &cart_cookie).await;
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{uri}: {}",
            r.body
        );
    }
    let r = get(&app, "/products/embroidered-srama-cushion?lang=ar").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("الخدمة غير متاحة مؤقتا"), "{}", r.body);

    for uri in [
        "/api/v1/products",
        "/api/v1/products/embroidered-srama-cushion",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{uri}: {}",
            r.body
        );
        assert_eq!(r.retry_after.as_deref(), Some("5"), "{uri}");
        let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(json["code"], "temporarily_unavailable", "{uri}");
        assert!(
            !r.body.contains("pool timed out"),
            "no internals: {}",
            r.body
        );
    }

    outage.set_down(false);
    assert_eq!(get(&app, product).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/").await.status, StatusCode::OK);
    assert_eq!(
        get(&app, "/products/no-such-thing").await.status,
        StatusCode::NOT_FOUND
    );
}

/// A full disk under the real SQLite store: the API answers 503 `temporarily_unavailable` (not
/// 422 `refused`), and writes work again as soon as space is back, without a restart.
/// Log lines written while the guard lives (this thread; the test's runtime is single-threaded,
/// so the SQLite writer task logs here too).
fn capture_logs() -> (
    Arc<std::sync::Mutex<Vec<u8>>>,
    tracing::subscriber::DefaultGuard,
) {
    #[derive(Clone)]
    struct Sink(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Sink(buf.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    (buf, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn a_full_disk_is_a_503_and_writes_resume_when_space_is_back() {
    let (logs, _guard) = capture_logs();
    let dir = std::env::temp_dir().join(format!(
        "tijara-full-{}",
        tijara_testkit::storage::unique("disk")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(
        tijara_store_sqlx::SqliteStore::connect(&format!(
            "sqlite://{}",
            dir.join("t.db").display()
        ))
        .await
        .unwrap(),
    );
    let app = support::demo_app().await;
    let engine = tijara::Tijara::builder()
        .region(tijara_core::Region::dakhla())
        .storage(store.clone())
        .payment(Arc::new(tijara_pay_offline::CashOnDelivery))
        .carrier(Arc::new(
            tijara_carrier_table::TableCarrier::from_toml(tijara_carrier_table::AMANA_SAMPLE)
                .unwrap(),
        ))
        .build()
        .unwrap();
    let app = App::from(tijara_storefront::AppParts {
        engine,
        ..app.into_parts()
    });
    let post = |app: App| async move {
        let res = tijara_storefront::router(app)
            .oneshot(
                Request::post("/api/v1/carts")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = res.status();
        let retry = res.headers().get(header::RETRY_AFTER).is_some();
        let body: serde_json::Value =
            serde_json::from_slice(&to_bytes(res.into_body(), usize::MAX).await.unwrap()).unwrap();
        (status, retry, body)
    };
    assert_eq!(post(app.clone()).await.0, StatusCode::CREATED);

    store.limit_pages_for_tests(Some(1));
    // The free room left in the file's pages runs out after a few carts.
    let mut last = None;
    for _ in 0..2000 {
        let r = post(app.clone()).await;
        if r.0 != StatusCode::CREATED {
            last = Some(r);
            break;
        }
    }
    let (status, retry, body) = last.expect("the disk fills up");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "temporarily_unavailable", "{body}");
    assert!(retry, "Retry-After is set");
    let (status, _, body) = post(app.clone()).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "still full: {body}"
    );
    let logged = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        logged.lines().any(|l| l.contains("ERROR")
            && l.contains("storage:")
            && l.contains("op=\"commit\"")
            && l.contains("disk full")),
        "the fault is logged on target storage with the operation: {logged}"
    );

    store.limit_pages_for_tests(None);
    for _ in 0..3 {
        let (status, _, body) = post(app.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "space is back: {body}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
