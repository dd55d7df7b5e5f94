//! The headless server for Laâyoune: its region, sellers and rate card answer through the JSON
//! API, from catalog to a cash-on-delivery order. On PostgreSQL (its default) when
//! `TIJARA_TEST_POSTGRES_URL` is set, else on in-memory SQLite.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

async fn call(
    router: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let res = router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mobile_app_shops_in_laayoune() {
    let storage: Arc<dyn tijara::ports::storage::Storage> =
        match std::env::var("TIJARA_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(url) => {
                let schema = format!("t_headless_{}", std::process::id());
                Arc::new(
                    tijara_store_sqlx::PostgresStore::connect_in_schema(&url, Some(&schema))
                        .await
                        .unwrap(),
                )
            }
            None => {
                println!("notice: TIJARA_TEST_POSTGRES_URL not set; running on in-memory SQLite");
                tijara_store_sqlx::connect("sqlite::memory:").await.unwrap()
            }
        };
    let engine = tijara_example_headless_api::engine_on(storage).unwrap();
    assert_eq!(engine.region().code, "MA-LSH");
    assert!(tijara_example_headless_api::seed(&engine).await.unwrap());
    assert!(
        !tijara_example_headless_api::seed(&engine).await.unwrap(),
        "once"
    );
    let router = tijara_example_headless_api::router(engine, "http://127.0.0.1".into());

    let (status, page) = call(&router, "GET", "/api/v1/products?q=Smara", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let item = &page["items"][0];
    assert_eq!(item["product"]["title"]["es"], "Anillo de Smara");
    let variant = item["variants"][0]["variant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seller = item["product"]["seller_id"].as_str().unwrap().to_owned();

    let (status, cart) = call(&router, "POST", "/api/v1/carts", None).await;
    assert_eq!(status, StatusCode::CREATED);
    let cart = cart["cart"]["id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &router,
        "POST",
        &format!("/api/v1/carts/{cart}/items"),
        Some(json!({"variant_id": variant, "quantity": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let address = json!({"name": "Mariam", "line1": "Hay Al Qods", "line2": null, "city": "Laâyoune",
        "postal_code": null, "country": "MA", "phone": "+212661000003"});
    let (status, quotes) = call(
        &router,
        "POST",
        &format!("/api/v1/carts/{cart}/shipping-quotes"),
        Some(address.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{quotes}");
    let options = quotes[0]["options"].as_array().unwrap();
    let sakia = options
        .iter()
        .find(|o| o["carrier"] == "sakia-express")
        .expect("the region's own courier");
    assert_eq!(
        sakia["price"]["amount"], "22.00",
        "to Laâyoune (the city zone), 1.8 kg: the 5 kg bracket"
    );
    // Paying on delivery, the courier's COD fee (2 %, at least 8.00) is part of the quote.
    let (status, cod_quotes) = call(
        &router,
        "POST",
        &format!("/api/v1/carts/{cart}/shipping-quotes?payment=cod"),
        Some(address.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cod_quotes}");
    let sakia_cod = cod_quotes[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["carrier"] == "sakia-express")
        .expect("the region's own courier")
        .clone();
    assert_eq!(
        sakia_cod["price"]["amount"], "32.40",
        "22.00 + 2 % of the 520.00 collected"
    );
    let (status, _) = call(&router, "POST", &format!("/api/v1/carts/{cart}/shipping"), Some(json!({
        "address": address, "seller_id": seller, "carrier": "sakia-express", "service": "standard"}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, placed) = call(&router, "POST", "/api/v1/orders", Some(json!({
        "cart_id": cart, "email": "mariam@example.ma", "address": address, "payment": "cod", "lang": "es"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    assert_eq!(
        placed["order"]["grand_total"]["amount"], "552.40",
        "2 × 260 + 22 + the 10.40 COD fee, as quoted with ?payment=cod"
    );
    let (status, doc) = call(&router, "GET", "/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["paths"]["/api/v1/orders"].is_object());
    // No HTML pages on this server.
    let (status, _) = call(&router, "GET", "/", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
