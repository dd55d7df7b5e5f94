//! Issue 11 (logging): failed logins, throttling, CSRF refusals and authorization refusals of
//! the pages and the API are logged on the `security` target, with the client's address and
//! the route, never with the password or the token.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

mod support;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use support::{Client, demo_app};
use tower::ServiceExt;

/// The log lines written, in memory.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

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

async fn send(router: &axum::Router, req: Request<Body>) -> StatusCode {
    router.clone().oneshot(req).await.unwrap().status()
}

fn from(addr: &str) -> ConnectInfo<SocketAddr> {
    ConnectInfo(format!("{addr}:50000").parse().unwrap())
}

#[tokio::test(flavor = "current_thread")]
async fn refusals_are_logged_without_secrets() {
    let lines = Lines::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(lines.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());

    // Wrong passwords, then throttled, from one address (API).
    for _ in 0..6 {
        let req = Request::post("/api/v1/sessions")
            .header(header::CONTENT_TYPE, "application/json")
            .extension(from("203.0.113.77"))
            .body(Body::from(
                r#"{"email":"admin@tijara.example","password":"Secret-Guess-42"}"#,
            ))
            .unwrap();
        send(&router, req).await;
    }
    // The API without a live token; the admin pages as a shopper; a form without its token.
    let req = Request::get("/api/v1/me")
        .header(header::AUTHORIZATION, "Bearer not-a-live-token-123456")
        .extension(from("203.0.113.78"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, req).await, StatusCode::UNAUTHORIZED);
    let mut shopper = Client::new(&app);
    shopper
        .login("shopper@tijara.example", "shopper-demo-2026")
        .await;
    assert_eq!(shopper.get("/admin").await.status, StatusCode::FORBIDDEN);
    let req = Request::post("/cart/add")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .extension(from("203.0.113.79"))
        .body(Body::from("variant=x&quantity=1"))
        .unwrap();
    assert_eq!(send(&router, req).await, StatusCode::FORBIDDEN);

    let log = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let security: Vec<&str> = log.lines().filter(|l| l.contains(" security:")).collect();
    let has = |event: &str, also: &str| {
        security
            .iter()
            .any(|l| l.contains(&format!("event=\"{event}\"")) && l.contains(also))
    };
    assert!(has("login_failed", "client=203.0.113.77"), "{log}");
    assert!(has("login_throttled", "client=203.0.113.77"), "{log}");
    assert!(has("authorization_refused", "route=/api/v1/me"), "{log}");
    assert!(has("authorization_refused", "route=/admin"), "{log}");
    assert!(has("csrf_refused", "route=/cart/add"), "{log}");
    assert!(has("csrf_refused", "client=203.0.113.79"), "{log}");
    for secret in [
        "Secret-Guess-42",
        "not-a-live-token-123456",
        "shopper-demo-2026",
        "admin@tijara.example",
    ] {
        assert!(!log.contains(secret), "{secret} logged");
    }
    // The e-mail's tag is keyed (HMAC under the data folder's key), not a plain hash anyone
    // could compute from a list of e-mails.
    use sha2::Digest;
    let plain = hex::encode(sha2::Sha256::digest(b"admin@tijara.example"));
    assert!(
        !log.contains(&plain[..12]),
        "a plain SHA-256 of the e-mail is logged"
    );
    assert!(security.iter().any(|l| l.contains("email=")), "{log}");
}
