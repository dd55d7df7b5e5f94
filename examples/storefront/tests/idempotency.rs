//! `Idempotency-Key` over the JSON API: keys are scoped by caller, so two clients sending the
//! same key never share an answer, and concurrent retries of one checkout all get the first
//! order (issue 11, items 8 and 14).

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

mod support;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

async fn post(
    router: &axum::Router,
    uri: &str,
    body: &Value,
    key: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, String) {
    let res = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

fn address(name: &str, phone: &str) -> Value {
    json!({
        "name": name, "line1": "N° 12, Rue Tarfaya, Hay Al Wahda", "line2": null,
        "city": "Dakhla", "postal_code": "73000", "country": "MA", "phone": phone
    })
}

/// The variant with the most units available (untracked ones count as unlimited) and its
/// seller.
async fn some_variant(router: &axum::Router) -> (String, String) {
    let (status, body) = get(router, "/api/v1/products?limit=100&in_stock=true").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    let mut best = (0, String::new(), String::new());
    for item in page["items"].as_array().unwrap() {
        for v in item["variants"].as_array().unwrap() {
            let available = v["availability"]["available"].as_u64().unwrap_or(u64::MAX);
            if available > best.0 {
                best = (
                    available,
                    v["variant"]["id"].as_str().unwrap().to_owned(),
                    item["product"]["seller_id"].as_str().unwrap().to_owned(),
                );
            }
        }
    }
    assert!(best.0 >= 25, "a variant with stock for every round");
    (best.1, best.2)
}

/// A guest fills a cart (one unit, delivery chosen to `addr`), every call with the same keys.
async fn fill(router: &axum::Router, variant: &str, seller: &str, addr: &Value) -> String {
    let (status, cart) = post(router, "/api/v1/carts", &json!({}), Some("cart-key")).await;
    assert_eq!(status, StatusCode::CREATED, "{cart}");
    let id = cart["cart"]["id"].as_str().unwrap().to_owned();
    let (status, doc) = post(
        router,
        &format!("/api/v1/carts/{id}/items"),
        &json!({"variant_id": variant, "quantity": 1}),
        Some("add-key"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let (status, quotes) = post(
        router,
        &format!("/api/v1/carts/{id}/shipping-quotes"),
        addr,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{quotes}");
    let option = &quotes[0]["options"][0];
    let (status, doc) = post(
        router,
        &format!("/api/v1/carts/{id}/shipping"),
        &json!({"address": addr, "seller_id": seller, "carrier": option["carrier"],
            "service": option["service"]}),
        Some("ship-key"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    id
}

#[tokio::test]
async fn two_clients_sending_one_key_never_see_each_others_cart_or_order() {
    let router = tijara_storefront::router(support::demo_app().await);
    let (variant, seller) = some_variant(&router).await;
    let fatima = address("Fatima Zahra", "+212661000001");
    let omar = address("Omar Ait Baha", "+212662000002");
    let a = fill(&router, &variant, &seller, &fatima).await;
    let b = fill(&router, &variant, &seller, &omar).await;
    assert_ne!(a, b, "one key, two clients: two carts");
    let (_, cart_b) = get(&router, &format!("/api/v1/carts/{b}")).await;
    assert!(
        !cart_b.contains("Fatima") && !cart_b.contains("+212661000001"),
        "client B reads none of client A's details: {cart_b}"
    );
    let order = |cart: &str, email: &str, addr: &Value| json!({"cart_id": cart, "email": email, "address": addr, "payment": "cod"});
    let (status, placed_a) = post(
        &router,
        "/api/v1/orders",
        &order(&a, "fatima@example.ma", &fatima),
        Some("order-key"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{placed_a}");
    let (status, placed_b) = post(
        &router,
        "/api/v1/orders",
        &order(&b, "omar@example.ma", &omar),
        Some("order-key"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{placed_b}");
    assert_ne!(placed_a["order"]["id"], placed_b["order"]["id"]);
    assert!(!placed_b.to_string().contains("Fatima"), "{placed_b}");
    // The same client retrying still gets its first answer.
    let (status, again) = post(
        &router,
        "/api/v1/orders",
        &order(&a, "fatima@example.ma", &fatima),
        Some("order-key"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["order"]["id"], placed_a["order"]["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_retries_of_one_checkout_all_get_the_first_order() {
    let router = tijara_storefront::router(support::demo_app().await);
    let (variant, seller) = some_variant(&router).await;
    let addr = address("Fatima Zahra", "+212661000001");
    for round in 0..20 {
        let cart = fill(&router, &variant, &seller, &addr).await;
        // One e-mail per round: a shopper has at most 3 unpaid orders.
        let body = json!({"cart_id": cart, "email": format!("fatima{round}@example.ma"), "address": addr,
            "payment": "cod"});
        let key = format!("checkout-{round}");
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let (router, body, key) = (router.clone(), body.clone(), key.clone());
            calls.spawn(async move { post(&router, "/api/v1/orders", &body, Some(&key)).await });
        }
        let mut ids = std::collections::BTreeSet::new();
        while let Some(done) = calls.join_next().await {
            let (status, v) = done.unwrap();
            assert_eq!(status, StatusCode::CREATED, "round {round}: {v}");
            ids.insert(v["order"]["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(ids.len(), 1, "round {round}: one order for ten retries");
    }
}

async fn seller_call(
    router: &axum::Router,
    token: &str,
    body: &Value,
    key: &str,
) -> (StatusCode, Value) {
    let req = Request::post("/api/v1/seller/products")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("idempotency-key", key);
    let res = router
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn two_sellers_sending_one_key_each_get_their_own_product() {
    let router = tijara_storefront::router(support::demo_app().await);
    let login = |email: &'static str| {
        let router = router.clone();
        async move {
            let (status, v) = post(
                &router,
                "/api/v1/sessions",
                &json!({"email": email, "password": "artisan-demo-2026"}),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{v}");
            v["token"].as_str().unwrap().to_owned()
        }
    };
    let (t1, t3) = (
        login("seller1@tijara.example").await,
        login("seller3@tijara.example").await,
    );
    let product = |slug: &str| {
        json!({
            "seller_id": "ignored", "category_id": "leather", "slug": slug,
            "title": {"ar": "محفظة", "fr": "Portefeuille"}, "made_by": null,
            "variants": [{"sku": format!("{slug}-1"), "price": {"amount": "120.00", "currency": "MAD"},
                "tax_category": "standard", "weight_grams": 150, "dimensions": null,
                "shippable": true, "stock_policy": {"policy": "tracked"}, "initial_stock": 3}]
        })
    };
    let (s1, p1) = seller_call(&router, &t1, &product("wallet-one"), "new-product").await;
    assert_eq!(s1, StatusCode::CREATED, "{p1}");
    let (s3, p3) = seller_call(&router, &t3, &product("wallet-three"), "new-product").await;
    assert_eq!(
        s3,
        StatusCode::CREATED,
        "another seller's key is not this one's: {p3}"
    );
    assert_ne!(p1["id"], p3["id"]);
    assert_ne!(p1["seller_id"], p3["seller_id"]);
    let (again, p1b) = seller_call(&router, &t1, &product("wallet-one"), "new-product").await;
    assert_eq!(again, StatusCode::CREATED, "{p1b}");
    assert_eq!(
        p1b["id"], p1["id"],
        "the same seller's retry is the first answer"
    );
}

#[test]
fn a_key_still_in_progress_is_a_409_with_its_own_code() {
    let e = tijara_storefront::api::ApiError::from(tijara::TijaraError::IdempotencyInProgress {
        key: "refund-1".into(),
    });
    assert_eq!(e.0, StatusCode::CONFLICT);
    assert_eq!(e.1, "idempotency_key_in_progress");
    assert!(e.2.contains("in progress"), "{}", e.2);
}
