//! Issue 18 (operations): request ids carried into the engine's log lines, no secret in the
//! logs, Prometheus metrics on their own router, `/healthz` and `/readyz`.

#![allow(clippy::unwrap_used, clippy::panic)] // tests fail by unwrapping

mod support;

use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use std::sync::Arc;
use support::{call, demo_app, file_app};
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
    let app = tijara_storefront::App::from(tijara_storefront::AppParts {
        engine,
        ..app.into_parts()
    });
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

#[tokio::test]
async fn readyz_refuses_a_database_behind_or_ahead_of_this_version() {
    let (app, db) = file_app("schema").await;
    let router = tijara_storefront::router(app);
    let (status, _, body) = get(&router, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["migrations"], "applied", "{body}");
    // An operator restores an old copy under the running process: a migration is missing.
    let side = rusqlite::Connection::open(&db).unwrap();
    let last: i64 = side
        .query_row("SELECT MAX(version) FROM _sqlx_migrations", [], |r| {
            r.get(0)
        })
        .unwrap();
    let row: (String, Vec<u8>) = side
        .query_row(
            "SELECT description, checksum FROM _sqlx_migrations WHERE version = ?1",
            [last],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    side.execute("DELETE FROM _sqlx_migrations WHERE version = ?1", [last])
        .unwrap();
    let (status, headers, body) = get(&router, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "database_behind", "{body}");
    assert_eq!(v["missing_migrations"], json!([last]), "{body}");
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("restart the storefront"),
        "{body}"
    );
    // Put back, the database is current again.
    side.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?1, ?2, TRUE, ?3, 0)",
        rusqlite::params![last, row.0, row.1],
    )
    .unwrap();
    assert_eq!(get(&router, "/readyz").await.0, StatusCode::OK);
    // A newer version migrates it while this one runs (a rolling upgrade).
    let future = 99_991_231_000_000_i64;
    side.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?1, 'from a newer version', TRUE, x'00', 0)",
        [future],
    )
    .unwrap();
    let (status, _, body) = get(&router, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "database_ahead", "{body}");
    assert_eq!(v["unknown_migrations"], json!([future]), "{body}");
    assert!(
        v["reason"].as_str().unwrap().contains("newer version"),
        "{body}"
    );
    // The liveness probe does not restart the process for it.
    assert_eq!(get(&router, "/healthz").await.0, StatusCode::OK);
}

/// The value of an unlabelled series in a Prometheus text.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} missing in:\n{text}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_outbox_backlog_is_counted_past_a_thousand_events() {
    use tijara::ports::storage::{Changeset, NewEvent};
    let mut app = demo_app().await;
    app.ops.metrics = tijara_storefront::ops::Metrics::install();
    // The demo's own events delivered: the outbox is empty.
    app.engine
        .operations()
        .dispatch_events(100_000)
        .await
        .unwrap();
    let two_minutes_ago = app.engine.now() - tijara_core::chrono::Duration::seconds(120);
    for chunk in 0..3 {
        app.engine
            .storage()
            .commit(Changeset {
                events: (0..500)
                    .map(|i| {
                        NewEvent::new(
                            format!("order:ord_backlog_{chunk}_{i}"),
                            "order.placed",
                            "{}",
                        )
                    })
                    .collect(),
                now: Some(two_minutes_ago),
                ..Changeset::default()
            })
            .await
            .unwrap();
    }
    let (status, _, text) = get(
        &tijara_storefront::ops::metrics_router(app.clone()),
        "/metrics",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sample(&text, "tijara_outbox_backlog"), 1500.0, "{text}");
    assert_eq!(sample(&text, "tijara_outbox_backlog_saturated"), 0.0);
    assert_eq!(sample(&text, "tijara_database_up"), 1.0);
    let age = sample(&text, "tijara_outbox_oldest_age_seconds");
    assert!((120.0..600.0).contains(&age), "{age}");
    assert!(
        text.contains("# TYPE tijara_outbox_backlog gauge"),
        "{text}"
    );
    let (status, _, body) = get(&tijara_storefront::router(app.clone()), "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["outbox_backlog"], 1500, "{body}");
    assert!(
        v["outbox_oldest_age_seconds"].as_u64().unwrap() >= 120,
        "{body}"
    );
}

#[tokio::test]
async fn metrics_show_the_sqlite_readers_and_the_writer_queue() {
    let (mut app, _) = file_app("pool").await;
    app.ops.metrics = tijara_storefront::ops::Metrics::install();
    let shop = tijara_storefront::router(app.clone());
    for _ in 0..3 {
        assert_eq!(
            get(&shop, "/api/v1/products?limit=2").await.0,
            StatusCode::OK
        );
    }
    let (status, _, text) = get(
        &tijara_storefront::ops::metrics_router(app.clone()),
        "/metrics",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        sample(&text, "tijara_db_pool_connections{state=\"idle\"}") >= 1.0,
        "a reader connection kept for the next reads:\n{text}"
    );
    assert_eq!(
        sample(&text, "tijara_db_pool_connections{state=\"busy\"}"),
        0.0
    );
    assert_eq!(sample(&text, "tijara_db_pool_max_connections"), 8.0);
    assert_eq!(sample(&text, "tijara_db_write_queue"), 0.0);
    assert!(
        text.contains("# TYPE tijara_db_write_queue gauge"),
        "{text}"
    );
}

#[tokio::test]
async fn each_request_counts_once_in_its_series() {
    let mut app = demo_app().await;
    app.ops.metrics = tijara_storefront::ops::Metrics::install();
    let shop = tijara_storefront::router(app.clone());
    let metrics = tijara_storefront::ops::metrics_router(app.clone());
    // A route no other test of this file calls with metrics on.
    let series =
        "tijara_http_requests_total{route=\"/api/openapi.json\",method=\"GET\",status=\"200\"}";
    let count = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |v| v.parse::<f64>().unwrap())
    };
    let before = count(&get(&metrics, "/metrics").await.2);
    for _ in 0..3 {
        assert_eq!(get(&shop, "/api/openapi.json").await.0, StatusCode::OK);
    }
    let after = count(&get(&metrics, "/metrics").await.2);
    assert_eq!(after - before, 3.0, "each request counted once");
    // A method a client invents adds no series of its own.
    let res = shop
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::from_bytes(b"BREW").unwrap())
                .uri("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let text = get(&metrics, "/metrics").await.2;
    assert!(!text.contains("BREW"), "{text}");
    assert!(text.contains("method=\"OTHER\""), "{text}");
}
