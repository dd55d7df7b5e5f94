//! Issue 18 (operations): request ids carried into the engine's log lines, no secret in the
//! logs, Prometheus metrics on their own router, `/healthz` and `/readyz`.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

mod support;

use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use std::sync::Arc;
use support::{call, demo_app};
use tower::ServiceExt;

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = router
        .clone()
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// A guest checkout through the JSON API, cash on delivery; the order's JSON.
async fn checkout(router: &axum::Router, email: &str) -> (StatusCode, serde_json::Value) {
    let (_, page) = call(router, Method::GET, "/api/v1/products?limit=2", None, None).await;
    let variant = page["items"][0]["variants"][0]["variant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, cart) = call(router, Method::POST, "/api/v1/carts", None, Some(json!({}))).await;
    assert!(status.is_success(), "{cart}");
    let id = cart["cart"]["id"].as_str().unwrap().to_owned();
    let (status, v) = call(
        router,
        Method::POST,
        &format!("/api/v1/carts/{id}/items"),
        None,
        Some(json!({"variant_id": variant, "quantity": 1})),
    )
    .await;
    assert!(status.is_success(), "{v}");
    let address = json!({
        "name": "Client Test", "line1": "N° 1, Rue Test", "line2": null, "city": "Rabat",
        "postal_code": "10000", "country": "MA", "phone": "0600000000",
    });
    let (status, quotes) = call(
        router,
        Method::POST,
        &format!("/api/v1/carts/{id}/shipping-quotes"),
        None,
        Some(address.clone()),
    )
    .await;
    assert!(status.is_success(), "{quotes}");
    for seller in quotes.as_array().unwrap() {
        let option = &seller["options"][0];
        let (status, v) = call(
            router,
            Method::POST,
            &format!("/api/v1/carts/{id}/shipping"),
            None,
            Some(json!({
                "address": address, "seller_id": seller["seller_id"],
                "carrier": option["carrier"], "service": option["service"],
            })),
        )
        .await;
        assert!(status.is_success(), "{v}");
    }
    call(
        router,
        Method::POST,
        "/api/v1/orders",
        None,
        Some(json!({"cart_id": id, "email": email, "address": address, "payment": "cod"})),
    )
    .await
}

#[tokio::test]
async fn healthz_and_readyz_answer_for_load_balancers() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    let (status, headers, body) = get(&router, "/healthz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(body.contains("alive"), "{body}");
    let (status, _, body) = get(&router, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "ready", "{body}");
    assert_eq!(v["database"], "ok", "{body}");
    // No session cookie is handed to a probe.
    let (_, headers, _) = get(&router, "/readyz").await;
    assert!(headers.get(header::SET_COOKIE).is_none());
    // Once a shutdown begins, the load balancer is told to stop sending.
    app.ops.shutdown.begin();
    let (status, _, body) = get(&router, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body.contains("shutting_down") && body.contains("another instance"),
        "{body}"
    );
    // The process is still alive while it finishes its requests.
    assert_eq!(get(&router, "/healthz").await.0, StatusCode::OK);
}

#[tokio::test]
async fn readyz_says_when_the_outbox_is_stuck() {
    let mut app = demo_app().await;
    // An order's events wait in the outbox (no dispatcher runs in tests).
    let (status, order) =
        checkout(&tijara_storefront::router(app.clone()), "outbox@example.ma").await;
    assert!(status.is_success(), "{order}");
    let (status, _, body) = get(&tijara_storefront::router(app.clone()), "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["outbox_backlog"].as_u64().unwrap() > 0, "{body}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.ops.outbox_max_age = std::time::Duration::from_secs(1);
    let (status, _, body) = get(&tijara_storefront::router(app.clone()), "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body.contains("outbox_stuck") && body.contains("check the e-mail"),
        "{body}"
    );
    // Delivered, the outbox is no longer stuck.
    app.engine
        .operations()
        .dispatch_events(10_000)
        .await
        .unwrap();
    let (status, _, body) = get(&tijara_storefront::router(app.clone()), "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn readyz_says_when_the_database_does_not_answer() {
    let app = demo_app().await;
    let outage = Arc::new(tijara_testkit::outage::Outage::new(
        app.engine.storage().clone(),
    ));
    let engine = tijara::Tijara::builder()
        .storage(outage.clone())
        .payment(Arc::new(tijara_pay_offline::CashOnDelivery))
        .carrier(Arc::new(
            tijara_carrier_table::TableCarrier::from_toml(tijara_carrier_table::AMANA_SAMPLE)
                .unwrap(),
        ))
        .build()
        .unwrap();
    let app = tijara_storefront::App { engine, ..app };
    let router = tijara_storefront::router(app);
    assert_eq!(get(&router, "/readyz").await.0, StatusCode::OK);
    outage.set_down(true);
    let (status, _, body) = get(&router, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body.contains("database_unreachable") && body.contains("--database-url"),
        "{body}"
    );
    // The liveness probe does not restart a process for its database's outage.
    assert_eq!(get(&router, "/healthz").await.0, StatusCode::OK);
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app);
    let (_, a, _) = get(&router, "/healthz").await;
    let (_, b, _) = get(&router, "/").await;
    let (a, b) = (a["x-request-id"].clone(), b["x-request-id"].clone());
    assert!(!a.is_empty() && a != b, "{a:?} {b:?}");
    // A proxy's id is kept; a strange one is replaced.
    let res = router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/healthz")
                .header("x-request-id", "lb-1234.abc")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "lb-1234.abc");
    let res = router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/healthz")
                .header("x-request-id", "<script>alert(1)</script>")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "<script>alert(1)</script>");
}

#[tokio::test]
async fn metrics_count_requests_checkouts_and_commits_on_their_own_router() {
    let mut app = demo_app().await;
    // Not on the shop's address.
    let shop = tijara_storefront::router(app.clone());
    assert_eq!(get(&shop, "/metrics").await.0, StatusCode::NOT_FOUND);
    // Off: the metrics router says how to turn them on.
    let (status, _, body) = get(
        &tijara_storefront::ops::metrics_router(app.clone()),
        "/metrics",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("--metrics-bind"), "{body}");
    app.ops.metrics = tijara_storefront::ops::Metrics::install();
    assert!(app.ops.metrics.is_some());
    let shop = tijara_storefront::router(app.clone());
    let metrics = tijara_storefront::ops::metrics_router(app.clone());
    assert_eq!(get(&shop, "/healthz").await.0, StatusCode::OK);
    let (status, order) = checkout(&shop, "metrics@example.ma").await;
    assert!(status.is_success(), "{order}");
    let (status, _, text) = get(&metrics, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for series in [
        "tijara_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}",
        "tijara_http_request_seconds_bucket{route=\"/api/v1/orders\",method=\"POST\",le=\"0.5\"}",
        "tijara_checkouts_total{outcome=\"placed\"}",
        "tijara_gateway_calls_total{gateway=\"cod\",call=\"start\",outcome=\"ok\"}",
        "tijara_storage_commit_seconds_bucket{backend=\"sqlite\"",
        "tijara_storage_commit_batch_size_bucket",
        "tijara_outbox_backlog ",
        "tijara_outbox_oldest_age_seconds ",
        "# TYPE tijara_http_request_seconds histogram",
    ] {
        assert!(text.contains(series), "{series} missing in:\n{text}");
    }
}
