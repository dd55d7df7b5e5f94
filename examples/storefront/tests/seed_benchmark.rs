//! `--seed-benchmark`: the benchmark catalog of `benches/http` loads on an empty database only
//! (200 products `bench-000`…`bench-199`, one variant each, 1,000,000 units), and the workload's
//! guest checkout goes through the JSON API on it.

#![allow(clippy::unwrap_used)] // a failed unwrap fails the test

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tijara::usecases::catalog::ProductFilter;
use tower::ServiceExt;

async fn empty_app() -> tijara_storefront::App {
    let settings = tijara_storefront::Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: {
            let dir = std::env::temp_dir().join(tijara_testkit::storage::unique(&format!(
                "tijara-test-app-{}",
                std::process::id()
            )));
            std::fs::create_dir_all(&dir).unwrap();
            dir
        },
        database_url: Some("sqlite::memory:".into()),
        public_url: Some("http://127.0.0.1:9".into()),
        cmi: None,
        display_rates: Vec::new(),
        region: None,
        carriers: Vec::new(),
    };
    tijara_storefront::build(&settings).await.unwrap()
}

async fn post(router: &axum::Router, uri: &str, body: Value) -> (StatusCode, Value) {
    let res = router
        .clone()
        .oneshot(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn the_benchmark_catalog_loads_once_and_sells() {
    let app = empty_app().await;
    assert!(
        tijara_storefront::seed::seed_benchmark_if_empty(&app.engine)
            .await
            .unwrap()
    );
    assert!(
        !tijara_storefront::seed::seed_benchmark_if_empty(&app.engine)
            .await
            .unwrap(),
        "a database with sellers is left as it is"
    );
    assert!(
        !tijara_storefront::seed::seed_if_empty(&app.engine)
            .await
            .unwrap(),
        "no demo marketplace on top of it"
    );
    let mut products = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .engine
            .catalog()
            .list_products(&ProductFilter::default(), after.as_deref(), 100)
            .await
            .unwrap();
        products.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(
        products.len(),
        (tijara_storefront::seed::BENCHMARK_SELLERS
            * tijara_storefront::seed::BENCHMARK_PRODUCTS_PER_SELLER) as usize
    );
    for p in &products {
        assert!(p.product.slug.starts_with("bench-"), "{}", p.product.slug);
        assert_eq!(p.variants.len(), 1);
        assert_eq!(
            p.variants[0].availability,
            tijara_core::inventory::Availability::InStock {
                available: tijara_storefront::seed::BENCHMARK_STOCK
            }
        );
    }

    // The workload's checkout, as benches/http/load.mjs sends it.
    let variant = |i: usize| products[i].variants[0].variant.id.to_string();
    let router = tijara_storefront::router(app.clone());
    let address = json!({"name": "Client Test", "line1": "N° 1, Rue Test", "line2": null,
        "city": "Rabat", "postal_code": "10000", "country": "MA", "phone": "0600000000"});
    let (status, cart) = post(&router, "/api/v1/carts", json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = cart["cart"]["id"].as_str().unwrap().to_owned();
    for i in [0, 150] {
        let (status, _) = post(
            &router,
            &format!("/api/v1/carts/{id}/items"),
            json!({"variant_id": variant(i), "quantity": 1}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, quotes) = post(
        &router,
        &format!("/api/v1/carts/{id}/shipping-quotes"),
        address.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(quotes.as_array().unwrap().len(), 2, "two sellers: {quotes}");
    for seller in quotes.as_array().unwrap() {
        let option = &seller["options"][0];
        let (status, _) = post(
            &router,
            &format!("/api/v1/carts/{id}/shipping"),
            json!({"address": address, "seller_id": seller["seller_id"],
                "carrier": option["carrier"], "service": option["service"]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, placed) = post(
        &router,
        "/api/v1/orders",
        json!({"cart_id": id, "email": "guest@example.ma", "address": address, "payment": "cod"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    // Cash on delivery is confirmed at once (the workload's "pay ... settles at once").
    assert_eq!(placed["order"]["status"], "confirmed", "{placed}");
    let row = app
        .engine
        .catalog()
        .stock_row(&products[0].variants[0].variant.id)
        .await
        .unwrap();
    assert_eq!(
        row.available(),
        tijara_storefront::seed::BENCHMARK_STOCK - 1
    );
}
