//! What tracing and metrics cost per request, counted in instructions rather than timed: the
//! storefront's real router (`tijara_storefront::router`) over the benchmark catalog (200
//! products, 5 sellers) on SQLite (the rusqlite adapter, the storefront's default), driven in
//! process (`tower::ServiceExt::oneshot`, no sockets) on a one-thread Tokio runtime, so a run
//! under `valgrind --tool=callgrind` is repeatable to a few instructions per request.
//!
//! `TIJARA_OPS` chooses the operations setting, as the storefront binary would run:
//! - `off`: logs filtered at `warn` in text (the HTTP benchmark's "off"), no metrics;
//! - `on`: the storefront's default filter ([`tijara_storefront::ops::DEFAULT_LOG`], info) as
//!   JSON with the current span, and the Prometheus recorder installed (`--metrics-bind`).
//!
//! `TIJARA_OPS_WORKLOAD` is `read` (a product's JSON, `GET /api/v1/products/{slug}`) or
//! `checkout` (the HTTP benchmark's guest checkout: 6–7 requests, cash on delivery);
//! `TIJARA_OPS_N` how many are measured after `TIJARA_OPS_WARMUP` (default 200) unmeasured ones.
//! Logs go to standard error (send it to /dev/null). Instructions per request are the
//! difference between two runs that differ only in `TIJARA_OPS_N`, divided by the difference in
//! requests, which cancels the setup:
//!
//! ```sh
//! cargo bench -p tijara-benches --bench ops_overhead --no-run   # prints the executable
//! for n in 200 1200; do TIJARA_OPS=on TIJARA_OPS_WORKLOAD=read TIJARA_OPS_N=$n \
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/deps/ops_overhead-* 2>&1 >/dev/null \
//!   | grep Collected; done
//! ```
//!
//! `benches/scripts/ops_overhead.sh` runs the four settings and prints the table.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark aborts on setup failure

use axum::body::{Body, to_bytes};
use axum::http::{Method, Request};
use serde_json::{Value, json};
use tijara_benches::engine::shop;
use tower::ServiceExt;

fn env(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// One request through the router; the answer's JSON (`Null` when it is not JSON).
async fn call(router: &axum::Router, method: Method, uri: &str, body: Option<&Value>) -> Value {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let res = router
        .clone()
        .oneshot(req.body(body).expect("request"))
        .await
        .expect("answer");
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 1 << 22).await.expect("body");
    assert!(
        status.is_success(),
        "{uri}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

fn address() -> Value {
    json!({"name": "Client Test", "line1": "N° 1, Rue Test", "line2": null, "city": "Rabat",
        "postal_code": "10000", "country": "MA", "phone": "0600000000"})
}

/// The HTTP benchmark's checkout of variants `a` and `b`: the number of requests it made.
async fn checkout(router: &axum::Router, variants: &[String], guest: u64) -> u64 {
    let n = variants.len() as u64;
    let mixed = guest.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let a = (mixed % n) as usize;
    let b = (a + 1 + ((mixed >> 32) % (n - 1)) as usize) % variants.len();
    let cart = call(router, Method::POST, "/api/v1/carts", Some(&json!({}))).await;
    let id = cart["cart"]["id"].as_str().expect("cart id").to_owned();
    let items = format!("/api/v1/carts/{id}/items");
    for v in [a, b] {
        call(
            router,
            Method::POST,
            &items,
            Some(&json!({"variant_id": variants[v], "quantity": 1})),
        )
        .await;
    }
    let quotes = call(
        router,
        Method::POST,
        &format!("/api/v1/carts/{id}/shipping-quotes"),
        Some(&address()),
    )
    .await;
    let sellers = quotes.as_array().expect("quotes").clone();
    for seller in &sellers {
        let option = &seller["options"][0];
        call(
            router,
            Method::POST,
            &format!("/api/v1/carts/{id}/shipping"),
            Some(
                &json!({"address": address(), "seller_id": seller["seller_id"],
                "carrier": option["carrier"], "service": option["service"]}),
            ),
        )
        .await;
    }
    let placed = call(
        router,
        Method::POST,
        "/api/v1/orders",
        Some(
            &json!({"cart_id": id, "email": format!("guest{guest}@example.ma"),
            "address": address(), "payment": "cod"}),
        ),
    )
    .await;
    assert!(placed["order"]["status"].is_string(), "{placed}");
    5 + sellers.len() as u64
}

fn main() {
    let ops = env("TIJARA_OPS", "off");
    let workload = env("TIJARA_OPS_WORKLOAD", "read");
    let n: u64 = env("TIJARA_OPS_N", "200").parse().expect("TIJARA_OPS_N");
    let warmup: u64 = env("TIJARA_OPS_WARMUP", "200")
        .parse()
        .expect("TIJARA_OPS_WARMUP");
    let on = match ops.as_str() {
        "on" => true,
        "off" => false,
        other => panic!("TIJARA_OPS={other}: on or off"),
    };
    // The storefront binary's subscriber (src/main.rs), with its filter for each setting.
    tijara_storefront::ops::install_logs(
        tracing_subscriber::EnvFilter::new(if on {
            tijara_storefront::ops::DEFAULT_LOG
        } else {
            "warn"
        }),
        on,
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("tijara-ops-overhead-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("data folder");
        let url = format!("sqlite://{}", dir.join("tijara.db").display());
        let storage = tijara_store_sqlite::connect(&url).await.expect("SQLite");
        let shop = shop(storage, 1_000_000).await.expect("catalog");
        let variants: Vec<String> = shop
            .variants
            .iter()
            .map(|(v, _)| v.as_str().to_owned())
            .collect();
        let mut app_ops = tijara_storefront::ops::Ops::default();
        if on {
            app_ops.metrics = tijara_storefront::ops::Metrics::install();
            assert!(app_ops.metrics.is_some(), "the recorder");
        }
        let mut app = tijara_storefront::App::headless(shop.engine.clone(), "http://127.0.0.1");
        app.data_dir = dir.as_path().into();
        app.ops = app_ops;
        let router = tijara_storefront::router(app);
        let mut requests = 0u64;
        for i in 0..warmup + n {
            if i == warmup {
                requests = 0;
            }
            match workload.as_str() {
                "read" => {
                    let slug = format!("product-{}", (i * 37) % 200);
                    call(
                        &router,
                        Method::GET,
                        &format!("/api/v1/products/{slug}"),
                        None,
                    )
                    .await;
                    requests += 1;
                }
                "checkout" => requests += checkout(&router, &variants, i).await,
                other => panic!("TIJARA_OPS_WORKLOAD={other}: read or checkout"),
            }
        }
        println!("ops={ops} workload={workload} measured={n} requests={requests}");
        let _ = std::fs::remove_dir_all(&dir);
    });
}
