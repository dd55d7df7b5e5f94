//! `Idempotency-Key` over the JSON API: keys are scoped by caller, so two clients sending the
//! same key never share an answer, concurrent retries of one checkout all get the first order
//! (issue 11, items 8 and 14), concurrent duplicates of "ship" ask the carrier for one parcel
//! and a client that hangs up does not leave its key held.

#![allow(clippy::unwrap_used)] // tests fail by unwrapping

mod support;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tijara::ports::carrier::*;
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
        // One e-mail per round: an e-mail may hold only 3 unpaid orders.
        let body = json!({"cart_id": cart, "email": format!("fatima{round}@example.ma"),
            "address": addr, "payment": "cod"});
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
fn a_key_still_in_progress_is_a_409_with_its_own_code_and_a_retry_after() {
    use axum::response::IntoResponse;
    let e = tijara_storefront::api::ApiError::from(tijara::TijaraError::IdempotencyInProgress {
        key: "refund-1".into(),
    });
    assert_eq!(e.0, StatusCode::CONFLICT);
    assert_eq!(e.1, "idempotency_key_in_progress");
    assert!(e.2.contains("in progress"), "{}", e.2);
    let res = e.into_response();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let after = res.headers().get(header::RETRY_AFTER).expect("Retry-After");
    assert!(after.to_str().unwrap().parse::<u32>().unwrap() > 0);
}

/// The demo's Amana rate card, slowed down (so duplicates overlap) and counting the parcels it
/// is asked to create.
struct CountingCarrier {
    inner: tijara_carrier_table::TableCarrier,
    creates: AtomicU32,
    delay: std::time::Duration,
}

#[async_trait::async_trait]
impl Carrier for CountingCarrier {
    fn code(&self) -> &str {
        self.inner.code()
    }
    fn capabilities(&self) -> CarrierCapabilities {
        self.inner.capabilities()
    }
    async fn quote(&self, request: &QuoteRequest) -> Result<Vec<Quote>, CarrierError> {
        self.inner.quote(request).await
    }
    async fn create_shipment(
        &self,
        request: &ShipmentRequest,
    ) -> Result<CreatedShipment, CarrierError> {
        self.creates.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.inner.create_shipment(request).await
    }
    async fn cancel(&self, tracking_number: &str) -> Result<(), CarrierError> {
        self.inner.cancel(tracking_number).await
    }
    async fn track(
        &self,
        tracking_number: &str,
    ) -> Result<Vec<tijara_core::fulfillment::TrackingEvent>, CarrierError> {
        self.inner.track(tracking_number).await
    }
    async fn parse_webhook(&self, request: &WebhookRequest) -> Result<WebhookUpdate, CarrierError> {
        self.inner.parse_webhook(request).await
    }
}

/// The demo marketplace with its Amana carrier counting parcels, and a cash-on-delivery order
/// of the first seller's (its part still awaiting): the router, the carrier, the order and
/// part ids, and the seller's bearer token.
async fn awaiting_part(
    delay: std::time::Duration,
) -> (axum::Router, Arc<CountingCarrier>, String, String, String) {
    let demo = support::demo_app().await;
    let amana = Arc::new(CountingCarrier {
        inner: tijara_carrier_table::TableCarrier::from_toml(tijara_carrier_table::AMANA_SAMPLE)
            .unwrap(),
        creates: AtomicU32::new(0),
        delay,
    });
    let engine = tijara::Tijara::builder()
        .region(demo.engine.region().clone())
        .storage(demo.engine.storage().clone())
        .payment(Arc::new(tijara_pay_offline::CashOnDelivery))
        .carrier(amana.clone())
        .sleeper(Arc::new(tijara_storefront::TokioSleeper))
        .build()
        .unwrap();
    let app = tijara_storefront::App::from(tijara_storefront::AppParts {
        engine,
        ..demo.into_parts()
    });
    let seller = app
        .engine
        .catalog()
        .list_sellers(None, 50)
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    let products = app
        .engine
        .catalog()
        .list_products(
            &tijara::usecases::catalog::ProductFilter::default().with_seller(seller.clone()),
            None,
            50,
        )
        .await
        .unwrap();
    let variant = products
        .items
        .iter()
        .flat_map(|p| p.variants.iter())
        .find(|v| {
            !matches!(
                v.availability,
                tijara_core::inventory::Availability::OutOfStock
            )
        })
        .unwrap()
        .variant
        .id
        .clone();
    let shipping = tijara::usecases::checkout::ShippingSelection::new("amana", "standard");
    let order = app
        .engine
        .checkout()
        .place_order(
            tijara::usecases::checkout::PlaceOrderRequest::new(
                tijara::usecases::checkout::CheckoutCart::Inline {
                    lines: vec![(variant, 1)],
                    coupons: vec![],
                    customer: None,
                    shipping: [(seller, shipping)].into_iter().collect(),
                },
                "aicha@example.ma",
                serde_json::from_value(address("Aicha", "+212661000002")).unwrap(),
                "cod",
                tijara_core::Lang::FR,
            ),
            None,
        )
        .await
        .unwrap()
        .order;
    assert_eq!(
        order.seller_orders[0].status(),
        tijara_core::order::FulfillmentStatus::Awaiting
    );
    let router = tijara_storefront::router(app);
    let (status, v) = post(
        &router,
        "/api/v1/sessions",
        &json!({"email": "seller1@tijara.example", "password": "artisan-demo-2026"}),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    (
        router,
        amana,
        order.id.to_string(),
        order.seller_orders[0].id.to_string(),
        v["token"].as_str().unwrap().to_owned(),
    )
}

fn ship_request(uri: &str, token: &str, key: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("idempotency-key", key)
        .body(Body::empty())
        .unwrap()
}

async fn send(router: &axum::Router, req: Request<Body>) -> (StatusCode, Value) {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), 4 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_duplicate_ship_requests_on_an_awaiting_part_make_one_parcel() {
    let (router, amana, order, part, token) =
        awaiting_part(std::time::Duration::from_millis(200)).await;
    let uri = format!("/api/v1/seller/orders/{order}/{part}/ship");
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let req = ship_request(&uri, &token, "ship-once");
        let router = router.clone();
        calls.spawn(async move { send(&router, req).await });
    }
    let mut shipments = Vec::new();
    while let Some(done) = calls.join_next().await {
        let (status, v) = done.unwrap();
        match status {
            StatusCode::CREATED => shipments.push(v),
            StatusCode::CONFLICT => assert_eq!(v["code"], "idempotency_key_in_progress", "{v}"),
            _ => panic!("a duplicate got {status}: {v}"),
        }
    }
    assert_eq!(
        amana.creates.load(Ordering::SeqCst),
        1,
        "ten duplicates, one parcel asked of the carrier"
    );
    assert!(
        shipments.len() >= 9,
        "duplicates wait for the first answer: {shipments:?}"
    );
    assert!(
        shipments.iter().all(|s| s == &shipments[0]),
        "{shipments:?}"
    );
    assert!(shipments[0]["tracking_number"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_that_hangs_up_mid_shipment_does_not_leave_its_key_held() {
    let (router, amana, order, part, token) =
        awaiting_part(std::time::Duration::from_millis(300)).await;
    let uri = format!("/api/v1/seller/orders/{order}/{part}/ship");
    // The client gives up while the carrier is still answering: axum drops the handler.
    let hung_up = tokio::time::timeout(
        std::time::Duration::from_millis(100),
        send(&router, ship_request(&uri, &token, "ship-hangup")),
    )
    .await;
    assert!(hung_up.is_err(), "the client hung up before the answer");
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    // Its retry gets the shipment the first call made (not a 409 for the claim's whole life).
    let (status, shipment) = send(&router, ship_request(&uri, &token, "ship-hangup")).await;
    assert_eq!(status, StatusCode::CREATED, "{shipment}");
    assert!(shipment["tracking_number"].is_string(), "{shipment}");
    assert_eq!(amana.creates.load(Ordering::SeqCst), 1, "one parcel");
}

#[tokio::test]
async fn a_cart_id_with_a_nul_or_of_60_kb_is_a_client_error_not_a_server_one() {
    let router = tijara_storefront::router(support::demo_app().await);
    let (variant, _) = some_variant(&router).await;
    // A URI holds at most 64 KiB (the JSON body limit is not far above).
    let long = "c".repeat(60_000);
    for id in ["cart%00x", long.as_str(), "%00"] {
        let (status, v) = post(
            &router,
            &format!("/api/v1/carts/{id}/items"),
            &json!({"variant_id": variant, "quantity": 1}),
            Some("add-key"),
        )
        .await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{status}: {v}"
        );
    }
    for id in ["cart\u{0}x", long.as_str()] {
        let order = json!({"cart_id": id, "email": "a@example.ma",
            "address": address("Aicha", "+212661000002"), "payment": "cod"});
        let (status, v) = post(&router, "/api/v1/orders", &order, Some("order-key")).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{status}: {v}"
        );
    }
}
