//! Issue 18 (logs): the engine's log lines carry the HTTP request's id, one line per gateway
//! call with outcome and duration, and no password, token or key is ever written. A test binary
//! of its own: the subscriber is this thread's, and other tests running at once in the same
//! process would race tracing's per-callsite interest cache.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use std::sync::{Arc, Mutex};
use support::{call, demo_app};
use tower::ServiceExt;

/// The log lines written, in memory.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = Lines;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
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

#[tokio::test(flavor = "current_thread")]
async fn engine_log_lines_carry_the_request_id_and_no_secret() {
    let lines = Lines::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(lines.clone())
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    // A failed login (the engine logs it) with a password that must never be written.
    let secret = "Zz9-never-in-any-log-Qq7";
    let res = router
        .clone()
        .oneshot(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/sessions")
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-request-id", "req-login-1")
                .body(Body::from(
                    json!({"email": "client@demo.ma", "password": secret}).to_string(),
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // A checkout: the payment start is a gateway call, logged with its outcome and duration.
    let (status, order) = checkout(&router, "logs@example.ma").await;
    assert!(status.is_success(), "{order}");
    let text = lines.text();
    let login_line = text
        .lines()
        .find(|l| l.contains("req-login-1") && l.contains("security"))
        .unwrap_or_else(|| panic!("the engine's login line carries the request id:\n{text}"));
    assert!(login_line.contains("request{"), "{login_line}");
    let gateway_line = text
        .lines()
        .find(|l| l.contains("gateway call") && l.contains("gateway=\"cod\""))
        .unwrap_or_else(|| panic!("one line per gateway call:\n{text}"));
    assert!(
        gateway_line.contains("outcome=\"ok\"") && gateway_line.contains("duration_ms"),
        "{gateway_line}"
    );
    assert!(gateway_line.contains("request{id="), "{gateway_line}");
    // Never the password, the order's access token or the demo CMI store key.
    assert!(!text.contains(secret), "the password is in the log");
    if let Some(token) = order["access_token"].as_str() {
        assert!(
            !text.contains(token),
            "the order's access token is in the log"
        );
    }
    let key = tijara_storefront::demo_store_key(&app.data_dir).unwrap();
    assert!(!text.contains(&key), "the CMI store key is in the log");
}
