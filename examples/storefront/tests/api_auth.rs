//! The JSON API's logged-in part over HTTP: bearer sessions, public tracking, the seller
//! portal's actions with their authorization failures, and the OpenAPI document.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

mod support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{Client, call, demo_app, token};

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app);
    let (status, doc) = call(&router, Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/categories",
        "/api/v1/products",
        "/api/v1/products/{slug}",
        "/api/v1/carts",
        "/api/v1/carts/{id}/items",
        "/api/v1/orders",
        "/api/v1/orders/{id}",
        "/api/v1/orders/{id}/tracking",
        "/api/v1/sessions",
        "/api/v1/seller/orders",
        "/api/v1/seller/orders/{order}/{part}/ship",
        "/api/v1/seller/products",
        "/api/v1/seller/statement",
    ] {
        assert!(paths.contains_key(p), "{p} documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert_eq!(
        paths["/api/v1/sessions"]["post"]["tags"][0].as_str(),
        Some("accounts")
    );
}

#[tokio::test]
async fn sellers_act_through_the_api_on_their_own_orders_only() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app.clone());
    // A shopper's COD order through the web shop, with a product of seller 3.
    let seller3 = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items[2]
        .id
        .clone();
    let product = app
        .engine
        .catalog()
        .list_products(
            &tijara::usecases::catalog::ProductFilter::default().with_seller(seller3.clone()),
            None,
            1,
        )
        .await
        .unwrap()
        .items
        .remove(0);
    let mut shopper = Client::new(&app);
    shopper
        .get(&format!("/products/{}", product.product.slug))
        .await;
    let variant = product.variants[0].variant.id.to_string();
    shopper.post("/cart/add", &[("variant", &variant)]).await;
    shopper.get("/checkout").await;
    let address = [
        ("name", "Aicha"),
        ("line1", "Hay Al Massira"),
        ("city", "Dakhla"),
        ("country", "MA"),
        ("phone", "+212661000002"),
        ("email", "aicha@example.ma"),
    ];
    shopper.post("/checkout", &address).await;
    let ship_key = format!("ship_{seller3}");
    let mut fields = address.to_vec();
    fields.push((&ship_key, "amana/standard"));
    fields.push(("payment", "cod"));
    let r = shopper.post("/checkout/place", &fields).await;
    let location = r.location.unwrap();
    let (order, query) = location
        .trim_start_matches("/orders/")
        .split_once('?')
        .unwrap();
    let order_token = query.strip_prefix("t=").unwrap().to_owned();
    let order = order.to_owned();

    // Without a token, with a shopper's token, with another seller's token.
    let (status, v) = call(&router, Method::GET, "/api/v1/seller/orders", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["code"], "unauthorized");
    let (status, _) = call(
        &router,
        Method::GET,
        "/api/v1/seller/orders",
        Some("forged-token-xxxxxxxx"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let shopper_token = token(&router, "shopper@tijara.example", "shopper-demo-2026").await;
    let (status, v) = call(
        &router,
        Method::GET,
        "/api/v1/seller/orders",
        Some(&shopper_token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(v["code"], "forbidden");
    let (status, me) = call(
        &router,
        Method::GET,
        "/api/v1/me",
        Some(&shopper_token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "shopper@tijara.example");
    assert!(me.get("password_hash").is_none());

    let t3 = token(&router, "seller3@tijara.example", "artisan-demo-2026").await;
    let t1 = token(&router, "seller1@tijara.example", "artisan-demo-2026").await;
    let (status, list) = call(
        &router,
        Method::GET,
        "/api/v1/seller/orders",
        Some(&t3),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let part = items[0]["seller_order_id"].as_str().unwrap().to_owned();
    let (_, other) = call(
        &router,
        Method::GET,
        "/api/v1/seller/orders",
        Some(&t1),
        None,
    )
    .await;
    assert!(
        other["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["order_id"] != order.as_str())
    );

    let ship = format!("/api/v1/seller/orders/{order}/{part}/ship");
    let (status, v) = call(&router, Method::POST, &ship, Some(&t1), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (status, shipment) = call(&router, Method::POST, &ship, Some(&t3), None).await;
    assert_eq!(status, StatusCode::CREATED, "{shipment}");
    assert!(
        shipment["tracking_number"]
            .as_str()
            .unwrap()
            .starts_with("AMANA-")
    );
    assert_eq!(
        shipment["provisional_number"], true,
        "the rate card's reference, not the carrier's number: {shipment}"
    );
    let (status, label) = call(
        &router,
        Method::GET,
        &format!("/api/v1/seller/orders/{order}/{part}/label"),
        Some(&t3),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(label["recipient"]["name"], "Aicha");
    assert!(label["cod_amount"].is_object(), "{label}");
    let (status, _) = call(
        &router,
        Method::GET,
        &format!("/api/v1/seller/orders/{order}/{part}/label"),
        Some(&t1),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, s) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/orders/{order}/{part}/tracking"),
        Some(&t3),
        Some(json!({"tracking_number": "AM555666777MA", "status": "out_for_delivery"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["tracking_number"], "AM555666777MA");
    let (status, v) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/orders/{order}/{part}/tracking"),
        Some(&t3),
        Some(json!({"status": "teleported"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // Public tracking with the order's access token (the e-mail opens nothing).
    let (status, t) = call(
        &router,
        Method::GET,
        &format!("/api/v1/orders/{order}/tracking?t={order_token}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t["parcels"][0]["tracking_number"], "AM555666777MA");
    assert_eq!(t["parcels"][0]["shipment_status"], "out_for_delivery");
    let (status, _) = call(
        &router,
        Method::GET,
        &format!("/api/v1/orders/{order}/tracking?email=AICHA@example.ma"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &router,
        Method::GET,
        &format!("/api/v1/orders/{order}/tracking?t={}", "0".repeat(64)),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Products: create for oneself only; others' cannot be changed.
    let (status, p) = call(
        &router,
        Method::POST,
        "/api/v1/seller/products",
        Some(&t3),
        Some(json!({
            "seller_id": "slr_someone_else",
            "category_id": "leather", "slug": "api-wallet",
            "title": {"ar": "محفظة", "fr": "Portefeuille"},
            "made_by": null,
            "variants": [{"sku": "API-W-1", "price": {"amount": "120.00", "currency": "MAD"},
                "tax_category": "standard", "weight_grams": 150, "dimensions": null,
                "shippable": true, "stock_policy": {"policy": "tracked"}, "initial_stock": 3}]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(
        p["seller_id"].as_str(),
        Some(seller3.as_str()),
        "the session's seller"
    );
    let pid = p["id"].as_str().unwrap().to_owned();
    let vid = p["variants"][0]["id"].as_str().unwrap().to_owned();
    let (status, row) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/products/{pid}/stock"),
        Some(&t3),
        Some(json!({"variant_id": vid, "adjustment": {"type": "add", "units": 2}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{row}");
    assert_eq!(row["on_hand"], 5);
    let (status, _) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/products/{pid}/active"),
        Some(&t1),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &router,
        Method::POST,
        &format!("/api/v1/seller/products/{pid}/active"),
        Some(&t3),
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, st) = call(
        &router,
        Method::GET,
        "/api/v1/seller/statement?month=2026-11",
        Some(&t3),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(st["month"], "2026-11");

    // Logout kills the token.
    let (status, _) = call(&router, Method::DELETE, "/api/v1/sessions", Some(&t3), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &router,
        Method::GET,
        "/api/v1/seller/orders",
        Some(&t3),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_logins_share_the_throttle() {
    let app = demo_app().await;
    let router = tijara_storefront::router(app);
    for _ in 0..5 {
        let (status, v) = call(
            &router,
            Method::POST,
            "/api/v1/sessions",
            None,
            Some(json!({"email": "seller2@tijara.example", "password": "nope-nope"})),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(v["code"], "bad_credentials");
    }
    let (status, v) = call(
        &router,
        Method::POST,
        "/api/v1/sessions",
        None,
        Some(json!({"email": "seller2@tijara.example", "password": "artisan-demo-2026"})),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v["code"], "throttled");
    let (status, v) = call(
        &router,
        Method::POST,
        "/api/v1/sessions",
        None,
        Some(json!({"email": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["code"], "bad_request");
}
